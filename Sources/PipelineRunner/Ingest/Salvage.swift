import DisclosureCore
import Foundation
import Glibc
import SourceDecoders
import Workbooks

/// A file rejected as a whole (undecodable bytes, a broken quote, missing required columns, broken
/// XML) still holds decisions, and each must be tracked to its deadline. This reads it leniently,
/// as far as it can, for each row's decision number and date only: every row whose number can be
/// read becomes an invalid sighting; a row without one is counted as unidentifiable. Nothing of
/// such a file is ever published.
enum Salvage {
    /// Files larger than this are only salvaged up to it.
    static let byteLimit = 256 << 20
    /// The most bytes of a failed text file read and decoded at a time.
    static let window = 1 << 20
    /// The most bytes of one cell kept (the rest of a file a broken quote swallows is counted, not held).
    static let cellLimit = 1 << 20

    /// The sightings handed over at a time (a failed file's are not all held at once).
    static let batch = 4096

    /// The decisions of a failed file, all at once (for tests; a run has them a batch at a time).
    static func decisions(
        file: String, schema: PublicationSchema, options: InputOptions, window: Int = Salvage.window
    ) -> (sightings: [DecisionSighting], unidentifiable: Int) {
        var result: (sightings: [DecisionSighting], unidentifiable: Int) = ([], 0)
        try? decisions(file: file, schema: schema, options: options, window: window) { sightings, unidentifiable in
            result.sightings += sightings
            result.unidentifiable += unidentifiable
        }
        return result
    }

    /// The decisions of a failed file, handed to `deliver` a batch at a time as the file is read
    /// (at least once: the last batch, perhaps empty). What `deliver` throws ends the reading, and is thrown.
    static func decisions(
        file: String, schema: PublicationSchema, options: InputOptions, window: Int = Salvage.window, batch: Int = Salvage.batch,
        deliver: ([DecisionSighting], _ unidentifiable: Int) throws -> Void
    ) throws {
        try withoutActuallyEscaping(deliver) { deliver in
            let found = Found(file: file, batch: batch, deliver: deliver)
            read(file: file, schema: schema, options: options, window: window, into: found)
            try found.finish()
        }
    }

    /// The sightings found and not yet handed over.
    final class Found {
        let file: String
        let batch: Int
        let deliver: ([DecisionSighting], Int) throws -> Void
        var sightings: [DecisionSighting] = []
        var unidentifiable = 0
        /// Whether the rows found can be told apart (the file has a decision number column): else
        /// none is handed over.
        var deliverable = true
        var error: (any Error)?

        init(file: String, batch: Int, deliver: @escaping ([DecisionSighting], Int) throws -> Void) {
            self.file = file
            self.batch = max(1, batch)
            self.deliver = deliver
        }

        var stopped: Bool { error != nil }

        func sight(row: Int, number: String?, date: String?) {
            // (A personal number in it hidden, as the validator's register entry hides it.)
            let number = number.map(TextNormalizer.trim).map(PersonalDataScreen.maskedKeepingEnds) ?? ""
            if number.isEmpty {
                unidentifiable += 1
            } else {
                let date = date.map(TextNormalizer.trim).flatMap { $0.isEmpty ? nil : $0 }
                sightings.append(DecisionSighting(number: number, decisionDate: date, file: file, row: row, valid: false))
            }
            if sightings.count + unidentifiable >= batch, deliverable { hand() }
        }

        private func hand() {
            guard error == nil else { return }
            do {
                try deliver(sightings, unidentifiable)
            } catch {
                self.error = error
            }
            sightings.removeAll(keepingCapacity: true)
            unidentifiable = 0
        }

        func finish() throws {
            if !deliverable {
                sightings = []
                unidentifiable = 0
            }
            hand()
            if let error { throw error }
        }
    }

    private static func read(file: String, schema: PublicationSchema, options: InputOptions, window: Int, into found: Found) {
        if InputOptions.Format.of(file, declared: options.format) == .xlsx { return workbook(file: file, schema: schema, options: options, into: found) }
        guard let handle = FileHandle(forReadingAtPath: file) else { return }
        defer { try? handle.close() }
        let lookup = HeaderMatcher.lookup(schema, extraNames: options.columnNames)
        guard let numberField = schema.duplicateKey.first.flatMap(schema.index(of:)) else { return }
        let dateField = schema.decisionDateField.flatMap(schema.index(of:))
        let sight = found.sight
        if InputOptions.Format.of(file, declared: options.format) == .xml {
            // Read from the file as the reader asks (held whole, a failed file of 128 MB took its
            // size twice in memory, every night it was read again).
            var offset = 0
            guard let reader = try? XMLRecordReader(recordPath: options.xmlRecord, xsd: nil, rewind: {
                offset = 0
                return (try? handle.seek(toOffset: 0)) != nil
            }, read: { buffer in
                guard offset < byteLimit, let data = try? handle.read(upToCount: min(buffer.count, byteLimit - offset)), !data.isEmpty else { return 0 }
                data.withUnsafeBytes { buffer.copyMemory(from: $0) }
                offset += data.count
                return data.count
            }) else { return }
            while !found.stopped, let record = try? reader.next() {
                var values: [Int: String] = [:]
                for (name, text, _) in record.texts {
                    if let index = lookup[HeaderMatcher.key(name)], values[index] == nil { values[index] = text }
                }
                if values.isEmpty { continue }
                sight(record.line, values[numberField], dateField.flatMap { values[$0] })
            }
            return
        }
        // Read from disk a window at a time, decoded as it goes (held whole and decoded, a 47 MB
        // GB18030 export broken by a stray quote took 220 MB).
        let text = DecodedText(handle: handle, encoding: options.encoding, limit: byteLimit, window: window)
        // A TAB-separated header (Excel's "Unicode 文本") is read as the validator reads it.
        let delimiter = text.headerDelimiter()
        var columns: (number: Int?, date: Int?)?
        // Title or blank lines above the header, as the validator skips them (up to three).
        var titleLines = 0
        func take(_ record: CSVRecord, row: Int) {
            let cells = record.strings
            guard let (number, date) = columns else {
                let fields = cells.map { lookup[HeaderMatcher.key($0)] }
                let blank = cells.allSatisfy { TextNormalizer.trim($0).isEmpty }
                if titleLines < 3, blank || HeaderMatcher.isTitle(cells, lookup: lookup) {
                    titleLines += 1
                    return
                }
                columns = (fields.firstIndex(of: numberField), dateField.flatMap { fields.firstIndex(of: $0) })
                found.deliverable = columns?.number != nil  // else none is handed over: nothing can be told apart
                return
            }
            guard cells.contains(where: { !TextNormalizer.trim($0).isEmpty }) else { return }
            sight(row, number.flatMap { $0 < cells.count ? cells[$0] : nil }, date.flatMap { $0 < cells.count ? cells[$0] : nil })
        }
        // A broken quote swallows the rest of the file into one cell (of which only its start is
        // kept: ``cellLimit``). Its row's cells before the quote are read (the decision number is
        // usually there, before the free text a stray quote breaks), and the lines after the
        // quote's line are read as rows again, as they most likely are: a stray quote is a typo in
        // one cell. (Bytes that do not decode do not stop it either: ``DecodedText`` reads on past
        // each, as U+FFFD.) Row numbers after a broken quote count the lines its cell swallowed as rows.
        var start = text.start
        var rowsBefore = 0
        while start < text.end, !found.stopped {
            var scanner = CSVScanner(delimiter: delimiter, validatesUTF8: false, cellLimit: cellLimit)
            let offset = rowsBefore
            text.decode(from: start) { piece in
                (try? scanner.consume(piece) { take($0, row: $0.number + offset) }) != nil && !found.stopped
            }
            if found.stopped { break }
            do {
                try scanner.finish { take($0, row: $0.number + offset) }
                break
            } catch CSVError.unterminatedQuote(let row, let quote, _) {
                // Read again up to the quote's line end: its cells before the quote, and how many
                // line ends there are to where the next line starts.
                var partial = CSVScanner(delimiter: delimiter, validatesUTF8: false, cellLimit: cellLimit)
                var partialBytes = 0
                var read = 0
                var lineEnds = 0
                var lineEndFound = false
                text.decode(from: start) { piece in
                    let pieceStart = read
                    read += piece.count
                    let before = min(piece.count, max(0, quote - pieceStart))
                    if before > 0 {
                        let head = UnsafeBufferPointer(rebasing: piece[0..<before])
                        let ends = DecodedText.lineEnds(in: head)
                        lineEnds += ends.count
                        var from = 0
                        if let last = ends.last {
                            partial = CSVScanner(delimiter: delimiter, validatesUTF8: false, cellLimit: cellLimit)
                            partialBytes = 0
                            from = last + 1
                        }
                        if from < before {
                            try? partial.consume(UnsafeBufferPointer(rebasing: head[from...])) { _ in }
                            partialBytes += before - from
                        }
                    }
                    guard before < piece.count else { return true }
                    if UnsafeBufferPointer(rebasing: piece[before...]).contains(0x0A) {
                        lineEnds += 1
                        lineEndFound = true
                        return false
                    }
                    return true
                }
                if columns != nil, partialBytes > 0 {
                    try? partial.finish { take($0, row: row + offset) }
                }
                guard lineEndFound, let next = text.position(afterLineEnds: lineEnds, from: start) else { break }
                start = next
                rowsBefore = row + offset
            } catch {
                break
            }
        }
        found.deliverable = columns?.number != nil  // no number column: nothing can be told apart
    }

    /// A workbook's rows, as far as they can be read (an archive refused as hostile is not read at
    /// all; a sheet whose XML is broken, row by row around the break: ``WorkbookSource/salvageRows(_:)``):
    /// the header is the first row whose cells name the decision number's column.
    private static func workbook(file: String, schema: PublicationSchema, options: InputOptions, into found: Found) {
        guard let book = try? WorkbookSource(path: file, sheet: options.sheet),
            let numberField = schema.duplicateKey.first.flatMap(schema.index(of:))
        else { return }
        let lookup = HeaderMatcher.lookup(schema, extraNames: options.columnNames)
        let dateField = schema.decisionDateField.flatMap(schema.index(of:))
        var columns: (number: Int, date: Int?)?
        var read = 0
        book.salvageRows { row in
            read += row.bytes.count
            guard !row.cells.isEmpty else { return read < byteLimit }
            guard let (numberColumn, dateColumn) = columns else {
                let fields = row.strings.map { lookup[HeaderMatcher.key($0)] }
                if let number = fields.firstIndex(of: numberField) {
                    columns = (number, dateField.flatMap { fields.firstIndex(of: $0) })
                }
                return read < byteLimit
            }
            found.sight(row: row.number, number: row.text(numberColumn), date: dateColumn.flatMap(row.text))
            return read < byteLimit && !found.stopped
        }
    }
}

/// A failed text file read from disk a window at a time, and decoded to UTF-8 as it is read: each
/// character that does not decode (a bad byte of GB18030, a bad code unit of UTF-16) as U+FFFD, the
/// rows after it still read, for the register. Memory holds a window and the transcoder's, whatever
/// the file's size.
struct DecodedText {
    let descriptor: Int32
    let source: TextEncoding
    /// Where the text starts (after a byte-order mark) and ends (the file's end, or the limit).
    let start: Int
    let end: Int
    let window: Int
    private let buffer: Buffer

    final class Buffer {
        var bytes: [UInt8]
        init(_ count: Int) { bytes = [UInt8](repeating: 0, count: count) }
    }

    init(handle: FileHandle, encoding: EncodingChoice, limit: Int, window: Int) {
        descriptor = handle.fileDescriptor
        self.window = max(window, 16)
        buffer = Buffer(self.window)
        let size = Int(lseek(handle.fileDescriptor, 0, SEEK_END))
        let end = min(max(size, 0), limit)
        self.end = end
        // As `--encoding auto` reads it: a byte-order mark, else UTF-8 if every byte is, else GB18030.
        var head = [UInt8](repeating: 0, count: 3)
        let headCount = head.withUnsafeMutableBytes { pread(handle.fileDescriptor, $0.baseAddress, min(3, end), 0) }
        let (marked, bom) = head.withUnsafeBufferPointer { TextEncoding.sniff(UnsafeBufferPointer(rebasing: $0[0..<max(0, headCount)]), isWholeFile: false) }
        let sniffed: TextEncoding
        switch (encoding, bom) {
        case (_, 1...): sniffed = marked
        case (.auto, _): sniffed = Self.sniff(descriptor: handle.fileDescriptor, end: end, window: max(window, 16), buffer: buffer)
        default: sniffed = marked  // (only its byte-order mark matters)
        }
        switch encoding {
        case .auto: source = sniffed
        case .utf8: source = .utf8
        case .gb18030: source = .gb18030
        case .utf16: source = sniffed == .utf16be ? .utf16be : .utf16le
        }
        start = source == sniffed ? bom : 0
    }

    /// UTF-8 if every byte is (a sequence cut at the end is not), or if four multi-byte characters
    /// come before the first bad byte; else GB18030: ``TextEncoding/sniff(_:isWholeFile:)`` of the
    /// whole file, read a window at a time.
    private static func sniff(descriptor: Int32, end: Int, window: Int, buffer: Buffer) -> TextEncoding {
        var validator = UTF8Validator()
        var multiByte = 0
        var position = 0
        while position < end {
            let count = buffer.bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, min(window, end - position), off_t(position)) }
            guard count > 0 else { break }
            let verdict: TextEncoding? = buffer.bytes.withUnsafeBufferPointer { whole in
                let chunk = UnsafeBufferPointer(rebasing: whole[0..<count])
                if validator.validate(chunk) != nil {
                    multiByte += Self.multiByteSequences(chunk, before: validator.errorOffset - position)
                    return multiByte >= 4 ? .utf8 : .gb18030
                }
                multiByte += Self.multiByteSequences(chunk, before: count)
                return nil
            }
            if let verdict { return verdict }
            position += count
        }
        return validator.pendingStart == nil ? .utf8 : .gb18030
    }

    /// How many multi-byte UTF-8 characters start before `end`, as ``TextEncoding/sniff(_:isWholeFile:)`` counts them.
    private static func multiByteSequences(_ bytes: UnsafeBufferPointer<UInt8>, before end: Int) -> Int {
        var count = 0
        for index in 0..<max(0, min(end, bytes.count)) where bytes[index] >= 0xC2 && bytes[index] <= 0xF4 { count += 1 }
        return count
    }

    private var unit: Int { source == .utf16le || source == .utf16be ? 2 : 1 }

    /// Bytes of the file at `position`, at most `count` of them, into the buffer; how many.
    private func read(at position: Int, count: Int) -> Int {
        let count = min(count, end - position, buffer.bytes.count)
        guard count > 0 else { return 0 }
        return max(0, buffer.bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(position)) })
    }

    /// Decodes from `position` (where a character starts) to the end, handing the UTF-8 to `body`
    /// piece by piece; `body` returns false to stop.
    func decode(from position: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) {
        var position = position
        guard source != .utf8 else {
            while position < end {
                let count = read(at: position, count: window)
                guard count > 0 else { return }
                let more = buffer.bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<count])) }
                guard more else { return }
                position += count
            }
            return
        }
        struct Stop: Error {}
        // Small windows after a bad byte (they come in runs: a UTF-8 export read as GB18030),
        // doubling while the bytes decode: the transcoder copies what it is given each time.
        var size = 4096
        while position < end, let transcoder = Transcoder(from: source, skip: position) {
            do {
                while position < end {
                    let count = read(at: position, count: size)
                    guard count > 0 else { return }
                    try buffer.bytes.withUnsafeBufferPointer { whole in
                        try transcoder.convert(UnsafeBufferPointer(rebasing: whole[0..<count]), isLast: position + count >= end) { piece in
                            guard body(piece) else { throw Stop() }
                        }
                    }
                    position += count
                    size = min(size * 2, window)
                }
                return
            } catch let error as TranscodingError {
                // The bad byte (or code unit) as U+FFFD, and on after it, with a new transcoder.
                let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
                guard replacement.withUnsafeBufferPointer(body) else { return }
                position = max(error.byteOffset, 0) + unit
                size = 4096
            } catch {
                return
            }
        }
    }

    /// The delimiter the header shows: ``TextEncoding/headerDelimiter(_:)`` of its first line, decoded.
    func headerDelimiter() -> UInt8 {
        var tabs = 0
        var found: UInt8?
        decode(from: start) { piece in
            for byte in piece {
                if byte == 0x0A || byte == 0x0D {
                    found = tabs > 0 ? 0x09 : 0x2C
                    return false
                }
                if byte == 0x2C {
                    found = 0x2C
                    return false
                }
                if byte == 0x09 { tabs += 1 }
            }
            return true
        }
        return found ?? (tabs > 0 ? 0x09 : 0x2C)
    }

    /// The offsets of the line feeds in UTF-8 bytes.
    static func lineEnds(in bytes: UnsafeBufferPointer<UInt8>) -> [Int] {
        var ends: [Int] = []
        guard let base = bytes.baseAddress else { return ends }
        var index = 0
        while index < bytes.count, let found = memchr(base + index, 0x0A, bytes.count - index) {
            let at = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            ends.append(at)
            index = at + 1
        }
        return ends
    }

    /// Where the text starts after its `count`th line feed from `position` (a line feed decodes
    /// from a line feed in the file, and from nothing else: no byte of a GB18030 character but the
    /// first is below 0x30, and a bad one is passed over alone), or nil when there are fewer.
    func position(afterLineEnds count: Int, from position: Int) -> Int? {
        var position = position
        var remaining = count
        let unit = self.unit
        while position < end, remaining > 0 {
            // Whole code units only.
            let read = self.read(at: position, count: window) / unit * unit
            guard read > 0 else { return nil }
            let next: Int? = buffer.bytes.withUnsafeBufferPointer { bytes in
                var index = 0
                while index < read {
                    let isLineFeed: Bool
                    switch source {
                    case .utf16le: isLineFeed = bytes[index] == 0x0A && bytes[index + 1] == 0
                    case .utf16be: isLineFeed = bytes[index] == 0 && bytes[index + 1] == 0x0A
                    case .utf8, .gb18030: isLineFeed = bytes[index] == 0x0A
                    }
                    index += unit
                    if isLineFeed {
                        remaining -= 1
                        if remaining == 0 { return index }
                    }
                }
                return nil
            }
            if let next { return position + next }
            position += read
        }
        return remaining == 0 ? position : nil
    }
}
