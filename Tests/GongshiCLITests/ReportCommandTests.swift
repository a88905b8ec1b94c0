import DisclosureCore
import DisclosureReports
import Foundation
import GRDB
import GongshiTesting
import SQLiteLedger
import Testing

/// `gongshi report` end to end: two departments' pipelines run against one ledger (法制科's
/// penalties with a file of bad records, 行政审批科's XML permits), a withdrawal, then the report
/// for the period. Its figures are checked three ways: the JSON against the ledger (read here with
/// SQL of the test's own), and the page as a real browser rendered it against the JSON.
@Suite("gongshi report")
struct ReportCommandTests {
    typealias Project = RunCommandTests.Project

    /// The 法制科 project plus 行政审批科's pipeline, export and XSD, and a GB18030 file of bad penalties.
    static func twoDepartments(_ sandbox: SandboxHarness) throws -> Project {
        let project = try Project()
        try project.use(sandbox)
        for file in ["pipelines/shenpi-permits.yaml", "fixtures/pipelines/inbox/shenpi/2026-11-permits.xml"] {
            let target = project.root.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Fixtures.root.appendingPathComponent(file), to: target)
        }
        let xsd = project.root.appendingPathComponent("schemas/xsd/administrative-permit.v2.xsd")
        try FileManager.default.createDirectory(at: xsd.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.root.appendingPathComponent("schemas/xsd/administrative-permit.v2.xsd"), to: xsd)
        try runTool(
            "/usr/bin/iconv",
            ["-f", "UTF-8", "-t", "GB18030", "-o", project.input.deletingLastPathComponent().appendingPathComponent("2026-11-bad.csv").path,
             Fixtures.url("validate/penalty/invalid.csv").path])
        return project
    }

    @Test("the report's figures: JSON = ledger, HTML in a real browser = JSON; files private; definitions stated")
    func figuresAgree() throws {
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let project = try Self.twoDepartments(sandbox)
        let permits = project.root.appendingPathComponent("pipelines/shenpi-permits.yaml").path
        #expect(try project.run(["--today", "2026-11-30"]).status == 65)  // bad penalties
        #expect(try GongshiProcess.run(["run", permits, "--today", "2026-12-01"]).status == 65)  // bad permits
        let withdrawn = try WithdrawalTests.withdraw(project, ["--record", "牟城管罚〔2026〕5号", "--reason", "撤销", "--today", "2026-12-02"])
        #expect(withdrawn.status == 0, "\(withdrawn)")

        let out = project.root.appendingPathComponent("report")
        let result = try GongshiProcess.run([
            "report", project.pipeline, permits, "--from", "2026-11-01", "--to", "2026-12-31", "--today", "2026-12-03", "--out", out.path,
        ])
        #expect(result.status == 0, "\(result)")
        let jsonFile = out.appendingPathComponent("report-2026-11-01-2026-12-31.json")
        let htmlFile = out.appendingPathComponent("report-2026-11-01-2026-12-31.html")
        for file in [jsonFile, htmlFile] {
            let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file.lastPathComponent): \(String(mode ?? 0, radix: 8))")
        }
        let report = try CreditReport.decode(Array(try Data(contentsOf: jsonFile)))

        // JSON = ledger.
        let db = try DatabaseQueue(path: project.ledger, configuration: { var c = Configuration(); c.readonly = true; return c }())
        try db.read { db in
            // The figures from the register, in SQL of the test's own: per department and decision month.
            var expected: [String: (validAtFirst: Int, decisions: Int)] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT r.department, substr(coalesce(d.decision_date, d.received_on), 1, 7), sum(d.valid_at_first), count(*)
                    FROM decision d JOIN run r ON r.id = d.first_run GROUP BY 1, 2
                    """)
            {
                expected["\(row[0] as String)/\(row[1] as String)"] = (row[2], row[3])
            }
            // (The ledger keeps a publication's status as a code since v18: 2 published, 5 withdrawn.)
            let pairs = """
                WITH raw AS (
                    SELECT r.department AS department, substr(coalesce(d.decision_date, d.received_on), 1, 7) AS month,
                        dp.due_on AS due, dp.exclusion AS exclusion, d.revoked_on AS revoked,
                        (SELECT min(p.published_on) FROM publication p WHERE p.kind_id = d.kind_id AND p.portal_id = dp.portal_id
                            AND (p.record_key = d.number OR p.record_key LIKE d.number || '|%') AND p.status_code IN (2, 5)) AS published,
                        EXISTS (SELECT 1 FROM publication p WHERE p.kind_id = d.kind_id AND p.portal_id = dp.portal_id
                            AND (p.record_key = d.number OR p.record_key LIKE d.number || '|%') AND p.status_code = 5) AS withdrawn
                    FROM decision d JOIN decision_portal dp USING (kind_id, number) JOIN run r ON r.id = d.first_run),
                pairs AS (SELECT *, (exclusion IS NOT NULL OR (revoked IS NOT NULL AND published IS NULL)) AS excluded_flag FROM raw)
                """
            var timely: [String: (onTime: Int, due: Int, published: Int, toPublish: Int)] = [:]
            for row in try Row.fetchAll(
                db,
                sql: pairs + """
                    SELECT department, month,
                        sum(NOT excluded_flag AND published IS NOT NULL AND due IS NOT NULL AND published <= due),
                        sum(NOT excluded_flag AND due IS NOT NULL AND (published IS NOT NULL OR (NOT withdrawn AND due < '2026-12-03'))),
                        sum(NOT excluded_flag AND published IS NOT NULL),
                        sum(NOT excluded_flag AND NOT (withdrawn AND published IS NULL))
                    FROM pairs GROUP BY 1, 2
                    """)
            {
                timely["\(row[0] as String)/\(row[1] as String)"] = (row[2], row[3], row[4], row[5])
            }
            #expect(report.rates.count == 2 * 2)  // two departments × November, December
            for line in report.rates {
                let key = "\(line.department)/\(line.month)"
                let decisions = expected[key] ?? (0, 0)
                #expect(line.compliance == Ratio(decisions.validAtFirst, of: decisions.decisions), "\(key)")
                let due = timely[key] ?? (0, 0, 0, 0)
                #expect(line.timeliness == Ratio(due.onTime, of: due.due), "\(key)")
                #expect(line.completeness == Ratio(due.published, of: due.toPublish), "\(key)")
            }
            // The headline names the period's decisions (the register's, by decision date; by the
            // day received when the date cannot be read) beside the records received, as the page
            // does: two bases, not one number read as the other.
            var decidedInPeriod: [String: Int] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT r.department, count(*) FROM decision d JOIN run r ON r.id = d.first_run
                    WHERE (CASE WHEN date(d.decision_date) = d.decision_date THEN d.decision_date ELSE d.received_on END)
                          BETWEEN '2026-11-01' AND '2026-12-31'
                    GROUP BY 1
                    """)
            {
                decidedInPeriod[row[0] as String] = row[1]
            }
            for department in report.departments {
                let decided = decidedInPeriod[department.department] ?? 0
                #expect(department.decisions == decided && decided > 0, "\(department.department) \(department.decisions) \(decided)")
                #expect(result.stdout.contains("\(department.department)（\(department.kind)）：本期作出的决定 \(decided) 个；"), "\(result.stdout)")
            }
            // Not vacuous: bad penalties in November, late and overdue publications.
            let penalties = try #require(report.rates.first { $0.department == "法制科" && $0.month == "2026-11" })
            #expect(penalties.compliance.numerator < penalties.compliance.denominator && penalties.compliance.numerator >= 17)
            #expect(penalties.timeliness.numerator > 0 && penalties.timeliness.numerator < penalties.timeliness.denominator)
            let overdue = try Int.fetchOne(
                db, sql: pairs + "SELECT count(*) FROM pairs WHERE NOT excluded_flag AND published IS NULL AND NOT withdrawn AND due < '2026-12-03'")
            #expect(report.deadlineCounts["overdue"] == overdue && (overdue ?? 0) > 0, "\(report.deadlineCounts)")
            let problems = try Int.fetchOne(db, sql: "SELECT count(*) FROM problem WHERE severity = 'error'") ?? 0
            #expect(report.problemsTotal == problems && problems > 0 && report.problems.count == problems)
            let states = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.department, CASE p.status_code WHEN 1 THEN 'pending' WHEN 2 THEN 'published' WHEN 3 THEN 'rejected' WHEN 4 THEN 'failed' WHEN 5 THEN 'withdrawn' END,
                        count(*) FROM publication p JOIN batch b ON b.no = p.batch_no
                    JOIN run r ON r.id = b.created_run GROUP BY 1, 2
                    """)
            for department in report.departments {
                func count(_ status: String) -> Int {
                    states.first { $0[0] as String == department.department && $0[1] as String == status }.map { $0[2] } ?? 0
                }
                #expect(department.published == count("published") && department.pending == count("pending"), "\(department)")
                #expect(department.withdrawn == count("withdrawn") && department.rejected == count("rejected"), "\(department)")
            }
        }
        #expect(report.withdrawals.map(\.decisionNumber) == ["牟城管罚〔2026〕5号"])  // 信用中国 had not confirmed it yet
        #expect(report.deadlines.contains { $0.state == .overdue && $0.decisionNumber == "牟城管罚〔2026〕8号" })
        #expect(report.definitions.map(\.name) == ["合规率", "及时率", "完整率"])

        // HTML, as the browser rendered it = JSON.
        let html = try String(contentsOf: htmlFile, encoding: .utf8)
        #expect(!html.contains("http://") && !html.contains("https://"))  // self-contained
        let dom = try HeadlessBrowser.dumpDOM(of: htmlFile.path)
        let cells = try DOMProbe.rateCells(dom)
        #expect(cells.count == report.rates.count * 3)
        var points = 0
        for line in report.rates {
            for (key, ratio) in [("compliance", line.compliance), ("timeliness", line.timeliness), ("completeness", line.completeness)] {
                let cell = cells.first { $0["data-rate"] == key && $0["data-department"] == line.department && $0["data-month"] == line.month }
                #expect(cell?["pct"] == ratio.percent, "\(line.department) \(line.month) \(key)")
                #expect(cell?["data-numerator"] == String(ratio.numerator) && cell?["data-denominator"] == String(ratio.denominator))
                if ratio.denominator > 0 { points += 1 }
            }
        }
        let drawn = try DOMProbe.chartPoints(dom)
        #expect(drawn.count == points && points > 0)
        for point in drawn {
            let line = report.rates.first { $0.department == point["data-department"] && $0.month == point["data-month"] }
            let ratio = [("compliance", line?.compliance), ("timeliness", line?.timeliness), ("completeness", line?.completeness)]
                .first { $0.0 == point["data-rate"] }?.1
            #expect(point["data-value"].map { $0 + "%" } == ratio?.percent, "\(point)")
        }
        for definition in report.definitions { #expect(dom.contains(definition.formula)) }
        // No ID number reaches the report (the bad file has some, masked in the ledger's problems).
        for number in ["410122198503121230", "410122198502301230", "410122203001011239"] { #expect(!dom.contains(number) && !html.contains(number)) }
        // A report of a month before every decision: nothing decided after it is counted or listed
        // (November's overdue decisions are not October's).
        let before = project.root.appendingPathComponent("report-october")
        let october = try GongshiProcess.run([
            "report", project.pipeline, permits, "--from", "2026-10-01", "--to", "2026-10-31", "--today", "2026-12-03", "--out", before.path,
        ])
        #expect(october.status == 0, "\(october)")
        let empty = try CreditReport.decode(Array(try Data(contentsOf: before.appendingPathComponent("report-2026-10-01-2026-10-31.json"))))
        #expect(empty.deadlineCounts.values.allSatisfy { $0 == 0 } && empty.deadlines.isEmpty, "\(empty.deadlineCounts)")
    }
    @Test("a problem's echo a ledger kept unscreened (written before free texts were screened) reaches the report screened")
    func oldEchoesScreened() throws {
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let project = try Self.twoDepartments(sandbox)
        #expect(try project.run(["--today", "2026-11-30"]).status == 65)  // bad penalties
        // An over-long 违法事实's echo as a ledger before the thirty-eighth session stored it.
        let old = "当事人（身份证号410122198503121231，电话13803710000）" + String(repeating: "占", count: 150) + "…（共 5000 字）"
        let db = try DatabaseQueue(path: project.ledger)
        let changed = try db.write { db -> Int in
            try db.execute(
                sql: "UPDATE problem SET value = ? WHERE id = (SELECT min(id) FROM problem WHERE severity = 'error')", arguments: [old])
            return db.changesCount
        }
        #expect(changed == 1)
        let out = project.root.appendingPathComponent("report")
        let result = try GongshiProcess.run([
            "report", project.pipeline, "--from", "2026-11-01", "--to", "2026-12-31", "--today", "2026-12-03", "--out", out.path,
        ])
        #expect(result.status == 0, "\(result)")
        let json = try String(contentsOf: out.appendingPathComponent("report-2026-11-01-2026-12-31.json"), encoding: .utf8)
        let html = try String(contentsOf: out.appendingPathComponent("report-2026-11-01-2026-12-31.html"), encoding: .utf8)
        for text in [json, html, result.stdout] {
            #expect(!text.contains("410122198503121231") && !text.contains("13803710000"))
        }
        let report = try CreditReport.decode(Array(json.utf8))
        #expect(report.problems.contains { $0.value?.hasPrefix("当事人（身份证号******************，电话***********）占") == true })
    }

    @Test("a report over 0001-01-01 – 9999-12-31 grows with the data, not the dates; its monthly figures are the months that had decisions")
    func longPeriod() throws {
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let project = try Project()
        try project.use(sandbox)
        _ = try project.run(["--today", "2026-11-30"])
        let out = project.root.appendingPathComponent("report")
        let result = try GongshiProcess.run([
            "report", project.pipeline, "--from", "0001-01-01", "--to", "9999-12-31", "--today", "2026-11-30", "--out", out.path,
            "--ledger", project.ledger,
        ])
        #expect(result.status == 0, "\(result)")
        for name in ["report-0001-01-01-9999-12-31.json", "report-0001-01-01-9999-12-31.html"] {
            let size = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(name).path)[.size] as? Int ?? 0
            #expect(size < 200_000, "\(name): \(size) bytes")
        }
        let report = try CreditReport.decode(Array(try Data(contentsOf: out.appendingPathComponent("report-0001-01-01-9999-12-31.json"))))
        #expect(report.rates.map(\.month) == ["2026-11"], "\(report.rates.map(\.month))")
        // Both bases stated: records by the day they came, decisions by their date.
        #expect(report.departments.map(\.decisions) == [17] && report.departments.map(\.records) == [17])
        let html = try String(contentsOf: out.appendingPathComponent("report-0001-01-01-9999-12-31.html"), encoding: .utf8)
        #expect(html.contains("本期作出的决定 法制科 <span class=\"decisions\" data-department=\"法制科\">17</span> 个"))
    }
}
