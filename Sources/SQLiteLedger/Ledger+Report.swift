internal import GRDB

/// What a report needs from the ledger, as plain rows and sums: the report's arithmetic (rates,
/// deadline states) is done by the caller, so that it can be tested apart from SQL. Lists are
/// capped (``ReportRows/limit``) with their totals; the publications, which grow with the ledger,
/// are not held at all but handed over one at a time (``Ledger/forEachFirstPublication(from:to:_:)``).
public struct ReportRows: Sendable, Equatable {
    /// Source files first read in the period, summed per pipeline and month received.
    public var intake: [IntakeRow] = []
    /// Their problems that made records invalid (not warnings), located, at most the limit.
    public var problems: [ProblemRow] = []
    public var problemsTotal = 0
    /// Publications planned in the period, per pipeline and current state.
    public var states: [StateCount] = []
    /// Records a portal refused, decided or planned in the period, at most the limit.
    public var rejections: [PublicationRow] = []
    public var rejectionsTotal = 0
    /// Withdrawals asked for in the period, at most the limit.
    public var withdrawals: [WithdrawalRow] = []
    public var withdrawalsTotal = 0
}

public struct IntakeRow: Sendable, Equatable {
    /// The pipeline whose run first read the files (nil for runs before the ledger knew it).
    public let pipeline: String?
    /// `YYYY-MM` of the day the files were first read.
    public let month: String
    public let files: Int
    public let failedFiles: Int
    public let records: Int
    public let valid: Int
    public let invalid: Int
    public let skipped: Int
    public let incomplete: Int
}

public struct ProblemRow: Sendable, Equatable {
    public let pipeline: String?
    public let file: String
    public let row: Int?
    public let line: Int?
    public let field: String?
    public let type: String
    public let value: String?
    public let message: String
}

public struct StateCount: Sendable, Equatable {
    public let pipeline: String?
    public let status: PublicationStatus
    public let count: Int
}

public struct PublicationRow: Sendable, Equatable {
    public let pipeline: String?
    public let portal: String
    public let feed: String
    public let key: String
    public let batchID: String
    public let position: Int
    public let rejectionReason: String?
}

/// A record's first publication on one portal feed: its earliest deadline and the earliest day a
/// portal took it (published, or published and later withdrawn).
public struct FirstPublication: Sendable, Equatable {
    public let pipeline: String?
    public let portal: String
    public let feed: String
    public let key: String
    public let decisionDate: String?
    public let dueOn: String?
    public let publishedOn: String?
    /// Decided in the report's period (else it is listed only while it still waits).
    public let decidedInPeriod: Bool
}

public struct WithdrawalRow: Sendable, Equatable {
    public let pipeline: String?
    public let portal: String
    public let feed: String
    public let key: String
    public let reason: String
    public let basis: String?
    public let requestedOn: String
    public let status: String
}

extension Ledger {
    /// The rows of a report for `from…to` (inclusive, `YYYY-MM-DD`), each list at most `limit` long.
    public func reportRows(from: String, to: String, limit: Int) throws(LedgerError) -> ReportRows {
        try read { db in
            var rows = ReportRows()
            let period: StatementArguments = [from, to]
            rows.intake = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.pipeline, substr(r.today, 1, 7) AS month, count(*), sum(f.failed), sum(f.records), sum(f.valid),
                           sum(f.invalid), sum(f.skipped), sum(f.incomplete)
                    FROM source_file f JOIN run r ON r.id = f.first_run
                    WHERE r.today BETWEEN ?1 AND ?2 AND f.records IS NOT NULL
                    GROUP BY r.pipeline, month ORDER BY r.pipeline, month
                    """,
                arguments: period
            ).map { row in
                IntakeRow(
                    pipeline: row[0], month: row[1], files: row[2], failedFiles: row[3], records: row[4], valid: row[5], invalid: row[6],
                    skipped: row[7], incomplete: row[8])
            }
            let problemSQL = """
                FROM problem p JOIN source_file f ON f.sha256 = p.sha256 AND f.place = p.place JOIN run r ON r.id = f.first_run
                WHERE r.today BETWEEN ?1 AND ?2 AND p.severity = 'error'
                """
            rows.problemsTotal = try Int.fetchOne(db, sql: "SELECT count(*) " + problemSQL, arguments: period) ?? 0
            rows.problems = try Row.fetchAll(
                db,
                sql: "SELECT r.pipeline, p.place, p.row, p.line, p.field, p.type, p.value, p.message " + problemSQL
                    + " ORDER BY r.pipeline, p.place, coalesce(p.row, p.line), p.id LIMIT ?3",
                arguments: [from, to, limit]
            ).map { row in
                ProblemRow(
                    pipeline: row[0], file: row[1], row: row[2], line: row[3], field: row[4], type: row[5], value: row[6], message: row[7])
            }
            rows.states = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.pipeline, p.status, count(*) FROM publication p JOIN batch b ON b.id = p.batch_id JOIN run r ON r.id = b.created_run
                    WHERE b.created_on BETWEEN ?1 AND ?2 GROUP BY r.pipeline, p.status ORDER BY r.pipeline, p.status
                    """,
                arguments: period
            ).map { StateCount(pipeline: $0[0], status: PublicationStatus(rawValue: $0[1]) ?? .pending, count: $0[2]) }
            let rejectedSQL = """
                FROM publication p JOIN batch b ON b.id = p.batch_id JOIN run r ON r.id = b.created_run
                WHERE p.status = 'rejected' AND (p.decision_date BETWEEN ?1 AND ?2 OR b.created_on BETWEEN ?1 AND ?2)
                """
            rows.rejectionsTotal = try Int.fetchOne(db, sql: "SELECT count(*) " + rejectedSQL, arguments: period) ?? 0
            rows.rejections = try Row.fetchAll(
                db,
                sql: "SELECT r.pipeline, p.portal, p.feed, p.record_key, p.batch_id, p.position, p.reason " + rejectedSQL
                    + " ORDER BY p.id LIMIT ?3",
                arguments: [from, to, limit]
            ).map { row in
                PublicationRow(
                    pipeline: row[0], portal: row[1], feed: row[2], key: row[3], batchID: row[4], position: row[5], rejectionReason: row[6])
            }
            let withdrawalSQL = """
                FROM withdrawal w JOIN publication p ON p.id = w.publication_id
                JOIN batch pb ON pb.id = p.batch_id JOIN run pr ON pr.id = pb.created_run
                LEFT JOIN batch wb ON wb.id = w.batch_id LEFT JOIN run wr ON wr.id = wb.created_run
                WHERE w.requested_on BETWEEN ?1 AND ?2
                """
            rows.withdrawalsTotal = try Int.fetchOne(db, sql: "SELECT count(*) " + withdrawalSQL, arguments: period) ?? 0
            rows.withdrawals = try Row.fetchAll(
                db,
                sql: """
                    SELECT coalesce(wr.pipeline, pr.pipeline), p.portal, p.feed, p.record_key, w.reason, w.basis, w.requested_on, w.status
                    \(withdrawalSQL) ORDER BY w.requested_on, w.id LIMIT ?3
                    """,
                arguments: [from, to, limit]
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
                    SELECT r.pipeline, p.portal, p.feed, p.record_key, min(p.decision_date) AS decided, min(p.due_on) AS due,
                           min(CASE WHEN p.status IN ('published', 'withdrawn') THEN p.published_on END) AS published,
                           max(p.status = 'pending') AS waiting
                    FROM publication p JOIN batch b ON b.id = p.batch_id JOIN run r ON r.id = b.created_run
                    WHERE p.operation = 'publish'
                    GROUP BY p.portal, p.feed, p.record_key
                    HAVING decided BETWEEN ?1 AND ?2 OR (published IS NULL AND waiting)
                    ORDER BY due, p.record_key, p.portal, p.feed
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
