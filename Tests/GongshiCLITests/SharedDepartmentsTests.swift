import DisclosureCore
import Foundation
import GongshiTesting
import SQLiteLedger
import Testing

/// Two departments' penalty pipelines on one ledger (as the bundled pipelines share
/// `var/ledger.sqlite`, and a county's departments share its PostgreSQL ledger), each with its own
/// inbox and outbox, with decisions of the same 文号: each run settles, uploads and withdraws its
/// own batches only.
@Suite("Departments sharing a ledger")
struct SharedDepartmentsTests {
    @Test("one department's run leaves another's pending batches alone though their files are not on its machine; a withdrawal by 文号 takes down only its own record")
    func ownBatchesOnly() throws {
        let project = try OutboxProject(id: "dept-a", portals: ["creditchina-henan-zhengzhou"])
        try project.add("validate/penalty/valid.csv")
        // Department B: the same decisions' numbers, other subjects (other keys), its own inbox and outbox.
        let inboxB = project.root.appendingPathComponent("inbox-b")
        try FileManager.default.createDirectory(at: inboxB, withIntermediateDirectories: true)
        let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        try text.replacingOccurrences(of: "郑州某某", with: "开封某某").replacingOccurrences(of: "李四", with: "王二")
            .write(to: inboxB.appendingPathComponent("b.csv"), atomically: true, encoding: .utf8)
        let pipelineB = project.root.appendingPathComponent("pipelines/dept-b.yaml").path
        try String(contentsOfFile: project.pipeline, encoding: .utf8)
            .replacingOccurrences(of: "department: 法制科", with: "department: 执法大队")
            .replacingOccurrences(of: "path: inbox/*.csv", with: "path: inbox-b/*.csv")
            .replacingOccurrences(of: "outbox: var/outbox", with: "outbox: var/outbox-b")
            .write(toFile: pipelineB, atomically: true, encoding: .utf8)
        for pipeline in [project.pipeline, pipelineB] {
            let run = try project.gongshi(["run", pipeline, "--today", "2026-11-23"])
            #expect([0, 65, 75].contains(run.status), "\(run)")
        }
        let ledger = try Ledger.openForReading(path: project.root.appendingPathComponent("var/ledger.sqlite").path)
        let batchesB = try ledger.batchIDs(pipeline: "dept-b")
        let batchesA = try ledger.batchIDs(pipeline: "dept-a")
        #expect(!batchesA.isEmpty && !batchesB.isEmpty && batchesA.isDisjoint(with: batchesB))

        // B's outbox is on B's machine: A's next run must not find B's files lost.
        let outboxB = project.root.appendingPathComponent("var/outbox-b")
        let away = project.root.appendingPathComponent("var/outbox-b-elsewhere")
        try FileManager.default.moveItem(at: outboxB, to: away)
        let night = try project.gongshi(["run", project.pipeline, "--today", "2026-11-24"])
        #expect(!night.stdout.contains("outbox-file-lost") && !night.stderr.contains("outbox-file-lost"), "\(night)")
        for id in batchesB { #expect(try ledger.batch(id)?.status == .pending) }
        try FileManager.default.moveItem(at: away, to: outboxB)

        // Both departments' batches confirmed; A withdraws its 牟城管罚〔2026〕1号: B's stays.
        _ = try project.confirmPending(publishedOn: "2026-11-24")
        let withdraw = try project.gongshi(["withdraw", project.pipeline, "--record", "牟城管罚〔2026〕1号", "--reason", "撤销", "--today", "2026-11-25"])
        #expect(withdraw.status == 0, "\(withdraw)")
        let history = try ledger.history(key: "牟城管罚〔2026〕1号")
        #expect(history.contains { batchesA.contains($0.batchID) && $0.withdrawalReason == "撤销" }, "\(history)")
        #expect(history.filter { batchesB.contains($0.batchID) }.allSatisfy { $0.withdrawalReason == nil }, "\(history)")
        #expect(history.contains { batchesB.contains($0.batchID) })

        // A's withdrawal confirmed: neither department's night takes B's record down as revoked,
        // and B's corrected export goes out (A's revocation is not B's decision).
        _ = try project.confirmPending(publishedOn: "2026-11-25")
        let dryA = try project.gongshi(["run", project.pipeline, "--today", "2026-11-26", "--dry-run"])
        #expect(!dryA.stdout.contains("已撤销的决定在门户上仍在公示"), "\(dryA.stdout)")
        let nightA = try project.gongshi(["run", project.pipeline, "--today", "2026-11-26"])
        #expect(!nightA.stdout.contains("已撤销的决定在门户上仍在公示"), "\(nightA.stdout)")
        let changed = try String(contentsOf: inboxB.appendingPathComponent("b.csv"), encoding: .utf8)
        let fine = try #require(changed.range(of: "罚款2000元,0.2,"))
        try changed.replacingCharacters(in: fine, with: "罚款3000元,0.3,").write(to: inboxB.appendingPathComponent("b.csv"), atomically: true, encoding: .utf8)
        let nightB = try project.gongshi(["run", pipelineB, "--today", "2026-11-26"])
        #expect(!nightB.stdout.contains("撤销，不予公示") && !nightB.stdout.contains("已撤销的决定在门户上仍在公示"), "\(nightB.stdout)")
        #expect(nightB.stdout.contains("更正：1 条") || nightB.stdout.contains("更正 1 条"), "\(nightB.stdout)")
    }
}
