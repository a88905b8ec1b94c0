internal import DisclosureCore
internal import GRDB
internal import GRDBSQLite

/// A prepared insert run row after row with its values bound through SQLite's C API: by
/// ``RowsInsert`` (a batch's publications) from Swift values, by ``PackedRows`` (record versions,
/// the register) from bytes packed on another thread.
///
/// By hand because it is measurably faster: the run's bulk writes went through GRDB's
/// `execute(arguments:)`, which boxes every value as a `DatabaseValue` in a `StatementArguments`
/// array before binding it; that was about a third of the time of the thread that writes them
/// (`perf`, 200,000 records). Only plain text, blob and integer parameters, each bound on every
/// row; errors become GRDB's `DatabaseError`, as before.
struct BoundStatement {
    private let statement: Statement
    let handle: OpaquePointer
    private let connection: OpaquePointer?
    let parameters: Int32

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
        parameters = sqlite3_bind_parameter_count(handle)
    }

    /// Binds `values` to the parameters of the `row`th of the statement's `rows` rows, in order
    /// (`INSERT … VALUES (…), (…)`: each row's parameters follow the last row's).
    func bind<each Value: SQLiteBindable>(row: Int, of rows: Int, _ values: repeat each Value) {
        let columns = parameters / Int32(rows)
        var index = Int32(row) * columns
        for value in repeat each values {
            index += 1
            value.bind(to: handle, at: index)
        }
        // A value for every parameter, every time: one left out would keep the last row's.
        precondition(index == Int32(row + 1) * columns, "\(index) values for \(parameters) parameters: \(statement.sql)")
    }

    /// The rows the last run changed (SQLite's count, read directly: GRDB's `changesCount` first
    /// checks which queue it is on, a tenth of a batch's bookkeeping outside SQLite).
    var changes: Int { Int(sqlite3_changes(connection)) }

    /// Unbinds every parameter (``PackedRows`` binds values where they lie in its buffer).
    func clearBindings() { sqlite3_clear_bindings(handle) }

    /// Runs the statement with the values bound since the last run, and resets it for the next row.
    func step() throws {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw stepFailure(handle, connection, sql: statement.sql) }
        sqlite3_reset(handle)
    }
}

/// An insert of many rows a statement: `INSERT … VALUES (…), (…), … [ON CONFLICT …]`, one
/// statement for every ``rowsPerStatement`` rows of the caller's and the last few one at a time.
///
/// Measurably faster for a table with several indexes: each run of a statement opens a cursor on
/// the table and on every index, and an upsert also sets up its conflict target, whatever the row
/// count. In C against Debian's SQLite, 200,000 publications (the table, its `UNIQUE` key and three
/// indexes) in transactions of 5,000: 1.07–1.20 s of CPU a row a statement, 0.67–0.76 s with 25 or 40
/// rows a statement; in the run, the legal-person feed's publishing 1.15–1.26 s against 1.41–1.59 s.
/// (The record versions and the register, one B-tree each and not written in key order, showed no
/// difference in the run, and keep a statement a row.) SQLite inserts the rows of one statement in
/// their order, each as its own statement would (`INSERT OR IGNORE` and the upsert's `DO UPDATE`
/// apply between two rows of the same statement), so the ledger is the same either way.
///
/// Since the thirty-sixth session, 256 rows a statement rather than 32: a statement of several rows
/// that may abort halfway keeps a statement journal, so that it alone can be undone, of every page it
/// changes that its transaction had changed before; SQLite writes it to a temporary file past 64
/// KiB. With 32 rows, the 157 statements of a 5,000-row batch each journaled the indexes' pages
/// again: 147,300 `pwrite` calls in a first run of 200,000 records (about 1 GB, copied into the page
/// cache by the thread that records the batches). With 256 rows, 44,400 calls; the recording
/// thread's samples in the legal-person feed's publishing 731–801 against 875–905 (four profiles
/// each; 128 rows 776–801; 1,024 rows, which leaves most of a batch to single-row statements, 864).
struct RowsInsert {
    /// 256 rows: a row has at most 18 parameters, 4,608 a statement (SQLite allows 32,766).
    static let rowsPerStatement = 256

    private let many: BoundStatement
    private let one: BoundStatement
    private let rowsPerStatement: Int

    /// - Parameters:
    ///   - head: `INSERT … INTO table (columns)`.
    ///   - row: one row's values, `(?, ?, …)`: plain `?` parameters only (numbered ones would name
    ///     the same parameter in every row).
    ///   - tail: what follows the values (`ON CONFLICT …`), or nothing.
    ///   - rowsPerStatement: 1 where the caller must know of each row whether it was written.
    init(_ db: Database, head: String, row: String, tail: String = "", rowsPerStatement: Int = Self.rowsPerStatement) throws {
        let numbered = zip(row.utf8, row.utf8.dropFirst()).contains { $0 == UInt8(ascii: "?") && $1 &- UInt8(ascii: "0") < 10 }
        precondition(!numbered && !tail.contains("?"), "RowsInsert takes plain ? parameters in its row only")
        self.rowsPerStatement = rowsPerStatement
        one = try BoundStatement(db, sql: "\(head) VALUES \(row) \(tail)")
        let rows = Array(repeating: row, count: rowsPerStatement).joined(separator: ", ")
        many = rowsPerStatement == 1 ? one : try BoundStatement(db, sql: "\(head) VALUES \(rows) \(tail)")
    }

    /// Inserts the caller's rows `range`, in order: `bind` binds the row given its index (it calls
    /// the binder it is given once, with the row's values). After each statement, `ran` is told its
    /// rows and the rows SQLite says it changed; a statement SQLite refuses (which then wrote none
    /// of its rows) is told to `refused`, which may throw an error of its own instead.
    func run(
        _ range: Range<Int>, bind: (Int, Binder) throws -> Void, ran: ((Range<Int>, Int) throws -> Void)? = nil,
        refused: ((Range<Int>, DatabaseError) throws -> Void)? = nil
    ) throws {
        var start = range.lowerBound
        while start < range.upperBound {
            let full = range.upperBound - start >= rowsPerStatement
            let statement = full ? many : one
            let rows = start..<(start + (full ? rowsPerStatement : 1))
            for index in rows { try bind(index, Binder(statement: statement, row: index - start, of: rows.count)) }
            do {
                try statement.step()
            } catch let error as DatabaseError {
                try refused?(rows, error)
                throw error
            }
            try ran?(rows, statement.changes)
            start = rows.upperBound
        }
    }

    /// Binds one row's values, in the order of the row's parameters.
    struct Binder {
        fileprivate let statement: BoundStatement
        fileprivate let row: Int
        fileprivate let of: Int

        func callAsFunction<each Value: SQLiteBindable>(_ values: repeat each Value) {
            statement.bind(row: row, of: of, repeat each values)
        }
    }
}

/// A failed step as GRDB's `DatabaseError` (the connection's extended code and message), the
/// statement reset for its next use.
func stepFailure(_ handle: OpaquePointer, _ connection: OpaquePointer?, sql: String) -> DatabaseError {
    let extended = sqlite3_extended_errcode(connection)
    let message = String(cString: sqlite3_errmsg(connection))
    sqlite3_reset(handle)
    return DatabaseError(resultCode: ResultCode(rawValue: extended), message: message, sql: sql)
}

/// A value `BoundStatement` binds: text, an integer, a boolean (0 or 1), or nil (NULL).
protocol SQLiteBindable {
    func bind(to statement: OpaquePointer, at index: Int32)
}

/// SQLite copies the bytes while binding (its `SQLITE_TRANSIENT`).
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension String: SQLiteBindable {
    /// (The text's bytes lent, ``Swift/String/withLentUTF8(_:)``: `withUTF8` on a copy retained
    /// and released each text bound, on the writing thread that bounds the ledger's stages.)
    func bind(to statement: OpaquePointer, at index: Int32) {
        withLentUTF8 { bindText($0, to: statement, at: index) }
    }
}

extension Substring: SQLiteBindable {
    /// Its bytes bound where they lie in the text it is part of (a key's decision number,
    /// ``DecisionKey/numberPart(_:)``: made into a `String`, one allocation a publication).
    func bind(to statement: OpaquePointer, at index: Int32) {
        if utf8.withContiguousStorageIfAvailable({ bindText($0, to: statement, at: index) }) == nil {
            (String(self) as any SQLiteBindable).bind(to: statement, at: index)
        }
    }
}

/// A text's UTF-8 bytes bound, copied by SQLite. An empty text still needs a pointer: a nil one
/// would bind NULL.
private func bindText(_ bytes: UnsafeBufferPointer<UInt8>, to statement: OpaquePointer, at index: Int32) {
    _ = bytes.isEmpty
        ? sqlite3_bind_text(statement, index, "", 0, transient)
        : bytes.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), transient) }
}

extension Int: SQLiteBindable {
    func bind(to statement: OpaquePointer, at index: Int32) { sqlite3_bind_int64(statement, index, Int64(self)) }
}

extension Int64: SQLiteBindable {
    func bind(to statement: OpaquePointer, at index: Int32) { sqlite3_bind_int64(statement, index, self) }
}

extension Bool: SQLiteBindable {
    func bind(to statement: OpaquePointer, at index: Int32) { sqlite3_bind_int64(statement, index, self ? 1 : 0) }
}

extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
    func bind(to statement: OpaquePointer, at index: Int32) {
        if let value = self { value.bind(to: statement, at: index) } else { sqlite3_bind_null(statement, index) }
    }
}

/// A SHA-256 hash as the ledger stores it (v13): its 32 bytes, read and written as 64 lowercase
/// hex digits everywhere else. Parsed by hand: once per record version and publication written.
struct SHA256Bytes: SQLiteBindable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// nil unless `hex` is 64 hex digits (either case).
    init?(hex: String) {
        var hex = hex
        let parsed = hex.withUTF8 { digits in
            guard digits.count == 64 else { return false }
            return withUnsafeMutableBytes(of: &words) { bytes in
                // Every digit's value or 0xFF, the high bits of all of them or-ed together and
                // looked at once at the end: no branch a digit (an optional a digit was a tenth of
                // recording a run's record versions).
                var high: UInt8 = 0
                for index in 0..<32 {
                    let (a, b) = (Self.nibble(digits[2 * index]), Self.nibble(digits[2 * index + 1]))
                    high |= a | b
                    bytes[index] = a << 4 | (b & 0x0F)
                }
                return high & 0xF0 == 0
            }
        }
        guard parsed else { return nil }
    }

    var bytes: [UInt8] { withUnsafeBytes(of: words) { Array($0) } }

    /// Lends the 32 bytes.
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try withUnsafeBytes(of: words, body)
    }

    /// The SQL that reads a stored hash back as lowercase hex; NULL stays NULL (`hex(NULL)` is '').
    static func hex(of column: String) -> String {
        "nullif(lower(hex(\(column))), '')"
    }

    /// A hex digit's value, or 0xFF.
    @inline(__always)
    private static func nibble(_ digit: UInt8) -> UInt8 {
        let decimal = digit &- 0x30
        let letter = (digit | 0x20) &- 0x61
        return decimal < 10 ? decimal : letter < 6 ? letter &+ 10 : 0xFF
    }

    func bind(to statement: OpaquePointer, at index: Int32) {
        withUnsafeBytes(of: words) { _ = sqlite3_bind_blob(statement, index, $0.baseAddress, 32, transient) }
    }
}

/// A hash to store: its bytes when it is 64 hex digits; otherwise the text as it is, which the
/// ledger's CHECK (a 32-byte blob) refuses, so that a malformed hash is an error, never a NULL.
struct StoredHash: SQLiteBindable {
    let hex: String

    func bind(to statement: OpaquePointer, at index: Int32) {
        if let bytes = SHA256Bytes(hex: hex) {
            bytes.bind(to: statement, at: index)
        } else {
            let text: some SQLiteBindable = hex
            text.bind(to: statement, at: index)
        }
    }
}
