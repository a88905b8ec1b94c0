public import Logging
import Synchronization

/// Where the engine's account of a run goes. The engine never prints: each line a person reads
/// (what was skipped, sent, confirmed, withdrawn) goes to ``line(_:)``, which the shell prints on
/// standard output; warnings and errors go through swift-log. Tests collect the lines
/// (``collecting()``) or drop them.
public struct Transcript: Sendable {
    private let emit: @Sendable (String) -> Void
    public let logger: Logger

    public init(logger: Logger, lines: @escaping @Sendable (String) -> Void) {
        self.logger = logger
        self.emit = lines
    }

    /// One line of the answer.
    public func line(_ text: String) { emit(text) }
    public func warning(_ text: String) { logger.warning("\(text)") }
    public func error(_ text: String) { logger.error("\(text)") }

    /// A transcript that keeps its lines, for tests: the transcript and a way to read them.
    public static func collecting(logger: Logger = Logger(label: "gongshi.test")) -> (Transcript, @Sendable () -> [String]) {
        let lines = Mutex<[String]>([])
        let transcript = Transcript(logger: logger) { line in lines.withLock { $0.append(line) } }
        return (transcript, { lines.withLock { $0 } })
    }
}
