import ArgumentParser
import DisclosureCore
import Foundation
import PipelineRunner
import SQLiteLedger
import WorkingDayCalendar

extension Gongshi.LedgerCommand {
    /// `gongshi ledger show KEY`: one record's history on every portal.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "一条记录的公示历史（各门户的公示、更正、撤下）。",
            discussion: "KEY 为记录键“决定书文号|行政相对人名称”，或只给决定书文号。没有记录时退出码为 1。")

        @Argument(help: ArgumentHelp("记录键或决定书文号。", valueName: "KEY"))
        var key: String

        @OptionGroup var ledger: LedgerOptions

        func run() throws {
            let ledger = try self.ledger.openForReading().store
            let entries = try CommandFailure.ledger { () throws(LedgerError) in try ledger.history(key: key) }
            guard !entries.isEmpty else {
                Output.answer("台账中没有“\(OneLine.value(key))”的公示记录")
                throw ExitCode(ExitStatus.no)
            }
            for entry in entries { Output.answer(PublicationLine.describe(entry)) }
        }
    }
}
