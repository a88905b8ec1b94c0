import ArgumentParser
import DisclosureCore
import Foundation
import PipelineRunner
import SQLiteLedger
import WorkingDayCalendar

extension Gongshi.LedgerCommand {
    /// `gongshi ledger status`: counts by state, batches waiting, records past their deadline.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "台账概况：待确认、已公示、失败的批次和记录，以及逾期未公示的记录。")

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var today: TodayOptions

        func run() throws {
            let today = try self.today.resolve()
            let ledger = try self.ledger.openForReading()
            let summary = try CommandFailure.ledger { () throws(LedgerError) in try ledger.summary(today: today.description) }
            let batches = summary.batches
            let records = summary.publications
            Output.answer("公示台账 \(ledger.path)（今天 \(today)）")
            Output.answer(
                "批次：待确认 \(batches[.pending] ?? 0)（其中已放入待上传目录 \(summary.awaitingConfirmation)），"
                    + "已公示 \(batches[.published] ?? 0)，失败 \(batches[.failed] ?? 0)")
            Output.answer(
                "记录：待公示 \(records[.pending] ?? 0)，已公示 \(records[.published] ?? 0)，失败 \(records[.failed] ?? 0)，"
                    + "已撤下 \(records[.withdrawn] ?? 0)")
            Output.answer("逾期未公示：\(summary.overdue.count) 条；晚于截止日期才公示：\(summary.publishedLate) 条")
            for entry in summary.overdue {
                Output.answer("  逾期 截止 \(entry.dueOn ?? "?")  \(entry.portal)/\(entry.feed)  \(entry.key)  批次 \(entry.batchID)")
            }
            for batch in summary.pendingBatches {
                let state = batch.deliveredAt == nil ? "未放入待上传目录" : "待上传确认"
                Output.answer("  \(state) 批次 \(batch.id)  \(batch.portal)/\(batch.feed)  \(batch.records) 条  \(batch.createdOn)  \(batch.outboxPath)")
            }
            for batch in summary.failedBatches {
                Output.answer("  失败 批次 \(batch.id)  \(batch.portal)/\(batch.feed)  \(batch.records) 条  \(batch.lastError ?? "")")
            }
        }
    }
}
