import DisclosureCore
import Foundation
import GongshiTesting
import PipelineConfig
@testable import PipelineRunner
import Testing
import WorkingDayCalendar

/// Ingest dispatches on the source's declared format; the file name's suffix is only the default.
@Suite("Ingest")
struct IngestTests {
    @Test("an XML export with another suffix is read as XML when the source says so, and fails as CSV when it does not")
    func formatDispatch() throws {
        guard case .found(let schema) = SchemaCatalog.find(kind: "permit") else { Issue.record("no permit schema"); return }
        let folder = Scratch.root.appendingPathComponent("gongshi-ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("permits.export").path
        try FileManager.default.copyItem(at: Fixtures.url("pipelines/inbox/shenpi/2026-11-permits.xml"), to: URL(fileURLWithPath: file))
        let today = try CalendarDate.parse("2026-11-30")
        #expect(InputOptions.Format.of("a.XML", declared: nil) == .xml && InputOptions.Format.of("a.xml", declared: .csv) == .csv)

        var options = InputOptions()
        options.format = .xml
        let asXML = try FileValidator.validate(
            files: [file], schema: schema, today: today, options: options,
            writer: ReportWriter(json: false, language: .zh, reportPath: nil, output: nil))
        #expect(asXML.files.first?.failed == false && (asXML.files.first?.records ?? 0) > 0, "\(asXML.files)")

        options.format = nil
        let bySuffix = try FileValidator.validate(
            files: [file], schema: schema, today: today, options: options,
            writer: ReportWriter(json: false, language: .zh, reportPath: nil, output: nil))
        #expect(bySuffix.files.first?.failed == true)
    }
}

/// The problems a run keeps for the ledger are bounded per file, while the count of incomplete
/// records (完整率) is still taken from every problem.
@Suite("Kept problems")
struct KeptProblemsTests {
    /// A file of `count` records from the valid fixture's first row: every third with two required
    /// values blank (two problems on one row), every fifth with a bad amount.
    static func file(count: Int, brokenTail: Bool = false) throws -> (path: String, incomplete: Int) {
        let lines = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8).split(whereSeparator: \.isNewline)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let first = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let column = { (name: String) in header.firstIndex(of: name)! }
        var text = lines[0] + "\n"
        var incomplete = 0
        for index in 0..<count {
            var cells = first
            cells[column("行政处罚决定书文号")] = "牟城管罚〔2026〕\(index + 1)号"
            if index % 3 == 0 {
                cells[column("处罚机关")] = ""
                cells[column("处罚依据")] = ""
                incomplete += 1
            }
            if index % 5 == 0 { cells[column("罚款金额(万元)")] = "-1" }
            text += cells.joined(separator: ",") + "\n"
        }
        let path = Scratch.root.appendingPathComponent("gongshi-kept-\(UUID().uuidString).csv").path
        var bytes = Array(text.utf8)
        if brokenTail { bytes += [0xFF, 0xFE, 0x0A] }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, incomplete)
    }

    static func validate(_ path: String, keptPerFile: Int) throws -> (report: ValidationReport, kept: [DisclosureCore.Issue], incomplete: [String: Int]) {
        guard case .found(let schema) = SchemaCatalog.find(kind: "penalty") else { throw CocoaError(.fileNoSuchFile) }
        let writer = try ReportWriter(json: false, language: .zh, reportPath: nil, output: nil)
        writer.keepsIssues = true
        writer.keptPerFile = keptPerFile
        var options = InputOptions()
        options.encoding = .utf8
        let report = try FileValidator.validate(
            files: [path], schema: schema, today: try CalendarDate.parse("2026-11-30"), options: options, writer: writer)
        try writer.finish(report)
        return (report, writer.takeKeptIssues(), writer.takeIncompleteRecords())
    }

    @Test("a cap keeps the first problems in order; incomplete records are counted from all of them, a row once")
    func capped() throws {
        let (path, incomplete) = try Self.file(count: 3000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let all = try Self.validate(path, keptPerFile: .max)
        let capped = try Self.validate(path, keptPerFile: 10)
        #expect(all.report.invalid == capped.report.invalid && all.report.errorCount == capped.report.errorCount)
        #expect(all.kept.count == all.report.errorCount && all.kept.count > 2000)
        #expect(capped.kept.count == 10)
        #expect(capped.kept.map(\.row) == all.kept.prefix(10).map(\.row) && capped.kept.map(\.type) == all.kept.prefix(10).map(\.type))
        // The count the ledger used to work out from every kept problem.
        let byRows = Set(all.kept.filter { IntakeRecorder.incompleteTypes.contains($0.type) && $0.severity == .error }.compactMap(\.row)).count
        #expect(byRows == incomplete && all.kept.filter { $0.type == "required-missing" }.count == 2 * incomplete)
        #expect(all.incomplete == [path: incomplete] && capped.incomplete == [path: incomplete])
    }

    @Test("an XML record with two required fields empty, on two lines, is one incomplete record")
    func xmlRecordOnce() throws {
        guard case .found(let schema) = SchemaCatalog.find(kind: "permit") else { throw CocoaError(.fileNoSuchFile) }
        let text = try String(contentsOf: Fixtures.url("validate/permit/permits.xml"), encoding: .utf8)
        let start = try #require(text.range(of: "  <Record>")), end = try #require(text.range(of: "</Record>\n"))
        var record = String(text[start.lowerBound..<end.upperBound])
        record.replace(/<XK_XKJG>[^<]*<\/XK_XKJG>/, with: "<XK_XKJG></XK_XKJG>")
        record.replace(/<XK_LYDW>[^<]*<\/XK_LYDW>/, with: "<XK_LYDW></XK_LYDW>")
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Records>\n" + String(repeating: record, count: 3) + "</Records>\n"
        let path = Scratch.root.appendingPathComponent("gongshi-kept-\(UUID().uuidString).xml").path
        try Data(xml.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try ReportWriter(json: false, language: .zh, reportPath: nil, output: nil)
        writer.keepsIssues = true
        let report = try FileValidator.validate(
            files: [path], schema: schema, today: try CalendarDate.parse("2026-11-30"), options: InputOptions(), writer: writer)
        try writer.finish(report)
        let missing = writer.takeKeptIssues().filter { $0.type == "required-missing" }
        #expect(missing.count == 6 && Set(missing.compactMap(\.line)).count == 6, "\(missing.map(\.line))")  // each on its field's line
        #expect(writer.takeIncompleteRecords() == [path: 3])
    }

    @Test("a file that fails keeps only its failure and counts no incomplete records")
    func failed() throws {
        let (path, _) = try Self.file(count: 3000, brokenTail: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Self.validate(path, keptPerFile: 10)
        #expect(result.report.files.first?.failed == true)
        #expect(result.kept.count == 1 && result.kept.first?.severity == .error && result.incomplete.isEmpty)
    }
}

@Suite("Input size")
struct InputSizeTests {
    @Test("a file read through a symbolic link is sized by its target (the key index and the progress are sized from it)")
    func throughLink() throws {
        let folder = Scratch.root.appendingPathComponent("gongshi-size-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("target.csv")
        try Data(repeating: 0x41, count: 123_457).write(to: target)
        let link = folder.appendingPathComponent("link.csv")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        #expect(FileValidator.size(of: link.path) == 123_457 && FileValidator.size(of: target.path) == 123_457)
        #expect(FileValidator.size(of: folder.appendingPathComponent("none").path) == 0)
    }

    @Test("a spill file that cannot be written (a full disk) stops with spill-unwritable, not a trap")
    func spillOnFullDisk() throws {
        let full = try #require(FileHandle(forUpdatingAtPath: "/dev/full"))
        let spill = SpillFile(handle: full)
        for _ in 0..<2_000 { spill.write(String(repeating: "某", count: 20) + "\n") }  // past the 64 KiB buffer
        #expect(throws: CommandFailure.self) { try spill.check() }
        do {
            try spill.copy { _ in Issue.record("copied from a file that was never written") }
            Issue.record("the copy did not fail")
        } catch let failure as CommandFailure {
            #expect(failure.code == "spill-unwritable" && failure.status == ExitStatus.ioError && failure.message.contains("No space left on device"))
        }
    }
}
