public import DisclosureCore
import Foundation

/// The run lock: at most one process writes to a ledger at a time.
///
/// An exclusive `flock` on `LEDGER.lock`, beside the ledger, taken without waiting. The operating
/// system releases it when the process ends, however it ends (even SIGKILL), so a crashed run
/// never leaves a stale lock. The file holds the holder's pid and start time, for the message a
/// second process shows.
public final class LedgerLock: Sendable {
    private let descriptor: Int32
    public let path: String

    /// Takes the lock for the ledger at `ledgerPath`, or throws ``LedgerError/locked(path:holder:)``
    /// at once when another process holds it.
    public init(ledgerPath: String, holder: String) throws(LedgerError) {
        path = ledgerPath + ".lock"
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            var buffer = [UInt8](repeating: 0, count: 512)
            let count = pread(descriptor, &buffer, buffer.count, 0)
            close(descriptor)
            guard reason == EWOULDBLOCK else { throw .cannotOpen(path: path, reason: String(cString: strerror(reason))) }
            let text = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .locked(path: path, holder: text)
        }
        self.descriptor = descriptor
        let note = Array("\(holder)\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = note.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        // Closing the descriptor releases the lock; the file stays (removing it would race with
        // a process that has just opened it).
        close(descriptor)
    }
}
