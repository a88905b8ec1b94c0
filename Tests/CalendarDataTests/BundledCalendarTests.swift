import BundledSchemas
import CalendarData
import Foundation
import GongshiTesting
import Testing
import WorkingDayCalendar

/// The calendar shipped with gongshi: complete, clean, and equal to an independent public copy.
@Suite("Bundled calendar 2019–2026")
struct BundledCalendarTests {
    static func bundled() throws -> WorkingDayCalendar {
        let loaded = CalendarLoader.load(directory: nil)
        #expect(loaded.issues.isEmpty, "\(loaded.issues)")
        return try #require(loaded.calendar)
    }

    @Test("the binary embeds exactly the files in schemas/calendars")
    func embeddedEqualsFiles() throws {
        let folder = Fixtures.root.appendingPathComponent("schemas/calendars")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names == (2019...2026).map { "\($0).yaml" })
        let embedded = BundledSchemas.files(in: "calendars")
        #expect(embedded.map(\.name) == names)
        for file in embedded {
            let onDisk = try String(contentsOf: folder.appendingPathComponent(file.name), encoding: .utf8)
            #expect(file.text == onDisk, "\(file.name) differs from the embedded copy")
        }
    }

    @Test("covers 2019-01-01 to 2026-12-31 and loads without any issue")
    func coverage() throws {
        let calendar = try Self.bundled()
        #expect(calendar.coverage.lowerBound.description == "2019-01-01")
        #expect(calendar.coverage.upperBound.description == "2026-12-31")
    }

    @Test("every day 2019–2026 agrees with chinese-calendar 1.11.0, an independent public copy")
    func agreesWithIndependentCopy() throws {
        let calendar = try Self.bundled()
        var oracle: [CalendarDate: Bool] = [:]
        for row in try Fixtures.tableRows("calendars/oracle-chinese-calendar-1.11.0.txt") {
            let columns = row.split(separator: " ")
            oracle[try CalendarDate.parse(String(columns[0]))] = columns[1] == "work"
        }
        #expect(oracle.count == 198)
        var date = calendar.coverage.lowerBound
        var mismatches: [String] = []
        while date <= calendar.coverage.upperBound {
            let expected = oracle[date] ?? !date.weekday.isWeekend
            if try calendar.isWorkingDay(date) != expected { mismatches.append(date.description) }
            date = date.adding(days: 1)
        }
        #expect(mismatches.isEmpty, "days that disagree: \(mismatches)")
    }

    @Test(
        "each year has the notice's number of weekday days off and weekend working days",
        arguments: [
            (2019, 17, 6), (2020, 19, 6), (2021, 18, 7), (2022, 18, 7), (2023, 18, 7), (2024, 19, 8),
            (2025, 18, 5), (2026, 19, 6),
        ])
    func countsPerYear(year: Int, daysOff: Int, makeUps: Int) throws {
        let calendar = try Self.bundled()
        var date = try #require(CalendarDate.firstDay(ofYear: year))
        var (off, work) = (0, 0)
        while date.year == year {
            switch try calendar.kind(of: date) {
            case .dayOff: off += 1
            case .makeUpWorkingDay: work += 1
            default: break
            }
            date = date.adding(days: 1)
        }
        #expect(off == daysOff)
        #expect(work == makeUps)
    }

    @Test("2020: the Spring Festival extension is in force and the Feb 1 make-up day is cancelled")
    func springFestival2020() throws {
        let calendar = try Self.bundled()
        #expect(try calendar.kind(of: CalendarDate.parse("2020-01-31")) == .dayOff(holiday: "春节"))
        #expect(try calendar.kind(of: CalendarDate.parse("2020-02-01")) == .weekend)
        #expect(try calendar.kind(of: CalendarDate.parse("2020-02-02")) == .weekend)
        #expect(try calendar.kind(of: CalendarDate.parse("2020-01-19")) == .makeUpWorkingDay(holiday: "春节"))
        #expect(try calendar.kind(of: CalendarDate.parse("2020-02-03")) == .ordinaryWorkingDay)
    }

    @Test("merged 中秋/国庆 holidays carry the notice's combined name")
    func mergedHolidayNames() throws {
        let calendar = try Self.bundled()
        #expect(try calendar.kind(of: CalendarDate.parse("2020-10-08")) == .dayOff(holiday: "国庆节、中秋节"))
        #expect(try calendar.kind(of: CalendarDate.parse("2023-09-29")) == .dayOff(holiday: "中秋节、国庆节"))
        #expect(try calendar.kind(of: CalendarDate.parse("2025-10-11")) == .makeUpWorkingDay(holiday: "国庆节、中秋节"))
    }
}
