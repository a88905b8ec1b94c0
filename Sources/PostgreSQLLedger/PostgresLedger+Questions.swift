public import DisclosureCore

// Withdrawals and publication periods; questions (summary, history, a subject's publications);
// the report's rows (as `SQLiteLedger`'s Ledger+Withdrawals, +Questions, +Report).
extension PostgresLedger: WithdrawalLedger, ReportLedger, QuestionLedger {
    public func recordWithdrawalBatch(_ batch: NewBatch, items: [WithdrawalItem], run: Int64) throws(LedgerError) {
        try write { link in try Self.insertWithdrawalBatch(link, batch, items: items, run: run) }
    }

    /// The same under a run of its own, begun in the same (serializable) transaction — only if
    /// every record is published and has no withdrawal but a failed one: nil, and nothing written,
    /// when another withdrawal has been asked for since the caller read them. Two at once: the
    /// second's check or insert conflicts with the first's and is tried again, then finds it.
    public func recordWithdrawalBatch(_ batch: NewBatch, items: [WithdrawalItem], recording action: ActionRecord) throws(LedgerError) -> Int64? {
        try write { link in
            for item in items {
                guard
                    try link.one(
                        """
                        SELECT 1 FROM publication p LEFT JOIN withdrawal w ON w.publication_id = p.id
                        WHERE p.batch_id = $1 AND p.position = $2 AND p.status = 'published' AND (w.status IS NULL OR w.status = 'failed')
                        """, [.text(item.batchID), .int(item.position)]) != nil
                else { return nil }
            }
            let run = Int64(
                try link.one(
                    "INSERT INTO run (command, today, started_at, pipeline, department) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    [.text(action.command), .text(action.today), .text(action.at), .text(action.pipeline), .text(action.department)])?.int(0) ?? 0)
            try Self.insertWithdrawalBatch(link, batch, items: items, run: run)
            return run
        }
    }

    static func insertWithdrawalBatch(_ link: Link, _ batch: NewBatch, items: [WithdrawalItem], run: Int64) throws {
        try Self.upsertBatch(link, batch, operation: .withdraw, run: run)
        for item in items {
            let changed = try link.execute(
                """
                INSERT INTO withdrawal (publication_id, reason, basis, requested_on, batch_id, status)
                SELECT id, $1, $2, $3, $4, 'pending' FROM publication WHERE batch_id = $5 AND position = $6 AND status = 'published'
                ON CONFLICT (publication_id) DO UPDATE SET reason = excluded.reason, basis = excluded.basis,
                    requested_on = excluded.requested_on, batch_id = excluded.batch_id, status = 'pending'
                WHERE withdrawal.status = 'failed' OR withdrawal.batch_id = excluded.batch_id
                """,
                [.text(item.reason), .text(item.basis), .text(batch.createdOn), .text(batch.id), .text(item.batchID), .int(item.position)])
            guard changed == 1 else {
                throw LedgerError.database("record \(item.batchID)#\(item.position) is not published, or its withdrawal is already recorded")
            }
        }
    }

    public func period(kind: String, key: String) throws(LedgerError) -> RecordPeriod? {
        try ask { link in
            try link.one(
                """
                SELECT severity, severity_reason, regime, repair_from, expires_on FROM record WHERE kind = $1 AND record_key = $2
                ORDER BY first_run DESC, id DESC LIMIT 1
                """, [.text(kind), .text(key)]
            ).flatMap { row in
                row.text(0).map {
                    RecordPeriod(severity: $0, severityReason: row.text(1) ?? "", regime: row.text(2), repairFrom: row.text(3), expiresOn: row.text(4))
                }
            }
        }
    }

    public func periods(kind: String, key: String) throws(LedgerError) -> [PeriodEntry] {
        try ask { link in try Self.periodEntries(link, condition: "p.record_key = $1 AND p.kind = $2", [.text(key), .text(kind)]) }
    }

    /// Driven by the withdrawals, as the SQLite ledger's: each finds the key's other publications
    /// through the unique index on (portal, feed, key, …).
    public func shownAfterWithdrawal(kind: String?, exceptReasons: [String]) throws(LedgerError) -> [ShownAfterWithdrawal] {
        try ask { link in
            try link.rows(
                """
                SELECT \(Self.entryColumns), f.reason, f.basis, f.requested_on
                FROM publication p JOIN batch b ON b.id = p.batch_id LEFT JOIN withdrawal w ON w.publication_id = p.id
                JOIN withdrawal f ON f.id = (
                    SELECT min(x.id) FROM publication q JOIN withdrawal x ON x.publication_id = q.id
                    WHERE q.portal = p.portal AND q.feed = p.feed AND q.record_key = p.record_key AND q.id <> p.id
                          AND NOT x.reason = ANY($2::text[]))
                WHERE p.id IN (
                    SELECT s.id FROM withdrawal x JOIN publication q ON q.id = x.publication_id
                    JOIN publication s ON s.portal = q.portal AND s.feed = q.feed AND s.record_key = q.record_key AND s.id <> q.id
                    WHERE NOT x.reason = ANY($2::text[]) AND s.status = 'published')
                  AND p.status = 'published' AND (w.status IS NULL OR w.status = 'failed') AND ($1::text IS NULL OR p.kind = $1)
                ORDER BY p.id
                """, [.text(kind), .column(exceptReasons)]
            ).map { row in ShownAfterWithdrawal(publication: Self.entry(row), reason: row.string(19), basis: row.text(20), requestedOn: row.string(21)) }
        }
    }

    public func withdrawalItems(batch id: String) throws(LedgerError) -> [WithdrawalItem] {
        try ask { link in
            try link.rows(
                """
                SELECT p.batch_id, p.position, w.reason, w.basis FROM withdrawal w JOIN publication p ON p.id = w.publication_id
                WHERE w.batch_id = $1 ORDER BY w.id
                """, [.text(id)]
            ).map { WithdrawalItem(batchID: $0.string(0), position: $0.int(1) ?? 0, reason: $0.string(2), basis: $0.text(3)) }
        }
    }

    public func expired(today: String, kind: String?) throws(LedgerError) -> [PeriodEntry] {
        try periodEntries(
            condition: "\(Self.endsOn) <= $1 AND (w.status IS NULL OR w.status = 'failed') AND ($3::text IS NULL OR p.kind = $3)",
            today: today, kind: kind)
    }

    /// One entry for a record on a portal's feed, its latest publication there that may apply
    /// (a record published, corrected and published again has several live ones).
    public func repairEligible(today: String, kind: String?, limit: Int?) throws(LedgerError) -> [PeriodEntry] {
        try periodEntries(condition: "p.id IN (SELECT max(p.id) \(Self.eligibleFrom(kind: "$3")))", today: today, limit: limit, kind: kind)
    }

    public func repairEligibleCount(today: String, kind: String?) throws(LedgerError) -> Int {
        try ask { link in
            try link.one("SELECT count(*) FROM (SELECT 1 \(Self.eligibleFrom(kind: "$2"))) g", [.text(today), .text(kind)])?.int(0) ?? 0
        }
    }

    static let eligibleCondition = "\(repairFrom) <= $1 AND (\(endsOn) IS NULL OR \(endsOn) > $1) AND w.status IS NULL"

    /// The published records that may apply for 信用修复 on `$1`, of the kind the placeholder
    /// `kind` names (or any), grouped by record on a portal's feed.
    static func eligibleFrom(kind: String) -> String {
        "\(periodFrom) WHERE p.status = 'published' AND \(eligibleCondition) AND (\(kind)::text IS NULL OR p.kind = \(kind))"
            + " GROUP BY p.record_key, p.portal, p.feed"
    }

    static let periodFrom = """
        FROM publication p JOIN batch b ON b.id = p.batch_id LEFT JOIN withdrawal w ON w.publication_id = p.id
        JOIN record r ON r.id = (SELECT id FROM record q WHERE q.kind = p.kind AND q.record_key = p.record_key
                                 ORDER BY first_run DESC, id DESC LIMIT 1)
        LEFT JOIN portal_period pp ON pp.kind = p.kind AND pp.record_key = p.record_key AND pp.portal = p.portal
        """

    /// The day publication ends on the publication's portal (the portal's own period in whole months
    /// from the decision date or its first publication there; else the record's own end).
    /// PostgreSQL's `date + interval 'N months'` clamps to the end of a shorter month, as
    /// `CalendarDate.adding(months:)` and the SQLite ledger's expression do.
    static let endsOn = "(CASE WHEN pp.months IS NULL THEN r.expires_on ELSE \(onPortal(months: "pp.months")) END)"

    /// The day 信用修复 may be applied for on the publication's portal: its own minimum
    /// (`repair_months`; a row written before it was kept: its maximum) counted as ``endsOn``
    /// counts (not yet published there: NULL, not eligible); else the record's general date.
    static let repairFrom =
        "(CASE WHEN pp.months IS NULL THEN r.repair_from ELSE \(onPortal(months: "least(coalesce(pp.repair_months, pp.months), pp.months)")) END)"

    /// `months` (an SQL expression) after the day the portal's own period runs from.
    static func onPortal(months: String) -> String {
        """
        to_char(CAST(CASE pp.counted_from WHEN 'decision_date' THEN r.decision_date
                     ELSE (SELECT min(f.published_on) FROM publication f
                           WHERE f.kind = p.kind AND f.portal = p.portal AND f.decision_number = p.decision_number
                                 AND f.record_key = p.record_key AND f.published_on IS NOT NULL)
                     END AS date) + make_interval(months => \(months)), 'YYYY-MM-DD') COLLATE "C"
        """
    }

    func periodEntries(condition: String, today: String, limit: Int? = nil, kind: String? = nil) throws(LedgerError) -> [PeriodEntry] {
        try ask { link in try Self.periodEntries(link, condition: condition, limit: "$2", [.text(today), .int(limit), .text(kind)]) }
    }

    /// The published records `condition` picks (its values `values`; `limit`, the placeholder of
    /// the most to give), in the periods' order.
    static func periodEntries(_ link: Link, condition: String, limit: String? = nil, _ values: [Value]) throws -> [PeriodEntry] {
        try link.rows(
            """
            SELECT \(Self.entryColumns), coalesce(pp.severity, r.severity), coalesce(pp.regime, r.regime), \(Self.repairFrom),
                   \(Self.endsOn) AS ends_on
            \(Self.periodFrom)
            WHERE p.status = 'published' AND \(condition)
            ORDER BY ends_on NULLS FIRST, p.record_key, p.portal, p.feed\(limit.map { " LIMIT \($0)" } ?? "")
            """, values
        ).map { row in
            PeriodEntry(publication: Self.entry(row), severity: row.text(19), regime: row.text(20), repairFrom: row.text(21), expiresOn: row.text(22))
        }
    }

    /// The three questions in one reading of the published records (each asked alone read them
    /// all and looked each one's latest record version up in turn: 1.0–1.2 s each for 196,000
    /// published records, the one reading 0.7–0.85 s): the ended and the first `limit` eligible
    /// are picked by their ids in the periods' order and the eligible counted; then only those
    /// are read whole. The publications of a record on a feed are adjacent in that order (they
    /// end on the same day), the latest first: each ends, but the record is eligible once there.
    public func periodsToday(today: String, kind: String?, limit: Int) throws(LedgerError) -> PeriodsToday {
        try read { link in
            try link.execute("SET LOCAL jit = off")
            // Picking the latest versions sorts every record's versions, which a ledger with
            // nothing published yet (a first run) need not pay for: 0.15 s for 200,000 records, 1.4 s
            // for a million.
            guard try link.one("SELECT EXISTS (SELECT 1 FROM publication WHERE status = 'published')")?.bool(0) == true else {
                return PeriodsToday(expired: [], eligible: [], eligibleTotal: 0)
            }
            var expired: [String?] = []
            var eligible: [String?] = []
            var total = 0
            var counted: (key: String, portal: String, feed: String)?  // the record on a feed last counted
            let day = Array(today.utf8)
            func onOrBefore(_ date: String) -> Bool { !day.lexicographicallyPrecedes(date.utf8) }
            try link.forEach(
                """
                SELECT p.id, \(Self.endsOn) AS ends_on, \(Self.repairFrom), w.status IS NULL, p.record_key, p.portal, p.feed
                \(Self.latestPeriodFrom)
                WHERE p.status = 'published' AND (w.status IS NULL OR w.status = 'failed') AND ($1::text IS NULL OR p.kind = $1)
                ORDER BY ends_on NULLS FIRST, p.record_key, p.portal, p.feed, p.id DESC
                """, [.text(kind)]
            ) { row in
                let id = row.text(0)
                if let endsOn = row.text(1), onOrBefore(endsOn) {
                    expired.append(id)  // (its withdrawal none, or failed)
                } else if row.bool(3), let repairFrom = row.text(2), onOrBefore(repairFrom) {
                    let feed = (key: row.string(4), portal: row.string(5), feed: row.string(6))
                    if let counted, counted == feed { return }  // an earlier publication of one counted
                    counted = feed
                    total += 1
                    if eligible.count < limit { eligible.append(id) }
                }
            }
            func entries(_ ids: [String?]) throws -> [PeriodEntry] {
                ids.isEmpty
                    ? [] : try Self.periodEntries(link, condition: "p.id = ANY($1::bigint[])", [.column(ids)])
            }
            return PeriodsToday(expired: try entries(expired), eligible: try entries(eligible), eligibleTotal: total)
        }
    }

    /// ``periodFrom`` with each record's latest version picked from its versions in key order
    /// at once (a merge with the publications), not looked up for each publication in turn. (The
    /// version no later one follows, joined with `NOT EXISTS`, was 0.4 s slower for 196,000
    /// published records in a run.)
    static let latestPeriodFrom = """
        FROM publication p LEFT JOIN withdrawal w ON w.publication_id = p.id
        JOIN (SELECT DISTINCT ON (kind, record_key) * FROM record ORDER BY kind, record_key, first_run DESC, id DESC) r
             ON r.kind = p.kind AND r.record_key = p.record_key
        LEFT JOIN portal_period pp ON pp.kind = p.kind AND pp.record_key = p.record_key AND pp.portal = p.portal
        """

    // MARK: Questions

    public func summary(today: String, filter: LedgerFilter = .all) throws(LedgerError) -> LedgerSummary {
        try read { link in
            var arguments = Arguments()
            let batches = Self.runCondition(filter, batch: "b", &arguments)
            let values = arguments.values
            let publications =
                filter.isAll
                ? "SELECT status, count(*) FROM publication GROUP BY status"
                : "SELECT p.status, count(*) FROM publication p JOIN batch b ON b.id = p.batch_id WHERE \(batches) GROUP BY p.status"
            var summary = LedgerSummary()
            for row in try link.rows("SELECT status, count(*) FROM batch b WHERE \(batches) GROUP BY status", values) {
                if let status = BatchStatus(rawValue: row.string(0)) { summary.batches[status] = row.int(1) }
            }
            for row in try link.rows(publications, filter.isAll ? [] : values) {
                if let status = PublicationStatus(rawValue: row.string(0)) { summary.publications[status] = row.int(1) }
            }
            summary.awaitingConfirmation =
                try link.one("SELECT count(*) FROM batch b WHERE status = 'pending' AND delivered_at IS NOT NULL AND \(batches)", values)?.int(0) ?? 0
            summary.publishedLate =
                try link.one(
                    filter.isAll
                        ? "SELECT count(*) FROM publication WHERE published_on IS NOT NULL AND published_on > due_on"
                        : "SELECT count(*) FROM publication p JOIN batch b ON b.id = p.batch_id WHERE p.published_on IS NOT NULL AND p.published_on > p.due_on AND \(batches)",
                    filter.isAll ? [] : values)?.int(0) ?? 0
            summary.pendingBatches = try link.rows(
                "SELECT \(Self.batchColumns) FROM batch b WHERE status = 'pending' AND \(batches) ORDER BY created_on, seq", values
            ).map(Self.batchInfo)
            summary.failedBatches = try link.rows(
                "SELECT \(Self.batchColumns) FROM batch b WHERE status = 'failed' AND \(batches) ORDER BY created_on, seq", values
            ).map(Self.batchInfo)
            summary.earlierFailures = try link.rows(
                """
                SELECT f.batch_id, b.portal, b.feed, f.attempt, f.file_name, f.outbox_path, f.created_on, f.reason
                FROM batch_failure f JOIN batch b ON b.id = f.batch_id WHERE \(batches) ORDER BY f.created_on, b.seq, f.attempt
                """,
                values
            ).map { row in
                BatchFailure(
                    batchID: row.string(0), portal: row.string(1), feed: row.string(2), attempt: row.int(3) ?? 1, fileName: row.string(4),
                    outboxPath: row.string(5), createdOn: row.string(6), reason: row.text(7))
            }
            return summary
        }
    }

    /// `batch` made by a run the filter keeps (`true` for every run), its values added to `arguments`.
    static func runCondition(_ filter: LedgerFilter, batch: String, _ arguments: inout Arguments) -> String {
        guard !filter.isAll else { return "true" }
        var parts: [String] = []
        if let pipeline = filter.pipeline { parts.append("pipeline = \(arguments.add(.text(pipeline)))") }
        if let department = filter.department { parts.append("department = \(arguments.add(.text(department)))") }
        return "\(batch).created_run IN (SELECT id FROM run WHERE \(parts.joined(separator: " AND ")))"
    }

    public func history(key: String) throws(LedgerError) -> [PublicationEntry] {
        try ask { link in
            try link.rows(
                Self.entrySQL + " WHERE p.record_key = $1 OR left(p.record_key, length($1) + 1) = $1 || '|' ORDER BY p.id", [.text(key)]
            ).map(Self.entry)
        }
    }

    public func publications(subjectCode: String, filter: LedgerFilter = .all) throws(LedgerError) -> [PublicationEntry] {
        try ask { link in
            var arguments = Arguments()
            let code = arguments.add(.text(subjectCode))
            let condition = Self.runCondition(filter, batch: "b", &arguments)
            return try link.rows(Self.entrySQL + " WHERE p.subject_code = \(code) AND \(condition) ORDER BY p.id", arguments.values).map(Self.entry)
        }
    }

    public func publications(personKey: String, portal: String, feed: String) throws(LedgerError) -> [PublicationEntry] {
        try ask { link in
            try link.rows(
                Self.entrySQL + " WHERE p.person_key = $1 AND p.portal = $2 AND p.feed = $3 ORDER BY p.id",
                [.text(personKey), .text(portal), .text(feed)]
            ).map(Self.entry)
        }
    }

    public func publications(batch id: String) throws(LedgerError) -> [PublicationEntry] {
        try ask { link in try link.rows(Self.entrySQL + " WHERE p.batch_id = $1 ORDER BY p.position", [.text(id)]).map(Self.entry) }
    }

    static let entryColumns = """
        p.portal, p.feed, p.kind, p.record_key, p.content_sha256, p.previous_sha256, p.operation, p.status,
        p.batch_id, b.file_name, p.decision_date, p.due_on, p.published_on, p.subject_code, p.subject_name, w.reason,
        p.position, p.reason, w.status
        """

    static let entrySQL = """
        SELECT \(entryColumns)
        FROM publication p JOIN batch b ON b.id = p.batch_id LEFT JOIN withdrawal w ON w.publication_id = p.id
        """

    static func entry(_ row: Row) -> PublicationEntry {
        PublicationEntry(
            portal: row.string(0), feed: row.string(1), kind: row.string(2), key: row.string(3), contentSHA256: row.string(4),
            previousSHA256: row.text(5), operation: BatchOperation(rawValue: row.string(6)) ?? .publish,
            status: PublicationStatus(rawValue: row.string(7)) ?? .pending, batchID: row.string(8), batchFile: row.string(9),
            decisionDate: row.text(10), dueOn: row.text(11), publishedOn: row.text(12), subjectCode: row.text(13),
            subjectName: row.text(14), withdrawalReason: row.text(15), withdrawalStatus: row.text(18), position: row.int(16) ?? 0,
            rejectionReason: row.text(17))
    }

    // MARK: Report

    public func reportRows(from: String, to: String, limit: Int, pipelines: Set<String>? = nil) throws(LedgerError) -> ReportRows {
        // The pipelines as one argument ($3), each between unit separators (SQLite's way, the same);
        // NULL keeps every pipeline. The lists' limit follows it ($4).
        let only = pipelines.map { "\u{1F}" + $0.sorted().joined(separator: "\u{1F}") + "\u{1F}" }
        func kept(_ column: String) -> String { "($3::text IS NULL OR strpos($3::text, chr(31) || \(column) || chr(31)) > 0)" }
        return try read { link in
            var rows = ReportRows()
            let period: [Value] = [.text(from), .text(to)]
            let scoped: [Value] = period + [.text(only)]
            rows.intake = try link.rows(
                """
                SELECT r.pipeline, substr(r.today, 1, 7) AS month, count(*), sum(f.failed), sum(f.records), sum(f.valid),
                       sum(f.invalid), sum(f.skipped), sum(f.incomplete), sum(coalesce(f.unidentifiable, 0))
                FROM source_file f JOIN run r ON r.id = f.first_run
                WHERE r.today BETWEEN $1 AND $2 AND f.records IS NOT NULL
                GROUP BY r.pipeline, month ORDER BY r.pipeline NULLS FIRST, month
                """, period
            ).map { row in
                var intake = IntakeRow(
                    pipeline: row.text(0), month: row.string(1), files: row.int(2) ?? 0, failedFiles: row.int(3) ?? 0,
                    records: row.int(4) ?? 0, valid: row.int(5) ?? 0, invalid: row.int(6) ?? 0, skipped: row.int(7) ?? 0,
                    incomplete: row.int(8) ?? 0)
                intake.unidentifiable = row.int(9) ?? 0
                return intake
            }
            let problemSQL = """
                FROM problem p JOIN source_file f ON f.sha256 = p.sha256 AND f.place = p.place JOIN run r ON r.id = f.first_run
                WHERE r.today BETWEEN $1 AND $2 AND p.severity = 'error' AND \(kept("r.pipeline"))
                """
            rows.problemsTotal = try link.one("SELECT count(*) " + problemSQL, scoped)?.int(0) ?? 0
            rows.problems = try link.rows(
                "SELECT r.pipeline, p.place, p.\"row\", p.line, p.field, p.type, p.value, p.message " + problemSQL
                    + " ORDER BY r.pipeline NULLS FIRST, p.place, coalesce(p.\"row\", p.line), p.id LIMIT $4", scoped + [.int(limit)]
            ).map { row in
                ProblemRow(
                    pipeline: row.text(0), file: row.string(1), row: row.int(2), line: row.int(3), field: row.text(4), type: row.string(5),
                    value: row.text(6), message: row.string(7))
            }
            // Each batch of the period's publications counted by state in its own index range
            // (`publication_by_batch_status`), then summed by pipeline: joining every publication to
            // its batch and run first hashed them all (57 ms of the server's time for 196,000
            // publications in 40 batches, against 21 ms; forty-second session).
            rows.states = try link.rows(
                """
                SELECT r.pipeline, s.status, sum(s.n)::bigint FROM batch b JOIN run r ON r.id = b.created_run
                CROSS JOIN LATERAL (SELECT status, count(*) AS n FROM publication WHERE batch_id = b.id GROUP BY status) s
                WHERE b.created_on BETWEEN $1 AND $2 GROUP BY r.pipeline, s.status ORDER BY r.pipeline NULLS FIRST, s.status
                """, period
            ).map { StateCount(pipeline: $0.text(0), status: PublicationStatus(rawValue: $0.string(1)) ?? .pending, count: $0.int(2) ?? 0) }
            let rejectedSQL = """
                FROM publication p JOIN batch b ON b.id = p.batch_id JOIN run r ON r.id = b.created_run
                WHERE p.status = 'rejected' AND (p.decision_date BETWEEN $1 AND $2 OR b.created_on BETWEEN $1 AND $2)
                    AND \(kept("r.pipeline"))
                """
            rows.rejectionsTotal = try link.one("SELECT count(*) " + rejectedSQL, scoped)?.int(0) ?? 0
            rows.rejections = try link.rows(
                "SELECT r.pipeline, p.portal, p.feed, p.record_key, p.batch_id, p.position, p.reason " + rejectedSQL + " ORDER BY p.id LIMIT $4",
                scoped + [.int(limit)]
            ).map { row in
                PublicationRow(
                    pipeline: row.text(0), portal: row.string(1), feed: row.string(2), key: row.string(3), batchID: row.string(4),
                    position: row.int(5) ?? 0, rejectionReason: row.text(6))
            }
            let withdrawalSQL = """
                FROM withdrawal w JOIN publication p ON p.id = w.publication_id
                JOIN batch pb ON pb.id = p.batch_id JOIN run pr ON pr.id = pb.created_run
                LEFT JOIN batch wb ON wb.id = w.batch_id LEFT JOIN run wr ON wr.id = wb.created_run
                WHERE w.requested_on BETWEEN $1 AND $2 AND \(kept("coalesce(wr.pipeline, pr.pipeline)"))
                """
            rows.withdrawalsTotal = try link.one("SELECT count(*) " + withdrawalSQL, scoped)?.int(0) ?? 0
            rows.withdrawals = try link.rows(
                """
                SELECT coalesce(wr.pipeline, pr.pipeline), p.portal, p.feed, p.record_key, w.reason, w.basis, w.requested_on, w.status
                \(withdrawalSQL) ORDER BY w.requested_on, w.id LIMIT $4
                """, scoped + [.int(limit)]
            ).map { row in
                WithdrawalRow(
                    pipeline: row.text(0), portal: row.string(1), feed: row.string(2), key: row.string(3), reason: row.string(4),
                    basis: row.text(5), requestedOn: row.string(6), status: row.string(7))
            }
            return rows
        }
    }

    public func forEachFirstPublication(from: String, to: String, _ body: (FirstPublication) throws -> Void) throws(LedgerError) {
        try read { link in
            try link.forEach(
                """
                SELECT min(r.pipeline), p.portal, p.feed, p.record_key, min(p.decision_date) AS decided, min(p.due_on) AS due,
                       min(CASE WHEN p.status IN ('published', 'withdrawn') THEN p.published_on END) AS published
                FROM publication p JOIN batch b ON b.id = p.batch_id JOIN run r ON r.id = b.created_run
                WHERE p.operation = 'publish'
                GROUP BY p.portal, p.feed, p.record_key
                HAVING min(p.decision_date) BETWEEN $1 AND $2
                    OR (min(CASE WHEN p.status IN ('published', 'withdrawn') THEN p.published_on END) IS NULL AND bool_or(p.status = 'pending'))
                ORDER BY due NULLS FIRST, p.record_key, p.portal, p.feed
                """, [.text(from), .text(to)]
            ) { row in
                let decided = row.text(4)
                try body(
                    FirstPublication(
                        pipeline: row.text(0), portal: row.string(1), feed: row.string(2), key: row.string(3), decisionDate: decided,
                        dueOn: row.text(5), publishedOn: row.text(6), decidedInPeriod: decided.map { $0 >= from && $0 <= to } ?? false))
            }
        }
    }
}
