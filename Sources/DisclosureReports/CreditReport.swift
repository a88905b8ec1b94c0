public import DisclosureCore
import FoundationEssentials

/// The credit office's report (双公示台账报告) for a period, or for one run: what came in per
/// department, what was wrong with it (located), the deadline table, withdrawals, records that may
/// apply for 信用修复, and 合规率 / 及时率 / 完整率 per department and month with their definitions.
///
/// One value, two renderings: JSON (``CreditReport/json()``, keys sorted, the machine's copy) and
/// HTML (``ReportHTML``, the clerks' page). Every figure on the page is read from this value, so
/// the two cannot disagree; percentages are formatted once, here (``Ratio/percent``).
public struct CreditReport: Codable, Sendable, Equatable {
    public var title: String
    /// The period, inclusive, `YYYY-MM-DD`.
    public var from: String
    public var to: String
    /// The day the report was made for (Asia/Shanghai): "overdue" and "eligible" are as of this day.
    public var today: String
    public var departments: [DepartmentSummary]
    public var rates: [MonthlyRates]
    /// Problems found in the source files read in the period, located (file, row or line, field).
    /// Every list holds at most ``ReportLimits/lines``; its `…_total` says how many there are.
    public var problems: [ProblemLine]
    /// How many problems there were in all.
    public var problemsTotal: Int
    public var portalRejections: [RejectionLine]
    public var portalRejectionsTotal: Int
    /// Records needing attention — overdue, due by the next working day, published late — most
    /// urgent first, at most ``ReportLimits/deadlines``.
    public var deadlines: [DeadlineLine]
    /// How many records are in each deadline state (``DeadlineLine/State`` raw values), all of
    /// them, listed or not.
    public var deadlineCounts: [String: Int]
    public var withdrawals: [WithdrawalLine]
    public var withdrawalsTotal: Int
    public var repairEligible: [PeriodLine]
    public var repairEligibleTotal: Int
    public var definitions: [Definition]
    /// For a run's report: what that run did.
    public var run: RunSection?

    public init(
        title: String, from: String, to: String, today: String, departments: [DepartmentSummary], rates: [MonthlyRates],
        problems: [ProblemLine], problemsTotal: Int, portalRejections: [RejectionLine], deadlines: [DeadlineLine],
        deadlineCounts: [String: Int] = [:], withdrawals: [WithdrawalLine], repairEligible: [PeriodLine],
        totals: (portalRejections: Int, withdrawals: Int, repairEligible: Int)? = nil, definitions: [Definition] = Definition.standard,
        run: RunSection? = nil
    ) {
        self.portalRejectionsTotal = totals?.portalRejections ?? portalRejections.count
        self.withdrawalsTotal = totals?.withdrawals ?? withdrawals.count
        self.repairEligibleTotal = totals?.repairEligible ?? repairEligible.count
        self.title = title
        self.from = from
        self.to = to
        self.today = today
        self.departments = departments
        self.rates = rates
        self.problems = problems
        self.problemsTotal = problemsTotal
        self.portalRejections = portalRejections
        self.deadlines = deadlines
        self.deadlineCounts = deadlineCounts
        self.withdrawals = withdrawals
        self.repairEligible = repairEligible
        self.definitions = definitions
        self.run = run
    }

    enum CodingKeys: String, CodingKey {
        case title, from, to, today, departments, rates, problems
        case problemsTotal = "problems_total"
        case portalRejections = "portal_rejections"
        case portalRejectionsTotal = "portal_rejections_total"
        case deadlines
        case deadlineCounts = "deadline_counts"
        case withdrawals
        case withdrawalsTotal = "withdrawals_total"
        case repairEligible = "repair_eligible"
        case repairEligibleTotal = "repair_eligible_total"
        case definitions, run
    }
}

/// How many located problems a report lists (the total is always given).
public enum ReportLimits {
    public static let lines = 2000
}

/// A fraction with its percentage, formatted once: `"97.5%"`, or `"—"` when there is nothing to count.
public struct Ratio: Codable, Sendable, Equatable {
    public let numerator: Int
    public let denominator: Int
    public let percent: String

    public init(_ numerator: Int, of denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
        self.percent = Self.format(numerator, denominator)
    }

    public init(_ fraction: Fraction) {
        self.init(fraction.numerator, of: fraction.denominator)
    }

    /// One decimal, rounded half up on the exact fraction (integer arithmetic, no binary floating
    /// point): 1/3 → "33.3%", 2/3 → "66.7%", 1/8 → "12.5%".
    static func format(_ numerator: Int, _ denominator: Int) -> String {
        guard denominator > 0 else { return "—" }
        let tenths = (numerator * 2000 + denominator) / (2 * denominator)
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

/// What one department's pipeline took in and published in the period.
public struct DepartmentSummary: Codable, Sendable, Equatable {
    public var department: String
    public var pipeline: String
    /// The record kind's Chinese title (行政处罚).
    public var kind: String
    public var files: Int
    public var failedFiles: Int
    /// records = valid + invalid + skipped.
    public var records: Int
    public var valid: Int
    public var invalid: Int
    public var skipped: Int
    public var incomplete: Int
    /// Records (or rows of rejected files) without a readable decision number: not trackable.
    public var unidentifiable: Int = 0
    /// Decisions made in the period (by decision date), whenever their files came: the basis of
    /// the period's 合规率, 及时率 and 完整率 (files and records above count by the day they came).
    public var decisions: Int = 0
    /// Publications (one record on one portal feed) planned in the period, by state now.
    public var published: Int
    public var pending: Int
    public var rejected: Int
    public var withdrawn: Int

    public init(
        department: String, pipeline: String, kind: String, files: Int = 0, failedFiles: Int = 0, records: Int = 0, valid: Int = 0,
        invalid: Int = 0, skipped: Int = 0, incomplete: Int = 0, published: Int = 0, pending: Int = 0, rejected: Int = 0,
        withdrawn: Int = 0
    ) {
        self.department = department
        self.pipeline = pipeline
        self.kind = kind
        self.files = files
        self.failedFiles = failedFiles
        self.records = records
        self.valid = valid
        self.invalid = invalid
        self.skipped = skipped
        self.incomplete = incomplete
        self.published = published
        self.pending = pending
        self.rejected = rejected
        self.withdrawn = withdrawn
    }

    enum CodingKeys: String, CodingKey {
        case department, pipeline, kind, files
        case failedFiles = "failed_files"
        case records, valid, invalid, skipped, incomplete, unidentifiable, published, pending, rejected, withdrawn
        case decisions = "decisions_in_period"
    }
}

/// The three assessed rates of one department in one month (`YYYY-MM`).
public struct MonthlyRates: Codable, Sendable, Equatable {
    public var department: String
    public var month: String
    /// 合规率: decisions valid at their first submission ÷ decisions received (by decision month).
    public var compliance: Ratio
    /// 及时率: decision × portal published by the due date ÷ those due (by decision month).
    public var timeliness: Ratio
    /// 完整率: decision × portal published ÷ those to be published (by decision month).
    public var completeness: Ratio

    public init(department: String, month: String, compliance: Ratio, timeliness: Ratio, completeness: Ratio) {
        self.department = department
        self.month = month
        self.compliance = compliance
        self.timeliness = timeliness
        self.completeness = completeness
    }
}

/// One problem in a source file, located; the value is masked as in the validation report.
public struct ProblemLine: Codable, Sendable, Equatable {
    public var department: String
    public var file: String
    public var row: Int?
    public var line: Int?
    public var field: String?
    public var type: String
    public var value: String?
    public var message: String

    public init(department: String, file: String, row: Int?, line: Int?, field: String?, type: String, value: String?, message: String) {
        self.department = department
        self.file = file
        self.row = row
        self.line = line
        self.field = field
        self.type = type
        self.value = value
        self.message = message
    }
}

/// A record a portal refused, with the portal's reason.
public struct RejectionLine: Codable, Sendable, Equatable {
    public var department: String
    public var portal: String
    public var feed: String
    /// The decision number (never a person's name).
    public var decisionNumber: String
    public var batch: String
    public var position: Int
    public var reason: String

    public init(department: String, portal: String, feed: String, decisionNumber: String, batch: String, position: Int, reason: String) {
        self.department = department
        self.portal = portal
        self.feed = feed
        self.decisionNumber = Issue.screened(decisionNumber)  // (an ID number typed into a 文号, hidden as the feeds hide it)
        self.batch = batch
        self.position = position
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case department, portal, feed
        case decisionNumber = "decision_number"
        case batch, position, reason
    }
}

/// One record on one portal feed against its deadline.
public struct DeadlineLine: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Not published, deadline passed.
        case overdue
        /// Not published, due today or by the next working day.
        case dueSoon = "due_soon"
        /// Not published, due later.
        case notYetDue = "not_yet_due"
        /// Published after its deadline.
        case late
        /// Published by its deadline.
        case onTime = "on_time"
        /// No deadline can be set (no readable decision date).
        case noDeadline = "no_deadline"
        /// The deadline lies past the calendar's last year, and so does today.
        case calendarEnded = "calendar_ended"
        /// Not to be published on this portal.
        case notToPublish = "not_to_publish"
        /// Revoked, still shown by the portal past the day it had to be taken down by (counted on
        /// top of the states above, as `ledger status` counts it).
        case withdrawalOverdue = "withdrawal_overdue"
        /// Revoked, still shown by the portal, its day to be taken down by not yet past.
        case withdrawalDue = "withdrawal_due"

        public init(_ state: DeadlineState) {
            switch state {
            case .overdue: self = .overdue
            case .dueSoon: self = .dueSoon
            case .notYetDue: self = .notYetDue
            case .late: self = .late
            case .onTime: self = .onTime
            case .noDeadline: self = .noDeadline
            case .calendarEnded: self = .calendarEnded
            case .notToPublish: self = .notToPublish
            }
        }
    }

    public var department: String
    public var portal: String
    public var feed: String
    public var decisionNumber: String
    public var decisionDate: String?
    public var dueOn: String?
    public var publishedOn: String?
    public var state: State
    /// Why it is not to be published (``State/notToPublish``); for a deadline past the calendar's
    /// coverage (no due date), how far it lies past it.
    public var reason: String?

    public init(
        department: String, portal: String, feed: String, decisionNumber: String, decisionDate: String?, dueOn: String?,
        publishedOn: String?, state: State
    ) {
        self.department = department
        self.portal = portal
        self.feed = feed
        self.decisionNumber = Issue.screened(decisionNumber)  // (an ID number typed into a 文号, hidden as the feeds hide it)
        self.decisionDate = decisionDate
        self.dueOn = dueOn
        self.publishedOn = publishedOn
        self.state = state
    }

    enum CodingKeys: String, CodingKey {
        case department, portal, feed
        case decisionNumber = "decision_number"
        case decisionDate = "decision_date"
        case dueOn = "due_on"
        case publishedOn = "published_on"
        case state, reason
    }
}

/// A record taken down from a portal.
public struct WithdrawalLine: Codable, Sendable, Equatable {
    public var department: String
    public var portal: String
    public var feed: String
    public var decisionNumber: String
    public var reason: String
    public var note: String?
    public var requestedOn: String
    /// pending (asked for, not confirmed), done, failed.
    public var status: String

    public init(
        department: String, portal: String, feed: String, decisionNumber: String, reason: String, note: String?, requestedOn: String,
        status: String
    ) {
        self.department = department
        self.portal = portal
        self.feed = feed
        self.decisionNumber = Issue.screened(decisionNumber)  // (an ID number typed into a 文号, hidden as the feeds hide it)
        self.reason = reason
        self.note = note
        self.requestedOn = requestedOn
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case department, portal, feed
        case decisionNumber = "decision_number"
        case reason, note
        case requestedOn = "requested_on"
        case status
    }
}

/// A published penalty and its publication period (for 信用修复 eligibility).
public struct PeriodLine: Codable, Sendable, Equatable {
    public var department: String
    public var portal: String
    public var decisionNumber: String
    /// The subject's name, for legal persons only.
    public var subjectName: String?
    public var decisionDate: String?
    public var severity: String?
    public var regime: String?
    public var repairFrom: String?
    public var expiresOn: String?

    public init(
        department: String, portal: String, decisionNumber: String, subjectName: String?, decisionDate: String?, severity: String?,
        regime: String?, repairFrom: String?, expiresOn: String?
    ) {
        self.department = department
        self.portal = portal
        self.decisionNumber = Issue.screened(decisionNumber)  // (an ID number typed into a 文号, hidden as the feeds hide it)
        self.subjectName = subjectName
        self.decisionDate = decisionDate
        self.severity = severity
        self.regime = regime
        self.repairFrom = repairFrom
        self.expiresOn = expiresOn
    }

    enum CodingKeys: String, CodingKey {
        case department, portal
        case decisionNumber = "decision_number"
        case subjectName = "subject_name"
        case decisionDate = "decision_date"
        case severity, regime
        case repairFrom = "repair_from"
        case expiresOn = "expires_on"
    }
}

/// What one run did (a run's report only).
public struct RunSection: Codable, Sendable, Equatable {
    public var id: Int64
    public var pipeline: String
    public var mode: String
    public var exitStatus: Int32
    public var validRecords: Int
    public var invalidRecordsAndFailedFiles: Int
    /// Per portal feed: published, corrected, unchanged, withdrawn, still_rejected.
    public var feeds: [String: [String: Int]]
    /// Records withdrawn because their publication period ended.
    public var expiredWithdrawn: Int

    public init(
        id: Int64, pipeline: String, mode: String, exitStatus: Int32, validRecords: Int, invalidRecordsAndFailedFiles: Int,
        feeds: [String: [String: Int]], expiredWithdrawn: Int
    ) {
        self.id = id
        self.pipeline = pipeline
        self.mode = mode
        self.exitStatus = exitStatus
        self.validRecords = validRecords
        self.invalidRecordsAndFailedFiles = invalidRecordsAndFailedFiles
        self.feeds = feeds
        self.expiredWithdrawn = expiredWithdrawn
    }

    enum CodingKeys: String, CodingKey {
        case id, pipeline, mode
        case exitStatus = "exit_status"
        case validRecords = "valid_records"
        case invalidRecordsAndFailedFiles = "invalid_records_and_failed_files"
        case feeds
        case expiredWithdrawn = "expired_withdrawn"
    }
}

/// A rate's definition, stated on the page.
public struct Definition: Codable, Sendable, Equatable {
    public var name: String
    public var formula: String
    public var text: String

    public init(name: String, formula: String, text: String) {
        self.name = name
        self.formula = formula
        self.text = text
    }

    /// The definitions this report computes. No national source defines the rates formally
    /// (domain reference §5, [inferred]); these follow the usage there and say what is counted.
    public static let standard: [Definition] = [
        Definition(
            name: "合规率",
            formula: "首次报送即通过校验的决定数 ÷ 收到的决定数",
            text: "按决定计（同一决定书文号的各版本为同一决定，以首次报送的版本为准），按决定日期所在月份统计。"
                + "校验即平台的规则检查：格式、枚举值、统一社会信用代码和身份证号码校验位、条件必填等。整个文件被拒收时，其中能读出文号的各行也计入收到的决定。"),
        Definition(
            name: "及时率",
            formula: "在截止日期当天或之前公示的（决定 × 门户）数 ÷ 已公示或已过截止日期的（决定 × 门户）数",
            text: "按决定日期所在月份统计，每个门户分别计。截止日期为决定日期后第 7 个工作日（按法定节假日和调休安排，不含决定当日）；"
                + "已放入待上传目录但尚未确认的批次不算已公示。尚未到期、未公示的不计入。迟报率 = 1 − 及时率。"),
        Definition(
            name: "完整率",
            formula: "已公示的（决定 × 门户）数 ÷ 应公示的（决定 × 门户）数",
            text: "按决定日期所在月份统计。应公示：收到的决定（有效或无效）在其流水线的每个门户上，除去按门户配置或公示规则不予公示的。"
                + "应公示而未报送的决定（“瞒报、漏报”）需与权力清单或部门网站比对，不在本比率内。"),
    ]
}

extension CreditReport {
    /// The JSON copy: keys sorted, indented, so the same report is always the same bytes.
    public func json() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [0x0A]
    }

    public static func decode(_ bytes: [UInt8]) throws -> CreditReport {
        try JSONDecoder().decode(CreditReport.self, from: Data(bytes))
    }
}
