import DisclosureCore
import Foundation
import GongshiTesting
import SQLiteLedger
import Testing

/// `gongshi withdraw PIPELINE --record KEY --reason …` through every transport — the sandbox's
/// withdrawal endpoint, a withdrawal file in the outbox, a withdrawal file over SFTP — and the
/// nightly run's withdrawal of penalties whose publication period has ended.
@Suite("Withdrawal and publication periods")
struct WithdrawalTests {
    typealias Project = RunCommandTests.Project
    static let key = "牟城管罚〔2026〕5号"

    static func withdraw(_ project: Project, _ arguments: [String], killAfter: String? = nil) throws -> GongshiProcess.Result {
        try GongshiProcess.run(
            ["withdraw", project.pipeline] + arguments,
            environment: [
                "GONGSHI_PORTAL_APP_KEY": SandboxHarness.appKey, "GONGSHI_PORTAL_SECRET": SandboxHarness.secret,
                "GONGSHI_KILL_AFTER": killAfter, "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1",
            ])
    }

    @Test("信用修复: the API portal takes it down at once, the outbox gets a withdrawal file; check shows both; once only, even after a crash")
    func apiAndOutbox() throws {
        let project = try Project()
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        try project.use(sandbox)
        #expect(try project.run(["--today", "2026-11-30"]).status == 75)
        // The clerk uploads the 信用中国 files by hand and confirms them.
        for batch in try project.ledgerReader().batches(status: .pending) {
            #expect(try GongshiProcess.run(["ledger", "confirm", batch.id, "--ledger", project.ledger, "--today", "2026-12-01"]).status == 0)
        }
        #expect(try sandbox.publicDecisionNumbers().contains(Self.key))

        // 信用修复 three days after publication: refused (the 2026 rule's minimum period), nothing sent.
        let early = try Self.withdraw(project, ["--record", Self.key, "--reason", "信用修复", "--today", "2026-12-03"])
        #expect(early.status == 65 && early.stderr.contains("[repair-too-early]") && early.stderr.contains("可申请信用修复自"), "\(early)")
        #expect(try sandbox.publicDecisionNumbers().contains(Self.key))

        // Forced with a recorded reason. Killed after the 信用中国 withdrawal is recorded, before its file is delivered.
        let arguments = [
            "--record", Self.key, "--reason", "信用修复", "--note", "郑信修〔2026〕1号", "--force-reason", "原处罚决定已被判决撤销",
            "--repair-decision", "郑信修〔2026〕1号", "--repair-date", "2026-12-02", "--today", "2026-12-03",
        ]
        let crashed = try Self.withdraw(project, arguments, killAfter: "batch-pending")
        #expect(crashed.signal == SIGKILL, "\(crashed)")
        let done = try Self.withdraw(project, arguments)
        #expect(done.status == 0, "\(done)")
        #expect(done.stdout.contains("补投递"), "\(done.stdout)")  // the staged file delivered under its batch id
        #expect(done.stdout.contains("撤下：api-portal/penalty-legal \(Self.key)"), "\(done.stdout)")
        #expect(done.stdout.contains("门户已撤下"), "\(done.stdout)")

        // The public no longer sees it at the API portal; every other record is still there.
        let visible = try sandbox.publicDecisionNumbers()
        #expect(!visible.contains(Self.key) && visible.count == 16, "\(visible)")

        // 信用中国: one withdrawal file, naming the publication and the decision, never the person.
        let ledger = try project.ledgerReader()
        let withdrawals = try ledger.batches(portal: "creditchina-henan-zhengzhou", status: .pending)
        #expect(withdrawals.count == 1 && withdrawals.first?.operation == .withdraw, "\(withdrawals)")
        let file = try #require(withdrawals.first)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file.outboxPath))
        #expect(bytes.prefix(3) == Data([0xEF, 0xBB, 0xBF]))  // UTF-8 with a byte-order mark, as Excel wants
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let lines = text.split(separator: "\r\n").map(String.init)
        #expect(lines.first == "原公示批次,序号,决定书文号,原公示文件,撤下原因,说明,撤下日期", "\(lines)")
        #expect(lines.count == 2 && lines[1].contains(",\(Self.key),") && lines[1].contains(",信用修复,郑信修〔2026〕1号；信用修复决定 郑信修〔2026〕1号（2026-12-02）；强制撤下：原处罚决定已被判决撤销,2026-12-03"), "\(lines)")
        #expect(!text.contains("郑州某某餐饮管理有限公司5"))

        // Until the portal confirms it, check says so; then it is withdrawn everywhere.
        let waiting = try GongshiProcess.run(["check", "91410100MA40Q8R26R", "--ledger", project.ledger])
        #expect(waiting.stdout.contains("撤下待门户确认（信用修复）"), "\(waiting.stdout)")
        let confirmed = try GongshiProcess.run(["ledger", "confirm", file.id, "--ledger", project.ledger, "--today", "2026-12-04"])
        #expect(confirmed.status == 0 && confirmed.stdout.contains("1 条记为已撤下"), "\(confirmed)")
        let history = try project.ledgerReader().history(key: Self.key)
        #expect(history.count == 2 && history.allSatisfy { $0.status == .withdrawn && $0.withdrawalReason == "信用修复" }, "\(history)")
        let check = try GongshiProcess.run(["check", "91410100MA40Q8R26R", "--ledger", project.ledger])
        #expect(check.stdout.contains("已撤下 2 条") && check.stdout.contains("已撤下（信用修复）"), "\(check.stdout)")

        // Asked again: nothing more is sent; the portal saw one withdrawal.
        let again = try Self.withdraw(project, arguments)
        #expect(again.status == 0 && again.stdout.contains("已撤下，无需再撤"), "\(again)")
        #expect(try sandbox.stats()["withdrawal 201"] == 1)

        // A record the ledger never published: exit 1, nothing written.
        let unknown = try Self.withdraw(project, ["--record", "牟城管罚〔2026〕99号", "--reason", "撤销", "--today", "2026-12-03"])
        #expect(unknown.status == 1 && unknown.stderr.contains("[not-registered]"), "\(unknown)")
        // A reason outside the three is refused before anything is read.
        let bad = try Self.withdraw(project, ["--record", Self.key, "--reason", "其他", "--today", "2026-12-03"])
        #expect(bad.status == 64, "\(bad)")

        // The nightly run over the same data does not publish it again.
        let nightly = try project.run(["--today", "2026-12-04", "--from", "2026-11-01", "--to", "2026-11-30"])
        #expect(nightly.stdout.contains("已撤下不再公示 1 条"), "\(nightly.stdout)")
        #expect(!(try sandbox.publicDecisionNumbers().contains(Self.key)))
    }

    @Test("信用修复 of a permit is refused (permits are no 失信信息: nothing to repair), unless forced with a reason; a mistyped name records nothing")
    func permitsAreNotRepaired() throws {
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let project = try ReportCommandTests.twoDepartments(sandbox)
        let permits = project.root.appendingPathComponent("pipelines/shenpi-permits.yaml").path
        #expect(try GongshiProcess.run(["run", permits, "--today", "2026-11-30"]).status == 65)  // (the export's bad permits)
        for batch in try project.ledgerReader().batches(status: .pending) {
            #expect(try GongshiProcess.run(["ledger", "confirm", batch.id, "--ledger", project.ledger, "--today", "2026-12-01"]).status == 0)
        }
        let number = "牟城管许〔2026〕801号"
        func withdraw(_ arguments: [String]) throws -> GongshiProcess.Result {
            try GongshiProcess.run(["withdraw", permits, "--record", number] + arguments + ["--today", "2026-12-02"])
        }
        let refused = try withdraw(["--reason", "信用修复"])
        #expect(refused.status == 65 && refused.stderr.contains("[repair-not-applicable]"), "\(refused)")
        #expect(try project.ledgerReader().history(key: number).allSatisfy { $0.withdrawalReason == nil })
        let mistyped = try GongshiProcess.run(["withdraw", permits, "--record", number + "|某某错误名称", "--reason", "撤销", "--today", "2026-12-02"])
        #expect(mistyped.status == 1 && mistyped.stderr.contains("[record-not-found]"), "\(mistyped)")
        // The name typed is masked in the message, as a key is everywhere a clerk reads it.
        #expect(!mistyped.stderr.contains("某某错误名称") && mistyped.stderr.contains("牟城管许〔2026〕801号｜某"), "\(mistyped.stderr)")
        let night = try GongshiProcess.run(["run", permits, "--today", "2026-12-03"])
        #expect(!night.stdout.contains("已撤销的决定"), "\(night.stdout)")
        let forced = try withdraw(["--reason", "信用修复", "--force-reason", "行政复议决定撤销该许可，经批准按信用修复撤下"])
        #expect(forced.status == 0, "\(forced)")
        #expect(try project.ledgerReader().history(key: number).contains { $0.withdrawalReason == "信用修复" })
    }

    @Test("撤销 over SFTP: the withdrawal file lands in the portal's drop folder, and the record is withdrawn there and at the API portal")
    func sftp() throws {
        let project = try Project()
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let server = try OpenSSHServerHarness()
        defer { server.stop() }
        try project.use(sandbox)
        // 信用中国 over SFTP instead of the outbox.
        let text = try String(contentsOfFile: project.pipeline, encoding: .utf8)
        let sftp = """
            {kind: sftp, url: "\(server.url)", user: \(server.user), key_file: \(server.clientKey.path), known_hosts: \(server.knownHosts.path)}
            """
        try text.replacingOccurrences(of: "{kind: outbox}", with: sftp).write(toFile: project.pipeline, atomically: true, encoding: .utf8)
        let nightly = try project.run(["--today", "2026-11-30"])
        #expect(nightly.status == 0, "\(nightly)")  // over SFTP, delivered is published: nothing waits
        let published = try FileManager.default.contentsOfDirectory(atPath: server.remoteFolder.path)
        #expect(published.count == 2, "\(published)")

        let done = try Self.withdraw(project, ["--record", Self.key, "--reason", "撤销", "--today", "2026-12-02"])
        #expect(done.status == 0, "\(done)")
        let remote = try FileManager.default.contentsOfDirectory(atPath: server.remoteFolder.path).filter { $0.contains("-withdraw-") }
        #expect(remote.count == 1, "\(remote)")
        let sent = try String(contentsOfFile: server.remoteFolder.appendingPathComponent(remote[0]).path, encoding: .utf8)
        #expect(sent.contains(",\(Self.key),") && sent.contains(",撤销,"), "\(sent)")
        let history = try project.ledgerReader().history(key: Self.key)
        #expect(history.count == 2 && history.allSatisfy { $0.status == .withdrawn && $0.withdrawalReason == "撤销" }, "\(history)")
        #expect(!(try sandbox.publicDecisionNumbers().contains(Self.key)))
        let check = try GongshiProcess.run(["check", "91410100MA40Q8R26R", "--ledger", project.ledger])
        #expect(check.stdout.contains("已撤下（撤销）"), "\(check.stdout)")
    }

    /// A pipeline of 2023 penalties through the API portal only, with a severity rule: a 吊销 is 严重,
    /// a 警告 轻微.
    static func periodProject(_ sandbox: SandboxHarness) throws -> Project {
        let project = try Project()
        try project.use(sandbox)
        let pipeline = """
            title: 法制科 行政处罚（2023 年）
            department: 法制科
            kind: penalty
            sources:
              - {path: inbox/*.csv, encoding: utf-8}
            portals:
              - profile: fixtures/portals/api-portal.v1.yaml
                transport: {kind: api, endpoint: "\(sandbox.url)", app_key_env: GONGSHI_PORTAL_APP_KEY, secret_env: GONGSHI_PORTAL_SECRET}
            publication_period:
              default: 一般
              rules:
                - {field: 处罚类别, contains: 吊销, severity: 严重}
                - {field: 处罚类别, one_of: [警告], severity: 轻微}
            ledger: var/ledger.sqlite
            outbox: var/outbox
            reports: var/reports

            """
        try pipeline.write(toFile: project.pipeline, atomically: true, encoding: .utf8)
        let inbox = project.root.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.url("pipelines/periods/2023-penalties.csv"), to: inbox.appendingPathComponent("2023-penalties.csv"))
        return project
    }

    @Test("publication periods: each regime's maximum ends publication on its day — 527号 (1 year, 3 years when 严重), 58号令 (3 years), the 2026 rule (1 year; 轻微 not published)")
    func expiryAcrossRegimes() throws {
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let project = try Self.periodProject(sandbox)
        // 41号 decided 2023-04-28 (527号, 一般: 1 year); 40号 2023-04-27 吊销 (527号, 严重: 3 years);
        // 52号 2023-05-04 (58号令: 3 years). All published on 2023-05-10.
        let first = try project.run(["--today", "2023-05-10"])
        #expect(try sandbox.publicDecisionNumbers() == ["牟城管罚〔2023〕40号", "牟城管罚〔2023〕41号", "牟城管罚〔2023〕52号"], "\(first)")

        // 2023-08-04: 41号 (from 07-28) and 52号 (from 08-04) may apply for 信用修复; 40号 (严重, 6 months) not yet.
        let eligible = try project.run(["--today", "2023-08-04"])
        #expect(eligible.stdout.contains("可申请信用修复：2 条"), "\(eligible.stdout)")
        #expect(eligible.stdout.contains("牟城管罚〔2023〕52号：一般，可申请自 2023-08-04，公示至 2026-05-03"), "\(eligible.stdout)")

        // The day before 41号's year ends nothing changes; on the day it is withdrawn.
        #expect(try project.run(["--today", "2024-04-27"]).stdout.contains("公示期满") == false)
        let year = try project.run(["--today", "2024-04-28"])
        #expect(year.stdout.contains("公示期满，撤下 1 条"), "\(year.stdout)")
        #expect(try sandbox.publicDecisionNumbers() == ["牟城管罚〔2023〕40号", "牟城管罚〔2023〕52号"])
        let check = try GongshiProcess.run(["ledger", "show", "牟城管罚〔2023〕41号", "--ledger", project.ledger])
        #expect(check.stdout.contains("已撤下（公示期满）"), "\(check.stdout)")

        // The 2026 exports arrive: 60号 decided 2026-03-31 (58号令: 3 years), 61号 2026-04-01 (the 2026
        // rule, 一般: 1 year), 62号 a 警告 (轻微: under the 2026 rule not published at all).
        try FileManager.default.copyItem(
            at: Fixtures.url("pipelines/periods/2026-penalties.csv"), to: project.root.appendingPathComponent("inbox/2026-penalties.csv"))
        // 40号 (严重 under 527号) ends 2026-04-27; 52号 (58号令) ends 2026-05-04.
        let april = try project.run(["--today", "2026-04-27"])
        #expect(april.stdout.contains("公示期满，撤下 1 条"), "\(april.stdout)")
        #expect(april.stdout.contains("牟城管罚〔2026〕62号：按国家发展改革委《信用修复管理办法》不予公示（轻微）"), "\(april.stdout)")
        #expect(try sandbox.publicDecisionNumbers() == ["牟城管罚〔2023〕52号", "牟城管罚〔2026〕60号", "牟城管罚〔2026〕61号"])
        #expect(try project.run(["--today", "2026-05-03"]).stdout.contains("公示期满") == false)
        #expect(try project.run(["--today", "2026-05-04"]).stdout.contains("公示期满，撤下 1 条"))
        #expect(try sandbox.publicDecisionNumbers() == ["牟城管罚〔2026〕60号", "牟城管罚〔2026〕61号"])
        let history = try ["40", "41", "52"].flatMap { try project.ledgerReader().history(key: "牟城管罚〔2023〕\($0)号") }
        #expect(history.count == 3 && history.allSatisfy { $0.status == .withdrawn && $0.withdrawalReason == "公示期满" })
        // A further night has nothing to withdraw.
        #expect(try project.run(["--today", "2026-05-05"]).stdout.contains("公示期满") == false)
        // Across the 2026-04-01 boundary: 61号 (decided the first day of the 2026 rule) ends after one
        // year, 60号 (decided the day before, under 58号令) is still published.
        let nextYear = try project.run(["--today", "2027-04-01"])
        #expect(nextYear.stdout.contains("公示期满，撤下 1 条"), "\(nextYear.stdout)")
        #expect(try sandbox.publicDecisionNumbers() == ["牟城管罚〔2026〕60号"])
        #expect(try sandbox.stats()["withdrawal 201"] == 4)
    }

    @Test("a penalty whose period has already ended when it first arrives is not published, with the reason")
    func expiredOnArrival() throws {
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let project = try Self.periodProject(sandbox)
        let late = try project.run(["--today", "2024-05-06"])
        #expect(late.stdout.contains("公示期已满、决定已撤销或按规定不予公示，不发送 1 条"), "\(late.stdout)")
        #expect(late.stdout.contains("牟城管罚〔2023〕41号：公示期已满（发改办财金〔2019〕527号，一般，至 2024-04-27）"), "\(late.stdout)")
        #expect(try sandbox.publicDecisionNumbers() == ["牟城管罚〔2023〕40号", "牟城管罚〔2023〕52号"])
    }
}
