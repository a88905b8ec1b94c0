import Foundation
import GongshiTesting
import Testing

/// What departments' exports do that the readers must name, not mistake (the forty-ninth session's
/// QA round): a workbook cell that refers to a missing shared string, a formula saved without its
/// result, the header pasted in again mid-file, an amount in Excel's E-notation.
@Suite("Export quirks")
struct ExportQuirksTests {
    static func validate(_ file: String, kind: String = "penalty") throws -> (status: Int32, report: [String: Any]) {
        let result = try GongshiProcess.run(
            ["validate", "--kind", kind, "--today", "2026-11-30", "--format", "json", Fixtures.url(file).path])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        return (result.status, report)
    }

    static func problems(_ report: [String: Any]) -> [[String: Any]] { report["errors"] as? [[String: Any]] ?? [] }
    static func stats(_ report: [String: Any]) -> [String: Int] { report["stats"] as? [String: Int] ?? [:] }

    /// `ROW TYPE CELL` of each problem of `severity`.
    static func listed(_ report: [String: Any], _ severity: String) -> [String] {
        problems(report).filter { $0["severity"] as? String == severity }
            .map { "\($0["row"] as? Int ?? 0) \($0["type"] as? String ?? "") \($0["cell"] as? String ?? "-")" }
    }

    @Test("a cell that refers to a shared string the workbook lacks fails its own record, naming row, field and cell; the other rows are read")
    func missingSharedString() throws {
        let (status, report) = try Self.validate("xlsx/missing-shared-string.xlsx")
        #expect(status == 65)
        let stats = Self.stats(report)
        #expect(stats["failedFiles"] == 0 && stats["records"] == 3 && stats["invalid"] == 1 && stats["valid"] == 2, "\(stats)")
        let problem = try #require(Self.problems(report).first { $0["type"] as? String == "xlsx-bad-reference" }, "\(report)")
        #expect(problem["row"] as? Int == 4 && problem["cell"] as? String == "处罚!P4" && problem["field"] as? String == "违法事实")
        #expect(problem["severity"] as? String == "error" && (problem["code"] as? String)?.isEmpty == false)
        // Its own error stands for the field: no required-missing as if the clerk had left it blank.
        #expect(Self.listed(report, "error") == ["4 xlsx-bad-reference 处罚!P4"], "\(report)")
    }

    @Test("a formula saved without its result is an error naming its cell, not Excel's last result nor a missing value")
    func formulaWithoutValue() throws {
        let (status, report) = try Self.validate("xlsx/formula-no-value.xlsx")
        #expect(status == 65)
        #expect(Self.listed(report, "error") == ["2 xlsx-formula-no-value 处罚!N2", "3 xlsx-error-value 处罚!P3"], "\(report)")
        let problem = try #require(Self.problems(report).first { $0["type"] as? String == "xlsx-formula-no-value" })
        #expect(problem["field"] as? String == "行政处罚决定书文号")
        // The formula with a saved result is still read as Excel last computed it, with its warning.
        let formulas = Self.problems(report).filter { $0["type"] as? String == "xlsx-formula-value" }.map { $0["row"] as? Int }
        #expect(formulas == [4], "\(report)")
        #expect(Self.stats(report)["valid"] == 1 && Self.stats(report)["invalid"] == 2)
    }

    @Test("the header pasted in again mid-file (with a byte-order mark) is skipped with a warning, counted as skipped, never a record")
    func repeatedHeader() throws {
        let (_, report) = try Self.validate("csv/pasted-exports.csv")
        let stats = Self.stats(report)
        #expect(stats["records"] == 6 && stats["skipped"] == 1, "\(stats)")
        let skips = Self.problems(report).filter { $0["type"] as? String == "header-row-repeated" }
        #expect(skips.map { $0["row"] as? Int } == [5] && skips.allSatisfy { $0["severity"] as? String == "warning" }, "\(report)")
        // In a workbook: the same (the header again on row 3, its cells shared strings).
        let (status, workbook) = try Self.validate("xlsx/repeated-header.xlsx")
        #expect(status == 0, "\(workbook)")
        #expect(Self.stats(workbook)["records"] == 3 && Self.stats(workbook)["valid"] == 3 && Self.stats(workbook)["skipped"] == 1)
        #expect(Self.listed(workbook, "warning") == ["3 header-row-repeated -"], "\(workbook)")
        // No problem of any field of row 5: it was not checked as a decision.
        #expect(!Self.problems(report).contains { $0["row"] as? Int == 5 && $0["type"] as? String != "header-row-repeated" })
        #expect(!"\(report)".contains("“行政处罚决定书文号”"))
    }

    @Test("the header repeated by its fields' codes, and in a workbook, is skipped; a record whose first cell is a field's name is not")
    func repeatedHeaderForms() throws {
        let valid = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        let lines = valid.split(whereSeparator: \.isNewline).map(String.init)
        let folder = Scratch.root.appendingPathComponent("gongshi-repeated-header-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // A header of the schema's codes, and the same columns' Chinese names pasted in under it
        // (a second export, with a byte-order mark and spaces).
        let codes = try String(contentsOf: Fixtures.url("validate/penalty/codes-header.csv"), encoding: .utf8)
            .split(whereSeparator: \.isNewline).map(String.init)
        let names = "行政处罚决定书文号,行政相对人名称,行政相对人类别,行政相对人代码_1(统一社会信用代码),法定代表人,违法行为类型,违法事实,处罚依据,处罚类别,处罚内容,罚款金额(万元),处罚决定日期,处罚有效期,处罚机关,处罚机关统一社会信用代码,数据来源单位,数据来源单位统一社会信用代码"
        let file = folder.appendingPathComponent("codes.csv")
        try ([codes[0], codes[1], "\u{FEFF} " + names + " ", codes[2]].joined(separator: "\r\n") + "\r\n").write(to: file, atomically: true, encoding: .utf8)
        let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json", file.path])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        #expect(Self.stats(report)["records"] == 2 && Self.stats(report)["skipped"] == 1, "\(report)")
        #expect(Self.problems(report).filter { $0["type"] as? String == "header-row-repeated" }.map { $0["row"] as? Int } == [3])
        // The header pasted in reversed (another export's column order): skipped all the same.
        let reversed = folder.appendingPathComponent("reversed.csv")
        let backwards = lines[0].split(separator: ",", omittingEmptySubsequences: false).reversed().joined(separator: ",")
        try ([lines[0], lines[1], backwards, lines[2]].joined(separator: "\r\n") + "\r\n").write(to: reversed, atomically: true, encoding: .utf8)
        let turned = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json", reversed.path])
        let turnedReport = try #require(try JSONSerialization.jsonObject(with: Data(turned.stdout.utf8)) as? [String: Any], "\(turned)")
        #expect(Self.stats(turnedReport)["records"] == 2 && Self.stats(turnedReport)["skipped"] == 1, "\(turnedReport)")
        #expect(Self.problems(turnedReport).filter { $0["type"] as? String == "header-row-repeated" }.map { $0["row"] as? Int } == [3])
        // A row whose first cell only happens to be the header's first name is a record (invalid).
        let cells = lines[1].split(separator: ",", omittingEmptySubsequences: false)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false)
        let lookalike = ([header[0]] + cells.dropFirst()).joined(separator: ",")
        let other = folder.appendingPathComponent("lookalike.csv")
        try ([lines[0], lookalike].joined(separator: "\r\n") + "\r\n").write(to: other, atomically: true, encoding: .utf8)
        let second = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json", other.path])
        let record = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any], "\(second)")
        #expect(Self.stats(record)["records"] == 1 && Self.stats(record)["skipped"] == 0, "\(record)")
    }

    @Test("an amount in Excel's E-notation is named as such, shown as written when its mantissa cannot hold a personal number, masked otherwise")
    func scientificAmount() throws {
        let (_, report) = try Self.validate("csv/amounts.csv")
        let found = Self.problems(report).filter { $0["field"] as? String == "罚款金额(万元)" && $0["severity"] as? String == "error" }
        let byRow = Dictionary(found.map { ($0["row"] as? Int ?? 0, $0) }) { first, _ in first }
        #expect(byRow[2]?["type"] as? String == "excel-number" && byRow[2]?["value"] as? String == "1.5E+16", "\(found)")
        #expect((byRow[2]?["message"] as? String)?.contains("1.5E+16") == true)
        #expect(byRow[4]?["type"] as? String == "excel-number" && byRow[4]?["value"] as? String == "1.5E+6", "\(found)")
        // (Not E-notation: as before.)
        #expect(byRow[5]?["type"] as? String == "decimal-invalid")
        let (_, workbook) = try Self.validate("xlsx/amount-e-notation.xlsx")
        let cell = try #require(Self.problems(workbook).first { $0["cell"] as? String == "处罚!T4" }, "\(workbook)")
        #expect(cell["type"] as? String == "excel-number" && cell["value"] as? String == "1.5E+16", "\(cell)")
        // An ID number Excel turned into E-notation keeps its fifteen digits in the mantissa: masked, never quoted.
        let valid = try String(contentsOf: Fixtures.url("csv/amounts.csv"), encoding: .utf8)
        let folder = Scratch.root.appendingPathComponent("gongshi-amount-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("id.csv")
        try valid.replacing("1.5E+16", with: "4.10122198503121E+17").write(to: file, atomically: true, encoding: .utf8)
        let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json", file.path])
        #expect(!result.stdout.contains("10122198503121"), "\(result.stdout)")
        let masked = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Self.problems(masked).first { $0["row"] as? Int == 2 && $0["field"] as? String == "罚款金额(万元)" }?["type"] as? String == "excel-number")
        // The same with a negative exponent or none, and an ID number as Excel shows it with
        // thousands separators (no amount, not E-notation): never quoted either.
        for (written, type) in [("4.10122198503121E-17", "excel-number"), ("4.10122198503121E17", "excel-number"), ("410,122,198,503,121,231", "decimal-invalid")] {
            try valid.replacing("1.5E+16", with: "\"\(written)\"").write(to: file, atomically: true, encoding: .utf8)
            let other = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json", file.path])
            #expect(!other.stdout.contains("10122198503121") && !other.stdout.contains("122,198,503"), "\(written): \(other.stdout)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(other.stdout.utf8)) as? [String: Any])
            #expect(Self.problems(report).first { $0["row"] as? Int == 2 && $0["field"] as? String == "罚款金额(万元)" }?["type"] as? String == type, "\(written)")
        }
    }

    @Test("a source whose pattern fixes no suffix (inbox/*) reads each file by its own suffix; a file of a suffix naming no format fails on its own")
    func patternWithoutSuffix() throws {
        let project = try OutboxProject(id: "any-suffix", portals: ["creditchina-henan-zhengzhou"], sources: "  - path: inbox/*")
        defer { try? FileManager.default.removeItem(at: project.root) }
        try project.add("validate/penalty/workbook-typed.xlsx", as: "2026-11.xlsx")
        try "备注".write(to: project.inbox.appendingPathComponent("notes.doc"), atomically: true, encoding: .utf8)
        let run = try project.gongshi(["run", project.pipeline, "--dry-run", "--today", "2026-11-30"])
        #expect(run.status == 65, "\(run)")
        let types = Self.types(run.stdout)
        #expect(!types.contains("csv-is-workbook") && types.filter { $0 == "source-format-unknown" }.count == 1, "\(run.stdout)")
        #expect(run.stdout.contains("notes.doc: ") && run.stdout.contains("[source-format-unknown]"))
        // The workbook was read as one: its 17 records, all valid.
        #expect(run.stdout.contains("共 17 条记录：有效 17 条，无效 0 条"), "\(run.stdout)")
        // lint: the file that will not be read is named (a warning); a pattern of no known suffix is an error.
        let lint = try project.gongshi(["lint", project.pipeline, "--today", "2026-11-30"])
        #expect(lint.status == 0 && Self.types(lint.stdout).contains("source-format-unknown") && lint.stdout.contains("notes.doc"), "\(lint)")
        let dat = try OutboxProject(id: "dat-suffix", portals: ["creditchina-henan-zhengzhou"], sources: "  - path: inbox/*.dat")
        defer { try? FileManager.default.removeItem(at: dat.root) }
        let refused = try dat.gongshi(["lint", dat.pipeline, "--today", "2026-11-30"])
        #expect(refused.status == 78 && refused.stdout.contains("错误 [source-format-unknown]"), "\(refused)")
        let declared = try OutboxProject(id: "dat-declared", portals: ["creditchina-henan-zhengzhou"], sources: "  - path: inbox/*.dat\n    format: csv")
        defer { try? FileManager.default.removeItem(at: declared.root) }
        #expect(!Self.types(try declared.gongshi(["lint", declared.pipeline, "--today", "2026-11-30"]).stdout).contains("source-format-unknown"))
    }

    @Test("an XML file under a pattern without suffix is read as XML")
    func xmlUnderAnyPattern() throws {
        let project = try OutboxProject(id: "any-xml", portals: ["creditchina-henan-zhengzhou"], sources: "  - path: inbox/*")
        defer { try? FileManager.default.removeItem(at: project.root) }
        let text = try String(contentsOfFile: project.pipeline, encoding: .utf8)
        try text.replacing("kind: penalty", with: "kind: permit").write(toFile: project.pipeline, atomically: true, encoding: .utf8)
        try project.add("validate/permit/permits.xml")
        let run = try project.gongshi(["run", project.pipeline, "--dry-run", "--today", "2026-11-30"])
        let types = Self.types(run.stdout)
        #expect(!types.contains { $0.hasPrefix("csv-") || $0 == "missing-column" }, "\(run.stdout)")
        #expect(!run.stdout.contains("无法校验") && !run.stdout.contains("共 0 条记录"), "\(run.stdout)")
    }

    /// The `[type]` codes in a run's or lint's text (`… [csv-is-workbook]`, `警告 [code] …`).
    static func types(_ text: String) -> [String] {
        text.matches(of: /\[([a-z0-9]+(?:-[a-z0-9]+)+)\]/).map { String($0.output.1) }
    }
}
