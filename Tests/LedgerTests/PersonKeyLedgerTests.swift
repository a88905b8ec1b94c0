import DisclosureCore
import Foundation
import GRDB
import GongshiTesting
@testable import SQLiteLedger
import Testing

/// A natural person's key (a keyed hash of their ID document) in both ledgers: kept in a column of
/// its own, found by key on one portal feed, never by 信用核查's subject code, and only ever 32 hex
/// digits (a number written there is refused by the table itself).
@Suite("Natural persons' keys in the ledger")
struct PersonKeyLedgerTests {
    static let keyA = String(repeating: "0123456789abcdef", count: 2)
    static let keyB = String(repeating: "fedcba9876543210", count: 2)

    static func person(_ key: String, personKey: String?, hash: String = LedgerTests.hashA) -> NewPublication {
        NewPublication(
            key: key, contentSHA256: hash, previousSHA256: nil, decisionDate: "2026-11-20", dueOn: "2026-12-01", subjectCode: nil,
            subjectName: nil, personKey: personKey, schemaVersion: 2, profileVersion: 1)
    }

    static func batch(_ id: String, feed: String, records: Int) -> NewBatch {
        NewBatch(
            id: id, portal: "creditchina", feed: feed, kind: "administrative-penalty", operation: .publish, fileName: "f-\(id).csv",
            outboxPath: "/outbox/f-\(id).csv", payloadSHA256: LedgerTests.hashA, records: records, createdOn: "2026-11-30")
    }

    /// Two people on one decision, a legal person on another, and the first person again on another feed.
    static func fill(_ ledger: any LedgerStore) throws {
        let run = try LedgerTests.begin(ledger)
        try ledger.recordPending(
            batch("00000000000000b1", feed: "penalty-natural", records: 3),
            publications: [
                person("罚2|李四", personKey: keyA), person("罚2|王五", personKey: keyB), person("罚3|赵六", personKey: nil),
            ], run: run)
        try ledger.recordPending(
            batch("00000000000000b2", feed: "penalty-legal", records: 1), publications: [LedgerTests.publication("罚1|某公司")], run: run)
        try ledger.recordPending(
            batch("00000000000000b3", feed: "penalty-other", records: 1), publications: [person("罚2|李四", personKey: keyA)], run: run)
    }

    @Test("a person's publications are found by their key on one portal feed only; the other person of the same decision, another feed and 信用核查 by code find none of them", arguments: Backend.allCases)
    func foundByKeyOnFeed(_ backend: Backend) throws {
        let ledger = try backend.fresh().store
        try Self.fill(ledger)
        let found = try ledger.publications(personKey: Self.keyA, portal: "creditchina", feed: "penalty-natural")
        #expect(found.map(\.key) == ["罚2|李四"])
        #expect(found.map(\.batchID) == ["00000000000000b1"])
        #expect(try ledger.publications(personKey: Self.keyB, portal: "creditchina", feed: "penalty-natural").map(\.key) == ["罚2|王五"])
        #expect(try ledger.publications(personKey: Self.keyA, portal: "creditchina", feed: "penalty-other").map(\.batchID) == ["00000000000000b3"])
        #expect(try ledger.publications(personKey: Self.keyA, portal: "gsxt", feed: "penalty-natural").isEmpty)
        // 信用核查 looks subjects up by code: a person's key is not one, and a key is never shown as one.
        #expect(try ledger.publications(subjectCode: Self.keyA, filter: .all).isEmpty)
        #expect(try ledger.history(key: "罚2").allSatisfy { $0.subjectCode == nil })
        #expect(try ledger.publications(subjectCode: "91410100MA40Q8R26R", filter: .all).map(\.key) == ["罚1|某公司"])
    }

    @Test("the column takes 32 lower-case hex digits or nothing: an ID number, an upper-case or a longer digest written past gongshi is refused by the table", arguments: Backend.allCases)
    func onlyKeysStored(_ backend: Backend) throws {
        let fresh = try backend.fresh()
        try Self.fill(fresh.store)
        for value in ["410122198503121231", Self.keyA.uppercased(), Self.keyA + "00", String(Self.keyA.dropLast()) + "g"] {
            #expect(throws: (any Error).self, "\(value)") {
                try fresh.sql("UPDATE publication SET person_key = '\(value)' WHERE record_key = '罚3|赵六'")
            }
        }
        try fresh.sql("UPDATE publication SET person_key = '\(Self.keyB)' WHERE record_key = '罚3|赵六'")
        #expect(try fresh.store.publications(personKey: Self.keyB, portal: "creditchina", feed: "penalty-natural").count == 2)
    }

    @Test("a v21 ledger gains the column (v22): its publications keep no key, new ones are found by theirs")
    func migratedFromV21() throws {
        let path = try LedgerTests.older(upTo: "2026-12-07 v21 a file read again on a day") { _ in }
        let ledger = try Ledger.open(path: path)
        #expect(try ledger.appliedMigrations() == LedgerTests.migrations)
        try Self.fill(ledger)
        #expect(try ledger.publications(personKey: Self.keyA, portal: "creditchina", feed: "penalty-natural").map(\.key) == ["罚2|李四"])
        let indexed = try DatabaseQueue(path: path).read { db in
            try String.fetchOne(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 'publication_by_person'")
        }
        #expect(indexed == "publication_by_person")
    }
}
