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
    /// `--all-warnings`: every warning on its own line, none summarized.
    public var allWarnings = false
    /// Read the files an earlier run settled too (`gongshi validate PIPELINE`, which checks every
    /// file). Without it a nightly dry run reads what the nightly run would: its preview is the
    /// next night's plan, not a plan of files already sent.
    public var everyFile = false
    /// Files a dry run reads as if they were in the inbox (the console's preview of an upload
    /// before it is accepted), each with the first source whose pattern's suffix it has.
    public var extraFiles: [String] = []

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

/// Where the decisions stand against their deadlines, decision × portal (``DeadlineState``), and
/// the three figures: the same definitions in the run's summary, `ledger status` and the reports.
public struct DisclosureCounts: Sendable, Equatable, Codable {
    public var onTime = 0
    public var late = 0
    public var dueSoon = 0
    public var notYetDue = 0
    public var overdue = 0
    public var unknown = 0
    public var calendarEnded = 0
    public var notToPublish = 0
    /// Revoked decisions still on a portal past their take-down day, and not yet past it.
    public var withdrawalsOverdue = 0
    public var withdrawalsDue = 0
    /// Not yet published: invalid and waiting for correction; staged, not confirmed.
    public var waitingForCorrection = 0
    /// Refused by the portal, record by record, and not sent again since.
    public var rejected = 0
    public var staged = 0
    /// Decisions received, and of them valid at their first submission.
    public var decisions = 0
    /// 合规率, 及时率, 完整率 (``DeadlineTally``).
    public var compliance = Fraction(0, of: 0)
    public var timeliness = Fraction(0, of: 0)
    public var completeness = Fraction(0, of: 0)

    public init() {}

    public init(_ tally: DeadlineTally) {
        onTime = tally[.onTime]
        late = tally[.late]
        dueSoon = tally[.dueSoon]
        notYetDue = tally[.notYetDue]
        overdue = tally[.overdue]
        unknown = tally[.noDeadline]
        calendarEnded = tally[.calendarEnded]
        notToPublish = tally[.notToPublish]
        withdrawalsOverdue = tally.withdrawalsOverdue
        withdrawalsDue = tally.withdrawalsDue
        waitingForCorrection = tally.waitingForCorrection
        rejected = tally.rejected
        staged = tally.staged
        decisions = tally.decisions
        compliance = tally.compliance
        timeliness = tally.timeliness
        completeness = tally.completeness
    }

    enum CodingKeys: String, CodingKey {
        case overdue
        case dueSoon = "due_by_next_working_day"
        case notYetDue = "not_yet_due"
        case onTime = "on_time"
        case late
        case unknown = "no_deadline"
        case calendarEnded = "calendar_ended"
        case notToPublish = "not_to_publish"
        case withdrawalsOverdue = "withdrawal_overdue"
        case withdrawalsDue = "withdrawal_due"
        case waitingForCorrection = "waiting_for_correction"
        case rejected = "rejected_by_portal"
        case staged
        case decisions, compliance, timeliness, completeness
    }

    /// The status line, as the run and `ledger status` print it.
    public var line: String {
        "公示状态：逾期未公示 \(overdue)，明天前到期 \(dueSoon)，未到期 \(notYetDue)，按时公示 \(onTime)，逾期后公示 \(late)，无截止日期 \(unknown)"
            + (calendarEnded > 0 ? "，日历未覆盖、无法判断 \(calendarEnded)" : "") + "，不予公示 \(notToPublish)"
            + "；未公示中：待更正 \(waitingForCorrection)，门户退回 \(rejected)，已生成待确认 \(staged)"
            + (withdrawalsOverdue + withdrawalsDue > 0 ? "；已撤销待撤下 \(withdrawalsDue)，撤销后逾期未撤下 \(withdrawalsOverdue)" : "")
    }

    /// The figures' line, over the set `label` names (all the pipeline's decisions, the ledger's).
    public func figuresLine(_ label: String) -> String {
        "\(label)决定 \(decisions) 个：合规率 \(Self.percent(compliance))（\(compliance.numerator)/\(compliance.denominator)），"
            + "及时率 \(Self.percent(timeliness))（\(timeliness.numerator)/\(timeliness.denominator)），"
            + "完整率 \(Self.percent(completeness))（\(completeness.numerator)/\(completeness.denominator)）"
    }

    /// The percentage as every report writes it (``Ratio``: one decimal, rounded half up, "—" for 0/0).
    public static func percent(_ fraction: Fraction) -> String { Ratio(fraction).percent }
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
    /// A range re-run's: records decided outside its dates (neither valid nor invalid here, their
    /// problems not listed; the nightly run reads them).
    public var outsideRange = 0
    /// Decisions the register holds under a full-width 文号, a record of which is taken as such,
    /// and decisions registered under both 文号 (``WidthTwins``).
    public var keyWidthHeld = 0
    public var keyWidthTwins = 0
    /// Files skipped because an earlier run settled their content.
    public var skippedFiles: [String] = []
    /// Per `portal/feed`: what planning decided.
    public var feeds: [String: FeedCounts] = [:]
    /// Per `portal/feed`: records the rules or the profile keep out (minors, withheld, not the
    /// portal's kind of record), each named with its reason in the transcript.
    public var excluded: [String: Int] = [:]
    /// Per `portal/feed`: records kept out by their publication period.
    public var periodSkipped: [String: Int] = [:]
    public var disclosure = DisclosureCounts()
    /// The urgent records' lines (overdue or due by the next working day), the first ``urgentLimit``.
    public var urgent: [String] = []
    public static let urgentLimit = 1000
    /// Records withdrawn because their publication period ended.
    public var expiredWithdrawn = 0
    /// A dry run's: by reason (``Withdrawer/Reason``), the publications the run would take down.
    public var wouldWithdraw: [String: Int] = [:]
    /// By reason (``Withdrawer/Reason``): publications the portals took after their record's
    /// withdrawal was asked for (or its decision revoked), taken down by this run with the same
    /// reason (a batch waiting for the clerk's upload then, confirmed afterwards).
    public var lateTakeDowns: [String: Int] = [:]
    /// A dry run's take-downs listed so far (batch#position): one publication two steps would
    /// take down (nothing is written between them) is listed and counted once.
    var listedTakeDowns: Set<String> = []
    /// Decisions whose deadline the calendar cannot reach (the run then exits 78), the first few.
    public var beyondCalendar: [String] = []
    /// The report files written (JSON, HTML); nil for a dry run.
    public var reportFiles: (json: String, html: String)?

    public init(mode: String) {
        self.mode = mode
    }

}
