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
        try CommandFailure.ledger { () throws(LedgerError) in try Ledger.openForReading(path: path) }
    }

    /// Opens the ledger read-only; a ledger from an older gongshi is migrated first (under the
    /// run lock), then opened read-only.
    func openForReading() throws(CommandFailure) -> Ledger {
        try Self.readingMigrated(path: effectivePath)
    }

    static func readingMigrated(path: String) throws(CommandFailure) -> Ledger {
        do {
            return try Ledger.openForReading(path: path)
        } catch .outdated {
            _ = try Self.openForWriting(path: path, command: "migrate")
            return try CommandFailure.ledger { () throws(LedgerError) in try Ledger.openForReading(path: path) }
        } catch {
            throw CommandFailure(error)
        }
    }
}

extension CommandFailure {
    init(_ error: LedgerError) {
        switch error {
        case .cannotOpen(let path, let reason):
            self.init(status: ExitStatus.cantCreate, code: "ledger-unavailable", message: "无法打开公示台账 \(path)：\(reason)")
        case .missing(let path):
            self.init(status: ExitStatus.noInput, code: "ledger-missing", message: "公示台账 \(path) 不存在（还没有运行过带 --ledger 的 gongshi feed）")
        case .locked(let path, let holder):
            let who = holder.isEmpty ? "另一个 gongshi 进程" : "另一个 gongshi 进程（\(holder)）"
            self.init(
                status: ExitStatus.temporaryFailure, code: "ledger-locked",
                message: "\(who)正在使用这个公示台账（锁文件 \(path)）；等它结束后再运行，台账没有改动")
        case .newerVersion(let path, let unknown):
            self.init(
                status: ExitStatus.configuration, code: "ledger-newer",
                message: "公示台账 \(path) 由更新版本的 gongshi 写入（未知的迁移：\(unknown.joined(separator: "、"))）；请使用新版本")
        case .outdated(let path):
            self.init(status: ExitStatus.configuration, code: "ledger-outdated", message: "公示台账 \(path) 需要升级，请先运行一个写台账的命令")
        case .database(let message):
            self.init(status: ExitStatus.ioError, code: "ledger-write-failed", message: "公示台账写入失败，本步骤已整体撤销：\(message)")
        }
    }

    /// Runs a ledger operation, turning its error into the command's failure.
    static func ledger<T>(_ operation: () throws(LedgerError) -> T) throws(CommandFailure) -> T {
        do {
            return try operation()
        } catch {
            throw CommandFailure(error)
        }
    }
}

/// Instants for the ledger (start and end of runs, deliveries), as 2026-11-30T09:15:00+08:00.
enum LedgerClock {
    static func now() -> String { FeedBatchFile.shanghaiTimestamp() }
}
