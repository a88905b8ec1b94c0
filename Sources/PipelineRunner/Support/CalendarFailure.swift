public import WorkingDayCalendar

extension CommandFailure {
    /// Runs a calendar question, turning the calendar's refusal into the command's failure.
    public static func calendar<T>(_ question: () throws(WorkingDayCalendarError) -> T) throws(CommandFailure) -> T {
        do {
            return try question()
        } catch {
            throw CommandFailure(error)
        }
    }

    /// A calendar that cannot answer: status 78 for coverage (the fix is more calendar data), 64 otherwise.
    public init(_ error: WorkingDayCalendarError) {
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

    /// What to do when the calendar does not reach these years (shared with the deadline reckoning).
    static func addYearHint(_ years: ClosedRange<Int>) -> String {
        // A far date (9999-12-31) must not list thousands of notices: name the first and last.
        let files = years.count <= 3
            ? years.map { "\($0).yaml" }.joined(separator: "、") : "\(years.lowerBound).yaml … \(years.upperBound).yaml（共 \(years.count) 个）"
        let notice = years.count <= 3
            ? years.map { "《国务院办公厅关于\($0)年部分节假日安排的通知》" }.joined(separator: "、")
            : "国务院办公厅关于 \(years.lowerBound)–\(years.upperBound) 各年部分节假日安排的通知"
        return "请依据\(notice)编写 \(files)（格式见 schemas/calendars/README.md），放在一个目录中，"
            + "用 --calendar DIR 或环境变量 \("GONGSHI_CALENDAR_DIR") 指向该目录；不会假定未覆盖的年份没有节假日"
    }
}
