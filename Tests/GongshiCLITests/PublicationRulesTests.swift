import Foundation
import GongshiTesting
import Testing

/// What the law keeps out of the public feeds, through `run` and `feed --ledger`, on both portals:
/// each case beside a benign twin that is still published.
@Suite("Publication rules")
struct PublicationRulesTests {
    static let input = "rules/2026-11-10-penalties.csv"
    /// Personal data in the fixture's free text: none may reach a feed, a log line or an answer.
    static let secrets = ["410122198503121231", "13803710000", "6222021234567890123", "zhangsan@example.com", "王小明", "青年路1号", "赵小小"]

    /// Every payload under an outbox folder, by file name.
    static func payloads(_ folder: URL) throws -> [String: String] {
        var found: [String: String] = [:]
        let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let url = walker?.nextObject() as? URL {
            guard url.pathExtension == "csv" || url.pathExtension == "xml" || url.pathExtension == "jsonl" else { continue }
            found[url.lastPathComponent] = try String(contentsOf: url, encoding: .utf8)
        }
        return found
    }

    static func expectPublicationRules(_ payloads: [String: String], legalFeeds: Int) {
        let all = payloads.values.joined(separator: "\n")
        for secret in secrets { #expect(!all.contains(secret), "\(secret) reached a feed") }
        // The hidden parts, and the twins published as they are.
        #expect(all.contains("擅自占用城市道路店外经营，联系邮箱 ********************，退款至银行卡*******************"))
        #expect(all.components(separatedBy: "郑州某某餐饮管理有限公司404").count == legalFeeds + 1)
        #expect(!all.contains("牟城管罚〔2026〕405号") && !all.contains("牟城管罚〔2026〕406号"))  // the minor, the withheld
        #expect(all.contains("牟城管罚〔2026〕403号") && all.contains("牟城管罚〔2026〕404号"))
    }

    @Test("run: personal data hidden in free text, a minor and a withheld decision not published, the twins published; counted with reasons")
    func throughRun() throws {
        let project = try OutboxProject(id: "rules", portals: ["creditchina-henan-zhengzhou", "gsxt"])
        try project.add(Self.input, as: "penalties.csv")
        let root = project.root
        let pipeline = project.pipeline
        let run = try GongshiProcess.run(["run", pipeline, "--today", "2026-11-12"], directory: root)
        #expect(run.status == 0, "\(run)")
        for secret in Self.secrets { #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret), "\(secret) in the run's output") }
        let payloads = try project.payloads()
        #expect(payloads.keys.contains { $0.hasPrefix("gsxt-") } && payloads.keys.contains { $0.hasPrefix("creditchina-") })
        Self.expectPublicationRules(payloads, legalFeeds: 2)
        // Each one not published is counted with its reason: the run names them, the register counts them.
        #expect(run.stdout.contains("未满 18 周岁（未成年人），依法不予公示 [portal-excluded]"), "\(run.stdout)")
        #expect(run.stdout.contains("部门标注不予公示：涉及商业秘密 [portal-excluded]"))
        let report = try #require(try run.runReport())
        let disclosure = try #require(report["disclosure"] as? [String: Any])
        // 信用中国: the minor and the withheld; gsxt: the three natural persons (not its records) and the withheld.
        #expect(disclosure["not_to_publish"] as? Int == 6, "\(disclosure)")
        let lines = ((report["report"] as? [String: Any])?["deadlines"] as? [[String: Any]] ?? []).filter { $0["state"] as? String == "not_to_publish" }
        #expect(lines.contains { ($0["reason"] as? String)?.contains("未成年人") == true && $0["decision_number"] as? String == "牟城管罚〔2026〕405号" })
        #expect(lines.contains { ($0["reason"] as? String)?.contains("涉及商业秘密") == true && $0["decision_number"] as? String == "牟城管罚〔2026〕406号" })
        #expect((report["excluded"] as? [String: Int])?["creditchina-henan-zhengzhou/penalty-natural"] == 1, "\(report["excluded"] ?? "")")
        let reportText = String(decoding: try JSONSerialization.data(withJSONObject: report), as: UTF8.self)
        for secret in Self.secrets { #expect(!reportText.contains(secret), "\(secret) in the report") }
    }

    @Test("a minor's record that also has an error is not to be published on any portal (no deadline, not 待更正): correcting it would publish a minor")
    func invalidMinor() throws {
        let project = try OutboxProject(id: "rules", portals: ["creditchina-henan-zhengzhou", "gsxt"])
        let text = try String(contentsOf: Fixtures.url(Self.input), encoding: .utf8)
        // 牟城管罚〔2026〕405号's ID number with a wrong check digit: invalid, and still a minor's.
        let broken = text.replacing("410122201305010017", with: "410122201305010018")
        #expect(broken != text)
        try broken.write(to: project.inbox.appendingPathComponent("penalties.csv"), atomically: true, encoding: .utf8)
        let run = try GongshiProcess.run(["run", project.pipeline, "--today", "2026-11-30"], directory: project.root)
        #expect(run.status == 65, "\(run)")
        let report = try #require(try run.runReport())
        let rows = ((report["report"] as? [String: Any])?["deadlines"] as? [[String: Any]] ?? [])
            .filter { $0["decision_number"] as? String == "牟城管罚〔2026〕405号" }
        #expect(rows.count == 2 && rows.allSatisfy { $0["state"] as? String == "not_to_publish" }, "\(rows)")
        #expect(rows.allSatisfy { ($0["reason"] as? String)?.contains("未成年人") == true }, "\(rows)")
    }

    @Test("feed --ledger: the same rules on the gsxt feed and the 信用中国 feeds")
    func throughFeed() throws {
        let root = Scratch.root.appendingPathComponent("gongshi-rules-feed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var payloads: [String: String] = [:]
        for portal in ["creditchina-henan-zhengzhou", "gsxt"] {
            let feed = try GongshiProcess.run(
                ["feed", "--portal", portal, "--kind", "penalty", "--out", root.appendingPathComponent("outbox").path, "--ledger",
                 root.appendingPathComponent("ledger.sqlite").path, "--today", "2026-11-12", Fixtures.url(Self.input).path])
            #expect(feed.status == 0, "\(feed)")
            for secret in Self.secrets { #expect(!feed.stdout.contains(secret) && !feed.stderr.contains(secret)) }
        }
        payloads = try Self.payloads(root.appendingPathComponent("outbox"))
        Self.expectPublicationRules(payloads, legalFeeds: 2)
    }

    @Test("validate: each finding a warning with its row and field, the value shown hidden")
    func validateWarns() throws {
        let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json", Fixtures.url(Self.input).path])
        #expect(result.status == 0, "\(result)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let problems = try #require(json["errors"] as? [[String: Any]])
        let found = problems.map { "\($0["row"] as? Int ?? 0) \($0["type"] as? String ?? "") \($0["field"] as? String ?? "-")" }
        #expect(found == ["2 personal-data-in-text 违法事实", "4 personal-data-in-text 违法事实", "6 not-to-be-published -", "7 not-to-be-published -"], "\(found)")
        for secret in Self.secrets { #expect(!result.stdout.contains(secret), "\(secret) in validate's output") }
    }

    @Test("feed --ledger applies the publication periods: a 2019-03-01 fine (before any rule: 3 years) and a 2022-06-01 fine (527号: 1 year) are over, a 警告 of 2026 is 轻微; the twins go out")
    func periodsInFeed() throws {
        let root = Scratch.root.appendingPathComponent("gongshi-rules-periods-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let feed = try GongshiProcess.run(
            ["feed", "--portal", "creditchina-henan-zhengzhou", "--kind", "penalty", "--out", root.appendingPathComponent("outbox").path,
             "--ledger", root.appendingPathComponent("ledger.sqlite").path, "--today", "2026-11-30", Fixtures.url("rules/periods.csv").path])
        #expect(feed.status == 0, "\(feed)")
        #expect(feed.stdout.contains("periods.csv:2: ") && feed.stdout.contains("2019年7月1日前作出的决定") && feed.stdout.contains("至 2022-02-28"))
        #expect(feed.stdout.contains("periods.csv:3: ") && feed.stdout.contains("发改办财金〔2019〕527号，一般，至 2023-05-31"))
        #expect(feed.stdout.contains("periods.csv:5: ") && feed.stdout.contains("不予公示（轻微）"))
        let all = try Self.payloads(root.appendingPathComponent("outbox")).values.joined()
        #expect(all.contains("牟城管罚〔2026〕503号") && all.contains("牟城管罚〔2026〕505号"))
        #expect(!all.contains("牟城管罚〔2019〕501号") && !all.contains("牟城管罚〔2022〕502号") && !all.contains("牟城管罚〔2026〕504号"))
        // 公示截止期, left empty by the department, is the computed end (一般 under the 2026 rule: a year).
        let row = try #require(all.split(whereSeparator: \.isNewline).first { $0.contains("牟城管罚〔2026〕503号") })
        #expect(row.contains("2026/11/10,2027/11/10,2027/11/10,"), "\(row)")
    }
    /// The gsxt fixture: 601 a 0.2万 fine and 602 its 0.5万 twin, both of 2026-11-10; 603 a 0.1万
    /// fine and 604 its 0.5万 twin, both of 2026-08-01.
    static let gsxtInput = "rules/gsxt-periods.csv"

    static func numbers(_ text: String) -> [String] {
        ["601", "602", "603", "604"].filter { text.contains("牟城管罚〔2026〕\($0)号") }
    }

    @Test("gsxt's own periods (总局令第45号 第十三条) in run: a small fine ends 3 months after gsxt published it, its twin stays; 信用中国 keeps its own year; a small fine already 3 months old is not sent to gsxt")
    func gsxtPeriodsThroughRun() throws {
        let project = try OutboxProject(id: "gsxt-periods", portals: ["creditchina-henan-zhengzhou", "gsxt"])
        try project.add(Self.gsxtInput, as: "penalties.csv")
        let first = try GongshiProcess.run(["run", project.pipeline, "--today", "2026-11-12"], directory: project.root)
        #expect(first.status == 75, "\(first)")  // 603 and 604, of August, are overdue
        let payloads = try project.payloads()
        let gsxt = payloads.filter { $0.key.hasPrefix("gsxt-") }.values.joined()
        let creditchina = payloads.filter { $0.key.hasPrefix("creditchina-") }.values.joined()
        #expect(Self.numbers(gsxt) == ["601", "602", "604"], "\(gsxt)")
        #expect(Self.numbers(creditchina) == ["601", "602", "603", "604"])
        #expect(first.stdout.contains("自决定日期 2026-08-01 起算已满），不再新公示；本门户的公示期自其公示日期起算"), "\(first.stdout)")
        // An outbox portal: a clerk uploads; the run does not tell them to use `gongshi upload`.
        #expect(first.stdout.contains("在门户网页上传后运行 gongshi ledger confirm") && !first.stdout.contains("用 gongshi upload 发送"))

        // The clerk uploads everything and confirms it as published on 2026-11-13.
        let (batches, confirm) = try project.confirmPending(publishedOn: "2026-11-13")
        #expect(batches.count == 2, "\(batches)")  // 信用中国 法人, gsxt
        #expect(confirm.status == 0, "\(confirm)")

        // 601 on gsxt: 轻微 there (a fine of at most 0.3万), 3 months from 2026-11-13.
        let before = try GongshiProcess.run(["run", project.pipeline, "--today", "2027-02-12"], directory: project.root)
        #expect(before.status == 0 && !before.stdout.contains("公示期满"), "\(before)")
        let day = try GongshiProcess.run(["run", project.pipeline, "--today", "2027-02-13"], directory: project.root)
        #expect(day.stdout.contains("公示期满，撤下 1 条"), "\(day)")
        let shown = try GongshiProcess.run(["ledger", "show", "牟城管罚〔2026〕601号", "--ledger", "var/ledger.sqlite"], directory: project.root)
        let lines = shown.stdout.split(separator: "\n")
        #expect(lines.contains { $0.contains("gsxt/penalty") && $0.contains("撤下待门户确认（公示期满）") }, "\(shown.stdout)")
        #expect(lines.contains { $0.contains("creditchina-henan-zhengzhou/penalty-legal") && !$0.contains("已撤下") }, "\(shown.stdout)")
        // The twin (0.5万: 3 years on gsxt) stays on both.
        let twin = try GongshiProcess.run(["ledger", "show", "牟城管罚〔2026〕602号", "--ledger", "var/ledger.sqlite"], directory: project.root)
        #expect(!twin.stdout.contains("已撤下"), "\(twin.stdout)")
    }

    @Test("信用修复 on gsxt is counted by its own rule (总局令第45号: from the day gsxt published the record, its own minimum), not the general rule's date: the run's lines, the report's repair_eligible and withdraw --reason 信用修复 agree")
    func gsxtRepairByItsOwnRule() throws {
        let project = try OutboxProject(id: "gsxt-repair", portals: ["creditchina-henan-zhengzhou", "gsxt"])
        try project.add(Self.gsxtInput, as: "penalties.csv")
        let first = try GongshiProcess.run(["run", project.pipeline, "--today", "2026-11-12"], directory: project.root)
        #expect(first.status == 75, "\(first)")
        let (_, confirm) = try project.confirmPending(publishedOn: "2026-11-13")
        #expect(confirm.status == 0, "\(confirm)")

        // 信用中国 (the 2026 rule, 一般: 3 months from the decision date): 601 and 602 from
        // 2027-02-10, 603 and 604 from 2026-11-01. gsxt (from its publication, 2026-11-13): 601
        // 轻微, 3 months, 602 and 604 一般, 36 months — the minimum is the whole period: none yet.
        let day = try GongshiProcess.run(["run", project.pipeline, "--today", "2027-02-11"], directory: project.root)
        #expect(day.status == 0, "\(day)")
        let report = try #require(try day.runReport()?["report"] as? [String: Any])
        let eligible = report["repair_eligible"] as? [[String: Any]] ?? []
        #expect(eligible.count == 4 && eligible.allSatisfy { $0["portal"] as? String == "creditchina-henan-zhengzhou" }, "\(eligible)")
        #expect(eligible.contains { $0["decision_number"] as? String == "牟城管罚〔2026〕602号" && $0["repair_from"] as? String == "2027-02-10" }, "\(eligible)")
        #expect(report["repair_eligible_total"] as? Int == 4, "\(report["repair_eligible_total"] ?? "")")
        #expect(day.stdout.contains("已满最短公示期、可申请信用修复：4 条"), "\(day.stdout)")
        #expect(!day.stdout.split(separator: "\n").contains { $0.contains("gsxt/penalty") && $0.contains("可申请自") }, "\(day.stdout)")

        // 信用修复 of 602: 信用中国 would take it down; gsxt's rule does not allow it before its end.
        let repair = try GongshiProcess.run(
            ["withdraw", project.pipeline, "--record", "牟城管罚〔2026〕602号", "--reason", "信用修复", "--today", "2027-02-11"], directory: project.root)
        #expect(repair.status == 65 && repair.stderr.contains("[repair-not-allowed]"), "\(repair)")
        // (Published 2026-11-13 for 36 months: its last day 2029-11-12, as "至" is said since this session.)
        #expect(repair.stderr.contains("在 gsxt 上按市场监管总局令第45号") && repair.stderr.contains("公示至 2029-11-12"), "\(repair.stderr)")
        let shown = try GongshiProcess.run(["ledger", "show", "牟城管罚〔2026〕602号", "--ledger", "var/ledger.sqlite"], directory: project.root)
        #expect(!shown.stdout.contains("撤下"), "\(shown.stdout)")
    }

    @Test("gsxt still shows a record whose period, counted from its decision date, has ended (its own runs from gsxt's publication): a change to it goes out as a correction; one gsxt never published still does not go out")
    func gsxtCorrectionPastDecisionDatePeriod() throws {
        let project = try OutboxProject(id: "gsxt-correction", portals: ["creditchina-henan-zhengzhou", "gsxt"])
        try project.add(Self.gsxtInput, as: "penalties.csv")
        let first = try GongshiProcess.run(["run", project.pipeline, "--today", "2026-11-12"], directory: project.root)
        #expect(first.status == 75, "\(first)")
        let (_, confirm) = try project.confirmPending(publishedOn: "2026-11-13")
        #expect(confirm.status == 0, "\(confirm)")
        let before = Set(try project.payloads().keys)

        // 2027-02-11: 601 (0.2万, 轻微 on gsxt: 3 months) has had its 3 months counted from its
        // decision date (2026-11-10), not from gsxt's publication (2026-11-13). The department
        // corrects the 处罚内容 of 601 and 603 (never on gsxt: its August date was over when first
        // read).
        let inbox = project.root.appendingPathComponent("inbox/penalties.csv")
        // (Lines split as text: the export's CRLF is one `Character`.)
        let lines = try String(contentsOf: inbox, encoding: .utf8).components(separatedBy: "\r\n").map { line in
            line.contains("牟城管罚〔2026〕601号") || line.contains("牟城管罚〔2026〕603号")
                ? line.replacingOccurrences(of: "元,", with: "元并责令改正,") : line
        }
        try lines.joined(separator: "\r\n").write(to: inbox, atomically: true, encoding: .utf8)
        let second = try GongshiProcess.run(["run", project.pipeline, "--today", "2027-02-11"], directory: project.root)
        #expect([0, 75].contains(second.status), "\(second)")
        let sent = try project.payloads().filter { !before.contains($0.key) }
        let gsxt = sent.filter { $0.key.hasPrefix("gsxt-") }.values.joined()
        #expect(Self.numbers(gsxt) == ["601"], "\(sent.keys.sorted())\n\(second.stdout)")
        #expect(Self.numbers(sent.filter { $0.key.hasPrefix("creditchina-") }.values.joined()) == ["601", "603"], "\(sent)")
        #expect(gsxt.contains("责令改正"))
        #expect(second.stdout.contains("其中 1 条本门户仍在公示"), "\(second.stdout)")
        let feeds = try #require(try second.runReport()?["feeds"] as? [String: [String: Any]])
        #expect(feeds["gsxt/penalty"]?["corrected"] as? Int == 1 && feeds["gsxt/penalty"]?["corrected_past_period"] as? Int == 1, "\(feeds)")
        // Kept out for its period on gsxt: 603 (never there); 601 went out as a correction.
        #expect((try second.runReport()?["period_skipped"] as? [String: Int])?["gsxt/penalty"] == 1)
        let shown = try GongshiProcess.run(["ledger", "show", "牟城管罚〔2026〕601号", "--ledger", "var/ledger.sqlite"], directory: project.root)
        #expect(shown.stdout.split(separator: "\n").contains { $0.contains("gsxt/penalty") && $0.contains("更正") }, "\(shown.stdout)")
    }

    @Test("a record gsxt was sent but never confirmed (its batch staged, not uploaded), past its period counted from the decision date: a change to it is not sent to gsxt as a correction")
    func gsxtUnconfirmedNotCorrected() throws {
        let project = try OutboxProject(id: "gsxt-unconfirmed", portals: ["creditchina-henan-zhengzhou", "gsxt"])
        try project.add(Self.gsxtInput, as: "penalties.csv")
        _ = try GongshiProcess.run(["run", project.pipeline, "--today", "2026-11-12"], directory: project.root)
        let before = Set(try project.payloads().keys)
        let inbox = project.root.appendingPathComponent("inbox/penalties.csv")
        let lines = try String(contentsOf: inbox, encoding: .utf8).components(separatedBy: "\r\n").map { line in
            line.contains("牟城管罚〔2026〕601号") ? line.replacingOccurrences(of: "元,", with: "元并责令改正,") : line
        }
        try lines.joined(separator: "\r\n").write(to: inbox, atomically: true, encoding: .utf8)
        let second = try GongshiProcess.run(["run", project.pipeline, "--today", "2027-02-11"], directory: project.root)
        let gsxt = try project.payloads().filter { !before.contains($0.key) && $0.key.hasPrefix("gsxt-") }.values.joined()
        #expect(Self.numbers(gsxt).isEmpty, "\(second.stdout)")
        #expect(!second.stdout.contains("条本门户仍在公示"), "\(second.stdout)")
    }

    @Test("a legal person's name corrected in a later export (same 文号, same 统一社会信用代码): the new name is published and the old name's publication taken down (更正); a second subject under the same 文号 (another code) is not")
    func subjectRenamed() throws {
        let project = try OutboxProject(id: "renamed", portals: ["creditchina-henan-zhengzhou"])
        try project.add("validate/penalty/valid.csv", as: "2026-11.csv")
        #expect(try [0, 75].contains(GongshiProcess.run(["run", project.pipeline, "--today", "2026-11-30"], directory: project.root).status))
        #expect(try project.confirmPending(publishedOn: "2026-11-30").result.status == 0)
        // The next export: 1号's company renamed (its code the same); 3号 now also names a second
        // subject with a code of its own.
        let text = try String(contentsOf: Fixtures.url("validate/penalty/valid.csv"), encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)  // (CRLF is one `Character`)
        let first = try #require(lines.first { $0.contains("牟城管罚〔2026〕1号") })
        let third = try #require(lines.first { $0.contains("牟城管罚〔2026〕3号") })
        let renamed = first.replacingOccurrences(of: "郑州某某餐饮管理有限公司1,", with: "郑州某某餐饮服务有限公司1,")
        let second = third.replacingOccurrences(of: "郑州某某餐饮管理有限公司3,个体工商户,92410105MA4DEMWL8T", with: "郑州另一餐饮管理有限公司,法人及非法人组织,91410100MA40Q8R26R")
        #expect(renamed != first && second != third)
        try ([lines[0], renamed, second].joined(separator: "\r\n") + "\r\n").write(to: project.inbox.appendingPathComponent("2026-12.csv"), atomically: true, encoding: .utf8)
        // The night's dry run says so, and takes nothing down.
        let dry = try GongshiProcess.run(["run", project.pipeline, "--dry-run", "--today", "2026-12-01"], directory: project.root)
        #expect(dry.stdout.contains("（试运行，不撤下）当事人名称已更正（同一文号、同一统一社会信用代码），撤下旧名称的公示 1 条"), "\(dry.stdout)")
        let unchanged = try GongshiProcess.run(["ledger", "show", "牟城管罚〔2026〕1号", "--ledger", "var/ledger.sqlite"], directory: project.root)
        #expect(!unchanged.stdout.contains("撤下"), "\(unchanged.stdout)")
        let next = try GongshiProcess.run(["run", project.pipeline, "--today", "2026-12-01"], directory: project.root)
        #expect(next.stdout.contains("撤下旧名称的公示 1 条"), "\(next.stdout)")
        let report = try #require(try next.runReport()?["feeds"] as? [String: [String: Any]])
        #expect(report["creditchina-henan-zhengzhou/penalty-legal"]?["published"] as? Int == 2, "\(report)")
        let shown = try GongshiProcess.run(["ledger", "show", "牟城管罚〔2026〕1号", "--ledger", "var/ledger.sqlite"], directory: project.root)
        let rows = shown.stdout.split(separator: "\n")
        #expect(rows.contains { $0.contains("限公司1") && $0.contains("撤下待门户确认（更正）") }, "\(shown.stdout)")
        #expect(rows.filter { $0.contains("penalty-legal") && !$0.contains("撤下") }.count == 1, "\(shown.stdout)")
        let three = try GongshiProcess.run(["ledger", "show", "牟城管罚〔2026〕3号", "--ledger", "var/ledger.sqlite"], directory: project.root)
        #expect(!three.stdout.contains("撤下"), "\(three.stdout)")
        // The night after: nothing more to take down.
        let after = try GongshiProcess.run(["run", project.pipeline, "--today", "2026-12-02"], directory: project.root)
        #expect(!after.stdout.contains("撤下旧名称"), "\(after.stdout)")
    }

    @Test("feed --ledger for gsxt applies gsxt's periods; for 信用中国 the general ones")
    func gsxtPeriodsThroughFeed() throws {
        let root = Scratch.root.appendingPathComponent("gongshi-gsxt-feed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var sent: [String: [String]] = [:]
        for portal in ["creditchina-henan-zhengzhou", "gsxt"] {
            let out = root.appendingPathComponent(portal)
            let feed = try GongshiProcess.run(
                ["feed", "--portal", portal, "--kind", "penalty", "--out", out.path, "--ledger", root.appendingPathComponent("ledger.sqlite").path,
                 "--today", "2026-11-12", Fixtures.url(Self.gsxtInput).path])
            #expect(feed.status == 0, "\(feed)")
            sent[portal] = Self.numbers(try Self.payloads(out).values.joined())
        }
        #expect(sent == ["creditchina-henan-zhengzhou": ["601", "602", "603", "604"], "gsxt": ["601", "602", "604"]])
    }
    @Test("a decision published, then withheld by the department (不予公示理由 filled): the next run takes it down from both portals, reason 不予公示; its twin stays")
    func withheldAfterPublication() throws {
        let project = try OutboxProject(id: "withheld", portals: ["creditchina-henan-zhengzhou", "gsxt"])
        let original = try String(contentsOf: Fixtures.url(Self.input), encoding: .utf8)
        // First the department sends 406号 without its reason: it is published.
        let inbox = project.root.appendingPathComponent("inbox/penalties.csv")
        try original.replacingOccurrences(of: "涉及商业秘密", with: "").write(to: inbox, atomically: true, encoding: .utf8)
        let first = try GongshiProcess.run(["run", project.pipeline, "--today", "2026-11-12"], directory: project.root)
        #expect(first.status == 0, "\(first)")
        #expect(try project.payloads().values.joined().contains("牟城管罚〔2026〕406号"))
        let (batches, confirm) = try project.confirmPending(publishedOn: "2026-11-12")
        #expect(!batches.isEmpty && confirm.status == 0, "\(confirm)")
        // Then it sends the corrected export, the reason filled in: taken down where it was published.
        try original.write(to: inbox, atomically: true, encoding: .utf8)
        // The night's dry run lists the take-downs, one per portal, and takes nothing down.
        let dry = try GongshiProcess.run(["run", project.pipeline, "--dry-run", "--today", "2026-11-13"], directory: project.root)
        #expect(dry.stdout.components(separatedBy: "（试运行，不撤下）已公示、现按规则不应公示，撤下 1 条").count == 3, "\(dry)")
        let untouched = try GongshiProcess.run(["ledger", "show", "牟城管罚〔2026〕406号", "--ledger", "var/ledger.sqlite"], directory: project.root)
        #expect(!untouched.stdout.contains("撤下"), "\(untouched.stdout)")
        let second = try GongshiProcess.run(["run", project.pipeline, "--today", "2026-11-13"], directory: project.root)
        #expect(second.stdout.components(separatedBy: "已公示、现按规则不应公示，撤下 1 条").count == 3, "\(second)")  // one per portal
        let shown = try GongshiProcess.run(["ledger", "show", "牟城管罚〔2026〕406号", "--ledger", "var/ledger.sqlite"], directory: project.root)
        let lines = shown.stdout.split(separator: "\n").filter { $0.contains("公示") }
        #expect(lines.count == 2 && lines.allSatisfy { $0.contains("撤下待门户确认（不予公示）") }, "\(shown.stdout)")
        let twin = try GongshiProcess.run(["ledger", "show", "牟城管罚〔2026〕404号", "--ledger", "var/ledger.sqlite"], directory: project.root)
        #expect(!twin.stdout.contains("撤下"), "\(twin.stdout)")
        // The next night has nothing more to take down.
        let third = try GongshiProcess.run(["run", project.pipeline, "--today", "2026-11-16"], directory: project.root)
        #expect(!third.stdout.contains("现按规则不应公示"), "\(third.stdout)")
    }
}
