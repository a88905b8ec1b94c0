import DisclosureCore
import Foundation
import Synchronization
import GongshiTesting
import Testing

/// A batch confirmed twice at once (two clerks, two tabs): the batch is published once and the
/// action that asked for it is recorded once, in the transaction that published it.
@Suite("Publication ledger: one confirmation, one audit row")
struct ConfirmRaceTests {
    typealias T = LedgerTests

    static func action(_ user: String) -> ActionRecord {
        ActionRecord(
            command: "console confirm b000000000000001（用户 \(user)）", today: "2026-12-01", at: "2026-12-01T10:00:00+08:00",
            pipeline: "fazhike-penalties", department: "法制科")
    }

    @Test("the state changed between the read and the write: the second confirmation is told already-confirmed and records nothing", arguments: Backend.allCases)
    func staleSecond(_ backend: Backend) throws {
        let ledger = try backend.fresh().store
        let run = try T.begin(ledger)
        try ledger.recordPending(T.batch("b000000000000001"), publications: [T.publication("罚1"), T.publication("罚2")], run: run)
        // Both clerks read the batch while it is pending…
        let seen = try #require(try ledger.batch("b000000000000001"))
        #expect(seen.status == .pending)
        // …then each writes.
        #expect(try ledger.confirm(batch: seen.id, receipt: nil, on: "2026-12-01", recording: Self.action("张三")) == .confirmed(records: 2))
        #expect(try ledger.confirm(batch: seen.id, receipt: nil, on: "2026-11-30", recording: Self.action("王五")) == .alreadyConfirmed(on: "2026-12-01"))
        let recorded = try ledger.consoleActions(mentioning: "b000000000000001", pipeline: "fazhike-penalties")
        #expect(recorded.map(\.command) == ["console confirm b000000000000001（用户 张三）"])
        #expect(recorded.first?.exitCode == 0 && recorded.first?.finishedAt == "2026-12-01T10:00:00+08:00")
        #expect(try ledger.batch("b000000000000001")?.confirmedOn == "2026-12-01")
        // An unknown batch or a failed one: nothing recorded either.
        #expect(try ledger.confirm(batch: "b00000000000000f", receipt: nil, on: "2026-12-01", recording: Self.action("张三")) == .unknownBatch)
        try ledger.recordPending(T.batch("b000000000000002", records: 1), publications: [T.publication("罚3")], run: run)
        #expect(try ledger.fail(batch: "b000000000000002", reason: "门户拒绝"))
        #expect(try ledger.confirm(batch: "b000000000000002", receipt: nil, on: "2026-12-01", recording: Self.action("张三")) == .failedBatch)
        #expect(try ledger.consoleActions(mentioning: "console confirm", pipeline: "fazhike-penalties").count == 1)
    }

    @Test("two confirmations at the same moment, each on a connection of its own: one confirms and records, the other is told already-confirmed", arguments: Backend.allCases)
    func simultaneous(_ backend: Backend) throws {
        let fresh = try backend.fresh()
        let run = try T.begin(fresh.store)
        try fresh.store.recordPending(T.batch("b000000000000001", records: 1), publications: [T.publication("罚1")], run: run)
        let ledgers = [try fresh.reopen(), try fresh.reopen()]
        let outcomes = Mutex<[ConfirmOutcome]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let outcome = try? ledgers[index].confirm(batch: "b000000000000001", receipt: nil, on: "2026-12-01", recording: Self.action(["张三", "王五"][index]))
            outcomes.withLock { $0.append(outcome ?? .unknownBatch) }
        }
        #expect(Set(outcomes.withLock { $0.map { "\($0)" } }) == ["confirmed(records: 1)", "alreadyConfirmed(on: \"2026-12-01\")"])
        #expect(try fresh.store.consoleActions(mentioning: "b000000000000001", pipeline: "fazhike-penalties").count == 1)
    }
}
