public import DisclosureCore
import Foundation
public import WorkingDayCalendar

/// Sends a portal's pending batches through a channel and records the outcomes in the ledger.
public struct Uploader {
    let ledger: any PublicationLedger
    let channel: any PortalChannel
    let today: CalendarDate
    let transcript: Transcript
    /// The pending batches to screen for records withdrawn since they were staged before any is
    /// sent (``withdrawnRecords(in:)``); nil: every one. A run passes those pending when it
    /// began: the batches it staged itself were planned with the withdrawals as they are.
    public var screening: Set<String>?

    public init(ledger: any PublicationLedger, channel: any PortalChannel, today: CalendarDate, transcript: Transcript) {
        self.ledger = ledger
        self.channel = channel
        self.today = today
        self.transcript = transcript
    }

    /// The batches `pipeline`'s runs made (``BatchLedger/batchIDs(pipeline:)``): what its run,
    /// its withdrawals and its uploads keep to on a ledger other departments share.
    public static func own(_ ledger: any BatchLedger, pipeline: String) throws(CommandFailure) -> Set<String> {
        try CommandFailure.ledger { () throws(LedgerError) in try ledger.batchIDs(pipeline: pipeline) }
    }

    /// Returns the exit status: 0, 65 (rejections), 69 (portal unavailable) or 78 (credentials).
    /// - Parameters:
    ///   - kind: only batches of this record kind (a pipeline's run sends its own); nil: all.
    ///   - only: only these batches (a pipeline's own, ``BatchLedger/batchIDs(pipeline:)``); nil: all.
    public func uploadPending(portal: String, kind: String? = nil, only: Set<String>? = nil) throws -> Int32 {
        let pending = try CommandFailure.ledger { () throws(LedgerError) in try ledger.batches(portal: portal, status: BatchStatus.pending) }
            .filter { batch in (kind.map { batch.kind == $0 } ?? true) && (only.map { $0.contains(batch.id) } ?? true) }
        var status = ExitStatus.ok
        var sent = 0
        if !pending.isEmpty {
            transcript.line("门户 \(portal)：上传 \(pending.count) 个批次（\(pending.reduce(0) { $0 + $1.records }) 条）…")
        }
        var setAside = 0
        var undecodable = 0
        // What to do after the channel failed on a batch: nil, go on with the next batch (the
        // portal answered, but not with this batch's receipt — one that does not match it, or one
        // that cannot be read at all: set aside); else stop with this status.
        func stop(_ batch: BatchInfo, _ error: UploadFailure) -> Int32? {
            if error.answered {
                if error.typeCode == "receipt-undecodable" { undecodable += 1 }
                transcript.error("错误 [\(error.typeCode)] 批次 \(batch.id)：\(error.message)")
                transcript.line(
                    "批次 \(batch.id) 暂放一边：仍待确认，其中 \(batch.records) 条记录不算已公示；本门户的其他批次照常上传"
                        + "（门户核实此批次未公示或已删除后，gongshi ledger fail \(batch.id) --pipeline 流水线文件 先向门户核对，再让其记录以新的批次号重新计划）")
                setAside += 1
                status = max(status, ExitStatus.unavailable)
                return nil
            }
            transcript.error("错误 [\(error.typeCode)] 批次 \(batch.id)：\(error.message)")
            transcript.line("未上传：\(pending.count - sent - setAside) 个批次仍待上传；下次运行先核对门户是否已收到")
            return error.configuration ? ExitStatus.configuration : ExitStatus.unavailable
        }
        for batch in pending {
            guard let payload = FileManager.default.contents(atPath: batch.outboxPath).map({ [UInt8]($0) }),
                Digest.sha256Hex(payload) == batch.payloadSHA256
            else {
                status = max(status, try settleLost(batch))
                continue
            }
            // The portal is asked first (after a crash or a lost answer it may have the batch).
            let found: ChannelOutcome?
            do throws(UploadFailure) {
                found = try channel.status(of: batch, payload: payload)
            } catch {
                if let stopped = stop(batch, error) { return stopped }
                continue
            }
            let outcome: ChannelOutcome
            if let found {
                outcome = found
            } else {
                // Not there: never sent as it is if it holds a record withdrawn since it was staged.
                if screens(batch), case let withdrawn = try withdrawnRecords(in: batch), !withdrawn.isEmpty {
                    status = max(status, try failWithdrawn(batch, withdrawn))
                    sent += 1
                    continue
                }
                do throws(UploadFailure) {
                    outcome = try channel.send(batch, payload: payload)
                    FaultInjection.reached("upload-done")
                    FaultInjection.reached("channel-sent")
                } catch {
                    if let stopped = stop(batch, error) { return stopped }
                    continue
                }
            }
            status = max(status, try record(outcome, batch: batch, alreadyThere: found != nil))
            sent += 1
        }
        if setAside > undecodable {
            transcript.line("门户 \(portal)：\(setAside - undecodable) 个批次的回执与批次不符，暂放一边（仍待确认），下次运行再向门户查询")
        }
        if undecodable > 0 {
            transcript.line("门户 \(portal)：\(undecodable) 个批次的回执无法识别，暂放一边（仍待确认，不重新上传），下次运行先向门户查询")
        }
        transcript.line("门户 \(portal)：处理待上传批次 \(pending.count) 个")
        return status
    }

    private func screens(_ batch: BatchInfo) -> Bool {
        batch.operation != .withdraw && (screening.map { $0.contains(batch.id) } ?? true)
    }

    /// The records of a pending feed batch withdrawn since it was staged, each with the reason: its
    /// decision revoked (撤销), or another publication of its record on the feed taken down for a
    /// reason that keeps it down (信用修复, 公示期满, 不予公示; not 更正, whose corrected version goes
    /// out). Such a batch is never sent as it is (``failWithdrawn(_:_:)``).
    public func withdrawnRecords(in batch: BatchInfo) throws -> [(entry: PublicationEntry, reason: String)] {
        guard batch.operation != .withdraw else { return [] }
        let entries = try CommandFailure.ledger { () throws(LedgerError) in try ledger.publications(batch: batch.id) }
        guard !entries.isEmpty else { return [] }
        let kind = batch.kind
        // Any department's revocation of the number: one of another department's taken for this
        // one's only plans its record again (its own register decides then).
        let revoked = try CommandFailure.ledger { () throws(LedgerError) in try ledger.revokedDecisions(kind: kind, pipeline: nil) }
        let current = try CommandFailure.ledger { () throws(LedgerError) in
            try ledger.currentPublications(portal: batch.portal, feed: batch.feed, keys: entries.map(\.key))
        }
        let corrected = Withdrawer.Reason.corrected.rawValue
        return entries.compactMap { entry in
            if revoked[DecisionKey.number(entry.key)] != nil { return (entry, Withdrawer.Reason.revoked.rawValue) }
            guard let now = current[entry.key] else { return nil }
            var reasons = now.earlierWithdrawals
            if now.batchID != batch.id, let reason = now.withdrawalReason { reasons.append(reason) }
            return reasons.first { $0 != corrected }.map { (entry, $0) }
        }
    }

    /// A pending batch the portal does not have that holds records withdrawn since it was staged:
    /// failed, not sent; its other records are planned again (by this run when it settles the
    /// batch before planning, else by the next), as a batch of another id, without the withdrawn.
    public func failWithdrawn(_ batch: BatchInfo, _ withdrawn: [(entry: PublicationEntry, reason: String)]) throws -> Int32 {
        let reasons = Dictionary(grouping: withdrawn, by: \.reason).map { "\($0.key) \($0.value.count) 条" }.sorted().joined(separator: "、")
        let numbers = withdrawn.prefix(5).map { DecisionKey.number($0.entry.key) }.joined(separator: "、") + (withdrawn.count > 5 ? " 等" : "")
        _ = try CommandFailure.ledger { () throws(LedgerError) in
            try ledger.fail(batch: batch.id, reason: "批次生成后其中 \(withdrawn.count) 条记录已撤下（\(reasons)）：门户没有此批次，不上传")
        }
        transcript.line(
            "警告 [batch-holds-withdrawn] 批次 \(batch.id)（\(batch.records) 条）中有 \(withdrawn.count) 条记录在批次生成后已撤下（\(reasons)：\(numbers)），"
                + "门户没有此批次：不上传，批次标为失败；其余 \(batch.records - withdrawn.count) 条记录重新计划（新的批次号）")
        return ExitStatus.ok
    }

    /// A pending batch of an earlier run holding records withdrawn since it was staged, settled
    /// before the run plans (so that its other records are planned again the same night): the
    /// portal is asked first. It has it: recorded as it answers (the nightly run then takes the
    /// withdrawn records down). It has not: failed (``failWithdrawn(_:_:)``). It cannot answer:
    /// the batch stays pending, and is screened again before it would be sent.
    public func settleWithdrawn(_ batch: BatchInfo, _ withdrawn: [(entry: PublicationEntry, reason: String)]) throws -> Int32 {
        let asked = askPortal(batch) { reason in
            "警告 [batch-status-unknown] 批次 \(batch.id) 中有 \(withdrawn.count) 条记录在批次生成后已撤下，门户暂时无法核对是否已收到此批次"
                + "（\(reason)）：批次保持待确认，不会原样上传"
        }
        guard case .answered(let found) = asked else { return asked.status }
        if let found { return try record(found, batch: batch, alreadyThere: true) }
        return try failWithdrawn(batch, withdrawn)
    }

    /// What the portal says of a pending batch before anything of it is failed or sent again.
    enum PortalAnswer {
        /// Its receipt (nil: the portal has no such batch).
        case answered(ChannelOutcome?)
        /// It cannot answer (the line, `unknown`'s, said): the batch stays pending; the run's status.
        case unknown(Int32)

        var status: Int32 { if case .unknown(let status) = self { status } else { ExitStatus.ok } }
    }

    /// Asks the portal whether it has `batch`; when it cannot answer, says `unknown(reason)`.
    private func askPortal(_ batch: BatchInfo, unknown: (String) -> String) -> PortalAnswer {
        do throws(UploadFailure) {
            return .answered(try channel.status(of: batch, payload: nil))
        } catch {
            transcript.line(unknown(error.message))
            return .unknown(error.configuration ? ExitStatus.configuration : ExitStatus.unavailable)
        }
    }

    /// A pending batch whose file is lost or changed: the portal is asked whether it has the batch
    /// first. It has: recorded as its receipt says. It has not: the batch fails, and its records are
    /// planned again by the next run (their files are read again). The portal cannot answer: the
    /// batch stays pending — never planned again under another id, which could publish its records
    /// twice — and the next run asks again.
    public func settleLost(_ batch: BatchInfo) throws -> Int32 {
        let asked = askPortal(batch) { reason in
            "警告 [batch-status-unknown] 批次 \(batch.id) 的文件 \(batch.outboxPath) 不见了或被改动，门户暂时无法核对是否已收到"
                + "（\(reason)）：批次保持待上传，不重新计划；下次运行再核对"
        }
        guard case .answered(let found) = asked else { return asked.status }
        if let found {
            transcript.line("批次 \(batch.id) 的文件不见了，但门户已有此批次：按门户的答复记录")
            return try record(found, batch: batch, alreadyThere: true)
        }
        _ = try CommandFailure.ledger { () throws(LedgerError) in
            try ledger.fail(batch: batch.id, reason: "待上传文件丢失或被改动，门户也没有此批次：\(batch.outboxPath)")
        }
        transcript.line(
            "警告 [outbox-file-lost] 批次 \(batch.id) 的文件 \(batch.outboxPath) 不见了或被改动，门户也没有此批次："
                + "批次标为失败，其中 \(batch.records) 条记录由下次运行重新计划")
        return ExitStatus.ok
    }

    private func record(_ outcome: ChannelOutcome, batch: BatchInfo, alreadyThere: Bool) throws -> Int32 {
        switch outcome {
        case .refused(let said):
            // The portal's words may quote a record (证件号码 …): kept and shown screened and bounded.
            let reason = OneLine.screened(said)
            _ = try CommandFailure.ledger { () throws(LedgerError) in try ledger.fail(batch: batch.id, reason: reason) }
            transcript.line("错误 [batch-refused] 批次 \(batch.id)：\(reason)；批次标为失败")
            return ExitStatus.dataError
        case .received(let rejected, let text):
            let receipt = Receipt(text: text, sha256: Digest.sha256Hex(Array(text.utf8)))
            let result = try CommandFailure.ledger { () throws(LedgerError) in
                try ledger.applyReceipt(batch: batch.id, rejected: rejected, receipt: receipt, on: today.description)
            }
            FaultInjection.reached("receipt-recorded")
            let how = alreadyThere ? "门户已有此批次（上次运行中断后核对）" : "已上传"
            if batch.operation == .withdraw {
                transcript.line("门户已撤下：撤下批次 \(batch.id)（\(batch.records) 条）")
                return ExitStatus.ok
            }
            transcript.line("\(how)：批次 \(batch.id)（\(batch.records) 条）接收 \(batch.records - rejected.count) 条，拒收 \(rejected.count) 条")
            if case .alreadyConfirmed = result { return ExitStatus.ok }
            guard !rejected.isEmpty else { return ExitStatus.ok }
            let entries = try CommandFailure.ledger { () throws(LedgerError) in try ledger.publications(batch: batch.id) }
            for entry in entries where rejected[entry.position] != nil {
                transcript.line("批次 \(batch.id) 第 \(entry.position) 条 \(DecisionKey.number(entry.key))：被门户拒收：\(rejected[entry.position] ?? "") [portal-rejected]")
            }
            return ExitStatus.dataError
        }
    }
}
