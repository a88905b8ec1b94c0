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

    /// Records every receipt file found beside a pending batch's file; returns (pending, found).
    @discardableResult
    public func confirmDroppedReceipts() throws(CommandFailure) -> (pending: Int, found: Int) {
        let pending = try CommandFailure.ledger { () throws(LedgerError) in try ledger.batches(portal: nil, status: .pending) }
        var found = 0
        for batch in pending {
            guard let (path, receipt) = try ReceiptFile.read(besides: batch.outboxPath) else { continue }
            found += 1
            let outcome = try CommandFailure.ledger { () throws(LedgerError) in
                try ledger.confirm(batch: batch.id, receipt: receipt, on: today.description)
            }
            FaultInjection.reached("receipt-recorded")
            transcript.line(ConfirmMessage.line(outcome, batch: batch, source: "回执 \(path)"))
        }
        transcript.line("待确认批次 \(pending.count) 个，找到回执 \(found) 个")
        return (pending.count, found)
    }

    /// Confirms batches by id; returns whether every one could be (an unknown or failed batch cannot).
    public func confirm(_ ids: [String], receiptFile: String?) throws(CommandFailure) -> Bool {
        var allConfirmed = true
        for id in ids {
            guard let batch = try CommandFailure.ledger({ () throws(LedgerError) in try ledger.batch(id) }) else {
                transcript.error("错误 [batch-unknown] 台账中没有批次 \(id)")
                allConfirmed = false
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
            if outcome == .failedBatch { allConfirmed = false }
            transcript.line(ConfirmMessage.line(outcome, batch: batch, source: receipt.0))
        }
        return allConfirmed
    }
}
