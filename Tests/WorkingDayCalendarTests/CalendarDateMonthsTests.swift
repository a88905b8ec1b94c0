import Testing
import WorkingDayCalendar

@Suite("CalendarDate adding months")
struct CalendarDateMonthsTests {
    @Test(
        "the same day N months later, clamped to the end of a shorter month",
        arguments: [
            ("2024-01-31", 1, "2024-02-29"), ("2023-01-31", 1, "2023-02-28"), ("2024-02-29", 12, "2025-02-28"),
            ("2024-02-29", 48, "2028-02-29"), ("2023-05-31", 1, "2023-06-30"), ("2026-03-31", 3, "2026-06-30"),
            ("2023-11-30", 3, "2024-02-29"), ("2019-12-15", 1, "2020-01-15"), ("2023-05-01", 36, "2026-05-01"),
            ("2023-04-30", 12, "2024-04-30"), ("2020-08-31", 0, "2020-08-31"),
            // Backwards.
            ("2024-03-31", -1, "2024-02-29"), ("2020-01-15", -1, "2019-12-15"), ("2021-01-31", -13, "2019-12-31"),
            ("2023-03-31", -25, "2021-02-28"),
        ])
    func examples(start: String, months: Int, expected: String) throws {
        #expect(try CalendarDate.parse(start).adding(months: months).description == expected)
    }

    @Test("for every day of 2019–2031 and -40…40 months: month and year move by N, the day is kept or clamped, never overflows")
    func everyDay() throws {
        let first = try CalendarDate.parse("2019-01-01").dayNumber
        let last = try CalendarDate.parse("2031-12-31").dayNumber
        var failures: [String] = []
        for number in first...last {
            let date = CalendarDate(dayNumber: number)
            for months in -40...40 {
                let result = date.adding(months: months)
                let monthsMoved = (result.year * 12 + result.month) - (date.year * 12 + date.month)
                let day = min(date.day, CalendarDate.daysInMonth(year: result.year, month: result.month))
                let roundTrips = date.day > 28 || result.adding(months: -months) == date
                if monthsMoved != months || result.day != day || !roundTrips { failures.append("\(date) + \(months) = \(result)") }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }

    @Test("beyond years 1–9999 the proleptic calendar continues, as init(dayNumber:) does")
    func outsideTheYearRange() throws {
        let last = try CalendarDate.parse("9999-12-31")
        let later = last.adding(months: 1)
        #expect((later.year, later.month, later.day) == (10000, 1, 31))
        #expect(later.dayNumber == last.dayNumber + 31)
        let first = try CalendarDate.parse("0001-01-01")
        let earlier = first.adding(months: -1)
        #expect((earlier.year, earlier.month, earlier.day) == (0, 12, 1))
        #expect(earlier.dayNumber == first.dayNumber - 31)
        // Year 0 is a leap year in the proleptic calendar (divisible by 400).
        let february = try CalendarDate.parse("0001-03-31").adding(months: -13)
        #expect((february.year, february.month, february.day) == (0, 2, 29))
    }
}
