import DisclosureCore
import DisclosureReports
import Foundation
import Synchronization
import GongshiTesting
import PipelineRunner
import Testing
import WorkingDayCalendar

/// The engine in process: the bundled 法制科 pipeline (GB18030 CSV; an outbox portal and an API
/// portal) run against the in-memory ledger, with a recording channel for the API portal.
@Suite("The engine in process")
struct EngineRunTests {
    /// A copy of the pipeline, its inbox and the API portal's profile in a fresh folder.
    struct Project {
        let root: URL
        let ledger: InMemoryLedger
        let channel: RecordingChannel
        var pipeline: String { root.appendingPathComponent("pipelines/fazhike-penalties.yaml").path }
        var input: URL { root.appendingPathComponent("fixtures/pipelines/inbox/fazhike/2026-11-penalties.csv") }
        var outbox: URL { root.appendingPathComponent("var/outbox") }
        static let environment = ["GONGSHI_PORTAL_APP_KEY": "k", "GONGSHI_PORTAL_SECRET": "s"]

        init(channel: RecordingChannel = RecordingChannel(), ledger: InMemoryLedger = InMemoryLedger()) throws {
            self.channel = channel
            self.ledger = ledger
            root = Scratch.root.appendingPathComponent("gongshi-engine-\(UUID().uuidString)")
            for folder in ["pipelines", "fixtures/pipelines/inbox/fazhike", "fixtures/portals"] {
                try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            for file in [
                "pipelines/fazhike-penalties.yaml", "fixtures/pipelines/inbox/fazhike/2026-11-penalties.csv",
                "fixtures/portals/api-portal.v1.yaml",
            ] {
                try FileManager.default.copyItem(at: Fixtures.root.appendingPathComponent(file), to: root.appendingPathComponent(file))
            }
            // Batches of 5 on the API portal: the 13 legal persons' penalties make 3 batches, the 4 natural persons' 1.
            let profile = root.appendingPathComponent("fixtures/portals/api-portal.v1.yaml")
            let text = try String(contentsOf: profile, encoding: .utf8)
            try text.replacing(/batch_limit: \d+/, with: "batch_limit: 5").write(to: profile, atomically: true, encoding: .utf8)
        }

        func run(
            _ today: String, range: ClosedRange<String>? = nil, republishing: Bool = false, dryRun: Bool = false
        ) throws -> (summary: RunSummary, lines: [String]) {
            let date = try CalendarDate.parse(today)
            let (transcript, lines) = Transcript.collecting()
            let context = try PipelineContext.load(pipeline, today: date, environment: Self.environment, transcript: transcript)
            let request = RunRequest(
                today: date, range: try range.map { try CalendarDate.parse($0.lowerBound)...CalendarDate.parse($0.upperBound) },
                dryRun: dryRun, republishing: republishing)
            let summary = try PipelineRun(
                context: context, request: request, ledger: ledger, transcript: transcript, channelOverride: ["api-portal": channel]
            ).execute()
            return (summary, lines())
        }

        /// The export with one record changed (牟城管罚〔2026〕1号's fine), still GB18030.
        func changeOneRecord(fine: String = "罚款3000元,0.3,", into file: URL? = nil) throws {
            let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
            let first = try #require(text.range(of: "罚款2000元,0.2,"))
            let source = root.appendingPathComponent("changed-utf8.csv")
            try text.replacingCharacters(in: first, with: fine).write(to: source, atomically: true, encoding: .utf8)
            try runTool("/usr/bin/iconv", ["-f", "UTF-8", "-t", "GB18030", "-o", (file ?? input).path, source.path])
        }

        /// Another export in the inbox, `name` (GB18030): rows of the fixture's export, each the
        /// row of decision `number` (牟城管罚〔2026〕N号) with some cells (by index) changed.
        func addExport(_ name: String, rows: [(number: String, changes: [Int: String])]) throws {
            let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
            let lines = text.components(separatedBy: "\r\n").count > 1 ? text.components(separatedBy: "\r\n") : text.components(separatedBy: "\n")
            var out = [lines[0]]
            for (number, changes) in rows {
                var cells = try #require(lines.first { $0.contains("牟城管罚〔2026〕\(number)号,") }).components(separatedBy: ",")
                for (index, value) in changes { cells[index] = value }
                out.append(cells.joined(separator: ","))
            }
            let source = root.appendingPathComponent("\(name)-utf8.csv")
            try (out.joined(separator: "\r\n") + "\r\n").write(to: source, atomically: true, encoding: .utf8)
            let file = input.deletingLastPathComponent().appendingPathComponent(name)
            try runTool("/usr/bin/iconv", ["-f", "UTF-8", "-t", "GB18030", "-o", file.path, source.path])
        }

        /// The clerk confirms every batch waiting for the outbox portal (信用中国) as published on `day`.
        func confirmOutbox(on day: String) throws {
            for batch in try ledger.batches(portal: "creditchina-henan-zhengzhou", status: .pending) {
                _ = try ledger.confirm(batch: batch.id, receipt: nil, on: day)
            }
        }

        /// The day the register records a decision revoked on, on each of its portals (nil: not revoked).
        func revocations(of number: String) throws -> [String?] {
            var scope = DecisionScope(kind: "administrative-penalty", pipeline: "fazhike-penalties")
            scope.number = number
            var revoked: [String?] = []
            try ledger.forEachDecision(scope: scope) { revoked.append($0.revokedOn) }
            return revoked
        }

        /// A clerk's withdrawal on `today`, through the recording channel for the API portal.
        func withdrawal(on today: String) throws -> RecordWithdrawal {
            let date = try CalendarDate.parse(today)
            let (transcript, _) = Transcript.collecting()
            let context = try PipelineContext.load(pipeline, today: date, environment: Self.environment, transcript: transcript)
            return RecordWithdrawal(
                context: context, ledger: ledger, today: date, channels: ChannelFactory(), transcript: transcript,
                channelOverride: ["api-portal": channel])
        }

        /// Each key's publications on a portal feed that did not fail.
        func live(_ portal: String, _ feed: String) -> [String: Int] {
            var seen: [String: Int] = [:]
            for entry in ledger.publicationLog(portal: portal, feed: feed) where entry.status != .failed { seen[entry.key, default: 0] += 1 }
            return seen
        }
    }

    @Test("a ledger that takes two writers at once: the record versions are written beside the register, each begun while the other is, with the same outcome as one after the other")
    func versionsBesideRegister() throws {
        // Each bulk write, the first time, says it has begun and waits (at most a minute) to see
        // the other begun: written one after the other, the first would wait in vain.
        let begun = (versions: DispatchSemaphore(value: 0), register: DispatchSemaphore(value: 0))
        let met = Mutex<[InMemoryLedger.BulkWrite: Bool]>([:])
        let ledger = InMemoryLedger(concurrentWrites: true) { write in
            guard write == .versions || write == .register, met.withLock({ $0[write] == nil }) else { return }
            let (mine, other) = write == .versions ? (begun.versions, begun.register) : (begun.register, begun.versions)
            mine.signal()
            let saw = other.wait(timeout: .now() + 60) == .success
            met.withLock { $0[write] = saw }
        }
        let together = try Project(ledger: ledger)
        let (summary, _) = try together.run("2026-11-30")
        #expect(met.withLock { $0 } == [.versions: true, .register: true])
        let alone = try Project()
        let (sequential, _) = try alone.run("2026-11-30")
        #expect(summary.validRecords == 17 && summary.validRecords == sequential.validRecords)
        #expect(summary.feeds == sequential.feeds && summary.disclosure == sequential.disclosure)
        #expect(together.ledger.publicationLog(portal: "api-portal", feed: "penalty-legal").count == 13)
    }

    @Test("on a ledger that takes two writes at once, a feed's batches are recorded by two senders at once (the first waits to see the second begun); the outcome, the batches and their lines, in the walk's order, are the one sender's")
    func batchesOnTwoSenders() throws {
        // The API portal's legal-person feed is 3 batches of 5. Its first batch's publications,
        // when they begin, wait (at most a minute) to see the next batch's begun: sent one after
        // the other, the first would wait in vain.
        let second = DispatchSemaphore(value: 0)
        let arrivals = Mutex(0)
        let saw = Mutex<Bool?>(nil)
        let ledger = InMemoryLedger(concurrentWrites: true) { write in
            guard write == .publications(portal: "api-portal", feed: "penalty-legal") else { return }
            let arrival = arrivals.withLock { count in
                count += 1
                return count
            }
            if arrival == 1 {
                let seen = second.wait(timeout: .now() + 60) == .success
                saw.withLock { $0 = seen }
            } else if arrival == 2 {
                second.signal()
            }
        }
        let together = try Project(ledger: ledger)
        let (summary, lines) = try together.run("2026-11-30")
        #expect(saw.withLock { $0 } == true)
        let alone = try Project()
        let (sequential, sequentialLines) = try alone.run("2026-11-30")
        #expect(summary.feeds == sequential.feeds && summary.disclosure == sequential.disclosure)
        // The same batches, each once; the lines the same, in the same order (the roots apart).
        #expect(together.channel.received.map(\.batch).sorted() == alone.channel.received.map(\.batch).sorted())
        #expect(together.ledger.publicationLog(portal: "api-portal", feed: "penalty-legal").count == 13)
        let batchLines = { (lines: [String], root: URL) in
            lines.filter { $0.hasPrefix("新公示：批次") }.map { $0.replacingOccurrences(of: root.path, with: "ROOT") }
        }
        #expect(batchLines(lines, together.root).count == 6)
        #expect(batchLines(lines, together.root) == batchLines(sequentialLines, alone.root))
    }

    @Test("nightly run: validated, planned, staged into the outbox, uploaded through the channel; the same night again sends nothing")
    func nightly() throws {
        let project = try Project()
        let (first, lines) = try project.run("2026-11-30")
        #expect(first.validRecords == 17 && first.invalidRecordsAndFailedFiles == 0)
        #expect(first.feeds["api-portal/penalty-legal"]?.published == 13)
        #expect(first.exitStatus == 75)  // 8号 and 9号 are overdue, most are due tomorrow
        #expect(first.feeds["api-portal/penalty-natural"]?.published == 4)
        #expect(first.disclosure.overdue == 2 && first.disclosure.dueSoon == 14, "\(first.disclosure)")
        // Batches of 5: the 13 legal persons in 3, the 4 natural persons in 1.
        #expect(project.channel.received.count == 4 && project.channel.received.allSatisfy { $0.operation == .publish })
        #expect(lines.first == "流水线 fazhike-penalties（法制科 行政处罚）：nightly，今天 2026-11-30")
        #expect(try project.ledger.batches(portal: "api-portal", status: .pending).isEmpty)
        let staged = try project.ledger.batches(portal: "creditchina-henan-zhengzhou", status: .pending)
        #expect(staged.count == 2)
        // The pipeline asks for the Excel 模板 on 信用中国: workbooks an independent reader opens, 13 + 4 records.
        #expect(staged.allSatisfy { $0.outboxPath.hasSuffix(".xlsx") })
        #expect(try staged.map { try IndependentReader.workbook(URL(fileURLWithPath: $0.outboxPath)).rows.count - 1 }.sorted() == [4, 13])
        #expect(project.ledger.runExitCodes == [75])
        // The report files exist, mode 0600.
        let files = try #require(first.reportFiles)
        #expect((try FileManager.default.attributesOfItem(atPath: files.json)[.posixPermissions] as? Int) == 0o600)

        let again = try project.run("2026-11-30")
        #expect(again.summary.skippedFiles == [project.input.path])
        #expect(again.summary.feeds.values.allSatisfy { $0 == FeedCounts() } && project.channel.received.count == 4)
        #expect(project.live("api-portal", "penalty-legal").values.allSatisfy { $0 == 1 })
    }

    @Test("exactly once when the portal fails on the Nth call: the batch stays pending, the next run asks first, then sends it once")
    func failingChannel() throws {
        // Four batches: a status query and a send each, eight calls.
        for failing in 1...8 {
            let channel = RecordingChannel()
            channel.fail(onCall: failing)
            let project = try Project(channel: channel)
            let first = try project.run("2026-11-30")
            let sentFirst = channel.received.count
            #expect(first.summary.exitStatus == 69, "call \(failing)")
            #expect(try project.ledger.batches(portal: "api-portal", status: .pending).count == 4 - sentFirst, "call \(failing)")
            let second = try project.run("2026-12-01")
            #expect(second.summary.exitStatus != 69, "call \(failing)")
            // Each batch reached the portal exactly once, and the ledger knows every one as taken.
            #expect(channel.received.count == 4 && Set(channel.received.map(\.batch)).count == 4, "call \(failing)")
            #expect(try project.ledger.batches(portal: "api-portal", status: .pending).isEmpty, "call \(failing)")
            #expect(project.live("api-portal", "penalty-legal").values.allSatisfy { $0 == 1 }, "call \(failing)")
        }
    }

    @Test("a write the ledger refuses stops the run with 74, and nothing it had half-done is counted as sent")
    func ledgerFailure() throws {
        let project = try Project()
        project.ledger.failWrites(after: 6)
        #expect(throws: CommandFailure.self) { try project.run("2026-11-30") }
        project.ledger.failWrites(after: nil)
        _ = try project.run("2026-12-01", range: "2026-11-01"..."2026-11-30")
        #expect(project.live("api-portal", "penalty-legal").values.allSatisfy { $0 == 1 })
        #expect(Set(project.channel.received.map(\.batch)).count == project.channel.received.count)
    }

    @Test("reconcile: a lost outbox file fails its batch and the records go out again under the same id; a receipt dropped beside it confirms it")
    func reconcile() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        let pending = try project.ledger.batches(portal: "creditchina-henan-zhengzhou", status: .pending)
        let batch = try #require(pending.first)
        try FileManager.default.removeItem(atPath: batch.outboxPath)
        // A re-run of the month reads the file again: the lost batch's records are planned again,
        // the same records make the same batch, now on its second attempt, delivered into today's folder.
        let (rerun, lines) = try project.run("2026-12-01", range: "2026-11-01"..."2026-11-30")
        let again = try #require(try project.ledger.batch(batch.id))
        #expect(again.status == .pending && again.attempts == 2 && FileManager.default.fileExists(atPath: again.outboxPath))
        #expect(lines.contains { $0.hasPrefix("警告 [outbox-file-lost] 批次 \(batch.id)") })
        #expect(rerun.feeds.values.reduce(0) { $0 + $1.published } == batch.records)
        // The clerk saves the portal's receipt beside it: the next run records it.
        try Data("已接收".utf8).write(to: URL(fileURLWithPath: again.outboxPath + ".receipt"))
        _ = try project.run("2026-12-02")
        #expect(try project.ledger.batch(batch.id)?.status == .published)
    }

    @Test("a batch the clerk marks failed is planned again by the next nightly run, whatever its file's state, and published once")
    func failedBatchNightly() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        let batch = try #require(try project.ledger.batches(portal: "creditchina-henan-zhengzhou", status: .pending).first)
        #expect(try project.ledger.fail(batch: batch.id, reason: "门户退回整个文件"))
        // Until then the records count as not published.
        let (night, _) = try project.run("2026-12-01")
        #expect(night.skippedFiles.isEmpty, "the file holding the failed batch's records is read again")
        #expect(night.feeds.values.reduce(0) { $0 + $1.published } == batch.records, "\(night.feeds)")
        let again = try #require(try project.ledger.batch(batch.id))
        #expect(again.status == .pending && again.attempts == 2)
        // The batch names the file it was made into again (its failed attempt is kept by the
        // ledgers: `LedgerTests.failedBatchRetried`).
        #expect(again.createdOn == "2026-12-01" && again.outboxPath != batch.outboxPath && again.fileName != batch.fileName)
        #expect(FileManager.default.fileExists(atPath: again.outboxPath))
        #expect(project.live("creditchina-henan-zhengzhou", "penalty-legal").values.allSatisfy { $0 == 1 })
        // Settled again: the next night reads nothing.
        #expect(try project.run("2026-12-02").summary.skippedFiles == [project.input.path])
    }

    @Test("a lost outbox file: the next nightly run plans its records again (no range needed), once")
    func lostFileNightly() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        let batch = try #require(try project.ledger.batches(portal: "creditchina-henan-zhengzhou", status: .pending).first)
        try FileManager.default.removeItem(atPath: batch.outboxPath)
        let (night, lines) = try project.run("2026-12-01")
        #expect(lines.contains { $0.hasPrefix("警告 [outbox-file-lost] 批次 \(batch.id)") })
        #expect(night.feeds.values.reduce(0) { $0 + $1.published } == batch.records, "\(night.feeds)")
        #expect(FileManager.default.fileExists(atPath: try #require(try project.ledger.batch(batch.id)).outboxPath))
        #expect(project.live("creditchina-henan-zhengzhou", "penalty-legal").values.allSatisfy { $0 == 1 })
    }

    /// A run whose API uploads all fail: four batches left pending, their files staged.
    static func pendingAPIBatches() throws -> (Project, [BatchInfo]) {
        let channel = RecordingChannel()
        channel.fail(onCall: 1, andAfter: true)
        let project = try Project(channel: channel)
        _ = try project.run("2026-11-30")
        let pending = try project.ledger.batches(portal: "api-portal", status: .pending)
        #expect(pending.count == 4 && channel.received.isEmpty)
        return (project, pending)
    }

    @Test("an API batch whose file is lost: the portal is asked first — it has the batch: recorded, not sent again under another id")
    func lostAPIBatchThePortalHas() throws {
        let (project, pending) = try Self.pendingAPIBatches()
        let batch = pending[0]
        // The portal took the batch just before the crash that left it pending; then the file is lost.
        project.channel.heal()
        _ = try project.channel.send(batch, payload: [UInt8](try Data(contentsOf: URL(fileURLWithPath: batch.outboxPath))))
        try FileManager.default.removeItem(atPath: batch.outboxPath)
        let (night, lines) = try project.run("2026-12-01")
        #expect(lines.contains { $0.contains("门户已有此批次") }, "\(lines)")
        #expect(try project.ledger.batch(batch.id)?.status == .published)
        #expect(night.exitStatus != 69)
        // Every record reached the portal exactly once.
        let received = project.channel.received.filter { $0.operation == .publish }
        #expect(received.count == 4 && Set(received.map(\.batch)).count == 4)
        #expect(project.live("api-portal", "penalty-legal").values.allSatisfy { $0 == 1 })
        #expect(project.live("api-portal", "penalty-natural").values.allSatisfy { $0 == 1 })
    }

    @Test("an API batch whose file is lost while the portal cannot answer: it waits, pending, and is not planned again; once the portal says it lacks it, it goes out once")
    func lostAPIBatchUnknown() throws {
        let (project, pending) = try Self.pendingAPIBatches()
        let batch = pending[0]
        try FileManager.default.removeItem(atPath: batch.outboxPath)
        let (down, lines) = try project.run("2026-12-01")
        #expect(down.exitStatus == 69)
        #expect(lines.contains { $0.contains("[batch-status-unknown] 批次 \(batch.id)") }, "\(lines)")
        #expect(try project.ledger.batch(batch.id)?.status == .pending)
        #expect(down.feeds.values.reduce(0) { $0 + $1.published } == 0)
        // The portal is back and has never seen it: failed, planned again, sent once.
        project.channel.heal()
        let (back, _) = try project.run("2026-12-02")
        #expect(back.feeds.values.reduce(0) { $0 + $1.published } == batch.records, "\(back.feeds)")
        let received = project.channel.received.filter { $0.operation == .publish }
        #expect(received.count == 4 && Set(received.map(\.batch)).count == 4)
        #expect(project.live("api-portal", "penalty-legal").values.allSatisfy { $0 == 1 })
    }

    @Test("records the portal rejects are counted in the run's summary (门户退回) until a corrected record goes out")
    func rejectedCounted() throws {
        let channel = RecordingChannel { batch in batch.operation == .publish && batch.records == 5 ? [2: "字段格式错误"] : [:] }
        let project = try Project(channel: channel)
        let (first, lines) = try project.run("2026-11-30")
        #expect(first.disclosure.rejected == 2, "\(first.disclosure)")  // two batches of 5 on the API portal
        #expect(lines.contains { $0.contains("门户退回 2") }, "\(lines)")
        #expect(first.exitStatus == 65)
    }

    @Test("corrections and republication: a changed record goes out as a correction on both portals; --republish sends the unchanged once a day")
    func corrections() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        try project.changeOneRecord()
        let (changed, _) = try project.run("2026-12-01", range: "2026-11-01"..."2026-11-30")
        #expect(changed.feeds["api-portal/penalty-legal"]?.corrected == 1 && changed.feeds["creditchina-henan-zhengzhou/penalty-legal"]?.corrected == 1)
        #expect(changed.feeds.values.allSatisfy { $0.published == 0 })
        #expect(project.channel.received.map(\.operation) == [.publish, .publish, .publish, .publish, .correct])
        let log = project.ledger.publicationLog(portal: "api-portal", feed: "penalty-legal").filter { $0.key.hasPrefix("牟城管罚〔2026〕1号") }
        #expect(log.map(\.operation) == [.publish, .correct])

        let (republished, _) = try project.run("2026-12-02", range: "2026-11-20"..."2026-11-20", republishing: true)
        #expect(republished.feeds["api-portal/penalty-legal"]?.republished ?? 0 > 0)
        let sameDay = try project.run("2026-12-02", range: "2026-11-20"..."2026-11-20", republishing: true)
        #expect(sameDay.summary.feeds["api-portal/penalty-legal"]?.republished == 0)
        #expect(sameDay.summary.feeds["api-portal/penalty-legal"]?.unchanged == republished.feeds["api-portal/penalty-legal"]?.republished)
        let nextDay = try project.run("2026-12-03", range: "2026-11-20"..."2026-11-20", republishing: true)
        #expect(nextDay.summary.feeds["api-portal/penalty-legal"]?.republished == republished.feeds["api-portal/penalty-legal"]?.republished)
    }

    @Test("a range re-run settles no file: a change it holds outside the range goes out the next night")
    func rangeRunLeavesFilesUnsettled() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        // 牟城管罚〔2026〕1号 (decided 2026-11-20) changes; the range re-run covers 11-01…11-10 only.
        try project.changeOneRecord()
        let (range, _) = try project.run("2026-12-01", range: "2026-11-01"..."2026-11-10")
        #expect(range.feeds.values.allSatisfy { $0.corrected == 0 }, "\(range.feeds)")
        let (night, _) = try project.run("2026-12-02")
        #expect(night.skippedFiles.isEmpty, "the file the range run read is read again by the nightly run")
        #expect(night.feeds["api-portal/penalty-legal"]?.corrected == 1, "\(night.feeds)")
        // Settled by the nightly run: the night after reads nothing.
        #expect(try project.run("2026-12-03").summary.skippedFiles == [project.input.path])
    }

    @Test("a range re-run lists, counts and exits for the records decided in its dates only: an invalid record outside them is counted apart, its problems unlisted, and the nightly run still reports it")
    func rangeRunLeavesOutsideRecordsAlone() throws {
        let project = try Project()
        // An October export: 牟城管罚〔2026〕8号 re-dated 2026/10/12 with its 处罚内容 (cell 18) empty
        // (invalid), and 牟城管罚〔2026〕7号 re-dated 2026/10/12 (valid), under new numbers.
        try project.addExport("2026-10-penalties.csv", rows: [
            ("8", [13: "牟城管罚〔2026〕108号", 22: "2026/10/12", 18: ""]), ("7", [13: "牟城管罚〔2026〕107号", 22: "2026/10/12"]),
        ])

        // November's dates: the October records are outside; nothing invalid is inside.
        let (november, _) = try project.run("2026-12-01", range: "2026-11-01"..."2026-11-30")
        #expect(november.invalidRecordsAndFailedFiles == 0 && november.outsideRange == 2, "\(november)")
        #expect(november.validRecords == 17 && november.exitStatus != 65, "\(november.exitStatus)")
        // October's dates: its invalid record is listed and counted; November's 17 are outside.
        let (october, _) = try project.run("2026-12-01", range: "2026-10-01"..."2026-10-31")
        #expect(october.invalidRecordsAndFailedFiles == 1 && october.validRecords == 1 && october.outsideRange == 17, "\(october)")
        #expect(october.exitStatus == 65)
        #expect(october.feeds.values.reduce(0) { $0 + $1.published } == 2, "the valid October record, on both portals: \(october.feeds)")
        // The nightly run reads every file: all is counted again, and the October record is invalid.
        let (night, _) = try project.run("2026-12-02")
        #expect(night.invalidRecordsAndFailedFiles == 1 && night.outsideRange == 0 && night.validRecords == 18 && night.exitStatus == 65, "\(night)")
    }

    @Test("an invalid record decided longer ago than the longest period of any severity is not waited for (不予公示, not overdue); one within it is still overdue until corrected")
    func invalidPastEveryPeriod() throws {
        let project = try Project()
        // 牟城管罚〔2026〕8号's row as two old decisions, each with its 处罚内容 (cell 18) empty.
        try project.addExport("2026-old-penalties.csv", rows: [
            ("8", [13: "牟城管罚〔2023〕8号", 22: "2023/04/30", 18: ""]), ("8", [13: "牟城管罚〔2024〕8号", 22: "2024/06/03", 18: ""]),
        ])

        let (night, _) = try project.run("2026-12-01")
        #expect(night.invalidRecordsAndFailedFiles == 2, "both are still reported as invalid")
        func rows(_ number: String) throws -> [DecisionDeadline] {
            var scope = DecisionScope(kind: "administrative-penalty", pipeline: "fazhike-penalties")
            scope.number = number
            var found: [DecisionDeadline] = []
            try project.ledger.forEachDecision(scope: scope) { found.append($0) }
            return found
        }
        // 2023-04-30 + 36 months (the longest of every severity under 527号) = 2026-04-30: past.
        let past = try rows("牟城管罚〔2023〕8号")
        #expect(past.count == 2 && past.allSatisfy { $0.exclusion?.hasPrefix("公示期已满") == true }, "\(past)")
        // 2024-06-03 + 36 months: still running — it waits for its correction, overdue.
        let running = try rows("牟城管罚〔2024〕8号")
        #expect(running.count == 2 && running.allSatisfy { $0.exclusion == nil && !$0.valid }, "\(running)")
        #expect(night.disclosure.notToPublish >= 2 && night.disclosure.waitingForCorrection >= 2, "\(night.disclosure)")
    }

    @Test("a record refused only for a date still to come: its file is settled until that day, then read again and the record published; then settled")
    func futureDateReadAgain() throws {
        let project = try Project()
        // 牟城管罚〔2026〕11号 is decided on 2026-11-30: a week before, it is refused.
        let (early, _) = try project.run("2026-11-23")
        #expect(early.exitStatus == 65 && early.skippedFiles.isEmpty)
        #expect(!project.live("api-portal", "penalty-legal").keys.contains { $0.hasPrefix("牟城管罚〔2026〕11号") })
        // The nights before its day skip the file (the nightly re-run stays quick).
        #expect(try project.run("2026-11-27").summary.skippedFiles == [project.input.path])
        // A dry run of its day reads the file as that night will, and unsettles nothing.
        for _ in 1...2 {
            let (dry, _) = try project.run("2026-11-30", dryRun: true)
            #expect(dry.skippedFiles.isEmpty && dry.feeds["api-portal/penalty-legal"]?.published == 1, "\(dry.feeds)")
        }
        let (night, lines) = try project.run("2026-11-30")
        #expect(night.skippedFiles.isEmpty, "the file is read again on the record's day")
        #expect(lines.contains { $0.contains("重新读取 1 个文件") }, "\(lines)")
        #expect(project.live("api-portal", "penalty-legal").keys.contains { $0.hasPrefix("牟城管罚〔2026〕11号") })
        #expect(night.feeds["api-portal/penalty-legal"]?.published == 1, "\(night.feeds)")
        #expect(try project.run("2026-12-01").summary.skippedFiles == [project.input.path])
    }

    @Test("a file read again on its record's day is read after a new file: a decision in both is taken from the new export (a correction), the old copy reported as its duplicate")
    func fileReadAgainComesAfterNewExport() throws {
        let project = try Project()
        let (early, _) = try project.run("2026-11-23")  // 11号 of 2026-11-30 refused for its date
        #expect(early.exitStatus == 65)
        // A new export, named after the first, corrects 牟城管罚〔2026〕1号's fine.
        let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        let lines = text.components(separatedBy: "\r\n").count > 1 ? text.components(separatedBy: "\r\n") : text.components(separatedBy: "\n")
        let row = try #require(lines.first { $0.contains("牟城管罚〔2026〕1号") })
        let source = project.root.appendingPathComponent("update-utf8.csv")
        try ([lines[0], row.replacingOccurrences(of: "罚款2000元,0.2,", with: "罚款3000元,0.3,")].joined(separator: "\r\n") + "\r\n")
            .write(to: source, atomically: true, encoding: .utf8)
        let update = project.input.deletingLastPathComponent().appendingPathComponent("2026-12-update.csv")
        try runTool("/usr/bin/iconv", ["-f", "UTF-8", "-t", "GB18030", "-o", update.path, source.path])

        let (night, output) = try project.run("2026-11-30")
        #expect(output.contains { $0.contains("重新读取 1 个文件") }, "\(output)")
        #expect(night.feeds["api-portal/penalty-legal"]?.corrected == 1, "\(night.feeds)\n\(output.joined(separator: "\n"))")
        #expect(night.feeds["api-portal/penalty-legal"]?.published == 1, "11号, on its day")
        #expect(night.invalidRecordsAndFailedFiles == 1 && night.exitStatus == 65, "the old copy, a duplicate")
        let log = project.ledger.publicationLog(portal: "api-portal", feed: "penalty-legal").filter { $0.key.hasPrefix("牟城管罚〔2026〕1号") }
        #expect(log.map(\.operation) == [.publish, .correct])
    }

    @Test("a file that failed as a whole is not settled: the next nightly run reads it again (and fails it again), the good file beside it skipped")
    func failedFileReadAgain() throws {
        let project = try Project()
        let broken = project.input.deletingLastPathComponent().appendingPathComponent("2026-11-broken.csv")
        try Data().write(to: broken)  // no header: the file fails as a whole
        let (first, _) = try project.run("2026-11-30")
        #expect(first.exitStatus == 65 && first.skippedFiles.isEmpty, "\(first)")
        let (night, _) = try project.run("2026-12-01")
        #expect(night.skippedFiles == [project.input.path], "\(night.skippedFiles)")
        #expect(night.exitStatus == 65)
    }

    @Test("one portal twice (a second file of the same profile, another transport): refused as configuration (78), nothing read")
    func portalTwice() throws {
        let project = try Project()
        let copy = project.root.appendingPathComponent("fixtures/portals/api-portal-copy.yaml")
        try FileManager.default.copyItem(at: project.root.appendingPathComponent("fixtures/portals/api-portal.v1.yaml"), to: copy)
        let pipeline = URL(fileURLWithPath: project.pipeline)
        let text = try String(contentsOf: pipeline, encoding: .utf8)
        try (text.replacing("portals:\n", with: "portals:\n  - {profile: fixtures/portals/api-portal-copy.yaml, transport: {kind: outbox}}\n"))
            .write(to: pipeline, atomically: true, encoding: .utf8)
        let (transcript, _) = Transcript.collecting()
        let failure = #expect(throws: CommandFailure.self) {
            try PipelineContext.load(project.pipeline, today: try CalendarDate.parse("2026-11-30"), environment: Project.environment, transcript: transcript)
        }
        #expect(failure?.status == 78 && failure?.code == "pipeline-duplicate-portal", "\(String(describing: failure))")
    }

    @Test("a nightly dry run reads what the nightly run would (settled files skipped); asked to, it reads every file")
    func dryRunPreviewsTheNight() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        let (dry, _) = try project.run("2026-12-01", dryRun: true)
        #expect(dry.skippedFiles == [project.input.path] && dry.validRecords == 0, "\(dry.skippedFiles)")
        try project.changeOneRecord()
        let (changed, _) = try project.run("2026-12-01", dryRun: true)
        #expect(changed.skippedFiles.isEmpty && changed.feeds["api-portal/penalty-legal"]?.corrected == 1, "\(changed.feeds)")
        // What the night then does is what the dry run said.
        let (night, _) = try project.run("2026-12-01")
        #expect(night.feeds["api-portal/penalty-legal"]?.corrected == 1)
    }

    @Test("a dry run plans against the ledger and changes nothing")
    func dryRun() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        let before = project.ledger.publicationLog(portal: "api-portal", feed: "penalty-legal").count
        let (dry, lines) = try project.run("2026-12-01", range: "2026-11-01"..."2026-11-30", dryRun: true)
        #expect(dry.run == nil && dry.exitStatus == 0 && dry.feeds["api-portal/penalty-legal"]?.unchanged == 13)
        #expect(lines.contains { $0.hasPrefix("（试运行，不发送）") })
        #expect(project.ledger.publicationLog(portal: "api-portal", feed: "penalty-legal").count == before && project.channel.received.count == 4)
    }

    @Test("period ends: a year on, the nightly run withdraws the ended 一般 penalties through the API channel, once")
    func periodEnds() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        // The dry run of that night lists what the run will take down, and takes nothing down.
        let sentBefore = project.channel.received.count
        let (dry, dryLines) = try project.run("2027-12-31", dryRun: true)
        #expect(project.channel.received.count == sentBefore && project.ledger.publicationLog(portal: "api-portal", feed: "penalty-legal").allSatisfy { $0.status != .withdrawn })
        #expect(dryLines.contains { $0.hasPrefix("（试运行，不撤下）公示期满，撤下") }, "\(dryLines)")
        let (late, _) = try project.run("2027-12-31")
        #expect(late.expiredWithdrawn > 0)
        #expect(dry.wouldWithdraw == ["公示期满": late.expiredWithdrawn], "\(dry.wouldWithdraw)")
        let withdrawals = project.channel.received.filter { $0.operation == .withdraw }
        #expect(withdrawals.count >= 1 && withdrawals.reduce(0) { $0 + $1.records } == late.expiredWithdrawn)
        let withdrawn = project.ledger.publicationLog(portal: "api-portal", feed: "penalty-legal").filter { $0.status == .withdrawn }
        #expect(withdrawn.count > 0)
        let again = try project.run("2028-01-03")
        #expect(again.summary.expiredWithdrawn == 0 && project.channel.received.filter { $0.operation == .withdraw }.count == withdrawals.count)
    }

    @Test("a published record read again as one the 2026 rule does not publish (警告 only: 轻微) is taken down as 不予公示, not as 公示期满")
    func reclassifiedNotPublished() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        let row = try #require(text.range(of: "牟城管罚〔2026〕1号,违反《城市市容和环境卫生管理条例》第十四条,擅自占用城市道路店外经营,《城市市容和环境卫生管理条例》第三十六条,罚款,罚款2000元,0.2,"))
        let source = project.root.appendingPathComponent("warned-utf8.csv")
        try text.replacingCharacters(
            in: row, with: "牟城管罚〔2026〕1号,违反《城市市容和环境卫生管理条例》第十四条,擅自占用城市道路店外经营,《城市市容和环境卫生管理条例》第三十六条,警告,警告,,"
        ).write(to: source, atomically: true, encoding: .utf8)
        try runTool("/usr/bin/iconv", ["-f", "UTF-8", "-t", "GB18030", "-o", project.input.path, source.path])
        // (Its dry run cannot list it: the 2026 rule's verdict on the new version is recorded by the
        // run itself, and a dry run lists the periods of the ledger as it is.)
        let (night, lines) = try project.run("2026-12-01")
        #expect(night.expiredWithdrawn == 1, "\(lines)")
        let reasons = try project.ledger.history(key: "牟城管罚〔2026〕1号").filter { $0.portal == "api-portal" }.map(\.withdrawalReason)
        #expect(reasons == ["不予公示"], "\(reasons)")
        #expect(lines.contains { $0.hasPrefix("按规定不予公示，撤下 1 条") } && !lines.contains { $0.hasPrefix("公示期满，撤下") }, "\(lines)")
    }

    @Test("a clerk's withdrawal (its 文号 typed with full-width digits): sent through the API channel once, then already withdrawn; an unknown record is not published")
    func withdrawal() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        let withdrawal = try project.withdrawal(on: "2026-12-01")
        // Typed as the paper decision writes it (full-width digits, a space after): read as intake reads it.
        #expect(try withdrawal.execute(record: "牟城管罚〔２０２６〕１号 ", reason: .revoked, note: "撤销决定书") == .sent(status: 0))
        #expect(project.channel.received.filter { $0.operation == .withdraw }.map(\.records) == [1])
        #expect(try withdrawal.execute(record: "牟城管罚〔2026〕1号", reason: .revoked, note: nil) == .alreadyWithdrawn)
        #expect(try withdrawal.execute(record: "牟城管罚〔2099〕1号", reason: .revoked, note: nil) == .notPublished)
        #expect(project.channel.received.filter { $0.operation == .withdraw }.count == 1)
        // The next nightly run does not publish it again: a revoked decision's records are kept out, with the reason.
        let (next, nextLines) = try project.run("2026-12-02", range: "2026-11-01"..."2026-11-30")
        #expect(next.feeds["api-portal/penalty-legal"]?.published == 0 && next.periodSkipped["api-portal/penalty-legal"] == 1, "\(next.feeds)")
        #expect(nextLines.contains { $0.contains("牟城管罚〔2026〕1号：决定已于 2026-12-01 撤销，不予公示") }, "\(nextLines)")
    }

    @Test("a withdrawal whose key names no record of the decision records nothing: the decision is not revoked, and the next nightly run takes nothing down")
    func withdrawalOfAMistypedKey() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        try project.confirmOutbox(on: "2026-11-30")
        let withdrawal = try project.withdrawal(on: "2026-12-01")
        for reason in [Withdrawer.Reason.revoked, .corrected, .creditRepair] {
            #expect(try withdrawal.execute(record: "牟城管罚〔2026〕1号|某某名称打错", reason: reason, note: nil) == .notPublished)
        }
        let revoked = try project.revocations(of: "牟城管罚〔2026〕1号")
        #expect(!revoked.isEmpty && revoked.allSatisfy { $0 == nil }, "\(revoked)")
        #expect(project.channel.received.filter { $0.operation == .withdraw }.isEmpty)
        let (night, lines) = try project.run("2026-12-02")
        #expect(!lines.contains { $0.contains("已撤销的决定") }, "\(lines)")
        #expect(night.feeds.values.allSatisfy { $0.withdrawn == 0 }, "\(night.feeds)")
        // The right key takes it down.
        #expect(try withdrawal.execute(record: try #require(project.ledger.history(key: "牟城管罚〔2026〕1号").first?.key), reason: .revoked, note: nil) == .sent(status: 0))
    }

    @Test("撤销 of a decision whose only batch waits for the clerk: the revocation is recorded and said so (not \"nothing published\"), and the batch confirmed later is taken down by the nightly run")
    func revocationOfAStagedDecision() throws {
        let project = try Project()
        project.channel.fail(onCall: 1, andAfter: true)  // the API portal is down: nothing confirmed anywhere
        _ = try project.run("2026-11-30")
        let withdrawal = try project.withdrawal(on: "2026-12-01")
        #expect(try withdrawal.execute(record: "牟城管罚〔2026〕1号", reason: .revoked, note: nil) == .revocationRecorded)
        let revoked = try project.revocations(of: "牟城管罚〔2026〕1号")
        #expect(!revoked.isEmpty && revoked.allSatisfy { $0 == "2026-12-01" }, "\(revoked)")
        // Another reason records nothing for a record no portal has confirmed.
        #expect(try withdrawal.execute(record: "牟城管罚〔2026〕2号", reason: .corrected, note: nil) == .notPublished)
        try project.confirmOutbox(on: "2026-12-02")
        let (_, lines) = try project.run("2026-12-02")
        #expect(lines.contains { $0.contains("已撤销的决定在门户上仍在公示") && $0.contains("撤下 1 条") }, "\(lines)")
    }

    @Test("a decision revoked before any portal had it is never sent: its failed batches planned again leave it out, with the reason, on every portal")
    func revokedBeforePublication() throws {
        let project = try Project()
        project.channel.fail(onCall: 1, andAfter: true)
        _ = try project.run("2026-11-30")
        let withdrawal = try project.withdrawal(on: "2026-12-01")
        #expect(try withdrawal.execute(record: "牟城管罚〔2026〕1号", reason: .revoked, note: nil) == .revocationRecorded)
        // The clerk's upload was refused: the batch failed, its records are planned again; the API portal is back.
        for batch in try project.ledger.batches(portal: "creditchina-henan-zhengzhou", status: .pending) {
            #expect(try project.ledger.fail(batch: batch.id, reason: "门户退回整个文件"))
        }
        project.channel.heal()
        let (night, lines) = try project.run("2026-12-02")
        #expect(lines.contains { $0.contains("牟城管罚〔2026〕1号") && $0.contains("撤销，不予公示") }, "\(lines)")
        for portal in ["creditchina-henan-zhengzhou", "api-portal"] {
            let log = project.ledger.publicationLog(portal: portal, feed: "penalty-legal").filter { $0.key.hasPrefix("牟城管罚〔2026〕1号|") }
            #expect(!log.contains { $0.status == .published || $0.status == .pending }, "\(portal): \(log)")
            #expect(project.ledger.publicationLog(portal: portal, feed: "penalty-legal").contains { $0.status == .published || $0.status == .pending })
        }
        _ = night
    }

    @Test("two exports of one night, the older read first: the newer's changed record is a duplicate that night, and its file is read again the next night, when its correction goes out; then both are settled")
    func olderAndNewerExportOneNight() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        // The department sends the corrected export beside a copy of the old one (which sorts first).
        let newer = project.input.deletingLastPathComponent().appendingPathComponent("2026-11-penalties-更正.csv")
        try project.changeOneRecord(into: newer)
        try FileManager.default.copyItem(at: project.input, to: project.input.deletingLastPathComponent().appendingPathComponent("2026-11-penalties(1).csv"))
        let (first, firstLines) = try project.run("2026-12-01")
        #expect(first.feeds.values.allSatisfy { $0.corrected == 0 }, "\(first.feeds)")
        #expect(first.invalidRecordsAndFailedFiles > 0)
        #expect(firstLines.contains { $0.contains("2026-11-penalties-更正.csv：") && $0.hasSuffix("条决定与先读的文件重复（duplicate-key），下次运行时再读一次（先读的文件那时已处理，内容不同的以本文件为准）") }, "\(firstLines)")
        let (next, _) = try project.run("2026-12-02")
        #expect(next.feeds["api-portal/penalty-legal"]?.corrected == 1, "\(next.feeds)")
        #expect(next.feeds["creditchina-henan-zhengzhou/penalty-legal"]?.corrected == 1, "\(next.feeds)")
        let (after, afterLines) = try project.run("2026-12-03")
        #expect(after.feeds.values.allSatisfy { $0.corrected == 0 && $0.published == 0 }, "\(after.feeds)")
        #expect(afterLines.filter { $0.hasPrefix("跳过（内容未变，已处理）") }.count == 3, "\(afterLines)")
    }

    @Test("a record taken down for 更正: unchanged, it stays down; its corrected version goes out anew at once, the outbox portal's withdrawal confirmed or not (read before the confirmation, it was lost: its file settled)")
    func withdrawnToCorrect() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        try project.confirmOutbox(on: "2026-11-30")
        let withdrawal = try project.withdrawal(on: "2026-12-01")
        #expect(try withdrawal.execute(record: "牟城管罚〔2026〕1号", reason: .corrected, note: "罚款金额有误") == .sent(status: 0))
        let (same, _) = try project.run("2026-12-02", range: "2026-11-01"..."2026-11-30")
        #expect(same.feeds["api-portal/penalty-legal"]?.withdrawn == 1 && same.feeds["api-portal/penalty-legal"]?.published == 0)
        try project.changeOneRecord()
        let (fixed, _) = try project.run("2026-12-03")
        // The API portal confirmed the withdrawal at once: the corrected record is a new publication.
        #expect(fixed.feeds["api-portal/penalty-legal"]?.published == 1, "\(fixed.feeds)")
        // The outbox portal's withdrawal waits for the clerk: the corrected record goes with it.
        #expect(fixed.feeds["creditchina-henan-zhengzhou/penalty-legal"]?.published == 1, "\(fixed.feeds)")
        try project.confirmOutbox(on: "2026-12-03")
        let (after, _) = try project.run("2026-12-04", range: "2026-11-01"..."2026-11-30")
        for feed in ["creditchina-henan-zhengzhou/penalty-legal", "api-portal/penalty-legal"] {
            #expect(after.feeds[feed]?.published == 0 && after.feeds[feed]?.unchanged ?? 0 > 0, "published once: \(after.feeds)")
        }
        let log = project.ledger.publicationLog(portal: "api-portal", feed: "penalty-legal").filter { $0.key.hasPrefix("牟城管罚〔2026〕1号") }
        #expect(log.map(\.operation) == [.publish, .publish])
    }

    @Test("a decision revoked while its batch for the outbox portal waited for upload: confirmed afterwards, the next nightly run takes it down there too (撤销)")
    func revokedThenConfirmedTakenDown() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        // The API portal has it; the outbox portal's batch waits for the clerk.
        let withdrawal = try project.withdrawal(on: "2026-12-01")
        // A revocation dated after today is a typing error, refused (it hid the overdue withdrawal).
        #expect(throws: CommandFailure.self) {
            try withdrawal.execute(record: "牟城管罚〔2026〕1号", reason: .revoked, note: nil, revokedOn: try CalendarDate.parse("2027-01-01"))
        }
        #expect(try withdrawal.execute(record: "牟城管罚〔2026〕1号", reason: .revoked, note: "撤销决定书", revokedOn: try CalendarDate.parse("2026-12-01")) == .sent(status: 0))
        try project.confirmOutbox(on: "2026-12-02")
        let (dry, _) = try project.run("2026-12-02", dryRun: true)
        #expect(dry.wouldWithdraw == ["撤销": 1], "\(dry.wouldWithdraw)")
        let (night, lines) = try project.run("2026-12-02")
        #expect(lines.contains { $0.contains("已撤销的决定在门户上仍在公示") && $0.contains("撤下 1 条") }, "\(lines)")
        let log = try project.ledger.history(key: "牟城管罚〔2026〕1号").filter { $0.portal == "creditchina-henan-zhengzhou" }
        #expect(log.contains { $0.withdrawalReason == "撤销" }, "\(log)")
        // Nothing more the night after.
        let (_, after) = try project.run("2026-12-03")
        #expect(!after.contains { $0.contains("已撤销的决定在门户上仍在公示") })
        _ = night
    }

    @Test("a record whose withdrawal waits for the portal's confirmation is not corrected or republished when the department changes it")
    func changedWhileWithdrawalWaits() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        try project.confirmOutbox(on: "2026-11-30")
        // The outbox portal's withdrawal waits for the clerk's upload; the API portal's is confirmed.
        let withdrawal = try project.withdrawal(on: "2026-12-01")
        #expect(try withdrawal.execute(record: "牟城管罚〔2026〕1号", reason: .revoked, note: "撤销决定书") == .sent(status: 0))
        try project.changeOneRecord()
        for (day, republishing) in [("2026-12-02", false), ("2026-12-03", true)] {
            let (night, _) = try project.run(day, range: "2026-11-01"..."2026-11-30", republishing: republishing)
            for feed in ["api-portal/penalty-legal", "creditchina-henan-zhengzhou/penalty-legal"] {
                // (Revoked: kept out before planning, with the reason, as is a record whose period ended.)
                #expect(night.feeds[feed]?.corrected == 0 && night.feeds[feed]?.published == 0 && night.periodSkipped[feed] == 1, "\(day) \(feed): \(String(describing: night.feeds[feed]))")
            }
        }
        let log = project.ledger.publicationLog(portal: "creditchina-henan-zhengzhou", feed: "penalty-legal")
        #expect(log.filter { $0.key.hasPrefix("牟城管罚〔2026〕1号") }.map(\.operation) == [.publish])
    }

    @Test("a revoked decision must be taken down within 5 working days: overdue while its withdrawal waits, done once the portal has it")
    func revocation() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        let today = try CalendarDate.parse("2026-12-01")
        project.channel.fail(onCall: 1, andAfter: true)  // the portal is down: the withdrawal waits
        let outcome = try project.withdrawal(on: "2026-12-01")
            .execute(record: "牟城管罚〔2026〕3号", reason: .revoked, note: nil, revokedOn: today)
        #expect(outcome == .sent(status: 69))
        // Due by 2026-12-08 (5 working days after 12-01).
        let (dueRun, _) = try project.run("2026-12-08")
        #expect(dueRun.disclosure.withdrawalsDue == 1 && dueRun.disclosure.withdrawalsOverdue == 0, "\(dueRun.disclosure)")
        let (late, _) = try project.run("2026-12-09")
        #expect(late.disclosure.withdrawalsOverdue == 1 && late.urgent.contains { $0.hasPrefix("撤销后逾期未撤下：api-portal 牟城管罚〔2026〕3号") })
        // The run's report (the clerks' page, `gongshi report`) counts and lists it as the run does.
        let json = try #require(late.reportFiles?.json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let credit = try CreditReport.decode(Array(try JSONSerialization.data(withJSONObject: try #require(object["report"]))))
        #expect(credit.deadlineCounts["withdrawal_overdue"] == 1 && credit.deadlineCounts["withdrawal_due"] == 0, "\(credit.deadlineCounts)")
        let line = try #require(credit.deadlines.first)
        #expect(line.state == .withdrawalOverdue && line.decisionNumber == "牟城管罚〔2026〕3号" && line.portal == "api-portal" && line.dueOn == "2026-12-08", "\(credit.deadlines)")
        let dueJSON = try #require(dueRun.reportFiles?.json)
        let dueObject = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dueJSON))) as? [String: Any])
        let dueCredit = try CreditReport.decode(Array(try JSONSerialization.data(withJSONObject: try #require(dueObject["report"]))))
        #expect(dueCredit.deadlineCounts["withdrawal_due"] == 1 && dueCredit.deadlineCounts["withdrawal_overdue"] == 0, "\(dueCredit.deadlineCounts)")
        // The portal back: the next run sends the waiting withdrawal, and nothing is overdue any more.
        project.channel.heal()
        let (done, _) = try project.run("2026-12-10")
        #expect(done.disclosure.withdrawalsOverdue == 0 && done.disclosure.withdrawalsDue == 0, "\(done.disclosure)")
        #expect(project.channel.received.filter { $0.operation == .withdraw }.count == 1)
    }

    @Test("a 文号 published before intake made its digits half-width is withdrawn by its old key as written, not read as the new key")
    func fullWidthKeyWithdrawn() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        let fresh = try #require(project.ledger.publicationLog(portal: "api-portal", feed: "penalty-legal").first { $0.key.hasPrefix("牟城管罚〔2026〕1号|") })
        // A ledger written before: the same decision under its full-width 文号, published on the API portal.
        let oldKey = try Self.publishedFullWidth(project)
        #expect(oldKey.split(separator: "|", maxSplits: 1)[1] == fresh.key.split(separator: "|", maxSplits: 1)[1])
        // The clerk types the old key as the ledger holds it: that publication comes down, the new one stays.
        let outcome = try project.withdrawal(on: "2026-12-01").execute(record: oldKey, reason: .corrected, note: nil)
        #expect(outcome == .sent(status: 0), "\(outcome)")
        let oldHistory = try project.ledger.history(key: oldKey)
        #expect(oldHistory.count == 1 && oldHistory.allSatisfy { $0.withdrawalReason == "更正" }, "\(oldHistory)")
        #expect(try project.ledger.history(key: fresh.key).allSatisfy { $0.withdrawalReason == nil })
    }

    /// A ledger written before intake made a 文号 half-width: 牟城管罚〔2026〕1号 registered and
    /// published (confirmed 2026-11-25) on the API portal as 牟城管罚〔２０２６〕１号, its content hash
    /// another (the old record differed). Returns the old key.
    static func publishedFullWidth(_ project: Project) throws -> String {
        let old = "牟城管罚〔２０２６〕１号"
        let name = "郑州某某餐饮管理有限公司1"
        let run = try project.ledger.beginRun(command: "test", today: "2026-11-25", startedAt: "", pipeline: "fazhike-penalties", department: "法制科")
        try project.ledger.recordDecisions(
            [(DecisionSighting(number: old, decisionDate: "2026-11-20", file: "old.csv", row: 2, valid: true),
              [DecisionPortal(portal: "api-portal", dueOn: "2026-12-01", exclusion: nil)])],
            kind: "administrative-penalty", pipeline: "fazhike-penalties", run: run, today: "2026-11-25")
        try project.ledger.recordPending(
            NewBatch(
                id: "00000000000000ff", portal: "api-portal", feed: "penalty-legal", kind: "administrative-penalty", operation: .publish,
                fileName: "old.jsonl", outboxPath: "/outbox/old.jsonl", payloadSHA256: String(repeating: "a", count: 64), records: 1,
                createdOn: "2026-11-25"),
            publications: [
                NewPublication(
                    key: "\(old)|\(name)", contentSHA256: String(repeating: "c", count: 64), previousSHA256: nil, decisionDate: "2026-11-20", dueOn: "2026-12-01",
                    subjectCode: nil, subjectName: name, schemaVersion: 2, profileVersion: 1)
            ], run: run)
        _ = try project.ledger.confirm(batch: "00000000000000ff", receipt: nil, on: "2026-11-25")
        return "\(old)|\(name)"
    }

    @Test("a decision published under its full-width 文号 before intake made it half-width: the record read again is that decision — corrected under the old key, not published a second time")
    func fullWidthKeyNotPublishedTwice() throws {
        let project = try Project()
        let key = try Self.publishedFullWidth(project)
        let old = DecisionKey.number(key)
        let name = String(key.dropFirst(old.count + 1))
        let (summary, lines) = try project.run("2026-11-30")
        #expect(summary.keyWidthHeld == 1 && summary.keyWidthTwins == 0, "\(summary)")
        #expect(lines.contains { $0.contains("[key-width-held]") && $0.contains(old) }, "\(lines)")
        let log = project.ledger.publicationLog(portal: "api-portal", feed: "penalty-legal")
        // Nothing under the half-width 文号; the old publication corrected under its own key.
        #expect(!log.contains { $0.key.hasPrefix("牟城管罚〔2026〕1号|") }, "\(log.map(\.key))")
        #expect(log.filter { $0.key == "\(old)|\(name)" }.map(\.operation) == [.publish, .correct], "\(log)")
        let correction = try #require(project.channel.received.first { $0.operation == .correct })
        let payload = String(decoding: correction.payload, as: UTF8.self)
        #expect(payload.contains(old) && !payload.contains("牟城管罚〔2026〕1号"), "\(payload)")
        // One decision in the register, not two.
        var numbers: [String] = []
        try project.ledger.forEachDecision(scope: DecisionScope(kind: "administrative-penalty", pipeline: "fazhike-penalties")) { numbers.append($0.number) }
        #expect(numbers.contains(old) && !numbers.contains("牟城管罚〔2026〕1号"), "\(numbers)")
        // The next night, nothing more of it goes out.
        let before = project.channel.received.count
        _ = try project.run("2026-12-01", range: "2026-11-01"..."2026-11-30")
        #expect(project.channel.received.count == before, "\(project.channel.received.dropFirst(before).map(\.operation))")
    }

    @Test("a decision revoked under its full-width 文号 stays unpublished: its record read under the half-width 文号 is that decision, not a new one")
    func fullWidthKeyRevokedStaysDown() throws {
        let project = try Project()
        let key = try Self.publishedFullWidth(project)
        let outcome = try project.withdrawal(on: "2026-11-26").execute(record: key, reason: .revoked, note: nil)
        #expect(outcome == .sent(status: 0), "\(outcome)")
        let withdrawals = project.channel.received.count
        _ = try project.run("2026-11-30")
        let log = project.ledger.publicationLog(portal: "api-portal", feed: "penalty-legal")
        #expect(!log.contains { $0.key.hasPrefix("牟城管罚〔2026〕1号|") }, "\(log.map(\.key))")
        #expect(!project.channel.received.dropFirst(withdrawals).contains { String(decoding: $0.payload, as: UTF8.self).contains("郑州某某餐饮管理有限公司1\"") })
    }

    @Test("信用修复 is refused before the minimum period and for information that cannot be repaired, citing the rule; allowed after it; forced with a reason")
    func creditRepair() throws {
        let project = try Project()
        _ = try project.run("2026-11-30")
        let key = try #require(project.ledger.publicationLog(portal: "api-portal", feed: "penalty-legal").first { $0.key.hasPrefix("牟城管罚〔2026〕1号|") }?.key)
        func withdraw(_ today: String, _ repair: RecordWithdrawal.Repair = .init()) throws -> RecordWithdrawal.Outcome {
            try project.withdrawal(on: today).execute(record: "牟城管罚〔2026〕1号", reason: .creditRepair, note: nil, repair: repair)
        }
        // 一般 under the 2026 rule: 3 months minimum from the decision (2026-11-20).
        guard case .refused(let early) = try withdraw("2026-12-01") else { Issue.record("not refused"); return }
        #expect(early.contains("[repair-too-early]") && early.contains("可申请信用修复自 2027-02-20") && early.contains("信用修复管理办法"), "\(early)")
        // A later version says it cannot be repaired (its minimum is its maximum).
        let run = try project.ledger.beginRun(command: "test", today: "2026-12-01", startedAt: "", pipeline: nil, department: nil)
        try project.ledger.recordInputs([], records: [
            RecordVersion(
                kind: "administrative-penalty", key: key, contentSHA256: String(repeating: "a", count: 64), decisionDate: "2026-11-20",
                sourceSHA256: String(repeating: "b", count: 64), sourceRow: 2,
                period: RecordPeriod(severity: "严重", severityReason: "测试", regime: "ndrc-2026-credit-repair", repairFrom: "2029-11-20", expiresOn: "2029-11-20")),
        ], run: run)
        guard case .refused(let never) = try withdraw("2027-03-01") else { Issue.record("not refused"); return }
        #expect(never.contains("[repair-not-allowed]") && never.contains("不可修复"), "\(never)")
        // Its period ends (exclusive) on 2029-11-20: published until 2029-11-19, as the message says.
        #expect(never.contains("公示至 2029-11-19，期满自动撤下") && !never.contains("2029-11-20"), "\(never)")
        #expect(project.channel.received.filter { $0.operation == .withdraw }.isEmpty)
        // Forced, with the reason and the repair decision recorded.
        #expect(try withdraw("2027-03-01", .init(decision: "郑信修〔2027〕1号", forcedBecause: "判决撤销原处罚")) == .sent(status: 0))
        #expect(project.channel.received.filter { $0.operation == .withdraw }.count == 1)
        let payload = String(decoding: try #require(project.channel.received.last).payload, as: UTF8.self)
        #expect(payload.contains("郑信修〔2027〕1号") && payload.contains("强制撤下：判决撤销原处罚"), "\(payload)")
    }

    /// The export changed (牟城管罚〔2026〕1号's fine, as ``Project/changeOneRecord()``), then
    /// confirmed on the outbox portal; the decision taken down on `withdrawOn` for `reason`, while
    /// the correction staged for the outbox portal waits (not uploaded); the withdrawal confirmed.
    static func withdrawnWhileCorrectionWaits(_ project: Project, reason: Withdrawer.Reason) throws -> (correction: String, withdrawal: String) {
        _ = try project.run("2026-11-30")
        let outbox = "creditchina-henan-zhengzhou"
        for batch in try project.ledger.batches(portal: outbox, status: .pending) {
            _ = try project.ledger.confirm(batch: batch.id, receipt: nil, on: "2026-11-30")
        }
        try project.changeOneRecord()
        let (changed, _) = try project.run("2026-12-01")
        #expect(changed.feeds["\(outbox)/penalty-legal"]?.corrected == 1)
        let correction = try #require(try project.ledger.batches(portal: outbox, status: .pending).first { $0.operation == .correct }?.id)
        let outcome = try project.withdrawal(on: "2026-12-01").execute(
            record: "牟城管罚〔2026〕1号", reason: reason, note: nil, revokedOn: reason == .revoked ? try CalendarDate.parse("2026-12-01") : nil,
            repair: .init(decision: "郑信修〔2026〕9号", forcedBecause: reason == .creditRepair ? "测试：判决撤销" : nil))
        #expect(outcome == .sent(status: 0))
        let withdrawal = try #require(try project.ledger.batches(portal: outbox, status: .pending).first { $0.operation == .withdraw }?.id)
        _ = try project.ledger.confirm(batch: withdrawal, receipt: nil, on: "2026-12-02")
        return (correction, withdrawal)
    }

    @Test(
        "a record taken down (撤销, 信用修复) while its correction waited for upload is not corrected or sent again when the department changes it again",
        arguments: [Withdrawer.Reason.revoked, .creditRepair])
    func withdrawnWhileCorrectionWaitsNotSentAgain(_ reason: Withdrawer.Reason) throws {
        let project = try Project()
        _ = try Self.withdrawnWhileCorrectionWaits(project, reason: reason)
        try project.changeOneRecord(fine: "罚款4000元,0.4,")
        let (night, _) = try project.run("2026-12-03")
        for feed in ["creditchina-henan-zhengzhou/penalty-legal", "api-portal/penalty-legal"] {
            let counts = night.feeds[feed]
            // (A revoked decision's records are kept out before planning, counted with those kept out for their period.)
            let keptOut = reason == .revoked ? night.periodSkipped[feed] == 1 && counts?.withdrawn == 0 : counts?.withdrawn == 1
            #expect(counts?.corrected == 0 && counts?.published == 0 && keptOut, "\(feed): \(String(describing: counts))")
        }
        // Nothing staged or sent for it since the withdrawal.
        let log = project.ledger.publicationLog(portal: "creditchina-henan-zhengzhou", feed: "penalty-legal").filter { $0.key.hasPrefix("牟城管罚〔2026〕1号|") }
        #expect(log.map(\.operation) == [.publish, .correct], "\(log)")
        // A range re-run and --republish say the same.
        let (again, _) = try project.run("2026-12-04", range: "2026-11-01"..."2026-11-30", republishing: true)
        let feed = "creditchina-henan-zhengzhou/penalty-legal"
        #expect(again.feeds[feed]?.corrected == 0 && (reason == .revoked ? again.periodSkipped[feed] == 1 : again.feeds[feed]?.withdrawn == 1))
    }

    @Test(
        "a correction uploaded before the record was taken down (撤销, 信用修复) and confirmed after it: the next nightly run takes it down with the same reason, counts it, and not again",
        arguments: [Withdrawer.Reason.revoked, .creditRepair])
    func shownAfterWithdrawalTakenDown(_ reason: Withdrawer.Reason) throws {
        let project = try Project()
        let (correction, _) = try Self.withdrawnWhileCorrectionWaits(project, reason: reason)
        let outbox = "creditchina-henan-zhengzhou"
        _ = try project.ledger.confirm(batch: correction, receipt: nil, on: "2026-12-02")
        let heading = reason == .revoked ? "已撤销的决定在门户上仍在公示" : "已撤下（信用修复）的记录在门户上又在公示"
        // The dry run lists it once.
        let (dry, dryLines) = try project.run("2026-12-03", dryRun: true)
        #expect(dry.wouldWithdraw == [reason.rawValue: 1], "\(dry.wouldWithdraw) \(dryLines)")
        #expect(dryLines.contains { $0.hasPrefix("（试运行，不撤下）\(heading)") && $0.contains("撤下 1 条") }, "\(dryLines)")
        let (night, lines) = try project.run("2026-12-03")
        #expect(lines.contains { $0.hasPrefix(heading) && $0.contains("撤下 1 条") }, "\(lines)")
        #expect(night.lateTakeDowns == [reason.rawValue: 1], "\(night.lateTakeDowns)")
        let log = try project.ledger.history(key: "牟城管罚〔2026〕1号").filter { $0.portal == outbox }
        #expect(log.map { "\($0.operation) \($0.withdrawalReason ?? "-")" } == ["publish \(reason.rawValue)", "correct \(reason.rawValue)"], "\(log)")
        // A revoked decision counts as due to be taken down until the portal confirms it.
        if reason == .revoked { #expect(night.disclosure.withdrawalsDue == 1, "\(night.disclosure)") }
        let withdrawals = try project.ledger.batches(portal: outbox, status: nil).filter { $0.operation == .withdraw }
        #expect(withdrawals.count == 2)
        // Exactly once: the next nights write no other withdrawal, confirmed or not.
        let (next, nextLines) = try project.run("2026-12-04")
        #expect(next.lateTakeDowns.isEmpty && !nextLines.contains { $0.contains(heading) }, "\(nextLines)")
        for batch in try project.ledger.batches(portal: outbox, status: .pending) where batch.operation == .withdraw {
            _ = try project.ledger.confirm(batch: batch.id, receipt: nil, on: "2026-12-04")
        }
        let (after, _) = try project.run("2026-12-07")
        #expect(after.lateTakeDowns.isEmpty && after.disclosure.withdrawalsDue == 0 && after.disclosure.withdrawalsOverdue == 0, "\(after.disclosure)")
        #expect(try project.ledger.batches(portal: outbox, status: nil).filter { $0.operation == .withdraw }.count == 2)
    }
}
