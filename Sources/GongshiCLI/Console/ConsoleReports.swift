import DisclosureCore
import DisclosureReports
import Foundation
import Hummingbird
import NIOCore
import PipelineConfig
import PipelineRunner
import WorkingDayCalendar

/// 报告: the monthly (or any period's) report of the user's departments, made as `gongshi report`
/// makes it (JSON and a self-contained HTML page, mode 0600, in the pipeline's reports folder), and
/// the reports already there to open or download.
extension ConsoleServer {
    func reportsPage(_ session: Session, made: String? = nil) -> Response {
        let today = currentDay
        let first = CalendarDate(year: today.year, month: today.month, day: 1) ?? today
        var body = made.map { "<p class=\"ok\" id=\"report-made\">报告已生成：\(ConsolePage.escape($0))</p>" } ?? ""
        body += """
            <form method="post" action="/reports"><input type="hidden" name="csrf" value="\(ConsolePage.escape(session.csrf))">
            <label>从 <input name="from" id="from" value="\(first)"></label> <label>到 <input name="to" id="to" value="\(today)"></label>
            <button id="make-report">生成报告</button></form>
            """
        var rows = ""
        let mine = visible(session.user)
        let seen = Set(mine.map(\.id))
        var listed: Set<String> = []  // a reports folder pipelines share is listed once
        for pipeline in mine {
            let folder = pipeline.context.value.resolve(pipeline.context.value.pipeline.reports)
            guard listed.insert(folder).inserted else { continue }
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter({ mayRead(session.user, report: $0, seen: seen) })
                .sorted()
                .reversed()
            {
                let link = "/reports/file?pipeline=\(pipeline.id)&name=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
                // Its departments, from the pipelines it is named by (a folder pipelines share holds several's).
                let covered = (Self.reportScope(name) ?? nil).map { ids in
                    Array(Set(mine.filter { ids.contains($0.id) }.map(\.department))).sorted().joined(separator: "、")
                } ?? "（按期间命名）"
                rows += "<tr><td>\(ConsolePage.escape(covered))</td><td><a href=\"\(ConsolePage.escape(link))\">\(ConsolePage.escape(name))</a></td></tr>"
            }
        }
        body += rows.isEmpty ? "<p>还没有报告。</p>" : "<table id=\"reports\"><tr><th>科室</th><th>报告</th></tr>\(rows)</table>"
        return Self.respond(200, ConsolePage.page(title: "报告", user: session.user, csrf: session.csrf, body: body))
    }

    /// `report-PIPELINES-FROM-TO.html` or `.json` (the pipelines it covers, joined by `+`), or
    /// `report-FROM-TO` as `gongshi report` and earlier consoles named them: the pipelines, nil for
    /// the latter; nil for anything else.
    static func reportScope(_ name: String) -> [String]?? {
        guard let match = name.wholeMatch(of: /report-(?:([^\/]+)-)?\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.(?:html|json)/) else { return nil }
        return .some(match.1.map { $0.split(separator: "+").map(String.init) })
    }

    /// Whether a report file is the user's to read: one made for pipelines the user sees, every
    /// one of them (a report shows each department's rows). A file named by its period alone
    /// (`gongshi report`, or a console before reports were named by their pipelines) may hold any
    /// department's rows of a shared reports folder: the credit office's only.
    ///
    /// - Parameter seen: the ids of the pipelines the user sees (``visible(_:)``), when the caller has them.
    func mayRead(_ user: ConsoleUsers.User, report name: String, seen: Set<String>? = nil) -> Bool {
        guard let scope = Self.reportScope(name) else { return false }
        guard let pipelines = scope else { return user.role == .office }
        let seen = seen ?? Set(visible(user).map(\.id))
        return !pipelines.isEmpty && pipelines.allSatisfy(seen.contains)
    }

    func makeReport(_ session: Session, form: [String: String]) -> Response {
        guard let from = try? CalendarDate.parse(form["from"] ?? ""), let to = try? CalendarDate.parse(form["to"] ?? ""), from <= to else {
            return refused(session, "期间应为两个日期（YYYY-MM-DD），起日不晚于止日")
        }
        let today = currentDay
        // The user's pipelines, by ledger: one report per ledger, in its first pipeline's reports folder.
        var groups: [String: [Pipeline]] = [:]
        for pipeline in visible(session.user) { groups[pipeline.location, default: []].append(pipeline) }
        var made: [String] = []
        for location in groups.keys.sorted() {
            let pipelines = groups[location] ?? []
            guard let first = pipelines.first else { continue }
            let contexts = pipelines.map(\.context.value)
            do {
                let ledger = try LedgerOptions.readingMigrated(path: location).store
                let builder = ReportBuilder(contexts: contexts, calendar: first.context.value.calendar, today: today)
                let report = try CommandFailure.ledger { () throws(LedgerError) in
                    try builder.build(ledger: ledger, from: from, to: to, title: "双公示报告 \(from) 至 \(to)")
                }
                let folder = first.context.value.resolve(first.context.value.pipeline.reports)
                // Named by the pipelines it covers: another department's report of the same period,
                // in a shared reports folder, is neither shown to this user nor written over.
                let paths = try ReportFiles.write(report, folder: folder, name: "report-\(pipelines.map(\.id).joined(separator: "+"))-\(from)-\(to)")
                made.append((paths.html as NSString).lastPathComponent)
            } catch {
                return refused(session, "报告无法生成：\(String("\(error)".prefix(300)))")
            }
        }
        return reportsPage(session, made: made.joined(separator: "、"))
    }

    func reportFile(_ session: Session, pipeline id: String, name: String) -> Response {
        guard let pipeline = visible(session.user).first(where: { $0.id == id }), mayRead(session.user, report: name) else {
            return refused(session, "没有这份报告")
        }
        let folder = pipeline.context.value.resolve(pipeline.context.value.pipeline.reports)
        guard let data = FileManager.default.contents(atPath: folder + "/" + name) else { return refused(session, "没有这份报告") }
        var response = Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        response.headers[.contentType] = name.hasSuffix(".html") ? "text/html; charset=utf-8" : "application/json"
        // The report's page carries its own inline styles: only they are allowed, and no script.
        response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
        Self.asDownload(&response)
        return response
    }
}
