public import DisclosureCore
public import WorkingDayCalendar

/// A portal's disclosure deadline for a decision: its working days after the decision date, on
/// the holiday calendar.
public struct Deadlines: Sendable {
    public let workingDays: Int?
    public let calendar: WorkingDayCalendar?

    public init(profile: PortalProfile, calendar: WorkingDayCalendar?) {
        self.workingDays = profile.deadlineWorkingDays
        self.calendar = calendar
    }

    /// The deadline for a decision date, or `nil` (no deadline in the profile, no date, or a date
    /// the calendar does not cover).
    public func dueDate(_ decision: String?) -> String? {
        guard let workingDays, let decision, let date = try? CalendarDate.parse(decision), let calendar,
            let due = try? calendar.deadline(after: date, workingDays: workingDays)
        else { return nil }
        return due.description
    }

    /// Due dates already worked out, by decision date: a run's records share a few hundred dates,
    /// and each due date is a walk through the calendar. Bounded; one per loop, not shared.
    public struct Memo {
        let deadlines: Deadlines
        private var known = BoundedMemo<String, String?>()

        public init(_ deadlines: Deadlines) { self.deadlines = deadlines }

        public mutating func dueDate(_ decision: String?) -> String? {
            guard let decision else { return nil }
            return known.value(for: decision) { deadlines.dueDate(decision) }
        }
    }

    /// A date as the ledger stores it, `YYYY-MM-DD` (records may write `YYYY/MM/DD`).
    public static func isoDate(_ text: String?) -> String? {
        guard let text else { return nil }
        // Already `YYYY-MM-DD`: itself whether or not it is a real date (parsing and writing it
        // again, for every record of a run, was a sixth of the register's making). `YYYY/MM/DD`
        // is read and written in place (``CalendarDate/parse(_:format:)``, `description`).
        if isISOShaped(text) { return text }
        // Any other form the validator reads (an invalid record's date is still its deadline's
        // start): 2024.01.05, 2024年1月5日, 20240105, an Excel date-time 2024/1/5 9:30.
        return ((try? CalendarDate.parse(text)) ?? TextNormalizer.date(TextNormalizer.halfWidth(TextNormalizer.trim(text))))?.description ?? text
    }

    private static func isISOShaped(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == 10 else { return false }
        for (index, byte) in utf8.enumerated() {
            guard index == 4 || index == 7 ? byte == 0x2D : (0x30...0x39).contains(byte) else { return false }
        }
        return true
    }
}
