public import DisclosureCore
internal import GRDB

// The life of a batch: pending, delivered, confirmed or failed.
extension Ledger {
    // MARK: Batches

    /// Records a batch and its publications as pending, in one transaction, before any byte is
    /// delivered. A batch that failed before and is made again from the same records (the same id)
    /// becomes pending again, one attempt more.
    public func recordPending(_ batch: NewBatch, publications: [NewPublication], run: Int64) throws(LedgerError) {
        try write { db in
            // A batch made for the first time inserts its publications plainly; only a batch made
            // again after it failed needs the upsert that revives its failed rows. (SQLite's upsert
            // costs about a third more per row than a plain insert: most of the nightly run's rows.)
            // The same batch made again, or another batch that may hold a failed batch's records
            // (its other records planned again once one was withdrawn; a failed channel batch made
            // again under another id): a failed publication is taken up again, not refused. (The
            // feed's failed batches that still hold a failed publication tell, by the small batch
            // table and the publications' index by batch and status: once every failed row is taken
            // up, the feed's batches are written many rows a statement again.)
            let again = try Bool.fetchOne(db, sql: "SELECT 1 FROM batch WHERE id = ?", arguments: [batch.id]) ?? false
                || Bool.fetchOne(
                    db,
                    sql: """
                        SELECT 1 FROM batch b JOIN publication p ON p.batch_no = b.no AND p.status_code = \(PublicationCode.failed)
                        WHERE b.status = 'failed' AND b.portal = ? AND b.feed = ? LIMIT 1
                        """,
                    arguments: [batch.portal, batch.feed]) ?? false
            try Self.upsertBatch(db, batch, operation: batch.operation, run: run)
            guard let batchNumber = try Int64.fetchOne(db, sql: "SELECT no FROM batch WHERE id = ?", arguments: [batch.id]) else {
                throw LedgerError.database("batch \(batch.id) was not recorded")
            }
            // 256 rows a statement (``RowsInsert``) on a batch's first recording, a plain insert,
            // which writes every row or (refused) none; one row a statement when the batch is made
            // again, where the upsert may skip a row and each must be known.
            let insert = try RowsInsert(
                db,
                head: """
                    INSERT INTO publication (portal_id, feed_id, kind_id, record_key, content_sha256, previous_sha256, operation_code,
                                             republish_on, corrects_batch, batch_no, position, status_code, decision_date, due_on,
                                             subject_code, subject_name, schema_version, profile_version, decision_number, person_key,
                                             record_sha256)
                    """,
                row: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \(PublicationCode.pending), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                tail: again
                    ? """
                    ON CONFLICT (portal_id, feed_id, record_key, content_sha256, operation_code, republish_on, corrects_batch)
                    DO UPDATE SET status_code = \(PublicationCode.pending), batch_no = excluded.batch_no, position = excluded.position,
                        reason = NULL, record_sha256 = excluded.record_sha256
                    WHERE publication.status_code = \(PublicationCode.failed)
                    """ : "",
                rowsPerStatement: again ? 1 : RowsInsert.rowsPerStatement)
            var texts = TextValues(db)
            let (portal, feed, kind) = (try texts.number(batch.portal), try texts.number(batch.feed), try texts.number(batch.kind))
            let republishOn = batch.operation == .republish ? batch.createdOn : ""
            let operation = PublicationCode.code(batch.operation)
            // A publication already recorded (not a failed one sent again) stops the batch, named
            // by its decision number (a natural person's key also holds the name).
            func already(_ offset: Int) -> LedgerError {
                .database("publication of \(DecisionKey.number(publications[offset].key)) on \(batch.portal)/\(batch.feed) is already recorded")
            }
            // The first of a refused statement's rows that the ledger already holds from another
            // batch (the statement wrote none of its rows); nil when none is: the batch holds the same
            // publication twice.
            func recorded(among rows: Range<Int>) throws -> Int? {
                let holds = try db.makeStatement(
                    sql: """
                        SELECT 1 FROM publication WHERE portal_id = ? AND feed_id = ? AND record_key = ?
                        AND \(SHA256Bytes.hex(of: "content_sha256")) = ? AND operation_code = ? AND republish_on = ?
                        AND corrects_batch = ? AND batch_no <> ?
                        """)
                for offset in rows {
                    let arguments: StatementArguments = [
                        portal, feed, publications[offset].key, publications[offset].contentSHA256.lowercased(), operation,
                        republishOn, publications[offset].correctsBatch ?? "", batchNumber,
                    ]
                    if try Bool.fetchOne(holds, arguments: arguments) ?? false { return offset }
                }
                return nil
            }
            // By index: a copy of each publication (`enumerated()`) retained and released its
            // eight strings, a tenth of this loop's time outside SQLite.
            try insert.run(publications.indices) { offset, bind in
                bind(
                    portal, feed, kind, publications[offset].key, StoredHash(hex: publications[offset].contentSHA256),
                    publications[offset].previousSHA256.map(StoredHash.init), operation, republishOn,
                    publications[offset].correctsBatch ?? "", batchNumber,
                    offset + 1, publications[offset].decisionDate, publications[offset].dueOn, publications[offset].subjectCode,
                    publications[offset].subjectName, publications[offset].schemaVersion, publications[offset].profileVersion,
                    DecisionKey.numberPart(publications[offset].key), publications[offset].personKey,
                    publications[offset].recordSHA256.map(StoredHash.init))
            } ran: { rows, changes in
                // Only an upsert, one row a statement, writes fewer rows than it was given.
                guard changes == rows.count else { throw already(rows.lowerBound) }
            } refused: { rows, error in
                guard error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE else { return }
                // Not a publication that is there: the batch holds one twice; named by the batch.
                throw try recorded(among: rows).map(already)
                    ?? .database("batch \(batch.id) on \(batch.portal)/\(batch.feed) holds a publication twice")
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

    public func recordOutboxStat(batch id: String, stat: String) throws(LedgerError) {
        try write { db in
            try db.execute(sql: "UPDATE batch SET outbox_stat = ? WHERE id = ? AND status = 'pending'", arguments: [stat, id])
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
        try settle(batch: id, rejected: rejected, receipt: receipt, on: date, recording: nil)
    }

    public func confirm(batch id: String, receipt: Receipt?, on date: String, recording action: ActionRecord) throws(LedgerError) -> ConfirmOutcome {
        try settle(batch: id, rejected: [:], receipt: receipt, on: date, recording: action)
    }

    /// The batch published (``applyReceipt(batch:rejected:receipt:on:)``), by an update of its row
    /// only while it is pending: the rows it changed say whether this call confirmed it, and only
    /// then is `action` recorded, in the same transaction.
    func settle(
        batch id: String, rejected: [Int: String], receipt: Receipt?, on date: String, recording action: ActionRecord?
    ) throws(LedgerError) -> ConfirmOutcome {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE batch SET status = 'published', confirmed_on = ?, receipt = ?, receipt_sha256 = ?,
                        delivered_at = coalesce(delivered_at, ?)
                    WHERE id = ? AND status = 'pending'
                    """,
                arguments: [date, receipt?.text, receipt?.sha256, date, id])
            guard db.changesCount == 1 else {
                guard let row = try Row.fetchOne(db, sql: "SELECT status, confirmed_on FROM batch WHERE id = ?", arguments: [id]) else {
                    return .unknownBatch
                }
                let status: String = row[0]
                return status == BatchStatus.published.rawValue ? .alreadyConfirmed(on: row[1] ?? "") : .failedBatch
            }
            if let action {
                try db.execute(
                    sql: """
                        INSERT INTO run (command, today, started_at, finished_at, exit_code, pipeline, department)
                        VALUES (?, ?, ?, ?, 0, ?, ?)
                        """,
                    arguments: [action.command, action.today, action.at, action.at, action.pipeline, action.department])
            }
            let reject = try db.makeStatement(
                sql: """
                    UPDATE publication SET status_code = \(PublicationCode.rejected), reason = ?
                    WHERE batch_no = \(BatchNumber.of("?")) AND position = ? AND status_code = \(PublicationCode.pending)
                    """)
            for (position, reason) in rejected.sorted(by: { $0.key < $1.key }) {
                try reject.execute(arguments: [reason, id, position])
            }
            try db.execute(
                sql: """
                    UPDATE publication SET status_code = \(PublicationCode.published), published_on = ?
                    WHERE batch_no = \(BatchNumber.of("?")) AND status_code = \(PublicationCode.pending)
                    """,
                arguments: [date, id])
            let published = db.changesCount
            // A withdrawal batch: its records are taken down.
            try db.execute(
                sql: """
                    UPDATE publication SET status_code = \(PublicationCode.withdrawn)
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
                sql: """
                    UPDATE publication SET status_code = \(PublicationCode.failed)
                    WHERE batch_no = \(BatchNumber.of("?")) AND status_code = \(PublicationCode.pending)
                    """,
                arguments: [id])
            try db.execute(sql: "UPDATE withdrawal SET status = 'failed' WHERE batch_id = ? AND status = 'pending'", arguments: [id])
            try Self.unsettleSources(of: id, db)
            return true
        }
    }

    /// The files holding the latest version of a failed batch's records are no longer settled: the
    /// next nightly run reads them again and plans the records anew (a failed batch is never re-sent
    /// as it was; its records go out in a new one).
    static func unsettleSources(of batch: String, _ db: Database) throws {
        try db.execute(
            sql: """
                UPDATE source_file SET settled_run = NULL WHERE settled_run IS NOT NULL AND sha256 IN (
                    SELECT (SELECT s.text FROM record q JOIN text_value s ON s.id = q.source
                            WHERE q.kind_id = p.kind_id AND q.record_key = p.record_key
                            ORDER BY q.first_run DESC, q.seq DESC LIMIT 1)
                    FROM publication p WHERE p.batch_no = \(BatchNumber.of("?")))
                """,
            arguments: [batch])
    }

    public func batch(_ id: String) throws(LedgerError) -> BatchInfo? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM batch WHERE id = ?", arguments: [id]).map(Self.batchInfo)
        }
    }

    public func batchIDs(pipeline: String) throws(LedgerError) -> Set<String> {
        try read { db in
            Set(try String.fetchAll(
                db, sql: "SELECT b.id FROM batch b JOIN run r ON r.id = b.created_run WHERE r.pipeline = ? OR r.pipeline IS NULL",
                arguments: [pipeline]))
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

    /// Records a batch as pending; one that failed before and is made again (the same id) becomes
    /// pending again, one attempt more. Feed batches and withdrawal batches alike.
    static func upsertBatch(_ db: Database, _ batch: NewBatch, operation: BatchOperation, run: Int64) throws {
        // A failed batch made again: its failed attempt kept first (``BatchFailure``).
        try db.execute(
            sql: """
                INSERT INTO batch_failure (batch_id, attempt, file_name, outbox_path, created_on, reason)
                SELECT id, attempts, file_name, outbox_path, created_on, last_error FROM batch WHERE id = ? AND status = 'failed'
                """,
            arguments: [batch.id])
        try db.execute(
            sql: """
                INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records,
                                   status, created_run, created_on)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                ON CONFLICT (id) DO UPDATE SET status = 'pending', attempts = attempts + 1, last_error = NULL,
                    file_name = excluded.file_name, outbox_path = excluded.outbox_path, created_on = excluded.created_on,
                    delivered_at = NULL, outbox_stat = NULL
                WHERE batch.status = 'failed'
                """,
            arguments: [
                batch.id, batch.portal, batch.feed, batch.kind, operation.rawValue, batch.fileName,
                batch.outboxPath, batch.payloadSHA256, batch.records, run, batch.createdOn,
            ])
    }
}
