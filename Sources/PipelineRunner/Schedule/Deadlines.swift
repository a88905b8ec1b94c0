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
        guard var text else { return nil }
        // Already `YYYY-MM-DD`: itself whether or not it is a real date (parsing and writing it
        // again, for every record of a run, was a sixth of the register's making). `YYYY/MM/DD`,
        // the national format's own, naming a day that exists: its digits with dashes (parsing it
        // and writing the date out again was 2% of a first run's CPU, three times a record).
        if let plain = text.withUTF8({ plainDate($0) }) { return plain ? text : dashed(text) }
        return (try? CalendarDate.parse(text))?.description ?? text
    }

    /// For ten bytes `YYYY-MM-DD`, true; for `YYYY/MM/DD` naming a day that exists, false (its
    /// dashed form is the date as the calendar writes it); otherwise nil.
    private static func plainDate(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard bytes.count == 10, bytes[4] == bytes[7], bytes[4] == 0x2D || bytes[4] == 0x2F else { return nil }
        var fields = (0, 0, 0)
        for index in 0..<10 where index != 4 && index != 7 {
            let digit = Int(bytes[index]) &- 0x30
            guard (0...9).contains(digit) else { return nil }
            if index < 4 { fields.0 = fields.0 * 10 + digit } else if index < 7 { fields.1 = fields.1 * 10 + digit } else { fields.2 = fields.2 * 10 + digit }
        }
        if bytes[4] == 0x2D { return true }
        return CalendarDate(year: fields.0, month: fields.1, day: fields.2) == nil ? nil : false
    }

    /// Ten ASCII bytes with their slashes as dashes (a small string: no allocation).
    private static func dashed(_ text: String) -> String {
        String(unsafeUninitializedCapacity: 10) { buffer in
            for (index, byte) in text.utf8.enumerated() { buffer[index] = byte == 0x2F ? 0x2D : byte }
            return 10
        }
    }
}
