import Foundation
import GRDB
import GongshiTesting
import Testing

/// `gongshi run` end to end, on a SQLite ledger and on the county's PostgreSQL one: a natural
/// person's name corrected in a later export (same 文号, same ID document) has the old name's
/// confirmed publication taken down with reason 更正 (the dry run lists it, taking nothing down),
/// while a second person of the same decision is untouched; and the person's key (a keyed hash)
/// is neither the ID number nor its plain hash, and appears in no feed, withdrawal file, report,
/// page or line the commands print.
@Suite("Natural persons renamed, end to end", .serialized)
struct PersonRenamedTests {
    enum Store: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgresql
        var testDescription: String { rawValue }
    }

    static let number = "牟城管罚〔2026〕2号"
    static let firstID = "410122198503121231"
    static let otherID = "410122199202024563"
    /// Every ID number of the natural persons of the fixture and of the later exports.
    static let idNumbers = [firstID, otherID, "H12345678", "410122850312123", "军字第0012345号"]

    /// A project whose ledger is a SQLite file or a fresh database on the shared test server.
    struct Setup {
        let project: OutboxProject
        let ledger: String
        let environment: [String: String?]
        let server: PostgreSQLServer?
        let database: String?

        init(_ store: Store) throws {
            project = try OutboxProject(id: "person-renamed-\(store.rawValue)", portals: ["creditchina-henan-zhengzhou"])
            switch store {
            case .sqlite:
                ledger = "var/ledger.sqlite"
                environment = [:]
                server = nil
                database = nil
            case .postgresql:
                let server = try PostgreSQLServer.shared()
                let database = try server.createDatabase(prefix: "persons")
                ledger = server.url(database: database)
                environment = ["GONGSHI_LEDGER_PASSWORD": server.password, "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"]
                self.server = server
                self.database = database
                let text = try String(contentsOfFile: project.pipeline, encoding: .utf8)
                try text.replacingOccurrences(of: "ledger: var/ledger.sqlite", with: "ledger: \(ledger)")
                    .write(toFile: project.pipeline, atomically: true, encoding: .utf8)
            }
        }

        func gongshi(_ arguments: [String]) throws -> GongshiProcess.Result {
            try GongshiProcess.run(arguments, environment: environment, directory: project.root)
        }

        func run(_ today: String, dryRun: Bool = false) throws -> GongshiProcess.Result {
            try gongshi(["run", project.pipeline, "--today", today] + (dryRun ? ["--dry-run"] : []))
        }

        /// Every pending batch confirmed as published on `date`.
        func confirmPending(_ date: String) throws {
            let status = try gongshi(["ledger", "status", "--ledger", ledger, "--today", date, "--format", "json"])
            let json = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
            let batches = (json?["pending_batches"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(!batches.isEmpty, "\(status)")
            let confirm = try gongshi(["ledger", "confirm"] + batches + ["--published-on", date, "--ledger", ledger, "--today", date])
            #expect(confirm.status == 0, "\(confirm)")
        }

        func show(_ number: String) throws -> [Substring] {
            try gongshi(["ledger", "show", number, "--ledger", ledger]).stdout.split(separator: "\n")
        }

        /// The natural persons' keys the ledger holds, by record key.
        func personKeys() throws -> [String: String] {
            let sql = "SELECT record_key, person_key FROM publication WHERE person_key IS NOT NULL"
            var keys: [String: String] = [:]
            if let server, let database {
                for line in try server.psql(sql, database: database).split(separator: "\n") {
                    let parts = line.split(separator: "|")
                    keys[parts.dropLast().joined(separator: "|")] = String(parts.last ?? "")
                }
            } else {
                let queue = try DatabaseQueue(path: project.root.appendingPathComponent(ledger).path)
                for row in try queue.read({ try Row.fetchAll($0, sql: sql) }) { keys[row[0]] = row[1] }
            }
            return keys
        }
    }

    /// The export's header, 2号's line with `name` and `id`, and 2号's second person.
    static func export(_ setup: Setup, as file: String, first name: String, second: Bool) throws {
        let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)  // (CRLF is one `Character`)
        let two = try #require(lines.first { $0.contains(number + ",") })
        var rows = [lines[0], two.replacingOccurrences(of: "李四2,", with: "\(name),")]
        if second { rows.append(two.replacingOccurrences(of: "李四2,", with: "王五,").replacingOccurrences(of: firstID, with: otherID)) }
        try (rows.joined(separator: "\r\n") + "\r\n").write(to: setup.project.inbox.appendingPathComponent(file), atomically: true, encoding: .utf8)
    }

    @Test("李四2 corrected to 李肆2 beside a second person 王五 of the same decision: the dry run lists one take-down and takes none; the run takes down 李四2's publication only (更正), in a withdrawal file that names no one", arguments: Store.allCases)
    func renamedBesideAnother(_ store: Store) throws {
        let setup = try Setup(store)
        try setup.project.add("validate/penalty/valid.csv", as: "2026-11.csv")
        var printed: [String] = []
        let first = try setup.run("2026-11-30")
        printed.append(first.stdout + first.stderr)
        #expect([0, 75].contains(first.status), "\(first)")
        try setup.confirmPending("2026-11-30")
        // The next export: 2号 also names 王五 (another ID): no one is taken down for it.
        try Self.export(setup, as: "2026-12a.csv", first: "李四2", second: true)
        let added = try setup.run("2026-12-01")
        printed.append(added.stdout + added.stderr)
        #expect([0, 75].contains(added.status) && !added.stdout.contains("撤下旧名称"), "\(added)")
        try setup.confirmPending("2026-12-01")
        // Then 李四2 corrected to 李肆2 (same ID); 王五 as before.
        try Self.export(setup, as: "2026-12b.csv", first: "李肆2", second: true)
        let dry = try setup.run("2026-12-02", dryRun: true)
        printed.append(dry.stdout + dry.stderr)
        #expect(dry.stdout.contains("（试运行，不撤下）当事人名称已更正（同一文号、同一证件），撤下旧名称的公示 1 条："), "\(dry)")
        #expect(try !setup.show(Self.number).contains { $0.contains("撤下") })
        let next = try setup.run("2026-12-02")
        printed.append(next.stdout + next.stderr)
        #expect(next.stdout.contains("\n当事人名称已更正（同一文号、同一证件），撤下旧名称的公示 1 条："), "\(next)")
        let feeds = try #require(try next.runReport()?["feeds"] as? [String: [String: Any]])
        #expect(feeds["creditchina-henan-zhengzhou/penalty-natural"]?["published"] as? Int == 1, "\(feeds)")
        let rows = try setup.show(Self.number).filter { $0.contains("penalty-natural") }
        // 李四2 (shown 李**) taken down; 李肆2 (李**) and 王五 (王*) published.
        #expect(rows.filter { $0.contains("撤下待门户确认（更正）") }.count == 1, "\(rows)")
        #expect(rows.filter { $0.contains("撤下") }.allSatisfy { $0.contains("李**") }, "\(rows)")
        #expect(rows.contains { $0.contains("王*") && !$0.contains("撤下") }, "\(rows)")
        // The withdrawal file: the decision and the reason, no name, no number.
        let withdrawals = try setup.project.payloads().filter { $0.key.contains("-withdraw-") }
        #expect(withdrawals.count == 1, "\(withdrawals.keys)")
        let file = withdrawals.values.joined()
        #expect(file.contains(Self.number) && file.contains("更正"), "\(file)")
        #expect(!["李肆2", "李四2", "王五"].contains { file.contains($0) } && !Self.idNumbers.contains { file.contains($0) }, "\(file)")
        // The night after: nothing more.
        let after = try setup.run("2026-12-03")
        printed.append(after.stdout + after.stderr)
        #expect(!after.stdout.contains("撤下旧名称"), "\(after)")

        // The keys: one per natural person's publication, 32 hex digits, neither a number nor its
        // plain hash (the same document makes the same key: 李四2's and 李肆2's).
        let keys = try setup.personKeys()
        #expect(keys.count == 6, "\(keys)")  // the first export's 4 natural persons (李四2 among them), 王五, 李肆2
        #expect(keys.values.allSatisfy { $0.utf8.count == 32 && $0.allSatisfy(\.isHexDigit) && $0 == $0.lowercased() })
        #expect(keys["\(Self.number)|李四2"] != nil && keys["\(Self.number)|李四2"] == keys["\(Self.number)|李肆2"])
        #expect(keys["\(Self.number)|王五"] != keys["\(Self.number)|李四2"])
        // (SHA-256 of 身份证, U+001F, the number: `printf '身份证\x1f410122198503121231' | sha256sum`.)
        let plain = "fee9acb27aa7f3f77ace8d40a3c278dc31c8715f0c91f1bc8fffcbebb3973bb6"
        #expect(!keys.values.contains { Self.idNumbers.contains($0) || plain.hasPrefix($0) || $0.contains("410122") })
        // The secret is not in the ledger (SQLite: the file's bytes).
        let secret = try String(contentsOf: setup.project.root.appendingPathComponent("var/person-key"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if store == .sqlite {
            let bytes = try Data(contentsOf: setup.project.root.appendingPathComponent("var/ledger.sqlite"))
            #expect(bytes.range(of: Data(secret.utf8)) == nil)
        }

        // No key in anything shown or written: the feeds, withdrawal files and run reports under
        // var/, a period's report (JSON and HTML), the status, the record's history, every line printed.
        let report = try setup.gongshi(
            ["report", setup.project.pipeline, "--from", "2026-11-01", "--to", "2026-12-31", "--out", "var/period", "--today", "2026-12-03"])
        #expect(report.status == 0, "\(report)")
        let status = try setup.gongshi(["ledger", "status", "--ledger", setup.ledger, "--today", "2026-12-03", "--format", "json"])
        let shown = try setup.gongshi(["ledger", "show", Self.number, "--ledger", setup.ledger])
        printed += [report.stdout + report.stderr, status.stdout, shown.stdout]
        var written: [String: String] = [:]
        let walker = FileManager.default.enumerator(at: setup.project.root.appendingPathComponent("var"), includingPropertiesForKeys: nil)
        while let url = walker?.nextObject() as? URL {
            guard !url.lastPathComponent.hasPrefix("ledger.sqlite"), url.lastPathComponent != "person-key",
                !url.hasDirectoryPath, let data = try? Data(contentsOf: url)
            else { continue }
            written[url.path] = String(decoding: data, as: UTF8.self)
        }
        #expect(written.keys.contains { $0.hasSuffix(".html") } && written.keys.contains { $0.contains("/outbox/") }, "\(written.keys)")
        for key in Set(keys.values) {
            #expect(!written.contains { $0.value.contains(key) }, "\(key) in \(written.filter { $0.value.contains(key) }.keys)")
            #expect(!printed.contains { $0.contains(key) }, "\(key) printed")
            #expect(!written.values.contains { $0.contains(secret) } && !printed.contains { $0.contains(secret) })
        }
    }
}
