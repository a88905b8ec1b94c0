import DisclosureCore
import Foundation
import GongshiTesting
import Testing

/// The register's decisions whose 文号 holds full-width digits or Latin letters (recorded before
/// intake made them half-width): both ledgers and the in-memory one find the same, by code point
/// (not ＿ or ［, which lie between Ｚ and ａ), of the kind and pipeline asked for (fiftieth session).
@Suite("Full-width 文号 in the register (SQLite and PostgreSQL)")
struct FullWidthNumberTests {
    static let kind = "administrative-penalty"

    static func fill(_ ledger: any PublicationLedger & DecisionLedger) throws {
        let run = try ledger.beginRun(command: "test", today: "2026-11-30", startedAt: "2026-11-30T09:00:00+08:00", pipeline: "p", department: nil)
        func record(_ numbers: [String], kind: String = kind, pipeline: String?) throws {
            let sightings = numbers.enumerated().map { index, number in
                (
                    sighting: DecisionSighting(number: number, decisionDate: "2026-11-02", file: "a.csv", row: index + 2, valid: true),
                    portals: [DecisionPortal(portal: "gsxt", dueOn: "2026-11-11", exclusion: nil)]
                )
            }
            try ledger.recordDecisions(sightings, kind: kind, pipeline: pipeline, run: run, today: "2026-11-30")
        }
        try record(["牟城管罚〔２０２６〕１号", "牟城管罚〔2026〕2号", "牟城管罚〔2026〕３号", "牟城管罚〔2026〕3号", "牟Ｘ罚〔2026〕4号", "牟ｘ罚〔2026〕5号",
                    "牟城管罚〔2026〕6号＿", "牟城管罚［2026］7号", "牟城管罚〔二〇二六〕8号"], pipeline: "p")
        try record(["别罚〔２０２６〕１号"], pipeline: "other")
        try record(["旧罚〔２０２６〕９号"], pipeline: nil)
        try record(["牟许〔２０２６〕１号"], kind: "administrative-license", pipeline: "p")
    }

    @Test("the full-width numbers of a kind and pipeline, and the twins a run reads from them", arguments: Backend.allCases)
    func fullWidthNumbers(backend: Backend) throws {
        let store = try backend.fresh().store
        let memory = InMemoryLedger()
        for ledger: any PublicationLedger & DecisionLedger in [store, memory] {
            try Self.fill(ledger)
            let found = try ledger.fullWidthNumbers(kind: Self.kind, pipeline: "p").map(\.number)
            #expect(found == ["旧罚〔２０２６〕９号", "牟Ｘ罚〔2026〕4号", "牟ｘ罚〔2026〕5号", "牟城管罚〔2026〕３号", "牟城管罚〔２０２６〕１号"].sorted(), "\(ledger)")
            let every = try ledger.fullWidthNumbers(kind: nil, pipeline: nil)
            #expect(every.count == 7 && every.contains { $0.kind == "administrative-license" && $0.number == "牟许〔２０２６〕１号" } && every.contains { $0.number == "别罚〔２０２６〕１号" })
            // What a run makes of them: 3号 is registered both ways (a twin), the others are taken as written.
            let read = WidthTwins(fullWidth: found.map { (Self.kind, $0) }, kind: Self.kind) { _, number in
                var scope = DecisionScope(kind: Self.kind, pipeline: "p")
                scope.number = number
                var held = false
                try? ledger.forEachDecision(scope: scope) { _ in held = true }
                return held
            }
            #expect(read.twins == [WidthTwins.Twin(kind: Self.kind, old: "牟城管罚〔2026〕３号", new: "牟城管罚〔2026〕3号")])
            #expect(read.stored("牟城管罚〔2026〕1号") == "牟城管罚〔２０２６〕１号" && read.stored("牟城管罚〔２０２６〕１号") == "牟城管罚〔２０２６〕１号")
            #expect(read.stored("牟XX罚〔2026〕4号") == nil && read.stored("牟X罚〔2026〕4号") == "牟Ｘ罚〔2026〕4号" && read.stored("牟城管罚〔2026〕3号") == nil)
        }
        // A ledger without any: nothing, and nothing to look up.
        let empty = try backend.fresh().store
        #expect(try empty.fullWidthNumbers(kind: Self.kind, pipeline: "p").isEmpty)
    }
}
