import Foundation
import Glibc
internal import GRDB

/// The publication ledger: a SQLite file (through GRDB) that remembers every source file, record
/// version, batch, publication and withdrawal, so that each record is published exactly once.
///
/// The only place SQL exists. Every state change is one transaction; SQLite's `synchronous = FULL`
/// (its default) makes a committed change survive a crash or power loss. Writers hold a
/// ``LedgerLock`` first; readers need none.
public final class Ledger: Sendable {
    public let path: String
    private let queue: DatabaseQueue

    private init(path: String, queue: DatabaseQueue) {
        self.path = path
        self.queue = queue
    }

    /// Opens the ledger for writing, creating it (mode 0600) when absent, and applies the
    /// migrations this build knows and the file has not had yet.
    public static func open(path: String) throws(LedgerError) -> Ledger {
        let created = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if created >= 0 {
            fchmod(created, 0o600)  // whatever the umask
            close(created)
        } else if errno != EEXIST {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        let ledger = try connect(path: path, readonly: false)
        try ledger.migrate()
        return ledger
    }

    /// Opens an existing ledger read-only (status, history, 信用核查). A ledger that lacks a
    /// migration this build knows is ``LedgerError/outdated(path:)``: it must be migrated (a write)
    /// before it can be read.
    public static func openForReading(path: String) throws(LedgerError) -> Ledger {
        guard FileManager.default.fileExists(atPath: path) else { throw .missing(path: path) }
        let ledger = try connect(path: path, readonly: true)
        try ledger.checkVersion()
        let applied = try ledger.read { db in try LedgerMigrations.migrator.appliedIdentifiers(db) }
        guard applied.isSuperset(of: LedgerMigrations.migrator.migrations) else { throw .outdated(path: path) }
        return ledger
    }

    private static func connect(path: String, readonly: Bool) throws(LedgerError) -> Ledger {
        var configuration = Configuration()
        configuration.readonly = readonly
        configuration.foreignKeysEnabled = true
        // A reader that meets a writer's transaction waits for it instead of failing.
        configuration.busyMode = .timeout(10)
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return Ledger(path: path, queue: queue)
        } catch {
            throw .cannotOpen(path: path, reason: describe(error))
        }
    }

    /// The names of the migrations applied to this file, in order.
    public func appliedMigrations() throws(LedgerError) -> [String] {
        try read { db in try LedgerMigrations.migrator.appliedMigrations(db) }
    }

    private func migrate() throws(LedgerError) {
        try checkVersion()
        do {
            try LedgerMigrations.migrator.migrate(queue)
        } catch {
            throw .cannotOpen(path: path, reason: Self.describe(error))
        }
    }

    /// Refuses a file with migrations this build does not know: a newer gongshi wrote it, and an
    /// older one must not guess at its tables.
    private func checkVersion() throws(LedgerError) {
        let (applied, isLedger) = try read { db -> (Set<String>, Bool) in
            let tables = try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            let applied = try LedgerMigrations.migrator.appliedIdentifiers(db)
            return (applied, tables.isEmpty || tables.contains("grdb_migrations"))
        }
        guard isLedger else { throw .cannotOpen(path: path, reason: "not a gongshi ledger (no migration table)") }
        let unknown = applied.subtracting(LedgerMigrations.migrator.migrations).sorted()
        if !unknown.isEmpty { throw .newerVersion(path: path, unknown: unknown) }
    }

    // MARK: Runs and sources

    /// Records the start of a command that writes to the ledger; returns the run id.
    public func beginRun(
        command: String, today: String, startedAt: String, pipeline: String? = nil, department: String? = nil
    ) throws(LedgerError) -> Int64 {
        try write { db in
            try db.execute(
                sql: "INSERT INTO run (command, today, started_at, pipeline, department) VALUES (?, ?, ?, ?, ?)",
                arguments: [command, today, startedAt, pipeline, department])
            return db.lastInsertedRowID
        }
    }

    public func finishRun(_ run: Int64, exitCode: Int32, finishedAt: String) throws(LedgerError) {
        try write { db in
            try db.execute(
                sql: "UPDATE run SET finished_at = ?, exit_code = ? WHERE id = ?", arguments: [finishedAt, exitCode, run])
        }
    }

    /// Records the source files and record versions a run read, in one transaction.
    public func recordInputs(_ files: [SourceFingerprint], records: [RecordVersion], run: Int64) throws(LedgerError) {
        try write { db in
            for file in files {
                try db.execute(
                    sql: """
                        INSERT INTO source_file (sha256, size, place, first_run, last_run) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (sha256, place) DO UPDATE SET last_run = excluded.last_run
                        """,
                    arguments: [file.sha256, file.size, file.place, run, run])
            }
            let insert = try db.makeStatement(
                sql: """
                    INSERT OR IGNORE INTO record (kind, record_key, content_sha256, decision_date, source_sha256, source_row, first_run,
                                                  severity, severity_reason, regime, repair_from, expires_on)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for record in records {
                try insert.execute(arguments: [
                    record.kind, record.key, record.contentSHA256, record.decisionDate, record.sourceSHA256, record.sourceRow, run,
                    record.period?.severity, record.period?.severityReason, record.period?.regime, record.period?.repairFrom,
                    record.period?.expiresOn,
                ])
            }
        }
    }

    /// Records what a source file held (its counts and its problems), replacing what an earlier
    /// reading of the same bytes recorded; the file keeps the run that first read it.
    public func recordIntake(
        _ file: SourceFingerprint, counts: IntakeCounts, problems: [StoredProblem], run: Int64
    ) throws(LedgerError) {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO source_file (sha256, size, place, first_run, last_run, records, valid, invalid, skipped, incomplete, failed)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (sha256, place) DO UPDATE SET last_run = excluded.last_run, records = excluded.records,
                        valid = excluded.valid, invalid = excluded.invalid, skipped = excluded.skipped,
                        incomplete = excluded.incomplete, failed = excluded.failed
                    """,
                arguments: [
                    file.sha256, file.size, file.place, run, run, counts.records, counts.valid, counts.invalid, counts.skipped,
                    counts.incomplete, counts.failed ? 1 : 0,
                ])
            try db.execute(sql: "DELETE FROM problem WHERE sha256 = ? AND place = ?", arguments: [file.sha256, file.place])
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO problem (sha256, place, row, line, field, type, severity, value, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for problem in problems {
                try insert.execute(arguments: [
                    file.sha256, file.place, problem.row, problem.line, problem.field, problem.type,
                    problem.isWarning ? "warning" : "error", problem.value, problem.message,
                ])
            }
        }
    }

    /// Marks source files settled: everything in them was planned and recorded by `run`.
    public func settle(_ files: [SourceFingerprint], run: Int64) throws(LedgerError) {
        try write { db in
            for file in files {
                try db.execute(
                    sql: "UPDATE source_file SET settled_run = ? WHERE sha256 = ? AND place = ?", arguments: [run, file.sha256, file.place])
            }
        }
    }

    /// Whether this file, with these bytes, was settled by an earlier run.
    public func isSettled(_ file: SourceFingerprint) throws(LedgerError) -> Bool {
        try read { db in
            try Bool.fetchOne(
                db, sql: "SELECT settled_run IS NOT NULL FROM source_file WHERE sha256 = ? AND place = ?",
                arguments: [file.sha256, file.place]) ?? false
        }
    }

    // MARK: Planning

    /// The latest publication that did not fail, of each key on a portal feed, one key at a time
    /// in key order, without holding the feed: for counting (the nightly disclosure status of every record).
    public func forEachCurrentPublication(
        portal: String, feed: String, _ body: (String, CurrentPublication) throws -> Void
    ) throws(LedgerError) {
        try read { db in
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT record_key, content_sha256, status, batch_id, due_on, published_on FROM publication
                    WHERE id IN (SELECT max(id) FROM publication WHERE portal = ? AND feed = ? AND status <> 'failed' GROUP BY record_key)
                    ORDER BY record_key
                    """,
                arguments: [portal, feed])
            while let row = try cursor.next() {
                try body(
                    row[0],
                    CurrentPublication(
                        contentSHA256: row[1], status: PublicationStatus(rawValue: row[2]) ?? .pending, batchID: row[3], dueOn: row[4],
                        publishedOn: row[5]))
            }
        }
    }

    /// The latest publication that did not fail, of some keys on a portal feed (a planner walking
    /// a feed's sorted rows a chunk at a time, so that it never holds the whole feed's state).
    public func currentPublications(portal: String, feed: String, keys: some Collection<String>) throws(LedgerError)
        -> [String: CurrentPublication]
    {
        guard !keys.isEmpty else { return [:] }
        return try read { db in
            let marks = Array(repeating: "?", count: keys.count).joined(separator: ", ")
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT record_key, content_sha256, status, batch_id, due_on, published_on FROM publication
                    WHERE portal = ? AND feed = ? AND status <> 'failed' AND record_key IN (\(marks)) ORDER BY id
                    """,
                arguments: StatementArguments([portal, feed] + Array(keys)))
            var current: [String: CurrentPublication] = [:]
            for row in rows {
                current[row[0]] = CurrentPublication(
                    contentSHA256: row[1], status: PublicationStatus(rawValue: row[2]) ?? .pending, batchID: row[3], dueOn: row[4],
                    publishedOn: row[5])
            }
            return current
        }
    }

    // MARK: Batches

    /// Records a batch and its publications as pending, in one transaction, before any byte is
    /// delivered. A batch that failed before and is made again from the same records (the same id)
    /// becomes pending again, one attempt more.
    public func recordPending(_ batch: NewBatch, publications: [NewPublication], run: Int64) throws(LedgerError) {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records,
                                       status, created_run, created_on)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                    ON CONFLICT (id) DO UPDATE SET status = 'pending', attempts = attempts + 1, last_error = NULL,
                        outbox_path = excluded.outbox_path, delivered_at = NULL
                    WHERE batch.status = 'failed'
                    """,
                arguments: [
                    batch.id, batch.portal, batch.feed, batch.kind, batch.operation.rawValue, batch.fileName,
                    batch.outboxPath, batch.payloadSHA256, batch.records, run, batch.createdOn,
                ])
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO publication (portal, feed, kind, record_key, content_sha256, previous_sha256, operation,
                                             republish_on, batch_id, position, status, decision_date, due_on, subject_code,
                                             subject_name, schema_version, profile_version)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (portal, feed, record_key, content_sha256, operation, republish_on)
                    DO UPDATE SET status = 'pending', batch_id = excluded.batch_id, position = excluded.position, reason = NULL
                    WHERE publication.status = 'failed'
                    """)
            for (offset, publication) in publications.enumerated() {
                try insert.execute(arguments: [
                    batch.portal, batch.feed, batch.kind, publication.key, publication.contentSHA256,
                    publication.previousSHA256, batch.operation.rawValue, batch.operation == .republish ? batch.createdOn : "",
                    batch.id, offset + 1, publication.decisionDate,
                    publication.dueOn, publication.subjectCode, publication.subjectName, publication.schemaVersion,
                    publication.profileVersion,
                ])
                guard db.changesCount == 1 else {
                    throw LedgerError.database("publication of \(publication.key) on \(batch.portal)/\(batch.feed) is already recorded")
                }
            }
        }
    }

    /// Notes that the batch's file reached its destination (the outbox folder, a portal); it stays
    /// pending until the portal's receipt is recorded.
    public func markDelivered(batch id: String, at instant: String) throws(LedgerError) {
        try write { db in
            try db.execute(
                sql: "UPDATE batch SET delivered_at = ? WHERE id = ? AND status = 'pending'", arguments: [instant, id])
        }
    }

    /// Records the portal's receipt: the batch and its records become published, in one transaction.
    /// Confirming a published batch again changes nothing.
    public func confirm(batch id: String, receipt: Receipt?, on date: String) throws(LedgerError) -> ConfirmOutcome {
        try applyReceipt(batch: id, rejected: [:], receipt: receipt, on: date)
    }

    /// Records a portal's per-record receipt: each record of the batch published or rejected
    /// (with the reason), the batch published; one transaction. A batch already published is left
    /// alone (the receipt of a batch is the same every time it is asked for).
    ///
    /// - Parameter rejected: reasons by 1-based position in the payload; every other position is accepted.
    public func applyReceipt(
        batch id: String, rejected: [Int: String], receipt: Receipt?, on date: String
    ) throws(LedgerError) -> ConfirmOutcome {
        try write { db in
            guard let status = try String.fetchOne(db, sql: "SELECT status FROM batch WHERE id = ?", arguments: [id]) else {
                return .unknownBatch
            }
            guard status == BatchStatus.pending.rawValue else {
                if status == BatchStatus.published.rawValue {
                    let on = try String.fetchOne(db, sql: "SELECT confirmed_on FROM batch WHERE id = ?", arguments: [id])
                    return .alreadyConfirmed(on: on ?? "")
                }
                return .failedBatch
            }
            try db.execute(
                sql: """
                    UPDATE batch SET status = 'published', confirmed_on = ?, receipt = ?, receipt_sha256 = ?,
                        delivered_at = coalesce(delivered_at, ?)
                    WHERE id = ?
                    """,
                arguments: [date, receipt?.text, receipt?.sha256, date, id])
            let reject = try db.makeStatement(
                sql: "UPDATE publication SET status = 'rejected', reason = ? WHERE batch_id = ? AND position = ? AND status = 'pending'")
            for (position, reason) in rejected.sorted(by: { $0.key < $1.key }) {
                try reject.execute(arguments: [reason, id, position])
            }
            try db.execute(
                sql: "UPDATE publication SET status = 'published', published_on = ? WHERE batch_id = ? AND status = 'pending'",
                arguments: [date, id])
            let published = db.changesCount
            // A withdrawal batch: its records are taken down.
            try db.execute(
                sql: """
                    UPDATE publication SET status = 'withdrawn'
                    WHERE id IN (SELECT publication_id FROM withdrawal WHERE batch_id = ? AND status = 'pending')
                    """,
                arguments: [id])
            let withdrawn = db.changesCount
            try db.execute(sql: "UPDATE withdrawal SET status = 'done' WHERE batch_id = ? AND status = 'pending'", arguments: [id])
            return .confirmed(records: published + withdrawn)
        }
    }

    /// Records that a pending batch failed as a whole (the portal refused the file, or its bytes
    /// are lost): its records are no longer pending, so the next run plans them again.
    @discardableResult
    public func fail(batch id: String, reason: String) throws(LedgerError) -> Bool {
        try write { db in
            try db.execute(
                sql: "UPDATE batch SET status = 'failed', last_error = ? WHERE id = ? AND status = 'pending'",
                arguments: [reason, id])
            guard db.changesCount == 1 else { return false }
            try db.execute(
                sql: "UPDATE publication SET status = 'failed' WHERE batch_id = ? AND status = 'pending'", arguments: [id])
            try db.execute(sql: "UPDATE withdrawal SET status = 'failed' WHERE batch_id = ? AND status = 'pending'", arguments: [id])
            return true
        }
    }

    /// Records a withdrawal batch as pending, before its file is delivered: the batch and one
    /// withdrawal per record, in one transaction. A record whose earlier withdrawal failed is asked
    /// for again; one already withdrawn or pending is refused (the caller plans only live ones).
    public func recordWithdrawalBatch(_ batch: NewBatch, items: [WithdrawalItem], run: Int64) throws(LedgerError) {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records,
                                       status, created_run, created_on)
                    VALUES (?, ?, ?, ?, 'withdraw', ?, ?, ?, ?, 'pending', ?, ?)
                    ON CONFLICT (id) DO UPDATE SET status = 'pending', attempts = attempts + 1, last_error = NULL,
                        outbox_path = excluded.outbox_path, delivered_at = NULL
                    WHERE batch.status = 'failed'
                    """,
                arguments: [
                    batch.id, batch.portal, batch.feed, batch.kind, batch.fileName, batch.outboxPath, batch.payloadSHA256,
                    batch.records, run, batch.createdOn,
                ])
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO withdrawal (publication_id, reason, basis, requested_on, batch_id, status)
                    SELECT id, ?, ?, ?, ?, 'pending' FROM publication WHERE batch_id = ? AND position = ? AND status = 'published'
                    ON CONFLICT (publication_id) DO UPDATE SET reason = excluded.reason, basis = excluded.basis,
                        requested_on = excluded.requested_on, batch_id = excluded.batch_id, status = 'pending'
                    WHERE withdrawal.status = 'failed' OR withdrawal.batch_id = excluded.batch_id
                    """)
            for item in items {
                try insert.execute(arguments: [item.reason, item.basis, batch.createdOn, batch.id, item.batchID, item.position])
                guard db.changesCount == 1 else {
                    throw LedgerError.database("record \(item.batchID)#\(item.position) is not published, or its withdrawal is already recorded")
                }
            }
        }
    }

    /// The records a withdrawal batch takes down, in its file's order.
    public func withdrawalItems(batch id: String) throws(LedgerError) -> [WithdrawalItem] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT p.batch_id, p.position, w.reason, w.basis FROM withdrawal w JOIN publication p ON p.id = w.publication_id
                    WHERE w.batch_id = ? ORDER BY w.id
                    """,
                arguments: [id]
            ).map { WithdrawalItem(batchID: $0[0], position: $0[1], reason: $0[2], basis: $0[3]) }
        }
    }

    /// Published records whose publication period has ended by `today` (their latest version's
    /// `expires_on`), with no withdrawal pending or done.
    public func expired(today: String, kind: String? = nil) throws(LedgerError) -> [PeriodEntry] {
        try periodEntries(
            condition: "r.expires_on <= ?1 AND (w.status IS NULL OR w.status = 'failed') AND (?3 IS NULL OR p.kind = ?3)", today: today,
            kind: kind)
    }

    /// Published records that may apply for 信用修复 (their minimum period reached by `today`) and
    /// are still published.
    ///
    /// - Parameter kind: only records of this kind (a schema id).
    public func repairEligible(today: String, kind: String? = nil, limit: Int? = nil) throws(LedgerError) -> [PeriodEntry] {
        try periodEntries(condition: Self.eligibleCondition + " AND (?3 IS NULL OR p.kind = ?3)", today: today, limit: limit, kind: kind)
    }

    /// How many records ``repairEligible(today:kind:limit:)`` would list without a limit.
    public func repairEligibleCount(today: String, kind: String? = nil) throws(LedgerError) -> Int {
        try read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) " + Self.periodFrom + " WHERE p.status = 'published' AND " + Self.eligibleCondition
                    + " AND (?2 IS NULL OR p.kind = ?2)",
                arguments: [today, kind]) ?? 0
        }
    }

    private static let eligibleCondition = "r.repair_from <= ?1 AND (r.expires_on IS NULL OR r.expires_on > ?1) AND w.status IS NULL"

    /// Published records with their latest record version (whose period they carry).
    private static let periodFrom = """
        FROM publication p JOIN batch b ON b.id = p.batch_id LEFT JOIN withdrawal w ON w.publication_id = p.id
        JOIN record r ON r.rowid = (SELECT rowid FROM record q WHERE q.kind = p.kind AND q.record_key = p.record_key
                                    ORDER BY first_run DESC, rowid DESC LIMIT 1)
        """

    private func periodEntries(condition: String, today: String, limit: Int? = nil, kind: String? = nil) throws(LedgerError) -> [PeriodEntry] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT p.portal, p.feed, p.kind, p.record_key, p.content_sha256, p.previous_sha256, p.operation, p.status,
                           p.batch_id, b.file_name, p.decision_date, p.due_on, p.published_on, p.subject_code, p.subject_name, w.reason,
                           p.position, p.reason, w.status, r.severity, r.regime, r.repair_from, r.expires_on
                    \(Self.periodFrom)
                    WHERE p.status = 'published' AND \(condition)
                    ORDER BY r.expires_on, p.record_key, p.portal, p.feed LIMIT ?2
                    """,
                arguments: [today, limit ?? -1, kind]
            ).map { row in
                PeriodEntry(publication: Self.entry(row), severity: row[19], regime: row[20], repairFrom: row[21], expiresOn: row[22])
            }
        }
    }

    public func batch(_ id: String) throws(LedgerError) -> BatchInfo? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM batch WHERE id = ?", arguments: [id]).map(Self.batchInfo)
        }
    }

    /// Batches, oldest first; `portal` and `status` narrow the list.
    public func batches(portal: String? = nil, status: BatchStatus? = nil) throws(LedgerError) -> [BatchInfo] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM batch WHERE (?1 IS NULL OR portal = ?1) AND (?2 IS NULL OR status = ?2)
                    ORDER BY created_on, rowid
                    """,
                arguments: [portal, status?.rawValue]
            ).map(Self.batchInfo)
        }
    }

    // MARK: Questions

    /// Counts by state, and the pending publications already past their due date.
    public func summary(today: String) throws(LedgerError) -> LedgerSummary {
        try read { db in
            var summary = LedgerSummary()
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM batch GROUP BY status") {
                if let status = BatchStatus(rawValue: row[0]) { summary.batches[status] = row[1] }
            }
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM publication GROUP BY status") {
                if let status = PublicationStatus(rawValue: row[0]) { summary.publications[status] = row[1] }
            }
            summary.awaitingConfirmation =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM batch WHERE status = 'pending' AND delivered_at IS NOT NULL") ?? 0
            summary.overdue = try Row.fetchAll(
                db, sql: Self.entrySQL + " WHERE p.status = 'pending' AND p.due_on < ? ORDER BY p.due_on, p.record_key",
                arguments: [today]
            ).map(Self.entry)
            summary.publishedLate =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM publication WHERE published_on IS NOT NULL AND published_on > due_on") ?? 0
            summary.pendingBatches = try Row.fetchAll(
                db, sql: "SELECT * FROM batch WHERE status = 'pending' ORDER BY created_on, rowid"
            ).map(Self.batchInfo)
            summary.failedBatches = try Row.fetchAll(
                db, sql: "SELECT * FROM batch WHERE status = 'failed' ORDER BY created_on, rowid"
            ).map(Self.batchInfo)
            return summary
        }
    }

    /// Every publication of one record, on every portal, in the order they were planned. `key` is
    /// the whole record key or its first part (the decision number alone: `文号` for `文号|名称`).
    public func history(key: String) throws(LedgerError) -> [PublicationEntry] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: Self.entrySQL + " WHERE p.record_key = ?1 OR substr(p.record_key, 1, length(?1) + 1) = ?1 || '|' ORDER BY p.id",
                arguments: [key]
            ).map(Self.entry)
        }
    }

    /// Every publication about one subject (by 统一社会信用代码), in the order they were planned.
    public func publications(subjectCode: String) throws(LedgerError) -> [PublicationEntry] {
        try read { db in
            try Row.fetchAll(db, sql: Self.entrySQL + " WHERE p.subject_code = ? ORDER BY p.id", arguments: [subjectCode])
                .map(Self.entry)
        }
    }

    /// The publications of one batch.
    public func publications(batch id: String) throws(LedgerError) -> [PublicationEntry] {
        try read { db in
            try Row.fetchAll(db, sql: Self.entrySQL + " WHERE p.batch_id = ? ORDER BY p.position", arguments: [id]).map(Self.entry)
        }
    }

    // MARK: Rows to values

    private static let entrySQL = """
        SELECT p.portal, p.feed, p.kind, p.record_key, p.content_sha256, p.previous_sha256, p.operation, p.status,
               p.batch_id, b.file_name, p.decision_date, p.due_on, p.published_on, p.subject_code, p.subject_name, w.reason,
               p.position, p.reason, w.status
        FROM publication p JOIN batch b ON b.id = p.batch_id LEFT JOIN withdrawal w ON w.publication_id = p.id
        """

    private static func entry(_ row: Row) -> PublicationEntry {
        PublicationEntry(
            portal: row[0], feed: row[1], kind: row[2], key: row[3], contentSHA256: row[4], previousSHA256: row[5],
            operation: BatchOperation(rawValue: row[6]) ?? .publish, status: PublicationStatus(rawValue: row[7]) ?? .pending,
            batchID: row[8], batchFile: row[9], decisionDate: row[10], dueOn: row[11], publishedOn: row[12],
            subjectCode: row[13], subjectName: row[14], withdrawalReason: row[15], withdrawalStatus: row[18], position: row[16],
            rejectionReason: row[17])
    }

    private static func batchInfo(_ row: Row) -> BatchInfo {
        let recorded = NewBatch(
            id: row["id"], portal: row["portal"], feed: row["feed"], kind: row["kind"],
            operation: BatchOperation(rawValue: row["operation"]) ?? .publish, fileName: row["file_name"],
            outboxPath: row["outbox_path"], payloadSHA256: row["payload_sha256"], records: row["records"],
            createdOn: row["created_on"])
        return BatchInfo(
            recorded: recorded, status: BatchStatus(rawValue: row["status"]) ?? .pending, attempts: row["attempts"],
            deliveredAt: row["delivered_at"], confirmedOn: row["confirmed_on"], lastError: row["last_error"])
    }

    // MARK: Access

    func read<T>(_ body: (Database) throws -> T) throws(LedgerError) -> T {
        do {
            return try queue.read(body)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw .database(Self.describe(error))
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(LedgerError) -> T {
        do {
            return try queue.write(body)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw .database(Self.describe(error))
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }
}
