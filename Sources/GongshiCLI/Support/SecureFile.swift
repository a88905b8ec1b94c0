import Foundation

/// Files that may hold personal data (reports, the ledger): created mode 0600, written to a
/// temporary name in the same folder and renamed, so nobody sees a half-written file.
enum SecureFile {
    /// Writes `data` to `path` atomically, with permissions 0600.
    static func write(_ data: Data, to path: String) throws(CommandFailure) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        guard FileManager.default.createFile(
            atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600])
        else {
            throw CommandFailure(status: ExitStatus.cantCreate, code: "report-unwritable", message: "无法写入 \(path)")
        }
        guard rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw CommandFailure(status: ExitStatus.cantCreate, code: "report-unwritable", message: "无法写入 \(path)")
        }
    }
}
