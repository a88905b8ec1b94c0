public import DisclosureCore
import FeedEncoders
import Synchronization
public import Foundation
public import WorkingDayCalendar

/// Plans a portal's feeds against the ledger and publishes what is new or changed, exactly once:
/// every batch is staged, recorded pending and delivered into the outbox folder; API and SFTP
/// portals then take it from there through their channel (``Uploader``).
///
/// The outbox is the transport for portals that take files through a web form: a clerk uploads
/// the files from `OUTBOX/<portal>/<date>/` and then confirms (`gongshi ledger confirm BATCH`, or
/// by saving the portal's receipt as `<file>.receipt` beside the file). Each batch goes through
/// these steps, each one durable before the next starts:
///
/// ```
///   stage      payload and manifest written to OUTBOX/.staging/<batch>/ (temporary name, rename)
///      │                                                            ── crash: nothing recorded; planned again
///   pending    batch and its publications recorded, one transaction
///      │                                                            ── crash: reconcile delivers the staged bytes
///   deliver    manifest, then payload, renamed into OUTBOX/<portal>/<date>/
///      │                                                            ── crash: reconcile finds the file, notes it
///   delivered  noted in the ledger; the batch waits for its receipt
///      │
///   confirmed  receipt recorded: batch and publications published, one transaction
/// ```
///
/// Before anything new, ``reconcile()`` settles every pending batch of the portal left by an
/// earlier run: a receipt dropped in is recorded, staged bytes are delivered under the same
/// batch id, and a batch whose bytes are gone is marked failed so its records are planned again.
public struct FeedPublisher: Sendable {
    let ledger: any PublicationLedger
    let run: Int64
    let outbox: URL
    let profile: PortalProfile
    let today: CalendarDate
    let deadlines: Deadlines
    let transcript: Transcript
    /// Who takes a staged file to the portal next, as the lines about it say.
    public var delivery: Delivery = .uploadOrClerk

    /// Who takes a staged file to the portal.
    public enum Delivery: Sendable {
        /// The run itself, through the portal's API or SFTP channel.
        case channel
        /// A clerk, through the portal's web form (the outbox transport).
        case clerk
        /// `gongshi upload` or a clerk (`gongshi feed`, which has no transport).
        case uploadOrClerk
    }

    public init(
        ledger: any PublicationLedger, run: Int64, outbox: URL, profile: PortalProfile, today: CalendarDate, calendar: WorkingDayCalendar?,
        transcript: Transcript
    ) {
        self.ledger = ledger
        self.run = run
        self.outbox = outbox
        self.profile = profile
        self.today = today
        self.deadlines = Deadlines(profile: profile, calendar: calendar)
        self.transcript = transcript
    }

    private var stagingRoot: URL { outbox.appendingPathComponent(".staging") }

    private func staged(_ id: String, _ fileName: String) -> URL {
        stagingRoot.appendingPathComponent(id).appendingPathComponent(fileName)
    }

    // MARK: Reconcile

    /// Settles the portal's pending batches from earlier runs; returns the lines to print.
    /// - Parameter channel: the portal's channel, if it has one: a batch whose file is lost is
    ///   then settled by asking the portal (``Uploader/settleLost(_:)``), not failed blindly.
    ///   - kind: only the batches of this record kind (a schema id): a pipeline settles its own,
    ///     not another department's on the same portal; nil: all of the portal's.
    ///   - only: only these batches (a pipeline's own, ``BatchLedger/batchIDs(pipeline:)``): on a
    ///     ledger departments share, another department's pending batch lies in its own outbox,
    ///     which this machine may not see; nil: all.
    public func reconcile(channel: (any PortalChannel)? = nil, kind: String? = nil, only: Set<String>? = nil) throws -> [String] {
        var lines: [String] = []
        for batch in try CommandFailure.ledger({ () throws(LedgerError) in try ledger.batches(portal: profile.id, status: .pending) })
        where (kind.map({ batch.kind == $0 }) ?? true) && (only.map { $0.contains(batch.id) } ?? true) {
            let final = URL(fileURLWithPath: batch.outboxPath)
            // A batch the run sends itself that holds records withdrawn since it was staged (撤销,
            // 信用修复, a period's end, 不予公示): never sent as it is. The portal is asked first; not
            // there, it fails, and its other records are planned again below, in a batch of another id.
            if delivery == .channel, let channel {
                let uploader = Uploader(ledger: ledger, channel: channel, today: today, transcript: transcript)
                let withdrawn = try uploader.withdrawnRecords(in: batch)
                if !withdrawn.isEmpty {
                    _ = try uploader.settleWithdrawn(batch, withdrawn)
                    continue
                }
            }
            if try holds(outboxFileOf: batch) {
                if let receipt = try ReceiptFile.read(besides: final.path) {
                    let outcome = try CommandFailure.ledger { () throws(LedgerError) in
                        try ledger.confirm(
                            batch: batch.id, receipt: receipt.receipt,
                            on: ReceiptFile.savedOn(receipt.path, stagedOn: batch.createdOn, today: today))
                    }
                    FaultInjection.reached("receipt-recorded")
                    lines.append(ConfirmMessage.line(outcome, batch: batch, source: "回执 \(receipt.path)"))
                } else {
                    if batch.deliveredAt == nil { try markDelivered(batch.id) }
                    lines.append("待确认：批次 \(batch.id) \(final.path)（\(batch.records) 条）；\(nextStep(batch.id))")
                }
            } else if Self.holds(staged(batch.id, batch.fileName).path, sha256: batch.payloadSHA256) {
                try deliver(id: batch.id, fileName: batch.fileName, to: final)
                FaultInjection.reached("upload-done")
                try markDelivered(batch.id)
                lines.append("补投递：上次运行中断，批次 \(batch.id) 原样放入 \(final.path)（\(batch.records) 条，批次号不变）")
            } else if let channel {
                _ = try Uploader(ledger: ledger, channel: channel, today: today, transcript: transcript).settleLost(batch)
            } else {
                _ = try CommandFailure.ledger { () throws(LedgerError) in
                    try ledger.fail(batch: batch.id, reason: "待上传文件丢失或被改动：\(final.path)")
                }
                lines.append(
                    "警告 [outbox-file-lost] 批次 \(batch.id) 的文件 \(final.path) 不见了或被改动，暂存区也没有：批次标为失败，其中 \(batch.records) 条记录本次重新计划")
            }
        }
        return lines
    }

    // MARK: Publish

    /// Plans one feed against the ledger (or, with none, as if the portal had nothing), walking its
    /// rows sorted by key a chunk at a time, and hands each row to send to `take` as it is decided:
    /// used by the publisher, by previews and by dry runs.
    public static func plan(
        _ feed: SpooledFeed, ledger: (any PlanningLedger)?, republishing: Bool, today: CalendarDate,
        take: (BatchOperation, consuming PlannedRow) throws -> Void
    ) throws -> FeedCounts {
        var scratch = Digest.Scratch()
        // Where the feed's publications lie among keys, asked once before the walk: a chunk of
        // keys all outside it is not asked about. (The walk's own batches, recorded meanwhile,
        // hold keys of chunks already decided: keys are the walk's own, each once, in order.)
        let span = try ledger.map { ledger in
            try CommandFailure.ledger { () throws(LedgerError) in try ledger.publicationKeySpan(portal: feed.portal, feed: feed.feed.name) }
        } ?? .empty
        return try PublicationPlanner.walk(
            try feed.sortedRows(), republishing: republishing, today: today.description,
            // Made where the record was checked, as a rule (``IntakePreparer``).
            hash: { $0.contentSHA256 ?? Digest.sha256Hex(feed.feed.name, values: $0.cells, scratch: &scratch) },
            known: { keys throws(CommandFailure) in
                guard let ledger, span.mayHold(keys) else { return [:] }
                return try CommandFailure.ledger { () throws(LedgerError) in
                    try ledger.currentPublications(portal: feed.portal, feed: feed.feed.name, keys: keys)
                }.mapValues {
                    let toCorrect = $0.withdrawalReason == Withdrawer.Reason.corrected.rawValue
                    // The record versions withdrawn from the feed: its own when it is the one
                    // withdrawn to be corrected, and the earlier publications' (a withdrawal for
                    // another reason keeps the record down anyway, `withdrawnBefore`).
                    var withdrawnRecords = Set($0.earlierWithdrawnRecords)
                    if toCorrect, let record = $0.recordSHA256 { withdrawnRecords.insert(record) }
                    return PublicationPlanner.Known(
                        contentHash: $0.contentSHA256, state: PublicationPlanner.state(
                            $0.status, withdrawalAsked: $0.withdrawalAsked,
                            withdrawnToCorrect: toCorrect,
                            // Withdrawn for good (信用修复, 撤销, a period's end) while a later
                            // publication of it waited in a batch: it stays down.
                            withdrawnBefore: $0.earlierWithdrawals.contains { $0 != Withdrawer.Reason.corrected.rawValue }),
                        batchID: $0.batchID,
                        republishedOn: $0.republishedOn, recordHash: $0.recordSHA256, withdrawnRecords: withdrawnRecords)
                }
            },
            take: take)
    }

    /// Plans one feed against the ledger and sends what is new or changed, a batch as soon as it
    /// is full; returns the counts and prints a line per batch.
    ///
    /// - Parameter published: told each row published for the first time, as it is planned.
    public func publish(
        _ spooled: SpooledFeed, schema: PublicationSchema, republishing: Bool = false, published: ((FeedPlan.Row) -> Void)? = nil
    ) throws -> FeedCounts {
        let feed = spooled.feed
        // A full batch's file is encoded here; the batch is then staged, recorded pending and
        // delivered on a second thread while this one sorts and decides the next batch's rows (so
        // split, the two halves take about the same time). Batches are still sent one at a time and
        // in order; a decision never depends on an earlier batch of the same walk (its keys are the
        // walk's own, each once).
        //
        // The batch's file is also staged here, before it is handed on: the second thread, which
        // records the batch in the ledger, was the busier one (writing the files was a seventh of
        // its time). The steps stay in their order for each batch — its bytes are staged before
        // the ledger mentions them — and a batch staged but never recorded (the run stopped) is
        // what a crash right after staging leaves: planned again, under the same id.
        //
        // On a ledger that takes two writes at once (a database server: a connection and a server
        // process each), batches go to two senders in turn: the server recording one batch's
        // publications bounded the stage, the machine 40% idle (`perf record -a`). Each batch's
        // steps stay in their order; two batches of the walk may then be recorded and delivered in
        // either order (their keys are apart), and their lines are told in the walk's order. A
        // sender's failure stops the walk at the next batch handed to it; what the other was
        // handed ends first, as on one sender.
        //
        // A sender takes a second batch while it sends one, so that this thread goes on to the
        // next instead of waiting for the first to be sent (the legal-person feed lower in ten
        // pairs of eleven, by about 0.04 s of 0.85; the peak 1.5–4 MB higher: one more batch's
        // publications held; forty-second session).
        Self.removeAbandonedParts(in: stagingRoot)
        let senders = (0..<(ledger.takesConcurrentWrites ? 2 : 1)).map { InOrderWorker(label: "gongshi.send-\($0)", depth: 2) }
        let lines = BatchLines(transcript)
        var handed = 0
        // The due dates known, kept from batch to batch (a batch's first rows met every decision
        // date of the feed again: half an allocation a row in working out deadlines).
        var due = Deadlines.Memo(deadlines)
        // The memory every batch's file is made in, a part at a time (``stageInParts``).
        var parts: [UInt8] = []
        var batcher = Batcher<PlannedRow>(limit: feed.batchLimit) { [self] operation, part, batch in
            let staged = try stage(batch, feed: feed, schema: schema, part: part, operation: operation, due: &due, parts: &parts)
            // (The outbox's folder made here, before two senders could both make it at once.)
            if handed == 0, senders.count > 1 { try makeFolder(for: outboxFile(staged.fileName)) }
            let index = handed
            handed += 1
            try senders[index % senders.count].submit { try send(staged) { lines.tell($0, index: index) } }
        }
        let counts: FeedCounts
        do {
            counts = try Self.plan(spooled, ledger: ledger, republishing: republishing, today: today) {
                for sender in senders { sender.releaseFinished() }
                if $0 == .publish, let published { published($1.row) }
                try batcher.add($0, $1)
            }
            try batcher.finish()
        } catch {
            for sender in senders { try? sender.finish() }  // what was handed on ends before the failure is told
            lines.flush()
            throw error
        }
        defer { lines.flush() }  // (a batch's line held for an earlier one that failed)
        for sender in senders { try sender.finish() }
        rmdir(stagingRoot.path)  // only when empty; not by the sender, while this thread may be staging into it
        return counts
    }

    /// A batch whose file is staged, to be recorded pending and delivered.
    private struct StagedBatch: Sendable {
        let id: String
        let fileName: String
        let payloadSHA256: String
        let publications: [NewPublication]
        let feed: FeedSpec
        let kind: String
        let operation: BatchOperation
    }

    /// A batch's file, staged, and its publications: the file made a part at a time straight into
    /// the staging folder (``stageInParts``) for the formats that can be, else encoded whole and
    /// staged (``stage(id:fileName:payload:manifest:)``).
    private func stage(
        _ batch: consuming [PlannedRow], feed: FeedSpec, schema: PublicationSchema, part: Int, operation: BatchOperation,
        due: inout Deadlines.Memo, parts: inout [UInt8]
    ) throws -> StagedBatch {
        let (rows, publications) = Self.publications(of: batch) { planned in
            NewPublication(
                key: planned.row.key, contentSHA256: planned.hash, previousSHA256: planned.previous, correctsBatch: planned.correctsBatch,
                decisionDate: Deadlines.isoDate(planned.row.decisionDate), dueOn: due.dueDate(planned.row.decisionDate),
                subjectCode: planned.row.subjectCode, subjectName: planned.row.subjectName, personKey: planned.row.personKey,
                schemaVersion: schema.version,
                profileVersion: profile.version, recordSHA256: planned.row.recordSHA256)
        }
        let corrects = operation == .correct ? BatchIdentity.correctedBatches(publications.lazy.map(\.correctsBatch)) : []
        let file: (id: String, fileName: String, payloadSHA256: String)
        if FeedEncoder.writesInParts(feed.format) {
            file = try stageInParts(rows, feed: feed, schema: schema, part: part, operation: operation, corrects: corrects, buffer: &parts)
        } else {
            let whole = try FeedBatchFile(
                profile: profile, feed: feed, schema: schema, rows: rows, part: part, date: today, operation: operation, corrects: corrects,
                failed: failed)
            try stage(id: whole.id, fileName: whole.fileName, payload: whole.payload, manifest: whole.manifest)
            file = (whole.id, whole.fileName, whole.payloadSHA256)
        }
        return StagedBatch(
            id: file.id, fileName: file.fileName, payloadSHA256: file.payloadSHA256, publications: publications, feed: feed, kind: schema.id,
            operation: operation)
    }

    /// The bytes of a batch's file handed to the system at a time when it is made in parts: well
    /// within the processor's second-level cache, so that the copy into the page cache and the
    /// hash read what was just written there.
    static let partBytes = 256 << 10

    /// Stages a batch's file (the first step of ``stageRecordDeliver(id:fileName:payload:manifest:record:)``)
    /// without holding it: made a part at a time in `buffer` (``FeedEncoder/write(_:feed:keyDigest:partBytes:buffer:emit:)``),
    /// each part hashed and written to a temporary file in the staging folder (``SecureFile/Parts``);
    /// once the hash names the batch, its manifest is written and the file synced and renamed into
    /// `.staging/<id>/`, as ``stage(id:fileName:payload:manifest:)`` leaves it. The same bytes, id
    /// and name as ``FeedBatchFile``. A failure removes the temporary file.
    private func stageInParts(
        _ rows: [FeedPlan.Row], feed: FeedSpec, schema: PublicationSchema, part: Int, operation: BatchOperation, corrects: [String],
        buffer: inout [UInt8]
    ) throws -> (id: String, fileName: String, payloadSHA256: String) {
        do {
            try FileManager.default.createDirectory(at: stagingRoot, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(status: ExitStatus.cantCreate, code: "file-unwritable", message: "无法创建暂存目录 \(stagingRoot.path)")
        }
        let file = try SecureFile.Parts(temporary: partsFile)
        var digest = Digest.Running()
        let (id, fileName, payloadSHA256): (String, String, String)
        do {
            do {
                try FeedEncoder.write(
                    rows, feed: feed, keyDigest: Digest.keyDigest, partBytes: Self.partBytes, buffer: &buffer
                ) { bytes in
                    digest.update(bytes)
                    try file.append(bytes)
                }
            } catch let error as FeedEncoder.EncodingError {
                throw CommandFailure(status: ExitStatus.dataError, code: "feed-encoding", message: "\(feed.name)：\(error.message)")
            }
            payloadSHA256 = digest.hex()
            let manifest: [UInt8]
            (id, fileName, manifest) = try FeedBatchFile.named(
                profile: profile, feed: feed, schema: schema, records: rows.count, payloadSHA256: payloadSHA256, part: part, date: today,
                operation: operation, corrects: corrects, failed: failed)
            try stage(id: id, fileName: fileName, manifest: manifest) { try file.commit(to: $0, mode: 0o644) }
        } catch {
            file.discard()
            throw error
        }
        return (id, fileName, payloadSHA256)
    }

    /// Whether the ledger holds a failed batch of this id that the run sends itself (API, SFTP):
    /// the records it held, planned again, go out under another id
    /// (``FeedBatchFile/named(profile:feed:schema:records:payloadSHA256:part:date:operation:corrects:failed:)``):
    /// such a portal keys batches by id and keeps its first answer to one (a receipt that never
    /// matched), so the same id would only get that answer again. A file for a clerk's web form
    /// is made again under the same id (the ledger keeps the failed attempt beside it).
    private func failed(_ id: String) throws(CommandFailure) -> Bool {
        guard delivery == .channel else { return false }
        return try CommandFailure.ledger { () throws(LedgerError) in try ledger.batch(id) }?.status == .failed
    }

    /// A temporary file for ``stageInParts`` to write a batch into, in the staging folder: named by
    /// the process and a random number (the console may publish two pipelines at once).
    private var partsFile: String {
        stagingRoot.appendingPathComponent(".batch.\(getpid()).\(UInt64.random(in: 1...UInt64.max)).tmp").path
    }

    /// Removes the temporary files of batches a stopped process was writing (``stageInParts``, killed
    /// before the batch was named): nothing refers to them, and the staging folder, removed when
    /// empty, would stay. A running process's file is left alone (another pipeline may publish into
    /// the same outbox).
    static func removeAbandonedParts(in staging: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: staging.path) else { return }
        for name in names where name.hasPrefix(".batch.") && name.hasSuffix(".tmp") {
            guard let pid = name.split(separator: ".").dropFirst().first.flatMap({ Int32($0) }), pid > 0 else { continue }
            if pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH { continue }
            unlink(staging.appendingPathComponent(name).path)
        }
    }

    /// A batch's rows, moved out of it, and each row's publication as `publication` makes it from
    /// the planned row, in the batch's order. (The rows copied out for the file and the planned rows
    /// read by copy were a twelfth of the publishing thread's time, in the rows' reference counts.)
    static func publications(
        of batch: consuming [PlannedRow], _ publication: (borrowing PlannedRow) -> NewPublication
    ) -> (rows: [FeedPlan.Row], publications: [NewPublication]) {
        var planned = batch
        let count = planned.count
        var publications: [NewPublication] = []
        // Each moved out, last first, into its place (reversed afterwards, each row was copied in
        // the swaps).
        let rows = [FeedPlan.Row](unsafeUninitializedCapacity: count) { rows, rowsMade in
            publications = [NewPublication](unsafeUninitializedCapacity: count) { publications, made in
                var index = count
                while let last = planned.popLast() {
                    index -= 1
                    (publications.baseAddress! + index).initialize(to: publication(last))
                    (rows.baseAddress! + index).initialize(to: last.row)
                }
                made = count
            }
            rowsMade = count
        }
        return (rows, publications)
    }

    /// A staged batch through the remaining steps: pending, deliver, delivered; its line told.
    private func send(_ prepared: StagedBatch, tell: (String) -> Void) throws {
        let (feed, operation) = (prepared.feed, prepared.operation)
        let final = try recordDeliver(id: prepared.id, fileName: prepared.fileName, tidy: false) { final in
            let batch = NewBatch(
                id: prepared.id, portal: profile.id, feed: feed.name, kind: prepared.kind, operation: operation, fileName: prepared.fileName,
                outboxPath: final.path, payloadSHA256: prepared.payloadSHA256, records: prepared.publications.count,
                createdOn: today.description)
            try CommandFailure.ledger { () throws(LedgerError) in
                try ledger.recordPending(batch, publications: prepared.publications, run: run)
            }
        }
        let what = operation == .correct ? "更正" : operation == .republish ? "重新公示" : "新公示"
        tell("\(what)：批次 \(prepared.id) \(final.path)（\(prepared.publications.count) 条）[\(feed.name)]；\(nextStep(prepared.id))")
    }

    /// One file through the steps, each durable before the next: stage (payload and manifest under
    /// `.staging/<id>/`), record it pending (`record`, given the final place; one transaction),
    /// deliver into `OUTBOX/<portal>/<date>/`, note it delivered. Feed batches and withdrawal
    /// files alike. Returns the final place.
    public func stageRecordDeliver(
        id: String, fileName: String, payload: [UInt8], manifest: [UInt8]?, record: (_ final: URL) throws -> Void
    ) throws -> URL {
        try stage(id: id, fileName: fileName, payload: payload, manifest: manifest)
        return try recordDeliver(id: id, fileName: fileName, record: record)
    }

    /// The first step: the payload and its manifest written under `.staging/<id>/` (each under a
    /// temporary name renamed into place): the bytes exist before the ledger mentions them.
    func stage(id: String, fileName: String, payload: [UInt8], manifest: [UInt8]?) throws {
        try stage(id: id, fileName: fileName, manifest: manifest) { try SecureFile.write(payload, to: $0, mode: 0o644) }
    }

    /// ``stage(id:fileName:payload:manifest:)`` with the payload put in place by `place`, given
    /// its path (a file written a part at a time is renamed there, ``stageInParts``).
    private func stage(id: String, fileName: String, manifest: [UInt8]?, place: (String) throws -> Void) throws {
        let stagedPayload = staged(id, fileName)
        let folder = stagedPayload.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(status: ExitStatus.cantCreate, code: "file-unwritable", message: "无法创建暂存目录 \(folder.path)")
        }
        if let manifest { try SecureFile.write(manifest, to: stagedPayload.path + ".manifest.json", mode: 0o644) }
        try place(stagedPayload.path)
        FaultInjection.reached("feed-written")
    }

    /// The steps after staging: record the staged file pending (`record`, given the final place;
    /// one transaction), deliver it into `OUTBOX/<portal>/<date>/`, note it delivered. Returns the
    /// final place.
    ///
    /// - Parameter tidy: the staging folder is removed when it is left empty (not while another
    ///   thread may be staging the next batch into it: its folder would go from under it).
    func recordDeliver(id: String, fileName: String, tidy: Bool = true, record: (_ final: URL) throws -> Void) throws -> URL {
        let final = outboxFile(fileName)
        // Pending: recorded in one transaction.
        try record(final)
        FaultInjection.reached("batch-pending")
        // Deliver, then note it.
        try deliver(id: id, fileName: fileName, to: final, tidy: tidy)
        FaultInjection.reached("upload-done")
        try markDelivered(id)
        return final
    }

    /// What the clerk does next with a batch in the outbox.
    public func nextStep(_ id: String) -> String {
        Self.nextStep(id, delivery: delivery)
    }

    public static func nextStep(_ id: String, delivery: Delivery) -> String {
        switch delivery {
        case .channel: "本次运行随后上传到门户"
        case .clerk: "在门户网页上传后运行 gongshi ledger confirm \(id)（或把门户回执存为同名加 .receipt 的文件）"
        case .uploadOrClerk: "用 gongshi upload 发送，或在门户网页上传后运行 gongshi ledger confirm \(id)"
        }
    }

    /// Where a batch's file is delivered: `OUTBOX/<portal>/<date>/<file>`.
    private func outboxFile(_ fileName: String) -> URL {
        outbox.appendingPathComponent(profile.id).appendingPathComponent(today.description).appendingPathComponent(fileName)
    }

    /// The folder `final` is delivered into, made if it is not there.
    private func makeFolder(for final: URL) throws(CommandFailure) {
        do {
            try FileManager.default.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(status: ExitStatus.cantCreate, code: "outbox-unwritable", message: "无法创建待上传目录 \(final.deletingLastPathComponent().path)")
        }
    }

    /// Moves a staged batch into the outbox: the manifest first, then the payload (whose arrival
    /// is what counts), each by rename; then removes the staging folder.
    private func deliver(id: String, fileName: String, to final: URL, tidy: Bool = true) throws(CommandFailure) {
        let payload = staged(id, fileName)
        try makeFolder(for: final)
        let manifest = payload.path + ".manifest.json"
        if FileManager.default.fileExists(atPath: manifest) {
            guard rename(manifest, final.path + ".manifest.json") == 0 else {
                throw CommandFailure(status: ExitStatus.cantCreate, code: "outbox-unwritable", message: "无法写入 \(final.path).manifest.json")
            }
        }
        guard rename(payload.path, final.path) == 0 else {
            throw CommandFailure(status: ExitStatus.cantCreate, code: "outbox-unwritable", message: "无法写入 \(final.path)")
        }
        try? FileManager.default.removeItem(at: payload.deletingLastPathComponent())
        if tidy { rmdir(stagingRoot.path) }  // only when empty
    }

    private func markDelivered(_ id: String) throws(CommandFailure) {
        try CommandFailure.ledger { () throws(LedgerError) in try ledger.markDelivered(batch: id, at: LedgerClock.now()) }
    }

    /// Whether the batch's outbox file still holds exactly its bytes. A file whose stat is the
    /// one recorded when it was last read whole and found so is not read again (hashing every
    /// pending file each night was 0.13 s of a 1 s re-run with 40 pending batches); one read whole
    /// now has its stat recorded, when the stat can vouch for the bytes (``Digest/fingerprint(path:)``).
    func holds(outboxFileOf batch: BatchInfo) throws(CommandFailure) -> Bool {
        if let recorded = batch.outboxStat, FileStat(path: batch.outboxPath)?.signature == recorded { return true }
        guard let print = Digest.fingerprint(path: batch.outboxPath), print.sha256 == batch.payloadSHA256 else { return false }
        if let stat = print.stat, stat != batch.outboxStat {
            try CommandFailure.ledger { () throws(LedgerError) in try ledger.recordOutboxStat(batch: batch.id, stat: stat) }
        }
        return true
    }

    /// Whether the file at `path` exists with exactly these bytes.
    static func holds(_ path: String, sha256: String) -> Bool {
        Digest.fingerprint(path: path)?.sha256 == sha256
    }
}

/// The lines of a walk's batches, told in the walk's order whichever sender finishes first: a
/// line waits for the earlier batches' (``flush()`` tells, in order, those still waiting when an
/// earlier batch failed).
private final class BatchLines: Sendable {
    private let transcript: Transcript
    private let state = Mutex<(next: Int, waiting: [Int: String])>((0, [:]))

    init(_ transcript: Transcript) { self.transcript = transcript }

    func tell(_ line: String, index: Int) {
        state.withLock { state in
            state.waiting[index] = line
            while let next = state.waiting.removeValue(forKey: state.next) {
                transcript.line(next)
                state.next += 1
            }
        }
    }

    func flush() {
        state.withLock { state in
            for index in state.waiting.keys.sorted() { transcript.line(state.waiting[index]!) }
            state.waiting = [:]
        }
    }
}
