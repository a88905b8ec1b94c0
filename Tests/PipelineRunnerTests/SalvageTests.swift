import DisclosureCore
import Foundation
import GongshiTesting
import PipelineConfig
@testable import PipelineRunner
import Testing
import WorkingDayCalendar

/// A file that fails as a whole still has its decisions tracked: every row whose number can be
/// read, before and after the failure, reaches the register (as invalid), and nothing is published.
@Suite("Salvage of a failed file")
struct SalvageTests {
    /// What a validation hands the run's record sink.
    final class Sink: RecordSink {
        var accepted = 0
        var sighted: [String] = []
        var salvaged: [(number: String, date: String?, row: Int, valid: Bool)] = []
        var unidentifiable = 0
        func accept(_ records: [ValidRecord]) throws { accepted += records.count }
        func endFile(failed: Bool) throws {}
        func sighted(_ sightings: [DecisionSighting], unidentifiable: Int, file: String, salvaged: Bool) throws {
            if salvaged {
                self.salvaged += sightings.map { ($0.number, $0.decisionDate, $0.row, $0.valid) }
                self.unidentifiable += unidentifiable
            } else {
                sighted += sightings.map(\.number)
            }
        }
    }

    static func validate(_ file: String) throws -> (ValidationReport, Sink) {
        guard case .found(let schema) = SchemaCatalog.find(kind: "penalty") else { throw CocoaError(.featureUnsupported) }
        let sink = Sink()
        let writer = try ReportWriter(json: false, language: .zh, reportPath: nil, output: nil)
        let report = try FileValidator.validate(
            files: [file], schema: schema, today: try CalendarDate.parse("2026-12-01"), options: InputOptions(), writer: writer, records: sink,
            refuse: { _ in nil }, refuseRead: { _ in nil })
        return (report, sink)
    }

    @Test("a GB18030 file with a bad byte in row 3 fails, and rows 2, 3 and 4 all reach the register, none as valid, none published")
    func badByteInTheMiddle() throws {
        let (report, sink) = try Self.validate(Fixtures.url("encoding/gb18030-bad-byte-row3.csv").path)
        #expect(report.failedFiles == 1 && report.valid == 0)
        #expect(sink.accepted == 0 && sink.sighted.isEmpty)
        #expect(sink.salvaged.map(\.number) == ["牟城管罚〔2026〕800号", "牟城管罚〔2026〕801号", "牟城管罚〔2026〕802号"])
        #expect(sink.salvaged.map(\.row) == [2, 3, 4])
        #expect(sink.salvaged.allSatisfy { !$0.valid })
        #expect(sink.salvaged.map(\.date) == ["2026/11/20", "2026/11/19", "2026/11/18"])
        #expect(sink.unidentifiable == 0)
    }

    @Test("an Excel Unicode-text export (UTF-16LE, TAB-separated) is read; failed, its decisions are salvaged by the same reading")
    func tabSeparated() throws {
        let (report, sink) = try Self.validate(Fixtures.url("validate/penalty/unicode-text.csv").path)
        #expect(report.failedFiles == 0 && report.valid == 3)
        #expect(sink.sighted == ["牟城管罚〔2026〕300号", "牟城管罚〔2026〕301号", "牟城管罚〔2026〕302号"])
        // Broken by an unpaired surrogate in row 3: the file fails, its three decisions are still tracked.
        var bytes = try [UInt8](Data(contentsOf: Fixtures.url("validate/penalty/unicode-text.csv")))
        let newline: [UInt8] = [0x0A, 0x00]
        let rowStarts = bytes.indices.filter { $0 % 2 == 0 && $0 + 1 < bytes.count && Array(bytes[$0...($0 + 1)]) == newline }.map { $0 + 2 }
        let at = rowStarts[1] + 2  // the second character of row 3 (its name, not its number)
        bytes.replaceSubrange(at..<(at + 2), with: [0x00, 0xDC])
        let broken = Scratch.root.appendingPathComponent("gongshi-salvage-\(UUID().uuidString).csv")
        try Data(bytes).write(to: broken)
        defer { try? FileManager.default.removeItem(at: broken) }
        let (failed, failedSink) = try Self.validate(broken.path)
        #expect(failed.failedFiles == 1 && failedSink.accepted == 0)
        #expect(failedSink.salvaged.map(\.number) == ["牟城管罚〔2026〕300号", "牟城管罚〔2026〕301号", "牟城管罚〔2026〕302号"])
    }
}

extension SalvageTests {
    @Test("a stray quote in row 3's free text fails the file; row 3's number (before the quote) and the rows after its line still reach the register")
    func strayQuote() throws {
        let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)  // (CRLF is one `Character`)
        #expect(lines.count >= 5)
        let numbers = lines[1...4].compactMap { line in line.firstMatch(of: /牟城管罚〔2026〕\d+号/).map { String($0.output) } }
        #expect(numbers.count == 4)
        // A quote opened in row 3's 违法事实 (after its number) and never closed.
        lines[2] = lines[2].replacingOccurrences(of: "擅自", with: "\"擅自")
        let broken = Scratch.root.appendingPathComponent("gongshi-salvage-quote-\(UUID().uuidString).csv")
        try (lines.prefix(5).joined(separator: "\r\n") + "\r\n").write(to: broken, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: broken) }
        let (report, sink) = try Self.validate(broken.path)
        #expect(report.failedFiles == 1 && sink.accepted == 0)
        #expect(sink.salvaged.map(\.number) == numbers, "\(sink.salvaged)")
        #expect(sink.salvaged.map(\.row) == [2, 3, 4, 5])
        #expect(sink.salvaged.allSatisfy { !$0.valid })
        // Row 3's decision date lies after its stray quote: tracked without it (no deadline yet).
        #expect(sink.salvaged.map { $0.date != nil } == [true, false, true, true])
    }
}

extension SalvageTests {
    @Test("two decisions whose 文号 hold different ID numbers stay two in the register, each 文号 masked as portals mask an ID (first 6, last 4), none whole")
    func personalNumbersInNumbersStayApart() throws {
        let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)  // (CRLF is one `Character`)
        let rows = lines[1...2].enumerated().map { index, line in
            line.replacing(/牟城管罚〔2026〕\d+号/, with: "牟城管罚〔2026〕\(["410122198503121231", "410122199001011234"][index])号")
        }
        let file = Scratch.root.appendingPathComponent("gongshi-keyed-\(UUID().uuidString).csv")
        try ([lines[0]] + rows).joined(separator: "\r\n").appending("\r\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (report, sink) = try Self.validate(file.path)
        #expect(report.invalid == 2 && sink.accepted == 0)
        #expect(sink.sighted == ["牟城管罚〔2026〕410122********1231号", "牟城管罚〔2026〕410122********1234号"], "\(sink.sighted)")
        #expect(PersonalDataScreen.maskedKeepingEnds("老板电话13800138000") == "老板电话138****8000")
    }
}
