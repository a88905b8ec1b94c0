import ArgumentParser
import DisclosureCore
import Foundation
import PipelineRunner
import SQLiteLedger
import WorkingDayCalendar

extension Gongshi.LedgerCommand {
    /// `gongshi ledger confirm [BATCH…]`: the portal has the batch (a manual upload through its web
    /// form); or, without ids, records every receipt file dropped beside a pending batch's file.
    struct Confirm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "确认批次已上传到门户：批次及其记录记为已公示。",
            discussion: """
                不给 BATCH 时，检查每个待确认批次的文件旁是否放了门户回执（文件名加 .receipt），有则登记。\
                同一批次重复确认不会重复登记。
                """)

        @Argument(help: ArgumentHelp("批次号（16 位十六进制）。", valueName: "BATCH"))
        var batches: [String] = []

        @Option(name: .customLong("receipt"), help: ArgumentHelp("门户给的回执文件，随确认一起记入台账。", valueName: "FILE"))
        var receiptFile: String?

        @Option(
            name: .customLong("published-on"),
            help: ArgumentHelp("门户公示的日期（默认今天；回执文件默认取其保存日期）：不晚于今天，不早于批次生成的日期。", valueName: "YYYY-MM-DD"))
        var publishedOn: String?

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var today: TodayOptions

        func validate() throws {
            if receiptFile != nil && batches.count != 1 { throw ValidationError("--receipt 只能和一个批次号一起使用") }
        }

        func run() throws {
            let today = try self.today.resolve()
            let opened = try self.ledger.openForWriting(command: "ledger confirm", scope: .transaction)
            let ledger = opened.store
            let published = try publishedOn.map { try DateInput.parse($0, what: "--published-on", today: nil) }
            let confirmation = Confirmation(ledger: ledger, today: today, transcript: Output.transcript)
            if batches.isEmpty {
                try confirmation.confirmDroppedReceipts(publishedOn: published)
                return
            }
            let failed = try !confirmation.confirm(batches, receiptFile: receiptFile, publishedOn: published)
            if failed { throw ExitCode(ExitStatus.dataError) }
        }
    }
}
