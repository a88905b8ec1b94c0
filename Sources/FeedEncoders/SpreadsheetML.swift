public import DisclosureCore

/// The parts of an Excel workbook (Office Open XML, SpreadsheetML) holding one feed batch as the
/// portals' 模板 are filled in: one sheet under the feed's sheet name, the column headers in row 1,
/// one record per row in column order. The zip around them is made at the edge (``FeedEncoder``'s
/// `zip`), so this stays a computation on values.
///
/// Every cell is an inline text cell in a text-formatted (`@`) style, so Excel keeps a
/// 统一社会信用代码, an ID number or a 文号 as written (no number, no scientific notation, no leading
/// zero lost), dates stay as the feed writes them, and nothing is ever a formula; values that look
/// like one are still prefixed with `'` (``FormulaGuard``) as in the CSV feeds, for whoever copies
/// them elsewhere. The same rows always give the same parts: no timestamps, no author, no ids.
///
/// Hand-written: the five fixed parts are constants and the sheet is a loop; what matters is that
/// the output is byte-stable and text-only, which is easiest to promise for code we own.
public enum SpreadsheetML {
    /// One file inside the workbook's zip.
    public struct Part: Sendable, Equatable {
        public let path: String
        public let bytes: [UInt8]
    }

    /// The most characters (UTF-16 code units) Excel holds in one cell.
    public static let cellCharacterLimit = 32_767
    /// The most rows of one sheet.
    public static let rowLimit = 1_048_576

    public static func parts(_ rows: [FeedPlan.Row], feed: FeedSpec) throws(FeedEncoder.EncodingError) -> [Part] {
        guard rows.count + 1 <= rowLimit else {
            throw FeedEncoder.EncodingError(message: "一个工作表最多 \(rowLimit) 行，批次有 \(rows.count) 条记录；请调小 batch_limit")
        }
        let header = feed.columns.map(\.header)
        var sheet = Array(sheetHead(columns: header.count).utf8)
        sheet.reserveCapacity(rows.count * feed.columns.count * 48 + 1024)
        try appendRow(header, number: 1, style: headerStyle, to: &sheet, feed: feed)
        for (index, row) in rows.enumerated() {
            try appendRow(row.cells.map(FormulaGuard.neutralize), number: index + 2, style: textStyle, to: &sheet, feed: feed)
        }
        sheet += Array("</sheetData></worksheet>".utf8)
        return [
            Part(path: "[Content_Types].xml", bytes: Array(contentTypes.utf8)),
            Part(path: "_rels/.rels", bytes: Array(packageRelationships.utf8)),
            Part(path: "xl/workbook.xml", bytes: Array(workbook(sheet: feed.sheet).utf8)),
            Part(path: "xl/_rels/workbook.xml.rels", bytes: Array(workbookRelationships.utf8)),
            Part(path: "xl/styles.xml", bytes: Array(styles.utf8)),
            Part(path: "xl/worksheets/sheet1.xml", bytes: sheet),
        ]
    }

    /// The column letters of a 0-based column index: 0 → A, 25 → Z, 26 → AA.
    public static func columnName(_ index: Int) -> String { CellReference.letters(ofColumn: index) }

    // MARK: - The sheet

    /// Style 1: text (`@`, number format 49); style 2: text, bold (the header row).
    static let textStyle = 1
    static let headerStyle = 2

    private static func appendRow(_ cells: [String], number: Int, style: Int, to out: inout [UInt8], feed: FeedSpec)
        throws(FeedEncoder.EncodingError)
    {
        out += Array("<row r=\"\(number)\">".utf8)
        for (column, cell) in cells.enumerated() where !cell.isEmpty {
            guard cell.utf16.count <= cellCharacterLimit else {
                let header = column < feed.columns.count ? feed.columns[column].header : SpreadsheetML.columnName(column)
                throw FeedEncoder.EncodingError(
                    message: "第 \(number) 行 \(header) 有 \(cell.utf16.count) 个字符，超过 Excel 单元格上限 \(cellCharacterLimit)")
            }
            out += Array("<c r=\"\(columnName(column))\(number)\" s=\"\(style)\" t=\"inlineStr\"><is>".utf8)
            let padded = cell.first?.isWhitespace == true || cell.last?.isWhitespace == true
            out += Array((padded ? "<t xml:space=\"preserve\">" : "<t>").utf8)
            escape(cell, into: &out)
            out += Array("</t></is></c>".utf8)
        }
        out += Array("</row>".utf8)
    }

    /// Text as XML character data. Control characters that XML 1.0 cannot carry are written as
    /// Excel writes them (`_x000B_`), and a literal `_x` is escaped as `_x005F_x` so that it reads
    /// back as written.
    static func escape(_ text: String, into out: inout [UInt8]) {
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x26: out += Array("&amp;".utf8)
            case 0x3C: out += Array("&lt;".utf8)
            case 0x3E: out += Array("&gt;".utf8)
            case 0x0D: out += Array("&#13;".utf8)
            case 0x09, 0x0A: out.append(byte)
            case 0..<0x20:
                let hex = Array("0123456789ABCDEF".utf8)
                out += Array("_x00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)], 0x5F]
            case 0x5F where index + 1 < bytes.count && bytes[index + 1] == 0x78:
                out += Array("_x005F_".utf8)
            default: out.append(byte)
            }
            index += 1
        }
    }

    private static func sheetHead(columns: Int) -> String {
        // Row 1 frozen; every column text-formatted, so a value typed in later stays text too.
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
            + "<worksheet xmlns=\"\(main)\"><sheetViews><sheetView workbookViewId=\"0\">"
            + "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>"
            + "<sheetFormatPr defaultRowHeight=\"15\"/>"
            + "<cols><col min=\"1\" max=\"\(max(1, columns))\" width=\"22\" style=\"\(textStyle)\" customWidth=\"1\"/></cols><sheetData>"
    }

    // MARK: - The fixed parts

    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relationships = "http://schemas.openxmlformats.org/package/2006/relationships"
    static let officeRelationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

    static let contentTypes = declaration
        + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
        + "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        + "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
        + "</Types>"

    static let packageRelationships = declaration
        + "<Relationships xmlns=\"\(relationships)\">"
        + "<Relationship Id=\"rId1\" Type=\"\(officeRelationships)/officeDocument\" Target=\"xl/workbook.xml\"/>"
        + "</Relationships>"

    static func workbook(sheet: String) -> String {
        var name: [UInt8] = []
        escape(sheet, into: &name)
        return declaration
            + "<workbook xmlns=\"\(main)\" xmlns:r=\"\(officeRelationships)\">"
            + "<sheets><sheet name=\"\(String(decoding: name, as: UTF8.self).replacing("\"", with: "&quot;"))\" sheetId=\"1\" r:id=\"rId1\"/></sheets>"
            + "</workbook>"
    }

    static let workbookRelationships = declaration
        + "<Relationships xmlns=\"\(relationships)\">"
        + "<Relationship Id=\"rId1\" Type=\"\(officeRelationships)/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
        + "<Relationship Id=\"rId2\" Type=\"\(officeRelationships)/styles\" Target=\"styles.xml\"/>"
        + "</Relationships>"

    static let styles = declaration
        + "<styleSheet xmlns=\"\(main)\">"
        + "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"宋体\"/><charset val=\"134\"/></font>"
        + "<font><b/><sz val=\"11\"/><name val=\"宋体\"/><charset val=\"134\"/></font></fonts>"
        + "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>"
        + "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
        + "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
        + "<cellXfs count=\"3\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
        + "<xf numFmtId=\"49\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        + "<xf numFmtId=\"49\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\" applyFont=\"1\"/></cellXfs>"
        + "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
        + "</styleSheet>"
}
