public import WorkingDayCalendar

/// One calendar file's text and where it came from.
public struct CalendarFile: Sendable {
    /// The file name, such as `2027.yaml`; it must be the year.
    public let name: String
    /// The path shown in messages.
    public let displayPath: String
    public let text: String

    public init(name: String, displayPath: String, text: String) {
        self.name = name
        self.displayPath = displayPath
        self.text = text
    }
}

/// One year's arrangement as read from its file: the exceptions with their lines, and every
/// problem found in the file on its own.
public struct ParsedCalendarYear: Sendable {
    /// One exception to the Monday–Friday week.
    public struct Entry: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// 放假: a Monday–Friday day off.
            case dayOff
            /// 调休上班: a Saturday or Sunday that is a working day.
            case makeUpWorkingDay
        }

        public let date: CalendarDate
        public let holiday: String
        public let kind: Kind
        public let line: Int
    }

    public let file: CalendarFile
    /// The year the file covers, when the file says so validly.
    public let year: Int?
    public let entries: [Entry]
    public let issues: [CalendarIssue]
}
