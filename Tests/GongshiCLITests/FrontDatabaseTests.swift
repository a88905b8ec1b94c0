import Foundation
import GongshiTesting
import Testing

/// The 前置库 transport against a real PostgreSQL server the test starts (Debian's packages, its
/// own data folder and port on 127.0.0.1): tables made by `gongshi frontdb init`, each record
/// written once, exactly once under SIGKILL at every step, withdrawal as delete or a flag. The
/// rows are read back with `psql`, not through gongshi.
@Suite("前置库 (front database)", .serialized)
struct FrontDatabaseTests {
    static let variable = "GONGSHI_FRONTDB_PASSWORD"

    /// A pipeline of the valid penalty fixture (13 legal persons, 4 natural persons) whose only
    /// portal is 信用中国 through the 前置库 in `database` of `server`.
    struct Project {
        let root: URL
        let server: PostgreSQLServer
        let database: String
        var pipeline: String { root.appendingPathComponent("pipelines/frontdb.yaml").path }
        var url: String { "postgresql://\(server.user)@127.0.0.1:\(server.port)/\(database)" }

        init(_ server: PostgreSQLServer, database: String, profile: String = "creditchina-henan-zhengzhou") throws {
            self.server = server
            self.database = database
            root = Scratch.root.appendingPathComponent("gongshi-frontdb-\(UUID().uuidString)")
            for folder in ["pipelines", "inbox", "portals"] {
                try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            try FileManager.default.copyItem(at: Fixtures.url("validate/penalty/valid.csv"), to: root.appendingPathComponent("inbox/valid.csv"))
            try server.psql("CREATE DATABASE \(database)", database: "postgres")
            try """
                title: 法制科 行政处罚
                department: 法制科
                kind: penalty
                sources:
                  - {path: inbox/*.csv, encoding: utf-8}
                portals:
                  - profile: \(profile)
                    transport: {kind: database, url: "\(url)", password_env: \(FrontDatabaseTests.variable)}
                ledger: var/ledger.sqlite
                outbox: var/outbox
                reports: var/reports

                """.write(toFile: pipeline, atomically: true, encoding: .utf8)
        }

        func gongshi(_ arguments: [String], killAfter: String? = nil, password: String? = nil) throws -> GongshiProcess.Result {
            try GongshiProcess.run(
                arguments, environment: [FrontDatabaseTests.variable: password ?? server.password, "GONGSHI_KILL_AFTER": killAfter],
                directory: root)
        }

        func run(_ today: String, killAfter: String? = nil) throws -> GongshiProcess.Result {
            try gongshi(["run", pipeline, "--today", today], killAfter: killAfter)
        }

        func count(_ sql: String) throws -> Int { Int(try server.psql(sql, database: database)) ?? -1 }
    }

    @Test("frontdb init makes the four tables and the batch table (again: nothing changes); a wrong password is a configuration error; the committed DDL is gongshi's")
    func initialize() throws {
        let server = try PostgreSQLServer()
        defer { server.stop() }
        let project = try Project(server, database: "init_test")
        defer { try? FileManager.default.removeItem(at: project.root) }
        let refused = try project.gongshi(["frontdb", "init", project.url], password: "wrong")
        #expect(refused.status == 78 && refused.stderr.contains("28P01"), "\(refused)")
        #expect(!refused.stderr.contains(server.password))
        for _ in 0..<2 {
            let made = try project.gongshi(["frontdb", "init", project.url])
            #expect(made.status == 0, "\(made)")
        }
        // The password from a credentials file: refused when others can read it, taken at 0600.
        let credentials = project.root.appendingPathComponent("frontdb.credentials")
        try Data("password=\(server.password)\n".utf8).write(to: credentials)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: credentials.path)
        let open = try project.gongshi(["frontdb", "init", project.url, "--credentials", credentials.path], password: "")
        #expect(open.status == 78 && open.stderr.contains("[credentials-too-open]"), "\(open)")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: credentials.path)
        #expect(try project.gongshi(["frontdb", "init", project.url, "--credentials", credentials.path], password: "").status == 0)
        let tables = try server.psql("SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'", database: project.database)
        #expect(tables == "frxzcf,frxzxk,gongshi_batch,zrrxzcf,zrrxzxk")
        // The penalty tables carry the national codes in the feed's order.
        let columns = try server.psql("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'zrrxzcf'", database: project.database)
        #expect(columns.hasPrefix("gs_key,cf_xdr_mc,cf_xdr_lb,cf_xdr_zjlx,cf_wsh,") && columns.hasSuffix(",bz,gs_batch_id,gs_position,gs_operation,gs_status,gs_written_at"), "\(columns)")
        let ddl = try project.gongshi(["frontdb", "ddl"])
        #expect(ddl.stdout == (try String(contentsOf: Fixtures.root.appendingPathComponent("schemas/frontdb/creditchina-henan-zhengzhou.sql"), encoding: .utf8)))
    }

    @Test("a database portal writes every record once and withdraws by deleting its row — exactly once when killed at each step", arguments: [
        String?.none, "feed-written", "batch-pending", "upload-done", "channel-sent", "receipt-recorded",
    ])
    func exactlyOnce(killAfter: String?) throws {
        let server = try PostgreSQLServer()
        defer { server.stop() }
        let project = try Project(server, database: "once_\((killAfter ?? "none").replacingOccurrences(of: "-", with: "_"))")
        defer { try? FileManager.default.removeItem(at: project.root) }
        #expect(try project.gongshi(["frontdb", "init", project.url]).status == 0)
        if let killAfter {
            let killed = try project.run("2026-11-30", killAfter: killAfter)
            #expect(killed.signal == SIGKILL, "\(killed)")
        }
        let first = try project.run("2026-11-30")
        #expect(first.status == 0 || first.status == 75, "\(first)")
        let again = try project.run("2026-12-01")
        #expect(again.status == 0 || again.status == 75, "\(again)")
        // 13 legal persons, 4 natural persons; each key once; two batches, each committed once.
        #expect(try project.count("SELECT count(*) FROM frxzcf") == 13)
        #expect(try project.count("SELECT count(*) FROM zrrxzcf") == 4)
        #expect(try project.count("SELECT count(DISTINCT gs_key) FROM frxzcf") == 13)
        #expect(try project.count("SELECT count(*) FROM gongshi_batch") == 2)
        #expect(try project.count("SELECT count(DISTINCT gs_batch_id) FROM (SELECT gs_batch_id FROM frxzcf UNION ALL SELECT gs_batch_id FROM zrrxzcf) AS rows") == 2)
        // Nothing personal: natural persons' names masked, no ID number anywhere, the key a digest.
        #expect(try server.psql("SELECT string_agg(cf_xdr_mc, ',') FROM zrrxzcf", database: project.database).split(separator: ",").allSatisfy { $0.hasSuffix("*") })
        #expect(try project.count("SELECT count(*) FROM zrrxzcf WHERE row_to_json(zrrxzcf)::text ~ '[0-9]{17}[0-9X]'") == 0)
        #expect(try project.count("SELECT count(*) FROM frxzcf WHERE gs_key ~ '^[0-9a-f]{64}$'") == 13)
        let status = try project.gongshi(["ledger", "status", "--format", "json", "--ledger", "var/ledger.sqlite", "--today", "2026-12-01"])
        let batches = try #require((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["batches"] as? [String: Int])
        #expect(batches["pending"] == 0 && batches["published"] == 2, "\(batches)")

        // Withdrawn (the decision revoked): the row is deleted, once, even when killed at the same step
        // (channel-sent: after the commit, before the receipt).
        let key = "牟城管罚〔2026〕5号"
        let withdraw = ["withdraw", project.pipeline, "--record", key, "--reason", "撤销", "--today", "2026-12-02"]
        if let killAfter {
            #expect(try project.gongshi(withdraw, killAfter: killAfter).signal == SIGKILL, "\(killAfter)")
        }
        let withdrawn = try project.gongshi(withdraw)
        #expect(withdrawn.status == 0, "\(withdrawn)")
        #expect(try project.count("SELECT count(*) FROM frxzcf") == 12)
        #expect(try project.count("SELECT count(*) FROM frxzcf WHERE cf_wsh = '\(key)'") == 0)
        #expect(try project.count("SELECT count(*) FROM gongshi_batch WHERE operation = 'withdraw'") == 1)
    }

    @Test("the 前置库 unreachable: the run stops with 69, its batches pending; once it is back, the next run writes them once")
    func unreachable() throws {
        let server = try PostgreSQLServer()
        defer { server.stop() }
        let project = try Project(server, database: "down_test")
        defer { try? FileManager.default.removeItem(at: project.root) }
        #expect(try project.gongshi(["frontdb", "init", project.url]).status == 0)
        let real = try String(contentsOfFile: project.pipeline, encoding: .utf8)
        let nobody = try freeLoopbackPort()  // nothing listens there
        try real.replacingOccurrences(of: ":\(server.port)/", with: ":\(nobody)/")
            .replacingOccurrences(of: "password_env:", with: "connect_timeout: 2, password_env:")
            .write(toFile: project.pipeline, atomically: true, encoding: .utf8)
        let down = try project.run("2026-11-30")
        #expect(down.status == 69 && down.stderr.contains("[portal-unavailable]") && down.stderr.contains("前置库"), "\(down)")
        #expect(!down.stderr.contains(server.password))
        #expect(try project.count("SELECT count(*) FROM gongshi_batch") == 0)
        try real.write(toFile: project.pipeline, atomically: true, encoding: .utf8)
        let back = try project.run("2026-12-01")
        #expect([0, 75].contains(back.status), "\(back)")
        #expect(try project.count("SELECT count(*) FROM frxzcf") == 13 && project.count("SELECT count(*) FROM zrrxzcf") == 4)
        #expect(try project.count("SELECT count(*) FROM gongshi_batch") == 2)
    }

    @Test("a 前置库 table that does not match the feed (a column of another type, a NOT NULL column gongshi does not fill) is configuration (78, frontdb-table-mismatch), nothing written; set up again, the next run writes the batches once")
    func tableMismatch() throws {
        let server = try PostgreSQLServer()
        defer { server.stop() }
        let project = try Project(server, database: "mismatch_test")
        defer { try? FileManager.default.removeItem(at: project.root) }
        #expect(try project.gongshi(["frontdb", "init", project.url]).status == 0)
        for (table, change, undo) in [
            ("frxzcf", "ALTER TABLE frxzcf ALTER COLUMN cf_wsh TYPE integer USING NULL", "ALTER TABLE frxzcf ALTER COLUMN cf_wsh TYPE text"),
            ("zrrxzcf", "ALTER TABLE zrrxzcf ADD COLUMN extra text NOT NULL", "ALTER TABLE zrrxzcf DROP COLUMN extra"),
        ] {
            try server.psql(change, database: project.database)
            let refused = try project.run("2026-11-30")
            #expect(refused.status == 78 && refused.stderr.contains("[frontdb-table-mismatch]") && !refused.stderr.contains("[portal-auth]"), "\(refused)")
            #expect(refused.stderr.contains("前置库："), "\(refused.stderr)")
            #expect(try project.count("SELECT count(*) FROM \(table)") == 0)  // (the batch before it, once the first is undone, went in)
            try server.psql(undo, database: project.database)
        }
        let back = try project.run("2026-12-01")
        #expect([0, 75].contains(back.status), "\(back)")
        #expect(try project.count("SELECT count(*) FROM frxzcf") == 13 && project.count("SELECT count(*) FROM zrrxzcf") == 4)
    }

    @Test("a 前置库 table whose constraint refuses a row (a check constraint the DBA added, SQLSTATE 23514) is frontdb-rejected (78), not an outage: nothing written or counted published, the batch pending (no new batch); the constraint dropped, the next run writes it once")
    func constraintRejects() throws {
        let server = try PostgreSQLServer()
        defer { server.stop() }
        let project = try Project(server, database: "rejected_test")
        defer { try? FileManager.default.removeItem(at: project.root) }
        #expect(try project.gongshi(["frontdb", "init", project.url]).status == 0)
        try server.psql("ALTER TABLE frxzcf ADD CONSTRAINT sy_len CHECK (length(cf_sy) < 5)", database: project.database)
        func batches(_ today: String) throws -> [String: Int] {
            let status = try project.gongshi(["ledger", "status", "--format", "json", "--ledger", "var/ledger.sqlite", "--today", today])
            return try #require((try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["batches"] as? [String: Int])
        }
        for today in ["2026-11-30", "2026-12-01"] {  // refused the same way every night, the same batch
            let refused = try project.run(today)
            #expect(refused.status == 78, "\(refused)")
            #expect(refused.stderr.contains("[frontdb-rejected]") && !refused.stderr.contains("[portal-unavailable]"), "\(refused.stderr)")
            #expect(refused.stderr.contains("frxzcf") && refused.stderr.contains("sy_len") && refused.stderr.contains("23514"), "\(refused.stderr)")
            #expect(!refused.stderr.contains("擅自占用城市道路店外经营"), "\(refused.stderr)")  // never a row's value
            #expect(try project.count("SELECT count(*) FROM frxzcf") == 0)
            #expect(try project.count("SELECT count(*) FROM gongshi_batch WHERE table_name = 'frxzcf'") == 0)
            let counted = try batches(today)
            #expect((counted["pending"] ?? 0) >= 1 && (counted["pending"] ?? 0) + (counted["published"] ?? 0) == 2 && (counted["failed"] ?? 0) == 0, "\(counted)")
        }
        try server.psql("ALTER TABLE frxzcf DROP CONSTRAINT sy_len", database: project.database)
        let back = try project.run("2026-12-02")
        #expect([0, 75].contains(back.status), "\(back)")
        #expect(try project.count("SELECT count(*) FROM frxzcf") == 13 && project.count("SELECT count(DISTINCT gs_key) FROM frxzcf") == 13)
        #expect(try project.count("SELECT count(*) FROM zrrxzcf") == 4)
        #expect(try project.count("SELECT count(*) FROM gongshi_batch") == 2)
        let counted = try batches("2026-12-02")
        #expect(counted["pending"] == 0 && counted["published"] == 2, "\(counted)")
        let again = try project.run("2026-12-03")
        #expect([0, 75].contains(again.status), "\(again)")
        #expect(try project.count("SELECT count(*) FROM frxzcf") == 13 && project.count("SELECT count(*) FROM gongshi_batch") == 2)
    }

    @Test("frontdb_withdrawal: flag keeps a withdrawn row with gs_status 0")
    func flag() throws {
        let server = try PostgreSQLServer()
        defer { server.stop() }
        let profileText = try String(contentsOf: Fixtures.root.appendingPathComponent("schemas/portals/creditchina-henan-zhengzhou.v1.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "frontdb_withdrawal: delete", with: "frontdb_withdrawal: flag")
        let project = try Project(server, database: "flag_test", profile: "portals/creditchina-flag.yaml")
        defer { try? FileManager.default.removeItem(at: project.root) }
        try profileText.write(to: project.root.appendingPathComponent("portals/creditchina-flag.yaml"), atomically: true, encoding: .utf8)
        #expect(try project.gongshi(["frontdb", "init", project.url, "--profile", "portals/creditchina-flag.yaml"]).status == 0)
        #expect([0, 75].contains(try project.run("2026-11-30").status))
        let withdrawn = try project.gongshi(["withdraw", project.pipeline, "--record", "牟城管罚〔2026〕5号", "--reason", "撤销", "--today", "2026-12-02"])
        #expect(withdrawn.status == 0, "\(withdrawn)")
        #expect(try project.count("SELECT count(*) FROM frxzcf") == 13)
        #expect(try server.psql("SELECT gs_status || ' ' || gs_operation FROM frxzcf WHERE cf_wsh = '牟城管罚〔2026〕5号'", database: project.database) == "0 withdraw")
    }
}
