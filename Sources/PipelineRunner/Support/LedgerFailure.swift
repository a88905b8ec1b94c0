public import DisclosureCore

extension CommandFailure {
    public init(_ error: LedgerError) {
        switch error {
        case .cannotOpen(let path, let reason):
            self.init(status: ExitStatus.cantCreate, code: "ledger-unavailable", message: "无法打开公示台账 \(path)：\(reason)")
        case .missing(let path):
            self.init(status: ExitStatus.noInput, code: "ledger-missing", message: "公示台账 \(path) 不存在（路径有误，或还没有运行过 gongshi run、带 --ledger 的 gongshi feed 或 gongshi ledger init）")
        case .locked(let path, let holder):
            let who = holder.isEmpty ? "另一个 gongshi 进程" : "另一个 gongshi 进程（\(holder)）"
            self.init(
                status: ExitStatus.temporaryFailure, code: "ledger-locked",
                message: "\(who)正在使用这个公示台账（锁：\(path)）；等它结束后再运行，台账没有改动")
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
    public static func ledger<T>(_ operation: () throws(LedgerError) -> T) throws(CommandFailure) -> T {
        do {
            return try operation()
        } catch {
            throw CommandFailure(error)
        }
    }
}
