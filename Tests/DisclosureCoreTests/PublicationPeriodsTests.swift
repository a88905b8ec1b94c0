import DisclosureCore
import Testing
import WorkingDayCalendar

/// The calculator and the severity rule on values built here; the bundled file and its regime
/// boundaries are tested in `PipelineConfigTests/PublicationPeriodsLoaderTests`.
@Suite("Publication periods")
struct PublicationPeriodsTests {
    static func date(_ text: String) throws -> CalendarDate { try CalendarDate.parse(text, format: .iso) }

    /// Two made-up regimes with round numbers, so that each rule of the calculator shows.
    static func periods() throws -> PublicationPeriods {
        PublicationPeriods(
            id: "test-periods", version: 1, kind: "administrative-penalty",
            regimes: [
                PeriodRegime(
                    id: "old", title: "旧规定", from: try date("2020-01-01"), to: try date("2020-12-31"),
                    periods: [
                        .minor: .published(minimumMonths: 1, maximumMonths: 6),
                        .general: .published(minimumMonths: 3, maximumMonths: 12),
                        .serious: .published(minimumMonths: 6, maximumMonths: 36),
                    ],
                    domainMinimums: ["消防": 12, "安全生产": 18, "特种设备": 9],
                    notRepairableDomains: [.serious: ["食品药品"]]),
                PeriodRegime(
                    id: "new", title: "新规定", from: try date("2021-01-01"), to: nil,
                    periods: [.minor: .notPublished, .general: .published(minimumMonths: 3, maximumMonths: 12)]),
            ])
    }

    @Test("the regime is chosen by the decision date, both ends inclusive; before the first there is none")
    func regimeBoundaries() throws {
        let periods = try Self.periods()
        #expect(periods.assess(decisionDate: try Self.date("2019-12-31"), severity: .general, domains: []) == .noRegime)
        #expect(periods.regime(on: try Self.date("2020-01-01"))?.id == "old")
        #expect(periods.regime(on: try Self.date("2020-12-31"))?.id == "old")
        #expect(periods.regime(on: try Self.date("2021-01-01"))?.id == "new")
        #expect(periods.regime(on: try Self.date("2999-12-31"))?.id == "new")
        #expect(
            periods.assess(decisionDate: try Self.date("2020-12-31"), severity: .general, domains: [])
                == .period(regime: "old", severity: .general, repairFrom: try Self.date("2021-03-31"), endsOn: try Self.date("2021-12-31")))
        #expect(
            periods.assess(decisionDate: try Self.date("2021-01-01"), severity: .general, domains: [])
                == .period(regime: "new", severity: .general, repairFrom: try Self.date("2021-04-01"), endsOn: try Self.date("2022-01-01")))
    }

    @Test("whole months from the decision date, clamped at the end of a shorter month")
    func monthClamping() throws {
        #expect(
            try Self.periods().assess(decisionDate: try Self.date("2020-11-30"), severity: .general, domains: [])
                == .period(regime: "old", severity: .general, repairFrom: try Self.date("2021-02-28"), endsOn: try Self.date("2021-11-30")))
        #expect(
            try Self.periods().assess(decisionDate: try Self.date("2020-08-31"), severity: .serious, domains: [])
                == .period(regime: "old", severity: .serious, repairFrom: try Self.date("2021-02-28"), endsOn: try Self.date("2023-08-31")))
    }

    @Test("domains: the longest minimum applies, never beyond the maximum; unknown domains change nothing")
    func domainMinimums() throws {
        let periods = try Self.periods()
        let decided = try Self.date("2020-03-15")
        func repairFrom(_ severity: CreditSeverity, _ domains: [String]) -> String? {
            guard case .period(_, _, let repairFrom, _) = periods.assess(decisionDate: decided, severity: severity, domains: domains)
            else { return nil }
            return repairFrom.description
        }
        #expect(repairFrom(.general, []) == "2020-06-15")
        #expect(repairFrom(.general, ["城市管理"]) == "2020-06-15")
        #expect(repairFrom(.general, ["消防"]) == "2021-03-15")
        #expect(repairFrom(.general, ["特种设备", "城市管理"]) == "2020-12-15")
        // 消防 12, 安全生产 18, 特种设备 9: the longest wins, in any order …
        #expect(repairFrom(.serious, ["消防", "安全生产", "特种设备"]) == "2021-09-15")
        #expect(repairFrom(.serious, ["特种设备", "安全生产"]) == "2021-09-15")
        // … but 一般 ends after 12 months, so its minimum stops there.
        #expect(repairFrom(.general, ["安全生产"]) == "2021-03-15")
        // 轻微's maximum is 6 months: clamped to it, so repair and end fall on the same day.
        #expect(
            periods.assess(decisionDate: decided, severity: .minor, domains: ["消防"])
                == .period(regime: "old", severity: .minor, repairFrom: try Self.date("2020-09-15"), endsOn: try Self.date("2020-09-15")))
    }

    @Test("a not-repairable domain keeps a severity published for its whole maximum; other severities are unaffected")
    func notRepairable() throws {
        let periods = try Self.periods()
        let decided = try Self.date("2020-05-20")
        #expect(
            periods.assess(decisionDate: decided, severity: .serious, domains: ["城市管理", "食品药品"])
                == .period(regime: "old", severity: .serious, repairFrom: try Self.date("2023-05-20"), endsOn: try Self.date("2023-05-20")))
        #expect(
            periods.assess(decisionDate: decided, severity: .general, domains: ["食品药品"])
                == .period(regime: "old", severity: .general, repairFrom: try Self.date("2020-08-20"), endsOn: try Self.date("2021-05-20")))
    }

    @Test("not published, and a severity the regime has no rule for")
    func notPublished() throws {
        let periods = try Self.periods()
        let decided = try Self.date("2026-04-01")
        #expect(periods.assess(decisionDate: decided, severity: .minor, domains: ["消防"]) == .notPublished(regime: "new", severity: .minor))
        #expect(periods.assess(decisionDate: decided, severity: .serious, domains: []) == .noRegime)
    }

    // MARK: - CreditSeverity rule

    static let rule = SeverityRule(
        field: "失信严重程度",
        rules: [
            .init(field: "处罚类别", test: .contains("吊销"), severity: .serious),
            .init(field: "处罚类别", test: .oneOf(["责令停产停业", "责令关闭", "没收违法所得、没收非法财物"]), severity: .serious),
            .init(field: "罚款金额(万元)", test: .atLeast(10), severity: .serious),
            .init(field: "处罚类别", test: .oneOf(["警告"]), severity: .minor),
        ],
        defaultSeverity: .general)

    @Test(
        "the severity field wins when filled; then the rules in order; then the default — each with its reason",
        arguments: [
            (["失信严重程度": "轻微", "处罚类别": "吊销许可证件"], "轻微", "失信严重程度为‘轻微’ → 轻微"),
            (["失信严重程度": " ", "处罚类别": "吊销许可证件"], "严重", "处罚类别含‘吊销’ → 严重"),
            (["处罚类别": "警告；吊销许可证件"], "严重", "处罚类别含‘吊销’ → 严重"),
            (["处罚类别": "罚款;责令停产停业"], "严重", "处罚类别为‘责令停产停业’ → 严重"),
            (["处罚类别": "没收违法所得、没收非法财物"], "严重", "处罚类别为‘没收违法所得、没收非法财物’ → 严重"),
            (["处罚类别": "其他-责令停产停业整顿"], "一般", "没有适用的规则，默认 → 一般"),
            (["处罚类别": "罚款", "罚款金额(万元)": "10"], "严重", "罚款金额(万元) 10 ≥ 10 → 严重"),
            (["处罚类别": "罚款", "罚款金额(万元)": "9.999999"], "一般", "没有适用的规则，默认 → 一般"),
            (["处罚类别": "警告", "罚款金额(万元)": "12.5"], "严重", "罚款金额(万元) 12.5 ≥ 10 → 严重"),
            (["处罚类别": "警告", "罚款金额(万元)": "十万"], "轻微", "处罚类别为‘警告’ → 轻微"),
            ([:], "一般", "没有适用的规则，默认 → 一般"),
            (["失信严重程度": "较重", "处罚类别": "警告"], "轻微", "失信严重程度‘较重’不是轻微、一般、严重之一；处罚类别为‘警告’ → 轻微"),
        ])
    func severity(values: [String: String], expected: String, reason: String) {
        let (severity, why) = Self.rule.severity(values)
        #expect(severity.rawValue == expected)
        #expect(why == reason)
    }

    @Test("without a severity field, a filled field of that name is just another field")
    func noSeverityField() {
        var rule = Self.rule
        rule.field = nil
        rule.defaultSeverity = .serious
        let (severity, reason) = rule.severity(["失信严重程度": "轻微"])
        #expect(severity == .serious && reason == "没有适用的规则，默认 → 严重")
    }

    @Test("domains: the pipeline's fixed ones, then the field's values, each once")
    func domains() {
        let rule = SeverityRule(defaultSeverity: .general, domainField: "领域", domains: ["城市管理", "消防"])
        #expect(rule.domains(["领域": "消防；安全生产、 特种设备 "]) == ["城市管理", "消防", "安全生产", "特种设备"])
        #expect(rule.domains([:]) == ["城市管理", "消防"])
        #expect(SeverityRule(defaultSeverity: .general).domains(["领域": "消防"]) == [])
    }

    @Test("a portal's own period: 信用修复 from its own minimum, counted from its publication (gsxt) or the decision date; no publication date, no date; a minimum not kept is the maximum")
    func portalPeriodDates() throws {
        let gsxt = PortalPeriod(
            portal: "gsxt", severity: "一般", severityReason: "默认", regime: "samr-order-45", months: 36, countedFrom: "publication_date", repairMonths: 36)
        let decided = try Self.date("2023-04-30")
        let dates = gsxt.dates(decisionDate: decided, firstPublished: try Self.date("2026-04-29"))
        #expect(dates.repairFrom?.description == "2029-04-29" && dates.endsOn?.description == "2029-04-29")
        let unconfirmed = gsxt.dates(decisionDate: decided, firstPublished: nil)
        #expect(unconfirmed.repairFrom == nil && unconfirmed.endsOn == nil)
        let minor = PortalPeriod(
            portal: "gsxt", severity: "轻微", severityReason: "小额罚款", regime: "samr-order-45", months: 3, countedFrom: "publication_date", repairMonths: 3)
        #expect(minor.dates(decisionDate: try Self.date("2026-04-01"), firstPublished: try Self.date("2026-04-29")).repairFrom?.description == "2026-07-29")
        let fromDecision = PortalPeriod(
            portal: "p", severity: "一般", severityReason: "", regime: "r", months: 12, countedFrom: "decision_date", repairMonths: 3)
        let byDecision = fromDecision.dates(decisionDate: try Self.date("2025-11-30"), firstPublished: try Self.date("2026-01-05"))
        #expect(byDecision.repairFrom?.description == "2026-02-28" && byDecision.endsOn?.description == "2026-11-30")
        let older = PortalPeriod(portal: "gsxt", severity: "一般", severityReason: "", regime: "r", months: 6, countedFrom: "publication_date")
        #expect(older.dates(decisionDate: nil, firstPublished: try Self.date("2026-01-31")).repairFrom?.description == "2026-07-31")
    }
}
