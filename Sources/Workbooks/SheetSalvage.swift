import Glibc
public import SourceDecoders

extension WorkbookSource {
    /// The chosen sheet's rows as far as they can be read, its XML broken or not (truncated, a
    /// malformed tag): for the decision register of a workbook that fails as a whole, never for
    /// publication. `body` returns false to stop.
    ///
    /// libxml2's reader stops at the first error, and the rows it had parsed in the chunk holding the
    /// error are lost with all after it; so the sheet's bytes are cut at each `<row` (a `<` in XML
    /// text is always markup: cell text carries it as `&lt;`), and the rows read a batch at a time,
    /// each batch as a document of its own in the sheet's root element. A batch that fails is read
    /// again row by row, and a row that fails cell by cell: a broken cell costs that cell, a broken
    /// row what of it is broken. The sheet is read from its file on disk a window at a time.
    ///
    /// A row without a reference (`r`) after one that could not be read is numbered as if that one
    /// had not been there.
    public func salvageRows(_ body: (WorksheetRow) -> Bool) {
        let strings = self.strings
        SheetSalvage(descriptor: sheetFile, sharedString: { index, bytes in strings?.append(index, to: &bytes) ?? false }).rows(body)
    }
}

/// Cuts a worksheet's bytes into rows and reads them as far as they can be read (``WorkbookSource/salvageRows(_:)``).
final class SheetSalvage {
    static let window = 1 << 20
    /// The most bytes of rows read as one document.
    static let batchBytes = 1 << 20
    /// The most bytes of one row: a longer one is passed over (it is not read, nor held).
    static let rowLimit = 16 << 20
    /// The most bytes before the root element's start tag ends.
    static let rootLimit = 64 << 10
    static let defaultRoot = Array("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">".utf8)

    private let descriptor: Int32
    private let sharedString: (Int, inout [UInt8]) -> Bool
    /// The root element's start tag as the sheet writes it (its namespaces), its name, and the
    /// prefix of the sheet's elements (`x:` of `<x:worksheet>`, else none).
    private var root = SheetSalvage.defaultRoot
    private var rootName = Array("worksheet".utf8)
    private var prefix: [UInt8] = [] {
        didSet { markers = Markers(prefix: prefix) }
    }
    private var markers = Markers(prefix: [])
    private var lastRow = 0

    /// The tags looked for, in the sheet's prefix (made once: they are tried at every `<`).
    struct Markers {
        let rowOpen: [UInt8]
        let rowClose: [UInt8]
        let cellOpen: [UInt8]
        let sheetDataOpen: [UInt8]
        let sheetDataClose: [UInt8]

        init(prefix: [UInt8]) {
            rowOpen = Array("<".utf8) + prefix + Array("row".utf8)
            rowClose = Array("</".utf8) + prefix + Array("row".utf8)
            cellOpen = Array("<".utf8) + prefix + Array("c".utf8)
            sheetDataOpen = Array("<".utf8) + prefix + Array("sheetData>".utf8)
            sheetDataClose = Array("</".utf8) + prefix + Array("sheetData".utf8)
        }
    }

    init(descriptor: Int32, sharedString: @escaping (Int, inout [UInt8]) -> Bool) {
        self.descriptor = descriptor
        self.sharedString = sharedString
    }

    func rows(_ body: (WorksheetRow) -> Bool) {
        var data: [UInt8] = []
        var position = 0
        var atEnd = false
        var rootFound = false
        var rowStart: Int?  // where the row being cut starts in `data` (none before the first, or past one too long)
        var searchFrom = 0
        var batch: [UInt8] = []
        var segments: [Range<Int>] = []
        var window = [UInt8](repeating: 0, count: Self.window)
        var stopped = false
        func flush() {
            guard !segments.isEmpty, !stopped else { return }
            stopped = !read(batch, segments: segments, body)
            batch.removeAll(keepingCapacity: true)
            segments.removeAll(keepingCapacity: true)
        }
        func add(_ segment: ArraySlice<UInt8>) {
            let start = batch.count
            batch += segment
            segments.append(start..<batch.count)
            if batch.count >= Self.batchBytes { flush() }
        }
        while !stopped {
            if !atEnd {
                let count = window.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(position)) }
                if count > 0 {
                    data += window[0..<count]
                    position += count
                } else {
                    atEnd = true
                }
            }
            if !rootFound {
                if let (tag, name) = Self.rootTag(in: data) {
                    root = tag
                    rootName = name
                    if let colon = name.firstIndex(of: 0x3A) { prefix = Array(name[...colon]) }
                    rootFound = true
                } else if data.count >= Self.rootLimit || atEnd {
                    rootFound = true  // none to be found: the usual one
                } else {
                    continue
                }
            }
            // Each `<` from `searchFrom`: a row's start ends the row before; `</sheetData` ends them all.
            var index = searchFrom
            var ended = false
            while index < data.count {
                guard let found = data.withUnsafeBufferPointer({ buffer in
                    memchr(buffer.baseAddress! + index, 0x3C, buffer.count - index).map { UnsafeRawPointer($0) - UnsafeRawPointer(buffer.baseAddress!) }
                }) else {
                    index = data.count
                    break
                }
                guard found + 12 + prefix.count <= data.count || atEnd else {
                    index = found  // a marker may be cut: looked at again with more bytes
                    break
                }
                if Self.isElement(data[...], at: found, markers.rowOpen) {
                    if let start = rowStart { add(data[start..<found]) }
                    rowStart = found
                } else if Self.matches(data[...], at: found, markers.sheetDataClose) {
                    if let start = rowStart { add(data[start..<found]) }
                    ended = true
                    break
                }
                index = found + 1
            }
            if ended || stopped { break }
            if atEnd {
                if let start = rowStart { add(data[start...]) }
                break
            }
            if let start = rowStart, data.count - start > Self.rowLimit { rowStart = nil }  // passed over
            // Only the row being cut is kept, or what a marker cut at the end needs.
            let keepFrom = min(rowStart ?? index, index)
            data.removeSubrange(0..<keepFrom)
            rowStart = rowStart.map { $0 - keepFrom }
            searchFrom = index - keepFrom
        }
        flush()
    }

    /// Reads a batch of rows: as one document if it is whole, else row by row. False once `body` stops.
    private func read(_ batch: [UInt8], segments: [Range<Int>], _ body: (WorksheetRow) -> Bool) -> Bool {
        if let rows = parse(batch[...]) {
            for row in rows {
                lastRow = row.number
                guard body(row) else { return false }
            }
            return true
        }
        for segment in segments {
            let part = batch[segment]
            guard let row = parse(part)?.first ?? salvageCells(of: part) else { continue }
            lastRow = row.number
            guard body(row) else { return false }
        }
        return true
    }

    /// A broken row's cells that can be read, each tried on its own in the row's start tag.
    private func salvageCells(of segment: ArraySlice<UInt8>) -> WorksheetRow? {
        guard let tagEnd = Self.tagEnd(segment, from: segment.startIndex), segment[tagEnd - 1] != 0x2F else { return nil }
        let tag = segment[segment.startIndex...tagEnd]
        let close = markers.rowClose + Array(">".utf8)
        // Each cell runs from its `<c` to the next, or to the row's end tag.
        var cells: [Range<Int>] = []
        var start: Int?
        var index = tagEnd + 1
        while index < segment.endIndex {
            if segment[index] == 0x3C {
                let isCell = Self.isElement(segment, at: index, markers.cellOpen)
                let isEnd = Self.matches(segment, at: index, markers.rowClose)
                if isCell || isEnd {
                    if let open = start { cells.append(open..<index) }
                    start = isCell ? index : nil
                    if isEnd { break }
                }
            }
            index += 1
        }
        if let open = start, index >= segment.endIndex { cells.append(open..<segment.endIndex) }
        let good = cells.filter { parse(tag + segment[$0] + close) != nil }
        guard !good.isEmpty else { return nil }
        var row = Array(tag)
        for cell in good { row += segment[cell] }
        return parse((row + close)[...])?.first
    }

    /// The rows of `rows` (row elements back to back) read as a document in the sheet's root, or nil
    /// when it cannot be read to its end.
    private func parse(_ rows: ArraySlice<UInt8>) -> [WorksheetRow]? {
        var document = root + markers.sheetDataOpen
        document += rows
        document += markers.sheetDataClose + Array("></".utf8) + rootName + Array(">".utf8)
        var offset = 0
        let reader = WorksheetReader(sharedString: sharedString, read: { buffer in
            let count = min(buffer.count, document.count - offset)
            if count > 0 { document.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + count)])) } }
            offset += count
            return count
        }, after: lastRow)
        var found: [WorksheetRow] = []
        do {
            while let row = try reader.next() { found.append(row) }
        } catch {
            return nil
        }
        return found
    }

    // MARK: - The bytes

    /// The root element's start tag (after the declaration and any comments) and its name.
    static func rootTag(in data: [UInt8]) -> ([UInt8], [UInt8])? {
        var index = 0
        while index + 1 < data.count {
            guard data[index] == 0x3C else {
                index += 1
                continue
            }
            let next = data[index + 1]
            if next == 0x3F || next == 0x21 {  // `<?…` or `<!…`
                index += 2
                continue
            }
            guard let end = tagEnd(data[...], from: index), data[end - 1] != 0x2F else { return nil }
            var nameEnd = index + 1
            while nameEnd < end, !isSpace(data[nameEnd]), data[nameEnd] != 0x3E, data[nameEnd] != 0x2F { nameEnd += 1 }
            guard nameEnd > index + 1 else { return nil }
            return (Array(data[index...end]), Array(data[(index + 1)..<nameEnd]))
        }
        return nil
    }

    /// Where the tag starting at `start` ends (its `>`, outside quoted values), or nil.
    static func tagEnd(_ bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        var quote: UInt8?
        var index = start + 1
        while index < bytes.endIndex {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == 0x22 || byte == 0x27 {
                quote = byte
            } else if byte == 0x3E {
                return index
            } else if byte == 0x3C {
                return nil  // another tag begins: this one is broken
            }
            index += 1
        }
        return nil
    }

    /// `literal` (`<` and a name), then a space, `>` or `/`.
    static func isElement(_ data: ArraySlice<UInt8>, at index: Int, _ literal: [UInt8]) -> Bool {
        guard matches(data, at: index, literal), index + literal.count < data.endIndex else { return false }
        let after = data[index + literal.count]
        return isSpace(after) || after == 0x3E || after == 0x2F
    }

    static func matches(_ data: ArraySlice<UInt8>, at index: Int, _ literal: [UInt8]) -> Bool {
        guard index + literal.count <= data.endIndex else { return false }
        for offset in 0..<literal.count where data[index + offset] != literal[offset] { return false }
        return true
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
}
