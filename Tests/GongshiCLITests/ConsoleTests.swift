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
        let console: BackgroundProcess
        let url: String

        init() throws {
            sandbox = try SandboxHarness()
            project = try ReportCommandTests.twoDepartments(sandbox)
            // A data value with a script in it: the permit pipeline's title.
            let permits = project.root.appendingPathComponent("pipelines/shenpi-permits.yaml").path
            let text = try String(contentsOfFile: permits, encoding: .utf8)
            try text.replacingOccurrences(of: "title: 行政审批科 行政许可", with: "title: \"行政审批科 <script>window.hacked = 1</script>\"")
                .write(toFile: permits, atomically: true, encoding: .utf8)
            let environment: [String: String?] = ["GONGSHI_PORTAL_APP_KEY": SandboxHarness.appKey, "GONGSHI_PORTAL_SECRET": SandboxHarness.secret]
            _ = try GongshiProcess.run(["run", project.pipeline, "--today", "2026-11-30"], environment: environment)
            _ = try GongshiProcess.run(["run", permits, "--today", "2026-12-01"], environment: environment)
            users = project.root.appendingPathComponent("var/console-users.json").path
            for (name, department, role, password) in [
                ("张三", "法制科", "clerk", "zhangsan-pass"), ("李审批", "行政审批科", "clerk", "lishenpi-pass"), ("王五", "信用办", "office", "wangwu-pass"),
            ] {
                let added = try GongshiProcess.runWithInput(
                    ["console", "user", "add", name, "--department", department, "--role", role, "--users", users], input: password + "\n")
                #expect(added.status == 0, "\(added)")
            }
            console = try BackgroundProcess(
                GongshiProcess.executable,
                ["console", "--pipelines", project.root.appendingPathComponent("pipelines").path, "--port", "0", "--today", "2026-12-01",
                 "--users", users],
                readyText: "gongshi console：监听")
            url = String(console.readyLine.split(separator: " ").last ?? "")
        }

        func stop() {
            console.stop()
            sandbox.stop()
        }

        func logIn(_ browser: WebDriver, _ name: String, _ password: String) throws {
            try browser.open(url + "/login")
            try browser.type("#name", name)
            try browser.type("#password", password)
            try browser.click("#login")
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
        #expect(try browser.url() == setup.url + "/batches?done=\(batch)")
        #expect(try browser.text("#notice").contains(batch))
        let ledger = try Ledger.openForReading(path: setup.project.ledger)
        #expect(try ledger.batch(batch)?.status == .published)
        #expect(try ledger.batch(batch)?.confirmedOn == "2026-12-01")
        #expect(try setup.pendingPenaltyBatches() == Array(pending.dropFirst()))
        // Who did it and when: a command in the ledger, with the user's name.
        #expect(try Self.commands(setup.project.ledger).contains { $0.hasPrefix("console confirm \(batch)（用户 张三）") })
        // The 总览 now counts one batch fewer waiting.
        try browser.open(setup.url + "/")
        #expect(Int(try browser.text("#counts-fazhike-penalties td[data-count=pending-batches]")) == pending.count - 1)
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
        try setup.logIn(browser, "张三", "not-the-password")
        #expect(try browser.url().hasSuffix("/login") && browser.source().contains("用户名或密码不对"))
        #expect(try browser.cookies().contains { $0["name"] as? String == "gs_session" } == false)

        // The permit clerk: sees the permit pipeline (its title escaped, no script ran), not the penalties.
        try setup.logIn(browser, "李审批", "lishenpi-pass")
        let overview = try browser.source()
        #expect(overview.contains("&lt;script&gt;window.hacked = 1&lt;/script&gt;") && !overview.contains("<script>"))
        #expect(!overview.contains("counts-fazhike-penalties"))
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
        #expect(try browser.source().contains("CSRF"))
        #expect(try setup.pendingPenaltyBatches() == pending)

        // The credit office sees both departments.
        try browser.deleteCookies()
        try setup.logIn(browser, "王五", "wangwu-pass")
        let office = try browser.source()
        #expect(office.contains("counts-fazhike-penalties") && office.contains("counts-shenpi-permits"))
    }

    /// The commands recorded in a SQLite ledger, read with Python's sqlite3 (a reader that is not gongshi's).
    static func commands(_ ledger: String) throws -> [String] {
        let child = try ChildProcess.spawn("/usr/bin/python3", ["-c", "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('SELECT command FROM run')]", ledger], environment: ProcessInfo.processInfo.environment, directory: nil)
        return String(decoding: child.finish().stdout, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// A form POST as a browser would send it; the status and the body.
    static func post(_ url: String, cookie: String?, form: String) throws -> (status: Int, body: String) {
        var arguments = ["-s", "-o", "-", "-w", "\n%{http_code}", "-X", "POST", url, "-H", "Content-Type: application/x-www-form-urlencoded", "--data", form]
        if let cookie { arguments += ["-H", "Cookie: gs_session=\(cookie)"] }
        var environment = ProcessInfo.processInfo.environment
        environment["no_proxy"] = "127.0.0.1"
        let output = String(decoding: try ChildProcess.spawn("/usr/bin/curl", arguments, environment: environment, directory: nil).finish().stdout, as: UTF8.self)
        let status = Int(output.split(separator: "\n").last ?? "") ?? 0
        return (status, output)
    }
}
