/// A problem in a configuration file (a schema, a code table), located by file and line.
public struct ConfigIssue: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable kebab-case code, such as `schema-unknown-key`.
    public let code: String
    /// The file as the user knows it: a path, or `bundled:schemas/publication/…`.
    public let file: String
    public let line: Int?
    /// What is wrong, in Chinese.
    public let message: String
    /// A warning: worth fixing, but the configuration can be used.
    public let isWarning: Bool

    public init(_ code: String, file: String, line: Int?, _ message: String, isWarning: Bool = false) {
        self.code = code
        self.file = file
        self.line = line
        self.message = message
        self.isWarning = isWarning
    }

    /// `FILE:LINE: 错误 [code] message` (or 警告).
    public var description: String {
        "\(line.map { "\(file):\($0)" } ?? file): \(isWarning ? "警告" : "错误") [\(code)] \(message)"
    }
}
