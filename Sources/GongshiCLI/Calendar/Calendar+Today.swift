import DisclosureCore
import PipelineRunner
import ArgumentParser
import WorkingDayCalendar

extension Gongshi.Calendar {
    /// `gongshi calendar today`: the date gongshi takes as today (Asia/Shanghai, or `--today`).
    struct Today: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "gongshi 所认定的“今天”：北京时间（Asia/Shanghai）的当前日期，与本机时区无关；可用 --today 指定。")

        @OptionGroup var today: TodayOptions

        func run() throws {
            Output.answer(try today.resolve().description)
        }
    }
}
