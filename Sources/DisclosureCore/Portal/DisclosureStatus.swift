public import WorkingDayCalendar

/// Where one record stands against its disclosure deadline on one portal, counted in working days
/// on the holiday calendar (调休 included).
public enum DisclosureStatus: Sendable, Equatable {
    /// Published on or before its due date.
    case onTime
    /// Published this many working days after its due date.
    case late(workingDays: Int)
    /// Not yet published; due in this many working days (0: due today).
    case dueIn(workingDays: Int)
    /// Not published, and this many working days past its due date.
    case overdue(workingDays: Int)
    /// No due date (the portal sets none, or the calendar does not reach it).
    case unknown

    /// - Parameters:
    ///   - due: the disclosure deadline.
    ///   - published: the day the portal took it, if it has.
    public static func of(
        due: CalendarDate?, published: CalendarDate?, today: CalendarDate, calendar: WorkingDayCalendar
    ) -> DisclosureStatus {
        guard let due else { return .unknown }
        if let published {
            guard published > due else { return .onTime }
            return (try? calendar.workingDays(from: due, to: published)).map { .late(workingDays: max(1, $0)) } ?? .unknown
        }
        guard let count = try? calendar.workingDays(from: today, to: due) else { return .unknown }
        return count >= 0 && today <= due ? .dueIn(workingDays: count) : .overdue(workingDays: max(1, -count))
    }

    /// Needs attention now: overdue, or due by the next working day.
    public var isUrgent: Bool {
        switch self {
        case .overdue: true
        case .dueIn(let days): days <= 1
        default: false
        }
    }
}
