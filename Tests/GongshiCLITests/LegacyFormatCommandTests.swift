import Foundation
import GongshiTesting
import Testing

/// A header in the 2015 (v1) 双公示 format fails its file with one problem saying so.
@Suite("gongshi validate: the v1 format")
struct LegacyFormatCommandTests {
    static let today = ["--today", "2026-11-30"]

    static func json(_ arguments: [String]) throws -> (status: Int32, report: [String: Any], problems: [[String: Any]]) {
        let result = try GongshiProcess.run(["validate", "--format", "json"] + today + arguments)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        return (result.status, report, report["errors"] as? [[String: Any]] ?? [])
    }

    @Test("a v1 export (CSV by codes, CSV by Chinese labels, XML) fails with one legacy-v1-header error naming file, format and columns",
          arguments: [("penalty", "legacy-v1.csv", "CF_CFMC", 1, "row"), ("permit", "legacy-v1-labels.csv", "项目名称", 1, "row"),
                      ("permit", "legacy-v1.xml", "XK_XMMC", 3, "line")])
    func legacyFile(kind: String, file: String, column: String, place: Int, key: String) throws {
        let path = Fixtures.url("validate/\(kind)/\(file)").path
        let valid = Fixtures.url("validate/\(kind)/valid.csv").path
        let (status, report, problems) = try Self.json(["--kind", kind, path, valid])
        #expect(status == 65)
        let mine = problems.filter { $0["file"] as? String == path }
        #expect(mine.count == 1, "\(mine)")
        let problem = try #require(mine.first)
        #expect(problem["type"] as? String == "legacy-v1-header" && problem["severity"] as? String == "error")
        #expect(problem[key] as? Int == place)
        let message = try #require(problem["message"] as? String)
        #expect(message.contains("文件“\(file)”") && message.contains("2015 版（v1）双公示") && message.contains(column) && message.contains("mapping"))
        #expect(message.count <= 600 && (problem["value"] as? String)?.contains(column) == true)
        let stats = try #require(report["stats"] as? [String: Int])
        #expect(stats["failedFiles"] == 1 && stats["invalid"] == 0 && stats["valid"] == stats["records"])
        // No per-column "missing" list and no per-record problems beside it.
        #expect(!problems.contains { ["missing-column", "required-missing", "unknown-column"].contains($0["type"] as? String) })
    }

    @Test("a v1 workbook fails the same way, at its header row")
    func legacyWorkbook() throws {
        let folder = Scratch.root.appendingPathComponent("gongshi-v1-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let book = folder.appendingPathComponent("v1.xlsx")
        try runTool("/usr/bin/python3", [
            Fixtures.root.appendingPathComponent("benchmarks/make_workbook.py").path, Fixtures.url("validate/penalty/legacy-v1.csv").path, book.path,
        ])
        let (status, _, problems) = try Self.json(["--kind", "penalty", book.path])
        #expect(status == 65)
        #expect(problems.map { $0["type"] as? String } == ["legacy-v1-header"] && problems.first?["row"] as? Int == 1, "\(problems)")
    }
}
