public import DisclosureCore
import Foundation
public import WorkingDayCalendar

/// A clerk's confirmation that the portal has a batch: by batch id (with a receipt file, the one
/// saved beside the batch's file, or none), or for every pending batch whose receipt file was
/// dropped beside it. Confirming twice records once.
public struct Confirmation {
    let ledger: any BatchLedger
    let today: CalendarDate
    let transcript: Transcript

    public init(ledger: any BatchLedger, today: CalendarDate, transcript: Transcript) {
        self.ledger = ledger
        self.today = today
        self.transcript = transcript
    }

    /// Records every receipt file found beside a pending batch's file, published on `publishedOn`
    /// or else the day the receipt was saved; returns (pending, found).
    @discardableResult
    public func confirmDroppedReceipts(publishedOn: CalendarDate? = nil) throws(CommandFailure) -> (pending: Int, found: Int) {
        let pending = try CommandFailure.ledger { () throws(LedgerError) in try ledger.batches(portal: nil, status: .pending) }
        var found = 0
        for batch in pending {
            guard let (path, receipt) = try ReceiptFile.read(besides: batch.outboxPath) else { continue }
            found += 1
            let day = try publishedOn.map { date throws(CommandFailure) in try check(date, batch: batch) }
                ?? ReceiptFile.savedOn(path, stagedOn: batch.createdOn, today: today)
            let outcome = try CommandFailure.ledger { () throws(LedgerError) in
                try ledger.confirm(batch: batch.id, receipt: receipt, on: day)
            }
            FaultInjection.reached("receipt-recorded")
            transcript.line(ConfirmMessage.line(outcome, batch: batch, source: "回执 \(path)"))
        }
        transcript.line("待确认批次 \(pending.count) 个，找到回执 \(found) 个")
        return (pending.count, found)
    }

    /// The day a batch was published, as a clerk says: not after today, not before the batch was made.
    public func check(_ date: CalendarDate, batch: BatchInfo) throws(CommandFailure) -> String {
        guard date <= today else {
            throw CommandFailure(status: ExitStatus.usage, code: "published-on-future", message: "--published-on \(date) 晚于今天 \(today)")
        }
        guard date.description >= batch.createdOn else {
            throw CommandFailure(
                status: ExitStatus.usage, code: "published-on-before-staged",
                message: "--published-on \(date) 早于批次 \(batch.id) 生成的日期 \(batch.createdOn)")
        }
        return date.description
    }

    /// A confirmation typed in the console: the batch published on `date` (checked as the command's
    /// `--published-on`), the clerk's words as its receipt, and `action` (who did it, when) recorded
    /// in the same transaction — only if this call is the one that confirmed it. `batch` was read
    /// before: another clerk (or another tab) may have confirmed it since, and then the answer is
    /// ``ConfirmOutcome/alreadyConfirmed(on:)`` with nothing written.
    public func confirm(_ batch: BatchInfo, note: String, on date: CalendarDate, recording action: ActionRecord) throws(CommandFailure) -> ConfirmOutcome {
        let day = try check(date, batch: batch)
        // The clerk's words, screened and bounded as every text typed for the ledger.
        let text = OneLine.screened(note)
        let receipt = Receipt(text: text, sha256: Digest.sha256Hex(Array(text.utf8)))
        return try CommandFailure.ledger { () throws(LedgerError) in
            try ledger.confirm(batch: batch.id, receipt: receipt, on: day, recording: action)
        }
    }

    /// `ledger fail`: the portal refused a pending batch as a whole. The reason — the portal's or
    /// the clerk's own words, which may quote a record's ID or phone number — is kept screened and
    /// bounded (``OneLine/screened(_:limit:)``) in the ledger and in the line said; returns that line.
    /// An unknown batch, or one no longer pending, is a data error (65), as `ledger confirm` has it.
    public static func fail(_ id: String, reason: String, in ledger: any BatchLedger) throws(CommandFailure) -> String {
        let shownID = OneLine.value(id)
        guard let batch = try CommandFailure.ledger({ () throws(LedgerError) in try ledger.batch(id) }) else {
            throw CommandFailure(status: ExitStatus.dataError, code: "batch-unknown", message: "台账中没有批次 \(shownID)")
        }
        let kept = OneLine.screened(reason)
        let changed = try CommandFailure.ledger { () throws(LedgerError) in try ledger.fail(batch: batch.id, reason: kept) }
        guard changed else {
            throw CommandFailure(
                status: ExitStatus.dataError, code: "batch-not-pending", message: "批次 \(batch.id) \(batch.status == .failed ? "已记为失败" : "已确认公示")，不是待确认状态，不能记为失败")
        }
        return "批次 \(batch.id) 记为失败：\(kept)；其中的记录将在下次运行时重新生成"
    }

    /// Confirms batches by id, published on `publishedOn` (default today); returns whether every
    /// one could be (an unknown or failed batch cannot).
    public func confirm(_ ids: [String], receiptFile: String?, publishedOn: CalendarDate? = nil) throws(CommandFailure) -> Bool {
        var allConfirmed = true
        for id in ids {
            guard let batch = try CommandFailure.ledger({ () throws(LedgerError) in try ledger.batch(id) }) else {
                transcript.error("错误 [batch-unknown] 台账中没有批次 \(OneLine.value(id))")
                allConfirmed = false
                continue
            }
            let dropped = try ReceiptFile.read(besides: batch.outboxPath)
            let receipt =
                try receiptFile.map { path throws(CommandFailure) in (path, try ReceiptFile.read(path)) } ?? dropped
                ?? ("手工确认", Receipt(text: "gongshi ledger confirm（无回执文件）", sha256: Digest.sha256Hex([UInt8]())))
            let day = try check(publishedOn ?? today, batch: batch)
            let outcome = try CommandFailure.ledger { () throws(LedgerError) in
                try ledger.confirm(batch: id, receipt: receipt.1, on: day)
            }
            FaultInjection.reached("receipt-recorded")
            if outcome == .failedBatch { allConfirmed = false }
            transcript.line(ConfirmMessage.line(outcome, batch: batch, source: receipt.0))
        }
        return allConfirmed
    }
}
