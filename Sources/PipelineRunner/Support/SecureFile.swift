public import Foundation
import DisclosureCore

/// Files that may hold personal data (reports, the ledger): created mode 0600, written under a
/// temporary name in the same folder and renamed when complete, so nobody sees a half-written file.
public enum SecureFile {
    /// Creates the temporary file for `path`, mode 0600, and opens it for writing.
    public static func create(beside path: String) throws(CommandFailure) -> (FileHandle, String) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp").path
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: temporary)
        else {
            throw failure(path, code: "report-unwritable", errno: errno)
        }
        return (handle, temporary)
    }

    /// A file that could not be written, with why: a full disk (or quota) is a write failure (74,
    /// "磁盘已满"), anything else a file that cannot be made (73), with the system's reason.
    static func failure(_ path: String, code: String, error: (any Error)? = nil, errno number: Int32 = 0) -> CommandFailure {
        var posix = number
        if let error {
            let bridged = error as NSError
            let underlying = bridged.userInfo[NSUnderlyingErrorKey] as? NSError
            if bridged.domain == NSPOSIXErrorDomain {
                posix = Int32(bridged.code)
            } else if let underlying, underlying.domain == NSPOSIXErrorDomain {
                posix = Int32(underlying.code)
            } else if bridged.domain == NSCocoaErrorDomain, bridged.code == CocoaError.fileWriteOutOfSpace.rawValue {
                posix = ENOSPC
            }
        }
        if posix == ENOSPC || posix == EDQUOT {
            return CommandFailure(status: ExitStatus.ioError, code: code, message: "无法写入 \(OneLine.value(path))：磁盘已满（或超出配额）；腾出空间后重新运行，未写完的文件已删除")
        }
        let reason = posix != 0 ? String(cString: strerror(posix)) : error.map { OneLine.value("\($0)") } ?? "原因不明"
        return CommandFailure(status: ExitStatus.cantCreate, code: code, message: "无法写入 \(OneLine.value(path))（\(reason)）")
    }

    /// Syncs and closes the temporary file and renames it to `path`. A failed sync (as a full disk
    /// reports it for pages written before) is a failure, as a failed rename is: the temporary file
    /// is removed, and `code` names the failure.
    public static func commit(
        _ handle: FileHandle, temporary: String, to path: String, code: String = "report-unwritable"
    ) throws(CommandFailure) {
        var failed: CommandFailure?
        do { try handle.synchronize() } catch { failed = failure(path, code: code, error: error) }
        try? handle.close()
        if failed == nil, rename(temporary, path) != 0 { failed = failure(path, code: code, errno: errno) }
        if let failed {
            try? FileManager.default.removeItem(atPath: temporary)
            throw failed
        }
    }

    /// The most bytes handed to the system in one write, as the spools write. A feed's batch (about
    /// 4.5 MB) handed over in one call cost the kernel far more in copying it into the page cache
    /// (`copy_folio_from_iter_atomic`: 4.0% of a 200,000-record first run's samples; 1.3% written a
    /// megabyte at a time; the run's system time 1.06–1.15 s against 0.79–0.92 s in five
    /// alternating pairs, the wall lower in each).
    static let writeChunk = 1 << 20

    /// Writes `bytes` to `path` whole: a temporary file in the same folder (mode `mode`), synced,
    /// then renamed into place.
    public static func write(_ bytes: [UInt8], to path: String, mode: Int = 0o600) throws(CommandFailure) {
        let (handle, temporary) = try create(beside: path)
        do {
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + writeChunk)
                try handle.write(contentsOf: bytes[start..<end])
                start = end
            }
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw failure(path, code: "file-unwritable", error: error)
        }
        if mode != 0o600 { chmod(temporary, mode_t(mode)) }
        try commit(handle, temporary: temporary, to: path)
    }

    /// A file written a part at a time under a temporary name, then synced and renamed into place
    /// once its name is known (``commit(to:mode:)``: a feed batch's file, named by its hash), or
    /// removed (``discard()``). Mode 0600 until committed.
    final class Parts {
        private let handle: FileHandle
        /// Where the file is written until it is committed.
        let temporary: String

        init(temporary: String) throws(CommandFailure) {
            guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]),
                let handle = FileHandle(forWritingAtPath: temporary)
            else { throw SecureFile.failure(temporary, code: "file-unwritable", errno: errno) }
            self.handle = handle
            self.temporary = temporary
        }

        func append(_ bytes: UnsafeRawBufferPointer) throws(CommandFailure) {
            do { try handle.write(contentsOf: bytes) } catch { throw SecureFile.failure(temporary, code: "file-unwritable", error: error) }
        }

        /// Syncs the file and renames it to `path` (``SecureFile/commit(_:temporary:to:)``); the
        /// temporary file is removed on failure.
        func commit(to path: String, mode: Int = 0o600) throws(CommandFailure) {
            if mode != 0o600 { chmod(temporary, mode_t(mode)) }
            try SecureFile.commit(handle, temporary: temporary, to: path, code: "file-unwritable")
        }

        /// Closes and removes the temporary file.
        func discard() {
            try? handle.close()
            unlink(temporary)
        }
    }
}
