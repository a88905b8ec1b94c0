// gongshi-bench: generates national-format 行政处罚 records and measures `gongshi validate` on them.
//
//   swift build -c release && .build/release/gongshi-bench run --records 1000000 --format csv
//
// The measured program is the real `gongshi` executable beside this one, run as a child process:
// wall time from spawn to exit, peak RSS from wait4's rusage. Nothing is timed inside a unit test.
import ArgumentParser
import Foundation
import GongshiTesting

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gongshi-bench",
        abstract: "Generate national-format penalty records and time `gongshi validate` on them.",
        subcommands: [Generate.self, Run.self, Pipeline.self, Upload.self, Report.self, Workbook.self, Cells.self])

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv, xml
    }

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write N records (about 1 KB each, 2% invalid) to a file.")

        @Option(help: "How many records.") var records = 100_000
        @Option(help: "csv or xml.") var format: Format = .csv
        @Option(help: "The generator's seed.") var seed: UInt64 = 2026
        @Option(help: "The output file.") var output: String

        func run() throws {
            let count = try Writer.write(records: records, format: format, seed: seed, to: output)
            print("wrote \(records) records, \(count) bytes, to \(output)")
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate (once, cached) and time `gongshi validate`, then `gongshi run` of the same CSV (fresh ledger, outbox portal).")

        @Option(help: "How many records.") var records = 1_000_000
        @Option(help: "csv or xml.") var format: Format = .csv
        @Flag(help: "Validate the XML against the XSD in the same pass.") var xsd = false
        @OptionGroup var workload: Workload.Options
        @Option(help: "Worker threads for gongshi (GONGSHI_WORKERS); default: gongshi decides.") var workers: Int?
        @Option(help: "How many times to run it; the median run is reported, with the spread.") var runs = 3
        @Option(help: "For XML: libxml2's xmllint, timed with --stream on the same file in the same run (nothing: skip it).")
        var xmllint = "/usr/bin/xmllint"
        @Flag(help: "Time validation only, not the pipeline run of the same file.") var validationOnly = false
        @Flag(help: "Dates written YYYY-MM-DD (each a normalized-date warning), not YYYY/MM/DD.") var dashedDates = false
        @Flag(help: "Dates written as Excel writes them in Chinese, 2025/6/1 (each a normalized-date warning), not 2025/06/01.")
        var shortDates = false
        @Flag(help: "Cells padded with whitespace (each a normalized-whitespace warning): a space after every name, a full-width space before every decision number.")
        var paddedCells = false
        @Option(help: "The script timing SQLite alone on the last run's ledger rows (nothing: skip it).")
        var ledgerFloor = "benchmarks/ledger_floor.py"
        @Flag(help: "Print the figures as one JSON object instead of text.") var json = false

        func run() throws {
            let (seed, data, gongshi) = (workload.seed, workload.data, workload.gongshi)
            // Text as it is measured, or one JSON object at the end.
            func say(_ text: String) { if !json { print(text) } }
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let variant = (dashedDates ? "-dashed" : "") + (shortDates ? "-short" : "") + (paddedCells ? "-padded" : "")
            let file = "\(data)/penalties-\(records)-\(seed)\(variant).\(format.rawValue)"
            if !FileManager.default.fileExists(atPath: file) {
                _ = try Writer.write(
                    records: records, format: format, seed: seed, to: file, dashedDates: dashedDates, shortDates: shortDates, paddedCells: paddedCells)
            }
            let bytes = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0
            var figures: [String: Any] = ["records": records, "bytes": bytes, "format": format.rawValue]
            let executable = gongshi ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("gongshi").path
            var arguments = ["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json", file]
            if format == .xml {
                arguments += ["--xml-record", "Record"]
                if xsd { arguments += ["--xsd", "schemas/xsd/administrative-penalty.v2.xsd"] }
            }
            let report = "\(data)/report-\(records)-\(format.rawValue).json"
            let (measured, measurements) = try Child.median(of: runs) { try Child.run(executable, arguments, stdout: report, workers: workers) }
            let stats = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
            let summary = stats?["stats"] as? [String: Int] ?? [:]
            let seconds = measured.seconds
            let rates: [String] = measurements.map { Int(Double(records) / $0.seconds) }.sorted().map { String($0) }
            var validation = Self.figures(measured, all: measurements, records: records, bytes: bytes)
            for key in ["records", "valid", "invalid", "warnings"] { validation[key] = summary[key] ?? -1 }
            figures["validate"] = validation
            say("""
                gongshi validate, \(format.rawValue)\(xsd ? " + XSD" : ""), \(records) records, \(bytes / 1_048_576) MiB, median of \(measurements.count) runs
                  exit \(measured.status); records \(summary["records"] ?? -1), valid \(summary["valid"] ?? -1), invalid \(summary["invalid"] ?? -1), warnings \(summary["warnings"] ?? -1)
                  wall \(String(format: "%.2f", seconds)) s, cpu \(String(format: "%.2f", measured.cpuSeconds)) s
                  \(Int(Double(records) / seconds)) records/s (runs: \(rates.joined(separator: ", "))), \(String(format: "%.0f", Double(bytes) / 1_048_576 / seconds)) MB/s
                  peak RSS \(measurements.map(\.maxRSSKiB).max().map { $0 / 1024 } ?? 0) MB (largest of the runs)
                """)
            if format == .xml, !xmllint.isEmpty, FileManager.default.isExecutableFile(atPath: xmllint) {
                // The same file through libxml2's own streaming reader, parsing only (and with the XSD
                // when gongshi had it): the figure gongshi's XML path is held against.
                var lint = ["--stream", "--noout", file]
                if xsd { lint = ["--stream", "--noout", "--schema", "schemas/xsd/administrative-penalty.v2.xsd", file] }
                let (median, runsOfLint) = try Child.median(of: runs) { try Child.run(xmllint, lint, stdout: "/dev/null", workers: nil) }
                figures["xmllint"] = Self.figures(median, all: runsOfLint, records: records, bytes: bytes)
                say("""
                    xmllint \(lint.dropLast().joined(separator: " ")), same file, median of \(runsOfLint.count) runs
                      exit \(median.status); wall \(String(format: "%.2f", median.seconds)) s; \(Int(Double(records) / median.seconds)) records/s; peak RSS \(median.maxRSSKiB / 1024) MB
                      gongshi / xmllint: \(String(format: "%.2f", median.seconds / seconds))× xmllint's speed
                    """)
            }
            // The whole run of the same records, as a department's nightly run does it (issue 18):
            // fresh SQLite ledger, one outbox portal; the job the validation figure is held against.
            // CSV only: the bench's pipeline reads its inbox as national-format CSV.
            if format == .csv, !validationOnly {
                var ledgerBytes = 0
                var floor: LedgerFloor?
                var left = max(1, runs)
                let (first, all) = try Child.median(of: runs) {
                    let work = "\(data)/run-\(records)-\(getpid())"
                    try? FileManager.default.removeItem(atPath: work)
                    defer { try? FileManager.default.removeItem(atPath: work) }
                    try Workload.outboxPipeline(work: work, input: file)
                    let measured = try Child.run(
                        executable, ["run", "\(work)/pipelines/bench.yaml", "--today", "2026-11-30"], stdout: "\(work)/run.log", workers: workers)
                    // The same size every run (the same records into a fresh ledger): the last run's.
                    ledgerBytes = (try? FileManager.default.attributesOfItem(atPath: "\(work)/var/ledger.sqlite")[.size] as? Int) ?? 0
                    left -= 1
                    if left == 0 { floor = try LedgerFloor.measure(script: ledgerFloor, ledger: "\(work)/var/ledger.sqlite") }
                    return measured
                }
                let wall = first.seconds
                let rates = all.map { Int(Double(records) / $0.seconds) }.sorted().map { String($0) }
                var run = Self.figures(first, all: all, records: records, bytes: bytes)
                run["ledgerBytes"] = ledgerBytes
                run["ledgerBytesPerRecord"] = ledgerBytes / max(records, 1)
                run["timesValidation"] = wall / seconds
                if let floor { run["ledgerFloor"] = floor.figures }
                figures["run"] = run
                say("""
                    gongshi run (fresh sqlite ledger, one outbox portal), same file, median of \(all.count) runs
                      exit \(first.status); wall \(String(format: "%.2f", wall)) s, cpu \(String(format: "%.2f", first.cpuSeconds)) s
                      \(Int(Double(records) / wall)) records/s (runs: \(rates.joined(separator: ", "))), \(String(format: "%.1f", Double(bytes) / 1_048_576 / wall)) MB/s
                      peak RSS \(all.map(\.maxRSSKiB).max().map { $0 / 1024 } ?? 0) MB (largest of the runs); ledger \(ledgerBytes / 1_048_576) MiB, \(ledgerBytes / max(records, 1)) bytes a record
                      run / validation: \(String(format: "%.2f", wall / seconds))× validation's time
                    """)
                if let floor { say("  " + floor.line(run: wall)) }
            }
            if json {
                let data = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys, .prettyPrinted])
                print(String(decoding: data, as: UTF8.self))
            }
        }

        /// One measured program as numbers: the median run's exit status, wall and CPU seconds,
        /// records and megabytes a second, and the largest peak RSS of the runs (MiB).
        static func figures(_ median: Child.Measured, all: [Child.Measured], records: Int, bytes: Int) -> [String: Any] {
            [
                "exit": Int(median.status), "seconds": median.seconds, "cpuSeconds": median.cpuSeconds, "runs": all.count,
                "recordsPerSecond": Int(Double(records) / median.seconds), "mbPerSecond": Double(bytes) / 1_048_576 / median.seconds,
                "peakRSSMiB": (all.map(\.maxRSSKiB).max() ?? 0) / 1024,
            ]
        }
    }
}

extension Bench {
    /// `gongshi-bench cells`: memory against the length of cells, not of files (issue 18, oversized
    /// input). Records whose 违法行为类型 (at most 2,000 characters) is far longer: N rows of a long
    /// cell each, as CSV and as XML, and one row whose cell is 50 MB (CSV and XML); `gongshi validate` of each and
    /// `gongshi run` of the CSVs, beside the same two commands on ordinary records of about the same
    /// size, in the same run: peak RSS, time, and whether each long cell is one error stating its
    /// whole length.
    struct Cells: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Peak memory of `gongshi validate` and `gongshi run` on long cells, beside ordinary records of the same size.")

        @Option(help: "Rows of a long cell each.") var rows = 2_000
        @Option(help: "The characters of each row's long cell (three bytes each).") var characters = 68_000
        @Option(help: "The characters of the one-row file's cell.") var oneCell = 17_476_266
        @OptionGroup var workload: Workload.Options
        @Flag(help: "Print the figures as one JSON object instead of text.") var json = false

        func run() throws {
            let (seed, data) = (workload.seed, workload.data)
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let executable = workload.gongshi ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("gongshi").path
            let field = RecordGenerator.header.firstIndex(of: "违法行为类型")!
            func size(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
            func mib(_ bytes: Int) -> String { String(format: "%.0f MiB", Double(bytes) / 1_048_576) }
            let long = "\(data)/long-cells-\(rows)x\(characters)-\(seed)"
            _ = try Writer.write(records: rows, format: .csv, seed: seed, to: long + ".csv", long: (field, characters))
            _ = try Writer.write(records: rows, format: .xml, seed: seed, to: long + ".xml", long: (field, characters))
            let one = "\(data)/one-cell-\(oneCell)-\(seed).csv"
            _ = try Writer.write(records: 1, format: .csv, seed: seed, to: one, long: (field, oneCell))
            let oneXML = "\(data)/one-cell-\(oneCell)-\(seed).xml"
            _ = try Writer.write(records: 1, format: .xml, seed: seed, to: oneXML, long: (field, oneCell))
            // Ordinary records (about 0.9 KB each) of about the long-cell file's size: the baseline.
            let ordinaryRecords = max(1, size(long + ".csv") / 905)
            let ordinary = "\(data)/penalties-\(ordinaryRecords)-\(seed).csv"
            if !FileManager.default.fileExists(atPath: ordinary) {
                _ = try Writer.write(records: ordinaryRecords, format: .csv, seed: seed, to: ordinary)
            }
            defer { for path in [long + ".csv", long + ".xml", one, oneXML] { try? FileManager.default.removeItem(atPath: path) } }

            /// `gongshi validate` of a file: its figures, with how many errors of the long field
            /// there are and how many of them state its whole length.
            func validate(_ path: String, xml: Bool = false, characters: Int?) throws -> [String: Any] {
                let report = "\(data)/cells-report.json"
                defer { try? FileManager.default.removeItem(atPath: report) }
                var arguments = ["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json", path]
                if xml { arguments += ["--xml-record", "Record"] }
                var figures = Self.figures(try Child.run(executable, arguments, stdout: report, workers: nil))
                if let characters {
                    let object = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report)))) as? [String: Any]
                    let errors = (object?["errors"] as? [[String: Any]] ?? []).filter { $0["field"] as? String == "违法行为类型" }
                    figures["fieldErrors"] = errors.count
                    figures["statingWholeLength"] = errors.filter { ($0["message"] as? String)?.hasPrefix("长度为 \(characters) 个字符") == true }.count
                }
                return figures
            }
            /// `gongshi run` of a CSV into a fresh ledger and outbox: its figures.
            func run(_ path: String) throws -> [String: Any] {
                let work = "\(data)/cells-run-\(getpid())"
                try? FileManager.default.removeItem(atPath: work)
                defer { try? FileManager.default.removeItem(atPath: work) }
                try Workload.outboxPipeline(work: work, input: path)
                return Self.figures(
                    try Child.run(executable, ["run", "\(work)/pipelines/bench.yaml", "--today", "2026-11-30"], stdout: "\(work)/run.log", workers: nil))
            }
            let figures: [String: Any] = [
                "long": [
                    "records": rows, "characters": characters, "csvBytes": size(long + ".csv"), "xmlBytes": size(long + ".xml"),
                    "validateCSV": try validate(long + ".csv", characters: characters), "runCSV": try run(long + ".csv"),
                    "validateXML": try validate(long + ".xml", xml: true, characters: characters),
                ],
                "oneCell": [
                    "characters": oneCell, "bytes": size(one), "validate": try validate(one, characters: oneCell), "run": try run(one),
                    "validateXML": try validate(oneXML, xml: true, characters: oneCell),
                ],
                "ordinary": [
                    "records": ordinaryRecords, "bytes": size(ordinary), "validate": try validate(ordinary, characters: nil), "run": try run(ordinary),
                ],
            ]
            if json {
                print(String(decoding: try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys, .prettyPrinted]), as: UTF8.self))
                return
            }
            func line(_ figures: Any?) -> String {
                guard let figures = figures as? [String: Any] else { return "" }
                var text = "exit \(figures["exit"] ?? ""), \(String(format: "%.2f", figures["seconds"] as? Double ?? 0)) s, peak RSS \(figures["peakRSSMiB"] ?? "") MB"
                if let errors = figures["fieldErrors"], let stating = figures["statingWholeLength"] {
                    text += "; errors of 违法行为类型: \(errors), stating its whole length: \(stating)"
                }
                return text
            }
            let (longFigures, oneFigures, ordinaryFigures) = (figures["long"] as? [String: Any], figures["oneCell"] as? [String: Any], figures["ordinary"] as? [String: Any])
            print("""
                \(rows) records, each 违法行为类型 \(characters) characters (\(characters * 3) bytes; its maximum is 2,000 characters)
                  CSV, \(mib(size(long + ".csv"))): gongshi validate: \(line(longFigures?["validateCSV"]))
                                  gongshi run: \(line(longFigures?["runCSV"]))
                  XML, \(mib(size(long + ".xml"))): gongshi validate: \(line(longFigures?["validateXML"]))
                one record whose 违法行为类型 is \(oneCell) characters, CSV, \(mib(size(one)))
                  gongshi validate: \(line(oneFigures?["validate"]))
                  gongshi run: \(line(oneFigures?["run"]))
                  the same as XML, \(mib(size(oneXML))): gongshi validate: \(line(oneFigures?["validateXML"]))
                beside them, \(ordinaryRecords) ordinary records, CSV, \(mib(size(ordinary)))
                  gongshi validate: \(line(ordinaryFigures?["validate"]))
                  gongshi run: \(line(ordinaryFigures?["run"]))
                """)
        }

        /// A measured program's exit, wall time and peak RSS (MiB).
        static func figures(_ measured: Child.Measured) -> [String: Any] {
            ["exit": Int(measured.status), "seconds": measured.seconds, "peakRSSMiB": measured.maxRSSKiB / 1024]
        }
    }

    /// `gongshi-bench workbook`: `gongshi validate` of N records as an Excel workbook laid out as
    /// Excel saves one (shared strings; `benchmarks/make_workbook.py`, standard library only), beside
    /// the same records as CSV, in the same run: time and peak RSS, which must not grow with the
    /// workbook beyond what the CSV path holds (the duplicate-key index, ~20 bytes a record).
    struct Workbook: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time `gongshi validate` of an N-row workbook beside the same CSV.")

        @Option(help: "How many records.") var records = 200_000
        @OptionGroup var workload: Workload.Options
        @Option(help: "The workbook maker.") var maker = "benchmarks/make_workbook.py"

        func run() throws {
            let (csv, executable, _) = try Workload.prepare(records: records, workload, name: "workbook")
            let book = csv.replacingOccurrences(of: ".csv", with: ".xlsx")
            if !FileManager.default.fileExists(atPath: book) {
                let made = try Child.run("/usr/bin/env", ["python3", maker, csv, book], stdout: "/dev/null", workers: nil)
                guard made.status == 0 else { throw ValidationError("\(maker) failed: exit \(made.status)") }
            }
            var lines = ["\(records) records; gongshi validate --format json, median of 3 runs"]
            for file in [book, csv] {
                let (median, _) = try Child.median(of: 3) {
                    try Child.run(
                        executable, ["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json", file], stdout: "/dev/null",
                        workers: nil)
                }
                let bytes = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0
                lines.append(
                    "  \(URL(fileURLWithPath: file).pathExtension) (\(bytes / 1_048_576) MiB): exit \(median.status); wall \(String(format: "%.2f", median.seconds)) s, "
                        + "cpu \(String(format: "%.2f", median.cpuSeconds)) s; \(Int(Double(records) / median.seconds)) records/s; peak RSS \(median.maxRSSKiB / 1024) MB")
            }
            print(lines.joined(separator: "\n"))
        }
    }

    /// `gongshi-bench pipeline`: the whole nightly run of N generated records from a fresh ledger
    /// to an outbox portal (validate, periods, plan, feed, ledger, register, report), then the same
    /// night again (nothing new), beside a plain-Python script doing the same job on the same file
    /// (`benchmarks/baseline_run.py`), measured in the same run.
    struct Pipeline: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time `gongshi run` (fresh ledger, outbox portal) of N records, its nightly re-run, and the Python baseline.")

        @Option(help: "How many records.") var records = 200_000
        @OptionGroup var workload: Workload.Options
        @Option(help: "The Python baseline script (nothing: skip it).") var baseline = "benchmarks/baseline_run.py"
        @Option(help: "The script timing SQLite alone on the first run's ledger rows (nothing: skip it).")
        var ledgerFloor = "benchmarks/ledger_floor.py"

        @Option(
            help: "The ledgers to measure, comma-separated: sqlite (a file) and postgresql (a throwaway server on 127.0.0.1, fsync on).")
        var ledgers = "sqlite"

        func run() throws {
            let (file, executable, _) = try Workload.prepare(records: records, workload, name: "pipeline")
            let bytes = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.intValue ?? 0
            func line(_ label: String, _ m: Child.Measured) -> String {
                "  \(label): exit \(m.status); wall \(String(format: "%.2f", m.seconds)) s, cpu \(String(format: "%.2f", m.cpuSeconds)) s; "
                    + "\(Int(Double(records) / m.seconds)) records/s, \(String(format: "%.1f", Double(bytes) / 1_048_576 / m.seconds)) MB/s; "
                    + "peak RSS \(m.maxRSSKiB / 1024) MB"
            }
            var text = "\(records) records, \(bytes / 1_048_576) MiB (seed \(workload.seed)), --today 2026-11-30"
            for backend in ledgers.split(separator: ",").map(String.init) {
                let work = "\(workload.data)/pipeline-\(backend)-\(records)-\(getpid())"
                try? FileManager.default.removeItem(atPath: work)
                defer { try? FileManager.default.removeItem(atPath: work) }
                var server: PostgreSQLServer?
                defer { server?.stop() }
                var ledger = "var/ledger.sqlite"
                if backend == "postgresql" {
                    let started = try PostgreSQLServer(durable: true)
                    server = started
                    ledger = try started.url(database: started.createDatabase(prefix: "bench"))
                    setenv("GONGSHI_LEDGER_PASSWORD", started.password, 1)
                } else if backend != "sqlite" {
                    throw ValidationError("--ledgers: sqlite or postgresql, not \(backend)")
                }
                try Workload.outboxPipeline(work: work, input: file, ledger: ledger)
                let arguments = ["run", "\(work)/pipelines/bench.yaml", "--today", "2026-11-30"]
                let first = try Child.run(executable, arguments, stdout: "\(work)/run.log", workers: nil, stages: "\(work)/stages.log")
                var ledgerBytes = (try? FileManager.default.attributesOfItem(atPath: "\(work)/var/ledger.sqlite")[.size] as? Int) ?? 0
                if let server {
                    let database = String(ledger.split(separator: "/").last ?? "")
                    ledgerBytes = Int(try server.psql("SELECT pg_database_size(current_database())", database: database)) ?? 0
                }
                // What SQLite alone, on one thread, takes to insert the rows this first run wrote
                // (the floor of its ledger writing: SQLite takes one writer at a time).
                var floor = ""
                if backend == "sqlite", let measured = try LedgerFloor.measure(script: ledgerFloor, ledger: "\(work)/var/ledger.sqlite") {
                    floor = "\n  " + measured.line(run: first.seconds)
                }
                let log = (try? String(contentsOfFile: "\(work)/run.log", encoding: .utf8)) ?? ""
                let published = log.split(separator: "\n").first { $0.contains("新公示") && $0.contains("[penalty-legal]：") }.map(String.init) ?? ""
                let again = try Child.run(executable, arguments, stdout: "\(work)/again.log", workers: nil)
                // Straight after the first run, the input and the last batches' outbox files were
                // changed too recently for their stats to vouch for them, and are hashed once more;
                // a later night with nothing new (a department's usual night) reads neither.
                let steady = try Child.run(executable, arguments, stdout: "\(work)/steady.log", workers: nil)
                // The clerk uploads the outbox's files and confirms every batch: every record is now
                // published, and the next night's periods (ended, 信用修复) read all of them.
                let batches = (FileManager.default.enumerator(atPath: "\(work)/var/outbox")?.allObjects as? [String] ?? []).compactMap { path in
                    (path as NSString).deletingPathExtension.split(separator: "-").last.map(String.init).flatMap { $0.count == 16 ? $0 : nil }
                }
                let confirm = try Child.run(
                    executable,
                    ["ledger", "confirm"] + Set(batches).sorted()
                        + ["--ledger", backend == "sqlite" ? "\(work)/var/ledger.sqlite" : ledger, "--today", "2026-11-30"],
                    stdout: "\(work)/confirm.log", workers: nil)
                let confirmed = try Child.run(executable, arguments, stdout: "\(work)/confirmed.log", workers: nil)
                text += """

                    gongshi run, fresh \(backend) ledger\(backend == "postgresql" ? " (a server on 127.0.0.1, fsync on; its own memory not counted)" : ""), one outbox portal
                    \(line("first run", first))
                      ledger \(ledgerBytes / 1_048_576) MiB, \(ledgerBytes / max(records, 1)) bytes a record; \(published)\(floor)
                    \(line("the same night again", again))
                    \(line("again, nothing new (the input and outbox known by their stats)", steady))
                    \(line("every batch confirmed (ledger confirm, \(Set(batches).count) batches)", confirm))
                    \(line("the next night, every record published", confirmed))
                    """
                // Where the first run's time went, stage by stage (its debug lines).
                let stages = ((try? String(contentsOfFile: "\(work)/stages.log", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
                    line.range(of: "阶段 ").map { String(line[$0.upperBound...]) }
                }
                if !stages.isEmpty { text += "\n  first run by stage: " + stages.joined(separator: "; ") }
            }
            if !baseline.isEmpty, FileManager.default.fileExists(atPath: baseline) {
                let work = "\(workload.data)/pipeline-python-\(records)-\(getpid())"
                defer { try? FileManager.default.removeItem(atPath: work) }
                let python = try Child.run(
                    "/usr/bin/python3", [baseline, file, "--today", "2026-11-30", "--work", work], stdout: "\(workload.data)/python.log",
                    workers: nil)
                let again = try Child.run(
                    "/usr/bin/python3", [baseline, file, "--today", "2026-11-30", "--work", work], stdout: "\(workload.data)/python-again.log",
                    workers: nil)
                let said = (try? String(contentsOfFile: "\(workload.data)/python.log", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                text += "\nplain-Python baseline (\(baseline)), same file\n\(line("first run", python))\n  \(said)\n\(line("the same night again", again))"
            }
            print(text)
        }
    }

    /// `gongshi-bench upload`: N generated records through `gongshi feed --ledger` into JSON Lines
    /// batches, then `gongshi upload` to the real sandbox (`gongshi sandbox`) on 127.0.0.1. Times both.
    /// The generated CSV of N records (made once, kept), the gongshi executable, and a fresh work folder.
    enum Workload {
        /// Where the generated input is kept, which seed makes it, and which gongshi is measured.
        struct Options: ParsableArguments {
            @Option(help: "The generator's seed.") var seed: UInt64 = 2026
            @Option(help: "Where generated files are kept.") var data = NSTemporaryDirectory() + "gongshi-bench"
            @Option(help: "The gongshi executable (default: beside this one).") var gongshi: String?
        }

        static func prepare(
            records: Int, _ options: Options, name: String
        ) throws -> (file: String, executable: String, work: String) {
            let (seed, data, gongshi) = (options.seed, options.data, options.gongshi)
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let file = "\(data)/penalties-\(records)-\(seed).csv"
            if !FileManager.default.fileExists(atPath: file) {
                _ = try Writer.write(records: records, format: .csv, seed: seed, to: file)
            }
            let executable = gongshi ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                .appendingPathComponent("gongshi").path
            let work = "\(data)/\(name)-\(records)-\(getpid())"
            try? FileManager.default.removeItem(atPath: work)
            return (file, executable, work)
        }

        /// `WORK/pipelines/bench.yaml`: the input linked into its inbox, one outbox portal, its
        /// ledger, outbox and reports under `WORK/var/`.
        static func outboxPipeline(work: String, input: String, ledger: String = "var/ledger.sqlite") throws {
            for folder in ["pipelines", "inbox"] {
                try FileManager.default.createDirectory(atPath: "\(work)/\(folder)", withIntermediateDirectories: true)
            }
            try FileManager.default.linkItem(atPath: input, toPath: "\(work)/inbox/penalties.csv")
            try """
                title: 基准 行政处罚
                department: 法制科
                kind: penalty
                sources:
                  - {path: inbox/*.csv, encoding: utf-8}
                portals:
                  - profile: creditchina-henan-zhengzhou
                    transport: {kind: outbox}
                ledger: \(ledger)
                outbox: var/outbox
                reports: var/reports

                """.write(toFile: "\(work)/pipelines/bench.yaml", atomically: true, encoding: .utf8)
        }
    }

    /// `gongshi report` over a ledger built by a pipeline run of N generated records (outbox only):
    /// its time and peak RSS, which must not grow with the ledger.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time `gongshi run` (outbox only) of N records, then `gongshi report` over the ledger it wrote.")

        @Option(help: "How many records.") var records = 200_000
        @OptionGroup var workload: Workload.Options

        func run() throws {
            let (file, executable, work) = try Workload.prepare(
                records: records, workload, name: "report")
            defer { try? FileManager.default.removeItem(atPath: work) }
            try Workload.outboxPipeline(work: work, input: file)
            let run = try Child.run(
                executable, ["run", "\(work)/pipelines/bench.yaml", "--today", "2026-06-30"], stdout: "\(work)/run.log", workers: nil)
            let report = try Child.run(
                executable,
                ["report", "\(work)/pipelines/bench.yaml", "--from", "2025-01-01", "--to", "2026-06-30", "--today", "2026-06-30",
                 "--out", "\(work)/reports"],
                stdout: "\(work)/report.log", workers: nil)
            let ledgerBytes = (try? FileManager.default.attributesOfItem(atPath: "\(work)/var/ledger.sqlite")[.size] as? Int) ?? 0
            print("""
                gongshi run (outbox only), \(records) records → ledger \(ledgerBytes / 1_048_576) MiB
                  exit \(run.status); wall \(String(format: "%.2f", run.seconds)) s; peak RSS \(run.maxRSSKiB / 1024) MB
                gongshi report, 2025-01-01 … 2026-06-30
                  exit \(report.status); wall \(String(format: "%.2f", report.seconds)) s, cpu \(String(format: "%.2f", report.cpuSeconds)) s; peak RSS \(report.maxRSSKiB / 1024) MB
                """)
        }
    }

    struct Upload: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time `gongshi feed --ledger` and `gongshi upload` of N records to the sandbox on loopback.")

        @Option(help: "How many records.") var records = 1_000_000
        @OptionGroup var workload: Workload.Options
        @Option(help: "The API portal profile (JSON Lines feeds).") var profile = "fixtures/portals/api-portal.v1.yaml"

        func run() throws {
            let (file, executable, work) = try Workload.prepare(
                records: records, workload, name: "upload")
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: work) }
            let credentials = "\(work)/credentials"
            FileManager.default.createFile(
                atPath: credentials, contents: Data("app_key=bench\nsecret=bench-secret\n".utf8), attributes: [.posixPermissions: 0o600])
            let sandbox = try Child.start(executable, ["sandbox", "--port", "0", "--credentials", credentials])
            defer { sandbox.stop() }
            let feed = try Child.run(
                executable,
                ["feed", "--profile", profile, "--kind", "penalty", "--out", "\(work)/outbox", "--ledger", "\(work)/ledger.sqlite",
                 "--today", "2026-11-30", file],
                stdout: "\(work)/feed.log", workers: nil)
            var batches = 0
            var sent = 0
            var bytes = 0
            let outbox = FileManager.default.enumerator(atPath: "\(work)/outbox")
            while let path = outbox?.nextObject() as? String {
                guard path.hasSuffix(".jsonl") else { continue }
                let content = try Data(contentsOf: URL(fileURLWithPath: "\(work)/outbox/\(path)"))
                batches += 1
                bytes += content.count
                sent += content.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            }
            let upload = try Child.run(
                executable,
                ["upload", "--portal", "api-portal", "--endpoint", "http://127.0.0.1:\(sandbox.port)", "--credentials", credentials,
                 "--ledger", "\(work)/ledger.sqlite", "--today", "2026-12-01"],
                stdout: "\(work)/upload.log", workers: nil)
            let sandboxRSS = sandbox.peakRSSKiB()
            print("""
                gongshi feed --ledger, \(records) records → \(batches) JSON Lines batches, \(sent) records, \(bytes / 1_048_576) MiB
                  exit \(feed.status); wall \(String(format: "%.2f", feed.seconds)) s, cpu \(String(format: "%.2f", feed.cpuSeconds)) s; \(Int(Double(records) / feed.seconds)) records/s; peak RSS \(feed.maxRSSKiB / 1024) MB
                gongshi upload → sandbox on 127.0.0.1:\(sandbox.port), \(batches) batches
                  exit \(upload.status); wall \(String(format: "%.2f", upload.seconds)) s, cpu \(String(format: "%.2f", upload.cpuSeconds)) s
                  \(Int(Double(sent) / upload.seconds)) records/s, \(String(format: "%.0f", Double(bytes) / 1_048_576 / upload.seconds)) MB/s; peak RSS \(upload.maxRSSKiB / 1024) MB (sandbox \(sandboxRSS / 1024) MB)
                """)
        }
    }
}

/// Writes generated records as CSV (UTF-8, CRLF, as Excel would) or XML.
enum Writer {
    /// - Parameters:
    ///   - long: every record's field at this index holds this many characters (一 and 很 in turn,
    ///     three bytes each) instead of its generated value.
    ///   - dashedDates: dates written YYYY-MM-DD, as Excel and case systems often write them, not
    ///     the template's YYYY/MM/DD (each a `normalized-date` warning).
    ///   - shortDates: dates written as Excel writes them in Chinese, without leading zeros
    ///     (2025/6/1; each a `normalized-date` warning).
    ///   - paddedCells: whitespace a clerk or a spreadsheet leaves about cells (each a
    ///     `normalized-whitespace` warning): a space after every 行政相对人名称, a full-width space
    ///     before every 行政处罚决定书文号 (the decision's key).
    static func write(
        records: Int, format: Bench.Format, seed: UInt64, to path: String, long: (field: Int, characters: Int)? = nil,
        dashedDates: Bool = false, shortDates: Bool = false, paddedCells: Bool = false
    ) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw ValidationError("cannot write \(path)") }
        defer { try? handle.close() }
        var generator = RecordGenerator(seed: seed)
        let dateFields = ["处罚决定日期", "处罚有效期", "公示截止期"].compactMap(RecordGenerator.header.firstIndex(of:))
        let paddedFields = [("行政相对人名称", "", " "), ("行政处罚决定书文号", "\u{3000}", "")].compactMap { name, before, after in
            RecordGenerator.header.firstIndex(of: name).map { ($0, before, after) }
        }
        let longText = long.map { String(repeating: "一很", count: $0.characters / 2) + ($0.characters % 2 == 1 ? "一" : "") }
        func cells(_ index: Int) -> [String] {
            var cells = generator.record(index).cells
            if let long, let longText { cells[long.field] = longText }
            if dashedDates {
                for field in dateFields where cells[field].utf8.count == 10 { cells[field] = String(cells[field].map { $0 == "/" ? "-" : $0 }) }
            }
            if shortDates {
                for field in dateFields where cells[field].utf8.count == 10 {
                    let parts = cells[field].split(separator: cells[field].contains("-") ? "-" : "/")
                    cells[field] = parts.map { part in part.count == 2 && part.hasPrefix("0") ? String(part.dropFirst()) : String(part) }
                        .joined(separator: "/")
                }
            }
            if paddedCells {
                for (field, before, after) in paddedFields where !cells[field].isEmpty { cells[field] = before + cells[field] + after }
            }
            return cells
        }
        var buffer = ""
        var written = 0
        func flush(force: Bool = false) {
            guard force || buffer.utf8.count > 4 << 20 else { return }
            let data = Data(buffer.utf8)
            handle.write(data)
            written += data.count
            buffer = ""
        }
        switch format {
        case .csv:
            buffer += RecordGenerator.header.map(csvCell).joined(separator: ",") + "\r\n"
            for index in 0..<records {
                buffer += cells(index).map(csvCell).joined(separator: ",") + "\r\n"
                flush()
            }
        case .xml:
            buffer += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Records>\n"
            for index in 0..<records {
                buffer += "  <Record>"
                for (code, cell) in zip(RecordGenerator.codes, cells(index)) where !cell.isEmpty {
                    buffer += "<\(code)>\(xmlText(cell))</\(code)>"
                }
                buffer += "</Record>\n"
                flush()
            }
            buffer += "</Records>\n"
        }
        flush(force: true)
        return written
    }

    static func csvCell(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func xmlText(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    }
}

/// Runs a child process, measuring wall time, CPU time and peak RSS (wait4).
/// What SQLite alone, on one thread, takes to insert the rows a first run wrote into its ledger
/// (`benchmarks/ledger_floor.py`): the floor of any program keeping the same ledger on this machine,
/// measured beside the run it is held against.
struct LedgerFloor {
    let seconds: Double
    /// Per table: its rows and seconds.
    let tables: [(name: String, rows: Int, seconds: Double)]
    let sqlite: String

    /// Runs `script` on `ledger` (nil: no script given, or none at that path).
    static func measure(script: String, ledger: String) throws -> LedgerFloor? {
        guard !script.isEmpty, FileManager.default.fileExists(atPath: script) else { return nil }
        let output = ledger + ".floor.json"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let measured = try Child.run("/usr/bin/python3", [script, ledger, "--json"], stdout: output, workers: nil)
        guard measured.status == 0, let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any],
            let tables = object["tables"] as? [[String: Any]], let total = object["total_seconds"] as? Double
        else { throw ValidationError("\(script) \(ledger): exit \(measured.status), or not its JSON") }
        return LedgerFloor(
            seconds: total, tables: tables.map { ($0["name"] as? String ?? "?", $0["rows"] as? Int ?? 0, $0["seconds"] as? Double ?? 0) },
            sqlite: object["sqlite"] as? String ?? "?")
    }

    var figures: [String: Any] {
        ["seconds": seconds, "sqlite": sqlite, "tables": Dictionary(uniqueKeysWithValues: tables.map { ($0.name, ["rows": $0.rows, "seconds": $0.seconds]) })]
    }

    /// One line for the text output, beside the run's wall time.
    func line(run wall: Double) -> String {
        let parts = tables.map { "\($0.name) \(String(format: "%.2f", $0.seconds))" }.joined(separator: ", ")
        return "the ledger's rows inserted by SQLite \(sqlite) alone, one thread: \(String(format: "%.2f", seconds)) s (\(parts)); "
            + "\(String(format: "%.0f", 100 * seconds / wall))% of the run's wall time"
    }
}

enum Child {
    /// Measures `runs` times (at least once): the run of median wall time, and every run.
    static func median(of runs: Int, _ measure: () throws -> Measured) throws -> (median: Measured, all: [Measured]) {
        var all: [Measured] = []
        for _ in 0..<max(1, runs) { all.append(try measure()) }
        return (all.sorted { $0.seconds < $1.seconds }[all.count / 2], all)
    }

    struct Measured {
        let status: Int32
        let seconds: Double
        let cpuSeconds: Double
        let maxRSSKiB: Int
    }

    /// - Parameter stages: where the child's standard error goes, with its debug lines (the time of
    ///   each stage of a run); nil: nowhere.
    static func run(_ executable: String, _ arguments: [String], stdout path: String, workers: Int?, stages: String? = nil) throws -> Measured {
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stages ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var environment = ProcessInfo.processInfo.environment
        if let workers { environment["GONGSHI_WORKERS"] = String(workers) }
        if stages != nil { environment["GONGSHI_LOG_LEVEL"] = "debug" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let start = Date()
        guard posix_spawn(&pid, executable, &actions, nil, argv, envp) == 0 else {
            throw ValidationError("cannot start \(executable)")
        }
        var status: Int32 = 0
        var usage = rusage()
        // The child's peak: `ru_maxrss` counts the memory of the process that spawned it (Linux
        // keeps the larger of the child's peak and the spawner's at `execve`; a bench that had
        // read a large JSON report made a 1,000-record run look like 96 MB). So the child's own
        // high-water mark (`VmHWM`, its own after `execve`) is also read every 10 ms while it
        // runs; `ru_maxrss` is the child's own only when it is above the bench's own peak.
        let spawner = Self.highWaterKiB(of: getpid())
        var sampled = 0
        while wait4(pid, &status, WNOHANG, &usage) == 0 {
            sampled = max(sampled, Self.highWaterKiB(of: pid))
            usleep(10_000)
        }
        let seconds = Date().timeIntervalSince(start)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
        // A child that ended before it was ever sampled: only `ru_maxrss`, an upper bound.
        let peak = usage.ru_maxrss > spawner || sampled == 0 ? usage.ru_maxrss : sampled
        return Measured(status: (status >> 8) & 0xFF, seconds: seconds, cpuSeconds: cpu, maxRSSKiB: peak)
    }

    /// A process's peak resident memory so far (`VmHWM` in `/proc/PID/status`), KiB; 0 if unknown.
    static func highWaterKiB(of pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? 0
    }
}

extension Child {
    /// A server started in the background (the sandbox); its first line of output gives the port.
    struct Server {
        let pid: pid_t
        let port: Int

        func stop() {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }

        /// The highest resident set size it reached (VmHWM), in KiB.
        func peakRSSKiB() -> Int {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
    }

    static func start(_ executable: String, _ arguments: [String]) throws -> Server {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw ValidationError("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_addclose(&actions, ends[0])
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, &actions, nil, argv, envp) == 0 else { throw ValidationError("cannot start \(executable)") }
        close(ends[1])
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(ends[0], &byte, 1) == 1, byte != 0x0A { line.append(byte) }
        let text = String(decoding: line, as: UTF8.self)
        guard let port = text.split(separator: ":").last.flatMap({ Int($0) }) else {
            kill(pid, SIGKILL)
            throw ValidationError("the sandbox did not start: \(text)")
        }
        // Keep draining its output so it never blocks.
        let descriptor = ends[0]
        Thread.detachNewThread {
            var sink = [UInt8](repeating: 0, count: 4096)
            while read(descriptor, &sink, sink.count) > 0 {}
        }
        return Server(pid: pid, port: port)
    }
}
