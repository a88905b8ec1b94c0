import DisclosureCore
import Foundation
import GongshiTesting
import PipelineConfig
@testable import PipelineRunner
import Testing
import WorkingDayCalendar

/// A source file the run could not read through to take its fingerprint is not read for records:
/// its record versions would belong to no file in the ledger. It fails as an unreadable file does.
@Suite("A file without a fingerprint")
struct UnfingerprintedFileTests {
    /// What a validation hands the run's record sink.
    final class Sink: RecordSink {
        var accepted = 0
        var salvaged = 0
        var sighted = 0
        var ends: [Bool] = []
        func accept(_ records: [ValidRecord]) throws { accepted += records.count }
        func endFile(failed: Bool) throws { ends.append(failed) }
        func sighted(_ sightings: [DecisionSighting], unidentifiable: Int, file: String, salvaged: Bool) throws {
            if salvaged { self.salvaged += sightings.count } else { sighted += sightings.count }
        }
    }

    @Test("refused, the file fails with file-unreadable: no record taken, its decisions still salvaged; not refused, the same file is read")
    func refusedFileFails() throws {
        guard case .found(let schema) = SchemaCatalog.find(kind: "penalty") else {
            Issue.record("no penalty schema")
            return
        }
        let file = Fixtures.url("validate/penalty/valid.csv").path
        let today = try CalendarDate.parse("2026-11-30")
        func validate(refusing: Bool, afterReading: Bool = false) throws -> (ValidationReport, Sink, [DisclosureCore.Issue]) {
            let sink = Sink()
            let writer = try ReportWriter(json: false, language: .zh, reportPath: nil, output: nil)
            writer.keepsIssues = true
            let unreadable = { (path: String) in path == file ? DisclosureCore.Issue("file-unreadable", zh: "读不完", en: "unreadable") : nil }
            let report = try FileValidator.validate(
                files: [file], schema: schema, today: today, options: InputOptions(), writer: writer, records: sink,
                refuse: { refusing && !afterReading ? unreadable($0) : nil }, refuseRead: { refusing && afterReading ? unreadable($0) : nil })
            return (report, sink, writer.takeKeptIssues())
        }
        let (read, readSink, _) = try validate(refusing: false)
        #expect(read.failedFiles == 0 && readSink.accepted > 0 && readSink.ends == [false])

        let (refused, sink, issues) = try validate(refusing: true)
        #expect(refused.failedFiles == 1 && refused.files.first?.failed == true)
        #expect(sink.accepted == 0 && sink.sighted == 0 && sink.ends == [true])
        #expect(sink.salvaged == readSink.sighted)  // every decision still tracked
        #expect(issues.map(\.type) == ["file-unreadable"] && issues.first?.file == file)

        // Refused once read (its fingerprint was being taken meanwhile): the records it handed over
        // are dropped with the file, as a file's that fails half-way; its decisions are salvaged.
        let (late, lateSink, lateIssues) = try validate(refusing: true, afterReading: true)
        #expect(late.failedFiles == 1 && late.valid == 0)
        #expect(lateSink.ends == [true])
        #expect(lateSink.salvaged == readSink.sighted)
        #expect(lateIssues.map(\.type) == ["file-unreadable"] && lateIssues.first?.file == file)
    }

    @Test("the run refuses a regular file it has no fingerprint of, and leaves a missing file or a folder to the reader's own reason")
    func whichFilesAreRefused() throws {
        let folder = Scratch.root.appendingPathComponent("gongshi-unprinted-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("folder.csv"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let printed = folder.appendingPathComponent("a.csv").path
        let unprinted = folder.appendingPathComponent("b.csv").path
        try Data("x\n".utf8).write(to: URL(fileURLWithPath: printed))
        try Data("y\n".utf8).write(to: URL(fileURLWithPath: unprinted))
        var listing = SourceFiles.Listing()
        listing.fingerprints = SourceFiles.fingerprints([printed])
        #expect(listing.fingerprints[printed]?.size == 2)
        #expect(listing.unfingerprinted(printed) == nil)
        #expect(listing.unfingerprinted(unprinted)?.type == "file-unreadable")
        #expect(listing.unfingerprinted(folder.appendingPathComponent("folder.csv").path) == nil)
        #expect(listing.unfingerprinted(folder.appendingPathComponent("gone.csv").path) == nil)
        // A folder matched by a source's pattern has no fingerprint (it cannot be read through).
        #expect(SourceFiles.fingerprints([folder.appendingPathComponent("folder.csv").path]).isEmpty)
    }
}
