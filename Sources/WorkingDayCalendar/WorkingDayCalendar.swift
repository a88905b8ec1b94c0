/// The working-day calendar: the Monday–Friday week changed by the official exceptions.
///
/// A date is a working day if it is Monday–Friday and not an official day off (放假), or if it is
/// a Saturday or Sunday declared a working day (调休上班). The exceptions come from the State
/// Council's yearly notices, loaded as data; this type only knows the rule.
///
/// The calendar knows exactly which dates it covers. Asking about any other date is an error,
/// never an assumption that there are no holidays there.
///
/// ```swift
/// let calendar = try WorkingDayCalendar(coverage: first...last, daysOff: offs, makeUpWorkingDays: makeUps)
/// try calendar.deadline(after: decisionDate, workingDays: 7)
/// ```
public struct WorkingDayCalendar: Sendable {
    /// The first and last covered dates.
    public let coverage: ClosedRange<CalendarDate>

    /// The kind of every covered day, indexed by `dayNumber - coverage.lowerBound.dayNumber`.
    private let kinds: [DayKind]
    /// `workingBefore[i]`: how many working days `kinds[0..<i]` holds, so that a count between
    /// two dates is one subtraction (the reckoning counts overdue days for every decision).
    private let workingBefore: [Int32]

    /// Creates a calendar.
    ///
    /// - Parameters:
    ///   - coverage: the dates for which the exceptions are complete.
    ///   - daysOff: Monday–Friday dates that are days off, with the holiday's name.
    ///   - makeUpWorkingDays: Saturdays and Sundays that are working days, with the holiday's name.
    /// - Throws: ``WorkingDayCalendarError/inconsistentException(_:)`` when a date is in both
    ///   lists or a make-up working day is not a weekend day. Exceptions outside `coverage` are
    ///   ignored (a year's notice can reach into the previous December).
    public init(
        coverage: ClosedRange<CalendarDate>,
        daysOff: [CalendarDate: String],
        makeUpWorkingDays: [CalendarDate: String]
    ) throws(WorkingDayCalendarError) {
        for date in daysOff.keys where makeUpWorkingDays[date] != nil {
            throw .inconsistentException(date)
        }
        for date in makeUpWorkingDays.keys where !date.weekday.isWeekend {
            throw .inconsistentException(date)
        }
        self.coverage = coverage
        let first = coverage.lowerBound.dayNumber
        self.kinds = (first...coverage.upperBound.dayNumber).map { number in
            let date = CalendarDate(dayNumber: number)
            if let name = daysOff[date] { return .dayOff(holiday: name) }
            if let name = makeUpWorkingDays[date] { return .makeUpWorkingDay(holiday: name) }
            return date.weekday.isWeekend ? .weekend : .ordinaryWorkingDay
        }
        var running: Int32 = 0
        var before: [Int32] = [0]
        before.reserveCapacity(kinds.count + 1)
        for kind in kinds {
            if kind.isWorkingDay { running += 1 }
            before.append(running)
        }
        self.workingBefore = before
    }

    /// Whether a date lies in ``coverage``.
    public func covers(_ date: CalendarDate) -> Bool { coverage.contains(date) }

    /// What kind of day a date is.
    ///
    /// - Throws: ``WorkingDayCalendarError/notCovered(_:coverage:)`` for a date outside ``coverage``.
    public func kind(of date: CalendarDate) throws(WorkingDayCalendarError) -> DayKind {
        guard covers(date) else { throw .notCovered(date, coverage: coverage) }
        return kinds[date.dayNumber - coverage.lowerBound.dayNumber]
    }

    /// Whether a date is a working day.
    ///
    /// - Throws: ``WorkingDayCalendarError/notCovered(_:coverage:)`` for a date outside ``coverage``.
    public func isWorkingDay(_ date: CalendarDate) throws(WorkingDayCalendarError) -> Bool {
        try kind(of: date).isWorkingDay
    }

    /// The working days in the half-open interval (`from`, `to`]: `from` itself is never counted.
    ///
    /// When `to` is before `from` the count is negative: `workingDays(from: a, to: b)` is
    /// `-workingDays(from: b, to: a)`. The result for `to == from` is 0.
    ///
    /// - Throws: ``WorkingDayCalendarError/notCovered(_:coverage:)`` when either date lies outside
    ///   ``coverage``.
    public func workingDays(from: CalendarDate, to: CalendarDate) throws(WorkingDayCalendarError) -> Int {
        for date in [from, to] where !covers(date) { throw .notCovered(date, coverage: coverage) }
        let (low, high, sign) = from <= to ? (from, to, 1) : (to, from, -1)
        let base = coverage.lowerBound.dayNumber
        // Working days in (low, high]: those before high + 1, less those before low + 1.
        let count = Int(workingBefore[high.dayNumber - base + 1] - workingBefore[low.dayNumber - base + 1])
        return sign * count
    }
}

/// What kind of day a date is, and why.
public enum DayKind: Sendable, Equatable {
    /// Monday–Friday with no exception: a working day.
    case ordinaryWorkingDay
    /// Saturday or Sunday with no exception: a day off.
    case weekend
    /// A Monday–Friday date made a day off (放假) by the notice of the named holiday.
    case dayOff(holiday: String)
    /// A Saturday or Sunday made a working day (调休上班) for the named holiday.
    case makeUpWorkingDay(holiday: String)

    /// Whether the day is a working day.
    public var isWorkingDay: Bool {
        switch self {
        case .ordinaryWorkingDay, .makeUpWorkingDay: true
        case .weekend, .dayOff: false
        }
    }

    /// Why the day counts or not, in the words of the notices: 工作日, 周末, the holiday's name,
    /// or 调休上班（name）.
    public var reason: String {
        switch self {
        case .ordinaryWorkingDay: "工作日"
        case .weekend: "周末"
        case .dayOff(let holiday): holiday
        case .makeUpWorkingDay(let holiday): "调休上班（\(holiday)）"
        }
    }
}

/// Why the calendar cannot answer.
public enum WorkingDayCalendarError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A date outside the covered range was asked about.
    case notCovered(CalendarDate, coverage: ClosedRange<CalendarDate>)
    /// A count of `workingDays` after `decision` would run past the last covered date.
    case countRunsPastCoverage(decision: CalendarDate, workingDays: Int, coverage: ClosedRange<CalendarDate>)
    /// A count was asked for zero or fewer working days.
    case nonPositiveCount(Int)
    /// An exception is both a day off and a working day, or a make-up working day is not a weekend day.
    case inconsistentException(CalendarDate)

    /// A stable code for reports and scripts.
    public var code: String {
        switch self {
        case .notCovered, .countRunsPastCoverage: "calendar-coverage-exceeded"
        case .nonPositiveCount: "working-days-invalid"
        case .inconsistentException: "calendar-inconsistent"
        }
    }

    /// The message for people, in Chinese, naming the covered range.
    public var description: String {
        switch self {
        case .notCovered(let date, let coverage):
            "\(date) 不在节假日日历的覆盖范围（\(coverage.lowerBound) 至 \(coverage.upperBound)）内"
        case .countRunsPastCoverage(let decision, let n, let coverage):
            "从 \(decision) 起数 \(n) 个工作日会超出节假日日历的覆盖范围（\(coverage.lowerBound) 至 \(coverage.upperBound)）"
        case .nonPositiveCount(let n):
            "工作日天数应为正整数，而不是 \(n)"
        case .inconsistentException(let date):
            "\(date) 的节假日安排自相矛盾"
        }
    }
}
