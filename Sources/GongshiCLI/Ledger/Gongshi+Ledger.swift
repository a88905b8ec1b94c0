import ArgumentParser
import Foundation
import SQLiteLedger
import WorkingDayCalendar

extension Gongshi {
    /// `gongshi ledger status|show|confirm|fail`: the publication ledger.
    struct LedgerCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ledger",
            abstract: "公示台账：批次状态、单条记录的公示历史、确认上传。",
            subcommands: [Status.self, Show.self, Confirm.self, Fail.self])
    }
}

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

    /// `gongshi ledger show KEY`: one record's history on every portal.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "一条记录的公示历史（各门户的公示、更正、撤下）。",
            discussion: "KEY 为记录键“决定书文号|行政相对人名称”，或只给决定书文号。没有记录时退出码为 1。")

        @Argument(help: ArgumentHelp("记录键或决定书文号。", valueName: "KEY"))
        var key: String

        @OptionGroup var ledger: LedgerOptions

        func run() throws {
            let ledger = try self.ledger.openForReading()
            let entries = try CommandFailure.ledger { () throws(LedgerError) in try ledger.history(key: key) }
            guard !entries.isEmpty else {
                Output.answer("台账中没有“\(key)”的公示记录")
                throw ExitCode(ExitStatus.no)
            }
            for entry in entries { Output.answer(PublicationLine.describe(entry)) }
        }
    }

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

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var today: TodayOptions

        func validate() throws {
            if receiptFile != nil && batches.count != 1 { throw ValidationError("--receipt 只能和一个批次号一起使用") }
        }

        func run() throws {
            let today = try self.today.resolve()
            let (_, ledger) = try self.ledger.openForWriting(command: "ledger confirm")
            var failed = false
            if batches.isEmpty {
                let pending = try CommandFailure.ledger { () throws(LedgerError) in try ledger.batches(status: .pending) }
                var found = 0
                for batch in pending {
                    guard let (path, receipt) = try ReceiptFile.read(besides: batch.outboxPath) else { continue }
                    found += 1
                    let outcome = try CommandFailure.ledger { () throws(LedgerError) in
                        try ledger.confirm(batch: batch.id, receipt: receipt, on: today.description)
                    }
                    FaultInjection.reached("receipt-recorded")
                    Output.answer(ConfirmMessage.line(outcome, batch: batch, source: "回执 \(path)"))
                }
                Output.answer("待确认批次 \(pending.count) 个，找到回执 \(found) 个")
                return
            }
            for id in batches {
                guard let batch = try CommandFailure.ledger({ () throws(LedgerError) in try ledger.batch(id) }) else {
                    Output.error("错误 [batch-unknown] 台账中没有批次 \(id)")
                    failed = true
                    continue
                }
                let dropped = try ReceiptFile.read(besides: batch.outboxPath)
                let receipt =
                    try receiptFile.map { path throws(CommandFailure) in (path, try ReceiptFile.read(path)) } ?? dropped
                    ?? ("手工确认", Receipt(text: "gongshi ledger confirm（无回执文件）", sha256: Digest.sha256Hex([UInt8]())))
                let outcome = try CommandFailure.ledger { () throws(LedgerError) in
                    try ledger.confirm(batch: id, receipt: receipt.1, on: today.description)
                }
                FaultInjection.reached("receipt-recorded")
                if outcome == .failedBatch { failed = true }
                Output.answer(ConfirmMessage.line(outcome, batch: batch, source: receipt.0))
            }
            if failed { throw ExitCode(ExitStatus.dataError) }
        }
    }

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
            let (_, ledger) = try self.ledger.openForWriting(command: "ledger fail")
            let changed = try CommandFailure.ledger { () throws(LedgerError) in try ledger.fail(batch: batch, reason: reason) }
            guard changed else {
                throw CommandFailure(status: ExitStatus.usage, code: "batch-not-pending", message: "批次 \(batch) 不存在或不是待确认状态")
            }
            Output.answer("批次 \(batch) 记为失败：\(reason)；其中的记录将在下次运行时重新生成")
        }
    }
}

/// One publication as a line of `ledger show` and `check`.
enum PublicationLine {
    static func describe(_ entry: PublicationEntry) -> String {
        let operation = entry.operation == .correct ? "更正" : entry.operation == .republish ? "重新公示" : "公示"
        let status: String
        switch entry.status {
        case .pending: status = "待确认"
        case .published where entry.withdrawalStatus == "pending":
            status = "已公示 \(entry.publishedOn ?? "")，撤下待门户确认（\(entry.withdrawalReason ?? "")）"
        case .published: status = "已公示 \(entry.publishedOn ?? "")"
        case .rejected: status = "被门户拒收（\(entry.rejectionReason ?? "")）"
        case .failed: status = "失败"
        case .withdrawn: status = "已撤下（\(entry.withdrawalReason ?? "")）"
        }
        var parts = [
            "\(entry.portal)/\(entry.feed)", operation, status, entry.key, "决定日期 \(entry.decisionDate ?? "?")",
            "截止 \(entry.dueOn ?? "?")", "批次 \(entry.batchID)", "内容 \(entry.contentSHA256.prefix(12))",
        ]
        if let previous = entry.previousSHA256 { parts.append("更正前 \(previous.prefix(12))") }
        return parts.joined(separator: "  ")
    }
}
