import DisclosureCore
import FeedEncoders
import Foundation
import Testing

/// The CSV feed's bytes, cell by cell, against the rule written out plainly: RFC 4180 quoting
/// (comma, quote, line break, a space at either end), a formula-like cell neutralized first.
@Suite("CSV feed encoding")
struct CSVEncodingTests {
    static let feed = FeedSpec(
        name: "t", title: "测试", schema: "administrative-penalty", include: [], exclude: [],
        columns: ["代码", "说明"].map { FeedColumn(header: $0, field: $0) }, format: .csvUTF8BOM, fileName: "t.csv", batchLimit: 10)

    /// The rule, one cell at a time, the slow and obvious way.
    static func expected(_ cell: String) -> String {
        let value = FormulaGuard.neutralize(cell)
        let quoted = value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" })
            || value.hasPrefix(" ") || value.hasSuffix(" ")
        return quoted ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }

    static let cells = [
        "", " ", "  a", "a ", "a,b", "他说\"不\"", "\"", "line\nbreak", "cr\rhere", "crlf\r\nhere", "=1+1", "=\"a,b\"", "-12.5", "+3", "+",
        "-", "@SUM(A1)", "- 1", "=a ", "中文，全角逗号", "𠀀 surrogate-free astral", "tab\there", "'already",
    ]

    /// A row for each of ``cells``.
    static let rows = cells.enumerated().map { FeedPlan.Row(file: "t.csv", row: $0.offset + 2, key: "k\($0.offset)|名", cells: ["k", $0.element]) }

    /// A key digest for the tests (any function of the key does).
    static let digest: @Sendable (String) -> String = { "d:" + $0 }

    /// `rows`, one in `every` with its line made beforehand and no cells, as a run's spool gives rows back.
    static func withLines(_ rows: [FeedPlan.Row], every: Int, feed: FeedSpec) throws -> [FeedPlan.Row] {
        let encoder = try #require(FeedEncoder.LineEncoder(feed: feed, keyDigest: digest))
        return rows.enumerated().map { index, row in
            guard index % every == 0 else { return row }
            var bare = FeedPlan.Row(file: row.file, row: row.row, key: row.key, cells: [])
            bare.line = []
            encoder.append(row, to: &bare.line!)
            return bare
        }
    }

    @Test("every cell encoded as the rule says, each line ending CRLF, the header first")
    func cellsAsTheRuleSays() throws {
        let rows = Self.cells.map { FeedPlan.Row(file: "t.csv", row: 2, key: "k", cells: ["k", $0]) }
        let bytes = try FeedEncoder.encode(rows, feed: Self.feed)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        let expected = (["代码,说明"] + Self.cells.map { "k," + Self.expected($0) }).map { $0 + "\r\n" }.joined()
        #expect(text == expected)
    }

    @Test("long cells, read eight bytes at a time, quoted as the rule says wherever the comma, quote or line break falls")
    func longCells() throws {
        // Each special byte at every offset of cells of 1 to 40 bytes, among text of bytes just
        // above and below the ones looked for (0x2B '+', 0x2D '-', 0x20 ' ', 0x29 ')'), Chinese and digits.
        let fillers = ["城", "管", "1", "-", "+", ")", "a", "〔", "·"]
        var cells: [String] = []
        for length in 1...40 {
            let base = (0..<length).map { fillers[($0 * 7 + length) % fillers.count] }
            cells.append(base.joined())
            for special in [",", "\"", "\n", "\r"] {
                for at in [0, length / 3, length / 2, length - 1] {
                    var copy = base
                    copy[at] = special
                    cells.append(copy.joined())
                }
            }
        }
        let rows = cells.map { FeedPlan.Row(file: "t.csv", row: 2, key: "k", cells: ["k", $0]) }
        let text = String(decoding: try FeedEncoder.encode(rows, feed: Self.feed).dropFirst(3), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n").dropFirst()
        let expected = cells.map { "k," + Self.expected($0) }.joined(separator: "\r\n") + "\r\n"
        #expect(text == "代码,说明\r\n" + expected, "\(lines.prefix(3))")
    }

    @Test(
        "a row's line made beforehand is the line its cells make, in every format of a line per row",
        arguments: [FeedSpec.Format.csvUTF8BOM, .csvGB18030, .jsonLines])
    func linesBeforehand(format: FeedSpec.Format) throws {
        var feed = Self.feed.with(format: format)
        let rows = Self.rows
        for member in format == .jsonLines ? [nil, "key_sha256"] : [nil] {
            feed.keyDigestMember = member
            // Half the rows with their line (and no cells, as a run's spool gives them back), half with cells.
            let mixed = try Self.withLines(rows, every: 2, feed: feed)
            let expected = try FeedEncoder.encode(rows, feed: feed, keyDigest: Self.digest)
            #expect(try FeedEncoder.encode(mixed, feed: feed, keyDigest: Self.digest) == expected, "\(format) \(member ?? "-")")
            #expect(mixed.contains { $0.line != nil && $0.cells.isEmpty })
        }
        // A key member and no digest to fill it: no line is made beforehand.
        if format == .jsonLines {
            #expect(FeedEncoder.LineEncoder(feed: feed) == nil)
        }
    }

    @Test(
        "a file made a part at a time is the file made whole, in every format that is, wherever the parts break",
        arguments: [FeedSpec.Format.csvUTF8BOM, .jsonLines])
    func inParts(format: FeedSpec.Format) throws {
        #expect(FeedEncoder.writesInParts(format))
        var feed = Self.feed.with(format: format)
        let rows = Self.rows
        let digest = Self.digest
        for member in format == .jsonLines ? [nil, "key_sha256"] : [nil] {
            feed.keyDigestMember = member
            let mixed = try Self.withLines(rows, every: 3, feed: feed)
            let whole = try FeedEncoder.encode(rows, feed: feed, keyDigest: digest)
            var buffer: [UInt8] = Array(repeating: 0x41, count: 5)  // left over from a last batch: not written
            for partBytes in [1, 7, 64, 1 << 20] {
                var parts: [[UInt8]] = []
                try FeedEncoder.write(mixed, feed: feed, keyDigest: digest, partBytes: partBytes, buffer: &buffer) { parts.append(Array($0)) }
                #expect(parts.joined().elementsEqual(whole), "\(format) \(member ?? "-") \(partBytes)")
                #expect(parts.allSatisfy { !$0.isEmpty })
                // Each part but the last holds at least partBytes.
                #expect(parts.dropLast().allSatisfy { $0.count >= partBytes })
                if partBytes == 1 { #expect(parts.count == rows.count) }  // a part a line (the header with the first)
                if partBytes == 1 << 20 { #expect(parts.count == 1) }
                #expect(buffer.isEmpty)
            }
            // No rows: the header alone (CSV), or nothing at all (JSON Lines).
            var empty: [[UInt8]] = []
            try FeedEncoder.write([], feed: feed, keyDigest: digest, partBytes: 7, buffer: &buffer) { empty.append(Array($0)) }
            #expect(empty.joined().elementsEqual(try FeedEncoder.encode([], feed: feed, keyDigest: digest)))
        }
        // A key member and no digest: refused, as the whole file is.
        if format == .jsonLines {
            feed.keyDigestMember = "key_sha256"
            var buffer: [UInt8] = []
            #expect(throws: FeedEncoder.EncodingError.self) {
                try FeedEncoder.write(rows, feed: feed, partBytes: 7, buffer: &buffer) { _ in }
            }
        }
    }

    @Test("GB18030, XML and xlsx files are made whole")
    func wholeFormats() {
        for format in [FeedSpec.Format.csvGB18030, .xml, .xlsx] { #expect(!FeedEncoder.writesInParts(format)) }
    }

    @Test("XML and xlsx are made of cells: no line is made for them beforehand")
    func noLinesForCells() {
        #expect(FeedEncoder.LineEncoder(feed: Self.feed.with(format: .xml)) == nil)
        #expect(FeedEncoder.LineEncoder(feed: Self.feed.with(format: .xlsx)) == nil)
    }

    @Test("a withdrawal's table (no neutralizing) quotes the same way")
    func tableQuotes() {
        let bytes = FeedEncoder.csvTable([["a", " b", "c,d", "=x"], ["\"q\"", "e "]])
        #expect(String(decoding: bytes, as: UTF8.self) == "a,\" b\",\"c,d\",=x\r\n\"\"\"q\"\"\",\"e \"\r\n")
    }
}
