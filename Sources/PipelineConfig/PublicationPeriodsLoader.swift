import BundledSchemas
public import DisclosureCore
import WorkingDayCalendar
internal import Yams

/// Reads a publication-periods file (`schemas/periods/*.yaml`, format in `schemas/README.md`) into
/// ``PublicationPeriods``, checked as a whole: unknown keys and severities, dates, each minimum
/// within its maximum, regimes in order with neither overlaps nor gaps. Every problem comes with
/// its line; a file with any problem is not returned.
///
/// ```yaml
/// id: administrative-penalty-periods
/// version: 1
/// kind: administrative-penalty
/// counted_from: decision_date
/// regimes:
///   - id: ndrc-order-58
///     title: 国家发展改革委令第58号
///     from: 2023-05-01
///     to: 2026-03-31
///     source: "[secondary: …]"
///     periods:
///       一般: {minimum_months: 3, maximum_months: 36}
///       轻微: {published: false}
///     domain_minimums: {消防: 12}
/// ```
public enum PublicationPeriodsLoader {
    static let topKeys = [
        "id", "version", "kind", "title", "counted_from", "note", "source", "regimes", "revocation_withdrawal_working_days",
        "revocation_source", "default_severity", "publication_end_field", "portal", "general_not_published_applies",
    ]
    static let regimeKeys = ["id", "title", "from", "to", "source", "note", "periods", "domain_minimums"]
    static let ruleKeys = ["minimum_months", "maximum_months", "published", "not_repairable_domains", "source", "note"]
    /// What periods may be counted from; only the schema's decision date so far.
    static let countedFrom = PublicationPeriods.CountedFrom.allCases.map(\.rawValue)

    /// The bundled files.
    public static var bundledDocuments: [SchemaDocument] {
        BundledSchemas.files(in: "periods").map { SchemaDocument(origin: .bundled($0.path), text: $0.text) }
    }

    /// The bundled periods, loaded once. A bundled file that does not load is left out (the tests
    /// load every one and fail on any problem).
    public static let bundled: [PublicationPeriods] = bundledDocuments.compactMap { try? load($0).get() }

    /// The bundled periods for a publication schema (its id, `administrative-penalty`); of several
    /// versions, the highest.
    public static func periods(forKind schemaID: String) -> PublicationPeriods? {
        bundled.filter { $0.kind == schemaID && $0.portal == nil }.max { $0.version < $1.version }
    }

    /// A portal's own bundled periods for a publication schema (gsxt's 总局令第45号), or nil when the
    /// general ones apply there.
    public static func periods(forKind schemaID: String, portal: String) -> PublicationPeriods? {
        bundled.filter { $0.kind == schemaID && $0.portal == portal }.max { $0.version < $1.version }
    }

    /// Loads a periods file.
    ///
    /// - Returns: the periods, or every problem found.
    public static func load(_ document: SchemaDocument) -> Result<PublicationPeriods, SchemaLoadFailure> {
        var reader = YAMLReader(file: document.displayPath)
        guard let root = reader.compose(document.text) else { return .failure(.init(issues: reader.issues)) }
        let top = reader.mapping(root, known: topKeys, what: "公示期限配置")
        let id = reader.string(top["id"], "id")
        let version = reader.int(top["version"], "version", minimum: 1)
        let kind = reader.string(top["kind"], "kind")
        for key in ["id", "version", "kind", "counted_from"] where top[key] == nil {
            reader.report("periods-missing-key", root, "缺少 \(key)")
        }
        if let counted = reader.string(top["counted_from"], "counted_from"), !countedFrom.contains(counted) {
            reader.report("periods-bad-value", top["counted_from"], "counted_from 应为 \(countedFrom.joined(separator: "、"))，而不是“\(counted)”")
        }
        var regimes: [(regime: PeriodRegime, node: Node)] = []
        if let items = top["regimes"]?.sequence, !items.isEmpty {
            for item in items {
                if let regime = parseRegime(item, &reader) { regimes.append((regime, item)) }
            }
        } else {
            reader.report("periods-missing-key", top["regimes"] ?? root, "regimes 应为非空的列表（各时期的公示期限规定）")
        }
        checkOrder(regimes, &reader)
        guard reader.issues.isEmpty, let id, let version, let kind else { return .failure(.init(issues: reader.issues)) }
        let revocation = reader.int(top["revocation_withdrawal_working_days"], "revocation_withdrawal_working_days", minimum: 1)
        let defaultRule = top["default_severity"].flatMap { PipelineLoader.parsePublicationPeriod($0, &reader) }
        guard reader.issues.isEmpty else { return .failure(.init(issues: reader.issues)) }
        var periods = PublicationPeriods(
            id: id, version: version, kind: kind, title: reader.string(top["title"], "title") ?? id, regimes: regimes.map(\.regime),
            revocationWithdrawalWorkingDays: revocation)
        periods.defaultSeverityRule = defaultRule
        periods.publicationEndField = reader.string(top["publication_end_field"], "publication_end_field")
        periods.portal = reader.string(top["portal"], "portal")
        periods.countedFrom = reader.string(top["counted_from"], "counted_from").flatMap(PublicationPeriods.CountedFrom.init(rawValue:)) ?? .decisionDate
        periods.generalNotPublishedApplies = reader.bool(top["general_not_published_applies"], "general_not_published_applies") ?? false
        if periods.portal == nil, periods.countedFrom == .publicationDate {
            reader.report(
                "periods-bad-value", top["counted_from"],
                "counted_from: publication_date 只用于某个门户自己的规定（须有 portal）：通用期限从决定日期起算")
        }
        guard reader.issues.isEmpty else { return .failure(.init(issues: reader.issues)) }
        return .success(periods)
    }

    // MARK: - Regimes

    private static func parseRegime(_ node: Node, _ reader: inout YAMLReader) -> PeriodRegime? {
        let keys = reader.mapping(node, known: regimeKeys, what: "regime ")
        guard let id = reader.string(keys["id"], "id") else {
            reader.report("periods-missing-key", node, "regime 须有 id")
            return nil
        }
        let title = reader.string(keys["title"], "title") ?? id
        let from = date(keys["from"], "from", &reader)
        if keys["from"] == nil { reader.report("periods-missing-key", node, "regime “\(id)”须有 from（适用的第一个决定日期）") }
        let to = date(keys["to"], "to", &reader)
        if let from, let to, to < from {
            reader.report("periods-bad-date", keys["to"], "regime “\(id)”的 to（\(to)）早于 from（\(from)）")
        }

        var periods: [CreditSeverity: PeriodRule] = [:]
        var notRepairable: [CreditSeverity: [String]] = [:]
        var maximums: [Int] = []
        if let mapping = keys["periods"]?.mapping {
            let before = reader.issues.count
            for (keyNode, value) in mapping {
                let name = keyNode.string ?? ""
                guard let severity = CreditSeverity(rawValue: name) else {
                    reader.report(
                        "periods-unknown-severity", keyNode,
                        "regime “\(id)”中未知的失信程度“\(name)”；应为 \(CreditSeverity.allCases.map(\.rawValue).joined(separator: "、"))")
                    continue
                }
                guard let rule = parseRule(value, regime: id, severity: severity, &reader) else { continue }
                periods[severity] = rule.rule
                if !rule.notRepairable.isEmpty { notRepairable[severity] = rule.notRepairable }
                if case .published(_, let maximum) = rule.rule { maximums.append(maximum) }
            }
            let missing = CreditSeverity.allCases.filter { periods[$0] == nil }.map(\.rawValue)
            if !missing.isEmpty, reader.issues.count == before {  // not when a severity is already reported
                reader.report("periods-missing-severity", keys["periods"], "regime “\(id)”缺少 \(missing.joined(separator: "、")) 的公示期限")
            }
        } else {
            reader.report("periods-missing-key", keys["periods"] ?? node, "regime “\(id)”须有 periods（轻微、一般、严重各自的公示期限）")
        }

        var domainMinimums: [String: Int] = [:]
        if let node = keys["domain_minimums"] {
            if let mapping = node.mapping {
                for (keyNode, value) in mapping {
                    guard let domain = keyNode.string, !domain.isEmpty else {
                        reader.report("periods-bad-value", keyNode, "domain_minimums 的键应为领域名称")
                        continue
                    }
                    guard let months = reader.int(value, "domain_minimums 的“\(domain)”") else { continue }
                    // A domain minimum applies to every published severity: it must fit each one's maximum.
                    if let shortest = maximums.min(), months > shortest {
                        reader.report(
                            "periods-minimum-exceeds-maximum", value,
                            "regime “\(id)”中“\(domain)”的最短期限 \(months) 个月超过了最长期限 \(shortest) 个月")
                        continue
                    }
                    domainMinimums[domain] = months
                }
            } else {
                reader.report("periods-bad-value", node, "domain_minimums 应为“领域: 月数”的映射")
            }
        }
        guard let from else { return nil }
        return PeriodRegime(
            id: id, title: title, from: from, to: to, periods: periods, domainMinimums: domainMinimums,
            notRepairableDomains: notRepairable)
    }

    private static func parseRule(
        _ node: Node, regime: String, severity: CreditSeverity, _ reader: inout YAMLReader
    ) -> (rule: PeriodRule, notRepairable: [String])? {
        let keys = reader.mapping(node, known: ruleKeys, what: "公示期限")
        let label = "regime “\(regime)”中\(severity.rawValue)失信"
        if let published = reader.bool(keys["published"], "published"), !published {
            if let extra = ["minimum_months", "maximum_months", "not_repairable_domains"].first(where: { keys[$0] != nil }) {
                reader.report("periods-bad-value", keys[extra], "\(label)不公示（published: false），不能再有 \(extra)")
                return nil
            }
            return (.notPublished, [])
        }
        guard let minimum = reader.int(keys["minimum_months"], "minimum_months"),
            let maximum = reader.int(keys["maximum_months"], "maximum_months", minimum: 1)
        else {
            if keys["minimum_months"] == nil || keys["maximum_months"] == nil {
                reader.report("periods-missing-key", node, "\(label)须有 minimum_months 和 maximum_months，或 published: false")
            }
            return nil
        }
        guard minimum <= maximum else {
            reader.report(
                "periods-minimum-exceeds-maximum", keys["minimum_months"], "\(label)的最短期限 \(minimum) 个月超过了最长期限 \(maximum) 个月")
            return nil
        }
        return (.published(minimumMonths: minimum, maximumMonths: maximum), reader.strings(keys["not_repairable_domains"], "not_repairable_domains") ?? [])
    }

    private static func date(_ node: Node?, _ key: String, _ reader: inout YAMLReader) -> CalendarDate? {
        guard let text = reader.string(node, key) else { return nil }
        do {
            return try CalendarDate.parse(text, format: .iso)
        } catch {
            reader.report("periods-bad-date", node, "\(key)：\(error)")
            return nil
        }
    }

    /// Regimes in date order, each starting the day after the previous one ends; only the last may
    /// be open-ended. A gap would leave decisions in it silently without a period, so it is an error.
    private static func checkOrder(_ regimes: [(regime: PeriodRegime, node: Node)], _ reader: inout YAMLReader) {
        var ids: Set<String> = []
        for (regime, node) in regimes where !ids.insert(regime.id).inserted {
            reader.report("periods-duplicate-regime", node, "regime id “\(regime.id)”重复")
        }
        for (previous, next) in zip(regimes, regimes.dropFirst()) {
            guard let end = previous.regime.to else {
                reader.report(
                    "periods-regime-order", next.node, "regime “\(previous.regime.id)”没有 to（一直有效），其后不能再有 “\(next.regime.id)”")
                continue
            }
            let expected = end.adding(days: 1)
            if next.regime.from < previous.regime.from {
                reader.report("periods-regime-order", next.node, "regime 应按日期排列：“\(next.regime.id)”早于“\(previous.regime.id)”")
            } else if next.regime.from < expected {
                reader.report(
                    "periods-regime-overlap", next.node,
                    "regime “\(next.regime.id)”从 \(next.regime.from) 起，与“\(previous.regime.id)”（至 \(end)）重叠")
            } else if next.regime.from > expected {
                reader.report(
                    "periods-regime-gap", next.node,
                    "regime “\(next.regime.id)”从 \(next.regime.from) 起，与“\(previous.regime.id)”（至 \(end)）之间有空档；应从 \(expected) 起")
            }
        }
    }
}
