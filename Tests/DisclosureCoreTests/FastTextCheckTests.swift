import DisclosureCore
import Testing
import WorkingDayCalendar

/// The fast check's text pass reads CJK two characters at a time. Whatever the alignment, a bad or
/// invisible sequence inside a run of CJK must make the record "not sure", and a clean run clean.
@Suite("FastRecordCheck on text bytes")
struct FastTextCheckTests {
    static let schema = PublicationSchema(
        id: "text", version: 1, title: "文本", aliases: [], decisionDateField: nil, duplicateKey: [],
        fields: [FieldSpec(name: "内容", kind: .text)])

    static func isClean(_ bytes: [UInt8]) throws -> Bool {
        var check = FastRecordCheck(schema: schema, today: try CalendarDate.parse("2026-11-30"))
        return check.isClean(CellBytes(bytes: bytes, cellEnds: [bytes.count]), fieldColumns: [0], columnCount: 1)
    }

    /// Sequences that are not UTF-8, or are invisible characters the validator would remove.
    static let bad: [(String, [UInt8])] = [
        ("surrogate", [0xED, 0xA0, 0x80]), ("overlong three-byte", [0xE0, 0x80, 0x80]), ("overlong two-byte", [0xC0, 0x80]),
        ("stray continuation", [0x80]), ("cut-off CJK", [0xE4, 0xB8]), ("beyond U+10FFFF", [0xF4, 0x90, 0x80, 0x80]),
        ("invalid byte", [0xFF]), ("U+200B", [0xE2, 0x80, 0x8B]), ("U+200D", [0xE2, 0x80, 0x8D]),
        ("U+2060", [0xE2, 0x81, 0xA0]), ("U+FEFF", [0xEF, 0xBB, 0xBF]),
    ]

    @Test("a bad or invisible sequence is found at every offset in CJK and mixed text", arguments: bad)
    func badSequences(name: String, sequence: [UInt8]) throws {
        for filler in ["行政处罚决定书", "罚款2000元（人民币）", "ab城管c"] {
            let text = Array(String(repeating: filler, count: 4).utf8)
            for offset in 0...text.count {
                // Only at character boundaries: inside a character the bytes are broken anyway.
                guard offset == text.count || text[offset] & 0xC0 != 0x80 else { continue }
                let bytes = Array(text[..<offset]) + sequence + Array(text[offset...]) + Array("。".utf8)
                #expect(try !Self.isClean(bytes), "\(name) at byte \(offset) in \(filler)")
            }
        }
    }

    @Test("clean text is clean at every length and alignment")
    func cleanText() throws {
        let text = Array("郑州市城市管理局依法作出行政处罚决定（罚款）：2026年11月30日，第A-1号．".utf8)
        // A cell starting like a spreadsheet formula (“-1号”) is left to the full check, which warns.
        for start in 0..<text.count where text[start] & 0xC0 != 0x80 && !Array("=+-@".utf8).contains(text[start]) {
            for end in (start + 1)...text.count where end == text.count || text[end] & 0xC0 != 0x80 {
                #expect(try Self.isClean(Array(text[start..<end])), "\(String(decoding: text[start..<end], as: UTF8.self))")
            }
        }
    }

    @Test("a cell cut inside a character is never clean, whatever the length")
    func cutCharacter() throws {
        let text = Array("城市管理局依法作出行政处罚".utf8)
        for end in 1...text.count where end == text.count || text[end] & 0xC0 == 0x80 {
            guard end < text.count else { continue }
            #expect(try !Self.isClean(Array(text[..<end])), "cut at \(end)")
        }
    }
}
