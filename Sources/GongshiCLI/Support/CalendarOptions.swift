import DisclosureCore
import PipelineRunner
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
