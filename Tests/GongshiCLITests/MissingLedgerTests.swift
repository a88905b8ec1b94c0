import DisclosureCore
import Foundation
import GongshiTesting
import SQLiteLedger
import Testing

/// A ledger is created only by `run`, `feed --ledger` and `ledger init`: every other command given
/// a ledger that is not there (a typo) stops with 66, creating nothing.
@Suite("A missing ledger is not created")
struct MissingLedgerTests {
    @Test("upload, ledger confirm, ledger fail and withdraw on a ledger that is not there: 66 [ledger-missing], no file or folder made")
    func missingLedger() throws {
        let project = try OutboxProject(id: "missing-ledger", portals: ["creditchina-henan-zhengzhou"])
        defer { try? FileManager.default.removeItem(at: project.root) }
        let typo = project.root.appendingPathComponent("typo")
        let ledger = typo.appendingPathComponent("ledger.sqlite").path
        let credentials = project.root.appendingPathComponent("credentials")
        FileManager.default.createFile(
            atPath: credentials.path, contents: Data("app_key=a\nsecret=b\n".utf8), attributes: [.posixPermissions: 0o600])
        let commands: [[String]] = [
            ["upload", "--portal", "creditchina-henan-zhengzhou", "--endpoint", "http://127.0.0.1:9", "--credentials", credentials.path],
            ["ledger", "confirm"],
            ["ledger", "confirm", "0123456789abcdef"],
            ["ledger", "fail", "0123456789abcdef", "--reason", "门户退回"],
            ["withdraw", project.pipeline, "--record", "牟城管罚〔2026〕8号", "--reason", "撤销", "--today", "2026-12-01"],
        ]
        for command in commands {
            let result = try project.gongshi(command + ["--ledger", ledger])
            #expect(result.status == 66 && result.stderr.contains("[ledger-missing]"), "\(command): \(result)")
        }
        #expect(!FileManager.default.fileExists(atPath: typo.path))
        // The pipeline's own ledger (var/ledger.sqlite) is not made either.
        let withdraw = try project.gongshi(["withdraw", project.pipeline, "--record", "牟城管罚〔2026〕8号", "--reason", "撤销", "--today", "2026-12-01"])
        #expect(withdraw.status == 66, "\(withdraw)")
        #expect(!FileManager.default.fileExists(atPath: project.root.appendingPathComponent("var/ledger.sqlite").path))
    }

    @Test("an unknown batch is a data error for ledger confirm and ledger fail alike (65, [batch-unknown]); failing a confirmed batch is 65 [batch-not-pending]")
    func unknownBatch() throws {
        let workspace = try LedgerCommandTests.Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        #expect(try workspace.feed().status == 0)
        let confirm = try workspace.gongshi(["ledger", "confirm", "0123456789abcdef"])
        #expect(confirm.status == 65 && confirm.stderr.contains("[batch-unknown]"), "\(confirm)")
        let fail = try workspace.gongshi(["ledger", "fail", "0123456789abcdef", "--reason", "门户退回"])
        #expect(fail.status == 65 && fail.stderr.contains("[batch-unknown]"), "\(fail)")
        try workspace.confirmAll()
        let batch = try #require(try workspace.ledger().batches().first)
        let again = try workspace.gongshi(["ledger", "fail", batch.id, "--reason", "门户退回"])
        #expect(again.status == 65 && again.stderr.contains("[batch-not-pending]"), "\(again)")
    }
}
