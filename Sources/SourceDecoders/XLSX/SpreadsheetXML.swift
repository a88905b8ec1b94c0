import CLibXML2
import DisclosureCore
import Glibc  // purity: strlen on libxml2's text

/// The XML inside an Excel workbook (SpreadsheetML), read as a stream through libxml2's
/// `xmlTextReader`: a worksheet row by row, the shared-string table string by string, and the
/// small workbook parts (sheet list, relationships). The bytes come from the caller (`read`), so
/// nothing here opens a file or a zip; the edge (`Workbooks`) does.
///
/// Hardened as ``XMLRecordReader`` is: no network, no DTD (a `<!DOCTYPE` fails the part), no entity
/// other than the predefined ones, limits on depth and text length.
final class SpreadsheetStream {
    static let maxDepth = 32
    /// The most bytes of one text (a cell holds at most 32,767 characters: ≤ 128 KiB of UTF-8).
    static let maxTextLength = 1 << 20

    private var reader: xmlTextReaderPtr?
    private let context: Unmanaged<Context>

    final class Context {
        let read: (UnsafeMutableRawBufferPointer) -> Int
        var error: (line: Int, message: String)?
        init(read: @escaping (UnsafeMutableRawBufferPointer) -> Int) { self.read = read }
    }

    enum Node {
        case start(depth: Int, empty: Bool)
        case text
        case end(depth: Int)
    }

    init(read: @escaping (UnsafeMutableRawBufferPointer) -> Int) {
        context = Unmanaged.passRetained(Context(read: read))
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_COMPACT.rawValue | XML_PARSE_HUGE.rawValue)
        reader = xmlReaderForIO(Self.onRead, nil, context.toOpaque(), nil, nil, options)
        if let reader { xmlTextReaderSetStructuredErrorHandler(reader, Self.onError, context.toOpaque()) }
    }

    deinit {
        if let reader { xmlFreeTextReader(reader) }
        context.release()
    }

    private static let onRead: xmlInputReadCallback = { opaque, buffer, length in
        guard let opaque, let buffer, length > 0 else { return 0 }
        let context = Unmanaged<Context>.fromOpaque(opaque).takeUnretainedValue()
        return Int32(context.read(UnsafeMutableRawBufferPointer(start: buffer, count: Int(length))))
    }

    private static let onError: xmlStructuredErrorFunc = { opaque, error in
        guard let opaque, let error else { return }
        let context = Unmanaged<Context>.fromOpaque(opaque).takeUnretainedValue()
        if context.error == nil {
            context.error = (Int(error.pointee.line), error.pointee.message.map { OneLine.of(String(cString: $0)) } ?? "XML 错误")
        }
    }

    /// The next element start, text or element end; nil at the end of the document.
    func next() throws(XMLReadError) -> Node? {
        guard let reader else { throw .notWellFormed(line: 1, message: "无法读取") }
        while true {
            let status = xmlTextReaderRead(reader)
            if status == 0 { return nil }
            guard status == 1 else {
                let error = context.takeUnretainedValue().error
                throw .notWellFormed(line: error?.line ?? line, message: error?.message ?? "文件不完整或不是有效的 XML")
            }
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                let depth = Int(xmlTextReaderDepth(reader))
                guard depth < Self.maxDepth else { throw .tooDeep(line: line, limit: Self.maxDepth) }
                return .start(depth: depth, empty: xmlTextReaderIsEmptyElement(reader) == 1)
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                return .end(depth: Int(xmlTextReaderDepth(reader)))
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
                Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue), Int32(XML_READER_TYPE_WHITESPACE.rawValue):
                return .text
            case Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue):
                throw .doctype(line: line)
            case Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue):
                throw .entityReference(line: line, name: xmlTextReaderConstName(reader).map { String(cString: $0) } ?? "")
            default:
                continue
            }
        }
    }

    /// The current element's local name (no prefix: `r:id` is `id`).
    var name: UnsafePointer<xmlChar>? { reader.flatMap { xmlTextReaderConstLocalName($0) } }

    func nameIs(_ literal: StaticString) -> Bool {
        guard let name else { return false }
        return strcmp(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self), UnsafeRawPointer(literal.utf8Start).assumingMemoryBound(to: CChar.self)) == 0
    }

    /// An attribute of the current element, by local name (any namespace). The names are compared
    /// as C strings: a `String` made of each attribute's name (three a cell: `r`, `s`, `t`) was most
    /// of this function's time.
    func attribute(_ localName: StaticString) -> String? {
        guard let reader, xmlTextReaderHasAttributes(reader) == 1 else { return nil }
        defer { xmlTextReaderMoveToElement(reader) }
        guard xmlTextReaderMoveToFirstAttribute(reader) == 1 else { return nil }
        let wanted = UnsafeRawPointer(localName.utf8Start).assumingMemoryBound(to: CChar.self)
        repeat {
            if let name = xmlTextReaderConstLocalName(reader), strcmp(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self), wanted) == 0 {
                return xmlTextReaderConstValue(reader).map { String(cString: $0) }
            }
        } while xmlTextReaderMoveToNextAttribute(reader) == 1
        return nil
    }

    /// Appends the current text node's bytes.
    func appendText(to bytes: inout [UInt8]) {
        guard let reader, let value = xmlTextReaderConstValue(reader) else { return }
        bytes.append(contentsOf: UnsafeBufferPointer(start: value, count: strlen(UnsafeRawPointer(value).assumingMemoryBound(to: CChar.self))))
    }

    var line: Int {
        guard let reader else { return 0 }
        let own = xmlTextReaderCurrentNode(reader).map { Int(xmlGetLineNo($0)) } ?? 0
        return own > 0 ? own : Int(xmlTextReaderGetParserLineNumber(reader))
    }
}

/// Excel's escape for characters XML cannot carry: `_x000D_`, and `_x005F_` for a literal `_`
/// before `xHHHH_`. Undone in cell text as Excel does.
enum ExcelEscapes {
    static func unescape(_ bytes: inout [UInt8], from start: Int) {
        // Fast path: no `_x` in the text.
        var probe = start
        var found = false
        while probe + 6 < bytes.count {
            if bytes[probe] == 0x5F, bytes[probe + 1] == 0x78, bytes[probe + 6] == 0x5F { found = true; break }
            probe += 1
        }
        guard found else { return }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count - start)
        var index = start
        while index < bytes.count {
            if index + 6 < bytes.count, bytes[index] == 0x5F, bytes[index + 1] == 0x78, bytes[index + 6] == 0x5F,
                let value = hex(bytes[(index + 2)..<(index + 6)]), let scalar = Unicode.Scalar(value)
            {
                out += Array(String(Character(scalar)).utf8)
                index += 7
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        bytes.replaceSubrange(start..., with: out)
    }

    private static func hex(_ digits: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        for digit in digits {
            switch digit {
            case 0x30...0x39: value = value << 4 | UInt32(digit - 0x30)
            case 0x41...0x46: value = value << 4 | UInt32(digit - 0x37)
            case 0x61...0x66: value = value << 4 | UInt32(digit - 0x57)
            default: return nil
            }
        }
        return value
    }
}

/// One row of a worksheet: its number as Excel gives it (`r`), and its cells by 0-based column.
public struct WorksheetRow: Sendable, Equatable {
    public let number: Int
    /// (column, where the text is in ``bytes``), in column order; empty cells are absent.
    public let cells: [(column: Int, range: Range<Int>)]
    public let bytes: [UInt8]
    /// Cells with a formula (the cached result is the value): their columns.
    public let formulaColumns: [Int]
    /// Error cells (`#N/A`, `#VALUE!`): their columns.
    public let errorColumns: [Int]
    /// Hidden in Excel (`<row hidden="1">`: by hand or by a filter): still in the file.
    public var hidden = false
    /// Cells whose value cannot be read, each left empty: the rest of the row (and the sheet)
    /// is read on, and the cell's record fails with the cell named.
    public var cellProblems: [(column: Int, problem: CellProblem)] = []

    /// Why one cell's value cannot be read.
    public enum CellProblem: Sendable, Equatable {
        /// A shared-string index past the table's end (-1: not an index at all).
        case missingSharedString(index: Int)
        /// A formula saved without its result (`<f>` and no `<v>`: written by a program that does
        /// not calculate, never opened and saved in Excel).
        case formulaWithoutValue
    }

    public func text(_ column: Int) -> String? {
        cells.first { $0.column == column }.map { String(decoding: bytes[$0.range], as: UTF8.self) }
    }

    /// Every cell's text from column 0 to the last, "" for an empty one.
    public var strings: [String] {
        guard let last = cells.last?.column else { return [] }
        var out = [String](repeating: "", count: last + 1)
        for cell in cells { out[cell.column] = String(decoding: bytes[cell.range], as: UTF8.self) }
        return out
    }

    public static func == (lhs: WorksheetRow, rhs: WorksheetRow) -> Bool {
        lhs.number == rhs.number && lhs.bytes == rhs.bytes && lhs.cells.elementsEqual(rhs.cells) { $0 == $1 }
    }
}

/// Why a worksheet's cells cannot be read on (beyond the XML itself).
public enum WorksheetError: Error, Sendable, Equatable {
    /// A cell or row reference that is not one (`r="1A"`), or rows out of order.
    case badReference(line: Int, reference: String)
    case xml(XMLReadError)
}

/// Reads a worksheet (`xl/worksheets/sheetN.xml`) row by row, resolving shared strings through
/// `sharedString`, which the caller backs with a table it keeps out of memory.
public final class WorksheetReader {
    /// Excel's widest sheet: columns A … XFD.
    public static let maxColumns = 16_384
    public static let maxRows = 1_048_576

    private let stream: SpreadsheetStream
    private let sharedString: (Int, inout [UInt8]) -> Bool
    private var lastRow = 0
    private var done = false

    /// - Parameters:
    ///   - sharedString: appends shared string `index` (as ``SharedStringsReader`` gives it:
    ///     Excel's escapes already undone) to the bytes; false when there is none.
    ///   - read: the sheet's XML, as ``XMLRecordReader``'s `read`.
    ///   - after: the number of the row before the first (a part of a sheet read on its own: a row
    ///     without a reference is numbered on from it, and one with a reference must come after it).
    public init(
        sharedString: @escaping (Int, inout [UInt8]) -> Bool, read: @escaping (UnsafeMutableRawBufferPointer) -> Int, after row: Int = 0
    ) {
        self.sharedString = sharedString
        stream = SpreadsheetStream(read: read)
        lastRow = max(0, row)
    }

    /// The next row (possibly without cells), or nil after `</sheetData>`.
    public func next() throws(WorksheetError) -> WorksheetRow? {
        guard !done else { return nil }
        do {
            return try read()
        } catch let error as WorksheetError {
            throw error
        } catch let error as XMLReadError {
            throw .xml(error)
        } catch {
            throw .xml(.notWellFormed(line: stream.line, message: "\(error)"))
        }
    }

    private func read() throws -> WorksheetRow? {
        var number = 0
        var inRow = false
        var cells: [(column: Int, range: Range<Int>)] = []
        var bytes: [UInt8] = []
        var formulas: [Int] = []
        var errors: [Int] = []
        var problems: [(column: Int, problem: WorksheetRow.CellProblem)] = []
        // Whether the open cell has a value (`<v>`, or an inline string's `<is>`): a formula without one has no result.
        var valued = false
        // The open cell: its column, type, where its text starts; and which child holds text now.
        var cell: (column: Int, type: String?, start: Int)?
        var lastColumn = -1
        var hidden = false
        var textTarget = false
        var inPhonetic = false
        var valueStart = 0
        while let node = try stream.next() {
            switch node {
            case .start(_, let empty):
                if stream.nameIs("row") {
                    let reference = stream.attribute("r")
                    number = try reference.map { text in
                        guard let value = Int(text), value > lastRow, value <= Self.maxRows else {
                            throw WorksheetError.badReference(line: stream.line, reference: text)
                        }
                        return value
                    } ?? (lastRow + 1)
                    lastRow = number
                    inRow = true
                    lastColumn = -1
                    hidden = stream.attribute("hidden").map { $0 == "1" || $0 == "true" } ?? false
                    if empty { return finish(number, cells, bytes, formulas, errors, problems, hidden: hidden) }
                } else if inRow, stream.nameIs("c") {
                    let column: Int
                    if let reference = stream.attribute("r") {
                        guard let parsed = Self.column(of: reference), parsed > lastColumn else {
                            throw WorksheetError.badReference(line: stream.line, reference: reference)
                        }
                        column = parsed
                    } else {
                        column = lastColumn + 1
                    }
                    guard column < Self.maxColumns else { throw WorksheetError.badReference(line: stream.line, reference: "\(column + 1)") }
                    lastColumn = column
                    if !empty {
                        cell = (column, stream.attribute("t"), bytes.count)
                        valued = false
                    }
                } else if cell != nil {
                    if stream.nameIs("v") || (stream.nameIs("t") && !inPhonetic) {
                        valued = true
                        textTarget = !empty
                        valueStart = bytes.count
                    } else if stream.nameIs("rPh") {
                        inPhonetic = !empty
                    } else if stream.nameIs("is") {
                        valued = true
                    } else if stream.nameIs("f"), let open = cell, formulas.last != open.column {
                        formulas.append(open.column)
                    }
                }
            case .text:
                if textTarget {
                    stream.appendText(to: &bytes)
                    guard bytes.count - valueStart <= SpreadsheetStream.maxTextLength else {
                        throw XMLReadError.textTooLong(line: stream.line, limit: SpreadsheetStream.maxTextLength)
                    }
                }
            case .end:
                if textTarget, stream.nameIs("v") || stream.nameIs("t") {
                    textTarget = false
                } else if stream.nameIs("rPh") {
                    inPhonetic = false
                } else if let open = cell, stream.nameIs("c") {
                    cell = nil
                    if !valued, formulas.last == open.column {
                        // No result saved: nothing to read (not Excel's last result, which it has none).
                        formulas.removeLast()
                        problems.append((open.column, .formulaWithoutValue))
                        bytes.removeSubrange(open.start...)
                        continue
                    }
                    if let problem = close(open, bytes: &bytes, errors: &errors) { problems.append((open.column, problem)) }
                    if bytes.count > open.start { cells.append((open.column, open.start..<bytes.count)) }
                } else if inRow, stream.nameIs("row") {
                    return finish(number, cells, bytes, formulas, errors, problems, hidden: hidden)
                } else if stream.nameIs("sheetData") {
                    done = true
                    return nil
                }
            }
        }
        done = true
        return nil
    }

    /// A closed cell's text as the value it stands for; the problem of a cell whose value cannot be
    /// read (its text then empty).
    private func close(_ cell: (column: Int, type: String?, start: Int), bytes: inout [UInt8], errors: inout [Int]) -> WorksheetRow.CellProblem? {
        switch cell.type {
        case "s":
            // The index, read from its digits (spaces around allowed): no String per cell.
            var index = 0
            var digits = 0
            var valid = true
            for byte in bytes[cell.start...] {
                switch byte {
                case 0x30...0x39 where digits < 10:
                    index = index * 10 + Int(byte - 0x30)
                    digits += 1
                case 0x20, 0x09, 0x0A, 0x0D: continue
                default: valid = false
                }
            }
            bytes.removeSubrange(cell.start...)
            guard valid, digits > 0, sharedString(index, &bytes) else {
                bytes.removeSubrange(cell.start...)
                return .missingSharedString(index: valid && digits > 0 ? index : -1)
            }
            // The table's strings were unescaped once as it was read: not again here, or a
            // literal `_x0041_` written as `_x005F_x0041_` would come out as `A`.
        case "b":
            let value = bytes[cell.start...].elementsEqual("1".utf8)
            bytes.removeSubrange(cell.start...)
            bytes += Array((value ? "TRUE" : "FALSE").utf8)
        case "e":
            errors.append(cell.column)
        case "inlineStr", "str":
            ExcelEscapes.unescape(&bytes, from: cell.start)
        case "d":
            break  // an ISO 8601 date as written: the date rules read it
        default:
            // A number as Excel shows it: 15 significant digits, plain (`0.001` for the file's
            // `1E-3`, `0.2` for `0.20000000000000001`); a code Excel made a number keeps its
            // E-notation (`9.14101E+17`, not the file's `9.14101e+17`): the Excel-quirk rules then
            // say what Excel did to it, without a case warning first. Most numbers are short and
            // plain, and left as they are.
            var digits = 0
            var plain = true
            for byte in bytes[cell.start...] {
                if byte &- 0x30 < 10 { digits += 1 } else if byte == 0x65 || byte == 0x45 { plain = false }
            }
            if !plain || digits > 15 {
                let shown = ExcelNumber.shown(bytes[cell.start...])
                bytes.replaceSubrange(cell.start..., with: shown)
            }
        }
        return nil
    }

    private func finish(
        _ number: Int, _ cells: [(column: Int, range: Range<Int>)], _ bytes: [UInt8], _ formulas: [Int], _ errors: [Int],
        _ problems: [(column: Int, problem: WorksheetRow.CellProblem)], hidden: Bool
    ) -> WorksheetRow {
        var row = WorksheetRow(number: number, cells: cells, bytes: bytes, formulaColumns: formulas, errorColumns: errors)
        row.hidden = hidden
        row.cellProblems = problems
        return row
    }

    /// The 0-based column of a cell reference (`C7` → 2), or nil when it is not one.
    public static func column(of reference: String) -> Int? { CellReference.column(of: reference) }
}

/// Reads the shared-string table (`xl/sharedStrings.xml`) one string at a time: each `<si>`'s text
/// (its runs joined; phonetic guides left out), Excel's `_xHHHH_` escapes undone.
public enum SharedStringsReader {
    public static func forEach(
        read: @escaping (UnsafeMutableRawBufferPointer) -> Int, _ body: (borrowing [UInt8]) throws -> Void
    ) throws {
        let stream = SpreadsheetStream(read: read)
        var bytes: [UInt8] = []
        var inItem = false
        var inText = false
        var inPhonetic = false
        while let node = try stream.next() {
            switch node {
            case .start(_, let empty):
                if stream.nameIs("si") {
                    bytes.removeAll(keepingCapacity: true)
                    inItem = true
                    if empty {
                        try body(bytes)
                        inItem = false
                    }
                } else if inItem, stream.nameIs("rPh") {
                    inPhonetic = !empty
                } else if inItem, !inPhonetic, stream.nameIs("t") {
                    inText = !empty
                }
            case .text:
                if inText {
                    stream.appendText(to: &bytes)
                    guard bytes.count <= SpreadsheetStream.maxTextLength else {
                        throw XMLReadError.textTooLong(line: stream.line, limit: SpreadsheetStream.maxTextLength)
                    }
                }
            case .end:
                if stream.nameIs("t") {
                    inText = false
                } else if stream.nameIs("rPh") {
                    inPhonetic = false
                } else if stream.nameIs("si") {
                    ExcelEscapes.unescape(&bytes, from: 0)
                    try body(bytes)
                    inItem = false
                }
            }
        }
    }
}

/// The small parts of a workbook: its sheets in order and the targets of its relationships.
public enum WorkbookParts {
    public struct Sheet: Sendable, Equatable {
        public let name: String
        /// The relationship id (`r:id`) that points at the sheet's part.
        public let relationship: String
        /// `state="hidden"` or `"veryHidden"`: Excel does not show it (an old copy, a lookup list).
        public let hidden: Bool

        public init(name: String, relationship: String, hidden: Bool = false) {
            self.name = name
            self.relationship = relationship
            self.hidden = hidden
        }
    }

    public struct Relationship: Sendable, Equatable {
        public let id: String
        public let target: String
        /// `TargetMode="External"`: a link outside the file, never followed.
        public let external: Bool
        public let type: String
    }

    public static func sheets(_ xml: [UInt8]) throws -> [Sheet] {
        var sheets: [Sheet] = []
        try elements(xml) { stream in
            if stream.nameIs("sheet"), let name = stream.attribute("name"), let id = stream.attribute("id") {
                let state = stream.attribute("state")
                sheets.append(Sheet(name: name, relationship: id, hidden: state == "hidden" || state == "veryHidden"))
            }
        }
        return sheets
    }

    /// Whether the workbook part counts dates in the 1904 date system (`<workbookPr date1904="1"/>`
    /// or `"true"`, ECMA-376 Part 1 §18.2.28).
    public static func usesDate1904(_ xml: [UInt8]) throws -> Bool {
        var found = false
        try elements(xml) { stream in
            if stream.nameIs("workbookPr"), let value = stream.attribute("date1904") { found = value == "1" || value == "true" }
        }
        return found
    }

    public static func relationships(_ xml: [UInt8]) throws -> [Relationship] {
        var found: [Relationship] = []
        try elements(xml) { stream in
            if stream.nameIs("Relationship"), let id = stream.attribute("Id"), let target = stream.attribute("Target") {
                found.append(Relationship(
                    id: id, target: target, external: stream.attribute("TargetMode") == "External", type: stream.attribute("Type") ?? ""))
            }
        }
        return found
    }

    /// The merged ranges (`A1:F1`) of a worksheet's `<mergeCells>`, from the part's bytes after
    /// `</sheetData>` (where Excel writes them), found by their attribute.
    public static func mergedRanges(inTail bytes: [UInt8]) -> [String] {
        let needle = Array("<mergeCell ".utf8)
        var ranges: [String] = []
        var index = 0
        while index + needle.count < bytes.count {
            if bytes[index] == 0x3C, Array(bytes[index..<(index + needle.count)]) == needle {
                var end = index
                while end < bytes.count, bytes[end] != 0x3E { end += 1 }
                let element = Array(bytes[index..<end])
                let key = Array("ref=\"".utf8)
                if let start = (0..<max(0, element.count - key.count)).first(where: { element[$0..<($0 + key.count)].elementsEqual(key) }) {
                    let rest = element[(start + key.count)...]
                    if let close = rest.firstIndex(of: 0x22) { ranges.append(String(decoding: rest[..<close], as: UTF8.self)) }
                }
                index = end
            }
            index += 1
        }
        return ranges
    }

    private static func elements(_ xml: [UInt8], _ body: (SpreadsheetStream) -> Void) throws {
        var offset = 0
        let stream = SpreadsheetStream { buffer in
            let count = min(buffer.count, xml.count - offset)
            if count > 0 { buffer.copyBytes(from: xml[offset..<(offset + count)]) }
            offset += count
            return count
        }
        while let node = try stream.next() {
            if case .start = node { body(stream) }
        }
    }
}
