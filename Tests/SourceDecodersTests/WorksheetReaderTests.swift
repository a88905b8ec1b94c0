import DisclosureCore
import SourceDecoders
import Testing

/// The SpreadsheetML readers on hand-written parts: every cell type, shared strings with runs and
/// phonetic guides, Excel's escapes, and the references that are refused.
@Suite("Worksheet reader")
struct WorksheetReaderTests {
    static func reader(_ xml: String, strings: [String] = ["代码"]) -> WorksheetReader {
        let bytes = Array(xml.utf8)
        var offset = 0
        return WorksheetReader(
            sharedString: { index, out in
                guard index < strings.count else { return false }
                out += Array(strings[index].utf8)
                return true
            },
            read: { buffer in
                let count = min(buffer.count, bytes.count - offset)
                if count > 0 { buffer.copyBytes(from: bytes[offset..<(offset + count)]) }
                offset += count
                return count
            })
    }

    static func rows(_ xml: String) throws -> [WorksheetRow] {
        let reader = reader(xml)
        var rows: [WorksheetRow] = []
        while let row = try reader.next() { rows.append(row) }
        return rows
    }

    static let main = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\""

    @Test("shared, inline (runs joined, phonetic guide left out), number, boolean, error and formula cells")
    func cellTypes() throws {
        let rows = try Self.rows("""
            <worksheet \(Self.main)><sheetData>
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><r><t>ab</t></r><r><t xml:space="preserve"> c</t></r><rPh sb="0" eb="1"><t>ピ</t></rPh></is></c></row>
            <row r="3"><c r="B3" s="4"><v>45234</v></c><c r="C3" t="b"><v>1</v></c><c r="D3" t="e"><v>#N/A</v></c><c r="E3" t="str"><f>A1</f><v>x_x000D_y</v></c><c r="F3"/></row>
            <row r="4"/>
            <row r="5"><c r="A5"><v>9.14101e+17</v></c></row>
            </sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>
            """)
        #expect(rows.map(\.number) == [1, 3, 4, 5])
        #expect(rows[3].strings == ["9.14101E+17"])  // a number as Excel shows it
        #expect(rows[0].strings == ["代码", "", "ab c"])
        #expect(rows[1].strings == ["", "45234", "TRUE", "#N/A", "x\ry"])
        #expect(rows[1].errorColumns == [3] && rows[1].formulaColumns == [4])
        #expect(rows[2].cells.isEmpty)
    }

    @Test("a number is read as Excel shows it: 15 significant digits, plain; 1E+15 and more (a code) keeps its E-notation", arguments: [
        ("1E-3", "0.001"), ("2E-2", "0.02"), ("1.5E+3", "1500"), ("5.0000000000000001E-3", "0.005"), ("0.20000000000000001", "0.2"),
        ("2.0000000000000001E-1", "0.2"), ("-1.25E-1", "-0.125"), ("0.1", "0.1"), ("46346", "46346"), ("46346.5", "46346.5"),
        ("0.99999999999999999", "1"), ("123456789012345.6", "123456789012346"), ("0", "0"), ("1e-3", "0.001"),
        ("9.14101e+17", "9.14101E+17"), ("410122198503121231", "410122198503121231"), ("4.1012219850312102E+17", "4.1012219850312102E+17"),
        ("1E+15", "1E+15"), ("#N/A", "#N/A"),
    ])
    func numberAsShown(written: String, shown: String) throws {
        let rows = try Self.rows("<worksheet \(Self.main)><sheetData><row r=\"1\"><c r=\"A1\"><v>\(written)</v></c></row></sheetData></worksheet>")
        #expect(rows.first?.strings == [shown])
    }

    @Test("a shared string is taken as the table gives it (already unescaped): a literal _x0041_ stays as written")
    func sharedStringNotUnescapedTwice() throws {
        let reader = Self.reader(
            "<worksheet \(Self.main)><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row></sheetData></worksheet>",
            strings: ["a_x0041_"])
        #expect(try reader.next()?.strings == ["a_x0041_"])
    }

    @Test("cells without references follow the previous one; rows without a number follow the previous row")
    func implicitReferences() throws {
        let rows = try Self.rows("<worksheet \(Self.main)><sheetData><row><c t=\"inlineStr\"><is><t>a</t></is></c><c t=\"inlineStr\"><is><t>b</t></is></c></row><row><c><v>1</v></c></row></sheetData></worksheet>")
        #expect(rows.map(\.number) == [1, 2] && rows[0].strings == ["a", "b"] && rows[1].strings == ["1"])
    }

    @Test("refused: rows out of order, a bad cell reference, a DOCTYPE")
    func refused() throws {
        func failure(_ body: String) -> WorksheetError? {
            do {
                _ = try Self.rows(body)
                return nil
            } catch {
                return error as? WorksheetError
            }
        }
        let sheet = { (rows: String) in "<worksheet \(Self.main)><sheetData>\(rows)</sheetData></worksheet>" }
        guard case .badReference(_, "2") = failure(sheet("<row r=\"2\"/><row r=\"2\"/>")) else { Issue.record("row order"); return }
        guard case .badReference(_, "1A") = failure(sheet("<row r=\"1\"><c r=\"1A\"><v>1</v></c></row>")) else { Issue.record("cell"); return }
        guard case .badReference = failure(sheet("<row r=\"1\"><c r=\"B1\"><v>1</v></c><c r=\"A1\"><v>1</v></c></row>")) else { Issue.record("column order"); return }
        guard case .xml(.doctype) = failure("<!DOCTYPE x [<!ENTITY e \"boom\">]>" + sheet("")) else { Issue.record("doctype"); return }
    }

    @Test("a cell whose value cannot be read (a shared string the table lacks, a formula saved without its result) is left empty and named; the rest of the row and the sheet are read")
    func unreadableCells() throws {
        let rows = try Self.rows("""
            <worksheet \(Self.main)><sheetData>\
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>99999</v></c><c r="C1" t="s"><v>x</v></c><c r="D1"><v>7</v></c></row>\
            <row r="2"><c r="A2" t="str"><f>CONCATENATE("a","b")</f></c><c r="B2" t="str"><f>A1</f><v>ab</v></c><c r="C2"><f>1+1</f></c>\
            <c r="D2" t="str"><f>""</f><v></v></c></row>\
            <row r="3"><c r="A3" t="s"><v>0</v></c></row>\
            </sheetData></worksheet>
            """)
        #expect(rows.count == 3)
        #expect(rows[0].strings == ["代码", "", "", "7"])
        #expect(rows[0].cellProblems.map { $0.column } == [1, 2])
        #expect(rows[0].cellProblems.map { $0.problem } == [.missingSharedString(index: 99999), .missingSharedString(index: -1)])
        // A formula without `<v>` has no result; one with a value (even an empty one) has Excel's.
        #expect(rows[1].cellProblems.map { $0.column } == [0, 2])
        #expect(rows[1].cellProblems.allSatisfy { $0.problem == .formulaWithoutValue })
        #expect(rows[1].formulaColumns == [1, 3] && rows[1].strings == ["", "ab"])
        #expect(rows[2].strings == ["代码"] && rows[2].cellProblems.isEmpty)
    }

    @Test("the shared-string table: runs joined, phonetic guides left out, _xHHHH_ undone, empty items kept")
    func sharedStrings() throws {
        let bytes = Array("<sst \(Self.main)><si><t>a_x005F_x0041_</t></si><si><r><t>b</t></r><r><t>c</t></r><rPh><t>z</t></rPh></si><si/><si><t>d_x000A_e</t></si></sst>".utf8)
        var offset = 0
        var found: [String] = []
        try SharedStringsReader.forEach(read: { buffer in
            let count = min(buffer.count, bytes.count - offset)
            if count > 0 { buffer.copyBytes(from: bytes[offset..<(offset + count)]) }
            offset += count
            return count
        }) { found.append(String(decoding: $0, as: UTF8.self)) }
        #expect(found == ["a_x0041_", "bc", "", "d\ne"])
    }

    @Test("workbook parts: sheets in order, relationships with external links marked, merged ranges from the tail")
    func parts() throws {
        let sheets = try WorkbookParts.sheets(Array("""
            <workbook \(Self.main) xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>
            <sheet name="说明" sheetId="1" r:id="rId1"/><sheet name="数据" sheetId="2" r:id="rId2"/></sheets></workbook>
            """.utf8))
        #expect(sheets.map(\.name) == ["说明", "数据"] && sheets.map(\.relationship) == ["rId1", "rId2"])
        let links = try WorkbookParts.relationships(Array("""
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
            <Relationship Id="rId1" Type="t/worksheet" Target="worksheets/sheet1.xml"/>
            <Relationship Id="rId2" Type="t/worksheet" Target="https://example.invalid/x.xml" TargetMode="External"/></Relationships>
            """.utf8))
        #expect(links.map(\.external) == [false, true] && links.map(\.target) == ["worksheets/sheet1.xml", "https://example.invalid/x.xml"])
        #expect(WorkbookParts.mergedRanges(inTail: Array("<mergeCells count=\"2\"><mergeCell ref=\"A1:AD1\"/><mergeCell ref=\"B3:C4\"/></mergeCells></worksheet>".utf8)) == ["A1:AD1", "B3:C4"])
        #expect(CellReference.column(of: "XFD1") == 16_383 && CellReference.column(of: "A") == 0 && CellReference.column(of: "1A") == nil)
        #expect(CellReference.cell(sheet: "Sheet 1", column: 2, row: 7) == "'Sheet 1'!C7" && CellReference.cell(sheet: "处罚", column: 0, row: 2) == "处罚!A2")
    }
}
