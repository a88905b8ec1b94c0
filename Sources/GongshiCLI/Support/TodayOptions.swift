import DisclosureCore
import PipelineRunner
import ArgumentParser
import Foundation
import WorkingDayCalendar

/// `--today`: the date that counts as today. Without it, today is the date in Asia/Shanghai now.
struct TodayOptions: ParsableArguments {
    @Option(
        name: .customLong("today"),
        help: ArgumentHelp("当作“今天”的日期（YYYY-MM-DD）；不给出时取北京时间（Asia/Shanghai）的当前日期，与本机时区无关。", valueName: "YYYY-MM-DD"))
    var today: String?

    /// A `--today` given is a date, whether the command then asks for it or not (`calendar deadline
    /// 2026-12-01 --today tomorrow` answered 0).
    func validate() throws {
        guard let today else { return }
        do {
            _ = try DateInput.parse(today, what: "--today", today: nil)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// Today: `--today` when given, otherwise the clock read once and converted to Shanghai time.
    func resolve() throws(CommandFailure) -> CalendarDate {
        guard let today else { return SystemClock.todayInShanghai() }
        return try DateInput.parse(today, what: "--today", today: nil)
    }
}

/// Where gongshi reads the system clock for "today" (`--today` overrides it). Instants for the
/// ledger and manifests come from `LedgerClock`; a receipt's day from its file's modification time.
enum SystemClock {
    /// The date in Asia/Shanghai now, whatever the machine's time zone (`TZ` is not consulted).
    static func todayInShanghai() -> CalendarDate {
        let seconds = Date().timeIntervalSince1970.rounded(.down)
        return CalendarDate.inShanghai(secondsSince1970: Int64(seconds))
    }
}

/// Dates typed on the command line: `YYYY-MM-DD`, `YYYY/MM/DD`, or `today`.
enum DateInput {
    /// - Parameters:
    ///   - text: the argument.
    ///   - what: how to name the argument in a message (`DATE`, `--today`).
    ///   - today: what `today` means, or `nil` when the word is not accepted here.
    /// - Throws: ``CommandFailure`` with status 64 for a malformed or impossible date.
    static func parse(_ text: String, what: String, today: (() throws(CommandFailure) -> CalendarDate)?)
        throws(CommandFailure) -> CalendarDate
    {
        if text == "today", let today { return try today() }
        // No date is this long: the text is not quoted whole (messages stay short).
        guard text.count <= 64 else {
            throw CommandFailure(status: ExitStatus.usage, code: "date-malformed", message: "\(what)：不是日期（共 \(text.count) 字）")
        }
        do {
            return try CalendarDate.parse(text)
        } catch {
            throw CommandFailure(status: ExitStatus.usage, code: error.code, message: "\(what)：\(error)")
        }
    }
}
