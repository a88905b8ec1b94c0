public import DisclosureCore
public import WorkingDayCalendar
import DisclosureReports

/// What a run asks for: the run as a value in.
public struct RunRequest: Sendable {
    public var today: CalendarDate
    /// A re-run of decisions in this range (nil: the nightly run, new and changed files only).
    public var range: ClosedRange<CalendarDate>?
    /// Plan only: the ledger read as it is, nothing written or sent.
    public var dryRun = false
    /// `--republish`: unchanged published records in the range go out again.
    public var republishing = false
    /// A dry run's folder for the feeds it would send; nil: none written.
    public var scratch: String?

    public init(today: CalendarDate, range: ClosedRange<CalendarDate>? = nil, dryRun: Bool = false, republishing: Bool = false, scratch: String? = nil) {
        self.today = today
        self.range = range
        self.dryRun = dryRun
        self.republishing = republishing
        self.scratch = scratch
    }

    /// How the run names itself in the ledger and the report.
    public var mode: String {
        dryRun ? "dry-run" : range.map { "range \($0.lowerBound)…\($0.upperBound)" } ?? "nightly"
    }
}

/// Counts of disclosure status over the records the ledger holds for a pipeline's feeds.
public struct DisclosureCounts: Sendable, Equatable, Codable {
    public var onTime = 0
    public var late = 0
    public var dueSoon = 0
    public var notYetDue = 0
    public var overdue = 0
    public var unknown = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case overdue
        case dueSoon = "due_by_next_working_day"
        case notYetDue = "not_yet_due"
        case onTime = "on_time"
        case late
        case unknown = "no_deadline"
    }
}

/// What a run did: the summary value out. Its JSON (``RunReportFile``) is the run's report.
public struct RunSummary: Sendable {
    /// The ledger's run id (nil for a dry run, which records nothing).
    public var run: Int64?
    public var mode: String
    public var exitStatus: Int32 = 0
    public var validRecords = 0
    /// Invalid records and files that failed as a whole.
    public var invalidRecordsAndFailedFiles = 0
    /// Files skipped because an earlier run settled their content.
    public var skippedFiles: [String] = []
    /// Per `portal/feed`: what planning decided.
    public var feeds: [String: FeedCounts] = [:]
    /// Per `portal/feed`: records kept out by their publication period.
    public var periodSkipped: [String: Int] = [:]
    public var disclosure = DisclosureCounts()
    /// The urgent records' lines (overdue or due by the next working day), the first ``urgentLimit``.
    public var urgent: [String] = []
    public static let urgentLimit = 1000
    /// Records withdrawn because their publication period ended.
    public var expiredWithdrawn = 0
    /// The report files written (JSON, HTML); nil for a dry run.
    public var reportFiles: (json: String, html: String)?

    public init(mode: String) {
        self.mode = mode
    }

    mutating func noteUrgent(_ line: String) {
        if urgent.count < Self.urgentLimit { urgent.append(line) }
    }
}
