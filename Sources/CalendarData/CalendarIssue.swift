/// A problem in a calendar file, located by file and line, with a stable code.
///
/// Messages are in Chinese for the people who maintain the calendar; `code` is a stable
/// English identifier for scripts and tests.
public struct CalendarIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error
        case warning
    }

    /// Stable kebab-case type code, such as `calendar-make-up-not-weekend`.
    public let code: String
    public let severity: Severity
    /// The file (or folder) as the user knows it: a path, or `bundled:schemas/calendars/2020.yaml`.
    public let file: String
    /// The 1-based line in ``file``, when the problem has one.
    public let line: Int?
    /// What is wrong, in Chinese, naming the value.
    public let message: String

    public init(_ code: String, _ severity: Severity = .error, file: String, line: Int? = nil, _ message: String) {
        self.code = code
        self.severity = severity
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: 错误 [code] message`, one line.
    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        let label = severity == .error ? "错误" : "警告"
        return "\(place): \(label) [\(code)] \(message)"
    }
}
