import DisclosureCore
import DisclosureReports
import Foundation
import GongshiTesting
import PipelineRunner
import Testing
import WorkingDayCalendar

/// A pending batch the run sends itself (the API portal, through the recording channel) is never
/// sent as it is once it holds a withdrawn record; a batch whose receipt never matches is set
/// aside without holding up the portal's other batches; a failed batch goes out under a new id.
@Suite("Pending API batches: withdrawn records, receipts that never match, failed batches")
struct PendingBatchSafetyTests {
    typealias Project = EngineRunTests.Project
    static let revoked = "牟城管罚〔2026〕1号"

    /// The API portal's pending batch holding `number` on the legal-person feed.
    static func pendingBatch(holding number: String, _ project: Project) throws -> BatchInfo {
        let entry = try #require(
            try project.ledger.history(key: number).first { $0.portal == "api-portal" && $0.status == .pending })
        return try #require(try project.ledger.batch(entry.batchID))
    }

    /// The keys of a batch's records.
    static func keys(_ batch: String, _ project: Project) throws -> Set<String> {
        Set(try project.ledger.publications(batch: batch).map(\.key))
    }

    @Test("a decision revoked while its API batch waited (the portal never had it): the next run fails that batch without sending it, sends its other records in a new batch, and has nothing to take down")
    func revokedInPendingAPIBatch() throws {
        let (project, _) = try EngineRunTests.pendingAPIBatches()
        let held = try Self.pendingBatch(holding: Self.revoked, project)
        let others = try Self.keys(held.id, project).filter { !$0.hasPrefix(Self.revoked + "|") }
        #expect(held.records == 5 && others.count == 4)
        #expect(try project.withdrawal(on: "2026-12-01").execute(record: Self.revoked, reason: .revoked, note: nil) == .revocationRecorded)
        project.channel.heal()
        let (night, lines) = try project.run("2026-12-01")
        // The batch never reached the portal; it failed, saying why.
        #expect(!project.channel.received.contains { $0.batch == held.id })
        #expect(try project.ledger.batch(held.id)?.status == .failed)
        #expect(lines.contains { $0.hasPrefix("警告 [batch-holds-withdrawn] 批次 \(held.id)（5 条）中有 1 条记录") && $0.contains("撤销 1 条") }, "\(lines)")
        // Nothing revoked went out, so nothing was taken down.
        #expect(!project.channel.received.contains { $0.operation == .withdraw })
        #expect(night.lateTakeDowns.isEmpty, "\(night.lateTakeDowns)")
        #expect(!project.channel.received.contains { String(decoding: $0.payload, as: UTF8.self).contains(Self.revoked) })
        // Its four other records went out once, the same night, in a batch of another id.
        let published = try project.ledger.batches(portal: "api-portal", status: .published)
        let replacement = try #require(published.first { batch in (try? Self.keys(batch.id, project)) == others })
        #expect(replacement.id != held.id && replacement.records == 4)
        #expect(project.channel.received.filter { $0.operation == .publish }.count == 4)
        #expect(project.live("api-portal", "penalty-legal").values.allSatisfy { $0 == 1 })
        #expect(project.live("api-portal", "penalty-legal").keys.allSatisfy { !$0.hasPrefix(Self.revoked + "|") })
        #expect(try project.ledger.batches(portal: "api-portal", status: .pending).isEmpty)
    }

    @Test("the portal cannot answer when the run settles such a batch: it stays pending, and the upload step, the portal back, still does not send it")
    func revokedBatchScreenedAtUpload() throws {
        let (project, _) = try EngineRunTests.pendingAPIBatches()
        let held = try Self.pendingBatch(holding: Self.revoked, project)
        #expect(try project.withdrawal(on: "2026-12-01").execute(record: Self.revoked, reason: .revoked, note: nil) == .revocationRecorded)
        project.channel.heal()
        let before = project.channel.calls
        project.channel.fail(onCall: before + 1)  // the settling step's status query: the only call before the upload step
        let (_, lines) = try project.run("2026-12-01")
        #expect(lines.contains { $0.hasPrefix("警告 [batch-status-unknown] 批次 \(held.id)") }, "\(lines)")
        #expect(!project.channel.received.contains { $0.batch == held.id })
        #expect(try project.ledger.batch(held.id)?.status == .failed)
        #expect(lines.contains { $0.hasPrefix("警告 [batch-holds-withdrawn] 批次 \(held.id)") }, "\(lines)")
        #expect(!project.channel.received.contains { $0.operation == .withdraw })
        // The next night plans its other records again, once.
        let (next, _) = try project.run("2026-12-02")
        #expect(next.feeds["api-portal/penalty-legal"]?.published == 4, "\(next.feeds)")
        #expect(project.live("api-portal", "penalty-legal").values.allSatisfy { $0 == 1 })
        #expect(project.live("api-portal", "penalty-legal").keys.allSatisfy { !$0.hasPrefix(Self.revoked + "|") })
    }

    @Test("a batch the portal has after all is recorded as it answers, then the revoked record taken down; the run's figures are those after the take-down")
    func revokedBatchThePortalHas() throws {
        let (project, _) = try EngineRunTests.pendingAPIBatches()
        let held = try Self.pendingBatch(holding: Self.revoked, project)
        // The portal took it before the answer was lost.
        project.channel.heal()
        _ = try project.channel.send(held, payload: [UInt8](try Data(contentsOf: URL(fileURLWithPath: held.outboxPath))))
        #expect(try project.withdrawal(on: "2026-12-01").execute(record: Self.revoked, reason: .revoked, note: nil) == .revocationRecorded)
        let (night, lines) = try project.run("2026-12-01")
        #expect(try project.ledger.batch(held.id)?.status == .published)
        #expect(project.channel.received.filter { $0.batch == held.id }.count == 1)
        #expect(lines.contains { $0.contains("已撤销的决定在门户上仍在公示") && $0.contains("撤下 1 条") }, "\(lines)")
        #expect(project.channel.received.filter { $0.operation == .withdraw }.count == 1)
        #expect(night.lateTakeDowns == ["撤销": 1], "\(night.lateTakeDowns)")
        // Counted after the take-down: nothing waits to be taken down, in the summary and in the report.
        #expect(night.disclosure.withdrawalsDue == 0 && night.disclosure.withdrawalsOverdue == 0, "\(night.disclosure)")
        let json = try #require(night.reportFiles?.json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let disclosure = try #require(object["disclosure"] as? [String: Any])
        #expect(disclosure["withdrawal_due"] as? Int == 0, "\(disclosure)")
        let credit = try CreditReport.decode(Array(try JSONSerialization.data(withJSONObject: try #require(object["report"]))))
        #expect(credit.deadlineCounts["withdrawal_due"] == 0, "\(credit.deadlineCounts)")
    }

    @Test("a batch whose receipt never matches is set aside, pending and not counted published, and the portal's other batches go out; failed by the clerk, its records go out under a new id")
    func receiptThatNeverMatches() throws {
        let (project, pending) = try EngineRunTests.pendingAPIBatches()
        let stuck = pending[0]  // the oldest: asked and sent first
        project.channel.answerWrongly(batch: stuck.id)
        project.channel.heal()
        for day in ["2026-12-01", "2026-12-02"] {
            let (night, lines) = try project.run(day)
            #expect(night.exitStatus == 69, "\(day)")
            #expect(lines.contains { $0.hasPrefix("批次 \(stuck.id) 暂放一边：仍待确认") }, "\(day): \(lines)")
            #expect(lines.contains("门户 api-portal：1 个批次的回执与批次不符，暂放一边（仍待确认），下次运行再向门户查询"), "\(day): \(lines)")
            #expect(try project.ledger.batch(stuck.id)?.status == .pending, "\(day)")
            #expect(try project.ledger.publications(batch: stuck.id).allSatisfy { $0.status == .pending }, "\(day)")
            // The other three went out the first night, each once.
            let published = try project.ledger.batches(portal: "api-portal", status: .published).map(\.id)
            #expect(Set(published) == Set(pending.dropFirst().map(\.id)), "\(day)")
            #expect(project.channel.received.filter { $0.operation == .publish }.count == 4, "\(day)")
        }
        // The portal says it does not show the batch: the clerk fails it; the next run plans its
        // records again under an id the portal has never seen, and they are published.
        let keys = try Self.keys(stuck.id, project)
        #expect(keys.count == stuck.records)
        #expect(try project.ledger.fail(batch: stuck.id, reason: "门户核实：此批次未公示"))
        let (after, afterLines) = try project.run("2026-12-03")
        #expect(after.exitStatus != 69, "\(afterLines)")
        let replacement = try #require(
            try project.ledger.batches(portal: "api-portal", status: .published).first { batch in (try? Self.keys(batch.id, project)) == keys })
        #expect(replacement.id != stuck.id)
        #expect(project.channel.received.contains { $0.batch == replacement.id })
        #expect(try project.ledger.batch(stuck.id)?.status == .failed)
        #expect(project.live(stuck.portal, stuck.feed).values.allSatisfy { $0 == 1 })
    }
}
