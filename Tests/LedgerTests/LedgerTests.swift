import DisclosureCore
import Foundation
import GRDB
import GongshiTesting
import PostgreSQLLedger
import PostgresSupport
@testable import SQLiteLedger
import Testing

/// The ledger on a real SQLite file: migrations, constraints, the batch life cycle, the lock.
@Suite("Publication ledger")
struct LedgerTests {
    /// A fresh folder with a ledger path in it.
    static func freshPath() -> String {
        let folder = Scratch.root.appendingPathComponent("gongshi-ledger-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent("ledger.sqlite").path
    }

    /// A fresh ledger file migrated only up to `migration`, with what `write` puts in it: a ledger
    /// an older gongshi left behind.
    static func older(upTo migration: String, _ write: (Database) throws -> Void) throws -> String {
        let path = freshPath()
        let queue = try DatabaseQueue(path: path)
        try LedgerMigrations.migrator.migrate(queue, upTo: migration)
        try queue.write(write)
        try queue.close()
        return path
    }

    /// A migrated file is whole: SQLite's integrity check passes and no reference points nowhere.
    static func expectWhole(_ db: Database, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"], sourceLocation: sourceLocation)
        #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty, sourceLocation: sourceLocation)
    }

    static let hashA = String(repeating: "a", count: 64)
    static let hashB = String(repeating: "b", count: 64)

    static func batch(_ id: String, operation: BatchOperation = .publish, records: Int = 2) -> NewBatch {
        NewBatch(
            id: id, portal: "gsxt", feed: "penalty", kind: "administrative-penalty", operation: operation,
            fileName: "f-\(id).xml", outboxPath: "/outbox/f-\(id).xml", payloadSHA256: hashA, records: records,
            createdOn: "2026-11-30")
    }

    static func publication(_ key: String, hash: String = hashA, previous: String? = nil, correcting batch: String? = nil) -> NewPublication {
        NewPublication(
            key: key, contentSHA256: hash, previousSHA256: previous, correctsBatch: batch, decisionDate: "2026-11-20", dueOn: "2026-12-01",
            subjectCode: "91410100MA40Q8R26R", subjectName: "某公司", schemaVersion: 2, profileVersion: 1)
    }

    static func begin(_ ledger: any LedgerStore) throws -> Int64 {
        try ledger.beginRun(command: "test", today: "2026-11-30", startedAt: "2026-11-30T09:00:00+08:00", pipeline: nil, department: nil)
    }

    @Test("a new ledger is created mode 0600 with every named migration applied, in order")
    func createdPrivateAndMigrated() throws {
        let path = Self.freshPath()
        let ledger = try Ledger.open(path: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try ledger.appliedMigrations() == Self.migrations)
        // Opening again applies nothing twice.
        #expect(try Ledger.open(path: path).appliedMigrations() == Self.migrations)
    }

    @Test("a new ledger has 16 KiB pages, an older one keeps its 4 KiB; either way the writer's cache is 6 MiB of the file's own pages")
    func pageSizeAndCache() throws {
        // (pageSize, cacheSize) as the ledger's own writing connection sees them.
        func pages(_ ledger: Ledger) throws -> (Int?, Int?) {
            try ledger.read { db in
                (try Int.fetchOne(db, sql: "PRAGMA page_size"), try Int.fetchOne(db, sql: "PRAGMA cache_size"))
            }
        }
        let fresh = try Ledger.open(path: Self.freshPath())
        #expect(try pages(fresh) == (16384, 384))
        // A file an older gongshi made, with SQLite's default page size and some tables.
        let older = try Self.older(upTo: "2026-11-30 v1 ledger") { _ in }
        #expect(try DatabaseQueue(path: older).read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } == 4096)
        let migrated = try Ledger.open(path: older)
        #expect(try pages(migrated) == (4096, 1536))
        #expect(try migrated.appliedMigrations() == Self.migrations)
    }

    static let migrations = [
        "2026-11-30 v1 ledger", "2026-11-30 v2 per-record receipts", "2026-11-30 v3 settled source files", "2026-11-30 v4 republish",
        "2026-11-30 v5 reports and publication periods", "2026-12-03 v6 decision register", "2026-12-03 v7 portal periods",
        "2026-12-03 v8 compact register", "2026-12-04 v9 leaner ledger", "2026-12-04 v10 quicker re-run", "2026-12-04 v11 outbox stat",
        "2026-12-04 v12 subjects filled in order", "2026-12-05 v13 hashes as bytes, repeated texts once",
        "2026-12-05 v14 CHECK lists as comparisons", "2026-12-05 v15 kinds, portals and feeds by number",
        "2026-12-06 v16 a publication's batch by number", "2026-12-06 v17 a record's severity and regime by number",
        "2026-12-06 v18 a publication's status and operation by code", "2026-12-07 v19 a failed batch's earlier attempts",
        "2026-12-07 v20 a correction names what it corrects", "2026-12-07 v21 a file read again on a day",
        "2026-12-07 v22 a natural person's key", "2026-12-08 v23 a publication's record version", "2026-12-08 v24 a portal's own 信用修复 minimum",
    ]

    @Test("a v7 register is rebuilt in key order (v8) with every decision and portal row kept, and its constraints still hold")
    func compactRegister() throws {
        let path = try Self.older(upTo: "2026-12-03 v7 portal periods") { db in
            try db.execute(sql: "INSERT INTO run (command, today, started_at) VALUES ('run', '2026-11-30', 'x')")
            try db.execute(sql: """
                INSERT INTO decision (kind, number, decision_date, pipeline, first_run, received_on, valid_at_first, valid, file, row, revoked_on)
                VALUES ('administrative-penalty', '罚2', '2026-11-02', 'p', 1, '2026-11-30', 1, 1, 'a.csv', 3, NULL),
                       ('administrative-penalty', '罚1', NULL, 'p', 1, '2026-11-30', 0, 0, 'a.csv', 2, '2026-11-29');
                INSERT INTO decision_portal (kind, number, portal, due_on, exclusion, withdraw_due_on)
                VALUES ('administrative-penalty', '罚2', 'gsxt', '2026-11-11', NULL, NULL),
                       ('administrative-penalty', '罚1', 'gsxt', NULL, '无效', '2026-12-08');
                """)
        }
        let ledger = try Ledger.open(path: path)
        #expect(try ledger.appliedMigrations() == Self.migrations)
        var rows: [DecisionDeadline] = []
        try ledger.forEachDecision(scope: .all) { rows.append($0) }
        #expect(rows.map(\.number) == ["罚1", "罚2"])
        #expect(rows.map(\.dueOn) == [nil, "2026-11-11"])
        #expect(rows.map(\.exclusion) == ["无效", nil])
        #expect(rows.map(\.revokedOn) == ["2026-11-29", nil])
        #expect(rows.map(\.withdrawDueOn) == ["2026-12-08", nil])
        #expect(rows.map(\.valid) == [false, true])
        let check = try DatabaseQueue(path: path)
        try check.read { db in
            let plain = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'decision%' AND sql NOT LIKE '%WITHOUT ROWID%'")
            #expect(plain.isEmpty)
            #expect(try String.fetchOne(db, sql: "SELECT name FROM sqlite_master WHERE name = 'record_by_key'") == nil)
        }
        // A portal row for a decision that is not there is still refused (the foreign key).
        let foreign = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.foreignKeysEnabled = true; return c }())
        #expect(throws: DatabaseError.self) {
            try foreign.write { db in
                try db.execute(sql: "INSERT INTO decision_portal (kind, number, portal) VALUES ('administrative-penalty', '罚9', 'gsxt')")
            }
        }
    }

    @Test("a v8 ledger made leaner (v9): the record-key index gone, record versions in key order with their order kept; the latest version and a period counted from the first publication still found")
    func leanerLedger() throws {
        let hashC = String(repeating: "c", count: 64)
        // Two versions of 罚2 first seen by the same run, the later one (by rowid) with a larger hash.
        let path = try Self.older(upTo: "2026-12-03 v8 compact register") { db in
            try db.execute(sql: "INSERT INTO run (command, today, started_at) VALUES ('run', '2026-11-29', 'x')")
            for (hash, severity) in [(hashC, "严重"), (Self.hashB, "一般")] {
                try db.execute(
                    sql: """
                        INSERT INTO record (kind, record_key, content_sha256, decision_date, source_sha256, source_row, first_run,
                                            severity, severity_reason, regime, repair_from, expires_on)
                        VALUES ('administrative-penalty', '罚2', ?, '2026-11-01', ?, 2, 1, ?, '默认', 'ndrc-order-58', '2027-02-01', '2029-11-01')
                        """, arguments: [hash, Self.hashA, severity])
            }
        }
        let ledger = try Ledger.open(path: path)
        #expect(try ledger.appliedMigrations() == Self.migrations)
        #expect(try ledger.period(kind: "administrative-penalty", key: "罚2")?.severity == "一般")
        let run = try Self.begin(ledger)
        try ledger.recordPending(Self.batch("00000000000000b1", records: 1), publications: [Self.publication("罚1|某公司")], run: run)
        _ = try ledger.confirm(batch: "00000000000000b1", receipt: nil, on: "2026-11-30")
        func version(_ key: String, _ hash: String, _ severity: String) -> RecordVersion {
            var version = RecordVersion(
                kind: "administrative-penalty", key: key, contentSHA256: hash, decisionDate: "2026-11-20", sourceSHA256: Self.hashB,
                sourceRow: 2, period: RecordPeriod(severity: severity, severityReason: "小额罚款", regime: "samr-order-45", repairFrom: "2026-11-20", expiresOn: "2029-11-20"))
            version.portalPeriods = [
                PortalPeriod(portal: "gsxt", severity: severity, severityReason: "小额罚款", regime: "samr-order-45", months: 1, countedFrom: "publication_date")
            ]
            return version
        }
        // In one run, in two writes: the version recorded last is the latest, whatever its hash.
        try ledger.recordInputs([], records: [version("罚1|某公司", hashC, "严重")], run: run)
        try ledger.recordInputs([], records: [version("罚1|某公司", Self.hashA, "轻微"), version("罚2", Self.hashA, "轻微")], run: run)
        #expect(try ledger.period(kind: "administrative-penalty", key: "罚1|某公司")?.severity == "轻微")
        #expect(try ledger.period(kind: "administrative-penalty", key: "罚2")?.severity == "轻微")  // a later run's version
        // Published 2026-11-30: a month on gsxt from that day.
        #expect(try ledger.expired(today: "2026-12-29", kind: nil).isEmpty)
        #expect(try ledger.expired(today: "2026-12-30", kind: nil).map { "\($0.publication.key) \($0.expiresOn ?? "") \($0.severity ?? "")" } == ["罚1|某公司 2026-12-30 轻微"])
        let check = try DatabaseQueue(path: path)
        let (indexes, record, versions) = try check.read { db in
            (
                try String.fetchSet(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'publication_by_%'"),
                try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'record'") ?? "",
                try Int.fetchOne(db, sql: "SELECT count(*) FROM record") ?? 0
            )
        }
        #expect(indexes == ["publication_by_batch", "publication_by_batch_status", "publication_by_decision", "publication_by_person"])
        let rejected = try check.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'publication_rejected'")
        }
        #expect(rejected == ["publication_rejected"])
        #expect(record.hasSuffix("WITHOUT ROWID"))
        #expect(versions == 5)
        // A version seen again is still refused twice (the key).
        try ledger.recordInputs([], records: [version("罚2", Self.hashA, "严重")], run: run)
        #expect(try ledger.period(kind: "administrative-penalty", key: "罚2")?.severity == "轻微")
    }

    @Test("whether a file of a size was settled at a place: only a settled one counts, at that place and of that size", arguments: Backend.allCases)
    func settledPlaceAndSize(_ backend: Backend) throws {
        let ledger = try backend.fresh().store
        let run = try Self.begin(ledger)
        let settled = SourceFingerprint(sha256: String(repeating: "5", count: 64), size: 180_772_721, place: "/in/a.csv")
        let recorded = SourceFingerprint(sha256: String(repeating: "6", count: 64), size: 10, place: "/in/b.csv")
        try ledger.recordInputs([settled, recorded], records: [], run: run)
        #expect(try ledger.hasSettled(place: "/in/a.csv", size: 180_772_721) == false)  // recorded, not yet settled
        try ledger.settle([settled], run: run)
        #expect(try ledger.hasSettled(place: "/in/a.csv", size: 180_772_721))
        #expect(try ledger.hasSettled(place: "/in/a.csv", size: 180_772_722) == false)
        #expect(try ledger.hasSettled(place: "/in/b.csv", size: 10) == false)
        #expect(try ledger.hasSettled(place: "/in/c.csv", size: 180_772_721) == false)
    }

    @Test("the run that settled each file, by place: only files settled with those bytes, the later run's after a file is read again", arguments: Backend.allCases)
    func settledRunsByPlace(_ backend: Backend) throws {
        let ledger = try backend.fresh().store
        let memory = InMemoryLedger()
        for ledger in [ledger as any RunLedger, memory] {
            let first = try ledger.beginRun(command: "run pen", today: "2026-11-03", startedAt: "2026-11-03T01:00:00Z", pipeline: "pen", department: nil)
            let a = SourceFingerprint(sha256: String(repeating: "a", count: 64), size: 10, place: "/in/a.csv")
            var b = SourceFingerprint(sha256: String(repeating: "b", count: 64), size: 10, place: "/in/b.csv")
            let changed = SourceFingerprint(sha256: String(repeating: "c", count: 64), size: 10, place: "/in/a.csv")
            let recorded = SourceFingerprint(sha256: String(repeating: "d", count: 64), size: 10, place: "/in/d.csv")
            try ledger.recordInputs([a, b, recorded], records: [], run: first)
            b.readAgainOn = "2026-11-04"
            try ledger.settle([a, b], run: first)
            #expect(try ledger.settledRuns([a, b, changed, recorded]) == ["/in/a.csv": first, "/in/b.csv": first])
            #expect(try ledger.settledRuns([]) == [:])
            let second = try ledger.beginRun(command: "run pen", today: "2026-11-04", startedAt: "2026-11-04T01:00:00Z", pipeline: "pen", department: nil)
            #expect(try ledger.unsettleDue(today: "2026-11-04") == ["/in/b.csv"])
            #expect(try ledger.settledRuns([a, b]) == ["/in/a.csv": first])
            b.readAgainOn = nil
            try ledger.settle([b], run: second)
            #expect(try ledger.settledRuns([changed, b, a]) == ["/in/a.csv": first, "/in/b.csv": second])
        }
    }

    @Test("a file settled until a day: settled before it (its day known by its stat too), unsettled on it, once", arguments: Backend.allCases)
    func settledUntilADay(_ backend: Backend) throws {
        let ledger = try backend.fresh().store
        let run = try Self.begin(ledger)
        var file = SourceFingerprint(sha256: String(repeating: "7", count: 64), size: 10, place: "/in/a.csv", stat: "1:2:10:3:4")
        try ledger.recordInputs([file], records: [], run: run)
        file.readAgainOn = "2026-12-05"
        try ledger.settle([file], run: run)
        #expect(try ledger.settledFingerprint(place: "/in/a.csv", stat: "1:2:10:3:4")?.readAgainOn == "2026-12-05")
        #expect(try ledger.unsettleDue(today: "2026-12-04") == [])
        #expect(try ledger.isSettled(file))
        #expect(try ledger.dueToReadAgain(today: "2026-12-04") == [])
        #expect(try ledger.dueToReadAgain(today: "2026-12-05") == ["/in/a.csv"])
        #expect(try ledger.isSettled(file), "only asked")
        #expect(try ledger.unsettleDue(today: "2026-12-05") == ["/in/a.csv"])
        #expect(try ledger.isSettled(file) == false)
        #expect(try ledger.unsettleDue(today: "2026-12-06") == [])
    }

    @Test("a record version whose content hash is not 64 hex digits is refused, not skipped, and nothing of its chunk is written", arguments: Backend.allCases)
    func malformedVersionHashRefused(_ backend: Backend) throws {
        let fresh = try backend.fresh()
        let ledger = fresh.store
        let run = try Self.begin(ledger)
        let source = String(repeating: "5", count: 64)
        func version(_ key: String, hash: String) -> RecordVersion {
            RecordVersion(kind: "k", key: key, contentSHA256: hash, decisionDate: "2026-11-20", sourceSHA256: source, sourceRow: 2)
        }
        // (The shared ledger checks a hash's length only: 64 characters that are not hex digits are
        // SQLite's alone to refuse, where a hash is stored as its bytes.)
        let malformedHashes = [String(repeating: "a", count: 63), ""] + (backend == .sqlite ? [String(repeating: "g", count: 64)] : [])
        for malformed in malformedHashes {
            // As the run writes them (prepared, then written), and in one call.
            #expect(throws: LedgerError.self, "\(malformed)") {
                try ledger.preparing(records: [version("罚1", hash: Self.hashA), version("罚2", hash: malformed)], run: run).write()
            }
            #expect(throws: LedgerError.self, "\(malformed)") {
                try ledger.recordInputs([], records: [version("罚1", hash: Self.hashA), version("罚2", hash: malformed)], run: run)
            }
        }
        if backend == .sqlite {
            #expect(try DatabaseQueue(path: fresh.location).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM record") } == 0)
        }
        // The same chunk with well-formed hashes is written whole, a version seen again kept once.
        try ledger.preparing(records: [version("罚1", hash: Self.hashA), version("罚2", hash: String(repeating: "b", count: 64))], run: run).write()
        try ledger.preparing(records: [version("罚1", hash: Self.hashA)], run: run).write()
        if backend == .sqlite {
            #expect(try DatabaseQueue(path: fresh.location).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM record") } == 2)
        }
    }

    @Test("texts stored by number are told apart by every byte, however many a write names: files, reasons, regimes, kinds and portals of the same length, in record versions and in the register")
    func textNumbersByEveryByte() throws {
        let path = Self.freshPath()
        let ledger = try Ledger.open(path: path)
        let run = try Self.begin(ledger)
        // Twenty files (more than the writer remembers at once), all fingerprints 64 digits long;
        // two kinds, reasons, regimes and portals of the same length each.
        let files = (0..<20).map { String(repeating: String(format: "%02x", $0), count: 32) }
        var versions: [RecordVersion] = []
        for (index, file) in files.enumerated() {
            var version = RecordVersion(
                kind: index % 2 == 0 ? "kind-aa" : "kind-bb", key: "罚\(index)", contentSHA256: Self.hashA, decisionDate: "2026-11-20",
                sourceSHA256: file, sourceRow: index + 2,
                period: RecordPeriod(severity: "一般", severityReason: index % 3 == 0 ? "甲理由" : "乙理由", regime: index % 2 == 0 ? "r-1" : "r-2", repairFrom: nil, expiresOn: nil))
            version.portalPeriods = [
                PortalPeriod(
                    portal: index % 2 == 0 ? "port-a" : "port-b", severity: "一般", severityReason: "x", regime: nil, months: 1,
                    countedFrom: "publication_date")
            ]
            versions.append(version)
        }
        // Prepared on this thread and written as the run writes them.
        try ledger.preparing(records: versions, run: run).write()
        try ledger.preparing(
            decisions: files.indices.map { index in
                (
                    DecisionSighting(number: "罚\(index)", decisionDate: "2026-11-20", file: "/in/\(index % 10).csv", row: index + 2, valid: true),
                    [
                        DecisionPortal(portal: "port-a", dueOn: "2026-12-01", exclusion: .some(nil)),
                        DecisionPortal(portal: "port-b", dueOn: nil, exclusion: .some(index % 4 == 0 ? "理由" : nil)),
                    ]
                )
            }, kind: "kind-aa", pipeline: "p", run: run, today: "2026-11-30"
        ).write()
        let check = try DatabaseQueue(path: path)
        let text = { (column: String) in TextValues.text(of: column) }
        let stored = try check.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT record_key, \(text("kind_id")), \(text("source")), \(text("severity_reason")), \(text("regime_id")), source_row
                    FROM record ORDER BY source_row
                    """
            ).map { [$0[0], $0[1], $0[2], $0[3], $0[4]] as [String] }
        }
        #expect(stored == files.enumerated().map { index, file in
            ["罚\(index)", index % 2 == 0 ? "kind-aa" : "kind-bb", file, index % 3 == 0 ? "甲理由" : "乙理由", index % 2 == 0 ? "r-1" : "r-2"]
        })
        let periods = try check.read { db in
            try Row.fetchAll(db, sql: "SELECT record_key, \(text("kind_id")), \(text("portal_id")) FROM portal_period").map { "\($0[0] as String) \($0[1] as String) \($0[2] as String)" }
        }
        #expect(Set(periods) == Set(files.indices.map { "罚\($0) \($0 % 2 == 0 ? "kind-aa port-a" : "kind-bb port-b")" }))
        let register = try check.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.number, \(text("d.file")), \(text("dp.portal_id")), coalesce(dp.due_on, '-'), coalesce(dp.exclusion, '-'), d.row
                    FROM decision d JOIN decision_portal dp USING (kind_id, number) ORDER BY d.row, 3
                    """
            ).map { "\($0[0] as String) \($0[1] as String) \($0[2] as String) \($0[3] as String) \($0[4] as String)" }
        }
        #expect(register == files.indices.flatMap { index in
            [
                "罚\(index) /in/\(index % 10).csv port-a 2026-12-01 -",
                "罚\(index) /in/\(index % 10).csv port-b - \(index % 4 == 0 ? "理由" : "-")",
            ]
        })
    }

    @Test("a v12 ledger's hashes become their bytes and its repeated texts numbers (v13): every hash and text reads back the same, a failed batch still unsettles its source file, and a malformed hash is refused")
    func hashesAsBytes() throws {
        let source = SourceFingerprint(sha256: String(repeating: "5", count: 64), size: 10, place: "/in/a.csv", stat: nil)
        let hashC = String(repeating: "0123456789abcdef", count: 4)
        let path = try Self.older(upTo: "2026-12-04 v12 subjects filled in order") { db in
            try db.execute(sql: "INSERT INTO run (command, today, started_at) VALUES ('run', '2026-11-29', 'x')")
            try db.execute(
                sql: "INSERT INTO source_file (sha256, size, place, first_run, last_run, settled_run) VALUES (?, 10, '/in/a.csv', 1, 1, 1)",
                arguments: [source.sha256])
            try db.execute(
                sql: """
                    INSERT INTO record (kind, record_key, content_sha256, decision_date, source_sha256, source_row, first_run,
                                        severity, severity_reason, regime, repair_from, expires_on, seq)
                    VALUES ('administrative-penalty', '罚1', ?, '2026-11-01', ?, 2, 1, '一般', '没有适用的规则，默认 → 一般', 'ndrc-order-58',
                            '2027-02-01', '2029-11-01', 1)
                    """, arguments: [hashC, source.sha256])
            try db.execute(sql: """
                INSERT INTO decision (kind, number, decision_date, pipeline, first_run, received_on, valid_at_first, valid, file, row)
                VALUES ('administrative-penalty', '罚1', '2026-11-01', 'p', 1, '2026-11-29', 1, 1, '/in/a.csv', 2)
                """)
            try db.execute(sql: """
                INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status,
                                   created_run, created_on)
                VALUES ('00000000000000c1', 'gsxt', 'penalty', 'administrative-penalty', 'correct', 'f', '/f', ?, 1, 'pending', 1, '2026-11-30')
                """, arguments: [Self.hashA])
            try db.execute(sql: """
                INSERT INTO publication (portal, feed, kind, record_key, content_sha256, previous_sha256, operation, batch_id, position,
                                         status, schema_version, profile_version, decision_number)
                VALUES ('gsxt', 'penalty', 'administrative-penalty', '罚1', ?, ?, 'correct', '00000000000000c1', 1, 'pending', 2, 1, '罚1')
                """, arguments: [hashC, Self.hashB])
        }
        let ledger = try Ledger.open(path: path)
        #expect(try ledger.appliedMigrations() == Self.migrations)
        let entry = try #require(try ledger.publications(batch: "00000000000000c1").first)
        #expect(entry.contentSHA256 == hashC && entry.previousSHA256 == Self.hashB)
        #expect(try ledger.currentPublications(portal: "gsxt", feed: "penalty", keys: ["罚1"])["罚1"]?.contentSHA256 == hashC)
        let period = try ledger.period(kind: "administrative-penalty", key: "罚1")
        #expect(period?.severity == "一般" && period?.severityReason == "没有适用的规则，默认 → 一般")
        let check = try DatabaseQueue(path: path)
        let stored = try check.read { db in
            try String.fetchAll(db, sql: """
                SELECT typeof(content_sha256) || length(content_sha256) || typeof(source) || typeof(severity_reason) FROM record
                UNION ALL SELECT typeof(content_sha256) || length(content_sha256) || typeof(previous_sha256) FROM publication
                UNION ALL SELECT typeof(file) FROM decision
                UNION ALL SELECT t.text FROM record r JOIN text_value t ON t.id = r.source
                UNION ALL SELECT t.text FROM decision d JOIN text_value t ON t.id = d.file
                """)
        }
        #expect(stored == ["blob32integerinteger", "blob32blob", "integer", source.sha256, "/in/a.csv"])
        // A new version of the same file's record is written the same way, its source shared.
        let run = try Self.begin(ledger)
        let version = RecordVersion(
            kind: "administrative-penalty", key: "罚2", contentSHA256: Self.hashA.uppercased(), decisionDate: "2026-11-20",
            sourceSHA256: source.sha256, sourceRow: 3, period: nil)
        try ledger.recordInputs([], records: [version], run: run)
        try ledger.recordDecisions(
            [(DecisionSighting(number: "罚2", decisionDate: "2026-11-20", file: "/in/a.csv", row: 3, valid: true), [])],
            kind: "administrative-penalty", pipeline: "p", run: run, today: "2026-11-30")
        // One text each: the file's hash, the reason, the file's path; (v15) the kind, the portal, the
        // feed; (v17) the regime.
        #expect(try check.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM text_value") } == 7)
        #expect(try check.read { db in try String.fetchOne(db, sql: "SELECT lower(hex(content_sha256)) FROM record WHERE record_key = '罚2'") } == Self.hashA)
        // The failed batch's record came from the file: the file is read again by the next nightly run.
        #expect(try ledger.isSettled(source))
        #expect(try ledger.fail(batch: "00000000000000c1", reason: "门户拒收"))
        #expect(try ledger.isSettled(source) == false)
        // A hash that is not 64 hex digits is an error, never stored as something else.
        #expect(throws: LedgerError.self) {
            try ledger.recordPending(Self.batch("00000000000000c2", records: 1), publications: [Self.publication("罚3", hash: "xyz")], run: run)
        }
        #expect(try ledger.batch("00000000000000c2") == nil)
    }

    @Test("migrations that rebuild tables do not leave the file a quarter free: it is compacted once, every row kept")
    func compactedAfterMigrating() throws {
        let path = try Self.older(upTo: "2026-12-05 v15 kinds, portals and feeds by number") { db in
            try db.execute(sql: """
                INSERT INTO run (command, today, started_at) VALUES ('run', '2026-11-29', 'x');
                INSERT INTO text_value (text) VALUES ('administrative-penalty'), ('gsxt'), ('penalty'), ('\(Self.hashB)');
                INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status,
                                   created_run, created_on)
                VALUES ('00000000000000f1', 'gsxt', 'penalty', 'administrative-penalty', 'publish', 'f1', '/f1', '\(Self.hashA)', 3000,
                        'pending', 1, '2026-11-05');
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
                INSERT INTO publication (portal_id, feed_id, kind_id, record_key, content_sha256, operation, batch_id, position, status,
                                         subject_name, schema_version, profile_version, decision_number)
                SELECT 2, 3, 1, '罚' || i || '|某某商贸有限公司第' || i || '分公司', randomblob(32), 'publish', '00000000000000f1', i, 'pending',
                       '某某商贸有限公司第' || i || '分公司', 2, 1, '罚' || i FROM n;
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
                INSERT INTO record (kind_id, record_key, content_sha256, decision_date, source, source_row, first_run, severity, regime, seq)
                SELECT 1, '罚' || i || '|某某商贸有限公司第' || i || '分公司', randomblob(32), '2026-11-01', 4, i + 1, 1, '一般', 'ndrc-order-58', i FROM n;
                """)
        }
        let size = { (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        let before = try size()
        let ledger = try Ledger.open(path: path)
        #expect(try ledger.appliedMigrations() == Self.migrations)
        #expect(try size() < before)
        #expect(try ledger.publications(batch: "00000000000000f1").count == 3000)
        #expect(try ledger.history(key: "罚2999").map(\.subjectName) == ["某某商贸有限公司第2999分公司"])
        let check = try DatabaseQueue(path: path)
        try check.read { db in
            let (free, pages) = (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0, try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0)
            #expect(free * 4 <= pages, "\(free) of \(pages) pages free")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM record") == 3000)
            try Self.expectWhole(db)
        }
    }

    @Test("a v17 ledger's publication states and operations become codes (v18): histories, the summary, the planner's state, the register's sums and the rejected (through their index) read the same")
    func statesByCode() throws {
        let path = try Self.older(upTo: "2026-12-06 v17 a record's severity and regime by number") { db in
            try db.execute(sql: """
                INSERT INTO run (command, today, started_at) VALUES ('run', '2026-11-29', 'x');
                INSERT INTO text_value (text) VALUES ('administrative-penalty'), ('gsxt'), ('penalty'), ('/in/a.csv');
                INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status,
                                   created_run, created_on, confirmed_on)
                VALUES ('00000000000000f1', 'gsxt', 'penalty', 'administrative-penalty', 'publish', 'f1', '/f1', '\(Self.hashA)', 5,
                        'published', 1, '2026-11-05', '2026-11-05');
                INSERT INTO publication (portal_id, feed_id, kind_id, record_key, content_sha256, previous_sha256, operation, republish_on,
                                         batch_no, position, status, reason, published_on, schema_version, profile_version, decision_number)
                VALUES (2, 3, 1, '罚1', zeroblob(32), NULL, 'publish', '', 1, 1, 'published', NULL, '2026-11-05', 2, 1, '罚1'),
                       (2, 3, 1, '罚1', randomblob(32), zeroblob(32), 'correct', '', 1, 2, 'pending', NULL, NULL, 2, 1, '罚1'),
                       (2, 3, 1, '罚2', zeroblob(32), NULL, 'publish', '', 1, 3, 'rejected', '格式错误', NULL, 2, 1, '罚2'),
                       (2, 3, 1, '罚3', zeroblob(32), NULL, 'republish', '2026-11-05', 1, 4, 'failed', NULL, NULL, 2, 1, '罚3'),
                       (2, 3, 1, '罚4', zeroblob(32), NULL, 'publish', '', 1, 5, 'withdrawn', NULL, '2026-11-05', 2, 1, '罚4');
                INSERT INTO decision (kind_id, number, decision_date, pipeline, first_run, received_on, valid_at_first, valid, file, row)
                VALUES (1, '罚1', '2026-11-01', 'p', 1, '2026-11-29', 1, 1, 4, 2), (1, '罚2', '2026-11-01', 'p', 1, '2026-11-29', 1, 1, 4, 3),
                       (1, '罚3', '2026-11-01', 'p', 1, '2026-11-29', 1, 1, 4, 4), (1, '罚4', '2026-11-01', 'p', 1, '2026-11-29', 1, 1, 4, 5);
                INSERT INTO decision_portal (kind_id, number, portal_id, due_on)
                VALUES (1, '罚1', 2, '2026-11-10'), (1, '罚2', 2, '2026-11-10'), (1, '罚3', 2, '2026-11-10'), (1, '罚4', 2, '2026-11-10');
                """)
        }
        let ledger = try Ledger.open(path: path)
        #expect(try ledger.appliedMigrations() == Self.migrations)
        let states = try ["罚1", "罚2", "罚3", "罚4"].flatMap { try ledger.history(key: $0) }.map { "\($0.key) \($0.operation.rawValue) \($0.status.rawValue)" }
        #expect(
            states == ["罚1 publish published", "罚1 correct pending", "罚2 publish rejected", "罚3 republish failed", "罚4 publish withdrawn"])
        #expect(try ledger.summary(today: "2026-12-01").publications == [.published: 1, .pending: 1, .rejected: 1, .failed: 1, .withdrawn: 1])
        // The planner's state: the latest publication that did not fail.
        let current = try ledger.currentPublications(portal: "gsxt", feed: "penalty", keys: ["罚1", "罚2", "罚3", "罚4"]).mapValues(\.status)
        #expect(current == ["罚1": .pending, "罚2": .rejected, "罚4": .withdrawn])
        // The register's sums of each decision's publications.
        var register: [String] = []
        try ledger.forEachDecision(scope: .all) { register.append("\($0.number) \($0.publishedOn ?? "-") \($0.withdrawn) \($0.rejected)") }
        #expect(register == ["罚1 2026-11-05 false false", "罚2 - false true", "罚3 - false false", "罚4 2026-11-05 true false"])
        let check = try DatabaseQueue(path: path)
        try check.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM pragma_table_info('publication') WHERE name IN ('status', 'operation')") == 0)
            // The report's rejected are still found through their partial index, not the table.
            let plan = try String.fetchAll(
                db,
                sql: """
                    EXPLAIN QUERY PLAN SELECT count(*) FROM publication p JOIN batch b ON b.no = p.batch_no JOIN run r ON r.id = b.created_run
                    WHERE p.status_code = \(PublicationCode.rejected) AND (p.decision_date BETWEEN '2026-01-01' AND '2026-12-31'
                                                                        OR b.created_on BETWEEN '2026-01-01' AND '2026-12-31')
                    """,
                adapter: ColumnMapping(["detail": "detail"]))
            #expect(plan.contains { $0.contains("publication_rejected") }, "\(plan)")
            try Self.expectWhole(db)
        }
    }

    @Test("a v16 ledger's severities and regimes become numbers (v17): a record's period, the ended and the 信用修复-eligible read the same texts back; a new version too")
    func severitiesAndRegimesByNumber() throws {
        let path = try Self.older(upTo: "2026-12-06 v16 a publication's batch by number") { db in
            try db.execute(sql: """
                INSERT INTO run (command, today, started_at) VALUES ('run', '2026-11-29', 'x');
                INSERT INTO text_value (text) VALUES ('administrative-penalty'), ('gsxt'), ('penalty'), ('\(Self.hashB)'), ('按裁量基准');
                INSERT INTO record (kind_id, record_key, content_sha256, decision_date, source, source_row, first_run, severity,
                                    severity_reason, regime, repair_from, expires_on, seq)
                VALUES (1, '罚1', zeroblob(32), '2026-11-01', 4, 2, 1, '一般', 5, 'ndrc-order-58', '2027-02-01', '2029-11-01', 1),
                       (1, '罚2', zeroblob(32), '2026-11-02', 4, 3, 1, '严重', 5, 'gb-2023', '2028-11-02', '2029-11-02', 2),
                       (1, '罚3', zeroblob(32), '2026-11-03', 4, 4, 1, NULL, NULL, NULL, NULL, NULL, 3);
                INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status,
                                   created_run, created_on, confirmed_on)
                VALUES ('00000000000000f1', 'gsxt', 'penalty', 'administrative-penalty', 'publish', 'f1', '/f1', '\(Self.hashA)', 2,
                        'published', 1, '2026-11-05', '2026-11-05');
                INSERT INTO publication (portal_id, feed_id, kind_id, record_key, content_sha256, operation, batch_no, position, status,
                                         published_on, schema_version, profile_version, decision_number)
                VALUES (2, 3, 1, '罚1', zeroblob(32), 'publish', 1, 1, 'published', '2026-11-05', 2, 1, '罚1'),
                       (2, 3, 1, '罚2', zeroblob(32), 'publish', 1, 2, 'published', '2026-11-05', 2, 1, '罚2');
                """)
        }
        let ledger = try Ledger.open(path: path)
        #expect(try ledger.appliedMigrations() == Self.migrations)
        let kind = "administrative-penalty"
        #expect(
            try ledger.period(kind: kind, key: "罚1")
                == RecordPeriod(severity: "一般", severityReason: "按裁量基准", regime: "ndrc-order-58", repairFrom: "2027-02-01", expiresOn: "2029-11-01"))
        #expect(try ledger.period(kind: kind, key: "罚2")?.severity == "严重")
        #expect(try ledger.period(kind: kind, key: "罚3") == nil)
        let eligible = try ledger.repairEligible(today: "2027-03-01", kind: kind).map { "\($0.publication.key) \($0.severity ?? "-") \($0.regime ?? "-")" }
        #expect(eligible == ["罚1 一般 ndrc-order-58"])
        let ended = try ledger.expired(today: "2029-11-02", kind: kind).map { "\($0.publication.key) \($0.severity ?? "-") \($0.regime ?? "-")" }
        #expect(ended == ["罚1 一般 ndrc-order-58", "罚2 严重 gb-2023"])
        // A version recorded after the migration is written and read the same way.
        let run = try Self.begin(ledger)
        let period = RecordPeriod(severity: "轻微", severityReason: "首违", regime: "gb-2023", repairFrom: nil, expiresOn: "2027-11-04")
        try ledger.recordInputs(
            [], records: [RecordVersion(kind: kind, key: "罚4", contentSHA256: Self.hashB, decisionDate: "2026-11-04", sourceSHA256: Self.hashB, sourceRow: 5, period: period)],
            run: run)
        #expect(try ledger.period(kind: kind, key: "罚4") == period)
        let check = try DatabaseQueue(path: path)
        try check.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM pragma_table_info('record') WHERE name IN ('severity', 'regime')") == 0)
            let stored = try String.fetchAll(db, sql: "SELECT typeof(severity_code) || ':' || coalesce(severity_code, '-') || ' ' || typeof(regime_id) FROM record ORDER BY record_key")
            #expect(stored == ["integer:2 integer", "integer:3 integer", "null:- null", "integer:1 integer"])
            try Self.expectWhole(db)
        }
    }

    @Test("a v15 ledger's publications name their batch by number (v16): every batch's rows, a record's history, the planner's state and a withdrawal's items read the same batch ids back; new batches follow on")
    func batchesByNumber() throws {
        let path = try Self.older(upTo: "2026-12-05 v15 kinds, portals and feeds by number") { db in
            try db.execute(sql: """
                INSERT INTO run (command, today, started_at) VALUES ('run', '2026-11-29', 'x');
                INSERT INTO text_value (text) VALUES ('administrative-penalty'), ('gsxt'), ('penalty');
                INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status,
                                   created_run, created_on, confirmed_on)
                VALUES ('00000000000000f1', 'gsxt', 'penalty', 'administrative-penalty', 'publish', 'f1', '/f1', '\(Self.hashA)', 1,
                        'published', 1, '2026-11-05', '2026-11-05'),
                       ('00000000000000e2', 'gsxt', 'penalty', 'administrative-penalty', 'publish', 'f2', '/f2', '\(Self.hashA)', 2,
                        'pending', 1, '2026-11-06', NULL),
                       ('00000000000000d3', 'gsxt', 'penalty', 'administrative-penalty', 'withdraw', 'f3', '/f3', '\(Self.hashA)', 1,
                        'pending', 1, '2026-11-07', NULL);
                INSERT INTO publication (portal_id, feed_id, kind_id, record_key, content_sha256, operation, batch_id, position, status,
                                         published_on, schema_version, profile_version, decision_number)
                VALUES (2, 3, 1, '罚1', zeroblob(32), 'publish', '00000000000000f1', 1, 'published', '2026-11-05', 2, 1, '罚1'),
                       (2, 3, 1, '罚3', zeroblob(32), 'publish', '00000000000000e2', 2, 'pending', NULL, 2, 1, '罚3'),
                       (2, 3, 1, '罚2', zeroblob(32), 'publish', '00000000000000e2', 1, 'pending', NULL, 2, 1, '罚2');
                INSERT INTO withdrawal (publication_id, reason, requested_on, batch_id, status)
                VALUES (1, '信用修复', '2026-11-07', '00000000000000d3', 'pending');
                """)
        }
        let ledger = try Ledger.open(path: path)
        #expect(try ledger.appliedMigrations() == Self.migrations)
        // The batches in their order (not their ids'), each with its rows in position order.
        #expect(try ledger.batches().map(\.id) == ["00000000000000f1", "00000000000000e2", "00000000000000d3"])
        let rows = try ledger.publications(batch: "00000000000000e2").map { "\($0.key)@\($0.position) \($0.batchID)" }
        #expect(rows == ["罚2@1 00000000000000e2", "罚3@2 00000000000000e2"])
        #expect(try ledger.history(key: "罚1").map(\.batchID) == ["00000000000000f1"])
        let current = try ledger.currentPublications(portal: "gsxt", feed: "penalty", keys: ["罚1", "罚3"]).mapValues(\.batchID)
        #expect(current == ["罚1": "00000000000000f1", "罚3": "00000000000000e2"])
        let items = try ledger.withdrawalItems(batch: "00000000000000d3").map { "\($0.batchID)#\($0.position)" }
        #expect(items == ["00000000000000f1#1"])
        // Confirming a batch by its id reaches its rows, and only them.
        #expect(try ledger.confirm(batch: "00000000000000e2", receipt: nil, on: "2026-11-08") == .confirmed(records: 2))
        #expect(try ledger.history(key: "罚1").map(\.publishedOn) == ["2026-11-05"])
        // A batch recorded after the migration takes the next number.
        let run = try Self.begin(ledger)
        try ledger.recordPending(Self.batch("00000000000000c4", records: 1), publications: [Self.publication("罚4")], run: run)
        #expect(try ledger.publications(batch: "00000000000000c4").map(\.key) == ["罚4"])
        let check = try DatabaseQueue(path: path)
        try check.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM pragma_table_info('publication') WHERE name = 'batch_id'") == 0)
            let numbers = try String.fetchAll(db, sql: "SELECT typeof(batch_no) || ':' || batch_no FROM publication ORDER BY id")
            #expect(numbers == ["integer:1", "integer:2", "integer:2", "integer:4"])
            let batches = try String.fetchAll(db, sql: "SELECT no || ' ' || id FROM batch ORDER BY no")
            #expect(batches == ["1 00000000000000f1", "2 00000000000000e2", "3 00000000000000d3", "4 00000000000000c4"])
            try Self.expectWhole(db)
        }
    }

    @Test("a v14 ledger's kinds, portals and feeds become numbers (v15): the register, a record's history, the planner's question and a portal's own period read the same names back, in the names' order")
    func namesAsNumbers() throws {
        let path = try Self.older(upTo: "2026-12-05 v14 CHECK lists as comparisons") { db in
            try db.execute(sql: """
                INSERT INTO run (command, today, started_at) VALUES ('run', '2026-11-29', 'x');
                INSERT INTO text_value (text) VALUES ('/in/a.csv');
                INSERT INTO record (kind, record_key, content_sha256, decision_date, source, source_row, first_run,
                                    severity, regime, repair_from, expires_on, seq)
                VALUES ('administrative-penalty', '罚1', zeroblob(32), '2026-11-01', 1, 2, 1, '一般', 'ndrc-order-58', '2027-02-01', '2029-11-01', 1);
                INSERT INTO decision (kind, number, decision_date, pipeline, first_run, received_on, valid_at_first, valid, file, row)
                VALUES ('administrative-penalty', '罚1', '2026-11-01', 'p', 1, '2026-11-29', 1, 1, 1, 2),
                       ('administrative-license', '许1', '2026-11-02', 'p', 1, '2026-11-29', 1, 1, 1, 3);
                INSERT INTO decision_portal (kind, number, portal, due_on) VALUES ('administrative-penalty', '罚1', 'gsxt', '2026-11-10'),
                    ('administrative-penalty', '罚1', 'creditchina', '2026-11-10'), ('administrative-license', '许1', 'gsxt', '2026-11-11');
                INSERT INTO portal_period (kind, record_key, portal, severity, months, counted_from)
                VALUES ('administrative-penalty', '罚1', 'gsxt', '一般', 6, 'publication_date');
                """)
            try db.execute(sql: """
                INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status,
                                   created_run, created_on, confirmed_on)
                VALUES ('00000000000000d1', 'gsxt', 'penalty', 'administrative-penalty', 'publish', 'f', '/f', ?, 1, 'published', 1,
                        '2026-11-05', '2026-11-05')
                """, arguments: [Self.hashA])
            try db.execute(sql: """
                INSERT INTO publication (portal, feed, kind, record_key, content_sha256, operation, batch_id, position, status,
                                         published_on, schema_version, profile_version, decision_number)
                VALUES ('gsxt', 'penalty', 'administrative-penalty', '罚1', zeroblob(32), 'publish', '00000000000000d1', 1, 'published',
                        '2026-11-05', 2, 1, '罚1')
                """)
        }
        let ledger = try Ledger.open(path: path)
        #expect(try ledger.appliedMigrations() == Self.migrations)
        // The register in the names' order (license before penalty, creditchina before gsxt), with its publication.
        var rows: [String] = []
        try ledger.forEachDecision(scope: .all) { rows.append("\($0.kind) \($0.number) \($0.portal) \($0.publishedOn ?? "-")") }
        #expect(
            rows == [
                "administrative-license 许1 gsxt -", "administrative-penalty 罚1 creditchina -", "administrative-penalty 罚1 gsxt 2026-11-05",
            ])
        var penalties: [String] = []
        try ledger.forEachDecision(scope: DecisionScope(kind: "administrative-penalty", portals: ["gsxt"])) { penalties.append($0.number) }
        #expect(penalties == ["罚1"])
        let entry = try #require(try ledger.history(key: "罚1").first)
        #expect([entry.portal, entry.feed, entry.kind] == ["gsxt", "penalty", "administrative-penalty"])
        #expect(try ledger.currentPublications(portal: "gsxt", feed: "penalty", keys: ["罚1"])["罚1"]?.status == .published)
        #expect(try ledger.currentPublications(portal: "nowhere", feed: "penalty", keys: ["罚1"]).isEmpty)
        #expect(try ledger.publicationKeySpan(portal: "gsxt", feed: "penalty") == .keys(first: "罚1", last: "罚1"))
        // The portal's own six months, counted from its publication on 2026-11-05.
        #expect(try ledger.expired(today: "2027-05-04", kind: "administrative-penalty").isEmpty)
        let ended = try ledger.expired(today: "2027-05-05", kind: "administrative-penalty")
        #expect(ended.map(\.expiresOn) == ["2027-05-05"] && ended.map(\.publication.portal) == ["gsxt"])
        #expect(try ledger.expired(today: "2027-05-05", kind: "administrative-license").isEmpty)
        let check = try DatabaseQueue(path: path)
        try check.read { db in
            let named = try Int.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM pragma_table_info('publication') WHERE name IN ('kind', 'portal', 'feed'))
                     + (SELECT count(*) FROM pragma_table_info('record') WHERE name = 'kind')
                """)
            #expect(named == 0)
            #expect(try String.fetchAll(db, sql: "SELECT typeof(kind_id) || typeof(portal_id) || typeof(feed_id) FROM publication") == ["integerintegerinteger"])
            try Self.expectWhole(db)
        }
    }

    @Test("a ledger written before v2 is migrated forward in place: its publications keep their data and get positions")
    func migratesForward() throws {
        let path = try Self.older(upTo: "2026-11-30 v1 ledger") { db in
            try db.execute(sql: "INSERT INTO run (command, today, started_at) VALUES ('feed', '2026-11-30', 'x')")
            try db.execute(sql: """
                INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status,
                                   created_run, created_on)
                VALUES ('00000000000000a1', 'gsxt', 'penalty', 'k', 'publish', 'f', '/f', ?, 2, 'pending', 1, '2026-11-30')
                """, arguments: [Self.hashA])
            for key in ["K2", "K1"] {
                try db.execute(sql: """
                    INSERT INTO publication (portal, feed, kind, record_key, content_sha256, operation, batch_id, status,
                                             schema_version, profile_version)
                    VALUES ('gsxt', 'penalty', 'k', ?, ?, 'publish', '00000000000000a1', 'pending', 2, 1)
                    """, arguments: [key, Self.hashA])
            }
        }
        // Read-only, an older ledger is refused (reading needs the new columns); opening it to write migrates it.
        #expect(throws: LedgerError.outdated(path: path)) { try Ledger.openForReading(path: path) }
        let ledger = try Ledger.open(path: path)
        #expect(try ledger.appliedMigrations() == Self.migrations)
        let entries = try ledger.publications(batch: "00000000000000a1")
        #expect(entries.map(\.key) == ["K2", "K1"])  // payload order = insertion order
        #expect(entries.map(\.position) == [1, 2])
        let outcome = try ledger.applyReceipt(
            batch: "00000000000000a1", rejected: [2: "缺少字段"], receipt: Receipt(text: "r", sha256: Self.hashB), on: "2026-12-01")
        #expect(outcome == .confirmed(records: 1))
        #expect(try ledger.history(key: "K1").first?.status == .rejected)
        #expect(try ledger.history(key: "K1").first?.rejectionReason == "缺少字段")
    }

    @Test("a ledger written by a newer gongshi (an unknown migration) is refused, not guessed at")
    func newerLedgerRefused() throws {
        let path = Self.freshPath()
        _ = try Ledger.open(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('2099-01-01 future')") }
        #expect(throws: LedgerError.newerVersion(path: path, unknown: ["2099-01-01 future"])) { try Ledger.open(path: path) }
        #expect(throws: LedgerError.newerVersion(path: path, unknown: ["2099-01-01 future"])) {
            try Ledger.openForReading(path: path)
        }
    }

    @Test("the constraints are in SQL: states, operations and hashes outside the protocol are refused", arguments: Backend.allCases)
    func constraintsInSQL(_ backend: Backend) throws {
        let fresh = try backend.fresh()
        let ledger = fresh.store
        let run = try Self.begin(ledger)
        try ledger.recordPending(Self.batch("00000000000000a1"), publications: [Self.publication("K1")], run: run)
        // The SQLite ledger names a publication's batch by number (v16) and a register row's kind
        // and portal by number (v15); the shared ledger by text.
        let sqlite = backend == .sqlite
        let (batchColumn, ownBatch, noBatch) = sqlite ? ("batch_no", "1", "999") : ("batch_id", "'00000000000000a1'", "'ffffffffffffffff'")
        // … and its operation by code (v18: 2 correct).
        let correct = sqlite ? "operation_code = 2" : "operation = 'correct'"
        let refused = [
            "UPDATE batch SET status = 'sent'",
            "UPDATE batch SET status = 'published'",  // published needs a confirmation date
            "UPDATE publication SET \(correct)",  // a correction needs the content it corrects
            "UPDATE publication SET content_sha256 = 'x'",
            "UPDATE publication SET \(batchColumn) = \(noBatch)",  // no such batch (foreign key)
            "INSERT INTO run (command, today, started_at) VALUES ('x', '30/11/2026', 'now')",
            sqlite  // no such decision
                ? "INSERT INTO decision_portal (kind_id, number, portal_id) VALUES (1, '罚9', 1)"
                : "INSERT INTO decision_portal (kind, number, portal) VALUES ('administrative-penalty', '罚9', 'gsxt')",
        ]
        for sql in refused {
            #expect(throws: (any Error).self, "\(sql)") { try fresh.sql(sql) }
        }
        // States and references the protocol knows are accepted (and the columns named above exist).
        try fresh.sql("UPDATE batch SET status = 'failed'")
        try fresh.sql("UPDATE publication SET \(batchColumn) = \(ownBatch)")
        try fresh.sql("UPDATE publication SET \(sqlite ? "operation_code = 1" : "operation = 'publish'")")
        try fresh.sql(
            sqlite
                ? """
                INSERT INTO decision (kind_id, number, first_run, received_on, valid_at_first, valid, file, row)
                VALUES (1, '罚9', \(run), '2026-11-30', 1, 1, 1, 2);
                INSERT INTO decision_portal (kind_id, number, portal_id) VALUES (1, '罚9', 1)
                """
                : """
                INSERT INTO decision (kind, number, first_run, received_on, valid_at_first, valid, file, row)
                VALUES ('administrative-penalty', '罚9', \(run), '2026-11-30', 1, 1, 'f', 2);
                INSERT INTO decision_portal (kind, number, portal) VALUES ('administrative-penalty', '罚9', 'gsxt')
                """)
    }

    @Test("pending, then confirmed once: the batch and its records become published; again changes nothing", arguments: Backend.allCases)
    func confirmOnce(_ backend: Backend) throws {
        let ledger = try backend.fresh().store
        let run = try Self.begin(ledger)
        try ledger.recordPending(Self.batch("00000000000000a1"), publications: [Self.publication("K1"), Self.publication("K2")], run: run)
        #expect(try ledger.currentPublications(portal: "gsxt", feed: "penalty", keys: ["K1"])["K1"]?.status == .pending)
        #expect(try ledger.confirm(batch: "00000000000000a1", receipt: nil, on: "2026-12-01") == .confirmed(records: 2))
        #expect(try ledger.confirm(batch: "00000000000000a1", receipt: nil, on: "2026-12-02") == .alreadyConfirmed(on: "2026-12-01"))
        #expect(try ledger.confirm(batch: "ffffffffffffffff", receipt: nil, on: "2026-12-02") == .unknownBatch)
        let history = try ledger.history(key: "K1")
        #expect(history.map(\.status) == [.published])
        #expect(history.first?.publishedOn == "2026-12-01")
        // Recording the same content again is refused: a record is published once (a new batch
        // inserts plainly; the key's UNIQUE constraint refuses it, named as the ledger names it).
        #expect(throws: LedgerError.database("publication of K1 on gsxt/penalty is already recorded")) {
            try ledger.recordPending(Self.batch("00000000000000a2"), publications: [Self.publication("K1")], run: run)
        }
        #expect(try ledger.batch("00000000000000a2") == nil)  // the whole transaction was undone
    }

    /// Two statements' worth and six more: the SQLite ledger writes a batch's publications
    /// ``RowsInsert/rowsPerStatement`` rows a statement, the last six one at a time. Each keeps its
    /// place, and a publication already recorded stops the batch wherever it lies, named.
    @Test("a large batch's publications keep their places; one already recorded, in any statement, stops it, named", arguments: Backend.allCases)
    func largeBatch(_ backend: Backend) throws {
        let fresh = try backend.fresh()
        let ledger = fresh.store
        let run = try Self.begin(ledger)
        let statement = RowsInsert.rowsPerStatement
        let count = 2 * statement + 6
        let keys = (1...count).map { "K\($0)" }
        try ledger.recordPending(Self.batch("00000000000000a1", records: count), publications: keys.map { Self.publication($0) }, run: run)
        let recorded = try ledger.publications(batch: "00000000000000a1")
        #expect(recorded.map(\.key) == keys)
        #expect(recorded.map(\.position) == Array(1...count))
        #expect(recorded.allSatisfy { $0.status == .pending && $0.subjectName == "某公司" && $0.dueOn == "2026-12-01" })
        // A batch of new publications and one recorded above, placed in the first statement of
        // many rows, in the second, and among the last seven written one at a time.
        for (key, place) in [("K40", statement + 8), ("K69", 2 * statement + 4), ("K1", 5)] {
            var again = (1...count).map { Self.publication("N\($0)") }
            again.insert(Self.publication(key), at: place)
            #expect(throws: LedgerError.database("publication of \(key) on gsxt/penalty is already recorded")) {
                try ledger.recordPending(Self.batch("00000000000000a2", records: again.count), publications: again, run: run)
            }
            #expect(try ledger.batch("00000000000000a2") == nil)  // the whole transaction was undone
            #expect(try ledger.currentPublications(portal: "gsxt", feed: "penalty", keys: ["N1", "N\(count)"]).isEmpty)
        }
        // The same publication twice in one batch (in two of its statements, or in one) is named
        // by the batch, not as one already recorded.
        for (first, second) in [(2, statement + 3), (2, 5)] {
            var twice = (1...(statement + 8)).map { Self.publication("T\($0)") }
            twice[second] = twice[first]
            #expect(throws: LedgerError.database("batch 00000000000000a3 on gsxt/penalty holds a publication twice")) {
                try ledger.recordPending(Self.batch("00000000000000a3", records: twice.count), publications: twice, run: run)
            }
            #expect(try ledger.batch("00000000000000a3") == nil)
        }
        // A failed batch made again revives its failed rows; one of them no longer failed (here
        // set published by hand) is skipped by the upsert, which stops the batch, named.
        #expect(try ledger.fail(batch: "00000000000000a1", reason: "门户拒收"))
        let published = backend == .sqlite ? "status_code = 2" : "status = 'published'"  // (v18: a code)
        try fresh.sql("UPDATE publication SET \(published), published_on = '2026-12-01' WHERE record_key = 'K50'")
        #expect(throws: LedgerError.database("publication of K50 on gsxt/penalty is already recorded")) {
            try ledger.recordPending(Self.batch("00000000000000a1", records: count), publications: keys.map { Self.publication($0) }, run: run)
        }
        #expect(try ledger.batch("00000000000000a1")?.status == .failed)
        #expect(try ledger.currentPublications(portal: "gsxt", feed: "penalty", keys: ["K1"])["K1"] == nil)
    }

    @Test("a failed batch frees its records; the same batch made again is pending once more, one attempt up", arguments: Backend.allCases)
    func failedBatchRetried(_ backend: Backend) throws {
        let ledger = try backend.fresh().store
        let run = try Self.begin(ledger)
        try ledger.recordPending(Self.batch("00000000000000a1"), publications: [Self.publication("K1")], run: run)
        #expect(try ledger.fail(batch: "00000000000000a1", reason: "门户拒收"))
        #expect(try ledger.fail(batch: "00000000000000a1", reason: "again") == false)
        #expect(try ledger.currentPublications(portal: "gsxt", feed: "penalty", keys: ["K1"])["K1"] == nil)
        #expect(try ledger.confirm(batch: "00000000000000a1", receipt: nil, on: "2026-12-01") == .failedBatch)
        #expect(try ledger.summary(today: "2026-12-01", filter: .all).earlierFailures.isEmpty)
        // Made again the next day: a new file, in the next day's folder, under the same id.
        let again = NewBatch(
            id: "00000000000000a1", portal: "gsxt", feed: "penalty", kind: "administrative-penalty", operation: .publish,
            fileName: "f-20261201-00000000000000a1.xml", outboxPath: "/outbox/2026-12-01/f-20261201-00000000000000a1.xml",
            payloadSHA256: Self.hashA, records: 2, createdOn: "2026-12-01")
        try ledger.recordPending(again, publications: [Self.publication("K1")], run: run)
        let batch = try #require(try ledger.batch("00000000000000a1"))
        #expect(batch.status == .pending && batch.attempts == 2 && batch.lastError == nil)
        // The batch names its new file; the failed attempt is kept, with its file and its reason.
        #expect(batch.fileName == again.fileName && batch.outboxPath == again.outboxPath && batch.createdOn == "2026-12-01")
        #expect(try ledger.history(key: "K1").map(\.status) == [.pending])
        let kept = BatchFailure(
            batchID: "00000000000000a1", portal: "gsxt", feed: "penalty", attempt: 1, fileName: "f-00000000000000a1.xml",
            outboxPath: "/outbox/f-00000000000000a1.xml", createdOn: "2026-11-30", reason: "门户拒收")
        #expect(try ledger.summary(today: "2026-12-01", filter: .all).earlierFailures == [kept])
        // Failed and made again once more: both earlier attempts, in order; published, they stay.
        #expect(try ledger.fail(batch: "00000000000000a1", reason: "文件丢失"))
        try ledger.recordPending(again, publications: [Self.publication("K1")], run: run)
        #expect(try ledger.confirm(batch: "00000000000000a1", receipt: nil, on: "2026-12-02") == .confirmed(records: 1))
        let failures = try ledger.summary(today: "2026-12-02", filter: .all).earlierFailures
        #expect(failures.map(\.attempt) == [1, 2] && failures.map(\.reason) == ["门户拒收", "文件丢失"])
        #expect(failures.last?.fileName == again.fileName)
    }

    @Test("a failed batch's records taken up by another batch (the rest of a batch that held a withdrawn record; a channel batch made again under another id): the failed rows go pending there, a live one still stops it", arguments: Backend.allCases)
    func failedRecordsInAnotherBatch(_ backend: Backend) throws {
        let ledger = try backend.fresh().store
        let run = try Self.begin(ledger)
        try ledger.recordPending(
            Self.batch("00000000000000a1", records: 3), publications: ["K1", "K2", "K3"].map { Self.publication($0) }, run: run)
        #expect(try ledger.fail(batch: "00000000000000a1", reason: "批次中有已撤下的记录"))
        let other = NewBatch(
            id: "00000000000000b2", portal: "gsxt", feed: "penalty", kind: "administrative-penalty", operation: .publish,
            fileName: "f-20261208-00000000000000b2.xml", outboxPath: "/outbox/2026-12-08/f-20261208-00000000000000b2.xml",
            payloadSHA256: Self.hashA, records: 2, createdOn: "2026-12-08")
        try ledger.recordPending(other, publications: ["K1", "K3"].map { Self.publication($0) }, run: run)
        #expect(try ledger.batch("00000000000000b2")?.status == .pending)
        #expect(try ledger.history(key: "K1").map(\.status) == [.pending] && ledger.history(key: "K3").map(\.status) == [.pending])
        #expect(try ledger.history(key: "K2").map(\.status) == [.failed])
        #expect(try ledger.confirm(batch: "00000000000000b2", receipt: nil, on: "2026-12-08") == .confirmed(records: 2))
        // A publication not failed is still refused from another batch.
        let third = NewBatch(
            id: "00000000000000c3", portal: "gsxt", feed: "penalty", kind: "administrative-penalty", operation: .publish,
            fileName: "f-20261208-00000000000000c3.xml", outboxPath: "/outbox/2026-12-08/f-20261208-00000000000000c3.xml",
            payloadSHA256: Self.hashA, records: 1, createdOn: "2026-12-08")
        #expect(throws: LedgerError.database("publication of K1 on gsxt/penalty is already recorded")) {
            try ledger.recordPending(third, publications: [Self.publication("K1")], run: run)
        }
    }

    @Test("a correction points at the content it replaces; status counts late records", arguments: Backend.allCases)
    func correctionAndSummary(_ backend: Backend) throws {
        let ledger = try backend.fresh().store
        let run = try Self.begin(ledger)
        try ledger.recordPending(Self.batch("00000000000000a1"), publications: [Self.publication("K1|名称")], run: run)
        _ = try ledger.confirm(batch: "00000000000000a1", receipt: Receipt(text: "ok", sha256: Self.hashB), on: "2026-12-03")
        try ledger.recordPending(
            Self.batch("00000000000000a2", operation: .correct, records: 1),
            publications: [Self.publication("K1|名称", hash: Self.hashB, previous: Self.hashA)], run: run)
        let history = try ledger.history(key: "K1")  // the decision number alone finds the record
        #expect(history.map(\.operation) == [.publish, .correct])
        #expect(history.last?.previousSHA256 == Self.hashA)
        #expect(try ledger.currentPublications(portal: "gsxt", feed: "penalty", keys: ["K1|名称"])["K1|名称"]?.contentSHA256 == Self.hashB)
        let summary = try ledger.summary(today: "2026-12-05", filter: .all)
        #expect(summary.batches == [.published: 1, .pending: 1])
        #expect(summary.publishedLate == 1)  // published 2026-12-03, due 2026-12-01
        #expect(try ledger.publications(subjectCode: "91410100MA40Q8R26R", filter: .all).count == 2)
    }

    @Test("content flipping back (A, B, A, B): each correction, naming the batch it corrects, is recorded; the same correction again is refused", arguments: Backend.allCases)
    func flippingCorrections(_ backend: Backend) throws {
        let ledger = try backend.fresh().store
        let run = try Self.begin(ledger)
        try ledger.recordPending(Self.batch("00000000000000a1", records: 1), publications: [Self.publication("K1|名称")], run: run)
        var (batch, hash, previous) = ("00000000000000a1", Self.hashB, Self.hashA)
        for night in 2...5 {
            let id = "00000000000000a\(night)"
            try ledger.recordPending(
                Self.batch(id, operation: .correct, records: 1),
                publications: [Self.publication("K1|名称", hash: hash, previous: previous, correcting: batch)], run: run)
            (batch, hash, previous) = (id, previous, hash)
        }
        let history = try ledger.history(key: "K1")
        #expect(history.map(\.operation) == [.publish, .correct, .correct, .correct, .correct])
        #expect(history.map(\.contentSHA256) == [Self.hashA, Self.hashB, Self.hashA, Self.hashB, Self.hashA])
        // The fourth correction once more, in another batch: the ledger's key refuses it.
        #expect(throws: LedgerError.self) {
            try ledger.recordPending(
                Self.batch("00000000000000b5", operation: .correct, records: 1),
                publications: [Self.publication("K1|名称", hash: Self.hashA, previous: Self.hashB, correcting: "00000000000000a4")], run: run)
        }
        #expect(try ledger.history(key: "K1").count == 5)
    }

    @Test("信用核查 finds a subject's publications while a run is under way, after it finished, and after the next, each once", arguments: Backend.allCases)
    func publicationsBySubject(_ backend: Backend) throws {
        let fresh = try backend.fresh()
        let ledger = fresh.store
        let code = "91410100MA40Q8R26R"
        func found() throws -> [String] { try ledger.publications(subjectCode: code, filter: .all).map(\.key) }
        let first = try Self.begin(ledger)
        let other = NewPublication(
            key: "K2", contentSHA256: Self.hashA, previousSHA256: nil, decisionDate: "2026-11-20", dueOn: "2026-12-01",
            subjectCode: "92410122MA45XXXXX1", subjectName: "另一户", schemaVersion: 2, profileVersion: 1)
        try ledger.recordPending(Self.batch("00000000000000a1"), publications: [Self.publication("K1"), other], run: first)
        #expect(try found() == ["K1"])  // recorded after the last run finished
        try ledger.finishRun(first, exitCode: 0, finishedAt: "2026-11-30T10:00:00+08:00")
        #expect(try found() == ["K1"])  // from the subjects filled at the end of the run
        if backend == .sqlite {  // filled: the mark is on the last publication, nothing read after it
            let mark = try DatabaseQueue(path: fresh.location).read { db in try Int.fetchOne(db, sql: "SELECT publication_id FROM subject_mark") }
            #expect(mark == 2)
        }
        let second = try Self.begin(ledger)
        try ledger.recordPending(Self.batch("00000000000000a2", records: 1), publications: [Self.publication("K3")], run: second)
        #expect(try found() == ["K1", "K3"])
        try ledger.finishRun(second, exitCode: 0, finishedAt: "2026-11-30T11:00:00+08:00")
        #expect(try found() == ["K1", "K3"])
        #expect(try ledger.publications(subjectCode: "92410122MA45XXXXX1", filter: .all).map(\.key) == ["K2"])
    }

    @Test("a v11 ledger's publications are found by subject after v12 moved them from the index into the subject table")
    func subjectsMigrated() throws {
        let path = try Self.older(upTo: "2026-12-04 v11 outbox stat") { db in
            try db.execute(sql: """
                INSERT INTO run (command, today, started_at) VALUES ('run', '2026-11-30', 'x');
                INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status, created_on, created_run)
                VALUES ('00000000000000b1', 'gsxt', 'penalty', 'administrative-penalty', 'publish', 'f.xml', '/o/f.xml', '\(Self.hashA)', 2,
                        'pending', '2026-11-30', 1);
                INSERT INTO publication (portal, feed, kind, record_key, content_sha256, operation, batch_id, position, status, subject_code,
                                         schema_version, profile_version, decision_number)
                VALUES ('gsxt', 'penalty', 'administrative-penalty', '罚1|甲', '\(Self.hashA)', 'publish', '00000000000000b1', 1, 'pending',
                        '91410100MA40Q8R26R', 2, 1, '罚1'),
                       ('gsxt', 'penalty', 'administrative-penalty', '罚2|乙', '\(Self.hashA)', 'publish', '00000000000000b1', 2, 'pending',
                        NULL, 2, 1, '罚2');
                """)
        }
        let ledger = try Ledger.open(path: path)
        #expect(try ledger.publications(subjectCode: "91410100MA40Q8R26R", filter: .all).map(\.key) == ["罚1|甲"])
        let check = try DatabaseQueue(path: path)
        let (rows, mark) = try check.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM publication_subject") ?? -1,
             try Int.fetchOne(db, sql: "SELECT publication_id FROM subject_mark") ?? -1)
        }
        #expect(rows == 1)
        #expect(mark == 2)
    }

    @Test("the run lock: a second holder is refused at once and told who holds it; released when the holder goes")
    func runLock() throws {
        let path = Self.freshPath()
        var first: LedgerLock? = try LedgerLock(ledgerPath: path, holder: "pid 1，test")
        #expect(throws: LedgerError.locked(path: path + ".lock", holder: "pid 1，test")) {
            try LedgerLock(ledgerPath: path, holder: "pid 2")
        }
        #expect(first != nil)
        first = nil
        _ = try LedgerLock(ledgerPath: path, holder: "pid 3")
        let mode = try FileManager.default.attributesOfItem(atPath: path + ".lock")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
