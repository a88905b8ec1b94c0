import DisclosureCore
import Foundation
import SQLiteLedger
import WorkingDayCalendar

/// Publishes a portal's feeds through the outbox, exactly once, with the ledger.
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
struct OutboxPublisher {
    let ledger: Ledger
    let run: Int64
    let outbox: URL
    let profile: PortalProfile
    let today: CalendarDate
    let calendar: WorkingDayCalendar?

    /// What a feed run did, for the summary line.
    struct FeedCounts {
        var published = 0
        var corrected = 0
        var unchanged = 0
        var withdrawn = 0
        var repeated = 0
        var stillRejected = 0
        var republished = 0
    }

    static func state(_ status: PublicationStatus) -> PublicationPlanner.Known.State {
        switch status {
        case .withdrawn: .withdrawn
        case .published: .published
        case .rejected: .rejected
        case .pending, .failed: .pending
        }
    }

    private var stagingRoot: URL { outbox.appendingPathComponent(".staging") }

    private func staged(_ id: String, _ fileName: String) -> URL {
        stagingRoot.appendingPathComponent(id).appendingPathComponent(fileName)
    }

    // MARK: Reconcile

    /// Settles the portal's pending batches from earlier runs; returns the lines to print.
    func reconcile() throws(CommandFailure) -> [String] {
        var lines: [String] = []
        for batch in try CommandFailure.ledger({ () throws(LedgerError) in try ledger.batches(portal: profile.id, status: .pending) }) {
            let final = URL(fileURLWithPath: batch.outboxPath)
            if Self.holds(final.path, sha256: batch.payloadSHA256) {
                if let receipt = try ReceiptFile.read(besides: final.path) {
                    let outcome = try CommandFailure.ledger { () throws(LedgerError) in
                        try ledger.confirm(batch: batch.id, receipt: receipt.receipt, on: today.description)
                    }
                    FaultInjection.reached("receipt-recorded")
                    lines.append(ConfirmMessage.line(outcome, batch: batch, source: "回执 \(receipt.path)"))
                } else {
                    if batch.deliveredAt == nil { try markDelivered(batch.id) }
                    lines.append("待确认：批次 \(batch.id) \(final.path)（\(batch.records) 条）；\(Self.nextStep(batch.id))")
                }
            } else if Self.holds(staged(batch.id, batch.fileName).path, sha256: batch.payloadSHA256) {
                try deliver(id: batch.id, fileName: batch.fileName, to: final)
                FaultInjection.reached("upload-done")
                try markDelivered(batch.id)
                lines.append("补投递：上次运行中断，批次 \(batch.id) 原样放入 \(final.path)（\(batch.records) 条，批次号不变）")
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

    /// A row to send, with its content hash and (for a correction) the hash it corrects.
    typealias Entry = (row: FeedPlan.Row, hash: String, previous: String?)

    /// Cuts the rows of each operation, as they come, into batches of at most `limit` and hands
    /// each full batch on (`finish` hands on the last, partial ones): one batch per operation in
    /// memory at a time.
    struct Batcher {
        let limit: Int
        let body: (BatchOperation, Int, [Entry]) throws -> Void
        private var open: [BatchOperation: (part: Int, rows: [Entry])] = [:]

        init(limit: Int, _ body: @escaping (BatchOperation, _ part: Int, [Entry]) throws -> Void) {
            self.limit = max(1, limit)
            self.body = body
        }

        mutating func add(_ operation: BatchOperation, _ entry: Entry) throws {
            open[operation, default: (0, [])].rows.append(entry)
            if let batch = open[operation], batch.rows.count >= limit { try flush(operation) }
        }

        mutating func finish() throws {
            for operation in [BatchOperation.publish, .correct, .republish] where !(open[operation]?.rows.isEmpty ?? true) {
                try flush(operation)
            }
        }

        private mutating func flush(_ operation: BatchOperation) throws {
            guard var batch = open[operation] else { return }
            batch.part += 1
            try body(operation, batch.part, batch.rows)
            open[operation] = (batch.part, [])
        }
    }

    /// How many rows are decided against the ledger at once (one query for their keys).
    static let planningChunk = 1000

    /// Plans one feed against the ledger, walking its rows sorted by key a chunk at a time, and
    /// hands each row to send to `take` as it is decided: used by the publisher and by dry runs.
    /// Memory holds one chunk, not the feed. Keys are unique in the walk (a repeated key is
    /// counted, not sent), so sending a batch before the rest is decided cannot change a decision.
    static func plan(
        _ feed: SpooledFeed, ledger: Ledger?, republishing: Bool, take: (BatchOperation, Entry) throws -> Void
    ) throws -> FeedCounts {
        var counts = FeedCounts()
        var previousKey: String?
        var chunk: [FeedPlan.Row] = []
        func decide() throws {
            let keys = Set(chunk.map(\.key))
            let known = try ledger.map { ledger in
                try CommandFailure.ledger { () throws(LedgerError) in
                    try ledger.currentPublications(portal: feed.portal, feed: feed.feed.name, keys: keys)
                }
            } ?? [:]
            for row in chunk {
                defer { previousKey = row.key }
                guard row.key != previousKey else {
                    counts.repeated += 1
                    continue
                }
                let hash = Digest.sha256Hex(values: [feed.feed.name] + row.cells)
                let state = known[row.key].map {
                    PublicationPlanner.Known(contentHash: $0.contentSHA256, state: Self.state($0.status), batchID: $0.batchID)
                }
                switch PublicationPlanner.decide(hash: hash, known: state, republishing: republishing) {
                case .publish:
                    counts.published += 1
                    try take(.publish, (row, hash, nil))
                case .correct(let previous):
                    counts.corrected += 1
                    try take(.correct, (row, hash, previous))
                case .republish:
                    counts.republished += 1
                    try take(.republish, (row, hash, nil))
                case .unchanged: counts.unchanged += 1
                case .withdrawn: counts.withdrawn += 1
                case .stillRejected: counts.stillRejected += 1
                case .repeatedKey: counts.repeated += 1
                }
            }
            chunk.removeAll(keepingCapacity: true)
        }
        for row in try feed.sortedRows() {
            chunk.append(row)
            // A chunk ends between keys, so that a repeated key is decided in the chunk of its first row.
            if chunk.count >= planningChunk, let last = chunk.last, last.key != chunk[chunk.count - 2].key {
                let carry = chunk.removeLast()
                try decide()
                chunk.append(carry)
            }
        }
        try decide()
        return counts
    }

    /// Plans one feed against the ledger and sends what is new or changed, a batch as soon as it
    /// is full; returns the counts and prints a line per batch.
    func publish(_ spooled: SpooledFeed, schema: PublicationSchema, republishing: Bool = false) throws -> FeedCounts {
        let feed = spooled.feed
        var batcher = Batcher(limit: feed.batchLimit) { operation, part, batch in
            try send(
                batch.map(\.row), hashes: batch.map(\.hash), previous: batch.map(\.previous), feed: feed, schema: schema, part: part,
                operation: operation)
        }
        let counts = try Self.plan(spooled, ledger: ledger, republishing: republishing) { try batcher.add($0, $1) }
        try batcher.finish()
        return counts
    }

    /// One batch through the steps: stage, pending, deliver, delivered.
    private func send(
        _ rows: [FeedPlan.Row], hashes: [String], previous: [String?], feed: FeedSpec, schema: PublicationSchema, part: Int,
        operation: BatchOperation
    ) throws {
        let file = try FeedBatchFile(
            profile: profile, feed: feed, schema: schema, rows: rows, part: part, date: today, operation: operation)
        let final = try stageRecordDeliver(id: file.id, fileName: file.fileName, payload: file.payload, manifest: file.manifest) { final in
            let publications = zip(rows, zip(hashes, previous)).map { row, hashes in
                NewPublication(
                    key: row.key, contentSHA256: hashes.0, previousSHA256: hashes.1, decisionDate: Self.isoDate(row.decisionDate),
                    dueOn: dueDate(row.decisionDate), subjectCode: row.subjectCode, subjectName: row.subjectName,
                    schemaVersion: schema.version, profileVersion: profile.version)
            }
            let batch = NewBatch(
                id: file.id, portal: profile.id, feed: feed.name, kind: schema.id, operation: operation, fileName: file.fileName,
                outboxPath: final.path, payloadSHA256: file.payloadSHA256, records: rows.count, createdOn: today.description)
            try CommandFailure.ledger { () throws(LedgerError) in try ledger.recordPending(batch, publications: publications, run: run) }
        }
        let what = operation == .correct ? "更正" : operation == .republish ? "重新公示" : "新公示"
        Output.answer("\(what)：批次 \(file.id) \(final.path)（\(rows.count) 条）[\(feed.name)]；\(Self.nextStep(file.id))")
    }

    /// One file through the steps, each durable before the next: stage (payload and manifest under
    /// `.staging/<id>/`), record it pending (`record`, given the final place; one transaction),
    /// deliver into `OUTBOX/<portal>/<date>/`, note it delivered. Feed batches and withdrawal
    /// files alike. Returns the final place.
    func stageRecordDeliver(
        id: String, fileName: String, payload: [UInt8], manifest: [UInt8]?, record: (_ final: URL) throws -> Void
    ) throws -> URL {
        let final = outbox.appendingPathComponent(profile.id).appendingPathComponent(today.description).appendingPathComponent(fileName)
        // Stage: the bytes exist before the ledger mentions them.
        let stagedPayload = staged(id, fileName)
        try FileManager.default.createDirectory(at: stagedPayload.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let manifest { try SecureFile.write(manifest, to: stagedPayload.path + ".manifest.json", mode: 0o644) }
        try SecureFile.write(payload, to: stagedPayload.path, mode: 0o644)
        FaultInjection.reached("feed-written")
        // Pending: recorded in one transaction.
        try record(final)
        FaultInjection.reached("batch-pending")
        // Deliver, then note it.
        try deliver(id: id, fileName: fileName, to: final)
        FaultInjection.reached("upload-done")
        try markDelivered(id)
        return final
    }

    /// What the clerk does next with a batch in the outbox.
    static func nextStep(_ id: String) -> String {
        "用 gongshi upload 发送，或在门户网页上传后运行 gongshi ledger confirm \(id)"
    }

    /// Moves a staged batch into the outbox: the manifest first, then the payload (whose arrival
    /// is what counts), each by rename; then removes the staging folder.
    private func deliver(id: String, fileName: String, to final: URL) throws(CommandFailure) {
        let payload = staged(id, fileName)
        do {
            try FileManager.default.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(status: ExitStatus.cantCreate, code: "outbox-unwritable", message: "无法创建待上传目录 \(final.deletingLastPathComponent().path)")
        }
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
        rmdir(stagingRoot.path)  // only when empty
    }

    private func markDelivered(_ id: String) throws(CommandFailure) {
        try CommandFailure.ledger { () throws(LedgerError) in try ledger.markDelivered(batch: id, at: LedgerClock.now()) }
    }

    /// The disclosure deadline for a decision date, or `nil` (no deadline in the profile, no date,
    /// or a date the calendar does not cover).
    private func dueDate(_ decision: String?) -> String? {
        guard let days = profile.deadlineWorkingDays, let decision, let date = try? CalendarDate.parse(decision),
            let calendar, let due = try? calendar.deadline(after: date, workingDays: days)
        else { return nil }
        return due.description
    }

    /// A date as the ledger stores it, `YYYY-MM-DD` (records may write `YYYY/MM/DD`).
    static func isoDate(_ text: String?) -> String? {
        guard let text else { return nil }
        return (try? CalendarDate.parse(text))?.description ?? text
    }

    /// Whether the file at `path` exists with exactly these bytes.
    static func holds(_ path: String, sha256: String) -> Bool {
        Digest.fingerprint(path: path)?.sha256 == sha256
    }
}

/// A portal's receipt saved beside a feed file as `<file>.receipt`.
enum ReceiptFile {
    static let suffix = ".receipt"
    /// Receipts above this size are recorded by hash only.
    static let textLimit = 16 * 1024

    static func read(besides feedPath: String) throws(CommandFailure) -> (path: String, receipt: Receipt)? {
        let path = feedPath + suffix
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return (path, try read(path))
    }

    static func read(_ path: String) throws(CommandFailure) -> Receipt {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(status: ExitStatus.noInput, code: "receipt-unreadable", message: "无法读取回执文件 \(path)")
        }
        let bytes = [UInt8](data)
        let text = bytes.count <= textLimit ? String(validating: bytes, as: UTF8.self) : nil
        return Receipt(text: text ?? "（\(bytes.count) 字节，非 UTF-8 文本或过大，只记录 SHA-256）", sha256: Digest.sha256Hex(bytes))
    }
}

/// The line for a confirmation, shared by reconcile and `ledger confirm`.
enum ConfirmMessage {
    static func line(_ outcome: ConfirmOutcome, batch: BatchInfo, source: String) -> String {
        switch outcome {
        case .confirmed(let records):
            "已确认：批次 \(batch.id)（\(batch.fileName)）\(records) 条记为\(batch.operation == .withdraw ? "已撤下" : "已公示")；依据：\(source)"
        case .alreadyConfirmed(let on): "批次 \(batch.id) 已于 \(on) 确认，不再重复登记"
        case .failedBatch: "批次 \(batch.id) 已标为失败，不能确认；其中记录会在下次运行时重新生成"
        case .unknownBatch: "台账中没有批次 \(batch.id)"
        }
    }
}
