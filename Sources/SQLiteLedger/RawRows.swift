internal import GRDB
internal import GRDBSQLite
import Foundation

/// A query's rows read through SQLite's C API, one at a time, without a `Row` per row or a
/// `String` per cell: a cell's text is looked at in place (its bytes valid until the next step),
/// and made a `String` only when it is kept.
///
/// By hand because it is measurably faster for the few questions that read every decision or
/// every published record each night: decoding through GRDB's `Row` was 0.22 s of the 0.6 s the
/// period questions took for 200,000 published records, and 0.16 s of the publication sums'
/// 0.33 s. Errors become GRDB's `DatabaseError`, as its own cursors' do.
struct RawRows {
    private let statement: Statement
    let handle: OpaquePointer
    private let connection: OpaquePointer?

    init(_ db: Database, sql: String, arguments: StatementArguments = StatementArguments()) throws {
        statement = try db.makeStatement(sql: sql)
        try statement.setArguments(arguments)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
    }

    /// Moves to the next row; false at the end.
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE:
            sqlite3_reset(handle)
            return false
        default:
            throw stepFailure(handle, connection, sql: statement.sql)
        }
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    /// Ends the reading before its last row (the statement no longer holds its read).
    func reset() { sqlite3_reset(handle) }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func bool(_ column: Int32) -> Bool { sqlite3_column_int64(handle, column) != 0 }

    /// The cell's text in place (nil for NULL), valid until the next step.
    func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        return UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column)))
    }

    func string(_ column: Int32) -> String? { bytes(column).map { String(decoding: $0, as: UTF8.self) } }

    /// The order of the cell's text and `text`'s UTF-8 bytes (SQLite's BINARY collation); a NULL
    /// cell comes first.
    func order(_ column: Int32, _ text: String) -> Int {
        guard let cell = bytes(column) else { return -1 }
        return binaryOrder(cell, text)
    }
}

/// The order of two texts' UTF-8 bytes (SQLite's BINARY collation): negative, zero or positive.
/// By `memcmp`: through `String.UTF8View` it took 0.08 s of a re-run for 200,000 decisions.
/// A native text (as every text read from the ledger is) is read in place; only another is copied
/// for `withUTF8`, which retained and released it on every comparison (a twentieth of a re-run's
/// reckoning thread, where each publication row's number is compared with the register's).
func binaryOrder(_ left: String, _ right: String) -> Int {
    if let order = left.utf8.withContiguousStorageIfAvailable({ binaryOrder($0, right) }) { return order }
    var left = left
    return left.withUTF8 { binaryOrder($0, right) }
}

/// The order of two cells' bytes (nil, a NULL cell, first).
func binaryOrder(_ left: UnsafeBufferPointer<UInt8>?, _ right: UnsafeBufferPointer<UInt8>?) -> Int {
    guard let left else { return right == nil ? 0 : -1 }
    guard let right else { return 1 }
    let common = min(left.count, right.count)
    let order = common == 0 ? 0 : Int(memcmp(left.baseAddress!, right.baseAddress!, common))
    return order != 0 ? order : left.count - right.count
}

func binaryOrder(_ left: UnsafeBufferPointer<UInt8>, _ right: String) -> Int {
    if let lent = right.utf8.withContiguousStorageIfAvailable({ binaryOrder(left, $0) }) { return lent }
    var right = right
    return right.withUTF8 { binaryOrder(left, $0) }
}

/// A read on a second connection and thread, beside the caller's read transaction on `db`, that
/// sees the same ledger: the caller's transaction holds SQLite's shared lock (taken here if it
/// was not yet), so no writer can commit before both are done. Nil — the caller reads it itself
/// — when that cannot be had at once: the ledger is not in rollback-journal mode (in WAL mode
/// readers do not hold writers off), or a writer is already waiting to commit (the second
/// connection would wait for it, and it for the caller).
final class Alongside<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<Value, any Error>?  // written before `done` is signalled
    private var locked = false  // written before `done` is first signalled

    init?(path: String, alongside db: Database, _ work: @escaping @Sendable (Database) throws -> Value) throws {
        let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode")?.lowercased() ?? ""
        guard ["delete", "truncate", "persist"].contains(mode) else { return nil }
        _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")  // the caller's shared lock
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .immediateError
        guard let queue = try? DatabaseQueue(path: path, configuration: configuration) else { return nil }
        Thread.detachNewThread { [self] in
            // Its own shared lock, now or never (a transaction that has read), then the work; the
            // caller is told which before the work begins (and is told even if the connection
            // could not be used at all).
            var told = false
            try? queue.inDatabase { db in
                do {
                    try db.execute(sql: "BEGIN DEFERRED")
                    _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
                } catch {
                    try? db.execute(sql: "ROLLBACK")
                    return
                }
                locked = true
                told = true
                done.signal()
                result = Result { try work(db) }
                try? db.execute(sql: "ROLLBACK")
                done.signal()
            }
            if !told { done.signal() }
        }
        done.wait()
        guard locked else { return nil }
    }

    private var waited = false  // the caller's own

    /// Waits for the work and hands its value over (or throws its error); again, the same.
    func value() throws -> Value {
        if !waited {
            done.wait()
            waited = true
        }
        return try result!.get()
    }
}
