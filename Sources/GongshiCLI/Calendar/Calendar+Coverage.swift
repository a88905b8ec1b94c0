import DisclosureCore
import PipelineRunner
import ArgumentParser
import CalendarData
import WorkingDayCalendar

extension Gongshi.Calendar {
    /// `gongshi calendar coverage`: the covered range, where each year comes from, and a warning
    /// when coverage ends within 60 days of today.
    struct Coverage: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "日历覆盖范围及每一年的来源文件；覆盖期在 60 天内结束时提醒添加下一年。")

        /// How far ahead coverage must reach before gongshi warns.
        static let warningDays = 60

        @OptionGroup var calendar: CalendarOptions
        @OptionGroup var today: TodayOptions

        func run() throws {
            let now = try today.resolve()
            let (calendar, loaded) = try self.calendar.loadWithSources()
            let end = calendar.coverage.upperBound
            Output.answer("\(calendar.coverage.lowerBound) \(end)")
            for source in loaded.sources { Output.answer("\(source.year) \(source.file)") }
            let left = now.days(to: end)
            if left < 0 {
                Output.warning("警告 [calendar-coverage-ended] 日历只覆盖到 \(end)，今天（\(now)）已不在覆盖范围内；请添加 \(end.year + 1).yaml")
            } else if left <= Self.warningDays {
                Output.error(
                    "警告 [calendar-coverage-ending] 日历覆盖到 \(end)，距今天（\(now)）还有 \(left) 天；"
                        + "《国务院办公厅关于\(end.year + 1)年部分节假日安排的通知》发布后请添加 \(end.year + 1).yaml")
            }
        }
    }
}
