import Foundation
import GongshiTesting
import SourceDecoders
import Testing

/// Scans `bytes` fed in the given chunk sizes (repeated), returning the rows or the error.
func scan(_ bytes: [UInt8], chunks: [Int] = [Int.max]) -> Result<[CSVRow], CSVError> {
    var scanner = CSVScanner()
    var rows: [CSVRow] = []
    var start = 0
    var next = 0
    do {
        while start < bytes.count {
            let size = max(1, min(chunks[next % chunks.count], bytes.count - start))
            try scanner.consume(bytes[start..<(start + size)]) { rows.append($0) }
            start += size
            next += 1
        }
        try scanner.finish { rows.append($0) }
        return .success(rows)
    } catch let error as CSVError {
        return .failure(error)
    } catch {
        return .failure(.invalidUTF8(row: -1, byteOffset: -1))
    }
}

func cells(_ text: String) throws -> [[String]] {
    try scan(Array(text.utf8)).get().map(\.cells)
}

@Suite("CSV scanner (RFC 4180)")
struct CSVScannerTests {
    @Test("a cell over the limit keeps only its start, cut where a character starts, and the record says how long it was; in any chunking")
    func cellLimit() throws {
        // 5 Chinese characters (15 bytes) unquoted, then a quoted cell of 5 bytes; the limit is 7 bytes.
        let text = "ab,占占占占占,\"x\"\"占\"\nc,d,e\n"
        for chunks in [[Int.max], [1], [2, 3], [5]] {
            var scanner = CSVScanner(cellLimit: 7)
            var records: [CSVRecord] = []
            var start = 0
            var next = 0
            let bytes = Array(text.utf8)
            while start < bytes.count {
                let size = max(1, min(chunks[next % chunks.count], bytes.count - start))
                try bytes[start..<(start + size)].withUnsafeBufferPointer { try scanner.consume($0) { records.append($0) } }
                start += size
                next += 1
            }
            try scanner.finish { (record: CSVRecord) in records.append(record) }
            #expect(records.map(\.strings) == [["ab", "占占", "x\"占"], ["c", "d", "e"]], "chunks \(chunks)")
            #expect(records[0].oversized == [OversizedCell(cell: 1, bytes: 15, characters: 5)], "chunks \(chunks)")
            #expect(records[1].oversized.isEmpty)
        }
    }

    @Test("the header may set each column's limit for the records after it; a cut cell's whole length is counted in bytes and characters, in any chunking")
    func columnLimits() throws {
        // Limits from the header: 4 bytes for column 0, 9 for column 1, none of its own for column 2
        // (the scanner's 64); the 12-character cell of column 1 is mixed one-, two-, three- and
        // four-byte characters.
        let long = "aé占😀aé占😀aé占😀"  // 12 characters, 30 bytes
        let text = "h0,h1,h2\nabcdef,\(long),\(String(repeating: "x", count: 70))\nab,\"占占占\",x\n"
        let bytes = Array(text.utf8)
        for chunks in [[Int.max], [1], [2, 5], [7]] {
            var scanner = CSVScanner(cellLimit: 64)
            var records: [CSVRecord] = []
            var start = 0
            var next = 0
            while start < bytes.count {
                let size = max(1, min(chunks[next % chunks.count], bytes.count - start))
                try bytes[start..<(start + size)].withUnsafeBufferPointer { chunk in
                    try scanner.consumeLimiting(chunk) { record in
                        records.append(record)
                        return record.number == 1 ? [4, 9] : nil
                    }
                }
                start += size
                next += 1
            }
            try scanner.finish { (record: CSVRecord) in records.append(record) }
            #expect(records.map(\.strings) == [["h0", "h1", "h2"], ["abcd", "aé占", String(repeating: "x", count: 64)], ["ab", "占占占", "x"]], "chunks \(chunks)")
            #expect(records[0].oversized.isEmpty)
            #expect(
                records[1].oversized == [
                    OversizedCell(cell: 0, bytes: 6, characters: 6), OversizedCell(cell: 1, bytes: 30, characters: 12),
                    OversizedCell(cell: 2, bytes: 70, characters: 70),
                ], "chunks \(chunks)")
            #expect(records[2].oversized.isEmpty, "chunks \(chunks)")
        }
    }

    @Test("quoted cells, doubled quotes, delimiters and line breaks inside quotes")
    func quoting() throws {
        #expect(try cells("a,\"b,c\",\"say \"\"hi\"\"\"\n") == [["a", "b,c", "say \"hi\""]])
        #expect(try cells("\"line1\r\nline2\",x\r\ny,z\r\n") == [["line1\r\nline2", "x"], ["y", "z"]])
        #expect(try cells("\"\"\n") == [[""]])
    }

    @Test("CRLF, LF and CR line ends; a last line without a line end")
    func lineEnds() throws {
        #expect(try cells("a,b\r\nc,d\r\n") == [["a", "b"], ["c", "d"]])
        #expect(try cells("a,b\nc,d") == [["a", "b"], ["c", "d"]])
        #expect(try cells("a,b\rc,d\r") == [["a", "b"], ["c", "d"]])
        #expect(try cells("a,b\r\n\r\nc,d") == [["a", "b"], [""], ["c", "d"]])
    }

    @Test("empty cells and trailing empty rows and columns are kept as empty cells")
    func empties() throws {
        #expect(try cells(",,\n") == [["", "", ""]])
        #expect(try cells("a,,\n,,\n") == [["a", "", ""], ["", "", ""]])
    }

    @Test("row numbers count records, not lines; the header is row 1")
    func rowNumbers() throws {
        let rows = try scan(Array("h1,h2\n\"a\nb\",c\nd,e\n".utf8)).get()
        #expect(rows.map(\.number) == [1, 2, 3])
        #expect(rows.map(\.byteOffset) == [0, 6, 14])
    }

    @Test("a UTF-8 byte-order mark is skipped")
    func byteOrderMark() throws {
        #expect(try cells("\u{FEFF}名称,类别\n") == [["名称", "类别"]])
        #expect(try scan([0xEF, 0xBB, 0xBF] + Array("a\n".utf8), chunks: [1]).get().map(\.cells) == [["a"]])
    }

    @Test("bytes that are not UTF-8 fail with their exact byte offset and row")
    func invalidUTF8() {
        // 名 is E5 90 8D; GB18030 名 is C3 FB.
        let bytes = Array("a,b\n名,".utf8) + [0xC3, 0xFB] + Array("\n".utf8)
        for chunks in [[Int.max], [1], [2, 3]] {
            #expect(scan(bytes, chunks: chunks) == .failure(.invalidUTF8(row: 2, byteOffset: 8)))
        }
        // An overlong form, a surrogate and a truncated sequence at the end.
        #expect(scan([0x61, 0xC0, 0xAF]) == .failure(.invalidUTF8(row: 1, byteOffset: 1)))
        #expect(scan([0xED, 0xA0, 0x80]) == .failure(.invalidUTF8(row: 1, byteOffset: 0)))
        #expect(scan(Array("ab".utf8) + [0xE5, 0x90]) == .failure(.invalidUTF8(row: 1, byteOffset: 2)))
    }

    @Test("an unterminated quote fails, naming the row where it opened")
    func unterminatedQuote() {
        #expect(scan(Array("a\nb,\"c\nd\n".utf8)) == .failure(.unterminatedQuote(row: 2, byteOffset: 4, column: 1)))
    }

    @Test(
        "the same rows whether read whole, a byte at a time, in random chunks, or split at every offset",
        arguments: ["penalty/valid.csv", "penalty/structure.csv", "penalty/invalid.csv", "permit/valid.csv"])
    func chunkingDoesNotMatter(fixture: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.url("validate/\(fixture)")))
        let whole = try scan(bytes).get()
        #expect(whole.count > 2)
        #expect(try scan(bytes, chunks: [1]).get() == whole)
        var generator = SeededGenerator(seed: UInt64(bytes.count))
        for _ in 0..<20 {
            let sizes = (0..<16).map { _ in Int.random(in: 1...700, using: &generator) }
            #expect(try scan(bytes, chunks: sizes).get() == whole)
        }
        let sample = Array(bytes.prefix(1500))
        let sampleWhole = scan(sample)
        for split in 1..<sample.count {
            #expect(scan(sample, chunks: [split, Int.max]) == sampleWhole, "split at \(split)")
        }
    }
}
