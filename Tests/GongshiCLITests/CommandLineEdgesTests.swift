import Foundation
import GongshiTesting
import Testing

/// The command line as an operator and a scheduler meet it: every `--today` checked, ports in
/// range, personal numbers typed as arguments never echoed, messages bounded.
@Suite("Command-line edges")
struct CommandLineEdgesTests {
    @Test("an impossible --today is a usage error (64) even where the command would not ask for it")
    func todayAlwaysChecked() throws {
        for arguments in [
            ["calendar", "deadline", "2026-12-01", "--today", "tomorrow"], ["calendar", "deadline", "2026-12-01", "--today", "2026-02-30"],
            ["calendar", "is-workday", "2026-12-01", "--today", "2026-13-01"],
        ] {
            let result = try GongshiProcess.run(arguments)
            #expect(result.status == 64 && result.stdout.isEmpty, "\(arguments): \(result)")
        }
        #expect(try GongshiProcess.run(["calendar", "deadline", "2026-12-01", "--today", "2026-12-07"]).status == 0)
    }

    @Test("a command group named without one of its commands is a usage error (64), its help on standard error only; --help is still 0")
    func groupWithoutSubcommand() throws {
        for arguments in [[], ["ledger"], ["calendar"], ["frontdb"], ["console", "user"]] {
            let result = try GongshiProcess.run(arguments)
            #expect(result.status == 64 && result.stdout.isEmpty && result.stderr.contains("[usage]"), "\(arguments): \(result)")
        }
        for arguments in [["--help"], ["ledger", "--help"], ["--version"]] {
            let result = try GongshiProcess.run(arguments)
            #expect(result.status == 0 && !result.stdout.isEmpty, "\(arguments): \(result)")
        }
    }

    @Test("console serve --port outside 0–65535 is refused (64), not wrapped round to another port")
    func consolePortInRange() throws {
        for port in ["99999", "65536", "4294967297", "-1"] {
            let result = try GongshiProcess.run(["console", "serve", "--port=\(port)", "--pipelines", "/nonexistent"])
            #expect(result.status == 64, "\(port): \(result)")
        }
    }

    @Test("an ID or phone number typed where a code, key or record is asked for is not echoed whole")
    func personalNumbersNotEchoed() throws {
        let root = Scratch.root.appendingPathComponent("gongshi-echo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let ledger = root.appendingPathComponent("ledger.sqlite").path
        #expect(try GongshiProcess.run(["ledger", "init", "--ledger", ledger]).status == 0)
        for arguments in [
            ["check", "410122198503121231", "--ledger", ledger], ["check", "13800138000", "--ledger", ledger],
            ["ledger", "show", "410122198503121231", "--ledger", ledger],
        ] {
            let result = try GongshiProcess.run(arguments)
            let output = result.stdout + result.stderr
            #expect(!output.contains("19850312") && !output.contains("00138000") && !output.isEmpty, "\(arguments): \(result)")
        }
    }

    @Test("feed --out naming a file, not a folder: 73 [file-unwritable], not a usage error")
    func feedOutUnwritable() throws {
        let file = Scratch.root.appendingPathComponent("gongshi-out-\(UUID().uuidString).txt")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try GongshiProcess.run(
            ["feed", "--portal", "gsxt", "--kind", "penalty", "--out", file.path, "--today", "2026-12-07", Fixtures.url("validate/penalty/valid.csv").path])
        #expect(result.status == 73 && result.stderr.contains("[file-unwritable]") && !result.stderr.contains("NSCocoaErrorDomain"), "\(result)")
    }

    @Test("validate of a pipeline file (its dry run, text) refuses --format json and --report (64) rather than print text where JSON was asked for")
    func validatePipelineJSONRefused() throws {
        let pipeline = Fixtures.root.appendingPathComponent("pipelines/fazhike-penalties.yaml").path
        for extra in [["--format", "json"], ["--report", "/tmp/never-\(UUID().uuidString).json"]] {
            let result = try GongshiProcess.run(["validate", pipeline, "--today", "2026-12-07"] + extra)
            #expect(result.status == 64 && result.stdout.isEmpty, "\(extra): \(result)")
        }
    }

    @Test("a 10,000-character argument makes a bounded message: at most 600 characters and its length stated")
    func longArgumentsBounded() throws {
        let long = String(repeating: "2", count: 10_000)
        let result = try GongshiProcess.run(["calendar", "deadline", long])
        #expect(result.status == 64, "\(result.status)")
        let line = try #require(result.stderr.split(separator: "\n").first)
        #expect(line.count < 700 && line.contains("10000"), "\(line.count): \(line.prefix(200))")
    }
}
