import DisclosureCore
import Testing

@Suite("Publication planner")
struct PublicationPlannerTests {
    typealias Known = PublicationPlanner.Known

    @Test("new → publish; same content → unchanged; other content → correction of it; withdrawn stays; a key twice → first only")
    func decisions() {
        let known: [String: Known] = [
            "same": Known(contentHash: "h1", state: .published, batchID: "b1"),
            "pending": Known(contentHash: "h2", state: .pending, batchID: "b2"),
            "changed": Known(contentHash: "old", state: .published, batchID: "b3"),
            "gone": Known(contentHash: "h4", state: .withdrawn, batchID: "b4"),
        ]
        let decisions = PublicationPlanner.decide(
            keys: ["new", "same", "pending", "changed", "gone", "new"],
            hashes: ["n", "h1", "h2", "h3", "other", "n2"],
            known: known)
        #expect(decisions == [
            .publish,
            .unchanged(known["same"]!),
            .unchanged(known["pending"]!),
            .correct(previous: "old", batch: "b3"),
            .withdrawn(known["gone"]!),
            .repeatedKey,
        ])
    }

    @Test("republishing sends published, unchanged records again; pending ones wait; changed ones are still corrections")
    func republishing() {
        let known: [String: Known] = [
            "published": Known(contentHash: "h1", state: .published, batchID: "b1"),
            "pending": Known(contentHash: "h2", state: .pending, batchID: "b2"),
            "changed": Known(contentHash: "old", state: .published, batchID: "b3"),
        ]
        let decisions = PublicationPlanner.decide(
            keys: ["published", "pending", "changed", "new"], hashes: ["h1", "h2", "h3", "n"], known: known, republishing: true)
        #expect(decisions == [.republish, .unchanged(known["pending"]!), .correct(previous: "old", batch: "b3"), .publish])
    }

    @Test("a correction's batch id covers the batches it corrects: content flipping back (A, B, A, B) makes two batches of one file; the same plan one id")
    func correctionIdentity() {
        func id(_ corrects: [String?]) -> String {
            BatchIdentity.feedMaterial(
                portal: "p", feed: "f", operation: .correct, payloadSHA256: "same", date: "2026-12-07",
                corrects: BatchIdentity.correctedBatches(corrects))
        }
        #expect(id(["b1"]) != id(["b3"]))
        #expect(id(["b1", "b3", "b1"]) == id(["b3", "b1"]))
        // A first publication and a republication are as they were.
        #expect(
            BatchIdentity.feedMaterial(portal: "p", feed: "f", operation: .publish, payloadSHA256: "x", date: "2026-12-07", corrects: ["b1"])
                == BatchIdentity.feedMaterial(portal: "p", feed: "f", operation: .publish, payloadSHA256: "x", date: "2026-12-07"))
    }

    @Test("a key's latest publication carries the withdrawals asked for the ones before it; withdrawn before, it stays withdrawn, even to correct it")
    func carriedWithdrawal() {
        let published = CurrentPublication(contentSHA256: "a", status: .withdrawn, batchID: "b1", withdrawalReason: "撤销")
        let staged = CurrentPublication(contentSHA256: "b", status: .pending, batchID: "c1")
        let carried = staged.following(published)
        #expect(carried.earlierWithdrawals == ["撤销"] && !carried.withdrawalAsked && carried.status == .pending)
        // Carried on, each reason once; a publication with none before it is as it was.
        let third = CurrentPublication(contentSHA256: "c", status: .pending, batchID: "c2", withdrawalReason: "撤销")
        #expect(third.following(carried).earlierWithdrawals == ["撤销"])
        #expect(staged.following(CurrentPublication(contentSHA256: "a", status: .published, batchID: "b1")) == staged)
        #expect(PublicationPlanner.state(.pending, withdrawnBefore: true) == .withdrawn)
        #expect(PublicationPlanner.state(.published, withdrawalAsked: true, withdrawnToCorrect: true, withdrawnBefore: true) == .withdrawn)
        let known = PublicationPlanner.Known(contentHash: "b", state: PublicationPlanner.state(.pending, withdrawnBefore: true), batchID: "c1")
        #expect(PublicationPlanner.decide(hash: "d", known: known) == .withdrawn(known))
    }

    @Test("withdrawn for 更正: the same record version stays down whatever its row; another version goes out anew, again (a republication) when its row is the one taken down; the withdrawn version never goes back out once a later one is; without versions the row tells, as before")
    func withdrawnToCorrect() {
        let down = Known(contentHash: "row", state: .withdrawnToCorrect, batchID: "b1", recordHash: "A", withdrawnRecords: ["A"])
        #expect(PublicationPlanner.decide(hash: "row", record: "A", known: down) == .withdrawn(down))
        #expect(PublicationPlanner.decide(hash: "other row", record: "A", known: down) == .withdrawn(down))
        #expect(PublicationPlanner.decide(hash: "row", record: "B", known: down) == .publishAgain)
        #expect(PublicationPlanner.decide(hash: "other row", record: "B", known: down) == .publish)
        // The corrected version out (published or on its way): the withdrawn one read again is kept out.
        for state in [Known.State.published, .pending, .rejected] {
            let out = Known(contentHash: "row B", state: state, batchID: "b2", recordHash: "B", withdrawnRecords: ["A"])
            #expect(PublicationPlanner.decide(hash: "row", record: "A", known: out) == .withdrawnVersion(out))
            #expect(PublicationPlanner.decide(hash: "row", record: "A", known: out, republishing: true) == .withdrawnVersion(out))
        }
        // No versions known (recorded before the ledger kept them, or a row without one): the feed's row tells.
        let old = Known(contentHash: "row", state: .withdrawnToCorrect, batchID: "b1")
        #expect(PublicationPlanner.decide(hash: "row", record: "B", known: old) == .withdrawn(old))
        #expect(PublicationPlanner.decide(hash: "row", known: down) == .withdrawn(down))
        #expect(PublicationPlanner.decide(hash: "other row", record: "B", known: old) == .publish)
        // The versions withdrawn are carried to the key's later publications (any reason's: one
        // other than 更正 keeps the record down anyway).
        let withdrawn = CurrentPublication(contentSHA256: "row", status: .withdrawn, batchID: "b1", withdrawalReason: "更正", recordSHA256: "A")
        let again = CurrentPublication(contentSHA256: "row", status: .pending, batchID: "r1", recordSHA256: "B").following(withdrawn)
        #expect(again.earlierWithdrawnRecords == ["A"] && again.recordSHA256 == "B")
        #expect(CurrentPublication(contentSHA256: "c", status: .pending, batchID: "c1").following(again).earlierWithdrawnRecords == ["A"])
    }
}
