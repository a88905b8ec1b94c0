import DisclosureCore
import Foundation
import GongshiTesting
import PipelineRunner
import SQLiteLedger
import Testing
import WorkingDayCalendar

/// A range re-run over an inbox that keeps every night's export, on the engine with a SQLite
/// ledger file and the two outbox portals: each decision is taken from the department's latest
/// export (the file the nightly runs settled last), whatever the files are named, and the older
/// copies are its duplicates — the range re-run does not send an older export's content back out
/// as a "correction" of what the nightly runs published.
@Suite("A range re-run takes each decision from its latest export")
struct RangeReRunOrderTests {
    typealias Project = CorrectionWithdrawalTests.Project
    static let feeds = CorrectionWithdrawalTests.feeds

    /// 504 as the department's `version`th export holds it: its fine (on both portals' feeds)
    /// 5000 yuan as first exported, a thousand more each correction after.
    static func line504(version: Int) -> String {
        let line = CorrectionWithdrawalTests.line(504)
        guard version > 0 else { return line }
        return line.replacingOccurrences(of: "罚款5000元,0.5,", with: "罚款\(5000 + 1000 * version)元,0.\(5 + version),")
    }

    /// A run whose validation problems are kept: the summary and the problems' lines.
    static func run(_ project: Project, _ today: String, range: ClosedRange<String>? = nil) throws -> (summary: RunSummary, problems: [String]) {
        let date = try CalendarDate.parse(today)
        let (transcript, _) = Transcript.collecting()
        let context = try PipelineContext.load(project.pipeline, today: date, transcript: transcript)
        let request = RunRequest(today: date, range: try range.map { try CalendarDate.parse($0.lowerBound)...CalendarDate.parse($0.upperBound) })
        let path = project.root.appendingPathComponent("problems-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: path.path, contents: nil)
        let handle = try FileHandle(forWritingTo: path)
        let summary = try PipelineRun(context: context, request: request, ledger: project.ledger, transcript: transcript, problems: handle).execute()
        try handle.close()
        return (summary, try String(contentsOf: path, encoding: .utf8).split(separator: "\n").map(String.init))
    }

    /// A night for each of `names` in turn, each export holding 503 (unchanged) and 504 (its
    /// fine corrected each time), each night's batches confirmed; from the second night on, a
    /// range re-run over every export after the night: nothing goes out for 504 (the latest
    /// version stays live), and the older files' copies are the duplicates of the newest file's.
    func latestExportWins(_ names: [String]) throws {
        let project = try Project()
        for (night, name) in names.enumerated() {
            let day = 3 + 4 * night
            try project.export(name, [CorrectionWithdrawalTests.line(503), Self.line504(version: night)])
            let (summary, _) = try Self.run(project, "2026-11-\(day)")
            for feed in Self.feeds where night > 0 {
                #expect(summary.feeds[feed]?.corrected == 1 && summary.feeds[feed]?.published == 0, "\(name) \(feed): \(String(describing: summary.feeds[feed]))")
            }
            try project.confirmAll(on: "2026-11-\(day + 1)")
            let logs = try Self.feeds.map { try project.log($0) }
            #expect(logs.allSatisfy { $0 == ["publish published"] + Array(repeating: "correct published", count: night) }, "\(logs)")
            guard night > 0 else { continue }

            let (range, problems) = try Self.run(project, "2026-11-\(day + 2)", range: "2026-11-01"..."2026-11-30")
            for feed in Self.feeds {
                let counts = range.feeds[feed]
                #expect(counts?.published == 0 && counts?.corrected == 0 && counts?.republished == 0, "after \(name) \(feed): \(String(describing: counts))")
            }
            #expect(try Self.feeds.map { try project.log($0) } == logs, "after \(name)")  // the latest version stays
            #expect(try project.ledger.batches(status: .pending).isEmpty, "after \(name)")
            // Each older export's copies (503, 504) are duplicates of the newest file's rows.
            let duplicates = problems.filter { $0.hasSuffix("[duplicate-key]") }
            let newest = project.root.appendingPathComponent("inbox/\(name)").path
            let older = names[..<night].map { project.root.appendingPathComponent("inbox/\($0)").path + ":" }
            #expect(duplicates.count == 2 * night, "after \(name): \(problems)")
            #expect(duplicates.allSatisfy { line in older.contains { line.hasPrefix($0) } && line.contains(newest) }, "after \(name): \(problems)")
        }
    }

    @Test("exported a.csv (504's fine as first decided), then b.csv (504 corrected), each run and confirmed: a range re-run over both sends nothing for 504, the correction stays; a.csv's copies are the duplicates")
    func laterNameIsNewer() throws {
        try latestExportWins(["a.csv", "b.csv"])
    }

    @Test("the newer export named to sort first (b.csv, then a.csv), then one named between them (a2.csv): the order the nightly runs settled them decides, not the names either way")
    func settleOrderNotNames() throws {
        try latestExportWins(["b.csv", "a.csv", "a2.csv"])
    }

    @Test("an export no nightly run has read yet is read first: a range re-run takes its copy of 504, sent as a correction of the live version")
    func unsettledExportFirst() throws {
        let project = try Project()
        try project.export("a.csv", [Self.line504(version: 0)])
        _ = try Self.run(project, "2026-11-03")
        try project.confirmAll(on: "2026-11-04")
        // The department's corrected export, not yet run nightly (named to sort last: read first all the same).
        try project.export("b.csv", [Self.line504(version: 1)])
        let (range, problems) = try Self.run(project, "2026-11-05", range: "2026-11-01"..."2026-11-30")
        for feed in Self.feeds {
            #expect(range.feeds[feed]?.corrected == 1, "\(feed): \(String(describing: range.feeds[feed]))")
        }
        let duplicates = problems.filter { $0.hasSuffix("[duplicate-key]") }
        #expect(duplicates.count == 1 && duplicates[0].hasPrefix(project.root.appendingPathComponent("inbox/a.csv").path + ":"), "\(problems)")
    }
}
