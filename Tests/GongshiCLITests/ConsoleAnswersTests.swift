import DisclosureCore
import Foundation
import SQLiteLedger
import GongshiTesting
import Testing

/// The console's answers over HTTP (curl on loopback against a real `gongshi console`): a batch
/// confirmed twice at once, a lockout across a restart, and the pages of a request no page answers.
@Suite("Console answers", .serialized)
struct ConsoleAnswersTests {
    typealias C = ConsoleTests

    enum Ledger: String, CaseIterable, Sendable { case sqlite, postgresql }

    /// The login form's cookie and token (a GET of /login), as a browser holds them.
    static func loginForm(_ url: String) throws -> (cookie: String, token: String) {
        let page = try C.curl(["-D", "-", url + "/login"], cookie: nil).body
        let cookie = try #require(page.firstMatch(of: /gs_login=([0-9a-f]{64})/)?.1)
        let token = try #require(page.firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1)
        return (String(cookie), String(token))
    }

    /// A POST of the login form: the status, the body, and the session cookie if one was set.
    static func logIn(_ url: String, _ name: String, _ password: String, form: (cookie: String, token: String)) throws -> (status: Int, body: String, session: String?) {
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let answer = try C.curl(
            ["-D", "-", "-X", "POST", url + "/login", "-H", "Cookie: gs_login=\(form.cookie)", "-H", "Content-Type: application/x-www-form-urlencoded",
             "--data", "csrf=\(form.token)&name=\(encoded)&password=\(password)"], cookie: nil)
        return (answer.status, answer.body, answer.body.firstMatch(of: /gs_session=([0-9a-f]{64})/).map { String($0.1) })
    }

    /// A session of `name` and its CSRF token (read from 待上传).
    static func session(_ url: String, _ name: String, _ password: String) throws -> (cookie: String, token: String) {
        let cookie = try #require(try logIn(url, name, password, form: try loginForm(url)).session)
        let page = try C.curl([url + "/batches"], cookie: cookie).body
        let token = try #require(page.firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1)
        return (cookie, String(token))
    }

    @Test("a batch confirmed by two clerks at the same moment: published once, one audit row; the other told 409 already-confirmed, and so is a later try", arguments: Ledger.allCases)
    func confirmedTwice(_ ledger: Ledger) throws {
        var database = ""
        let server = ledger == .postgresql ? try PostgreSQLServer.shared() : nil
        if let server { database = try server.createDatabase(prefix: "console") }
        let setup = try C.Setup(ledgerURL: server.map { (url: $0.url(database: database), password: $0.password) })
        defer { setup.stop() }
        let batch: String
        if let server {
            batch = try #require(
                try server.psql("SELECT id FROM batch WHERE status = 'pending' AND feed LIKE 'penalty%' ORDER BY seq LIMIT 1", database: database)
                    .split(separator: "\n").first.map(String.init))
        } else {
            batch = try #require(try setup.pendingPenaltyBatches().first)
        }
        let zhang = try Self.session(setup.url, "张三", "zhangsan-pass")
        let wang = try Self.session(setup.url, "王五", "wangwu-pass")
        // Both send the form at once.
        var environment = ProcessInfo.processInfo.environment
        environment["no_proxy"] = "127.0.0.1"
        let children = try [zhang, wang].map { (who: (cookie: String, token: String)) throws -> ChildProcess in
            try ChildProcess.spawn(
                "/usr/bin/curl",
                ["-s", "-o", "-", "-w", "\n%{http_code}", "-X", "POST", setup.url + "/batches/\(batch)/confirm", "-H", "Cookie: gs_session=\(who.cookie)",
                 "-H", "Content-Type: application/x-www-form-urlencoded", "--data", "csrf=\(who.token)&published_on=2026-12-01"],
                environment: environment, directory: nil)
        }
        let answers = children.map { child in
            let output = String(decoding: child.finish().stdout, as: UTF8.self)
            return (status: Int(output.split(separator: "\n").last ?? "") ?? 0, body: output)
        }
        #expect(answers.filter { $0.status == 303 }.count == 1, "\(answers)")
        for other in answers where other.status != 303 {
            // (On a SQLite ledger the two may also meet at its file lock: the other is then told
            // the ledger is busy, and records nothing either.)
            let busy = ledger == .sqlite && other.status == 403 && other.body.contains("台账正被另一项操作")
            #expect((other.status == 409 && other.body.contains("[already-confirmed]")) || busy, "\(other)")
        }
        // A try after it is done: the same answer, with the day it was published.
        let later = try C.post(setup.url + "/batches/\(batch)/confirm", cookie: zhang.cookie, form: "csrf=\(zhang.token)&published_on=2026-12-01")
        #expect(later.status == 409 && later.body.contains("[already-confirmed]") && later.body.contains("2026-12-01"), "\(later)")
        // One state change, one audit row.
        if let server {
            #expect(try server.psql("SELECT status || ' ' || confirmed_on FROM batch WHERE id = '\(batch)'", database: database) == "published 2026-12-01")
            #expect(try server.psql("SELECT count(*) FROM run WHERE command LIKE 'console confirm \(batch)%'", database: database) == "1")
        } else {
            #expect(try SQLiteLedgerReading.status(setup.project.ledger, batch) == "published")
            #expect(try C.commands(setup.project.ledger).filter { $0.hasPrefix("console confirm \(batch)") }.count == 1)
        }
    }

    /// A console on either ledger with one penalty batch confirmed through the console; its first
    /// record's 文号, percent-encoded for a form, and a way to count the audit rows of withdrawals.
    static func publishedPenalty(_ ledger: Ledger) throws -> (setup: C.Setup, number: String, withdrawals: () throws -> Int, server: PostgreSQLServer?, database: String) {
        var database = ""
        let server = ledger == .postgresql ? try PostgreSQLServer.shared() : nil
        if let server { database = try server.createDatabase(prefix: "console") }
        let setup = try C.Setup(ledgerURL: server.map { (url: $0.url(database: database), password: $0.password) })
        let batch: String
        let key: String
        if let server {
            batch = try #require(
                try server.psql("SELECT id FROM batch WHERE status = 'pending' AND feed LIKE 'penalty%' ORDER BY seq LIMIT 1", database: database)
                    .split(separator: "\n").first.map(String.init))
            key = try server.psql("SELECT record_key FROM publication WHERE batch_id = '\(batch)' ORDER BY position LIMIT 1", database: database)
        } else {
            batch = try #require(try setup.pendingPenaltyBatches().first)
            key = try #require(try SQLiteLedger.Ledger.openForReading(path: setup.project.ledger).publications(batch: batch).first).key
        }
        let zhang = try session(setup.url, "张三", "zhangsan-pass")
        let confirmed = try C.post(setup.url + "/batches/\(batch)/confirm", cookie: zhang.cookie, form: "csrf=\(zhang.token)&published_on=2026-12-01")
        #expect(confirmed.status == 303, "\(confirmed)")
        let number = DecisionKey.number(key).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let withdrawals: () throws -> Int = {
            if let server {
                return Int(try server.psql("SELECT count(*) FROM run WHERE command LIKE 'console withdraw%'", database: database)) ?? -1
            }
            return try C.commands(setup.project.ledger).filter { $0.hasPrefix("console withdraw") }.count
        }
        return (setup, number, withdrawals, server, database)
    }

    @Test("a record withdrawn by two clerks at the same moment: one withdrawal batch, one audit row; the other told 409 already-withdrawn, and so is a later try", arguments: Ledger.allCases)
    func withdrawnTwice(_ ledger: Ledger) throws {
        let (setup, number, withdrawals, server, database) = try Self.publishedPenalty(ledger)
        defer { setup.stop() }
        let zhang = try Self.session(setup.url, "张三", "zhangsan-pass")
        let wang = try Self.session(setup.url, "王五", "wangwu-pass")
        // 更正 (no period to wait for), both at once.
        let form = "pipeline=fazhike-penalties&number=\(number)&reason=%E6%9B%B4%E6%AD%A3&note=x"
        var environment = ProcessInfo.processInfo.environment
        environment["no_proxy"] = "127.0.0.1"
        let children = try [zhang, wang].map { (who: (cookie: String, token: String)) throws -> ChildProcess in
            try ChildProcess.spawn(
                "/usr/bin/curl",
                ["-s", "-o", "-", "-w", "\n%{http_code}", "-X", "POST", setup.url + "/decisions/withdraw", "-H", "Cookie: gs_session=\(who.cookie)",
                 "-H", "Content-Type: application/x-www-form-urlencoded", "--data", "csrf=\(who.token)&" + form],
                environment: environment, directory: nil)
        }
        let answers = children.map { child in
            let output = String(decoding: child.finish().stdout, as: UTF8.self)
            return (status: Int(output.split(separator: "\n").last ?? "") ?? 0, body: output)
        }
        #expect(answers.filter { $0.status == 200 && $0.body.contains("撤下请求已") }.count == 1, "\(answers)")
        #expect(answers.filter { $0.status == 409 && $0.body.contains("[already-withdrawn]") }.count == 1, "\(answers)")
        // A try after it is done: the same answer.
        let later = try C.post(setup.url + "/decisions/withdraw", cookie: zhang.cookie, form: "csrf=\(zhang.token)&" + form)
        #expect(later.status == 409 && later.body.contains("[already-withdrawn]"), "\(later)")
        // One withdrawal, one audit row.
        #expect(try withdrawals() == 1)
        if let server {
            // The audit row is the run the withdrawal's batches were recorded under.
            #expect(
                try server.psql(
                    "SELECT count(DISTINCT b.created_run) FROM batch b JOIN withdrawal w ON w.batch_id = b.id JOIN run r ON r.id = b.created_run WHERE r.command LIKE 'console withdraw%'",
                    database: database) == "1")
        }
    }

    @Test("a 信用修复 the rules refuse (its minimum period not passed) records nothing: no withdrawal, no audit row", arguments: Ledger.allCases)
    func refusedWithdrawal(_ ledger: Ledger) throws {
        let (setup, number, withdrawals, _, _) = try Self.publishedPenalty(ledger)
        defer { setup.stop() }
        let zhang = try Self.session(setup.url, "张三", "zhangsan-pass")
        let refused = try C.post(
            setup.url + "/decisions/withdraw", cookie: zhang.cookie,
            form: "csrf=\(zhang.token)&pipeline=fazhike-penalties&number=\(number)&reason=%E4%BF%A1%E7%94%A8%E4%BF%AE%E5%A4%8D")
        #expect(refused.body.contains("不予撤下") && (refused.body.contains("[repair-too-early]") || refused.body.contains("[repair-not-allowed]")), "\(refused)")
        #expect(try withdrawals() == 0)
    }

    @Test("a name locked out after five failed logins is still locked after the console restarts (429, login-locked); another user is not; the file holds no password")
    func lockoutSurvivesRestart() throws {
        let setup = try C.Setup()
        defer { setup.stop() }
        let form = try Self.loginForm(setup.url)
        for _ in 0..<5 { #expect(try Self.logIn(setup.url, "张三", "wrong-pass", form: form).status == 401) }
        let locked = try Self.logIn(setup.url, "张三", "zhangsan-pass", form: form)
        #expect(locked.status == 429 && locked.body.contains("[login-locked]") && locked.session == nil, "\(locked.status)")
        try setup.restartConsole()
        let again = try Self.logIn(setup.url, "张三", "zhangsan-pass", form: try Self.loginForm(setup.url))
        #expect(again.status == 429 && again.body.contains("[login-locked]") && again.session == nil, "\(again.status)")
        #expect(try Self.logIn(setup.url, "王五", "wangwu-pass", form: try Self.loginForm(setup.url)).status == 303)
        let file = setup.project.root.appendingPathComponent("var/console-users-lockouts.json").path
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("张三") && !text.contains("pass"), "\(text)")
        #expect((try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int) == 0o600)
    }

    @Test("a request no page answers: 404, 413 and 400 as a short page for a browser and as JSON for a script, each with its code; the path bounded and screened, the body never echoed")
    func errorPages() throws {
        let setup = try C.Setup()
        defer { setup.stop() }
        let html = ["-H", "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"]
        let json = ["-H", "Accept: application/json"]
        // An unknown path.
        let page = try C.curl(html + [setup.url + "/no-such-page"], cookie: nil)
        #expect(page.status == 404 && page.body.contains("not-found") && page.body.contains("/no-such-page") && page.body.contains("href=\"/\""), "\(page)")
        #expect(page.body.contains("<html lang=\"zh-CN\">") && page.body.contains("/console.css"))
        let answer = try C.curl(json + [setup.url + "/no-such-page"], cookie: nil)
        #expect(answer.status == 404)
        let decoded = try JSONDecoder().decode([String: String].self, from: Data(answer.body.split(separator: "\n").dropLast().joined(separator: "\n").utf8))
        #expect(decoded["code"] == "not-found" && decoded["message"]?.contains("/no-such-page") == true && decoded.count == 2, "\(decoded)")
        // A long path is said back cut short; an ID number in it is not said back at all.
        let long = String(repeating: "x", count: 600)
        let cut = try C.curl(html + [setup.url + "/" + long], cookie: nil)
        #expect(cut.status == 404 && cut.body.contains(String(repeating: "x", count: 150)) && !cut.body.contains(String(repeating: "x", count: 201)))
        let id = try C.curl(json + [setup.url + "/people/410102198503120017"], cookie: nil)
        #expect(id.status == 404 && id.body.contains("not-found") && !id.body.contains("198503120017"), "\(id)")
        // A wrong method on a page that exists.
        #expect(try C.curl(json + ["-X", "DELETE", setup.url + "/login"], cookie: nil).body.contains("\"code\":\""))
        // A form over its 64 KiB: 413, the body not echoed.
        let big = "name=" + String(repeating: "秘", count: 40_000)
        let tooLarge = try C.curl(html + ["-X", "POST", setup.url + "/login", "-H", "Content-Type: application/x-www-form-urlencoded", "--data", big], cookie: nil)
        #expect(tooLarge.status == 413 && tooLarge.body.contains("body-too-large") && !tooLarge.body.contains("秘秘"), "\(tooLarge.status)")
        let tooLargeJSON = try C.curl(json + ["-X", "POST", setup.url + "/login", "-H", "Content-Type: application/x-www-form-urlencoded", "--data", big], cookie: nil)
        #expect(tooLargeJSON.status == 413 && tooLargeJSON.body.contains("\"code\":\"body-too-large\""), "\(tooLargeJSON.status)")
        // An upload whose body is no multipart form: 400.
        let zhang = try Self.session(setup.url, "张三", "zhangsan-pass")
        for accept in [html, json] {
            let bad = try C.curl(
                accept + ["-X", "POST", setup.url + "/upload", "-H", "Content-Type: multipart/form-data; boundary=X", "--data-binary", "--X\nsecret-value"],
                cookie: zhang.cookie)
            #expect(bad.status == 400 && bad.body.contains("bad-request") && !bad.body.contains("secret-value"), "\(bad)")
        }
    }
}

/// A batch's status in a SQLite ledger, read with Python's sqlite3 (a reader that is not gongshi's).
enum SQLiteLedgerReading {
    static func status(_ ledger: String, _ batch: String) throws -> String {
        let child = try ChildProcess.spawn(
            "/usr/bin/python3", ["-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT status FROM batch WHERE id = ?', (sys.argv[2],)).fetchone()[0])", ledger, batch],
            environment: ProcessInfo.processInfo.environment, directory: nil)
        return String(decoding: child.finish().stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
