import Crypto
import DisclosureCore
import FeedEncoders
import Foundation
import GongshiTesting
import PipelineConfig
@testable import PipelineRunner
import Synchronization
import Testing
import WorkingDayCalendar

/// What the run's speed-ups must not change: content hashes (a changed hash would make every
/// published record a correction on the next night), the feed's row order, the periods and due
/// dates worked out once per kind of record, and the order and failures of work handed to a second
/// thread.
@Suite("Run speed-ups change no result")
struct RunSpeedInvariantsTests {
    /// The hash's byte layout, built by hand: each value's UTF-8 then U+001F, a missing value U+0000.
    static func layoutHash(_ values: [String?]) -> String {
        var bytes: [UInt8] = []
        for value in values {
            bytes += Array((value ?? "\u{0}").utf8)
            bytes.append(0x1F)
        }
        return SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    @Test("record and feed-row hashes are SHA-256 of the documented byte layout (values, U+001F after each, U+0000 for none), whatever the scratch buffer held before")
    func hashes() {
        // One scratch for all, as the intake and the planner keep it: a longer record first, then
        // shorter ones, so that bytes left from an earlier record would change a later hash.
        var scratch = Digest.Scratch()
        let values: [String?] = ["牟城管罚〔2025〕1号", nil, "", "郑州市中牟县某某商贸有限公司", "a\u{1F}b", String(repeating: "城", count: 2000)]
        #expect(Digest.sha256Hex(values: values, scratch: &scratch) == Self.layoutHash(values))
        #expect(Digest.sha256Hex(values: [], scratch: &scratch) == Self.layoutHash([]))
        #expect(Digest.sha256Hex(values: ["罚"], scratch: &scratch) == Self.layoutHash(["罚"]))
        let cells = ["91410122XP8TGJ0E60", "", "罚款", String(repeating: "x", count: 5000)]
        let legal = Digest.sha256Hex("penalty-legal", values: cells, scratch: &scratch)
        #expect(legal == Self.layoutHash(["penalty-legal"] + cells))
        #expect(Digest.sha256Hex("penalty-legal", values: ["罚款"], scratch: &scratch) == Self.layoutHash(["penalty-legal", "罚款"]))
        #expect(legal != Digest.sha256Hex("penalty-natural", values: cells, scratch: &scratch))
    }

    @Test("feed rows sort by their bytes exactly as by String's order for validated (NFC) text: keys, then cells")
    func rowOrder() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["牟城管罚", "〔2025〕", "1", "10", "2", "号", "|", "张三", "a", "B", "", "郑州", "𠀀", "é", "~"]
        func text() -> String { (0..<Int.random(in: 0...4, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined() }
        let rows = (0..<400).map { index in FeedPlan.Row(file: "f.csv", row: index + 2, key: text(), cells: [text(), text()]) }
        let byString = rows.sorted { $0.key != $1.key ? $0.key < $1.key : $0.cells.lexicographicallyPrecedes($1.cells) }
        let byBytes = rows.sorted(by: FeedPlan.Row.precedes)
        #expect(byBytes.map(\.key) == byString.map(\.key))
        #expect(byBytes.map(\.cells) == byString.map(\.cells))
        // The external sort gives the same order as the in-memory plan.
        let spool = try? Spool()
        if let spool { for row in rows { try? spool.appendEntry { FeedRowCoding.encode(row, into: &$0) } } }
        let sorted = spool.flatMap { try? Array(SpoolSorter.sorted($0, keyField: FeedRowCoding.keyField, decodeRaw: FeedRowCoding.rawDecoder(), by: FeedRowCoding.less, memoryBudget: 4096)) }
        #expect(sorted?.map(\.key) == byString.map(\.key))
    }

    static let periodPortals = ["creditchina-henan-zhengzhou", "gsxt"]

    /// The bundled penalty schema, an assessor of its periods on ``periodPortals``, and the day.
    static func penaltyAssessor() throws -> (PublicationSchema, PeriodAssessor, CalendarDate) {
        guard case .found(let schema) = SchemaCatalog.find(kind: "penalty") else { throw SchemaMissing() }
        return (schema, try #require(PeriodAssessor(schema: schema, rule: nil, portals: periodPortals)), CalendarDate(year: 2026, month: 11, day: 30)!)
    }

    struct SchemaMissing: Error {}

    @Test("periods worked out once per kind of record are the periods worked out afresh, record by record, past the memo's limit")
    func periodsMemo() throws {
        let (schema, shared, today) = try Self.penaltyAssessor()
        let portals = Self.periodPortals
        let kinds = ["警告", "罚款", "罚款；没收违法所得", "吊销许可证件", "通报批评", "限制从业"]
        let field = { (name: String) in try #require(schema.index(of: name)) }
        let (kindField, dateField, amountField, procedureField) = (try field("处罚类别"), try field("处罚决定日期"), try field("罚款金额(万元)"), try field("程序类型"))
        var start = CalendarDate(year: 2019, month: 1, day: 1)!
        // More distinct records than the memo holds (4,096): it is emptied and filled again.
        for index in 0..<5000 {
            var values = [String?](repeating: nil, count: schema.fields.count)
            values[kindField] = kinds[index % kinds.count]
            values[amountField] = ["0.2", "0.5", "12"][index % 3]
            values[procedureField] = index % 7 == 0 ? "简易程序" : "普通程序"
            values[dateField] = start.description
            if index % 3 == 0 { start = start.adding(days: 1) }
            let record = ValidRecord(file: "a.csv", row: index + 2, values: values)
            let fresh = try #require(PeriodAssessor(schema: schema, rule: nil, portals: portals)).periods(record, today: today)
            let memo = shared.periods(record, today: today)
            #expect(memo.general == fresh.general)
            #expect(memo.portals.map(\.period) == fresh.portals.map(\.period) && memo.portals.map(\.notToSend) == fresh.portals.map(\.notToSend))
            // Asked again: the same answer from the memo.
            #expect(shared.periods(record, today: today).general == fresh.general)
        }
    }

    @Test("one assessor asked about the same records on two days answers each day as a fresh one does (the day is part of its memo)")
    func periodsMemoByDay() throws {
        let (schema, shared, today) = try Self.penaltyAssessor()
        let later = CalendarDate(year: 2031, month: 1, day: 1)!
        let (kindField, dateField) = (try #require(schema.index(of: "处罚类别")), try #require(schema.index(of: "处罚决定日期")))
        var differ = 0
        for index in 0..<400 {
            var values = [String?](repeating: nil, count: schema.fields.count)
            values[kindField] = ["罚款", "警告", "吊销许可证件"][index % 3]
            values[dateField] = CalendarDate(year: 2020, month: 1, day: 1)!.adding(days: index * 5).description
            let record = ValidRecord(file: "a.csv", row: index + 2, values: values)
            for day in [today, later] {
                let fresh = try #require(PeriodAssessor(schema: schema, rule: nil, portals: Self.periodPortals)).periods(record, today: day)
                let memo = shared.periods(record, today: day)
                #expect(memo.general == fresh.general)
                #expect(memo.portals.map(\.notToSend) == fresh.portals.map(\.notToSend), "\(record.values[dateField] ?? "") on \(day)")
            }
            let (now, then) = (shared.periods(record, today: today), shared.periods(record, today: later))
            if now.portals.map(\.notToSend) != then.portals.map(\.notToSend) { differ += 1 }
        }
        #expect(differ > 0)  // some periods end between the two days: the test can tell them apart
    }

    @Test("one assessor shared by the threads that check records gives each the periods worked out afresh, its memo emptied and filled again meanwhile")
    func periodsMemoShared() throws {
        let (schema, shared, today) = try Self.penaltyAssessor()
        let portals = Self.periodPortals
        let (kindField, dateField) = (try #require(schema.index(of: "处罚类别")), try #require(schema.index(of: "处罚决定日期")))
        let kinds = ["警告", "罚款", "吊销许可证件", "通报批评"]
        // 6,000 distinct records (more than the memo's 4,096), each asked by four threads at once.
        let records = (0..<6000).map { index in
            var values = [String?](repeating: nil, count: schema.fields.count)
            values[kindField] = kinds[index % kinds.count]
            values[dateField] = CalendarDate(year: 2019, month: 1, day: 1)!.adding(days: index / 4).description
            return ValidRecord(file: "a.csv", row: index + 2, values: values)
        }
        let fresh = try #require(PeriodAssessor(schema: schema, rule: nil, portals: portals))
        let expected = records.map { fresh.periods($0, today: today) }
        let wrong = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for (index, record) in records.enumerated() where index % 2 == thread % 2 || thread >= 2 {
                let periods = shared.periods(record, today: today)
                if periods.general != expected[index].general || periods.portals.map(\.period) != expected[index].portals.map(\.period) {
                    wrong.withLock { $0 += 1 }
                }
            }
        }
        #expect(wrong.withLock { $0 } == 0)
    }

    @Test("a validation goes on while its one checking thread is held: the reading thread checks the batches no worker has begun instead of waiting for them, and the report is the one made with the worker free")
    func checksWhatTheWorkerHasNotBegun() throws {
        let (schema, _, today) = try Self.penaltyAssessor()
        // 8,500 records (17 a copy): more batches of 1,024 than the six the reading thread keeps waiting.
        let lines = try Fixtures.text("validate/penalty/valid.csv").split(whereSeparator: \.isNewline)
        let body = Array(repeating: lines.dropFirst().joined(separator: "\n"), count: 500).joined(separator: "\n")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("held-\(UUID().uuidString).csv").path
        try (lines[0] + "\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        @Sendable func validate() throws -> [ValidationReport.FileSummary] {
            let writer = try ReportWriter(json: false, language: .zh, reportPath: nil, output: FileHandle(forWritingAtPath: "/dev/null")!)
            return try FileValidator.$workersChosen.withValue(1) {
                try FileValidator.validate(files: [path], schema: schema, today: today, options: InputOptions(), writer: writer).files
            }
        }
        let free = try validate()
        #expect(free.first?.records == 8500)
        // The one worker's queue held until the validation is over (or a minute has passed).
        let held = DispatchSemaphore(value: 0)
        ParallelEvaluation.checkingThread.async { held.wait() }
        let finished = DispatchSemaphore(value: 0)
        let outcome = Mutex<[ValidationReport.FileSummary]?>(nil)
        Thread {
            let files = try? validate()
            outcome.withLock { $0 = files }
            finished.signal()
        }.start()
        let done = finished.wait(timeout: .now() + 60)
        held.signal()
        #expect(done == .success)
        if done != .success { finished.wait() }  // (once the worker is let go, it finishes)
        #expect(outcome.withLock { $0 } == free)
    }

    @Test("a row's content hash and line made by the intake, where its record is checked, are the ones the planner and the encoder make of its cells")
    func rowHashBeforehand() throws {
        let schemas = try SchemaCatalog.bundledDocuments.map { try SchemaLoader.load($0).get() }
        let profile = try #require(
            try PortalProfileLoader.bundledDocuments.map { try PortalProfileLoader.load($0, schemas: schemas).get() }
                .first { $0.id == "creditchina-henan-zhengzhou" })
        let (schema, periods, today) = try Self.penaltyAssessor()
        let file = Fixtures.url("validate/penalty/valid.csv").path
        // The same records through the feeds as they are (CSV: rows spooled as their lines) and as
        // XML (rows spooled with their cells), by key.
        func spooled(_ format: FeedSpec.Format?) throws -> [String: [String: FeedPlan.Row]] {
            let feeds = profile.feeds.filter { $0.schema == schema.id }.map { format.map($0.with(format:)) ?? $0 }
            let intake = try FeedIntake(feeds: feeds.map { (profile.id, $0) }, schema: schema, today: today, periods: periods)
            let writer = try ReportWriter(json: false, language: .zh, reportPath: nil, output: FileHandle(forWritingAtPath: "/dev/null")!)
            _ = try FileValidator.validate(files: [file], schema: schema, today: today, options: InputOptions(), writer: writer, records: intake)
            var rows: [String: [String: FeedPlan.Row]] = [:]
            for feed in intake.feeds {
                for row in try feed.sortedRows() { rows[feed.feed.name, default: [:]][row.key] = row }
            }
            return rows
        }
        let asLines = try spooled(nil), withCells = try spooled(.xml)
        var scratch = Digest.Scratch()
        var rows = 0
        for feed in profile.feeds where feed.schema == schema.id {
            #expect(feed.format == .csvUTF8BOM)
            let encoder = try #require(FeedEncoder.LineEncoder(feed: feed))
            #expect(Set(asLines[feed.name, default: [:]].keys) == Set(withCells[feed.name, default: [:]].keys))
            for (key, row) in asLines[feed.name, default: [:]] {
                rows += 1
                let cells = try #require(withCells[feed.name]?[key])
                #expect(row.cells.isEmpty && cells.line == nil)
                #expect(row.contentSHA256 == Digest.sha256Hex(feed.name, values: cells.cells, scratch: &scratch))
                #expect(cells.contentSHA256 == row.contentSHA256)
                var line: [UInt8] = []
                encoder.append(cells, to: &line)
                #expect(row.line == line)
            }
        }
        #expect(rows >= 10)
    }

    @Test("due dates worked out once per decision date are the calendar's")
    func dueDateMemo() throws {
        let start = CalendarDate(year: 2024, month: 1, day: 1)!, end = CalendarDate(year: 2026, month: 12, day: 31)!
        let calendar = try WorkingDayCalendar(
            coverage: start...end, daysOff: [CalendarDate(year: 2024, month: 10, day: 1)!: "国庆节"],
            makeUpWorkingDays: [CalendarDate(year: 2024, month: 9, day: 29)!: "国庆节"])
        let profile = PortalProfile(id: "p", version: 1, title: "门户", deadlineWorkingDays: 7, feeds: [])
        let deadlines = Deadlines(profile: profile, calendar: calendar)
        var memo = Deadlines.Memo(deadlines)
        var date = start
        for _ in 0..<900 {
            for text in [date.description, date.description.replacing("-", with: "/")] {
                #expect(memo.dueDate(text) == deadlines.dueDate(text))
                #expect(memo.dueDate(text) == deadlines.dueDate(text))
            }
            date = date.adding(days: 1)
        }
        #expect(memo.dueDate(nil) == nil && memo.dueDate("not a date") == nil)
    }

    @Test("a date already written YYYY-MM-DD is stored as the calendar would write it; other forms are parsed")
    func isoDates() throws {
        // What parsing and writing again gives (or the text itself when it is no date).
        func parsed(_ text: String) -> String { (try? CalendarDate.parse(text))?.description ?? text }
        var date = try #require(CalendarDate(year: 2023, month: 12, day: 25))
        for _ in 0..<800 {
            let text = date.description
            #expect(Deadlines.isoDate(text) == text && parsed(text) == text)
            let slashed = text.replacing("-", with: "/")
            #expect(Deadlines.isoDate(slashed) == parsed(slashed))
            date = date.adding(days: 1)
        }
        for text in [
            "2024-02-30", "2023-13-01", "0000-00-00", "2024/02/30", "2023/13/01", "0000/00/00", "2023/02/29", "2024/01-05", "2024-01/05",
            "2024-1-05", "2024/1/5", "", "x"] {
            #expect(Deadlines.isoDate(text) == parsed(text), "\(text)")
        }
        // The other forms the validator reads (an invalid record's date still starts its deadline).
        for text in ["2024年1月5日", "20240105", "2024.01.05", "2024.1.5", "2024/01/05 00:00:00", "2024/1/5 9:30", "2024/0１/05", "2024-01-0５", "2024-01-05 "] {
            #expect(Deadlines.isoDate(text) == "2024-01-05", "\(text)")
        }
        #expect(Deadlines.isoDate(nil) == nil)
    }

    @Test("work handed to the second thread runs in order, one job at a time; after a failure nothing more runs and the failure is thrown")
    func inOrderWorker() throws {
        struct Failed: Error, Equatable { let at: Int }
        let done = Mutex<[Int]>([])
        let running = Mutex(0)
        let worker = InOrderWorker(label: "test", depth: 2)
        for index in 0..<200 {
            try worker.submit {
                let overlapping = running.withLock { count in
                    count += 1
                    return count > 1
                }
                #expect(!overlapping)
                done.withLock { $0.append(index) }
                running.withLock { $0 -= 1 }
            }
        }
        try worker.finish()
        #expect(done.withLock { $0 } == Array(0..<200))

        let failing = InOrderWorker(label: "test-failing")
        let ran = Mutex<[Int]>([])
        var thrown: (any Error)?
        do {
            for index in 0..<50 {
                try failing.submit {
                    ran.withLock { $0.append(index) }
                    if index == 10 { throw Failed(at: index) }
                }
            }
            try failing.finish()
        } catch {
            thrown = error
        }
        #expect(thrown as? Failed == Failed(at: 10))
        #expect(ran.withLock { $0 } == Array(0...10))
        #expect(throws: Failed(at: 10)) { try failing.finish() }
    }

    @Test("a worker of depth 2 (a feed's sender) takes a second job while it runs one: the giving thread goes on to make the next")
    func inOrderWorkerTakesASecondJob() throws {
        let worker = InOrderWorker(label: "test-depth", depth: 2)
        let handed = DispatchSemaphore(value: 0)
        let saw = Mutex<Bool?>(nil)
        // The first job waits (at most a minute) for the second to have been handed over: a worker
        // that took one job at a time would keep the giver waiting until the first ended.
        try worker.submit {
            let seen = handed.wait(timeout: .now() + 60) == .success
            saw.withLock { $0 = seen }
        }
        try worker.submit {}
        handed.signal()
        try worker.finish()
        #expect(saw.withLock { $0 } == true)
    }

    @Test("what a job holds is released on the thread that gave it, not on the worker, and soon after it ran")
    func inOrderWorkerReleasesOnGivingThread() throws {
        final class Log: @unchecked Sendable {
            let releases = Mutex<[Bool]>([])  // per release: on the giving thread?
        }
        final class Held: @unchecked Sendable {
            let giver = pthread_self()
            let log: Log
            init(_ log: Log) { self.log = log }
            deinit { log.releases.withLock { $0.append(pthread_equal(pthread_self(), giver) != 0) } }
        }
        let log = Log()
        let worker = InOrderWorker(label: "test-release", depth: 2)
        for _ in 0..<300 {
            let held = Held(log)
            try worker.submit { withExtendedLifetime(held) {} }
        }
        try worker.finish()
        #expect(log.releases.withLock { $0 }.count == 300)
        #expect(log.releases.withLock { $0 }.allSatisfy { $0 })

        // Soon: a job that has run is released by the giver's next call, before any further job.
        let one = Log()
        try worker.submit { [held = Held(one)] in withExtendedLifetime(held) {} }
        worker.waitForJobs()
        #expect(one.releases.withLock { $0 }.isEmpty)  // run, but not yet released
        worker.releaseFinished()
        #expect(one.releases.withLock { $0 } == [true])
    }

    @Test("the register and the record versions written ahead: every item once, in order, in chunks, each made ready on the reading thread and written on another; a failed write or a failed read is thrown, and nothing is written after a failed write")
    func writeAhead() throws {
        struct Failed: Error, Equatable { let side: String }
        let size = FeedIntake.chunkSize
        let written = Mutex<[[Int]]>([])
        let reader = pthread_self()
        let preparedOnReader = Mutex<[Bool]>([])
        let writtenOnReader = Mutex<[Bool]>([])
        try FeedIntake.writeAhead(label: "test") { (items: [Int]) in
            preparedOnReader.withLock { $0.append(pthread_equal(pthread_self(), reader) != 0) }
            return DeferredLedgerWrite {
                writtenOnReader.withLock { $0.append(pthread_equal(pthread_self(), reader) != 0) }
                written.withLock { $0.append(items) }
            }
        } produce: { take in
            for item in 0..<(size * 2 + 7) { try take(item) }
        }
        #expect(written.withLock { $0.map(\.count) } == [size, size, 7])
        #expect(written.withLock { $0.flatMap { $0 } } == Array(0..<(size * 2 + 7)))
        #expect(preparedOnReader.withLock { $0 } == [true, true, true])
        #expect(writtenOnReader.withLock { $0 } == [false, false, false])

        let writes = Mutex(0)
        #expect(throws: CommandFailure.self) {
            try FeedIntake.writeAhead(label: "test") { (_: [Int]) in
                DeferredLedgerWrite { () throws(LedgerError) in
                    let count = writes.withLock { count in
                        count += 1
                        return count
                    }
                    if count == 2 { throw LedgerError.database("write") }
                }
            } produce: { take in
                for item in 0..<(size * 5) { try take(item) }
            }
        }
        #expect(writes.withLock { $0 } == 2)

        let handedOn = Mutex<[Int]>([])
        #expect(throws: Failed(side: "read")) {
            try FeedIntake.writeAhead(label: "test") { (items: [Int]) in DeferredLedgerWrite { handedOn.withLock { $0 += items } } } produce: { take in
                for item in 0..<(size + 3) { try take(item) }
                throw Failed(side: "read")
            }
        }
        // What was handed on before the failure was written; the rest of the chunk was not.
        #expect(handedOn.withLock { $0 } == Array(0..<size))
    }
}
