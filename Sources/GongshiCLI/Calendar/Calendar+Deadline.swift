import DisclosureCore
import PipelineRunner
import ArgumentParser
import WorkingDayCalendar

extension Gongshi.Calendar {
    /// `gongshi calendar deadline DATE [--days N]`: prints the deadline, `YYYY-MM-DD`, alone on one line.
    struct Deadline: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "公示截止日期：决定日期之后第 N 个工作日（默认 7），只输出 YYYY-MM-DD。")

        @OptionGroup var arguments: DeadlineArguments
        @OptionGroup var calendar: CalendarOptions
        @OptionGroup var today: TodayOptions

        func run() throws {
            Output.answer(try arguments.explanation(calendar: calendar, today: today).deadline.description)
        }
    }
}
