import DisclosureCore
import Foundation
import GRDB
import GongshiTesting
@testable import SQLiteLedger
import Testing

/// Withdrawal batches, publication periods and intake in the ledger itself.
@Suite("Publication ledger: withdrawals and periods")
struct WithdrawalLedgerTests {
    typealias T = LedgerTests

    /// A ledger with one published batch of two records, `罚1` and `罚2`, whose periods end on
    /// 2027-11-20 (罚1) and 2029-11-20 (罚2).
    static func published(_ backend: Backend = .sqlite) throws -> (any LedgerStore, Int64) {
        try published(backend.fresh())
    }

    static func published(_ fresh: Backend.Fresh) throws -> (any LedgerStore, Int64) {
        let ledger = fresh.store
        let run = try T.begin(ledger)
        let file = SourceFingerprint(sha256: T.hashB, size: 10, place: "/inbox/a.csv")
        let periods = [
            RecordPeriod(severity: "一般", severityReason: "默认", regime: "ndrc-2026-credit-repair", repairFrom: "2027-02-20", expiresOn: "2027-11-20"),
            RecordPeriod(severity: "严重", severityReason: "吊销", regime: "ndrc-2026-credit-repair", repairFrom: "2027-11-20", expiresOn: "2029-11-20"),
        ]
        try ledger.recordInputs(
            [file],
            records: ["罚1", "罚2"].enumerated().map { index, key in
                RecordVersion(
                    kind: "administrative-penalty", key: key, contentSHA256: T.hashA, decisionDate: "2026-11-20", sourceSHA256: T.hashB,
                    sourceRow: index + 2, period: periods[index])
            },
            run: run)
        try ledger.recordPending(T.batch("b000000000000001"), publications: [T.publication("罚1"), T.publication("罚2")], run: run)
        _ = try ledger.confirm(batch: "b000000000000001", receipt: nil, on: "2026-11-30")
        return (ledger, run)
    }

    static func withdrawal(_ id: String) -> NewBatch { T.batch(id, operation: .withdraw, records: 1) }

    @Test("a withdrawal batch: pending until confirmed, then the record is withdrawn; a failed one can be asked for again", arguments: Backend.allCases)
    func lifecycle(_ backend: Backend) throws {
        let (ledger, run) = try Self.published(backend)
        let item = WithdrawalItem(batchID: "b000000000000001", position: 1, reason: "信用修复", basis: "郑信修〔2026〕1号")
        try ledger.recordWithdrawalBatch(Self.withdrawal("w000000000000001"), items: [item], run: run)
        #expect(try ledger.history(key: "罚1").map { "\($0.status) \($0.withdrawalStatus ?? "-")" } == ["published pending"])
        #expect(try ledger.withdrawalItems(batch: "w000000000000001") == [item])
        // The planner is told a withdrawal was asked for, while the portal still has the record.
        let current = try ledger.currentPublications(portal: "gsxt", feed: "penalty", keys: ["罚1", "罚2"])
        #expect(current["罚1"]?.withdrawalAsked == true && current["罚2"]?.withdrawalAsked == false)
        #expect(current["罚1"]?.withdrawalReason == "信用修复" && current["罚2"]?.withdrawalReason == nil, "\(current)")
        var each: [String: Bool] = [:]
        var reasons: [String: String] = [:]
        try ledger.forEachCurrentPublication(portal: "gsxt", feed: "penalty") {
            each[$0] = $1.withdrawalAsked
            reasons[$0] = $1.withdrawalReason
        }
        #expect(reasons == ["罚1": "信用修复"])
        #expect(each == ["罚1": true, "罚2": false])
        // Asked for twice while pending: refused (the caller plans only live records).
        #expect(throws: LedgerError.self) {
            try ledger.recordWithdrawalBatch(Self.withdrawal("w000000000000002"), items: [item], run: run)
        }
        // The portal refuses the file: the record stays published, the withdrawal failed; asked again, pending.
        #expect(try ledger.fail(batch: "w000000000000001", reason: "门户拒绝"))
        #expect(try ledger.history(key: "罚1").map { "\($0.status) \($0.withdrawalStatus ?? "-")" } == ["published failed"])
        try ledger.recordWithdrawalBatch(Self.withdrawal("w000000000000003"), items: [item], run: run)
        #expect(try ledger.confirm(batch: "w000000000000003", receipt: nil, on: "2026-12-02") == .confirmed(records: 1))
        let entry = try #require(try ledger.history(key: "罚1").first)
        #expect(entry.status == .withdrawn && entry.withdrawalStatus == "done" && entry.withdrawalReason == "信用修复")
        // 罚2 untouched; a withdrawn record is not withdrawn again.
        #expect(try ledger.history(key: "罚2").first?.status == .published)
        #expect(throws: LedgerError.self) {
            try ledger.recordWithdrawalBatch(Self.withdrawal("w000000000000004"), items: [item], run: run)
        }
    }

    @Test(
        "a record withdrawn while its correction waited in a batch: the correction carries the withdrawal for the planner, and once confirmed it is found shown (and the register says so) until it is taken down too",
        arguments: Backend.allCases)
    func shownAfterWithdrawal(_ backend: Backend) throws {
        let (ledger, run) = try Self.published(backend)
        try ledger.recordDecisions(
            [(DecisionSighting(number: "罚1", decisionDate: "2026-11-20", file: "a.csv", row: 2, valid: true),
              [DecisionPortal(portal: "gsxt", dueOn: "2026-12-01", exclusion: nil)])],
            kind: "administrative-penalty", pipeline: nil, run: run, today: "2026-11-30")
        // 罚1 corrected (staged, not uploaded), then taken down for 信用修复: the withdrawal covers the publication.
        try ledger.recordPending(
            T.batch("c000000000000001", operation: .correct, records: 1),
            publications: [T.publication("罚1", hash: T.hashB, previous: T.hashA, correcting: "b000000000000001")], run: run)
        try ledger.recordWithdrawalBatch(
            Self.withdrawal("w000000000000001"),
            items: [WithdrawalItem(batchID: "b000000000000001", position: 1, reason: "信用修复", basis: "郑信修〔2026〕1号")], run: run)
        _ = try ledger.confirm(batch: "w000000000000001", receipt: nil, on: "2026-12-02")
        // The planner's view: the latest is the correction, pending, with the withdrawal before it.
        let current = try #require(try ledger.currentPublications(portal: "gsxt", feed: "penalty", keys: ["罚1", "罚2"])["罚1"])
        #expect(current.status == .pending && !current.withdrawalAsked && current.earlierWithdrawals == ["信用修复"], "\(current)")
        #expect(try ledger.currentPublications(portal: "gsxt", feed: "penalty", keys: ["罚2"])["罚2"]?.earlierWithdrawals == [])
        var each: [String: [String]] = [:]
        try ledger.forEachCurrentPublication(portal: "gsxt", feed: "penalty") { each[$0] = $1.earlierWithdrawals }
        #expect(each == ["罚1": ["信用修复"], "罚2": []])
        let except = ["更正", "撤销"]
        #expect(try ledger.shownAfterWithdrawal(kind: nil, exceptReasons: except).isEmpty)  // staged is not shown
        func register() throws -> DecisionDeadline? {
            var row: DecisionDeadline?
            try ledger.forEachDecision(scope: .all) { if $0.number == "罚1" { row = $0 } }
            return row
        }
        #expect(try register()?.shown == false && register()?.withdrawn == true)
        // The clerk had uploaded it: confirmed after the withdrawal, the portal shows it again.
        _ = try ledger.confirm(batch: "c000000000000001", receipt: nil, on: "2026-12-03")
        let shown = try ledger.shownAfterWithdrawal(kind: "administrative-penalty", exceptReasons: except)
        #expect(
            shown.map { "\($0.publication.batchID)#\($0.publication.position) \($0.reason) \($0.basis ?? "-") \($0.requestedOn)" }
                == ["c000000000000001#1 信用修复 郑信修〔2026〕1号 2026-11-30"], "\(shown)")
        #expect(try ledger.shownAfterWithdrawal(kind: "administrative-license", exceptReasons: except).isEmpty)
        #expect(try ledger.shownAfterWithdrawal(kind: nil, exceptReasons: ["信用修复"]).isEmpty)
        #expect(try register()?.shown == true && register()?.withdrawn == true)
        // Taken down too: found no more (asked for, pending), and the register shows nothing once it is done.
        try ledger.recordWithdrawalBatch(
            Self.withdrawal("w000000000000002"),
            items: [WithdrawalItem(batchID: "c000000000000001", position: 1, reason: "信用修复", basis: nil)], run: run)
        #expect(try ledger.shownAfterWithdrawal(kind: nil, exceptReasons: except).isEmpty)
        _ = try ledger.confirm(batch: "w000000000000002", receipt: nil, on: "2026-12-04")
        #expect(try register()?.shown == false)
        #expect(try ledger.shownAfterWithdrawal(kind: nil, exceptReasons: except).isEmpty)
    }

    @Test("publication periods: expired on the day the period ends, not the day before; 信用修复 from the minimum until the end", arguments: Backend.allCases)
    func periods(_ backend: Backend) throws {
        let (ledger, run) = try Self.published(backend)
        #expect(try ledger.expired(today: "2027-11-19", kind: nil).isEmpty)
        #expect(try ledger.expired(today: "2027-11-20", kind: nil).map(\.publication.key) == ["罚1"])
        #expect(try ledger.expired(today: "2029-11-20", kind: nil).map(\.publication.key) == ["罚1", "罚2"])
        #expect(try ledger.repairEligible(today: "2027-02-19", kind: nil, limit: nil).isEmpty)
        #expect(try ledger.repairEligible(today: "2027-02-20", kind: nil, limit: nil).map(\.publication.key) == ["罚1"])
        let both = try ledger.repairEligible(today: "2027-11-20", kind: nil, limit: nil)
        #expect(both.map(\.publication.key) == ["罚2"] && both.first?.severity == "严重")  // 罚1 has ended by then
        // A withdrawal asked for takes it off both lists.
        try ledger.recordWithdrawalBatch(
            Self.withdrawal("w000000000000001"),
            items: [WithdrawalItem(batchID: "b000000000000001", position: 1, reason: "公示期满", basis: nil)], run: run)
        #expect(try ledger.expired(today: "2027-11-20", kind: nil).isEmpty)
        #expect(try ledger.repairEligible(today: "2027-02-20", kind: nil, limit: nil).isEmpty)
    }

    /// A record version decided 2026-11-20 with one portal's period.
    static func version(_ key: String, _ period: PortalPeriod) -> RecordVersion {
        var version = RecordVersion(
            kind: "administrative-penalty", key: key, contentSHA256: T.hashA, decisionDate: "2026-11-20", sourceSHA256: T.hashB,
            sourceRow: 2)
        version.portalPeriods = [period]
        return version
    }

    @Test("a portal's own period: months from its first publication (clamped to a shorter month's end) or from the decision date", arguments: Backend.allCases)
    func portalPeriods(_ backend: Backend) throws {
        let (ledger, run) = try Self.published(backend)  // published 2026-11-30 on the batch's portal
        let portal = T.batch("b000000000000001").portal
        try ledger.recordInputs(
            [], records: [
                Self.version("罚1", PortalPeriod(portal: portal, severity: "轻微", severityReason: "小额罚款", regime: "samr-order-45", months: 3, countedFrom: "publication_date")),
                Self.version("罚2", PortalPeriod(portal: portal, severity: "一般", severityReason: "默认", regime: "samr-order-45", months: 1, countedFrom: "decision_date")),
            ], run: run)
        // 罚2: 2026-11-20 + 1 month; 罚1: 2026-11-30 + 3 months is 2027-02-28 (February has no 30th).
        #expect(try ledger.expired(today: "2026-12-19", kind: nil).isEmpty)
        #expect(try ledger.expired(today: "2026-12-20", kind: nil).map { "\($0.publication.key) \($0.expiresOn ?? "") \($0.severity ?? "")" } == ["罚2 2026-12-20 一般"])
        #expect(try ledger.expired(today: "2027-02-27", kind: nil).map(\.publication.key) == ["罚2"])
        let ended = try ledger.expired(today: "2027-02-28", kind: nil)
        #expect(ended.map { "\($0.publication.key) \($0.expiresOn ?? "") \($0.regime ?? "")" } == ["罚2 2026-12-20 samr-order-45", "罚1 2027-02-28 samr-order-45"])
    }

    @Test("信用修复 on a portal with a rule of its own is counted by that rule: its own minimum, from its own start (the day it first published the record), not the general rule's date; a minimum not kept is the maximum", arguments: Backend.allCases)
    func portalRepairDates(_ backend: Backend) throws {
        let (ledger, run) = try Self.published(backend)  // published 2026-11-30; general 信用修复 from 2027-02-20 (罚1), 2027-11-20 (罚2)
        let portal = T.batch("b000000000000001").portal
        try ledger.recordInputs(
            [], records: [
                // Kept before the minimum was: 3 months both ways, 2027-02-28 (February has no 30th).
                Self.version("罚1", PortalPeriod(portal: portal, severity: "轻微", severityReason: "小额罚款", regime: "samr-order-45", months: 3, countedFrom: "publication_date")),
                Self.version("罚2", PortalPeriod(
                    portal: portal, severity: "一般", severityReason: "默认", regime: "samr-order-45", months: 6, countedFrom: "publication_date", repairMonths: 2)),
            ], run: run)
        func eligible(_ today: String) throws -> [String] {
            try ledger.repairEligible(today: today, kind: nil, limit: nil).map { "\($0.publication.key) \($0.repairFrom ?? "") \($0.expiresOn ?? "")" }
        }
        #expect(try eligible("2027-01-29").isEmpty)
        #expect(try eligible("2027-01-30") == ["罚2 2027-01-30 2027-05-30"])
        // 罚1's general date (2027-02-20) is not its date on this portal: it may not apply before its end.
        #expect(try eligible("2027-02-20") == ["罚2 2027-01-30 2027-05-30"])
        #expect(try ledger.repairEligibleCount(today: "2027-02-20", kind: nil) == 1)
        let today = try ledger.periodsToday(today: "2027-02-20", kind: nil, limit: 10)
        #expect(today.eligible.map(\.publication.key) == ["罚2"] && today.eligibleTotal == 1 && today.expired.isEmpty, "\(today)")
        #expect(try ledger.periods(kind: "administrative-penalty", key: "罚1").map { "\($0.publication.portal) \($0.repairFrom ?? "") \($0.expiresOn ?? "")" } == ["\(portal) 2027-02-28 2027-02-28"])
        #expect(try ledger.periods(kind: "administrative-penalty", key: "罚2").map { "\($0.repairFrom ?? "") \($0.severity ?? "")" } == ["2027-01-30 一般"])
    }

    @Test(
        "the day's period questions in one reading answer as the three questions do: every ended record, the first eligible ones in order, how many",
        arguments: Backend.allCases)
    func periodsTodayAsTheThreeQuestions(_ backend: Backend) throws {
        let ledger = try backend.fresh().store
        let run = try T.begin(ledger)
        // Twelve records: periods ending on the same days (ties broken by key), one with no end,
        // one with no 信用修复 date, one with no period at all; keys in Chinese and digits.
        let keys = ["罚10", "罚2", "罚1", "许1", "罚3|某公司", "罚3", "罚20", "A1", "罚4", "罚5", "罚6", "罚7"]
        let repair: [String?] = ["2027-01-01", "2027-01-01", "2027-01-01", "2027-03-01", nil, "2027-02-01", "2027-01-01", "2027-01-01", "2027-01-01", "2027-02-01", "2027-01-01", "2027-06-01"]
        let ends: [String?] = ["2027-06-01", "2027-06-01", "2027-06-01", "2027-05-01", "2027-04-01", nil, "2027-08-01", "2027-06-01", "2027-05-01", "2027-09-01", "2027-06-01", "2027-12-01"]
        try ledger.recordInputs(
            [SourceFingerprint(sha256: T.hashB, size: 10, place: "/inbox/a.csv")],
            records: keys.indices.map { index in
                RecordVersion(
                    kind: "administrative-penalty", key: keys[index], contentSHA256: T.hashA, decisionDate: "2026-11-20", sourceSHA256: T.hashB,
                    sourceRow: index + 2,
                    period: index == 11
                        ? nil
                        : RecordPeriod(severity: "一般", severityReason: "默认", regime: "ndrc-2026-credit-repair", repairFrom: repair[index], expiresOn: ends[index]))
            },
            run: run)
        // Later versions of three records, with other periods: the latest version's period is the
        // record's (罚4 ends later, 罚10 sooner, 罚20 gets no 信用修复 date; 罚10 twice over).
        for (version, changes) in [
            (T.hashB, [("罚4", "2027-01-01", "2027-07-01"), ("罚10", "2027-01-01", "2027-03-01"), ("罚20", nil, "2027-08-01")]),
            (String(repeating: "c", count: 64), [("罚10", "2027-02-01", "2027-05-01")]),
        ] as [(String, [(String, String?, String?)])] {
            try ledger.recordInputs(
                [SourceFingerprint(sha256: T.hashB, size: 10, place: "/inbox/a.csv")],
                records: changes.enumerated().map { index, change in
                    RecordVersion(
                        kind: "administrative-penalty", key: change.0, contentSHA256: version, decisionDate: "2026-11-20", sourceSHA256: T.hashB,
                        sourceRow: index + 2,
                        period: RecordPeriod(severity: "一般", severityReason: "默认", regime: "ndrc-2026-credit-repair", repairFrom: change.1, expiresOn: change.2))
                },
                run: try T.begin(ledger))
        }
        try ledger.recordPending(T.batch("b000000000000001", records: keys.count), publications: keys.map { T.publication($0) }, run: run)
        _ = try ledger.confirm(batch: "b000000000000001", receipt: nil, on: "2026-11-30")
        // 罚6's withdrawal is pending (on no list); 罚5's failed (ended: asked for again; not eligible).
        for (index, id) in [(11, "w000000000000001"), (10, "w000000000000002")] {
            try ledger.recordWithdrawalBatch(
                Self.withdrawal(id), items: [WithdrawalItem(batchID: "b000000000000001", position: index, reason: "信用修复", basis: nil)], run: run)
        }
        #expect(try ledger.fail(batch: "w000000000000002", reason: "门户拒绝"))

        for today in ["2026-12-31", "2027-01-01", "2027-02-15", "2027-05-01", "2027-06-01", "2027-08-15", "2027-12-31"] {
            for kind in [nil, "administrative-penalty", "administrative-license"] {
                let expired = try ledger.expired(today: today, kind: kind)
                let count = try ledger.repairEligibleCount(today: today, kind: kind)
                for limit in [0, 1, 3, 2000] {
                    let answer = try ledger.periodsToday(today: today, kind: kind, limit: limit)
                    #expect(answer.expired == expired, "\(today) \(kind ?? "-")")
                    #expect(answer.eligible == (try ledger.repairEligible(today: today, kind: kind, limit: limit)), "\(today) \(kind ?? "-") \(limit)")
                    #expect(answer.eligibleTotal == count, "\(today) \(kind ?? "-")")
                }
            }
        }
        // The lists are not empty where they should not be: the comparison means something.
        let june = try ledger.periodsToday(today: "2027-06-01", kind: nil, limit: 3)
        // By the latest versions: 罚10 ends 2027-05-01 (its third version), 罚4 on 2027-07-01, 罚20
        // has no 信用修复 date.
        #expect(june.expired.map(\.publication.key) == ["罚3|某公司", "罚10", "许1", "A1", "罚1", "罚2"])
        #expect(june.eligible.map(\.publication.key) == ["罚3", "罚4"] && june.eligibleTotal == 2)  // 罚5: its withdrawal failed
        let january = try ledger.periodsToday(today: "2027-01-01", kind: nil, limit: 2)
        #expect(january.eligible.map(\.publication.key) == ["A1", "罚1"] && january.eligibleTotal == 4 && january.expired.isEmpty)
    }

    @Test("the first eligible records in order, kept as rows are read: ties on the end day go by key, then portal and feed; a row after the last kept one is not kept")
    func firstInOrderFromRows() throws {
        // (end day, key, portal, feed): many on the same day, keys that sort before and after.
        let rows: [(String?, String, String, String)] = [
            ("2027-06-01", "罚2", "p", "f"), ("2027-06-01", "罚1", "p", "f"), ("2027-05-01", "罚9", "p", "f"), (nil, "罚8", "p", "f"),
            ("2027-06-01", "A1", "p", "f"), ("2027-06-01", "罚1", "o", "f"), ("2027-07-01", "A0", "p", "f"), (nil, "罚0", "p", "f"),
            ("2027-06-01", "罚1", "o", "e"), ("2027-05-01", "罚9", "p", "g"), ("2027-06-01", "罚10", "p", "f"),
        ]
        let expected = rows.indices.sorted { a, b in
            let (x, y) = (rows[a], rows[b])
            return (x.0 ?? "", x.1, x.2, x.3) < (y.0 ?? "", y.1, y.2, y.3)  // no end first ("" sorts first); no two rows tie
        }
        let queue = try DatabaseQueue()
        for limit in [1, 2, 3, 5, 8, rows.count] {
            let kept = try queue.read { db in
                let values = rows.enumerated().map { index, row in
                    "SELECT \(index) AS id, \(row.0.map { "'\($0)'" } ?? "NULL"), NULL, 1, '\(row.1)', '\(row.2)', '\(row.3)'"
                }
                let read = try RawRows(db, sql: values.joined(separator: " UNION ALL "))
                var first = FirstInOrder(limit: limit)
                while try read.step() {
                    if let item = first.candidate(read) { first.offer(item) }
                }
                return first.ids
            }
            #expect(kept == expected.prefix(limit).map(Int64.init), "limit \(limit)")
        }
    }

    @Test("rows alike in end, key, portal and feed (one record's publications on a feed) are kept once, the greatest id, read in one reading or two")
    func firstInOrderOncePerFeed() throws {
        let rows: [(String?, String, String, String)] = [
            ("2027-06-01", "罚2", "p", "f"), ("2027-06-01", "罚1", "p", "f"), (nil, "罚8", "p", "f"), ("2027-06-01", "罚1", "o", "f"),
            ("2027-06-01", "罚1", "p", "f"), ("2027-05-01", "罚9", "p", "f"), (nil, "罚8", "p", "f"), ("2027-06-01", "罚2", "p", "f"),
            ("2027-06-01", "罚1", "p", "f"), ("2027-06-01", "A1", "p", "f"), ("2027-05-01", "罚9", "p", "f"),
        ]
        func tuple(_ row: (String?, String, String, String)) -> [String] { [row.0 ?? "", row.1, row.2, row.3] }
        // The greatest index of each distinct row, in order.
        let latest = Dictionary(rows.indices.map { (tuple(rows[$0]), $0) }, uniquingKeysWith: max)
        let expected = latest.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { Int64($0.value) }
        #expect(expected.count == 6)
        let queue = try DatabaseQueue()
        func read(_ db: Database, _ indices: Range<Int>, limit: Int) throws -> FirstInOrder {
            let values = indices.map { index in
                let row = rows[index]
                return "SELECT \(index) AS id, \(row.0.map { "'\($0)'" } ?? "NULL"), NULL, 1, '\(row.1)', '\(row.2)', '\(row.3)'"
            }
            let read = try RawRows(db, sql: values.joined(separator: " UNION ALL "))
            var first = FirstInOrder(limit: limit)
            while try read.step() {
                if let item = first.candidate(read) { first.offer(item) }
            }
            return first
        }
        for limit in [1, 2, 3, 5, 6, rows.count] {
            let (whole, halves) = try queue.read { db in
                var lower = try read(db, 0..<5, limit: limit)
                for item in try read(db, 5..<rows.count, limit: limit).items { lower.offer(item) }
                return (try read(db, rows.indices, limit: limit).ids, lower.ids)
            }
            #expect(whole == Array(expected.prefix(limit)), "limit \(limit)")
            #expect(halves == Array(expected.prefix(limit)), "limit \(limit), in two halves")
        }
    }

    @Test("a writer stopped mid-transaction leaves a hot journal: opening for reading rolls it back, says so, and reads what was committed")
    func hotJournal() throws {
        let fresh = try Backend.sqlite.fresh()
        _ = try Self.published(fresh)
        let ledger = (path: fresh.location, ())
        let folder = Scratch.root.appendingPathComponent("gongshi-hot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let copy = folder.appendingPathComponent("ledger.sqlite").path
        // A writer in the middle of a large transaction, its pages already spilled into the file:
        // the file and its journal copied as they are then are what a SIGKILL leaves behind.
        let writer = try DatabaseQueue(path: ledger.path)
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA cache_size = 1")
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "DELETE FROM publication")
            for index in 0..<2000 {
                try db.execute(
                    sql: "INSERT INTO problem (sha256, place, row, type, severity, message) VALUES (?, ?, ?, 'x', 'error', ?)",
                    arguments: [T.hashB, "/inbox/a.csv", index, String(repeating: "填", count: 200)])
            }
            try FileManager.default.copyItem(atPath: ledger.path, toPath: copy)
            try FileManager.default.copyItem(atPath: ledger.path + "-journal", toPath: copy + "-journal")
            try db.execute(sql: "ROLLBACK")
        }
        #expect(((try FileManager.default.attributesOfItem(atPath: copy + "-journal"))[.size] as? Int ?? 0) > 0)
        let reader = try Ledger.openForReading(path: copy)
        #expect(reader.recoveredJournal)
        #expect(try reader.history(key: "罚1").map(\.status) == [.published])
        #expect(!FileManager.default.fileExists(atPath: copy + "-journal"))
        // Opened again: nothing left to recover.
        #expect(try !Ledger.openForReading(path: copy).recoveredJournal)
    }

    @Test("intake: a file's counts and problems are replaced when the same bytes are read again; severity is a CHECK", arguments: Backend.allCases)
    func intake(_ backend: Backend) throws {
        let fresh = try backend.fresh()
        let (ledger, run) = try Self.published(fresh)
        let file = SourceFingerprint(sha256: T.hashB, size: 10, place: "/inbox/a.csv")
        let problem = StoredProblem(row: 3, line: nil, field: "处罚决定日期", type: "date-impossible", isWarning: false, value: "2026/02/30", message: "不是存在的日期")
        try ledger.recordIntake(file, counts: IntakeCounts(records: 3, valid: 2, invalid: 1, incomplete: 0), problems: [problem, problem], run: run)
        try ledger.recordIntake(file, counts: IntakeCounts(records: 3, valid: 2, invalid: 1, incomplete: 1), problems: [problem], run: run)
        let rows = try ledger.reportRows(from: "2026-11-01", to: "2026-11-30", limit: 10, pipelines: nil)
        #expect(rows.intake.map { [$0.files, $0.records, $0.valid, $0.invalid, $0.incomplete] } == [[1, 3, 2, 1, 1]])
        #expect(rows.problemsTotal == 1 && rows.problems.first?.value == "2026/02/30")
        // Lists are capped; totals are not.
        try ledger.recordIntake(file, counts: IntakeCounts(records: 3, valid: 0, invalid: 3), problems: [problem, problem, problem], run: run)
        let capped = try ledger.reportRows(from: "2026-11-01", to: "2026-11-30", limit: 2, pipelines: nil)
        #expect(capped.problems.count == 2 && capped.problemsTotal == 3)
        // Another department's pipeline on the same ledger, with problems of its own: a report of
        // one pipeline counts and lists its problems only.
        let other = try ledger.beginRun(command: "run", today: "2026-11-30", startedAt: "x", pipeline: "dadui", department: "城管大队")
        let otherFile = SourceFingerprint(sha256: String(repeating: "c", count: 64), size: 10, place: "/inbox/b.csv")
        try ledger.recordIntake(otherFile, counts: IntakeCounts(records: 2, valid: 0, invalid: 2), problems: [problem, problem], run: other)
        #expect(try ledger.reportRows(from: "2026-11-01", to: "2026-11-30", limit: 10, pipelines: nil).problemsTotal == 5)
        let theirs = try ledger.reportRows(from: "2026-11-01", to: "2026-11-30", limit: 10, pipelines: ["dadui"])
        #expect(theirs.problemsTotal == 2 && theirs.problems.count == 2 && theirs.problems.allSatisfy { $0.pipeline == "dadui" })
        #expect(try ledger.reportRows(from: "2026-11-01", to: "2026-11-30", limit: 10, pipelines: ["fazhike"]).problemsTotal == 0)
        #expect(throws: (any Error).self) {
            try fresh.sql("INSERT INTO problem (sha256, place, type, severity, message) VALUES ('\(T.hashB)', '/inbox/a.csv', 'x', 'fatal', 'm')")
        }
    }
}

/// A record published, corrected and published again has several live publications on one
/// portal's feed: each is taken down when its period ends, but the record may apply for 信用修复
/// once there, not once per publication.
@Suite("Publication ledger: 信用修复 once per record on a feed")
struct RepairOncePerFeedTests {
    typealias T = LedgerTests

    @Test("a record published three times on one feed is listed and counted once for 信用修复 (its latest publication), and each publication still ends", arguments: Backend.allCases)
    func republished(_ backend: Backend) throws {
        try Self.republished(try backend.fresh().store)
    }

    @Test("the in-memory ledger lists and counts 信用修复 once per record on a feed, as the ledgers do")
    func republishedInMemory() throws {
        try Self.republished(InMemoryLedger())
    }

    static func batch(_ id: String, portal: String, operation: BatchOperation, records: Int, on day: String) -> NewBatch {
        NewBatch(
            id: id, portal: portal, feed: "penalty", kind: "administrative-penalty", operation: operation, fileName: "f-\(id).xml",
            outboxPath: "/outbox/f-\(id).xml", payloadSHA256: T.hashA, records: records, createdOn: day)
    }

    /// 罚1 on gsxt three times (first published, then republished twice) and once on 信用中国;
    /// 罚2 on 信用中国 once. Both may apply for 信用修复 from 2027-02-20; 罚1 ends 2027-11-20.
    static func republished(_ ledger: any PublicationLedger) throws {
        let run = try ledger.beginRun(command: "test", today: "2026-11-30", startedAt: "2026-11-30T09:00:00+08:00", pipeline: nil, department: nil)
        let periods = [
            RecordPeriod(severity: "一般", severityReason: "默认", regime: "ndrc-2026-credit-repair", repairFrom: "2027-02-20", expiresOn: "2027-11-20"),
            RecordPeriod(severity: "一般", severityReason: "默认", regime: "ndrc-2026-credit-repair", repairFrom: "2027-02-20", expiresOn: "2029-11-20"),
        ]
        try ledger.recordInputs(
            [SourceFingerprint(sha256: T.hashB, size: 10, place: "/inbox/a.csv")],
            records: ["罚1", "罚2"].enumerated().map { index, key in
                RecordVersion(
                    kind: "administrative-penalty", key: key, contentSHA256: T.hashA, decisionDate: "2026-11-20", sourceSHA256: T.hashB,
                    sourceRow: index + 2, period: periods[index])
            },
            run: run)
        let creditChina = "creditchina-henan-zhengzhou"
        // On gsxt: published, corrected, then republished (`run --republish`); each publication
        // stays published.
        let corrected = T.publication("罚1", hash: T.hashB, previous: T.hashA, correcting: "b000000000000001")
        for (id, portal, operation, publications, day) in [
            ("b000000000000001", "gsxt", .publish, [T.publication("罚1")], "2026-11-30"),
            ("b000000000000002", creditChina, .publish, [T.publication("罚2"), T.publication("罚1")], "2026-11-30"),
            ("b000000000000003", "gsxt", .correct, [corrected], "2026-12-03"),
            ("b000000000000004", "gsxt", .republish, [T.publication("罚1", hash: T.hashB)], "2026-12-10"),
        ] as [(String, String, BatchOperation, [NewPublication], String)] {
            try ledger.recordPending(
                Self.batch(id, portal: portal, operation: operation, records: publications.count, on: day), publications: publications, run: run)
            _ = try ledger.confirm(batch: id, receipt: nil, on: day)
        }
        #expect(try ledger.history(key: "罚1").filter { $0.portal == "gsxt" }.map(\.status) == [.published, .published, .published])
        func lines(_ entries: [PeriodEntry]) -> [String] {
            entries.map { "\($0.publication.key) \($0.publication.portal) \($0.publication.batchID)" }
        }
        // One line per record on a feed, the record's latest publication there.
        // (信用中国's name sorts before gsxt.)
        let all = ["罚1 \(creditChina) b000000000000002", "罚1 gsxt b000000000000004", "罚2 \(creditChina) b000000000000002"]
        let today = "2027-03-01"
        #expect(try ledger.repairEligibleCount(today: today, kind: nil) == 3)
        #expect(try lines(ledger.repairEligible(today: today, kind: nil, limit: nil)) == all)
        for limit in [0, 1, 2, 3, 10] {
            let answer = try ledger.periodsToday(today: today, kind: "administrative-penalty", limit: limit)
            #expect(lines(answer.eligible) == Array(all.prefix(limit)), "limit \(limit)")
            #expect(answer.eligibleTotal == 3, "limit \(limit)")
            #expect(answer.eligible == (try ledger.repairEligible(today: today, kind: "administrative-penalty", limit: limit)), "limit \(limit)")
            #expect(answer.expired.isEmpty)
        }
        // A withdrawal asked for of the latest publication on gsxt: the record is still listed
        // there once, by its latest publication with none asked for.
        try ledger.recordWithdrawalBatch(
            NewBatch(
                id: "b000000000000005", portal: "gsxt", feed: "penalty", kind: "administrative-penalty", operation: .withdraw,
                fileName: "f-w.xml", outboxPath: "/outbox/f-w.xml", payloadSHA256: T.hashA, records: 1, createdOn: "2027-02-21"),
            items: [WithdrawalItem(batchID: "b000000000000004", position: 1, reason: "信用修复", basis: nil)], run: run)
        let asked = try ledger.periodsToday(today: today, kind: nil, limit: 10)
        #expect(lines(asked.eligible) == [all[0], "罚1 gsxt b000000000000003", all[2]] && asked.eligibleTotal == 3)
        #expect(asked.eligible == (try ledger.repairEligible(today: today, kind: nil, limit: 10)))
        #expect(try ledger.repairEligibleCount(today: today, kind: nil) == 3)
        // When 罚1's period ends, every live publication of it is taken down (the one whose
        // withdrawal is pending is already being taken down).
        let ended = try ledger.periodsToday(today: "2027-11-20", kind: nil, limit: 10)
        let expected = ["罚1 gsxt b000000000000001", "罚1 gsxt b000000000000003", "罚1 \(creditChina) b000000000000002"]
        #expect(lines(ended.expired).sorted() == expected.sorted())
        #expect(lines(try ledger.expired(today: "2027-11-20", kind: nil)).sorted() == expected.sorted())
        #expect(lines(ended.eligible) == ["罚2 \(creditChina) b000000000000002"] && ended.eligibleTotal == 1)
    }

    @Test(
        "a publication keeps the version of the record it carried: withdrawn for 更正, the planner is told it, and the key's later publications carry it as withdrawn",
        arguments: Backend.allCases)
    func withdrawnRecordVersion(_ backend: Backend) throws {
        let ledger = try backend.fresh().store
        let run = try T.begin(ledger)
        let (versionA, versionB) = (String(repeating: "1", count: 64), String(repeating: "2", count: 64))
        var first = T.publication("罚1")
        first.recordSHA256 = versionA
        try ledger.recordPending(T.batch("b000000000000001", records: 2), publications: [first, T.publication("罚2")], run: run)
        _ = try ledger.confirm(batch: "b000000000000001", receipt: nil, on: "2026-11-30")
        var current = try ledger.currentPublications(portal: "gsxt", feed: "penalty", keys: ["罚1", "罚2"])
        #expect(current["罚1"]?.recordSHA256 == versionA && current["罚2"]?.recordSHA256 == nil, "\(current)")
        try ledger.recordWithdrawalBatch(
            WithdrawalLedgerTests.withdrawal("w000000000000001"), items: [WithdrawalItem(batchID: "b000000000000001", position: 1, reason: "更正", basis: nil)],
            run: run)
        _ = try ledger.confirm(batch: "w000000000000001", receipt: nil, on: "2026-12-01")
        // The corrected version, its row on this feed the same: a republication of the row, carrying B.
        var again = T.publication("罚1")
        again.recordSHA256 = versionB
        try ledger.recordPending(T.batch("r000000000000001", operation: .republish, records: 1), publications: [again], run: run)
        current = try ledger.currentPublications(portal: "gsxt", feed: "penalty", keys: ["罚1"])
        let latest = try #require(current["罚1"])
        #expect(latest.recordSHA256 == versionB && latest.withdrawalReason == nil && latest.status == .pending, "\(latest)")
        #expect(latest.earlierWithdrawals == ["更正"] && latest.earlierWithdrawnRecords == [versionA], "\(latest)")
    }
}
