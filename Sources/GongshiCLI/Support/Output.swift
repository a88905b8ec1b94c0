import Foundation
import Logging
import DisclosureCore
import PipelineRunner

/// Standard output carries only the answer; everything else goes to standard error.
enum Output {
    /// Writes one line of the answer to standard output.
    static func answer(_ line: String) {
        answer(bytes: Data((line + "\n").utf8))
    }

    /// Writes bytes of the answer to standard output. A write that fails (a full disk) is noted
    /// (``AnswerLoss``), not trapped on: the command goes on and ends with EX_IOERR (``Gongshi/main()``).
    static func answer(bytes: Data) {
        do {
            try FileHandle.standardOutput.write(contentsOf: bytes)
        } catch {
            AnswerLoss.note(error)
        }
    }

    /// The engine's transcript: its lines are the answer (standard output), its warnings and
    /// errors go through swift-log to standard error.
    static var transcript: Transcript { Transcript(logger: Log.logger) { answer($0) } }

    /// Writes one line for people to standard error, prefixed `gongshi:` (or as JSON with
    /// `--log-format json`), through swift-log.
    static func error(_ line: String) {
        Log.logger.error("\(line)")
    }

    /// A warning line on standard error.
    static func warning(_ line: String) {
        Log.logger.warning("\(line)")
    }


    /// Pads `text` with spaces to `width` terminal columns (CJK characters take two).
    static func pad(_ text: String, to width: Int) -> String {
        let used = text.unicodeScalars.reduce(0) { $0 + (isWide($1) ? 2 : 1) }
        return text + String(repeating: " ", count: max(1, width - used))
    }

    private static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
            0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            true
        default:
            false
        }
    }
}
