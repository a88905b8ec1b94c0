import DisclosureCore
import GongshiTesting
import Testing

/// `PersonalDataScreen.mayContain` is the validator's pre-screen for personal data in free text: it
/// passes eight ASCII bytes or two CJK characters in a step. It must answer as a character-at-a-time
/// reading does whatever the alignment, and never "no" where the full scan finds something.
@Suite("Personal-data pre-screen")
struct PersonalDataPrescreenTests {
    /// The pre-screen read a character at a time (as it was before it read eight bytes at a step).
    static func reference(_ bytes: [UInt8]) -> Bool {
        var digits = 0
        // Digits of a number joined across at most two spaces (any of Unicode's, a tab), hyphens
        // and dashes, dots, line breaks or brackets (half- or full-width), and the joining
        // characters since its last digit.
        var joined = 0
        var gap = 0
        let joiners = (Self.otherSeparators + [" ", "-", "\n", "\r", "(", ")", "\u{3000}", "－", "（", "）"]).map { Array($0.utf8) }
        var index = 0
        let count = bytes.count
        // (And the words before a QQ number or a document's: 7 digits or more after them.)
        let contactWords = ["电话", "联系方式", "手机", "座机", "Tel", "TEL", "tel", "QQ", "qq", "Qq", "护照", "通行证", "证件号", "台胞证", "回乡证", "居留证", "军官证"]
            .map { Array($0.utf8) }
        func hasContactWord() -> Bool {
            contactWords.contains { word in
                word.count <= count && (0...(count - word.count)).contains { Array(bytes[$0..<($0 + word.count)]) == word }
            }
        }
        while index < count {
            let byte = bytes[index]
            if byte < 0x80 {
                if byte >= 0x30 && byte <= 0x39 {
                    digits += 1
                    joined += 1
                    gap = 0
                    if joined >= 10 { return true }
                    if digits >= 7 {
                        let before = index - digits
                        if before >= 0 && (bytes[before] == 0x2D || (before >= 2 && bytes[(before - 2)...before] == [0xEF, 0xBC, 0x8D])) {
                            return true
                        }
                    }
                    if joined >= 7 && hasContactWord() { return true }
                } else {
                    // E-notation of 1E+14 or more after a digit: `4.10122198503121E+17`, `4E17`.
                    if digits > 0, byte == 0x45 || byte == 0x65 {
                        var at = index + 1
                        if at < count, bytes[at] == 0x2B { at += 1 }
                        let exponent = bytes[at...].prefix { $0 >= 0x30 && $0 <= 0x39 }.prefix(4)
                        if !exponent.isEmpty, Int(String(decoding: exponent, as: UTF8.self))! >= 14 { return true }
                    }
                    digits = 0
                    if byte == 0x40 { return true }
                    // vx, wx, we… (WeChat, weixin), either case, and V信: a WeChat ID may follow.
                    if index + 1 < count {
                        let pair = String(decoding: bytes[index...(index + 1)], as: UTF8.self).lowercased()
                        if ["vx", "wx", "we"].contains(pair) { return true }
                    }
                    if index + 3 < count, String(decoding: bytes[index...(index + 3)], as: UTF8.self).lowercased() == "v信" { return true }
                    if joined > 0 && gap < 2 && joiners.contains([byte]) { gap += 1 } else { (joined, gap) = (0, 0) }
                }
                index += 1
            } else if byte >= 0xE0 && byte < 0xF0 {
                digits = 0
                if index + 2 < count {
                    let character = Array(bytes[index...(index + 2)])
                    if character[0] == 0xEF && character[1] == 0xBC && (0x90...0x99).contains(character[2]) { return true }
                    if character == Array("住".utf8) || character == Array("址".utf8) { return true }
                    // 微信: a WeChat ID may follow.
                    if character == Array("微".utf8), index + 5 < count, Array(bytes[(index + 3)...(index + 5)]) == Array("信".utf8) { return true }
                    // 人 after the character before it in a role word (证人、举报人、投诉人 …).
                    if character == Array("人".utf8), index >= 3, Self.roleCharacters.contains(Array(bytes[(index - 3)..<index])) { return true }
                    if joined > 0 && gap < 2 && joiners.contains(character) { gap += 1 } else { (joined, gap) = (0, 0) }
                } else {
                    (joined, gap) = (0, 0)
                }
                index += 3
            } else {
                digits = 0
                let width = byte >= 0xF0 ? 4 : byte >= 0xC0 ? 2 : 1
                if joined > 0 && gap < 2 && index + width <= count && joiners.contains(Array(bytes[index..<(index + width)])) {
                    gap += 1
                } else {
                    (joined, gap) = (0, 0)
                }
                index += width
            }
        }
        return false
    }

    /// The spaces, dashes and dots besides the ASCII and full-width ones that join a number's groups:
    /// every other space of Unicode's Zs category and a tab, ‐ ‑ ‒ – — ―, · • ・ ．
    static let otherSeparators = [
        "\t", "\u{00A0}", "\u{1680}", "\u{2000}", "\u{2001}", "\u{2002}", "\u{2003}", "\u{2004}", "\u{2005}", "\u{2006}", "\u{2007}",
        "\u{2008}", "\u{2009}", "\u{200A}", "\u{202F}", "\u{205F}", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}",
        "\u{2015}", "·", "•", "・", "．",
    ]

    /// The characters before 人 in the role words whose names the screen hides (证人、举报人、投诉人、
    /// 受害人、被害人、报案人、监护人、代理人、被侵权人、检举人、控告人、知情人).
    static let roleCharacters = ["证", "报", "诉", "害", "案", "护", "理", "权", "举", "告", "情"].map { Array($0.utf8) }

    static func mayContain(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { PersonalDataScreen.mayContain($0) }
    }

    /// What the pre-screen looks for, each alone.
    static let marks = [
        "住", "址", "０", "９", "@", "1234567890", "0371-6234567", "电话1234567", "Tel 12345678", "6234567－1234567", "4.10122198503121E+17", "1E+14", "9e15",
        // Numbers written in groups.
        "138 0013 8000", "1 3 8 0 0 1 3 8 0 0 0", "(0371)6234567", "0371 62345678", "410122198\n503121231", "410122\r\n198503121231",
        "6222 0212 3456 7890 123", "138\u{3000}\u{3000}0013\u{3000}8000", "138（）0013 8000", "电话 623 4567",
        // Split by other spaces, dashes and dots.
        "410122\u{00A0}19850312\u{00A0}1231", "138\u{202F}0013\u{202F}8000", "138\u{2009}0013\u{2009}8000", "138\t0013\t8000",
        "410122—19850312—1231", "138·0013·8000", "138•0013・8000", "138．0013\u{1680}8000", "138\u{2010}\u{2015}0013\u{205F}8000",
        // Someone else's part in the case, before their name.
        "证人", "举报人", "投诉人", "受害人", "被害人", "报案人", "监护人", "代理人", "被侵权人", "检举人", "控告人", "知情人",
        // Accounts and documents' numbers.
        "微信", "QQ1234567", "护照E12345678", "vx", "VX", "Vx", "wx", "WX", "WeChat", "wechat", "weixin", "WEIXIN", "V信", "v信",
    ]

    @Test("each mark is found at every offset of CJK, ASCII and mixed text", arguments: marks)
    func markAtEveryOffset(mark: String) {
        for filler in ["行政处罚决定书依法作出", "abcdefghijklmnopqrstuv", "罚款2000元（人民币）ab城管c", "第（三）项，．"] {
            let text = Array(filler.utf8)
            for offset in 0...text.count where offset == text.count || text[offset] & 0xC0 != 0x80 {
                let bytes = Array(text[..<offset]) + Array(mark.utf8) + Array(text[offset...])
                #expect(Self.mayContain(bytes), "\(mark) at byte \(offset) in \(filler)")
            }
        }
    }

    @Test("text without a mark passes at every length and alignment")
    func cleanAtEveryAlignment() {
        // Characters whose bytes resemble the marks: 佐 (E4 BD 90), 坐 (E5 9D 90), full-width ：and （.
        let text = Array("郑州市城市管理局依法作出行政处罚决定（罚款200元）：佐坐2026年11月30日，第A-1号．abc defgh当事人法定代表人".utf8)
        for start in 0..<text.count where text[start] & 0xC0 != 0x80 {
            for end in (start + 1)...text.count where end == text.count || text[end] & 0xC0 != 0x80 {
                #expect(!Self.mayContain(Array(text[start..<end])), "\(String(decoding: text[start..<end], as: UTF8.self))")
            }
        }
    }

    @Test("agrees with a character-at-a-time reading on generated texts, and never misses what the scan finds")
    func generated() {
        let pieces: [[UInt8]] = [
            "城", "管", "罚", "款", "住", "址", "佐", "坐", "０", "５", "９", "：", "（", "－", "-", "@", "a", "Z", " ", ".",
            "0", "1", "3", "7", "9", "电话", "手机", "tel", "é", "😀", "\u{3000}", "(", ")", "（", "）", "\n", "\r", "\r\n", "+", "X",
            "人", "证", "报", "害", "护", "当事", "王", "李", "某", "三", "微", "信", "微信", "QQ", "护照", "轻微", "v", "W", "x", "e", "vx", "WeChat", "：", "V信",
            // Other separators, their neighbours' bytes (“ U+201C, … U+2026, 、U+3001, é), invisible characters.
            "\t", "\u{00A0}", "\u{202F}", "\u{2009}", "\u{2007}", "\u{1680}", "\u{205F}", "—", "–", "‐", "·", "•", "・", "．", "“", "…", "、", "\u{00B6}",
            "\u{200B}", "\u{200D}", "\u{FEFF}", "\u{2060}", "\u{202E}",
        ].map { Array($0.utf8) } + [[0x80], [0xE4, 0xBD], [0xFF]]
        var random = SeededGenerator(seed: 0x5EED_2026_1205)
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(random.next() % 40) {
                // Digits come in runs, so that 7-, 10-, 11- and 18-digit numbers occur.
                if random.next() % 4 == 0 {
                    for _ in 0..<Int(random.next() % 19) { bytes.append(0x30 + UInt8(random.next() % 10)) }
                } else {
                    bytes += pieces[Int(random.next() % UInt64(pieces.count))]
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            // (On bytes that are not UTF-8 the two may read a stray lead byte's reach differently,
            // where a sixteen-byte block ends on it: the validator checks a cell's UTF-8 before this
            // is asked. Such bytes are still read, for a crash, and the scan's findings still sent.)
            if String(validating: bytes, as: UTF8.self) != nil {
                #expect(Self.mayContain(bytes) == Self.reference(bytes), "\(bytes)")
            } else {
                _ = Self.mayContain(bytes)
            }
            if !PersonalDataScreen.scan(text, personName: nil).isEmpty {
                // (A text with an invisible character is read without it; the byte pre-screen is
                // asked of normalized text, and a text as written is always screened.)
                let asWritten = Array(text.utf8).withUnsafeBufferPointer { PersonalDataScreen.mayContainAsWritten($0) }
                #expect(asWritten, "\(text)")
                if !Array(text.utf8).withUnsafeBufferPointer({ PersonalDataScreen.holdsInvisible($0) }) {
                    #expect(Self.mayContain(Array(text.utf8)), "\(text)")
                }
            }
        }
    }
}
