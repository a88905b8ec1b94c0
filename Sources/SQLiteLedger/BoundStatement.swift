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
    private let parameters: Int32

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
        parameters = sqlite3_bind_parameter_count(handle)
    }

    /// Binds `values` to the parameters 1, 2, … in order and runs the statement.
    func run<each Value: SQLiteBindable>(_ values: repeat each Value) throws {
        var index: Int32 = 0
        for value in repeat each values {
            index += 1
            value.bind(to: handle, at: index)
        }
        // A value for every parameter, every time: one left out would keep the last row's.
        precondition(index == parameters, "\(index) values for \(parameters) parameters: \(statement.sql)")
        try step()
    }

    /// Runs the statement with the values bound since the last run, and resets it for the next row.
    private func step() throws {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw stepFailure(handle, connection, sql: statement.sql) }
        sqlite3_reset(handle)
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
    func bind(to statement: OpaquePointer, at index: Int32) {
        var text = self
        text.withUTF8 { bytes in
            // An empty text still needs a pointer: a nil one would bind NULL.
            _ = bytes.isEmpty
                ? sqlite3_bind_text(statement, index, "", 0, transient)
                : bytes.withMemoryRebound(to: CChar.self) { sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), transient) }
        }
    }
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
