import ArgumentParser
import DisclosureCore
import Foundation
import PipelineRunner
import SQLiteLedger
import WorkingDayCalendar

extension Gongshi.LedgerCommand {
    /// `gongshi ledger fail BATCH --reason TEXT`: the portal refused the file as a whole.
    struct Fail: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "门户拒收了整个批次：批次记为失败，其中的记录在下次运行时重新生成。")

        @Argument(help: ArgumentHelp("批次号。", valueName: "BATCH"))
        var batch: String

        @Option(name: .customLong("reason"), help: ArgumentHelp("门户给出的原因。", valueName: "TEXT"))
        var reason: String

        @OptionGroup var ledger: LedgerOptions

        func run() throws {
            let opened = try self.ledger.openForWriting(command: "ledger fail", scope: .transaction)
            Output.answer(try Confirmation.fail(batch, reason: reason, in: opened.store))
        }
    }
}
