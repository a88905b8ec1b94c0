import DisclosureCore
import Foundation
import GongshiTesting
import PostgreSQLLedger
import PostgresSupport
import SQLiteLedger
import Testing

/// The county's shared ledger on a real PostgreSQL server (127.0.0.1, started by the tests): the
/// bundled pipelines pointed at it give the answers the SQLite ledger gives; two departments run at
/// once from two processes, one killed mid-run; the same pipeline twice is refused; the server
/// restarted under a run. Every decision ends published exactly once.
@Suite("Shared ledger on PostgreSQL", .serialized)
struct SharedLedgerTests {
    /// The two-department project (法制科 penalties, 行政审批科 permits) with both pipelines'
    /// `ledger:` pointing at a fresh database of the shared server.
    struct Shared {
        let project: RunCommandTests.Project
        let server: PostgreSQLServer
        let database: String
        var url: String { server.url(database: database) }
        var permits: String { project.root.appendingPathComponent("pipelines/shenpi-permits.yaml").path }

        init(_ sandbox: SandboxHarness, server: PostgreSQLServer? = nil) throws {
            project = try ReportCommandTests.twoDepartments(sandbox)
            self.server = try server ?? PostgreSQLServer.shared()
            database = try self.server.createDatabase(prefix: "county")
            for file in [project.pipeline, permits] {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                try text.replacingOccurrences(of: "ledger: var/ledger.sqlite", with: "ledger: \(url)")
                    .write(toFile: file, atomically: true, encoding: .utf8)
            }
        }

        var environment: [String: String?] {
            [
                "GONGSHI_LEDGER_PASSWORD": server.password, "GONGSHI_PORTAL_APP_KEY": SandboxHarness.appKey,
                "GONGSHI_PORTAL_SECRET": SandboxHarness.secret, "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1",
            ]
        }

        func run(_ pipeline: String, _ arguments: [String], extra: [String: String?] = [:]) throws -> GongshiProcess.Result {
            try GongshiProcess.run(["run", pipeline] + arguments, environment: environment.merging(extra) { $1 })
        }

        func start(_ pipeline: String, _ arguments: [String], extra: [String: String?] = [:]) throws -> ChildProcess {
            var env = ProcessInfo.processInfo.environment
            env.removeValue(forKey: "GONGSHI_CALENDAR_DIR")
            for (key, value) in environment.merging(extra, uniquingKeysWith: { $1 }) { env[key] = value }
            return try ChildProcess.spawn(
                GongshiProcess.executable.path, ["run", pipeline] + arguments, environment: env, directory: FileManager.default.temporaryDirectory.path)
        }

        func ledger() throws -> PostgresLedger {
            try PostgresLedger.open(address: PostgresAddress(url: url, what: "台账"), password: server.password, migrating: false)
        }

        /// Every (portal, feed, record) published at most once, nothing pending on the API portal;
        /// returns how many records each portal has.
        func expectExactlyOnce() throws -> [String: Int] {
            let duplicates = try server.psql(
                """
                SELECT portal || '/' || feed || '/' || record_key FROM publication
                WHERE operation = 'publish' AND status <> 'failed' GROUP BY portal, feed, record_key HAVING count(*) > 1
                """, database: database)
            #expect(duplicates.isEmpty, "published more than once: \(duplicates)")
            let ledger = try ledger()
            #expect(try ledger.batches(portal: "api-portal", status: .pending).isEmpty)
            var perPortal: [String: Int] = [:]
            for line in try server.psql(
                "SELECT portal, count(DISTINCT record_key) FROM publication WHERE operation = 'publish' AND status <> 'failed' GROUP BY portal",
                database: database
            ).split(separator: "\n") {
                let parts = line.split(separator: "|")
                perPortal[String(parts[0])] = Int(parts[1])
            }
            return perPortal
        }
    }

    @Test("the two departments on the shared ledger: the same run reports and the same ledger status as on SQLite")
    func sameAnswersAsSQLite() throws {
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let shared = try Shared(sandbox)
        let reference = try ReportCommandTests.twoDepartments(sandbox)
        let referencePermits = reference.root.appendingPathComponent("pipelines/shenpi-permits.yaml").path
        for (today, pg, lite) in [
            ("2026-11-30", shared.project.pipeline, reference.pipeline), ("2026-12-01", shared.permits, referencePermits),
            ("2026-12-02", shared.project.pipeline, reference.pipeline),
        ] {
            let onPG = try shared.run(pg, ["--today", today])
            let onSQLite = try GongshiProcess.run(["run", lite, "--today", today], environment: shared.environment)
            #expect(onPG.status == onSQLite.status, "\(onPG)")
            let (a, b) = (try #require(try onPG.runReport()), try #require(try onSQLite.runReport()))
            for key in ["records", "valid", "invalid", "published", "corrected", "unchanged", "deadlines"] {
                #expect(String(describing: a[key]) == String(describing: b[key]), "\(key) on \(today)")
            }
        }
        let status = { (ledger: String) in
            try GongshiProcess.run(
                ["ledger", "status", "--ledger", ledger, "--today", "2026-12-03", "--format", "json"], environment: shared.environment)
        }
        let (pgStatus, liteStatus) = (try status(shared.url), try status(reference.ledger))
        #expect(pgStatus.status == liteStatus.status && !pgStatus.stdout.isEmpty, "\(pgStatus)")
        // The same, but for where each project's outbox is.
        let pgText = pgStatus.stdout.replacingOccurrences(of: shared.project.root.path, with: "ROOT")
        let liteText = liteStatus.stdout.replacingOccurrences(of: reference.root.path, with: "ROOT")
        if pgText != liteText {
            try? pgText.write(toFile: "/tmp/gongshi-status-pg.json", atomically: true, encoding: .utf8)
            try? liteText.write(toFile: "/tmp/gongshi-status-sqlite.json", atomically: true, encoding: .utf8)
        }
        #expect(pgText == liteText, "diff /tmp/gongshi-status-pg.json /tmp/gongshi-status-sqlite.json")
        // The county's report over the period, from each ledger: the same figures by department
        // (the publications' states by pipeline among them), the same deadlines and rates.
        func report(_ pipelines: [String], root: URL) throws -> [String: Any] {
            let out = root.appendingPathComponent("report-county")
            let result = try GongshiProcess.run(
                ["report"] + pipelines + ["--from", "2026-11-01", "--to", "2026-12-31", "--today", "2026-12-03", "--out", out.path],
                environment: shared.environment)
            #expect(result.status == 0, "\(result)")
            let data = try Data(contentsOf: out.appendingPathComponent("report-2026-11-01-2026-12-31.json"))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let pgReport = try report([shared.project.pipeline, shared.permits], root: shared.project.root)
        let liteReport = try report([reference.pipeline, referencePermits], root: reference.root)
        let departments = try #require(pgReport["departments"] as? [[String: Any]])
        #expect(departments.contains { ($0["published"] as? Int ?? 0) > 0 } && departments.contains { ($0["pending"] as? Int ?? 0) > 0 })
        func canonical(_ value: Any?) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: [value ?? NSNull()], options: [.sortedKeys]), as: UTF8.self)
        }
        for key in ["departments", "deadline_counts", "rates", "portal_rejections_total", "withdrawals_total", "problems_total"] {
            #expect(try canonical(pgReport[key]) == canonical(liteReport[key]), "\(key)")
        }
        _ = try shared.expectExactlyOnce()
        // A dry run reads the shared ledger and writes nothing to it.
        let tables = "SELECT (SELECT count(*) FROM run) || '/' || (SELECT count(*) FROM batch) || '/' || (SELECT count(*) FROM decision)"
        let before = try shared.server.psql(tables, database: shared.database)
        let dry = try shared.run(shared.project.pipeline, ["--dry-run", "--today", "2026-12-03"])
        #expect([0, 65].contains(dry.status) && dry.stdout.contains("试运行"), "\(dry)")
        #expect(try shared.server.psql(tables, database: shared.database) == before)
        // The password is in no output.
        for text in [pgStatus.stdout, pgStatus.stderr] { #expect(!text.contains(shared.server.password)) }
    }

    @Test("two departments run at once from two processes, one killed mid-run and run again: every decision published exactly once")
    func concurrentDepartments() throws {
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let shared = try Shared(sandbox)
        let penalties = try shared.start(shared.project.pipeline, ["--today", "2026-11-30"], extra: ["GONGSHI_KILL_AFTER": "batch-pending"])
        let permits = try shared.start(shared.permits, ["--today", "2026-11-30"])
        let (killed, finished) = (penalties.finish(), permits.finish())
        // (What the killed run said, should it have ended otherwise: once, in a full suite's run, it did.)
        #expect(killed.signal == SIGKILL, "status \(String(describing: killed.status)): \(String(decoding: killed.stdout + killed.stderr, as: UTF8.self).suffix(2000))")
        #expect(finished.status == 65, "\(String(decoding: finished.stdout + finished.stderr, as: UTF8.self))")  // bad permits held back
        let again = try shared.run(shared.project.pipeline, ["--today", "2026-11-30"])
        #expect(again.status == 65, "\(again)")
        let perPortal = try shared.expectExactlyOnce()
        #expect(perPortal["api-portal"] ?? 0 > 0)
        // The same publications as the two departments run one after the other on SQLite.
        let reference = try ReportCommandTests.twoDepartments(sandbox)
        _ = try GongshiProcess.run(["run", reference.pipeline, "--today", "2026-11-30"], environment: shared.environment)
        _ = try GongshiProcess.run(
            ["run", reference.root.appendingPathComponent("pipelines/shenpi-permits.yaml").path, "--today", "2026-11-30"],
            environment: shared.environment)
        let lite = try Ledger.openForReading(path: reference.ledger)
        let pg = try shared.ledger()
        let keys = { (ledger: any LedgerStore) in
            try Set(ledger.batches(portal: nil, status: nil).flatMap { try ledger.publications(batch: $0.id) }.map { "\($0.portal)/\($0.feed)/\($0.key)" })
        }
        #expect(try keys(pg) == keys(lite))
    }

    @Test("the same pipeline twice at once: the second is refused (75) and told who holds it; the other department is not held up")
    func samePipelineRefused() throws {
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let shared = try Shared(sandbox)
        let fifo = shared.project.root.appendingPathComponent("pause").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let first = try shared.start(
            shared.project.pipeline, ["--today", "2026-11-30"], extra: ["GONGSHI_PAUSE_AFTER": "batch-pending", "GONGSHI_PAUSE_FIFO": fifo])
        // Returns once the first run has reached the pause (nil: it ended before, told below).
        guard let pipe = first.openPauseFIFO(fifo) else {
            let ended = first.finish()
            Issue.record("the first run ended before its pause: \(ended.status) \(String(decoding: ended.stdout + ended.stderr, as: UTF8.self))")
            return
        }
        let second = try shared.run(shared.project.pipeline, ["--today", "2026-11-30"])
        #expect(second.status == 75 && second.stderr.contains("[ledger-locked]") && second.stderr.contains("pid \(first.pid)"), "\(second)")
        #expect(!second.stderr.contains(shared.server.password))
        let other = try shared.run(shared.permits, ["--today", "2026-11-30"])
        #expect(other.status == 65, "\(other)")
        _ = write(pipe, "x", 1)
        close(pipe)
        let result = first.finish()
        #expect(result.status == 65, "\(String(decoding: result.stdout + result.stderr, as: UTF8.self))")
        _ = try shared.expectExactlyOnce()
    }

    @Test("the database server restarted under a run: the ledger stays consistent and the next run finishes the work, exactly once")
    func serverRestarted() throws {
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        // A server of its own: restarting it must not cut the other tests' connections.
        let server = try PostgreSQLServer()
        defer { server.stop() }
        let shared = try Shared(sandbox, server: server)
        let fifo = shared.project.root.appendingPathComponent("pause").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let run = try shared.start(
            shared.project.pipeline, ["--today", "2026-11-30"], extra: ["GONGSHI_PAUSE_AFTER": "batch-pending", "GONGSHI_PAUSE_FIFO": fifo])
        guard let pipe = run.openPauseFIFO(fifo) else {
            let ended = run.finish()
            Issue.record("the run ended before its pause: \(ended.status) \(String(decoding: ended.stdout + ended.stderr, as: UTF8.self))")
            return
        }
        try server.restart()
        _ = write(pipe, "x", 1)
        close(pipe)
        // The writer finds its connection gone: it opens another (taking the run lock again) and
        // goes on; a statement caught in the cut fails the run instead, its transaction undone.
        let cut = run.finish()
        let said = String(decoding: cut.stdout + cut.stderr, as: UTF8.self)
        #expect(cut.signal == nil && [65, 74].contains(cut.status), "\(said)")
        if cut.status == 74 { #expect(said.contains("[ledger-write-failed]") && said.contains("连接中断"), "\(said)") }
        // The next run finishes whatever the cut left, and sends nothing twice.
        let again = try shared.run(shared.project.pipeline, ["--today", "2026-11-30"])
        #expect([65, 75].contains(again.status), "\(again)")
        let perPortal = try shared.expectExactlyOnce()
        #expect(perPortal["api-portal"] ?? 0 > 0)
        #expect(try sandbox.stats()["batch stored"] == shared.ledger().batches(portal: "api-portal", status: nil).count)
    }

    @Test("ledger migrate --to: a department's SQLite ledger moves into the shared one, counts checked; status the same; refused twice; another department joins; the nightly run goes on")
    func migrateInto() throws {
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let shared = try Shared(sandbox)
        // Both departments started alone, each with a SQLite ledger of its own.
        let alone = try ReportCommandTests.twoDepartments(sandbox)
        let permitsAlone = alone.root.appendingPathComponent("pipelines/shenpi-permits.yaml").path
        let permitsLedger = alone.root.appendingPathComponent("var/permits.sqlite").path
        #expect(try GongshiProcess.run(["run", alone.pipeline, "--today", "2026-11-30"], environment: shared.environment).status == 65)
        #expect(
            try GongshiProcess.run(["run", permitsAlone, "--today", "2026-12-01", "--ledger", permitsLedger], environment: shared.environment).status
                == 65)
        let migrate = { (ledger: String, extra: [String]) in
            try GongshiProcess.run(["ledger", "migrate", "--ledger", ledger, "--to", shared.url] + extra, environment: shared.environment)
        }
        let first = try migrate(alone.ledger, [])
        #expect(first.status == 0, "\(first)")
        let copied = try #require(first.stdout.split(separator: "\n").first { $0.contains("publication：") })
        #expect(copied.contains("\(try Ledger.openForReading(path: alone.ledger).batches().flatMap { try Ledger.openForReading(path: alone.ledger).publications(batch: $0.id) }.count) 行"))
        let status = { (ledger: String) in
            try GongshiProcess.run(
                ["ledger", "status", "--ledger", ledger, "--today", "2026-12-03", "--format", "json"], environment: shared.environment
            ).stdout
        }
        #expect(try status(shared.url) == status(alone.ledger))
        // The hashes arrive as the hex the shared ledger keeps (the SQLite ledger stores their bytes, v13).
        let penaltiesAlone = try Ledger.openForReading(path: alone.ledger)
        for batch in try penaltiesAlone.batches() {
            #expect(
                try shared.ledger().publications(batch: batch.id).map { [$0.contentSHA256, $0.previousSHA256] }
                    == penaltiesAlone.publications(batch: batch.id).map { [$0.contentSHA256, $0.previousSHA256] })
        }
        let records = try shared.server.psql("SELECT count(*) FROM record", database: shared.database)
        let hexRecords = try shared.server.psql(
            "SELECT count(*) FROM record WHERE content_sha256 ~ '^[0-9a-f]{64}$' AND source_sha256 ~ '^[0-9a-f]{64}$'", database: shared.database)
        #expect(hexRecords == records && records.trimmingCharacters(in: .whitespacesAndNewlines) != "0", "\(records) \(hexRecords)")
        // And the texts the SQLite ledger keeps by number as the texts (a file's path, a severity's reason).
        let decisions = try shared.server.psql("SELECT count(*) FROM decision", database: shared.database)
        let filed = try shared.server.psql("SELECT count(*) FROM decision WHERE file LIKE '/%.csv'", database: shared.database)
        #expect(filed == decisions, "\(decisions) \(filed)")
        let reasoned = try shared.server.psql(
            "SELECT count(*) FROM record WHERE severity_reason IS NULL OR severity_reason !~ '^[0-9]+$'", database: shared.database)
        #expect(reasoned == records, "\(records) \(reasoned)")
        // The kinds, portals and feeds (numbers in the SQLite ledger, v15), the regimes and severities
        // (v17) and the publications' states and operations (v18) as their names; the batches (v16)
        // by their ids (the shared ledger's foreign key refuses anything else, as its CHECKs refuse
        // a state, an operation or a severity that is a number).
        let regimes = try shared.server.psql("SELECT DISTINCT regime FROM record WHERE regime IS NOT NULL ORDER BY 1", database: shared.database)
        #expect(!regimes.isEmpty && regimes.split(separator: "\n").allSatisfy { $0.contains { $0.isLetter } }, "\(regimes)")
        let numbered = try shared.server.psql(
            """
            SELECT (SELECT count(*) FROM publication WHERE kind ~ '^[0-9]+$' OR portal ~ '^[0-9]+$' OR feed ~ '^[0-9]+$')
                 + (SELECT count(*) FROM record WHERE regime ~ '^[0-9]+$' OR severity ~ '^[0-9]+$')
                 + (SELECT count(*) FROM record WHERE kind ~ '^[0-9]+$') + (SELECT count(*) FROM decision WHERE kind ~ '^[0-9]+$')
                 + (SELECT count(*) FROM decision_portal WHERE kind ~ '^[0-9]+$' OR portal ~ '^[0-9]+$')
                 + (SELECT count(*) FROM portal_period WHERE kind ~ '^[0-9]+$' OR portal ~ '^[0-9]+$')
            """, database: shared.database)
        #expect(numbered.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(numbered)")
        let kinds = try shared.server.psql("SELECT DISTINCT kind FROM decision ORDER BY 1", database: shared.database)
        #expect(kinds.trimmingCharacters(in: .whitespacesAndNewlines) == "administrative-penalty", "\(kinds)")
        // Again: the shared ledger is no longer empty; with --join, the same batches are refused; nothing written.
        let count = { try shared.server.psql("SELECT count(*) FROM publication", database: shared.database) }
        let before = try count()
        let again = try migrate(alone.ledger, [])
        #expect(again.status == 74 && again.stderr.contains("--join"), "\(again)")
        let duplicate = try migrate(alone.ledger, ["--join"])
        #expect(duplicate.status == 74 && duplicate.stderr.contains("这个台账已经迁入过"), "\(duplicate)")
        #expect(try count() == before)
        // The permit department joins; its ids move past the penalties' and its references follow.
        let joined = try migrate(permitsLedger, ["--join"])
        #expect(joined.status == 0, "\(joined)")
        let permitsStatus = try Ledger.openForReading(path: permitsLedger)
        let pg = try shared.ledger()
        for batch in try permitsStatus.batches() {
            #expect(try pg.publications(batch: batch.id).map(\.key) == permitsStatus.publications(batch: batch.id).map(\.key))
            #expect(try pg.batch(batch.id)?.status == batch.status)
        }
        // The penalty department's pipeline, now on the shared ledger, finds its files settled and
        // sends nothing again (the file of bad records, with one dated after today, until that day).
        let nightly = try GongshiProcess.run(
            ["run", alone.pipeline, "--ledger", shared.url, "--today", "2026-11-30"], environment: shared.environment)
        #expect(nightly.stdout.components(separatedBy: "跳过（内容未变，已处理）").count == 3, "\(nightly)")
        #expect(nightly.stdout.contains("新公示：") == false, "\(nightly)")
        _ = try shared.expectExactlyOnce()
        #expect(try sandbox.stats()["batch stored"] == pg.batches(portal: "api-portal", status: nil).count)
    }

    @Test("status, check and report narrowed to one department or pipeline: the parts add up to the whole", arguments: ["sqlite", "postgresql"])
    func filters(backend: String) throws {
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let shared = try Shared(sandbox)
        let project = backend == "postgresql" ? shared.project : try ReportCommandTests.twoDepartments(sandbox)
        let permits = project.root.appendingPathComponent("pipelines/shenpi-permits.yaml").path
        let ledger = backend == "postgresql" ? shared.url : project.ledger
        #expect(try GongshiProcess.run(["run", project.pipeline, "--today", "2026-11-30"], environment: shared.environment).status == 65)
        #expect(try GongshiProcess.run(["run", permits, "--today", "2026-12-01"], environment: shared.environment).status == 65)
        func status(_ only: [String]) throws -> [String: Any] {
            let result = try GongshiProcess.run(
                ["ledger", "status", "--ledger", ledger, "--today", "2026-12-03", "--format", "json"] + only, environment: shared.environment)
            return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        }
        func decisions(_ json: [String: Any]) -> Int { (json["disclosure"] as? [String: Any])?["decisions"] as? Int ?? -1 }
        func pending(_ json: [String: Any]) -> Int { (json["batches"] as? [String: Int])?["pending"] ?? -1 }
        let all = try status([])
        let penalties = try status(["--pipeline", "fazhike-penalties"])
        let permitsOnly = try status(["--pipeline", "shenpi-permits"])
        #expect(decisions(penalties) > 0 && decisions(permitsOnly) > 0)
        #expect(decisions(penalties) + decisions(permitsOnly) == decisions(all))
        #expect(pending(penalties) + pending(permitsOnly) == pending(all))
        #expect(NSDictionary(dictionary: try status(["--department", "法制科"])) == NSDictionary(dictionary: penalties))
        #expect(decisions(try status(["--department", "没有这个科"])) == 0)
        // 信用核查: a company the penalties name, asked of the permit department only, has nothing there.
        let code = "91410100MA40Q8R26R"
        let check = { (only: [String]) in
            try GongshiProcess.run(["check", code, "--ledger", ledger] + only, environment: shared.environment).status
        }
        #expect(try check([]) == 0)
        #expect(try check(["--department", "法制科"]) == 0)
        #expect(try check(["--department", "行政审批科"]) == 1)
        // The report of one department, from every pipeline of the county.
        let out = project.root.appendingPathComponent("report-fz")
        let report = try GongshiProcess.run(
            ["report", project.pipeline, permits, "--department", "法制科", "--from", "2026-11-01", "--to", "2026-12-31", "--today", "2026-12-03",
             "--out", out.path], environment: shared.environment)
        #expect(report.status == 0, "\(report)")
        let json = try String(contentsOf: out.appendingPathComponent("report-2026-11-01-2026-12-31.json"), encoding: .utf8)
        #expect(json.contains("法制科") && !json.contains("行政审批科"))
    }
}
