import DisclosureCore
import PipelineRunner
import ArgumentParser
import CalendarData
import WorkingDayCalendar

extension Gongshi.Calendar {
    /// `gongshi calendar check [--calendar DIR]`: validates the calendar files; non-zero exit on any error.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "检查日历文件：同一天既放假又上班、调休上班日不是周末、重复、年份中间空缺、未知的键、日期格式错误等，逐条给出文件和行号。有错误时退出码 78。")

        @OptionGroup var calendar: CalendarOptions

        func run() throws {
            let loaded = CalendarLoader.load(directory: calendar.effectiveDirectory)
            for issue in loaded.issues { Output.answer(issue.description) }
            let summary = "\(loaded.sources.count) 个年份，\(loaded.errors.count) 个错误，\(loaded.warnings.count) 个警告"
            guard let coverage = loaded.calendar?.coverage else {
                Output.error("日历检查未通过：\(summary)")
                throw ExitCode(ExitStatus.configuration)
            }
            Output.error("日历检查通过：覆盖 \(coverage.lowerBound) 至 \(coverage.upperBound)，\(summary)")
        }
    }
}
