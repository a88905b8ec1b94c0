import DisclosureCore
import PipelineRunner
import ArgumentParser
import Foundation
import SQLiteLedger

/// `--ledger FILE`: the publication ledger (SQLite). Defaults to `$GONGSHI_LEDGER`, else
/// `var/ledger.sqlite`.
struct LedgerOptions: ParsableArguments {
    static let environmentVariable = "GONGSHI_LEDGER"
    static let defaultPath = "var/ledger.sqlite"

    @Option(
        name: .customLong("ledger"),
        help: ArgumentHelp("公示台账文件（SQLite）；默认取环境变量 GONGSHI_LEDGER，否则 var/ledger.sqlite。", valueName: "FILE"))
    var path: String?

    var effectivePath: String {
        if let path { return path }
        if let value = ProcessInfo.processInfo.environment[Self.environmentVariable], !value.isEmpty { return value }
        return Self.defaultPath
    }

    /// Takes the run lock, then opens (creating if need be) and migrates the ledger.
    func openForWriting(command: String) throws(CommandFailure) -> (LedgerLock, Ledger) {
        try Self.openForWriting(path: effectivePath, command: command)
    }

    static func openForWriting(path: String, command: String) throws(CommandFailure) -> (LedgerLock, Ledger) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        do {
            let holder = "pid \(ProcessInfo.processInfo.processIdentifier)，\(command)，开始于 \(LedgerClock.now())"
            let lock = try LedgerLock(ledgerPath: path, holder: holder)
            return (lock, try Ledger.open(path: path))
        } catch {
            throw CommandFailure(error)
        }
    }

    /// Opens the ledger read-only, never migrating it (a dry run must leave the file untouched).
    static func openForReadingOnly(path: String) throws(CommandFailure) -> Ledger {
        noteRecovery(try CommandFailure.ledger { () throws(LedgerError) in try Ledger.openForReading(path: path) })
    }

    /// Says so when opening rolled back a writer's unfinished transaction.
    static func noteRecovery(_ ledger: Ledger) -> Ledger {
        if ledger.recoveredJournal {
            Output.warning(
                "注意 [ledger-journal-recovered] 账本 \(ledger.path) 上次写入时中断（留下未完成的事务日志），该事务已回滚；已提交的记录不受影响")
        }
        return ledger
    }

    /// Opens the ledger read-only; a ledger from an older gongshi is migrated first (under the
    /// run lock), then opened read-only.
    func openForReading() throws(CommandFailure) -> Ledger {
        try Self.readingMigrated(path: effectivePath)
    }

    static func readingMigrated(path: String) throws(CommandFailure) -> Ledger {
        do {
            return noteRecovery(try Ledger.openForReading(path: path))
        } catch .outdated {
            _ = try Self.openForWriting(path: path, command: "migrate")
            return noteRecovery(try CommandFailure.ledger { () throws(LedgerError) in try Ledger.openForReading(path: path) })
        } catch {
            throw CommandFailure(error)
        }
    }
}
