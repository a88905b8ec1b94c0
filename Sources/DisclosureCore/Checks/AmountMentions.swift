/// The amounts a free text (处罚内容) states with their unit, read from its UTF-8 bytes, and the
/// check that a 万元 figure was not typed in 元.
///
/// A text says an amount in many forms: `2000元`, `2000.00元`, `2,000元`, `２０００元` (full-width),
/// `2000 元`, `0.2万元`. Numbers are kept exact, in millionths (a 万元 figure has at most six
/// decimals), and no `Character`s are built: the fast path calls this for every record with a fine.
public enum AmountMentions {
    /// A number stated in the text with its unit.
    public struct Mention: Sendable, Equatable {
        /// The number as written, in millionths.
        public var micros: Int
        /// Whether the unit is 万元 (else 元).
        public var inWan: Bool
        /// The amount in 元, in millionths (`nil` past `Int`).
        public var yuanMicros: Int? {
            guard inWan else { return micros }
            let (product, overflow) = micros.multipliedReportingOverflow(by: 10000)
            return overflow ? nil : product
        }
    }

    /// The mention of `text` showing that `amount` (the 万元 figure, as written) was typed in 元:
    /// the text states an amount in 元 equal to the figure, or whose whole 元 is the figure (the
    /// 角 and 分 dropped), and no amount the figure agrees with. `nil` when the figure is not a
    /// positive number, or nothing says so.
    public static func typedInYuan(amount: UnsafeBufferPointer<UInt8>, text: UnsafeBufferPointer<UInt8>) -> Mention? {
        var index = 0
        guard let figure = number(amount, &index), index == amount.count, figure > 0 else { return nil }
        var suspect: Mention?
        var position = 0
        while position < text.count {
            guard digit(text, position) != nil else {
                position += 1
                continue
            }
            guard let value = number(text, &position) else { continue }
            guard let inWan = unit(text, &position) else { continue }
            let mention = Mention(micros: value, inWan: inWan)
            guard let yuan = mention.yuanMicros else { continue }
            // The figure agrees with this amount (万元 × 10000 = 元): the text may state other amounts.
            let (scaled, overflow) = figure.multipliedReportingOverflow(by: 10000)
            if !overflow, scaled == yuan { return nil }
            // The figure is the 元 amount, or its whole 元 (truncated or rounded).
            let whole = figure % 1_000_000 == 0 && (yuan / 1_000_000 == figure / 1_000_000 || (yuan + 500_000) / 1_000_000 == figure / 1_000_000)
            if yuan == figure || whole { suspect = suspect ?? mention }
        }
        return suspect
    }

    public static func typedInYuan(amount: String, text: String) -> Mention? {
        var amount = amount
        var text = text
        return amount.withUTF8 { amountBytes in text.withUTF8 { typedInYuan(amount: amountBytes, text: $0) } }
    }

    /// "2000.5 元", "0.2 万元": the mention as the text gives it, for a message.
    public static func show(micros: Int) -> String {
        let whole = micros / 1_000_000
        var fraction = micros % 1_000_000
        guard fraction != 0 else { return String(whole) }
        var digits = 6
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }

    // MARK: - Reading

    /// The digit at `position` (ASCII or full-width) and its length in bytes.
    @inline(__always)
    static func digit(_ bytes: UnsafeBufferPointer<UInt8>, _ position: Int) -> (value: Int, length: Int)? {
        guard position < bytes.count else { return nil }
        let byte = bytes[position]
        if byte >= 0x30 && byte <= 0x39 { return (Int(byte &- 0x30), 1) }
        // ０–９ are EF BC 90–99.
        if byte == 0xEF, position + 2 < bytes.count, bytes[position + 1] == 0xBC, bytes[position + 2] >= 0x90, bytes[position + 2] <= 0x99 {
            return (Int(bytes[position + 2] &- 0x90), 3)
        }
        return nil
    }

    /// The length of a separator at `position`: `,`/`，` (thousands) or `.`/`．` (decimal point).
    @inline(__always)
    static func separator(_ bytes: UnsafeBufferPointer<UInt8>, _ position: Int, decimal: Bool) -> Int? {
        guard position < bytes.count else { return nil }
        if bytes[position] == (decimal ? 0x2E : 0x2C) { return 1 }
        if bytes[position] == 0xEF, position + 2 < bytes.count, bytes[position + 1] == 0xBC, bytes[position + 2] == (decimal ? 0x8E : 0x8C) {
            return 3
        }
        return nil
    }

    /// The number starting at `position` in millionths, `position` moved past it (past the whole
    /// run of digits even when it is no number: too long, or more than six decimals).
    static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ position: inout Int) -> Int? {
        var value = 0
        var digits = 0
        var valid = true
        while let (d, length) = digit(bytes, position) {
            value = value &* 10 &+ d
            digits += 1
            position += length
            // A thousands separator: exactly three digits follow it, and no fourth.
            if let comma = separator(bytes, position, decimal: false) {
                var next = position + comma
                var group = 0
                while group < 4, let (_, length) = digit(bytes, next) {
                    next += length
                    group += 1
                }
                if group == 3 { position += comma }
            }
        }
        guard digits > 0 else { return nil }
        var fractionDigits = 0
        if let point = separator(bytes, position, decimal: true), digit(bytes, position + point) != nil {
            position += point
            while let (d, length) = digit(bytes, position) {
                if fractionDigits < 6 { value = value &* 10 &+ d } else { valid = false }
                fractionDigits += 1
                position += length
            }
        }
        guard valid, digits <= 12 else { return nil }
        for _ in fractionDigits..<6 { value *= 10 }
        return value
    }

    /// The unit after a number (spaces allowed before it): `true` for 万元, `false` for 元, `nil` for none.
    static func unit(_ bytes: UnsafeBufferPointer<UInt8>, _ position: inout Int) -> Bool? {
        var at = position
        while at < bytes.count {
            if bytes[at] == 0x20 || bytes[at] == 0x09 {
                at += 1
            } else if bytes[at] == 0xC2, at + 1 < bytes.count, bytes[at + 1] == 0xA0 {
                at += 2  // no-break space
            } else if bytes[at] == 0xE3, at + 2 < bytes.count, bytes[at + 1] == 0x80, bytes[at + 2] == 0x80 {
                at += 3  // ideographic space
            } else {
                break
            }
        }
        func has(_ a: UInt8, _ b: UInt8, _ c: UInt8, at offset: Int) -> Bool {
            offset + 2 < bytes.count && bytes[offset] == a && bytes[offset + 1] == b && bytes[offset + 2] == c
        }
        if has(0xE5, 0x85, 0x83, at: at) {  // 元
            position = at + 3
            return false
        }
        if has(0xE4, 0xB8, 0x87, at: at), has(0xE5, 0x85, 0x83, at: at + 3) {  // 万元
            position = at + 6
            return true
        }
        return nil
    }
}
