import Foundation
import Logging
internal import PostgresNIO
import PostgresSupport
import Synchronization

/// A value bound to a statement's `$n`.
enum Value: Sendable {
    case text(String?)
    case int(Int?)
    case bool(Bool?)
    /// A column for `unnest`, one statement inserting a whole chunk of rows: bound as a `text[]`
    /// in PostgreSQL's binary array format, NULLs included (``ArrayColumn``), and cast in the
    /// statement where its elements are of another type (`$1::text[]`, `$2::bigint[]`).
    case column([String?])
    /// A column of integers, bound as a `bigint[]` the same way (`$2::integer[]` casts it).
    case ints([Int?])
}

/// A column for `unnest` in PostgreSQL's binary array format: one dimension, each element its
/// length and bytes (-1: NULL). postgres-nio binds arrays of non-optional values only. (Until the
/// forty-first session the column was an array literal, `{"a",NULL}`, which the server parsed
/// character by character in `array_in`: 2% of all a first run's samples on the machine, and the
/// client built it escaping byte by byte.)
struct ArrayColumn: PostgresDynamicTypeEncodable {
    enum Items {
        case texts([String?])
        case ints([Int?])
    }
    let items: Items

    var psqlType: PostgresDataType {
        switch items {
        case .texts: .textArray
        case .ints: .int8Array
        }
    }
    var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        /// The header, then each element: its length and bytes (`write`), or -1 for NULL.
        func elements<T>(_ items: [T?], of element: PostgresDataType, _ write: (T, inout ByteBuffer) -> Void) {
            buffer.writeInteger(Int32(items.isEmpty ? 0 : 1))  // dimensions (an empty array has none)
            buffer.writeInteger(Int32(items.contains { $0 == nil } ? 1 : 0))
            buffer.writeInteger(Int32(bitPattern: element.rawValue))
            if !items.isEmpty {
                buffer.writeInteger(Int32(items.count))
                buffer.writeInteger(Int32(1))  // lower bound
            }
            for item in items {
                if let item { write(item, &buffer) } else { buffer.writeInteger(Int32(-1)) }
            }
        }
        switch items {
        case .texts(let texts):
            elements(texts, of: .text) { text, buffer in
                var text = text
                text.withUTF8 { bytes in
                    buffer.writeInteger(Int32(bytes.count))
                    buffer.writeBytes(bytes)
                }
            }
        case .ints(let ints):
            elements(ints, of: .int8) { int, buffer in
                buffer.writeInteger(Int32(8))
                buffer.writeInteger(Int64(int))
            }
        }
    }
}

/// A result cell, decoded by the column's type.
enum Cell: Sendable {
    case null, text(String), int(Int), bool(Bool)

    /// As text (nil: NULL).
    var text: String? {
        switch self {
        case .text(let value): value
        case .int(let value): String(value)
        case .bool(let value): value ? "1" : "0"
        case .null: nil
        }
    }

    var bool: Bool {
        switch self {
        case .bool(let value): value
        case .int(let value): value != 0
        case .text(let value): value == "t" || value == "1"
        case .null: false
        }
    }
}

/// One result row, read by position.
struct Row: Sendable {
    let cells: [Cell]

    func text(_ index: Int) -> String? { cells[index].text }

    func string(_ index: Int) -> String { text(index) ?? "" }

    func int(_ index: Int) -> Int? {
        switch cells[index] {
        case .int(let value): value
        case .bool(let value): value ? 1 : 0
        case .text(let value): Int(value)
        case .null: nil
        }
    }

    func bool(_ index: Int) -> Bool { cells[index].bool }
}

/// One open connection, used by one caller at a time: statements run synchronously (the engine's
/// ports are synchronous), each waiting for its answer on the calling thread.
struct Link {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs a statement; returns how many rows it changed (INSERT, UPDATE, DELETE) or returned.
    @discardableResult
    func execute(_ sql: String, _ values: [Value] = []) throws -> Int {
        let result = try answer(connection.query(Self.query(sql, values), logger: logger))
        return result.metadata.rows ?? result.rows.count
    }

    func rows(_ sql: String, _ values: [Value] = []) throws -> [Row] {
        try answer(connection.query(Self.query(sql, values), logger: logger)).rows.map(Self.row)
    }

    /// How often a waiting statement looks whether its connection is still open.
    static let lookEvery = TimeAmount.milliseconds(500)

    /// Waits for a statement's answer, as long as it takes while the connection stays open (a
    /// statement may rightly run long: the ledger sets no statement timeout unless asked). If the
    /// connection's channel closes and no answer has come, the wait ends with ``ConnectionGone``
    /// (a lost connection): a cut connection never leaves the run waiting forever.
    func answer<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
        let promise = future.eventLoop.makePromise(of: T.self)
        future.cascade(to: promise)
        let connection = self.connection
        let watch = future.eventLoop.scheduleRepeatedTask(initialDelay: Self.lookEvery, delay: Self.lookEvery) { task in
            guard connection.isClosed else { return }
            promise.fail(ConnectionGone())  // ignored if the answer came first
            task.cancel()
        }
        defer { watch.cancel() }
        return try promise.futureResult.wait()
    }

    func one(_ sql: String, _ values: [Value] = []) throws -> Row? {
        try rows(sql, values).first
    }

    /// Streams a query's rows through a cursor, `chunk` rows at a time: memory does not grow with
    /// the result. Must run inside a transaction.
    func forEach(_ sql: String, _ values: [Value] = [], chunk: Int = 2000, _ body: (Row) throws -> Void) throws {
        var cursor = try Cursor(self, name: "gongshi_cursor", sql: sql, values, chunk: chunk)
        while let row = try cursor.next() { try body(row) }
        try execute("CLOSE gongshi_cursor")
    }

    static func query(_ sql: String, _ values: [Value]) -> PostgresQuery {
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let text): binds.append(text)
            case .int(let int): binds.append(int)
            case .bool(let bool): binds.append(bool)
            case .column(let items): binds.append(ArrayColumn(items: .texts(items)))
            case .ints(let items): binds.append(ArrayColumn(items: .ints(items)))
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    static func row(_ row: PostgresRow) -> Row {
        var cells: [Cell] = []
        cells.reserveCapacity(row.count)
        var reader = CellReader(row)
        while let cell = reader.next() { cells.append(cell) }
        return Row(cells: cells)
    }
}

/// A row's cells read in turn, each by its type. The ledger's own types are read from their
/// bytes (a text's are its UTF-8 in either format; the rest as the binary format has them), not
/// through postgres-nio's generic decoding (`PostgresCell.decode`, or a row decoded as a tuple,
/// whose generic metadata is looked up at run time cell by cell): that decoding was most of the
/// client's time in reading a register of 200,000 decisions.
struct CellReader {
    private var cells: PostgresRow.Iterator

    init(_ row: PostgresRow) { cells = row.makeIterator() }

    /// The next cell, or nil after the last.
    mutating func next() -> Cell? {
        guard let cell = cells.next() else { return nil }
        guard let bytes = cell.bytes else { return .null }
        switch (cell.dataType, cell.format) {
        case (.text, _), (.varchar, _), (.name, _):
            return .text(String(buffer: bytes))
        case (.bool, .binary) where bytes.readableBytes == 1:
            return .bool(bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) != 0)
        case (.int4, .binary) where bytes.readableBytes == 4:
            return .int(Int(bytes.getInteger(at: bytes.readerIndex, as: Int32.self) ?? 0))
        case (.int8, .binary) where bytes.readableBytes == 8:
            return .int(Int(bytes.getInteger(at: bytes.readerIndex, as: Int64.self) ?? 0))
        case (.bool, _): return (try? cell.decode(Bool.self)).map(Cell.bool) ?? .null
        case (.int2, _), (.int4, _), (.int8, _): return (try? cell.decode(Int.self)).map(Cell.int) ?? .null
        default: return (try? cell.decode(String.self)).map(Cell.text) ?? .null
        }
    }

    /// The next cell as text (nil: NULL, or no more cells).
    mutating func text() -> String? { next()?.text }

    mutating func string() -> String { text() ?? "" }

    mutating func bool() -> Bool { next()?.bool ?? false }
}

/// The fields of a row the server sent packed into one cell, `ARRAY[a, b, …]` of texts, read in
/// turn from the array's binary form (as ``ArrayColumn`` writes it: a header, then each element's
/// length, -1 for NULL, and bytes). A long read of many columns costs the client one cell a row
/// this way: postgres-nio makes a `PostgresCell` for every cell (its column's name retained, its
/// type looked at), which was most of the client's reading of the register on a nightly re-run
/// (forty-second session). Non-text columns are cast to text in the query (`valid::text`).
struct PackedFields {
    private let bytes: ByteBuffer
    private var offset: Int
    private var left: Int

    /// The row's first cell, which must be a one-dimensional `text[]` in binary form.
    init(_ row: PostgresRow) throws {
        guard let cell = row.first, let bytes = cell.bytes, cell.format == .binary, cell.dataType == .textArray,
            let dimensions = bytes.getInteger(at: bytes.readerIndex, as: Int32.self)
        else { throw Malformed() }
        self.bytes = bytes
        if dimensions == 0 {  // ARRAY[] of nothing
            offset = bytes.readerIndex + 12
            left = 0
            return
        }
        guard dimensions == 1, let count = bytes.getInteger(at: bytes.readerIndex + 12, as: Int32.self) else { throw Malformed() }
        offset = bytes.readerIndex + 20  // past dimensions, NULL flag, element type, length, lower bound
        left = Int(count)
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String { "台账返回的打包行不是一维文本数组" }
    }

    /// The next field as text (nil: NULL, or no more fields).
    mutating func text() -> String? {
        guard left > 0, let length = bytes.getInteger(at: offset, as: Int32.self) else { return nil }
        left -= 1
        offset += 4
        guard length >= 0 else { return nil }
        let value = bytes.getString(at: offset, length: Int(length))
        offset += Int(length)
        return value
    }

    /// The next field as text, "" for NULL.
    mutating func string() -> String { text() ?? "" }

    /// The next field as a truth: `true` (a boolean cast to text) or `1` (an integer flag).
    mutating func bool() -> Bool {
        let value = text()
        return value == "true" || value == "1"
    }
}

/// A query's rows through a cursor, `chunk` rows a `FETCH`, handed out one at a time: memory does
/// not grow with the result, and several cursors may be read in turn in one transaction. The next
/// chunk is asked for as soon as one arrives, so that the server reads it while the caller works
/// through this one (a register of 200,000 decisions is a hundred round trips a cursor).
struct Cursor {
    private let link: Link
    private let name: String
    private let chunk: Int
    private var rows: [PostgresRow] = []
    private var index = 0
    private var asked: EventLoopFuture<PostgresQueryResult>?

    init(_ link: Link, name: String, sql: String, _ values: [Value], chunk: Int = 2000) throws {
        self.link = link
        self.name = name
        self.chunk = chunk
        try link.execute("DECLARE \(name) NO SCROLL CURSOR FOR " + sql, values)
        asked = fetch()
    }

    private func fetch() -> EventLoopFuture<PostgresQueryResult> {
        link.connection.query(PostgresQuery(unsafeSQL: "FETCH \(chunk) FROM \(name)"), logger: link.logger)
    }

    /// The next row as the server sent it (its cells read in turn by a ``CellReader``), or nil
    /// after the last.
    mutating func nextRow() throws -> PostgresRow? {
        if index == rows.count {
            guard let pending = asked else { return nil }
            asked = nil
            rows = try link.answer(pending).rows
            index = 0
            if rows.count == chunk { asked = fetch() }
            if rows.isEmpty { return nil }
        }
        index += 1
        return rows[index - 1]
    }

    /// The next row, or nil after the last.
    mutating func next() throws -> Row? {
        try nextRow().map(Link.row)
    }
}

/// A connection that is opened when first needed and again after it was lost, used by one caller
/// at a time (a lock held for the whole of an operation: a transaction's statements never
/// interleave with another thread's).
final class Session: @unchecked Sendable {
    private let configuration: PostgresConnection.Configuration
    private let address: PostgresAddress
    private let logger: Logger
    private let lock = NSLock()
    private var connection: PostgresConnection?
    /// Run on every connection this session opens, before it is used: the run lock is taken again
    /// on a connection opened after the last was lost (or the session refuses to go on).
    private var onConnect: ((Link) throws -> Void)?
    /// Statements are cut off after this many milliseconds (a stuck server ends the run; 0: never).
    private let statementTimeout: Int
    /// The server process of the connection on which ``require(_:)``'s step last succeeded (the
    /// run lock's holder; nil: nothing required). Read by other threads while this session is in
    /// use, so kept apart from its lock.
    let requirementHolder = Mutex<Int?>(nil)

    /// Every transaction read-only (the reader; a ledger opened for reading).
    private let readOnly: Bool

    init(address: PostgresAddress, configuration: PostgresConnection.Configuration, statementTimeout: Int, readOnly: Bool, label: String) {
        self.address = address
        self.configuration = configuration
        self.statementTimeout = statementTimeout
        self.readOnly = readOnly
        logger = Logger(label: "gongshi.ledger.\(label)")
    }

    /// Runs `step` now on this session's connection and again on every connection it opens later.
    func require(_ step: @escaping (Link) throws -> Void) throws {
        lock.lock()
        defer { lock.unlock() }
        let link = try open()
        try step(link)
        onConnect = step
        try noteHolder(link)
    }

    private func noteHolder(_ link: Link) throws {
        let pid = try link.one("SELECT pg_backend_pid()")?.int(0)
        requirementHolder.withLock { $0 = pid }
    }

    /// Stops requiring what ``require(_:)`` set, undoing it with `undo` on the open connection.
    func release(_ undo: (Link) throws -> Void) {
        lock.lock()
        defer { lock.unlock() }
        onConnect = nil
        requirementHolder.withLock { $0 = nil }
        if let connection, !connection.isClosed { try? undo(Link(connection: connection, logger: logger)) }
    }

    /// Runs `body` on the connection, opening it first when needed.
    func with<T>(_ body: (Link) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let link = try open()
        do {
            return try body(link)
        } catch {
            if link.connection.isClosed || PostgresErrorText.isConnectionLost(error) {
                try? link.connection.close().wait()
                connection = nil
            }
            throw error
        }
    }

    /// One transaction at `isolation`, retried from the start (a fresh snapshot) when the server
    /// answers that it could not serialize it or chose it as a deadlock's victim, or the connection
    /// was found lost before it began; at most `attempts` times, waiting a little longer each time.
    func transaction<T>(_ isolation: Isolation, attempts: Int = 12, _ body: (Link) throws -> T) throws -> T {
        var attempt = 1
        while true {
            var begun = false
            do {
                return try with { link in
                    try link.execute("BEGIN ISOLATION LEVEL \(isolation.rawValue)")
                    begun = true
                    do {
                        let value = try body(link)
                        try link.execute("COMMIT")
                        return value
                    } catch {
                        if !link.connection.isClosed { _ = try? link.execute("ROLLBACK") }
                        throw error
                    }
                }
            } catch let error where attempt < attempts && (Self.isRetryable(error) || (!begun && PostgresErrorText.isConnectionLost(error))) {
                // A serialization failure or deadlock undid the transaction; a connection found
                // lost before the transaction began did nothing (the next attempt opens another).
                // A connection lost after BEGIN is not retried: whether COMMIT reached the server
                // is unknown, and the run stops there for the next run to finish.
                attempt += 1
                if Self.isRetryable(error) {
                    // 5, 10, 20 … ms, at most about a second, with jitter so two writers part ways.
                    let base = min(1000, 5 << min(attempt, 8))
                    usleep(UInt32((base + Int.random(in: 0...base)) * 1000))
                }
            }
        }
    }

    enum Isolation: String {
        case serializable = "SERIALIZABLE"
        case readCommitted = "READ COMMITTED"
        case snapshot = "REPEATABLE READ READ ONLY"
    }

    /// 40001 serialization failure, 40P01 deadlock detected: the transaction did nothing and may
    /// run again.
    static func isRetryable(_ error: any Error) -> Bool {
        guard let state = PostgresErrorText.state(error) else { return false }
        return state == "40001" || state == "40P01"
    }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        try? connection?.close().wait()
        connection = nil
    }

    private func open() throws -> Link {
        if let connection, !connection.isClosed { return Link(connection: connection, logger: logger) }
        connection = nil
        let opened: PostgresConnection
        do {
            opened = try PostgresConnection.connect(
                on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration, id: 1, logger: logger
            ).wait()
        } catch {
            throw ConnectFailure(message: "连接 \(address) 失败：\(PostgresErrorText.describe(error))")
        }
        let link = Link(connection: opened, logger: logger)
        // Dates and text are compared as the SQLite ledger compares them: by bytes.
        do {
            try link.execute("SET statement_timeout = \(statementTimeout)")
            if readOnly { try link.execute("SET default_transaction_read_only = on") }
            if let onConnect {
                try onConnect(link)
                try noteHolder(link)
            }
        } catch {
            try? opened.close().wait()
            throw error
        }
        connection = opened
        return link
    }

    deinit {
        try? connection?.close().wait()
    }
}

struct ConnectFailure: Error {
    let message: String
}
