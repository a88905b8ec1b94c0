import DisclosureCore
import PipelineRunner
import ArgumentParser
import WorkingDayCalendar

extension Gongshi.Calendar {
    /// `gongshi calendar workdays FROM TO`: the number of working days in (FROM, TO].
    struct Workdays: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "FROM 之后至 TO（含）之间的工作日数，即区间 (FROM, TO]；TO 早于 FROM 时为负数。")

        @Argument(help: ArgumentHelp("起点（不计入）：YYYY-MM-DD、YYYY/MM/DD 或 today。", valueName: "FROM"))
        var from: String

        @Argument(help: ArgumentHelp("终点（计入）：YYYY-MM-DD、YYYY/MM/DD 或 today。", valueName: "TO"))
        var to: String

        @OptionGroup var calendar: CalendarOptions
        @OptionGroup var today: TodayOptions

        func run() throws {
            let start = try DateInput.parse(from, what: "FROM", today: today.resolve)
            let end = try DateInput.parse(to, what: "TO", today: today.resolve)
            let calendar = try self.calendar.load()
            let count = try CommandFailure.calendar { () throws(WorkingDayCalendarError) in
                try calendar.workingDays(from: start, to: end)
            }
            Output.answer(String(count))
        }
    }
}
