import DisclosureCore
import PipelineRunner
import Foundation
import Logging
import Synchronization

/// How log lines look on standard error: `gongshi: …` for people (the default), or one JSON
/// object per line (`--log-format json`) for a log collector.
enum LogFormat: String, Sendable, CaseIterable {
    case text, json

    /// Chosen once per command, before anything is logged.
    static let current = Mutex(LogFormat.text)
}

/// The swift-log handler gongshi bootstraps: every line that is not the answer goes through it
/// to standard error, as text or JSON lines.
struct StderrLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The longest message written (characters): a library's dump or a runaway value is cut, and says so.
    static let limit = 2000

    /// One line per message: line breaks inside it (a library's multi-line text) become ` ⏎ `,
    /// and a message longer than ``limit`` is cut.
    static func bounded(_ message: String) -> String {
        var text = message.replacing("\r\n", with: " ⏎ ").replacing("\n", with: " ⏎ ").replacing("\r", with: " ⏎ ")
        if text.count > limit {
            let total = text.count
            text = String(text.prefix(limit)) + "…（已截断，共 \(total) 字）"
        }
        return text
    }

    func log(event: LogEvent) {
        let line: String
        let message = Self.bounded(event.message.description)
        switch LogFormat.current.withLock({ $0 }) {
        case .text:
            line = "gongshi: \(message)\n"
        case .json:
            var fields = [
                ("time", ReportWriter.string(LedgerClock.now())),
                ("level", ReportWriter.string(event.level.rawValue)),
                ("message", ReportWriter.string(message)),
            ]
            for (key, value) in (metadata.merging(event.metadata ?? [:]) { $1 }).sorted(by: { $0.key < $1.key }) {
                fields.append((key, ReportWriter.string(value.description)))
            }
            line = "{" + fields.map { "\(ReportWriter.string($0.0)):\($0.1)" }.joined(separator: ",") + "}\n"
        }
        // Never a trap: standard error on a full disk loses the line, not the command.
        try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
    }
}

/// The process's logger.
enum Log {
    static let logger: Logger = {
        // GONGSHI_LOG_LEVEL=debug adds the debug lines (the time of each stage of a run); an
        // unknown value keeps the default, info.
        let level = ProcessInfo.processInfo.environment["GONGSHI_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        LoggingSystem.bootstrap { _ in
            var handler = StderrLogHandler()
            handler.logLevel = level
            return handler
        }
        return Logger(label: "gongshi")
    }()
}
