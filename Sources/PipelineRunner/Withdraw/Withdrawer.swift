public import DisclosureCore
import FeedEncoders
import Foundation
import PipelineConfig
import PortalAPI
public import WorkingDayCalendar

/// Takes published records down from a pipeline's portals, each through its own transport, with
/// the same steps as a feed batch (stage → pending → deliver → receipt):
///
/// - an API portal gets a withdrawal request (`PUT /v1/withdrawals/{batch}`, idempotent by the
///   batch id), whose receipt confirms it at once;
/// - an outbox portal gets a withdrawal file in `OUTBOX/<portal>/<date>/` for a clerk to hand in;
///   the withdrawal stands once confirmed (`gongshi ledger confirm BATCH`, or a `.receipt` file);
/// - an SFTP portal gets the same file in its drop folder; delivered is done.
///
/// One withdrawal batch per portal feed. Its id comes from the portal, feed, reason and the records,
/// so asking again after a crash makes the same batch (and the portal answers with its first receipt).
public struct Withdrawer {
    let context: PipelineContext
    let ledger: any PublicationLedger
    let run: WithdrawalRun
    let today: CalendarDate
    let channels: ChannelFactory
    let transcript: Transcript
    /// The channel of each portal (by id), instead of the factory's: for tests.
    let channelOverride: [String: any PortalChannel]

    public init(
        context: PipelineContext, ledger: any PublicationLedger, run: Int64, today: CalendarDate, channels: ChannelFactory,
        transcript: Transcript, channelOverride: [String: any PortalChannel] = [:]
    ) {
        self.init(
            context: context, ledger: ledger, run: WithdrawalRun(existing: run), today: today, channels: channels, transcript: transcript,
            channelOverride: channelOverride)
    }

    /// - Parameter run: a clerk's withdrawal (``WithdrawalRun/init(recording:)``): its run is
    ///   written with its first batch, in that batch's transaction, and not at all if none is.
    public init(
        context: PipelineContext, ledger: any PublicationLedger, run: WithdrawalRun, today: CalendarDate, channels: ChannelFactory,
        transcript: Transcript, channelOverride: [String: any PortalChannel] = [:]
    ) {
        self.channelOverride = channelOverride
        self.context = context
        self.ledger = ledger
        self.run = run
        self.today = today
        self.channels = channels
        self.transcript = transcript
    }

    /// Why a record is taken down. The first three are a clerk's (`gongshi withdraw`); the last is
    /// the nightly run's, when a penalty's maximum publication period ends.
    public enum Reason: String, CaseIterable, Sendable {
        case creditRepair = "信用修复"
        case revoked = "撤销"
        case corrected = "更正"
        case periodEnded = "公示期满"
        /// A record the rules now keep off the portal (a minor, withheld by the department, a
        /// revoked permit where the profile says to take it down).
        case notToPublish = "不予公示"
    }

    /// The withdrawal file's columns (outbox and SFTP portals): which published record, why.
    public static let fileColumns = ["原公示批次", "序号", "决定书文号", "原公示文件", "撤下原因", "说明", "撤下日期"]

    /// Plans, records and delivers one withdrawal batch per portal feed for these publications
    /// (all published, none with a withdrawal pending); then uploads the batches of API and SFTP
    /// portals. Returns the exit status of the uploads (0, 69, 78).
    ///
    /// - Parameter reconciling: settle the portals' pending batches first (the run has done so already).
    public func withdraw(_ entries: [(entry: PublicationEntry, note: String?)], reason: Reason, reconciling: Bool = true) throws -> Int32 {
        var status = ExitStatus.ok
        // Only what this pipeline's runs published, and only its own batches settled and sent: on a
        // ledger departments share, another's record of the same kind and portal (an ended period,
        // the same 文号) is theirs to take down, from their outbox.
        let own = try Uploader.own(ledger, pipeline: context.pipeline.id)
        let entries = entries.filter { own.contains($0.entry.batchID) }
        for (profile, transport) in context.portals {
            let mine = entries.filter { $0.entry.portal == profile.id }
            // (The publisher's run is for feed batches; a withdrawal batch is recorded under `run` by `send`.)
            var publisher = FeedPublisher(
                ledger: ledger, run: run.id ?? 0, outbox: URL(fileURLWithPath: context.resolve(context.pipeline.outbox)), profile: profile,
                today: today, calendar: context.calendar, transcript: transcript)
            publisher.delivery = transport == .outbox ? .clerk : .channel
            // Batches left pending by an earlier run (a withdrawal interrupted, say) are settled first.
            if reconciling {
                let channel = try channelOverride[profile.id] ?? channels.channel(for: transport, pipeline: context.pipeline, profile: profile)
                for line in try publisher.reconcile(channel: channel, kind: context.schema.id, only: own) { transcript.line(line) }
            } else if mine.isEmpty {
                continue
            }
            for feed in Set(mine.map(\.entry.feed)).sorted() {
                let items = mine.filter { $0.entry.feed == feed }
                try send(items, feed: feed, reason: reason, asRequest: transport.isAPI, publisher: publisher)
            }
            if let channel = try channelOverride[profile.id] ?? channels.channel(for: transport, pipeline: context.pipeline, profile: profile) {
                let mineNow = try Uploader.own(ledger, pipeline: context.pipeline.id)
                let uploaded = try Uploader(ledger: ledger, channel: channel, today: today, transcript: transcript)
                    .uploadPending(portal: profile.id, kind: context.schema.id, only: mineNow)
                status = RunOutcome.worse(status, uploaded)
            }
        }
        return status
    }

    private func send(
        _ entries: [(entry: PublicationEntry, note: String?)], feed: String, reason: Reason, asRequest: Bool, publisher: FeedPublisher
    ) throws {
        let portal = entries[0].entry.portal
        let kind = entries[0].entry.kind
        let items = entries.map {
            WithdrawalItem(batchID: $0.entry.batchID, position: $0.entry.position, reason: reason.rawValue, basis: $0.note)
        }
        let id = String(
            Digest.sha256Hex(
                Array(BatchIdentity.withdrawalMaterial(portal: portal, feed: feed, reason: reason.rawValue, items: items).utf8)
            ).prefix(16))
        let payload: [UInt8]
        let fileName: String
        if asRequest {
            let request = WithdrawalRequest(
                items: items.map { .init(batchID: $0.batchID, index: $0.position, reason: [$0.reason, $0.basis].compactMap { $0 }.joined(separator: "：")) })
            payload = Array((try? JSONEncoder.portalAPI.encode(request)) ?? Data())
            fileName = "\(portal)-\(feed)-withdraw-\(FeedBatchFile.compact(today))-\(id).json"
        } else {
            payload = Self.file(entries, reason: reason, today: today)
            fileName = "\(portal)-\(feed)-withdraw-\(FeedBatchFile.compact(today))-\(id).csv"
        }
        let final: URL
        do {
            final = try publisher.stageRecordDeliver(id: id, fileName: fileName, payload: payload, manifest: nil) { final in
                let batch = NewBatch(
                    id: id, portal: portal, feed: feed, kind: kind, operation: .withdraw, fileName: fileName, outboxPath: final.path,
                    payloadSHA256: Digest.sha256Hex(payload), records: items.count, createdOn: today.description)
                try run.record(batch, items: items, on: ledger)
            }
        } catch is WithdrawalRun.AskedAlready {
            // Another withdrawal of these records was recorded since they were read: nothing of this
            // one is (its staged file, never recorded, is cleared by the next run's reconciling).
            transcript.line("撤下：\(portal)/\(feed) 的这些记录已由另一次撤下请求提交，这次未做记录")
            return
        }
        for (entry, _) in entries {
            transcript.line("撤下：\(portal)/\(feed) \(DecisionKey.number(entry.key))（原批次 \(entry.batchID) 第 \(entry.position) 条）：\(reason.rawValue)")
        }
        if !asRequest {
            transcript.line("撤下文件：批次 \(id) \(final.path)（\(items.count) 条）；\(publisher.nextStep(id))")
        }
    }

    /// The withdrawal file: CSV, UTF-8 with a byte-order mark, CRLF; it names records by their
    /// publication (batch and position) and decision number, never by a person's name or number.
    public static func file(_ entries: [(entry: PublicationEntry, note: String?)], reason: Reason, today: CalendarDate) -> [UInt8] {
        var lines = [fileColumns]
        for (entry, note) in entries {
            lines.append([
                entry.batchID, String(entry.position), DecisionKey.number(entry.key), entry.batchFile, reason.rawValue, note ?? "",
                today.description,
            ])
        }
        return [0xEF, 0xBB, 0xBF] + FeedEncoder.csvTable(lines)
    }
}

/// The run a withdrawal's batches are recorded under: one begun already (the nightly run's), or —
/// a clerk's `gongshi withdraw` or the console's 撤下 — one begun with its first batch, in that
/// batch's transaction (``WithdrawalLedger/recordWithdrawalBatch(_:items:recording:)``), so that
/// a withdrawal that records nothing (refused, asked for already, failed before) leaves no run.
public final class WithdrawalRun {
    /// The run's id: nil while a clerk's withdrawal has recorded no batch.
    public private(set) var id: Int64?
    let action: ActionRecord?

    struct AskedAlready: Error {}

    public init(existing run: Int64) {
        id = run
        action = nil
    }

    public init(recording action: ActionRecord) {
        id = nil
        self.action = action
    }

    func record(_ batch: NewBatch, items: [WithdrawalItem], on ledger: any PublicationLedger) throws {
        if let id {
            try CommandFailure.ledger { () throws(LedgerError) in try ledger.recordWithdrawalBatch(batch, items: items, run: id) }
        } else if let action {
            guard let run = try CommandFailure.ledger({ () throws(LedgerError) in try ledger.recordWithdrawalBatch(batch, items: items, recording: action) })
            else { throw AskedAlready() }
            id = run
        }
    }
}
