public import DisclosureCore
internal import GRDB

// Questions: the summary, a record's history, a subject's publications, a batch's.
extension Ledger {
    // MARK: Questions

    /// Counts by state, and the pending publications already past their due date, of the batches
    /// made by the runs `filter` keeps.
    public func summary(today: String, filter: LedgerFilter = .all) throws(LedgerError) -> LedgerSummary {
        try read { db in
            // `b` is the batch; nothing to join when every run counts.
            let (batchCondition, arguments) = Self.runCondition(filter, batch: "b")
            let publications =
                filter.isAll
                ? "SELECT status_code, count(*) FROM publication GROUP BY status_code"
                : "SELECT p.status_code, count(*) FROM publication p JOIN batch b ON b.no = p.batch_no WHERE \(batchCondition) GROUP BY p.status_code"
            var summary = LedgerSummary()
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM batch b WHERE \(batchCondition) GROUP BY status", arguments: arguments) {
                if let status = BatchStatus(rawValue: row[0]) { summary.batches[status] = row[1] }
            }
            for row in try Row.fetchAll(db, sql: publications, arguments: filter.isAll ? [] : arguments) {
                if let status = PublicationCode.status(row[0]) { summary.publications[status] = row[1] }
            }
            summary.awaitingConfirmation =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM batch b WHERE status = 'pending' AND delivered_at IS NOT NULL AND \(batchCondition)",
                    arguments: arguments) ?? 0
            summary.publishedLate =
                try Int.fetchOne(
                    db,
                    sql: filter.isAll
                        ? "SELECT count(*) FROM publication WHERE published_on IS NOT NULL AND published_on > due_on"
                        : "SELECT count(*) FROM publication p JOIN batch b ON b.no = p.batch_no WHERE p.published_on IS NOT NULL AND p.published_on > p.due_on AND \(batchCondition)",
                    arguments: filter.isAll ? [] : arguments) ?? 0
            summary.pendingBatches = try Row.fetchAll(
                db, sql: "SELECT * FROM batch b WHERE status = 'pending' AND \(batchCondition) ORDER BY created_on, rowid", arguments: arguments
            ).map(Self.batchInfo)
            summary.failedBatches = try Row.fetchAll(
                db, sql: "SELECT * FROM batch b WHERE status = 'failed' AND \(batchCondition) ORDER BY created_on, rowid", arguments: arguments
            ).map(Self.batchInfo)
            summary.earlierFailures = try Row.fetchAll(
                db,
                sql: """
                    SELECT f.batch_id, b.portal, b.feed, f.attempt, f.file_name, f.outbox_path, f.created_on, f.reason
                    FROM batch_failure f JOIN batch b ON b.id = f.batch_id WHERE \(batchCondition) ORDER BY f.created_on, b.no, f.attempt
                    """,
                arguments: arguments
            ).map { row in
                BatchFailure(
                    batchID: row[0], portal: row[1], feed: row[2], attempt: row[3], fileName: row[4], outboxPath: row[5], createdOn: row[6],
                    reason: row[7])
            }
            return summary
        }
    }

    /// `batch` made by a run the filter keeps (`1` for every run), and its named arguments.
    static func runCondition(_ filter: LedgerFilter, batch: String) -> (String, StatementArguments) {
        guard !filter.isAll else { return ("1", [:]) }
        return (
            "\(batch).created_run IN (SELECT id FROM run WHERE (:pipeline IS NULL OR pipeline = :pipeline) AND (:department IS NULL OR department = :department))",
            ["pipeline": filter.pipeline, "department": filter.department]
        )
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

    /// Every publication about one subject (by 统一社会信用代码), in the order they were planned,
    /// made by the runs `filter` keeps.
    public func publications(subjectCode: String, filter: LedgerFilter = .all) throws(LedgerError) -> [PublicationEntry] {
        try read { db in
            let (condition, arguments) = Self.runCondition(filter, batch: "b")
            // The subject's publications that `publication_subject` holds, and those recorded since
            // it was last filled (a run that stopped before its end).
            return try Row.fetchAll(
                db,
                sql: Self.entrySQL + """
                     WHERE p.id IN (SELECT publication_id FROM publication_subject WHERE subject_code = :code
                                    UNION ALL
                                    SELECT id FROM publication WHERE id > (SELECT publication_id FROM subject_mark) AND subject_code = :code)
                       AND \(condition) ORDER BY p.id
                    """,
                arguments: arguments + ["code": subjectCode]
            ).map(Self.entry)
        }
    }

    /// Every publication on one portal feed of a natural person known by their key, in the order
    /// they were recorded.
    public func publications(personKey: String, portal: String, feed: String) throws(LedgerError) -> [PublicationEntry] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: Self.entrySQL + """
                     WHERE p.person_key = ?3 AND p.portal_id = \(TextValues.number(of: "?1")) AND p.feed_id = \(TextValues.number(of: "?2"))
                     ORDER BY p.id
                    """,
                arguments: [portal, feed, personKey]
            ).map(Self.entry)
        }
    }

    /// The publications of one batch.
    public func publications(batch id: String) throws(LedgerError) -> [PublicationEntry] {
        try read { db in
            try Row.fetchAll(db, sql: Self.entrySQL + " WHERE b.id = ? ORDER BY p.position", arguments: [id]).map(Self.entry)
        }
    }

    /// Hands over every row of one of the ledger's tables in `order`, each column read by its
    /// `sources` expression as text (a move into the shared ledger). Only the ledger's own tables.
    public func dump(table: String, sources: [String], order: String, _ body: ([String?]) throws -> Void) throws(LedgerError) {
        let tables: Set<String> = [
            "run", "source_file", "record", "batch", "batch_failure", "publication", "withdrawal", "problem", "decision", "decision_portal",
            "portal_period",
        ]
        guard tables.contains(table) else { throw .database("no ledger table \(table)") }
        try read { db in
            let columns = sources.map { "CAST(\($0) AS TEXT)" }.joined(separator: ", ")
            let cursor = try Row.fetchCursor(db, sql: "SELECT \(columns) FROM \(table) ORDER BY \(order)")
            while let row = try cursor.next() {
                try body((0..<sources.count).map { row[$0] as String? })
            }
        }
    }

    // MARK: Rows to values

    /// A publication `p` of batch `b` with its withdrawal `w`, as ``entry(_:)`` reads it; the
    /// portal's and feed's names are `portal_name` and `feed_name`, to order by.
    static let entryColumns = """
        \(TextValues.text(of: "p.portal_id")) AS portal_name, \(TextValues.text(of: "p.feed_id")) AS feed_name,
               \(TextValues.text(of: "p.kind_id")), p.record_key, \(SHA256Bytes.hex(of: "p.content_sha256")),
               \(SHA256Bytes.hex(of: "p.previous_sha256")), p.operation_code, p.status_code, b.id, b.file_name, p.decision_date, p.due_on,
               p.published_on, p.subject_code, p.subject_name, w.reason, p.position, p.reason, w.status
        """

    static let entrySQL = """
        SELECT \(entryColumns)
        FROM publication p JOIN batch b ON b.no = p.batch_no LEFT JOIN withdrawal w ON w.publication_id = p.id
        """

    static func entry(_ row: Row) -> PublicationEntry {
        PublicationEntry(
            portal: row[0], feed: row[1], kind: row[2], key: row[3], contentSHA256: row[4], previousSHA256: row[5],
            operation: PublicationCode.operation(row[6]) ?? .publish, status: PublicationCode.status(row[7]) ?? .pending,
            batchID: row[8], batchFile: row[9], decisionDate: row[10], dueOn: row[11], publishedOn: row[12],
            subjectCode: row[13], subjectName: row[14], withdrawalReason: row[15], withdrawalStatus: row[18], position: row[16],
            rejectionReason: row[17])
    }

    static func batchInfo(_ row: Row) -> BatchInfo {
        let recorded = NewBatch(
            id: row["id"], portal: row["portal"], feed: row["feed"], kind: row["kind"],
            operation: BatchOperation(rawValue: row["operation"]) ?? .publish, fileName: row["file_name"],
            outboxPath: row["outbox_path"], payloadSHA256: row["payload_sha256"], records: row["records"],
            createdOn: row["created_on"])
        return BatchInfo(
            recorded: recorded, status: BatchStatus(rawValue: row["status"]) ?? .pending, attempts: row["attempts"],
            deliveredAt: row["delivered_at"], confirmedOn: row["confirmed_on"], lastError: row["last_error"], outboxStat: row["outbox_stat"])
    }
}
