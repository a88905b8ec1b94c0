import DisclosureCore
import Foundation
import GongshiTesting
import SQLiteLedger
import Testing

/// The console in a real browser (headless chromium through chromedriver) against a real
/// `gongshi console` on 127.0.0.1: a clerk logs in, sees their department's 总览, confirms a staged
/// batch and sees it published; and the refusals — no session, another department's batch, a form
/// without its CSRF token, a wrong password, a script in a data value.
@Suite("Console in a browser", .serialized)
struct ConsoleTests {
    /// Two departments' pipelines run once (penalties staged for 信用中国, permits too), three
    /// accounts, and the console serving them.
    final class Setup: @unchecked Sendable {
        let sandbox: SandboxHarness
        let project: RunCommandTests.Project
        let users: String
        private(set) var console: BackgroundProcess
        private(set) var url: String
        private let consoleArguments: [String]
        private let consoleEnvironment: [String: String?]

        /// - Parameter ledgerURL: the shared ledger to use (both pipelines' `ledger:`), with its password.
        init(ledgerURL: (url: String, password: String)? = nil) throws {
            sandbox = try SandboxHarness()
            project = try ReportCommandTests.twoDepartments(sandbox)
            if let ledgerURL {
                for file in ["pipelines/fazhike-penalties.yaml", "pipelines/shenpi-permits.yaml"] {
                    let path = project.root.appendingPathComponent(file).path
                    try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "ledger: var/ledger.sqlite", with: "ledger: \(ledgerURL.url)")
                        .write(toFile: path, atomically: true, encoding: .utf8)
                }
            }
            // A data value with a script in it: the permit pipeline's title.
            let permits = project.root.appendingPathComponent("pipelines/shenpi-permits.yaml").path
            let text = try String(contentsOfFile: permits, encoding: .utf8)
            try text.replacingOccurrences(of: "title: 行政审批科 行政许可", with: "title: \"行政审批科 <script>window.hacked = 1</script>\"")
                .write(toFile: permits, atomically: true, encoding: .utf8)
            // A second department with penalties of its own, on the same ledger (no run yet).
            let dadui = try String(contentsOfFile: project.pipeline, encoding: .utf8)
                .replacingOccurrences(of: "department: 法制科", with: "department: 城管大队")
                .replacingOccurrences(of: "inbox/fazhike/", with: "inbox/dadui/")
            try dadui.write(toFile: project.root.appendingPathComponent("pipelines/dadui-penalties.yaml").path, atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(
                at: project.root.appendingPathComponent("fixtures/pipelines/inbox/dadui"), withIntermediateDirectories: true)
            let environment: [String: String?] = [
                "GONGSHI_PORTAL_APP_KEY": SandboxHarness.appKey, "GONGSHI_PORTAL_SECRET": SandboxHarness.secret,
                "GONGSHI_LEDGER_PASSWORD": ledgerURL?.password,
            ]
            _ = try GongshiProcess.run(["run", project.pipeline, "--today", "2026-11-30"], environment: environment)
            _ = try GongshiProcess.run(["run", permits, "--today", "2026-12-01"], environment: environment)
            users = project.root.appendingPathComponent("var/console-users.json").path
            for (name, department, role, password) in [
                ("张三", "法制科", "clerk", "zhangsan-pass"), ("李审批", "行政审批科", "clerk", "lishenpi-pass"), ("王五", "信用办", "office", "wangwu-pass"),
                ("赵六", "城管大队", "clerk", "zhaoliu-pass"),
            ] {
                let added = try GongshiProcess.runWithInput(
                    ["console", "user", "add", name, "--department", department, "--role", role, "--users", users], input: password + "\n")
                #expect(added.status == 0, "\(added)")
            }
            consoleArguments = [
                "console", "--pipelines", project.root.appendingPathComponent("pipelines").path, "--port", "0", "--today", "2026-12-01",
                "--users", users, "--upload-limit", "1",
            ]
            consoleEnvironment = environment.merging(["no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"]) { $1 }
            console = try BackgroundProcess(GongshiProcess.executable, consoleArguments, environment: consoleEnvironment, readyText: "gongshi console：监听")
            url = String(console.readyLine.split(separator: " ").last ?? "")
        }

        /// Stops the console and starts a new one on the same pipelines, accounts and state (a restart).
        func restartConsole() throws {
            console.stop()
            console = try BackgroundProcess(GongshiProcess.executable, consoleArguments, environment: consoleEnvironment, readyText: "gongshi console：监听")
            url = String(console.readyLine.split(separator: " ").last ?? "")
        }

        func stop() {
            console.stop()
            sandbox.stop()
        }

        /// Logs in and waits for the page that follows: one with the user's name in its navigation
        /// (or, for `landing`, what a refused log-in shows).
        func logIn(_ browser: WebDriver, _ name: String, _ password: String, landing: String = "nav .who") throws {
            try browser.open(url + "/login")
            try browser.type("#name", name)
            try browser.type("#password", password)
            try browser.click("#login")
            _ = try browser.element(landing)
        }

        func pendingPenaltyBatches() throws -> [String] {
            try Ledger.openForReading(path: project.ledger).batches(portal: "creditchina-henan-zhengzhou", status: .pending)
                .filter { $0.kind == "administrative-penalty" }.map(\.id)
        }
    }

    /// Where the screenshots go: `GONGSHI_SCREENSHOTS=DIR` (the docs' are made so), else a temporary folder.
    static let screenshots: String = {
        let folder = ProcessInfo.processInfo.environment["GONGSHI_SCREENSHOTS"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("gongshi-console-shots").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }()

    @Test("a clerk logs in, sees their department's 总览 only, confirms a staged batch and sees it published; the action is in the ledger")
    func confirmFlow() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let browser = try WebDriver()
        defer { browser.quit() }
        // No session: the console sends the browser to the login page.
        try browser.open(setup.url + "/")
        #expect(try browser.url().hasSuffix("/login"))
        try setup.logIn(browser, "张三", "zhangsan-pass")
        #expect(try browser.url() == setup.url + "/")
        let overview = try browser.source()
        #expect(overview.contains("counts-fazhike-penalties") && !overview.contains("counts-shenpi-permits"))
        #expect(Int(try browser.text("#counts-fazhike-penalties td[data-count=staged]")) ?? 0 > 0)
        try browser.screenshot(to: "\(Self.screenshots)/overview.png")
        // The session cookie: HttpOnly and SameSite=Strict.
        let cookie = try #require(try browser.cookies().first { $0["name"] as? String == "gs_session" })
        #expect(cookie["httpOnly"] as? Bool == true && cookie["sameSite"] as? String == "Strict")

        let pending = try setup.pendingPenaltyBatches()
        let batch = try #require(pending.first)
        try browser.open(setup.url + "/batches")
        try browser.screenshot(to: "\(Self.screenshots)/batches.png")
        try browser.click("#confirm-\(batch)")
        #expect(try browser.text("#notice").contains(batch))
        #expect(try browser.url() == setup.url + "/batches?done=\(batch)")
        let ledger = try Ledger.openForReading(path: setup.project.ledger)
        #expect(try ledger.batch(batch)?.status == .published)
        #expect(try ledger.batch(batch)?.confirmedOn == "2026-12-01")
        #expect(try setup.pendingPenaltyBatches() == Array(pending.dropFirst()))
        // Who did it and when: a command in the ledger, with the user's name.
        #expect(try Self.commands(setup.project.ledger).contains { $0.hasPrefix("console confirm \(batch)（用户 张三）") })
        // The 总览 now counts one batch fewer waiting.
        try browser.open(setup.url + "/")
        #expect(Int(try browser.text("#counts-fazhike-penalties td[data-count=pending-batches]")) == pending.count - 1)

        // 决定: the confirmed batch's first record, found by its number, published, with who confirmed it.
        let entry = try #require(try ledger.publications(batch: batch).first)
        let number = DecisionKey.number(entry.key)
        try browser.open(setup.url + "/decisions?q=" + (number.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        #expect(try browser.text("#decisions").contains(number))
        try browser.screenshot(to: "\(Self.screenshots)/decisions.png")
        try browser.open(setup.url + "/decisions/show?number=" + (number.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        #expect(try browser.text("#history").contains("已公示"))
        #expect(try browser.text("#actions").contains("console confirm \(batch)（用户 张三）"))
        // 撤下 with the rules of 信用修复: too early (the minimum period has not passed) is refused;
        // a revoked decision comes down from every portal of the pipeline.
        try browser.click("#reason option[value=\"信用修复\"]")
        try browser.click("#withdraw")
        #expect(try browser.text("#withdraw-result").contains("不予撤下"))
        try browser.open(setup.url + "/decisions/show?number=" + (number.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        try browser.click("#reason option[value=\"撤销\"]")
        try browser.type("#revoked_on", "2026-12-01")
        try browser.type("#note", "复议撤销")
        try browser.click("#withdraw")
        #expect(try browser.text("#withdraw-result").contains("撤下请求已提交"))
        // What to do next, in the console's words: no command line, no server path.
        let said = try browser.text("body")
        #expect(said.contains("到「待上传」页") && !said.contains("gongshi ledger confirm") && !said.contains(setup.project.root.path), "\(said)")
        let withdrawals = try Ledger.openForReading(path: setup.project.ledger).history(key: number).compactMap(\.withdrawalReason)
        #expect(!withdrawals.isEmpty && withdrawals.allSatisfy { $0 == "撤销" }, "\(withdrawals)")
        #expect(try Self.commands(setup.project.ledger).contains { $0.hasPrefix("console withdraw \(number) 撤销（用户 张三）") })
        // The decision's page names that action too, and the withdrawal's state in Chinese.
        try browser.open(setup.url + "/decisions/show?number=" + (number.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        #expect(try browser.text("#actions").contains("console withdraw \(number) 撤销（用户 张三）"))
        #expect(try browser.text("#history").contains("撤销（待门户确认）") && !(try browser.text("#history").contains("pending")))
        // 信用核查 says what `gongshi check` says: the withdrawal waits for the portal (it said 已公示).
        let code = try #require(entry.subjectCode)
        // (Spaces around it, as a GET form writes them — `+` — are a clerk's, trimmed.)
        try browser.open(setup.url + "/check?code=+" + code + "+")
        let checkedNow = try browser.text("#check")
        #expect(checkedNow.contains("撤下待门户确认（撤销）"), "\(checkedNow)")
        let cli = try GongshiProcess.run(["check", code, "--ledger", setup.project.ledger])
        #expect(cli.stdout.contains("撤下待门户确认（撤销）"), "\(cli.stdout)")
        // A natural person's record: the name is masked, as in the reports.
        let natural = try #require(try ledger.batches(portal: "creditchina-henan-zhengzhou", status: nil).first { $0.feed == "penalty-natural" })
        let person = try #require(try ledger.publications(batch: natural.id).first)
        let name = String(person.key.dropFirst(DecisionKey.number(person.key).count + 1))
        #expect(!name.isEmpty)
        try browser.open(setup.url + "/decisions/show?number=" + (DecisionKey.number(person.key).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        let page = try browser.text("#history")
        #expect(page.contains(PersonalData.mask(name)) && !page.contains(name), "\(page)")
        // 报告: this department's report for the month, made and opened in the browser.
        try browser.open(setup.url + "/reports")
        try browser.type("#from", "2026-11-01")
        try browser.type("#to", "2026-12-01")
        try browser.click("#make-report")
        #expect(try browser.text("#report-made").contains("report-fazhike-penalties-2026-11-01-2026-12-01.html"))
        try browser.screenshot(to: "\(Self.screenshots)/reports.png")
        try browser.click("#reports a")
        #expect(try browser.text("body").contains("法制科"))
        // 信用核查 by 统一社会信用代码.
        try browser.open(setup.url + "/check?code=91410100MA40Q8R26R")
        #expect(try browser.text("#check").contains("法制科"))
        // Its states as the clerks read them, not the ledger's words.
        let checked = try browser.text("#check")
        #expect(checked.contains("已公示") || checked.contains("待确认"), "\(checked)")
        #expect(!checked.contains("published") && !checked.contains("pending"), "\(checked)")
        try browser.screenshot(to: "\(Self.screenshots)/check.png")
        // An ID number typed as the code is refused without being shown back, in the page or its form.
        try browser.open(setup.url + "/check?code=410122198503121231")
        let refused = try browser.text("body")
        #expect(refused.contains("不正确") && !refused.contains("19850312"), "\(refused)")
        #expect(try !browser.source().contains("19850312"))
    }

    @Test("on the county's shared ledger (PostgreSQL): the 总览 and a confirmation work the same")
    func sharedLedger() throws {
        let server = try PostgreSQLServer.shared()
        let database = try server.createDatabase(prefix: "console")
        let setup = try Setup(ledgerURL: (server.url(database: database), server.password))
        defer { setup.stop() }
        let pending = { try server.psql("SELECT id FROM batch WHERE status = 'pending' AND feed LIKE 'penalty%' AND portal = 'creditchina-henan-zhengzhou' ORDER BY seq", database: database).split(separator: "\n").map(String.init) }
        let before = try pending()
        let batch = try #require(before.first)
        let browser = try WebDriver()
        defer { browser.quit() }
        try setup.logIn(browser, "张三", "zhangsan-pass")
        #expect(Int(try browser.text("#counts-fazhike-penalties td[data-count=staged]")) ?? 0 > 0)
        try browser.open(setup.url + "/batches")
        try browser.click("#confirm-\(batch)")
        #expect(try browser.text("#notice").contains(batch))
        #expect(try server.psql("SELECT status || ' ' || confirmed_on FROM batch WHERE id = '\(batch)'", database: database) == "published 2026-12-01")
        #expect(try pending() == Array(before.dropFirst()))
        #expect(try server.psql("SELECT count(*) FROM run WHERE command LIKE 'console confirm \(batch)（用户 张三）%'", database: database) == "1")
    }

    @Test("refusals: another department's batch, a form without its CSRF token, no session, a wrong password; a script in a data value stays text")
    func refusals() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let pending = try setup.pendingPenaltyBatches()
        let batch = try #require(pending.first)
        let browser = try WebDriver()
        defer { browser.quit() }

        // A wrong password: the login page again, no session.
        try setup.logIn(browser, "张三", "not-the-password", landing: "p.error")
        #expect(try browser.url().hasSuffix("/login") && browser.source().contains("用户名或密码不对"))
        #expect(try browser.cookies().contains { $0["name"] as? String == "gs_session" } == false)
        // Five wrong passwords in a row for one name (one no user has: the answer does not say so):
        // the name is then refused before any password is checked; the other users log in below.
        for _ in 0..<5 { try setup.logIn(browser, "钱七", "guess", landing: "p.error") }
        #expect(try !browser.text("p.error").contains("登录失败次数过多"))
        try setup.logIn(browser, "钱七", "guess", landing: "p.error")
        let locked = try browser.text("p.error")
        #expect(locked.contains("登录失败次数过多"), "\(locked)")
        #expect(try browser.cookies().contains { $0["name"] as? String == "gs_session" } == false)

        // The permit clerk: sees the permit pipeline (its title escaped, no script ran), not the penalties.
        try setup.logIn(browser, "李审批", "lishenpi-pass")
        let overview = try browser.source()
        #expect(overview.contains("&lt;script&gt;window.hacked = 1&lt;/script&gt;") && !overview.contains("<script>"))
        #expect(!overview.contains("counts-fazhike-penalties"))
        // Nor a penalty decision's history, asked for by its number.
        let penalty = try #require(try Ledger.openForReading(path: setup.project.ledger).publications(batch: batch).first)
        try browser.open(setup.url + "/decisions/show?number=" + (DecisionKey.number(penalty.key).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        #expect(try browser.text("main").contains("你能看的台账中没有"))
        #expect(try !browser.source().contains("id=\"history\""))
        // A clerk of another penalty department on the same ledger: the same kind of record, not theirs.
        try browser.deleteCookies()
        try setup.logIn(browser, "赵六", "zhaoliu-pass")
        try browser.open(setup.url + "/decisions/show?number=" + (DecisionKey.number(penalty.key).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        #expect(try browser.text("main").contains("你能看的台账中没有"))
        try browser.deleteCookies()
        try setup.logIn(browser, "李审批", "lishenpi-pass")
        // 信用核查 for the permit department: the penalties' company is not theirs to see.
        try browser.open(setup.url + "/check?code=91410100MA40Q8R26R")
        #expect(try browser.text("#check-none").contains("没有"))
        try browser.open(setup.url + "/batches/\(batch)/file")
        #expect(try browser.source().contains("没有你可以看的待上传批次"))
        // …nor confirm it, even with a valid session and token of their own (sent as a browser would).
        try browser.open(setup.url + "/batches")
        let token = try #require(try browser.source().firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1)
        let cookie = try #require(try browser.cookies().first { $0["name"] as? String == "gs_session" }?["value"] as? String)
        let forged = try Self.post(setup.url + "/batches/\(batch)/confirm", cookie: cookie, form: "csrf=\(token)&published_on=2026-12-01")
        #expect(forged.status == 403 && forged.body.contains("没有你可以确认的待上传批次"))
        // No session at all.
        #expect(try Self.post(setup.url + "/batches/\(batch)/confirm", cookie: nil, form: "published_on=2026-12-01").status == 403)

        // The penalty clerk's own batch, with the form's token removed: refused.
        try browser.deleteCookies()
        try setup.logIn(browser, "张三", "zhangsan-pass")
        try browser.open(setup.url + "/batches")
        try browser.remove("#batch-\(batch) input[name=csrf]")
        try browser.click("#confirm-\(batch)")
        #expect(try browser.text("p.error").contains("CSRF"))
        #expect(try setup.pendingPenaltyBatches() == pending)
        // A date that is no date, or after today: the form to correct (422), not a refusal (403).
        try browser.open(setup.url + "/batches")
        let ownToken = try #require(try browser.source().firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1)
        let ownCookie = try #require(try browser.cookies().first { $0["name"] as? String == "gs_session" }?["value"] as? String)
        for date in ["2026-13-45", "2099-01-01"] {
            let wrong = try Self.post(setup.url + "/batches/\(batch)/confirm", cookie: ownCookie, form: "csrf=\(ownToken)&published_on=\(date)")
            #expect(wrong.status == 422 && wrong.body.contains("公示日期") && wrong.body.contains("href=\"/batches\""), "\(wrong.status)")
        }
        #expect(try setup.pendingPenaltyBatches() == pending)

        // The credit office sees both departments.
        try browser.deleteCookies()
        try setup.logIn(browser, "王五", "wangwu-pass")
        #expect(try browser.text("nav .who").contains("王五"))
        let office = try browser.source()
        #expect(office.contains("counts-fazhike-penalties") && office.contains("counts-shenpi-permits"))
        // Not to be published, with the reasons: the reasons' counts add up to the count.
        for id in ["fazhike-penalties", "shenpi-permits"] {
            let count = Int(try browser.text("#counts-\(id) td[data-count=not-to-publish]")) ?? -1
            let listed = office.firstMatch(of: try Regex("id=\"not-to-publish-\(id)\">(.*?)</ul>"))
                .map { String($0.output[1].substring ?? "") } ?? ""
            let sum = listed.matches(of: /（(\d+)）/).compactMap { Int($0.output.1) }.reduce(0, +)
            #expect(sum == count, "\(id): \(listed)")
        }

        // The permit clerk again (their session's token and cookie from above, still valid).
        // Nor take the penalty down once published, through their own pipeline (its portal is the
        // same 信用中国): the decision is not in their register.
        _ = try Ledger.open(path: setup.project.ledger).confirm(batch: batch, receipt: nil, on: "2026-12-01")
        let number = DecisionKey.number(penalty.key).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let taken = try Self.post(
            setup.url + "/decisions/withdraw", cookie: cookie,
            form: "csrf=\(token)&pipeline=shenpi-permits&number=\(number)&reason=%E6%92%A4%E9%94%80&revoked_on=2026-12-01")
        #expect(taken.body.contains("台账中没有这条已公示的记录"), "\(taken)")
        #expect(try Ledger.openForReading(path: setup.project.ledger).history(key: penalty.key).allSatisfy { $0.withdrawalReason == nil })
        // A report the office made of both departments, in the shared reports folder: not the permit clerk's to see.
        let reports = setup.project.root.appendingPathComponent("var/reports")
        try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
        for name in ["report-fazhike-penalties+shenpi-permits-2026-11-01-2026-11-30.html", "report-2026-11-01-2026-11-30.html"] {
            try Data("<p>法制科 李四2</p>".utf8).write(to: reports.appendingPathComponent(name))
        }
        let listed = try Self.curl([setup.url + "/reports"], cookie: cookie)
        #expect(listed.status == 200 && !listed.body.contains("report-fazhike-penalties+shenpi-permits") && !listed.body.contains("report-2026-11-01"), "\(listed.body)")
        for name in ["report-fazhike-penalties%2Bshenpi-permits-2026-11-01-2026-11-30.html", "report-2026-11-01-2026-11-30.html"] {
            let file = try Self.curl([setup.url + "/reports/file?pipeline=shenpi-permits&name=\(name)"], cookie: cookie)
            #expect(file.status == 403 && !file.body.contains("李四2"), "\(file)")
        }
    }

    @Test("sessions and the ledger: an account moved to another department or removed ends its sessions at their next request; 信用核查 with a ledger that cannot be read says so (503), never 没有公示; a decision's page lists only its own department's console actions on a shared 文号")
    func sessionsAndUnreadableLedger() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let browser = try WebDriver()
        defer { browser.quit() }
        func session(_ name: String, _ password: String) throws -> (cookie: String, token: String) {
            try browser.deleteCookies()
            try setup.logIn(browser, name, password)
            try browser.open(setup.url + "/batches")
            let token = try #require(try browser.source().firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1)
            let cookie = try #require(try browser.cookies().first { $0["name"] as? String == "gs_session" }?["value"] as? String)
            return (cookie, String(token))
        }
        func user(_ arguments: [String], input: String = "") throws -> Int32 {
            try GongshiProcess.runWithInput(["console", "user"] + arguments + ["--users", setup.users], input: input).status
        }

        // 行政审批科 gets a permit of the same 文号 as one of 法制科's penalties; 法制科's clerk
        // revokes her penalty in the console.
        let pending = try setup.pendingPenaltyBatches()
        let batch = try #require(pending.first)
        let penalty = try #require(try Ledger.openForReading(path: setup.project.ledger).publications(batch: batch).first)
        _ = try Ledger.open(path: setup.project.ledger).confirm(batch: batch, receipt: nil, on: "2026-12-01")
        let number = DecisionKey.number(penalty.key)
        let script = """
            import re, sys
            text = open(sys.argv[1], encoding="utf-8").read()
            first = re.search(r"<Record>.*?</Record>", text, re.S).group(0)
            first = re.sub(r"<XK_WSH>.*?</XK_WSH>", "<XK_WSH>" + sys.argv[3] + "</XK_WSH>", first)
            open(sys.argv[2], "w", encoding="utf-8").write('<?xml version="1.0" encoding="UTF-8"?>\\n<Records>\\n  ' + first + "\\n</Records>\\n")
            """
        let inbox = setup.project.root.appendingPathComponent("fixtures/pipelines/inbox/shenpi")
        try runTool("/usr/bin/python3", [
            "-c", script, inbox.appendingPathComponent("2026-11-permits.xml").path, inbox.appendingPathComponent("2026-12-permits.xml").path, number,
        ])
        _ = try GongshiProcess.run(
            ["run", setup.project.root.appendingPathComponent("pipelines/shenpi-permits.yaml").path, "--today", "2026-12-02"],
            environment: ["GONGSHI_PORTAL_APP_KEY": SandboxHarness.appKey, "GONGSHI_PORTAL_SECRET": SandboxHarness.secret])
        let encoded = number.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let zhang = try session("张三", "zhangsan-pass")
        // A form filled in wrongly: the form to correct (422, with its type code), nothing recorded.
        let noReason = try Self.post(
            setup.url + "/decisions/withdraw", cookie: zhang.cookie, form: "csrf=\(zhang.token)&pipeline=fazhike-penalties&number=\(encoded)&reason=")
        #expect(noReason.status == 422 && noReason.body.contains("[reason-invalid]"), "\(noReason)")
        let noDate = try Self.post(
            setup.url + "/decisions/withdraw", cookie: zhang.cookie,
            form: "csrf=\(zhang.token)&pipeline=fazhike-penalties&number=\(encoded)&reason=%E6%92%A4%E9%94%80&revoked_on=2026-13-45")
        #expect(noDate.status == 422 && noDate.body.contains("[date-invalid]"), "\(noDate)")
        #expect(try !Self.commands(setup.project.ledger).contains { $0.hasPrefix("console withdraw") })
        let taken = try Self.post(
            setup.url + "/decisions/withdraw", cookie: zhang.cookie,
            form: "csrf=\(zhang.token)&pipeline=fazhike-penalties&number=\(encoded)&reason=%E6%92%A4%E9%94%80&revoked_on=2026-12-01")
        #expect(taken.status == 200, "\(taken)")
        #expect(try Self.commands(setup.project.ledger).contains { $0.hasPrefix("console withdraw") })
        let li = try session("李审批", "lishenpi-pass")
        let page = try Self.curl([setup.url + "/decisions/show?number=\(encoded)"], cookie: li.cookie)
        #expect(page.status == 200 && page.body.contains("id=\"history\""), "行政审批科 sees its own permit of that 文号: \(page.body)")
        #expect(!page.body.contains("console withdraw"), "\(page.body)")

        // 张三 moved to 行政审批科 (a new password): the session she had ends.
        #expect(try Self.curl([setup.url + "/"], cookie: zhang.cookie).status == 200)
        #expect(try user(["add", "张三", "--department", "行政审批科", "--role", "clerk"], input: "zhangsan-pass2\n") == 0)
        #expect(try Self.curl([setup.url + "/"], cookie: zhang.cookie).status == 303)
        #expect(try Self.post(setup.url + "/decisions/withdraw", cookie: zhang.cookie, form: "csrf=\(zhang.token)&pipeline=fazhike-penalties&number=\(encoded)&reason=%E6%92%A4%E9%94%80").status == 403)
        // 赵六 removed: the same; an unknown account is refused with 66.
        let zhao = try session("赵六", "zhaoliu-pass")
        #expect(try Self.curl([setup.url + "/"], cookie: zhao.cookie).status == 200)
        #expect(try user(["remove", "赵六"]) == 0)
        #expect(try Self.curl([setup.url + "/"], cookie: zhao.cookie).status == 303)
        #expect(try user(["remove", "赵六"]) == 66)

        // 信用核查 by the credit office, then with the ledger gone: 503, the ledger named, no all-clear.
        let wang = try session("王五", "wangwu-pass")
        let found = try Self.curl([setup.url + "/check?code=91410100MA40Q8R26R"], cookie: wang.cookie)
        #expect(found.status == 200 && found.body.contains("id=\"check\""))
        let ledger = URL(fileURLWithPath: setup.project.ledger)
        let aside = ledger.appendingPathExtension("aside")
        try FileManager.default.moveItem(at: ledger, to: aside)
        defer { try? FileManager.default.moveItem(at: aside, to: ledger) }
        let unread = try Self.curl([setup.url + "/check?code=91410100MA40Q8R26R"], cookie: wang.cookie)
        #expect(unread.status == 503 && unread.body.contains("check-unreadable") && !unread.body.contains("check-none"), "\(unread)")
    }

    /// The commands recorded in a SQLite ledger, read with Python's sqlite3 (a reader that is not gongshi's).
    static func commands(_ ledger: String) throws -> [String] {
        let child = try ChildProcess.spawn("/usr/bin/python3", ["-c", "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('SELECT command FROM run')]", ledger], environment: ProcessInfo.processInfo.environment, directory: nil)
        return String(decoding: child.finish().stdout, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// A form POST as a browser would send it; the status and the body.
    static func post(_ url: String, cookie: String?, form: String) throws -> (status: Int, body: String) {
        try curl(["-X", "POST", url, "-H", "Content-Type: application/x-www-form-urlencoded", "--data", form], cookie: cookie)
    }

    /// curl on loopback with the session cookie (if any): the status and the body.
    static func curl(_ arguments: [String], cookie: String?) throws -> (status: Int, body: String) {
        var arguments = ["-s", "-o", "-", "-w", "\n%{http_code}"] + arguments
        if let cookie { arguments += ["-H", "Cookie: gs_session=\(cookie)"] }
        var environment = ProcessInfo.processInfo.environment
        environment["no_proxy"] = "127.0.0.1"
        let output = String(decoding: try ChildProcess.spawn("/usr/bin/curl", arguments, environment: environment, directory: nil).finish().stdout, as: UTF8.self)
        return (Int(output.split(separator: "\n").last ?? "") ?? 0, output)
    }

    @Test("上传数据: a bad export shows its problems (row, field, message, counts, the JSON to download); a good one is accepted into the inbox under its name, never over another")
    func uploads() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let browser = try WebDriver()
        defer { browser.quit() }
        try setup.logIn(browser, "张三", "zhangsan-pass")
        let inbox = setup.project.input.deletingLastPathComponent()
        // Exports as the case system writes them: GB18030.
        let work = setup.project.root.appendingPathComponent("exports")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let bad = work.appendingPathComponent("2026-12-坏.csv").path
        let good = work.appendingPathComponent("2026-12-好.csv").path
        try runTool("/usr/bin/iconv", ["-f", "UTF-8", "-t", "GB18030", "-o", bad, Fixtures.url("validate/penalty/invalid.csv").path])
        try runTool("/usr/bin/iconv", ["-f", "UTF-8", "-t", "GB18030", "-o", good, Fixtures.url("validate/penalty/valid.csv").path])

        // An upload left a day and more, never accepted (an export: ID and phone numbers), goes
        // with the next upload; one of an hour ago stays.
        let staging = setup.project.root.appendingPathComponent("var/console-uploads")
        let (stale, recent) = (String(repeating: "a", count: 64), String(repeating: "b", count: 64))
        for (token, age) in [(stale, 25.0 * 3600), (recent, 3600.0)] {
            let folder = staging.appendingPathComponent(token)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("证件号码\n".utf8).write(to: folder.appendingPathComponent("x.csv"))
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -age)], ofItemAtPath: folder.path)
        }
        try browser.open(setup.url + "/upload")
        try browser.screenshot(to: "\(Self.screenshots)/upload.png")
        try browser.type("#file", bad)
        try browser.click("#upload")
        #expect(Int(try browser.text("#validation-counts td[data-count=invalid]")) ?? 0 > 0)
        // (Looked at once the upload's page has come: the click returns before the server answers.)
        #expect(!FileManager.default.fileExists(atPath: staging.appendingPathComponent(stale).path))
        #expect(FileManager.default.fileExists(atPath: staging.appendingPathComponent(recent).path))
        let problems = try browser.text("#problems")
        #expect(problems.contains("行政相对人名称") || problems.contains("处罚决定日期"), "\(problems)")
        try browser.screenshot(to: "\(Self.screenshots)/validation.png")
        #expect(!FileManager.default.fileExists(atPath: inbox.appendingPathComponent("2026-12-坏.csv").path))  // not accepted

        try browser.open(setup.url + "/upload")
        try browser.type("#file", good)
        try browser.click("#upload")
        #expect(try browser.text("#validation-counts td[data-count=invalid]") == "0")
        // The preview: what the next run would do with it (a dry run; the ledger untouched).
        let ledgerBefore = FileManager.default.contents(atPath: setup.project.ledger)
        #expect(try browser.text("#preview").contains("新公示"))
        #expect(FileManager.default.contents(atPath: setup.project.ledger) == ledgerBefore)
        try browser.click("#accept")
        #expect(try browser.text("#accepted").contains("2026-12-好.csv"))
        let accepted = inbox.appendingPathComponent("2026-12-好.csv").path
        #expect(FileManager.default.contents(atPath: accepted) == FileManager.default.contents(atPath: good))
        #expect(try Self.commands(setup.project.ledger).contains { $0.hasPrefix("console accept 2026-12-好.csv（用户 张三）") })
        // The same decisions under another name, before any run: valid alone, duplicates beside the inbox's file.
        let twin = work.appendingPathComponent("2026-12-好二.csv").path
        try FileManager.default.copyItem(atPath: good, toPath: twin)
        try browser.open(setup.url + "/upload")
        try browser.type("#file", twin)
        try browser.click("#upload")
        #expect(try browser.text("#validation-counts td[data-count=invalid]") == "0")
        let duplicates = try browser.text("#preview-duplicates")
        #expect(duplicates.contains("与2026-12-好.csv 第") && duplicates.contains("重复") && !duplicates.contains(inbox.path), "\(duplicates)")
        // The same name again: refused, the file in the inbox untouched.
        try FileManager.default.copyItem(atPath: bad, toPath: work.appendingPathComponent("again/2026-12-好.csv").path, creatingFolder: true)
        try browser.open(setup.url + "/upload")
        try browser.type("#file", work.appendingPathComponent("again/2026-12-好.csv").path)
        try browser.click("#upload")
        try browser.click("#accept")
        #expect(try browser.text("p.error").contains("收件箱中已有同名文件"))
        #expect(FileManager.default.contents(atPath: accepted) == FileManager.default.contents(atPath: good))
    }

    @Test("upload refusals: a path in the file name, an oversized file, a form without its CSRF token, no session; nothing is written")
    func uploadRefusals() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let browser = try WebDriver()
        defer { browser.quit() }
        try setup.logIn(browser, "张三", "zhangsan-pass")
        try browser.open(setup.url + "/upload")
        let token = try #require(try browser.source().firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1)
        let cookie = try #require(try browser.cookies().first { $0["name"] as? String == "gs_session" }?["value"] as? String)
        let file = setup.project.root.appendingPathComponent("small.csv").path
        try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: file))
        let before = try Self.tree(setup.project.root)
        // A path in the name (what a forged form, not a browser, sends).
        let pathName = try Self.upload(setup.url, cookie: cookie, fields: ["csrf": String(token), "pipeline": "fazhike-penalties"], file: file, name: "../../pipelines/evil.csv")
        #expect(pathName.status == 400 && pathName.body.contains("不能用"), "\(pathName)")
        // Over the limit (the console here takes 1 MB).
        let big = setup.project.root.appendingPathComponent("big.csv").path
        FileManager.default.createFile(atPath: big, contents: Data(count: 3 << 20))
        let oversized = try Self.upload(setup.url, cookie: cookie, fields: ["csrf": String(token), "pipeline": "fazhike-penalties"], file: big, name: "big.csv")
        #expect(oversized.status == 413 || oversized.status == 0, "\(oversized.status)")
        try FileManager.default.removeItem(atPath: big)
        // No CSRF token; no session; another department's pipeline.
        #expect(try Self.upload(setup.url, cookie: cookie, fields: ["pipeline": "fazhike-penalties"], file: file, name: "a.csv").status == 403)
        #expect(try Self.upload(setup.url, cookie: nil, fields: ["csrf": String(token), "pipeline": "fazhike-penalties"], file: file, name: "a.csv").status == 403)
        #expect(try Self.upload(setup.url, cookie: cookie, fields: ["csrf": String(token), "pipeline": "shenpi-permits"], file: file, name: "a.csv").status == 403)
        // A name the pipeline's run would not read (its pattern is *.csv, matched as the run matches it).
        let upper = try Self.upload(setup.url, cookie: cookie, fields: ["csrf": String(token), "pipeline": "fazhike-penalties"], file: file, name: "UPPER.CSV")
        #expect(upper.status == 400 && upper.body.contains("区分大小写"), "\(upper)")
        // Nothing landed anywhere in the project (the staging folder is emptied on refusal).
        #expect(try Self.tree(setup.project.root).subtracting(before).filter { !$0.contains("console-uploads") || $0.hasSuffix(".csv") }.isEmpty)

        // An upload is its uploader's, for the pipeline it was checked against: the credit office
        // (who sees every pipeline) can neither download its result nor accept it, into that
        // pipeline or another; its uploader cannot accept it into another.
        // (A file that cannot be checked, with no record read, is not offered for acceptance.)
        let unreadable = try Self.upload(setup.url, cookie: cookie, fields: ["csrf": String(token), "pipeline": "fazhike-penalties"], file: file, name: "columns.csv")
        #expect(unreadable.body.contains("id=\"not-acceptable\"") && !unreadable.body.contains("/accept"), "\(unreadable)")
        let export = setup.project.root.appendingPathComponent("mine-gb18030.csv").path  // as the case system writes it
        try runTool("/usr/bin/iconv", ["-f", "UTF-8", "-t", "GB18030", "-o", export, Fixtures.url("validate/penalty/valid.csv").path])
        let staged = try Self.upload(
            setup.url, cookie: cookie, fields: ["csrf": String(token), "pipeline": "fazhike-penalties"], file: export, name: "mine.csv")
        let upload = try #require(staged.body.firstMatch(of: /\/upload\/([0-9a-f]{64})\/accept/)?.1, "\(staged)")
        try browser.deleteCookies()
        try setup.logIn(browser, "王五", "wangwu-pass")
        try browser.open(setup.url + "/upload")
        let officeToken = try #require(try browser.source().firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1)
        let officeCookie = try #require(try browser.cookies().first { $0["name"] as? String == "gs_session" }?["value"] as? String)
        #expect(try Self.curl([setup.url + "/upload/\(upload)/validation.json"], cookie: officeCookie).status == 403)
        for pipeline in ["fazhike-penalties", "dadui-penalties"] {
            let taken = try Self.post(setup.url + "/upload/\(upload)/accept", cookie: officeCookie, form: "csrf=\(officeToken)&pipeline=\(pipeline)")
            #expect(taken.status == 403, "\(taken)")
        }
        #expect(try Self.curl([setup.url + "/upload/\(upload)/validation.json"], cookie: cookie).status == 200)
        // A download is neither cached nor sniffed.
        let headers = try Self.curl(["-D", "-", setup.url + "/upload/\(upload)/validation.json"], cookie: cookie).body.lowercased()
        #expect(headers.contains("cache-control: no-store") && headers.contains("x-content-type-options: nosniff"), "\(headers.prefix(600))")
        #expect(!FileManager.default.fileExists(atPath: setup.project.input.deletingLastPathComponent().appendingPathComponent("mine.csv").path))
    }

    /// Every file under `root` (relative paths).
    static func tree(_ root: URL) throws -> Set<String> {
        let enumerator = FileManager.default.enumerator(atPath: root.path)
        var files: Set<String> = []
        while let next = enumerator?.nextObject() as? String { files.insert(next) }
        return files
    }

    /// A multipart upload as a forged form would send it (curl), with the file under `name`.
    static func upload(_ url: String, cookie: String?, fields: [String: String], file: String, name: String) throws -> (status: Int, body: String) {
        var arguments = [url + "/upload"]
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) { arguments += ["-F", "\(key)=\(value)"] }
        return try curl(arguments + ["-F", "file=@\(file);filename=\(name)"], cookie: cookie)
    }
}

extension FileManager {
    func copyItem(atPath source: String, toPath target: String, creatingFolder: Bool) throws {
        try createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try copyItem(atPath: source, toPath: target)
    }
}
