import DisclosureCore
import Foundation
import GongshiTesting
import Testing

/// QA's case, end to end: ID and phone numbers in 违法事实 split by a no-break, narrow or thin
/// space, a tab, an em dash, a middle dot or a zero-width space. `validate` warns about each
/// (`personal-data-in-text`) and its JSON echoes no value with the number in it; the 信用中国 feed
/// hides each.
@Suite("Personal data: split numbers through validate and feed (screen)")
struct SplitNumberScreenCommandTests {
    static let separators = ["\u{00A0}", "\u{202F}", "\u{2009}", "\t", "—", "·", "\u{200B}", "\u{3000}"]
    static let id = "410122198503121231"
    static let mobile = "13800138000"

    /// valid.csv's first record (a legal person), one row an ID number and one a mobile for each separator.
    static func file() throws -> URL {
        let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let facts = try #require(header.firstIndex(of: "违法事实"))
        let number = try #require(header.firstIndex(of: "行政处罚决定书文号"))
        let name = try #require(header.firstIndex(of: "行政相对人名称"))
        let first = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var rows = [lines[0]]
        for (index, separator) in Self.separators.enumerated() {
            for (kind, written) in [
                ("身份证", "410122\(separator)19850312\(separator)1231"), ("电话", "138\(separator)0013\(separator)8000"),
            ] {
                var cells = first
                cells[facts] = "经营者\(kind)\(written)擅自占道"
                cells[number] = "牟城管罚〔2026〕\(rows.count)号"
                cells[name] = "郑州某某餐饮管理有限公司\(index)\(kind)"
                rows.append(cells.map { $0.contains("\t") ? "\"\($0)\"" : $0 }.joined(separator: ","))
            }
        }
        let file = Scratch.root.appendingPathComponent("gongshi-split-\(UUID().uuidString).csv")
        try rows.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// A text with every separator and invisible character taken out: what a reader reads as the number.
    static func read(_ text: String) -> String {
        String(text.unicodeScalars.filter { !Self.separators.joined().unicodeScalars.contains($0) }.map(Character.init))
    }

    @Test("validate warns of each split number, and no value or message of its JSON holds one; the feed hides each")
    func validateAndFeed() throws {
        let file = try Self.file()
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try GongshiProcess.run(
            ["validate", "--kind", "penalty", "--today", "2026-12-07", "--format", "json", "--all-warnings", file.path])
        #expect(result.status == 0, "\(result)")
        let report = try ReportJSON.decode(result.stdout)
        let rows = Set(report.errors.filter { $0.type == "personal-data-in-text" }.compactMap(\.row))
        #expect(rows == Set(2...(1 + 2 * Self.separators.count)), "\(rows.sorted())")
        for problem in report.errors {
            for text in [problem.value ?? "", problem.message] {
                #expect(!Self.read(text).contains(Self.id) && !Self.read(text).contains(Self.mobile), "\(problem.type) \(problem.row ?? 0)")
            }
        }
        #expect(!Self.read(result.stdout).contains(Self.id) && !Self.read(result.stdout).contains(Self.mobile))
        let out = Scratch.root.appendingPathComponent("gongshi-split-feed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let feed = try GongshiProcess.run(
            ["feed", "--portal", "creditchina-henan-zhengzhou", "--kind", "penalty", "--out", out.path, "--today", "2026-12-07", file.path])
        #expect(feed.status == 0, "\(feed)")
        let files = try #require(FileManager.default.enumerator(atPath: out.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".csv") })
        #expect(files.count == 1, "\(files)")
        for path in files {
            let published = try String(contentsOf: out.appendingPathComponent(path), encoding: .utf8)
            #expect(published.contains("经营者身份证"), "\(path)")
            #expect(!Self.read(published).contains(Self.id) && !Self.read(published).contains(Self.mobile), "\(published)")
        }
    }
}
