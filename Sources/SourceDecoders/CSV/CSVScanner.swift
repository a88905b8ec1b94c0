/// One record of a CSV file: its cells and where it starts.
public struct CSVRow: Sendable, Equatable {
    /// The record number: the header is row 1, and a record spanning several lines (a quoted line
    /// break) is still one row.
    public let number: Int
    public let cells: [String]
    /// The byte offset in the file where the row starts.
    public let byteOffset: Int
}

/// Why a CSV file cannot be read on.
public enum CSVError: Error, Sendable, Equatable {
    /// Bytes that are not UTF-8, at an absolute byte offset, in a row.
    case invalidUTF8(row: Int, byteOffset: Int)
    /// A quoted cell never closed: the rest of the file was swallowed into it.
    case unterminatedQuote(row: Int, byteOffset: Int)
}

/// A byte-level, incremental RFC 4180 CSV scanner: quoted cells, doubled quotes, line breaks inside
/// quotes, CRLF, LF or CR line ends, a last line without a line end, and a UTF-8 byte-order mark.
///
/// Feed it the file in chunks of any size with ``consume(_:emit:)`` and call ``finish(emit:)`` at
/// the end; the rows and their numbers do not depend on where the chunks split. Memory is bounded
/// by the longest row, not the file.
///
/// Hand-written: the scanner is the product's core, and a byte-level scanner over chunked reads is
/// the measured fast way (see docs/architecture.md; the libraries measured 20 MB/s or loaded the
/// whole file).
///
/// ```swift
/// var scanner = CSVScanner()
/// try scanner.consume(chunk) { row in handle(row) }
/// try scanner.finish { row in handle(row) }
/// ```
public struct CSVScanner: Sendable {
    private enum State: Sendable {
        case cellStart, unquoted, quoted, quoteInQuoted
    }

    private let delimiter: UInt8
    private var state = State.cellStart
    private var cell: [UInt8] = []
    private var cells: [String] = []
    private var rowNumber = 1
    private var rowStart = 0
    private var quoteStart = 0
    /// Bytes consumed so far (the absolute offset of the next byte).
    private var offset = 0
    /// The previous byte was a CR ending a row: a following LF belongs to it.
    private var afterCR = false
    /// How many bytes of a leading byte-order mark have been matched (3 = done or none).
    private var bomMatched = 0
    private var rowHasContent = false
    // UTF-8 validation of the byte stream: continuation bytes still expected, the range the next one
    // must fall in (Unicode Table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF), and
    // where the sequence began.
    private var utf8Remaining = 0
    private var utf8Low: UInt8 = 0x80
    private var utf8High: UInt8 = 0xBF
    private var utf8SequenceStart = 0

    public init(delimiter: UInt8 = UInt8(ascii: ",")) {
        self.delimiter = delimiter
    }

    /// Scans a chunk, calling `emit` for every row it completes.
    ///
    /// - Throws: ``CSVError/invalidUTF8(row:byteOffset:)`` for bytes that are not UTF-8, or
    ///   whatever `emit` throws.
    public mutating func consume(_ chunk: some Sequence<UInt8>, emit: (CSVRow) throws -> Void) throws {
        let quote = UInt8(ascii: "\"")
        let cr = UInt8(ascii: "\r")
        let lf = UInt8(ascii: "\n")
        for byte in chunk {
            defer { offset += 1 }
            try validateUTF8(byte)
            if bomMatched < 3 {
                let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
                if offset == bomMatched, byte == bom[bomMatched] {
                    bomMatched += 1
                    if bomMatched == 3 { rowStart = offset + 1 }
                    continue
                }
                if bomMatched > 0 { cell.append(contentsOf: bom[0..<bomMatched]); state = .unquoted; rowHasContent = true }
                bomMatched = 3
            }
            if afterCR {
                afterCR = false
                if byte == lf {
                    rowStart = offset + 1
                    continue
                }
            }
            switch state {
            case .quoted:
                if byte == quote { state = .quoteInQuoted } else { cell.append(byte) }
            case .quoteInQuoted:
                if byte == quote {
                    cell.append(quote)
                    state = .quoted
                } else if byte == delimiter {
                    try endCell()
                } else if byte == cr || byte == lf {
                    try endRow(emit)
                    afterCR = byte == cr
                } else {
                    // Text after a closing quote: kept as written (lenient, as Excel reads it).
                    cell.append(byte)
                    state = .unquoted
                }
            case .cellStart, .unquoted:
                if byte == delimiter {
                    try endCell()
                } else if byte == cr || byte == lf {
                    try endRow(emit)
                    afterCR = byte == cr
                } else if byte == quote && state == .cellStart {
                    state = .quoted
                    quoteStart = offset
                    rowHasContent = true
                } else {
                    cell.append(byte)
                    state = .unquoted
                    rowHasContent = true
                }
            }
        }
    }

    /// Ends the input: emits a last row without a line end.
    ///
    /// - Throws: ``CSVError/unterminatedQuote(row:byteOffset:)`` when a quoted cell is still open.
    public mutating func finish(emit: (CSVRow) throws -> Void) throws {
        if bomMatched > 0 && bomMatched < 3 {
            cell.append(contentsOf: [0xEF, 0xBB, 0xBF][0..<bomMatched])
            rowHasContent = true
            bomMatched = 3
        }
        if utf8Remaining > 0 { throw CSVError.invalidUTF8(row: rowNumber, byteOffset: utf8SequenceStart) }
        if state == .quoted { throw CSVError.unterminatedQuote(row: rowNumber, byteOffset: quoteStart) }
        if rowHasContent || !cells.isEmpty || !cell.isEmpty { try endRow(emit) }
    }

    private mutating func endCell() throws {
        cells.append(String(decoding: cell, as: UTF8.self))  // the stream is already validated
        cell.removeAll(keepingCapacity: true)
        state = .cellStart
        rowHasContent = true
    }

    private mutating func validateUTF8(_ byte: UInt8) throws {
        if utf8Remaining > 0 {
            guard (utf8Low...utf8High).contains(byte) else {
                throw CSVError.invalidUTF8(row: rowNumber, byteOffset: utf8SequenceStart)
            }
            utf8Remaining -= 1
            (utf8Low, utf8High) = (0x80, 0xBF)
            return
        }
        utf8SequenceStart = offset
        switch byte {
        case 0x00...0x7F: return
        case 0xC2...0xDF: (utf8Remaining, utf8Low, utf8High) = (1, 0x80, 0xBF)
        case 0xE0: (utf8Remaining, utf8Low, utf8High) = (2, 0xA0, 0xBF)
        case 0xED: (utf8Remaining, utf8Low, utf8High) = (2, 0x80, 0x9F)
        case 0xE1...0xEF: (utf8Remaining, utf8Low, utf8High) = (2, 0x80, 0xBF)
        case 0xF0: (utf8Remaining, utf8Low, utf8High) = (3, 0x90, 0xBF)
        case 0xF1...0xF3: (utf8Remaining, utf8Low, utf8High) = (3, 0x80, 0xBF)
        case 0xF4: (utf8Remaining, utf8Low, utf8High) = (3, 0x80, 0x8F)
        default: throw CSVError.invalidUTF8(row: rowNumber, byteOffset: offset)
        }
    }

    private mutating func endRow(_ emit: (CSVRow) throws -> Void) throws {
        try endCell()
        let row = CSVRow(number: rowNumber, cells: cells, byteOffset: rowStart)
        cells.removeAll(keepingCapacity: true)
        rowNumber += 1
        rowStart = offset + 1
        rowHasContent = false
        try emit(row)
    }
}
