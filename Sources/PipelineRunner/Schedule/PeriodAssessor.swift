public import DisclosureCore
public import PipelineConfig
public import WorkingDayCalendar
import Synchronization

/// The publication period of each record of a pipeline whose kind has periods (penalties): the
/// severity from the pipeline's rule (`publication_period:`, default 一般), the regime from the
/// decision date, both from data (`schemas/periods/`).
public struct PeriodAssessor: Sendable {
    let periods: PublicationPeriods
    let rule: SeverityRule
    let schema: PublicationSchema
    private let dateField: Int?
    /// 公示截止期, filled from the period when empty (looked up once, not per record).
    let publicationEndField: Int?

    /// The portals with a rule of their own (gsxt), each with its severity rule.
    private let portalRules: [(portal: String, periods: PublicationPeriods, rule: SeverityRule)]
    /// The fields the severity rules read, with their places: only these are named per record
    /// (naming all thirty took a sixth of a run's time).
    private let ruleFields: [(name: String, index: Int)]

    /// nil for kinds without publication periods (permits, commitments).
    public init?(schema: PublicationSchema, pipeline: Pipeline, portals: [String] = []) {
        self.init(schema: schema, rule: pipeline.publicationPeriod, portals: portals)
    }

    /// - Parameters:
    ///   - rule: the pipeline's own rule; nil: the periods file's `default_severity`, else 一般.
    ///   - portals: the portals published to; those with bundled periods of their own are assessed
    ///     by them (with their own `default_severity`: a pipeline's rule is written for the general one).
    public init?(schema: PublicationSchema, rule: SeverityRule?, portals: [String] = []) {
        guard let periods = PublicationPeriodsLoader.periods(forKind: schema.id) else { return nil }
        self.periods = periods
        self.rule = rule ?? periods.defaultSeverityRule ?? SeverityRule(defaultSeverity: .general)
        self.schema = schema
        self.dateField = schema.decisionDateField.flatMap(schema.index(of:))
        self.publicationEndField = periods.publicationEndField.flatMap(schema.index(of:))
        let portalRules = portals.compactMap { portal in
            PublicationPeriodsLoader.periods(forKind: schema.id, portal: portal).map {
                (portal, $0, $0.defaultSeverityRule ?? SeverityRule(defaultSeverity: .general))
            }
        }
        self.portalRules = portalRules
        var names: [String] = []
        for rule in [self.rule] + portalRules.map(\.2) {
            names += [rule.field, rule.domainField].compactMap { $0 }
            names += rule.rules.flatMap { [$0.field] + $0.also.map(\.field) }
        }
        var seen = Set<String>()
        ruleFields = names.filter { seen.insert($0).inserted }.compactMap { name in schema.index(of: name).map { (name, $0) } }
        memoFields = ruleFields.map(\.index) + (dateField.map { [$0] } ?? [])
    }

    /// A record's period on each portal with a rule of its own, and why it is not to be sent
    /// there today (nil: send). Such a portal's period may run from the day it publishes the record
    /// (gsxt), which is not known before: a record whose period, counted from its decision date
    /// (the earliest day it could have been published), has ended is not published anew; it is
    /// sent only to correct a publication the portal still shows (`onlyCorrecting`).
    public func portalPeriods(_ record: ValidRecord, general: RecordPeriod?, today: CalendarDate) -> [(period: PortalPeriod, notToSend: String?, onlyCorrecting: Bool)] {
        portalPeriods(record, values: namedValues(record), general: general, today: today)
    }

    /// A record's general period and its periods on the portals with rules of their own, its
    /// fields named once for both.
    public func periods(_ record: ValidRecord, today: CalendarDate) -> (general: RecordPeriod?, portals: [(period: PortalPeriod, notToSend: String?, onlyCorrecting: Bool)]) {
        // Records alike in what the rules read (the rule fields and the decision date) have the
        // same periods: assessed once (most of a run's records share a handful of 处罚类别 and a few
        // hundred dates; the assessment, its Chinese reasons and its date arithmetic were a sixth
        // of the intake). The key is their bytes, which hash without Unicode normalization.
        // Its room reserved at once (grown from the date's ten bytes, the key was allocated three
        // or four times a record). Today as its day number's eight bytes, not formatted as text for
        // every record (it is the same all run).
        var key: [UInt8] = []
        key.reserveCapacity(256)
        withUnsafeBytes(of: today.dayNumber) { key.append(contentsOf: $0) }
        for index in memoFields {
            key.append(0x1F)
            if index < record.values.count, let value = record.values[index] { key.append(contentsOf: value.utf8) } else { key.append(0) }
        }
        if let known = memo.entries.withLock({ $0.known(key) }) { return known }
        let values = namedValues(record)
        let general = period(record, values: values)
        let assessed = (general, portalPeriods(record, values: values, general: general, today: today))
        // Kept at its own size, not with the room reserved (`Array(key)` would share that buffer):
        // the memo holds up to 4,096 keys.
        let kept = [UInt8](unsafeUninitializedCapacity: key.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: key)
        }
        memo.entries.withLock { $0.note(kept, assessed) }
        return assessed
    }

    /// What the memo's key is made of: the rule fields, then the decision date.
    private let memoFields: [Int]

    /// Periods already assessed in this run, by the bytes of what decides them; a box, so that
    /// `periods` stays non-mutating. Locked: the intake assesses records on the threads that check
    /// them (held only to look up or note, not while assessing).
    private final class Memo: Sendable {
        let entries = Mutex(BoundedMemo<[UInt8], (general: RecordPeriod?, portals: [(period: PortalPeriod, notToSend: String?, onlyCorrecting: Bool)])>())
    }
    private let memo = Memo()

    private func portalPeriods(
        _ record: ValidRecord, values: [String: String], general: RecordPeriod?, today: CalendarDate
    ) -> [(period: PortalPeriod, notToSend: String?, onlyCorrecting: Bool)] {
        guard !portalRules.isEmpty, let text = dateField.flatMap({ record.values[$0] }), let decided = try? CalendarDate.parse(text) else {
            return []
        }
        return portalRules.map { portal, periods, rule in
            let (severity, reason) = rule.severity(values)
            let from = periods.countedFrom.rawValue
            let generalRefuses = general.map { $0.repairFrom == nil && $0.regime != nil && $0.expiresOn == decided.description } ?? false
            if periods.generalNotPublishedApplies, generalRefuses, let general {
                return (
                    PortalPeriod(
                        portal: portal, severity: general.severity, severityReason: general.severityReason, regime: general.regime, months: 0,
                        countedFrom: PublicationPeriods.CountedFrom.decisionDate.rawValue),
                    "按\(title(ofRegime: general.regime))不予公示（\(general.severity)），本门户同样不公示", false)
            }
            switch periods.assess(decisionDate: decided, severity: severity, domains: rule.domains(values)) {
            case .period(let regime, let severity, let repairFrom, let endsOn):
                // The portal's own minimum and maximum, in months from the day its period runs
                // from: its 信用修复 date is its own, not the general rule's.
                let months = Self.months(from: decided, to: endsOn)
                let period = PortalPeriod(
                    portal: portal, severity: severity.rawValue, severityReason: reason, regime: regime, months: months, countedFrom: from,
                    repairMonths: Self.months(from: decided, to: repairFrom))
                let title = periods.regimes.first { $0.id == regime }?.title ?? regime
                // Counted from the day the portal published it (gsxt), the period may still run
                // when it has ended counted from the decision date: such a record is not published
                // anew, but a publication the portal still shows is corrected.
                let fromPublication = periods.countedFrom == .publicationDate
                let notToSend = endsOn <= today
                    ? "公示期已满（\(title)，\(severity.rawValue)，\(months) 个月，自决定日期 \(decided) 起算已满），"
                        + (fromPublication ? "不再新公示；本门户的公示期自其公示日期起算，仍在公示的照发更正" : "不再公示") : nil
                return (period, notToSend, notToSend != nil && fromPublication)
            case .notPublished(let regime, let severity):
                let title = periods.regimes.first { $0.id == regime }?.title ?? regime
                return (
                    PortalPeriod(portal: portal, severity: severity.rawValue, severityReason: reason, regime: regime, months: 0, countedFrom: from),
                    "按\(title)不予公示（\(severity.rawValue)）", false)
            case .noRegime:
                return (
                    PortalPeriod(portal: portal, severity: severity.rawValue, severityReason: reason, regime: nil, months: 0, countedFrom: from),
                    "决定日期 \(decided) 不在本门户任何公示期限规定之内：不公示", false)
            }
        }
    }

    /// Whole months from one date to a later one that is that many months on (`adding(months:)`).
    private static func months(from start: CalendarDate, to end: CalendarDate) -> Int {
        var months = (end.year - start.year) * 12 + end.month - start.month
        while months > 0, start.adding(months: months) > end { months -= 1 }
        return max(months, 0)
    }

    private func namedValues(_ record: ValidRecord) -> [String: String] {
        var values: [String: String] = [:]
        for (name, index) in ruleFields where index < record.values.count {
            if let value = record.values[index] { values[name] = value }
        }
        return values
    }

    /// The record with 公示截止期 filled from its period, when the department left it empty: the day
    /// publication ends, as the portal shows it (`YYYY/MM/DD`).
    public func withPublicationEnd(_ record: ValidRecord, _ period: RecordPeriod?) -> ValidRecord {
        guard let index = publicationEndField, index < record.values.count,
            record.values[index] == nil, let ends = period?.expiresOn, period?.repairFrom != nil
        else { return record }
        var values = record.values
        values[index] = ends.replacing("-", with: "/")
        var dated = ValidRecord(file: record.file, row: record.row, values: values)
        // A date (digits and slashes) holds nothing the screen looks for.
        dated.textsClear = record.textsClear
        return dated
    }

    public func period(_ record: ValidRecord) -> RecordPeriod? {
        period(record, values: namedValues(record))
    }

    private func period(_ record: ValidRecord, values: [String: String]) -> RecordPeriod? {
        let (severity, reason) = rule.severity(values)
        guard let text = dateField.flatMap({ record.values[$0] }), let decided = try? CalendarDate.parse(text) else {
            return RecordPeriod(severity: severity.rawValue, severityReason: reason, regime: nil, repairFrom: nil, expiresOn: nil)
        }
        switch periods.assess(decisionDate: decided, severity: severity, domains: rule.domains(values)) {
        case .period(let regime, let severity, let repairFrom, let endsOn):
            return RecordPeriod(
                severity: severity.rawValue, severityReason: reason, regime: regime, repairFrom: repairFrom.description,
                expiresOn: endsOn.description)
        case .notPublished(let regime, let severity):
            // Not published at all: its publication "ends" the day it was decided.
            return RecordPeriod(
                severity: severity.rawValue, severityReason: reason + "；按规定不予公示", regime: regime, repairFrom: nil,
                expiresOn: decided.description)
        case .noRegime:
            return RecordPeriod(severity: severity.rawValue, severityReason: reason, regime: nil, repairFrom: nil, expiresOn: nil)
        }
    }

    /// A regime's title (发改办财金〔2019〕527号) from its id.
    public func title(ofRegime id: String?) -> String {
        guard let id else { return "" }
        return periods.regimes.first { $0.id == id }?.title ?? id
    }

    /// Why a decision made on `date` can no longer be published on any portal today, whatever its
    /// severity (nil: it may be): the longest period of every severity, under the general rule and
    /// each portal's own, has ended. For an invalid record, whose fields may not say its severity:
    /// corrected, it would be kept out for its period, so it waits for no correction (not 待更正,
    /// not overdue for ever). (A portal whose period runs from the day it publishes counts from the
    /// decision date here, as it does for a record not yet published there.)
    public func endedWhateverSeverity(decisionDate date: CalendarDate, today: CalendarDate) -> String? {
        var latest: CalendarDate?
        for periods in [periods] + portalRules.map(\.periods) {
            guard let end = periods.latestEnd(decisionDate: date) else { return nil }
            latest = max(latest ?? end, end)
        }
        guard let latest, latest <= today else { return nil }
        let regime = periods.regime(on: date).map(\.title) ?? ""
        return "公示期已满（\(regime)，按最长的公示期计，至 \(PeriodEnd.lastDay(latest))），即使更正也不再公示"
    }

    /// Why a record must not be sent today (its period has ended, or it is not published), or nil.
    public func reasonNotToSend(_ period: RecordPeriod?, today: CalendarDate) -> String? {
        guard let period, let ends = period.expiresOn, ends <= today.description else { return nil }
        if period.repairFrom == nil, period.regime != nil { return "按\(title(ofRegime: period.regime))不予公示（\(period.severity)）" }
        return "公示期已满（\(title(ofRegime: period.regime))，\(period.severity)，\(PeriodEnd.until(ends))），不再公示"
    }
}
