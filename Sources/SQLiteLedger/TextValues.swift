internal import DisclosureCore
internal import GRDB

/// Texts that repeat row after row (a source file's hash, a severity's reason, the file a decision
/// was seen in, v13; a kind, a portal, a feed, v15), each stored once in `text_value` and referred
/// to by its number. One write looks each text up once: the bulk writes ask through
/// ``PackedRows``, which remembers the last few by their bytes and asks here only for a text it has
/// not met; a batch's publications ask for three.
struct TextValues {
    private let db: Database
    /// By the texts' bytes, as the table's `UNIQUE` tells them apart (a `String` key would take two
    /// texts that are canonically equivalent, é and e + ◌́, for one).
    private var known: [[UInt8]: Int64] = [:]

    init(_ db: Database) {
        self.db = db
    }

    /// The text's number, given it now if it has none.
    mutating func number(_ text: String) throws -> Int64 {
        let bytes = Array(text.utf8)
        if let id = known[bytes] { return id }
        try db.execute(sql: "INSERT OR IGNORE INTO text_value (text) VALUES (?)", arguments: [text])
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM text_value WHERE text = ?", arguments: [text]) else {
            throw DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "text_value refused a text")
        }
        known[bytes] = id
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
