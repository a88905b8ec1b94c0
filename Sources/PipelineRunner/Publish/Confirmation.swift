public import DisclosureCore
import Foundation
import PipelineConfig
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

    /// How `ledger fail` learns whether the portal holds the batch before its records are planned
    /// again (which, for a batch the portal does hold, would publish them twice).
    public enum PortalQuestion {
        /// The batch's portal cannot be asked (the outbox: a clerk uploads): the clerk's word stands.
        case cannotAsk
        /// Ask the channel the batch's portal is reached by (nil: that portal cannot be asked);
        /// `handChecked`: when the portal cannot answer, the clerk has checked by hand that it does
        /// not hold the batch (`--portal-unreachable`).
        case ask(channel: (BatchInfo) throws(CommandFailure) -> (any PortalChannel)?, handChecked: Bool)
    }

    /// `ledger fail`: the portal refused a pending batch as a whole. The reason — the portal's or
    /// the clerk's own words, which may quote a record's ID or phone number — is kept screened and
    /// bounded (``OneLine/screened(_:limit:)``) in the ledger and in the line said; returns that line.
    /// An unknown batch, or one no longer pending, is a data error (65), as `ledger confirm` has it.
    ///
    /// A portal that can be asked (`portal`) is asked first, as a run asks before it sends again
    /// (``Uploader/settleLost(_:)``): it holds the batch (its receipt, a receipt that does not
    /// match, a file of its name) — refused, `batch-on-portal` (65): its records are on the
    /// portal, and failing it would publish them again; it cannot answer — refused,
    /// `portal-unreachable` (69; 78 when it refuses the credentials), unless the clerk checked by
    /// hand; it has no such batch — failed.
    public static func fail(_ id: String, reason: String, in ledger: any BatchLedger, portal: PortalQuestion = .cannotAsk) throws(CommandFailure)
        -> String
    {
        let shownID = OneLine.value(id)
        guard let batch = try CommandFailure.ledger({ () throws(LedgerError) in try ledger.batch(id) }) else {
            throw CommandFailure(status: ExitStatus.dataError, code: "batch-unknown", message: "台账中没有批次 \(shownID)")
        }
        let notPending = CommandFailure(
            status: ExitStatus.dataError, code: "batch-not-pending", message: "批次 \(batch.id) \(batch.status == .failed ? "已记为失败" : "已确认公示")，不是待确认状态，不能记为失败")
        guard batch.status == .pending else { throw notPending }
        let asked = try ask(portal, about: batch)
        let kept = OneLine.screened(reason)
        let changed = try CommandFailure.ledger { () throws(LedgerError) in try ledger.fail(batch: batch.id, reason: kept + asked) }
        guard changed else { throw notPending }
        return "批次 \(batch.id) 记为失败：\(kept)\(asked)；其中的记录将在下次运行时重新生成"
    }

    /// What the portal said of `batch` before it is failed: a note for the ledger and the line
    /// (empty when it could not be asked), or the refusal.
    private static func ask(_ question: PortalQuestion, about batch: BatchInfo) throws(CommandFailure) -> String {
        guard case .ask(let channelOf, let handChecked) = question, let channel = try channelOf(batch) else { return "" }
        let held: Bool
        let unreachable: UploadFailure?
        do throws(UploadFailure) {
            held = try channel.status(of: batch, payload: nil) != nil
            unreachable = nil
        } catch where error.answered && error.typeCode == "receipt-mismatch" {
            // The portal answers for the batch, with a receipt that does not match it: it holds it.
            held = true
            unreachable = nil
        } catch {
            held = false
            unreachable = error
        }
        if held {
            throw CommandFailure(
                status: ExitStatus.dataError, code: "batch-on-portal",
                message: "门户 \(batch.portal) 已有批次 \(batch.id)（\(batch.records) 条）：不能记为失败，否则其记录会再次公示（重复公示）；"
                    + "gongshi run 或 gongshi upload 会记录门户的回执。门户删除此批次后才能记为失败")
        }
        guard let unreachable else { return "（已向门户 \(batch.portal) 核对：门户没有此批次）" }
        guard handChecked else {
            throw CommandFailure(
                status: unreachable.configuration ? ExitStatus.configuration : ExitStatus.unavailable, code: "portal-unreachable",
                message: "无法向门户 \(batch.portal) 核对是否已收到批次 \(batch.id)（\(unreachable.message)）：未记为失败。"
                    + "门户恢复后再试；或人工核实门户没有此批次后，加 --portal-unreachable 记为失败")
        }
        return "（门户 \(batch.portal) 无法核对，办理人已人工核实门户没有此批次：--portal-unreachable）"
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

extension Confirmation.PortalQuestion {
    /// The way `context`'s pipeline reaches the batch's portal (nil for the outbox, which cannot be
    /// asked). A batch of a portal the pipeline does not name is a configuration error (78).
    public static func pipeline(_ context: PipelineContext, channels: ChannelFactory, handChecked: Bool) -> Self {
        .ask(
            channel: { (batch: BatchInfo) throws(CommandFailure) -> (any PortalChannel)? in
                guard let portal = context.portals.first(where: { $0.profile.id == batch.portal }) else {
                    throw CommandFailure(
                        status: ExitStatus.configuration, code: "portal-not-in-pipeline",
                        message: "流水线 \(context.pipeline.id) 没有批次 \(batch.id) 的门户 \(batch.portal)：请用报送此门户的流水线文件")
                }
                return try channels.channel(for: portal.transport, pipeline: context.pipeline, profile: portal.profile)
            }, handChecked: handChecked)
    }
}
