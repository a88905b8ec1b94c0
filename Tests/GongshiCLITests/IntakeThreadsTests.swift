import DisclosureCore
import Foundation
import GRDB
import GongshiTesting
import Testing

/// The intake's work on a valid record (its periods, hash, version, shaped rows) is done on the
/// thread that checks the record, before the batch-wide rules say whether it is valid. Whatever the
/// number of checking threads, and whichever thread checked a batch, a run must give the same
/// feeds, ledger and transcript as one that does everything on the reading thread.
@Suite("The intake's work where records are checked")
struct IntakeThreadsTests {
    /// `count` records made from the rows of `validate/penalty/valid.csv` (blank rows included), in
    /// turn, each with its own decision number; among them decision numbers repeated in the same
    /// batch (the second one invalid only when batches merge), invalid dates, minors, ended
    /// publication periods and decisions of June (for a re-run of a range).
    static func records(count: Int, first: Int) throws -> String {
        // (Its lines end in CR LF, one Character.)
        let lines = try Fixtures.text("validate/penalty/valid.csv").split(whereSeparator: \.isNewline).map(String.init)
        let header = lines[0]
        let templates = Array(lines.dropFirst())
        let minorPrefix = "410122" + "20150312" + "123"
        let minor = minorPrefix + String(try #require(ResidentIDNumber.checkCharacter(forFirst17: minorPrefix)))
        var text = header + "\n"
        var previous = ""
        for index in 0..<count {
            // Every 97th repeats the record before it: a duplicate key in the same batch.
            if index % 97 == 96, previous.contains("号") {
                text += previous + "\n"
                continue
            }
            var line = templates[index % templates.count]
            line = line.replacing(/〕(\u{200B}?)\d+号/) { "〕\($0.output.1)\(first + index)号" }
            if index % 53 == 7 {
                line = line.replacing("2026/11/20,2027/11/20", with: "2019/03/01,2020/03/01")  // the period has ended
            } else if index % 61 == 5 {
                line = line.replacing("2026/11/20", with: "2026/13/01", maxReplacements: 1)  // invalid
            } else if index % 29 == 4 {
                line = line.replacing("2026/11/20,2027/11/20", with: "2026/06/15,2027/06/15")  // in June
            }
            if index % 3 == 1 { line = line.replacing("410122198503121231", with: minor) }  // a minor
            text += line + "\n"
            previous = line
        }
        return text
    }

    /// A project with two exports and one pipeline publishing to 信用中国 and 国家企业信用信息公示系统
    /// (its own periods) through outboxes; runs `arguments` in turn with `workers` checking threads.
    static func runs(_ runs: [[String]], workers: String) throws -> (transcripts: [String], outbox: [String: String], ledger: [String]) {
        let root = Scratch.root.appendingPathComponent("gongshi-intake-threads-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for folder in ["pipelines", "inbox"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Self.records(count: 1_300, first: 1).write(to: root.appendingPathComponent("inbox/a.csv"), atomically: true, encoding: .utf8)
        try Self.records(count: 300, first: 5_001).write(to: root.appendingPathComponent("inbox/b.csv"), atomically: true, encoding: .utf8)
        // One secret for natural persons' keys in every project: the keys made on the checking
        // threads are then the ledger's the same as those made on the reading thread.
        try FileManager.default.createDirectory(at: root.appendingPathComponent("var"), withIntermediateDirectories: true)
        let secret = root.appendingPathComponent("var/person-key").path
        #expect(FileManager.default.createFile(atPath: secret, contents: Data((String(repeating: "5a", count: 32) + "\n").utf8), attributes: [.posixPermissions: 0o600]))
        let pipeline = root.appendingPathComponent("pipelines/p.yaml")
        try """
            title: 行政处罚
            department: 法制科
            kind: penalty
            sources:
              - {path: inbox/*.csv, encoding: utf-8}
            portals:
              - profile: creditchina-henan-zhengzhou
                transport: {kind: outbox}
              - profile: gsxt
                transport: {kind: outbox}
            publication_period:
              default: 一般
              rules:
                - {field: 处罚类别, only: [警告, 通报批评], severity: 轻微}
                - {field: 处罚类别, one_of: [吊销许可证件, 暂扣许可证件], severity: 严重}
            ledger: var/ledger.sqlite
            outbox: var/outbox
            reports: var/reports

            """.write(to: pipeline, atomically: true, encoding: .utf8)
        var transcripts: [String] = []
        for arguments in runs {
            let result = try GongshiProcess.run(["run", pipeline.path] + arguments, environment: ["GONGSHI_WORKERS": workers], directory: root)
            // Times and the report's path (a time in its name) are not results; the folder differs.
            let lines = result.stdout.split(separator: "\n").filter { !$0.contains("秒") && !$0.contains("var/reports") }
            transcripts.append("exit \(result.status)\n" + lines.joined(separator: "\n").replacing(root.path, with: "ROOT"))
        }
        var outbox: [String: String] = [:]
        let folder = root.appendingPathComponent("var/outbox")
        for case let name as String in FileManager.default.enumerator(atPath: folder.path) ?? .init() {
            var isFolder: ObjCBool = false
            let path = folder.appendingPathComponent(name).path
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            outbox[name] = String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.contains("created_at") }.joined(separator: "\n")
        }
        let database = try DatabaseQueue(path: root.appendingPathComponent("var/ledger.sqlite").path)
        let instant = /\d{4}-\d\d-\d\dT[0-9:.+]*Z?/
        let ledger = try database.read { db in
            try ["record", "publication", "decision", "decision_portal", "portal_period", "problem", "batch", "text_value"].map { table in
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table)")
                return table + "\n" + rows.map { row in row.description.replacing(instant, with: "").replacing(root.path, with: "ROOT") }.sorted()
                    .joined(separator: "\n")
            }
        }
        return (transcripts, outbox, ledger)
    }

    @Test("a re-run of a range, then the nightly run: the same feeds, ledger and transcript with the work on the reading thread, one worker or three")
    func sameResults() throws {
        let runs = [["--today", "2026-11-30", "--from", "2026-06-01", "--to", "2026-06-30"], ["--today", "2026-11-30"]]
        let reading = try Self.runs(runs, workers: "0")
        // What makes the comparison mean something: records of every kind reached the intake (the
        // range re-run lists the problems of its dates only; the nightly run, every file's).
        let night = reading.transcripts[1]
        #expect(night.hasPrefix("exit 65"), "\(night.prefix(300))")
        for type in ["[duplicate-key]", "[date-invalid]", "[not-to-be-published]", "[portal-excluded]", "公示期已满"] {
            #expect(reading.transcripts.contains { $0.contains(type) }, "\(type)")
        }
        #expect(reading.outbox.count >= 6, "\(reading.outbox.keys.sorted())")
        let periods = try #require(reading.ledger.first { $0.hasPrefix("portal_period") })
        #expect(periods.split(separator: "\n").count > 1_000)
        for workers in ["1", "3"] {
            let threads = try Self.runs(runs, workers: workers)
            for (run, expected) in zip(threads.transcripts, reading.transcripts) {
                #expect(Self.firstDifference(run, expected) == nil, "workers \(workers)")
            }
            #expect(threads.outbox.keys.sorted() == reading.outbox.keys.sorted(), "workers \(workers)")
            for (name, content) in threads.outbox {
                #expect(Self.firstDifference(content, reading.outbox[name] ?? "") == nil, "workers \(workers): \(name)")
            }
            for (table, expected) in zip(threads.ledger, reading.ledger) {
                #expect(Self.firstDifference(table, expected) == nil, "workers \(workers)")
            }
        }
    }

    /// The first line where two texts differ, with its number (nil: the same).
    static func firstDifference(_ a: String, _ b: String) -> String? {
        let (left, right) = (a.split(separator: "\n", omittingEmptySubsequences: false), b.split(separator: "\n", omittingEmptySubsequences: false))
        for index in 0..<max(left.count, right.count) {
            let (x, y) = (index < left.count ? left[index] : "(end)", index < right.count ? right[index] : "(end)")
            if x != y { return "line \(index + 1) of \(left.first ?? ""): \(x.prefix(200)) ≠ \(y.prefix(200))" }
        }
        return nil
    }
}
