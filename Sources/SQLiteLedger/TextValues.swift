internal import DisclosureCore
internal import GRDB

/// Texts that repeat row after row (a source file's hash, a severity's reason, the file a decision
/// was seen in, v13; a kind, a portal, a feed, v15), each stored once in `text_value` and referred
/// to by its number. One write looks each text up once.
struct TextValues {
    private let db: Database
    private var known: [String: Int64] = [:]
    /// The last two texts asked for and their numbers: a run's records come file by file, and
    /// comparing with the last file's fingerprint is cheaper than hashing it for the table every
    /// time. Two, because a record version asks for two texts in turn (its file and its severity's
    /// reason): with one, each asked for the other's place and neither was ever found there.
    private var last: (text: String, id: Int64)?
    private var before: (text: String, id: Int64)?

    init(_ db: Database) {
        self.db = db
    }

    /// The text's number, given it now if it has none.
    mutating func number(_ text: String) throws -> Int64 {
        if let last, last.text == text { return last.id }
        if let before, before.text == text {
            swap(&self.last, &self.before)
            return before.id
        }
        if let id = known[text] {
            (before, last) = (last, (text, id))
            return id
        }
        try db.execute(sql: "INSERT OR IGNORE INTO text_value (text) VALUES (?)", arguments: [text])
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM text_value WHERE text = ?", arguments: [text]) else {
            throw DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "text_value refused a text")
        }
        known[text] = id
        (before, last) = (last, (text, id))
        return id
    }

    /// The SQL that reads a number back as its text.
    static func text(of column: String) -> String {
        "(SELECT text_value.text FROM text_value WHERE text_value.id = \(column))"
    }

    /// The SQL that reads a text's number (NULL for a text the ledger never stored, which then
    /// equals nothing): `kind_id = \(TextValues.number(of: "?"))`. SQLite evaluates the subquery
    /// once per statement and looks the column up by it in an index, as with a bound number.
    static func number(of parameter: String) -> String {
        "(SELECT text_value.id FROM text_value WHERE text_value.text = \(parameter))"
    }
}

/// A publication's status and operation as the ledger stores them (v18): small codes, in the
/// table, its `UNIQUE` key and the indexes that hold the status. SQL names a code by the literal
/// these give (`status_code = \(PublicationCode.pending)`), so that a partial index on one (the
/// rejected) is still used.
enum PublicationCode {
    static let pending = 1, published = 2, rejected = 3, failed = 4, withdrawn = 5
    static let publish = 1, correct = 2, republish = 3

    static let statuses: [PublicationStatus] = [.pending, .published, .rejected, .failed, .withdrawn]
    static let operations: [BatchOperation] = [.publish, .correct, .republish]

    static func code(_ status: PublicationStatus) -> Int { statuses.firstIndex(of: status)! + 1 }
    /// 0 for a withdrawal (no publication is one), which the table's CHECK refuses.
    static func code(_ operation: BatchOperation) -> Int { operations.firstIndex(of: operation).map { $0 + 1 } ?? 0 }

    static func status(_ code: Int64?) -> PublicationStatus? {
        code.flatMap { statuses.indices.contains(Int($0) - 1) ? statuses[Int($0) - 1] : nil }
    }

    static func operation(_ code: Int64?) -> BatchOperation? {
        code.flatMap { operations.indices.contains(Int($0) - 1) ? operations[Int($0) - 1] : nil }
    }

    /// The SQL that reads a status code back as its text.
    static func statusText(of column: String) -> String { caseText(column, statuses.map(\.rawValue)) }
    /// The SQL that reads an operation code back as its text.
    static func operationText(of column: String) -> String { caseText(column, operations.map(\.rawValue)) }
    /// The SQL that turns a status's text into its code (the migration; any other text becomes 0).
    static func statusCode(of column: String) -> String { caseCode(column, statuses.map(\.rawValue)) }
    /// The SQL that turns an operation's text into its code (the migration; any other text becomes 0).
    static func operationCode(of column: String) -> String { caseCode(column, operations.map(\.rawValue)) }

    private static func caseText(_ column: String, _ texts: [String]) -> String {
        "(CASE \(column) " + texts.enumerated().map { "WHEN \($0.offset + 1) THEN '\($0.element)'" }.joined(separator: " ") + " END)"
    }

    private static func caseCode(_ column: String, _ texts: [String]) -> String {
        "(CASE \(column) " + texts.enumerated().map { "WHEN '\($0.element)' THEN \($0.offset + 1)" }.joined(separator: " ") + " ELSE 0 END)"
    }
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
    static func text(of column: String) -> String {
        "(CASE \(column) " + severities.enumerated().map { "WHEN \($0.offset + 1) THEN '\($0.element)'" }.joined(separator: " ") + " END)"
    }

    /// The SQL that turns a severity's text into its code (the migration; any other text becomes 0).
    static func code(of column: String) -> String {
        "(CASE WHEN \(column) IS NULL THEN NULL "
            + severities.enumerated().map { "WHEN \(column) = '\($0.element)' THEN \($0.offset + 1)" }.joined(separator: " ") + " ELSE 0 END)"
    }
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

/// The texts of numbers in `text_value`, each read once on its connection (a register's rows name
/// one of a handful of kinds and portals by number; each name is then one `String`, shared).
struct TextNames {
    private let db: Database
    private var known: [Int64: String] = [:]

    init(_ db: Database) {
        self.db = db
    }

    mutating func text(_ id: Int64) throws -> String {
        if let text = known[id] { return text }
        guard let text = try String.fetchOne(db, sql: "SELECT text FROM text_value WHERE id = ?", arguments: [id]) else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "text_value has no text numbered \(id)")
        }
        known[id] = text
        return text
    }
}
