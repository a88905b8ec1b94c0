import DisclosureCore
import Foundation
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

    static func decisions(file: String, schema: PublicationSchema, options: InputOptions) -> (sightings: [DecisionSighting], unidentifiable: Int) {
        if InputOptions.Format.of(file, declared: options.format) == .xlsx { return workbook(file: file, schema: schema, options: options) }
        guard let handle = FileHandle(forReadingAtPath: file) else { return ([], 0) }
        defer { try? handle.close() }
        let lookup = HeaderMatcher.lookup(schema, extraNames: options.columnNames)
        guard let numberField = schema.duplicateKey.first.flatMap(schema.index(of:)) else { return ([], 0) }
        let dateField = schema.decisionDateField.flatMap(schema.index(of:))
        var result: (sightings: [DecisionSighting], unidentifiable: Int) = ([], 0)
        func sight(row: Int, number: String?, date: String?) {
            // (A personal number in it hidden, as the validator's register entry hides it.)
            let number = number.map(TextNormalizer.trim).map(PersonalDataScreen.maskedKeepingEnds) ?? ""
            guard !number.isEmpty else {
                result.unidentifiable += 1
                return
            }
            let date = date.map(TextNormalizer.trim).flatMap { $0.isEmpty ? nil : $0 }
            result.sightings.append(DecisionSighting(number: number, decisionDate: date, file: file, row: row, valid: false))
        }
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
            }) else { return result }
            while let record = try? reader.next() {
                var values: [Int: String] = [:]
                for (name, text, _) in record.texts {
                    if let index = lookup[HeaderMatcher.key(name)], values[index] == nil { values[index] = text }
                }
                if values.isEmpty { continue }
                sight(row: record.line, number: values[numberField], date: dateField.flatMap { values[$0] })
            }
            return result
        }
        // Its bytes as UTF-8, the file's own let go once decoded (a UTF-8 file's are the same).
        let utf8 = decode([UInt8]((try? handle.read(upToCount: byteLimit)) ?? Data()), encoding: options.encoding)
        // A TAB-separated header (Excel's "Unicode 文本") is read as the validator reads it.
        let delimiter = utf8.withUnsafeBufferPointer { TextEncoding.utf8.headerDelimiter($0) }
        var columns: (number: Int?, date: Int?)?
        func take(_ record: CSVRecord, row: Int) {
            let cells = record.strings
            guard let (number, date) = columns else {
                let fields = cells.map { lookup[HeaderMatcher.key($0)] }
                columns = (fields.firstIndex(of: numberField), dateField.flatMap { fields.firstIndex(of: $0) })
                return
            }
            guard cells.contains(where: { !TextNormalizer.trim($0).isEmpty }) else { return }
            sight(
                row: row, number: number.flatMap { $0 < cells.count ? cells[$0] : nil },
                date: date.flatMap { $0 < cells.count ? cells[$0] : nil })
        }
        // A broken quote swallows the rest of the file into one cell. Its row's cells before the
        // quote are read (the decision number is usually there, before the free text a stray quote
        // breaks), and the lines after the quote's line are read as rows again, as they most likely
        // are: a stray quote is a typo in one cell. (Bytes that do not decode do not stop it either:
        // ``decode(_:encoding:)`` reads on past each, as U+FFFD.) Row numbers after a broken quote
        // count the lines its cell swallowed as rows.
        var start = 0
        var rowsBefore = 0
        while start < utf8.count {
            var scanner = CSVScanner(delimiter: delimiter, validatesUTF8: false)
            let offset = rowsBefore
            do {
                try utf8[start...].withUnsafeBufferPointer { try scanner.consume($0) { take($0, row: $0.number + offset) } }
                try scanner.finish { take($0, row: $0.number + offset) }
                break
            } catch CSVError.unterminatedQuote(let row, let quoteOffset, _) {
                let quote = start + quoteOffset
                let lineStart = (utf8[start..<quote].lastIndex(of: 0x0A).map { $0 + 1 }) ?? start
                if columns != nil, lineStart < quote {
                    var partial = CSVScanner(delimiter: delimiter, validatesUTF8: false)
                    try? utf8[lineStart..<quote].withUnsafeBufferPointer { bytes in
                        try partial.consume(bytes) { _ in }
                        try partial.finish { take($0, row: row + offset) }
                    }
                }
                guard let next = utf8[quote...].firstIndex(of: 0x0A) else { break }
                start = next + 1
                rowsBefore = row + offset
            } catch {
                break
            }
        }
        if columns?.number == nil { result = ([], 0) }  // no number column: nothing can be told apart
        return result
    }

    /// A workbook's rows, as far as they can be read (an archive refused as hostile is not read at
    /// all): the header is the first row whose cells name the decision number's column.
    private static func workbook(file: String, schema: PublicationSchema, options: InputOptions) -> (sightings: [DecisionSighting], unidentifiable: Int) {
        var result: (sightings: [DecisionSighting], unidentifiable: Int) = ([], 0)
        guard let book = try? WorkbookSource(path: file, sheet: options.sheet),
            let numberField = schema.duplicateKey.first.flatMap(schema.index(of:))
        else { return result }
        let lookup = HeaderMatcher.lookup(schema, extraNames: options.columnNames)
        let dateField = schema.decisionDateField.flatMap(schema.index(of:))
        var columns: (number: Int, date: Int?)?
        var read = 0
        while read < byteLimit, let row = try? book.next() {
            read += row.bytes.count
            guard !row.cells.isEmpty else { continue }
            guard let (numberColumn, dateColumn) = columns else {
                let fields = row.strings.map { lookup[HeaderMatcher.key($0)] }
                if let number = fields.firstIndex(of: numberField) {
                    columns = (number, dateField.flatMap { fields.firstIndex(of: $0) })
                }
                continue
            }
            let number = row.text(numberColumn).map(TextNormalizer.trim) ?? ""
            guard !number.isEmpty else {
                result.unidentifiable += 1
                continue
            }
            let date = dateColumn.flatMap(row.text).map(TextNormalizer.trim).flatMap { $0.isEmpty ? nil : $0 }
            result.sightings.append(DecisionSighting(number: number, decisionDate: date, file: file, row: row.number, valid: false))
        }
        return result
    }

    /// The bytes as UTF-8, each character that does not decode (a bad byte of GB18030, a bad
    /// code unit of UTF-16) as U+FFFD: the rows after it are still read, for the register.
    private static func decode(_ bytes: [UInt8], encoding: EncodingChoice) -> [UInt8] {
        let (sniffed, bom) = bytes.withUnsafeBufferPointer { TextEncoding.sniff($0, isWholeFile: true) }
        let source: TextEncoding
        switch encoding {
        case .auto: source = sniffed
        case .utf8: source = .utf8
        case .gb18030: source = .gb18030
        case .utf16: source = sniffed == .utf16be ? .utf16be : .utf16le
        }
        let skipped = source == sniffed ? bom : 0
        // (Not copied: a UTF-8 file without a byte-order mark is its own UTF-8.)
        guard source != .utf8 else { return skipped == 0 ? bytes : Array(bytes.dropFirst(skipped)) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 2)
        let unit = source == .utf16le || source == .utf16be ? 2 : 1
        // Fed a window at a time: the transcoder copies what it is given (its carried bytes and
        // the chunk), so the rest of the file given whole after each bad byte was quadratic — a
        // UTF-8 export of 200,000 records read as GB18030 did not end in ten minutes. Small
        // windows after a bad byte (they come in runs), doubling while the bytes decode.
        var start = 0
        var window = 4096
        bytes.withUnsafeBufferPointer { whole in
            let buffer = UnsafeBufferPointer(rebasing: whole[skipped...])
            while start < buffer.count, let transcoder = Transcoder(from: source, skip: skipped + start) {
                do {
                    var position = start
                    while position < buffer.count {
                        let end = min(buffer.count, position + window)
                        try transcoder.convert(UnsafeBufferPointer(rebasing: buffer[position..<end]), isLast: end == buffer.count) {
                            output.append(contentsOf: $0)
                        }
                        position = end
                        window = min(window * 2, 1 << 20)
                    }
                    return
                } catch let error as TranscodingError {
                    // The bad byte (or code unit) as U+FFFD, and on after it.
                    output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                    start = max(start + unit, error.byteOffset - skipped + unit)
                    window = 4096
                } catch {
                    return
                }
            }
        }
        return output
    }
}
