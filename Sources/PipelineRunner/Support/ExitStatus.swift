import DisclosureCore

/// gongshi's exit codes, after BSD sysexits. Documented in the README and in `gongshi --help`.
public enum ExitStatus {
    public static let ok: Int32 = 0
    /// A yes/no command answered "no" (`calendar is-workday` on a day off).
    public static let no: Int32 = 1
    /// EX_USAGE: bad arguments — an impossible date, a day count outside 1–366.
    public static let usage: Int32 = 64
    /// EX_DATAERR: records with data errors.
    public static let dataError: Int32 = 65
    /// EX_NOINPUT: an input that must exist does not (a ledger never written).
    public static let noInput: Int32 = 66
    /// EX_UNAVAILABLE: a portal could not be used.
    public static let unavailable: Int32 = 69
    /// EX_CANTCREAT: an output file (a report) could not be written.
    public static let cantCreate: Int32 = 73
    /// EX_IOERR: the ledger refused a write (a full disk, a constraint).
    public static let ioError: Int32 = 74
    /// EX_TEMPFAIL: work left for a later run; also: another process holds the ledger's lock.
    public static let temporaryFailure: Int32 = 75
    /// EX_CONFIG: bad configuration — an unreadable or invalid calendar, or a count beyond its coverage.
    public static let configuration: Int32 = 78
}

/// A command that cannot give its answer: one line for standard error, and the exit status.
public struct CommandFailure: Error, Sendable {
    public let status: Int32
    public let code: String
    public let message: String

    /// - Parameter message: cut to ``Issue/messageLimit`` characters, its length stated (a value
    ///   quoted whole — a 10,000-character argument — made a line as long).
    public init(status: Int32, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message.count > Issue.messageLimit ? String(message.prefix(Issue.messageLimit)) + "…（已截断，共 \(message.count) 字）" : message
    }

    /// A failure whose problems were already reported (each on its own line): only the status remains.
    public static func reported(_ status: Int32) -> CommandFailure {
        CommandFailure(status: status, code: "", message: "")
    }

    public var isReported: Bool { code.isEmpty }

    public var line: String { "错误 [\(code)] \(message)" }
}
