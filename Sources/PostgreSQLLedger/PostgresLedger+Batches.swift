public import DisclosureCore
import PostgresSupport

// What the planner asks, and the life of a batch: pending, delivered, confirmed or failed.
extension PostgresLedger: PlanningLedger, BatchLedger {
    static let currentColumns = """
        record_key, content_sha256, status, batch_id, due_on, published_on, republish_on,
        EXISTS (SELECT 1 FROM withdrawal WHERE withdrawal.publication_id = publication.id),
        (SELECT reason FROM withdrawal WHERE withdrawal.publication_id = publication.id), record_sha256
        """

    /// The reasons of the withdrawals asked for the key's earlier publications on the feed, each
    /// once, joined by U+001F (NULL: none).
    static let earlierWithdrawals = """
        (SELECT string_agg(DISTINCT w.reason, chr(31)) FROM publication e JOIN withdrawal w ON w.publication_id = e.id
         WHERE e.portal = publication.portal AND e.feed = publication.feed AND e.record_key = publication.record_key
               AND e.id < publication.id)
        """

    static func current(_ row: Row) -> CurrentPublication {
        CurrentPublication(
            contentSHA256: row.string(1), status: PublicationStatus(rawValue: row.string(2)) ?? .pending, batchID: row.string(3),
            dueOn: row.text(4), publishedOn: row.text(5), republishedOn: row.text(6).flatMap { $0.isEmpty ? nil : $0 },
            withdrawalAsked: row.bool(7), withdrawalReason: row.text(8), recordSHA256: row.text(9))
    }

    public func forEachCurrentPublication(portal: String, feed: String, _ body: (String, CurrentPublication) throws -> Void) throws(LedgerError) {
        try read { link in
            try link.forEach(
                """
                SELECT \(Self.currentColumns), \(Self.earlierWithdrawals) FROM publication
                WHERE id IN (SELECT max(id) FROM publication WHERE portal = $1 AND feed = $2 AND status <> 'failed' GROUP BY record_key)
                ORDER BY record_key
                """, [.text(portal), .text(feed)]
            ) { row in
                var current = Self.current(row)
                current.earlierWithdrawals = row.text(10).map { $0.split(separator: "\u{1F}").map(String.init) } ?? []
                try body(row.string(0), current)
            }
        }
    }

    public func currentPublications(portal: String, feed: String, keys: some Collection<String>) throws(LedgerError) -> [String: CurrentPublication] {
        guard !keys.isEmpty else { return [:] }
        let list = Array(keys)
        return try ask { link in
            var current: [String: CurrentPublication] = [:]
            for row in try link.rows(
                """
                SELECT \(Self.currentColumns) FROM publication
                WHERE portal = $1 AND feed = $2 AND status <> 'failed' AND record_key = ANY($3::text[]) ORDER BY id
                """, [.text(portal), .text(feed), .column(list)])
            {
                // The key's publications come in order: the latest carries the earlier ones' withdrawals.
                let publication = Self.current(row)
                current[row.string(0)] = current[row.string(0)].map { publication.following($0) } ?? publication
            }
            return current
        }
    }

    /// Empty or not known: the server's order of text is its collation's, not the keys' bytes, so
    /// no span is given, only whether the feed has any publication at all.
    public func publicationKeySpan(portal: String, feed: String) throws(LedgerError) -> PublicationKeySpan {
        try ask { link in
            try link.one("SELECT 1 FROM publication WHERE portal = $1 AND feed = $2 LIMIT 1", [.text(portal), .text(feed)]) == nil
                ? .empty : .unknown
        }
    }

    public func recordPending(_ batch: NewBatch, publications: [NewPublication], run: Int64) throws(LedgerError) {
        try write { link in
            // The same batch made again, or another that may hold a failed batch's records (its
            // other records planned again once one was withdrawn; a failed channel batch made again
            // under another id): a failed publication is taken up again, not refused.
            let again = try link.one("SELECT 1 FROM batch WHERE id = $1", [.text(batch.id)]) != nil
                || link.one(
                    """
                    SELECT 1 FROM batch b JOIN publication p ON p.batch_id = b.id AND p.status = 'failed'
                    WHERE b.status = 'failed' AND b.portal = $1 AND b.feed = $2 LIMIT 1
                    """,
                    [.text(batch.portal), .text(batch.feed)]) != nil
            try Self.upsertBatch(link, batch, operation: batch.operation, run: run)
            let republishOn = batch.operation == .republish ? batch.createdOn : ""
            grew("publication", by: publications.count, part: batch.portal + "/" + batch.feed)
            var offset = 0
            for chunk in Self.chunks(publications) {
                let sql = """
                    INSERT INTO publication (portal, feed, kind, record_key, content_sha256, previous_sha256, operation, republish_on,
                                             corrects_batch, batch_id, position, status, decision_date, due_on, subject_code, subject_name,
                                             schema_version, profile_version, decision_number, person_key, record_sha256)
                    SELECT $1, $2, $3, k, c, p, $4, $5, coalesce(cb, ''), $6, $7 + ord, 'pending', dd, due, sc, sn, sv, pv,
                           split_part(k, '|', 1), pk, rs
                    FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::integer[],
                                $16::integer[], $17::text[], $18::text[], $19::text[])
                         WITH ORDINALITY AS u(k, c, p, dd, due, sc, sn, sv, pv, cb, pk, rs, ord)
                    ORDER BY ord
                    """ + (again ? """
                     ON CONFLICT (portal, feed, record_key, content_sha256, operation, republish_on, corrects_batch)
                    DO UPDATE SET status = 'pending', batch_id = excluded.batch_id, position = excluded.position, reason = NULL,
                        record_sha256 = excluded.record_sha256
                    WHERE publication.status = 'failed'
                    """ : "")
                // A refused statement aborts PostgreSQL's transaction: the savepoint lets the
                // ledger be asked afterwards which publication was already there.
                try link.execute("SAVEPOINT publications")
                // The positions written: an upsert skips a publication that is not failed.
                let written: [Row]
                do {
                    written = try link.rows(
                        sql + " RETURNING position",
                        [
                            .text(batch.portal), .text(batch.feed), .text(batch.kind), .text(batch.operation.rawValue), .text(republishOn),
                            .text(batch.id), .int(offset), .column(chunk.map(\.key)), .column(chunk.map(\.contentSHA256)),
                            .column(chunk.map(\.previousSHA256)), .column(chunk.map(\.decisionDate)), .column(chunk.map(\.dueOn)),
                            .column(chunk.map(\.subjectCode)), .column(chunk.map(\.subjectName)), .ints(chunk.map(\.schemaVersion)),
                            .ints(chunk.map(\.profileVersion)), .column(chunk.map(\.correctsBatch)), .column(chunk.map(\.personKey)),
                            .column(chunk.map { $0.recordSHA256?.lowercased() }),
                        ])
                } catch where ["23505", "21000"].contains(PostgresErrorText.state(error) ?? "") {
                    try link.execute("ROLLBACK TO SAVEPOINT publications")
                    throw try Self.alreadyRecorded(link, batch, chunk)
                }
                try link.execute("RELEASE SAVEPOINT publications")
                if written.count != chunk.count {
                    let positions = Set(written.compactMap { $0.int(0) })
                    let skipped = chunk.indices.first { !positions.contains(offset + ($0 - chunk.startIndex) + 1) } ?? chunk.startIndex
                    throw Self.alreadyRecorded(batch, chunk[skipped])
                }
                offset += chunk.count
            }
        }
    }

    /// Names the first publication of a refused `chunk` that the ledger already holds from another
    /// batch (the statement wrote none of its rows); when none is there, the batch holds one twice. (It named
    /// the chunk's first publication, whichever was there.)
    static func alreadyRecorded(_ link: Link, _ batch: NewBatch, _ chunk: ArraySlice<NewPublication>) throws -> LedgerError {
        let there = try link.one(
            """
            SELECT min(u.ord) FROM unnest($1::text[], $2::text[], $8::text[]) WITH ORDINALITY AS u(k, c, cb, ord)
            JOIN publication p ON p.portal = $3 AND p.feed = $4 AND p.record_key = u.k AND p.content_sha256 = u.c AND p.operation = $5
                              AND p.republish_on = $6 AND p.corrects_batch = coalesce(u.cb, '') AND p.batch_id <> $7
            """,
            [
                .column(chunk.map(\.key)), .column(chunk.map(\.contentSHA256)), .text(batch.portal), .text(batch.feed),
                .text(batch.operation.rawValue), .text(batch.operation == .republish ? batch.createdOn : ""), .text(batch.id),
                .column(chunk.map(\.correctsBatch)),
            ])?.int(0)
        guard let index = there.map({ chunk.startIndex + $0 - 1 }), chunk.indices.contains(index) else {
            // Not a publication that is there: the batch holds one twice; named by the batch.
            return .database("batch \(batch.id) on \(batch.portal)/\(batch.feed) holds a publication twice")
        }
        return alreadyRecorded(batch, chunk[index])
    }

    /// By its decision number only: a natural person's key also holds the name.
    static func alreadyRecorded(_ batch: NewBatch, _ publication: NewPublication) -> LedgerError {
        .database("publication of \(DecisionKey.number(publication.key)) on \(batch.portal)/\(batch.feed) is already recorded")
    }

    public func markDelivered(batch id: String, at instant: String) throws(LedgerError) {
        try write { link in
            try link.execute("UPDATE batch SET delivered_at = $1 WHERE id = $2 AND status = 'pending'", [.text(instant), .text(id)])
        }
    }

    public func recordOutboxStat(batch id: String, stat: String) throws(LedgerError) {
        try write { link in
            try link.execute("UPDATE batch SET outbox_stat = $1 WHERE id = $2 AND status = 'pending'", [.text(stat), .text(id)])
        }
    }

    public func confirm(batch id: String, receipt: Receipt?, on date: String) throws(LedgerError) -> ConfirmOutcome {
        try applyReceipt(batch: id, rejected: [:], receipt: receipt, on: date)
    }

    public func applyReceipt(batch id: String, rejected: [Int: String], receipt: Receipt?, on date: String) throws(LedgerError) -> ConfirmOutcome {
        try settle(batch: id, rejected: rejected, receipt: receipt, on: date, recording: nil)
    }

    public func confirm(batch id: String, receipt: Receipt?, on date: String, recording action: ActionRecord) throws(LedgerError) -> ConfirmOutcome {
        try settle(batch: id, rejected: [:], receipt: receipt, on: date, recording: action)
    }

    /// The batch published, by an update of its row only while it is pending (a second at once
    /// waits for the first's row lock, then finds it published): the rows it changed say whether
    /// this call confirmed it, and only then is `action` recorded, in the same transaction.
    func settle(
        batch id: String, rejected: [Int: String], receipt: Receipt?, on date: String, recording action: ActionRecord?
    ) throws(LedgerError) -> ConfirmOutcome {
        try write { link in
            let changed = try link.execute(
                """
                UPDATE batch SET status = 'published', confirmed_on = $1, receipt = $2, receipt_sha256 = $3,
                    delivered_at = coalesce(delivered_at, $1)
                WHERE id = $4 AND status = 'pending'
                """, [.text(date), .text(receipt?.text), .text(receipt?.sha256), .text(id)])
            guard changed == 1 else {
                guard let row = try link.one("SELECT status, confirmed_on FROM batch WHERE id = $1", [.text(id)]) else {
                    return .unknownBatch
                }
                return row.string(0) == BatchStatus.published.rawValue ? .alreadyConfirmed(on: row.string(1)) : .failedBatch
            }
            if let action {
                try link.execute(
                    """
                    INSERT INTO run (command, today, started_at, finished_at, exit_code, pipeline, department)
                    VALUES ($1, $2, $3, $3, 0, $4, $5)
                    """, [.text(action.command), .text(action.today), .text(action.at), .text(action.pipeline), .text(action.department)])
            }
            for (position, reason) in rejected.sorted(by: { $0.key < $1.key }) {
                try link.execute(
                    "UPDATE publication SET status = 'rejected', reason = $1 WHERE batch_id = $2 AND position = $3 AND status = 'pending'",
                    [.text(reason), .text(id), .int(position)])
            }
            let published = try link.execute(
                "UPDATE publication SET status = 'published', published_on = $1 WHERE batch_id = $2 AND status = 'pending'",
                [.text(date), .text(id)])
            let withdrawn = try link.execute(
                """
                UPDATE publication SET status = 'withdrawn'
                WHERE id IN (SELECT publication_id FROM withdrawal WHERE batch_id = $1 AND status = 'pending')
                """, [.text(id)])
            try link.execute("UPDATE withdrawal SET status = 'done' WHERE batch_id = $1 AND status = 'pending'", [.text(id)])
            return .confirmed(records: published + withdrawn)
        }
    }

    @discardableResult
    public func fail(batch id: String, reason: String) throws(LedgerError) -> Bool {
        try write { link in
            guard try link.execute(
                "UPDATE batch SET status = 'failed', last_error = $1 WHERE id = $2 AND status = 'pending'", [.text(reason), .text(id)]) == 1
            else { return false }
            try link.execute("UPDATE publication SET status = 'failed' WHERE batch_id = $1 AND status = 'pending'", [.text(id)])
            try link.execute("UPDATE withdrawal SET status = 'failed' WHERE batch_id = $1 AND status = 'pending'", [.text(id)])
            // The files holding the latest version of the batch's records are read again by the next run.
            try link.execute(
                """
                UPDATE source_file SET settled_run = NULL WHERE settled_run IS NOT NULL AND sha256 IN (
                    SELECT (SELECT q.source_sha256 FROM record q WHERE q.kind = p.kind AND q.record_key = p.record_key
                            ORDER BY q.first_run DESC, q.id DESC LIMIT 1)
                    FROM publication p WHERE p.batch_id = $1)
                """, [.text(id)])
            return true
        }
    }

    static let batchColumns = """
        id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, created_on, status, attempts, delivered_at,
        confirmed_on, last_error, outbox_stat
        """

    static func batchInfo(_ row: Row) -> BatchInfo {
        let recorded = NewBatch(
            id: row.string(0), portal: row.string(1), feed: row.string(2), kind: row.string(3),
            operation: BatchOperation(rawValue: row.string(4)) ?? .publish, fileName: row.string(5), outboxPath: row.string(6),
            payloadSHA256: row.string(7), records: row.int(8) ?? 0, createdOn: row.string(9))
        return BatchInfo(
            recorded: recorded, status: BatchStatus(rawValue: row.string(10)) ?? .pending, attempts: row.int(11) ?? 1,
            deliveredAt: row.text(12), confirmedOn: row.text(13), lastError: row.text(14), outboxStat: row.text(15))
    }

    public func batch(_ id: String) throws(LedgerError) -> BatchInfo? {
        try ask { link in try link.one("SELECT \(Self.batchColumns) FROM batch WHERE id = $1", [.text(id)]).map(Self.batchInfo) }
    }

    public func batchIDs(pipeline: String) throws(LedgerError) -> Set<String> {
        try ask { link in
            Set(try link.rows(
                "SELECT b.id FROM batch b JOIN run r ON r.id = b.created_run WHERE r.pipeline = $1 OR r.pipeline IS NULL", [.text(pipeline)]
            ).map { $0.string(0) })
        }
    }

    public func batches(portal: String?, status: BatchStatus?) throws(LedgerError) -> [BatchInfo] {
        try ask { link in
            try link.rows(
                """
                SELECT \(Self.batchColumns) FROM batch WHERE ($1::text IS NULL OR portal = $1) AND ($2::text IS NULL OR status = $2)
                ORDER BY created_on, seq
                """, [.text(portal), .text(status?.rawValue)]
            ).map(Self.batchInfo)
        }
    }

    /// Records a batch as pending; one that failed before and is made again (the same id) becomes
    /// pending again, one attempt more.
    static func upsertBatch(_ link: Link, _ batch: NewBatch, operation: BatchOperation, run: Int64) throws {
        // A failed batch made again: its failed attempt kept first (``BatchFailure``).
        try link.execute(
            """
            INSERT INTO batch_failure (batch_id, attempt, file_name, outbox_path, created_on, reason)
            SELECT id, attempts, file_name, outbox_path, created_on, last_error FROM batch WHERE id = $1 AND status = 'failed'
            """,
            [.text(batch.id)])
        try link.execute(
            """
            INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status, created_run, created_on)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11)
            ON CONFLICT (id) DO UPDATE SET status = 'pending', attempts = batch.attempts + 1, last_error = NULL,
                file_name = excluded.file_name, outbox_path = excluded.outbox_path, created_on = excluded.created_on,
                delivered_at = NULL, outbox_stat = NULL
            WHERE batch.status = 'failed'
            """,
            [
                .text(batch.id), .text(batch.portal), .text(batch.feed), .text(batch.kind), .text(operation.rawValue), .text(batch.fileName),
                .text(batch.outboxPath), .text(batch.payloadSHA256), .int(batch.records), .int(Int(run)), .text(batch.createdOn),
            ])
    }
}
