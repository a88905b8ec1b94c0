import DisclosureCore
import Foundation
import GongshiTesting
import Logging
import PostgresNIO
@testable import PostgreSQLLedger
import PostgresSupport
import Synchronization
import Testing

/// What only the shared ledger has: migrations several machines may start at once, run locks as
/// advisory locks, a connection the server ends under a writer.
@Suite("Shared ledger (PostgreSQL): migrations, locks, lost connections")
struct SharedLedgerTests {
    static func database() throws -> (PostgreSQLServer, String, PostgresAddress) {
        let server = try PostgreSQLServer.shared()
        let name = try server.createDatabase()
        return (server, name, try PostgresAddress(url: server.url(database: name), what: "台账"))
    }

    @Test("a new database migrated by four machines at once: each migration applied once; a newer one refused; foreign tables refused")
    func migrations() throws {
        let (server, name, address) = try Self.database()
        let results = (0..<4).map { _ in Locked<Result<[String], any Error>?>(nil) }
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            let result = Result { try PostgresLedger.open(address: address, password: server.password).appliedMigrations() }
            results[index].set(result)
        }
        for result in results { #expect(try result.get()?.get() == ["2026-12-03 pg1 county ledger", "2026-12-04 pg2 one index fewer", "2026-12-04 pg3 quicker re-run", "2026-12-04 pg4 outbox stat", "2026-12-07 pg5 keys checked a statement at a time", "2026-12-07 pg6 a failed batch's earlier attempts", "2026-12-07 pg7 a correction names what it corrects", "2026-12-07 pg8 a file read again on a day", "2026-12-07 pg9 a natural person's key", "2026-12-07 pg9b a failed publication taken up by another batch", "2026-12-08 pg10 a publication's record version", "2026-12-08 pg11 a portal's own 信用修复 minimum"]) }
        #expect(try server.psql("SELECT count(*) FROM gongshi_migration", database: name) == String(PostgresMigrations.all.count))  // each once
        // Read without migrating: a database that has none of the ledger is outdated, not created.
        let empty = try server.createDatabase()
        let emptyAddress = try PostgresAddress(url: server.url(database: empty), what: "台账")
        #expect(throws: LedgerError.outdated(path: emptyAddress.description)) {
            try PostgresLedger.open(address: emptyAddress, password: server.password, migrating: false)
        }
        #expect(try server.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database: empty) == "0")
        // Opened for reading, the ledger refuses to write (as a SQLite file opened read-only).
        let reading = try PostgresLedger.open(address: address, password: server.password, migrating: false)
        #expect(throws: LedgerError.self) {
            try reading.beginRun(command: "run", today: "2026-11-30", startedAt: "x", pipeline: nil, department: nil)
        }
        #expect(try server.psql("SELECT count(*) FROM run", database: name) == "0")
        // Written by a newer gongshi: refused, for writing and reading alike.
        try server.psql("INSERT INTO gongshi_migration (identifier) VALUES ('2099-01-01 future')", database: name)
        for migrating in [true, false] {
            #expect(throws: LedgerError.newerVersion(path: address.description, unknown: ["2099-01-01 future"])) {
                try PostgresLedger.open(address: address, password: server.password, migrating: migrating)
            }
        }
        // Someone else's tables of the same names: not a ledger.
        let foreign = try server.createDatabase()
        try server.psql("CREATE TABLE publication (id integer)", database: foreign)
        let foreignAddress = try PostgresAddress(url: server.url(database: foreign), what: "台账")
        #expect(throws: LedgerError.cannotOpen(path: foreignAddress.description, reason: "not a gongshi ledger (no migration table)")) {
            try PostgresLedger.open(address: foreignAddress, password: server.password)
        }
        // A wrong password: refused, and the message does not carry it.
        do {
            _ = try PostgresLedger.open(address: address, password: "wrong-\(server.password)")
            Issue.record("a wrong password was accepted")
        } catch {
            #expect(!"\(error)".contains(server.password))
            guard case .cannotOpen = error else { Issue.record("\(error)"); return }
        }
    }

    @Test("run locks: two pipelines at once; the same pipeline refused, told who holds it; a cross-pipeline command waits for both; released when dropped")
    func runLocks() throws {
        let (server, _, address) = try Self.database()
        let open = { try PostgresLedger.open(address: address, password: server.password) }
        let (a, b, c) = (try open(), try open(), try open())
        var penalties: PostgresRunLock? = try a.lock(.pipeline("fazhike-penalties"), holder: "pid 1，run fazhike-penalties")
        let permits = try b.lock(.pipeline("shenpi-permits"), holder: "pid 2，run shenpi-permits")
        let location = address.description
        #expect(throws: LedgerError.locked(path: "\(location)（pipeline fazhike-penalties）", holder: "pid 1，run fazhike-penalties")) {
            try c.lock(.pipeline("fazhike-penalties"), holder: "pid 3")
        }
        #expect(throws: LedgerError.self) { try c.lock(.ledger, holder: "pid 3，upload") }
        #expect(penalties != nil && permits.scope == .pipeline("shenpi-permits"))
        penalties = nil
        _ = try c.lock(.pipeline("fazhike-penalties"), holder: "pid 3")
        // With every pipeline lock gone, the ledger lock is free, and then no pipeline can start.
        let d = try open()
        #expect(throws: LedgerError.self) { try d.lock(.ledger, holder: "pid 4") }  // c and b still run
    }

    @Test("the server ends a writer's connection: its next write opens another and takes its run lock again; if another took it meanwhile, refused")
    func lostConnection() throws {
        let (server, name, address) = try Self.database()
        let open = { try PostgresLedger.open(address: address, password: server.password) }
        let ledger = try open()
        let lock = try ledger.lock(.pipeline("fazhike-penalties"), holder: "pid 1")
        let run = try ledger.beginRun(command: "run", today: "2026-11-30", startedAt: "x", pipeline: "fazhike-penalties", department: nil)
        let terminate = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '\(name)' AND pid <> pg_backend_pid()"
        #expect(try server.psql(terminate, database: name) != "0")
        // The next write goes on, on a new connection that holds the lock again.
        try ledger.finishRun(run, exitCode: 0, finishedAt: "y")
        #expect(throws: LedgerError.self) { try open().lock(.pipeline("fazhike-penalties"), holder: "pid 2") }
        // Cut again, and another process takes the pipeline meanwhile: the writer refuses to go on.
        _ = try server.psql(terminate, database: name)
        let other = try open()
        let taken = try other.lock(.pipeline("fazhike-penalties"), holder: "pid 3，run fazhike-penalties")
        #expect(throws: LedgerError.locked(path: "\(address.description)（pipeline fazhike-penalties）", holder: "pid 3，run fazhike-penalties")) {
            try ledger.finishRun(run, exitCode: 1, finishedAt: "z")
        }
        #expect(try server.psql("SELECT finished_at FROM run WHERE id = \(run)", database: name) == "y")
        _ = (lock, taken)
    }
}

extension SharedLedgerTests {
    @Test("two writes at once each have a connection (each waits inside its transaction to see the other begun); a grown table's statistics are gathered on their own connection, and closing waits for them")
    func secondWriterAndStatistics() throws {
        let (server, name, address) = try Self.database()
        let ledger = try PostgresLedger.open(address: address, password: server.password)
        #expect(ledger.takesConcurrentWrites)
        // On one connection the second write would wait for the first, which waits for it: each
        // gives up after a minute, and says whether it saw the other.
        let begun = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
        let saw = [Locked<Bool?>(nil), Locked<Bool?>(nil)]
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let outcome = try? ledger.write { link in
                try link.execute("SELECT 1")
                begun[index].signal()
                return begun[1 - index].wait(timeout: .now() + 60) == .success
            }
            saw[index].set(outcome)
        }
        #expect(saw.map { $0.get() } == [true, true])

        // 6,000 decisions grow the register's tables past the first gathering (5,000 rows).
        let run = try ledger.beginRun(command: "test", today: "2026-11-30", startedAt: "2026-11-30T09:00:00+08:00", pipeline: "p", department: nil)
        try ledger.recordDecisions(
            (0..<6_000).map { index in
                (
                    sighting: DecisionSighting(number: "罚\(index)", decisionDate: "2026-11-02", file: "a.csv", row: index + 2, valid: true),
                    portals: [DecisionPortal(portal: "gsxt", dueOn: "2026-11-11", exclusion: nil)]
                )
            }, kind: "administrative-penalty", pipeline: "p", run: run, today: "2026-11-30")
        ledger.close()
        let analyzed = try server.psql(
            "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL", database: name)
        #expect(analyzed == "decision,decision_portal")
    }

    @Test("the second writer writes only while the run's lock is held by the first writer's connection: that connection ended and the lock taken by another run, it refuses")
    func secondWriterNeedsTheRunLock() throws {
        let (server, name, address) = try Self.database()
        let ledger = try PostgresLedger.open(address: address, password: server.password)
        try ledger.writeOnSecond { link in try link.execute("SELECT 1") }  // no lock taken: nothing to hold
        let lock = try ledger.lock(.pipeline("p"), holder: "第一次运行")
        try ledger.writeOnSecond { link in try link.execute("SELECT 1") }
        // The server ends the first writer's session; another run of the pipeline takes the lock.
        let holder = try #require(ledger.writer.requirementHolder.withLock { $0 })
        #expect(try server.psql("SELECT pg_terminate_backend(\(holder))", database: name) == "t")
        let other = try PostgresLedger.open(address: address, password: server.password)
        let otherLock = try other.lock(.pipeline("p"), holder: "第二次运行")
        #expect(throws: LedgerError.self) { try ledger.writeOnSecond { link in try link.execute("SELECT 1") } }
        // The first writer, reconnecting, finds the lock taken and refuses as before.
        #expect(throws: LedgerError.self) {
            try ledger.beginRun(command: "run", today: "2026-11-30", startedAt: "x", pipeline: "p", department: nil)
        }
        withExtendedLifetime((lock, otherLock)) {}
    }

    @Test("an upsert's chunks: a repeated key starts the next chunk; keys are told apart by their bytes, as the server tells them apart (a number written with a precomposed and with a combining accent is two keys)")
    func chunksByBytes() {
        let composed = "牟城管罚〔2025〕\u{E9}号"
        let combining = "牟城管罚〔2025〕e\u{301}号"
        #expect(composed == combining)  // (equal as Swift strings: canonically equivalent)
        #expect(PostgresLedger.chunks([composed, combining, "甲"], key: { $0 }).map(\.count) == [3])
        #expect(PostgresLedger.chunks([composed, "甲", composed, "乙"], key: { $0 }).map(\.count) == [2, 2])
        #expect(PostgresLedger.chunks(Array(repeating: "甲", count: 3), key: { $0 }).map(\.count) == [1, 1, 1])
        #expect(PostgresLedger.chunks((0..<5).map(String.init), size: 2, key: { $0 }).map(\.count) == [2, 2, 1])
    }

    @Test("a column bound for unnest (PostgreSQL's binary array format) arrives as sent: quotes, backslashes, braces, commas, empty texts, NULLs, Chinese; integers past 32 bits and NULLs; an empty column")
    func arrayColumns() throws {
        let (server, _, address) = try Self.database()
        let ledger = try PostgresLedger.open(address: address, password: server.password)
        let texts: [String?] = ["a\"b", "c\\d", "{e,f}", "", nil, "NULL", "牟城管罚〔2025〕1号", " g ", nil]
        let ints: [Int?] = [0, -1, nil, Int(Int32.max) + 1, 42]
        try ledger.writeOnSecond { link in
            let read = try link.rows("SELECT t FROM unnest($1::text[]) WITH ORDINALITY AS u(t, ord) ORDER BY ord", [.column(texts)])
            #expect(read.map { $0.text(0) } == texts)
            let numbers = try link.rows("SELECT i FROM unnest($1::bigint[]) WITH ORDINALITY AS u(i, ord) ORDER BY ord", [.ints(ints)])
            #expect(numbers.map { $0.int(0) } == ints)
            #expect(try link.one("SELECT cardinality($1::text[]) || ' ' || cardinality($2::bigint[])", [.column([]), .ints([])])?.text(0) == "0 0")
            // Cast where the statement's column is of another type, as the ledger's inserts do.
            #expect(try link.one("SELECT sum(i) FROM unnest($1::integer[]) AS u(i)", [.ints([1, 2, nil])])?.int(0) == 3)
            #expect(try link.one("SELECT sum(i)::bigint FROM unnest($1::bigint[]) AS u(i)", [.column(["5", "6"])])?.int(0) == 11)
        }
    }

    @Test("the keys a run writes by the hundred thousand (pg5), checked a statement at a time: a row naming no run, decision or batch refused (23503) with the rest of its statement; a reference never changed; the rows they name never deleted, truncated or re-keyed (23001)")
    func keysCheckedAStatementAtATime() throws {
        let (server, name, address) = try Self.database()
        let ledger = try PostgresLedger.open(address: address, password: server.password)
        let run = try ledger.beginRun(command: "run", today: "2026-11-30", startedAt: "x", pipeline: "p", department: nil)
        let other = try ledger.beginRun(command: "run", today: "2026-11-30", startedAt: "y", pipeline: "p", department: nil)
        // The four tables' foreign keys are gone (their checks are the triggers'); the others' stay.
        let keys = "SELECT string_agg(conrelid::regclass::text, ',' ORDER BY conrelid::regclass::text) FROM pg_constraint WHERE contype = 'f'"
        #expect(try server.psql(keys, database: name) == "batch,batch_failure,problem,source_file,source_file,source_file,withdrawal,withdrawal")
        // Each statement run alone; its SQLSTATE, or "accepted".
        try server.psql(
            """
            CREATE FUNCTION probe(statement text) RETURNS text LANGUAGE plpgsql AS $$
            BEGIN EXECUTE statement; RETURN 'accepted'; EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE; END $$
            """, database: name)
        func probe(_ statement: String) throws -> String {
            try server.psql("SELECT probe($gs$\(statement)$gs$)", database: name)
        }
        let hash = String(repeating: "a", count: 64)
        func record(_ key: String, run: Int64) -> String {
            "('k', '\(key)', '\(hash)', '\(hash)', 2, \(run))"
        }
        let records = "INSERT INTO record (kind, record_key, content_sha256, source_sha256, source_row, first_run) VALUES "
        #expect(try probe(records + record("甲", run: run)) == "accepted")
        #expect(try probe(records + record("乙", run: 999)) == "23503")
        // One row of three naming no run: the statement refused whole.
        #expect(try probe(records + [record("丙", run: run), record("丁", run: 999), record("戊", run: other)].joined(separator: ", ")) == "23503")
        #expect(try server.psql("SELECT string_agg(record_key, ',') FROM record", database: name) == "甲")
        let decisions = "INSERT INTO decision (kind, number, first_run, received_on, valid_at_first, valid, file, \"row\") VALUES "
        #expect(try probe(decisions + "('k', '一号', \(run), '2026-11-30', 1, 1, 'f', 2)") == "accepted")
        #expect(try probe(decisions + "('k', '二号', 999, '2026-11-30', 1, 1, 'f', 3)") == "23503")
        let portals = "INSERT INTO decision_portal (kind, number, portal) VALUES "
        #expect(try probe(portals + "('k', '一号', 'a'), ('k', '一号', 'b')") == "accepted")
        #expect(try probe(portals + "('k', '一号', 'c'), ('k', '三号', 'a')") == "23503")
        #expect(try probe(portals + "('other-kind', '一号', 'a')") == "23503")
        #expect(try server.psql("SELECT count(*) FROM decision_portal", database: name) == "2")
        let batches = """
            INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status, created_run, created_on) VALUES
            """
        #expect(try probe(batches + "('0123456789abcdef', 'a', 'f', 'k', 'publish', 'n', 'o', '\(hash)', 1, 'pending', \(run), '2026-11-30')") == "accepted")
        #expect(try probe(batches + "('fedcba9876543210', 'a', 'f', 'k', 'publish', 'n', 'o', '\(hash)', 1, 'pending', \(run), '2026-11-30')") == "accepted")
        func publication(_ key: String, batch: String) -> String {
            """
            INSERT INTO publication (portal, feed, kind, record_key, content_sha256, operation, batch_id, position, status, schema_version, profile_version)
            VALUES ('a', 'f', 'k', '\(key)', '\(hash)', 'publish', '\(batch)', 1, 'pending', 1, 1)
            """
        }
        #expect(try probe(publication("甲", batch: "0123456789abcdef")) == "accepted")
        #expect(try probe(publication("乙", batch: "ffffffffffffffff")) == "23503")
        // A reference never changes, even to a row that exists; set to itself, it is no change.
        #expect(try probe("UPDATE record SET first_run = \(other)") == "23001")
        #expect(try probe("UPDATE record SET first_run = first_run, decision_date = '2025-01-01'") == "accepted")
        #expect(try probe("UPDATE decision SET first_run = \(other)") == "23001")
        #expect(try probe("UPDATE decision_portal SET number = '三号' WHERE portal = 'a'") == "23001")
        #expect(try probe("UPDATE publication SET batch_id = 'fedcba9876543210'") == "23001")
        #expect(try probe("UPDATE publication SET status = 'failed'") == "accepted")
        // What the rows name is never deleted (even a row nothing names), truncated or re-keyed.
        #expect(try probe("DELETE FROM run WHERE id = \(other)") == "23001")
        #expect(try probe("DELETE FROM batch WHERE id = 'fedcba9876543210'") == "23001")
        #expect(try probe("DELETE FROM decision") == "23001")
        for table in ["run", "batch", "decision"] { #expect(try probe("TRUNCATE \(table) CASCADE") == "23001") }
        #expect(try probe("UPDATE run SET id = 999 WHERE id = \(other)") == "23001")
        #expect(try probe("UPDATE batch SET id = 'ffffffffffffffff' WHERE id = 'fedcba9876543210'") == "23001")
        #expect(try probe("UPDATE decision SET number = '三号'") == "23001")
        #expect(try probe("UPDATE run SET finished_at = 'z' WHERE id = \(other)") == "accepted")
        #expect(try server.psql("SELECT (SELECT count(*) FROM run) || ' ' || (SELECT count(*) FROM batch) || ' ' || (SELECT count(*) FROM decision)", database: name) == "2 2 1")
    }

    @Test("a statement whose connection closes with no answer ends as a lost connection, not a wait forever")
    func silentClose() throws {
        let (server, _, address) = try Self.database()
        let logger = Logger(label: "gongshi.test")
        let connection = try PostgresConnection.connect(
            on: PostgresConnection.defaultEventLoopGroup.any(), configuration: try address.configuration(password: server.password, connectTimeout: 10),
            id: 7, logger: logger
        ).wait()
        let link = Link(connection: connection, logger: logger)
        #expect(try link.rows("SELECT 41 + 1").first?.int(0) == 42)
        // An answer that never comes, on a connection that is gone (as once after pg_terminate_backend).
        let never = connection.eventLoop.makePromise(of: Int.self)
        try connection.close().wait()
        #expect(throws: ConnectionGone.self) { try link.answer(never.futureResult) }
        #expect(PostgresErrorText.isConnectionLost(ConnectionGone()))
        never.succeed(0)  // late: the wait has ended, the answer is dropped
    }
}

/// A value several threads set.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func set(_ new: Value) { lock.withLock { value = new } }
    func get() -> Value { lock.withLock { value } }
}
