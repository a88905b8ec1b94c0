import DisclosureCore
import PipelineRunner
import ArgumentParser
import WorkingDayCalendar

extension Gongshi.Calendar {
    /// `gongshi calendar explain DATE [--days N]`: the count day by day, and why each day counts or not.
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "逐日说明截止日期的计算：每一天是否计入，以及原因（周末 / 节日名称 / 调休上班）。")

        @OptionGroup var arguments: DeadlineArguments
        @OptionGroup var calendar: CalendarOptions
        @OptionGroup var today: TodayOptions

        func run() throws {
            let explanation = try arguments.explanation(calendar: calendar, today: today)
            for line in Self.render(explanation) { Output.answer(line) }
        }

        /// The explanation as lines: a header, one line per day, and the deadline.
        static func render(_ explanation: DeadlineExplanation) -> [String] {
            let decision = explanation.decisionDate
            var lines = ["决定日期 \(decision)（\(decision.weekday.chineseName)）当日不计入，从次日起数 \(explanation.workingDays) 个工作日"]
            for day in explanation.days {
                let status = day.workingDayNumber.map { "第\($0)个工作日" } ?? "不计入"
                lines.append("\(day.date)  \(day.date.weekday.chineseName)  \(Output.pad(status, to: 14))\(day.kind.reason)")
            }
            let deadline = explanation.deadline
            lines.append("截止日期 \(deadline)（\(deadline.weekday.chineseName)）")
            return lines
        }
    }
}
