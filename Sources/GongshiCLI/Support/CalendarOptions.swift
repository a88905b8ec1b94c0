import ArgumentParser
import CalendarData
import Foundation
import WorkingDayCalendar

/// `--calendar DIR`: a folder of the user's own `YYYY.yaml` calendar files, layered over the
/// years bundled in the binary (a file for a bundled year replaces it; a new year extends the
/// coverage). Defaults to `$GONGSHI_CALENDAR_DIR`.
struct CalendarOptions: ParsableArguments {
    static let environmentVariable = "GONGSHI_CALENDAR_DIR"

    @Option(
        name: .customLong("calendar"),
        help: ArgumentHelp(
            "自备节假日日历目录（内含 YYYY.yaml），叠加在内置年份之上；默认取环境变量 GONGSHI_CALENDAR_DIR。",
            valueName: "DIR"))
    var directory: String?

    /// The folder in force: `--calendar`, else the environment variable, else none.
    var effectiveDirectory: String? {
        if let directory { return directory }
        guard let value = ProcessInfo.processInfo.environment[Self.environmentVariable], !value.isEmpty else {
            return nil
        }
        return value
    }

    /// Loads the calendar; warnings go to standard error, errors end the command with status 78.
    func load() throws -> WorkingDayCalendar {
        try loadWithSources().calendar
    }

    /// As ``load()``, also returning where each year came from.
    ///
    /// Each problem is one located line on standard error (an unreadable folder is exactly one
    /// line); with any error the command ends with status 78 and no answer.
    func loadWithSources() throws -> (calendar: WorkingDayCalendar, loaded: LoadedCalendar) {
        let loaded = CalendarLoader.load(directory: effectiveDirectory)
        for issue in loaded.issues { Output.error(issue.description) }
        guard let calendar = loaded.calendar else { throw ExitCode(ExitStatus.configuration) }
        return (calendar, loaded)
    }
}

extension CommandFailure {
    /// Runs a calendar question, turning the calendar's refusal into the command's failure.
    static func calendar<T>(_ question: () throws(WorkingDayCalendarError) -> T) throws(CommandFailure) -> T {
        do {
            return try question()
        } catch {
            throw CommandFailure(error)
        }
    }

    /// A calendar that cannot answer: status 78 for coverage (the fix is more calendar data), 64 otherwise.
    init(_ error: WorkingDayCalendarError) {
        switch error {
        case .notCovered(let date, let coverage):
            let hint = date > coverage.upperBound
                ? Self.addYearHint(coverage.upperBound.year + 1...date.year)
                : "早于 \(coverage.lowerBound.year) 年的日期需要添加当年的 YYYY.yaml"
            self.init(status: ExitStatus.configuration, code: error.code, message: "\(error)；\(hint)")
        case .countRunsPastCoverage(_, _, let coverage):
            let hint = Self.addYearHint(coverage.upperBound.year + 1...coverage.upperBound.year + 1)
            self.init(status: ExitStatus.configuration, code: error.code, message: "\(error)；\(hint)")
        case .nonPositiveCount:
            self.init(status: ExitStatus.usage, code: error.code, message: "\(error)")
        case .inconsistentException:
            self.init(status: ExitStatus.configuration, code: error.code, message: "\(error)")
        }
    }

    private static func addYearHint(_ years: ClosedRange<Int>) -> String {
        let files = years.map { "\($0).yaml" }.joined(separator: "、")
        let notice = years.map { "《国务院办公厅关于\($0)年部分节假日安排的通知》" }.joined(separator: "、")
        return "请依据\(notice)编写 \(files)（格式见 schemas/calendars/README.md），放在一个目录中，"
            + "用 --calendar DIR 或环境变量 \(CalendarOptions.environmentVariable) 指向该目录；不会假定未覆盖的年份没有节假日"
    }
}
