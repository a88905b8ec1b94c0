import Foundation
import GongshiTesting
import Testing

/// A header in the 2015 (v1) 双公示 format fails its file with one problem saying so; a date written
/// 9999/12/31 is published as the publication format's 长期, 2099/12/31.
@Suite("gongshi validate: the v1 format and 9999/12/31")
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

    @Test("9999/12/31 warnings summarize per file and field like the other normalizations; --all-warnings lists each")
    func longTermSummary() throws {
        let path = Fixtures.url("validate/permit/long-term.csv").path
        let (status, report, problems) = try Self.json(["--kind", "permit", path])
        #expect(status == 0)
        let longTerm = problems.filter { $0["type"] as? String == "normalized-long-term" }
        #expect(longTerm.count == 4 && longTerm.filter { $0["count"] != nil }.count == 1, "\(longTerm)")
        let summary = try #require(longTerm.first { $0["count"] != nil })
        #expect(summary["count"] as? Int == 4 && summary["field"] as? String == "有效期至")
        #expect((report["stats"] as? [String: Int])?["warnings"] == 4)
        let all = try Self.json(["--kind", "permit", "--all-warnings", path])
        let each = all.problems.filter { $0["type"] as? String == "normalized-long-term" }
        #expect(each.compactMap { $0["row"] as? Int } == [2, 3, 4, 5] && each.allSatisfy { $0["count"] == nil })
    }

    /// The feed's rows, read back from JSON Lines.
    static func feedRows(kind: String, file: String) throws -> [[String: Any]] {
        let folder = Scratch.root.appendingPathComponent("gongshi-long-term-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try GongshiProcess.run([
            "feed", "--portal", "creditchina-henan-zhengzhou", "--kind", kind, "--format", "json-lines", "--out", folder.path,
        ] + today + [Fixtures.url("validate/\(kind)/\(file)").path])
        #expect(result.status == 0, "\(result)")
        return try Fixtures.payloads(under: folder).values.flatMap { data in
            try String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
        }
    }

    @Test("the feeds publish 9999/12/31 (in any form, or as Excel's serial) as 2099/12/31, and another date as written")
    func longTermFeed() throws {
        let permits = try Self.feedRows(kind: "permit", file: "long-term.csv")
        let until = Dictionary(uniqueKeysWithValues: permits.compactMap { row in
            (row["XK_WSH"] as? String).map { ($0, row["XK_YXQZI"] as? String ?? "") }
        })
        #expect(until == [
            "牟城管许〔2026〕11号": "2099/12/31", "牟城管许〔2026〕12号": "2099/12/31", "牟城管许〔2026〕13号": "2099/12/31",
            "牟城管许〔2026〕14号": "2099/12/31", "牟城管许〔2026〕15号": "9999/12/30",
        ])
        // A penalty's 处罚有效期 and 公示截止期 the same (公示截止期 is the department's, not replaced by the period's end).
        let penalties = try Self.feedRows(kind: "penalty", file: "long-term.csv")
        #expect(penalties.count == 1 && penalties.allSatisfy { $0["CF_YXQ"] as? String == "2099/12/31" && $0["CF_GSJZQ"] as? String == "2099/12/31" })
    }
}
