import DisclosureCore
import Foundation
import GongshiTesting
import SQLiteLedger
import Testing

/// `gongshi upload` against the real sandbox on 127.0.0.1, with every fault it can inject; each
/// case ends by checking, from the ledger and from what the sandbox holds, that every record was
/// published exactly once.
@Suite("Upload through the portal API")
struct UploadTests {
    static let profile = Fixtures.url("portals/api-portal.v1.yaml").path
    /// Loopback only, whatever proxy the machine sets.
    static let environment: [String: String?] = ["no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"]

    /// A workspace with the penalty fixtures turned into two pending JSON Lines batches (13 legal, 4 natural).
    static func prepared() throws -> LedgerCommandTests.Workspace {
        let workspace = try LedgerCommandTests.Workspace()
        let feed = try GongshiProcess.run([
            "feed", "--profile", profile, "--kind", "penalty", "--out", workspace.out.path, "--ledger", workspace.ledgerPath,
            "--today", "2026-11-30", Fixtures.url("validate/penalty/valid.csv").path,
        ])
        #expect(feed.status == 0, "\(feed)")
        return workspace
    }

    static func upload(
        _ workspace: LedgerCommandTests.Workspace, _ sandbox: SandboxHarness, extra: [String] = [], killAfter: String? = nil
    ) throws -> GongshiProcess.Result {
        var environment = Self.environment
        environment["GONGSHI_KILL_AFTER"] = killAfter
        return try GongshiProcess.run(
            [
                "upload", "--portal", "api-portal", "--endpoint", sandbox.url, "--credentials", sandbox.credentials.path,
                "--ledger", workspace.ledgerPath, "--today", "2026-12-01", "--retry-delay", "0.01",
            ] + extra,
            environment: environment)
    }

    /// Every record published once in the ledger, and the sandbox holding each batch once with
    /// the same number of records.
    static func expectExactlyOnce(_ workspace: LedgerCommandTests.Workspace, _ sandbox: SandboxHarness, rejected: Int = 0) throws {
        let ledger = try workspace.ledger()
        #expect(try ledger.batches(status: .pending).isEmpty)
        let batches = try ledger.batches()
        #expect(batches.count == 2 && batches.allSatisfy { $0.status == .published })
        let held = try sandbox.batches()
        #expect(held == Dictionary(uniqueKeysWithValues: batches.map { ($0.id, $0.records) }))
        var statuses: [PublicationStatus: Int] = [:]
        var keys: Set<String> = []
        for batch in batches {
            for entry in try ledger.publications(batch: batch.id) {
                statuses[entry.status, default: 0] += 1
                #expect(keys.insert(entry.key).inserted)
            }
        }
        #expect(statuses[.published] == 17 - rejected)
        #expect((statuses[.rejected] ?? 0) == rejected)
        #expect(try sandbox.stats()["batch stored"] == 2)  // each batch stored once
    }

    @Test("no fault: both batches accepted, published once; a second run has nothing to send")
    func clean() throws {
        let workspace = try Self.prepared()
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let result = try Self.upload(workspace, sandbox)
        #expect(result.status == 0, "\(result)")
        try Self.expectExactlyOnce(workspace, sandbox)
        let again = try Self.upload(workspace, sandbox)
        #expect(again.stdout.contains("处理待上传批次 0 个"), "\(again)")
    }

    @Test("5xx: retried with backoff until the portal answers; out of attempts, the batch stays pending and the next run finishes")
    func serverErrors() throws {
        let workspace = try Self.prepared()
        let sandbox = try SandboxHarness(faults: "5xx:4")
        defer { sandbox.stop() }
        let first = try Self.upload(workspace, sandbox, extra: ["--attempts", "3"])
        #expect(first.status == 69, "\(first)")
        #expect(first.stderr.contains("[portal-unavailable]") && first.stderr.contains("503"), "\(first.stderr)")
        #expect(try workspace.ledger().batches(status: .pending).count == 2)
        let second = try Self.upload(workspace, sandbox, extra: ["--attempts", "3"])
        #expect(second.status == 0, "\(second)")
        #expect(try sandbox.stats()["fault 503"] == 4)
        try Self.expectExactlyOnce(workspace, sandbox)
    }

    @Test("a response slower than the client's timeout: stored by the portal, retried under the same id, stored once")
    func slowResponse() throws {
        let workspace = try Self.prepared()
        let sandbox = try SandboxHarness(faults: "slow:1:3")
        defer { sandbox.stop() }
        let result = try Self.upload(workspace, sandbox, extra: ["--timeout", "1"])
        #expect(result.status == 0, "\(result)")
        #expect(try sandbox.stats()["batch 200 repeat"] == 1)
        try Self.expectExactlyOnce(workspace, sandbox)
    }

    @Test("the connection cut after the portal stored the batch: the retry gets the first receipt, nothing stored twice")
    func resetAfterStore() throws {
        let workspace = try Self.prepared()
        let sandbox = try SandboxHarness(faults: "reset:2")
        defer { sandbox.stop() }
        let result = try Self.upload(workspace, sandbox)
        #expect(result.status == 0, "\(result)")
        #expect(try sandbox.stats()["batch reset"] == 2)
        #expect(try sandbox.stats()["batch 200 repeat"] == 2)
        try Self.expectExactlyOnce(workspace, sandbox)
    }

    @Test("the same cut with no retries left: the run ends unsure (69), the next asks the portal and records its receipt")
    func resetThenReconcile() throws {
        let workspace = try Self.prepared()
        let sandbox = try SandboxHarness(faults: "reset:1")
        defer { sandbox.stop() }
        let first = try Self.upload(workspace, sandbox, extra: ["--attempts", "1"])
        #expect(first.status == 69, "\(first)")
        #expect(first.stderr.contains("门户可能已收到"), "\(first.stderr)")
        let second = try Self.upload(workspace, sandbox)
        #expect(second.status == 0, "\(second)")
        #expect(second.stdout.contains("门户已有此批次"), "\(second.stdout)")
        try Self.expectExactlyOnce(workspace, sandbox)
    }

    @Test("a receipt that leaves a record out: the batch stays pending, none of its records published, night after night, set aside (69): the portal's other batch goes out the first night, once")
    func shortReceipt() throws {
        let workspace = try Self.prepared()
        let sandbox = try SandboxHarness(faults: "short-receipt:1")
        defer { sandbox.stop() }
        for night in 1...2 {
            let result = try Self.upload(workspace, sandbox)
            #expect(result.status == 69, "night \(night): \(result)")
            #expect(result.stderr.contains("[receipt-mismatch]") && result.stderr.contains("回执缺 1 条记录的答复（第 13 条）"), "\(result.stderr)")
            #expect(result.stdout.contains("门户 api-portal：1 个批次的回执与批次不符，暂放一边（仍待确认）"), "\(result.stdout)")
            let ledger = try workspace.ledger()
            let pending = try ledger.batches(status: .pending)
            #expect(pending.map(\.records) == [13], "\(pending)")
            for batch in pending {
                #expect(try ledger.publications(batch: batch.id).allSatisfy { $0.status == .pending })
            }
            // The other batch was not held up by it: published the first night, stored once.
            let published = try ledger.batches(status: .published)
            #expect(published.map(\.records) == [4], "\(published)")
            #expect(try published.allSatisfy { try ledger.publications(batch: $0.id).allSatisfy { $0.status == .published } })
        }
        #expect(try sandbox.stats()["batch short receipt"] == 1)
        #expect(try sandbox.stats()["batch stored"] == 2)
    }

    @Test("a receipt that cannot be decoded (a gateway's HTML page): the batch is set aside, pending, not sent again (69), the portal's other batch goes out; the next run asks the portal first and records its receipt, each batch stored once")
    func undecodableReceipt() throws {
        let workspace = try Self.prepared()
        let sandbox = try SandboxHarness(faults: "garbled-receipt:1")
        defer { sandbox.stop() }
        let first = try Self.upload(workspace, sandbox)
        #expect(first.status == 69, "\(first)")
        #expect(first.stderr.contains("[receipt-undecodable]"), "\(first.stderr)")
        #expect(!first.stderr.contains("[portal-unavailable]"), "\(first.stderr)")
        let ledger = try workspace.ledger()
        let pending = try ledger.batches(status: .pending)
        #expect(pending.map(\.records) == [13], "\(pending)")
        for batch in pending {
            #expect(try ledger.publications(batch: batch.id).allSatisfy { $0.status == .pending })
            // The message names the portal and the batch, states the body's length and shows only
            // its start, with the ID number it quotes hidden.
            let line = try #require(first.stderr.split(separator: "\n").first { $0.contains("[receipt-undecodable]") })
            #expect(line.contains("api-portal") && line.contains(batch.id), "\(line)")
            #expect(line.contains("字节，开头：<html>") && line.contains("…（共 "), "\(line)")
            #expect(line.count < 600, "\(line.count)")
        }
        for output in [first.stdout, first.stderr] {
            #expect(!output.contains("410122198503121231") && !output.contains("19850312"), "\(output)")
        }
        #expect(try ledger.batches(status: .published).map(\.records) == [4])
        #expect(try sandbox.stats()["batch garbled receipt"] == 1)
        // The next run asks the portal, which has the batch: its receipt is recorded, nothing sent again.
        let second = try Self.upload(workspace, sandbox)
        #expect(second.status == 0, "\(second)")
        #expect(second.stdout.contains("门户已有此批次"), "\(second.stdout)")
        #expect(try sandbox.stats()["batch 200 repeat"] == nil)
        try Self.expectExactlyOnce(workspace, sandbox)
    }

    @Test("an expired token is renewed once and the request goes through")
    func expiredToken() throws {
        let workspace = try Self.prepared()
        let sandbox = try SandboxHarness(faults: "expired-token:1")
        defer { sandbox.stop() }
        let result = try Self.upload(workspace, sandbox)
        #expect(result.status == 0, "\(result)")
        #expect(try sandbox.stats()["token 200"] == 2)
        try Self.expectExactlyOnce(workspace, sandbox)
    }

    @Test("a token expired again right after renewal is refused with what it means (78), not an unreadable answer; the next run succeeds")
    func expiredTwice() throws {
        let workspace = try Self.prepared()
        let sandbox = try SandboxHarness(faults: "expired-token:2")
        defer { sandbox.stop() }
        let first = try Self.upload(workspace, sandbox)
        #expect(first.status == 78, "\(first)")
        #expect(first.stderr.contains("token-expired") && first.stderr.contains("令牌续期后门户仍答复已过期"), "\(first.stderr)")
        #expect(!first.stderr.contains("无法识别"), "\(first.stderr)")
        let second = try Self.upload(workspace, sandbox)
        #expect(second.status == 0, "\(second)")
        try Self.expectExactlyOnce(workspace, sandbox)
    }

    @Test("a refused signature is not retried; the secret appears in no output; the next run succeeds")
    func badSignature() throws {
        let workspace = try Self.prepared()
        let sandbox = try SandboxHarness(faults: "bad-signature:1")
        defer { sandbox.stop() }
        let first = try Self.upload(workspace, sandbox)
        #expect(first.status == 78, "\(first)")
        #expect(first.stderr.contains("[portal-auth]") && first.stderr.contains("signature-mismatch"), "\(first.stderr)")
        #expect(try sandbox.stats()["fault bad-signature"] == 1)
        #expect(try workspace.ledger().batches(status: .pending).count == 2)
        // A wrong secret: refused the same way, and the secret (right or wrong) is never printed.
        let wrong = workspace.root.appendingPathComponent("wrong")
        FileManager.default.createFile(
            atPath: wrong.path, contents: Data("app_key=\(SandboxHarness.appKey)\nsecret=WRONG-secret-42\n".utf8),
            attributes: [.posixPermissions: 0o600])
        let refused = try GongshiProcess.run(
            [
                "upload", "--portal", "api-portal", "--endpoint", sandbox.url, "--credentials", wrong.path,
                "--ledger", workspace.ledgerPath, "--today", "2026-12-01",
            ], environment: Self.environment)
        #expect(refused.status == 78)
        for output in [first.stdout, first.stderr, refused.stdout, refused.stderr] {
            #expect(!output.contains(SandboxHarness.secret) && !output.contains("WRONG-secret-42"))
        }
        let second = try Self.upload(workspace, sandbox)
        #expect(second.status == 0, "\(second)")
        try Self.expectExactlyOnce(workspace, sandbox)
    }

    @Test("records the portal rejects are marked with its reason, reported, and not sent again unchanged")
    func rejectedRecords() throws {
        let workspace = try Self.prepared()
        let sandbox = try SandboxHarness(faults: "reject:牟城管罚〔2026〕3号,reject:牟城管罚〔2026〕12号")
        defer { sandbox.stop() }
        let result = try Self.upload(workspace, sandbox)
        #expect(result.status == 65, "\(result)")
        #expect(result.stdout.contains("牟城管罚〔2026〕3号：被门户拒收：沙箱按配置拒收"), "\(result.stdout)")
        #expect(!result.stdout.contains("郑州某某餐饮管理有限公司3"), "a record's key (its subject's name) is not printed")
        try Self.expectExactlyOnce(workspace, sandbox, rejected: 2)
        let history = try workspace.gongshi(["ledger", "show", "牟城管罚〔2026〕12号"])
        #expect(history.stdout.contains("被门户拒收"), "\(history)")
        // The same data again: nothing is sent; the rejected records wait for corrected data.
        let feed = try GongshiProcess.run([
            "feed", "--profile", Self.profile, "--kind", "penalty", "--out", workspace.out.path, "--ledger", workspace.ledgerPath,
            "--today", "2026-12-02", Fixtures.url("validate/penalty/valid.csv").path,
        ])
        #expect(feed.stdout.contains("未变化不再发送 12 条，门户拒收且内容未改、不再发送 1 条"), "\(feed.stdout)")
        #expect(try workspace.ledger().batches(status: .pending).isEmpty)
    }

    @Test(
        "killed with SIGKILL after the portal answered, or after its receipt was recorded: the next run publishes nothing twice",
        arguments: ["upload-done", "receipt-recorded"])
    func crash(step: String) throws {
        let workspace = try Self.prepared()
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let crashed = try Self.upload(workspace, sandbox, killAfter: step)
        #expect(crashed.signal == SIGKILL, "\(crashed)")
        let again = try Self.upload(workspace, sandbox)
        #expect(again.status == 0, "\(again)")
        if step == "upload-done" { #expect(again.stdout.contains("门户已有此批次"), "\(again.stdout)") }
        try Self.expectExactlyOnce(workspace, sandbox)
    }
}
