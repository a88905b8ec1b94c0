import DisclosureCore
import Glibc  // purity: memchr, a computation on bytes the runner supplies

/// One record of a CSV file as text: its cells and where it starts.
public struct CSVRow: Sendable, Equatable {
    /// The record number: the header is row 1, and a record spanning several lines (a quoted line
    /// break) is still one row.
    public let number: Int
    public let cells: [String]
    /// The byte offset in the file where the row starts.
    public let byteOffset: Int
}

/// One record of a CSV file as bytes: the unescaped bytes of all its cells back to back, and where
/// each cell ends. No `String` is made until one is asked for.
public struct CSVRecord: Sendable {
    /// The record number (header = 1; records, not lines).
    public let number: Int
    /// The byte offset in the input where the row starts.
    public let byteOffset: Int
    /// The cells' bytes (UTF-8, quotes removed, doubled quotes made single), back to back.
    public let bytes: [UInt8]
    /// The end offset in ``bytes`` of each cell.
    public let cellEnds: [Int]
    /// Cells longer than their column's limit (``CSVScanner/consumeLimiting(_:emit:)``, else
    /// ``CSVScanner/cellLimit``): their index and whole length in bytes and in characters (Unicode
    /// scalars). Only the start of such a cell (cut at a character) is in ``bytes``.
    public var oversized: [OversizedCell] = []

    public init(number: Int, byteOffset: Int, bytes: [UInt8], cellEnds: [Int], oversized: [OversizedCell] = []) {
        self.number = number
        self.byteOffset = byteOffset
        self.bytes = bytes
        self.cellEnds = cellEnds
        self.oversized = oversized
    }

    public var cellCount: Int { cellEnds.count }

    /// The byte range of cell `index` in ``bytes``.
    public func range(of index: Int) -> Range<Int> {
        (index == 0 ? 0 : cellEnds[index - 1])..<cellEnds[index]
    }

    /// Cell `index` as text.
    public func string(_ index: Int) -> String {
        String(decoding: bytes[range(of: index)], as: UTF8.self)
    }

    /// All cells as text.
    public var strings: [String] { (0..<cellCount).map(string) }
}

/// A cell cut while it was read: where it is and how long it was. (Of an XML record, a field's text.)
public struct OversizedCell: Sendable, Equatable {
    /// The cell's index in its record (its column, counted from 0; in an XML record, the index of
    /// the field in ``XMLRecord/fields``).
    public let cell: Int
    /// Its whole length in bytes.
    public let bytes: Int
    /// Its whole length in characters (Unicode scalars, as lengths are counted against a field's maximum).
    public let characters: Int

    public init(cell: Int, bytes: Int, characters: Int) {
        self.cell = cell
        self.bytes = bytes
        self.characters = characters
    }
}

/// Why a CSV file cannot be read on.
public enum CSVError: Error, Sendable, Equatable {
    /// Bytes that are not UTF-8, at an absolute byte offset, in a row.
    case invalidUTF8(row: Int, byteOffset: Int)
    /// A quoted cell never closed: the rest of the file was swallowed into it.
    /// `column`: the cell the quote opens, counted from 0 in its row.
    case unterminatedQuote(row: Int, byteOffset: Int, column: Int)
}

/// A byte-level, incremental RFC 4180 CSV scanner: quoted cells, doubled quotes, line breaks inside
/// quotes, CRLF, LF or CR line ends, a last line without a line end, and a UTF-8 byte-order mark.
/// The input must be UTF-8 (the transcoders in front of it make it so); it is validated as it is
/// scanned, and an invalid byte fails with its exact offset and row.
///
/// Feed it the input in chunks of any size with ``consume(_:emit:)`` and call ``finish(emit:)`` at
/// the end; the records and their numbers do not depend on where the chunks split. Memory is bounded
/// by the longest row, not the input.
///
/// Hand-written: the scanner is the product's core, and a byte-level scanner over chunked reads is
/// the measured fast way (docs/architecture.md: the libraries measured 11–20 MB/s or loaded the whole
/// file). Runs of ordinary bytes are copied in bulk; a `String` is made only when a cell is read as text.
///
/// ```swift
/// var scanner = CSVScanner()
/// try scanner.consume(chunk) { record in handle(record) }
/// try scanner.finish { record in handle(record) }
/// ```
public struct CSVScanner: Sendable {
    private enum State: Sendable {
        case cellStart, unquoted, quoted, quoteInQuoted
    }

    private let delimiter: UInt8
    private var state = State.cellStart
    private var bytes: [UInt8] = []
    private var cellEnds: [Int] = []
    private var rowNumber = 1
    private var rowStart = 0
    private var quoteStart = 0
    /// Bytes consumed so far: the absolute offset of the next byte.
    private var offset = 0
    /// The previous byte was a CR ending a row: a following LF belongs to it.
    private var afterCR = false
    /// The first bytes, held until it is known whether they are a byte-order mark.
    private var head: [UInt8]? = []
    private var rowHasContent = false
    private var utf8 = UTF8Validator()
    /// Whether the scanner checks that the input is UTF-8. A caller that checks each record's bytes
    /// itself (on other threads) turns this off; every byte that is not ASCII ends up in some cell.
    private let validatesUTF8: Bool
    /// The most bytes of one cell kept in memory, in a column without a limit of its own: the rest
    /// is counted, not held (a 50 MB cell costs 1 MiB), and the record says so (``CSVRecord/oversized``).
    public let cellLimit: Int
    /// Per column, the most bytes of its cells kept (``consumeLimiting(_:emit:)``); a column past the
    /// end has ``cellLimit``.
    private var columnLimits: [Int] = []
    /// The limit of the cell being read (its column's, looked up when the cell begins).
    private var limit: Int
    /// Bytes and characters of the cell being read that were not kept.
    private var cellOverflow = 0
    private var cellOverflowCharacters = 0
    private var oversized: [OversizedCell] = []

    public init(delimiter: UInt8 = UInt8(ascii: ","), validatesUTF8: Bool = true, cellLimit: Int = Int.max) {
        self.delimiter = delimiter
        self.validatesUTF8 = validatesUTF8
        self.cellLimit = max(cellLimit, 4)
        limit = self.cellLimit
    }

    /// Keeps a run of a cell's bytes, up to its column's limit: past it, cut where a character
    /// starts (the kept bytes stay UTF-8), and count the rest, in bytes and characters.
    private mutating func keep(_ run: UnsafeBufferPointer<UInt8>) {
        let kept = bytes.count - (cellEnds.last ?? 0)
        guard cellOverflow == 0, kept + run.count > limit else {
            if cellOverflow == 0 {
                bytes.append(contentsOf: run)
            } else {
                cellOverflow += run.count
                cellOverflowCharacters += Self.characters(in: run)
            }
            return
        }
        var cut = max(0, limit - kept)
        while cut > 0, cut < run.count, run[cut] & 0xC0 == 0x80 { cut -= 1 }
        if cut > 0 { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: run[0..<cut])) }
        cellOverflow = run.count - cut
        cellOverflowCharacters = Self.characters(in: UnsafeBufferPointer(rebasing: run[cut...]))
        // A character split across two runs (a chunk boundary): its first bytes are already kept;
        // they go too, so that what is kept stays UTF-8.
        let cellStart = cellEnds.last ?? 0
        var lead = bytes.count
        while lead > cellStart, bytes[lead - 1] & 0xC0 == 0x80 { lead -= 1 }
        if lead > cellStart {
            let first = bytes[lead - 1]
            let length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 1
            let have = bytes.count - (lead - 1)
            if have < length {
                cellOverflow += have
                cellOverflowCharacters += 1  // its first byte
                bytes.removeLast(have)
            }
        }
    }

    /// The characters (Unicode scalars) that begin in `bytes`: the bytes that are not a
    /// continuation byte. Counted only for a cell that is cut.
    private static func characters(in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
        return count
    }

    private mutating func keep(_ byte: UInt8) {
        withUnsafeBytes(of: byte) { raw in keep(raw.bindMemory(to: UInt8.self)) }
    }

    /// The number of the record being read (for messages about input that stops mid-record).
    public var currentRow: Int { rowNumber }

    // MARK: - Records as bytes

    /// Scans a chunk, calling `emit` for every record it completes.
    ///
    /// - Throws: ``CSVError/invalidUTF8(row:byteOffset:)`` for bytes that are not UTF-8, or
    ///   whatever `emit` throws.
    public mutating func consume(_ chunk: UnsafeBufferPointer<UInt8>, emit: (CSVRecord) throws -> Void) throws {
        try consumeLimiting(chunk, emit: { try emit($0); return nil })
    }

    /// Scans a chunk, calling `emit` for every record it completes; `emit` may hand back, for the
    /// records after this one, the most bytes of each column's cells to keep (the header's columns,
    /// from their fields' maximum lengths): a cell longer than its column's limit keeps only its
    /// start (``CSVRecord/oversized``). Columns past the list keep ``cellLimit``.
    public mutating func consumeLimiting(_ chunk: UnsafeBufferPointer<UInt8>, emit: (CSVRecord) throws -> [Int]?) throws {
        if var held = head {
            held.append(contentsOf: chunk)
            guard held.count >= 3 else {
                head = held
                return
            }
            head = nil
            try scanHead(held, emit: emit)
            return
        }
        try scan(chunk, emit: emit)
    }

    /// Scans a chunk held in any collection of bytes.
    public mutating func consume(_ chunk: some Collection<UInt8>, emit: (CSVRecord) throws -> Void) throws {
        let array = Array(chunk)
        try array.withUnsafeBufferPointer { try consume($0, emit: emit) }
    }

    /// Ends the input: emits a last record without a line end.
    ///
    /// - Throws: ``CSVError/unterminatedQuote(row:byteOffset:column:)`` when a quoted cell is still open,
    ///   ``CSVError/invalidUTF8(row:byteOffset:)`` when the input ends inside a UTF-8 sequence.
    public mutating func finish(emit: (CSVRecord) throws -> Void) throws {
        let emit: (CSVRecord) throws -> [Int]? = { try emit($0); return nil }
        if let held = head {
            head = nil
            try scanHead(held, emit: emit)
        }
        if let start = utf8.pendingStart { throw CSVError.invalidUTF8(row: rowNumber, byteOffset: start) }
        if state == .quoted { throw CSVError.unterminatedQuote(row: rowNumber, byteOffset: quoteStart, column: cellEnds.count) }
        if rowHasContent || !cellEnds.isEmpty || !bytes.isEmpty { try endRow(emit) }
    }

    private mutating func scanHead(_ held: [UInt8], emit: (CSVRecord) throws -> [Int]?) throws {
        let hasBOM = held.count >= 3 && held[0] == 0xEF && held[1] == 0xBB && held[2] == 0xBF
        if hasBOM {
            offset = 3
            rowStart = 3
            utf8.skip(3)
        }
        try held.withUnsafeBufferPointer { buffer in
            try scan(UnsafeBufferPointer(rebasing: buffer[(hasBOM ? 3 : 0)...]), emit: emit)
        }
    }

    // MARK: - Scanning

    private mutating func scan(_ chunk: UnsafeBufferPointer<UInt8>, emit: (CSVRecord) throws -> [Int]?) throws {
        guard validatesUTF8 else { return try scanValid(chunk, emit: emit) }
        // Validate first, then scan only the valid part, so that an error names the right row.
        let invalidAt = utf8.validate(chunk)
        let end = invalidAt ?? chunk.count
        try scanValid(UnsafeBufferPointer(rebasing: chunk[0..<end]), emit: emit)
        if invalidAt != nil { throw CSVError.invalidUTF8(row: rowNumber, byteOffset: utf8.errorOffset) }
    }

    private mutating func scanValid(_ chunk: UnsafeBufferPointer<UInt8>, emit: (CSVRecord) throws -> [Int]?) throws {
        let quote = UInt8(ascii: "\"")
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        let delimiter = self.delimiter
        let base = offset
        var index = 0
        let count = chunk.count
        defer { offset = base + count }
        while index < count {
            if afterCR {
                afterCR = false
                if chunk[index] == lf {
                    index += 1
                    rowStart = base + index
                    continue
                }
            }
            switch state {
            case .cellStart, .unquoted:
                if state == .cellStart, chunk[index] == quote {
                    state = .quoted
                    quoteStart = base + index
                    rowHasContent = true
                    index += 1
                    continue
                }
                let runStart = index
                // Sixteen bytes at a time while none of them ends the cell (most cells are long CJK text).
                if let start = chunk.baseAddress {
                    let raw = UnsafeRawPointer(start)
                    let delimiters = SIMD16<UInt8>(repeating: delimiter)
                    let returns = SIMD16<UInt8>(repeating: cr)
                    let newlines = SIMD16<UInt8>(repeating: lf)
                    while index + 16 <= count {
                        let block = raw.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
                        if any((block .== delimiters) .| (block .== returns) .| (block .== newlines)) { break }
                        index += 16
                    }
                }
                while index < count {
                    let byte = chunk[index]
                    if byte == delimiter || byte == cr || byte == lf { break }
                    index += 1
                }
                if index > runStart {
                    keep(UnsafeBufferPointer(rebasing: chunk[runStart..<index]))
                    state = .unquoted
                    rowHasContent = true
                }
                guard index < count else { break }
                let byte = chunk[index]
                index += 1
                if byte == delimiter {
                    endCell()
                } else {
                    offset = base + index  // the row ends here; the next starts after this byte
                    try endRow(emit)
                    afterCR = byte == cr
                }
            case .quoted:
                let runStart = index
                if let start = chunk.baseAddress,
                    let found = memchr(start + index, Int32(quote), count - index)
                {
                    index = UnsafeRawPointer(found) - UnsafeRawPointer(start)
                } else {
                    index = count
                }
                if index > runStart { keep(UnsafeBufferPointer(rebasing: chunk[runStart..<index])) }
                if index < count {
                    state = .quoteInQuoted
                    index += 1
                }
            case .quoteInQuoted:
                let byte = chunk[index]
                index += 1
                if byte == quote {
                    keep(quote)
                    state = .quoted
                } else if byte == delimiter {
                    endCell()
                } else if byte == cr || byte == lf {
                    offset = base + index
                    try endRow(emit)
                    afterCR = byte == cr
                } else {
                    // Text after a closing quote: kept as written (lenient, as Excel reads it).
                    keep(byte)
                    state = .unquoted
                }
            }
        }
    }

    private mutating func endCell() {
        if cellOverflow > 0 {
            let kept = bytes.withUnsafeBufferPointer { Self.characters(in: UnsafeBufferPointer(rebasing: $0[(cellEnds.last ?? 0)...])) }
            oversized.append(OversizedCell(
                cell: cellEnds.count, bytes: bytes.count - (cellEnds.last ?? 0) + cellOverflow, characters: kept + cellOverflowCharacters))
            cellOverflow = 0
            cellOverflowCharacters = 0
        }
        cellEnds.append(bytes.count)
        limit = cellEnds.count < columnLimits.count ? columnLimits[cellEnds.count] : cellLimit
        state = .cellStart
        rowHasContent = true
    }

    private mutating func endRow(_ emit: (CSVRecord) throws -> [Int]?) throws {
        endCell()
        let number = rowNumber
        let start = rowStart
        rowNumber += 1
        rowStart = offset
        rowHasContent = false
        // Emit before clearing: a consumer that copies the record (rather than keeping it) leaves the
        // buffers unshared, so they are reused for the next row without a new allocation.
        defer {
            bytes.removeAll(keepingCapacity: true)
            cellEnds.removeAll(keepingCapacity: true)
            limit = columnLimits.first ?? cellLimit
            oversized.removeAll()
        }
        if let limits = try emit(CSVRecord(number: number, byteOffset: start, bytes: bytes, cellEnds: cellEnds, oversized: oversized)) {
            columnLimits = limits.map { max($0, 4) }
        }
    }

    // MARK: - Records as text

    /// Scans a chunk, calling `emit` with every completed row as text.
    public mutating func consume(_ chunk: some Collection<UInt8>, emit: (CSVRow) throws -> Void) throws {
        try consume(chunk) { (record: CSVRecord) in try emit(CSVRow(record)) }
    }

    /// Ends the input, emitting a last row as text.
    public mutating func finish(emit: (CSVRow) throws -> Void) throws {
        try finish { (record: CSVRecord) in try emit(CSVRow(record)) }
    }
}

extension CSVRow {
    public init(_ record: CSVRecord) {
        self.init(number: record.number, cells: record.strings, byteOffset: record.byteOffset)
    }
}
