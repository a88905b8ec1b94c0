/// A problem in a configuration file (a schema, a code table), located by file and line.
public struct ConfigIssue: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable kebab-case code, such as `schema-unknown-key`.
    public let code: String
    /// The file as the user knows it: a path, or `bundled:schemas/publication/…`.
    public let file: String
    public let line: Int?
    /// What is wrong, in Chinese.
    public let message: String

    public init(_ code: String, file: String, line: Int?, _ message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: 错误 [code] message`.
    public var description: String {
        "\(line.map { "\(file):\($0)" } ?? file): 错误 [\(code)] \(message)"
    }
}
