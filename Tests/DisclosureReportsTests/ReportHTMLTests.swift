import DisclosureReports
import Foundation
import GongshiTesting
import Testing

// MARK: - The report the tests render

/// A value in a source file that tries to become markup.
private let hostileValue = "<script>alert(1)</script> & \"x\""
/// A portal's reason that tries to become an element with an attribute.
private let hostileReason = "\"><img src=x onerror=alert(2)>拒收"

/// Two departments, three months, every rounding case, one ratio with nothing to count.
private func sampleReport() -> CreditReport {
    let months = ["2026-09", "2026-10", "2026-11"]
    let fazhike: [(Ratio, Ratio, Ratio)] = [
        (Ratio(39, of: 40), Ratio(1, of: 3), Ratio(40, of: 40)),
        (Ratio(2, of: 3), Ratio(1, of: 8), Ratio(38, of: 40)),
        (Ratio(40, of: 40), Ratio(7, of: 8), Ratio(0, of: 5)),
    ]
    let shenpi: [(Ratio, Ratio, Ratio)] = [
        (Ratio(12, of: 13), Ratio(0, of: 0), Ratio(13, of: 13)),
        (Ratio(5, of: 6), Ratio(3, of: 4), Ratio(1, of: 6)),
        (Ratio(99, of: 100), Ratio(2, of: 2), Ratio(95, of: 100)),
    ]
    var rates: [MonthlyRates] = []
    for (department, series) in [("法制科", fazhike), ("行政审批科", shenpi)] {
        for (month, ratios) in zip(months, series) {
            rates.append(
                MonthlyRates(
                    department: department, month: month, compliance: ratios.0, timeliness: ratios.1,
                    completeness: ratios.2))
        }
    }
    return CreditReport(
        title: "双公示台账报告（2026 年 9 月至 11 月）", from: "2026-09-01", to: "2026-11-30", today: "2026-11-30",
        departments: [
            DepartmentSummary(
                department: "法制科", pipeline: "fazhike-penalties", kind: "行政处罚", files: 12, failedFiles: 1, records: 131,
                valid: 117, invalid: 10, skipped: 4, incomplete: 3, published: 110, pending: 5, rejected: 2,
                withdrawn: 1),
            DepartmentSummary(
                department: "行政审批科", pipeline: "shenpi-permits", kind: "行政许可", files: 3, records: 119, valid: 116,
                invalid: 3,
                incomplete: 7, published: 116),
        ],
        rates: rates,
        problems: [
            ProblemLine(
                department: "法制科", file: "处罚-2026-10.csv", row: 14, line: nil, field: "处罚内容", type: "injected-markup",
                value: hostileValue, message: "值含有不允许的字符"),
            ProblemLine(
                department: "法制科", file: "处罚-2026-10.csv", row: 22, line: nil, field: "统一社会信用代码",
                type: "credit-code-check",
                value: "91410100MA4*****", message: "统一社会信用代码校验位错误"),
            ProblemLine(
                department: "行政审批科", file: "permits-2026-11.xml", row: nil, line: 408, field: nil, type: "xsd",
                value: nil, message: "元素 XK_JDRQ 不是有效日期"),
        ],
        problemsTotal: 57,
        portalRejections: [
            RejectionLine(
                department: "法制科", portal: "信用中国（河南·郑州）", feed: "xyzg-penalty", decisionNumber: "郑执法罚〔2026〕101 号",
                batch: "b-7f3e", position: 3, reason: hostileReason)
        ],
        deadlines: [
            DeadlineLine(
                department: "法制科", portal: "信用中国（河南·郑州）", feed: "xyzg-penalty", decisionNumber: "郑执法罚〔2026〕120 号",
                decisionDate: "2026-11-20", dueOn: "2026-12-01", publishedOn: "2026-11-24", state: .onTime),
            DeadlineLine(
                department: "行政审批科", portal: "国家企业信用信息公示系统", feed: "gsxt-permit", decisionNumber: "郑审批许〔2026〕77 号",
                decisionDate: "2026-11-10", dueOn: "2026-11-19", publishedOn: "2026-11-25", state: .late),
            DeadlineLine(
                department: "法制科", portal: "信用中国（河南·郑州）", feed: "xyzg-penalty", decisionNumber: "郑执法罚〔2026〕118 号",
                decisionDate: "2026-11-21", dueOn: "2026-12-01", publishedOn: nil, state: .dueSoon),
            DeadlineLine(
                department: "法制科", portal: "信用中国（河南·郑州）", feed: "xyzg-penalty", decisionNumber: "郑执法罚〔2026〕99 号",
                decisionDate: "2026-11-11", dueOn: "2026-11-20", publishedOn: nil, state: .overdue),
            DeadlineLine(
                department: "行政审批科", portal: "信用中国（河南·郑州）", feed: "xyzg-permit", decisionNumber: "郑审批许〔2026〕90 号",
                decisionDate: "2026-11-27", dueOn: "2026-12-08", publishedOn: nil, state: .notYetDue),
        ],
        withdrawals: [
            WithdrawalLine(
                department: "法制科", portal: "信用中国（河南·郑州）", feed: "xyzg-penalty", decisionNumber: "郑执法罚〔2026〕12 号",
                reason: "行政复议撤销", note: "复议决定书 郑复〔2026〕3 号", requestedOn: "2026-10-08", status: "done"),
            WithdrawalLine(
                department: "法制科", portal: "信用中国（河南·郑州）", feed: "xyzg-penalty", decisionNumber: "郑执法罚〔2026〕15 号",
                reason: "公示期满", note: nil, requestedOn: "2026-11-29", status: "pending"),
        ],
        repairEligible: [
            PeriodLine(
                department: "法制科", portal: "信用中国（河南·郑州）", decisionNumber: "郑执法罚〔2025〕88 号",
                subjectName: "郑州某某商贸有限公司", decisionDate: "2025-08-14", severity: "一般", regime: "2021",
                repairFrom: "2025-11-14", expiresOn: "2026-08-14")
        ],
        run: RunSection(
            id: 42, pipeline: "fazhike-penalties", mode: "nightly", exitStatus: 75, validRecords: 117,
            invalidRecordsAndFailedFiles: 11,
            feeds: ["xyzg-penalty": ["published": 8, "corrected": 1, "still_rejected": 1]],
            expiredWithdrawn: 1))
}

// MARK: - Reading the dumped DOM

/// `percent` without its `%`, as the chart's `data-value` carries it.
private func chartValue(_ ratio: Ratio) -> String { ratio.percent.replacingOccurrences(of: "%", with: "") }

private func ratios(_ line: MonthlyRates) -> [(String, Ratio)] {
    [("compliance", line.compliance), ("timeliness", line.timeliness), ("completeness", line.completeness)]
}

/// Renders `report` to a temporary file and returns the raw HTML and the DOM chromium made of it.
private func renderInBrowser(_ report: CreditReport) throws -> (html: String, dom: String) {
    let folder = Scratch.root.appendingPathComponent("gongshi-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("报告.html")
    let html = ReportHTML.render(report)
    try html.write(to: file, atomically: true, encoding: .utf8)
    return (html, try HeadlessBrowser.dumpDOM(of: file.path))
}

// MARK: - Tests

@Suite("Credit report: ratios and the JSON copy")
struct CreditReportValueTests {
    @Test("percentages: one decimal, rounded half up on the exact fraction; nothing to count is —")
    func ratioFormatting() {
        #expect(Ratio(1, of: 3).percent == "33.3%")
        #expect(Ratio(2, of: 3).percent == "66.7%")
        #expect(Ratio(1, of: 8).percent == "12.5%")
        #expect(Ratio(0, of: 0).percent == "—")
        #expect(Ratio(40, of: 40).percent == "100.0%")
        #expect(Ratio(39, of: 40).percent == "97.5%")
        #expect(Ratio(0, of: 5).percent == "0.0%")
    }

    @Test("a publication period's end: the page shows the last day published (公示至), the JSON the exclusive end")
    func periodEndShownInclusive() throws {
        let report = sampleReport()
        let html = ReportHTML.render(report)
        // expires_on 2026-08-14 (publication stops that day): published until 2026-08-13.
        let start = try #require(html.range(of: "id=\"repair\""))
        let section = html[start.upperBound...].prefix { _ in true }
        let repair = String(section[..<(section.range(of: "</section>")?.lowerBound ?? section.endIndex)])
        #expect(repair.contains("<th scope=\"col\">公示至</th>"), "\(repair)")
        #expect(repair.contains("<td>2026-08-13</td>"), "\(repair)")
        #expect(!repair.contains("2026-08-14"))
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains("\"expires_on\":\"2026-08-14\""), "\(json)")
    }

    @Test("the JSON copy decodes to the same report")
    func jsonRoundTrip() throws {
        let report = sampleReport()
        #expect(try CreditReport.decode(report.json()) == report)
        let empty = CreditReport(
            title: "空", from: "2026-11-01", to: "2026-11-30", today: "2026-11-30", departments: [], rates: [],
            problems: [],
            problemsTotal: 0, portalRejections: [], deadlines: [], withdrawals: [], repairEligible: [])
        #expect(try CreditReport.decode(empty.json()) == empty)
    }
}

@Suite("Credit report HTML, loaded in headless chromium")
struct ReportHTMLBrowserTests {
    @Test("every rate cell, the drawn chart, escaping, definitions and deadline order, as the browser sees them")
    func renderedPage() throws {
        let report = sampleReport()
        let (html, dom) = try renderInBrowser(report)

        // The rates table: one cell per department, month and rate, showing the model's figures.
        var cells: [String: (pct: String, attributes: [String: String])] = [:]
        for groups in try DOMProbe.captures(
            #"<td\b([^>]*\bdata-rate="[^"]*"[^>]*)>\s*<span class="pct">([^<]*)</span>"#, in: dom)
        {
            let found = try DOMProbe.attributes(groups[0])
            let key = "\(found["data-department"] ?? "")|\(found["data-month"] ?? "")|\(found["data-rate"] ?? "")"
            #expect(cells[key] == nil, "two cells for \(key)")
            cells[key] = (DOMProbe.unescapeHTML(groups[1]), found)
        }
        #expect(cells.count == report.rates.count * 3)
        for line in report.rates {
            for (rate, ratio) in ratios(line) {
                let key = "\(line.department)|\(line.month)|\(rate)"
                let cell = try #require(cells[key], "no rate cell for \(key)")
                #expect(cell.pct == ratio.percent, "\(key)")
                #expect(cell.attributes["data-numerator"] == "\(ratio.numerator)", "\(key)")
                #expect(cell.attributes["data-denominator"] == "\(ratio.denominator)", "\(key)")
            }
        }
        #expect(dom.contains("<span class=\"pct\">97.5%</span><span class=\"fraction\">（39/40）</span>"))

        // The chart: drawn by the page's script, one circle per ratio with something to count.
        #expect(try DOMProbe.captures(#"<body\b([^>]*)>"#, in: dom).first.map { try DOMProbe.attributes($0[0])["data-chart"] } == "drawn")
        var expected: [String: String] = [:]
        for line in report.rates {
            for (rate, ratio) in ratios(line) where ratio.denominator > 0 {
                expected["\(line.department)|\(line.month)|\(rate)"] = chartValue(ratio)
            }
        }
        #expect(expected.count == report.rates.count * 3 - 1)
        #expect(try DOMProbe.captures(#"\bid="chart""#, in: dom).count == 1)
        let chart = try #require(DOMProbe.section("chart", in: dom))
        let svg = try #require(try DOMProbe.captures(#"<svg\b([^>]*)>"#, in: chart).first.map { try DOMProbe.attributes($0[0]) })
        #expect(svg["data-points"] == "\(expected.count)")
        let circles = try DOMProbe.captures(#"<circle\b([^>]*)>\s*<title>([^<]*)</title>"#, in: chart)
        #expect(circles.count == expected.count)
        #expect(try DOMProbe.captures(#"<circle\b"#, in: dom).count == expected.count)
        var drawn: [String: String] = [:]
        for groups in circles {
            let found = try DOMProbe.attributes(groups[0])
            let key = "\(found["data-department"] ?? "")|\(found["data-month"] ?? "")|\(found["data-rate"] ?? "")"
            #expect(drawn[key] == nil, "two circles for \(key)")
            drawn[key] = found["data-value"]
            #expect(DOMProbe.unescapeHTML(groups[1]).contains("\(found["data-value"] ?? "?")%"), "tooltip of \(key)")
        }
        #expect(drawn == expected)
        #expect(try DOMProbe.captures(#"<polyline\b"#, in: chart).count == 6)
        #expect(chart.contains("法制科 合规率"))
        #expect(chart.contains("行政审批科 完整率"))
        #expect(chart.contains(">月份<"))

        // Hostile values are text: escaped where they are shown, and nothing was injected.
        let values = try DOMProbe.captures(#"<td class="value">([^<]*)</td>"#, in: dom).map { DOMProbe.unescapeHTML($0[0]) }
        #expect(values.contains(hostileValue))
        #expect(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; \"x\""))
        #expect(dom.contains("\"&gt;&lt;img src=x onerror=alert(2)&gt;拒收"))
        #expect(try DOMProbe.captures(#"<script\b"#, in: dom).count == 2)
        #expect(!dom.contains("<script>alert"))
        #expect(!dom.contains("<img"))
        #expect(!html.contains("<script>alert"))

        // Self-contained: no URL of any kind, no import, no font, only in-page links.
        for forbidden in [
            "http://", "https://", "file:", "@import", "@font-face", "url(", "src=\"", "src='", "<link", "<iframe",
        ] {
            #expect(!html.lowercased().contains(forbidden), "the page contains \(forbidden)")
        }
        for groups in try DOMProbe.captures(#"\bhref="([^"]*)""#, in: html) {
            #expect(groups[0].hasPrefix("#"), "link to \(groups[0])")
        }
        #expect(html.contains("<meta charset=\"utf-8\">"))

        // The sections, the definitions stated on the page, and the problem count.
        for id in [
            "summary", "rates", "chart", "definitions", "deadlines", "problems", "rejections", "withdrawals", "repair",
            "run",
        ] {
            #expect(DOMProbe.section(id, in: dom) != nil, "no section \(id)")
        }
        let definitions = try #require(DOMProbe.section("definitions", in: dom))
        for definition in Definition.standard {
            #expect(definitions.contains(definition.name))
            #expect(definitions.contains(definition.formula))
            #expect(definitions.contains(definition.text))
        }
        #expect(try #require(DOMProbe.section("problems", in: dom)).contains("共 57 条，列出前 3 条"))
        #expect(try #require(DOMProbe.section("problems", in: dom)).contains("XML 第 408 行"))
        let summary = try #require(DOMProbe.section("summary", in: dom))
        for title in ["科室", "种类", "文件", "记录", "有效", "无效", "跳过", "不完整", "已公示", "待公示/待确认", "被拒收", "已撤下"] {
            #expect(summary.contains("<th scope=\"col\">\(title)</th>"), "no column \(title)")
        }

        // Deadlines: overdue first, then due soon, then published late.
        let deadlines = try #require(DOMProbe.section("deadlines", in: dom))
        let states = try DOMProbe.captures(#"<tr\b[^>]*\bdata-state="([^"]*)""#, in: deadlines).map { $0[0] }
        #expect(states.count == report.deadlines.count)
        #expect(Array(states.prefix(3)) == ["overdue", "due_soon", "late"])
        #expect(try #require(DOMProbe.section("withdrawals", in: dom)).contains("待确认"))
        #expect(try #require(DOMProbe.section("repair", in: dom)).contains("郑州某某商贸有限公司"))
    }

    @Test("an empty report: every section says so, and the chart is drawn with no points")
    func emptyReport() throws {
        let report = CreditReport(
            title: "空报告", from: "2026-11-01", to: "2026-11-30", today: "2026-11-30", departments: [], rates: [],
            problems: [],
            problemsTotal: 0, portalRejections: [], deadlines: [], withdrawals: [], repairEligible: [])
        let (_, dom) = try renderInBrowser(report)
        #expect(dom.contains("data-chart=\"drawn\""))
        #expect(try DOMProbe.captures(#"<svg\b[^>]*\bdata-points="0""#, in: dom).count == 1)
        #expect(try DOMProbe.captures(#"<circle\b"#, in: dom).isEmpty)
        for id in ["summary", "rates", "deadlines", "problems", "rejections", "withdrawals", "repair"] {
            #expect(try #require(DOMProbe.section(id, in: dom)).contains("<p class=\"empty\">无</p>"), "section \(id)")
        }
        #expect(DOMProbe.section("run", in: dom) == nil)
        #expect(dom.contains("<noscript>"))
    }

    @Test("the chart's data block: the rates only, and a department named like markup cannot end it or inject an element")
    func dataBlock() throws {
        let hostile = "科室</script><b id=\"injected\">"
        let report = CreditReport(
            title: "t", from: "2026-11-01", to: "2026-11-30", today: "2026-11-30",
            departments: [DepartmentSummary(department: hostile, pipeline: "p", kind: "行政处罚")],
            rates: [
                MonthlyRates(
                    department: hostile, month: "2026-11", compliance: Ratio(3, of: 4), timeliness: Ratio(1, of: 2),
                    completeness: Ratio(4, of: 4))
            ],
            problems: [], problemsTotal: 0, portalRejections: [], deadlines: [],
            deadlineCounts: ["overdue": 5000, "due_soon": 0, "late": 0, "not_yet_due": 0, "on_time": 0], withdrawals: [],
            repairEligible: [])
        let (html, dom) = try renderInBrowser(report)
        let block = try #require(try DOMProbe.captures(#"<script type="application/json" id="report-data">(.*?)</script>"#, in: html).first?[0])
        #expect(block.hasPrefix("{\"rates\":[") && block.contains(#"科室\u003c/script>\u003cb id=\"injected\">"#), "\(block)")
        #expect(!dom.contains("<b id"))  // shown as text, never an element
        #expect(try DOMProbe.chartPoints(dom).count == 3)
        // Counts come from all records, even when none is listed.
        #expect(dom.contains("<span data-count=\"overdue\">逾期未公示 5000 条</span>"))
        #expect(dom.contains("下表列出最紧急的 0 条（共 5000 条需处理）"))
    }

    @Test("a revoked decision still shown past its day to be taken down: counted apart and listed first, in the clerks' words")
    func withdrawalOverdue() throws {
        var line = DeadlineLine(
            department: "法制科", portal: "creditchina-henan-zhengzhou", feed: "", decisionNumber: "牟城管罚〔2026〕402号", decisionDate: "2026-11-02",
            dueOn: "2026-11-11", publishedOn: "2026-11-03", state: .withdrawalOverdue)
        line.reason = "撤销于 2026-11-04，应于 2026-11-11 前撤下，门户仍在公示"
        let report = CreditReport(
            title: "t", from: "2026-11-01", to: "2026-11-30", today: "2026-11-13",
            departments: [DepartmentSummary(department: "法制科", pipeline: "p", kind: "行政处罚")], rates: [],
            problems: [], problemsTotal: 0, portalRejections: [], deadlines: [line],
            deadlineCounts: ["on_time": 1, "withdrawal_overdue": 1, "withdrawal_due": 0], withdrawals: [], repairEligible: [])
        let (_, dom) = try renderInBrowser(report)
        #expect(dom.contains("<span data-count=\"withdrawal_overdue\">撤销后逾期未撤下 1 条</span>"), "\(dom)")
        #expect(!dom.contains("data-count=\"withdrawal_due\""))
        #expect(dom.contains("data-state=\"withdrawal_overdue\""))
    }
}
