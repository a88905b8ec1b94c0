/// Why a text is not a date, with the text it was given.
public enum CalendarDateParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not of the form `YYYY-MM-DD` or `YYYY/MM/DD`.
    case malformed(String, expected: String)
    /// The form is right but no such day exists (2020-02-30, 2021-13-01).
    case impossible(String, reason: String)

    /// A stable code for reports and scripts.
    public var code: String {
        switch self {
        case .malformed: "date-malformed"
        case .impossible: "date-impossible"
        }
    }

    /// The message for people, in Chinese.
    public var description: String {
        switch self {
        case .malformed(let text, let expected): "“\(text)”不是日期：应为 \(expected)"
        case .impossible(let text, let reason): "“\(text)”不是存在的日期：\(reason)"
        }
    }
}

extension CalendarDate {
    /// How strictly ``parse(_:format:)`` reads a date.
    public enum TextFormat: Sendable {
        /// `YYYY-MM-DD` with exactly two-digit month and day (calendar files).
        case iso
        /// `YYYY-MM-DD` or `YYYY/MM/DD`; month and day may have one or two digits
        /// (`2020/1/23`, as Excel writes it). The two separators must be the same.
        case lenient

        var expected: String {
            switch self {
            case .iso: "YYYY-MM-DD"
            case .lenient: "YYYY-MM-DD 或 YYYY/MM/DD"
            }
        }
    }

    /// Reads a date such as `2020-01-23` or `2020/01/23`.
    ///
    /// - Parameters:
    ///   - text: the text, without surrounding spaces.
    ///   - format: ``TextFormat/lenient`` (the default) or ``TextFormat/iso``.
    /// - Returns: the date.
    /// - Throws: ``CalendarDateParseError`` naming the text and what is wrong with it.
    public static func parse(_ text: String, format: TextFormat = .lenient) throws(CalendarDateParseError)
        -> CalendarDate
    {
        // The form every stored date has (the ledger's, the register's, normalized cells), and in
        // the lenient format the national one's `YYYY/MM/DD` (every decision date a run stores):
        // read in place. The general path below allocated a copy of the bytes, a set of separators and
        // the error it might throw on every call, and the deadline reckoning parses three dates per
        // decision and portal. Anything else — and any impossible day, for its message — goes on.
        if let date = text.utf8.withContiguousStorageIfAvailable({ Self.plain($0, slashes: format == .lenient) }) ?? nil { return date }
        let malformed = CalendarDateParseError.malformed(text, expected: format.expected)
        let bytes = Array(text.utf8)
        let separators: Set<UInt8> = format == .iso ? [UInt8(ascii: "-")] : [UInt8(ascii: "-"), UInt8(ascii: "/")]
        guard let first = bytes.firstIndex(where: { separators.contains($0) }),
            let second = bytes[(first + 1)...].firstIndex(of: bytes[first])
        else { throw malformed }
        let yearDigits = bytes[..<first]
        let monthDigits = bytes[(first + 1)..<second]
        let dayDigits = bytes[(second + 1)...]
        let shortest = format == .iso ? 2 : 1
        guard yearDigits.count == 4,
            (shortest...2).contains(monthDigits.count), (shortest...2).contains(dayDigits.count),
            let year = Self.decimal(yearDigits), let month = Self.decimal(monthDigits),
            let day = Self.decimal(dayDigits)
        else { throw malformed }
        guard (1...12).contains(month) else {
            throw .impossible(text, reason: "月份应为 1–12，而不是 \(month)")
        }
        guard year >= 1 else { throw .impossible(text, reason: "年份应为 0001–9999") }
        let days = daysInMonth(year: year, month: month)
        guard (1...days).contains(day), let date = CalendarDate(year: year, month: month, day: day) else {
            throw .impossible(text, reason: "\(year)年\(month)月只有\(days)天")
        }
        return date
    }

    /// `YYYY-MM-DD` (or, with `slashes`, `YYYY/MM/DD`, the national format's own), all digits,
    /// naming a day that exists; otherwise nil (and the caller reads it the general way). The
    /// format asked for accepts what this accepts.
    private static func plain(_ bytes: UnsafeBufferPointer<UInt8>, slashes: Bool) -> CalendarDate? {
        guard bytes.count == 10, bytes[4] == bytes[7], bytes[4] == UInt8(ascii: "-") || (slashes && bytes[4] == UInt8(ascii: "/"))
        else { return nil }
        func digit(_ index: Int) -> Int? {
            let value = Int(bytes[index]) - 48
            return (0...9).contains(value) ? value : nil
        }
        guard let y0 = digit(0), let y1 = digit(1), let y2 = digit(2), let y3 = digit(3), let m0 = digit(5), let m1 = digit(6),
            let d0 = digit(8), let d1 = digit(9)
        else { return nil }
        return CalendarDate(year: ((y0 * 10 + y1) * 10 + y2) * 10 + y3, month: m0 * 10 + m1, day: d0 * 10 + d1)
    }

    private static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}

extension CalendarDate {
    /// The date in Asia/Shanghai at an instant, whatever the machine's time zone.
    ///
    /// China has used UTC+08:00 without daylight saving time since 1991, so a fixed offset gives
    /// the Shanghai date for every instant gongshi handles, without time-zone data or `TZ`.
    ///
    /// - Parameter secondsSince1970: the instant, in seconds since 1970-01-01T00:00:00Z.
    /// - Returns: the calendar date in Shanghai at that instant.
    public static func inShanghai(secondsSince1970: Int64) -> CalendarDate {
        let shifted = secondsSince1970 + 8 * 3600
        let secondsPerDay: Int64 = 86_400
        let days = shifted >= 0 ? shifted / secondsPerDay : (shifted - secondsPerDay + 1) / secondsPerDay
        return CalendarDate(dayNumber: Int(days))
    }
}
