import Testing
import WorkingDayCalendar

/// The counting rule on a small calendar made for the test: January 2030 with made-up exceptions.
@Suite("WorkingDayCalendar counting rule")
struct WorkingDayCalendarTests {
    static func date(_ text: String) -> CalendarDate {
        (try? CalendarDate.parse(text)) ?? CalendarDate(dayNumber: 0)
    }

    /// 2030-01-01 is a Tuesday. Tue Jan 1 and Wed Jan 2 off; Sat Jan 5 a make-up working day.
    static func january2030() throws -> WorkingDayCalendar {
        try WorkingDayCalendar(
            coverage: date("2030-01-01")...date("2030-01-31"),
            daysOff: [date("2030-01-01"): "元旦", date("2030-01-02"): "元旦"],
            makeUpWorkingDays: [date("2030-01-05"): "元旦"])
    }

    @Test("day kinds: ordinary, weekend, day off, make-up working day")
    func kinds() throws {
        let calendar = try Self.january2030()
        #expect(try calendar.kind(of: Self.date("2030-01-01")) == .dayOff(holiday: "元旦"))
        #expect(try calendar.kind(of: Self.date("2030-01-03")) == .ordinaryWorkingDay)
        #expect(try calendar.kind(of: Self.date("2030-01-05")) == .makeUpWorkingDay(holiday: "元旦"))
        #expect(try calendar.kind(of: Self.date("2030-01-06")) == .weekend)
        #expect(try calendar.isWorkingDay(Self.date("2030-01-05")))
        #expect(try !calendar.isWorkingDay(Self.date("2030-01-06")))
    }

    @Test("the decision day is never counted, whatever kind of day it is")
    func decisionDayNotCounted() throws {
        let calendar = try Self.january2030()
        // A working day (Thu Jan 3): day 1 is Fri Jan 4.
        #expect(try calendar.deadline(after: Self.date("2030-01-03"), workingDays: 1) == Self.date("2030-01-04"))
        // A day off (Tue Jan 1): day 1 is Thu Jan 3.
        #expect(try calendar.deadline(after: Self.date("2030-01-01"), workingDays: 1) == Self.date("2030-01-03"))
        // A make-up working day (Sat Jan 5): day 1 is Mon Jan 7.
        #expect(try calendar.deadline(after: Self.date("2030-01-05"), workingDays: 1) == Self.date("2030-01-07"))
        // A weekend day (Sun Jan 6): day 1 is Mon Jan 7.
        #expect(try calendar.deadline(after: Self.date("2030-01-06"), workingDays: 1) == Self.date("2030-01-07"))
        // The make-up Saturday counts when it follows the decision: Thu Jan 3 → Fri 4 (1), Sat 5 (2), Mon 7 (3).
        #expect(try calendar.deadline(after: Self.date("2030-01-03"), workingDays: 3) == Self.date("2030-01-07"))
    }

    @Test("the explanation lists every day after the decision up to the deadline, numbered")
    func explanation() throws {
        let explained = try Self.january2030().explainDeadline(after: Self.date("2030-01-01"), workingDays: 3)
        #expect(explained.days.map(\.date.description) == ["2030-01-02", "2030-01-03", "2030-01-04", "2030-01-05"])
        #expect(explained.days.map(\.workingDayNumber) == [nil, 1, 2, 3])
        #expect(explained.days.map(\.kind.reason) == ["元旦", "工作日", "工作日", "调休上班（元旦）"])
        #expect(explained.deadline == Self.date("2030-01-05"))
    }

    @Test("counts are refused outside coverage, never assumed holiday-free")
    func coverage() throws {
        let calendar = try Self.january2030()
        // Jan 31 is a Thursday: one working day after Jan 30 is Jan 31, two would need February.
        #expect(try calendar.deadline(after: Self.date("2030-01-30"), workingDays: 1) == Self.date("2030-01-31"))
        #expect(throws: WorkingDayCalendarError.countRunsPastCoverage(
            decision: Self.date("2030-01-30"), workingDays: 2, coverage: calendar.coverage)
        ) {
            try calendar.deadline(after: Self.date("2030-01-30"), workingDays: 2)
        }
        #expect(throws: WorkingDayCalendarError.notCovered(Self.date("2029-12-31"), coverage: calendar.coverage)) {
            try calendar.deadline(after: Self.date("2029-12-31"), workingDays: 1)
        }
        #expect(throws: WorkingDayCalendarError.notCovered(Self.date("2030-02-01"), coverage: calendar.coverage)) {
            try calendar.kind(of: Self.date("2030-02-01"))
        }
        #expect(throws: WorkingDayCalendarError.nonPositiveCount(0)) {
            try calendar.deadline(after: Self.date("2030-01-03"), workingDays: 0)
        }
    }

    @Test("a count past the coverage says how far it got: the deadline lies after the last covered date, the k-th working day after it")
    func reachPastCoverage() throws {
        let calendar = try Self.january2030()  // ends Thu 2030-01-31, a working day
        // Within the coverage: the deadline itself (Jan 23, 24, 25, 28, 29, 30, 31).
        #expect(try calendar.reachDeadline(after: Self.date("2030-01-22"), workingDays: 7) == .due(Self.date("2030-01-31")))
        // Six working days counted up to Jan 31: the 7th is the first working day after it.
        #expect(try calendar.reachDeadline(after: Self.date("2030-01-23"), workingDays: 7) == .beyondCoverage(after: Self.date("2030-01-31"), remaining: 1))
        #expect(try calendar.reachDeadline(after: Self.date("2030-01-29"), workingDays: 7) == .beyondCoverage(after: Self.date("2030-01-31"), remaining: 5))
        // Decided on the last covered day, or after it: nothing counted yet.
        #expect(try calendar.reachDeadline(after: Self.date("2030-01-31"), workingDays: 7) == .beyondCoverage(after: Self.date("2030-01-31"), remaining: 7))
        #expect(try calendar.reachDeadline(after: Self.date("2030-02-02"), workingDays: 3) == .beyondCoverage(after: Self.date("2030-02-02"), remaining: 3))
        // Before the coverage, or N ≤ 0: refused as the deadline is.
        #expect(throws: WorkingDayCalendarError.notCovered(Self.date("2029-12-31"), coverage: calendar.coverage)) {
            try calendar.reachDeadline(after: Self.date("2029-12-31"), workingDays: 7)
        }
        #expect(throws: WorkingDayCalendarError.nonPositiveCount(0)) { try calendar.reachDeadline(after: Self.date("2030-01-03"), workingDays: 0) }
        // Where the deadline itself is reachable, the two agree.
        for day in 1...31 {
            let decided = try #require(CalendarDate(year: 2030, month: 1, day: day))
            if let due = try? calendar.deadline(after: decided, workingDays: 3) {
                #expect(try calendar.reachDeadline(after: decided, workingDays: 3) == .due(due))
            } else if case .due = try calendar.reachDeadline(after: decided, workingDays: 3) {
                Issue.record("\(decided): a due date where the deadline cannot be counted")
            }
        }
    }

    @Test("working days in (from, to] are signed and exclude the start")
    func workingDays() throws {
        let calendar = try Self.january2030()
        #expect(try calendar.workingDays(from: Self.date("2030-01-01"), to: Self.date("2030-01-07")) == 4)
        #expect(try calendar.workingDays(from: Self.date("2030-01-07"), to: Self.date("2030-01-01")) == -4)
        #expect(try calendar.workingDays(from: Self.date("2030-01-03"), to: Self.date("2030-01-03")) == 0)
        #expect(throws: WorkingDayCalendarError.self) {
            try calendar.workingDays(from: Self.date("2030-01-03"), to: Self.date("2030-02-03"))
        }
    }

    @Test("inconsistent exceptions are refused")
    func inconsistent() {
        let range = Self.date("2030-01-01")...Self.date("2030-01-31")
        #expect(throws: WorkingDayCalendarError.inconsistentException(Self.date("2030-01-07"))) {
            try WorkingDayCalendar(coverage: range, daysOff: [:], makeUpWorkingDays: [Self.date("2030-01-07"): "x"])
        }
        #expect(throws: WorkingDayCalendarError.inconsistentException(Self.date("2030-01-05"))) {
            try WorkingDayCalendar(
                coverage: range, daysOff: [Self.date("2030-01-05"): "x"], makeUpWorkingDays: [Self.date("2030-01-05"): "x"])
        }
    }
}
