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
            let ledger = opened.store
            let changed = try CommandFailure.ledger { () throws(LedgerError) in try ledger.fail(batch: batch, reason: reason) }
            guard changed else {
                throw CommandFailure(status: ExitStatus.usage, code: "batch-not-pending", message: "批次 \(batch) 不存在或不是待确认状态")
            }
            Output.answer("批次 \(batch) 记为失败：\(reason)；其中的记录将在下次运行时重新生成")
        }
    }
}
