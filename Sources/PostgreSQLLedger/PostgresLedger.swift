public import DisclosureCore
import Foundation
internal import PostgresNIO
import Synchronization
public import PostgresSupport

/// The publication ledger on a PostgreSQL server that several machines share (the county's
/// ledger): the same ports, tables and guarantees as `SQLiteLedger.Ledger`, each write one
/// transaction.
///
/// Two connections: the writer, and a reader for the questions and the planner (a run records one
/// batch on its second thread while it plans the next). Each is used by one caller at a time.
/// Writes run SERIALIZABLE and are retried from the start when the server could not serialize
/// them against another department's run (SQLSTATE 40001) or picked them as a deadlock's victim
/// (40P01); what makes a publication unique is a constraint in SQL, so two runs can never record it
/// twice. A connection lost mid-transaction loses that transaction only: the next run finds the
/// ledger as the last commit left it and finishes the work, as after a crash on SQLite.
public final class PostgresLedger: Sendable {
    public let address: PostgresAddress
    let writer: Session
    /// The writer for a write that comes while the first is busy (the run's record versions are
    /// written beside its register): a server writes both at once, in a process each.
    let secondWriter: Session
    private let writerBusy = Mutex<Bool>(false)
    let reader: Session
    /// Gathers the statistics of grown tables (``analyzeGrownTables()``) on a thread of its own:
    /// no write waits for them.
    private let statistics: Session
    private let statisticsQueue = DispatchQueue(label: "gongshi.ledger.statistics", qos: .userInitiated)
    /// Rows written into each table since its statistics were last gathered, and its rows then.
    let growth = Mutex<[String: (since: Int, then: Int)]>([:])

    /// For messages: the address, never the password.
    public var location: String { address.description }

    private init(address: PostgresAddress, writer: Session, secondWriter: Session, reader: Session, statistics: Session) {
        self.address = address
        self.writer = writer
        self.secondWriter = secondWriter
        self.reader = reader
        self.statistics = statistics
    }

    /// Two writes at once each have a connection (``secondWriter``).
    public var takesConcurrentWrites: Bool { true }

    /// Connects and applies the migrations this build knows and the database has not had yet
    /// (refusing a database a newer gongshi migrated); with `migrating` false, a database missing
    /// one of them is ``LedgerError/outdated(path:)`` and nothing is written — ever: the ledger is
    /// then opened read-only (`default_transaction_read_only`), as the SQLite ledger opens its file
    /// for a dry run, and a write is refused by the server.
    public static func open(
        address: PostgresAddress, password: String, migrating: Bool = true, connectTimeout: Double = 10, statementTimeout: Double = 0
    ) throws(LedgerError) -> PostgresLedger {
        let configuration: PostgresConnection.Configuration
        do {
            configuration = try address.configuration(password: password, connectTimeout: connectTimeout)
        } catch {
            throw .cannotOpen(path: address.description, reason: error.message)
        }
        let milliseconds = Int(statementTimeout * 1000)
        let ledger = PostgresLedger(
            address: address,
            writer: Session(address: address, configuration: configuration, statementTimeout: milliseconds, readOnly: !migrating, label: "writer"),
            secondWriter: Session(
                address: address, configuration: configuration, statementTimeout: milliseconds, readOnly: !migrating, label: "writer-2"),
            reader: Session(address: address, configuration: configuration, statementTimeout: milliseconds, readOnly: true, label: "reader"),
            statistics: Session(
                address: address, configuration: configuration, statementTimeout: milliseconds, readOnly: !migrating, label: "statistics"))
        try ledger.prepare(migrating: migrating)
        return ledger
    }

    /// The names of the migrations applied, in order.
    public func appliedMigrations() throws(LedgerError) -> [String] {
        try read { link in
            try link.rows("SELECT identifier FROM gongshi_migration ORDER BY identifier").map { $0.string(0) }
        }
    }

    private func prepare(migrating: Bool) throws(LedgerError) {
        let known = PostgresMigrations.all.map(\.identifier)
        let location = self.location
        // READ COMMITTED: each statement sees what committed before it, so after waiting for the
        // lock this transaction sees the tables another machine's migration just made (a
        // SERIALIZABLE snapshot would be taken at the lock statement, before that commit).
        let outcome: LedgerError? = try accessing { () throws -> LedgerError? in try writer.transaction(.readCommitted) { link -> LedgerError? in
            try link.execute("SELECT pg_advisory_xact_lock($1)", [.int(PostgresMigrations.lockKey)])
            let exists = try link.one("SELECT to_regclass('gongshi_migration') IS NOT NULL")?.bool(0) ?? false
            var applied: Set<String> = []
            if exists {
                applied = Set(try link.rows("SELECT identifier FROM gongshi_migration").map { $0.string(0) })
            } else {
                let tables = try link.one("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename IN ('run', 'publication', 'batch')")?.int(0) ?? 0
                if tables > 0 { return .cannotOpen(path: location, reason: "not a gongshi ledger (no migration table)") }
            }
            let unknown = applied.subtracting(known).sorted()
            if !unknown.isEmpty { return .newerVersion(path: location, unknown: unknown) }
            let missing = PostgresMigrations.all.filter { !applied.contains($0.identifier) }
            if missing.isEmpty { return nil }
            guard migrating else { return .outdated(path: location) }
            try link.execute(PostgresMigrations.table)
            for migration in missing {
                for statement in PostgresMigrations.statements(migration.sql) {
                    try link.execute(statement)
                }
                try link.execute("INSERT INTO gongshi_migration (identifier) VALUES ($1)", [.text(migration.identifier)])
            }
            return nil
        } }
        if let outcome { throw outcome }
    }

    public func close() {
        statisticsQueue.sync {}  // statistics being gathered are finished first
        writer.close()
        secondWriter.close()
        reader.close()
        statistics.close()
    }

    // MARK: Access

    /// One write transaction (SERIALIZABLE, retried on a serialization failure or deadlock).
    @discardableResult
    func write<T>(_ body: (Link) throws -> T) throws(LedgerError) -> T {
        // The first writer unless another thread is writing on it: then the second (opened when
        // first needed), whose own lock makes any third wait.
        let first = writerBusy.withLock { busy in
            if busy { return false }
            busy = true
            return true
        }
        defer { if first { writerBusy.withLock { $0 = false } } }
        let value =
            first
            ? try accessing { try writer.transaction(.serializable, body) }
            : try writeOnSecond(body)
        analyzeGrownTables()
        return value
    }

    /// A write on the second writer, which holds no run lock of its own: it writes only while the
    /// first writer's connection holds the run's locks (looked up in each of its transactions).
    /// A run whose first connection was lost has lost its locks with it, and another run may hold
    /// them now: the first writer takes them again (or refuses) when it reconnects; the second
    /// refuses until it has.
    func writeOnSecond<T>(_ body: (Link) throws -> T) throws(LedgerError) -> T {
        try accessing {
            try secondWriter.transaction(.serializable) { link in
                if let holder = writer.requirementHolder.withLock({ $0 }) {
                    let held = try link.one(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = $1 AND granted)", [.int(holder)])?.bool(0)
                    guard held == true else {
                        throw LedgerError.database("本次运行的锁随其连接断开（服务器重启或结束了会话），第二个写连接不再写入；下次运行会完成余下的工作")
                    }
                }
                return try body(link)
            }
        }
    }

    /// Notes rows a write put into `table` (counted when its transaction commits or not: an
    /// estimate is enough); `part` counts a part of the table of its own (a portal feed's
    /// publications: statistics gathered before a feed's first rows know nothing of it, and the
    /// planner's questions about that feed scan it all).
    func grew(_ table: String, by rows: Int, part: String = "") {
        growth.withLock { $0[table + "\u{1}" + part, default: (0, 0)].since += rows }
    }

    /// Gathers the statistics of a table whose rows have grown fourfold since it was last done (at
    /// least 5,000 more), until it has a quarter of a million. A run fills its tables from empty
    /// within minutes, before autovacuum looks: with the statistics of an empty table the planner
    /// chooses sequential scans and nested loops that make the planner's and the deadline
    /// reckoning's questions quadratic (20,000 records: 108 s for the reckoning, 15 s for planning
    /// a feed). At 5,000, 20,000, 80,000 and 320,000 rows: the plans do not change past that, and
    /// an ANALYZE of a 200,000-row table takes 0.2–0.5 s; autovacuum keeps them current afterwards.
    private func analyzeGrownTables() {
        let due: Set<String> = growth.withLock { tables in
            var due: Set<String> = []
            for (key, count) in tables where count.then < 250_000 && count.since >= max(5000, 3 * count.then) {
                due.insert(String(key.prefix { $0 != "\u{1}" }))
                tables[key] = (0, count.then + count.since)
            }
            return due
        }
        guard !due.isEmpty else { return }
        // On the statistics' own connection and thread: the write that grew the table goes on (on
        // the run's writer they held its next write back, 0.6–1.2 s of a first run of 200,000
        // records, and a write on the second writer waited for the first's to end).
        statisticsQueue.async { [statistics] in
            for table in due.sorted() {
                _ = try? statistics.with { link in try link.execute("ANALYZE \(table)") }
            }
        }
    }

    /// Reads that see one snapshot (several statements, or a cursor).
    func read<T>(_ body: (Link) throws -> T) throws(LedgerError) -> T {
        try accessing { try reader.transaction(.snapshot, body) }
    }

    /// One statement on the reader, outside a transaction (the planner's many small questions).
    func ask<T>(_ body: (Link) throws -> T) throws(LedgerError) -> T {
        try accessing { try reader.with(body) }
    }

    private func accessing<T>(_ body: () throws -> T) throws(LedgerError) -> T {
        do {
            return try body()
        } catch let error as LedgerError {
            throw error
        } catch let error as ConnectFailure {
            throw .cannotOpen(path: location, reason: error.message)
        } catch {
            throw .database(Self.describe(error))
        }
    }

    /// The server's refusal in Chinese, its SQLSTATE after it (never a statement's values).
    static func describe(_ error: any Error) -> String {
        let original = PostgresErrorText.describe(error)
        if PostgresErrorText.isConnectionLost(error) { return "与台账数据库的连接中断（原文：\(original)）" }
        let state = PostgresErrorText.state(error) ?? ""
        let meaning: String? =
            switch state == "42501" ? state : String(state.prefix(2)) {
            case "23": "违反台账的约束（数据与已有记录冲突）"
            case "40": "与另一次运行冲突，重试多次仍未成功"
            case "53": "数据库服务器资源不足（磁盘、内存或连接数）"
            case "57": "数据库服务器正在关闭或语句超时"
            case "28", "42501": "没有访问台账的权限"
            case "42": "台账数据库的表与本程序不符"
            default: nil
            }
        return meaning.map { "\($0)（原文：\(original)）" } ?? "PostgreSQL 错误（原文：\(original)）"
    }

    // MARK: Bulk statements

    /// Chunks of at most `size` items, for inserts that never update (one statement per chunk).
    static func chunks<T>(_ items: [T], size: Int = 2000) -> [ArraySlice<T>] {
        stride(from: 0, to: items.count, by: size).map { items[$0..<min($0 + size, items.count)] }
    }

    /// Splits `items` into chunks of at most `size` in which no key repeats (a repeated key starts a
    /// new chunk): one upsert statement per chunk then applies them in order, as one statement per
    /// item would (PostgreSQL refuses to upsert one row twice in a statement).
    static func chunks<T>(_ items: some Collection<T>, size: Int = 2000, key: (T) -> String) -> [[T]] {
        var chunks: [[T]] = []
        var current: [T] = []
        var keys: Set<BytesKey> = []
        for item in items {
            let itemKey = BytesKey(text: key(item))
            if current.count == size || keys.contains(itemKey) {
                chunks.append(current)
                current = []
                keys = []
            }
            keys.insert(itemKey)
            current.append(item)
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }
}

/// A key told apart by its bytes, as the server tells the ledger's keys apart (`COLLATE "C"`). A
/// `String` hashes a text that is not ASCII in its normal form, worked out each time: the register's
/// Chinese decision numbers so hashed were 3% of a first run's client samples.
struct BytesKey: Hashable {
    let text: String

    func hash(into hasher: inout Hasher) {
        text.withLentUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    static func == (a: BytesKey, b: BytesKey) -> Bool { a.text.sameBytes(b.text) }
}

/// `$n` placeholders for a statement built piece by piece.
struct Arguments {
    var values: [Value] = []

    mutating func add(_ value: Value) -> String {
        values.append(value)
        return "$\(values.count)"
    }
}
