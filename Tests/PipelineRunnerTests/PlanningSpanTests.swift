import DisclosureCore
import Foundation
import GongshiTesting
import PipelineConfig
@testable import PipelineRunner
import SQLiteLedger
import Synchronization
import Testing
import WorkingDayCalendar

/// The planner asks the ledger about a chunk of keys only when some of them may have a
/// publication: never on a feed with none (a first run), and always when one may lie among them.
@Suite("The planner's questions, only where the ledger may hold an answer")
struct PlanningSpanTests {
    @Test("a span holds a chunk when any key lies between its first and last key, in the order of their UTF-8 bytes")
    func spanHolds() {
        let span = PublicationKeySpan.keys(first: "牟城管罚〔2026〕10号", last: "牟城管罚〔2026〕3号")
        #expect(span.mayHold(["牟城管罚〔2026〕10号"]))  // its first key
        #expect(span.mayHold(["牟城管罚〔2026〕3号"]))  // its last
        // In byte order "10号" < "1号" < "2号" < "30号" < "3号" ('号' is 0xE5…, after every digit).
        #expect(span.mayHold(["牟城管罚〔2026〕2号", "甲"]))
        #expect(span.mayHold(["牟城管罚〔2026〕1号"]) && span.mayHold(["牟城管罚〔2026〕30号"]))
        #expect(!span.mayHold(["牟城管罚〔2026〕0号", "牟城管罚〔2026〕4号"]))
        #expect(!span.mayHold(["牟城管罚〔2025〕9号", "牟城管罚〔2027〕1号"]))
        #expect(!span.mayHold([String]()))
        #expect(!PublicationKeySpan.empty.mayHold(["牟城管罚〔2026〕2号"]))
        #expect(PublicationKeySpan.unknown.mayHold(["x"]))
        // Bytes, not `String`'s order: "e" and a combining acute (65 CC 81) equals "é" (C3 A9) as a
        // `String`, and lies before it as bytes, as SQLite orders them.
        let decomposed = PublicationKeySpan.keys(first: "a", last: "e\u{301}")
        #expect(!decomposed.mayHold(["\u{E9}"]))
        #expect(decomposed.mayHold(["e"]))
    }

    /// A planning ledger that counts the planner's questions and passes them to the real one.
    final class Counting: PlanningLedger, @unchecked Sendable {
        let ledger: Ledger
        let asked = Mutex(0)
        init(_ ledger: Ledger) { self.ledger = ledger }
        func currentPublications(portal: String, feed: String, keys: some Collection<String>) throws(LedgerError) -> [String: CurrentPublication] {
            asked.withLock { $0 += 1 }
            return try ledger.currentPublications(portal: portal, feed: feed, keys: keys)
        }
        func forEachCurrentPublication(portal: String, feed: String, _ body: (String, CurrentPublication) throws -> Void) throws(LedgerError) {
            try ledger.forEachCurrentPublication(portal: portal, feed: feed, body)
        }
        func publicationKeySpan(portal: String, feed: String) throws(LedgerError) -> PublicationKeySpan {
            try ledger.publicationKeySpan(portal: portal, feed: feed)
        }
    }

    @Test("a first run asks nothing; once the feed has publications, its keys are asked about and found unchanged")
    func firstRunAsksNothing() throws {
        let folder = try SettledFileStatTests.Folder()
        let ledger = try Ledger.open(path: folder.path("ledger.sqlite"))
        let (schema, periods, today) = try RunSpeedInvariantsTests.penaltyAssessor()
        let schemas = try SchemaCatalog.bundledDocuments.map { try SchemaLoader.load($0).get() }
        let profile = try #require(
            try PortalProfileLoader.bundledDocuments.map { try PortalProfileLoader.load($0, schemas: schemas).get() }
                .first { $0.id == "creditchina-henan-zhengzhou" })
        let feed = try #require(profile.feeds.first { $0.schema == schema.id && $0.name == "penalty-legal" })
        func intake() throws -> SpooledFeed {
            let intake = try FeedIntake(feeds: [(profile.id, feed)], schema: schema, today: today, periods: periods)
            let writer = try ReportWriter(json: false, language: .zh, reportPath: nil, output: FileHandle(forWritingAtPath: "/dev/null")!)
            _ = try FileValidator.validate(
                files: [Fixtures.url("validate/penalty/valid.csv").path], schema: schema, today: today, options: InputOptions(), writer: writer,
                records: intake)
            return intake.feeds[0]
        }
        let counting = Counting(ledger)
        #expect(try ledger.publicationKeySpan(portal: profile.id, feed: feed.name) == .empty)
        var planned: [PlannedRow] = []
        let first = try FeedPublisher.plan(try intake(), ledger: counting, republishing: false, today: today) { planned.append($1) }
        #expect(first.published >= 5 && planned.count == first.published)
        #expect(counting.asked.withLock { $0 } == 0)

        // Recorded, the feed's span is its keys', and the same rows are asked about and unchanged.
        let run = try ledger.beginRun(command: "run test", today: "2026-11-30", startedAt: "2026-11-30T02:00:00+08:00", pipeline: "test", department: nil)
        let publications = planned.map {
            NewPublication(
                key: $0.row.key, contentSHA256: $0.hash, previousSHA256: nil, decisionDate: $0.row.decisionDate, dueOn: nil,
                subjectCode: $0.row.subjectCode, subjectName: $0.row.subjectName, schemaVersion: schema.version, profileVersion: profile.version)
        }
        try ledger.recordPending(
            NewBatch(
                id: "b000000000000001", portal: profile.id, feed: feed.name, kind: schema.id, operation: .publish, fileName: "f.csv",
                outboxPath: folder.path("f.csv"), payloadSHA256: String(repeating: "0", count: 64), records: publications.count,
                createdOn: "2026-11-30"),
            publications: publications, run: run)
        let keys = planned.map(\.row.key).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(try ledger.publicationKeySpan(portal: profile.id, feed: feed.name) == .keys(first: keys.first!, last: keys.last!))
        let second = try FeedPublisher.plan(try intake(), ledger: counting, republishing: false, today: today) { _, _ in
            Issue.record("a recorded row planned again")
        }
        #expect(second.unchanged == first.published && second.published == 0)
        #expect(counting.asked.withLock { $0 } >= 1)
    }

    @Test("a batch's rows and publications, moved out of its planned rows, keep the batch's order")
    func batchOrder() {
        let batch = (1...5).map { number in
            PlannedRow(
                row: FeedPlan.Row(file: "a.csv", row: number + 1, key: "牟城管罚〔2026〕\(number)号", cells: ["\(number)"]),
                hash: String(repeating: "\(number)", count: 64), previous: number == 3 ? String(repeating: "f", count: 64) : nil)
        }
        let (rows, publications) = FeedPublisher.publications(of: batch) { planned in
            NewPublication(
                key: planned.row.key, contentSHA256: planned.hash, previousSHA256: planned.previous, decisionDate: nil, dueOn: nil,
                subjectCode: nil, subjectName: nil, schemaVersion: 1, profileVersion: 1)
        }
        #expect(rows == batch.map(\.row))
        #expect(publications.map(\.key) == batch.map(\.row.key))
        #expect(publications.map(\.contentSHA256) == batch.map(\.hash))
        #expect(publications.map(\.previousSHA256) == batch.map(\.previous))
        #expect(FeedPublisher.publications(of: []) { _ in fatalError("no row") } == ([], []))
    }
}
