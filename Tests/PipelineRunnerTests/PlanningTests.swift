import Foundation
import DisclosureCore
import Testing

/// The planner's walk over a sorted feed and the batcher, in memory: pure decisions.
@Suite("Planning and batching")
struct PlanningTests {
    static func row(_ key: String, _ cell: String = "x") -> FeedPlan.Row {
        FeedPlan.Row(file: "a.csv", row: 2, key: key, cells: [key, cell])
    }

    @Test("a repeated key straddling a chunk boundary is decided once, in the chunk of its first row; the ledger is asked per chunk")
    func chunkBoundaries() throws {
        // Chunks of 3: a a | a b c | ... — the walk must not end a chunk between two rows of "a".
        let rows = ["a", "a", "a", "b", "c", "c", "d", "e", "f", "g"].map { Self.row($0) }
        var asked: [[String]] = []
        var taken: [String] = []
        let counts = try PublicationPlanner.walk(
            rows, chunkSize: 3, republishing: false, hash: { "h-\($0.key)" },
            known: { keys in
                asked.append(keys.sorted())
                return ["d": .init(contentHash: "h-d", state: .published, batchID: "b1"), "e": .init(contentHash: "old", state: .published, batchID: "b1")]
            },
            take: { _, planned in taken.append(planned.row.key) })
        #expect(taken == ["a", "b", "c", "e", "f", "g"])
        #expect(counts.published == 5 && counts.corrected == 1 && counts.unchanged == 1 && counts.repeated == 3)
        // Every key was asked about exactly once, and no chunk split a key.
        #expect(asked.flatMap { $0 }.sorted() == ["a", "b", "c", "d", "e", "f", "g"])
        #expect(asked.count >= 3)
    }

    @Test("keys are told apart by their bytes, as they are sorted and as the ledger tells them apart: a number written with a precomposed and with a combining accent is two keys, each decided")
    func keysByBytes() throws {
        let (composed, combining) = ("牟城管罚〔2025〕\u{E9}号", "牟城管罚〔2025〕e\u{301}号")
        #expect(composed == combining)  // (equal as Swift strings)
        // Sorted by bytes, the two are not neighbours of their own kind: `e` (0x65) sorts before 0xC3.
        let keys = [combining, combining, composed, "甲"].sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var asked: [String] = []
        var taken: [String] = []
        let counts = try PublicationPlanner.walk(
            keys.map { Self.row($0) }, chunkSize: 2, republishing: false, hash: { $0.key },
            known: { batch in
                asked += batch
                return [:]
            },
            take: { _, planned in taken.append(planned.row.key) })
        #expect(taken.map { Array($0.utf8) } == [combining, composed, "甲"].map { Array($0.utf8) })
        #expect(asked.count == 3 && counts.published == 3 && counts.repeated == 1)
    }

    @Test("every key is decided once whatever the chunk size")
    func chunkSizesAgree() throws {
        let keys = (0..<50).flatMap { index in Array(repeating: String(format: "k%03d", index), count: index % 3 + 1) }
        var results: [[String]] = []
        for size in [2, 3, 7, 1000] {
            var taken: [String] = []
            _ = try PublicationPlanner.walk(
                keys.map { Self.row($0) }, chunkSize: size, republishing: false, hash: { $0.key }, known: { _ in [:] },
                take: { _, planned in taken.append(planned.row.key) })
            results.append(taken)
        }
        #expect(results.allSatisfy { $0 == results[0] } && results[0].count == 50)
    }

    @Test("the batcher cuts each operation's rows into parts of the limit, numbered per operation, and flushes the rest at the end")
    func batching() throws {
        var batches: [(BatchOperation, Int, [Int])] = []
        var batcher = Batcher<Int>(limit: 2) { operation, part, rows in batches.append((operation, part, rows)) }
        for (index, operation) in [BatchOperation.withdraw, .publish, .correct, .publish, .publish, .correct, .republish].enumerated() {
            try batcher.add(operation, index)
        }
        #expect(batches.map(\.2) == [[1, 3], [2, 5]])  // a full part goes out at once
        try batcher.finish()
        #expect(
            batches.map { "\($0.0.rawValue)#\($0.1):\($0.2)" }
                == ["publish#1:[1, 3]", "correct#1:[2, 5]", "publish#2:[4]", "republish#1:[6]", "withdraw#1:[0]"])
    }

    @Test("batch identity: the same content is the same id; a republication differs by day; withdrawals by reason and records")
    func identity() {
        let a = BatchIdentity.feedMaterial(portal: "p", feed: "f", operation: .publish, payloadSHA256: "x", date: "2026-11-30")
        #expect(a == BatchIdentity.feedMaterial(portal: "p", feed: "f", operation: .publish, payloadSHA256: "x", date: "2026-12-01"))
        #expect(
            BatchIdentity.feedMaterial(portal: "p", feed: "f", operation: .republish, payloadSHA256: "x", date: "2026-11-30")
                != BatchIdentity.feedMaterial(portal: "p", feed: "f", operation: .republish, payloadSHA256: "x", date: "2026-12-01"))
        let item = WithdrawalItem(batchID: "b", position: 1, reason: "撤销", basis: nil)
        #expect(
            BatchIdentity.withdrawalMaterial(portal: "p", feed: "f", reason: "撤销", items: [item])
                != BatchIdentity.withdrawalMaterial(portal: "p", feed: "f", reason: "信用修复", items: [item]))
        #expect(BatchIdentity.fileName(pattern: "{portal}-{feed}-{date}-{batch}-{part}.csv", portal: "p", feed: "f", compactDate: "20261130", batch: "b", part: 2) == "p-f-20261130-b-2.csv")
    }

    @Test("exit outcomes: configuration over unavailable over data over temporary over done")
    func outcomes() {
        #expect(RunOutcome.worse(0, 75) == 75 && RunOutcome.worse(75, 65) == 65 && RunOutcome.worse(69, 65) == 69)
        #expect(RunOutcome.worse(78, 69) == 78 && RunOutcome.worse(65, 0) == 65 && RunOutcome.worse(0, 0) == 0)
    }
}
