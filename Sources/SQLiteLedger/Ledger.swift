public import DisclosureCore
import Foundation
import Glibc
internal import CSQLiteSettings
internal import GRDB
import Synchronization

/// The publication ledger: a SQLite file (through GRDB) that remembers every source file, record
/// version, batch, publication and withdrawal, so that each record is published exactly once.
///
/// The only place SQL exists. Every state change is one transaction; SQLite's `synchronous = FULL`
/// (its default) makes a committed change survive a crash or power loss. Writers hold a
/// ``LedgerLock`` first; readers need none.
public final class Ledger: Sendable {
    public let path: String
    private let queue: DatabaseQueue
    /// A second, read-only connection for the planner's questions, so that they need not wait
    /// for the batch being recorded on the first (a run records one batch while it plans the
    /// next). SQLite lets it read what is committed while the other connection writes. Nil for a
    /// ledger opened for reading only.
    private let planningQueue: DatabaseQueue?
    /// Opened for reading after a writer had stopped in the middle of a transaction: its hot
    /// journal was rolled back first (what it had not committed is gone; nothing committed is).
    public let recoveredJournal: Bool
    /// The order in which this connection recorded record versions (`record.seq`): of two
    /// versions of a record first seen by the same run, the one recorded later is the latest. Runs
    /// are told apart by `first_run`, so the count need only grow within one run's connection.
    let recordSequence = Mutex<Int64>(0)

    private init(path: String, queue: DatabaseQueue, planningQueue: DatabaseQueue? = nil, recoveredJournal: Bool = false) {
        self.path = path
        self.queue = queue
        self.planningQueue = planningQueue
        self.recoveredJournal = recoveredJournal
    }

    /// Whether SQLite's memory statistics are off in this process, as `CSQLiteSettings` sets them
    /// when the program is loaded (every allocation SQLite makes otherwise takes a global mutex).
    public static var memoryStatisticsOff: Bool { gongshi_sqlite_settings_result() == 0 }

    /// Opens the ledger for writing, creating it (mode 0600) when absent, and applies the
    /// migrations this build knows and the file has not had yet.
    public static func open(path: String) throws(LedgerError) -> Ledger {
        let created = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if created >= 0 {
            fchmod(created, 0o600)  // whatever the umask
            close(created)
        } else if errno != EEXIST {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        let writer = try connect(path: path, readonly: false)
        try writer.migrate()
        return Ledger(path: path, queue: writer.queue, planningQueue: try connect(path: path, readonly: true).queue)
    }

    /// Opens an existing ledger read-only (status, history, 信用核查). A ledger that lacks a
    /// migration this build knows is ``LedgerError/outdated(path:)``: it must be migrated (a write)
    /// before it can be read.
    public static func openForReading(path: String) throws(LedgerError) -> Ledger {
        guard FileManager.default.fileExists(atPath: path) else { throw .missing(path: path) }
        let recovered = try recoverHotJournal(path: path)
        let plain = try connect(path: path, readonly: true)
        let ledger = Ledger(path: path, queue: plain.queue, recoveredJournal: recovered)
        try ledger.checkVersion()
        let applied = try ledger.read { db in try LedgerMigrations.migrator.appliedIdentifiers(db) }
        guard applied.isSuperset(of: LedgerMigrations.migrator.migrations) else { throw .outdated(path: path) }
        return ledger
    }

    /// A writer killed in the middle of a transaction leaves a hot journal (`PATH-journal`) that a
    /// read-only connection cannot roll back ("attempt to write a readonly database"). A read on a
    /// read-write connection rolls it back, as any writer would next; when a live writer holds it,
    /// the read waits for that writer instead (the busy timeout), and nothing is rolled back.
    ///
    /// - Returns: whether a journal was rolled back.
    private static func recoverHotJournal(path: String) throws(LedgerError) -> Bool {
        let journal = path + "-journal"
        guard let size = (try? FileManager.default.attributesOfItem(atPath: journal))?[.size] as? Int, size > 0 else { return false }
        let folder = (path as NSString).deletingLastPathComponent
        guard access(path, W_OK) == 0, access(folder.isEmpty ? "." : folder, W_OK) == 0 else {
            throw .cannotOpen(
                path: path,
                reason: "账本有一次未完成的写入（\(journal)），须先回滚，而本用户对账本没有写权限：请由有写权限的用户运行任一 gongshi 命令（如 gongshi ledger status）")
        }
        let writer = try connect(path: path, readonly: false)
        _ = try writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
        let left = (try? FileManager.default.attributesOfItem(atPath: journal))?[.size] as? Int ?? 0
        return left == 0
    }

    private static func connect(path: String, readonly: Bool) throws(LedgerError) -> Ledger {
        var configuration = Configuration()
        configuration.readonly = readonly
        configuration.foreignKeysEnabled = true
        // A reader that meets a writer's transaction waits for it instead of failing.
        configuration.busyMode = .timeout(10)
        // The writer's page cache: 6 MiB instead of SQLite's 2 MiB takes about a quarter off
        // recording a large run's publications (the indexes' pages stay in memory between the
        // batches; 200,000 records: 12.4–13.6 s with 2 MiB, 9.2–9.5 s with 4 MiB, 7.6–8.5 s with
        // 8 MiB, on a quiet machine). The readers keep the default. Counted in the run's memory,
        // which does not grow with the input.
        //
        // A new ledger's pages are 16 KiB, not 4 KiB (`page_size` changes nothing in a file that
        // already has tables): inserting a run's 196,000 publications took 2.41 s with 4 KiB pages,
        // 2.02 s with 8 KiB and 1.76 s with 16 KiB in the `sqlite3` shell, most of the difference
        // in the system's time (fewer, larger writes); `ledger confirm` of 40 batches 1.54–1.71 s →
        // 1.21–1.27 s. The cache is given in pages of the file's own size: given in KiB (`-6144`)
        // with the page size set after it, a 200,000-record run's peak went from 93 to 112 MB
        // (measured); in pages, 94 MB.
        if !readonly {
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA page_size = 16384")
                let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
                try db.execute(sql: "PRAGMA cache_size = \((6144 << 10) / max(512, pageSize))")
            }
        }
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return Ledger(path: path, queue: queue)
        } catch {
            throw .cannotOpen(path: path, reason: describe(error))
        }
    }

    /// The names of the migrations applied to this file, in order.
    public func appliedMigrations() throws(LedgerError) -> [String] {
        try read { db in try LedgerMigrations.migrator.appliedMigrations(db) }
    }

    private func migrate() throws(LedgerError) {
        try checkVersion()
        do {
            let pending = try queue.read { db in try !LedgerMigrations.migrator.hasCompletedMigrations(db) }
            try LedgerMigrations.migrator.migrate(queue)
            if pending { try compactAfterMigrating() }
        } catch {
            throw .cannotOpen(path: path, reason: Self.describe(error))
        }
    }

    /// A migration that rebuilds a table leaves the old table's pages free in the file, which SQLite
    /// reuses but does not give back (v15 to v18 on a 200,000-record ledger: 186 → 270 MB). When
    /// more than a quarter of the file is free, it is rewritten once (`VACUUM`: 0.8 s and 14 MB for
    /// that ledger, which became 154 MB). A ledger with 4 KiB pages gets the 16 KiB pages of a new
    /// one on the way (the connection asks for them; `VACUUM` applies it).
    private func compactAfterMigrating() throws {
        let (free, pages) = try queue.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0, try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0)
        }
        guard pages > 0, free * 4 > pages else { return }
        try queue.vacuum()
    }

    /// Refuses a file with migrations this build does not know: a newer gongshi wrote it, and an
    /// older one must not guess at its tables.
    private func checkVersion() throws(LedgerError) {
        let (applied, isLedger) = try read { db -> (Set<String>, Bool) in
            let tables = try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            let applied = try LedgerMigrations.migrator.appliedIdentifiers(db)
            return (applied, tables.isEmpty || tables.contains("grdb_migrations"))
        }
        guard isLedger else { throw .cannotOpen(path: path, reason: "not a gongshi ledger (no migration table)") }
        let unknown = applied.subtracting(LedgerMigrations.migrator.migrations).sorted()
        if !unknown.isEmpty { throw .newerVersion(path: path, unknown: unknown) }
    }

    // MARK: Access

    func read<T>(_ body: (Database) throws -> T) throws(LedgerError) -> T {
        try accessing { try queue.read(body) }
    }

    /// A read on the planning connection (the main one when there is none).
    func readForPlanning<T>(_ body: (Database) throws -> T) throws(LedgerError) -> T {
        try accessing { try (planningQueue ?? queue).read(body) }
    }

    func write<T>(_ body: (Database) throws -> T) throws(LedgerError) -> T {
        try accessing { try queue.write(body) }
    }

    /// A write whose every row that names another table's row comes after that row is written in
    /// the same transaction, so that the foreign keys hold by construction: SQLite's check of them
    /// is off for it (`foreign_keys` can only change outside a transaction; it is on again after,
    /// whether the body commits or throws). Checking a register's `decision_portal` rows against
    /// their `decision` (a look-up by text key per row) was about 0.14 s of the writing thread's
    /// 0.33 s for 200,000 decisions (`sqlite3` shell, the run's rows, four runs each).
    ///
    /// If the check cannot be had back (a transaction left open by a rollback that failed, where
    /// the pragma does nothing), the write fails rather than let the connection go on unchecked.
    func writeWithKeysHeld<T>(_ body: (Database) throws -> T) throws(LedgerError) -> T {
        try accessing {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
                let outcome = Result { () throws -> T in
                    var result: T?
                    try db.inTransaction {
                        result = try body(db)
                        return .commit
                    }
                    return result!
                }
                try db.execute(sql: "PRAGMA foreign_keys = ON")
                guard try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") == true else {
                    throw DatabaseError(resultCode: .SQLITE_ERROR, message: "foreign-key checks could not be turned back on")
                }
                return try outcome.get()
            }
        }
    }

    /// One access, its failure as a ``LedgerError`` (SQLite's explained).
    private func accessing<T>(_ body: () throws -> T) throws(LedgerError) -> T {
        do {
            return try body()
        } catch let error as LedgerError {
            throw error
        } catch {
            throw .database(Self.describe(error))
        }
    }

    /// SQLite's English, explained in Chinese with the original after it.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DatabaseError else { return OneLine.of("\(error)") }
        let original = OneLine.of(error.message ?? "\(error.resultCode)")
        let meaning: String? =
            switch error.resultCode.primaryResultCode {
            case .SQLITE_FULL: "磁盘已满"
            case .SQLITE_READONLY: "台账文件或其目录只读"
            case .SQLITE_BUSY, .SQLITE_LOCKED: "台账正被其他进程占用"
            case .SQLITE_CORRUPT, .SQLITE_NOTADB: "台账文件已损坏或不是 SQLite 文件"
            case .SQLITE_CANTOPEN: "无法打开台账文件（路径或权限）"
            case .SQLITE_IOERR: "读写台账文件时出错（磁盘或文件系统）"
            case .SQLITE_CONSTRAINT: "违反台账的约束（数据与已有记录冲突）"
            case .SQLITE_PERM, .SQLITE_AUTH: "没有访问台账的权限"
            default: nil
            }
        return meaning.map { "\($0)（原文：\(original)）" } ?? "SQLite 错误（原文：\(original)）"
    }
}
