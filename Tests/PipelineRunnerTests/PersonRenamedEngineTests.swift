import DisclosureCore
import Foundation
import GongshiTesting
import PipelineRunner
import Testing

/// A natural person's name corrected by the department (same 文号, same ID document) on the engine
/// with the in-memory ledger: the old name's confirmed publication is taken down (更正) on each
/// portal, as a legal person's is by code; two people of one decision, a record with no usable ID
/// number and a lost secret take nothing down.
@Suite("Natural persons renamed, in process")
struct PersonRenamedEngineTests {
    typealias Project = EngineRunTests.Project
    static let number = "牟城管罚〔2026〕2号"
    /// 李四2's line of the export, and a valid second ID number.
    static let otherID = "410122199202024563"

    /// The export (GB18030) with `change` applied to its UTF-8 text.
    static func export(_ project: Project, _ change: (String) -> String) throws {
        let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        let source = project.root.appendingPathComponent("changed-\(UUID().uuidString).csv")
        try change(text).write(to: source, atomically: true, encoding: .utf8)
        try runTool("/usr/bin/iconv", ["-f", "UTF-8", "-t", "GB18030", "-o", project.input.path, source.path])
    }

    /// A first night, every batch confirmed the same day.
    static func published() throws -> Project {
        let project = try Project()
        _ = try project.run("2026-11-30")
        try confirmAll(project, on: "2026-11-30")
        return project
    }

    static func confirmAll(_ project: Project, on date: String) throws {
        for batch in try project.ledger.batches(portal: nil, status: .pending) {
            _ = try project.ledger.confirm(batch: batch.id, receipt: nil, on: date)
        }
    }

    /// The decision's publications taken down, as `key` on `portal/feed`.
    static func takenDown(_ project: Project, number: String = number) throws -> [String] {
        try project.ledger.history(key: number).filter { $0.withdrawalReason != nil }
            .map { "\($0.portal)/\($0.feed) \($0.key) \($0.withdrawalReason ?? "")" }.sorted()
    }

    /// The line of the export that holds `number`.
    static func line(_ text: String, _ number: String) throws -> String {
        try #require(text.components(separatedBy: "\r\n").first { $0.contains(number + ",") })
    }

    @Test("李四2 corrected to 李肆2 (same ID): on both portals the old name's publication is taken down (更正); the new one stays; the note names no one")
    func renamedTakenDown() throws {
        let project = try Self.published()
        try Self.export(project) { $0.replacingOccurrences(of: "李四2,自然人", with: "李肆2,自然人") }
        let (summary, lines) = try project.run("2026-12-01")
        #expect(lines.filter { $0 == "当事人名称已更正（同一文号、同一证件），撤下旧名称的公示 1 条：" }.count == 2, "\(lines)")
        #expect(
            try Self.takenDown(project) == [
                "api-portal/penalty-natural \(Self.number)|李四2 更正", "creditchina-henan-zhengzhou/penalty-natural \(Self.number)|李四2 更正",
            ])
        #expect(summary.feeds["creditchina-henan-zhengzhou/penalty-natural"]?.published == 1)
        #expect(project.live("creditchina-henan-zhengzhou", "penalty-natural")["\(Self.number)|李肆2"] == 1)
        // Neither name, nor the ID number, is in what the run said.
        #expect(!lines.contains { $0.contains("李肆2") || $0.contains("李四2") || $0.contains("410122198503121231") }, "\(lines)")
        // The night after: nothing more.
        let (_, after) = try project.run("2026-12-02")
        #expect(!after.contains { $0.contains("撤下旧名称") }, "\(after)")
    }

    @Test("a second person named by the same decision (another ID) takes no one down; then the first person's name corrected takes down theirs only")
    func twoPeopleOneDecision() throws {
        let project = try Self.published()
        let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        let first = try Self.line(text, Self.number)
        let second = first.replacingOccurrences(of: "李四2,", with: "王五,").replacingOccurrences(of: "410122198503121231", with: Self.otherID)
        try Self.export(project) { $0.replacingOccurrences(of: first, with: first + "\r\n" + second) }
        let (summary, lines) = try project.run("2026-12-01")
        #expect(summary.feeds["creditchina-henan-zhengzhou/penalty-natural"]?.published == 1, "\(lines)")
        #expect(!lines.contains { $0.contains("撤下旧名称") }, "\(lines)")
        #expect(try Self.takenDown(project).isEmpty)
        try Self.confirmAll(project, on: "2026-12-01")
        // 李四2 corrected to 李肆2; 王五 unchanged.
        let renamed = first.replacingOccurrences(of: "李四2,", with: "李肆2,")
        try Self.export(project) { $0.replacingOccurrences(of: first, with: renamed + "\r\n" + second) }
        let (_, next) = try project.run("2026-12-02")
        #expect(next.filter { $0 == "当事人名称已更正（同一文号、同一证件），撤下旧名称的公示 1 条：" }.count == 2, "\(next)")
        #expect(try Self.takenDown(project).allSatisfy { $0.contains("|李四2 ") } && Self.takenDown(project).count == 2)
        #expect(project.live("creditchina-henan-zhengzhou", "penalty-natural")["\(Self.number)|王五"] == 1)
    }

    @Test("a natural person without a usable ID number (000000) corrected: nothing is taken down, as before")
    func noUsableID() throws {
        let project = try Project()
        let fourteen = "牟城管罚〔2026〕14号"
        try Self.export(project) { $0.replacingOccurrences(of: "军字第0012345号", with: "000000") }
        _ = try project.run("2026-11-30")
        try Self.confirmAll(project, on: "2026-11-30")
        try Self.export(project) { $0.replacingOccurrences(of: "军字第0012345号", with: "000000").replacingOccurrences(of: "李四14,", with: "李肆14,") }
        let (summary, lines) = try project.run("2026-12-01")
        #expect(summary.feeds["creditchina-henan-zhengzhou/penalty-natural"]?.published == 1, "\(lines)")
        #expect(!lines.contains { $0.contains("撤下旧名称") }, "\(lines)")
        #expect(try Self.takenDown(project, number: fourteen).isEmpty)
    }

    @Test("the secret is made on the first run, mode 0600, 32 bytes as hex; lost, the next run makes another and matches no old name (nothing taken down, no failure)")
    func lostSecret() throws {
        let project = try Self.published()
        let file = project.root.appendingPathComponent("var/person-key").path
        let mode = try #require(FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
        #expect(mode & 0o777 == 0o600)
        let secret = try String(contentsOfFile: file, encoding: .utf8)
        #expect(secret.utf8.count == 65 && secret.hasSuffix("\n") && secret.dropLast().allSatisfy(\.isHexDigit))
        try FileManager.default.removeItem(atPath: file)
        try Self.export(project) { $0.replacingOccurrences(of: "李四2,自然人", with: "李肆2,自然人") }
        let (summary, lines) = try project.run("2026-12-01")
        #expect(summary.feeds["creditchina-henan-zhengzhou/penalty-natural"]?.published == 1, "\(lines)")
        #expect(!lines.contains { $0.contains("撤下旧名称") }, "\(lines)")
        #expect(try Self.takenDown(project).isEmpty)
        #expect(try String(contentsOfFile: file, encoding: .utf8) != secret)
    }

    @Test("a secret others may read stops the run with 78; the dry run of a pipeline with no secret yet makes none")
    func secretTooOpen() throws {
        let project = try Project()
        _ = try project.run("2026-11-30", dryRun: true)
        let file = project.root.appendingPathComponent("var/person-key").path
        #expect(!FileManager.default.fileExists(atPath: file))
        _ = try project.run("2026-11-30")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        #expect {
            _ = try project.run("2026-12-01")
        } throws: { error in
            (error as? CommandFailure)?.status == ExitStatus.configuration && (error as? CommandFailure)?.code == "person-key-too-open"
        }
    }
}
