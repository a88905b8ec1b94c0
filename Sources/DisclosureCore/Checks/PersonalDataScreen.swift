/// Finds personal data inside free text — ID numbers (18 and 15 digits, valid or not, or written
/// by Excel in E-notation: `4.10122198503121E+17`), mobile and
/// landline numbers, bank card numbers, e-mail addresses, home addresses (住址、家住、居住 …; for
/// a natural person any address-like phrase, 地址 and 住所 too) and, for a natural person, the person's
/// own name, and anyone else's name after the word for their part in the case (证人、举报人、投诉人、
/// 受害人、被害人、报案人、监护人、代理人 …) — and hides it. Shared by validation
/// (a warning per finding) and the feeds (what is found is hidden), so what `validate` reports is
/// what the feed hides. Rules: domain reference §3.5 (addresses, contact details, ID numbers are
/// hidden; 浙江《公共信用信息公示暂行办法》第七条 [secondary]).
public enum PersonalDataScreen {
    public enum Kind: String, Sendable, CaseIterable, Comparable {
        case idNumber = "身份证号码"
        case mobile = "手机号码"
        case landline = "固定电话"
        case bankCard = "银行卡号"
        case email = "电子邮箱"
        case name = "当事人姓名"
        /// Someone else's name after the word for their part in the case (证人张三).
        case otherPerson = "他人姓名"
        /// A QQ number or a WeChat ID after the word for it.
        case account = "社交账号"
        /// A passport's, a travel permit's or another document's number after the word for it.
        case document = "证件号码"
        case address = "住址"

        public static func < (a: Kind, b: Kind) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
    }

    public struct Hit: Sendable, Equatable {
        public let kind: Kind
        /// Character offsets in the text.
        public let range: Range<Int>
    }

    /// Whether the UTF-8 bytes may hold anything the screen finds (10 digits, in one run or in runs
    /// joined by spaces, dashes, dots, line breaks or brackets as ``scan(_:personName:)`` joins them
    /// (``joinerWeight(_:)``); 7
    /// after a hyphen or with a word for a phone; a full-width digit, `@`, 住, 址, or 人 after a role
    /// word's character, ``roleMarks``): the validator's
    /// fast path sends such a cell to the full check. Never
    /// false where ``scan(_:personName:)`` finds something, `personName` aside (the caller checks
    /// the name's bytes itself), in a text without invisible characters — a normalized value; a
    /// text as written is asked ``mayContainAsWritten(_:)``.
    public static func mayContain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        var digits = 0
        // The digits of the number being read, joined across at most two joining characters
        // (``joinerWeight(_:)``: `138 0013 8000`, `410122198⏎503121231`), and how many have come
        // since its last digit.
        var joined = 0
        var gap = 0
        var index = 0
        let count = bytes.count
        // A run of 7–9 digits is a landline only after a hyphen or a word that says so.
        var contactWord: Bool?
        func hasContactWord() -> Bool {
            if let contactWord { return contactWord }
            let found = contactWords.contains { word in Bytes.contains(bytes, word) }
            contactWord = found
            return found
        }
        // One pass, eight bytes at a time where it can: eight ASCII bytes with no digit and no `@`,
        // or two three-byte characters (most of a Chinese text) none of which is 住 (E4 BD 8F),
        // 址 (E5 9D 80) or a full-width digit (EF BC 90–99), are passed in one step; anything else is
        // looked at a character at a time. (Measured: a character at a time, this was 8–9% of a
        // million-record validation's samples.)
        // Before that, sixteen bytes at a time (``isUnmarked(_:_:_:)``), reading two bytes past the
        // block; a block that holds a mark is read by the steps below. Blocks need not begin on a
        // character: a mark is found by its first byte, and the steps below pass a continuation
        // byte as they pass any other character. (Measured: eight bytes at a time, this was 8.6%
        // of a million-record validation's samples.)
        var wideFrom = 0  // where the next block may start (after a block read by the steps below)
        while index < count {
            if index >= wideFrom, index + 18 <= count {
                if Self.isUnmarked(
                    raw.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self),
                    raw.loadUnaligned(fromByteOffset: index + 1, as: SIMD16<UInt8>.self),
                    raw.loadUnaligned(fromByteOffset: index + 2, as: SIMD16<UInt8>.self),
                    previous: index > 0 ? raw.loadUnaligned(fromByteOffset: index - 1, as: SIMD16<UInt8>.self) : nil)
                {
                    digits = 0
                    joined = 0  // (sixteen bytes without a digit are more than two joining characters)
                    gap = 0
                    index += 16
                    continue
                }
                wideFrom = index + 16
            }
            if index + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 {
                    // Each byte is below 0x80, so adding cannot carry into the next: a byte's high
                    // bit is then set by +0x50 when it is 0x30 or more, and by +0x3F when 0x41 or more.
                    let digitOrAt = (word &+ 0x5050_5050_5050_5050) & ~(word &+ 0x3F3F_3F3F_3F3F_3F3F) & 0x8080_8080_8080_8080
                    // A v or w (either case) may begin a WeChat ID's word (vx, wx, WeChat, weixin):
                    // folded to lower case and to v, such a byte is 0x76, and the classic zero-byte
                    // test finds it.
                    let vw = (word | 0x2121_2121_2121_2121) ^ 0x7777_7777_7777_7777
                    let hasVW = (vw &- 0x0101_0101_0101_0101) & ~vw & 0x8080_8080_8080_8080
                    if digitOrAt == 0, hasVW == 0 {
                        digits = 0
                        joined = 0
                        gap = 0
                        index += 8
                        continue
                    }
                } else if joined == 0, word & 0xC0C0_F0C0_C0F0 == 0x8080_E080_80E0, !Self.isMarked(word), !Self.isMarked(word >> 24),
                    !Self.isRoleRen(word, before: index > 0 ? bytes[index - 1] : 0x81)
                {
                    // (Not within a number: two full-width spaces or brackets may join its digits.)
                    digits = 0
                    index += 6
                    continue
                }
            }
            let byte = bytes[index]
            if byte < 0x80 {
                if byte &- 0x30 < 10 {
                    digits += 1
                    joined += 1
                    gap = 0
                    if joined >= 10 { return true }
                    if digits >= 7 {
                        let before = index - digits
                        if before >= 0 && (bytes[before] == 0x2D || (before >= 2 && bytes[before - 2] == 0xEF && bytes[before - 1] == 0xBC && bytes[before] == 0x8D)) {
                            return true
                        }
                    }
                    if joined >= 7, hasContactWord() { return true }
                } else {
                    // A number in E-notation of 1E+14 or more (`4.10122198503121E+17`): an ID or
                    // card number Excel turned into a number (the word holding the `E` holds a
                    // digit too, so the fast steps above never pass it).
                    if digits > 0, byte | 0x20 == 0x65, Self.largeExponent(bytes, after: index) { return true }
                    digits = 0
                    if byte == 0x40 { return true }  // @
                    // vx, wx, WeChat, weixin (either case), V信 (信 E4 BF A1): a WeChat ID may follow.
                    if byte | 0x21 == 0x77, index + 1 < count,
                        bytes[index + 1] | 0x20 == 0x78 || (byte | 0x20 == 0x77 && bytes[index + 1] | 0x20 == 0x65)
                            || (byte | 0x20 == 0x76 && index + 3 < count && bytes[index + 1] == 0xE4 && bytes[index + 2] == 0xBF && bytes[index + 3] == 0xA1)
                    {
                        return true
                    }
                    // A space, a tab, a hyphen, a line break or a bracket may join a number's digits.
                    if joined > 0, gap < 2, byte == 0x20 || byte == 0x2D || byte == 0x0A || byte == 0x0D || byte == 0x28 || byte == 0x29 || byte == 0x09 {
                        gap += 1
                    } else {
                        joined = 0
                        gap = 0
                    }
                }
                index += 1
            } else if byte >= 0xE0 && byte < 0xF0 {
                digits = 0
                var joins = false
                if index + 2 < count {
                    let b1 = bytes[index + 1]
                    let b2 = bytes[index + 2]
                    if byte == 0xEF && b1 == 0xBC && b2 >= 0x90 && b2 <= 0x99 { return true }  // a full-width digit
                    if byte == 0xE4 && b1 == 0xBD && b2 == 0x8F { return true }  // 住
                    if byte == 0xE5 && b1 == 0x9D && b2 == 0x80 { return true }  // 址
                    // 微信 (E5 BE AE E4 BF A1): a WeChat ID may follow, digits or not.
                    if byte == 0xE5 && b1 == 0xBE && b2 == 0xAE && index + 5 < count && bytes[index + 3] == 0xE4 && bytes[index + 4] == 0xBF
                        && bytes[index + 5] == 0xA1
                    {
                        return true
                    }
                    // 人 (E4 BA BA) after a role word's character (证人, 举报人 …: ``roleMarks``).
                    if byte == 0xE4 && b1 == 0xBA && b2 == 0xBA && index >= 3 {
                        let mark = (bytes[index - 3], bytes[index - 2], bytes[index - 1])
                        if roleMarks.contains(where: { $0 == mark }) { return true }
                    }
                    // Within a number (``isJoiningSpaceOrMark(_:)``): a full-width space (E3 80 80), hyphen
                    // (EF BC 8D), bracket (EF BC 88, 89) or full stop (EF BC 8E); the ogham space (E1 9A 80);
                    // the spaces U+2000–U+200A (E2 80 80–8A), the dashes U+2010–U+2015 (E2 80 90–95), •
                    // (E2 80 A2), the narrow no-break space (E2 80 AF), the mathematical space (E2 81 9F);
                    // ・ (E3 83 BB). (Only here, a character at a time: the steps above pass no digit,
                    // and a number's groups are at most two such characters, six bytes, apart.)
                    if joined > 0, gap < 2 {
                        switch byte {
                        case 0xE1: joins = b1 == 0x9A && b2 == 0x80
                        case 0xE2:
                            joins = (b1 == 0x80 && (b2 <= 0x8A || (b2 >= 0x90 && b2 <= 0x95) || b2 == 0xA2 || b2 == 0xA6 || b2 == 0xA7 || b2 == 0xAF))
                                || (b1 == 0x81 && (b2 == 0x9F || b2 == 0x84)) || (b1 == 0x88 && b2 == 0x92)
                        case 0xE3: joins = (b1 == 0x80 && b2 == 0x80) || (b1 == 0x83 && b2 == 0xBB)
                        case 0xEF:
                            joins = (b1 == 0xBC && (b2 == 0x8D || b2 == 0x88 || b2 == 0x89 || b2 == 0x8E)) || (b1 == 0xB9 && (b2 == 0x98 || b2 == 0xA3))
                                || (b1 == 0xBD && b2 == 0xA5)
                        default: break
                        }
                    }
                }
                if joins {
                    gap += 1
                } else {
                    joined = 0
                    gap = 0
                }
                index += 3
            } else {
                digits = 0
                // A no-break space (C2 A0), a soft hyphen (C2 AD) or a middle dot (C2 B7) within a number.
                if joined > 0, gap < 2, byte == 0xC2, index + 1 < count, bytes[index + 1] == 0xA0 || bytes[index + 1] == 0xAD || bytes[index + 1] == 0xB7 {
                    gap += 1
                } else {
                    joined = 0
                    gap = 0
                }
                index += byte >= 0xF0 ? 4 : byte >= 0xC0 ? 2 : 1
            }
        }
        return false
    }

    /// Whether the bytes hold an invisible character (``TextNormalizer/isInvisible(_:)``: U+200B–U+200D
    /// E2 80 8B–8D, U+202A–U+202E E2 80 AA–AE, U+2060 E2 81 A0, U+2066–U+2069 E2 81 A6–A9, U+FEFF EF BB BF).
    public static func holdsInvisible(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index + 2 < bytes.count {
            let byte = bytes[index]
            if byte == 0xE2 {
                let (b1, b2) = (bytes[index + 1], bytes[index + 2])
                if b1 == 0x80 && ((b2 >= 0x8B && b2 <= 0x8D) || (b2 >= 0xAA && b2 <= 0xAE)) { return true }
                if b1 == 0x81 && (b2 == 0xA0 || (b2 >= 0xA6 && b2 <= 0xA9)) { return true }
            } else if byte == 0xEF, bytes[index + 1] == 0xBB, bytes[index + 2] == 0xBF {
                return true
            }
            index += 1
        }
        return false
    }

    /// ``mayContain(_:)`` of a text as it was written, before normalization took its invisible
    /// characters out (a value a problem echoes as found): such a text is always screened, since
    /// ``scan(_:personName:)`` reads it without them (`138\u{200B}0013\u{200B}8000` is a mobile
    /// number) and the byte pre-screen, which the validator's fast path asks of normalized cells
    /// only, does not.
    public static func mayContainAsWritten(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        mayContain(bytes) || holdsInvisible(bytes)
    }

    /// Whether no byte of `block` is a digit or `@`, nor the first of 住 (E4 BD 8F), 址 (E5 9D 80), 人 (E4 BA BA) or
    /// a full-width digit (EF BC 90–99); `next` and `afterNext` are the sixteen bytes one and two
    /// places later.
    /// `previous` is the sixteen bytes one place earlier (nil at the text's start): a 人 is a mark
    /// only after a character whose last byte is a role word's (``roleMarks``: 证 E8 AF 81, 报 …
    /// A5, 诉 … 89, 害 … B3, 案 … 88, 护 … A4, 理 … 86, 权 … 83, 举 … BE, 告 … 8A, 情 … 85), so that
    /// 当事人 and 执法人员, in most penalty texts, do not send their blocks to the steps below
    /// (they did: the pre-screen's samples rose from 6% to 11% of a million-record validation).
    @inline(__always)
    private static func isUnmarked(_ block: SIMD16<UInt8>, _ next: SIMD16<UInt8>, _ afterNext: SIMD16<UInt8>, previous: SIMD16<UInt8>?) -> Bool {
        // Every operation vector with vector (``Bytes/ordinaryText(_:after:_:)`` says why).
        typealias V = SIMD16<UInt8>
        let ten = V(repeating: 10)
        let digitOrAt = (block &- V(repeating: 0x30) .< ten) .| (block .== V(repeating: 0x40))
        let zhu = (block .== V(repeating: 0xE4)) .& (next .== V(repeating: 0xBD)) .& (afterNext .== V(repeating: 0x8F))
        let zhi = (block .== V(repeating: 0xE5)) .& (next .== V(repeating: 0x9D)) .& (afterNext .== V(repeating: 0x80))
        let wei = (block .== V(repeating: 0xE5)) .& (next .== V(repeating: 0xBE)) .& (afterNext .== V(repeating: 0xAE))
        let fullWidthDigit = (block .== V(repeating: 0xEF)) .& (next .== V(repeating: 0xBC)) .& (afterNext &- V(repeating: 0x90) .< ten)
        // v, V, w or W: all four are 0x77 with the bits 0x21 set (vx, WeChat …).
        let vw = (block | V(repeating: 0x21)) .== V(repeating: 0x77)
        guard !(digitOrAt .| zhu .| zhi .| wei .| fullWidthDigit .| vw).anyLane else { return false }
        let ren = (block .== V(repeating: 0xE4)) .& (next .== V(repeating: 0xBA)) .& (afterNext .== V(repeating: 0xBA))
        guard ren.anyLane else { return true }
        guard let previous else { return false }
        var role = (previous .== V(repeating: 0x81)) .| (previous .== V(repeating: 0xA5)) .| (previous .== V(repeating: 0x89))
        role = role .| (previous .== V(repeating: 0xB3)) .| (previous .== V(repeating: 0x88)) .| (previous .== V(repeating: 0xA4))
        role = role .| (previous .== V(repeating: 0x86)) .| (previous .== V(repeating: 0x83)) .| (previous .== V(repeating: 0xBE))
        role = role .| (previous .== V(repeating: 0x8A)) .| (previous .== V(repeating: 0x85))
        return !(ren .& role).anyLane
    }

    /// Whether the three-byte character in the low 24 bits (first byte lowest) is 住, 址, 微 or a
    /// full-width digit.
    @inline(__always)
    private static func isMarked(_ word: UInt64) -> Bool {
        let character = word & 0xFF_FFFF
        return character == 0x8F_BDE4 || character == 0x80_9DE5 || character == 0xAE_BEE5
            || (character & 0xF0_FFFF == 0x90_BCEF && character >> 16 & 0xF <= 9)
    }

    /// Whether either of two three-byte characters (first byte lowest) is a 人 after a byte that
    /// ends a role word's character (``isUnmarked(_:_:_:previous:)`` lists them); `before` is the
    /// byte before the first.
    @inline(__always)
    private static func isRoleRen(_ word: UInt64, before: UInt8) -> Bool {
        @inline(__always) func isRoleLast(_ byte: UInt8) -> Bool {
            switch byte {
            case 0x81, 0xA5, 0x89, 0xB3, 0x88, 0xA4, 0x86, 0x83, 0xBE, 0x8A, 0x85: true
            default: false
            }
        }
        return (word & 0xFF_FFFF == 0xBA_BAE4 && isRoleLast(before)) || (word >> 24 & 0xFF_FFFF == 0xBA_BAE4 && isRoleLast(UInt8(word >> 16 & 0xFF)))
    }

    /// Whether the bytes after an `E` are an exponent of 14 or more (`+17`, `17`).
    private static func largeExponent(_ bytes: UnsafeBufferPointer<UInt8>, after index: Int) -> Bool {
        var at = index + 1
        if at < bytes.count, bytes[at] == 0x2B { at += 1 }
        var value = 0
        var count = 0
        while at < bytes.count, bytes[at] &- 0x30 < 10, count < 4 {
            value = value * 10 + Int(bytes[at] - 0x30)
            at += 1
            count += 1
        }
        return count > 0 && value >= 14
    }

    /// The end of a number in E-notation of 1E+14 or more that starts at `start` (digits, an
    /// optional fraction, `E`, an optional `+`, the exponent), and its exponent; nil when there is none.
    static func largeENotation(_ plain: [Character], from start: Int) -> (end: Int, exponent: Int)? {
        func isDigit(_ i: Int) -> Bool { i < plain.count && plain[i].isASCII && plain[i].isNumber }
        var at = start
        while isDigit(at) { at += 1 }
        guard at > start else { return nil }
        if at < plain.count, plain[at] == ".", isDigit(at + 1) {
            at += 1
            while isDigit(at) { at += 1 }
        }
        guard at < plain.count, plain[at] == "E" || plain[at] == "e" else { return nil }
        at += 1
        if at < plain.count, plain[at] == "+" { at += 1 }
        let digitsStart = at
        var exponent = 0
        while isDigit(at), at - digitsStart < 4 {
            exponent = exponent * 10 + (plain[at].wholeNumberValue ?? 0)
            at += 1
        }
        guard at > digitsStart, !isDigit(at), exponent >= 14 else { return nil }
        return (at, exponent)
    }

    /// (With the words before a QQ number or a document's, which need 7 digits: not 微信, marked apart.)
    static let contactWords: [[UInt8]] = (["电话", "联系方式", "手机", "座机", "Tel", "TEL", "tel"] + accountWords.filter { !isWeChatWord($0.word) }.map(\.word))
        .map { Array($0.utf8) }

    /// How much a character joins two runs of digits into one number (nil: it does not): any space
    /// (``isJoiningSpaceOrMark(_:)``: the Unicode spaces, a tab), a hyphen or a dash, a dot between
    /// groups (`·`, `•`, `・`, `．`), a line break (`\r\n` two), a bracket around an area code
    /// (half- or full-width). ``scan(_:personName:)`` joins runs across at most two, and
    /// ``mayContain(_:)`` counts the same characters byte by byte.
    static func joinerWeight(_ character: Character) -> Int? {
        switch character {
        case "-", "－", "\n", "\r", "(", ")", "（", "）": return 1
        case "\r\n": return 2
        default:
            let scalars = character.unicodeScalars
            guard let scalar = scalars.first, scalars.count == 1, isJoiningSpaceOrMark(scalar) else { return nil }
            return 1
        }
    }

    /// The spaces, dashes and dots that people (or their software) put between a number's groups:
    /// every space of Unicode's Zs category — the ASCII space, the no-break space U+00A0, the
    /// ogham space U+1680, the en to hair spaces U+2000–U+200A (the figure space U+2007 and the
    /// thin space U+2009 among them), the narrow no-break space U+202F, the mathematical space
    /// U+205F, the full-width space U+3000 — and a tab; the dashes ‐ ‑ ‒ – — ― (U+2010–U+2015);
    /// the dots · (U+00B7), • (U+2022), ・ (U+30FB) and ． (U+FF0E). (A zero-width space and the
    /// other invisible characters normalization removes are not there at all for the screen:
    /// ``scan(_:personName:)``.) ``mayContain(_:)`` knows each by its bytes.
    static func isJoiningSpaceOrMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0x09, 0xA0, 0x1680, 0x2000...0x200A, 0x202F, 0x205F, 0x3000: true
        case 0x2010...0x2015, 0xB7, 0x2022, 0x30FB, 0xFF0E: true
        // The minus sign (Word and WPS put it for a hyphen), the soft hyphen (invisible in print),
        // the small hyphens, the ellipsis, the fraction slash, the hyphenation point, the
        // half-width middle dot.
        case 0x2212, 0xAD, 0xFE58, 0xFE63, 0x2026, 0x2044, 0x2027, 0xFF65: true
        default: false
        }
    }

    /// The personal number that digit groups (``scan(_:personName:)``'s runs of digits, joined) are, if any.
    ///
    /// - One run (no joining character) as before: 18 or 15 digits (or 17 and an `X`) an ID number,
    ///   valid or not; 16, 17 or 19 a bank card; 11 beginning 13–19 a mobile; 10–12 beginning 0 a
    ///   landline with its area code; 7 or 8 after a word for a phone a landline; and — new — 20 or
    ///   more digits, hidden whole (an ID number inside a longer run, `410122198503121234567`, is
    ///   still one; without one, a long account number): when in doubt, hidden.
    /// - Groups: only the shapes those numbers are written in, so that a spaced amount (`2 000`), a
    ///   date (`2026 11 10`, `2026-11-10`), a standard's number (`GB 5749-2006`) or groups of four in
    ///   a 文号 (`2026-0312-1234`) are none: an ID number's 18 (17 and `X`) or 15 digits in any
    ///   grouping, when they begin with a region (11–82) and hold a birth date (`410122 1985 0312
    ///   1234`, `410122-19850312-1231`, `410122198⏎503121231`); a mobile's 11 digits in any grouping
    ///   (`138 0013 8000`, `1 3 8 0 0 1 3 8 0 0 0`); an area code (3–4 digits from 0) and 7–8 digits
    ///   (`0371 62345678`, `(0371)6234567`); 7–8 digits after a word for a phone; a card's 16–19
    ///   digits in groups of four (`6222 0212 3456 7890 123`).
    /// - A country code before a mobile (`+86 138 0013 8000`, `+8613800138000`, `0086 13800138000`)
    ///   is hidden with it.
    static func number(_ plain: [Character], _ groups: ArraySlice<Range<Int>>) -> Hit? {
        let start = groups[groups.startIndex].lowerBound
        let end = groups[groups.endIndex - 1].upperBound
        var digits: [UInt8] = []
        for group in groups { for index in group { digits.append(plain[index].asciiValue! &- 0x30) } }
        let count = digits.count
        let x = end < plain.count && (plain[end] == "X" || plain[end] == "x")
        let single = groups.count == 1
        // Zeros only (the 个体工商户 placeholder code 00000000000000000X, a blank filled with 0):
        // no one's number.
        if digits.allSatisfy({ $0 == 0 }) { return nil }
        func contactWordBefore() -> Bool {
            let before = String(plain[max(0, start - 6)..<start])
            return contactWordTexts.contains { before.contains($0) }
        }
        // A mobile after a country code: +86, 0086.
        var country = 0
        if count >= 13, digits[0] == 8, digits[1] == 6, start > 0, plain[start - 1] == "+" || plain[start - 1] == "＋" {
            country = 2
        } else if count >= 15, digits[0] == 0, digits[1] == 0, digits[2] == 8, digits[3] == 6 {
            country = 4
        }
        func isMobile(from offset: Int) -> Bool {
            count - offset == 11 && digits[offset] == 1 && digits[offset + 1] >= 3
        }
        if single {
            if count == 17 && x { return Hit(kind: .idNumber, range: start..<(end + 1)) }
            // 17 digits and a capital letter: a 统一社会信用代码 (an authority's, 11410122000000019Q), no card.
            if count == 17, end < plain.count, plain[end].isASCII, plain[end].isUppercase { return nil }
            switch count {
            case 18, 15: return Hit(kind: .idNumber, range: start..<end)
            case 16, 17, 19: return Hit(kind: .bankCard, range: start..<end)
            case 20...:
                let id = (0...(count - 18)).contains { isPlausibleID(digits[$0..<($0 + 18)]) }
                return Hit(kind: id ? .idNumber : .bankCard, range: start..<end)
            case 11 where isMobile(from: 0): return Hit(kind: .mobile, range: start..<end)
            case 13 where country == 2 && isMobile(from: 2): return Hit(kind: .mobile, range: start..<end)
            case 7...8 where contactWordBefore(): return Hit(kind: .landline, range: start..<end)
            case 10...12 where digits[0] == 0: return Hit(kind: .landline, range: start..<end)  // an area code and number written together
            default: return nil
            }
        }
        if (count == 18 || (count == 17 && x) || count == 15) && isPlausibleID(digits[...]) {
            return Hit(kind: .idNumber, range: start..<(count == 17 ? end + 1 : end))
        }
        if isMobile(from: 0) || (country > 0 && isMobile(from: country)) { return Hit(kind: .mobile, range: start..<end) }
        let area = groups[groups.startIndex].count
        if (3...4).contains(area), digits[0] == 0, (7...8).contains(count - area) { return Hit(kind: .landline, range: start..<end) }
        if (7...8).contains(count), contactWordBefore() { return Hit(kind: .landline, range: start..<end) }
        if (16...19).contains(count), groups.dropLast().allSatisfy({ $0.count == 4 }) { return Hit(kind: .bankCard, range: start..<end) }
        return nil
    }

    /// Whether 18 (or 17, before an `X`) or 15 digits begin as an ID number does: a region code
    /// from 11 to 82, then a birth date (YYYYMMDD from 1900 to 2099, or YYMMDD).
    static func isPlausibleID(_ digits: ArraySlice<UInt8>) -> Bool {
        let d = Array(digits)
        func value(_ range: Range<Int>) -> Int { d[range].reduce(0) { $0 * 10 + Int($1) } }
        guard d.count >= 15, (11...82).contains(value(0..<2)) else { return false }
        let (month, day): (Int, Int)
        if d.count == 15 {
            (month, day) = (value(8..<10), value(10..<12))
        } else {
            guard (1900...2099).contains(value(6..<10)) else { return false }
            (month, day) = (value(10..<12), value(12..<14))
        }
        return (1...12).contains(month) && (1...31).contains(day)
    }

    static let contactWordTexts = ["电话", "联系方式", "手机", "座机", "Tel", "TEL", "tel"]

    /// The personal data in `text`, in order, not overlapping.
    ///
    /// - Parameter personName: the natural person's own name (nil for a legal person): its
    ///   occurrences, and every address-like phrase (not only where someone lives), are found too.
    ///
    /// The text is read as normalization leaves it: its invisible characters (zero-width spaces and
    /// joiners, a stray byte-order mark, direction marks: ``TextNormalizer/isInvisible(_:)``), which
    /// the validator removes before the feeds screen a value, are not there for the screen either
    /// (`410122\u{200B}198503121231` is an ID number, as the feed's `410122198503121231` is): a value
    /// echoed as it was written is hidden as the feed hides it. A hit's range then spans the
    /// invisible characters inside it.
    public static func scan(_ text: String, personName: String?) -> [Hit] {
        let characters = Array(text)
        guard text.withLentUTF8({ holdsInvisible($0) }) else { return scan(characters, personName: personName) }
        // The characters left when the invisible ones are taken out, and where each was.
        var visible: [Character] = []
        var origin: [Int] = []
        for (index, character) in characters.enumerated() {
            var kept = character
            if character.unicodeScalars.contains(where: TextNormalizer.isInvisible) {
                var rest = ""
                rest.unicodeScalars.append(contentsOf: character.unicodeScalars.filter { !TextNormalizer.isInvisible($0) })
                if rest.isEmpty { continue }
                // (A digit and a joiner, `1\u{200D}`, are one character: the digit. Scalars that are
                // more than one character without it are left as they were.)
                if rest.count == 1 { kept = Character(rest) }
            }
            visible.append(kept)
            origin.append(index)
        }
        return scan(visible, personName: personName).compactMap { hit in
            let range = hit.range.clamped(to: 0..<visible.count)
            guard !range.isEmpty else { return nil }
            return Hit(kind: hit.kind, range: origin[range.lowerBound]..<(origin[range.upperBound - 1] + 1))
        }
    }

    /// ``scan(_:personName:)`` of a text's characters, with no invisible one among them.
    private static func scan(_ characters: [Character], personName: String?) -> [Hit] {
        // Half-width digits (and an ID number's full-width Ｘ) for matching; offsets stay those of the text.
        let plain = characters.map { character -> Character in
            guard let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1 else { return character }
            switch scalar.value {
            case 0xFF10...0xFF19: return Character(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!)
            case 0xFF38: return "X"
            case 0xFF58: return "x"
            default: return character
            }
        }
        var hits: [Hit] = []
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < plain.count && plain[i].isASCII && plain[i].isNumber }
        var i = 0
        while i < plain.count {
            guard isDigit(i) else {
                i += 1
                continue
            }
            // An ID or card number Excel turned into a number, written in E-notation: its first
            // 15 digits (an ID's region and birth date) are there. 18 or 15 digits an ID, others a card.
            if let number = largeENotation(plain, from: i) {
                hits.append(Hit(kind: number.exponent == 17 || number.exponent == 14 ? .idNumber : .bankCard, range: i..<number.end))
                i = number.end
                continue
            }
            // A number as people write it: runs of digits joined by at most two joining characters
            // (``joinerWeight(_:)``: a space, a hyphen, a line break, a bracket around an area code),
            // `410122 19850312 1231`, `138-0013-8000`, `(0371)6234567`. Not across a number in E-notation.
            var groups: [Range<Int>] = []
            var at = i
            while true {
                var groupEnd = at
                while isDigit(groupEnd) { groupEnd += 1 }
                groups.append(at..<groupEnd)
                var next = groupEnd
                var weight = 0
                while next < plain.count, let joiner = Self.joinerWeight(plain[next]), weight + joiner <= 2 {
                    weight += joiner
                    next += 1
                }
                guard weight > 0, isDigit(next), largeENotation(plain, from: next) == nil else { break }
                at = next
            }
            // Its groups, from the first: the longest run of groups (at most 19) that is a number
            // of a kind; none, the next group.
            var k = 0
            while k < groups.count {
                var found: Hit?
                for j in stride(from: min(groups.count - 1, k + 18), through: k, by: -1) {
                    if let hit = Self.number(plain, groups[k...j]) {
                        found = hit
                        k = j + 1
                        break
                    }
                }
                if let found { hits.append(found) } else { k += 1 }
            }
            i = groups[groups.count - 1].upperBound
        }
        // E-mail: a local part, @, a domain with a dot.
        for at in plain.indices where plain[at] == "@" {
            func isLocal(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || "._%+-".contains(c)) }
            func isDomain(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || ".-".contains(c)) }
            var start = at
            while start > 0 && isLocal(plain[start - 1]) { start -= 1 }
            var end = at + 1
            while end < plain.count && isDomain(plain[end]) { end += 1 }
            if start < at, end > at + 1, plain[(at + 1)..<end].contains(".") { hits.append(Hit(kind: .email, range: start..<end)) }
        }
        if let personName, personName.count >= 2 {
            let name = Array(personName)
            var from = 0
            while from + name.count <= characters.count {
                if Array(characters[from..<(from + name.count)]) == name {
                    hits.append(Hit(kind: .name, range: from..<(from + name.count)))
                    from += name.count
                } else {
                    from += 1
                }
            }
        }
        // Home addresses, whoever the record is about (§3.5: 自然人的家庭住址, a legal person's
        // representative or anyone else named in its texts as much as a natural person): for a
        // natural person's record every address-like phrase; for any other record those that say
        // where someone lives (住址、住在、家住、居住、现住、暂住), not a bare 地址, 住所 or a word like
        // 住建局 (a business's place or domicile, or an authority, which its decision may well name).
        hits += addresses(characters, residenceOnly: personName == nil)
        // Other people's names (§3.5: 他人姓名 hidden; 浙江《公共信用信息公示暂行办法》第七条 [secondary]),
        // whoever the record is about.
        hits += otherPersons(characters)
        // QQ numbers, WeChat IDs, other documents' numbers after the word for them (§3.5: 通信方式,
        // 证件号码).
        hits += accounts(characters)
        // In text order; where two overlap, the first (then the longer) wins.
        hits.sort { $0.range.lowerBound != $1.range.lowerBound ? $0.range.lowerBound < $1.range.lowerBound : $0.range.count > $1.range.count }
        var kept: [Hit] = []
        for hit in hits where kept.last.map({ $0.range.upperBound <= hit.range.lowerBound }) ?? true { kept.append(hit) }
        return kept
    }

    /// Address-like phrases: after 住 / 住址 / 家住 / 地址 / 住所 / 居住于, the place, up to the next
    /// punctuation (at most 40 characters). The trigger word stays; the place is hidden.
    ///
    /// - Parameter residenceOnly: only after a word with 住 (where someone lives), not after 地址;
    ///   after a bare 住 only before a place that reads as a home address.
    static func addresses(_ characters: [Character], residenceOnly: Bool = false) -> [Hit] {
        let stops: Set<Character> = ["，", "。", "；", ";", ",", "、", "）", ")", "（", "(", " ", "\n", "\t", "　"]
        var hits: [Hit] = []
        var i = 0
        while i < characters.count {
            let c = characters[i]
            let next = i + 1 < characters.count ? characters[i + 1] : nil
            let trigger =
                residenceOnly
                // (Not 住所, a business's registered domicile, nor 住建局, 住宿 or 住房, which a
                // business's decision names often.)
                ? c == "住" && ((next.map { "址在".contains($0) } ?? false) || (i > 0 && "家居现暂".contains(characters[i - 1])))
                : c == "住" || (c == "址" && i > 0 && characters[i - 1] == "地")
            // A bare 住 in any other record (经营者住河南省郑州市…号…室): only before what reads as a home
            // address — a place of the divisions (省市县区镇乡村) and of a street or building
            // (路街巷道号室楼栋弄) — and not in 住所、住建、住房、住宿、住院、住户、住宅、住持.
            let bare = residenceOnly && !trigger && c == "住" && !(next.map { "所建房宿院户宅持".contains($0) } ?? true)
            guard trigger || bare else {
                i += 1
                continue
            }
            var start = i + 1
            while start < characters.count, ["址", "所", "于", "在", "：", ":"].contains(characters[start]) { start += 1 }
            var end = start
            while end < characters.count, end - start < 40, !stops.contains(characters[end]) { end += 1 }
            // A place names somewhere: at least two characters, ending where a place does or with a number.
            let place = characters[start..<end]
            let looksLikePlace =
                bare
                ? place.contains(where: { "省市县区镇乡村".contains($0) }) && place.contains(where: { "路街巷道号室楼栋弄".contains($0) })
                : place.contains(where: { "号村组室楼路街镇乡区县市巷".contains($0) || $0.isNumber })
            if place.count >= 2, looksLikePlace {
                hits.append(Hit(kind: .address, range: start..<end))
                i = end
            } else {
                i += 1
            }
        }
        return hits
    }

    /// The words for a part someone plays in a case, each ending in 人, by the character before
    /// that 人 (the fast check's mark): a name after one is someone else's, hidden.
    /// (Not 法定代表人 or 负责人: a legal person's representative is published in a field of its own.)
    static let roleWords: [String] = ["证人", "举报人", "投诉人", "受害人", "被害人", "报案人", "监护人", "代理人", "被侵权人", "检举人", "控告人", "知情人"]
    /// The characters that come before 人 in ``roleWords``, as UTF-8 (the fast check looks for them).
    static let roleMarks: [(UInt8, UInt8, UInt8)] = Set(roleWords.map { $0.unicodeScalars.dropLast().last! }).map { scalar in
        let bytes = Array(String(scalar).utf8)
        return (bytes[0], bytes[1], bytes[2])
    }
    /// Surnames a name after a role word begins with (common single-character ones, and the
    /// compound ones), so that 证人证言、举报人反映、受害人家属 are not taken for names. (Surnames that
    /// are mostly words of their own, 于、和、向、时、由、都 …, are left out: 投诉人于 11 月 3 日.)
    static let surnames = Set(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿狄索宣晋门云容敬扈晁芮普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓邰赫杭况宿鲜印逯隆茹诸战慕危玉银亢嵇哈湛宾戎勾茅於呼揭尉冶斯束檀衣阴昝智幸奉植衡富尧闭")
    static let compoundSurnames = ["欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐", "端木", "西门", "南宫"]
    /// What follows a name rather than being part of it (证人张三证实、投诉人李四称): the given name
    /// stops before one of these.
    static let afterName: Set<Character> = Set("证称说等的在于向与和及系均到签指提表确对已并未也又即就因被把将为是经所之家反陈诉述报受举投来要当出电多曾都还同现至去再律、，")

    /// Names after a role word (``roleWords``): a surname (``surnames``) and one or two characters
    /// of a given name, the name hidden but its first character (as a subject's own: 张*).
    /// Already hidden names (王某、李某某) are found too, harmlessly.
    /// Whether a character is a CJK ideograph (the unified block and extension A).
    static func isHan(_ c: Character) -> Bool {
        guard let scalar = c.unicodeScalars.first, c.unicodeScalars.count == 1 else { return false }
        return (0x4E00...0x9FFF).contains(scalar.value) || (0x3400...0x4DBF).contains(scalar.value)
    }

    static func otherPersons(_ characters: [Character]) -> [Hit] {
        var hits: [Hit] = []
        let roles = roleWords.map(Array.init)
        var i = 0
        /// The name starting at `start`, if one does: its end.
        func name(at start: Int) -> Int? {
            var surname = 0
            if start + 1 < characters.count, compoundSurnames.contains(String(characters[start...(start + 1)])) {
                surname = 2
            } else if start < characters.count, surnames.contains(characters[start]) {
                surname = 1
            }
            guard surname > 0 else { return nil }
            // A word that begins with a surname's character (陈述, 方面, 安全 …), or a place or an
            // organization (郑州某某公司, 金水区居民): no one's name.
            if start + 1 < characters.count, Self.commonWords.contains(String(characters[start...(start + 1)])) { return nil }
            // (Up to the next word that follows a name, so that 证人张三证实当事人在某区 is a name.)
            var stop = start + 1
            while stop < characters.count, stop - start < 16, isHan(characters[stop]), !afterName.contains(characters[stop]) { stop += 1 }
            let ahead = String(characters[start..<stop])
            if Self.organizationWords.contains(where: { ahead.contains($0) }) { return nil }
            if characters[(start + 1)..<min(stop, start + 4)].contains(where: { "州市区县省镇乡村".contains($0) }) { return nil }
            var end = start + surname
            while end < characters.count, end - start - surname < 2, isHan(characters[end]), !afterName.contains(characters[end]) { end += 1 }
            // A surname alone (证人王证实) is still someone's: hidden with the next character.
            if end == start + surname, end < characters.count, isHan(characters[end]) { end += 1 }
            return end > start + surname ? end : nil
        }
        while i < characters.count {
            guard characters[i] == "人", i > 0,
                roles.contains(where: { w in i + 1 >= w.count && characters[(i + 1 - w.count)...i].elementsEqual(w) })
            else {
                i += 1
                continue
            }
            // After the role word: a colon, 为 or 系, a quote or a bracket (举报人为张三, 证人（张三）).
            var start = i + 1
            while start < characters.count, start - i <= 3, "：: 　为系是“”‘’\"'（(「『【".contains(characters[start]) { start += 1 }
            guard var end = name(at: start) else {
                i += 1
                continue
            }
            hits.append(Hit(kind: .otherPerson, range: start..<end))
            // Names listed after it: 证人张三、李四和王五.
            while end + 1 < characters.count, "、和及与,，/".contains(characters[end]) || characters[end] == "”" || characters[end] == "）" {
                var next = end + 1
                while next < characters.count, next - end <= 2, "、和及与,，/“”（()）".contains(characters[next]) { next += 1 }
                guard let after = name(at: next) else { break }
                hits.append(Hit(kind: .otherPerson, range: next..<after))
                end = after
            }
            i = end
        }
        return hits
    }

    /// Two-character words that begin with a surname's character and follow a role word often
    /// (证人陈述, 举报人方面, 受害人安全): not names.
    static let commonWords: Set<String> = [
        "陈述", "方面", "车辆", "车主", "房屋", "房间", "权限", "权利", "权益", "楼下", "楼上", "张贴", "马路", "夏季", "杨树", "文件", "付出",
        "万分", "万元", "安全", "高度", "周边", "周围", "严重", "马上", "何时", "金额", "金钱", "曾经", "曾多", "曾于", "曾向",
        "单位", "常住", "常年", "余额", "钱款", "许可", "程序", "包括", "包装", "段落", "江边", "林地", "黄金", "石材", "田地", "白天", "任何",
        "任意", "杜绝", "史上", "谢绝", "苏醒", "韩国", "鲁莽", "盛怒", "时候", "时间", "申请", "申诉", "明确", "左右",
        "尚未", "管理", "文明", "施工", "龙头", "秦岭", "章程", "顾客", "向其", "叶片", "易燃", "宁可",
        "阳台", "高声", "高空", "高处", "高层", "卫生", "华侨", "米饭", "童年", "左侧", "甘愿", "祝贺", "包含", "贺卡", "熊孩", "孔洞", "董事",
        "万一", "毛重", "毛利", "乔迁", "付款", "付清", "双方", "柴油", "解除", "牛肉", "戴上",
    ]

    /// What shows that the words after a role word name an organization or a place, not a person
    /// (投诉人郑州某某物业服务有限公司), before the next word that follows a name; a place's
    /// character (州市区县省镇乡村) among the three after a surname's says a place (投诉人金水区居民).
    static let organizationWords = [
        "公司", "有限", "商行", "门市", "店", "厂", "馆", "中心", "合作社", "集团", "协会", "学校", "医院", "物业", "小区", "社区", "街道",
        "村委", "居委", "单位", "部门", "机关", "银行", "酒店", "宾馆", "超市",
    ]

    /// The words after which an account or a document's number is found (``accounts(_:)``). A QQ
    /// number or a document's needs 7 digits or more (the fast check looks for these words only
    /// beside such a run); a WeChat ID anything of 5 characters or more (the fast check marks 微信).
    static let accountWords: [(word: String, kind: Kind)] = [
        ("QQ", .account), ("qq", .account), ("Qq", .account), ("微信", .account),
        // A WeChat ID written after its Latin names (vx：…, WeChat: …): only as a word of its own,
        // not inside a Latin word (``accounts(_:)``), and marked by the fast check's v and w.
        ("vx", .account), ("VX", .account), ("Vx", .account), ("wx", .account), ("WX", .account), ("Wx", .account),
        ("WeChat", .account), ("wechat", .account), ("Wechat", .account), ("WECHAT", .account),
        ("weixin", .account), ("Weixin", .account), ("WeiXin", .account), ("WEIXIN", .account), ("V信", .account), ("v信", .account),
        ("护照", .document), ("通行证", .document), ("证件号", .document), ("台胞证", .document), ("回乡证", .document),
        ("居留证", .document), ("军官证", .document),
    ]

    /// Whether an account word names WeChat (微信, vx, WeChat …): a WeChat ID is any token of 5
    /// characters or more, and the fast check marks these words itself.
    static func isWeChatWord(_ word: String) -> Bool {
        word == "微信" || (word.first.map { $0.isASCII && $0 != "Q" && $0 != "q" } ?? false)
    }

    /// Accounts and documents' numbers: after a word of ``accountWords`` (and 号、号码、账号、ID, a
    /// colon or 为), a run of letters, digits, `_` and `-`.
    static func accounts(_ characters: [Character]) -> [Hit] {
        var hits: [Hit] = []
        let words = accountWords.map { (Array($0.word), $0.kind) }
        // A word's first character, to pass the others at once (each word compared at every
        // character, without: 1.6% of a million-record validation, and as much in comparing strings).
        let firsts = Set(words.compactMap(\.0.first))
        func isToken(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_" || c == "-") }
        var i = 0
        while i < characters.count {
            guard firsts.contains(characters[i]),
                let (word, kind) = words.first(where: { word, _ in
                    i + word.count <= characters.count && characters[i..<(i + word.count)].elementsEqual(word)
                })
            else {
                i += 1
                continue
            }
            // A business's or a vehicle's document (营业执照证件号, 食品经营许可证, 建筑垃圾运输通行证):
            // not a person's. A 通行证 is a person's after 港、澳、台 (往来港澳通行证).
            let before = String(characters[max(0, i - 8)..<i])
            if kind == .document, ["执照", "许可", "登记", "营业", "运输", "车辆", "机动车"].contains(where: before.contains) {
                i += word.count
                continue
            }
            if word == Array("通行证"), !before.contains(where: { "港澳台".contains($0) }) {
                i += word.count
                continue
            }
            // A Latin name (vx, WeChat) only as a word of its own: not within a Latin word or a
            // code (wxyz, GBvx2), and not run together with what follows (vxabc: no separator).
            let isWeChat = isWeChatWord(String(word))
            if isWeChat, word[0].isASCII, (i > 0 && isToken(characters[i - 1])) || (i + word.count < characters.count && isToken(characters[i + word.count])) {
                i += word.count
                continue
            }
            var start = i + word.count
            var skipped = 0
            while start < characters.count, skipped < 6, "号码账户IDid：: 为是\u{3000}（(“\"「【‘'".contains(characters[start]) {
                start += 1
                skipped += 1
            }
            // The number, a space allowed between its groups (E 1234 5678).
            var end = start
            while end < characters.count, end - start < 40,
                isToken(characters[end]) || (characters[end] == " " && end > start && end + 1 < characters.count && isToken(characters[end + 1]))
            {
                end += 1
            }
            let token = characters[start..<end].filter { $0 != " " }
            let digits = token.filter { $0.isNumber }.count
            let found: Bool
            switch kind {
            case .account where isWeChat: found = token.count >= 5
            case .account: found = digits >= 7 && digits == token.count && token.count <= 12
            default:
                // A person's document number has at most 15 characters (a passport's 9, a 回乡证's 11,
                // a 永久居留身份证's 15); a licence's is longer (JY and 14 digits).
                found = (6...15).contains(token.count) && digits >= 7
            }
            if found {
                hits.append(Hit(kind: kind, range: start..<end))
                i = end
            } else {
                i += word.count
            }
        }
        return hits
    }

    /// How what is found is hidden (a portal profile's `screen: {style: …}`).
    public enum Style: String, Sendable, CaseIterable {
        /// Each character of the finding as `*` (a name keeps its first character: 张**), so the
        /// text keeps its length and shape.
        case mask
        /// The finding replaced by what it was, in brackets: `〔身份证号码〕` (a name: 张**).
        case label
    }

    /// The text with every hit hidden: digits and addresses as `*` (or labelled), a name as 张**
    /// (first character kept).
    public static func redact(_ text: String, _ hits: [Hit], style: Style = .mask) -> String {
        guard !hits.isEmpty else { return text }
        var characters = Array(text)
        // From the end, so that a label of another length leaves earlier offsets valid.
        for hit in hits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            let range = hit.range.clamped(to: 0..<characters.count)
            if style == .label && hit.kind != .name && hit.kind != .otherPerson {
                characters.replaceSubrange(range, with: Array("〔\(hit.kind.rawValue)〕"))
                continue
            }
            for index in range {
                if (hit.kind == .name || hit.kind == .otherPerson) && index == hit.range.lowerBound { continue }
                characters[index] = "*"
            }
        }
        return String(characters)
    }

    /// The text with each number found masked as the portals' masking shows such numbers — an ID or
    /// a card number its first 6 and last 4 characters kept, a mobile its first 3 and last 4, a
    /// landline its last 4 — and anything else hidden whole: the register's form of a 文号 that
    /// holds a number (``screen(_:personName:only:style:)`` hides every digit, and two such
    /// decisions would become one).
    public static func maskedKeepingEnds(_ text: String) -> String {
        let hits = scan(text, personName: nil)
        guard !hits.isEmpty else { return text }
        var characters = Array(text)
        for hit in hits {
            let range = hit.range.clamped(to: 0..<characters.count)
            let (head, tail): (Int, Int) =
                switch hit.kind {
                case .idNumber, .bankCard: range.count >= 12 ? (6, 4) : (0, 0)
                case .mobile: range.count >= 9 ? (3, 4) : (0, 0)
                case .landline: range.count >= 6 ? (0, 4) : (0, 0)
                default: (0, 0)
                }
            for index in range where index >= range.lowerBound + head && index < range.upperBound - tail { characters[index] = "*" }
        }
        return String(characters)
    }

    /// The screened text and the kinds found.
    ///
    /// - Parameter only: the kinds to look for (nil: all of them).
    public static func screen(_ text: String, personName: String?, only: Set<Kind>? = nil, style: Style = .mask) -> (text: String, kinds: [Kind]) {
        var hits = scan(text, personName: personName)
        if let only { hits.removeAll { !only.contains($0.kind) } }
        return (redact(text, hits, style: style), Array(Set(hits.map(\.kind))).sorted())
    }
}
