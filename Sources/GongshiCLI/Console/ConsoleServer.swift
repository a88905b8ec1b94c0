import DisclosureCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PipelineConfig
import PipelineRunner
import Synchronization
import WorkingDayCalendar

/// `gongshi console`: the clerks' and the credit office's pages, on Hummingbird. A thin shell: it
/// reads the pipelines and their ledgers through the same engine and ports as the commands, and
/// renders what they answer. Sessions live in memory (a restart logs everyone out).
///
/// Safety: the session cookie is HttpOnly and SameSite=Strict; every form carries the session's
/// CSRF token and a POST without it is refused; a clerk sees and acts on their department's
/// pipelines only; every value is escaped; the Content-Security-Policy allows nothing but this
/// server's own stylesheet (no script at all); it binds to 127.0.0.1 unless told (TLS belongs to a
/// reverse proxy in front of it). Every action that changes a ledger is recorded in that ledger as
/// a command with the user's name and the time.
final class ConsoleServer: Sendable {
    struct Pipeline: Sendable {
        let context: PipelineContextBox
        let location: String
        var id: String { context.value.pipeline.id }
        var department: String { context.value.pipeline.department }
    }

    /// PipelineContext is not Sendable (it holds a calendar and profiles read once): boxed, read only.
    final class PipelineContextBox: @unchecked Sendable {
        let value: PipelineContext
        init(_ value: PipelineContext) { self.value = value }
    }

    struct Session: Sendable {
        let user: ConsoleUsers.User
        let csrf: String
        var lastSeen: Date
    }

    let pipelines: [Pipeline]
    let usersPath: String
    let today: CalendarDate?
    let sessions = Mutex<[String: Session]>([:])
    /// Failed logins by the name tried (``LoginThrottle``); its lockouts kept in ``lockoutPath``.
    let throttle: Mutex<LoginThrottle>
    /// Where the lockouts in force are kept across a restart (``LockoutFile``), beside the accounts file.
    let lockoutPath: String
    /// A session unused this long is gone.
    static let idle: TimeInterval = 8 * 3600
    static let sessionCookie = "gs_session"
    static let loginCookie = "gs_login"

    /// The most an uploaded file may be, in bytes (`--upload-limit`, MB).
    let uploadLimit: Int

    /// - Parameter lockouts: the lockouts in force when it starts (``LockoutFile/load(_:now:)``).
    init(pipelines: [Pipeline], usersPath: String, today: CalendarDate?, uploadLimit: Int = 50 << 20, lockouts: [String: Date] = [:]) {
        self.uploadLimit = uploadLimit
        self.throttle = Mutex(LoginThrottle(lockouts: lockouts))
        self.lockoutPath = LockoutFile.path(besides: usersPath)
        self.pipelines = pipelines
        self.usersPath = usersPath
        self.today = today
    }

    var currentDay: CalendarDate { today ?? SystemClock.todayInShanghai() }

    func run(host: String, port: Int, onListening: @escaping @Sendable (Int) -> Void) async throws {
        removeStaleUploads()
        let router = Router()
        // (First: it wraps every route added after it, and the answer to a path none matches.)
        router.add(middleware: ConsoleErrorPages())
        router.get("/console.css") { _, _ in Self.respond(200, ConsolePage.css, type: "text/css; charset=utf-8") }
        router.get("/login") { [self] request, _ in loginPage(request, message: nil) }
        router.post("/login") { [self] request, _ in try await login(request) }
        router.post("/logout") { [self] request, _ in try await logout(request) }
        page(router, "/") { session, _ in self.overview(session) }
        page(router, "/batches") { session, value in self.batchesPage(session, notice: value("done").isEmpty ? nil : value("done")) }
        page(router, "/batches/:id/file") { session, value in self.batchFile(session, id: value("id")) }
        action(router, "/batches/:id/confirm") { session, form, value in self.confirm(session, id: value("id"), form: form) }
        page(router, "/decisions") { session, value in self.decisionsPage(session, query: value("q"), state: value("state")) }
        page(router, "/decisions/show") { session, value in self.decisionPage(session, number: value("number")) }
        router.post("/decisions/withdraw") { [self] request, _ in
            // A withdrawal holds its pipeline's run lock while it runs: a second clerk's at the same
            // moment waits for it (up to ten seconds, without holding a thread) and then finds the
            // record taken down (409 already-withdrawn) rather than a busy ledger.
            let form = try await Self.form(request)
            for attempt in 1...Self.withdrawalWaits {
                if let response = withSession(request, form: form, { session in self.withdraw(session, form: form, lastTry: attempt == Self.withdrawalWaits) }) {
                    return response
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            return Self.respond(500, "")
        }
        page(router, "/reports") { session, _ in self.reportsPage(session) }
        action(router, "/reports") { session, form, _ in self.makeReport(session, form: form) }
        page(router, "/reports/file") { session, value in self.reportFile(session, pipeline: value("pipeline"), name: value("name")) }
        page(router, "/check") { session, value in self.checkPage(session, code: value("code")) }
        page(router, "/upload") { session, _ in self.uploadPage(session) }
        router.post("/upload") { [self] request, _ in try await upload(request) }
        page(router, "/upload/:token/validation.json") { session, value in self.validationFile(session, token: value("token")) }
        action(router, "/upload/:token/accept") { session, form, value in self.accept(session, token: value("token"), form: form) }
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "gongshi-console"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "gongshi.console", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await app.runService()
    }

    // MARK: Sessions and forms

    /// `GET path` for a logged-in user; `value(name)` is a path parameter, else a query parameter ("" when absent).
    private func page(
        _ router: Router<BasicRequestContext>, _ path: RouterPath, _ body: @escaping @Sendable (Session, (String) -> String) -> Response
    ) {
        router.get(path) { [self] request, context in
            withSession(request) { session in body(session, { Self.value($0, request, context) }) }
        }
    }

    /// `POST path` of a form, for a logged-in user whose form carries the session's CSRF token.
    private func action(
        _ router: Router<BasicRequestContext>, _ path: RouterPath,
        _ body: @escaping @Sendable (Session, [String: String], (String) -> String) -> Response
    ) {
        router.post(path) { [self] request, context in
            let form = try await Self.form(request)
            return withSession(request, form: form) { session in body(session, form, { Self.value($0, request, context) }) }
        }
    }

    private static func value(_ name: String, _ request: Request, _ context: BasicRequestContext) -> String {
        // (The query read as a form is: `+` a space, as a browser's GET form writes one.)
        context.parameters.get(name) ?? urlEncoded(request.uri.query ?? "")[name] ?? ""
    }

    /// The page `body` makes for the logged-in user; without a session, the login page (a GET) or
    /// 403 (a POST); a POST whose form lacks the session's CSRF token: 403.
    func withSession(_ request: Request, form: [String: String]? = nil, _ body: (Session) -> Response) -> Response {
        withSession(request, form: form, { Optional(body($0)) })!
    }

    /// ``withSession(_:form:_:)`` for a `body` that may answer nothing yet (nil: ask again).
    func withSession(_ request: Request, form: [String: String]? = nil, _ body: (Session) -> Response?) -> Response? {
        guard let token = request.cookies[Self.sessionCookie]?.value, let session = touch(token), stillOnFile(session, token: token) else {
            if request.method == .get { return Response(status: .seeOther, headers: [.location: "/login"]) }
            return Self.respond(403, ConsolePage.page(title: "未登录", user: nil, csrf: nil, body: "<p class=\"error\">请先登录。</p>"))
        }
        if let form, form["csrf"] != session.csrf {
            return Self.respond(
                403, ConsolePage.page(title: "请求被拒绝", user: session.user, csrf: session.csrf, body: "<p class=\"error\">表单缺少有效的 CSRF 令牌：请从页面重新提交。</p>"))
        }
        return body(session)
    }

    /// Whether the session's account is on file as it was at login (same department, role and
    /// password): an account moved to another department, given a new password or removed
    /// (`console user add`, `console user remove`) ends its sessions at their next request. The
    /// file is small and read on each request (a console has a handful of clerks); one that
    /// cannot be read ends the session too.
    func stillOnFile(_ session: Session, token: String) -> Bool {
        let current = try? ConsoleUsers.load(usersPath)
        guard let current, current.users.contains(session.user) else {
            _ = sessions.withLock { $0.removeValue(forKey: token) }
            return false
        }
        return true
    }

    func touch(_ token: String) -> Session? {
        sessions.withLock { sessions in
            guard var session = sessions[token] else { return nil }
            guard Date().timeIntervalSince(session.lastSeen) < Self.idle else {
                sessions[token] = nil
                return nil
            }
            session.lastSeen = Date()
            sessions[token] = session
            return session
        }
    }

    func loginPage(_ request: Request, message: String?) -> Response {
        // A token for the login form itself, in a cookie of its own (no session yet).
        let token = Self.randomToken()
        let body = """
            \(message.map { "<p class=\"error\">\(ConsolePage.escape($0))</p>" } ?? "")
            <form method="post" action="/login">
            <input type="hidden" name="csrf" value="\(token)">
            <p><label>用户名 <input name="name" id="name" autocomplete="username"></label></p>
            <p><label>密码 <input name="password" id="password" type="password" autocomplete="current-password"></label></p>
            <p><button id="login">登录</button></p>
            </form>
            """
        var response = Self.respond(message == nil ? 200 : 401, ConsolePage.page(title: "登录", user: nil, csrf: nil, body: body))
        response.setCookie(Cookie(name: Self.loginCookie, value: token, path: "/login", httpOnly: true, sameSite: .strict))
        return response
    }

    func login(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        guard let expected = request.cookies[Self.loginCookie]?.value, form["csrf"] == expected else {
            return Self.respond(403, ConsolePage.page(title: "请求被拒绝", user: nil, csrf: nil, body: "<p class=\"error\">登录表单缺少有效的 CSRF 令牌：请重新打开登录页。</p>"))
        }
        let users: ConsoleUsers
        do {
            users = try ConsoleUsers.load(usersPath)
        } catch {
            return Self.respond(500, ConsolePage.page(title: "无法登录", user: nil, csrf: nil, body: "<p class=\"error\">\(ConsolePage.escape(error.message))</p>"))
        }
        let name = form["name"] ?? ""
        if let until = throttle.withLock({ $0.lockedUntil(name, now: Date()) }) {
            let minutes = max(1, Int((until.timeIntervalSinceNow / 60).rounded(.up)))
            var response = loginPage(request, message: "登录失败次数过多：这个用户名 \(minutes) 分钟内不能登录 [login-locked]")
            response.status = .tooManyRequests
            return response
        }
        guard let user = users.authenticate(name: name, password: form["password"] ?? "") else {
            throttle.withLock { throttle in
                // A lockout begun is kept at once (under the lock: the file never goes back to an older list).
                let now = Date()
                if throttle.failed(name, now: now) { try? LockoutFile.save(throttle.lockouts(now: now), to: lockoutPath) }
            }
            return loginPage(request, message: "用户名或密码不对")
        }
        throttle.withLock { $0.succeeded(name) }
        let token = Self.randomToken()
        sessions.withLock { $0[token] = Session(user: user, csrf: Self.randomToken(), lastSeen: Date()) }
        var response = Response(status: .seeOther, headers: [.location: "/"])
        response.setCookie(Cookie(name: Self.sessionCookie, value: token, path: "/", httpOnly: true, sameSite: .strict))
        return response
    }

    func logout(_ request: Request) async throws -> Response {
        let form = try await Self.form(request)
        return withSession(request, form: form) { _ in
            if let token = request.cookies[Self.sessionCookie]?.value { sessions.withLock { $0[token] = nil } }
            var response = Response(status: .seeOther, headers: [.location: "/login"])
            response.setCookie(Cookie(name: Self.sessionCookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
    }

    /// An `application/x-www-form-urlencoded` body (at most 64 KiB) as name → value.
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 64 << 10)
        return urlEncoded(String(buffer: buffer))
    }

    /// `name=value&…` as a form (or a GET form's query) encodes it, as name → value (the last of a name).
    static func urlEncoded(_ encoded: String) -> [String: String] {
        let text = encoded.replacingOccurrences(of: "+", with: " ")
        var values: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first?.removingPercentEncoding else { continue }
            values[name] = parts.count > 1 ? String(parts[1]).removingPercentEncoding ?? "" : ""
        }
        return values
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func respond(_ status: Int, _ text: String, type: String = "text/html; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[.cacheControl] = "no-store"
        headers[Self.noSniff] = "nosniff"
        return Response(status: .init(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// `X-Content-Type-Options`: a download is what its type says, never sniffed into a page.
    static let noSniff = HTTPField.Name("X-Content-Type-Options")!

    /// A download (a batch's file, a report, a validation result) as a page is: not kept by a
    /// browser's or a proxy's cache (it may hold a department's data), never sniffed.
    static func asDownload(_ response: inout Response) {
        response.headers[.cacheControl] = "no-store"
        response.headers[noSniff] = "nosniff"
    }

    // MARK: Pages

    /// The pipelines this user sees.
    func visible(_ user: ConsoleUsers.User) -> [Pipeline] { pipelines.filter { user.sees($0.department) } }

    func overview(_ session: Session) -> Response {
        let today = currentDay
        var body = "<p>今天 \(today)（北京时间）。</p>"
        for pipeline in visible(session.user) {
            let context = pipeline.context.value
            body += "<section><h3>\(ConsolePage.escape(context.pipeline.title))（\(ConsolePage.escape(pipeline.department))，流水线 \(ConsolePage.escape(pipeline.id))）</h3>"
            let end = context.calendar.coverage.upperBound
            let left = today.days(to: end)
            if left < PipelineLinter.coverageWarningDays {
                body += "<p class=\"warning\" id=\"calendar-\(ConsolePage.escape(pipeline.id))\">节假日日历只覆盖到 \(end)，还有 \(left) 天：国务院办公厅通知发布后请添加 \(end.year + 1).yaml</p>"
            }
            do {
                let opened = try LedgerOptions.readingMigrated(path: pipeline.location)
                let ledger = opened.store
                let filter = LedgerFilter(pipeline: pipeline.id)
                let summary = try CommandFailure.ledger { () throws(LedgerError) in try ledger.summary(today: today.description, filter: filter) }
                let status = try LedgerStatus.of(
                    ledger, summary: summary, reckoning: DeadlineReckoning(context: context, today: today),
                    scope: DecisionScope(kind: context.schema.id, portals: context.portals.map(\.profile.id), pipeline: pipeline.id))
                let counts = status.disclosure
                let rows: [(String, String, Int)] = [
                    ("overdue", "逾期未公示", counts.overdue), ("due-soon", "下一个工作日前到期", counts.dueSoon),
                    ("waiting", "待更正后重报", counts.waitingForCorrection), ("staged", "已生成待确认", counts.staged),
                    ("rejected", "门户退回", counts.rejected), ("not-to-publish", "不予公示", counts.notToPublish),
                    ("pending-batches", "待上传批次", summary.pendingBatches.count),
                ]
                body += "<table class=\"counts\" id=\"counts-\(ConsolePage.escape(pipeline.id))\"><tr><th>状态</th><th>数量</th></tr>"
                for (key, label, count) in rows {
                    body += "<tr><td>\(label)</td><td class=\"number\" data-count=\"\(key)\">\(count)</td></tr>"
                }
                body += "</table>"
                body += "<p>\(ConsolePage.escape(counts.figuresLine("本流水线")))</p>"
                // Why decisions are not to be published here: each reason the register gives, counted.
                var reasons: [String: Int] = [:]
                let reckoning = DeadlineReckoning(context: context, today: today)
                // A second pass over the register, only when there is something to explain.
                if counts.notToPublish > 0 { try CommandFailure.ledger { () throws(LedgerError) in
                    try ledger.forEachDecision(
                        scope: DecisionScope(kind: context.schema.id, portals: context.portals.map(\.profile.id), pipeline: pipeline.id)
                    ) { row in
                        if reckoning.state(of: row) == .notToPublish { reasons[row.exclusion ?? (row.withdrawn ? "已撤下" : "不予公示"), default: 0] += 1 }
                    }
                } }
                if !reasons.isEmpty {
                    body += "<ul class=\"reasons\" id=\"not-to-publish-\(ConsolePage.escape(pipeline.id))\">"
                    for (reason, count) in reasons.sorted(by: { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }) {
                        body += "<li>不予公示：\(ConsolePage.escape(reason))（\(count)）</li>"
                    }
                    body += "</ul>"
                }
                if let run = try CommandFailure.ledger({ () throws(LedgerError) in try ledger.lastRun(pipeline: pipeline.id) }) {
                    let exit = run.exitCode.map { "退出码 \($0)" } ?? "未结束或中断"
                    body += "<p>最近一次运行：\(ConsolePage.escape(run.startedAt)) 开始，\(ConsolePage.escape(run.finishedAt ?? "—")) 结束，\(exit)。</p>"
                } else {
                    body += "<p>还没有运行过。</p>"
                }
            } catch {
                body += "<p class=\"error\">台账无法读取：\(ConsolePage.escape(error.message))</p>"
            }
            body += "</section>"
        }
        return Self.respond(200, ConsolePage.page(title: "总览", user: session.user, csrf: session.csrf, body: body))
    }

    func batchesPage(_ session: Session, notice: String?) -> Response {
        let today = currentDay
        var body = notice.map { "<p class=\"ok\" id=\"notice\">批次 \(ConsolePage.escape($0)) 已确认公示。</p>" } ?? ""
        for pipeline in visible(session.user) {
            body += "<section><h3>\(ConsolePage.escape(pipeline.context.value.pipeline.title))</h3>"
            do {
                let pending = try pendingBatches(of: pipeline)
                if pending.isEmpty { body += "<p>没有待上传的批次。</p>" }
                for batch in pending {
                    let id = ConsolePage.escape(batch.id)
                    body += """
                        <table class="batch" id="batch-\(id)"><tr><th>批次</th><td>\(id)</td></tr>
                        <tr><th>门户 / 文件</th><td>\(ConsolePage.escape(batch.portal)) / \(ConsolePage.escape(batch.feed))：<a href="/batches/\(id)/file">\(ConsolePage.escape(batch.recorded.fileName))</a>（\(batch.records) 条，\(ConsolePage.escape(batch.createdOn)) 生成）</td></tr>
                        <tr><th>确认</th><td><form method="post" action="/batches/\(id)/confirm">
                        <input type="hidden" name="csrf" value="\(ConsolePage.escape(session.csrf))">
                        <label>公示日期 <input name="published_on" value="\(today)"></label>
                        <label>回执（可选） <input name="receipt" value=""></label>
                        <button id="confirm-\(id)">已在门户上传，确认</button></form></td></tr></table>
                        """
                }
            } catch {
                body += "<p class=\"error\">台账无法读取：\(ConsolePage.escape(error.message))</p>"
            }
            body += "</section>"
        }
        return Self.respond(200, ConsolePage.page(title: "待上传", user: session.user, csrf: session.csrf, body: body))
    }

    func pendingBatches(of pipeline: Pipeline) throws(CommandFailure) -> [BatchInfo] {
        let ledger = try LedgerOptions.readingMigrated(path: pipeline.location).store
        return try CommandFailure.ledger { () throws(LedgerError) in
            try ledger.summary(today: currentDay.description, filter: LedgerFilter(pipeline: pipeline.id)).pendingBatches
        }
    }

    /// The pipeline (of those this user sees) whose pending batch `id` is.
    func owner(of id: String, for user: ConsoleUsers.User) -> (Pipeline, BatchInfo)? {
        for pipeline in visible(user) {
            if let batch = (try? pendingBatches(of: pipeline))?.first(where: { $0.id == id }) { return (pipeline, batch) }
        }
        return nil
    }

    func refused(_ session: Session, _ message: String) -> Response {
        Self.respond(
            403,
            ConsolePage.page(
                title: "不能操作", user: session.user, csrf: session.csrf, body: "<p class=\"error\">\(ConsolePage.escape(ConsolePage.forClerk(message)))</p>"))
    }

    /// A form filled in wrongly (a date that is no date, or out of its bounds): 422, with the way
    /// back to the form — not a refusal of the user's rights.
    func invalidForm(_ session: Session, _ message: String, back: String) -> Response {
        Self.respond(
            422,
            ConsolePage.page(
                title: "请更正后重新提交", user: session.user, csrf: session.csrf,
                body: "<p class=\"error\" id=\"form-error\">\(ConsolePage.escape(ConsolePage.forClerk(message)))</p><p><a href=\"\(ConsolePage.escape(back))\">返回</a></p>"))
    }

    func batchFile(_ session: Session, id: String) -> Response {
        guard let (_, batch) = owner(of: id, for: session.user) else { return refused(session, "没有你可以看的待上传批次 \(id)") }
        guard let data = FileManager.default.contents(atPath: batch.outboxPath) else { return refused(session, "批次 \(id) 的文件不在发件箱中") }
        var response = Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        response.headers[.contentType] = "application/octet-stream"
        let name = batch.recorded.fileName.filter { $0.isLetter || $0.isNumber || "-_.".contains($0) }
        response.headers[.contentDisposition] = "attachment; filename=\"\(name)\""
        Self.asDownload(&response)
        return response
    }

    /// Confirms a pending batch. The state change and its audit row (the command, with the user and
    /// the time) are one transaction, written only by the request that changed the batch: of two
    /// clerks (or two tabs) confirming it at once, the second is told it was already confirmed —
    /// 409 `already-confirmed`, with the day it was — and nothing of theirs is recorded (their
    /// publication date and receipt are not the ledger's: they are told so rather than told 已确认).
    func confirm(_ session: Session, id: String, form: [String: String]) -> Response {
        guard let (pipeline, batch) = owner(of: id, for: session.user) else {
            if let on = confirmedOn(id, for: session.user) { return alreadyConfirmed(session, id: id, on: on) }

            return refused(session, "没有你可以确认的待上传批次 \(id)")
        }
        let today = currentDay
        guard let date = try? CalendarDate.parse(form["published_on"] ?? "") else {
            return invalidForm(session, "公示日期应为 YYYY-MM-DD", back: "/batches")
        }
        let note = (form["receipt"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let command = "console confirm \(id)（用户 \(session.user.name)）"
        let outcome: ConfirmOutcome
        do {
            let opened = try LedgerOptions.openForWriting(path: pipeline.location, command: command, scope: .transaction)
            let ledger = opened.store
            let (transcript, _) = Transcript.collecting()
            let confirmation = Confirmation(ledger: ledger, today: today, transcript: transcript)
            guard (try? confirmation.check(date, batch: batch)) != nil else {
                return invalidForm(session, "公示日期 \(date) 不能晚于今天 \(today)，也不能早于批次生成的日期 \(batch.createdOn)", back: "/batches")
            }
            let now = LedgerClock.now()
            let text = "控制台确认：用户 \(session.user.name)，\(now)" + (note.isEmpty ? "" : "；回执：\(note.prefix(500))")
            // The action is recorded in the ledger as a command, with the user and the time — in
            // the confirmation's own transaction, and only if it is this request that confirms.
            let action = ActionRecord(command: command, today: today.description, at: now, pipeline: pipeline.id, department: session.user.department)
            outcome = try confirmation.confirm(batch, note: text, on: date, recording: action)
        } catch {
            return refused(session, error.message)
        }
        switch outcome {
        case .confirmed: return Response(status: .seeOther, headers: [.location: "/batches?done=\(id)"])
        case .alreadyConfirmed(let on): return alreadyConfirmed(session, id: id, on: on)
        case .failedBatch: return conflict(session, code: "batch-failed", "批次 \(id) 已记为失败（门户拒收或文件丢失），不能再确认；其中的记录将在下次运行时重新生成")
        case .unknownBatch: return refused(session, "没有你可以确认的待上传批次 \(id)")
        }
    }

    /// When a batch of the user's pipelines that is no longer pending was confirmed (nil: there is
    /// none such, or it failed).
    func confirmedOn(_ id: String, for user: ConsoleUsers.User) -> String? {
        for pipeline in visible(user) {
            guard let ledger = try? LedgerOptions.readingMigrated(path: pipeline.location).store,
                let batch = try? ledger.batch(id), batch.status == .published,
                (try? ledger.batchIDs(pipeline: pipeline.id))?.contains(id) == true
            else { continue }
            return batch.confirmedOn ?? ""
        }
        return nil
    }

    func alreadyConfirmed(_ session: Session, id: String, on: String) -> Response {
        conflict(
            session, code: "already-confirmed",
            "批次 \(id) 已经确认公示（公示日期 \(on.isEmpty ? "—" : on)），可能是同事或另一个页面刚刚确认的；这次提交的公示日期和回执没有记录")
    }

    /// 409: what the user asked for was done already, or can no longer be done — the stable code
    /// in brackets, the way back to 待上传.
    func conflict(_ session: Session, code: String, _ message: String) -> Response {
        Self.respond(
            409,
            ConsolePage.page(
                title: code == "already-confirmed" ? "批次已经确认" : "不能确认", user: session.user, csrf: session.csrf,
                body: "<p class=\"error\" id=\"conflict\" data-code=\"\(code)\">\(ConsolePage.escape(message)) [\(code)]</p><p><a href=\"/batches\">回到待上传</a></p>"))
    }
}
