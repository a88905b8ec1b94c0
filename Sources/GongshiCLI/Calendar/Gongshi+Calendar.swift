import DisclosureCore
import PipelineRunner
import ArgumentParser
import WorkingDayCalendar

extension Gongshi {
    /// `gongshi calendar …`: the working-day calendar behind every disclosure deadline.
    struct Calendar: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "calendar",
            abstract: "节假日与调休日历：公示截止日期、工作日计数、日历文件检查。",
            discussion: """
                工作日：周一至周五，除国务院办公厅通知的放假日；另加通知规定的调休上班的周六、周日。\
                决定当日不计入，其后第一个工作日为第 1 个工作日，第 N 个工作日为截止日期。\
                内置 2019–2026 年安排；新的一年用 --calendar DIR 添加 YYYY.yaml，无需重新编译。
                """,
            subcommands: [Deadline.self, Explain.self, Workdays.self, IsWorkday.self, Check.self, Coverage.self, Today.self]
        )
    }
}

/// The decision date and day count shared by `deadline` and `explain`.
struct DeadlineArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("决定日期：YYYY-MM-DD、YYYY/MM/DD 或 today。", valueName: "DATE"))
    var date: String

    @Option(name: .customLong("days"), help: ArgumentHelp("工作日天数 N（1–366）。", valueName: "N"))
    var days: Int = 7

    func validate() throws {
        guard (1...366).contains(days) else {
            throw ValidationError("--days 应为 1–366 之间的整数，而不是 \(days)")
        }
    }

    /// The deadline for these arguments, counted day by day on the calendar in force.
    func explanation(calendar: CalendarOptions, today: TodayOptions) throws -> DeadlineExplanation {
        let decision = try DateInput.parse(date, what: "DATE", today: today.resolve)
        let calendar = try calendar.load()
        return try CommandFailure.calendar { () throws(WorkingDayCalendarError) in
            try calendar.explainDeadline(after: decision, workingDays: days)
        }
    }
}
