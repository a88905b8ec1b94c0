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

    /// Reads a date written `2020/5/6`, `2020-05-06`, `2020年5月6日` or `20200506`.
    ///
    /// - Returns: the date, or `nil` when the text is none of these forms or not a real date.
    public static func date(_ text: String) -> CalendarDate? {
        var copy = text
        if let day = copy.withUTF8({ Bytes.standardDate($0) }) { return CalendarDate(dayNumber: day) }
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
