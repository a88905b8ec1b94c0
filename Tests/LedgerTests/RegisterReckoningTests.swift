import DisclosureCore
import Foundation
import GRDB
import GongshiTesting
@testable import SQLiteLedger
import Testing

/// Both ledgers reckon the register by merging two streams in the same order: decision × portal,
/// and each kind's publications on each portal summed per decision. The in-memory ledger answers
/// the same questions by looking each decision up; all must agree row for row.
@Suite("Register reckoning (merged streams, SQLite and PostgreSQL)")
struct RegisterReckoningTests {
    static let kinds = ["administrative-penalty", "administrative-license"]
    static let portals = ["gsxt", "creditchina"]
    /// Numbers whose byte order differs from a naive order: prefixes of each other, upper and
    /// lower case, Chinese after ASCII, a number only the publications know; 罚15 and B0 have no
    /// publications (and sort just before numbers that have).
    static let numbers = ["罚1", "罚10", "罚15", "罚2", "A-1", "B0", "a-1", "Z9", "许2026-001"]

    static func fill(_ ledger: any PublicationLedger & DecisionLedger & WithdrawalLedger) throws {
        let run = try ledger.beginRun(command: "test", today: "2026-11-30", startedAt: "2026-11-30T09:00:00+08:00", pipeline: "p", department: nil)
        for kind in kinds {
            // 许2026-001 is left out of the register of the first kind; Z9 is on the first portal only.
            let sightings = numbers.filter { kind != kinds[0] || $0 != "许2026-001" }.enumerated().map { index, number in
                let portals = number == "Z9" ? [portals[0]] : portals
                return (
                    sighting: DecisionSighting(number: number, decisionDate: "2026-11-02", file: "a.csv", row: index + 2, valid: number != "A-1"),
                    portals: portals.map { DecisionPortal(portal: $0, dueOn: "2026-11-11", exclusion: nil) }
                )
            }
            try ledger.recordDecisions(sightings, kind: kind, pipeline: "p", run: run, today: "2026-11-30")
        }
        // 罚2 revoked: taken down from the first portal by a date, from the second by none yet.
        _ = try ledger.recordRevocation(kind: kinds[0], number: "罚2", revokedOn: "2026-11-28", withdrawBy: [portals[0]: "2026-12-07", portals[1]: nil])
        // Per kind and portal, three batches: one confirmed, one left pending, one with a rejected record.
        var serial = 0
        for kind in kinds {
            for portal in portals {
                func batch(_ keys: [String]) throws -> String {
                    serial += 1
                    let id = String(format: "%016x", serial)
                    try ledger.recordPending(
                        NewBatch(
                            id: id, portal: portal, feed: "f-\(kind)", kind: kind, operation: .publish, fileName: "\(id).csv",
                            outboxPath: "/outbox/\(id).csv", payloadSHA256: LedgerTests.hashA, records: keys.count, createdOn: "2026-11-30"),
                        publications: keys.map { LedgerTests.publication($0, hash: serial % 2 == 0 ? LedgerTests.hashA : LedgerTests.hashB) },
                        run: run)
                    return id
                }
                let published = try batch(["罚1|某公司", "罚10", "a-1", "许2026-001|某局"] + (portal == portals[1] ? ["Z9"] : []))
                _ = try ledger.confirm(batch: published, receipt: nil, on: portal == portals[0] ? "2026-11-05" : "2026-11-20")
                if kind == kinds[0] && portal == portals[0] {
                    // 罚10 (the published batch's second record) is taken down again (信用修复).
                    serial += 1
                    let id = String(format: "%016x", serial)
                    try ledger.recordWithdrawalBatch(
                        NewBatch(
                            id: id, portal: portal, feed: "f-\(kind)", kind: kind, operation: .withdraw, fileName: "\(id).csv",
                            outboxPath: "/outbox/\(id).csv", payloadSHA256: LedgerTests.hashA, records: 1, createdOn: "2026-11-30"),
                        items: [WithdrawalItem(batchID: published, position: 2, reason: "信用修复", basis: "郑信修〔2026〕1号")], run: run)
                    _ = try ledger.confirm(batch: id, receipt: nil, on: "2026-11-25")
                }
                _ = try batch(["罚2", "罚1|另一家"])
                let refused = try batch(["A-1", "Z9|x"])
                _ = try ledger.applyReceipt(batch: refused, rejected: [1: "缺少字段"], receipt: Receipt(text: "r", sha256: LedgerTests.hashB), on: "2026-11-21")
            }
        }
    }

    static func rows(_ ledger: any DecisionLedger, _ scope: DecisionScope) throws -> [String] {
        var rows: [String] = []
        try ledger.forEachDecision(scope: scope) { row in
            rows.append(
                [row.kind, row.number, row.portal, row.publishedOn ?? "-", "\(row.staged)", "\(row.withdrawn)", "\(row.rejected)", "\(row.valid)"]
                    .joined(separator: " "))
        }
        return rows
    }

    /// Every column of every row, as read.
    static func deadlines(_ ledger: any DecisionLedger, _ scope: DecisionScope) throws -> [DecisionDeadline] {
        var rows: [DecisionDeadline] = []
        try ledger.forEachDecision(scope: scope) { rows.append($0) }
        return rows
    }

    static func one(_ kind: String, _ number: String) -> DecisionScope {
        var scope = DecisionScope(kind: kind)
        scope.number = number
        return scope
    }

    @Test("every scope: the same rows, in the same order, with the same sums as the in-memory ledger's", arguments: Backend.allCases)
    func mergeAgrees(backend: Backend) throws {
        let sqlite = try backend.fresh().store
        let memory = InMemoryLedger()
        try Self.fill(sqlite)
        try Self.fill(memory)
        let scopes = [
            DecisionScope.all, DecisionScope(kind: Self.kinds[1]), DecisionScope(portals: [Self.portals[1]]),
            DecisionScope(kind: Self.kinds[0], portals: Self.portals), Self.one(Self.kinds[0], "罚1"), Self.one(Self.kinds[1], "Z9"),
            DecisionScope(portals: []),
        ]
        for scope in scopes {
            let (merged, looked) = (try Self.rows(sqlite, scope), try Self.rows(memory, scope))
            #expect(merged == looked, "\(scope): \(merged) against \(looked)")
            #expect(try Self.deadlines(sqlite, scope) == Self.deadlines(memory, scope))
        }
        let all = try Self.rows(sqlite, .all)
        // The revoked decisions a run keeps out of its feeds: 罚2, of the first kind only.
        for ledger: any DecisionLedger in [sqlite, memory] {
            #expect(try ledger.revokedDecisions(kind: Self.kinds[0], pipeline: nil) == ["罚2": "2026-11-28"])
            #expect(try ledger.revokedDecisions(kind: Self.kinds[0], pipeline: "p") == ["罚2": "2026-11-28"])
            // Another pipeline's decisions of the same 文号 are not its revocation's.
            #expect(try ledger.revokedDecisions(kind: Self.kinds[0], pipeline: "q").isEmpty)
            #expect(try ledger.revokedDecisions(kind: Self.kinds[1], pipeline: nil).isEmpty)
        }

        // A second pipeline of another department: decisions of its own between the first one's
        // (by bytes), one on a single portal; the scopes that narrow by the decision's pipeline or
        // department, alone and with a kind and a portal.
        for ledger: any DecisionLedger & RunLedger in [sqlite as any DecisionLedger & RunLedger, memory] {
            let run = try ledger.beginRun(command: "test", today: "2026-12-01", startedAt: "2026-12-01T09:00:00+08:00", pipeline: "q", department: "城管")
            try ledger.recordDecisions(
                [
                    (DecisionSighting(number: "罚12", decisionDate: "2026-11-03", file: "q.csv", row: 2, valid: true),
                     Self.portals.map { DecisionPortal(portal: $0, dueOn: "2026-11-12", exclusion: nil) }),
                    (DecisionSighting(number: "B", decisionDate: "2026-11-03", file: "q.csv", row: 3, valid: true),
                     [DecisionPortal(portal: Self.portals[1], dueOn: "2026-11-12", exclusion: #"不公示："甲,乙" {丙} (丁) \戊 "#)]),
                    (DecisionSighting(number: "C", decisionDate: nil, file: "q.csv", row: 4, valid: false),
                     Self.portals.map { DecisionPortal(portal: $0, dueOn: nil, exclusion: "") }),
                ],
                kind: Self.kinds[0], pipeline: "q", run: run, today: "2026-12-01")
        }
        let narrowed = [
            DecisionScope(pipeline: "q"), DecisionScope(pipeline: "p"), DecisionScope(department: "城管"), DecisionScope(department: "无此科"),
            DecisionScope(kind: Self.kinds[0], portals: [Self.portals[1]], pipeline: "q"), DecisionScope(kind: Self.kinds[1], pipeline: "q"),
        ]
        for scope in narrowed {
            let (merged, looked) = (try Self.rows(sqlite, scope), try Self.rows(memory, scope))
            #expect(merged == looked, "\(scope): \(merged) against \(looked)")
            #expect(try Self.deadlines(sqlite, scope) == Self.deadlines(memory, scope))
        }
        #expect(try Self.rows(sqlite, DecisionScope(pipeline: "q")).count == 5)
        #expect(try Self.rows(sqlite, DecisionScope(department: "城管")).count == 5)
        #expect(try Self.rows(sqlite, DecisionScope(kind: Self.kinds[0], portals: [Self.portals[1]], pipeline: "q")).count == 3)
        #expect(try Self.rows(sqlite, .all).count == all.count + 5)
        #expect(all.count == 2 * 2 * 9 - 2 - 2)  // 许2026-001 not in the first kind's register; Z9 on one portal
        // The sums themselves, for a few rows.
        #expect(all.contains("administrative-penalty 罚1 gsxt 2026-11-05 true false false true"))  // published, and a second key pending
        #expect(all.contains("administrative-penalty 罚10 creditchina 2026-11-20 false false false true"))
        #expect(all.contains("administrative-penalty 罚10 gsxt 2026-11-05 false true false true"))  // published, then withdrawn
        #expect(all.contains("administrative-penalty 罚2 gsxt - true false false true"))
        #expect(all.contains("administrative-penalty 罚15 gsxt - false false false true"))
        #expect(all.contains("administrative-license B0 creditchina - false false false true"))
        #expect(all.contains("administrative-penalty A-1 gsxt - false false true false"))  // refused; its row was invalid
        #expect(all.contains("administrative-penalty Z9 gsxt 2026-11-21 false false false true"))  // Z9|x: the refused batch's second row, taken
        #expect(all.contains("administrative-license 许2026-001 creditchina 2026-11-20 false false false true"))
        #expect(!all.contains { $0.hasPrefix("administrative-penalty 许2026-001") })
    }

    /// A register longer than the second connection's queue holds (chunks of 2,048 rows, four
    /// waiting), with publications on every third decision.
    static func fillMany(_ ledger: any PublicationLedger & DecisionLedger, decisions: Int) throws {
        let run = try ledger.beginRun(command: "test", today: "2026-11-30", startedAt: "2026-11-30T09:00:00+08:00", pipeline: "p", department: nil)
        let numbers = (0..<decisions).map { "罚\($0)" }
        try ledger.recordDecisions(
            numbers.enumerated().map { index, number in
                (
                    sighting: DecisionSighting(number: number, decisionDate: "2026-11-02", file: "a.csv", row: index + 2, valid: index % 7 != 0),
                    portals: portals.map { DecisionPortal(portal: $0, dueOn: "2026-11-11", exclusion: nil) }
                )
            }, kind: kinds[0], pipeline: "p", run: run, today: "2026-11-30")
        let keys = numbers.indices.filter { $0 % 3 == 0 }.map { numbers[$0] }
        try ledger.recordPending(
            NewBatch(
                id: "00000000000000aa", portal: portals[0], feed: "f", kind: kinds[0], operation: .publish, fileName: "aa.csv",
                outboxPath: "/outbox/aa.csv", payloadSHA256: LedgerTests.hashA, records: keys.count, createdOn: "2026-11-30"),
            publications: keys.map { LedgerTests.publication($0) }, run: run)
        _ = try ledger.confirm(batch: "00000000000000aa", receipt: nil, on: "2026-11-06")
    }

    /// Reads the register until the body throws after `rows` rows: the error comes through, and
    /// a write then goes through at once (the reading let go of what it held).
    static func stopEarlyThenWrite(_ ledger: any DecisionLedger & RunLedger, after rows: Int) throws {
        struct Enough: Error {}
        var seen = 0
        do {
            try ledger.forEachDecision(scope: .all) { _ in
                seen += 1
                if seen == rows { throw Enough() }
            }
            Issue.record("the body's error was not thrown")
        } catch {
            // The body's error, as the ledger's (its errors are typed).
        }
        #expect(seen == rows)
        let run = try ledger.beginRun(command: "test", today: "2026-12-01", startedAt: "2026-12-01T09:00:00+08:00", pipeline: "p", department: nil)
        try ledger.finishRun(run, exitCode: 0, finishedAt: "2026-12-01T09:00:01+08:00")
    }

    @Test("the register is written with SQLite's foreign-key checks off (its rows hold them by construction), and they are on again after, whether the write commits or throws")
    func keysHeldWhileWriting() throws {
        let ledger = try Ledger.open(path: LedgerTests.freshPath())
        func enforced() throws -> Bool { try ledger.write { db in try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? false } }
        #expect(try enforced())
        let inside = try ledger.writeWithKeysHeld { db in try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? true }
        #expect(inside == false)
        #expect(try enforced())
        struct Stop: Error {}
        #expect(throws: LedgerError.self) { try ledger.writeWithKeysHeld { _ in throw Stop() } }
        #expect(try enforced())
        // The register's rows are all there, each portal row with its decision.
        try Self.fill(ledger)
        #expect(try enforced())
        let (places, orphans) = try ledger.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM decision_portal"), try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count)
        }
        #expect(places == 2 * 2 * 9 - 2 - 2)
        #expect(orphans == 0)
        // An orphan portal row through the ledger's own connection is still refused afterwards.
        #expect(throws: LedgerError.self) {
            try ledger.write { db in
                try db.execute(sql: "INSERT INTO decision_portal (kind_id, number, portal_id) VALUES (1, '无此决定', 1)")
            }
        }
    }

    @Test("a register read on a second connection and thread: the same rows as read inline (a ledger in WAL mode) and in memory; stopped early, the ledger can be written at once")
    func secondConnectionAgrees() throws {
        let path = LedgerTests.freshPath()
        let sqlite = try Ledger.open(path: path)
        let memory = InMemoryLedger()
        try Self.fillMany(sqlite, decisions: 6_000)
        try Self.fillMany(memory, decisions: 6_000)
        let alongside = try Self.rows(sqlite, .all)
        #expect(alongside.count == 12_000)
        #expect(alongside == (try Self.rows(memory, .all)))
        #expect(alongside.contains("administrative-penalty 罚3 gsxt 2026-11-06 false false false true"))

        // Stopped after a few rows (the body throws): the error comes through, and the second
        // connection lets go, so that the next write does not wait for it.
        try Self.stopEarlyThenWrite(sqlite, after: 10)

        // The same file in WAL mode: the register is read on the caller's connection.
        let wal = try DatabaseQueue(path: path)
        try wal.writeWithoutTransaction { db in _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
        try wal.close()
        let inline = try Self.rows(try Ledger.open(path: path), .all)
        #expect(inline == alongside)
    }

    @Test("the shared ledger's register read through cursors longer than a fetch (the next asked for while one is read): the same rows as in memory; stopped early, the ledger can be written at once")
    func cursorsAgree() throws {
        let ledger = try Backend.postgresql.fresh().store
        let memory = InMemoryLedger()
        try Self.fillMany(ledger, decisions: 6_000)
        try Self.fillMany(memory, decisions: 6_000)
        let rows = try Self.rows(ledger, .all)
        #expect(rows.count == 12_000)
        #expect(rows == (try Self.rows(memory, .all)))
        #expect(rows.contains("administrative-penalty 罚3 gsxt 2026-11-06 false false false true"))
        #expect(rows.contains("administrative-penalty 罚3 creditchina - false false false true"))
        try Self.stopEarlyThenWrite(ledger, after: 2_500)  // within the second fetch, the third asked for
        #expect(try Self.rows(ledger, .all) == rows)
    }
}
