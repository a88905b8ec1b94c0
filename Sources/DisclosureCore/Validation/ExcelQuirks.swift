public import WorkingDayCalendar

/// What Excel does to data on its way to CSV, recognized so that it can be undone (with a warning)
/// or named (as an error) instead of surfacing as a puzzling checksum failure.
public enum ExcelQuirks {
    /// The inside of Excel's text guard `="…"` (doubled quotes made single), or `nil`.
    public static func unwrapTextGuard(_ value: String) -> String? {
        guard value.count >= 3, value.hasPrefix("=\""), value.hasSuffix("\"") else { return nil }
        return String(value.dropFirst(2).dropLast()).replacingDoubledQuotes()
    }

    /// An Excel date serial number (1–999 or 10000–99999, optionally with a time fraction) in a date
    /// column, or `nil` for anything else, such as `20200506` or `2020`.
    public static func dateSerial(_ value: String) -> Int? {
        let parts = value.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        // Four digits read as a year (2020), not as a serial: serials of real decisions have five.
        guard let whole = parts.first, [1, 2, 3, 5].contains(whole.count), whole.allSatisfy({ $0.isASCII && $0.isNumber }),
            parts.count == 1 || parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) && !parts[1].isEmpty,
            let serial = Int(whole), serial >= 1
        else { return nil }
        return serial
    }

    /// A whole number of at most seven digits, optionally with a time fraction, as Excel writes any
    /// date serial up to its last day (9999-12-31, serial 2,958,465): only for comparing with a
    /// given date (``dateSerial(_:)`` is what reads a decision's date).
    public static func anySerial(_ value: String) -> Int? {
        let parts = value.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, (1...7).contains(whole.count), whole.allSatisfy({ $0.isASCII && $0.isNumber }),
            parts.count == 1 || parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) && !parts[1].isEmpty,
            let serial = Int(whole), serial >= 1
        else { return nil }
        return serial
    }

    /// The date of an Excel serial number in the 1900 date system, or `nil` for serial 60: Excel
    /// counts a 29 February 1900 that never was (the Lotus 1-2-3 leap-year bug), so serials from 61
    /// on are one day ahead of a plain count from 1899-12-31.
    ///
    /// - Parameter date1904: the workbook counts in the 1904 date system (`<workbookPr
    ///   date1904="1"/>`, as Excel for Mac saved by default before 2011): serial 0 is 1904-01-01,
    ///   with no fictitious day (the same date's serial is 1,462 less).
    public static func date(fromSerial serial: Int, date1904: Bool = false) -> CalendarDate? {
        if date1904 { return CalendarDate(year: 1904, month: 1, day: 1)?.adding(days: serial) }
        guard serial != 60, let base = CalendarDate(year: 1899, month: 12, day: 31) else { return nil }
        return base.adding(days: serial < 60 ? serial : serial - 1)
    }

    /// How Excel damaged an identifier, if it did: scientific notation (`9.14101E+17`), or leading
    /// zeros lost (the digits pass the field's check once the zeros are put back).
    public static func numberDamage(_ value: String, check: CodeCheck?) -> (zh: String, en: String)? {
        // Only digits, a point, E and + can be Excel's doing.
        guard value.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x45 || $0 == 0x65 || $0 == 0x2B })
        else { return nil }
        if isScientific(value) {
            return ("科学计数法已丢失原来的数字", "scientific notation has lost the original digits")
        }
        guard value.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        // Excel keeps 15 significant digits: an 18-digit code or ID number typed into a number cell
        // ends in 000, which its check character (the last) then fails, unless it happens to be 0.
        if value.utf8.count == 18, value.hasSuffix("000") {
            let damaged: Bool
            switch check {
            case .creditCode: damaged = CreditCode.problem(in: value) != nil
            case .identityDocument: damaged = ResidentIDNumber.checkCharacter(forFirst17: String(value.prefix(17))) != "0"
            default: damaged = false
            }
            if damaged {
                return ("超过 15 位的数字被 Excel 截断，最后三位成了 000（原号码已丢失）", "Excel kept 15 significant digits: the last three became 000 (the number is lost)")
            }
        }
        let length: Int
        switch check {
        case .creditCode: length = 18
        case .organizationCode: length = 9
        default: return nil
        }
        guard value.count < length else { return nil }
        let padded = String(repeating: "0", count: length - value.count) + value
        let valid: Bool
        switch check {
        case .creditCode: valid = CreditCode.problem(in: padded) == nil
        default: valid = OrganizationCode.problem(in: padded) == nil
        }
        guard valid else { return nil }
        return ("开头的 0 已丢失，应为“\(padded)”", "its leading zeros are lost; it should read “\(padded)”")
    }

    /// `9.14101E+17`, `1E+17`: digits, an optional fraction, and an exponent with the plus sign Excel
    /// always writes (so that a passport number such as `0E1234567` is not mistaken for one).
    static func isScientific(_ value: String) -> Bool {
        let upper = value.uppercased()
        guard let e = upper.firstIndex(of: "E") else { return false }
        let mantissa = upper[..<e]
        var exponent = upper[upper.index(after: e)...]
        // (`E+17` as Excel writes it; `E-17` and `E17` as other programs or hands do.)
        if exponent.hasPrefix("+") || exponent.hasPrefix("-") { exponent = exponent.dropFirst() }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        return !exponent.isEmpty && exponent.allSatisfy { $0.isASCII && $0.isNumber }
            && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }
}

extension String {
    fileprivate func replacingDoubledQuotes() -> String {
        var result = ""
        var previousQuote = false
        for character in self {
            if character == "\"" && previousQuote {
                previousQuote = false
                continue
            }
            previousQuote = character == "\""
            result.append(character)
        }
        return result
    }
}
