import DisclosureCore
import Foundation
import PipelineConfig
import Testing
import WorkingDayCalendar

@Suite("Publication periods files")
struct PublicationPeriodsLoaderTests {
    static func date(_ text: String) throws -> CalendarDate { try CalendarDate.parse(text, format: .iso) }

    static func bundled() throws -> PublicationPeriods {
        try #require(PublicationPeriodsLoader.periods(forKind: "administrative-penalty"))
    }

    @Test("the bundled file loads: penalties, counted from the decision date, three regimes in order")
    func bundledFile() throws {
        #expect(PublicationPeriodsLoader.bundledDocuments.map(\.displayPath) == [
            "bundled:schemas/periods/administrative-penalty.v1.yaml", "bundled:schemas/periods/gsxt-administrative-penalty.v1.yaml",
        ])
        for document in PublicationPeriodsLoader.bundledDocuments {
            if case .failure(let failure) = PublicationPeriodsLoader.load(document) { Issue.record("\(failure.issues)") }
        }
        #expect(PublicationPeriodsLoader.bundled.count == 2)
        let periods = try Self.bundled()
        #expect(periods.portal == nil && periods.countedFrom == .decisionDate)
        #expect(periods.id == "administrative-penalty-periods" && periods.version == 1)
        #expect(periods.regimes.map(\.id) == ["before-2019", "fgw-2019-527", "ndrc-order-58", "ndrc-2026-credit-repair"])
        #expect(periods.regimes.map { $0.to?.description } == ["2019-06-30", "2023-04-30", "2026-03-31", nil])
        // When a pipeline says nothing: 警告 or 通报批评 only, or 简易程序, is 轻微; 限制从业 and 吊销 are 严重.
        let rule = try #require(periods.defaultSeverityRule)
        #expect(rule.severity(["处罚类别": "警告"]).0 == .minor && rule.severity(["处罚类别": "通报批评"]).0 == .minor)
        #expect(rule.severity(["处罚类别": "警告；罚款"]).0 == .general && rule.severity(["程序类型": "简易程序", "处罚类别": "罚款"]).0 == .minor)
        #expect(rule.severity(["处罚类别": "限制从业"]).0 == .serious && rule.severity(["处罚类别": "吊销许可证件"]).0 == .serious)
        #expect(periods.revocationWithdrawalWorkingDays == 5)
        guard case .found(let schema) = SchemaCatalog.find(kind: "penalty") else {
            Issue.record("the penalty schema is not bundled")
            return
        }
        #expect(periods.kind == schema.id)
        #expect(PublicationPeriodsLoader.periods(forKind: "administrative-permit") == nil)
    }

    @Test("gsxt has its own rule (总局令第45号 第十三条): counted from publication, 3 months for 通报批评 only or a small fine, else 3 years")
    func gsxtFile() throws {
        let gsxt = try #require(PublicationPeriodsLoader.periods(forKind: "administrative-penalty", portal: "gsxt"))
        #expect(gsxt.portal == "gsxt" && gsxt.countedFrom == .publicationDate && gsxt.generalNotPublishedApplies)
        #expect(PublicationPeriodsLoader.periods(forKind: "administrative-penalty", portal: "creditchina-henan-zhengzhou") == nil)
        let rule = try #require(gsxt.defaultSeverityRule)
        #expect(rule.severity(["处罚类别": "通报批评"]).0 == .minor)
        #expect(rule.severity(["处罚类别": "罚款", "罚款金额(万元)": "0.2"]).0 == .minor)
        #expect(rule.severity(["处罚类别": "罚款", "罚款金额(万元)": "0.2"]).reason == "处罚类别只有‘罚款’且罚款金额(万元) 0.2 ≤ 0.3 → 轻微")
        #expect(rule.severity(["处罚类别": "罚款", "罚款金额(万元)": "0.5"]).0 == .general)
        #expect(rule.severity(["处罚类别": "罚款；没收违法所得", "罚款金额(万元)": "0.2"]).0 == .general)
        let decided = CalendarDate(year: 2026, month: 11, day: 30)!
        #expect(gsxt.assess(decisionDate: decided, severity: .minor, domains: []) == .period(
            regime: "samr-order-45", severity: .minor, repairFrom: CalendarDate(year: 2027, month: 2, day: 28)!,
            endsOn: CalendarDate(year: 2027, month: 2, day: 28)!))
        #expect(gsxt.assess(decisionDate: decided, severity: .general, domains: []) == .period(
            regime: "samr-order-45", severity: .general, repairFrom: CalendarDate(year: 2029, month: 11, day: 30)!,
            endsOn: CalendarDate(year: 2029, month: 11, day: 30)!))
        // A general file cannot count from publication: only a portal's own rule can.
        let text = try #require(PublicationPeriodsLoader.bundledDocuments.first).text
            .replacingOccurrences(of: "counted_from: decision_date", with: "counted_from: publication_date")
        guard case .failure(let failure) = PublicationPeriodsLoader.load(SchemaDocument(origin: .bundled("periods/x.yaml"), text: text)) else {
            Issue.record("accepted")
            return
        }
        #expect(failure.issues.map(\.code) == ["periods-bad-value"])
    }

    /// Decision date, severity, domains → regime, repair from, ends on (hand-checked).
    @Test(
        "the bundled regimes at their boundaries",
        arguments: [
            ("2019-06-30", CreditSeverity.general, [String](), "before-2019", "2019-09-30", "2022-06-30"),  // no rule then: 3 years at most [inferred]
            ("2019-07-01", .general, [], "fgw-2019-527", "2019-10-01", "2020-07-01"),
            ("2019-07-01", .serious, [], "fgw-2019-527", "2020-01-01", "2022-07-01"),
            ("2019-07-01", .minor, [], "fgw-2019-527", "2019-10-01", "2020-07-01"),  // 轻微 as 一般
            ("2023-04-30", .general, [], "fgw-2019-527", "2023-07-30", "2024-04-30"),
            ("2023-04-30", .general, ["消防"], "fgw-2019-527", "2023-07-30", "2024-04-30"),  // no domain minimums in 527号
            ("2023-04-30", .serious, ["食品药品"], "fgw-2019-527", "2026-04-30", "2026-04-30"),  // 特定严重失信
            ("2023-05-01", .general, [], "ndrc-order-58", "2023-08-01", "2026-05-01"),
            ("2023-05-01", .general, ["消防"], "ndrc-order-58", "2024-05-01", "2026-05-01"),
            ("2023-05-01", .minor, ["城市管理", "安全生产"], "ndrc-order-58", "2024-05-01", "2026-05-01"),
            ("2023-05-01", .serious, ["食品药品"], "ndrc-order-58", "2023-08-01", "2026-05-01"),
            ("2023-11-30", .general, [], "ndrc-order-58", "2024-02-29", "2026-11-30"),  // clamped to 29 February
            ("2026-03-31", .serious, [], "ndrc-order-58", "2026-06-30", "2029-03-31"),  // clamped to 30 June
            ("2026-04-01", .general, [], "ndrc-2026-credit-repair", "2026-07-01", "2027-04-01"),
            ("2026-04-01", .general, ["消防"], "ndrc-2026-credit-repair", "2026-07-01", "2027-04-01"),
            ("2026-04-01", .serious, [], "ndrc-2026-credit-repair", "2027-04-01", "2029-04-01"),
        ] as [(String, CreditSeverity, [String], String?, String?, String?)])
    func boundaries(
        decided: String, severity: CreditSeverity, domains: [String], regime: String?, repairFrom: String?, endsOn: String?
    ) throws {
        let assessment = try Self.bundled().assess(decisionDate: try Self.date(decided), severity: severity, domains: domains)
        guard let regime, let repairFrom, let endsOn else {
            #expect(assessment == .noRegime)
            return
        }
        #expect(
            assessment
                == .period(regime: regime, severity: severity, repairFrom: try Self.date(repairFrom), endsOn: try Self.date(endsOn)))
    }

    @Test("from 2026-04-01, 轻微 is not published, whatever the domain")
    func minorNotPublished() throws {
        let periods = try Self.bundled()
        for decided in ["2026-04-01", "2030-12-31"] {
            #expect(
                periods.assess(decisionDate: try Self.date(decided), severity: .minor, domains: ["消防"])
                    == .notPublished(regime: "ndrc-2026-credit-repair", severity: .minor))
        }
    }

    @Test("a period is a setting in the file: change the file, and the period changes")
    func periodsAreData() throws {
        let document = try #require(PublicationPeriodsLoader.bundledDocuments.first)
        let edited = document.text.replacingOccurrences(of: "消防: 12", with: "消防: 24")
        #expect(edited != document.text)
        let periods = try PublicationPeriodsLoader.load(SchemaDocument(origin: .disk("edited.yaml"), text: edited)).get()
        #expect(
            periods.assess(decisionDate: try Self.date("2023-05-01"), severity: .general, domains: ["消防"])
                == .period(
                    regime: "ndrc-order-58", severity: .general, repairFrom: try Self.date("2025-05-01"),
                    endsOn: try Self.date("2026-05-01")))
    }

    @Test("a broken file is refused with every problem at its line")
    func brokenFile() throws {
        let text = """
            # a broken copy
            id: broken
            version: 1
            kind: administrative-penalty
            counted_from: decision_date
            regimes:
              - id: a
                title: A
                from: 2019-07-01
                to: 2023-04-30
                periods:
                  轻微: {minimum_months: 3, maximum_months: 12}
                  一般:
                    minimum_months: 13
                    maximum_months: 12
                  严重: {minimum_months: 6, maximum_months: 36}
                  重大: {minimum_months: 6, maximum_months: 36}
              - id: b
                from: 2023-05-01
                to: 2026-02-30
                periods: {轻微: {published: false}, 一般: {minimum_months: 3, maximum_months: 36}, 严重: {minimum_months: 3, maximum_months: 36}}
                domain_minimums:
                  消防: 48
            """
        guard case .failure(let failure) = PublicationPeriodsLoader.load(SchemaDocument(origin: .disk("broken.yaml"), text: text)) else {
            Issue.record("the broken file loaded")
            return
        }
        #expect(failure.issues.map { "\($0.line.map(String.init) ?? "-") \($0.code)" }.sorted() == [
            "14 periods-minimum-exceeds-maximum", "17 periods-unknown-severity", "20 periods-bad-date",
            "23 periods-minimum-exceeds-maximum",
        ])
        #expect(failure.issues.map(\.description).sorted().first == "broken.yaml:14: 错误 [periods-minimum-exceeds-maximum] regime “a”中一般失信的最短期限 13 个月超过了最长期限 12 个月")
    }

    /// The header takes lines 1–5; regime N (flow style, one per line) is on line 5 + N.
    static func file(_ regimes: [String], counted: String = "decision_date") -> String {
        (["id: t", "version: 1", "kind: administrative-penalty", "counted_from: \(counted)", "regimes:"] + regimes.map { "  - " + $0 })
            .joined(separator: "\n")
    }

    static let all = "periods: {轻微: {minimum_months: 3, maximum_months: 12}, 一般: {minimum_months: 3, maximum_months: 12}, 严重: {minimum_months: 6, maximum_months: 36}}"

    @Test(
        "regimes in order, without overlaps or gaps; severities known and complete; the rest of the checks",
        arguments: [
            ("overlap", file(["{id: a, from: 2019-07-01, to: 2023-04-30, \(all)}", "{id: b, from: 2023-04-30, \(all)}"]),
             ["7 periods-regime-overlap"]),
            ("gap", file(["{id: a, from: 2019-07-01, to: 2023-04-30, \(all)}", "{id: b, from: 2023-05-02, \(all)}"]),
             ["7 periods-regime-gap"]),
            ("order", file(["{id: a, from: 2023-05-01, \(all)}", "{id: b, from: 2019-07-01, to: 2023-04-30, \(all)}"]),
             ["7 periods-regime-order"]),
            ("reversed dates", file(["{id: a, from: 2023-05-01, to: 2023-04-30, \(all)}"]), ["6 periods-bad-date"]),
            ("not a date", file(["{id: a, from: 2023/05/01, \(all)}"]), ["6 periods-bad-date"]),
            ("duplicate id", file(["{id: a, from: 2019-07-01, to: 2023-04-30, \(all)}", "{id: a, from: 2023-05-01, \(all)}"]),
             ["7 periods-duplicate-regime"]),
            ("missing severity", file(["{id: a, from: 2019-07-01, periods: {一般: {minimum_months: 3, maximum_months: 12}}}"]),
             ["6 periods-missing-severity"]),
            ("not published with a period", file([
                "{id: a, from: 2019-07-01, periods: {轻微: {published: false, maximum_months: 3}, 一般: {minimum_months: 3, maximum_months: 12}, 严重: {minimum_months: 6, maximum_months: 36}}}",
            ]), ["6 periods-bad-value"]),
            ("no maximum", file([
                "{id: a, from: 2019-07-01, periods: {轻微: {minimum_months: 3}, 一般: {minimum_months: 3, maximum_months: 12}, 严重: {minimum_months: 6, maximum_months: 36}}}",
            ]), ["6 periods-missing-key"]),
            ("unknown key", file(["{id: a, from: 2019-07-01, repealed: true, \(all)}"]), ["6 schema-unknown-key"]),
            ("counted from elsewhere", file(["{id: a, from: 2019-07-01, \(all)}"], counted: "publication_date"), ["4 periods-bad-value"]),
            ("no regimes", file([]), ["5 periods-missing-key"]),
        ] as [(String, String, [String])])
    func checks(name: String, text: String, expected: [String]) {
        switch PublicationPeriodsLoader.load(SchemaDocument(origin: .disk("\(name).yaml"), text: text)) {
        case .success: Issue.record("\(name) loaded")
        case .failure(let failure):
            #expect(failure.issues.map { "\($0.line.map(String.init) ?? "-") \($0.code)" }.sorted() == expected.sorted(), "\(failure.issues)")
        }
    }

    // MARK: - The pipeline's rule

    static let pipelineHead = """
        kind: penalty
        sources:
          - {path: inbox/*.csv}
        portals:
          - {profile: gsxt, transport: {kind: outbox}}

        """

    @Test("a pipeline's publication_period block becomes its severity rule; without one there is none")
    func pipelineRule() throws {
        let text = Self.pipelineHead + """
            publication_period:
              severity_field: 失信严重程度
              default: 一般
              rules:
                - {field: 处罚类别, contains: 吊销, severity: 严重}
                - {field: 处罚类别, one_of: [责令停产停业, 责令关闭], severity: 严重}
                - {field: 罚款金额(万元), at_least: 10, severity: 严重}
                - {field: 处罚类别, one_of: 警告, severity: 轻微}
              domains: [城市管理]
              domain_field: 领域
            """
        let pipeline = try PipelineLoader.load(SchemaDocument(origin: .disk("p.yaml"), text: text), id: "p", base: "/").get()
        #expect(pipeline.publicationPeriod == SeverityRule(
            field: "失信严重程度",
            rules: [
                .init(field: "处罚类别", test: .contains("吊销"), severity: .serious),
                .init(field: "处罚类别", test: .oneOf(["责令停产停业", "责令关闭"]), severity: .serious),
                .init(field: "罚款金额(万元)", test: .atLeast(10), severity: .serious),
                .init(field: "处罚类别", test: .oneOf(["警告"]), severity: .minor),
            ],
            defaultSeverity: .general, domainField: "领域", domains: ["城市管理"]))
        #expect(pipeline.publicationPeriod?.severity(["处罚类别": "责令关闭"]).reason == "处罚类别为‘责令关闭’ → 严重")
        let plain = try PipelineLoader.load(SchemaDocument(origin: .disk("q.yaml"), text: Self.pipelineHead), id: "q", base: "/").get()
        #expect(plain.publicationPeriod == nil)
    }

    @Test("a bad severity, a bad number, an unknown key or test, a missing default: each at its line")
    func pipelineRuleProblems() {
        let text = Self.pipelineHead + """
            publication_period:
              default: 一般
              rules:
                - {field: 处罚类别, contains: 吊销, severity: 重大}
                - {field: 罚款金额(万元), at_least: 十万, severity: 严重}
                - {field: 处罚类别, equals: 警告, severity: 轻微}
                - {field: 处罚类别, contains: 吊销, one_of: [责令关闭], severity: 严重}
              domain: 消防
            """
        guard case .failure(let failure) = PipelineLoader.load(SchemaDocument(origin: .disk("p.yaml"), text: text), id: "p", base: "/")
        else {
            Issue.record("the pipeline loaded")
            return
        }
        #expect(failure.issues.map { "\($0.line.map(String.init) ?? "-") \($0.code)" }.sorted() == [
            "9 pipeline-bad-value", "10 pipeline-bad-value", "11 pipeline-bad-value", "11 schema-unknown-key",
            "12 pipeline-bad-value", "13 schema-unknown-key",
        ].sorted())
        #expect(failure.issues.contains { $0.description == "p.yaml:9: 错误 [pipeline-bad-value] severity 应为 轻微、一般、严重 之一，而不是“重大”" })
        let noDefault = Self.pipelineHead + "publication_period:\n  rules: []\n"
        guard case .failure(let missing) = PipelineLoader.load(SchemaDocument(origin: .disk("p.yaml"), text: noDefault), id: "p", base: "/")
        else {
            Issue.record("a block without default loaded")
            return
        }
        #expect(missing.issues.map { "\($0.line.map(String.init) ?? "-") \($0.code)" } == ["7 pipeline-missing-key"])
    }
}
