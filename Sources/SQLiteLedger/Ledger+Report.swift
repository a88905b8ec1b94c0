internal import GRDB

/// What a report needs from the ledger, as plain rows: the report's arithmetic (rates, deadline
/// states) is done by the caller, so that it can be tested apart from SQL.
public struct ReportRows: Sendable, Equatable {
    /// Source files first read in the period, summed per pipeline and month received.
    public var intake: [IntakeRow] = []
    /// Their problems that made records invalid (not warnings), located, at most the limit asked for.
    public var problems: [ProblemRow] = []
    public var problemsTotal = 0
    /// Publications decided in the period, planned in the period, or still pending.
    public var publications: [PublicationRow] = []
    /// Withdrawals asked for in the period.
    public var withdrawals: [WithdrawalRow] = []
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

public struct PublicationRow: Sendable, Equatable {
    public let pipeline: String?
    public let portal: String
    public let feed: String
    public let key: String
    public let operation: String
    public let status: PublicationStatus
    public let decisionDate: String?
    public let dueOn: String?
    public let publishedOn: String?
    public let batchID: String
    public let position: Int
    public let rejectionReason: String?
    /// The day its batch was made.
    public let plannedOn: String
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
    /// The rows of a report for `from…to` (inclusive, `YYYY-MM-DD`), as of `today`.
    public func reportRows(from: String, to: String, problemLimit: Int) throws(LedgerError) -> ReportRows {
        try read { db in
            var rows = ReportRows()
            rows.intake = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.pipeline, substr(r.today, 1, 7) AS month, count(*), sum(f.failed), sum(f.records), sum(f.valid),
                           sum(f.invalid), sum(f.skipped), sum(f.incomplete)
                    FROM source_file f JOIN run r ON r.id = f.first_run
                    WHERE r.today BETWEEN ?1 AND ?2 AND f.records IS NOT NULL
                    GROUP BY r.pipeline, month ORDER BY r.pipeline, month
                    """,
                arguments: [from, to]
            ).map { row in
                IntakeRow(
                    pipeline: row[0], month: row[1], files: row[2], failedFiles: row[3], records: row[4], valid: row[5], invalid: row[6],
                    skipped: row[7], incomplete: row[8])
            }
            let problemSQL = """
                FROM problem p JOIN source_file f ON f.sha256 = p.sha256 AND f.place = p.place JOIN run r ON r.id = f.first_run
                WHERE r.today BETWEEN ?1 AND ?2 AND p.severity = 'error'
                """
            rows.problemsTotal = try Int.fetchOne(db, sql: "SELECT count(*) " + problemSQL, arguments: [from, to]) ?? 0
            rows.problems = try Row.fetchAll(
                db,
                sql: "SELECT r.pipeline, p.place, p.row, p.line, p.field, p.type, p.value, p.message " + problemSQL
                    + " ORDER BY r.pipeline, p.place, coalesce(p.row, p.line), p.id LIMIT ?3",
                arguments: [from, to, problemLimit]
            ).map { row in
                ProblemRow(
                    pipeline: row[0], file: row[1], row: row[2], line: row[3], field: row[4], type: row[5], value: row[6], message: row[7])
            }
            rows.publications = try Row.fetchAll(
                db,
                sql: """
                    SELECT r.pipeline, p.portal, p.feed, p.record_key, p.operation, p.status, p.decision_date, p.due_on,
                           p.published_on, p.batch_id, p.position, p.reason, b.created_on
                    FROM publication p JOIN batch b ON b.id = p.batch_id JOIN run r ON r.id = b.created_run
                    WHERE p.decision_date BETWEEN ?1 AND ?2 OR b.created_on BETWEEN ?1 AND ?2 OR p.status = 'pending'
                    ORDER BY p.id
                    """,
                arguments: [from, to]
            ).map { row in
                PublicationRow(
                    pipeline: row[0], portal: row[1], feed: row[2], key: row[3], operation: row[4],
                    status: PublicationStatus(rawValue: row[5]) ?? .pending, decisionDate: row[6], dueOn: row[7], publishedOn: row[8],
                    batchID: row[9], position: row[10], rejectionReason: row[11], plannedOn: row[12])
            }
            rows.withdrawals = try Row.fetchAll(
                db,
                sql: """
                    SELECT coalesce(wr.pipeline, pr.pipeline), p.portal, p.feed, p.record_key, w.reason, w.basis, w.requested_on, w.status
                    FROM withdrawal w JOIN publication p ON p.id = w.publication_id
                    JOIN batch pb ON pb.id = p.batch_id JOIN run pr ON pr.id = pb.created_run
                    LEFT JOIN batch wb ON wb.id = w.batch_id LEFT JOIN run wr ON wr.id = wb.created_run
                    WHERE w.requested_on BETWEEN ?1 AND ?2
                    ORDER BY w.requested_on, w.id
                    """,
                arguments: [from, to]
            ).map { row in
                WithdrawalRow(
                    pipeline: row[0], portal: row[1], feed: row[2], key: row[3], reason: row[4], basis: row[5], requestedOn: row[6],
                    status: row[7])
            }
            return rows
        }
    }
}
