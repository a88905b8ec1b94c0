import Foundation
import DisclosureCore
import GongshiTesting
import Testing

/// One CSV, XML or Excel file of `fixtures/validate/KIND/` with the problems it must produce (`NAME.expected`).
struct ValidateFixture: CustomTestStringConvertible, Sendable {
    let kind: String
    let name: String
    var testDescription: String { "\(kind)/\(name)" }
    let fileName: String
    var csv: String { Fixtures.url("validate/\(kind)/\(fileName)").path }

    /// `ROW TYPE FIELD [warning]` lines.
    var expected: [String] {
        get throws { try Fixtures.tableRows("validate/\(kind)/\(name).expected").sorted() }
    }

    /// How the fixture is validated: a bundled kind, or the test schema of a new record kind.
    var selector: [String] {
        switch kind {
        case "coercion": ["--schema", Fixtures.url("schemas/administrative-coercion.v1.yaml").path]
        case "penalty-mapped": ["--kind", "penalty", "--mapping", Fixtures.url("mappings/fazhike-case-system.v1.yaml").path]
        default: ["--kind", kind]
        }
    }

    static func all() throws -> [ValidateFixture] {
        try ["penalty", "permit", "commitment", "coercion", "penalty-mapped"].flatMap { kind in
            try FileManager.default.contentsOfDirectory(atPath: Fixtures.url("validate/\(kind)").path)
                .filter { $0.hasSuffix(".csv") || $0.hasSuffix(".xml") || $0.hasSuffix(".xlsx") }.sorted()
                .map { ValidateFixture(kind: kind, name: String($0.split(separator: ".")[0]), fileName: $0) }
        }
    }
}

/// The JSON report, as a test reads it.
struct ReportJSON: Decodable {
    struct Stats: Decodable, Equatable {
        let records, valid, invalid, skipped, errors, warnings, files, failedFiles: Int
    }

    struct Problem: Decodable {
        let file: String?
        let row: Int?
        let line: Int?
        let field: String?
        let code: String?
        let type: String
        let severity: String
        let value: String?
        let message: String
    }

    let valid: Bool
    let stats: Stats
    let errors: [Problem]

    static func decode(_ text: String) throws -> ReportJSON {
        try JSONDecoder().decode(ReportJSON.self, from: Data(text.utf8))
    }
}

@Suite("gongshi validate")
struct ValidateCommandTests {
    static let today = ["--today", "2026-11-30"]

    @Test("each fixture yields exactly its expected problems, and the counts reconcile", arguments: try ValidateFixture.all())
    func fixture(_ fixture: ValidateFixture) throws {
        let result = try GongshiProcess.run(["validate"] + fixture.selector + Self.today + ["--format", "json", fixture.csv])
        let report = try ReportJSON.decode(result.stdout)
        let found = report.errors.map { problem in
            "\((problem.row ?? problem.line).map(String.init) ?? "-") \(problem.type) \(problem.field ?? "-")"
                + (problem.severity == "warning" ? " warning" : "")
        }.sorted()
        #expect(found == (try fixture.expected), "\(result.stderr)")
        // read = valid + invalid; every row that is not a record is skipped with a reason.
        #expect(report.stats.records == report.stats.valid + report.stats.invalid)
        #expect(report.stats.skipped == found.filter { $0.contains("blank-row-skipped") }.count)
        let errorRows = Set(report.errors.filter { $0.severity == "error" && $0.row != nil }.compactMap(\.row))
        if report.stats.failedFiles > 0 {
            #expect(report.stats.records == 0)
        } else if !fixture.fileName.hasSuffix(".xml") {
            #expect(report.stats.invalid == errorRows.count)
        }
        #expect(report.stats.errors == report.errors.filter { $0.severity == "error" }.count)
        #expect(report.stats.warnings == report.errors.filter { $0.severity == "warning" }.count)
        #expect(report.valid == (report.stats.invalid == 0 && report.stats.failedFiles == 0))
        #expect(result.status == (report.valid ? 0 : 65))
        for problem in report.errors { #expect(problem.file == fixture.csv) }
    }

    @Test("--encoding gb18030: a UTF-8 file with its byte-order mark is read as UTF-8 with a warning; without one, the failure says what to do")
    func utf8IntoGB18030() throws {
        let folder = Scratch.root.appendingPathComponent("gongshi-utf8-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let text = try Data(contentsOf: Fixtures.url("validate/penalty/valid.csv"))
        let marked = folder.appendingPathComponent("marked.csv")
        let plain = folder.appendingPathComponent("plain.csv")
        try (Data([0xEF, 0xBB, 0xBF]) + text).write(to: marked)
        try text.write(to: plain)
        let read = try GongshiProcess.run(
            ["validate", "--kind", "penalty", "--encoding", "gb18030", "--today", "2026-11-30", "--format", "json", marked.path])
        #expect(read.status == 0, "\(read)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String: Any])
        let types = (report["errors"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == "warning" }.compactMap { $0["type"] as? String }
        #expect(types.contains("encoding-utf8-bom"), "\(types)")
        let failed = try GongshiProcess.run(["validate", "--kind", "penalty", "--encoding", "gb18030", "--today", "2026-11-30", plain.path])
        #expect(failed.status == 65 && failed.stdout.contains("[encoding-invalid]") && failed.stdout.contains("encoding 设为 auto"), "\(failed)")
    }

    @Test("text output: one line per problem, file:row: field: message [type], then a summary")
    func textOutput() throws {
        let csv = Fixtures.url("validate/penalty/invalid.csv").path
        let result = try GongshiProcess.run(["validate", "--kind", "penalty"] + Self.today + [csv])
        #expect(result.status == 65)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "\(csv):2: 行政处罚决定书文号: 必填项为空 [required-missing]")
        #expect(lines.contains("\(csv):35: 行政处罚决定书文号: 与第 34 行重复（行政处罚决定书文号、行政相对人名称相同） [duplicate-key]"))
        #expect(lines.last == "共 35 条记录：有效 2 条，无效 33 条；跳过 0 行；错误 34 个，警告 0 个。")
        #expect(result.stderr == "")
    }

    @Test("--lang en gives English messages with the same type codes")
    func english() throws {
        let csv = Fixtures.url("validate/penalty/invalid.csv").path
        let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--lang", "en"] + Self.today + [csv])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "\(csv):2: 行政处罚决定书文号: required field is empty [required-missing]")
        #expect(lines.last == "35 records: 2 valid, 33 invalid; 0 rows skipped; 34 errors, 0 warnings.")
    }

    @Test("a valid file exits 0; several files are one batch, and a broken file does not stop the others")
    func batchAndIsolation() throws {
        let valid = Fixtures.url("validate/penalty/valid.csv").path
        let clean = try GongshiProcess.run(["validate", "--kind", "penalty"] + Self.today + [valid])
        #expect(clean.status == 0)
        let broken = Fixtures.url("validate/penalty/gb18030-invalid.csv").path
        let result = try GongshiProcess.run(
            ["validate", "--kind", "penalty", "--format", "json"] + Self.today + [broken, "/nonexistent/x.csv", valid])
        #expect(result.status == 65)
        let report = try ReportJSON.decode(result.stdout)
        #expect(report.stats.files == 3)
        #expect(report.stats.failedFiles == 2)
        #expect(report.stats.records == 17)
        #expect(report.stats.valid == 17)
        let failures = report.errors.filter { $0.severity == "error" }.map { "\($0.file ?? "") \($0.type)" }
        #expect(failures == ["\(broken) encoding-invalid", "/nonexistent/x.csv file-unreadable"])
        // The text summary gives every file's counts, then the total.
        let text = try GongshiProcess.run(["validate", "--kind", "penalty"] + Self.today + [broken, "/nonexistent/x.csv", valid])
        let tail = text.stdout.split(separator: "\n").suffix(4).map(String.init)
        #expect(tail == [
            "\(broken)：无法校验", "/nonexistent/x.csv：无法校验", "\(valid)：17 条记录，有效 17 条，无效 0 条；跳过 2 行",
            "共 17 条记录：有效 17 条，无效 0 条；跳过 2 行；错误 2 个，警告 13 个；2 个文件无法校验。",
        ])
    }

    @Test("a title line above a CSV's header (a workbook's title saved as CSV) is skipped with a warning: the records read as without it, their rows one further down")
    func titleLineSkipped() throws {
        let valid = Fixtures.url("validate/penalty/valid.csv").path
        let folder = Scratch.root.appendingPathComponent("gongshi-title-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let plain = try ReportJSON.decode(try GongshiProcess.run(["validate", "--kind", "penalty", "--format", "json"] + Self.today + [valid]).stdout)
        // A title; a title and a blank line; a blank line.
        for (above, rows) in [("中牟县城市管理局2026年11月行政处罚信息,,,\r\n", [1]), ("行政处罚信息\r\n,,,,\r\n", [1, 2]), ("\r\n", [1])] {
            let titled = folder.appendingPathComponent("titled.csv").path
            try (Data(above.utf8) + Data(contentsOf: URL(fileURLWithPath: valid))).write(to: URL(fileURLWithPath: titled))
            let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--format", "json"] + Self.today + [titled])
            #expect(result.status == 0, "\(result)")
            let report = try ReportJSON.decode(result.stdout)
            #expect(report.stats.records == plain.stats.records && report.stats.valid == plain.stats.valid && report.stats.records > 0)
            #expect(report.errors.filter { $0.type == "csv-title-row-skipped" }.map(\.row) == rows, "\(above)")
            // Every other finding is the same, as many rows further down.
            let shifted = plain.errors.map { "\($0.type) \(($0.row ?? 0) + rows.count)" }
            #expect(report.errors.filter { $0.type != "csv-title-row-skipped" }.map { "\($0.type) \($0.row ?? 0)" } == shifted, "\(above)")
        }
    }

    @Test("a total row at the end of an export (合计, its sums) is skipped with a warning, not an invalid record; a row with 合计 and text is a record")
    func totalRowSkipped() throws {
        let valid = Fixtures.url("validate/penalty/valid.csv").path
        let folder = Scratch.root.appendingPathComponent("gongshi-total-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = try String(contentsOfFile: valid, encoding: .utf8)
        let columns = text.split(whereSeparator: \.isNewline)[0].split(separator: ",", omittingEmptySubsequences: false).count
        func row(_ cells: [Int: String]) -> String { (0..<columns).map { cells[$0] ?? "" }.joined(separator: ",") + "\r\n" }
        let plain = try ReportJSON.decode(try GongshiProcess.run(["validate", "--kind", "penalty", "--format", "json"] + Self.today + [valid]).stdout)
        let totalled = folder.appendingPathComponent("totalled.csv").path
        try (text + row([0: "合  计：17条", 19: "3.52"])).write(toFile: totalled, atomically: true, encoding: .utf8)
        let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--format", "json"] + Self.today + [totalled])
        #expect(result.status == 0, "\(result)")
        let report = try ReportJSON.decode(result.stdout)
        #expect(report.stats.records == plain.stats.records && report.stats.skipped == plain.stats.skipped + 1 && report.stats.invalid == 0)
        #expect(report.errors.filter { $0.type == "total-row-skipped" }.count == 1)
        // 合计 with words after it is no total row: a record, invalid.
        let worded = folder.appendingPathComponent("worded.csv").path
        try (text + row([0: "合计餐饮管理有限公司", 19: "3.52"])).write(toFile: worded, atomically: true, encoding: .utf8)
        let record = try ReportJSON.decode(try GongshiProcess.run(["validate", "--kind", "penalty", "--format", "json"] + Self.today + [worded]).stdout)
        #expect(record.stats.records == plain.stats.records + 1 && record.stats.invalid == 1)
    }

    @Test("the same decision in two files of one batch is a duplicate, naming the first file and row")
    func duplicateAcrossFiles() throws {
        let valid = Fixtures.url("validate/penalty/valid.csv").path
        let folder = Scratch.root.appendingPathComponent("gongshi-dup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("resubmitted.csv").path
        try FileManager.default.copyItem(atPath: valid, toPath: copy)
        let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--format", "json"] + Self.today + [valid, copy])
        let report = try ReportJSON.decode(result.stdout)
        let duplicates = report.errors.filter { $0.type == "duplicate-key" }
        #expect(duplicates.count == 17)
        #expect(duplicates.first?.message == "与\(valid) 第 2 行重复（行政处罚决定书文号、行政相对人名称相同）")
    }

    @Test("--report writes the JSON report, mode 0600, equal to --format json; ID numbers are masked everywhere")
    func reportFile() throws {
        let folder = Scratch.root.appendingPathComponent("gongshi-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.json").path
        let csv = Fixtures.url("validate/penalty/invalid.csv").path
        let text = try GongshiProcess.run(["validate", "--kind", "penalty", "--report", path] + Self.today + [csv])
        let json = try GongshiProcess.run(["validate", "--kind", "penalty", "--format", "json"] + Self.today + [csv])
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written == json.stdout)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["report.json"])
        let report = try ReportJSON.decode(written)
        let id = try #require(report.errors.first { $0.type == "id-number-check-character" })
        #expect(id.value == "410122********1230")
        #expect(id.code == "CF_XDR_ZJHM")
        for secret in ["410122198503121230", "410122198502301230", "410122203001011239"] {
            for output in [text.stdout, text.stderr, json.stdout, written] { #expect(!output.contains(secret)) }
        }
    }

    @Test(
        "usage errors exit 64 with one line",
        arguments: [
            ["validate", "x.csv"], ["validate", "--kind", "penalty"],
            ["validate", "--kind", "penalty", "--schema", "s.yaml", "x.csv"],
            ["validate", "--kind", "fines", "x.csv"], ["validate", "--kind", "penalty", "--lang", "fr", "x.csv"],
            ["validate", "--kind", "penalty", "--format", "xml", "x.csv"],
        ])
    func usage(arguments: [String]) throws {
        let result = try GongshiProcess.run(arguments)
        #expect(result.status == 64, "\(result)")
        #expect(result.stdout == "")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test("a bad schema file exits 78 with file and line")
    func badSchema() throws {
        let schema = Fixtures.url("schemas/invalid/unknown-key.yaml").path
        let result = try GongshiProcess.run(["validate", "--schema", schema, Fixtures.url("validate/penalty/valid.csv").path])
        #expect(result.status == 78)
        #expect(result.stderr.contains("\(schema):8: 错误 [schema-unknown-key]"))
        let missing = try GongshiProcess.run(["validate", "--schema", "/nonexistent/s.yaml", "x.csv"])
        #expect(missing.status == 78)
        #expect(missing.stderr == "gongshi: /nonexistent/s.yaml: 错误 [schema-unreadable] 文件不存在或无法读取\n")
    }
}

@Suite("gongshi validate: XML, XSD and mappings")
struct ValidateXMLCommandTests {
    static let today = ["--today", "2026-11-30"]

    @Test("--xsd validates in the same pass: violations are located problems of their records")
    func xsd() throws {
        let xml = Fixtures.url("validate/permit/permits.xml").path
        let xsd = Fixtures.root.appendingPathComponent("schemas/xsd/administrative-permit.v2.xsd").path
        let result = try GongshiProcess.run(["validate", "--kind", "permit", "--xsd", xsd, "--format", "json"] + Self.today + [xml])
        let report = try ReportJSON.decode(result.stdout)
        let schemaErrors = report.errors.filter { $0.type == "xml-schema-error" }.map { $0.line ?? 0 }
        #expect(schemaErrors == [81, 101, 122])
        #expect(report.stats.invalid == 4)
        #expect(report.errors.allSatisfy { $0.row == nil && $0.line != nil })
    }

    @Test("a long XML file, parsed on its own thread in chunks: every record in order, each XSD finding on its record")
    func longXML() throws {
        // The fixture's six records (lines 3–123) a hundred times over: 600 records, several of the
        // parsing thread's chunks (256 records each).
        let lines = try Fixtures.text("validate/permit/permits.xml").split(separator: "\n", omittingEmptySubsequences: false)
        let block = lines[2..<123].joined(separator: "\n")
        let copies = 100
        let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Records>\n"
            + Array(repeating: block, count: copies).joined(separator: "\n") + "\n</Records>\n"
        let file = Scratch.root.appendingPathComponent("gongshi-long-\(UUID().uuidString).xml")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let xsd = Fixtures.root.appendingPathComponent("schemas/xsd/administrative-permit.v2.xsd").path
        let result = try GongshiProcess.run(["validate", "--kind", "permit", "--xsd", xsd, "--format", "json"] + Self.today + [file.path])
        let report = try ReportJSON.decode(result.stdout)
        #expect(report.stats.records == 6 * copies)
        let schemaLines = report.errors.filter { $0.type == "xml-schema-error" }.map { $0.line ?? 0 }
        #expect(schemaLines == (0..<copies).flatMap { copy in [81, 101, 122].map { $0 + 121 * copy } })
        #expect(report.errors.allSatisfy { ($0.line ?? 0) >= 3 && ($0.line ?? 0) <= 2 + 121 * copies })
        // Records are merged in document order: the first copy's records are the ones first seen,
        // and every later copy repeats their keys (five records of a copy carry one).
        let duplicates = report.errors.filter { $0.type == "duplicate-key" }.map { (($0.line ?? 0) - 3) / 121 }
        #expect(!duplicates.contains(0))
        #expect(Set(duplicates) == Set(1..<copies))
        #expect(duplicates.count == 5 * (copies - 1))
    }

    @Test("a comment half way through a long XML file: libxml2 reads it again from the start, and the report is the same")
    func plainScannerHandsOver() throws {
        // 600 records in 100 copies; the second file has a comment before copy 50 (on the same
        // line, so every line stays), after more records than the parsing thread's chunks hold.
        let lines = try Fixtures.text("validate/permit/permits.xml").split(separator: "\n", omittingEmptySubsequences: false)
        let block = lines[2..<123].joined(separator: "\n")
        let copies = (0..<100).map { $0 == 50 ? "<!-- 注释 -->" + block : block }
        let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Records>\n"
        var reports: [(Int32, ReportJSON.Stats, [String])] = []
        for text in [Array(repeating: block, count: 100), copies].map({ head + $0.joined(separator: "\n") + "\n</Records>\n" }) {
            let file = Scratch.root.appendingPathComponent("gongshi-plain-\(UUID().uuidString).xml")
            try Data(text.utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let result = try GongshiProcess.run(["validate", "--kind", "permit", "--format", "json"] + Self.today + [file.path])
            let report = try ReportJSON.decode(result.stdout)
            reports.append((result.status, report.stats, report.errors.map { "\($0.type) \($0.line ?? 0) \($0.field ?? "")" }))
        }
        #expect(reports[0].1.records == 600)
        #expect(reports[0].2.filter { $0.hasPrefix("duplicate-key") }.count == 5 * 99)
        #expect(reports[1].0 == reports[0].0)
        #expect(reports[1].1 == reports[0].1)
        #expect(reports[1].2 == reports[0].2)
    }

    @Test("an XML text past its field's limit is its record's error with its whole length, by the plain scanner and by libxml2; the file reads on")
    func oversizedXMLText() throws {
        // The first record's 许可内容 (at most 4,000 characters: 16,004 bytes kept) a million
        // characters long; in the fifth, an element no field reads with 1,200,000 bytes (1 MiB kept).
        var text = try Fixtures.text("validate/permit/permits.xml")
        let content = try #require(text.range(of: "<XK_NR>同意在郑开大道设置户外广告牌一块</XK_NR>"))
        text.replaceSubrange(content, with: "<XK_NR>" + String(repeating: "许", count: 1_000_000) + "</XK_NR>")
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[81] == "  <Record>")
        lines[81] += "<BZ_NEIBU>" + String(repeating: "x", count: 1_200_000) + "</BZ_NEIBU>"
        for libxml2 in [false, true] {
            // A comment is outside the plain subset: libxml2 reads the whole file again.
            let document = lines.joined(separator: "\n").replacingOccurrences(of: "<Records>", with: libxml2 ? "<Records><!-- 注释 -->" : "<Records>")
            let file = Scratch.root.appendingPathComponent("gongshi-long-text-\(UUID().uuidString).xml")
            try Data(document.utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let result = try GongshiProcess.run(["validate", "--kind", "permit", "--format", "json"] + Self.today + [file.path])
            #expect(result.status == 65)
            #expect(result.stdout.utf8.count < 20_000, "\(result.stdout.utf8.count) bytes of output")
            let report = try ReportJSON.decode(result.stdout)
            #expect(report.stats.failedFiles == 0 && report.stats.records == 6 && report.stats.invalid == 5 && report.stats.valid == 1, "\(report.stats)")
            let content = report.errors.filter { $0.line == 13 && $0.severity == "error" }
            #expect(content.map(\.type) == ["max-length"] && content.first?.field == "许可内容", "\(content)")
            #expect(content.first?.message.hasPrefix("长度为 1000000 个字符，超过上限 4000 个字符（该单元格 3000000 字节") == true, "\(content)")
            #expect(content.first?.value?.hasSuffix("…（共 1000000 字）") == true)
            let unread = report.errors.filter { $0.line == 82 && $0.severity == "error" }
            #expect(unread.map(\.type) == ["cell-too-large"] && unread.first?.value == "<BZ_NEIBU>", "\(unread)")
            #expect(unread.first?.message.hasPrefix("元素 <BZ_NEIBU> 的文本有 1200000 字节（1200000 个字符）") == true, "\(unread)")
        }
        // With an XSD, whose validator holds a text whole (a 50 MB one took minutes), a text past
        // 1 MiB stops the file at its line, as every long text did before texts were cut.
        let file = Scratch.root.appendingPathComponent("gongshi-long-text-xsd-\(UUID().uuidString).xml")
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let xsd = Fixtures.root.appendingPathComponent("schemas/xsd/administrative-permit.v2.xsd").path
        let result = try GongshiProcess.run(["validate", "--kind", "permit", "--xsd", xsd, "--format", "json"] + Self.today + [file.path])
        let report = try ReportJSON.decode(result.stdout)
        #expect(result.status == 65 && report.stats.failedFiles == 1 && report.stats.records == 0, "\(report.stats)")
        #expect(report.errors.map(\.type) == ["xml-text-too-long"] && report.errors.first?.line == 13, "\(report.errors.map(\.type))")
    }

    @Test(
        "hostile and broken XML files each fail with a clear, located error; the other files go through",
        arguments: [
            ("xxe.xml", "xml-doctype-forbidden"), ("billion-laughs.xml", "xml-doctype-forbidden"),
            ("external-dtd.xml", "xml-doctype-forbidden"), ("internal-entity.xml", "xml-not-well-formed"),
            ("truncated.xml", "xml-not-well-formed"), ("malformed.xml", "xml-not-well-formed"), ("deep.xml", "xml-too-deep"),
        ])
    func hostile(file: String, type: String) throws {
        let hostile = Fixtures.url("xml/\(file)").path
        let good = Fixtures.url("validate/permit/valid.csv").path
        let result = try GongshiProcess.run(["validate", "--kind", "permit", "--format", "json"] + Self.today + [hostile, good])
        #expect(result.status == 65)
        let report = try ReportJSON.decode(result.stdout)
        let failure = try #require(report.errors.first { $0.file == hostile })
        #expect(failure.type == type)
        #expect(failure.line != nil)
        #expect(report.stats.failedFiles == 1)
        #expect(report.stats.records == 7)
        #expect(!result.stdout.contains("root:"))  // nothing of /etc/passwd
    }

    @Test("with --xsd, a megabyte of blanks between two records fails that file alone, with its line; the run does not crash")
    func megabyteOfBlanksWithAnXSD() throws {
        var padded = try Fixtures.text("validate/permit/permits.xml")
        let between = try #require(padded.range(of: "  </Record>\n  <Record>"))  // lines 22 and 23
        padded.replaceSubrange(between, with: "  </Record>\n" + String(repeating: " ", count: 1_048_575) + "\n  <Record>")
        let file = Scratch.root.appendingPathComponent("gongshi-blanks-\(UUID().uuidString).xml")
        try Data(padded.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let xsd = Fixtures.root.appendingPathComponent("schemas/xsd/administrative-permit.v2.xsd").path
        let good = Fixtures.url("validate/permit/valid.csv").path
        let result = try GongshiProcess.run(["validate", "--kind", "permit", "--xsd", xsd, "--format", "json"] + Self.today + [file.path, good])
        #expect(result.signal == nil && result.status == 65, "\(result)")
        let report = try ReportJSON.decode(result.stdout)
        #expect(report.errors.filter { $0.file == file.path }.map(\.type) == ["xml-text-too-long"])
        #expect(report.errors.first { $0.file == file.path }?.line == 24)  // where the run of blanks ends
        #expect(report.stats.failedFiles == 1 && report.stats.records == 7, "\(report.stats)")
    }

    @Test("markup the reader would lose is an error: a wrong record element fails its file, a nested record and an element inside a field their record; the counts add up")
    func markupThatWouldBeLost() throws {
        let text = try Fixtures.text("validate/permit/permits.xml")
        let directory = Scratch.root.appendingPathComponent("gongshi-markup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // <record> for <Record>: no record at all.
        let wrong = directory.appendingPathComponent("wrong.xml")
        try Data(text.replacingOccurrences(of: "Record>", with: "record>").utf8).write(to: wrong)
        // The first record's 行政相对人名称 holds <b>; the second record is nested in the first.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[3].hasPrefix("    <XK_XDR_MC>") && lines[21] == "  </Record>" && lines[22] == "  <Record>")
        lines[3] = lines[3].replacingOccurrences(of: "</XK_XDR_MC>", with: "<b>粗</b></XK_XDR_MC>")
        lines.remove(at: 21)
        lines.insert("  </Record>", at: 41)
        let nested = directory.appendingPathComponent("nested.xml")
        try Data(lines.joined(separator: "\n").utf8).write(to: nested)
        let plain = try GongshiProcess.run(["validate", "--kind", "permit", "--format", "json"] + Self.today + [Fixtures.url("validate/permit/permits.xml").path])
        let plainReport = try ReportJSON.decode(plain.stdout)

        let result = try GongshiProcess.run(["validate", "--kind", "permit", "--format", "json"] + Self.today + [wrong.path, nested.path])
        #expect(result.status == 65)
        let report = try ReportJSON.decode(result.stdout)
        let failure = try #require(report.errors.first { $0.file == wrong.path })
        #expect(failure.type == "xml-no-records" && failure.line == 3, "\(failure)")
        #expect(failure.message.contains("<record>") && failure.message.contains("<Record>"), "\(failure.message)")
        #expect(report.stats.failedFiles == 1)
        let mine = report.errors.filter { $0.file == nested.path && $0.severity == "error" }
        let markup = try #require(mine.first { $0.type == "xml-markup-in-field" })
        #expect(markup.line == 4 && markup.field == "行政相对人名称", "\(markup)")
        let inner = try #require(mine.first { $0.type == "xml-nested-record" })
        #expect(inner.line == 22, "\(inner)")
        #expect(!report.errors.contains { $0.type == "unknown-column" && $0.value == "Record" })
        // Six records in the fixture, two of them now one: five read, each valid or invalid.
        #expect(report.stats.records == plainReport.stats.records - 1 && report.stats.records == report.stats.valid + report.stats.invalid, "\(report.stats)")
    }

    @Test("an empty file is said to be one; a file not in its declared encoding is said so in Chinese, with nothing of libxml2's on standard error")
    func emptyAndMisdeclared() throws {
        let directory = Scratch.root.appendingPathComponent("gongshi-encoding-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty.xml"), bom = directory.appendingPathComponent("bom.xml")
        try Data().write(to: empty)
        try Data([0xEF, 0xBB, 0xBF]).write(to: bom)
        let gb = directory.appendingPathComponent("gb2312.xml")
        let text = try Fixtures.text("validate/permit/permits.xml")
        try Data(text.replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"GB2312\"").utf8).write(to: gb)
        let result = try GongshiProcess.run(["validate", "--kind", "permit", "--format", "json"] + Self.today + [empty.path, bom.path, gb.path])
        #expect(result.status == 65)
        #expect(!result.stderr.contains("encoder error"), "\(result.stderr)")
        let report = try ReportJSON.decode(result.stdout)
        #expect(report.errors.filter { $0.file == empty.path || $0.file == bom.path }.map(\.type) == ["xml-empty", "xml-empty"])
        let misdeclared = try #require(report.errors.first { $0.file == gb.path })
        #expect(misdeclared.type == "xml-not-well-formed" && (misdeclared.line ?? 0) >= 1, "\(misdeclared)")
        #expect(misdeclared.message.contains("文件的字节不符合声明的编码"), "\(misdeclared.message)")
        #expect(report.stats.failedFiles == 3)
    }

    @Test("an XML field's problem names its element's line; a field with no element, its record's")
    func fieldProblemLines() throws {
        let xml = Fixtures.url("validate/permit/permits.xml").path
        for workers in ["0", "1"] {  // checked on the reading thread, and on a worker
            let result = try GongshiProcess.run(
                ["validate", "--kind", "permit", "--format", "json"] + Self.today + [xml], environment: ["GONGSHI_WORKERS": workers])
            let report = try ReportJSON.decode(result.stdout)
            // The fourth record (line 43) has 许可类别 “审批” on line 50; the fifth (line 63) lacks 文书号.
            let lines = report.errors.filter { $0.severity == "error" }.map { "\($0.type) \($0.field ?? "") \($0.line ?? 0)" }
            #expect(lines.contains("enum-unknown 许可类别 50"), "\(lines)")
            #expect(lines.contains("required-missing 行政许可决定文书号 63"), "\(lines)")
        }
    }

    @Test("a bad XSD or mapping is a configuration error (78)")
    func badConfiguration() throws {
        let xml = Fixtures.url("validate/permit/permits.xml").path
        let notXSD = Fixtures.url("xml/malformed.xml").path
        let xsd = try GongshiProcess.run(["validate", "--kind", "permit", "--xsd", notXSD] + Self.today + [xml])
        #expect(xsd.status == 78)
        #expect(xsd.stderr.contains("xsd-invalid"))
        let folder = Scratch.root.appendingPathComponent("gongshi-map-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let mapping = folder.appendingPathComponent("m.yaml").path
        try "id: m\nversion: 1\ncolumns:\n  当事人名称: 当事人\n".write(toFile: mapping, atomically: true, encoding: .utf8)
        let bad = try GongshiProcess.run(["validate", "--kind", "penalty", "--mapping", mapping] + Self.today + [xml])
        #expect(bad.status == 78)
        #expect(bad.stderr.contains("\(mapping):4: 错误 [mapping-unknown-field]"))
    }

    @Test("a missing required column is named by the department's own column name from the mapping")
    func mappedMissingColumns() throws {
        let csv = Fixtures.url("validate/penalty-mapped/missing-columns.csv").path
        let mapping = Fixtures.url("mappings/fazhike-case-system.v1.yaml").path
        let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--mapping", mapping] + Self.today + [csv])
        #expect(result.stdout.contains("缺少必填列：行政处罚决定书文号、处罚决定日期、处罚机关（映射文件中的列名为 决定文号、处罚日期、执法机关）"))
    }
}

@Suite("gongshi validate: threads")
struct ValidateThreadsTests {
    @Test("the report is the same byte for byte whatever the number of checking threads")
    func sameReport() throws {
        let files = [
            "penalty/invalid.csv", "penalty/valid.csv", "penalty/excel-quirks.csv", "permit/permits.xml",
            "penalty/utf8-invalid.csv", "penalty/gb18030.csv",
        ]
            .map { Fixtures.url("validate/\($0)").path }
        var reports: [String] = []
        for workers in ["0", "1", "3"] {
            let result = try GongshiProcess.run(
                ["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json"] + files,
                environment: ["GONGSHI_WORKERS": workers])
            #expect(result.status == 65)
            reports.append(result.stdout)
        }
        #expect(reports[0] == reports[1])
        #expect(reports[0] == reports[2])
        #expect(reports[0].contains("\"records\":"))
    }
}

@Suite("gongshi validate: undecodable bytes")
struct ValidateUndecodableTests {
    @Test("a byte that is not UTF-8 fails the file at its exact offset and row, whatever the number of threads")
    func exactOffset() throws {
        let path = Fixtures.url("validate/penalty/utf8-invalid.csv").path
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let offset = try #require(bytes.firstIndex(of: 0xFF))
        for workers in ["0", "1", "2"] {
            let result = try GongshiProcess.run(
                ["validate", "--kind", "penalty", "--today", "2026-11-30", path], environment: ["GONGSHI_WORKERS": workers])
            #expect(result.status == 65)
            #expect(result.stdout.hasPrefix("\(path):5: 第 5 行（字节偏移 \(offset)）不是有效的 UTF-8 编码；"), "\(result.stdout)")
        }
    }
    @Test("repeated warnings are summarized per file and field (the first 3, then one line with the count and rows); --all-warnings lists every one; counts and errors are never collapsed")
    func summarizedWarnings() throws {
        let file = Fixtures.url("warnings/repeated-warnings.csv").path
        let json = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-12-01", "--format", "json", file])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let problems = try #require(object["errors"] as? [[String: Any]])
        let dates = problems.filter { $0["type"] as? String == "normalized-date" && $0["field"] as? String == "处罚决定日期" }
        #expect(dates.count == 4, "\(dates.count)")  // three cells, and the summary
        #expect(dates.last?["count"] as? Int == 17 && dates.last?["row"] is NSNull)
        let columns = problems.filter { $0["type"] as? String == "unknown-column" }
        #expect(columns.count == 4 && columns.last?["count"] as? Int == 6, "\(columns)")
        let stats = try #require(object["stats"] as? [String: Int])
        #expect(stats["warnings"] == 50, "\(stats)")
        // Every one on request; the same counts.
        let all = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-12-01", "--all-warnings", file])
        // Every normalized date on its own line: as many as the summarized report counted.
        let normalized = problems.filter { $0["type"] as? String == "normalized-date" }
        let counted = normalized.reduce(0) { $0 + (($1["count"] as? Int).map { $0 - 3 } ?? 1) }
        #expect(all.stdout.components(separatedBy: "[normalized-date]").count - 1 == counted && counted >= 34, "\(counted)")
        #expect(!all.stdout.contains("同类警告共") && all.stdout.contains("警告 50 个"))
        // Errors are never summarized: every bad row of the invalid fixture is listed.
        let invalid = Fixtures.url("validate/penalty/invalid.csv").path
        let errors = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-12-01", "--format", "json", invalid])
        let everyError = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-12-01", "--format", "json", "--all-warnings", invalid])
        func errorCount(_ text: String) throws -> Int {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return (object["errors"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == "error" }.count
        }
        #expect(try errorCount(errors.stdout) == errorCount(everyError.stdout) && errorCount(errors.stdout) > 0)
    }
    @Test("a message quotes its value as the problem shows it: cut to 200 characters with the whole length, personal numbers hidden whatever the field, at most 600 characters in all; a cut credit code states the cell's size, not the part's length")
    func messagesBoundedAndScreened() throws {
        let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        var rows = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = rows[0]
        func column(_ name: String) throws -> Int { try #require(header.firstIndex(of: name)) }
        let id = "410106199208085674"
        // Row 2: a date a million characters long. Row 3: an ID number typed into 处罚类别 (an
        // enumeration, not a text the feeds screen). Row 4: a credit code of 3,000,000 characters
        // (past the 1 MiB a column without a maximum length holds). A header: an ID number.
        rows[1][try column("处罚决定日期")] = String(repeating: "9", count: 1_000_000)
        rows[2][try column("处罚类别")] = "罚款" + id
        rows[3][try column("行政相对人代码_1(统一社会信用代码)")] = String(repeating: "9", count: 3_000_000)
        rows[0].append(id)
        for index in 1..<rows.count where rows[index].count > 1 { rows[index].append("") }
        let file = Scratch.root.appendingPathComponent("gongshi-messages-\(UUID().uuidString).csv")
        try rows.map { $0.joined(separator: ",") }.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        for format in [["--format", "json"], []] {
            let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-12-01"] + format + [file.path])
            #expect(result.status == 65)
            #expect(result.stdout.utf8.count < 20_000, "\(result.stdout.utf8.count) bytes of output")
            #expect(!result.stdout.contains(id) && !result.stderr.contains(id))
            for line in result.stdout.split(separator: "\n") { #expect(line.count < 1_000, "\(line.prefix(300))") }
        }
        let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-12-01", "--format", "json", file.path])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let problems = (object["errors"] as? [[String: Any]] ?? []) + (object["warnings"] as? [[String: Any]] ?? [])
        for problem in problems {
            let message = try #require(problem["message"] as? String)
            #expect(message.count <= Issue.messageLimit + 20, "\(message.prefix(300))")
        }
        let date = problems.filter { $0["row"] as? Int == 2 && $0["field"] as? String == "处罚决定日期" }
        #expect(date.count == 1 && (date.first?["message"] as? String)?.contains("…（共 1000000 字）") == true, "\(date)")
        let category = problems.filter { $0["row"] as? Int == 3 && $0["field"] as? String == "处罚类别" }
        #expect(category.count == 1 && (category.first?["value"] as? String)?.hasPrefix("罚款***") == true, "\(category)")
        // The cut code: its one error states the cell's size; no check of the part kept ("实为 1048576 位").
        let code = problems.filter { $0["row"] as? Int == 4 && $0["severity"] as? String == "error" }
        #expect(code.map { $0["type"] as? String } == ["cell-too-large"], "\(code)")
        #expect((code.first?["message"] as? String)?.contains("3000000 字节") == true)
    }

    @Test("a quote never closed names its row, column and field, and the file is not checked")
    func unterminatedQuoteNamesItsField() throws {
        let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        // The third record's 违法事实 (column 16) opens a quote that nothing closes.
        var cells = lines[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        cells[15] = "\"" + cells[15]
        let file = Scratch.root.appendingPathComponent("gongshi-unterminated-\(UUID().uuidString).csv")
        try ([lines[0], lines[1], lines[2], cells.joined(separator: ",")] + lines.dropFirst(4)).joined(separator: "\n")
            .write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-12-01", "--format", "json", file.path])
        #expect(result.status == 65)
        let report = try ReportJSON.decode(result.stdout)
        let problem = try #require(report.errors.first { $0.type == "csv-unterminated-quote" }, "\(report.errors)")
        #expect(problem.row == 4)
        #expect(problem.message.hasPrefix("第 4 行第 16 列“违法事实”的引号"), "\(problem.message)")
        #expect(report.stats.records == 0 && report.stats.failedFiles == 1, "\(report.stats)")
    }

    @Test("an oversized cell is an error whose echoed value is cut to 200 characters with the full length stated")
    func oversizedEcho() throws {
        // The first record's 违法事实, 300,000 characters long.
        let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        let first = try #require(text.range(of: ",擅自占用城市道路店外经营,"))
        let file = Scratch.root.appendingPathComponent("gongshi-oversized-\(UUID().uuidString).csv")
        try text.replacingCharacters(in: first, with: "," + String(repeating: "占", count: 300_000) + ",")
            .write(to: file, atomically: true, encoding: .utf8)
        let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-12-01", "--format", "json", file.path])
        #expect(result.status == 65)
        #expect(result.stdout.utf8.count < 20_000, "\(result.stdout.utf8.count) bytes of output")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let problem = try #require((object["errors"] as? [[String: Any]])?.first { $0["type"] as? String == "max-length" })
        let value = try #require(problem["value"] as? String)
        #expect(value.count < 220 && value.hasSuffix("…（共 300000 字）"), "\(value.suffix(20))")
        // Over its field's limit (4,000 characters: 16,004 bytes), a cell is not even held whole:
        // one error of its field, with the whole length in characters and bytes, and the echo's.
        let huge = Scratch.root.appendingPathComponent("gongshi-huge-\(UUID().uuidString).csv")
        try text.replacingCharacters(in: first, with: "," + String(repeating: "占", count: 1_000_000) + ",")
            .write(to: huge, atomically: true, encoding: .utf8)
        let big = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-12-01", "--format", "json", huge.path])
        let bigObject = try #require(try JSONSerialization.jsonObject(with: Data(big.stdout.utf8)) as? [String: Any])
        let bigErrors = (bigObject["errors"] as? [[String: Any]] ?? []).filter { $0["row"] as? Int == 2 }
        #expect(bigErrors.count == 1 && bigErrors.first?["type"] as? String == "max-length" && bigErrors.first?["field"] as? String == "违法事实", "\(bigErrors)")
        #expect((bigErrors.first?["message"] as? String)?.hasPrefix("长度为 1000000 个字符，超过上限 4000 个字符（该单元格 3000000 字节") == true)
        #expect((bigErrors.first?["value"] as? String)?.hasSuffix("…（共 1000000 字）") == true)
        let stats = try #require(bigObject["stats"] as? [String: Int])
        #expect(stats["invalid"] == 1 && stats["records"] == stats["valid"].map { $0 + 1 }, "\(stats)")
        // A column no field reads holds up to 1 MiB of a cell; past it, `cell-too-large` names the
        // column and the whole length; the record is invalid, the others are not.
        // The fixture's lines, whatever their ends (CRLF is one Character, a newline).
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        let extra = ([lines[0] + ",内部备注", lines[1] + "," + String(repeating: "记", count: 400_000)] + lines.dropFirst(2).map { $0.isEmpty ? $0 : $0 + "," })
            .joined(separator: "\r\n")
        let unread = Scratch.root.appendingPathComponent("gongshi-unread-\(UUID().uuidString).csv")
        try extra.write(to: unread, atomically: true, encoding: .utf8)
        let other = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-12-01", "--format", "json", unread.path])
        let otherObject = try #require(try JSONSerialization.jsonObject(with: Data(other.stdout.utf8)) as? [String: Any])
        let otherErrors = (otherObject["errors"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == "error" }
        #expect(otherErrors.count == 1 && otherErrors.first?["type"] as? String == "cell-too-large" && otherErrors.first?["row"] as? Int == 2, "\(otherErrors)")
        #expect((otherErrors.first?["message"] as? String)?.hasPrefix("第 \(lines[0].split(separator: ",").count + 1) 列的单元格有 1200000 字节（400000 个字符）") == true)
        let otherStats = try #require(otherObject["stats"] as? [String: Int])
        #expect(otherStats["invalid"] == 1 && otherStats["valid"] == stats["valid"], "\(otherStats)")
    }

    @Test("a problem's echo of a free text hides the ID and phone numbers in it, as the feeds do; a cut cell's too")
    func echoHidesPersonalData() throws {
        let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        let first = try #require(text.range(of: ",擅自占用城市道路店外经营,"))
        for (name, count) in [("long", 5_000), ("cut", 300_000)] {
            let file = Scratch.root.appendingPathComponent("gongshi-echo-\(name)-\(UUID().uuidString).csv")
            let fact = "当事人（身份证号410122198503121231，电话13803710000）" + String(repeating: "占", count: count)
            try text.replacingCharacters(in: first, with: "," + fact + ",").write(to: file, atomically: true, encoding: .utf8)
            let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-12-01", "--format", "json", file.path])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let problem = try #require((object["errors"] as? [[String: Any]])?.first { $0["type"] as? String == "max-length" })
            let value = try #require(problem["value"] as? String)
            #expect(value.hasPrefix("当事人（身份证号******************，电话***********）占"), "\(name): \(value.prefix(60))")
            #expect(!result.stdout.contains("410122198503121231") && !result.stdout.contains("13803710000"), "\(name)")
        }
    }
}
