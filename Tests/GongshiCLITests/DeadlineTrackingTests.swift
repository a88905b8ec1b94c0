import Foundation
import GongshiTesting
import Testing

/// Every decision tracked to its deadline from the moment its file arrives, through the built
/// `gongshi` and a real SQLite ledger: valid, invalid, and rows of a file rejected as a whole.
@Suite("Deadline tracking")
struct DeadlineTrackingTests {
    /// A project with one pipeline (penalties, 信用中国 through the outbox) and an empty inbox.
    /// The shared outbox project (`deadlines.yaml`, one 信用中国 portal) with the 2027 calendar
    /// beside it, run without the environment's calendar folder.
    struct Project {
        let base: OutboxProject
        var root: URL { base.root }
        var pipeline: String { base.pipeline }
        var inbox: URL { base.inbox }

        init() throws {
            base = try OutboxProject(id: "deadlines", portals: ["creditchina-henan-zhengzhou"])
            try FileManager.default.createDirectory(at: root.appendingPathComponent("calendar-2027"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                at: Fixtures.url("calendars/example-2027/2027.yaml"), to: root.appendingPathComponent("calendar-2027/2027.yaml"))
        }

        func add(_ fixture: String) throws {
            try base.add("deadlines/\(fixture)")
        }

        func gongshi(_ arguments: [String]) throws -> GongshiProcess.Result {
            try GongshiProcess.run(arguments, environment: ["GONGSHI_CALENDAR_DIR": nil], directory: root)
        }

        /// The run's JSON report, named on its standard output.
        func report(_ result: GongshiProcess.Result) throws -> [String: Any] {
            try #require(try result.runReport(), "\(result)")
        }

        func status(_ today: String, calendar: Bool = false) throws -> (result: GongshiProcess.Result, json: [String: Any]) {
            let result = try gongshi(
                ["ledger", "status", "--format", "json", "--ledger", "var/ledger.sqlite", "--today", today]
                    + (calendar ? ["--calendar", "calendar-2027"] : []))
            return (result, (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:])
        }

        /// `gongshi report` for December, its exit status and JSON.
        func report(_ today: String, calendar: Bool = false) throws -> (result: GongshiProcess.Result, json: [String: Any]) {
            let out = "rep-\(today)-\(calendar)"
            let result = try gongshi(
                ["report", pipeline, "--from", "2026-12-01", "--to", "2026-12-31", "--today", today, "--out", out]
                    + (calendar ? ["--calendar", "calendar-2027"] : []))
            let file = root.appendingPathComponent("\(out)/report-2026-12-01-2026-12-31.json")
            return (result, (try? JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]) ?? [:])
        }

        func pendingBatches() throws -> [String] {
            let (_, json) = try status("2026-11-19")
            return (json["pending_batches"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        }
    }

    static func disclosure(_ json: [String: Any]) -> [String: Int] {
        (json["disclosure"] as? [String: Any] ?? [:]).compactMapValues { $0 as? Int }
    }

    @Test("10 decisions of 2026-11-02 (5 invalid) and a file of 3 rejected whole: 13 overdue on 11-19; confirmed as published 11-10, 5 on time and 8 overdue")
    func everyDecisionTracked() throws {
        let project = try Project()
        try project.add("2026-11-02-decisions.csv")
        try project.add("2026-11-02-rejected.csv")
        let staged = try project.gongshi(["run", project.pipeline, "--today", "2026-11-09"])
        #expect(staged.status == 65, "\(staged)")  // invalid records and a rejected file; nothing due yet
        let stagedReport = try project.report(staged)
        let first = Self.disclosure(stagedReport)
        #expect(first["not_yet_due"] == 13 && first["overdue"] == 0 && first["decisions"] == 13, "\(first)")
        // The rejected file's fourth row has no decision number: counted, not tracked.
        let departments = (stagedReport["report"] as? [String: Any])?["departments"] as? [[String: Any]]
        #expect(departments?.first?["unidentifiable"] as? Int == 1, "\(departments ?? [])")

        let late = try project.gongshi(["run", project.pipeline, "--today", "2026-11-19"])
        #expect(late.status != 0, "\(late)")
        let overdue = Self.disclosure(try project.report(late))
        #expect(overdue["overdue"] == 13 && overdue["on_time"] == 0, "\(overdue)")
        #expect(overdue["waiting_for_correction"] == 8 && overdue["staged"] == 5, "\(overdue)")
        // ledger status says the same, as JSON and as text.
        let (status, json) = try project.status("2026-11-19")
        #expect(status.status == 0 && Self.disclosure(json)["overdue"] == 13, "\(status)")
        let text = try project.gongshi(["ledger", "status", "--ledger", "var/ledger.sqlite", "--today", "2026-11-19"])
        #expect(text.stdout.contains("公示状态：逾期未公示 13，"), "\(text.stdout)")
        // 合规率 counts decisions: 5 of 13 valid at first submission.
        let compliance = (json["disclosure"] as? [String: Any])?["compliance"] as? [String: Int]
        #expect(compliance?["numerator"] == 5 && compliance?["denominator"] == 13, "\(json)")

        // The clerk uploaded the batches on 11-10 and confirms them on 11-19.
        let batches = try project.pendingBatches()
        #expect(!batches.isEmpty)
        let confirm = try project.gongshi(
            ["ledger", "confirm"] + batches + ["--published-on", "2026-11-10", "--ledger", "var/ledger.sqlite", "--today", "2026-11-19"])
        #expect(confirm.status == 0, "\(confirm)")
        let after = Self.disclosure(try project.status("2026-11-19").json)
        #expect(after["on_time"] == 5 && after["overdue"] == 8, "\(after)")
        let rerun = Self.disclosure(try project.report(try project.gongshi(["run", project.pipeline, "--today", "2026-11-19"])))
        #expect(rerun["on_time"] == 5 && rerun["overdue"] == 8, "\(rerun)")

        // A corrected re-export of the 10 (the 5 invalid fixed): the same 13 decisions, not 23; the
        // 5 corrected ones go out, and 合规率 still counts them as invalid at first submission.
        let original = try String(contentsOf: Fixtures.url("deadlines/2026-11-02-decisions.csv"), encoding: .utf8)
        let basis = try #require(original.split(separator: "\r\n")[1].split(separator: ",", omittingEmptySubsequences: false).dropFirst(16).first)
        let corrected = original.replacingOccurrences(of: "经营,,罚款", with: "经营,\(basis),罚款")
        #expect(corrected != original)
        try corrected.write(to: project.inbox.appendingPathComponent("2026-11-02-corrected.csv"), atomically: true, encoding: .utf8)
        let fixed = try project.gongshi(["run", project.pipeline, "--today", "2026-11-20"])
        let counts = try project.report(fixed)["disclosure"] as? [String: Any] ?? [:]
        #expect(counts["decisions"] as? Int == 13, "\(fixed)")
        #expect((counts["compliance"] as? [String: Int]).map { $0["numerator"] == 5 && $0["denominator"] == 13 } == true, "\(counts)")
        #expect(counts["on_time"] as? Int == 5 && counts["overdue"] as? Int == 8, "\(counts)")  // staged is not published
    }

    @Test("a record withdrawn for 更正 with no corrected record: its decision is not published again — ledger status and the report count it overdue, not on time")
    func correctedWithdrawalNotPublished() throws {
        let project = try Project()
        try project.add("2026-11-02-decisions.csv")
        _ = try project.gongshi(["run", project.pipeline, "--today", "2026-11-09"])
        let confirm = try project.gongshi(
            ["ledger", "confirm"] + (try project.pendingBatches()) + ["--published-on", "2026-11-10", "--ledger", "var/ledger.sqlite", "--today", "2026-11-19"])
        #expect(confirm.status == 0, "\(confirm)")
        #expect(Self.disclosure(try project.status("2026-11-19").json)["on_time"] == 5)
        // The clerk withdraws one of the five for 更正 (the department's corrected record has not come).
        let withdraw = try project.gongshi(
            ["withdraw", project.pipeline, "--record", "牟城管罚〔2026〕101号", "--reason", "更正", "--today", "2026-11-19"])
        #expect(withdraw.status == 0, "\(withdraw)")
        // Until the portal confirms the withdrawal, the record is still shown: published, on time.
        let asked = Self.disclosure(try project.status("2026-11-19").json)
        #expect(asked["on_time"] == 5 && asked["overdue"] == 5, "\(asked)")
        let withdrawal = try project.pendingBatches()
        #expect(withdrawal.count == 1, "\(withdrawal)")
        #expect(try project.gongshi(["ledger", "confirm"] + withdrawal + ["--ledger", "var/ledger.sqlite", "--today", "2026-11-19"]).status == 0)
        // Taken down for 更正 with nothing in its place: not published, overdue again (due 11-11),
        // and still to be published (完整率 4 of 10, not 5 of 10 nor 4 of 9).
        let (status, json) = try project.status("2026-11-19")
        let after = Self.disclosure(json)
        #expect(after["on_time"] == 4 && after["overdue"] == 6 && after["not_to_publish"] ?? 0 == 0, "\(status)")
        let completeness = (json["disclosure"] as? [String: Any])?["completeness"] as? [String: Int]
        #expect(completeness?["numerator"] == 4 && completeness?["denominator"] == 10, "\(json)")
        let text = try project.gongshi(["ledger", "status", "--ledger", "var/ledger.sqlite", "--today", "2026-11-19"])
        #expect(text.stdout.contains("公示状态：逾期未公示 6，"), "\(text.stdout)")
        // The report counts the same.
        let report = try project.gongshi(
            ["report", project.pipeline, "--from", "2026-11-01", "--to", "2026-11-30", "--today", "2026-11-19", "--out", "rep-corrected"])
        #expect(report.status == 0, "\(report)")
        let file = project.root.appendingPathComponent("rep-corrected/report-2026-11-01-2026-11-30.json")
        let counts = (try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])?["deadline_counts"] as? [String: Int]
        #expect(counts?["on_time"] == 4 && counts?["overdue"] == 6, "\(counts ?? [:])")
    }

    @Test("a batch the portal refused, made again the next night under the same id: ledger status keeps the refusal (its file, its reason) beside the new attempt, which confirm names")
    func refusedBatchKept() throws {
        let project = try Project()
        try project.add("2026-11-02-decisions.csv")
        _ = try project.gongshi(["run", project.pipeline, "--today", "2026-11-09"])
        let batch = try #require(try project.pendingBatches().first)
        let refused = try #require((try project.status("2026-11-09").json["pending_batches"] as? [[String: Any]])?.first)
        // The portal's words quote a record's ID number: shown screened, never whole.
        let fail = try project.gongshi(
            ["ledger", "fail", batch, "--reason", "门户退回整个文件：证件号码 410122198503121231 有误", "--ledger", "var/ledger.sqlite"])
        #expect(fail.status == 0, "\(fail)")
        let failed = try project.status("2026-11-09")
        let lastError = (failed.json["failed_batches"] as? [[String: Any]])?.first?["last_error"] as? String
        #expect(lastError?.hasPrefix("门户退回整个文件：证件号码 ") == true && lastError?.contains("410122198503121231") == false, "\(failed.json)")
        _ = try project.gongshi(["run", project.pipeline, "--today", "2026-11-10"])
        #expect(try project.pendingBatches() == [batch])
        let (status, json) = try project.status("2026-11-10")
        #expect(status.status == 0, "\(status)")
        let failures = json["earlier_failures"] as? [[String: Any]] ?? []
        #expect(failures.count == 1, "\(json)")
        #expect(failures.first?["batch"] as? String == batch && failures.first?["attempt"] as? Int == 1)
        let reason = failures.first?["reason"] as? String
        #expect(reason?.hasPrefix("门户退回整个文件：证件号码 ") == true && reason?.contains("410122198503121231") == false, "\(failures)")
        #expect(failures.first?["created_on"] as? String == "2026-11-09")
        #expect(failures.first?["place"] as? String == refused["place"] as? String)
        let now = try #require((json["pending_batches"] as? [[String: Any]])?.first)
        #expect(now["created_on"] as? String == "2026-11-10" && now["place"] as? String != refused["place"] as? String, "\(now)")
        let text = try project.gongshi(["ledger", "status", "--ledger", "var/ledger.sqlite", "--today", "2026-11-10"])
        #expect(text.stdout.contains("曾失败（第 1 次，之后以同一批次号重新生成）批次 \(batch)"), "\(text.stdout)")
        #expect(!text.stdout.contains("410122198503121231"))
        // Confirmed, the batch names the file it was made into again.
        let confirm = try project.gongshi(["ledger", "confirm", batch, "--published-on", "2026-11-10", "--ledger", "var/ledger.sqlite", "--today", "2026-11-10"])
        #expect(confirm.status == 0 && confirm.stdout.contains("20261110"), "\(confirm)")
    }

    @Test("--published-on is neither in the future nor before the batch was staged")
    func publishedOnBounds() throws {
        let project = try Project()
        try project.add("2026-11-02-decisions.csv")
        _ = try project.gongshi(["run", project.pipeline, "--today", "2026-11-09"])
        let batch = try #require(try project.pendingBatches().first)
        let future = try project.gongshi(
            ["ledger", "confirm", batch, "--published-on", "2026-11-20", "--ledger", "var/ledger.sqlite", "--today", "2026-11-19"])
        #expect(future.status == 64 && future.stderr.contains("[published-on-future]"), "\(future)")
        let before = try project.gongshi(
            ["ledger", "confirm", batch, "--published-on", "2026-11-08", "--ledger", "var/ledger.sqlite", "--today", "2026-11-19"])
        #expect(before.status == 64 && before.stderr.contains("[published-on-before-staged]"), "\(before)")
        #expect(try project.pendingBatches().contains(batch))
    }

    @Test("decisions of 2026-12-29 with the calendar ending 2026-12-31: a run on 2027-01-05 exits 78 naming them; with 2027 added, due 2027-01-08, overdue on 2027-01-20")
    func calendarEnds() throws {
        let project = try Project()
        try project.add("2026-12-29-decisions.csv")
        let before = try project.gongshi(["run", project.pipeline, "--today", "2026-12-30"])
        #expect(Self.disclosure(try project.report(before))["not_yet_due"] == 2, "\(before)")

        let blind = try project.gongshi(["run", project.pipeline, "--today", "2027-01-05"])
        #expect(blind.status == 78, "\(blind)")
        #expect(blind.stderr.contains("[calendar-ended]") && blind.stderr.contains("牟城管罚〔2026〕301号"), "\(blind.stderr)")
        #expect(Self.disclosure(try project.report(blind))["calendar_ended"] == 2)
        let (status, json) = try project.status("2027-01-05")
        #expect(status.status == 78 && Self.disclosure(json)["calendar_ended"] == 2, "\(status)")

        // The 2027 calendar added (--calendar, or GONGSHI_CALENDAR_DIR): the run fills the due dates in.
        let seeing = try project.gongshi(["run", project.pipeline, "--today", "2027-01-05", "--calendar", "calendar-2027"])
        #expect(seeing.status == 0, "\(seeing)")
        #expect(Self.disclosure(try project.report(seeing))["not_yet_due"] == 2)
        let overdue = try GongshiProcess.run(
            ["run", project.pipeline, "--today", "2027-01-20"], environment: ["GONGSHI_CALENDAR_DIR": "calendar-2027"], directory: project.root)
        let report = try project.report(overdue)
        #expect(overdue.status == 75 && Self.disclosure(report)["overdue"] == 2, "\(overdue)")
        #expect((report["urgent"] as? [String])?.allSatisfy { $0.contains("截止 2027-01-08") } == true, "\(report["urgent"] ?? "")")
    }

    /// The report's counts of the deadline table, and December's 及时率 as "numerator/denominator".
    static func reportCounts(_ json: [String: Any]) -> (counts: [String: Int], timeliness: String) {
        let counts = (json["deadline_counts"] as? [String: Any] ?? [:]).compactMapValues { $0 as? Int }
        let december = (json["rates"] as? [[String: Any]] ?? []).first { $0["month"] as? String == "2026-12" }
        let rate = december?["timeliness"] as? [String: Any]
        return (counts, "\((rate?["numerator"] as? Int) ?? -1)/\((rate?["denominator"] as? Int) ?? -1)")
    }

    @Test("decisions of 12-23 and 12-24, no 2027 calendar: on 12-31 the 12-23 one is due by the next working day (its 7th working day is the first after 12-31) — the run (75), ledger status and the report agree")
    func dueOnTheFirstWorkingDayPastTheCalendar() throws {
        let project = try Project()
        try project.add("2026-12-23-decisions.csv")
        let before = try project.gongshi(["run", project.pipeline, "--today", "2026-12-30"])
        #expect(before.status == 0, "\(before)")
        #expect(Self.disclosure(try project.report(before))["not_yet_due"] == 2, "\(before)")

        let last = try project.gongshi(["run", project.pipeline, "--today", "2026-12-31"])
        #expect(last.status == 75, "\(last)")
        let run = try project.report(last)
        #expect(Self.disclosure(run)["due_by_next_working_day"] == 1 && Self.disclosure(run)["not_yet_due"] == 1, "\(run)")
        #expect((run["urgent"] as? [String]) == ["明天到期：creditchina-henan-zhengzhou 牟城管罚〔2026〕123号（截止 2026-12-31 之后的下一个工作日，节假日日历尚未覆盖）"], "\(run)")
        let (status, json) = try project.status("2026-12-31")
        #expect(status.status == 0, "\(status)")
        #expect(Self.disclosure(json)["due_by_next_working_day"] == 1 && Self.disclosure(json)["not_yet_due"] == 1, "\(json)")
        let (reported, report) = try project.report("2026-12-31")
        #expect(reported.status == 0, "\(reported)")
        let counts = Self.reportCounts(report).counts
        #expect(counts["due_soon"] == 1 && counts["not_yet_due"] == 1 && counts["no_deadline"] == 0, "\(counts)")
        let line = (report["deadlines"] as? [[String: Any]])?.first { $0["state"] as? String == "due_soon" }
        #expect(line?["decision_number"] as? String == "牟城管罚〔2026〕123号" && line?["due_on"] == nil, "\(line ?? [:])")
        #expect(line?["reason"] as? String == "截止日为 2026-12-31 之后的第 1 个工作日（节假日日历只覆盖到 2026-12-31）", "\(line ?? [:])")
        // Past the calendar's end, unpublished: unknown, named, 78 — as before.
        let blind = try project.gongshi(["run", project.pipeline, "--today", "2027-01-04"])
        #expect(blind.status == 78 && blind.stderr.contains("牟城管罚〔2026〕123号"), "\(blind)")
        #expect(Self.disclosure(try project.report(blind))["calendar_ended"] == 2)
    }

    @Test("decisions of 12-23 and 12-24 published on 12-29, no 2027 calendar: on time in the run, ledger status and the report, before and after the calendar's end, and in 及时率")
    func publishedBeforeTheCalendarEnds() throws {
        let project = try Project()
        try project.add("2026-12-23-decisions.csv")
        let staged = try project.gongshi(["run", project.pipeline, "--today", "2026-12-28"])
        #expect(staged.status == 0, "\(staged)")
        let batches = try project.pendingBatches()
        #expect(!batches.isEmpty)
        let confirm = try project.gongshi(
            ["ledger", "confirm"] + batches + ["--published-on", "2026-12-29", "--ledger", "var/ledger.sqlite", "--today", "2026-12-29"])
        #expect(confirm.status == 0, "\(confirm)")
        for today in ["2026-12-31", "2027-01-04"] {
            let (status, json) = try project.status(today)
            let counts = Self.disclosure(json)
            #expect(status.status == 0, "\(today): \(status)")
            #expect(counts["on_time"] == 2 && counts["no_deadline"] == 0 && counts["calendar_ended"] == 0, "\(today): \(counts)")
            let timeliness = (json["disclosure"] as? [String: Any])?["timeliness"] as? [String: Int]
            #expect(timeliness?["numerator"] == 2 && timeliness?["denominator"] == 2, "\(today): \(json)")
            let (reported, report) = try project.report(today)
            #expect(reported.status == 0, "\(today): \(reported)")
            let (reportCounts, rate) = Self.reportCounts(report)
            #expect(reportCounts["on_time"] == 2 && reportCounts["no_deadline"] == 0 && reportCounts["calendar_ended"] == 0, "\(today): \(reportCounts)")
            #expect(rate == "2/2", "\(today)")
        }
        let run = try project.gongshi(["run", project.pipeline, "--today", "2027-01-04"])
        #expect(run.status == 0, "\(run)")
        let counts = Self.disclosure(try project.report(run))
        #expect(counts["on_time"] == 2 && counts["no_deadline"] == 0 && counts["calendar_ended"] == 0, "\(counts)")
    }

    @Test("report --calendar reckons the due dates the register lacks, as ledger status --calendar does, without a run first")
    func reportReckonsWithTheCalendarGiven() throws {
        let project = try Project()
        try project.add("2026-12-29-decisions.csv")
        // Recorded without a 2027 calendar: no due dates in the register.
        let blind = try project.gongshi(["run", project.pipeline, "--today", "2026-12-30"])
        #expect(blind.status == 0, "\(blind)")
        let (status, json) = try project.status("2027-01-20", calendar: true)
        #expect(status.status == 0 && Self.disclosure(json)["overdue"] == 2, "\(status)")
        let (reported, report) = try project.report("2027-01-20", calendar: true)
        #expect(reported.status == 0, "\(reported)")
        let (counts, rate) = Self.reportCounts(report)
        #expect(counts["overdue"] == 2 && counts["not_yet_due"] == 0 && counts["no_deadline"] == 0, "\(counts)")
        #expect(rate == "0/2")
        let lines = (report["deadlines"] as? [[String: Any]] ?? []).filter { $0["state"] as? String == "overdue" }
        #expect(lines.map { $0["due_on"] as? String } == ["2027-01-08", "2027-01-08"], "\(lines)")
        // Read only: the register still lacks them, and a report without the calendar says so (78).
        let (without, _) = try project.report("2027-01-20")
        #expect(without.status == 78 && without.stderr.contains("[calendar-ended]"), "\(without)")
    }
}
