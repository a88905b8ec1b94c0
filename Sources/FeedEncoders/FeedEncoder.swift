public import DisclosureCore
import Glibc  // purity: iconv, a computation on bytes

/// Encodes a batch of feed rows as the bytes of one file, in the feed's format. Deterministic: the
/// same rows give the same bytes (no clock, no random ids in the payload).
///
/// Hand-written: each format is a few lines (RFC 4180 quoting, XML and JSON escaping), and the
/// output must be byte-stable, which is easiest to promise for code we own.
public enum FeedEncoder {
    public struct EncodingError: Error, Sendable, Equatable {
        public let message: String
    }

    /// - Parameter zip: packs an xlsx workbook's parts into its zip (the edge's, `Workbooks`); only
    ///   the xlsx format needs it.
    /// - Parameter keyDigest: for a feed with ``FeedSpec/keyDigestMember``: the digest of a row's
    ///   decision key (the edge's SHA-256), written under that member first in each JSON line.
    public static func encode(
        _ rows: [FeedPlan.Row], feed: FeedSpec, zip: (([SpreadsheetML.Part]) throws -> [UInt8])? = nil,
        keyDigest: ((String) -> String)? = nil
    ) throws(EncodingError) -> [UInt8] {
        // A row's line is made only for the formats of a line per row (``LineEncoder``); XML and
        // xlsx are made of the cells, which a row with its line does not carry.
        precondition(LineEncoder.linePerRow(feed.format) || rows.allSatisfy { $0.line == nil }, "\(feed.format): a row with a line")
        switch feed.format {
        case .csvUTF8BOM: return csv(rows, feed, startingWith: [0xEF, 0xBB, 0xBF])
        case .csvGB18030: return try gb18030(csv(rows, feed))
        case .xml: return xml(rows, feed)
        case .jsonLines:
            guard let member = feed.keyDigestMember else { return jsonLines(rows, feed) }
            guard let keyDigest else { throw EncodingError(message: "\(member) 需要记录键的摘要函数") }
            return jsonLines(rows, feed, keyMember: member, keyDigest: keyDigest)
        case .xlsx:
            guard let zip else { throw EncodingError(message: "xlsx 需要 zip 打包（Workbooks.WorkbookArchive）") }
            let parts = try SpreadsheetML.parts(rows, feed: feed)
            do {
                return try zip(parts)
            } catch {
                throw EncodingError(message: "xlsx 打包失败：\(error)")
            }
        }
    }

    // MARK: - CSV

    /// - Parameter start: bytes the file begins with (the BOM): written first into the same buffer,
    ///   not joined to the lines after (which copied the whole batch once more: 5 of a publish
    ///   stage's 41 MB of heap at its peak, 200,000 records).
    static func csv(_ rows: [FeedPlan.Row], _ feed: FeedSpec, startingWith start: [UInt8] = []) -> [UInt8] {
        var out: [UInt8] = []
        lines(rows, feed, json: nil, startingWith: start, into: &out, partBytes: .max) { _ in }
        return out
    }

    // MARK: - A file a part at a time

    /// Whether ``write(_:feed:keyDigest:partBytes:buffer:emit:)`` makes a format's file: the UTF-8
    /// formats of a header and a line per row. (A GB18030 file is converted whole; XML and xlsx are
    /// not lines.)
    public static func writesInParts(_ format: FeedSpec.Format) -> Bool {
        format == .csvUTF8BOM || format == .jsonLines
    }

    /// The bytes ``encode(_:feed:zip:keyDigest:)`` makes, for a format that ``writesInParts(_:)``,
    /// handed to `emit` a part at a time: whenever `buffer` holds `partBytes` or more, and once at
    /// the end (when anything is left). `buffer` is emptied after each part and keeps its capacity,
    /// so a caller that keeps it from batch to batch makes every file in the same memory. (A batch's
    /// file made whole was about 4.5 MB, new memory every batch: its pages faulted in and zeroed were
    /// a fifth of the publishing thread's time spent on the file, and the copy into the page cache
    /// read it back from main memory.)
    public static func write(
        _ rows: [FeedPlan.Row], feed: FeedSpec, keyDigest: ((String) -> String)? = nil, partBytes: Int, buffer: inout [UInt8],
        emit: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        precondition(writesInParts(feed.format), "\(feed.format): not written in parts")
        if feed.format == .jsonLines, let member = feed.keyDigestMember, keyDigest == nil {
            throw EncodingError(message: "\(member) 需要记录键的摘要函数")
        }
        let parts = max(1, partBytes)
        buffer.removeAll(keepingCapacity: true)
        // Room for a part and a line past it, once (grown by doubling, each smaller buffer freed to
        // the allocator's heap stayed there: 1–2 MB more at a run's peak).
        buffer.reserveCapacity(parts + min(parts / 4, 1 << 20))
        let json = feed.format == .jsonLines ? (member: feed.keyDigestMember, digest: keyDigest) : nil
        try lines(rows, feed, json: json, startingWith: feed.format == .csvUTF8BOM ? [0xEF, 0xBB, 0xBF] : [], into: &buffer, partBytes: parts) {
            try $0.withUnsafeBytes(emit)
            $0.removeAll(keepingCapacity: true)
        }
        if !buffer.isEmpty {
            try buffer.withUnsafeBytes(emit)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// The header (CSV only) and a line per row appended to `out` after `start`: each row's own
    /// line when it has one (``LineEncoder``), else made from its cells. `full` is given `out`
    /// whenever it holds `partBytes` or more, and must empty it; with `partBytes` `.max`, `out` is
    /// the whole file, given its room after the first row (about the batch's size, once).
    private static func lines(
        _ rows: [FeedPlan.Row], _ feed: FeedSpec, json: (member: String?, digest: ((String) -> String)?)?, startingWith start: [UInt8],
        into out: inout [UInt8], partBytes: Int, full: (inout [UInt8]) throws -> Void
    ) rethrows {
        out.append(contentsOf: start)
        if json == nil { appendLine(&out, feed.columns.map(\.header), neutralizing: false) }
        let header = out.count
        for (index, row) in rows.enumerated() {
            if let line = row.line {
                out.append(contentsOf: line)
            } else if let json {
                appendJSONLine(&out, row, feed, keyMember: json.member, keyDigest: json.digest)
            } else {
                appendLine(&out, row.cells, neutralizing: true)
            }
            if out.count >= partBytes {
                try full(&out)
            } else if index == 0, partBytes == .max {
                out.reserveCapacity(header + (out.count - header) * (rows.count + rows.count / 8))
            }
        }
    }

    /// CSV lines (RFC 4180, CRLF), UTF-8: a cell is quoted when it holds a comma, a quote, a line
    /// break, or starts or ends with a space.
    public static func csvTable(_ lines: [[String]]) -> [UInt8] {
        var out: [UInt8] = []
        for cells in lines { appendLine(&out, cells, neutralizing: false) }
        return out
    }

    /// One line, each cell's bytes appended in place (a copy of every cell, and a table of
    /// neutralized copies, cost a tenth of a run's publishing); with `neutralizing`, a cell that
    /// looks like a formula gets the `'` of ``FormulaGuard/neutralize(_:)`` first.
    private static func appendLine(_ out: inout [UInt8], _ cells: [String], neutralizing: Bool) {
        for index in cells.indices {
            if index > 0 { out.append(0x2C) }
            var cell = cells[index]
            let guarded = neutralizing && FormulaGuard.isFormulaLike(cell)
            cell.withUTF8 { bytes in
                let (special, quotes) = Self.quoting(bytes)
                let quoted = special || bytes.first == 0x20 || bytes.last == 0x20  // (a formula-like cell never starts with one)
                if quoted { out.append(0x22) }
                if guarded { out.append(0x27) }
                if quotes {
                    for byte in bytes {
                        if byte == 0x22 { out.append(0x22) }
                        out.append(byte)
                    }
                } else {
                    out.append(contentsOf: bytes)
                }
                if quoted { out.append(0x22) }
            }
        }
        out.append(0x0D)
        out.append(0x0A)
    }

    /// Whether a cell holds a byte that makes it quoted (a comma, a quote, CR or LF), and whether
    /// it holds a quote. Read eight bytes at a time: the four are all below 0x2D, and a word with no
    /// byte below 0x2D (Chinese text, digits, letters, most punctuation) is passed over at once; only
    /// a word with one is looked at byte by byte. (The byte-by-byte loop over every cell was about
    /// a tenth of the publishing thread's time.)
    static func quoting(_ bytes: UnsafeBufferPointer<UInt8>) -> (special: Bool, quotes: Bool) {
        guard let base = bytes.baseAddress else { return (false, false) }
        var special = false
        var quotes = false
        func look(_ byte: UInt8) {
            if byte == 0x2C || byte == 0x22 || byte == 0x0D || byte == 0x0A {
                special = true
                if byte == 0x22 { quotes = true }
            }
        }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var offset = 0
        while offset + 8 <= bytes.count {
            let word = UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self)
            // Non-zero when some byte of the word is below 0x2D (Hacker's Delight, "has less").
            if (word &- ones &* 0x2D) & ~word & highs != 0 {
                for index in offset..<offset + 8 { look(base[index]) }
                if quotes { return (true, true) }
            }
            offset += 8
        }
        while offset < bytes.count {
            look(base[offset])
            offset += 1
        }
        return (special, quotes)
    }

    static func gb18030(_ utf8: [UInt8]) throws(EncodingError) -> [UInt8] {
        let descriptor = iconv_open("GB18030", "UTF-8")
        guard descriptor != iconv_t(bitPattern: -1) else { throw EncodingError(message: "iconv 不支持 GB18030") }
        defer { iconv_close(descriptor) }
        var input = utf8
        // GB18030 takes at most 4 bytes per character, UTF-8 at least 1.
        var output = [UInt8](repeating: 0, count: utf8.count * 4 + 16)
        let written: Int? = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                var sourcePointer = UnsafeMutableRawPointer(source.baseAddress).map { $0.assumingMemoryBound(to: CChar.self) }
                var targetPointer = UnsafeMutableRawPointer(target.baseAddress).map { $0.assumingMemoryBound(to: CChar.self) }
                var sourceLeft = source.count
                var targetLeft = target.count
                guard iconv(descriptor, &sourcePointer, &sourceLeft, &targetPointer, &targetLeft) != -1, sourceLeft == 0 else {
                    return nil
                }
                return target.count - targetLeft
            }
        }
        guard let written else { throw EncodingError(message: "无法编码为 GB18030") }
        return Array(output[..<written])
    }

    // MARK: - XML

    static func xml(_ rows: [FeedPlan.Row], _ feed: FeedSpec) -> [UInt8] {
        var out = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<\(feed.xmlRoot)>\n".utf8)
        for row in rows {
            out += Array("  <\(feed.xmlRecord)>\n".utf8)
            for (column, cell) in zip(feed.columns, row.cells) {
                if cell.isEmpty {
                    out += Array("    <\(column.header)/>\n".utf8)
                } else {
                    out += Array("    <\(column.header)>".utf8) + escapeXML(cell) + Array("</\(column.header)>\n".utf8)
                }
            }
            out += Array("  </\(feed.xmlRecord)>\n".utf8)
        }
        out += Array("</\(feed.xmlRoot)>\n".utf8)
        return out
    }

    static func escapeXML(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case 0x26: out += Array("&amp;".utf8)
            case 0x3C: out += Array("&lt;".utf8)
            case 0x3E: out += Array("&gt;".utf8)
            case 0x22: out += Array("&quot;".utf8)
            case 0x0D: out += Array("&#13;".utf8)
            default: out.append(byte)
            }
        }
        return out
    }

    // MARK: - JSON Lines

    static func jsonLines(
        _ rows: [FeedPlan.Row], _ feed: FeedSpec, keyMember: String? = nil, keyDigest: ((String) -> String)? = nil
    ) -> [UInt8] {
        var out: [UInt8] = []
        lines(rows, feed, json: (keyMember, keyDigest), startingWith: [], into: &out, partBytes: .max) { _ in }
        return out
    }

    private static func appendJSONLine(
        _ out: inout [UInt8], _ row: FeedPlan.Row, _ feed: FeedSpec, keyMember: String?, keyDigest: ((String) -> String)?
    ) {
        out.append(0x7B)
        if let keyMember, let keyDigest {
            out += jsonString(keyMember) + [0x3A] + jsonString(keyDigest(row.key))
            if !feed.columns.isEmpty { out.append(0x2C) }
        }
        for (index, (column, cell)) in zip(feed.columns, row.cells).enumerated() {
            if index > 0 { out.append(0x2C) }
            out += jsonString(column.header)
            out.append(0x3A)
            out += jsonString(cell)
        }
        out += [0x7D, 0x0A]
    }

    // MARK: - One row's line

    /// Writes one row as its line of a feed's file, for the formats whose files are a header and
    /// then a line per row (CSV in either encoding, JSON Lines): the same bytes ``encode(_:feed:zip:keyDigest:)``
    /// writes for the row. A run makes each row's line where its record is checked, on the thread
    /// that checks it, and the batch's file is then the lines one after the other (``FeedPlan/Row/line``).
    /// Always UTF-8: a GB18030 file is converted whole, as before. A class: the intake hands it
    /// from feed to feed for every record, and a copy of the feed it holds retained a dozen values.
    public final class LineEncoder: Sendable {
        private enum Form: Sendable {
            case csv
            case json(keyMember: String?, keyDigest: (@Sendable (String) -> String)?)
        }
        private let form: Form
        private let feed: FeedSpec

        /// Nil for a format that is not a line per row (XML, xlsx), or a JSON Lines feed with a key
        /// member and no digest to fill it.
        public init?(feed: FeedSpec, keyDigest: (@Sendable (String) -> String)? = nil) {
            guard Self.linePerRow(feed.format) else { return nil }
            if feed.format == .jsonLines {
                if feed.keyDigestMember != nil, keyDigest == nil { return nil }
                form = .json(keyMember: feed.keyDigestMember, keyDigest: keyDigest)
            } else {
                form = .csv
            }
            self.feed = feed
        }

        /// Whether a file of the format is a header and then a line per row.
        static func linePerRow(_ format: FeedSpec.Format) -> Bool {
            switch format {
            case .csvUTF8BOM, .csvGB18030, .jsonLines: true
            case .xml, .xlsx: false
            }
        }

        /// Appends the row's line (from its cells) to `out`.
        public func append(_ row: FeedPlan.Row, to out: inout [UInt8]) {
            switch form {
            case .csv: FeedEncoder.appendLine(&out, row.cells, neutralizing: true)
            case .json(let member, let digest): FeedEncoder.appendJSONLine(&out, row, feed, keyMember: member, keyDigest: digest)
            }
        }
    }

    /// `text` as a JSON string literal, UTF-8 (only ASCII is ever escaped). Also used for reports.
    public static func jsonString(_ text: String) -> [UInt8] {
        var out: [UInt8] = [0x22]
        let hex = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0..<0x20: out += [0x5C, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(0x22)
        return out
    }
}
