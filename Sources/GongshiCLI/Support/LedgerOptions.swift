import DisclosureCore
import PipelineConfig
import PipelineRunner
import ArgumentParser
import Foundation
import PostgreSQLLedger
import PostgresSupport
import SQLiteLedger

/// `--ledger FILE|URL`: the publication ledger — a SQLite file on this machine, or the county's
/// shared ledger on PostgreSQL (`postgresql://USER@HOST:PORT/DATABASE`; the password from
/// `$GONGSHI_LEDGER_PASSWORD` or the 0600 file `$GONGSHI_LEDGER_CREDENTIALS`, never in the URL).
/// Defaults to `$GONGSHI_LEDGER`, else `var/ledger.sqlite`.
struct LedgerOptions: ParsableArguments {
    static let environmentVariable = "GONGSHI_LEDGER"
    static let passwordVariable = "GONGSHI_LEDGER_PASSWORD"
    static let credentialsVariable = "GONGSHI_LEDGER_CREDENTIALS"
    static let defaultPath = "var/ledger.sqlite"

    @Option(
        name: .customLong("ledger"),
        help: ArgumentHelp(
            "公示台账：SQLite 文件，或全县共用的 PostgreSQL 台账 postgresql://用户@主机:端口/库（密码取环境变量 GONGSHI_LEDGER_PASSWORD 或 GONGSHI_LEDGER_CREDENTIALS 指向的 0600 文件）；默认取环境变量 GONGSHI_LEDGER，否则 var/ledger.sqlite。",
            valueName: "FILE|URL"))
    var path: String?

    var effectivePath: String {
        if let path { return path }
        if let value = ProcessInfo.processInfo.environment[Self.environmentVariable], !value.isEmpty { return value }
        return Self.defaultPath
    }

    /// An open ledger: the store, where it is (for messages; never a password), and the run lock
    /// it was opened under (released when this value goes).
    struct Opened {
        let store: any LedgerStore
        let location: String
        let lock: AnyObject?
    }

    /// What a writing command locks on a shared ledger: its pipeline (runs of other pipelines go on),
    /// the whole ledger (a command across pipelines), or nothing (one transaction that is safe
    /// beside any run: confirming or failing a batch). A SQLite ledger's file lock covers all three.
    enum LockScope {
        case pipeline(String)
        case ledger
        case transaction
    }

    /// Where a pipeline's ledger is: `--ledger` when given, else the pipeline's `ledger:` (a path
    /// relative to the pipeline file, or a URL as it is).
    static func location(_ given: String?, context: PipelineContext) -> String {
        if let given { return given }
        let ledger = context.pipeline.ledger
        return PostgresAddress.isURL(ledger) ? ledger : context.resolve(ledger)
    }

    /// Takes the run lock, then opens and migrates the ledger. Only `run`, `feed --ledger` and
    /// `ledger init` create a SQLite ledger that is not there (`creating`); every other command
    /// stops with `ledger-missing` (66) and creates nothing — no file, no folder, no lock — as the
    /// reading commands do: a mistyped `--ledger` is not a new, empty ledger.
    func openForWriting(command: String, scope: LockScope = .ledger, creating: Bool = false) throws(CommandFailure) -> Opened {
        try Self.openForWriting(path: effectivePath, command: command, scope: scope, creating: creating)
    }

    static func openForWriting(path: String, command: String, scope: LockScope = .ledger, creating: Bool = false) throws(CommandFailure) -> Opened {
        let holder = "pid \(ProcessInfo.processInfo.processIdentifier)，\(command)，开始于 \(LedgerClock.now())"
        if PostgresAddress.isURL(path) {
            let ledger = try shared(path, migrating: true)
            let lock: PostgresRunLock?
            do {
                switch scope {
                case .pipeline(let id): lock = try ledger.lock(.pipeline(id), holder: holder)
                case .ledger: lock = try ledger.lock(.ledger, holder: holder)
                case .transaction: lock = nil
                }
            } catch {
                throw CommandFailure(error)
            }
            return Opened(store: ledger, location: ledger.location, lock: lock)
        }
        let missing = !creating && !FileManager.default.fileExists(atPath: path)
        // A ledger not there yet whose lock file is: another command may be creating it (a first
        // `run`), so the lock is asked first (75 while it is held), and the lock file only is used.
        if missing && !FileManager.default.fileExists(atPath: path + ".lock") { throw CommandFailure(LedgerError.missing(path: path)) }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !missing { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        do throws(LedgerError) {
            let lock = try LedgerLock(ledgerPath: path, holder: holder)
            if missing { throw LedgerError.missing(path: path) }
            return Opened(store: try Ledger.open(path: path), location: path, lock: lock)
        } catch {
            throw CommandFailure(error)
        }
    }

    /// Opens the ledger read-only, never migrating it (a dry run must leave it untouched); nil when
    /// there is none yet (no file; a shared database without the ledger's tables).
    static func openIfPresent(path: String) throws(CommandFailure) -> Opened? {
        if PostgresAddress.isURL(path) {
            do {
                let ledger = try shared(path, migrating: false)
                return Opened(store: ledger, location: ledger.location, lock: nil)
            } catch let failure where failure.code == "ledger-outdated" {
                return nil
            }
        }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let ledger = noteRecovery(try CommandFailure.ledger { () throws(LedgerError) in try Ledger.openForReading(path: path) })
        return Opened(store: ledger, location: path, lock: nil)
    }

    /// Says so when opening rolled back a writer's unfinished transaction.
    static func noteRecovery(_ ledger: Ledger) -> Ledger {
        if ledger.recoveredJournal {
            Output.warning(
                "注意 [ledger-journal-recovered] 账本 \(ledger.path) 上次写入时中断（留下未完成的事务日志），该事务已回滚；已提交的记录不受影响")
        }
        return ledger
    }

    /// Opens the ledger for reading; a ledger from an older gongshi is migrated first (under the
    /// run lock), then opened read-only.
    func openForReading() throws(CommandFailure) -> Opened {
        try Self.readingMigrated(path: effectivePath)
    }

    static func readingMigrated(path: String) throws(CommandFailure) -> Opened {
        if PostgresAddress.isURL(path) {
            do {
                let ledger = try shared(path, migrating: false)
                return Opened(store: ledger, location: ledger.location, lock: nil)
            } catch let failure where failure.code == "ledger-outdated" {
                let opened = try openForWriting(path: path, command: "migrate", scope: .ledger)
                return Opened(store: opened.store, location: opened.location, lock: nil)
            }
        }
        do {
            return Opened(store: noteRecovery(try Ledger.openForReading(path: path)), location: path, lock: nil)
        } catch .outdated {
            _ = try Self.openForWriting(path: path, command: "migrate")
            let ledger = noteRecovery(try CommandFailure.ledger { () throws(LedgerError) in try Ledger.openForReading(path: path) })
            return Opened(store: ledger, location: path, lock: nil)
        } catch {
            throw CommandFailure(error)
        }
    }

    /// The shared ledger at `url`, its password from the environment or a 0600 credentials file.
    static func shared(_ url: String, migrating: Bool) throws(CommandFailure) -> PostgresLedger {
        let address: PostgresAddress
        do {
            address = try PostgresAddress(url: url, what: "公示台账")
        } catch {
            throw CommandFailure(status: ExitStatus.configuration, code: "ledger-url", message: error.message)
        }
        let environment = ProcessInfo.processInfo.environment
        let password: String
        if let value = environment[passwordVariable], !value.isEmpty {
            password = value
        } else if let file = environment[credentialsVariable], !file.isEmpty {
            password = try DatabaseCredentials.password(file: file)
        } else {
            throw CommandFailure(
                status: ExitStatus.configuration, code: "credentials-env-unset",
                message: "没有共用台账 \(address) 的密码：设置环境变量 \(passwordVariable)，或用 \(credentialsVariable) 指向权限 0600 的凭据文件（password=…）")
        }
        return try CommandFailure.ledger { () throws(LedgerError) in
            try PostgresLedger.open(address: address, password: password, migrating: migrating)
        }
    }
}

/// `--pipeline ID`, `--department NAME`: one pipeline's or one department's part of a shared ledger.
struct LedgerFilterOptions: ParsableArguments {
    @Option(name: .customLong("pipeline"), help: ArgumentHelp("只看这条流水线（流水线文件名，不含 .yaml）的批次、记录和决定。", valueName: "ID"))
    var pipeline: String?

    @Option(name: .customLong("department"), help: ArgumentHelp("只看这个部门（流水线的 department:）的批次、记录和决定。", valueName: "NAME"))
    var department: String?

    var filter: LedgerFilter { LedgerFilter(pipeline: pipeline, department: department) }
}
