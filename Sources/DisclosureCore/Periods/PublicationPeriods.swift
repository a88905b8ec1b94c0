public import WorkingDayCalendar

// MARK: - Credit severity

/// How serious a 失信 record is (失信严重程度), in the words of the rules on publication periods. Not
/// ``Severity``, which says whether a validation problem is an error or a warning.
public enum CreditSeverity: String, Sendable, CaseIterable {
    case minor = "轻微"
    case general = "一般"
    case serious = "严重"
}

// MARK: - Periods

/// How long the records of one kind stay published, and from when 信用修复 may be applied for:
/// the rules in force over time, each chosen by the record's decision date.
///
/// Read from `schemas/periods/*.yaml` (`PublicationPeriodsLoader`); every number and every date is
/// the file's, none is the code's.
///
/// ```swift
/// let decided = CalendarDate(year: 2023, month: 5, day: 1)!
/// periods.assess(decisionDate: decided, severity: .general, domains: [])
/// // .period(regime: "ndrc-order-58", severity: .general, repairFrom: 2023-08-01, endsOn: 2026-05-01)
/// ```
public struct PublicationPeriods: Sendable, Equatable {
    public let id: String
    public let version: Int
    /// The publication schema (its id) whose records these periods apply to: `administrative-penalty`.
    public let kind: String
    public let title: String
    /// In date order, not overlapping.
    public let regimes: [PeriodRegime]
    /// How severity is decided when a pipeline says nothing (`default_severity`): the regimes' own
    /// classes, with their sources in the file.
    public var defaultSeverityRule: SeverityRule?
    /// The schema field that states when publication ends (公示截止期): filled from the computed
    /// period when the department left it empty (`publication_end_field`).
    public var publicationEndField: String?
    /// Working days after a decision is revoked by which it must be taken down from the portals
    /// (`revocation_withdrawal_working_days`; nil: the file says nothing).
    public var revocationWithdrawalWorkingDays: Int?
    /// The portal (its profile id) whose own rule this is (`portal: gsxt`); nil: every portal
    /// without one of its own (信用中国 and the local credit sites).
    public var portal: String?
    /// The date the periods run from (`counted_from`).
    public var countedFrom: CountedFrom = .decisionDate
    /// For a portal's own rule: a record the general rule does not publish at all (the 2026 rule's
    /// 轻微) is not published on this portal either (`general_not_published_applies`).
    public var generalNotPublishedApplies = false

    /// The date a period runs from.
    public enum CountedFrom: String, Sendable, CaseIterable {
        /// The decision date (处罚决定日期): 527号, 58号令, the 2026 rule.
        case decisionDate = "decision_date"
        /// The day the portal first published the record: 总局令第45号 第十三条 for gsxt.
        case publicationDate = "publication_date"
    }

    public init(id: String, version: Int, kind: String, title: String = "", regimes: [PeriodRegime], revocationWithdrawalWorkingDays: Int? = nil) {
        self.revocationWithdrawalWorkingDays = revocationWithdrawalWorkingDays
        self.id = id
        self.version = version
        self.kind = kind
        self.title = title
        self.regimes = regimes
    }

    /// The rule in force on `date`, or nil when none was.
    public func regime(on date: CalendarDate) -> PeriodRegime? {
        regimes.first { $0.covers(date) }
    }
}

/// One rule on publication periods (a 规定 or 办法) and the decision dates it covers.
public struct PeriodRegime: Sendable, Equatable {
    /// A stable code for reports: `ndrc-order-58`.
    public let id: String
    /// The rule's name: 国家发展改革委令第58号….
    public let title: String
    /// The first decision date it covers.
    public let from: CalendarDate
    /// The last decision date it covers (inclusive); nil: still in force.
    public let to: CalendarDate?
    /// The period of each severity.
    public let periods: [CreditSeverity: PeriodRule]
    /// 领域 (消防, 安全生产 …) → the least number of months before repair may be applied for,
    /// whatever the severity; the longest of a record's domains applies.
    public let domainMinimums: [String: Int]
    /// Severity → 领域 in which such a record cannot be repaired: it stays published for the whole
    /// maximum period (527号's 特定严重失信).
    public let notRepairableDomains: [CreditSeverity: [String]]

    public init(
        id: String, title: String, from: CalendarDate, to: CalendarDate?, periods: [CreditSeverity: PeriodRule],
        domainMinimums: [String: Int] = [:], notRepairableDomains: [CreditSeverity: [String]] = [:]
    ) {
        self.id = id
        self.title = title
        self.from = from
        self.to = to
        self.periods = periods
        self.domainMinimums = domainMinimums
        self.notRepairableDomains = notRepairableDomains
    }

    /// Whether a decision made on `date` falls under this rule.
    public func covers(_ date: CalendarDate) -> Bool {
        from <= date && (to.map { date <= $0 } ?? true)
    }
}

/// The period of one severity under one rule, in whole months from the decision date.
public enum PeriodRule: Sendable, Equatable {
    /// Published for at most `maximumMonths`; 信用修复 may be applied for after `minimumMonths`.
    case published(minimumMonths: Int, maximumMonths: Int)
    /// Not published at all (the 2026 rule's 轻微失信: 原则上不予公示).
    case notPublished
}

/// What the rules say about one record.
public enum PeriodAssessment: Sendable, Equatable {
    /// Published from the decision date until `endsOn` (exclusive: on that day publication stops);
    /// 信用修复 may be applied for from `repairFrom`. `repairFrom == endsOn`: not repairable.
    case period(regime: String, severity: CreditSeverity, repairFrom: CalendarDate, endsOn: CalendarDate)
    /// The rule in force says records of this severity are not published.
    case notPublished(regime: String, severity: CreditSeverity)
    /// No rule covers the decision date (or the rule in force has no period for the severity).
    case noRegime
}

/// How a publication period's end is told to a person (forty-ninth session).
///
/// A period ends on a day that is not published (`endsOn`, `expires_on`: exclusive, the first day
/// publication stops); a Chinese reader takes the date after "至" as the last day published. Every
/// text, page and message therefore shows the last day published, the day before: "公示至 X" with
/// X = end − 1 day. Machine fields (the ledger's and the report JSON's `expires_on`) keep the
/// exclusive end.
public enum PeriodEnd {
    /// The last day published of a period whose exclusive end is `end`.
    public static func lastDay(_ end: CalendarDate) -> CalendarDate { end.adding(days: -1) }

    /// The last day published of a period whose exclusive end is `end` (`YYYY-MM-DD`), as
    /// `YYYY-MM-DD`; a text that is not a date is given back as it is.
    public static func lastDay(_ end: String) -> String {
        guard let date = try? CalendarDate.parse(end) else { return end }
        return lastDay(date).description
    }

    /// "至 X" for a text: X the last day published (an unknown end: "至 ？").
    public static func until(_ end: String?) -> String {
        "至 \(end.map { lastDay($0) } ?? "？")"
    }
}

extension PublicationPeriods {
    /// The day the longest period of any severity ends for a decision made on `date`, under the
    /// rule in force then (nil: no rule covers it, or none of its severities is published): a
    /// record decided then is certainly past its period from that day, whatever its fields say.
    public func latestEnd(decisionDate date: CalendarDate) -> CalendarDate? {
        guard let regime = regime(on: date) else { return nil }
        let months = regime.periods.values.compactMap { rule -> Int? in
            if case .published(_, let maximum) = rule { maximum } else { nil }
        }.max()
        return months.map { date.adding(months: $0) }
    }

    /// The publication period of a record, under the rule in force on its decision date.
    ///
    /// Periods are whole months counted from the decision date (``CalendarDate/adding(months:)``,
    /// clamped to the end of a shorter month). The minimum is the severity's, or the longest
    /// minimum of the record's domains if longer, but never longer than the maximum (the loader
    /// refuses a file where it would be; values built in code are clamped). In a domain where the
    /// severity is not repairable, the minimum is the maximum.
    ///
    /// - Parameters:
    ///   - decisionDate: the record's decision date (处罚决定日期).
    ///   - severity: from the pipeline's ``SeverityRule``.
    ///   - domains: the record's 领域 (消防, 安全生产 …); unknown ones change nothing.
    /// - Returns: the period, `notPublished`, or `noRegime` before the first rule.
    public func assess(decisionDate: CalendarDate, severity: CreditSeverity, domains: [String]) -> PeriodAssessment {
        guard let regime = regime(on: decisionDate), let rule = regime.periods[severity] else { return .noRegime }
        switch rule {
        case .notPublished:
            return .notPublished(regime: regime.id, severity: severity)
        case .published(let minimumMonths, let maximumMonths):
            var minimum = domains.compactMap { regime.domainMinimums[$0] }.reduce(minimumMonths, max)
            if let excluded = regime.notRepairableDomains[severity], domains.contains(where: excluded.contains) {
                minimum = maximumMonths
            }
            minimum = min(minimum, maximumMonths)
            return .period(
                regime: regime.id, severity: severity, repairFrom: decisionDate.adding(months: minimum),
                endsOn: decisionDate.adding(months: maximumMonths))
        }
    }
}

// MARK: - The severity of a record

/// How a pipeline decides the severity (and the 领域) of its records, from their field values.
///
/// ```yaml
/// publication_period:
///   severity_field: 失信严重程度
///   default: 一般
///   rules:
///     - {field: 处罚类别, contains: 吊销, severity: 严重}
///     - {field: 罚款金额(万元), at_least: 10, severity: 严重}
///   domains: [城市管理]
/// ```
public struct SeverityRule: Sendable, Equatable {
    /// A field whose value is 轻微/一般/严重 (if present and non-empty, it wins); rules in order; default.
    public var field: String?
    /// Tried in order; the first that holds gives the severity.
    public var rules: [Clause]
    /// The severity when no field value and no rule decides.
    public var defaultSeverity: CreditSeverity
    /// A field naming the 领域 (e.g. 消防); several separated as in ``separators``.
    public var domainField: String?
    /// Fixed domains of the whole pipeline (added to the field's).
    public var domains: [String]
    /// What separates several values in one cell (处罚类别 `罚款；吊销许可证件`), for `oneOf` and
    /// the domain field. The default is the penalty schema's.
    public var separators: [String]

    /// One rule: a test on one field (and on others, `and:`), and the severity it gives.
    public struct Clause: Sendable, Equatable {
        public var field: String
        public var test: Test
        public var severity: CreditSeverity
        /// Further tests that must hold too (罚款 only, and 罚款金额(万元) at most 0.3).
        public var also: [Condition]

        public init(field: String, test: Test, severity: CreditSeverity, also: [Condition] = []) {
            self.field = field
            self.test = test
            self.severity = severity
            self.also = also
        }
    }

    /// A test on one field.
    public struct Condition: Sendable, Equatable {
        public var field: String
        public var test: Test

        public init(field: String, test: Test) {
            self.field = field
            self.test = test
        }
    }

    public enum Test: Sendable, Equatable {
        /// The value, or one of the values of a multi-valued cell, is one of these.
        case oneOf([String])
        /// The value contains this text.
        case contains(String)
        /// The value is a number at least this large (罚款金额(万元) ≥ 10).
        case atLeast(Double)
        /// The value is a number at most this large (a 较低数额罚款).
        case atMost(Double)
        /// Every value of a multi-valued cell is one of these (警告 only, or 通报批评 only).
        case only([String])
    }

    public init(
        field: String? = nil, rules: [Clause] = [], defaultSeverity: CreditSeverity, domainField: String? = nil, domains: [String] = [],
        separators: [String] = [";", "；", "、", ",", "，"]
    ) {
        self.field = field
        self.rules = rules
        self.defaultSeverity = defaultSeverity
        self.domainField = domainField
        self.domains = domains
        self.separators = separators
    }

    /// The severity of a record, and why (for reports: “处罚类别含‘吊销’ → 严重”).
    ///
    /// - Parameter values: field Chinese name → value (as validated); a missing field is empty.
    /// - Returns: the severity and the reason, in Chinese.
    public func severity(_ values: [String: String]) -> (CreditSeverity, reason: String) {
        var prefix = ""
        if let field, let value = values[field].map(Self.trimmed), !value.isEmpty {
            if let severity = CreditSeverity(rawValue: value) {
                return (severity, "\(field)为‘\(value)’ → \(severity.rawValue)")
            }
            prefix = "\(field)‘\(value)’不是轻微、一般、严重之一；"
        }
        func holds(_ field: String, _ test: Test) -> String? {
            guard let value = values[field].map(Self.trimmed), !value.isEmpty, let why = explain(test, value: value) else { return nil }
            return "\(field)\(why)"
        }
        clauses: for clause in rules {
            guard let first = holds(clause.field, clause.test) else { continue }
            var reasons = [first]
            for condition in clause.also {
                guard let why = holds(condition.field, condition.test) else { continue clauses }
                reasons.append(why)
            }
            return (clause.severity, "\(prefix)\(reasons.joined(separator: "且")) → \(clause.severity.rawValue)")
        }
        return (defaultSeverity, "\(prefix)没有适用的规则，默认 → \(defaultSeverity.rawValue)")
    }

    /// The record's 领域: the fixed ones, then those of ``domainField``, each once.
    public func domains(_ values: [String: String]) -> [String] {
        var result: [String] = []
        for domain in domains + (domainField.flatMap { values[$0] }.map(split) ?? []) where !result.contains(domain) {
            result.append(domain)
        }
        return result
    }

    /// How the test holds for the value (“含‘吊销’”), or nil when it does not.
    private func explain(_ test: Test, value: String) -> String? {
        switch test {
        case .oneOf(let candidates):
            return candidates.first { contains(value, item: $0) }.map { "为‘\($0)’" }
        case .contains(let text):
            return Self.bytes(value, contain: text) ? "含‘\(text)’" : nil
        case .atLeast(let threshold):
            guard let number = Double(value), number >= threshold else { return nil }
            return " \(value) ≥ \(Self.format(threshold))"
        case .atMost(let threshold):
            guard let number = Double(value), number <= threshold else { return nil }
            return " \(value) ≤ \(Self.format(threshold))"
        case .only(let candidates):
            let parts = split(value)
            guard !parts.isEmpty, parts.allSatisfy(candidates.contains) else { return nil }
            return "只有‘\(parts.joined(separator: "、"))’"
        }
    }

    /// Whether `item` is the whole value or one of its values: found with a separator (or the
    /// start, or the end) on each side. A value that itself contains a separator
    /// (没收违法所得、没收非法财物) is still found whole.
    private func contains(_ value: String, item: String) -> Bool {
        guard !item.isEmpty else { return false }
        if value == item { return true }
        // Every record of a run comes here for every clause: compared on bytes, without building
        // arrays per position (it was a sixth of a run's time).
        let text = Array(value.utf8)
        let needle = Array(item.utf8)
        guard needle.count < text.count else { return false }
        func matches(_ bytes: [UInt8], at index: Int) -> Bool {
            guard index >= 0, index + bytes.count <= text.count else { return false }
            for offset in 0..<bytes.count where text[index + offset] != bytes[offset] { return false }
            return true
        }
        let marks = separatorBytes
        var start = 0
        while start + needle.count <= text.count {
            if matches(needle, at: start),
                start == 0 || marks.contains(where: { matches($0, at: start - $0.count) }),
                start + needle.count == text.count || marks.contains(where: { matches($0, at: start + needle.count) })
            {
                return true
            }
            start += 1
        }
        return false
    }

    /// ``separators`` as bytes, the empty ones left out.
    private var separatorBytes: [[UInt8]] { separators.map { Array($0.utf8) }.filter { !$0.isEmpty } }

    /// The values of a multi-valued cell.
    private func split(_ value: String) -> [String] {
        // Most cells hold one value: no separator in them, nothing to split.
        if !separators.contains(where: { !$0.isEmpty && Self.bytes(value, contain: $0) }) {
            let trimmed = Self.trimmed(value)
            return trimmed.isEmpty ? [] : [trimmed]
        }
        var parts = [value]
        for separator in separators where !separator.isEmpty {
            parts = parts.flatMap { $0.split(separator: separator).map(String.init) }
        }
        return parts.map(Self.trimmed).filter { !$0.isEmpty }
    }

    private static func trimmed(_ text: String) -> String {
        // Almost every value is trimmed already: said on its first and last scalars.
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return text }
        if !first.properties.isWhitespace && !last.properties.isWhitespace { return text }
        return String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    /// Whether `text` holds `part`, on UTF-8 bytes (no `Character` comparison).
    private static func bytes(_ text: String, contain part: String) -> Bool {
        let haystack = Array(text.utf8)
        let needle = Array(part.utf8)
        guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
        var start = 0
        outer: while start + needle.count <= haystack.count {
            for offset in 0..<needle.count where haystack[start + offset] != needle[offset] {
                start += 1
                continue outer
            }
            return true
        }
        return false
    }

    /// `10`, not `10.0`.
    private static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}
