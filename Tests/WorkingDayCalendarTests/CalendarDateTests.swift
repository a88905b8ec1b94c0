import Testing
import WorkingDayCalendar

@Suite("CalendarDate")
struct CalendarDateTests {
    @Test("day numbers round-trip for every day of 1900–2100")
    func dayNumbersRoundTrip() throws {
        let first = try #require(CalendarDate(year: 1900, month: 1, day: 1)).dayNumber
        let last = try #require(CalendarDate(year: 2100, month: 12, day: 31)).dayNumber
        var previous: CalendarDate?
        for number in first...last {
            let date = CalendarDate(dayNumber: number)
            #expect(date.dayNumber == number)
            #expect(CalendarDate(year: date.year, month: date.month, day: date.day) == date)
            if let previous { #expect(previous < date) }
            previous = date
        }
        #expect(CalendarDate(dayNumber: 0).description == "1970-01-01")
    }

    @Test("every day of 1900–2100 written YYYY-MM-DD reads back as itself, in both formats; the day after each month's last does not")
    func plainDatesReadBack() throws {
        let first = try #require(CalendarDate(year: 1900, month: 1, day: 1)).dayNumber
        let last = try #require(CalendarDate(year: 2100, month: 12, day: 31)).dayNumber
        for number in first...last {
            let date = CalendarDate(dayNumber: number)
            #expect(try CalendarDate.parse(date.description) == date)
            #expect(try CalendarDate.parse(date.description, format: .iso) == date)
            if date.adding(days: 1).day == 1 {
                let past = "\(date.description.prefix(8))\(date.day + 1)"  // 29–32: two digits
                #expect(throws: CalendarDateParseError.self) { try CalendarDate.parse(past) }
            }
        }
    }

    @Test("a date is written with its year in four digits, month and day in two, zeros first; written with slashes it reads back in the lenient format only")
    func writtenAndSlashed() throws {
        let days = [1, 2, 3, 1899, 1900, 2024, 2100, 9997, 9998, 9999].flatMap { year -> [Int] in
            let first = CalendarDate(year: year, month: 1, day: 1)!.dayNumber
            return Array(first...CalendarDate(year: year, month: 12, day: 31)!.dayNumber)
        } + Array(stride(from: CalendarDate(year: 1, month: 1, day: 1)!.dayNumber, through: CalendarDate(year: 9999, month: 12, day: 31)!.dayNumber, by: 97))
        for number in days {
            let date = CalendarDate(dayNumber: number)
            // (Not `String(format:)`: importing Foundation here changes which `contains` the tests below call.)
            func padded(_ value: Int, _ width: Int) -> String { String(repeating: "0", count: width - String(value).count) + String(value) }
            let expected = "\(padded(date.year, 4))-\(padded(date.month, 2))-\(padded(date.day, 2))"
            #expect(date.description == expected)
            let slashed = expected.replacing("-", with: "/")
            #expect(try CalendarDate.parse(slashed) == date, "\(slashed)")
            #expect(throws: CalendarDateParseError.self) { try CalendarDate.parse(slashed, format: .iso) }
        }
        // Not a day: refused with its reason, slashed as dashed.
        for text in ["2023/02/29", "2024/13/01", "2024/00/10", "0000/01/01", "2024/04/31"] {
            #expect(throws: CalendarDateParseError.self) { try CalendarDate.parse(text) }
            #expect(throws: CalendarDateParseError.self) { try CalendarDate.parse(text.replacing("/", with: "-")) }
        }
    }

    @Test(
        "weekdays of known dates",
        arguments: [
            ("1970-01-01", Weekday.thursday), ("2020-01-23", .thursday), ("2020-02-01", .saturday),
            ("2021-02-20", .saturday), ("2025-10-11", .saturday), ("2026-12-31", .thursday),
            ("2000-02-29", .tuesday), ("1900-03-01", .thursday),
        ])
    func weekdays(text: String, weekday: Weekday) throws {
        #expect(try CalendarDate.parse(text).weekday == weekday)
    }

    @Test("leap years follow the Gregorian rule")
    func leapYears() {
        #expect(CalendarDate(year: 2000, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 1900, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 2100, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 2023, month: 2, day: 29) == nil)
    }

    @Test(
        "accepted forms",
        arguments: [
            ("2020-01-23", "2020-01-23"), ("2020/01/23", "2020-01-23"), ("2020/1/23", "2020-01-23"),
            ("2020-1-3", "2020-01-03"), ("2099/12/31", "2099-12-31"),
        ])
    func acceptedForms(text: String, expected: String) throws {
        #expect(try CalendarDate.parse(text).description == expected)
    }

    @Test(
        "rejected forms name the problem",
        arguments: [
            ("2020-02-30", "date-impossible", "2020年2月只有29天"), ("2021-02-29", "date-impossible", "2021年2月只有28天"),
            ("2020-13-01", "date-impossible", "月份应为 1–12"), ("2020-04-31", "date-impossible", "2020年4月只有30天"),
            ("2020-00-10", "date-impossible", "月份"), ("0000-01-01", "date-impossible", "年份"),
            ("2020/01-23", "date-malformed", "YYYY/MM/DD"), ("20200123", "date-malformed", "YYYY-MM-DD"),
            ("2020-1a-03", "date-malformed", ""), ("", "date-malformed", ""), ("today", "date-malformed", ""),
            ("2020-001-01", "date-malformed", ""), ("20-01-01", "date-malformed", ""), ("２０２０-01-01", "date-malformed", ""),
        ])
    func rejectedForms(text: String, code: String, fragment: String) {
        #expect {
            _ = try CalendarDate.parse(text)
        } throws: { error in
            guard let error = error as? CalendarDateParseError else { return false }
            return error.code == code && error.description.contains(fragment) && error.description.contains("“\(text)”")
        }
    }

    @Test("the strict ISO form, used in calendar files, wants two-digit months and days and a dash")
    func strictISO() throws {
        #expect(try CalendarDate.parse("2020-01-23", format: .iso).description == "2020-01-23")
        #expect(throws: CalendarDateParseError.self) { try CalendarDate.parse("2020-1-23", format: .iso) }
        #expect(throws: CalendarDateParseError.self) { try CalendarDate.parse("2020/01/23", format: .iso) }
    }

    @Test(
        "the Shanghai date at instants around midnight (UTC+08:00)",
        arguments: [
            (1_795_967_999 as Int64, "2026-11-29"),  // 2026-11-29T15:59:59Z = 23:59:59 in Shanghai
            (1_795_968_000, "2026-11-30"),  // 2026-11-29T16:00:00Z = 00:00:00 on the 30th
            (1_767_196_799, "2025-12-31"),  // 2025-12-31T15:59:59Z
            (1_767_196_800, "2026-01-01"),  // 2025-12-31T16:00:00Z: New Year in Shanghai, still 2025 in UTC
            (0, "1970-01-01"), (-28_800, "1970-01-01"), (-28_801, "1969-12-31"),
            (1_759_941_000, "2025-10-09"),  // 2025-10-08T16:30:00Z, the architecture's example
        ])
    func shanghaiDate(seconds: Int64, expected: String) {
        #expect(CalendarDate.inShanghai(secondsSince1970: seconds).description == expected)
    }
}
