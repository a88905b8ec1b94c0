import DisclosureCore
import DisclosureReports
import Foundation
import GongshiTesting
import SQLiteLedger
import Testing

/// `gongshi run` end to end: a project folder with the bundled 法制科 pipeline, its GB18030 export,
/// a real ledger and the real sandbox.
@Suite("gongshi run")
struct RunCommandTests {
    /// A copy of the project's pipeline, inbox and profile in a fresh folder (relative paths start there).
    struct Project {
        let root: URL
        var pipeline: String { root.appendingPathComponent("pipelines/fazhike-penalties.yaml").path }
        var ledger: String { root.appendingPathComponent("var/ledger.sqlite").path }
        var input: URL { root.appendingPathComponent("fixtures/pipelines/inbox/fazhike/2026-11-penalties.csv") }

        init() throws {
            root = Scratch.root.appendingPathComponent("gongshi-run-\(UUID().uuidString)")
            for folder in ["pipelines", "fixtures/pipelines/inbox/fazhike", "fixtures/portals"] {
                try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            for file in [
                "pipelines/fazhike-penalties.yaml", "fixtures/pipelines/inbox/fazhike/2026-11-penalties.csv",
                "fixtures/portals/api-portal.v1.yaml",
            ] {
                try FileManager.default.copyItem(at: Fixtures.root.appendingPathComponent(file), to: root.appendingPathComponent(file))
            }
        }

        /// Points the pipeline's API portal at this sandbox.
        func use(_ sandbox: SandboxHarness) throws {
            let text = try String(contentsOfFile: pipeline, encoding: .utf8)
            try text.replacingOccurrences(of: "http://127.0.0.1:8787", with: sandbox.url).write(toFile: pipeline, atomically: true, encoding: .utf8)
        }

        func run(_ arguments: [String], killAfter: String? = nil) throws -> GongshiProcess.Result {
            try GongshiProcess.run(
                ["run", pipeline] + arguments,
                environment: [
                    "GONGSHI_PORTAL_APP_KEY": SandboxHarness.appKey, "GONGSHI_PORTAL_SECRET": SandboxHarness.secret,
                    "GONGSHI_KILL_AFTER": killAfter, "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1",
                ])
        }

        func ledgerReader() throws -> Ledger { try Ledger.openForReading(path: ledger) }

        /// The export with one record changed (牟城管罚〔2026〕1号's fine), still GB18030.
        func changeOneRecord() throws {
            let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
            let first = try #require(text.range(of: "罚款2000元,0.2,"))
            let changed = text.replacingCharacters(in: first, with: "罚款3000元,0.3,")
            let source = root.appendingPathComponent("changed-utf8.csv")
            try changed.write(to: source, atomically: true, encoding: .utf8)
            try runTool("/usr/bin/iconv", ["-f", "UTF-8", "-t", "GB18030", "-o", input.path, source.path])
        }
    }

    /// The run's JSON report, named on its standard output.
    static func report(of result: GongshiProcess.Result) throws -> [String: Any] {
        try #require(try result.runReport(), "\(result)")
    }

    /// Every (portal, feed, key) has exactly one current publication, and none is pending.
    static func expectSettled(_ project: Project) throws {
        let ledger = try project.ledgerReader()
        #expect(try ledger.batches(status: .pending).filter { $0.portal == "api-portal" }.isEmpty)
        var seen: [String: Int] = [:]
        for batch in try ledger.batches() {
            for entry in try ledger.publications(batch: batch.id) where entry.operation == .publish {
                seen["\(entry.portal)/\(entry.feed)/\(entry.key)", default: 0] += 1
            }
        }
        #expect(seen.count == 34 && seen.values.allSatisfy { $0 == 1 }, "\(seen.count)")
    }

    @Test("nightly run → the same night again (nothing) → re-run of a range with one changed record → dry run (ledger untouched)")
    func endToEnd() throws {
        let project = try Project()
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        try project.use(sandbox)

        // The nightly run: validated, planned, fed to both portals, uploaded to the API portal.
        let nightly = try project.run(["--today", "2026-11-30"])
        #expect(nightly.status == 75, "\(nightly)")  // 8号 and 9号 are overdue, most are due tomorrow
        let nightlyDisclosure = try #require(try Self.report(of: nightly)["disclosure"] as? [String: Any])
        #expect(nightlyDisclosure["overdue"] as? Int == 2 && nightlyDisclosure["due_by_next_working_day"] as? Int == 14, "\(nightly.stdout)")
        // Per decision × portal: the API portal took all 17 (15 on time, 2 late), 信用中国 none yet.
        #expect(nightlyDisclosure["on_time"] as? Int == 15 && nightlyDisclosure["late"] as? Int == 2 && nightlyDisclosure["decisions"] as? Int == 17)
        #expect(nightly.stdout.contains("逾期 10 个工作日未公示：creditchina-henan-zhengzhou 牟城管罚〔2026〕8号"))
        #expect(try sandbox.stats()["batch stored"] == 2)
        try Self.expectSettled(project)
        // The report: JSON, private, with the feeds' counts and the urgent records.
        let reportPath = try #require(nightly.stdout.split(separator: "\n").first { $0.hasPrefix("报告：") }).dropFirst(3)
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: String(reportPath)))) as? [String: Any])
        #expect(report["exit_status"] as? Int == 75 && report["valid_records"] as? Int == 17)
        #expect((report["feeds"] as? [String: [String: Int]])?["api-portal/penalty-legal"]?["published"] == 13)
        #expect((report["urgent"] as? [String])?.count == 16)
        #expect((try FileManager.default.attributesOfItem(atPath: String(reportPath))[.posixPermissions] as? Int) == 0o600)
        // …and the clerks' report of the month so far, the same value in the JSON and as a private HTML page.
        let credit = try CreditReport.decode(Array(try JSONSerialization.data(withJSONObject: try #require(report["report"]))))
        #expect(credit.run?.id == 1 && credit.run?.validRecords == 17 && credit.departments.map(\.department) == ["法制科"])
        #expect(credit.rates.map(\.compliance) == [Ratio(17, of: 17)] && credit.deadlines.filter { $0.state == .overdue }.count == 2)
        let page = try #require(nightly.stdout.split(separator: "\n").first { $0.hasPrefix("报告（网页）：") }).dropFirst(7)
        #expect((try FileManager.default.attributesOfItem(atPath: String(page))[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: String(page), encoding: .utf8).contains("法制科 双公示运行报告 2026-11-30（第 1 次运行，全部决定）"))
        // The run's page counts what the run's status line counts.
        let disclosure = try #require(try Self.report(of: nightly)["disclosure"] as? [String: Any])
        for (state, key) in [("on_time", "on_time"), ("late", "late"), ("overdue", "overdue"), ("due_soon", "due_by_next_working_day")] {
            #expect(credit.deadlineCounts[state] ?? 0 == disclosure[key] as? Int ?? -1, "\(state): \(credit.deadlineCounts) vs \(disclosure)")
        }

        // The same night again: the file is settled; nothing is planned, sent or stored.
        let again = try project.run(["--today", "2026-11-30"])
        #expect(again.stdout.contains("跳过（内容未变，已处理）"), "\(again.stdout)")
        #expect(!again.stdout.contains("新公示：") && !again.stdout.contains("更正："))
        #expect(try sandbox.stats()["batch stored"] == 2)

        // The department resubmits the period with one record changed: a correction on each portal.
        try project.changeOneRecord()
        let range = try project.run(["--from", "2026-11-20", "--to", "2026-11-20", "--today", "2026-12-01"])
        let rangeFeeds = try #require(try Self.report(of: range)["feeds"] as? [String: [String: Int]])
        #expect(rangeFeeds.filter { $0.value["corrected"] == 1 }.keys.sorted() == ["api-portal/penalty-legal", "creditchina-henan-zhengzhou/penalty-legal"])
        #expect(rangeFeeds.count == 4 && rangeFeeds.values.allSatisfy { $0["published"] == 0 }, "\(rangeFeeds)")
        #expect(try sandbox.stats()["batch stored"] == 3)
        let history = try project.ledgerReader().history(key: "牟城管罚〔2026〕1号")
        #expect(history.map(\.operation) == [.publish, .publish, .correct, .correct])
        try Self.expectSettled(project)

        // --republish: the unchanged published records of the day go out again, once per day.
        let republished = try project.run(["--from", "2026-11-05", "--to", "2026-11-05", "--republish", "--today", "2026-12-01"])
        // 8号 and 9号 on the API portal; on 信用中国 they are still waiting for the clerk's upload (pending).
        let republishedFeeds = try #require(try Self.report(of: republished)["feeds"] as? [String: [String: Int]])
        #expect(republishedFeeds.filter { $0.value["republished"] == 2 }.keys.sorted() == ["api-portal/penalty-legal"], "\(republishedFeeds)")
        #expect(try sandbox.stats()["batch stored"] == 4)
        #expect(try project.ledgerReader().history(key: "牟城管罚〔2026〕8号").map(\.operation) == [.publish, .publish, .republish])
        let sameDay = try project.run(["--from", "2026-11-05", "--to", "2026-11-05", "--republish", "--today", "2026-12-01"])
        #expect(sameDay.status == republished.status, "\(sameDay)")  // not 74: the ledger refused nothing
        let sameDayFeeds = try #require(try Self.report(of: sameDay)["feeds"] as? [String: [String: Int]])
        #expect(sameDayFeeds.values.allSatisfy { $0["republished"] == 0 }, "\(sameDayFeeds)")  // already republished today: unchanged now
        #expect(try sandbox.stats()["batch stored"] == 4)

        // A dry run: everything up to planning, and the ledger file is byte for byte the same.
        let before = try Data(contentsOf: URL(fileURLWithPath: project.ledger))
        let dry = try project.run(["--dry-run", "--today", "2026-12-02"])
        #expect(dry.status == 0, "\(dry)")
        #expect(dry.stdout.contains("（试运行，不发送）"), "\(dry.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: project.ledger)) == before)
        #expect(try sandbox.stats()["batch stored"] == 4)
        // With --scratch, the feeds it would send are written there, and still nothing else changes.
        let scratch = project.root.appendingPathComponent("scratch")
        let drafted = try project.run(["--dry-run", "--scratch", scratch.path, "--today", "2026-12-02"])
        #expect(drafted.status == 0, "\(drafted)")
        #expect(try Fixtures.payloads(under: scratch).isEmpty)  // nothing new to send after the range re-run
        #expect(try Data(contentsOf: URL(fileURLWithPath: project.ledger)) == before)
        // `gongshi validate PIPELINE` is the same dry run.
        let validate = try GongshiProcess.run(["validate", project.pipeline, "--today", "2026-12-02"], environment: [
            "GONGSHI_PORTAL_APP_KEY": SandboxHarness.appKey, "GONGSHI_PORTAL_SECRET": SandboxHarness.secret,
        ])
        #expect(validate.status == 0 && validate.stdout.contains("（试运行，不发送）"), "\(validate)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: project.ledger)) == before)
    }

    @Test("a nightly run killed with SIGKILL mid-way, started again, finishes the work without duplicates", arguments: ["batch-pending", "upload-done"])
    func interrupted(step: String) throws {
        let project = try Project()
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        try project.use(sandbox)
        let crashed = try project.run(["--today", "2026-11-30"], killAfter: step)
        #expect(crashed.signal == SIGKILL, "\(crashed)")
        let again = try project.run(["--today", "2026-11-30"])
        #expect(again.status == 75, "\(again)")
        #expect(!again.stdout.contains("跳过（内容未变，已处理）"))  // the file was not settled: read again
        #expect(try sandbox.stats()["batch stored"] == 2)
        try Self.expectSettled(project)
    }

    @Test("a dry run with --scratch on a fresh project writes exactly the feeds a real run would (the golden feeds' cells), and no ledger")
    func scratchFeeds() throws {
        let project = try Project()
        let scratch = project.root.appendingPathComponent("scratch")
        let dry = try project.run(["--dry-run", "--scratch", scratch.path, "--today", "2026-11-30"])
        #expect(dry.status == 0, "\(dry)")
        #expect(!FileManager.default.fileExists(atPath: project.ledger))
        let drafted = try Fixtures.payloads(under: scratch)
        let golden = try Fixtures.payloads(under: Fixtures.url("feeds")).filter { $0.key.hasPrefix("creditchina-henan-zhengzhou/") && $0.key.contains("penalty") }
        // The pipeline stages 信用中国's Excel 模板: every cell as the golden CSV feed has it.
        let workbooks = drafted.keys.filter { $0.hasPrefix("creditchina-henan-zhengzhou/") && $0.hasSuffix(".xlsx") }
        #expect(workbooks.count == golden.count && !golden.isEmpty)
        for path in golden.keys {
            let feed = IndependentReader.feed(ofPayload: path)
            let book = try #require(workbooks.first { IndependentReader.feed(ofPayload: $0) == feed }, "\(feed)")
            #expect(
                try IndependentReader.workbook(scratch.appendingPathComponent(book)).rows
                    == IndependentReader.csv(Fixtures.url("feeds").appendingPathComponent(path)).rows, "\(path)")
        }
        #expect(drafted.keys.filter { $0.hasPrefix("api-portal/") }.count == 2)
    }

    /// Runs `gongshi ARGUMENTS` with its standard output on `/dev/full`: every write to it fails
    /// with ENOSPC, as on a full disk.
    static func intoFullDisk(_ arguments: [String], environment: [String: String?] = [:]) throws -> GongshiProcess.Result {
        try GongshiProcess.run(arguments, environment: environment, launcher: ["/bin/sh", "-c", "exec \"$0\" \"$@\" > /dev/full"])
    }

    @Test("standard output on a full disk: validate ends with 74 and says why; a run goes on to the end, its ledger and report whole, its own status kept")
    func fullStandardOutput() throws {
        let valid = try Self.intoFullDisk(["validate", "--kind", "penalty", "--today", "2026-11-30", Fixtures.url("validate/penalty/valid.csv").path])
        #expect(valid.signal == nil && valid.status == 74, "\(valid)")
        #expect(valid.stderr.contains("[stdout-unwritable]") && valid.stderr.contains("No space left on device"), "\(valid.stderr)")
        #expect(valid.stderr.split(separator: "\n").count == 1, "\(valid.stderr)")
        // An answer that was written whole ends as before.
        let whole = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-11-30", Fixtures.url("validate/penalty/valid.csv").path])
        #expect(whole.status == 0 && !whole.stderr.contains("stdout-unwritable"), "\(whole)")

        let project = try Project()
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        try project.use(sandbox)
        let credentials: [String: String?] = [
            "GONGSHI_PORTAL_APP_KEY": SandboxHarness.appKey, "GONGSHI_PORTAL_SECRET": SandboxHarness.secret, "no_proxy": "127.0.0.1",
            "NO_PROXY": "127.0.0.1",
        ]
        let nightly = try Self.intoFullDisk(["run", project.pipeline, "--today", "2026-11-30"], environment: credentials)
        #expect(nightly.signal == nil && nightly.status == 75, "\(nightly)")  // overdue decisions, as without the full disk
        #expect(nightly.stderr.contains("[stdout-unwritable]"), "\(nightly.stderr)")
        #expect(try sandbox.stats()["batch stored"] == 2)
        try Self.expectSettled(project)
        let reports = try FileManager.default.contentsOfDirectory(atPath: project.root.appendingPathComponent("var/reports").path)
        #expect(reports.contains { $0.hasSuffix(".json") } && reports.contains { $0.hasSuffix(".html") }, "\(reports)")
        let finished = try project.ledgerReader().lastRun(pipeline: "fazhike-penalties")
        #expect(finished?.finishedAt != nil && finished?.exitCode == 75, "\(String(describing: finished))")
        // Standard error on a full disk loses its lines (the calendar's warning among them), not the command.
        let dry = try project.run(["--dry-run", "--today", "2026-11-30"])
        #expect(dry.stderr.contains("[calendar-coverage-ending]"), "\(dry.stderr)")
        let quiet = try GongshiProcess.run(
            ["run", project.pipeline, "--dry-run", "--today", "2026-11-30"], environment: credentials,
            launcher: ["/bin/sh", "-c", "exec \"$0\" \"$@\" 2> /dev/full"])
        #expect(quiet.signal == nil && quiet.status == dry.status && quiet.stdout == dry.stdout, "\(quiet)")
    }

    @Test("--log-format json: every line on standard error is a JSON object with time, level and message")
    func jsonLogs() throws {
        let project = try Project()
        let result = try project.run(["--dry-run", "--today", "2026-11-30", "--log-format", "json"])
        let lines = result.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], "\(line)")
            #expect(object["time"] != nil && object["level"] != nil && object["message"] != nil)
        }
        #expect(result.stderr.contains("\"level\":\"warning\"") && result.stderr.contains("calendar-coverage-ending"))
        #expect(!result.stderr.contains(SandboxHarness.secret))
        #expect(!result.stderr.contains("\r") && !result.stdout.contains("\r"))  // no progress line when piped
    }
    @Test("the pipeline sets the portal's timeout and attempts; a run says when it waits to try again; a bad value is refused with its line")
    func transportLimits() throws {
        let project = try Project()
        let sandbox = try SandboxHarness(faults: "5xx:2")
        defer { sandbox.stop() }
        try project.use(sandbox)
        let text = try String(contentsOfFile: project.pipeline, encoding: .utf8)
        let limited = text.replacingOccurrences(
            of: "endpoint: \(sandbox.url)", with: "endpoint: \(sandbox.url)\n      timeout: 30\n      attempts: 3\n      retry_budget: 20")
        #expect(limited != text)
        try limited.write(toFile: project.pipeline, atomically: true, encoding: .utf8)
        let run = try project.run(["--today", "2026-11-30"])
        #expect(run.status == 75, "\(run)")  // uploaded after two 503s; 8号 and 9号 overdue
        #expect(run.stdout.contains("门户第 1 次尝试未成功（HTTP 503）") && run.stdout.contains("（最多 3 次，共 20 秒内）"), "\(run.stdout)")
        #expect(run.stdout.contains("门户 api-portal：上传 2 个批次（17 条）"), "\(run.stdout)")
        // Two 503s against one attempt: the upload fails and waits for the next run.
        try limited.replacingOccurrences(of: "attempts: 3", with: "attempts: 0").write(toFile: project.pipeline, atomically: true, encoding: .utf8)
        let lint = try GongshiProcess.run(["lint", project.pipeline])
        #expect(lint.status == 78 && lint.stdout.contains("attempts"), "\(lint)")
    }
}
