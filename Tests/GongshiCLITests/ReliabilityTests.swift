import DisclosureCore
import Foundation
import GongshiTesting
import SQLiteLedger
import Testing

/// What a new user and an operator meet outside a crash: a taken port, a busy sandbox port.
@Suite("Reliability: rough edges", .serialized)
struct ReliabilityTests {
    /// A listener that is not ours on `port`: it records in `log` any connection it accepts.
    static func foreignListener(port: Int, log: URL) throws -> BackgroundProcess {
        let program = """
            import socket, sys
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", \(port))); s.listen(16)
            print("listening", flush=True)
            while True:
                c, _ = s.accept(); open(sys.argv[1], "a").write("connected\\n"); c.close()
            """
        return try BackgroundProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", program, log.path], readyText: "listening")
    }

    @Test("scripts/run-example with 127.0.0.1:8787 taken refuses clearly (69) and sends nothing to the listener it did not start")
    func runExampleBusyPort() throws {
        let log = Scratch.root.appendingPathComponent("gongshi-foreign-\(UUID().uuidString).log")
        let listener = try Self.foreignListener(port: 8787, log: log)
        defer { listener.stop() }
        let script = Fixtures.root.appendingPathComponent("scripts/run-example").path
        let result = try GongshiProcess.run(
            [], environment: ["GONGSHI_PORTAL_APP_KEY": nil, "GONGSHI_PORTAL_SECRET": nil],
            launcher: ["/bin/bash", script])
        #expect(result.status == 69, "\(result)")
        #expect(result.stderr.contains("门户沙箱没有启动") && result.stderr.contains("[port-in-use]"), "\(result.stderr)")
        #expect(!result.stderr.contains("unbound variable"))
        #expect(!FileManager.default.fileExists(atPath: log.path), "the example talked to a listener it did not start")
    }

    @Test("gongshi sandbox on a busy port: 69 with the port named, not a usage error")
    func sandboxBusyPort() throws {
        let log = Scratch.root.appendingPathComponent("gongshi-foreign-\(UUID().uuidString).log")
        let busy = try Self.foreignListener(port: 18787, log: log)
        defer { busy.stop() }
        let result = try GongshiProcess.run(
            ["sandbox", "--port", "18787"], environment: ["GONGSHI_PORTAL_APP_KEY": "a", "GONGSHI_PORTAL_SECRET": "b"])
        #expect(result.status == 69, "\(result)")
        #expect(result.stderr.contains("[port-in-use] 端口 18787 已被其他程序占用"), "\(result.stderr)")
    }
    @Test("a date far past the calendar gets a short error, one line; English counts are singular when one")
    func boundedMessages() throws {
        let far = try GongshiProcess.run(["calendar", "deadline", "9999-12-31"])
        #expect(far.status != 0 && far.stderr.contains("[calendar-coverage-exceeded]"), "\(far)")
        #expect(far.stderr.utf8.count < 2000 && far.stderr.split(separator: "\n").count == 1, "\(far.stderr.utf8.count) bytes")
        let file = Scratch.root.appendingPathComponent("gongshi-one-\(UUID().uuidString).csv")
        try "行政相对人名称\nx\n".write(to: file, atomically: true, encoding: .utf8)
        let english = try GongshiProcess.run(["validate", "--kind", "penalty", "--lang", "en", "--today", "2026-12-01", file.path])
        #expect(english.stdout.contains("1 error, 0 warnings; 1 file could not be checked."), "\(english.stdout)")
    }
    @Test("auto encoding: a UTF-8 export with one bad byte on line 3 is reported as UTF-8 at line 3, not GB18030 at line 1")
    func badByteInUTF8() throws {
        let result = try GongshiProcess.run(
            ["validate", "--kind", "penalty", "--today", "2026-12-01", Fixtures.url("encoding/utf8-bad-byte-line3.csv").path])
        #expect(result.status == 65, "\(result)")
        #expect(result.stdout.contains("utf8-bad-byte-line3.csv:3: 第 3 行") && result.stdout.contains("不是有效的 UTF-8 编码"), "\(result.stdout)")
        // Its twin, a GB18030 export, is still read as GB18030.
        let gb = try GongshiProcess.run(
            ["validate", "--kind", "penalty", "--today", "2026-11-30", Fixtures.url("pipelines/inbox/fazhike/2026-11-penalties.csv").path])
        #expect(!gb.stdout.contains("[encoding-invalid]"), "\(gb.stdout)")
    }
    @Test("the root help names every exit code gongshi uses")
    func helpExitCodes() throws {
        let help = try GongshiProcess.run(["--help"])
        let text = help.stdout.replacingOccurrences(of: "\n", with: "")
        for code in [0, 1, 64, 65, 66, 69, 73, 74, 75, 78] {
            #expect(text.contains("；\(code)") || text.contains("：\(code)"), "exit code \(code) missing from --help")
        }
    }
    @Test("the libraries' English is explained in Chinese, the original kept after it: argument-parser, YAML")
    func libraryMessages() throws {
        let missing = try GongshiProcess.run(["run"])
        #expect(missing.status == 64 && missing.stderr.contains("缺少参数（原文：Missing expected argument"), "\(missing.stderr)")
        let unknown = try GongshiProcess.run(["nosuch"])
        #expect(unknown.status == 64 && unknown.stderr.contains("无法识别的参数（原文：Unexpected argument 'nosuch'）"), "\(unknown.stderr)")
        let path = try LintCommandTests.write("broken.yaml", "kind: [penalty\n")
        let yaml = try GongshiProcess.run(["lint", path])
        #expect(yaml.status == 78 && yaml.stdout.contains("[yaml-syntax] 不是有效的 YAML（原文："), "\(yaml)")
    }
    @Test("two departments on one ledger: the permit pipeline's run settles and lists its own batches, not the penalty pipeline's")
    func ownBatchesOnly() throws {
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let project = try ReportCommandTests.twoDepartments(sandbox)
        #expect(try project.run(["--today", "2026-11-30"]).status == 65)
        let penalties = try project.ledgerReader().batches(status: .pending).filter { $0.kind == "administrative-penalty" }.map(\.id)
        #expect(!penalties.isEmpty)
        let permits = project.root.appendingPathComponent("pipelines/shenpi-permits.yaml").path
        let run = try GongshiProcess.run(["run", permits, "--today", "2026-12-01"])
        for id in penalties { #expect(!run.stdout.contains(id), "the permit run named the penalty batch \(id)") }
        #expect(try project.ledgerReader().batches(status: .pending).filter { $0.kind == "administrative-penalty" }.map(\.id) == penalties)
    }
    @Test("natural persons' names appear in no run line, status list or report: 李四2 … are 自然人 in the example")
    func noNamesOutside() throws {
        let sandbox = try SandboxHarness()
        defer { sandbox.stop() }
        let project = try RunCommandTests.Project()
        try project.use(sandbox)
        let run = try project.run(["--today", "2026-12-02"])  // overdue: the urgent list is long
        let status = try GongshiProcess.run(["ledger", "status", "--ledger", project.ledger, "--today", "2026-12-02"])
        let json = try GongshiProcess.run(["ledger", "status", "--ledger", project.ledger, "--today", "2026-12-02", "--format", "json"])
        var texts = [run.stdout, run.stderr, status.stdout, json.stdout]
        for line in run.stdout.split(separator: "\n") where line.hasPrefix("报告：") || line.hasPrefix("报告（网页）：") {
            texts.append(try String(contentsOfFile: String(line.split(separator: "：", maxSplits: 1)[1]), encoding: .utf8))
        }
        #expect(texts.count == 6)
        for (index, text) in texts.enumerated() {
            #expect(!text.contains("李四"), "text \(index) names a natural person")
        }
    }
}
