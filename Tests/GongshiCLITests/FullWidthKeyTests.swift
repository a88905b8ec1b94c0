import Foundation
import GRDB
import GongshiTesting
import Testing

/// A ledger written before intake made a 文号's full-width digits half-width holds the decision
/// under its full-width 文号: read again (a range re-run, a corrected export), the same decision is
/// taken as that one — no second publication, one decision in the register — and `ledger status`
/// lists such decisions (fiftieth session). Through the built `gongshi` and a real SQLite ledger.
extension DeadlineTrackingTests {
    static let half = "牟城管罚〔2026〕101号"
    static let full = "牟城管罚〔２０２６〕１０１号"

    /// Every text in the ledger that holds `from` holds `to` instead: the ledger as a run before
    /// `normalized-width` left it, had the export written the 文号 full-width (its content hashes
    /// aside: they were made over the half-width cells).
    static func rewrite(_ project: Project, _ from: String, to: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: project.root.appendingPathComponent("var/ledger.sqlite").path, configuration: configuration)
        try queue.write { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            for table in tables {
                for column in try Row.fetchAll(db, sql: "PRAGMA table_info(\"\(table)\")").map({ $0["name"] as String }) {
                    try db.execute(
                        sql: "UPDATE \"\(table)\" SET \"\(column)\" = replace(\"\(column)\", ?1, ?2) WHERE typeof(\"\(column)\") = 'text' AND instr(\"\(column)\", ?1) > 0",
                        arguments: [from, to])
                }
            }
        }
    }

    /// The run's feeds' counts, summed over its feeds.
    static func feedSums(_ report: [String: Any]) -> [String: Int] {
        var sums: [String: Int] = [:]
        for case let feed as [String: Any] in (report["feeds"] as? [String: Any] ?? [:]).values {
            for (name, value) in feed { if let value = value as? Int { sums[name, default: 0] += value } }
        }
        return sums
    }

    /// The 10 decisions of 2026-11-02 (5 valid) published and confirmed on 11-10.
    static func published() throws -> Project {
        let project = try Project()
        try project.add("2026-11-02-decisions.csv")
        _ = try project.gongshi(["run", project.pipeline, "--today", "2026-11-09"])
        let confirm = try project.gongshi(
            ["ledger", "confirm"] + (try project.pendingBatches()) + ["--published-on", "2026-11-10", "--ledger", "var/ledger.sqlite", "--today", "2026-11-19"])
        #expect(confirm.status == 0, "\(confirm)")
        return project
    }

    @Test("a decision published under its full-width 文号 before: a range re-run takes the record as it, under that 文号 — no second publication, 10 decisions not 11; status lists it")
    func fullWidthKeyNotPublishedTwice() throws {
        let project = try Self.published()
        try Self.rewrite(project, Self.half, to: Self.full)
        let (_, before) = try project.status("2026-11-19")
        #expect(Self.disclosure(before)["decisions"] == 10 && Self.disclosure(before)["on_time"] == 5, "\(before)")
        let held = before["key_width"] as? [String: Any]
        #expect(held?["held"] as? [String] == [Self.full] && (held?["twins"] as? [Any])?.isEmpty == true, "\(before)")
        let text = try project.gongshi(["ledger", "status", "--ledger", "var/ledger.sqlite", "--today", "2026-11-19"])
        #expect(text.stdout.contains("[key-width-held]") && text.stdout.contains(Self.full), "\(text.stdout)")

        // The range re-run reads 101号 half-width: taken as the decision the register holds.
        let rerun = try project.gongshi(["run", project.pipeline, "--from", "2026-11-02", "--to", "2026-11-02", "--today", "2026-11-19"])
        #expect(rerun.status == 65, "\(rerun)")  // the 5 invalid records, as before
        #expect(rerun.stdout.contains("[key-width-held]"), "\(rerun.stdout)")
        let report = try project.report(rerun)
        let sums = Self.feedSums(report)
        // Not published anew: corrected under the old key (this rewritten ledger's content hash
        // was made over the half-width cells; an old ledger's, over the full-width ones, matches).
        #expect(sums["published"] == 0 && sums["corrected"] == 1, "\(report)")
        #expect(report["key_width_held"] as? Int == 1 && report["key_width_twins"] as? Int == 0, "\(report)")
        #expect(Self.disclosure(report)["decisions"] == 10 && Self.disclosure(report)["on_time"] == 5, "\(report)")
        // The correction names the record as the portal shows it: the full-width 文号.
        let staged = try project.pendingBatches()
        #expect(staged.count == 1, "\(staged)")
        let files = try FileManager.default.subpathsOfDirectory(atPath: project.base.outbox.path).filter { !$0.hasSuffix(".json") && $0.contains(staged[0]) }
        let feed = try files.map { try String(contentsOf: project.base.outbox.appendingPathComponent($0), encoding: .utf8) }.joined()
        #expect(feed.contains(Self.full) && !feed.contains(Self.half), "\(files)")

        // Confirmed, the ledger is as an old one: read again, the record is unchanged.
        let confirm = try project.gongshi(
            ["ledger", "confirm"] + staged + ["--published-on", "2026-11-20", "--ledger", "var/ledger.sqlite", "--today", "2026-11-20"])
        #expect(confirm.status == 0, "\(confirm)")
        let again = try project.report(
            try project.gongshi(["run", project.pipeline, "--from", "2026-11-02", "--to", "2026-11-02", "--today", "2026-11-20"]))
        let againSums = Self.feedSums(again)
        #expect(againSums["published"] == 0 && againSums["corrected"] == 0 && againSums["unchanged"] == 5, "\(again)")
        #expect(Self.disclosure(again)["decisions"] == 10 && Self.disclosure(again)["on_time"] == 5, "\(again)")
        #expect(try project.pendingBatches().isEmpty)
    }

    @Test("a decision registered under both 文号 (published twice before this): listed as a twin by status and the run, key-width-twin; the record keeps its half-width key, nothing new goes out")
    func widthTwinListed() throws {
        let project = try Self.published()
        // The register's row of 101号 copied under its full-width 文号 (as a run before
        // `normalized-width` left it beside the one made after).
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: project.root.appendingPathComponent("var/ledger.sqlite").path, configuration: configuration)
        try queue.write { db in
            for table in ["decision", "decision_portal"] {
                try db.execute(sql: "CREATE TEMP TABLE copied AS SELECT * FROM \(table) WHERE number = ?", arguments: [Self.half])
                try db.execute(sql: "UPDATE copied SET number = ?", arguments: [Self.full])
                try db.execute(sql: "INSERT INTO \(table) SELECT * FROM copied")
                try db.execute(sql: "DROP TABLE copied")
            }
        }
        let (_, status) = try project.status("2026-11-19")
        let twins = (status["key_width"] as? [String: Any])?["twins"] as? [[String: String]]
        #expect(twins?.count == 1 && twins?.first?["old"] == Self.full && twins?.first?["new"] == Self.half, "\(status)")
        #expect((status["key_width"] as? [String: Any])?["held"] as? [String] == [], "\(status)")
        let text = try project.gongshi(["ledger", "status", "--ledger", "var/ledger.sqlite", "--today", "2026-11-19"])
        #expect(text.stdout.contains("[key-width-twin]") && text.stdout.contains("--record '\(Self.full)|名称' --reason 更正"), "\(text.stdout)")
        let rerun = try project.gongshi(["run", project.pipeline, "--from", "2026-11-02", "--to", "2026-11-02", "--today", "2026-11-19"])
        #expect(rerun.stdout.contains("[key-width-twin]"), "\(rerun.stdout)")
        let report = try project.report(rerun)
        let sums = Self.feedSums(report)
        #expect(sums["published"] == 0 && sums["corrected"] == 0 && sums["unchanged"] == 5, "\(report)")
        #expect(report["key_width_twins"] as? Int == 1 && report["key_width_held"] as? Int == 0, "\(report)")
    }
}
