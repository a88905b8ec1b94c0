public import DisclosureCore
public import PipelineConfig
public import WorkingDayCalendar

/// The publication period of each record of a pipeline whose kind has periods (penalties): the
/// severity from the pipeline's rule (`publication_period:`, default 一般), the regime from the
/// decision date, both from data (`schemas/periods/`).
public struct PeriodAssessor {
    let periods: PublicationPeriods
    let rule: SeverityRule
    let schema: PublicationSchema
    private let dateField: Int?
    /// 公示截止期, filled from the period when empty (looked up once, not per record).
    private let publicationEndField: Int?

    /// nil for kinds without publication periods (permits, commitments).
    public init?(schema: PublicationSchema, pipeline: Pipeline) {
        self.init(schema: schema, rule: pipeline.publicationPeriod)
    }

    /// - Parameter rule: the pipeline's own rule; nil: the periods file's `default_severity`, else 一般.
    public init?(schema: PublicationSchema, rule: SeverityRule?) {
        guard let periods = PublicationPeriodsLoader.periods(forKind: schema.id) else { return nil }
        self.periods = periods
        self.rule = rule ?? periods.defaultSeverityRule ?? SeverityRule(defaultSeverity: .general)
        self.schema = schema
        self.dateField = schema.decisionDateField.flatMap(schema.index(of:))
        self.publicationEndField = periods.publicationEndField.flatMap(schema.index(of:))
    }

    /// The record with 公示截止期 filled from its period, when the department left it empty: the day
    /// publication ends, as the portal shows it (`YYYY/MM/DD`).
    public func withPublicationEnd(_ record: ValidRecord, _ period: RecordPeriod?) -> ValidRecord {
        guard let index = publicationEndField, index < record.values.count,
            record.values[index] == nil, let ends = period?.expiresOn, period?.repairFrom != nil
        else { return record }
        var values = record.values
        values[index] = ends.replacing("-", with: "/")
        return ValidRecord(file: record.file, row: record.row, values: values)
    }

    public func period(_ record: ValidRecord) -> RecordPeriod? {
        var values: [String: String] = [:]
        for (index, field) in schema.fields.enumerated() where index < record.values.count {
            if let value = record.values[index] { values[field.name] = value }
        }
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

    /// Why a record must not be sent today (its period has ended, or it is not published), or nil.
    public func reasonNotToSend(_ period: RecordPeriod?, today: CalendarDate) -> String? {
        guard let period, let ends = period.expiresOn, ends <= today.description else { return nil }
        if period.repairFrom == nil, period.regime != nil { return "按\(title(ofRegime: period.regime))不予公示（\(period.severity)）" }
        return "公示期已满（\(title(ofRegime: period.regime))，\(period.severity)，至 \(ends)），不再公示"
    }
}
