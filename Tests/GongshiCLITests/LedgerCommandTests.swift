import DisclosureCore
import Foundation
import GongshiTesting
import GRDB
@testable import SQLiteLedger
import SourceDecoders
import Testing

/// `gongshi feed --ledger` and the `ledger` commands, run as a user runs them: a real process, a
/// real SQLite file, a real outbox folder. Crash injection kills the process with SIGKILL after
/// each step of the protocol and runs it again.
@Suite("Publication ledger: exactly once")
struct LedgerCommandTests {
    /// A folder with an outbox and a ledger, and the commands on them.
    struct Workspace {
        let root: URL
        var out: URL { root.appendingPathComponent("outbox") }
        var ledgerPath: String { root.appendingPathComponent("var/ledger.sqlite").path }

        init() throws {
            root = Scratch.root.appendingPathComponent("gongshi-ledger-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        }

        /// `gongshi feed --ledger` for one portal and the penalty fixtures (or `input`).
        @discardableResult
        func feed(
            portal: String = "creditchina-henan-zhengzhou", input: URL = Fixtures.url("validate/penalty/valid.csv"),
            today: String = "2026-11-30", killAfter: String? = nil
        ) throws -> GongshiProcess.Result {
            try GongshiProcess.run(
                [
                    "feed", "--portal", portal, "--kind", "penalty", "--out", out.path, "--ledger", ledgerPath, "--today", today,
                    input.path,
                ],
                environment: ["GONGSHI_KILL_AFTER": killAfter])
        }

        @discardableResult
        func gongshi(_ arguments: [String], killAfter: String? = nil) throws -> GongshiProcess.Result {
            try GongshiProcess.run(arguments + ["--ledger", ledgerPath], environment: ["GONGSHI_KILL_AFTER": killAfter])
        }

        func ledger() throws -> Ledger { try Ledger.openForReading(path: ledgerPath) }

        /// Confirms every pending batch, as a clerk does after uploading.
        func confirmAll(today: String = "2026-12-01") throws {
            for batch in try ledger().batches(status: .pending) {
                let result = try gongshi(["ledger", "confirm", batch.id, "--today", today])
                #expect(result.status == 0, "\(result)")
            }
        }

        /// Every file under the outbox, by relative path (manifests and receipts apart), with its bytes.
        func payloads() throws -> [String: Data] { try Fixtures.payloads(under: out) }
    }

    /// The outbox of an uninterrupted run of both portals on the penalty fixtures.
    static func referencePayloads() throws -> [String: Data] {
        let clean = try Workspace()
        defer { try? FileManager.default.removeItem(at: clean.root) }
        for portal in ["creditchina-henan-zhengzhou", "gsxt"] { #expect(try clean.feed(portal: portal).status == 0) }
        return try clean.payloads()
    }

    /// Checks, from the ledger and the outbox, that every record the portals take is published
    /// exactly once and the outbox holds exactly the reference files.
    static func expectExactlyOnce(_ workspace: Workspace, reference: [String: Data]) throws {
        let ledger = try workspace.ledger()
        #expect(try ledger.batches(status: .pending).isEmpty)
        #expect(try ledger.batches(status: .failed).isEmpty)
        let batches = try ledger.batches()
        var keys: [String: Int] = [:]
        for batch in batches {
            for entry in try ledger.publications(batch: batch.id) {
                #expect(entry.status == .published)
                keys["\(entry.portal)/\(entry.feed)/\(entry.key)", default: 0] += 1
            }
        }
        // 信用中国: all 17 valid records; gsxt: the 11 market entities minus 警告-only penalties.
        #expect(keys.count == 17 + 11, "\(keys.count) publications")
        #expect(keys.values.allSatisfy { $0 == 1 }, "a record published more than once: \(keys.filter { $0.value > 1 })")
        #expect(try workspace.payloads() == reference)
        #expect(!FileManager.default.fileExists(atPath: workspace.out.appendingPathComponent(".staging").path))
    }

    @Test(
        "killed with SIGKILL after each step of a feed run, then run again: every record published exactly once",
        arguments: ["feed-written", "batch-pending", "upload-done"])
    func crashDuringFeed(step: String) throws {
        let reference = try Self.referencePayloads()
        let workspace = try Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        let crashed = try workspace.feed(killAfter: step)
        #expect(crashed.signal == SIGKILL, "\(crashed)")
        let again = try workspace.feed()
        #expect(again.status == 0, "\(again)")
        if step != "feed-written" {
            // The interrupted batch was settled first, under the same batch id.
            #expect(again.stdout.contains(step == "batch-pending" ? "补投递" : "待确认"), "\(again.stdout)")
        }
        #expect(try workspace.feed(portal: "gsxt").status == 0)
        try workspace.confirmAll()
        try Self.expectExactlyOnce(workspace, reference: reference)
        // A further run sends nothing.
        let third = try workspace.feed()
        #expect(third.stdout.contains("新公示 0 条，更正 0 条，未变化不再发送 13 条"), "\(third.stdout)")
        #expect(try workspace.payloads() == reference)
    }

    @Test("a batch's file a killed run was writing is removed by the next; one a running process is writing is left alone")
    func abandonedBatchFile() throws {
        let workspace = try Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        let staging = workspace.out.appendingPathComponent(".staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        // A process that has ended, and one that runs (this one).
        let ended = Process()
        ended.executableURL = URL(fileURLWithPath: "/bin/true")
        try ended.run()
        ended.waitUntilExit()
        let abandoned = staging.appendingPathComponent(".batch.\(ended.processIdentifier).77.tmp")
        let live = staging.appendingPathComponent(".batch.\(getpid()).78.tmp")
        let other = staging.appendingPathComponent("notes.txt")
        for file in [abandoned, live, other] { try Data("半个批次".utf8).write(to: file) }
        let run = try workspace.feed()
        #expect(run.status == 0, "\(run)")
        #expect(!FileManager.default.fileExists(atPath: abandoned.path))
        #expect(FileManager.default.fileExists(atPath: live.path))
        #expect(FileManager.default.fileExists(atPath: other.path))
        // Nothing else is left in the staging folder: every batch went on into the outbox.
        #expect(try FileManager.default.contentsOfDirectory(atPath: staging.path).sorted() == [live.lastPathComponent, "notes.txt"].sorted())
        let batches = try workspace.ledger().batches()
        #expect(!batches.isEmpty)
        #expect(batches.allSatisfy { FileManager.default.fileExists(atPath: $0.outboxPath) })
    }

    @Test("killed with SIGKILL right after a receipt is recorded: the confirmation stands, and is not recorded twice")
    func crashAfterReceipt() throws {
        let reference = try Self.referencePayloads()
        let workspace = try Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        for portal in ["creditchina-henan-zhengzhou", "gsxt"] { try workspace.feed(portal: portal) }
        // The clerk saves the portal's receipt beside each file, then confirms; the first confirmation is killed.
        for batch in try workspace.ledger().batches(status: .pending) {
            try Data("上传成功 \(batch.records) 条".utf8).write(to: URL(fileURLWithPath: batch.outboxPath + ".receipt"))
        }
        let crashed = try workspace.gongshi(["ledger", "confirm", "--today", "2026-12-01"], killAfter: "receipt-recorded")
        #expect(crashed.signal == SIGKILL, "\(crashed)")
        #expect(try workspace.ledger().batches(status: .published).count == 1)
        // The next run records the other receipts (dropped files) and leaves the confirmed one alone.
        let again = try workspace.feed()
        #expect(again.status == 0, "\(again)")
        let scan = try workspace.gongshi(["ledger", "confirm", "--today", "2026-12-01"])
        #expect(scan.status == 0, "\(scan)")
        let first = try #require(try workspace.ledger().batches().first)
        let repeated = try workspace.gongshi(["ledger", "confirm", first.id, "--today", "2026-12-02"])
        #expect(repeated.stdout.contains("已于 2026-12-01 确认，不再重复登记"), "\(repeated)")
        try Self.expectExactlyOnce(workspace, reference: reference)
        let receipts = try workspace.ledger().batches().filter { $0.status == .published }
        #expect(receipts.count == 3)
    }

    @Test("an unchanged record is never sent again; a changed one goes out as a correction of what was published")
    func correction() throws {
        let workspace = try Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        let input = workspace.root.appendingPathComponent("penalties.csv")
        let original = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        try original.write(to: input, atomically: true, encoding: .utf8)
        #expect(try workspace.feed(input: input).status == 0)
        try workspace.confirmAll()
        let first = try #require(original.range(of: "罚款2000元,0.2,"))  // 牟城管罚〔2026〕1号, the first record
        let changed = original.replacingCharacters(in: first, with: "罚款3000元,0.3,")
        #expect(changed != original)
        try changed.write(to: input, atomically: true, encoding: .utf8)
        let second = try workspace.feed(input: input, today: "2026-12-02")
        #expect(second.status == 0, "\(second)")
        #expect(second.stdout.contains("新公示 0 条，更正 1 条，未变化不再发送 12 条"), "\(second.stdout)")
        let history = try workspace.ledger().history(key: "牟城管罚〔2026〕1号")
        #expect(history.map(\.operation) == [.publish, .correct])
        #expect(history.last?.previousSHA256 == history.first?.contentSHA256)
        // The correction's file holds that one record, with the new content, in a batch of its own.
        let batch = try #require(try workspace.ledger().batch(history[1].batchID))
        #expect(batch.operation == .correct && batch.records == 1)
        let file = try String(contentsOf: URL(fileURLWithPath: batch.outboxPath), encoding: .utf8)
        #expect(file.contains("罚款3000元") && !file.contains("罚款2000元"))
        let manifest = try String(contentsOf: URL(fileURLWithPath: batch.outboxPath + ".manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"operation\": \"correct\""))
    }

    @Test("content that flips back and changes again (A, B, A, B, A): each change goes out once, as a correction of what is live, in a batch of its own")
    func flippingContent() throws {
        let workspace = try Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        let input = workspace.root.appendingPathComponent("penalties.csv")
        let a = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        let first = try #require(a.range(of: "罚款2000元,0.2,"))  // 牟城管罚〔2026〕1号, the first record
        let b = a.replacingCharacters(in: first, with: "罚款3000元,0.3,")
        var batches: [String] = []
        for (night, text) in [a, b, a, b, a].enumerated() {
            try text.write(to: input, atomically: true, encoding: .utf8)
            let run = try workspace.feed(input: input, today: "2026-12-0\(night + 1)")
            #expect(run.status == 0, "night \(night + 1): \(run)")
            try workspace.confirmAll(today: "2026-12-0\(night + 1)")
            let history = try workspace.ledger().history(key: "牟城管罚〔2026〕1号")
            #expect(history.count == night + 1, "night \(night + 1): \(history.map(\.operation))")
            batches = history.map(\.batchID)
        }
        let history = try workspace.ledger().history(key: "牟城管罚〔2026〕1号")
        #expect(history.map(\.operation) == [.publish, .correct, .correct, .correct, .correct])
        #expect(history.map(\.status) == Array(repeating: .published, count: 5))
        // Each correction names what it corrects, and each went out in a batch of its own.
        #expect(zip(history.dropFirst(), history).allSatisfy { $0.previousSHA256 == $1.contentSHA256 })
        #expect(Set(batches).count == 5, "\(batches)")
        #expect(history[1].contentSHA256 == history[3].contentSHA256 && history[0].contentSHA256 == history[4].contentSHA256)
    }

    @Test("a second run while one holds the ledger stops at once with a clear message, touching nothing")
    func secondRunLocked() throws {
        let workspace = try Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: workspace.ledgerPath).deletingLastPathComponent().path, withIntermediateDirectories: true)
        let held = try LedgerLock(ledgerPath: workspace.ledgerPath, holder: "pid 4242，feed --portal gsxt")
        let second = try workspace.feed()
        #expect(second.status == 75, "\(second)")
        #expect(second.stderr.contains("[ledger-locked]") && second.stderr.contains("pid 4242"), "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: workspace.ledgerPath))
        #expect(!FileManager.default.fileExists(atPath: workspace.out.path))
        let confirm = try workspace.gongshi(["ledger", "confirm"])
        #expect(confirm.status == 75)
        _ = held
    }

    @Test("a pending batch whose file vanished from the outbox is failed and sent again under the same batch id")
    func lostFileResent() throws {
        let workspace = try Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        try workspace.feed()
        let batch = try #require(try workspace.ledger().batches().first)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: batch.outboxPath))
        try FileManager.default.removeItem(atPath: batch.outboxPath)
        let again = try workspace.feed()
        #expect(again.stdout.contains("[outbox-file-lost]"), "\(again.stdout)")
        let resent = try #require(try workspace.ledger().batch(batch.id))
        #expect(resent.status == .pending && resent.attempts == 2)
        #expect(try Data(contentsOf: URL(fileURLWithPath: batch.outboxPath)) == bytes)
    }

    /// The `disclosure` counts of `ledger status --format json`.
    static func disclosure(_ result: GongshiProcess.Result) throws -> [String: Int] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        return (json["disclosure"] as? [String: Any] ?? [:]).compactMapValues { $0 as? Int }
    }

    @Test("a name holding an ID or phone number is refused (personal-data-in-key); in a ledger an older gongshi wrote, check and ledger show print such a name without the number; a plain name as before")
    func namesScreenedInCheckAndShow() throws {
        let workspace = try Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        let lines = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        func row(_ code: String, name: String, number: String) throws -> String {
            var cells = try #require(lines.first { $0.contains(",\(code),") }).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            cells[0] = name
            cells[13] = number
            return cells.joined(separator: ",")
        }
        let names = [("91410100MA40Q8R26R", "410122198503121231", "牟城管罚〔2026〕950号"), ("92410105MA4DEMWL8T", "郑州某某商行（老板电话13800138000）", "牟城管罚〔2026〕919号")]
        let refusedInput = workspace.root.appendingPathComponent("names.csv")
        try ([lines[0]] + names.map { try row($0.0, name: $0.1, number: $0.2) }).joined(separator: "\n").appending("\n")
            .write(to: refusedInput, atomically: true, encoding: .utf8)
        let refused = try workspace.feed(input: refusedInput)
        #expect(refused.status == 65 && (refused.stdout + refused.stderr).components(separatedBy: "[personal-data-in-key]").count == 3, "\(refused)")

        // A ledger written before such names were refused: the same records under plain names,
        // then given the names an older gongshi kept.
        let input = workspace.root.appendingPathComponent("plain.csv")
        try ([lines[0]] + names.map { try row($0.0, name: "郑州某某商行", number: $0.2) }).joined(separator: "\n").appending("\n")
            .write(to: input, atomically: true, encoding: .utf8)
        #expect(try workspace.feed(input: input).status == 0)
        let database = try DatabaseQueue(path: workspace.ledgerPath)
        try database.write { db in
            for (code, name, number) in names {
                try db.execute(
                    sql: "UPDATE publication SET subject_name = ?, record_key = ? WHERE subject_code = ?",
                    arguments: [name, "\(number)|\(name)", code])
            }
        }
        try database.close()

        let check = try workspace.gongshi(["check", "91410100MA40Q8R26R"])
        #expect(check.status == 0, "\(check)")
        #expect(check.stdout.hasPrefix("91410100MA40Q8R26R ******************：公示中 0 条，待确认 1 条"), "\(check.stdout)")
        #expect(!check.stdout.contains("19850312"), "\(check.stdout)")
        let shop = try workspace.gongshi(["check", "92410105MA4DEMWL8T"])
        #expect(shop.stdout.hasPrefix("92410105MA4DEMWL8T 郑州某某商行（老板电话***********）："), "\(shop.stdout)")
        let show = try workspace.gongshi(["ledger", "show", "牟城管罚〔2026〕919号"])
        #expect(show.status == 0, "\(show)")
        // (A legal person's name as check shows it: whole, its phone number hidden.)
        #expect(show.stdout.contains("牟城管罚〔2026〕919号｜郑州某某商行（老板电话***********）"), "\(show.stdout)")
        for output in [check.stdout, shop.stdout, show.stdout] {
            #expect(!output.contains("8000") && !output.contains("000）") && !output.contains("1231"), "\(output)")
        }
    }

    @Test("ledger status, show and check read the ledger; the ledger is private and holds no ID numbers")
    func questions() throws {
        let workspace = try Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        for portal in ["creditchina-henan-zhengzhou", "gsxt"] { try workspace.feed(portal: portal) }
        let status = try workspace.gongshi(["ledger", "status", "--today", "2026-12-02"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("批次：待确认 3（其中已放入待上传目录 3），已公示 0，失败 0"), "\(status.stdout)")
        // 28 decisions × portal (17 on 信用中国, 11 on gsxt, which leaves natural persons out); all were
        // due by 2026-12-01 but 11号, decided 2026-11-30 (due 2026-12-09).
        let counts = try Self.disclosure(try workspace.gongshi(["ledger", "status", "--today", "2026-12-02", "--format", "json"]))
        #expect(counts["overdue"] == 26 && counts["not_yet_due"] == 2 && counts["not_to_publish"] == 6, "\(counts)")
        #expect(status.stdout.contains("公示状态：逾期未公示 26，"), "\(status.stdout.prefix(400))")
        try workspace.confirmAll()
        let show = try workspace.gongshi(["ledger", "show", "牟城管罚〔2026〕8号"])
        #expect(show.stdout.split(separator: "\n").count == 2, "\(show.stdout)")  // 信用中国 and gsxt
        #expect(show.stdout.contains("已公示 2026-12-01") && show.stdout.contains("截止 2026-11-16"))
        #expect(try workspace.gongshi(["ledger", "show", "no such"]).status == 1)
        let check = try workspace.gongshi(["check", "92410105MA4DEMWL8T"])
        #expect(check.status == 0, "\(check)")
        #expect(check.stdout.hasPrefix("92410105MA4DEMWL8T 郑州某某餐饮管理有限公司3：公示中 2 条"), "\(check.stdout)")
        // Each record's line names the legal person whole, as its feeds publish it (README, 信用核查).
        #expect(check.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.contains("｜郑州某某餐饮管理有限公司3") }, "\(check.stdout)")
        #expect(try workspace.gongshi(["check", "91350100M000100Y43"]).status == 1)
        let bad = try workspace.gongshi(["check", "92410105MA4DEMWL8X"])
        #expect(bad.status == 65 && bad.stderr.contains("[credit-code-check-character]"))
        // Confirmed 2026-12-01: late only for 8号 and 9号 (decided 2026-11-05, due 2026-11-16), on both portals.
        let after = try Self.disclosure(try workspace.gongshi(["ledger", "status", "--today", "2026-12-02", "--format", "json"]))
        #expect(after["overdue"] == 0 && after["late"] == 4 && after["on_time"] == 24, "\(after)")

        let mode = try FileManager.default.attributesOfItem(atPath: workspace.ledgerPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let ledgerBytes = try Data(contentsOf: URL(fileURLWithPath: workspace.ledgerPath))
        let ids = try Self.inputIDNumbers()
        #expect(ids.count >= 3)
        for id in ids { #expect(ledgerBytes.range(of: Data(id.utf8)) == nil, "the ledger holds an input ID number") }
    }

    /// The values of every 证件号码 column of the penalty fixtures.
    static func inputIDNumbers() throws -> Set<String> {
        var rows: [[String]] = []
        var scanner = CSVScanner()
        try scanner.consume([UInt8](try Data(contentsOf: Fixtures.url("validate/penalty/valid.csv")))) { (row: CSVRow) in
            rows.append(row.cells)
        }
        try scanner.finish { (row: CSVRow) in rows.append(row.cells) }
        let personal = rows[0].indices.filter { rows[0][$0].hasSuffix("证件号码") }
        return Set(rows.dropFirst().flatMap { row in personal.compactMap { $0 < row.count && !row[$0].isEmpty ? row[$0] : nil } })
    }

    @Test("a ledger from an older gongshi is migrated on first use, even by a read-only command, and keeps its history")
    func olderLedgerMigrated() throws {
        let workspace = try Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.root) }
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: workspace.ledgerPath).deletingLastPathComponent().path, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: workspace.ledgerPath)
        try LedgerMigrations.migrator.migrate(queue, upTo: "2026-11-30 v1 ledger")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO run (command, today, started_at) VALUES ('feed', '2026-11-30', 'x')")
            try db.execute(sql: """
                INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status,
                                   created_run, created_on)
                VALUES ('00000000000000a1', 'gsxt', 'penalty', 'k', 'publish', 'f', '/f', ?, 1, 'pending', 1, '2026-11-30')
                """, arguments: [String(repeating: "a", count: 64)])
            try db.execute(sql: """
                INSERT INTO publication (portal, feed, kind, record_key, content_sha256, operation, batch_id, status,
                                         schema_version, profile_version)
                VALUES ('gsxt', 'penalty', 'k', '罚1|某公司', ?, 'publish', '00000000000000a1', 'pending', 2, 1)
                """, arguments: [String(repeating: "a", count: 64)])
        }
        try queue.close()
        let show = try workspace.gongshi(["ledger", "show", "罚1"])
        #expect(show.status == 0, "\(show)")
        #expect(show.stdout.contains("gsxt/penalty  公示  待确认  罚1｜某**"), "\(show.stdout)")
        #expect(try workspace.ledger().appliedMigrations().last == "2026-12-08 v24 a portal's own 信用修复 minimum")
    }
}
