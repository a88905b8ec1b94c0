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
        /// How many times salvaged sightings were handed over.
        var salvageCalls = 0
        func accept(_ records: [ValidRecord]) throws { accepted += records.count }
        func endFile(failed: Bool) throws {}
        func sighted(_ sightings: [DecisionSighting], unidentifiable: Int, file: String, salvaged: Bool) throws {
            if salvaged {
                salvageCalls += 1
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

        // The same with a title line and a blank line above the header (as the validator skips
        // them): the header is still found, the rows numbered as the file's lines.
        let titled = Scratch.root.appendingPathComponent("gongshi-salvage-quote-title-\(UUID().uuidString).csv")
        try (["2026年11月行政处罚决定汇总,,", ""] + lines.prefix(5)).joined(separator: "\r\n").appending("\r\n")
            .write(to: titled, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: titled) }
        let (titledReport, titledSink) = try Self.validate(titled.path)
        #expect(titledReport.failedFiles == 1 && titledSink.accepted == 0)
        #expect(titledSink.salvaged.map(\.number) == numbers, "\(titledSink.salvaged)")
        #expect(titledSink.salvaged.map(\.row) == [4, 5, 6, 7])
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

/// Failed files made for these tests: eight or five decisions (牟城管罚〔2026〕801号 … , each row
/// `i` decided on 2026/11/`i`), from the template of `validate/penalty/valid.csv`'s first record.
extension SalvageTests {
    static func columns() throws -> (header: String, template: [String], name: Int, number: Int, facts: Int, date: Int) {
        let lines = try Fixtures.text("validate/penalty/valid.csv").split(whereSeparator: \.isNewline)  // CRLF: one Character
        let header = String(lines[0])
        let columns = header.split(separator: ",").map(String.init)
        return (
            header, String(lines[1]).split(separator: ",", omittingEmptySubsequences: false).map(String.init),
            try #require(columns.firstIndex(of: "行政相对人名称")), try #require(columns.firstIndex(of: "行政处罚决定书文号")),
            try #require(columns.firstIndex(of: "违法事实")), try #require(columns.firstIndex(of: "处罚决定日期"))
        )
    }

    /// Rows 1…`count`: the text of a CSV file (`delimiter`, CRLF), row `quoted`'s 违法事实 opened by a
    /// quote never closed, `@@` in row `bad`'s name (for a byte that does not decode).
    static func rows(_ count: Int, first: Int, delimiter: String = ",", quoted: Int? = nil, bad: Int? = nil) throws -> String {
        let layout = try columns()
        var lines = [layout.header.replacingOccurrences(of: ",", with: delimiter)]
        for index in 1...count {
            var cells = layout.template
            cells[layout.name] = "郑州某某餐饮管理有限公司\(index)" + (index == bad ? "@@" : "")
            cells[layout.number] = "牟城管罚〔2026〕\(first + index)号"
            cells[layout.date] = "2026/11/\(index)"
            if index == quoted { cells[layout.facts] = "\"" + cells[layout.facts] }
            lines.append(cells.joined(separator: delimiter))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Writes `text` in `encoding` (a Python codec), each `@@` a byte (or code unit) that does not decode.
    static func write(_ text: String, encoding: String, to file: URL) throws {
        let plain = Scratch.root.appendingPathComponent("gongshi-salvage-plain-\(UUID().uuidString).txt")
        try text.write(to: plain, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: plain) }
        try runTool("/usr/bin/python3", [
            "-c",
            """
            import sys
            source, target, codec = sys.argv[1:4]
            bad = b'\\x00\\xdc' if codec.startswith('utf-16') else b'\\xff'
            marker = '@@'.encode('utf-16-le' if codec.startswith('utf-16') else 'ascii')
            data = open(source, encoding='utf-8').read().encode(codec)
            open(target, 'wb').write(data.replace(marker, bad))
            """,
            plain.path, file.path, encoding,
        ])
    }

    @Test(
        "a failed file read a window at a time (a character, a stray quote, a line end cut at a window's edge) gives the sightings it gives read whole",
        arguments: [("gb18030", ","), ("utf-16", "\t"), ("utf-8-sig", ",")], [16, 17, 29, 64, 4096, Salvage.window])
    func windows(encoding: (codec: String, delimiter: String), window: Int) throws {
        let file = Scratch.root.appendingPathComponent("gongshi-salvage-windows-\(UUID().uuidString).csv")
        try Self.write(try Self.rows(8, first: 800, delimiter: encoding.delimiter, quoted: 3, bad: 6), encoding: encoding.codec, to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        guard case .found(let schema) = SchemaCatalog.find(kind: "penalty") else { throw CocoaError(.featureUnsupported) }
        let found = Salvage.decisions(file: file.path, schema: schema, options: InputOptions(), window: window)
        #expect(found.sightings.map(\.number) == (801...808).map { "牟城管罚〔2026〕\($0)号" }, "\(found.sightings)")
        #expect(found.sightings.map(\.row) == Array(2...9))
        // Row 4's date lies after its stray quote: tracked without it.
        #expect(found.sightings.map(\.decisionDate) == (1...8).map { $0 == 3 ? nil : "2026/11/\($0)" })
        #expect(found.sightings.allSatisfy { !$0.valid } && found.unidentifiable == 0)
        // And the file fails whole as the validator reads it: the same sightings reach the register.
        let (report, sink) = try Self.validate(file.path)
        #expect(report.failedFiles == 1 && sink.accepted == 0)
        #expect(sink.salvaged.map(\.number) == found.sightings.map(\.number) && sink.salvaged.map(\.row) == found.sightings.map(\.row))
    }

    @Test("a failed file's decisions reach the register a batch at a time as it is read, none held back, none twice")
    func batches() throws {
        let count = Salvage.batch * 2 + 10
        let file = Scratch.root.appendingPathComponent("gongshi-salvage-batches-\(UUID().uuidString).csv")
        try Self.rows(count, first: 10_000, quoted: 1).write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (report, sink) = try Self.validate(file.path)
        #expect(report.failedFiles == 1 && sink.accepted == 0)
        #expect(sink.salvageCalls == 3)
        #expect(sink.salvaged.map(\.number) == (1...count).map { "牟城管罚〔2026〕\(10_000 + $0)号" })
        #expect(sink.salvaged.map(\.row) == Array(2...(count + 1)))
    }
}

/// Workbooks whose sheet's XML is broken: the rows that can be read are tracked.
extension SalvageTests {
    /// A workbook of five decisions (rows 2–6) laid out as Excel saves one (shared strings:
    /// `benchmarks/make_workbook.py`), its sheet's XML then changed by `edit`, a Python expression
    /// on `xml` (the sheet's text).
    static func brokenWorkbook(_ edit: String, part: String = "xl/worksheets/sheet1.xml") throws -> URL {
        let folder = Scratch.root.appendingPathComponent("gongshi-salvage-xlsx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let table = folder.appendingPathComponent("decisions.csv")
        try Self.rows(5, first: 700).write(to: table, atomically: true, encoding: .utf8)
        let book = folder.appendingPathComponent("decisions.xlsx")
        try runTool("/usr/bin/python3", [Fixtures.root.appendingPathComponent("benchmarks/make_workbook.py").path, table.path, book.path])
        try runTool("/usr/bin/python3", [
            "-c",
            """
            import sys, zipfile
            path, edit, part = sys.argv[1:4]
            with zipfile.ZipFile(path) as book:
                parts = [(info.filename, book.read(info.filename)) for info in book.infolist()]
            with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as book:
                for name, data in parts:
                    if name == part:
                        xml = data.decode()
                        changed = eval(edit)
                        assert changed != xml
                        data = changed.encode()
                    book.writestr(name, data)
            """,
            book.path, edit, part,
        ])
        return book
    }

    /// The column letter of a 0-based column below 26.
    static func letter(_ column: Int) -> String { String(UnicodeScalar(UInt8(65 + column))) }

    @Test("a workbook whose sheet is cut off in row 4 fails; rows 2 and 3, and row 4's cells before the cut (its number), reach the register")
    func truncatedSheet() throws {
        let layout = try Self.columns()
        #expect(layout.number < layout.date && layout.date < 26)
        // Cut just before row 4's date cell: the rest of the sheet (row 5 and 6, the ends) is gone.
        let book = try Self.brokenWorkbook("xml[:xml.index('<c r=\"\(Self.letter(layout.date))4\"')]")
        defer { try? FileManager.default.removeItem(at: book.deletingLastPathComponent()) }
        let (report, sink) = try Self.validate(book.path)
        #expect(report.failedFiles == 1 && sink.accepted == 0 && sink.sighted.isEmpty)
        #expect(sink.salvaged.map(\.number) == ["牟城管罚〔2026〕701号", "牟城管罚〔2026〕702号", "牟城管罚〔2026〕703号"], "\(sink.salvaged)")
        #expect(sink.salvaged.map(\.row) == [2, 3, 4])
        #expect(sink.salvaged.map(\.date) == ["2026/11/1", "2026/11/2", nil])
        #expect(sink.salvaged.allSatisfy { !$0.valid } && sink.unidentifiable == 0)
    }

    @Test("a workbook with a malformed tag in row 3 fails; every row, before and after it, and row 3's other cells reach the register")
    func malformedTag() throws {
        let layout = try Self.columns()
        // Row 3's first cell (its subject's name, not the number): its start tag never closed.
        let book = try Self.brokenWorkbook("xml.replace('<c r=\"A3\"', '<c r=\"A3\"<', 1)")
        defer { try? FileManager.default.removeItem(at: book.deletingLastPathComponent()) }
        #expect(layout.name == 0)
        let (report, sink) = try Self.validate(book.path)
        #expect(report.failedFiles == 1 && sink.accepted == 0 && sink.sighted.isEmpty)
        #expect(sink.salvaged.map(\.number) == (701...705).map { "牟城管罚〔2026〕\($0)号" }, "\(sink.salvaged)")
        #expect(sink.salvaged.map(\.row) == [2, 3, 4, 5, 6])
        #expect(sink.salvaged.map(\.date) == (1...5).map { "2026/11/\($0)" })
    }

    @Test("a workbook whose row 4 has its number cell's tag broken fails; that row is counted unidentifiable, every other row reaches the register")
    func brokenNumberCell() throws {
        let layout = try Self.columns()
        let book = try Self.brokenWorkbook("xml.replace('<c r=\"\(Self.letter(layout.number))4\"', '<c r=\"\(Self.letter(layout.number))4\" <', 1)")
        defer { try? FileManager.default.removeItem(at: book.deletingLastPathComponent()) }
        let (report, sink) = try Self.validate(book.path)
        #expect(report.failedFiles == 1 && sink.accepted == 0)
        #expect(sink.salvaged.map(\.number) == ["牟城管罚〔2026〕701号", "牟城管罚〔2026〕702号", "牟城管罚〔2026〕704号", "牟城管罚〔2026〕705号"], "\(sink.salvaged)")
        #expect(sink.salvaged.map(\.row) == [2, 3, 5, 6])
        #expect(sink.unidentifiable == 1)
    }

    @Test("a workbook whose shared-string table has a malformed tag in one item fails; the items after it keep their places, and only the row using the broken one is unidentifiable")
    func brokenSharedString() throws {
        let book = try Self.brokenWorkbook("xml.replace('<t>牟城管罚〔2026〕703号</t>', '<t<>牟城管罚〔2026〕703号</t>', 1)", part: "xl/sharedStrings.xml")
        defer { try? FileManager.default.removeItem(at: book.deletingLastPathComponent()) }
        let (report, sink) = try Self.validate(book.path)
        #expect(report.failedFiles == 1 && sink.accepted == 0 && sink.sighted.isEmpty)
        #expect(sink.salvaged.map(\.number) == ["牟城管罚〔2026〕701号", "牟城管罚〔2026〕702号", "牟城管罚〔2026〕704号", "牟城管罚〔2026〕705号"], "\(sink.salvaged)")
        #expect(sink.salvaged.map(\.row) == [2, 3, 5, 6])
        #expect(sink.salvaged.map(\.date) == ["2026/11/1", "2026/11/2", "2026/11/4", "2026/11/5"])
        #expect(sink.unidentifiable == 1)
    }

    @Test("a workbook whose shared-string table is cut off after row 3's number fails; rows 2 and 3 reach the register")
    func truncatedSharedStrings() throws {
        let book = try Self.brokenWorkbook("xml[:xml.index('牟城管罚〔2026〕703号') + 20]", part: "xl/sharedStrings.xml")
        defer { try? FileManager.default.removeItem(at: book.deletingLastPathComponent()) }
        let (report, sink) = try Self.validate(book.path)
        #expect(report.failedFiles == 1 && sink.accepted == 0)
        #expect(sink.salvaged.map(\.number).prefix(2) == ["牟城管罚〔2026〕701号", "牟城管罚〔2026〕702号"], "\(sink.salvaged)")
        #expect(!sink.salvaged.isEmpty && sink.salvaged.count + sink.unidentifiable == 5, "\(sink.salvaged) \(sink.unidentifiable)")
    }

    @Test("hostile archives are still not read at all, for the register either", arguments: ["xlsx/traversal.xlsx", "xlsx/bomb-ratio.xlsx"])
    func hostileArchives(file: String) throws {
        let (report, sink) = try Self.validate(Fixtures.url(file).path)
        #expect(report.failedFiles == 1 && sink.accepted == 0)
        #expect(sink.salvaged.isEmpty && sink.unidentifiable == 0)
    }
}
