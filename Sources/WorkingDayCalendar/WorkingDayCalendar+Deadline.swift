/// A deadline counted day by day, for `gongshi calendar explain` and reports.
public struct DeadlineExplanation: Sendable, Equatable {
    /// One day after the decision date, and whether and how it counts.
    public struct Day: Sendable, Equatable {
        public let date: CalendarDate
        public let kind: DayKind
        /// The number of this working day in the count (1…N), or `nil` when the day does not count.
        public let workingDayNumber: Int?
    }

    /// The decision date; never counted.
    public let decisionDate: CalendarDate
    /// The number of working days allowed.
    public let workingDays: Int
    /// Every day from the day after the decision date up to and including the deadline.
    public let days: [Day]

    /// The last day on which the record is on time: working day number ``workingDays``.
    public var deadline: CalendarDate { days.last?.date ?? decisionDate }
}

extension WorkingDayCalendar {
    /// The disclosure deadline: the `workingDays`-th working day after the decision date.
    ///
    /// The decision day itself is never counted, whatever kind of day it is (《民法典》第二百零一条:
    /// "开始的当日不计入"); day 1 is the first working day after it.
    ///
    /// - Parameters:
    ///   - decisionDate: the decision date (处罚决定日期 / 许可决定日期).
    ///   - workingDays: N, at least 1; the 双公示 rule is 7.
    /// - Returns: the deadline, always a working day.
    /// - Throws: ``WorkingDayCalendarError/notCovered(_:coverage:)`` when the decision date is
    ///   outside the covered range, ``WorkingDayCalendarError/countRunsPastCoverage(decision:workingDays:coverage:)``
    ///   when the count would run past its last date, and
    ///   ``WorkingDayCalendarError/nonPositiveCount(_:)`` for N ≤ 0.
    public func deadline(after decisionDate: CalendarDate, workingDays: Int) throws(WorkingDayCalendarError)
        -> CalendarDate
    {
        try explainDeadline(after: decisionDate, workingDays: workingDays).deadline
    }

    /// The deadline with every day of the count and why it counts or not.
    ///
    /// - Throws: as ``deadline(after:workingDays:)``.
    public func explainDeadline(after decisionDate: CalendarDate, workingDays: Int) throws(WorkingDayCalendarError)
        -> DeadlineExplanation
    {
        guard workingDays > 0 else { throw .nonPositiveCount(workingDays) }
        guard covers(decisionDate) else { throw .notCovered(decisionDate, coverage: coverage) }
        var days: [DeadlineExplanation.Day] = []
        var counted = 0
        var date = decisionDate
        while counted < workingDays {
            date = date.adding(days: 1)
            guard covers(date) else {
                throw .countRunsPastCoverage(decision: decisionDate, workingDays: workingDays, coverage: coverage)
            }
            let kind = try self.kind(of: date)
            if kind.isWorkingDay { counted += 1 }
            days.append(.init(date: date, kind: kind, workingDayNumber: kind.isWorkingDay ? counted : nil))
        }
        return DeadlineExplanation(decisionDate: decisionDate, workingDays: workingDays, days: days)
    }
}

/// How far the calendar reaches towards a deadline: the deadline itself, or — when the count runs
/// past the covered range — the last date the count could reach and how many working days were
/// still to count after it. The deadline is then known to lie after that date, whatever the next
/// year's arrangement turns out to be.
public enum DeadlineReach: Sendable, Equatable {
    /// The deadline: the N-th working day after the decision date, inside the coverage.
    case due(CalendarDate)
    /// The deadline is the `remaining`-th working day after `after` (1…N), a day the calendar
    /// does not cover. `after` is the coverage's last date, or the decision date when that lies
    /// past it (then `remaining` is N).
    case beyondCoverage(after: CalendarDate, remaining: Int)
}

extension WorkingDayCalendar {
    /// The deadline, or how far towards it the calendar reaches: one answer for the run, `ledger
    /// status`, the report and the console about a deadline past the coverage.
    ///
    /// - Throws: ``WorkingDayCalendarError/notCovered(_:coverage:)`` for a decision date before the
    ///   coverage, ``WorkingDayCalendarError/nonPositiveCount(_:)`` for N ≤ 0. (A count that runs
    ///   past the coverage is not an error here: it is ``DeadlineReach/beyondCoverage(after:remaining:)``.)
    public func reachDeadline(after decisionDate: CalendarDate, workingDays: Int) throws(WorkingDayCalendarError) -> DeadlineReach {
        guard workingDays > 0 else { throw .nonPositiveCount(workingDays) }
        guard decisionDate >= coverage.lowerBound else { throw .notCovered(decisionDate, coverage: coverage) }
        let end = coverage.upperBound
        guard decisionDate < end else { return .beyondCoverage(after: decisionDate, remaining: workingDays) }
        let counted = try self.workingDays(from: decisionDate, to: end)
        guard counted >= workingDays else { return .beyondCoverage(after: end, remaining: workingDays - counted) }
        return .due(try deadline(after: decisionDate, workingDays: workingDays))
    }

}
