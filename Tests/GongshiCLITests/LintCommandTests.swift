import Foundation
import GongshiTesting
import Testing

@Suite("gongshi lint")
struct LintCommandTests {
    static let pipelines = ["fazhike-penalties", "shenpi-permits"].map { Fixtures.root.appendingPathComponent("pipelines/\($0).yaml").path }

    @Test("the bundled pipelines lint clean when their credential variables are set and the calendar reaches far enough")
    func clean() throws {
        let result = try GongshiProcess.run(
            ["lint", "--today", "2026-10-01"] + Self.pipelines,
            environment: ["GONGSHI_PORTAL_APP_KEY": "app", "GONGSHI_PORTAL_SECRET": "secret"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.components(separatedBy: "错误 0 个，警告 0 个").count == 3, "\(result.stdout)")
    }

    @Test("unset credential variables are errors (78), named by variable, never by value; coverage ending soon is a warning")
    func problems() throws {
        let result = try GongshiProcess.run(
            ["lint", "--today", "2026-11-30"] + Self.pipelines,
            environment: ["GONGSHI_PORTAL_APP_KEY": nil, "GONGSHI_PORTAL_SECRET": nil])
        #expect(result.status == 78, "\(result)")
        #expect(result.stdout.contains("fazhike-penalties.yaml:16: 错误 [credentials-env-unset] 环境变量 GONGSHI_PORTAL_SECRET 没有设置"), "\(result.stdout)")
        #expect(result.stdout.contains("警告 [calendar-coverage-ending] 节假日日历只覆盖到 2026-12-31，还有 31 天"), "\(result.stdout)")
        #expect(result.stdout.contains("shenpi-permits.yaml：错误 0 个，警告 1 个"), "\(result.stdout)")
    }
    @Test("the calendar in force is the commands' own: --calendar, else GONGSHI_CALENDAR_DIR; a coverage already ended is an error (78), one added silences it")
    func calendarInForce() throws {
        let credentials: [String: String?] = ["GONGSHI_PORTAL_APP_KEY": "app", "GONGSHI_PORTAL_SECRET": "secret"]
        let pipeline = Self.pipelines[1]
        let year2027 = Fixtures.url("calendars/example-2027").path
        // No 2027: the bundled calendar ended on 2026-12-31.
        let ended = try GongshiProcess.run(["lint", pipeline, "--today", "2027-01-04"], environment: credentials)
        #expect(ended.status == 78, "\(ended)")
        #expect(ended.stdout.contains("错误 [calendar-coverage-ended] 节假日日历只覆盖到 2026-12-31"), "\(ended.stdout)")
        #expect(ended.stdout.contains("：错误 1 个，警告 0 个"), "\(ended.stdout)")
        // 2027 given, by option or by the environment: nothing about the coverage.
        for (arguments, environment) in [
            (["--calendar", year2027], credentials), ([], credentials.merging(["GONGSHI_CALENDAR_DIR": year2027]) { $1 }),
        ] {
            let seeing = try GongshiProcess.run(["lint", pipeline, "--today", "2027-01-04"] + arguments, environment: environment)
            #expect(seeing.status == 0, "\(arguments): \(seeing)")
            #expect(!seeing.stdout.contains("calendar-coverage"), "\(seeing.stdout)")
            #expect(seeing.stdout.contains("：错误 0 个，警告 0 个"), "\(seeing.stdout)")
        }
        // A folder that cannot be read is the calendar's error, not silently the bundled years.
        let missing = try GongshiProcess.run(
            ["lint", pipeline, "--today", "2026-10-01", "--calendar", Scratch.root.appendingPathComponent("no-such-\(UUID().uuidString)").path],
            environment: credentials)
        #expect(missing.status == 78 && missing.stdout.contains("[calendar-invalid]"), "\(missing)")
        // Ending within 60 days stays a warning.
        let soon = try GongshiProcess.run(["lint", pipeline, "--today", "2026-12-31"], environment: credentials)
        #expect(soon.status == 0 && soon.stdout.contains("警告 [calendar-coverage-ending]"), "\(soon)")

        // A run loads the pipeline with the same calendar: no stale warning with 2027 given; without it,
        // the ended coverage does not stop it (it names the decisions it cannot reckon, 78, if any).
        let project = try OutboxProject(id: "lint-calendar", portals: ["creditchina-henan-zhengzhou"])
        let run = try GongshiProcess.run(
            ["run", project.pipeline, "--dry-run", "--today", "2027-01-04", "--calendar", year2027], directory: project.root)
        #expect(run.status == 0 && !run.stderr.contains("calendar-coverage"), "\(run)")
        let blind = try GongshiProcess.run(["run", project.pipeline, "--today", "2027-01-04"], directory: project.root)
        #expect(blind.status == 0 && blind.stderr.contains("警告 [calendar-coverage-ended]"), "\(blind)")
    }

    /// A pipeline file with this text in a fresh folder's `pipelines/`.
    static func write(_ name: String, _ text: String) throws -> String {
        let folder = Scratch.root.appendingPathComponent("gongshi-lint-\(UUID().uuidString)/pipelines")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("an empty or comment-only pipeline is a configuration error in lint and run, with a message")
    func empty() throws {
        for text in ["", "# 只有注释\n", "\n\n"] {
            let path = try Self.write("empty.yaml", text)
            let lint = try GongshiProcess.run(["lint", path])
            #expect(lint.status == 78 && lint.stdout.contains("[config-empty]"), "\(lint)")
            for command in [["run", path, "--today", "2026-12-01"], ["report", path, "--today", "2026-12-01"]] {
                let result = try GongshiProcess.run(command)
                #expect(result.status == 78 && result.stderr.contains("[config-empty]"), "\(command): \(result)")
            }
        }
    }

    @Test("secrets: every secret key is named, and a password or secret parameter in an endpoint URL is refused — never echoed")
    func secrets() throws {
        let keys = try Self.write("keys.yaml", """
            kind: penalty
            sources: [{path: inbox/*.csv}]
            portals:
              - profile: gsxt
                transport: {kind: api, endpoint: "https://portal.example/api", secret: AAA-secret-1, password: BBB-pass-2}
            """)
        let first = try GongshiProcess.run(["lint", keys])
        #expect(first.status == 78, "\(first)")
        #expect(first.stdout.components(separatedBy: "[pipeline-secret-in-file]").count == 3, "\(first.stdout)")
        for (url, what) in [
            ("https://alice:CCC-pass-3@portal.example/api", "用户名和口令"), ("https://portal.example/api?secret=DDD-4", "参数 secret="),
            ("https://portal.example/api?a=1&token=EEE-5", "参数 token="),
        ] {
            let path = try Self.write("url.yaml", """
                kind: penalty
                sources: [{path: inbox/*.csv}]
                portals:
                  - profile: gsxt
                    transport: {kind: api, endpoint: "\(url)", credentials_file: /etc/gongshi/x.credentials}
                """)
            let result = try GongshiProcess.run(["lint", path])
            #expect(result.status == 78 && result.stdout.contains("[pipeline-secret-in-file]") && result.stdout.contains(what), "\(result)")
            for secret in ["CCC-pass-3", "DDD-4", "EEE-5"] { #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret)) }
        }
        // The benign twin: a query without secrets is not one.
        let plain = try Self.write("plain.yaml", """
            kind: penalty
            sources: [{path: inbox/*.csv}]
            portals:
              - profile: gsxt
                transport: {kind: api, endpoint: "https://portal.example/api?page=1", credentials_file: /etc/gongshi/x.credentials}
            """)
        let twin = try GongshiProcess.run(["lint", plain])
        #expect(!twin.stdout.contains("[pipeline-secret-in-file]"), "\(twin)")
    }
}
