public import DisclosureCore
internal import GRDB

extension Ledger {
    /// The rows of a report for `from…to` (inclusive, `YYYY-MM-DD`), each list at most `limit` long.
    public func reportRows(from: String, to: String, limit: Int, pipelines: Set<String>? = nil) throws(LedgerError) -> ReportRows {
        // The pipelines as one argument (?4), each between unit separators: `instr` finds one
        // (no list of placeholders made per call); NULL keeps every pipeline.
        let only = pipelines.map { "\u{1F}" + $0.sorted().joined(separator: "\u{1F}") + "\u{1F}" }
        func kept(_ column: String) -> String { "(?4 IS NULL OR instr(?4, char(31) || \(column) || char(31)) > 0)" }
        return try read { db in
            var rows = ReportRows()
            let period: StatementArguments = [from, to]
            // (?3 the limit, ?4 the pipelines: every question that names ?4 is given all four.)
            let scoped: StatementArguments = [from, to, limit, only]
            rows.intake = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.pipeline, substr(r.today, 1, 7) AS month, count(*), sum(f.failed), sum(f.records), sum(f.valid),
                           sum(f.invalid), sum(f.skipped), sum(f.incomplete), sum(coalesce(f.unidentifiable, 0))
                    FROM source_file f JOIN run r ON r.id = f.first_run
                    WHERE r.today BETWEEN ?1 AND ?2 AND f.records IS NOT NULL
                    GROUP BY r.pipeline, month ORDER BY r.pipeline, month
                    """,
                arguments: period
            ).map { row in
                var intake = IntakeRow(
                    pipeline: row[0], month: row[1], files: row[2], failedFiles: row[3], records: row[4], valid: row[5], invalid: row[6],
                    skipped: row[7], incomplete: row[8])
                intake.unidentifiable = row[9]
                return intake
            }
            let problemSQL = """
                FROM problem p JOIN source_file f ON f.sha256 = p.sha256 AND f.place = p.place JOIN run r ON r.id = f.first_run
                WHERE r.today BETWEEN ?1 AND ?2 AND p.severity = 'error' AND \(kept("r.pipeline"))
                """
            rows.problemsTotal = try Int.fetchOne(db, sql: "SELECT count(*) " + problemSQL, arguments: scoped) ?? 0
            rows.problems = try Row.fetchAll(
                db,
                sql: "SELECT r.pipeline, p.place, p.row, p.line, p.field, p.type, p.value, p.message " + problemSQL
                    + " ORDER BY r.pipeline, p.place, coalesce(p.row, p.line), p.id LIMIT ?3",
                arguments: scoped
            ).map { row in
                ProblemRow(
                    pipeline: row[0], file: row[1], row: row[2], line: row[3], field: row[4], type: row[5], value: row[6], message: row[7])
            }
            // Counted per batch first, then the few batches joined (a join per publication looked up
            // its batch by key 196,000 times for 200,000 records: 0.16 s against 0.10 s).
            rows.states = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.pipeline, s.status_code, sum(s.count) FROM (
                        SELECT batch_no, status_code, count(*) AS count FROM publication GROUP BY batch_no, status_code
                    ) s JOIN batch b ON b.no = s.batch_no JOIN run r ON r.id = b.created_run
                    WHERE b.created_on BETWEEN ?1 AND ?2 GROUP BY r.pipeline, s.status_code
                    ORDER BY r.pipeline, \(PublicationCode.statusText(of: "s.status_code"))
                    """,
                arguments: period
            ).map { StateCount(pipeline: $0[0], status: PublicationCode.status($0[1]) ?? .pending, count: $0[2]) }
            let rejectedSQL = """
                FROM publication p JOIN batch b ON b.no = p.batch_no JOIN run r ON r.id = b.created_run
                WHERE p.status_code = \(PublicationCode.rejected) AND (p.decision_date BETWEEN ?1 AND ?2 OR b.created_on BETWEEN ?1 AND ?2)
                    AND \(kept("r.pipeline"))
                """
            rows.rejectionsTotal = try Int.fetchOne(db, sql: "SELECT count(*) " + rejectedSQL, arguments: scoped) ?? 0
            rows.rejections = try Row.fetchAll(
                db,
                sql: "SELECT r.pipeline, \(TextValues.text(of: "p.portal_id")), \(TextValues.text(of: "p.feed_id")), p.record_key, b.id, p.position, p.reason "
                    + rejectedSQL
                    + " ORDER BY p.id LIMIT ?3",
                arguments: scoped
            ).map { row in
                PublicationRow(
                    pipeline: row[0], portal: row[1], feed: row[2], key: row[3], batchID: row[4], position: row[5], rejectionReason: row[6])
            }
            let withdrawalSQL = """
                FROM withdrawal w JOIN publication p ON p.id = w.publication_id
                JOIN batch pb ON pb.no = p.batch_no JOIN run pr ON pr.id = pb.created_run
                LEFT JOIN batch wb ON wb.id = w.batch_id LEFT JOIN run wr ON wr.id = wb.created_run
                WHERE w.requested_on BETWEEN ?1 AND ?2 AND \(kept("coalesce(wr.pipeline, pr.pipeline)"))
                """
            rows.withdrawalsTotal = try Int.fetchOne(db, sql: "SELECT count(*) " + withdrawalSQL, arguments: scoped) ?? 0
            rows.withdrawals = try Row.fetchAll(
                db,
                sql: """
                    SELECT coalesce(wr.pipeline, pr.pipeline), \(TextValues.text(of: "p.portal_id")), \(TextValues.text(of: "p.feed_id")), p.record_key, w.reason, w.basis,
                           w.requested_on, w.status
                    \(withdrawalSQL) ORDER BY w.requested_on, w.id LIMIT ?3
                    """,
                arguments: scoped
            ).map { row in
                WithdrawalRow(
                    pipeline: row[0], portal: row[1], feed: row[2], key: row[3], reason: row[4], basis: row[5], requestedOn: row[6],
                    status: row[7])
            }
            return rows
        }
    }

    /// Hands over, one at a time and oldest deadline first, each record's first publication on each
    /// portal feed that was decided in `from…to`, or that still waits (not yet taken by the portal)
    /// whenever it was decided. Nothing is held: memory does not grow with the ledger.
    public func forEachFirstPublication(
        from: String, to: String, _ body: (FirstPublication) throws -> Void
    ) throws(LedgerError) {
        try read { db in
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT r.pipeline, \(TextValues.text(of: "p.portal_id")) AS portal_name, \(TextValues.text(of: "p.feed_id")) AS feed_name, p.record_key,
                           min(p.decision_date) AS decided, min(p.due_on) AS due,
                           min(CASE WHEN p.status_code IN (\(PublicationCode.published), \(PublicationCode.withdrawn)) THEN p.published_on END)
                               AS published,
                           max(p.status_code = \(PublicationCode.pending)) AS waiting
                    FROM publication p JOIN batch b ON b.no = p.batch_no JOIN run r ON r.id = b.created_run
                    WHERE p.operation_code = \(PublicationCode.publish)
                    GROUP BY p.portal_id, p.feed_id, p.record_key
                    HAVING decided BETWEEN ?1 AND ?2 OR (published IS NULL AND waiting)
                    ORDER BY due, p.record_key, portal_name, feed_name
                    """,
                arguments: [from, to])
            while let row = try cursor.next() {
                let decided: String? = row[4]
                try body(
                    FirstPublication(
                        pipeline: row[0], portal: row[1], feed: row[2], key: row[3], decisionDate: decided, dueOn: row[5],
                        publishedOn: row[6], decidedInPeriod: decided.map { $0 >= from && $0 <= to } ?? false))
            }
        }
    }
}
