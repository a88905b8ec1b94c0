import Foundation
import GongshiTesting
import Testing

/// `gongshi calendar …` end to end: the built executable, its standard output, standard error and
/// exit status.
@Suite("gongshi calendar commands")
struct CalendarCommandTests {
    @Test("deadline prints the date alone on one line: 2020-01-23 → 2020-02-11")
    func deadline() throws {
        let result = try GongshiProcess.run(["calendar", "deadline", "2020-01-23"])
        #expect(result.status == 0)
        #expect(result.stdout == "2020-02-11\n")
        #expect(result.stderr == "")
    }

    @Test("deadline accepts YYYY/MM/DD and --days")
    func deadlineOptions() throws {
        #expect(try GongshiProcess.run(["calendar", "deadline", "2020/01/23", "--days", "1"]).stdout == "2020-02-03\n")
        #expect(try GongshiProcess.run(["calendar", "deadline", "2019/01/01", "--days=20"]).stdout == "2019-01-29\n")
    }

    @Test("explain shows every day after the decision, why it counts or not, and the deadline")
    func explain() throws {
        let result = try GongshiProcess.run(["calendar", "explain", "2025-09-30"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("决定日期 2025-09-30（周二）当日不计入") == true)
        #expect(lines.last == "截止日期 2025-10-16（周四）")
        let days = lines.dropFirst().dropLast()
        #expect(days.count == 16)  // Oct 1 … Oct 16
        #expect(days.first?.hasPrefix("2025-10-01  周三  不计入") == true)
        #expect(days.first?.hasSuffix("国庆节、中秋节") == true)
        #expect(lines.contains { $0.hasPrefix("2025-10-04  周六  不计入") && $0.hasSuffix("周末") })
        #expect(lines.contains { $0.hasPrefix("2025-10-11  周六  第3个工作日") && $0.hasSuffix("调休上班（国庆节、中秋节）") })
        #expect(lines.contains { $0.hasPrefix("2025-10-16  周四  第7个工作日") })
    }

    @Test("workdays counts (FROM, TO]")
    func workdays() throws {
        #expect(try GongshiProcess.run(["calendar", "workdays", "2020-01-23", "2020-02-11"]).stdout == "7\n")
        #expect(try GongshiProcess.run(["calendar", "workdays", "2020-02-11", "2020-01-23"]).stdout == "-7\n")
        #expect(try GongshiProcess.run(["calendar", "workdays", "2024-01-01", "2024-12-31"]).stdout == "251\n")
    }

    @Test("is-workday answers with the reason; exit 0 for a working day, 1 for a day off")
    func isWorkday() throws {
        let makeUp = try GongshiProcess.run(["calendar", "is-workday", "2020-01-19"])
        #expect(makeUp.status == 0)
        #expect(makeUp.stdout == "2020-01-19 周日 工作日：调休上班（春节）\n")
        let cancelled = try GongshiProcess.run(["calendar", "is-workday", "2020-02-01"])
        #expect(cancelled.status == 1)
        #expect(cancelled.stdout == "2020-02-01 周六 休息日：周末\n")
        let holiday = try GongshiProcess.run(["calendar", "is-workday", "2020/1/31"])
        #expect(holiday.status == 1)
        #expect(holiday.stdout == "2020-01-31 周五 休息日：春节\n")
        let ordinary = try GongshiProcess.run(["calendar", "is-workday", "2020-02-03"])
        #expect(ordinary.status == 0)
        #expect(ordinary.stdout == "2020-02-03 周一 工作日\n")
    }

    @Test(
        "bad arguments: one line on stderr, exit 64, nothing on stdout, no crash",
        arguments: [
            (["calendar", "deadline", "2020-02-30"], "2020年2月只有29天"),
            (["calendar", "deadline", "2020-13-01"], "月份应为 1–12"),
            (["calendar", "deadline", "tomorrow"], "YYYY-MM-DD"),
            (["calendar", "deadline", "2020-01-23", "--days", "0"], "1–366"),
            (["calendar", "deadline", "2020-01-23", "--days=-3"], "1–366"),
            (["calendar", "deadline", "2020-01-23", "--days", "367"], "1–366"),
            (["calendar", "explain", "2020-01-23", "--days", "seven"], "seven"),
            (["calendar", "is-workday", "2021-02-29"], "2021年2月只有28天"),
            (["calendar", "workdays", "2020-01-01"], "TO"),
            (["calendar", "today", "--today", "2020-02-30"], "--today"),
            (["calendar", "deadline"], "DATE"),
        ])
    func usageErrors(arguments: [String], fragment: String) throws {
        let result = try GongshiProcess.run(arguments)
        #expect(result.status == 64)
        #expect(result.stdout == "")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(fragment), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test("a count past the end of coverage is refused with exit 78, naming the range and how to add a year")
    func beyondCoverage() throws {
        let result = try GongshiProcess.run(["calendar", "deadline", "2026-12-28"])
        #expect(result.status == 78)
        #expect(result.stdout == "")
        #expect(result.stderr.contains("calendar-coverage-exceeded"))
        #expect(result.stderr.contains("2019-01-01 至 2026-12-31"))
        #expect(result.stderr.contains("2027.yaml"))
        #expect(result.stderr.contains("--calendar"))
        let before = try GongshiProcess.run(["calendar", "is-workday", "2018-12-31"])
        #expect(before.status == 78)
        #expect(before.stderr.contains("2019-01-01 至 2026-12-31"))
    }

    @Test("--calendar DIR adds a year without a rebuild; GONGSHI_CALENDAR_DIR does the same")
    func userCalendar() throws {
        let folder = Fixtures.url("calendars/example-2027").path
        let flag = try GongshiProcess.run(["calendar", "deadline", "2026-12-28", "--calendar", folder])
        #expect(flag.status == 0, "\(flag)")
        // 2026-12-28 Mon: 29 (1), 30 (2), 31 (3), Jan 1 off (fictional 2027 file), 4 (4) … 7 (7)
        #expect(flag.stdout == "2027-01-07\n")
        let env = try GongshiProcess.run(["calendar", "deadline", "2026-12-28"], environment: ["GONGSHI_CALENDAR_DIR": folder])
        #expect(env.stdout == "2027-01-07\n")
        let makeUp = try GongshiProcess.run(["calendar", "is-workday", "2027-01-09", "--calendar", folder])
        #expect(makeUp.stdout == "2027-01-09 周六 工作日：调休上班（元旦）\n")
    }

    @Test("an unreadable or invalid calendar: exit 78 with file and line, no crash")
    func badCalendar() throws {
        let missing = try GongshiProcess.run(["calendar", "deadline", "2020-01-23", "--calendar", "/nonexistent/cal"])
        #expect(missing.status == 78)
        #expect(missing.stdout == "")
        #expect(missing.stderr == "gongshi: /nonexistent/cal: 错误 [calendar-unreadable] 日历目录不存在\n")
        let invalid = Fixtures.url("calendars/check/make-up-not-weekend").path
        let result = try GongshiProcess.run(["calendar", "deadline", "2020-01-23", "--calendar", invalid])
        #expect(result.status == 78)
        #expect(result.stderr.contains("make-up-not-weekend/2027.yaml:5: 错误 [calendar-make-up-not-weekend]"))
    }

    @Test("check: clean bundled calendar exits 0; a faulty folder lists every problem with file and line and exits 78")
    func check() throws {
        let clean = try GongshiProcess.run(["calendar", "check"])
        #expect(clean.status == 0)
        #expect(clean.stdout == "")
        #expect(clean.stderr.contains("覆盖 2019-01-01 至 2026-12-31"))
        let folder = Fixtures.url("calendars/check/malformed-date").path
        let faulty = try GongshiProcess.run(["calendar", "check", "--calendar", folder])
        #expect(faulty.status == 78)
        let lines = faulty.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == "\(folder)/2027.yaml:3: 错误 [calendar-date-malformed] days_off 中的“2027-1-1 元旦”：“2027-1-1”不是日期：应为 YYYY-MM-DD")
        #expect(lines[1].hasPrefix("\(folder)/2027.yaml:4: 错误 [calendar-date-impossible]"))
        #expect(lines[1].hasSuffix("2027年2月只有28天"))
        #expect(lines[2].hasPrefix("\(folder)/2027.yaml:5: 错误 [calendar-date-malformed]"))
    }

    @Test("coverage lists the range and each year's file, and warns within 60 days of its end")
    func coverage() throws {
        let near = try GongshiProcess.run(["calendar", "coverage", "--today", "2026-11-29"])
        #expect(near.status == 0)
        let lines = near.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "2019-01-01 2026-12-31")
        #expect(lines.dropFirst().first == "2019 bundled:schemas/calendars/2019.yaml")
        #expect(lines.count == 9)
        #expect(near.stderr.contains("calendar-coverage-ending"))
        #expect(near.stderr.contains("还有 32 天"))
        let far = try GongshiProcess.run(["calendar", "coverage", "--today", "2026-10-31"])
        #expect(far.stderr == "")
        let edge = try GongshiProcess.run(["calendar", "coverage", "--today", "2026-11-01"])
        #expect(edge.stderr.contains("还有 60 天"))
    }

    @Test("DATE may be `today`, which follows --today")
    func todayKeyword() throws {
        let result = try GongshiProcess.run(["calendar", "deadline", "today", "--today", "2020-01-23"])
        #expect(result.stdout == "2020-02-11\n")
        #expect(try GongshiProcess.run(["calendar", "today", "--today", "2020/1/23"]).stdout == "2020-01-23\n")
    }

    @Test("the bundled calendar travels with the binary: a copy run from another folder still works")
    func travelsWithBinary() throws {
        let folder = Scratch.root.appendingPathComponent("gongshi-copy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("gongshi")
        // Copied by cp in a child: a copy written through a descriptor of this process could be
        // inherited by a child another test spawns at that moment, and exec would fail (ETXTBSY).
        try runTool("/bin/cp", [GongshiProcess.executable.path, copy.path])
        let child = try ChildProcess.spawn(
            copy.path, ["calendar", "deadline", "2020-01-23"], environment: ProcessInfo.processInfo.environment, directory: "/")
        let result = child.finish()
        #expect(result.status == 0)
        #expect(String(decoding: result.stdout, as: UTF8.self) == "2020-02-11\n")
    }
}
