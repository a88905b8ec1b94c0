import DisclosureCore
import Foundation
import Hummingbird
import PipelineConfig
import PipelineRunner
import WorkingDayCalendar

/// 决定 (every decision of the user's pipelines against its deadline, searchable, one decision's
/// history) and 信用核查 (what the ledgers hold about a 统一社会信用代码). Natural persons' names are
/// never shown: a record's key shows its decision number and the name masked, as the reports mask it.
extension ConsoleServer {
    /// Rows shown at most on one page of the list (the count says how many matched).
    static let decisionRows = 500

    func decisionsPage(_ session: Session, query: String, state: String) -> Response {
        let today = currentDay
        var body = """
            <form method="get" action="/decisions"><label>文号包含 <input name="q" id="q" value="\(ConsolePage.escape(query))"></label>
            <label>状态 <select name="state" id="state"><option value="">全部</option>
            \(DeadlineState.allCases.map { "<option value=\"\($0.rawValue)\"\($0.rawValue == state ? " selected" : "")>\($0.title)</option>" }.joined())
            </select></label> <button id="search">查找</button></form>
            """
        var shown = 0
        var matched = 0
        var rows = ""
        for pipeline in visible(session.user) {
            let context = pipeline.context.value
            let reckoning = DeadlineReckoning(context: context, today: today)
            do {
                let ledger = try LedgerOptions.readingMigrated(path: pipeline.location).store
                try CommandFailure.ledger { () throws(LedgerError) in
                    try ledger.forEachDecision(
                        scope: DecisionScope(kind: context.schema.id, portals: context.portals.map(\.profile.id), pipeline: pipeline.id)
                    ) { row in
                        guard query.isEmpty || row.number.contains(query) else { return }
                        let rowState = reckoning.state(of: row)
                        guard state.isEmpty || rowState.rawValue == state else { return }
                        matched += 1
                        guard shown < Self.decisionRows else { return }
                        shown += 1
                        let link = "/decisions/show?number=\(row.number.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
                        rows += "<tr><td><a href=\"\(link)\">\(ConsolePage.escape(Issue.screened(row.number)))</a></td><td>\(ConsolePage.escape(pipeline.department))</td>"
                            + "<td>\(ConsolePage.escape(row.portal))</td><td>\(ConsolePage.escape(row.decisionDate ?? "—"))</td>"
                            + "<td>\(ConsolePage.escape(reckoning.completed(row).dueOn ?? "—"))</td><td class=\"state\">\(Self.stateTitle(row, rowState))</td>"
                            + "<td>\(ConsolePage.escape(row.publishedOn ?? "—"))</td></tr>"
                    }
                }
            } catch {
                body += "<p class=\"error\">\(ConsolePage.escape(pipeline.id))：台账无法读取：\(ConsolePage.escape(error.message))</p>"
            }
        }
        body += "<p id=\"matched\">找到 \(matched) 条（决定 × 门户）\(matched > shown ? "，只列出前 \(shown) 条" : "")。</p>"
        body += "<table id=\"decisions\"><tr><th>文号</th><th>科室</th><th>门户</th><th>决定日期</th><th>公示截止</th><th>状态</th><th>公示日期</th></tr>\(rows)</table>"
        return Self.respond(200, ConsolePage.page(title: "决定", user: session.user, csrf: session.csrf, body: body))
    }


    /// A decision's state as the console shows it: one never valid is first of all waiting for
    /// its corrected file (its deadline state, without a readable date, said nothing of that).
    static func stateTitle(_ row: DecisionDeadline, _ state: DeadlineState) -> String {
        row.valid || row.publishedOn != nil || state == .notToPublish ? state.title : "待更正（\(state.title)）"
    }

    func decisionPage(_ session: Session, number: String) -> Response {
        var body = ""
        var found = false
        for pipeline in visible(session.user) {
            do {
                let ledger = try LedgerOptions.readingMigrated(path: pipeline.location).store
                // Only a decision this pipeline's register holds (a shared ledger holds other departments' too).
                var scope = DecisionScope(kind: pipeline.context.value.schema.id, pipeline: pipeline.id)
                scope.number = number
                var registered: [DecisionDeadline] = []
                try CommandFailure.ledger { () throws(LedgerError) in try ledger.forEachDecision(scope: scope) { registered.append($0) } }
                guard !registered.isEmpty else { continue }
                let history = try CommandFailure.ledger { () throws(LedgerError) in try ledger.history(key: number) }
                    .filter { $0.kind == pipeline.context.value.schema.id }
                found = true
                guard !history.isEmpty else {
                    // Registered, never published (an invalid record waiting for its corrected file,
                    // one not yet due or not to be published): where it stands, portal by portal.
                    let reckoning = DeadlineReckoning(context: pipeline.context.value, today: currentDay)
                    body += "<section><h3>\(ConsolePage.escape(pipeline.context.value.pipeline.title))</h3><p>尚未公示。</p><table id=\"register\">"
                    body += "<tr><th>门户</th><th>决定日期</th><th>公示截止</th><th>状态</th></tr>"
                    for row in registered {
                        body += "<tr><td>\(ConsolePage.escape(row.portal))</td><td>\(ConsolePage.escape(row.decisionDate ?? "—"))</td>"
                            + "<td>\(ConsolePage.escape(reckoning.completed(row).dueOn ?? "—"))</td><td class=\"state\">\(Self.stateTitle(row, reckoning.state(of: row)))</td></tr>"
                    }
                    body += "</table></section>"
                    continue
                }
                body += "<section><h3>\(ConsolePage.escape(pipeline.context.value.pipeline.title))</h3><table id=\"history\">"
                body += "<tr><th>门户 / 文件</th><th>记录</th><th>操作</th><th>状态</th><th>决定日期</th><th>截止</th><th>公示日期</th><th>批次</th><th>撤下</th></tr>"
                var batches: [String] = []
                for entry in history {
                    if !batches.contains(entry.batchID) { batches.append(entry.batchID) }
                    let operation = entry.operation == .correct ? "更正" : entry.operation == .republish ? "重新公示" : "公示"
                    let status: String =
                        switch entry.status {
                        case .pending: "待确认"
                        case .published: "已公示"
                        case .rejected: "门户拒收：\(entry.rejectionReason ?? "")"
                        case .failed: "失败"
                        case .withdrawn: "已撤下"
                        }
                    body += "<tr><td>\(ConsolePage.escape(entry.portal))/\(ConsolePage.escape(entry.feed))</td><td>\(ConsolePage.escape(DecisionKey.shown(entry)))</td>"
                        + "<td>\(operation)</td><td>\(ConsolePage.escape(status))</td><td>\(ConsolePage.escape(entry.decisionDate ?? "—"))</td>"
                        + "<td>\(ConsolePage.escape(entry.dueOn ?? "—"))</td><td>\(ConsolePage.escape(entry.publishedOn ?? "—"))</td>"
                        + "<td>\(ConsolePage.escape(entry.batchID))</td><td>\(ConsolePage.escape(entry.withdrawalReason.map { "\($0)（\(Self.withdrawalStatusShown(entry.withdrawalStatus))）" } ?? "—"))</td></tr>"
                }
                body += "</table>"
                // Who acted on these batches in the console, and when.
                // (And on the decision itself: its withdrawals name its number, not a batch.)
                var actions: [RunRecord] = []
                for text in batches + [number] {
                    actions += try CommandFailure.ledger { () throws(LedgerError) in try ledger.consoleActions(mentioning: text, pipeline: pipeline.id) }
                }
                var seenActions = Set<String>()
                actions = actions.filter { seenActions.insert($0.startedAt + "\u{1F}" + $0.command).inserted }.sorted { $0.startedAt < $1.startedAt }
                // 撤下: the reasons a clerk may give; 公示期满 is the nightly run's, 不予公示 the rules'.
                // (None chosen beforehand: 信用修复, first, was taken by a clerk who meant another.)
                let reasons = "<option value=\"\" selected>请选择</option>" + [Withdrawer.Reason.creditRepair, .revoked, .corrected].map {
                    "<option value=\"\($0.rawValue)\">\($0.rawValue)</option>"
                }.joined()
                body += """
                    <h4>撤下</h4><form method="post" action="/decisions/withdraw" id="withdraw-\(ConsolePage.escape(pipeline.id))">
                    <input type="hidden" name="csrf" value="\(ConsolePage.escape(session.csrf))">
                    <input type="hidden" name="pipeline" value="\(ConsolePage.escape(pipeline.id))">
                    <input type="hidden" name="number" value="\(ConsolePage.escape(number))">
                    <p><label>原因 <select name="reason" id="reason">\(reasons)</select></label>
                    <label>说明 <input name="note" id="note"></label></p>
                    <p><label>撤销日期（撤销时） <input name="revoked_on" id="revoked_on"></label>
                    <label>信用修复决定文号 <input name="repair_decision" id="repair_decision"></label>
                    <label>信用修复决定日期 <input name="repair_date" id="repair_date"></label></p>
                    <p><label>未满最短公示期仍须撤下的法定理由（信用修复时，记入台账） <input name="force_reason" id="force_reason"></label></p>
                    <p><button id="withdraw">撤下</button></p></form>
                    """
                if !actions.isEmpty {
                    body += "<h4>控制台操作</h4><ul id=\"actions\">"
                    for action in actions { body += "<li>\(ConsolePage.escape(action.startedAt))：\(ConsolePage.escape(action.command))</li>" }
                    body += "</ul>"
                }
                body += "</section>"
            } catch {
                body += "<p class=\"error\">\(ConsolePage.escape(pipeline.id))：台账无法读取：\(ConsolePage.escape(error.message))</p>"
            }
        }
        if !found { body += "<p>你能看的台账中没有 \(ConsolePage.escape(number)) 的公示记录。</p>" }
        return Self.respond(200, ConsolePage.page(title: "决定 \(number)", user: session.user, csrf: session.csrf, body: body))
    }

    /// A withdrawal's state in the clerk's words.
    static func withdrawalStatusShown(_ status: String?) -> String {
        switch status {
        case "pending": "待门户确认"
        case "done": "已撤下"
        case "failed": "失败，可再次撤下"
        default: status ?? ""
        }
    }

    /// 信用核查: the publications about one subject in the ledgers of the user's pipelines.
    func checkPage(_ session: Session, code: String) -> Response {
        var body = """
            <form method="get" action="/check"><label>统一社会信用代码 <input name="code" id="code" value="\(ConsolePage.escape(OneLine.value(code) == code ? code : ""))"></label>
            <button id="lookup">核查</button></form>
            """
        let code = code.trimmingCharacters(in: .whitespaces).uppercased()
        if !code.isEmpty {
            if let problem = CreditCode.problem(in: code) {
                // (An ID or phone number typed here is not shown back: `OneLine.value` hides it.)
                body += "<p class=\"error\">统一社会信用代码“\(ConsolePage.escape(OneLine.value(code)))”不正确：\(ConsolePage.escape(problem.explanation.1))</p>"
            } else {
                var rows = ""
                var seen: Set<String> = []
                // A ledger that cannot be read is said, never taken for one with nothing on the
                // subject: "没有公示" would then be a false all-clear.
                var unreadable = ""
                for pipeline in visible(session.user) where seen.insert(pipeline.location + "\u{1}" + pipeline.id).inserted {
                    let entries: [PublicationEntry]
                    do {
                        let ledger = try LedgerOptions.readingMigrated(path: pipeline.location).store
                        entries = try CommandFailure.ledger { () throws(LedgerError) in
                            try ledger.publications(subjectCode: code, filter: LedgerFilter(pipeline: pipeline.id))
                        }
                    } catch {
                        unreadable += "<p class=\"error\" id=\"check-unreadable\">\(ConsolePage.escape(pipeline.department))（\(ConsolePage.escape(pipeline.id))）：台账无法读取，"
                            + "无法核查 [ledger-unreadable]：\(ConsolePage.escape(error.message))</p>"
                        continue
                    }
                    // Each record's current state on each portal feed, in `gongshi check`'s words.
                    for entry in SubjectCheck.current(entries) {
                        rows += "<tr><td>\(ConsolePage.escape(pipeline.department))</td><td>\(ConsolePage.escape(entry.portal))</td>"
                            + "<td>\(ConsolePage.escape(DecisionKey.shown(entry)))</td><td>\(ConsolePage.escape(PublicationRules.shownSubjectName(entry.subjectName ?? "")))</td>"
                            + "<td>\(ConsolePage.escape(SubjectCheck.status(entry)))</td><td>\(ConsolePage.escape(entry.publishedOn ?? "—"))</td></tr>"
                    }
                }
                body += unreadable
                if rows.isEmpty {
                    if unreadable.isEmpty { body += "<p id=\"check-none\">台账中没有关于 \(ConsolePage.escape(code)) 的公示。</p>" }
                } else {
                    body += "<table id=\"check\"><tr><th>科室</th><th>门户</th><th>记录</th><th>主体</th><th>状态</th><th>公示日期</th></tr>\(rows)</table>"
                }
                if !unreadable.isEmpty {
                    return Self.respond(503, ConsolePage.page(title: "信用核查", user: session.user, csrf: session.csrf, body: body))
                }
            }
        }
        return Self.respond(200, ConsolePage.page(title: "信用核查", user: session.user, csrf: session.csrf, body: body))
    }

    /// How many times (100 ms apart) a withdrawal asks for its pipeline's run lock before it says
    /// the ledger is busy.
    static let withdrawalWaits = 100

    /// 撤下 from a decision's page: `RecordWithdrawal`, as `gongshi withdraw` does it (信用修复's rules
    /// checked: the minimum period, what cannot be repaired), under the pipeline's run lock. The
    /// action is recorded in the ledger as the withdrawal's run, with the user — written with the
    /// withdrawal itself, in its transaction, and only if it recorded one: a refusal, a record
    /// withdrawn (or asked for) already, a failure before anything was recorded leave no row. A
    /// second clerk (or tab) withdrawing the same record is told 409 `already-withdrawn`.
    ///
    /// Nil while the run lock is held by another withdrawal (or run) of the pipeline, unless
    /// `lastTry`: the caller waits and asks again.
    func withdraw(_ session: Session, form: [String: String], lastTry: Bool = true) -> Response? {
        guard let pipeline = visible(session.user).first(where: { $0.id == form["pipeline"] }),
            let number = form["number"], !number.isEmpty
        else { return refused(session, "撤下请求不完整，或不是你可以撤下的记录") }
        // A form filled in wrongly is the form to correct (422), not a refusal of the user's rights.
        let back = "/decisions/show?number=\(number.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        guard let reason = Withdrawer.Reason(rawValue: form["reason"] ?? ""), [.creditRepair, .revoked, .corrected].contains(reason) else {
            return invalidForm(session, "请选择撤下的原因：信用修复、撤销或更正 [reason-invalid]", back: back)
        }
        let today = currentDay
        func date(_ name: String) -> CalendarDate?? {
            let text = (form[name] ?? "").trimmingCharacters(in: .whitespaces)
            if text.isEmpty { return .some(nil) }
            return (try? CalendarDate.parse(text)).map { .some($0) }
        }
        guard let revokedOn = date("revoked_on"), let repairDate = date("repair_date") else {
            return invalidForm(session, "日期应为 YYYY-MM-DD [date-invalid]", back: back)
        }
        func text(_ name: String) -> String? {
            let value = (form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return value.isEmpty ? nil : String(value.prefix(500))
        }
        let command = "console withdraw \(OneLine.value(DecisionKey.shown(number))) \(reason.rawValue)（用户 \(session.user.name)）"
        let (transcript, lines) = Transcript.collecting()
        // What the record or the rules say (65: too early for 信用修复, not published …; 64, 66,
        // 1: a key or number not on file) is the form to correct; anything else a refusal.
        func answer(_ failure: CommandFailure) -> Response {
            let message = "\(failure.message) [\(failure.code)]"
            if [ExitStatus.dataError, ExitStatus.usage, ExitStatus.noInput, 1].contains(failure.status) {
                return invalidForm(session, message, back: back)
            }
            return refused(session, message)
        }
        let opened: LedgerOptions.Opened
        switch Result(catching: { () throws(CommandFailure) in
            try LedgerOptions.openForWriting(path: pipeline.location, command: command, scope: .pipeline(pipeline.id))
        }) {
        case .success(let value): opened = value
        case .failure(let failure) where failure.code == "ledger-locked" && !lastTry: return nil
        case .failure(let failure): return answer(failure)
        }
        let outcome: RecordWithdrawal.Outcome
        do {
            // The run lock held to the end (`opened` owns it).
            outcome = try withExtendedLifetime(opened) {
                try RecordWithdrawal(
                    context: pipeline.context.value, ledger: opened.store, today: today, channels: ChannelFactory(), transcript: transcript
                ).execute(
                    record: number, reason: reason, note: text("note"), revokedOn: revokedOn,
                    repair: RecordWithdrawal.Repair(decision: text("repair_decision"), decidedOn: repairDate, forcedBecause: text("force_reason")),
                    command: command, department: session.user.department)
            }
        } catch let failure as CommandFailure {
            return answer(failure)
        } catch {
            return refused(session, "撤下失败：\(String("\(error)".prefix(300)))")
        }
        switch outcome {
        case .alreadyWithdrawn, .alreadyRequested:
            // Nothing of this request was recorded: what the clerk typed (the reason, the note) is not the ledger's.
            return Self.respond(
                409,
                ConsolePage.page(
                    title: "已经撤下", user: session.user, csrf: session.csrf,
                    body: "<p class=\"error\" id=\"conflict\" data-code=\"already-withdrawn\">"
                        + ConsolePage.escape(
                            "“\(DecisionKey.shown(number))”已经撤下或已提交撤下，可能是同事或另一个页面刚刚提交的；这次提交的原因和说明没有记录 [already-withdrawn]")
                        + "</p><ul>" + lines().map { "<li>\(ConsolePage.escape(ConsolePage.forClerk($0)))</li>" }.joined()
                        + "</ul><p><a href=\"\(ConsolePage.escape(back))\">回到这条决定</a></p>"))
        default: break
        }
        let said: String
        switch outcome {
        case .sent(let status): said = status == 0 ? "撤下请求已提交" : "撤下请求已登记，部分门户暂不可用，下次运行时再发"
        case .alreadyWithdrawn, .alreadyRequested: said = "这条记录早已撤下"
        case .notPublished: said = "台账中没有这条已公示的记录，未做任何记录"
        case .revocationRecorded: said = "撤销已记入台账（还没有门户确认的公示）"
        case .refused(let why): said = "不予撤下：\(why)"
        }
        var body = "<p class=\"\(outcome == .notPublished || { if case .refused = outcome { return true }; return false }() ? "error" : "ok")\" id=\"withdraw-result\">\(ConsolePage.escape(said))</p><ul>"
        for line in lines() { body += "<li>\(ConsolePage.escape(ConsolePage.forClerk(line)))</li>" }
        body += "</ul><p><a href=\"/decisions/show?number=\(number.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")\">回到这条决定</a></p>"
        return Self.respond(200, ConsolePage.page(title: "撤下 \(number)", user: session.user, csrf: session.csrf, body: body))
    }
}
