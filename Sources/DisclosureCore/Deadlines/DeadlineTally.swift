public import WorkingDayCalendar

/// Where one decision stands on one portal today. One definition, used by the run's summary,
/// `ledger status` and the reports alike.
public enum DeadlineState: String, Sendable, CaseIterable, Codable {
    /// Published on or before its due date.
    case onTime = "on_time"
    /// Published after its due date.
    case late
    /// Not published (a staged, unconfirmed batch is not published) and past its due date.
    case overdue
    /// Not published; due today or on the next working day.
    case dueSoon = "due_by_next_working_day"
    /// Not published; due later.
    case notYetDue = "not_yet_due"
    /// No deadline can be set: no readable decision date, or a date before the calendar's first year.
    /// (A deadline past the calendar's last year is still known to lie after it: see ``of(_:today:calendar:workingDays:)``.)
    case noDeadline = "no_deadline"
    /// The deadline lies past the calendar's last year and today is past it too (not published, or
    /// published after the calendar's last day): whether it is overdue (late) cannot be told until
    /// the next year's calendar is added.
    case calendarEnded = "calendar_ended"
    /// Not to be published on this portal (the profile leaves it out, the rules exclude it, withdrawn).
    case notToPublish = "not_to_publish"

    /// Its place in `allCases` (counts kept in arrays are indexed by it).
    public var ordinal: Int {
        switch self {
        case .onTime: 0
        case .late: 1
        case .overdue: 2
        case .dueSoon: 3
        case .notYetDue: 4
        case .noDeadline: 5
        case .calendarEnded: 6
        case .notToPublish: 7
        }
    }

    public var title: String {
        switch self {
        case .onTime: "按时公示"
        case .late: "逾期后公示"
        case .overdue: "逾期未公示"
        case .dueSoon: "明天前到期"
        case .notYetDue: "未到期"
        case .noDeadline: "无截止日期"
        case .calendarEnded: "日历未覆盖、无法判断"
        case .notToPublish: "不予公示"
        }
    }

    /// The law's working days (《关于进一步做好"双公示"工作的通知》: 7), for a portal that sets none.
    public static let lawsWorkingDays = 7

    /// The state of one decision on one portal, and (overdue, due soon) how many working days.
    ///
    /// A row without a due date is reckoned from its decision date and `workingDays` (the
    /// portal's N) on the calendar (``DecisionDeadline/reach(calendar:workingDays:)``): the due date
    /// when the calendar reaches it; when the count runs past the coverage, the deadline is still
    /// known to lie after the coverage's end — published by then, it is on time; not published
    /// while today is within the coverage, not yet due, or due by the next working day when only the
    /// last working day is left to count and no working day of the coverage follows today. Only
    /// past the coverage (today, or the day it was published) is it `calendarEnded`.
    public static func of(_ row: DecisionDeadline, today: CalendarDate, calendar: WorkingDayCalendar, workingDays: Int)
        -> (DeadlineState, workingDays: Int?)
    {
        let reach = row.reach(calendar: calendar, workingDays: workingDays)
        // A decision published stays as it was published, on time or late, whatever came after:
        // taken down (withdrawn, revoked) or, read again, no longer to be published (its period
        // ended: the exclusion a record read after its period's end carries). Its 及时率 and
        // 完整率 do not change with the day its file happens to be read again.
        if let published = row.publishedOn.flatMap({ try? CalendarDate.parse($0) }) {
            switch reach {
            case nil: return (.noDeadline, nil)
            case .due(let due): return (published <= due ? .onTime : .late, nil)
            // The deadline lies after `after`: published by then, it was on time whatever it is.
            case .beyondCoverage(let after, _): return (published <= after ? .onTime : .calendarEnded, nil)
            }
        }
        if row.exclusion != nil { return (.notToPublish, nil) }
        // A revoked decision is no longer to be published (its withdrawal is tracked apart).
        if row.revokedOn != nil { return (.notToPublish, nil) }
        if row.withdrawn { return (.notToPublish, nil) }
        switch reach {
        case nil:
            return (.noDeadline, nil)
        case .beyondCoverage(let after, let remaining):
            // The deadline lies past the calendar's end: not yet due while today is within it —
            // unless the deadline is the first working day after the coverage and no working day
            // of the coverage is left after today: then it is the next working day.
            if today > calendar.coverage.upperBound { return (.calendarEnded, nil) }
            if remaining == 1, calendar.covers(after), today <= after, (try? calendar.workingDays(from: today, to: after)) == 0 {
                return (.dueSoon, 1)
            }
            return (.notYetDue, nil)
        case .due(let due):
            if today > due {
                return (.overdue, (try? calendar.workingDays(from: due, to: today)).map { max(1, $0) })
            }
            guard let count = try? calendar.workingDays(from: today, to: due) else { return (.notYetDue, nil) }
            return (count <= 1 ? .dueSoon : .notYetDue, count)
        }
    }
}

extension DecisionDeadline {
    /// How far the calendar reaches towards this row's deadline on its portal (N = `workingDays`):
    /// the register's due date, or the one the calendar gives for the decision date, or how far
    /// past the coverage it lies (``WorkingDayCalendar/reachDeadline(after:workingDays:)``);
    /// `nil` with no readable decision date, or one before the calendar's first year.
    public func reach(calendar: WorkingDayCalendar, workingDays: Int) -> DeadlineReach? {
        if let due = dueOn.flatMap({ try? CalendarDate.parse($0) }) { return .due(due) }
        guard let decided = decisionDate.flatMap({ try? CalendarDate.parse($0) }) else { return nil }
        return try? calendar.reachDeadline(after: decided, workingDays: workingDays)
    }

    /// The row with the due date the calendar gives, when the register has none and the calendar
    /// reaches it (itself otherwise).
    public func completed(calendar: WorkingDayCalendar, workingDays: Int) -> DecisionDeadline {
        guard dueOn == nil, case .due(let due)? = reach(calendar: calendar, workingDays: workingDays) else { return self }
        var row = DecisionDeadline(
            kind: kind, number: number, portal: portal, pipeline: pipeline, decisionDate: decisionDate, dueOn: due.description,
            publishedOn: publishedOn, staged: staged, withdrawn: withdrawn, valid: valid, validAtFirst: validAtFirst,
            exclusion: exclusion, receivedOn: receivedOn, revokedOn: revokedOn, withdrawDueOn: withdrawDueOn, shown: shown)
        row.rejected = rejected
        return row
    }
}

/// A ratio with its parts, so every page shows the fraction as well as the percentage.
public struct Fraction: Sendable, Equatable, Codable {
    public var numerator: Int
    public var denominator: Int

    public init(_ numerator: Int, of denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }
}

/// The deadline counts and the three figures over a set of decisions, one row (decision × portal)
/// at a time, in decision order.
///
/// - 合规率 = decisions valid at their first submission ÷ decisions received (per decision);
/// - 及时率 = decision × portal published by the due date ÷ those due (published, or past the due date);
/// - 完整率 = decision × portal published ÷ those to be published.
public struct DeadlineTally: Sendable {
    /// How many rows are in each state.
    public var counts: [DeadlineState: Int] {
        Dictionary(uniqueKeysWithValues: DeadlineState.allCases.enumerated().map { ($1, byState[$0]) })
    }
    /// The counts in `DeadlineState.allCases` order (an array: a dictionary hashed the state on
    /// every row of the register, three times a row in a run).
    private var byState = [Int](repeating: 0, count: DeadlineState.allCases.count)
    public private(set) var decisions = 0
    /// Revoked decisions still published on a portal: past the day they had to be taken down by,
    /// and not yet past it.
    /// Where the decisions to be published stand, decision × portal: invalid and waiting for a
    /// corrected file; staged (in a batch the portal has not confirmed); published (withdrawn later included).
    public private(set) var waitingForCorrection = 0
    /// Refused by the portal record by record (its receipt), waiting for a corrected record.
    public private(set) var rejected = 0
    public private(set) var staged = 0
    public private(set) var withdrawalsOverdue = 0
    public private(set) var withdrawalsDue = 0
    public private(set) var validAtFirst = 0
    public private(set) var published = 0
    public private(set) var toPublish = 0
    /// Overdue and due-soon lines (decision number only: never a person's name), the first ``limit``.
    public private(set) var urgent: [String] = []
    /// Decisions whose deadline the calendar cannot reach, the first ``limit`` numbers.
    public private(set) var beyondCalendar: [String] = []
    public let limit: Int
    private var last: (kind: String, number: String)?

    public init(limit: Int = 1000) {
        self.limit = limit
    }

    /// A revoked decision the portal still shows: whether it is past the day it had to come down
    /// by (nil: not revoked, or not shown). (Shown: a publication confirmed after the decision's
    /// withdrawal counts as well.) The run, `ledger status` and the report count it alike.
    public static func revokedStillShown(_ row: DecisionDeadline, today: CalendarDate) -> Bool? {
        guard row.revokedOn != nil, row.shown else { return nil }
        guard let due = row.withdrawDueOn.flatMap({ try? CalendarDate.parse($0) }) else { return false }
        return today > due
    }

    public var compliance: Fraction { Fraction(validAtFirst, of: decisions) }
    public var timeliness: Fraction { Fraction(self[.onTime], of: self[.onTime] + self[.late] + self[.overdue]) }
    public var completeness: Fraction { Fraction(published, of: toPublish) }

    public subscript(_ state: DeadlineState) -> Int { byState[state.ordinal] }

    /// Counts a row, its due date the calendar's when the register lacks it (a calendar added since
    /// the row was recorded, read by a command that does not write it): its line names that date.
    public mutating func add(_ row: DecisionDeadline, today: CalendarDate, calendar: WorkingDayCalendar, workingDays: Int) {
        let row = row.dueOn == nil ? row.completed(calendar: calendar, workingDays: workingDays) : row
        add(row, reckoned: DeadlineState.of(row, today: today, calendar: calendar, workingDays: workingDays), today: today)
    }

    /// Counts a row whose state today is already worked out (`DeadlineState.of` of the same row,
    /// today and calendar): a report counts each row of the register in its own tally, its month's
    /// and the run's, and works out its state once.
    public mutating func add(_ row: DecisionDeadline, reckoned: (DeadlineState, workingDays: Int?), today: CalendarDate) {
        if last.map({ !$0.kind.sameBytes(row.kind) || !$0.number.sameBytes(row.number) }) ?? true {
            decisions += 1
            if row.validAtFirst { validAtFirst += 1 }
            last = (row.kind, row.number)
        }
        if let overdue = Self.revokedStillShown(row, today: today) {
            if overdue {
                withdrawalsOverdue += 1
                if urgent.count < limit {
                    urgent.append("撤销后逾期未撤下：\(row.portal) \(Issue.screened(row.number))（撤销于 \(row.revokedOn ?? "")，应于 \(row.withdrawDueOn ?? "") 前撤下）")
                }
            } else {
                withdrawalsDue += 1
            }
        }
        let (state, days) = reckoned
        byState[state.ordinal] += 1
        // To be published: a decision published (whatever came after, as its state says), or one
        // nothing keeps out.
        if row.publishedOn != nil || (row.exclusion == nil && !row.withdrawn && row.revokedOn == nil) {
            toPublish += 1
            if row.publishedOn != nil {
                published += 1
            } else if !row.valid {
                waitingForCorrection += 1
            } else if row.staged {
                staged += 1
            } else if row.rejected {
                rejected += 1
            }
        }
        // (A 文号 with an ID number typed into it: hidden here as the feeds hide it.)
        func number() -> String { Issue.screened(row.number) }
        switch state {
        case .overdue where urgent.count < limit:
            urgent.append("逾期\(days.map { " \($0) 个工作日" } ?? "")未公示：\(row.portal) \(number())（截止 \(row.dueOn ?? "")）")
        case .dueSoon where urgent.count < limit:
            // (No due date: the first working day after the calendar's coverage, which is the next.)
            urgent.append("\(days == 0 ? "今天到期" : "明天到期")：\(row.portal) \(number())（截止 \(row.dueOn ?? "\(today) 之后的下一个工作日，节假日日历尚未覆盖")）")
        case .calendarEnded where beyondCalendar.count < limit:
            beyondCalendar.append(number())
        default:
            break
        }
    }
}

extension String {
    /// Whether the two texts are the same bytes (UTF-8). The register's decision numbers come from
    /// the ledger, which tells them apart by their bytes; `==` compares by Unicode canonical
    /// equivalence, which for a number with Chinese characters read from the ledger (not known to
    /// be in normal form) normalizes both on every comparison: a row of the register was compared
    /// with the previous one three times in a run's reckoning.
    public func sameBytes(_ other: String) -> Bool {
        // Both lent in place when they are native (as texts read from the ledger are): the copies
        // `withUTF8` needs (it may make a text contiguous) retained and released both texts, twice
        // a row of the register in each tally.
        if let lent = utf8.withContiguousStorageIfAvailable({ a in other.utf8.withContiguousStorageIfAvailable { b in Self.equal(a, b) } }),
            let same = lent
        {
            return same
        }
        var (left, right) = (self, other)
        return left.withUTF8 { a in right.withUTF8 { b in Self.equal(a, b) } }
    }

    private static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        // Eight bytes at a time (no `memcmp` in the pure core; `elementsEqual` went a byte at a
        // time through an iterator).
        let (x, y) = (UnsafeRawBufferPointer(a), UnsafeRawBufferPointer(b))
        var offset = 0
        while offset + 8 <= x.count {
            if x.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != y.loadUnaligned(fromByteOffset: offset, as: UInt64.self) {
                return false
            }
            offset += 8
        }
        while offset < x.count {
            if x[offset] != y[offset] { return false }
            offset += 1
        }
        return true
    }
}
