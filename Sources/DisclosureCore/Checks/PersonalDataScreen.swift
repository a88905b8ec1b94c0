/// Finds personal data inside free text — ID numbers (18 and 15 digits, valid or not, or written
/// by Excel in E-notation: `4.10122198503121E+17`), mobile and
/// landline numbers, bank card numbers, e-mail addresses, home addresses (住址、家住、居住 …; for
/// a natural person any address-like phrase, 地址 and 住所 too) and, for a natural person, the person's
/// own name — and hides it. Shared by validation
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
        case address = "住址"

        public static func < (a: Kind, b: Kind) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
    }

    public struct Hit: Sendable, Equatable {
        public let kind: Kind
        /// Character offsets in the text.
        public let range: Range<Int>
    }

    /// Whether the UTF-8 bytes may hold anything the screen finds (a run of 7 digits, a full-width
    /// digit, `@`, 住 or 址): the validator's fast path sends such a cell to the full check. Never
    /// false where ``scan(_:personName:)`` finds something, `personName` aside (the caller checks
    /// the name's bytes itself).
    public static func mayContain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let raw = UnsafeRawPointer(base)
        var digits = 0
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
                    raw.loadUnaligned(fromByteOffset: index + 2, as: SIMD16<UInt8>.self))
                {
                    digits = 0
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
                    if digitOrAt == 0 {
                        digits = 0
                        index += 8
                        continue
                    }
                } else if word & 0xC0C0_F0C0_C0F0 == 0x8080_E080_80E0, !Self.isMarked(word), !Self.isMarked(word >> 24) {
                    digits = 0
                    index += 6
                    continue
                }
            }
            let byte = bytes[index]
            if byte < 0x80 {
                if byte &- 0x30 < 10 {
                    digits += 1
                    if digits >= 10 { return true }
                    if digits >= 7 {
                        let before = index - digits
                        if before >= 0 && (bytes[before] == 0x2D || (before >= 2 && bytes[before - 2] == 0xEF && bytes[before - 1] == 0xBC && bytes[before] == 0x8D)) {
                            return true
                        }
                        if hasContactWord() { return true }
                    }
                } else {
                    // A number in E-notation of 1E+14 or more (`4.10122198503121E+17`): an ID or
                    // card number Excel turned into a number (the word holding the `E` holds a
                    // digit too, so the fast steps above never pass it).
                    if digits > 0, byte | 0x20 == 0x65, Self.largeExponent(bytes, after: index) { return true }
                    digits = 0
                    if byte == 0x40 { return true }  // @
                }
                index += 1
            } else if byte >= 0xE0 && byte < 0xF0 {
                digits = 0
                if index + 2 < count {
                    let b1 = bytes[index + 1]
                    let b2 = bytes[index + 2]
                    if byte == 0xEF && b1 == 0xBC && b2 >= 0x90 && b2 <= 0x99 { return true }  // a full-width digit
                    if byte == 0xE4 && b1 == 0xBD && b2 == 0x8F { return true }  // 住
                    if byte == 0xE5 && b1 == 0x9D && b2 == 0x80 { return true }  // 址
                }
                index += 3
            } else {
                digits = 0
                index += byte >= 0xF0 ? 4 : byte >= 0xC0 ? 2 : 1
            }
        }
        return false
    }

    /// Whether no byte of `block` is a digit or `@`, nor the first of 住 (E4 BD 8F), 址 (E5 9D 80) or
    /// a full-width digit (EF BC 90–99); `next` and `afterNext` are the sixteen bytes one and two
    /// places later.
    @inline(__always)
    private static func isUnmarked(_ block: SIMD16<UInt8>, _ next: SIMD16<UInt8>, _ afterNext: SIMD16<UInt8>) -> Bool {
        // Every operation vector with vector (``Bytes/ordinaryText(_:after:_:)`` says why).
        typealias V = SIMD16<UInt8>
        let ten = V(repeating: 10)
        let digitOrAt = (block &- V(repeating: 0x30) .< ten) .| (block .== V(repeating: 0x40))
        let zhu = (block .== V(repeating: 0xE4)) .& (next .== V(repeating: 0xBD)) .& (afterNext .== V(repeating: 0x8F))
        let zhi = (block .== V(repeating: 0xE5)) .& (next .== V(repeating: 0x9D)) .& (afterNext .== V(repeating: 0x80))
        let fullWidthDigit = (block .== V(repeating: 0xEF)) .& (next .== V(repeating: 0xBC)) .& (afterNext &- V(repeating: 0x90) .< ten)
        return !(digitOrAt .| zhu .| zhi .| fullWidthDigit).anyLane
    }

    /// Whether the three-byte character in the low 24 bits (first byte lowest) is 住, 址 or a
    /// full-width digit.
    @inline(__always)
    private static func isMarked(_ word: UInt64) -> Bool {
        let character = word & 0xFF_FFFF
        return character == 0x8F_BDE4 || character == 0x80_9DE5 || (character & 0xF0_FFFF == 0x90_BCEF && character >> 16 & 0xF <= 9)
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

    static let contactWords: [[UInt8]] = ["电话", "联系方式", "手机", "座机", "Tel", "TEL", "tel"].map { Array($0.utf8) }

    /// The personal data in `text`, in order, not overlapping.
    ///
    /// - Parameter personName: the natural person's own name (nil for a legal person): its
    ///   occurrences, and every address-like phrase (not only where someone lives), are found too.
    public static func scan(_ text: String, personName: String?) -> [Hit] {
        let characters = Array(text)
        // Half-width digits for matching; offsets stay those of the text.
        let plain = characters.map { character -> Character in
            guard let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
                (0xFF10...0xFF19).contains(scalar.value)
            else { return character }
            return Character(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!)
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
            var end = i
            while isDigit(end) { end += 1 }
            let length = end - i
            let x = end < plain.count && (plain[end] == "X" || plain[end] == "x")
            if length == 17 && x {
                hits.append(Hit(kind: .idNumber, range: i..<(end + 1)))
                i = end + 1
                continue
            }
            switch length {
            case 18, 15: hits.append(Hit(kind: .idNumber, range: i..<end))
            case 16, 17, 19: hits.append(Hit(kind: .bankCard, range: i..<end))
            case 11 where plain[i] == "1" && "3456789".contains(plain[i + 1]): hits.append(Hit(kind: .mobile, range: i..<end))
            case 7, 8:
                // A landline: after an area code and a hyphen (0371-62345678), or after a word that
                // says so (电话、联系方式、Tel); a bare 7-digit number may be an amount in 元.
                var start = i
                if start >= 2, plain[start - 1] == "-" || plain[start - 1] == "－" {
                    var a = start - 2
                    while isDigit(a) && start - 1 - a <= 4 { a -= 1 }
                    let area = (a + 1)..<(start - 1)
                    if area.count >= 3, area.count <= 4, plain[area.lowerBound] == "0" { start = area.lowerBound }
                }
                let before = String(plain[max(0, start - 6)..<start])
                if start < i || ["电话", "联系方式", "手机", "座机", "Tel", "TEL", "tel"].contains(where: { before.contains($0) }) {
                    hits.append(Hit(kind: .landline, range: start..<end))
                }
            case 10...12 where plain[i] == "0":
                hits.append(Hit(kind: .landline, range: i..<end))  // an area code and number written together
            default: break
            }
            i = end
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
        // In text order; where two overlap, the first (then the longer) wins.
        hits.sort { $0.range.lowerBound != $1.range.lowerBound ? $0.range.lowerBound < $1.range.lowerBound : $0.range.count > $1.range.count }
        var kept: [Hit] = []
        for hit in hits where kept.last.map({ $0.range.upperBound <= hit.range.lowerBound }) ?? true { kept.append(hit) }
        return kept
    }

    /// Address-like phrases: after 住 / 住址 / 家住 / 地址 / 住所 / 居住于, the place, up to the next
    /// punctuation (at most 40 characters). The trigger word stays; the place is hidden.
    ///
    /// - Parameter residenceOnly: only after a word with 住 (where someone lives), not after 地址.
    static func addresses(_ characters: [Character], residenceOnly: Bool = false) -> [Hit] {
        let stops: Set<Character> = ["，", "。", "；", ";", ",", "、", "）", ")", "（", "(", " ", "\n", "\t", "　"]
        var hits: [Hit] = []
        var i = 0
        while i < characters.count {
            let c = characters[i]
            let trigger =
                residenceOnly
                // (Not 住所, a business's registered domicile, nor 住建局, 住宿 or 住房, which a
                // business's decision names often.)
                ? c == "住" && ((i + 1 < characters.count && "址在".contains(characters[i + 1])) || (i > 0 && "家居现暂".contains(characters[i - 1])))
                : c == "住" || (c == "址" && i > 0 && characters[i - 1] == "地")
            guard trigger else {
                i += 1
                continue
            }
            var start = i + 1
            while start < characters.count, ["址", "所", "于", "在", "：", ":"].contains(characters[start]) { start += 1 }
            var end = start
            while end < characters.count, end - start < 40, !stops.contains(characters[end]) { end += 1 }
            // A place names somewhere: at least two characters, ending where a place does or with a number.
            let place = characters[start..<end]
            if place.count >= 2, place.contains(where: { "号村组室楼路街镇乡区县市巷".contains($0) || $0.isNumber }) {
                hits.append(Hit(kind: .address, range: start..<end))
                i = end
            } else {
                i += 1
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
            if style == .label && hit.kind != .name {
                characters.replaceSubrange(range, with: Array("〔\(hit.kind.rawValue)〕"))
                continue
            }
            for index in range {
                if hit.kind == .name && index == hit.range.lowerBound { continue }
                characters[index] = "*"
            }
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
