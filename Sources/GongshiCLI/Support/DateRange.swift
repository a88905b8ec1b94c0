import ArgumentParser
import DisclosureCore
import PipelineRunner
import WorkingDayCalendar

/// `--from DATE --to DATE`: a period of decision dates (run) or of the report, given together.
struct DateRange: ParsableArguments {
    @Option(name: .customLong("from"), help: ArgumentHelp("从（含）。", valueName: "YYYY-MM-DD"))
    var from: String?

    @Option(name: .customLong("to"), help: ArgumentHelp("到（含）。", valueName: "YYYY-MM-DD"))
    var to: String?

    var isGiven: Bool { from != nil }

    func validate() throws {
        guard (from == nil) == (to == nil) else { throw ValidationError("--from 和 --to 须一起给出") }
    }

    /// The period, or nil when neither is given; a malformed date is a usage error (64).
    func resolve() throws -> ClosedRange<CalendarDate>? {
        guard let from, let to else { return nil }
        let start = try DateInput.parse(from, what: "--from", today: nil)
        let end = try DateInput.parse(to, what: "--to", today: nil)
        guard start <= end else { throw ValidationError("--from 应不晚于 --to") }
        return start...end
    }
}
