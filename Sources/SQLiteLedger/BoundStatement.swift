internal import GRDB
internal import GRDBSQLite

/// A prepared insert run row after row with its values bound through SQLite's C API.
///
/// By hand because it is measurably faster: the run's bulk writes (record versions, the register,
/// a batch's publications) went through GRDB's `execute(arguments:)`, which boxes every value as a
/// `DatabaseValue` in a `StatementArguments` array before binding it; that was about a third of
/// the time of the thread that writes them (`perf`, 200,000 records). Only plain text and integer
/// parameters, each bound on every row; errors become GRDB's `DatabaseError`, as before.
struct BoundStatement {
    private let statement: Statement
    private let handle: OpaquePointer
    private let connection: OpaquePointer?

    /// SQLite copies the bytes while binding (its `SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
    }

    func bind(_ index: Int32, _ text: String?) {
        guard var text else {
            sqlite3_bind_null(handle, index)
            return
        }
        text.withUTF8 { bytes in
            // An empty text still needs a pointer: a nil one would bind NULL.
            _ = bytes.isEmpty
                ? sqlite3_bind_text(handle, index, "", 0, Self.transient)
                : bytes.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count), Self.transient) }
        }
    }

    func bind(_ index: Int32, _ value: Int?) {
        guard let value else {
            sqlite3_bind_null(handle, index)
            return
        }
        sqlite3_bind_int64(handle, index, Int64(value))
    }

    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    func bind(_ index: Int32, _ value: Bool) {
        sqlite3_bind_int64(handle, index, value ? 1 : 0)
    }

    /// Runs the statement with the values bound since the last run, and resets it for the next row.
    func run() throws {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            let extended = sqlite3_extended_errcode(connection)
            let message = String(cString: sqlite3_errmsg(connection))
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: extended), message: message, sql: statement.sql)
        }
        sqlite3_reset(handle)
    }
}
