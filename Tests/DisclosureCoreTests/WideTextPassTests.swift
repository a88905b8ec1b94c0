@testable import DisclosureCore
import GongshiTesting
import Testing

/// The fast check's pass over a text cell (``Bytes/needsNoNormalization(_:kind:)``) reads sixteen
/// bytes at a time, a block starting anywhere, even inside a character. Whatever the alignment, it
/// must say what a reading of the text's characters says: valid UTF-8, no control or invisible
/// character, nothing to trim at either end.
@Suite("The text pass sixteen bytes at a time")
struct WideTextPassTests {
    /// Characters whose bytes the blocks treat each their own way: ASCII, ordinary CJK and
    /// full-width punctuation, the leads E0, E2 (“ and the invisible U+200B), ED and EF (U+FEFF
    /// and its neighbours), two- and four-byte characters, C1 controls, controls and broken bytes.
    static let pieces: [[UInt8]] = [
        "城", "管", "罚", "款", "，", "。", "（", "）", "《", "》", "、", "a", "Z", "0", "9", " ", "-", "=", "@", "'",
        "“", "”", "\u{200B}", "\u{200D}", "\u{2060}", "\u{2061}", "\u{FEFF}", "\u{FEFE}", "\u{FF00}", "\u{0800}", "\u{D7FF}",
        "\u{E000}", "é", "\u{00A0}", "\u{3000}", "😀", "\u{7F}", "\u{85}", "\t", "\n",
        // The noncharacters XML refuses and their neighbours; the direction controls and theirs.
        "\u{FFFE}", "\u{FFFF}", "\u{FFFD}", "\u{FFE5}", "\u{202A}", "\u{202E}", "\u{2029}", "\u{2030}", "\u{2066}", "\u{2069}", "\u{206A}",
    ].map { Array($0.utf8) } + [
        [0x80], [0xBF], [0xE4, 0xB8], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xC0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF],
    ]

    /// The same question answered a character at a time, by the standard library's decoding.
    static func reference(_ bytes: [UInt8]) -> Bool {
        guard let text = String(validating: bytes, as: UTF8.self) else { return false }
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return true }
        let edges: Set<UInt32> = [0x20, 0x09, 0x0A, 0x0D, 0x3000, 0xA0]
        if edges.contains(first.value) || edges.contains(last.value) { return false }
        if "=+-@".unicodeScalars.contains(first) { return false }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x20 || (0x7F...0x9F).contains(value) { return false }
            if (0x200B...0x200D).contains(value) || value == 0x2060 || value == 0xFEFF { return false }
            if value == 0xFFFE || value == 0xFFFF || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value) { return false }
        }
        return true
    }

    static func pass(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { Bytes.needsNoNormalization($0, kind: .text) }
    }

    @Test("agrees with a reading of the characters on generated texts of every length and alignment")
    func generated() {
        var random = SeededGenerator(seed: 0x51_3D16_2026_1206)
        var clean = 0
        for _ in 0..<40_000 {
            var bytes: [UInt8] = []
            // Mostly ordinary CJK (the blocks' fast case), with now and then something else.
            let length = Int(random.next() % 70)
            for _ in 0..<length {
                let ordinary = random.next() % 8 != 0
                let piece = ordinary ? Self.pieces[Int(random.next() % 11)] : Self.pieces[Int(random.next() % UInt64(Self.pieces.count))]
                bytes += piece
            }
            let expected = Self.reference(bytes)
            if expected { clean += 1 }
            #expect(Self.pass(bytes) == expected, "\(bytes)")
        }
        // Both answers occur often enough to mean something.
        #expect(clean > 4_000 && clean < 36_000, "\(clean)")
    }

    @Test("a bad sequence is found at every offset of a long CJK text, wherever the blocks fall", arguments: [
        [0x80], [0xE4, 0xB8, 0x41], [0xE2, 0x80, 0x8B], [0xEF, 0xBB, 0xBF], [0xED, 0xA0, 0x80], [0x7F], [0xC2, 0x85], [0x0A],
    ] as [[UInt8]])
    func badAtEveryOffset(sequence: [UInt8]) {
        let text = Array(String(repeating: "行政处罚决定书（罚款），", count: 6).utf8)
        for offset in 1..<text.count {
            let bytes = Array(text[..<offset]) + sequence + Array(text[offset...])
            #expect(!Self.pass(bytes), "\(sequence) at byte \(offset)")
        }
        #expect(Self.pass(text))
    }

    @Test("a text cut inside its last character is not clean, at every length")
    func cutAtTheEnd() {
        let text = Array(String(repeating: "城市管理局，依法作出。", count: 5).utf8)
        for end in 2...text.count {
            let whole = end == text.count || text[end] & 0xC0 != 0x80
            #expect(Self.pass(Array(text[..<end])) == whole, "cut at \(end)")
        }
    }
}
