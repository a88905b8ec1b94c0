import DisclosureCore
import Foundation
import GongshiTesting
import Synchronization
import Testing

/// A record withdrawn twice at once (two clerks, two tabs): its withdrawal is recorded once, and the
/// action that asked for it once, in the transaction that recorded it.
@Suite("Publication ledger: one withdrawal, one audit row")
struct WithdrawRaceTests {
    typealias T = LedgerTests

    static func action(_ user: String) -> ActionRecord {
        ActionRecord(
            command: "console withdraw 罚1 更正（用户 \(user)）", today: "2026-12-02", at: "2026-12-02T10:00:00+08:00",
            pipeline: "fazhike-penalties", department: "法制科")
    }

    static func withdrawal(_ id: String, reason: String) -> (NewBatch, [WithdrawalItem]) {
        (T.batch(id, operation: .withdraw, records: 1), [WithdrawalItem(batchID: "b000000000000001", position: 1, reason: reason, basis: nil)])
    }

    /// A published batch of two records.
    static func published(_ ledger: any LedgerStore) throws {
        let run = try T.begin(ledger)
        try ledger.recordPending(T.batch("b000000000000001"), publications: [T.publication("罚1"), T.publication("罚2")], run: run)
        #expect(try ledger.confirm(batch: "b000000000000001", receipt: nil, on: "2026-12-01") == .confirmed(records: 2))
    }

    @Test("the record was withdrawn between the read and the write: the second withdrawal records nothing, neither its batch nor its run", arguments: Backend.allCases)
    func staleSecond(_ backend: Backend) throws {
        let ledger = try backend.fresh().store
        try Self.published(ledger)
        let (first, items) = Self.withdrawal("w000000000000001", reason: "更正")
        let (second, others) = Self.withdrawal("w000000000000002", reason: "信用修复")
        let run = try #require(try ledger.recordWithdrawalBatch(first, items: items, recording: Self.action("张三")))
        #expect(try ledger.recordWithdrawalBatch(second, items: others, recording: Self.action("王五")) == nil)
        let recorded = try ledger.consoleActions(mentioning: "console withdraw", pipeline: "fazhike-penalties")
        #expect(recorded.map(\.command) == ["console withdraw 罚1 更正（用户 张三）"])
        // Begun, not finished: its exit status comes when the portals have been told.
        #expect(recorded.first?.finishedAt == nil)
        try ledger.finishRun(run, exitCode: 0, finishedAt: "2026-12-02T10:00:01+08:00")
        #expect(try ledger.consoleActions(mentioning: "console withdraw", pipeline: "fazhike-penalties").first?.exitCode == 0)
        #expect(try ledger.batch("w000000000000001")?.status == .pending)
        #expect(try ledger.batch("w000000000000002") == nil)
        // The same batch asked for again (the first clerk's tab sent twice): nothing more either.
        #expect(try ledger.recordWithdrawalBatch(first, items: items, recording: Self.action("张三")) == nil)
        #expect(try ledger.consoleActions(mentioning: "console withdraw", pipeline: "fazhike-penalties").count == 1)
    }

    @Test("two withdrawals at the same moment, each on a connection of its own: one records its batch and its run, the other nothing", arguments: Backend.allCases)
    func simultaneous(_ backend: Backend) throws {
        let fresh = try backend.fresh()
        try Self.published(fresh.store)
        let ledgers = [try fresh.reopen(), try fresh.reopen()]
        let runs = Mutex<[Int64?]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let (batch, items) = Self.withdrawal("w00000000000000\(index + 1)", reason: ["更正", "信用修复"][index])
            // (A SQLite ledger's second writer may meet the first's file lock instead: it records nothing either.)
            let run = try? ledgers[index].recordWithdrawalBatch(batch, items: items, recording: Self.action(["张三", "王五"][index]))
            runs.withLock { $0.append(run) }
        }
        #expect(runs.withLock { $0.compactMap { $0 }.count } == 1)
        #expect(try fresh.store.consoleActions(mentioning: "console withdraw", pipeline: "fazhike-penalties").count == 1)
        let batches = try ["w000000000000001", "w000000000000002"].compactMap { try fresh.store.batch($0) }
        #expect(batches.count == 1)
    }
}
