import Foundation
import GongshiTesting
import Testing

/// `gongshi-bench run` measures the pipeline run of the records it times the validation of (issue
/// 18, deliverable 2): run for real on a small generated file, its figures read from `--json`.
/// Only the wiring and the counts are asserted; speeds are for `docs/`, never for a test.
@Suite("gongshi-bench run")
struct BenchCommandTests {
    /// The built `gongshi-bench`, beside the built `gongshi`.
    static var bench: String { GongshiProcess.executable.deletingLastPathComponent().appendingPathComponent("gongshi-bench").path }

    /// Runs `gongshi-bench run` on `records` generated records in a fresh data folder; its exit
    /// status and its JSON.
    static func run(records: Int, _ extra: [String] = []) throws -> (status: Int32, figures: [String: Any]) {
        let data = Scratch.root.appendingPathComponent("gongshi-bench-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        let arguments = [
            "run", "--records", String(records), "--runs", "1", "--json", "--data", data.path, "--gongshi", GongshiProcess.executable.path,
            "--ledger-floor", Fixtures.root.appendingPathComponent("benchmarks/ledger_floor.py").path,
        ] + extra
        let child = try ChildProcess.spawn(bench, arguments, environment: ProcessInfo.processInfo.environment, directory: data.path)
        let (status, _, out, _) = child.finish()
        let figures = (try? JSONSerialization.jsonObject(with: Data(out))) as? [String: Any] ?? [:]
        return (status, figures)
    }

    @Test("times validation, then the pipeline run of the same file: its exit, rates, peak and ledger size")
    func validationThenRun() throws {
        let (status, figures) = try Self.run(records: 1000)
        #expect(status == 0)
        #expect(figures["records"] as? Int == 1000)
        #expect((figures["bytes"] as? Int ?? 0) > 0)
        let validation = try #require(figures["validate"] as? [String: Any])
        // The generator makes 2% of its records invalid: validation exits 65 (data errors).
        #expect(validation["exit"] as? Int == 65)
        #expect(validation["records"] as? Int == 1000)
        #expect(validation["valid"] as? Int == 980)
        #expect(validation["invalid"] as? Int == 20)
        let run = try #require(figures["run"] as? [String: Any])
        #expect(run["exit"] as? Int == 65)
        #expect(run["runs"] as? Int == 1)
        for key in ["recordsPerSecond", "peakRSSMiB", "ledgerBytes", "ledgerBytesPerRecord"] {
            #expect((run[key] as? Int ?? 0) > 0, "\(key)")
        }
        for key in ["seconds", "cpuSeconds", "mbPerSecond", "timesValidation"] {
            #expect((run[key] as? Double ?? 0) > 0, "\(key)")
        }
        #expect(run["ledgerBytesPerRecord"] as? Int == (run["ledgerBytes"] as? Int ?? 0) / 1000)
        // The ledger's floor: the run's own rows put into a fresh ledger by SQLite alone. Every
        // decision that arrived is in the register, valid or not; every valid record has a version
        // and a publication (the outbox portal takes them all).
        let floor = try #require(run["ledgerFloor"] as? [String: Any])
        #expect((floor["seconds"] as? Double ?? 0) > 0)
        let tables = try #require(floor["tables"] as? [String: [String: Any]])
        #expect(tables["decision"]?["rows"] as? Int == 1000)
        #expect(tables["decision_portal"]?["rows"] as? Int == 1000)
        #expect(tables["record"]?["rows"] as? Int == 980)
        #expect(tables["publication"]?["rows"] as? Int == 980)
        let subjects = tables["publication_subject"]?["rows"] as? Int ?? 0
        #expect(subjects > 0 && subjects <= 980)
        for (name, table) in tables { #expect((table["seconds"] as? Double ?? 0) > 0, "\(name)") }
    }

    @Test("cells: long cells as CSV and XML and one huge cell, each one error of its field stating its whole length, beside ordinary records")
    func cells() throws {
        let data = Scratch.root.appendingPathComponent("gongshi-bench-cells-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        let arguments = [
            "cells", "--rows", "20", "--characters", "9000", "--one-cell", "400001", "--json", "--data", data.path, "--gongshi",
            GongshiProcess.executable.path,
        ]
        let child = try ChildProcess.spawn(Self.bench, arguments, environment: ProcessInfo.processInfo.environment, directory: data.path)
        let (status, _, out, _) = child.finish()
        #expect(status == 0)
        let figures = try #require((try? JSONSerialization.jsonObject(with: Data(out))) as? [String: Any])
        let long = try #require(figures["long"] as? [String: Any])
        for key in ["validateCSV", "validateXML"] {
            let validation = try #require(long[key] as? [String: Any], "\(key)")
            #expect(validation["exit"] as? Int == 65 && validation["fieldErrors"] as? Int == 20 && validation["statingWholeLength"] as? Int == 20, "\(key): \(validation)")
            #expect((validation["peakRSSMiB"] as? Int ?? 0) > 0)
        }
        #expect((long["runCSV"] as? [String: Any])?["exit"] as? Int == 65)
        for key in ["validate", "validateXML"] {
            let one = try #require((figures["oneCell"] as? [String: Any])?[key] as? [String: Any], "\(key)")
            #expect(one["fieldErrors"] as? Int == 1 && one["statingWholeLength"] as? Int == 1, "\(key): \(one)")
        }
        let ordinary = try #require(figures["ordinary"] as? [String: Any])
        #expect((ordinary["records"] as? Int ?? 0) > 20 && (ordinary["validate"] as? [String: Any])?["fieldErrors"] == nil)
    }

    @Test("--validation-only times validation alone")
    func validationOnly() throws {
        let (status, figures) = try Self.run(records: 500, ["--validation-only"])
        #expect(status == 0)
        #expect((figures["validate"] as? [String: Any])?["valid"] as? Int == 490)
        #expect(figures["run"] == nil)
        // Dates written YYYY-MM-DD: the same records, each date a warning, none of them invalid.
        let (dashedStatus, dashed) = try Self.run(records: 500, ["--validation-only", "--dashed-dates"])
        #expect(dashedStatus == 0)
        #expect((dashed["validate"] as? [String: Any])?["valid"] as? Int == 490)
        // Dates written 2025/6/1: the same records, every date a warning.
        let (shortStatus, short) = try Self.run(records: 500, ["--validation-only", "--short-dates"])
        #expect(shortStatus == 0)
        #expect((short["validate"] as? [String: Any])?["valid"] as? Int == 490)
        #expect(((short["validate"] as? [String: Any])?["warnings"] as? Int ?? 0) > 500, "\(short)")
        // Cells padded with whitespace: the same records, each padded cell a warning.
        let (paddedStatus, padded) = try Self.run(records: 500, ["--validation-only", "--padded-cells"])
        #expect(paddedStatus == 0)
        #expect((padded["validate"] as? [String: Any])?["valid"] as? Int == 490)
        #expect(((padded["validate"] as? [String: Any])?["warnings"] as? Int ?? 0) > 500, "\(padded)")
    }
}
