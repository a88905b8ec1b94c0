import DisclosureCore
import FeedEncoders
import Foundation
import GongshiTesting
import PipelineConfig
import Testing

/// xlsx feeds: the portals' Excel 模板 filled in, checked by a reader that is not gongshi's own
/// (openpyxl through `scripts/read-xlsx`).
@Suite("Excel feeds")
struct WorkbookFeedTests {
    /// `gongshi feed` of the valid fixtures to 信用中国 in `format`; the payloads by feed name.
    static func feed(_ format: String, kind: String = "penalty") throws -> (out: URL, files: [String: URL]) {
        let out = Scratch.root.appendingPathComponent("gongshi-xlsx-\(UUID().uuidString)")
        let result = try GongshiProcess.run([
            "feed", "--portal", "creditchina-henan-zhengzhou", "--kind", kind, "--out", out.path, "--today", "2026-11-30",
            "--format", format, Fixtures.url("validate/\(kind)/valid.csv").path,
        ])
        #expect(result.status == 0, "\(result)")
        var files: [String: URL] = [:]
        for path in try Fixtures.payloads(under: out).keys {
            files[IndependentReader.feed(ofPayload: path)] = out.appendingPathComponent(path)
        }
        return (out, files)
    }

    @Test("every cell an independent reader sees equals the CSV feed's, as text: codes, 文号, amounts and dates intact", arguments: ["penalty", "permit"])
    func sameCellsAsCSV(kind: String) throws {
        let workbooks = try Self.feed("xlsx", kind: kind)
        let tables = try Self.feed("csv-utf8-bom", kind: kind)
        defer {
            try? FileManager.default.removeItem(at: workbooks.out)
            try? FileManager.default.removeItem(at: tables.out)
        }
        #expect(!workbooks.files.isEmpty && Set(workbooks.files.keys) == Set(tables.files.keys))
        for (feed, file) in workbooks.files {
            #expect(file.pathExtension == "xlsx")
            let sheet = try IndependentReader.workbook(file)
            let csv = try IndependentReader.csv(try #require(tables.files[feed]))
            #expect(sheet.rows == csv.rows, "\(feed)")
            // Every non-empty cell is a text cell: nothing became a number, a date or a formula.
            for (row, types) in zip(sheet.rows, sheet.types) {
                for (cell, type) in zip(row, types) where !cell.isEmpty { #expect(type == "s", "\(feed): \(cell) is \(type)") }
            }
            #expect(sheet.sheets.count == 1)
        }
        // The 法人 feed's 统一社会信用代码 column holds 18-character codes, as written.
        if kind == "penalty", let legal = workbooks.files["penalty-legal"] {
            let sheet = try IndependentReader.workbook(legal)
            let column = try #require(sheet.rows[0].firstIndex(of: "CF_XDR_SHXYM"))
            let codes = sheet.rows.dropFirst().map { $0[column] }.filter { !$0.isEmpty }
            #expect(!codes.isEmpty && codes.allSatisfy { $0.count == 18 })
        }
    }

    @Test("the same batch gives the same bytes, and the manifest says xlsx")
    func deterministic() throws {
        let first = try Self.feed("xlsx")
        let second = try Self.feed("xlsx")
        defer {
            try? FileManager.default.removeItem(at: first.out)
            try? FileManager.default.removeItem(at: second.out)
        }
        for (feed, file) in first.files {
            #expect(try Data(contentsOf: file) == Data(contentsOf: try #require(second.files[feed])), "\(feed)")
            let manifest = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file.path + ".manifest.json"))) as? [String: Any])
            #expect(manifest["format"] as? String == "xlsx")
        }
    }

    // MARK: - The sheet itself (no zip)

    static let feed = FeedSpec(
        name: "t", title: "测试：表[1]", schema: "administrative-penalty", include: [], exclude: [],
        columns: ["代码", "文号", "金额", "说明"].map { FeedColumn(header: $0, field: $0) }, format: .xlsx, fileName: "t.xlsx",
        batchLimit: 10)

    static func sheetText(_ cells: [[String]]) throws -> String {
        let rows = cells.map { FeedPlan.Row(file: "t.csv", row: 2, key: $0[0], cells: $0) }
        let parts = try SpreadsheetML.parts(rows, feed: feed)
        #expect(parts.map(\.path) == [
            "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml",
        ])
        return String(decoding: try #require(parts.last).bytes, as: UTF8.self)
    }

    @Test("cells are inline text in the text style; formulas neutralized; markup and control characters escaped")
    func cells() throws {
        let text = try Self.sheetText([["0012345", "=HYPERLINK(\"x\")", "1.5E+3", "a<b>&c\u{1}_x0041_"]])
        #expect(text.contains("<c r=\"A2\" s=\"1\" t=\"inlineStr\"><is><t>0012345</t></is></c>"))
        #expect(text.contains("<t>'=HYPERLINK(\"x\")</t>"))
        #expect(text.contains("<t>a&lt;b&gt;&amp;c_x0001__x005F_x0041_</t>"))
        #expect(!text.contains("<f>") && !text.contains("t=\"n\""))
        // The header row is row 1, bold text style.
        #expect(text.contains("<row r=\"1\"><c r=\"A1\" s=\"2\" t=\"inlineStr\"><is><t>代码</t></is></c>"))
    }

    @Test("column letters past Z, an empty cell left out, a cell over Excel's limit refused")
    func limits() throws {
        #expect([0, 25, 26, 51, 52, 701, 702].map(SpreadsheetML.columnName) == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"])
        let text = try Self.sheetText([["x", "", "y", ""]])
        #expect(text.contains("<row r=\"2\"><c r=\"A2\"") && !text.contains("r=\"B2\"") && text.contains("r=\"C2\""))
        #expect(throws: FeedEncoder.EncodingError.self) {
            try SpreadsheetML.parts([FeedPlan.Row(file: "t.csv", row: 2, key: "k", cells: [String(repeating: "字", count: 32_768), "", "", ""])], feed: Self.feed)
        }
        #expect(FeedSpec.sheetName("测试：表[1]") == "测试：表_1_" && FeedSpec.sheetName(String(repeating: "长", count: 40)).count == 31)
    }

    @Test("a profile names the template's sheet; a name Excel refuses is a profile error")
    func sheetKey() throws {
        let schemas = try SchemaCatalog.bundledDocuments.map { try SchemaLoader.load($0).get() }
        func load(_ sheet: String) -> Result<PortalProfile, SchemaLoadFailure> {
            let text = """
                id: excel
                version: 1
                title: 模板
                feeds:
                  - name: penalty
                    title: 行政处罚
                    schema: administrative-penalty
                    columns: [{header: 行政相对人名称, field: 行政相对人名称}]
                    format: xlsx
                    \(sheet)
                """
            return PortalProfileLoader.load(SchemaDocument(origin: .bundled("portals/excel.yaml"), text: text), schemas: schemas)
        }
        #expect(try load("").get().feeds.first?.sheet == "行政处罚")
        #expect(try load("sheet: 法人行政处罚").get().feeds.first?.sheet == "法人行政处罚")
        #expect(try load("").get().feeds.first?.fileName.hasSuffix(".xlsx") == true)
        for bad in ["sheet: \"a/b\"", "sheet: \"\(String(repeating: "表", count: 32))\""] {
            guard case .failure(let failure) = load(bad) else {
                Issue.record("\(bad) was accepted")
                continue
            }
            #expect(failure.issues.map(\.code) == ["profile-bad-value"], "\(bad)")
        }
    }
}
