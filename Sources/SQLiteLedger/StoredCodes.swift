internal import DisclosureCore

// The small codes the ledger stores instead of texts that repeat row after row, and the SQL that
// reads them back: a publication's status and operation (v18), a record version's severity
// (v17), a publication's batch by number (v16). (Free texts that repeat — files, reasons, kinds,
// portals, feeds, regimes — are numbers in `text_value`: ``TextValues``.)

/// A publication's status and operation as the ledger stores them (v18): small codes, in the
/// table, its `UNIQUE` key and the indexes that hold the status. SQL names a code by the literal
/// these give (`status_code = \(PublicationCode.pending)`), so that a partial index on one (the
/// rejected) is still used.
enum PublicationCode {
    static let pending = 1, published = 2, rejected = 3, failed = 4, withdrawn = 5
    static let publish = 1, correct = 2, republish = 3

    static let statuses: [PublicationStatus] = [.pending, .published, .rejected, .failed, .withdrawn]
    static let operations: [BatchOperation] = [.publish, .correct, .republish]

    /// 0 for a withdrawal (no publication is one), which the table's CHECK refuses.
    static func code(_ operation: BatchOperation) -> Int { operations.firstIndex(of: operation).map { $0 + 1 } ?? 0 }

    static func status(_ code: Int64?) -> PublicationStatus? {
        code.flatMap { statuses.indices.contains(Int($0) - 1) ? statuses[Int($0) - 1] : nil }
    }

    static func operation(_ code: Int64?) -> BatchOperation? {
        code.flatMap { operations.indices.contains(Int($0) - 1) ? operations[Int($0) - 1] : nil }
    }

    /// The SQL that reads a status code back as its text.
    static func statusText(of column: String) -> String { codeText(column, statuses.map(\.rawValue)) }
    /// The SQL that turns a status's text into its code (the migration).
    static func statusCode(of column: String) -> String { textCode(column, statuses.map(\.rawValue)) }
    /// The SQL that turns an operation's text into its code (the migration).
    static func operationCode(of column: String) -> String { textCode(column, operations.map(\.rawValue)) }
}

/// A record version's severity as the ledger stores it (v17): 1 轻微, 2 一般, 3 严重 (the three the
/// publication-period rules name); NULL for none.
enum SeverityCode {
    static let severities = ["轻微", "一般", "严重"]

    /// The code of a severity (nil for none; 0, which the table's CHECK refuses, for any other text).
    static func code(_ severity: String?) -> Int? {
        severity.map { text in severities.firstIndex(of: text).map { $0 + 1 } ?? 0 }
    }

    /// The SQL that reads a code back as its severity.
    static func text(of column: String) -> String { codeText(column, severities) }

    /// The SQL that turns a severity's text into its code (the migration).
    static func code(of column: String) -> String { textCode(column, severities) }
}

/// The SQL that reads a code (1, 2, … for `texts` in order) back as its text; NULL stays NULL.
private func codeText(_ column: String, _ texts: [String]) -> String {
    "(CASE \(column) " + texts.enumerated().map { "WHEN \($0.offset + 1) THEN '\($0.element)'" }.joined(separator: " ") + " END)"
}

/// The SQL that turns a text into its code (1, 2, … for `texts` in order); NULL stays NULL, and any
/// other text becomes 0, which the tables' CHECKs refuse.
private func textCode(_ column: String, _ texts: [String]) -> String {
    "(CASE WHEN \(column) IS NULL THEN NULL "
        + texts.enumerated().map { "WHEN \(column) = '\($0.element)' THEN \($0.offset + 1)" }.joined(separator: " ") + " ELSE 0 END)"
}

/// A batch's number (v16: `publication.batch_no`), for SQL that is given the batch's id.
enum BatchNumber {
    /// `batch_no = \(BatchNumber.of("?"))`: evaluated once per statement, as a bound number is.
    static func of(_ parameter: String) -> String {
        "(SELECT batch.no FROM batch WHERE batch.id = \(parameter))"
    }

    /// The SQL that reads a batch number back as the batch's id (a lookup by `batch`'s key).
    static func id(of column: String) -> String {
        "(SELECT batch.id FROM batch WHERE batch.no = \(column))"
    }
}
