import FoundationEssentials
import DisclosureCore

/// The credit office's report as one self-contained HTML page in Chinese, for the clerks.
///
/// Everything is inside the page: inline CSS (readable on screen, clean on paper), the report's
/// JSON in a `<script type="application/json" id="report-data">` block, and a small inline script
/// (plain ES2017, no library) that draws the rates chart from it as SVG. Nothing is loaded from
/// anywhere: no URL in any `src` or `href` (only in-page `#` links), no `@import`, no web font.
/// Every text taken from the report is HTML-escaped; in the JSON block every `<` is written as
/// `\u003c`, so no value can end the script.
///
/// Sections carry stable ids: `summary`, `rates`, `chart` (the `<div id="chart">` the script
/// draws in), `definitions`, `deadlines`, `problems`, `rejections`, `withdrawals`, `repair` and,
/// for a run's report, `run`.
public enum ReportHTML {
    /// The page for `report`.
    public static func render(_ report: CreditReport) -> String {
        var page = HTMLPage()
        page.raw("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n")
        page.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        page.raw("<title>\(escape(report.title))</title>\n<style>\n\(stylesheet)</style>\n</head>\n<body>\n")
        page.navigation(hasRun: report.run != nil)
        page.summary(report)
        page.rates(report)
        page.chart()
        page.definitions(report.definitions)
        page.deadlines(report.deadlines, counts: report.deadlineCounts)
        page.problems(report.problems, total: report.problemsTotal)
        page.rejections(report.portalRejections, total: report.portalRejectionsTotal)
        page.withdrawals(report.withdrawals, total: report.withdrawalsTotal)
        page.repair(report.repairEligible, total: report.repairEligibleTotal)
        if let run = report.run { page.run(run) }
        page.raw("<footer>由 gongshi 生成。页面上的每个数字都取自同一份报告数据（JSON 副本与本页一致）。</footer>\n")
        page.raw("<script type=\"application/json\" id=\"report-data\">\(embeddedJSON(report))</script>\n")
        page.raw("<script>\n\(chartScript)</script>\n</body>\n</html>\n")
        return page.text
    }

    /// `text` safe as HTML text and as a quoted attribute value (the console's pages too).
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// What the chart draws, as JSON for the data block — the rates, not the whole report (the
    /// tables are in the page, the whole report in the JSON copy): every `<` as `\u003c` (valid
    /// JSON, and no `</script>` or `<!--` can appear inside the script element).
    static func embeddedJSON(_ report: CreditReport) -> String {
        struct ChartData: Encodable { let rates: [MonthlyRates] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and integers cannot fail; `null` keeps the page whole if it ever did.
        guard let bytes = try? encoder.encode(ChartData(rates: report.rates)) else { return "null" }
        var result = ""
        result.reserveCapacity(bytes.count)
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            if scalar == "<" { result += "\\u003c" } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }
}

// MARK: - Building the page

/// The page as it is written, section by section.
private struct HTMLPage {
    var text = ""

    mutating func raw(_ html: String) { text += html }

    /// A cell with escaped text.
    mutating func cell(_ value: String, className: String? = nil) {
        text += className.map { "<td class=\"\($0)\">" } ?? "<td>"
        text += ReportHTML.escape(value) + "</td>"
    }

    mutating func number(_ value: Int) { text += "<td class=\"num\">\(value)</td>" }

    mutating func optional(_ value: String?) { cell(value ?? "—", className: value == nil ? "none" : nil) }

    mutating func header(_ titles: [String]) {
        text += "<thead><tr>"
        for title in titles { text += "<th scope=\"col\">\(ReportHTML.escape(title))</th>" }
        text += "</tr></thead>\n"
    }

    mutating func open(_ id: String, _ heading: String) {
        text += "<section id=\"\(id)\">\n<h2>\(ReportHTML.escape(heading))</h2>\n"
    }

    mutating func close() { text += "</section>\n" }

    mutating func empty() { text += "<p class=\"empty\">无</p>\n" }

    mutating func navigation(hasRun: Bool) {
        var links = [
            ("summary", "概况"), ("rates", "比率"), ("chart", "图表"), ("definitions", "口径"), ("deadlines", "截止日期"),
            ("problems", "问题"), ("rejections", "门户拒收"), ("withdrawals", "撤下"), ("repair", "信用修复"),
        ]
        if hasRun { links.append(("run", "本次运行")) }
        text += "<nav>"
        text += links.map { "<a href=\"#\($0.0)\">\($0.1)</a>" }.joined(separator: " · ")
        text += "</nav>\n"
    }

    mutating func summary(_ report: CreditReport) {
        text += "<section id=\"summary\">\n<h1>\(ReportHTML.escape(report.title))</h1>\n"
        text += "<p class=\"period\">统计期间：<span class=\"from\">\(ReportHTML.escape(report.from))</span> 至 "
        text += "<span class=\"to\">\(ReportHTML.escape(report.to))</span>"
        text += "　报告日期：<span class=\"today\">\(ReportHTML.escape(report.today))</span>"
        text += "（“逾期”“可申请信用修复”均以此日为准）</p>\n"
        text += "<h2>各科室概况</h2>\n"
        guard !report.departments.isEmpty else {
            empty()
            return close()
        }
        text += "<table class=\"departments\">\n"
        header(["科室", "种类", "文件", "记录", "有效", "无效", "跳过", "不完整", "已公示", "待公示/待确认", "被拒收", "已撤下"])
        text += "<tbody>\n"
        for line in report.departments {
            text += "<tr data-department=\"\(ReportHTML.escape(line.department))\">"
            text += "<th scope=\"row\">\(ReportHTML.escape(line.department))"
            text += "<div class=\"pipeline\">\(ReportHTML.escape(line.pipeline))</div></th>"
            cell(line.kind)
            files(line.files, failed: line.failedFiles, unidentifiable: line.unidentifiable)
            counts(line)
            text += "</tr>\n"
        }
        text += "</tbody>\n"
        if report.departments.count > 1 {
            let all = report.departments
            func sum(_ key: (DepartmentSummary) -> Int) -> Int { all.reduce(0) { $0 + key($1) } }
            let total = DepartmentSummary(
                department: "合计", pipeline: "", kind: "", files: sum(\.files), failedFiles: sum(\.failedFiles),
                records: sum(\.records), valid: sum(\.valid), invalid: sum(\.invalid), skipped: sum(\.skipped),
                incomplete: sum(\.incomplete), published: sum(\.published), pending: sum(\.pending),
                rejected: sum(\.rejected),
                withdrawn: sum(\.withdrawn))
            var totalWithUnidentifiable = total
            totalWithUnidentifiable.unidentifiable = sum(\.unidentifiable)
            text += "<tfoot><tr class=\"total\"><th scope=\"row\">合计</th><td></td>"
            files(total.files, failed: total.failedFiles, unidentifiable: totalWithUnidentifiable.unidentifiable)
            counts(total)
            text += "</tr></tfoot>\n"
        }
        text += "</table>\n"
        // Two bases, said plainly: what came in during the period, and what was decided in it.
        let decided = report.departments.map { "\(ReportHTML.escape($0.department)) <span class=\"decisions\" data-department=\"\(ReportHTML.escape($0.department))\">\($0.decisions)</span> 个" }
        text += "<p class=\"basis\">“文件”“记录”按收到日期计入本期；合规率、及时率、完整率按决定日期计：本期作出的决定 "
            + decided.joined(separator: "，") + "。</p>\n"
        close()
    }

    /// - Parameter unidentifiable: rows without a readable decision number (not trackable as decisions).
    private mutating func files(_ files: Int, failed: Int, unidentifiable: Int = 0) {
        var notes: [String] = []
        if failed > 0 { notes.append("读取失败 \(failed)") }
        if unidentifiable > 0 { notes.append("无法识别文号的行 \(unidentifiable)") }
        text += notes.isEmpty
            ? "<td class=\"num\">\(files)</td>"
            : "<td class=\"num\">\(files)<span class=\"note\" data-unidentifiable=\"\(unidentifiable)\">（\(notes.joined(separator: "，"))）</span></td>"
    }

    private mutating func counts(_ line: DepartmentSummary) {
        for value in [
            line.records, line.valid, line.invalid, line.skipped, line.incomplete, line.published, line.pending,
            line.rejected,
            line.withdrawn,
        ] {
            number(value)
        }
    }

    mutating func rates(_ report: CreditReport) {
        open("rates", "合规率、及时率、完整率（按科室和月份）")
        guard !report.rates.isEmpty else {
            empty()
            return close()
        }
        text += "<p class=\"hint\">每格为百分比和分数（分子/分母）；分母为 0 时无可统计的记录，记作“—”。口径见下方“口径说明”。</p>\n"
        text += "<table class=\"rates\">\n"
        header(["科室", "月份", "合规率", "及时率", "完整率"])
        text += "<tbody>\n"
        for line in report.rates {
            text += "<tr>"
            cell(line.department)
            cell(line.month)
            for (key, ratio) in [
                ("compliance", line.compliance), ("timeliness", line.timeliness), ("completeness", line.completeness),
            ] {
                text +=
                    "<td class=\"rate\" data-rate=\"\(key)\" data-department=\"\(ReportHTML.escape(line.department))\""
                text += " data-month=\"\(ReportHTML.escape(line.month))\" data-numerator=\"\(ratio.numerator)\""
                text +=
                    " data-denominator=\"\(ratio.denominator)\"><span class=\"pct\">\(ReportHTML.escape(ratio.percent))</span>"
                text += "<span class=\"fraction\">（\(ratio.numerator)/\(ratio.denominator)）</span></td>"
            }
            text += "</tr>\n"
        }
        text += "</tbody>\n</table>\n"
        close()
    }

    /// The chart's section is the `<div id="chart">` itself (one id on the page): its heading and
    /// `<noscript>` note are written here, the SVG is added by the script.
    mutating func chart() {
        text += "<div id=\"chart\" class=\"section\">\n<h2>比率走势图</h2>\n"
        text += "<noscript><p class=\"empty\">图表需要在浏览器中启用 JavaScript 才能显示；上方“比率”表格中有完全相同的数字。</p></noscript>\n"
        text += "</div>\n"
    }

    mutating func definitions(_ definitions: [Definition]) {
        open("definitions", "口径说明")
        guard !definitions.isEmpty else {
            empty()
            return close()
        }
        text += "<dl class=\"definitions\">\n"
        for definition in definitions {
            text += "<dt>\(ReportHTML.escape(definition.name))</dt>\n"
            text +=
                "<dd class=\"formula\">\(ReportHTML.escape(definition.name)) = \(ReportHTML.escape(definition.formula))</dd>\n"
            text += "<dd class=\"text\">\(ReportHTML.escape(definition.text))</dd>\n"
        }
        text += "</dl>\n"
        close()
    }

    /// - Parameter counts: every record's state (listed or not); the lines' own counts when empty.
    mutating func deadlines(_ lines: [DeadlineLine], counts: [String: Int]) {
        open("deadlines", "公示截止日期")
        let order: [(DeadlineLine.State, String)] = [
            (.overdue, "逾期未公示"), (.calendarEnded, "日历未覆盖、无法判断"), (.dueSoon, "即将到期"), (.late, "逾期后公示"),
            (.notYetDue, "未到期"), (.onTime, "按时公示"), (.noDeadline, "无截止日期"), (.notToPublish, "不予公示"),
        ]
        // Revoked decisions still shown (counted on top of the states): listed first, named apart.
        let withdrawals: [(DeadlineLine.State, String)] = [(.withdrawalOverdue, "撤销后逾期未撤下"), (.withdrawalDue, "撤销待撤下")]
        func count(_ state: DeadlineLine.State) -> Int {
            counts.isEmpty ? lines.filter { $0.state == state }.count : counts[state.rawValue] ?? 0
        }
        guard !lines.isEmpty || counts.values.contains(where: { $0 > 0 }) else {
            empty()
            return close()
        }
        text += "<p class=\"counts\">"
        text += "（每个决定在每个门户上各计一次）"
        text += order.map { state, title in "<span data-count=\"\(state.rawValue)\">\(title) \(count(state)) 条</span>" }
            .joined(separator: "；")
        let revoked = withdrawals.filter { count($0.0) > 0 }
        if !revoked.isEmpty {
            text += "；另有已撤销而门户仍在公示的："
                + revoked.map { state, title in "<span data-count=\"\(state.rawValue)\">\(title) \(count(state)) 条</span>" }.joined(separator: "，")
        }
        let needing = [DeadlineLine.State.withdrawalOverdue, .overdue, .calendarEnded, .dueSoon, .late].reduce(0) { $0 + count($1) }
        if needing > lines.count { text += "；下表列出最紧急的 \(lines.count) 条（共 \(needing) 条需处理）" }
        text += "。</p>\n<table class=\"deadlines\">\n"
        header(["状态", "科室", "门户", "决定文书号", "决定日期", "截止日期", "公示日期", "说明"])
        text += "<tbody>\n"
        for (state, title) in withdrawals + order {
            for line in lines where line.state == state {
                text += "<tr class=\"state-\(state.rawValue)\" data-state=\"\(state.rawValue)\">"
                cell(title, className: "state")
                cell(line.department)
                cell(line.portal)
                cell(line.decisionNumber)
                optional(line.decisionDate)
                optional(line.dueOn)
                optional(line.publishedOn)
                optional(line.reason)
                text += "</tr>\n"
            }
        }
        text += "</tbody>\n</table>\n"
        close()
    }

    mutating func problems(_ lines: [ProblemLine], total: Int) {
        open("problems", "数据问题（定位到文件、行和字段）")
        guard total > 0 || !lines.isEmpty else {
            empty()
            return close()
        }
        let shown = total > lines.count ? "共 \(total) 条，列出前 \(lines.count) 条" : "共 \(max(total, lines.count)) 条"
        text += "<p class=\"counts\">\(shown)。值已按校验报告的方式遮盖个人信息。</p>\n"
        guard !lines.isEmpty else { return close() }
        text += "<table class=\"problems\">\n"
        header(["科室", "文件", "行/XML 行", "字段", "值", "问题", "类型代码"])
        text += "<tbody>\n"
        for line in lines {
            text += "<tr>"
            cell(line.department)
            cell(line.file, className: "file")
            var place: [String] = []
            if let row = line.row { place.append("第 \(row) 行") }
            if let xmlLine = line.line { place.append("XML 第 \(xmlLine) 行") }
            optional(place.isEmpty ? nil : place.joined(separator: "，"))
            optional(line.field)
            text += "<td class=\"value\">\(line.value.map(ReportHTML.escape) ?? "—")</td>"
            cell(line.message)
            cell(line.type, className: "code")
            text += "</tr>\n"
        }
        text += "</tbody>\n</table>\n"
        close()
    }

    /// A section that is one table: a row per line (`attributes` for the `<tr>`), or "无".
    ///
    /// - Parameter total: how many there are in all, when the list holds only the first of them.
    mutating func tableSection<Line>(
        _ id: String, _ heading: String, headers: [String], _ lines: [Line], total: Int? = nil,
        attributes: (Line) -> String = { _ in "" }, row: (inout HTMLPage, Line) -> Void
    ) {
        open(id, heading)
        guard !lines.isEmpty else {
            empty()
            return close()
        }
        if let total, total > lines.count {
            text += "<p class=\"counts\" data-total=\"\(total)\">共 \(total) 条，列出前 \(lines.count) 条。</p>\n"
        }
        text += "<table class=\"\(id)\">\n"
        header(headers)
        text += "<tbody>\n"
        for line in lines {
            text += "<tr\(attributes(line))>"
            row(&self, line)
            text += "</tr>\n"
        }
        text += "</tbody>\n</table>\n"
        close()
    }

    mutating func rejections(_ lines: [RejectionLine], total: Int) {
        tableSection(
            "rejections", "门户拒收", headers: ["科室", "门户", "数据类别", "决定文书号", "批次", "批内序号", "拒收原因"], lines, total: total
        ) {
            page, line in
            for value in [line.department, line.portal, line.feed, line.decisionNumber] { page.cell(value) }
            page.cell(line.batch, className: "code")
            page.number(line.position)
            page.cell(line.reason)
        }
    }

    mutating func withdrawals(_ lines: [WithdrawalLine], total: Int) {
        let statuses = ["pending": "待确认", "done": "已撤下", "failed": "撤下失败"]
        tableSection(
            "withdrawals", "撤下公示", headers: ["科室", "门户", "数据类别", "决定文书号", "原因", "说明", "申请日期", "状态"], lines,
            total: total, attributes: { " data-status=\"\(ReportHTML.escape($0.status))\"" }
        ) { page, line in
            for value in [line.department, line.portal, line.feed, line.decisionNumber, line.reason] { page.cell(value) }
            page.optional(line.note)
            page.cell(line.requestedOn)
            page.cell(statuses[line.status] ?? line.status)
        }
    }

    mutating func repair(_ lines: [PeriodLine], total: Int) {
        tableSection(
            "repair", "可申请信用修复",
            headers: ["科室", "门户", "决定文书号", "主体名称", "决定日期", "严重程度", "公示期规则", "可申请修复日期", "公示至"], lines,
            total: total
        ) { page, line in
            for value in [line.department, line.portal, line.decisionNumber] { page.cell(value) }
            for value in [line.subjectName, line.decisionDate, line.severity, line.regime, line.repairFrom, line.expiresOn.map { PeriodEnd.lastDay($0) }] {
                page.optional(value)
            }
        }
    }

    mutating func run(_ run: RunSection) {
        open("run", "本次运行")
        let modes = ["nightly": "每晚运行", "range": "区间重跑", "dry-run": "试运行（不写台账）", "dry_run": "试运行（不写台账）"]
        text += "<table class=\"run\">\n<tbody>\n"
        let rows: [(String, String)] = [
            ("运行编号", "\(run.id)"), ("管道", run.pipeline),
            ("方式", modes[run.mode].map { "\($0)（\(run.mode)）" } ?? run.mode),
            ("退出状态", "\(run.exitStatus)"), ("有效记录", "\(run.validRecords)"),
            ("无效记录和读取失败的文件", "\(run.invalidRecordsAndFailedFiles)"), ("公示期满撤下", "\(run.expiredWithdrawn)"),
        ]
        for (title, value) in rows {
            text += "<tr><th scope=\"row\">\(ReportHTML.escape(title))</th>"
            cell(value)
            text += "</tr>\n"
        }
        text += "</tbody>\n</table>\n"
        guard !run.feeds.isEmpty else {
            text += "<p class=\"empty\">各数据源：无</p>\n"
            return close()
        }
        let known = [
            ("published", "公示"), ("corrected", "更正"), ("unchanged", "未变"), ("withdrawn", "撤下"),
            ("still_rejected", "仍被拒收"),
        ]
        let others = Set(run.feeds.values.flatMap(\.keys)).subtracting(known.map(\.0)).sorted()
        let columns = known + others.map { ($0, $0) }
        text += "<table class=\"run-feeds\">\n"
        header(["门户数据源"] + columns.map(\.1))
        text += "<tbody>\n"
        for feed in run.feeds.keys.sorted() {
            text += "<tr>"
            cell(feed)
            for (key, _) in columns { number(run.feeds[feed]?[key] ?? 0) }
            text += "</tr>\n"
        }
        text += "</tbody>\n</table>\n"
        close()
    }
}

// MARK: - Style and script

private let stylesheet = """
    :root { color-scheme: light; }
    body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei",
      sans-serif; font-size: 15px; line-height: 1.6; color: #1b1b1b; background: #fff; margin: 0 auto; padding: 1.5em 2em;
      max-width: 1200px; }
    h1 { font-size: 1.6em; margin: 0 0 0.3em; }
    h2 { font-size: 1.25em; margin: 1.8em 0 0.6em; padding-bottom: 0.2em; border-bottom: 2px solid #1f5fa8; }
    nav { font-size: 0.9em; margin-bottom: 1em; color: #555; }
    nav a { color: #1f5fa8; text-decoration: none; }
    .period { color: #333; }
    table { border-collapse: collapse; width: 100%; margin: 0.4em 0 1em; font-size: 0.92em; }
    th, td { border: 1px solid #c8ccd2; padding: 0.3em 0.55em; text-align: left; vertical-align: top; }
    thead th { background: #eef2f7; font-weight: 600; white-space: nowrap; }
    tbody tr:nth-child(even) { background: #fafbfc; }
    tbody th { font-weight: 600; }
    td.num, td.rate { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
    tfoot tr { background: #eef2f7; font-weight: 600; }
    .pipeline, .note, .fraction { color: #666; font-size: 0.85em; font-weight: normal; }
    .pct { font-weight: 600; }
    td.none { color: #999; }
    td.code, td.file { font-family: "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size: 0.9em; word-break: break-all; }
    td.value { word-break: break-all; }
    .hint, .counts { color: #444; font-size: 0.92em; }
    .empty { color: #666; font-style: italic; }
    tr.state-overdue td.state { color: #b3261e; font-weight: 700; }
    tr.state-due_soon td.state { color: #a15c00; font-weight: 700; }
    tr.state-late td.state { color: #6b4b00; }
    dl.definitions dt { font-weight: 700; margin-top: 0.8em; }
    dl.definitions dd { margin: 0.2em 0 0 1.5em; }
    dd.formula { font-weight: 600; }
    #chart svg { max-width: 100%; height: auto; font-family: inherit; }
    #chart .grid { stroke: #e1e4e8; stroke-width: 1; }
    #chart .axis { stroke: #555; stroke-width: 1; }
    #chart text { font-size: 12px; fill: #333; }
    footer { margin-top: 2.5em; font-size: 0.85em; color: #666; border-top: 1px solid #ddd; padding-top: 0.5em; }
    @media print {
      body { max-width: none; padding: 0; font-size: 10.5pt; }
      nav, noscript { display: none; }
      h2 { break-after: avoid; page-break-after: avoid; }
      tr, dt, dd { break-inside: avoid; page-break-inside: avoid; }
      thead { display: table-header-group; }
      tbody tr:nth-child(even) { background: none; }
      a { color: inherit; }
    }

    """

/// Draws the rates chart from the `report-data` block into `#chart` (plain ES2017, DOM calls only:
/// every text goes in through `textContent`, never as markup).
private let chartScript = #"""
    (() => {
      'use strict';
      const host = document.getElementById('chart');
      try {
        const report = JSON.parse(document.getElementById('report-data').textContent) || {};
        const rows = report.rates || [];
        const rateNames = [['compliance', '合规率'], ['timeliness', '及时率'], ['completeness', '完整率']];
        const dashes = { compliance: '', timeliness: '7 4', completeness: '2 3' };
        const palette = ['#1f5fa8', '#c0392b', '#2e8b57', '#8e44ad', '#d4820a', '#16808a', '#7a5230', '#b03a7a'];
        const months = Array.from(new Set(rows.map(r => r.month))).sort();
        const departments = [];
        rows.forEach(r => { if (departments.indexOf(r.department) === -1) departments.push(r.department); });

        // An empty <svg> parsed as HTML is in the SVG namespace; its children are made in the same one.
        const holder = document.createElement('div');
        holder.innerHTML = '<svg class="rates-chart" role="img"></svg>';
        const svg = holder.firstElementChild;
        const make = (name, attributes, parent) => {
          const element = document.createElementNS(svg.namespaceURI, name);
          Object.keys(attributes).forEach(key => element.setAttribute(key, String(attributes[key])));
          parent.appendChild(element);
          return element;
        };
        const left = 64, top = 20, plotHeight = 300, bottom = 56, legendWidth = 200, entryHeight = 20;
        const plotWidth = Math.max(360, months.length * 90);
        const seriesCount = departments.length * rateNames.length;
        const width = left + plotWidth + 24 + legendWidth;
        const height = Math.max(top + plotHeight + bottom, top + seriesCount * entryHeight + 20);
        svg.setAttribute('width', width);
        svg.setAttribute('height', height);
        svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
        make('title', {}, svg).textContent = '合规率、及时率、完整率走势（按科室和月份，0–100%）';
        const xOf = index => months.length === 1 ? left + plotWidth / 2
          : left + 24 + index * (plotWidth - 48) / (months.length - 1);
        const yOf = value => top + (100 - Math.min(100, Math.max(0, value))) / 100 * plotHeight;

        const axes = make('g', { class: 'axes' }, svg);
        [0, 20, 40, 60, 80, 100].forEach(tick => {
          make('line', { class: 'grid', x1: left, x2: left + plotWidth, y1: yOf(tick), y2: yOf(tick) }, axes);
          make('text', { x: left - 8, y: yOf(tick) + 4, 'text-anchor': 'end' }, axes).textContent = `${tick}%`;
        });
        make('line', { class: 'axis', x1: left, x2: left, y1: top, y2: top + plotHeight }, axes);
        make('line', { class: 'axis', x1: left, x2: left + plotWidth, y1: top + plotHeight, y2: top + plotHeight }, axes);
        months.forEach((month, index) => {
          make('text', { x: xOf(index), y: top + plotHeight + 18, 'text-anchor': 'middle' }, axes).textContent = month;
        });
        make('text', { x: left + plotWidth / 2, y: top + plotHeight + 42, 'text-anchor': 'middle' }, axes).textContent = '月份';
        const middle = top + plotHeight / 2;
        make('text', { x: 16, y: middle, 'text-anchor': 'middle', transform: `rotate(-90 16 ${middle})` }, axes)
          .textContent = '比率（%）';
        if (months.length === 0) {
          make('text', { x: left + plotWidth / 2, y: middle, 'text-anchor': 'middle' }, axes).textContent = '无比率数据';
        }

        const lines = make('g', { class: 'series' }, svg);
        const points = make('g', { class: 'points' }, svg);
        const legend = make('g', { class: 'legend' }, svg);
        let count = 0;
        let entry = 0;
        departments.forEach((department, departmentIndex) => {
          const color = palette[departmentIndex % palette.length];
          rateNames.forEach(([key, label]) => {
            const found = [];
            months.forEach((month, index) => {
              const row = rows.find(r => r.department === department && r.month === month);
              const ratio = row ? row[key] : null;
              if (!ratio || !(ratio.denominator > 0)) return;
              const value = String(ratio.percent).replace('%', '');
              found.push({ x: xOf(index), y: yOf(parseFloat(value)), month, value, ratio });
            });
            const polyline = make('polyline', {
              points: found.map(p => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' '),
              fill: 'none', stroke: color, 'stroke-width': 2, 'data-department': department, 'data-rate': key,
            }, lines);
            if (dashes[key]) polyline.setAttribute('stroke-dasharray', dashes[key]);
            found.forEach(p => {
              const circle = make('circle', {
                cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 4, fill: color,
                'data-department': department, 'data-rate': key, 'data-month': p.month, 'data-value': p.value,
              }, points);
              make('title', {}, circle).textContent =
                `${department} ${label} ${p.month}：${p.ratio.percent}（${p.ratio.numerator}/${p.ratio.denominator}）`;
              count += 1;
            });
            const y = top + 10 + entry * entryHeight;
            const x = left + plotWidth + 24;
            const item = make('g', { class: 'legend-item', 'data-department': department, 'data-rate': key }, legend);
            const sample = make('line', { x1: x, x2: x + 28, y1: y, y2: y, stroke: color, 'stroke-width': 2 }, item);
            if (dashes[key]) sample.setAttribute('stroke-dasharray', dashes[key]);
            make('text', { x: x + 36, y: y + 4 }, item).textContent = `${department} ${label}`;
            entry += 1;
          });
        });
        svg.setAttribute('data-points', String(count));
        host.appendChild(svg);
        document.body.dataset.chart = 'drawn';
      } catch (error) {
        const message = document.createElement('p');
        message.className = 'empty';
        message.textContent = `图表未能绘制（${error}）；上方“比率”表格中有相同的数字。`;
        host.appendChild(message);
        document.body.dataset.chart = 'failed';
      }
    })();

    """#
