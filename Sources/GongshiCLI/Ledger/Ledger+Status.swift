import ArgumentParser
import DisclosureCore
import Foundation
import PipelineRunner
import SQLiteLedger
import WorkingDayCalendar

extension Gongshi.LedgerCommand {
    /// `gongshi ledger status`: batches by state, and every decision in the ledger against its
    /// deadline (the same counts as a run's), as text or JSON.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "台账概况：批次和记录的状态，以及每个决定在每个门户上的公示期限状态（逾期、即将到期、按时、逾期后公示）。",
            discussion: "退出码：0 完成；66 台账不存在；78 节假日日历覆盖不到某些决定的截止日期（列出这些决定），或配置有误。")

        enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

        @Option(name: .customLong("format"), help: ArgumentHelp("输出格式：text（默认）或 json。", valueName: "FORMAT"))
        var format: Format = .text

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var only: LedgerFilterOptions
        @OptionGroup var today: TodayOptions
        @OptionGroup var calendar: CalendarOptions

        func run() throws {
            let today = try self.today.resolve()
            let calendar = try self.calendar.load()
            let opened = try self.ledger.openForReading()
            let ledger = opened.store
            let summary = try CommandFailure.ledger { () throws(LedgerError) in try ledger.summary(today: today.description, filter: only.filter) }
            let status = try LedgerStatus.of(
                ledger, summary: summary, reckoning: .bundled(calendar: calendar, today: today), scope: DecisionScope(only.filter))
            switch format {
            case .json:
                Output.answer(bytes: Data(try status.json()))
            case .text:
                Output.answer("公示台账 \(opened.location)（今天 \(today)）")
                for line in status.lines { Output.answer(line) }
            }
            if status.disclosure.calendarEnded > 0 {
                Output.error(
                    DeadlineReckoning.calendarEndedMessage(
                        count: status.disclosure.calendarEnded, decisions: status.beyondCalendar, calendar: calendar))
                throw ExitCode(ExitStatus.configuration)
            }
        }
    }
}
