/// A day in the proleptic Gregorian calendar, with no time and no time zone.
///
/// Decision dates, deadlines and "today" are all calendar dates: a deadline is a day, not an
/// instant. Days are numbered continuously (``dayNumber``, 0 = 1970-01-01) so that stepping and
/// counting are integer arithmetic.
///
/// ```swift
/// let decided = try CalendarDate.parse("2020/01/23")
/// decided.weekday            // .thursday
/// decided.adding(days: 1)    // 2020-01-24
/// ```
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Creates a date, or returns `nil` when no such day exists (2020-02-30, month 13, year 0).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...CalendarDate.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Creates the date that is `dayNumber` days after 1970-01-01 (negative: before it).
    ///
    /// The civil-from-days algorithm of Howard Hinnant ("chrono-Compatible Low-Level Date
    /// Algorithms"), valid for every day of years 1–9999.
    public init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        self.year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        self.month = month
        self.day = day
    }

    /// Days since 1970-01-01 (the inverse of ``init(dayNumber:)``).
    public var dayNumber: Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The day of the week.
    public var weekday: Weekday {
        // 1970-01-01 was a Thursday.
        let index = ((dayNumber % 7) + 7 + 3) % 7  // 0 = Monday
        return Weekday.allCases[index]
    }

    /// The date `days` days later (earlier when negative).
    public func adding(days: Int) -> CalendarDate {
        CalendarDate(dayNumber: dayNumber + days)
    }

    /// Days from `self` to `other` (negative when `other` is earlier).
    public func days(to other: CalendarDate) -> Int {
        other.dayNumber - dayNumber
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        guard (0...9999).contains(year) else { return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))" }
        // Its ten digits and dashes written in place (a small string, no allocation): three padded
        // numbers interpolated were most of writing a record's date for the ledger.
        return String(unsafeUninitializedCapacity: 10) { text in
            func put(_ value: Int, at start: Int, width: Int) {
                var rest = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    text[start + offset] = UInt8(truncatingIfNeeded: 0x30 + rest % 10)
                    rest /= 10
                }
            }
            put(year, at: 0, width: 4)
            put(month, at: 5, width: 2)
            put(day, at: 8, width: 2)
            text[4] = 0x2D
            text[7] = 0x2D
            return 10
        }
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// The first and last day of a year.
    public static func firstDay(ofYear year: Int) -> CalendarDate? { CalendarDate(year: year, month: 1, day: 1) }
    public static func lastDay(ofYear year: Int) -> CalendarDate? { CalendarDate(year: year, month: 12, day: 31) }

    /// Whether `year` is a Gregorian leap year.
    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// The number of days in a month (0 for a month outside 1–12).
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: 31
        case 4, 6, 9, 11: 30
        case 2: isLeapYear(year) ? 29 : 28
        default: 0
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// A day of the week, Monday first as in China.
public enum Weekday: Int, Sendable, CaseIterable {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

    /// Saturday or Sunday.
    public var isWeekend: Bool { self == .saturday || self == .sunday }

    /// 周一 … 周日.
    public var chineseName: String {
        ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][rawValue - 1]
    }
}
