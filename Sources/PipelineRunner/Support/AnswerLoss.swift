import Foundation
import Synchronization

/// The first failed write of a command's answer — its standard output, or the problem list a
/// ``ReportWriter`` sends there — on a full disk, say. The write used to trap (Foundation's
/// `FileHandle.write(_:)` cannot fail otherwise): a run stopped half-way through with a stack
/// trace. Now the command goes on (a run's ledger, outbox and report files are what count, and they
/// report their own failures), and the shell ends it with EX_IOERR and one line saying why.
public enum AnswerLoss {
    private static let first = Mutex<String?>(nil)

    /// Notes a failed write; only the first is kept.
    public static func note(_ error: any Error) {
        let reason = describe(error)
        first.withLock { if $0 == nil { $0 = reason } }
    }

    /// Why the answer was not written whole, when it was not.
    public static var reason: String? { first.withLock { $0 } }

    /// The system's words for a failed write (`No space left on device`), without Foundation's
    /// wrapping of them.
    public static func describe(_ error: any Error) -> String {
        let error = error as NSError
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if error.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(error.code))) }
        return error.localizedDescription
    }
}
