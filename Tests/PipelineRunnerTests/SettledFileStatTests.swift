import DisclosureCore
import Foundation
import GongshiTesting
import PipelineConfig
@testable import PipelineRunner
import SQLiteLedger
import Testing
import WorkingDayCalendar

/// A nightly run knows a settled file unchanged by its identity and times (device, inode, size,
/// modification and change time) without reading it through for its SHA-256; any other file is
/// read and hashed as before.
@Suite("A settled file known by its identity and times")
struct SettledFileStatTests {
    /// A scratch folder, removed at the end of the test.
    final class Folder {
        let url = Scratch.root.appendingPathComponent("gongshi-stat-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    }

    /// Both ledgers the engine runs against in process.
    static func ledgers(in folder: Folder) throws -> [any RunLedger] {
        [InMemoryLedger(), try Ledger.open(path: folder.path("ledger.sqlite"))]
    }

    /// Settles `print` as an earlier run would have.
    static func settle(_ print: SourceFingerprint, in ledger: any RunLedger) throws {
        let run = try ledger.beginRun(command: "run test nightly", today: "2026-12-04", startedAt: "2026-12-04T02:00:00+08:00", pipeline: "test",
            department: nil)
        try ledger.recordInputs([print], records: [], run: run)
        try ledger.settle([print], run: run)
    }

    @Test("a file changed just now has no stat to vouch for it; a file last changed long before it is read has its device, inode, size and times")
    func racyFilesHaveNoStat() throws {
        let folder = try Folder()
        let fresh = folder.path("fresh.csv")
        try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: fresh))
        let print = try #require(SourceFiles.fingerprints([fresh])[fresh])
        #expect(print.size == 8 && print.sha256.count == 64)
        #expect(print.stat == nil)

        // A fixture: checked out before the build, minutes before any test reads it.
        let old = Fixtures.url("validate/penalty/valid.csv").path
        let stat = try #require(FileStat(path: old))
        #expect(SourceFiles.fingerprints([old])[old]?.stat == stat.signature)
        #expect(stat.signature.split(separator: ":").count == 5)
        #expect(FileStat(path: folder.path("gone.csv")) == nil && FileStat(path: folder.url.path) == nil)
    }

    @Test("a settled file with the same stat is skipped with the ledger's fingerprint, not read; replaced by other bytes of the same size and time, it is read")
    func sameStatSkipsTheReading() throws {
        let folder = try Folder()
        for ledger in try Self.ledgers(in: folder) {
            let file = folder.path("penalties-\(UUID().uuidString).csv")
            try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: file))
            let stat = try #require(FileStat(path: file))
            // What the ledger holds for it is not these bytes' hash: a listing that read the file
            // could not answer with it.
            let recorded = SourceFingerprint(sha256: String(repeating: "e", count: 64), size: 8, place: file, stat: stat.signature)
            try Self.settle(recorded, in: ledger)
            #expect(try ledger.settledFingerprint(place: file, stat: stat.signature) == recorded)
            #expect(try ledger.settledFingerprint(place: file + ".other", stat: stat.signature) == nil)

            let skipped = try SourceFiles.classify([file], skipSettled: ledger)
            #expect(skipped.settled == [file] && skipped.fresh.isEmpty)
            #expect(skipped.prints[file] == recorded)

            // Saved again as programs save (a new file renamed over the old one), with the same
            // size and modification time set back: another inode and change time, read again.
            let replacement = folder.path("replacement.csv")
            try Data("a,b\n3,4\n".utf8).write(to: URL(fileURLWithPath: replacement))
            var times = [
                timespec(tv_sec: Int(stat.modifiedNanoseconds / 1_000_000_000), tv_nsec: Int(stat.modifiedNanoseconds % 1_000_000_000)),
                timespec(tv_sec: Int(stat.modifiedNanoseconds / 1_000_000_000), tv_nsec: Int(stat.modifiedNanoseconds % 1_000_000_000)),
            ]
            #expect(utimensat(AT_FDCWD, replacement, &times, 0) == 0)
            #expect(rename(replacement, file) == 0)
            let now = try #require(FileStat(path: file))
            #expect(now.size == stat.size && now.modifiedNanoseconds == stat.modifiedNanoseconds && now.signature != stat.signature)

            let read = try SourceFiles.classify([file], skipSettled: ledger)
            #expect(read.fresh == [file] && read.settled.isEmpty)
            #expect(read.prints[file]?.sha256 == SourceFiles.fingerprints([file])[file]?.sha256)
            #expect(read.prints[file]?.sha256 != recorded.sha256)

            // Without a ledger (a re-run of a date range) every file is read.
            let range = try SourceFiles.classify([file], skipSettled: nil)
            #expect(range.fresh == [file] && range.settled.isEmpty)
        }
    }

    @Test("a file recorded by a run that did not settle it is read again, whatever its stat")
    func undoneSettlementReadsAgain() throws {
        let folder = try Folder()
        let file = folder.path("penalties.csv")
        try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: file))
        let stat = try #require(FileStat(path: file)).signature
        let ledger = try Ledger.open(path: folder.path("ledger.sqlite"))
        let print = SourceFingerprint(sha256: String(repeating: "e", count: 64), size: 8, place: file, stat: stat)
        try Self.settle(print, in: ledger)
        #expect(try SourceFiles.classify([file], skipSettled: ledger).settled == [file])
        // Recorded but never settled (a run that stopped before the end): read.
        let other = folder.path("other.csv")
        try Data("c\n".utf8).write(to: URL(fileURLWithPath: other))
        let run = try ledger.beginRun(command: "run test nightly", today: "2026-12-04", startedAt: "x", pipeline: "test", department: nil)
        let otherStat = try #require(FileStat(path: other)).signature
        try ledger.recordInputs([SourceFingerprint(sha256: String(repeating: "d", count: 64), size: 2, place: other, stat: otherStat)], records: [], run: run)
        #expect(try ledger.settledFingerprint(place: other, stat: otherStat) == nil)
        #expect(try SourceFiles.classify([other], skipSettled: ledger).fresh == [other])
    }

    @Test("a file no earlier run settled at its place with its size is read while its fingerprint is taken; one of a settled size is hashed first")
    func unsettledSizeReadWhileHashed() throws {
        let folder = try Folder()
        for ledger in try Self.ledgers(in: folder) {
            let file = folder.path("penalties-\(UUID().uuidString).csv")
            let other = folder.path("other-\(UUID().uuidString).csv")
            try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: file))
            try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: other))
            // An earlier run settled other bytes of the same size at `file`'s place.
            try Self.settle(SourceFingerprint(sha256: String(repeating: "e", count: 64), size: 8, place: file), in: ledger)
            let classified = try SourceFiles.classify([file, other], skipSettled: ledger)
            #expect(classified.fresh == [file, other] && classified.settled.isEmpty)
            #expect(classified.prints[file]?.sha256 == SourceFiles.fingerprints([file])[file]?.sha256)  // hashed first
            #expect(classified.unsettled == [other] && classified.prints[other] == nil)  // no file settled there
            // Longer now: no file of its size was settled there, whatever its bytes.
            try Data("a,b\n1,2\n3,4\n".utf8).write(to: URL(fileURLWithPath: file))
            #expect(try SourceFiles.classify([file], skipSettled: ledger).unsettled == [file])
            // Without a ledger (a re-run of a date range, a dry run) no file is settled.
            #expect(try SourceFiles.classify([file, other], skipSettled: nil).unsettled == [file, other])
        }
    }

    @Test("fingerprints taken while the files are read: waited for after the reading, a file without one refused then, not before")
    func fingerprintsTakenWhileRead() throws {
        let folder = try Folder()
        let good = folder.path("good.csv")
        let bad = folder.path("bad.csv")
        try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: good))
        // `bad` cannot be read through by the fingerprint's reader: by the time it is, it is a
        // folder (opened, not read: EISDIR), as a file replaced or unreadable half-way would be.
        try FileManager.default.createDirectory(atPath: bad, withIntermediateDirectories: false)
        let expected = try #require(SourceFiles.fingerprints([good])[good])
        var listing = SourceFiles.Listing()
        listing.taking = SourceFiles.Fingerprinting([good, bad])
        #expect(listing.unfingerprinted(good) == nil && listing.unfingerprinted(bad) == nil)  // not refused before reading
        #expect(listing.unfingerprinted(afterReading: good) == nil)
        // Refused once read, whatever it is by then (its records would belong to no file in the ledger).
        #expect(listing.unfingerprinted(afterReading: bad)?.type == "file-unreadable")
        #expect(listing.unfingerprinted(afterReading: bad)?.type == "file-unreadable")  // (asked twice: the same)
        #expect(listing.awaitFingerprints([good, bad]) == [good: expected])
        #expect(listing.fingerprints == [good: expected])
        #expect(listing.awaitFingerprints([good, bad]).isEmpty)

        // Taken a part at a time between other work: the same fingerprint as read at once, for a
        // file of several parts and one of none; a folder has none.
        let large = folder.path("large.csv")
        let empty = folder.path("empty.csv")
        try Data((0..<(SourceFiles.Fingerprinting.part * 2 + 12_345)).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: large))
        try Data().write(to: URL(fileURLWithPath: empty))
        let taking = SourceFiles.Fingerprinting([large, empty, folder.url.path, good])
        for file in [large, empty, good] {
            let whole = try #require(SourceFiles.fingerprints([file])[file])
            #expect(taking.wait(file) == whole, "\(file)")
        }
        #expect(taking.wait(large)?.size == Int64(SourceFiles.Fingerprinting.part * 2 + 12_345))
        #expect(taking.wait(empty)?.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(taking.wait(folder.url.path) == nil)

        // A backlog of small files, each one part: every one taken, in any order of waiting.
        let backlog = (0..<3_000).map { folder.path("small-\($0).csv") }
        for (index, path) in backlog.enumerated() { try Data("a\n\(index)\n".utf8).write(to: URL(fileURLWithPath: path)) }
        let many = SourceFiles.Fingerprinting(backlog)
        for path in backlog.reversed() { #expect(many.wait(path)?.sha256 == SourceFiles.fingerprints([path])[path]?.sha256) }
    }

    @Test("a run's record versions name the file they were read from by its fingerprint, taken while the file was read")
    func versionsNameTheirFile() throws {
        let project = try EngineRunTests.Project()
        defer { try? FileManager.default.removeItem(at: project.root) }
        let summary = try project.run("2026-12-01").summary
        #expect(summary.validRecords > 0)
        let print = try #require(SourceFiles.fingerprints([project.input.path])[project.input.path])
        let sources = try project.ledger.recordSources(kind: "administrative-penalty")
        #expect(sources == [print.sha256: summary.validRecords])
    }

    /// The engine's project whose inbox file is the fixture itself (a link to it), last changed at
    /// checkout, minutes before any test reads it: its stat can vouch for it. With the fixture's
    /// path and the stat.
    static func projectWithOldFile() throws -> (EngineRunTests.Project, fixture: String, stat: String) {
        let project = try EngineRunTests.Project()
        let fixture = Fixtures.root.appendingPathComponent("fixtures/pipelines/inbox/fazhike/2026-11-penalties.csv").path
        try FileManager.default.removeItem(at: project.input)
        try FileManager.default.createSymbolicLink(atPath: project.input.path, withDestinationPath: fixture)
        return (project, fixture, try #require(FileStat(path: project.input.path)).signature)
    }

    @Test("a nightly run settles an old file with its stat, and the next night skips it by that stat")
    func runSettlesWithStat() throws {
        let (project, fixture, stat) = try Self.projectWithOldFile()
        defer { try? FileManager.default.removeItem(at: project.root) }

        #expect(try project.ledger.settledFingerprint(place: project.input.path, stat: stat) == nil)
        let first = try project.run("2026-12-01").summary
        #expect(first.skippedFiles.isEmpty && first.validRecords > 0)
        let settled = try #require(try project.ledger.settledFingerprint(place: project.input.path, stat: stat))
        #expect(settled.sha256 == SourceFiles.fingerprints([fixture])[fixture]?.sha256)
        #expect(try project.run("2026-12-02").summary.skippedFiles == [project.input.path])
    }

    @Test("a file settled by its bytes alone (by an older gongshi) is skipped, and the run records its stat for the next night")
    func settledByBytesGetsItsStat() throws {
        let (project, fixture, stat) = try Self.projectWithOldFile()
        defer { try? FileManager.default.removeItem(at: project.root) }
        let bytes = try #require(SourceFiles.fingerprints([fixture])[fixture])
        try Self.settle(SourceFingerprint(sha256: bytes.sha256, size: bytes.size, place: project.input.path), in: project.ledger)

        let classified = try SourceFiles.classify([project.input.path], skipSettled: project.ledger)
        #expect(classified.settled == [project.input.path])
        #expect(classified.vouched == [SourceFingerprint(sha256: bytes.sha256, size: bytes.size, place: project.input.path, stat: stat)])
        #expect(try project.ledger.settledFingerprint(place: project.input.path, stat: stat) == nil)
        #expect(try project.run("2026-12-01").summary.skippedFiles == [project.input.path])
        #expect(try project.ledger.settledFingerprint(place: project.input.path, stat: stat)?.sha256 == bytes.sha256)
        #expect(try SourceFiles.classify([project.input.path], skipSettled: project.ledger).vouched.isEmpty)
    }
}

/// A pending batch's outbox file, checked every night until the portal's receipt comes, is known
/// unchanged by its stat as a settled source file is; changed, it is read through and its batch
/// fails as before.
@Suite("A pending outbox file known by its identity and times")
struct OutboxStatTests {
    static func publisher(_ ledger: any PublicationLedger, run: Int64, outbox: URL) throws -> FeedPublisher {
        let schemas = try SchemaCatalog.bundledDocuments.map { try SchemaLoader.load($0).get() }
        let profile = try #require(
            try PortalProfileLoader.bundledDocuments.map { try PortalProfileLoader.load($0, schemas: schemas).get() }
                .first { $0.id == "creditchina-henan-zhengzhou" })
        return FeedPublisher(
            ledger: ledger, run: run, outbox: outbox, profile: profile, today: try CalendarDate.parse("2026-12-04"), calendar: nil,
            transcript: Transcript.collecting().0)
    }

    static func batch(_ id: String, path: String, sha256: String) -> NewBatch {
        NewBatch(
            id: id, portal: "creditchina-henan-zhengzhou", feed: "penalty-legal", kind: "penalty", operation: .publish,
            fileName: (path as NSString).lastPathComponent, outboxPath: path, payloadSHA256: sha256, records: 1, createdOn: "2026-12-04")
    }

    @Test("a file read whole long after it last changed has its stat recorded; the same stat is not read again; changed, it is read and does not hold")
    func outboxStat() throws {
        let folder = try SettledFileStatTests.Folder()
        for ledger in [InMemoryLedger(), try Ledger.open(path: folder.path("ledger.sqlite"))] as [any PublicationLedger] {
            let run = try ledger.beginRun(
                command: "run test nightly", today: "2026-12-04", startedAt: "2026-12-04T02:00:00+08:00", pipeline: "test", department: nil)
            let publisher = try Self.publisher(ledger, run: run, outbox: folder.url)
            func publication(_ number: Int) -> NewPublication {
                NewPublication(
                key: "牟城管罚〔2026〕\(number)号", contentSHA256: String(repeating: "a", count: 64), previousSHA256: nil, decisionDate: "2026-11-20",
                dueOn: "2026-12-01", subjectCode: "91410100MA40Q8R26R", subjectName: "某公司", schemaVersion: 1, profileVersion: 1)
            }

            // A file checked out before the build, its bytes the batch's: read whole, its stat recorded.
            let old = Fixtures.url("validate/penalty/valid.csv").path
            let oldPrint = try #require(Digest.fingerprint(path: old))
            try ledger.recordPending(Self.batch("b000000000000001", path: old, sha256: oldPrint.sha256), publications: [publication(1)], run: run)
            let first = try #require(try ledger.batch("b000000000000001"))
            #expect(first.outboxStat == nil)
            #expect(try publisher.holds(outboxFileOf: first))
            let recorded = try #require(try ledger.batch("b000000000000001")?.outboxStat)
            #expect(recorded == FileStat(path: old)?.signature)

            // A stat that matches is trusted without reading: a batch whose bytes the file does not
            // hold, with the file's stat recorded, holds; without it, it does not.
            let file = folder.path("outbox-\(UUID().uuidString).csv")
            try Data("a,b\n1,2\n".utf8).write(to: URL(fileURLWithPath: file))
            let stat = try #require(FileStat(path: file)).signature
            let other = String(repeating: "e", count: 64)
            try ledger.recordPending(Self.batch("b000000000000002", path: file, sha256: other), publications: [publication(2)], run: run)
            #expect(try !publisher.holds(outboxFileOf: try #require(try ledger.batch("b000000000000002"))))
            try ledger.recordOutboxStat(batch: "b000000000000002", stat: stat)
            #expect(try publisher.holds(outboxFileOf: try #require(try ledger.batch("b000000000000002"))))

            // A file written just now holds its bytes, but its stat cannot vouch for them yet: none recorded.
            let fresh = folder.path("fresh-\(UUID().uuidString).csv")
            try Data("a,b\n3,4\n".utf8).write(to: URL(fileURLWithPath: fresh))
            let freshPrint = try #require(Digest.fingerprint(path: fresh))
            try ledger.recordPending(Self.batch("b000000000000003", path: fresh, sha256: freshPrint.sha256), publications: [publication(3)], run: run)
            #expect(try publisher.holds(outboxFileOf: try #require(try ledger.batch("b000000000000003"))))
            #expect(try ledger.batch("b000000000000003")?.outboxStat == nil)

            // Its stat recorded, then the file changed in place (same size): read again, it does not hold.
            try ledger.recordOutboxStat(batch: "b000000000000003", stat: try #require(FileStat(path: fresh)).signature)
            let handle = try #require(FileHandle(forWritingAtPath: fresh))
            try handle.write(contentsOf: Data("x".utf8))
            try handle.close()
            #expect(try !publisher.holds(outboxFileOf: try #require(try ledger.batch("b000000000000003"))))

            // The nightly reconcile: the unchanged file's batch stays pending, the changed one fails.
            _ = try publisher.reconcile(kind: "penalty")
            #expect(try ledger.batch("b000000000000001")?.status == .pending)
            #expect(try ledger.batch("b000000000000003")?.status == .failed)
        }
    }
}
