import DisclosureCore
import PipelineRunner
import ArgumentParser
import WorkingDayCalendar

extension Gongshi.Calendar {
    /// `gongshi calendar is-workday DATE`: answers with the reason; exit 0 for a working day, 1 for a day off.
    struct IsWorkday: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "is-workday",
            abstract: "某天是否工作日，并说明原因。工作日退出码 0，休息日退出码 1，便于脚本判断。")

        @Argument(help: ArgumentHelp("日期：YYYY-MM-DD、YYYY/MM/DD 或 today。", valueName: "DATE"))
        var date: String

        @OptionGroup var calendar: CalendarOptions
        @OptionGroup var today: TodayOptions

        func run() throws {
            let day = try DateInput.parse(date, what: "DATE", today: today.resolve)
            let calendar = try self.calendar.load()
            let kind = try CommandFailure.calendar { () throws(WorkingDayCalendarError) in try calendar.kind(of: day) }
            Output.answer(Self.render(day, kind))
            if !kind.isWorkingDay { throw ExitCode(ExitStatus.no) }
        }

        static func render(_ day: CalendarDate, _ kind: DayKind) -> String {
            let prefix = "\(day) \(day.weekday.chineseName) "
            switch kind {
            case .ordinaryWorkingDay: return prefix + "工作日"
            case .makeUpWorkingDay: return prefix + "工作日：\(kind.reason)"
            case .weekend, .dayOff: return prefix + "休息日：\(kind.reason)"
            }
        }
    }
}
