import DisclosureCore
import Foundation
import GongshiTesting
import Testing
import WorkingDayCalendar

/// A publication taken down for 更正 is not a live publication, and does not make its decision
/// published: without a corrected record published, the decision is unpublished again and back
/// under its deadline; with one, it is published (since the first day a version was shown). A
/// withdrawal for another reason (信用修复) keeps the decision published as it was. Both ledgers
/// and the in-memory one agree (forty-ninth session).
@Suite("A record withdrawn for 更正 (SQLite and PostgreSQL)")
struct CorrectedWithdrawalTests {
    static let kind = "administrative-penalty"
    static let portal = "gsxt"

    /// Two decisions, due 2026-11-11, published on 2026-11-05; 罚A's record (old name) taken down
    /// for 更正 and 罚B's for 信用修复, both confirmed on 2026-11-25. 
    static func fill(_ ledger: any PublicationLedger & DecisionLedger & WithdrawalLedger, run: Int64) throws {
        let sightings = ["罚A", "罚B"].enumerated().map { index, number in
            (
                sighting: DecisionSighting(number: number, decisionDate: "2026-11-02", file: "a.csv", row: index + 2, valid: true),
                portals: [DecisionPortal(portal: portal, dueOn: "2026-11-11", exclusion: nil)]
            )
        }
        try ledger.recordDecisions(sightings, kind: kind, pipeline: "p", run: run, today: "2026-11-30")
        try ledger.recordPending(
            batch("0000000000000001", records: 2), publications: [LedgerTests.publication("罚A|旧名称"), LedgerTests.publication("罚B|某公司")],
            run: run)
        _ = try ledger.confirm(batch: "0000000000000001", receipt: nil, on: "2026-11-05")
        try ledger.recordWithdrawalBatch(
            batch("0000000000000002", operation: .withdraw, records: 2),
            items: [
                WithdrawalItem(batchID: "0000000000000001", position: 1, reason: "更正", basis: nil),
                WithdrawalItem(batchID: "0000000000000001", position: 2, reason: "信用修复", basis: "郑信修〔2026〕1号"),
            ], run: run)
        _ = try ledger.confirm(batch: "0000000000000002", receipt: nil, on: "2026-11-25")
    }

    static func batch(_ id: String, operation: BatchOperation = .publish, records: Int) -> NewBatch {
        NewBatch(
            id: id, portal: portal, feed: "penalty", kind: kind, operation: operation, fileName: "f-\(id).csv",
            outboxPath: "/outbox/f-\(id).csv", payloadSHA256: LedgerTests.hashA, records: records, createdOn: "2026-11-30")
    }

    /// 2026 with no days off: 2026-11-11 is the due date, 2026-11-30 past it.
    static func calendar() throws -> WorkingDayCalendar {
        try WorkingDayCalendar(coverage: CalendarDate.parse("2026-01-01")...CalendarDate.parse("2026-12-31"), daysOff: [:], makeUpWorkingDays: [:])
    }

    static func rows(_ ledger: any DecisionLedger) throws -> [String: DecisionDeadline] {
        var rows: [String: DecisionDeadline] = [:]
        try ledger.forEachDecision(scope: .all) { rows[$0.number] = $0 }
        return rows
    }

    static func state(_ row: DecisionDeadline?) throws -> DeadlineState? {
        guard let row else { return nil }
        let calendar = try Self.calendar()
        return DeadlineState.of(row, today: try CalendarDate.parse("2026-11-30"), calendar: calendar, workingDays: 7).0
    }

    @Test("withdrawn for 更正 with no corrected record: not published, overdue; then published with it", arguments: Backend.allCases)
    func correctedWithdrawal(backend: Backend) throws {
        let store = try backend.fresh().store
        let memory = InMemoryLedger()
        for ledger: any PublicationLedger & DecisionLedger & WithdrawalLedger in [store, memory] {
            let run = try ledger.beginRun(command: "test", today: "2026-11-30", startedAt: "2026-11-30T09:00:00+08:00", pipeline: "p", department: nil)
            try Self.fill(ledger, run: run)
        }
        for ledger: any PublicationLedger & DecisionLedger & WithdrawalLedger in [store, memory] {
            let rows = try Self.rows(ledger)
            // 罚A: its only publication taken down for 更正 — not published, not "withdrawn"
            // (which keeps a decision out), so overdue again.
            #expect(rows["罚A"]?.publishedOn == nil)
            #expect(rows["罚A"]?.withdrawn == false)
            #expect(rows["罚A"]?.shown == false)
            #expect(try Self.state(rows["罚A"]) == .overdue)
            // 罚B: taken down by 信用修复 — stays published as it was, on time.
            #expect(rows["罚B"]?.publishedOn == "2026-11-05")
            #expect(rows["罚B"]?.withdrawn == true)
            #expect(try Self.state(rows["罚B"]) == .onTime)
            var tally = DeadlineTally()
            let calendar = try Self.calendar()
            try ledger.forEachDecision(scope: .all) { tally.add($0, today: try CalendarDate.parse("2026-11-30"), calendar: calendar, workingDays: 7) }
            #expect(tally.published == 1)
            #expect(tally.toPublish == 2)
            #expect(tally[.overdue] == 1)
        }
        // The corrected record (new name) goes out on 2026-11-26: the decision is published again,
        // since the first day a version of it was shown.
        for ledger: any PublicationLedger & DecisionLedger & WithdrawalLedger in [store, memory] {
            let run = try ledger.beginRun(command: "test", today: "2026-11-30", startedAt: "2026-11-30T10:00:00+08:00", pipeline: "p", department: nil)
            try ledger.recordPending(Self.batch("0000000000000003", records: 1), publications: [LedgerTests.publication("罚A|新名称")], run: run)
            let pending = try Self.rows(ledger)["罚A"]
            #expect(pending?.publishedOn == nil)
            #expect(pending?.staged == true)
            _ = try ledger.confirm(batch: "0000000000000003", receipt: nil, on: "2026-11-26")
            let row = try Self.rows(ledger)["罚A"]
            #expect(row?.publishedOn == "2026-11-05")
            #expect(row?.shown == true)
            #expect(row?.withdrawn == false)
            #expect(try Self.state(row) == .onTime)
        }
    }
}
