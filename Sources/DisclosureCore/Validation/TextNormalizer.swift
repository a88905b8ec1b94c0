public import WorkingDayCalendar

/// Normalization before the checks: each change is reported as a warning, never made silently.
public enum TextNormalizer {
    /// Characters that are invisible and never belong in the data: zero-width spaces and joiners,
    /// the word joiner, a stray byte-order mark, and the direction overrides and isolates
    /// (U+202A–U+202E, U+2066–U+2069), with which a text shows other than it reads (a 文号 or a
    /// name spoofed right to left in a public feed).
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x200B...0x200D, 0x2060, 0xFEFF, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Whitespace trimmed at both ends: ASCII spaces, tabs and line ends, the full-width space
    /// U+3000 and the no-break space U+00A0.
    static func isTrimmable(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{3000}"
            || scalar == "\u{00A0}"
    }

    /// Removes invisible characters anywhere and whitespace at both ends.
    public static func trim(_ text: String) -> String {
        let view = text.unicodeScalars
        if let first = view.first, let last = view.last, !isTrimmable(first), !isTrimmable(last), !view.contains(where: isInvisible) {
            return text
        }
        var scalars = view.filter { !isInvisible($0) }
        while let first = scalars.first, isTrimmable(first) { scalars.removeFirst() }
        while let last = scalars.last, isTrimmable(last) { scalars.removeLast() }
        var result = ""
        result.unicodeScalars.append(contentsOf: scalars)
        return result
    }

    /// What ``trim(_:)`` takes out of `text`: whitespace at its ends, invisible characters before
    /// its first or after its last visible one, invisible characters between visible ones.
    public static func removed(_ text: String) -> (endWhitespace: Bool, invisibleAtEnds: Bool, invisibleInside: Bool) {
        let scalars = Array(text.unicodeScalars)
        // The first and last scalars that are neither invisible nor trimmable whitespace.
        let first = scalars.firstIndex { !isInvisible($0) && !isTrimmable($0) }
        let last = scalars.lastIndex { !isInvisible($0) && !isTrimmable($0) }
        guard let first, let last else {
            // Nothing visible: all of it goes.
            return (scalars.contains(where: isTrimmable), scalars.contains(where: isInvisible), false)
        }
        let ends = scalars[..<first] + scalars[(last + 1)...]
        return (
            ends.contains(where: isTrimmable), ends.contains(where: isInvisible),
            scalars[first...last].contains(where: isInvisible)
        )
    }

    /// Full-width ASCII forms (U+FF01–U+FF5E, such as `９１Ａ`) to their ASCII letters, digits and signs.
    public static func halfWidth(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if (0xFF01...0xFF5E).contains(scalar.value), let ascii = Unicode.Scalar(scalar.value - 0xFEE0) {
                result.unicodeScalars.append(ascii)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Full-width digits and Latin letters (U+FF10–FF19, U+FF21–FF3A, U+FF41–FF5A) to ASCII; other
    /// characters, full-width brackets and punctuation among them, unchanged (a 文号's （2026） is
    /// the department's own writing and stays as it is).
    public static func halfWidthAlphanumerics(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if (0xFF10...0xFF19).contains(v) || (0xFF21...0xFF3A).contains(v) || (0xFF41...0xFF5A).contains(v),
                let ascii = Unicode.Scalar(v - 0xFEE0)
            {
                result.unicodeScalars.append(ascii)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// ASCII letters to upper case; other characters unchanged.
    public static func upperASCII(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            if ("a"..."z").contains(scalar), let upper = Unicode.Scalar(scalar.value - 32) {
                result.unicodeScalars.append(upper)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Reads a date written `2020/5/6`, `2020-05-06`, `2020.05.06`, `2020年5月6日` or `20200506`, or
    /// such a date followed by a time of day (`2020/5/6 9:30`, as Excel exports date-times).
    ///
    /// - Returns: the date, or `nil` when the text is none of these forms or not a real date.
    public static func date(_ text: String) -> CalendarDate? {
        var copy = text
        if let day = copy.withUTF8({ Bytes.standardDate($0) }) { return CalendarDate(dayNumber: day) }
        // A date, then a time of day, as Excel exports a date-time cell (2024/01/05 00:00:00,
        // 2024/1/5 9:30): the date.
        if let end = copy.withUTF8({ timeStart($0) }) {
            return date(String(decoding: text.utf8.prefix(end), as: UTF8.self))
        }
        // Dotted, 2024.01.05 or 2024.1.5: as 2024-01-05 (a year of four digits; no Excel serial has two dots).
        if text.utf8.count <= 10, text.utf8.first(where: { $0 == 0x2E || $0 == 0x2D || $0 == 0x2F }) == 0x2E {
            let dashed = String(decoding: text.utf8.map { $0 == 0x2E ? 0x2D : $0 }, as: UTF8.self)
            return try? CalendarDate.parse(dashed, format: .lenient)
        }
        if text.count == 8, text.allSatisfy({ $0.isASCII && $0.isNumber }),
            let year = Int(text.prefix(4)), let month = Int(text.dropFirst(4).prefix(2)), let day = Int(text.suffix(2))
        {
            return CalendarDate(year: year, month: month, day: day)
        }
        if text.hasSuffix("日"), let yearEnd = text.firstIndex(of: "年"), let monthEnd = text.firstIndex(of: "月"),
            yearEnd < monthEnd
        {
            let year = text[..<yearEnd]
            let month = text[text.index(after: yearEnd)..<monthEnd]
            let day = text[text.index(after: monthEnd)..<text.index(before: text.endIndex)]
            guard year.count == 4, (1...2).contains(month.count), (1...2).contains(day.count),
                let y = Int(year), let m = Int(month), let d = Int(day)
            else { return nil }
            return CalendarDate(year: y, month: m, day: d)
        }
        return try? CalendarDate.parse(text, format: .lenient)
    }

    /// Where a time of day begins after a date (the index of the space, or the `T`, before it):
    /// `H:MM`, `H:MM:SS` or `H:MM:SS.fff`, hours 0–23, minutes and seconds 0–59, after the first
    /// space (or `T`) from the ninth byte on. `nil` when the text does not end so.
    public static func timeStart(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let count = bytes.count
        guard count >= 12, count <= 40 else { return nil }
        guard let start = (8..<(count - 4)).first(where: { bytes[$0] == 0x20 || bytes[$0] == 0x54 }) else { return nil }
        var position = start + 1
        func twoDigits(allowOne: Bool, limit: Int) -> Bool {
            var value = 0
            var digits = 0
            while digits < 2, position < count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
                value = value * 10 + Int(bytes[position] - 0x30)
                digits += 1
                position += 1
            }
            return (digits == 2 || (allowOne && digits == 1)) && value <= limit
        }
        guard twoDigits(allowOne: true, limit: 23), position < count, bytes[position] == 0x3A else { return nil }
        position += 1
        guard twoDigits(allowOne: false, limit: 59) else { return nil }
        if position < count {
            guard bytes[position] == 0x3A else { return nil }
            position += 1
            guard twoDigits(allowOne: false, limit: 59) else { return nil }
            if position < count, bytes[position] == 0x2E {
                position += 1
                let digits = position
                while position < count, bytes[position] >= 0x30, bytes[position] <= 0x39 { position += 1 }
                guard position > digits else { return nil }
            }
        }
        return position == count ? start : nil
    }

    /// The national standard's form: `YYYY/MM/DD`.
    public static func standardForm(_ date: CalendarDate) -> String {
        date.description.replacingDashes()
    }
}

extension String {
    fileprivate func replacingDashes() -> String {
        String(map { $0 == "-" ? "/" : $0 })
    }
}
