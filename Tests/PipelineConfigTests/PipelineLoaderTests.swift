import DisclosureCore
import Foundation
import GongshiTesting
import PipelineConfig
import Testing
import WorkingDayCalendar

@Suite("Pipeline files")
struct PipelineLoaderTests {
    @Test("the bundled example pipelines load: sources, portals, transports and paths from the project folder")
    func examples() throws {
        let path = Fixtures.root.appendingPathComponent("pipelines/fazhike-penalties.yaml").path
        let pipeline = try PipelineLoader.load(try SchemaDocument.disk(path), id: "fazhike-penalties", base: Fixtures.root.path).get()
        #expect(pipeline.kind == "penalty" && pipeline.title == "法制科 行政处罚")
        #expect(pipeline.sources.map(\.encoding) == ["gb18030"] && pipeline.sources.map(\.format) == ["csv"])
        #expect(pipeline.portals.map(\.profile) == ["creditchina-henan-zhengzhou", "fixtures/portals/api-portal.v1.yaml"])
        #expect(pipeline.portals.last?.transport == .api(
            endpoint: "http://127.0.0.1:8787", credentials: .environment(appKey: "GONGSHI_PORTAL_APP_KEY", secret: "GONGSHI_PORTAL_SECRET"),
            caFile: nil))
        #expect(pipeline.ledger == "var/ledger.sqlite")
        // 信用中国 gets the Excel 模板; the API portal keeps its profile's format.
        #expect(pipeline.portals.map(\.format) == ["xlsx", nil])
        let permits = Fixtures.root.appendingPathComponent("pipelines/shenpi-permits.yaml").path
        let xml = try PipelineLoader.load(try SchemaDocument.disk(permits), id: "shenpi-permits", base: Fixtures.root.path).get()
        #expect(xml.sources.first?.format == "xml" && xml.sources.first?.recordElement == "Record")
    }

    @Test("a source's format: the declared one, else its pattern's fixed suffix's, else none (each file's own suffix decides)")
    func sourceFormats() throws {
        let patterns = ["inbox/*", "inbox/*.XML", "inbox/*.txt", "inbox/export_*", "inbox/*.c?v", "inbox/a.*", "inbox/*.dat", "inbox/*.xls"]
        let text = "kind: penalty\nsources:\n" + patterns.map { "  - path: \($0)\n" }.joined()
            + "  - path: inbox/*.dat\n    format: csv\n  - path: inbox/*\n    sheet: 数据\nportals:\n  - profile: gsxt\n    transport: {kind: outbox}\n"
        let pipeline = try PipelineLoader.load(SchemaDocument(origin: .bundled("pipelines/t.yaml"), text: text), id: "t", base: "/").get()
        #expect(pipeline.sources.map(\.format) == [nil, "xml", "csv", nil, nil, nil, nil, "xlsx", "csv", nil])
        #expect(PipelineLoader.fixedSuffix(of: "*") == nil && PipelineLoader.fixedSuffix(of: "export") == "" && PipelineLoader.fixedSuffix(of: "*.tar.gz") == "gz")
    }

    @Test("each faulty pipeline reports exactly its problems, with lines", arguments: try InvalidSchema.all(in: "pipelines/invalid"))
    func invalidPipelines(_ case_: InvalidSchema) throws {
        switch PipelineLoader.load(try SchemaDocument.disk(case_.path), id: "x", base: "/") {
        case .success: Issue.record("\(case_.name) loaded")
        case .failure(let failure):
            #expect(failure.issues.map { "\($0.line.map(String.init) ?? "-") \($0.code)" }.sorted() == case_.expected)
            #expect(!failure.issues.map(\.message).joined().contains("do-not-put-me-here"))
        }
    }

    @Test("lint: what the pipeline points at — missing folders and files, unset variables, open credentials, severity-rule fields, coverage ending")
    func lint() throws {
        let folder = Scratch.root.appendingPathComponent("gongshi-lint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        FileManager.default.createFile(
            atPath: folder.appendingPathComponent("open.credentials").path, contents: Data("app_key=a\nsecret=b\n".utf8),
            attributes: [.posixPermissions: 0o644])
        let text = """
            kind: penalty
            sources:
              - {path: inbox/*.csv, mapping: mappings/none.yaml}
              - {path: missing/*.csv}
            portals:
              - {profile: gsxt, transport: {kind: api, endpoint: "http://portal.example", credentials_file: open.credentials}}
              - {profile: creditchina-henan-zhengzhou, transport: {kind: api, endpoint: "https://p.example", app_key_env: K, secret_env: S}}
              - {profile: nowhere, transport: {kind: sftp, url: "sftp://h/", user: u, key_file: key, known_hosts: kh}}
              - {profile: gsxt, transport: {kind: outbox}}
            publication_period:
              default: 一般
              rules:
                - {field: 处罚种类, contains: 吊销, severity: 严重}
                - {field: 处罚类别, contains: 吊销, severity: 严重}
            """
        let pipeline = try PipelineLoader.load(
            SchemaDocument(origin: .bundled("pipelines/t.yaml"), text: text), id: "t", base: folder.path
        ).get()
        let schemas = try SchemaCatalog.bundledDocuments.map { try SchemaLoader.load($0).get() }
        let profiles = try PortalProfileLoader.bundledDocuments.map { try PortalProfileLoader.load($0, schemas: schemas).get() }
        let linter = PipelineLinter(
            schemas: schemas, profiles: profiles, environment: ["K": "set"], today: try CalendarDate.parse("2026-11-30"),
            calendarEnd: try CalendarDate.parse("2026-12-31"))
        let found = linter.lint(pipeline, file: "t.yaml").map { "\($0.line.map(String.init) ?? "-") \($0.code)\($0.isWarning ? " warning" : "")" }
        #expect(found == [
            "3 pipeline-no-files warning", "3 pipeline-missing-file", "4 pipeline-missing-folder", "11 pipeline-unknown-field",
            "6 pipeline-insecure-endpoint", "6 credentials-too-open", "7 credentials-env-unset",
            "8 pipeline-unknown-profile", "8 pipeline-missing-file", "8 pipeline-missing-file", "9 pipeline-duplicate-portal",
            "- calendar-coverage-ending warning",
        ])
        let later = PipelineLinter(
            schemas: schemas, profiles: profiles, environment: ["K": "set", "S": "set"], today: try CalendarDate.parse("2026-10-01"),
            calendarEnd: try CalendarDate.parse("2026-12-31"))
        #expect(!later.lint(pipeline, file: "t.yaml").contains { $0.code == "calendar-coverage-ending" || $0.code == "credentials-env-unset" })
        // Past the coverage's end: an error, no longer a warning.
        let past = PipelineLinter(
            schemas: schemas, profiles: profiles, environment: ["K": "set", "S": "set"], today: try CalendarDate.parse("2027-01-01"),
            calendarEnd: try CalendarDate.parse("2026-12-31"))
        let coverage = past.lint(pipeline, file: "t.yaml").filter { $0.code.hasPrefix("calendar-coverage") }
        #expect(coverage.map { "\($0.code)\($0.isWarning ? " warning" : "")" } == ["calendar-coverage-ended"])
    }
}
