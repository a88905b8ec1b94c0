import DisclosureCore
import Foundation
import GongshiTesting
import PipelineConfig
import PipelineRunner
import Testing
import WorkingDayCalendar

/// Ingest dispatches on the source's declared format; the file name's suffix is only the default.
@Suite("Ingest")
struct IngestTests {
    @Test("an XML export with another suffix is read as XML when the source says so, and fails as CSV when it does not")
    func formatDispatch() throws {
        guard case .found(let schema) = SchemaCatalog.find(kind: "permit") else { Issue.record("no permit schema"); return }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gongshi-ingest-\(UUID().uuidString)")
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
