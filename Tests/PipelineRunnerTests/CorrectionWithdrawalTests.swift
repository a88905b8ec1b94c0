import DisclosureCore
import Foundation
import GongshiTesting
import PipelineRunner
import SQLiteLedger
import Testing
import WorkingDayCalendar

/// A record taken down for 更正 (a correction), on the engine with a SQLite ledger file and the two
/// outbox portals (信用中国, gsxt): it stays down until the department sends a version of the record
/// other than the one withdrawn, which goes out on every feed it was taken down from — even gsxt,
/// whose row does not carry the field corrected — and the withdrawn version, read again (a range
/// re-run over the old export), is never sent again.
@Suite("Records withdrawn for 更正, in process")
struct CorrectionWithdrawalTests {
    static let header =
        "行政相对人名称,行政相对人类别,行政相对人代码_1(统一社会信用代码),行政相对人代码_2(工商注册号),行政相对人代码_3(组织机构代码),"
        + "行政相对人代码_4(税务登记号),行政相对人代码_5(事业单位证书号),行政相对人代码_6(社会组织登记证号),法定代表人,法定代表人证件类型,"
        + "法定代表人证件号码,证件类型,证件号码,行政处罚决定书文号,违法行为类型,违法事实,处罚依据,处罚类别,处罚内容,罚款金额(万元),"
        + "没收违法所得、没收非法财物的金额(万元),暂扣或吊销证照名称及编号,处罚决定日期,处罚有效期,公示截止期,处罚机关,处罚机关统一社会信用代码,"
        + "数据来源单位,数据来源单位统一社会信用代码,备注,程序类型"
    static let key = "牟城管罚〔2026〕504号|郑州某某餐饮管理有限公司"
    static let feeds = ["creditchina-henan-zhengzhou/penalty-legal", "gsxt/penalty"]

    /// A decision's line: 违法事实 as given.
    static func line(_ number: Int, fact: String = "擅自占用城市道路店外经营") -> String {
        "郑州某某餐饮管理有限公司,法人及非法人组织,91410100MA40Q8R26R,,,,,,张三,,,,,牟城管罚〔2026〕\(number)号,"
            + "违反《城市市容和环境卫生管理条例》第十四条,\(fact),《城市市容和环境卫生管理条例》第三十六条,罚款,罚款5000元,0.5,,,"
            + "2026/11/02,2099/12/31,,中牟县城市管理局,11410122000000019Q,中牟县城市管理局,11410122000000019Q,,普通程序"
    }

    struct Project {
        let root: URL
        let ledger: Ledger
        var pipeline: String { root.appendingPathComponent("pipelines/pen.yaml").path }

        init() throws {
            root = Scratch.root.appendingPathComponent("gongshi-correction-\(UUID().uuidString)")
            for folder in ["pipelines", "inbox", "var"] {
                try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            let yaml = """
                title: 测试 行政处罚
                department: 法制科
                kind: penalty
                sources:
                  - path: inbox/*.csv
                    encoding: auto
                portals:
                  - profile: creditchina-henan-zhengzhou
                    transport: {kind: outbox}
                  - profile: gsxt
                    transport: {kind: outbox}
                ledger: var/ledger.sqlite
                outbox: var/outbox
                reports: var/reports

                """
            try yaml.write(to: root.appendingPathComponent("pipelines/pen.yaml"), atomically: true, encoding: .utf8)
            ledger = try Ledger.open(path: root.appendingPathComponent("var/ledger.sqlite").path)
        }

        func export(_ name: String, _ lines: [String]) throws {
            try (([CorrectionWithdrawalTests.header] + lines).joined(separator: "\r\n") + "\r\n")
                .write(to: root.appendingPathComponent("inbox/\(name)"), atomically: true, encoding: .utf8)
        }

        func context(_ today: String) throws -> PipelineContext {
            let (transcript, _) = Transcript.collecting()
            return try PipelineContext.load(pipeline, today: try CalendarDate.parse(today), transcript: transcript)
        }

        func run(_ today: String, range: ClosedRange<String>? = nil, dryRun: Bool = false) throws -> (summary: RunSummary, lines: [String]) {
            let date = try CalendarDate.parse(today)
            let (transcript, lines) = Transcript.collecting()
            let context = try PipelineContext.load(pipeline, today: date, transcript: transcript)
            let request = RunRequest(
                today: date, range: try range.map { try CalendarDate.parse($0.lowerBound)...CalendarDate.parse($0.upperBound) }, dryRun: dryRun)
            let summary = try PipelineRun(context: context, request: request, ledger: ledger, transcript: transcript).execute()
            return (summary, lines())
        }

        /// The clerk confirms every batch waiting (publications and withdrawal files) on `day`.
        func confirmAll(on day: String) throws {
            for batch in try ledger.batches(status: .pending) { _ = try ledger.confirm(batch: batch.id, receipt: nil, on: day) }
        }

        /// The key's publications on a portal feed, in order: operation and status.
        func log(_ feed: String) throws -> [String] {
            let (portal, name) = (String(feed.split(separator: "/")[0]), String(feed.split(separator: "/")[1]))
            return try ledger.history(key: CorrectionWithdrawalTests.key).filter { $0.portal == portal && $0.feed == name }
                .map { "\($0.operation.rawValue) \($0.status.rawValue)" }
        }
    }

    @Test("QA's 504: withdrawn for 更正, the corrected export (only 违法事实 changed) goes out on both portals, gsxt too; the nightly run sends nothing more; a range re-run over both exports (and a dry run of it) takes the corrected one; over an old copy exported since, it keeps the withdrawn version out, counted")
    func correctedVersionOutWithdrawnVersionNever() throws {
        let project = try Project()
        try project.export("a.csv", (501...505).map { Self.line($0) })
        _ = try project.run("2026-11-03")
        try project.confirmAll(on: "2026-11-04")
        let withdrawal = RecordWithdrawal(
            context: try project.context("2026-11-05"), ledger: project.ledger, today: try CalendarDate.parse("2026-11-05"),
            channels: ChannelFactory(), transcript: Transcript.collecting().0)
        #expect(try withdrawal.execute(record: "牟城管罚〔2026〕504号", reason: .corrected, note: nil) == .sent(status: 0))
        try project.confirmAll(on: "2026-11-05")
        // The department's corrected export: only 504's 违法事实 (not on gsxt's feed) changed.
        try project.export("b.csv", (501...505).map { Self.line($0, fact: $0 == 504 ? "擅自占用城市道路店外经营（已更正）" : "擅自占用城市道路店外经营") })
        let (fixed, _) = try project.run("2026-11-06")
        for feed in Self.feeds {
            #expect(fixed.feeds[feed]?.published == 1 && fixed.feeds[feed]?.withdrawn == 0, "\(feed): \(String(describing: fixed.feeds[feed]))")
        }
        // gsxt's row is the one taken down, byte for byte: it goes out again as a new publication.
        #expect(try project.log("gsxt/penalty") == ["publish withdrawn", "republish pending"])
        #expect(try project.log("creditchina-henan-zhengzhou/penalty-legal") == ["publish withdrawn", "publish pending"])
        try project.confirmAll(on: "2026-11-07")
        let (night, _) = try project.run("2026-11-10")
        #expect(night.feeds.values.allSatisfy { $0.published == 0 && $0.corrected == 0 && $0.republished == 0 }, "\(night.feeds)")
        // A range re-run reads b.csv's 504, the department's latest export (a.csv's copy is its
        // duplicate): the live version, nothing to send; a dry run of it plans the same.
        for dryRun in [true, false] {
            let (range, _) = try project.run("2026-11-10", range: "2026-11-01"..."2026-11-30", dryRun: dryRun)
            for feed in Self.feeds {
                let counts = range.feeds[feed]
                #expect(counts?.published == 0 && counts?.corrected == 0 && counts?.withdrawnVersions == 0, "dry run \(dryRun) \(feed): \(String(describing: counts))")
            }
        }
        #expect(try project.log("gsxt/penalty") == ["publish withdrawn", "republish published"])
        #expect(try project.log("creditchina-henan-zhengzhou/penalty-legal") == ["publish withdrawn", "publish published"])
        // The old version sent again in a new file, read by the nightly run: still kept out.
        try project.export("c.csv", [Self.line(504)])
        let (copied, _) = try project.run("2026-11-11")
        for feed in Self.feeds {
            #expect(copied.feeds[feed]?.corrected == 0 && copied.feeds[feed]?.withdrawnVersions == 1, "\(feed): \(String(describing: copied.feeds[feed]))")
        }
        // A range re-run now reads c.csv's 504 first (settled last): the withdrawn version, never
        // sent again, on either feed, and said so; a dry run of it plans the same.
        for dryRun in [true, false] {
            let (range, lines) = try project.run("2026-11-12", range: "2026-11-01"..."2026-11-30", dryRun: dryRun)
            for feed in Self.feeds {
                let counts = range.feeds[feed]
                #expect(counts?.published == 0 && counts?.corrected == 0 && counts?.withdrawnVersions == 1, "dry run \(dryRun) \(feed): \(String(describing: counts))")
            }
            #expect(lines.filter { $0.contains("已撤下（更正）的原版本不再发送 1 条") }.count == 2, "\(lines)")
        }
        #expect(try project.log("gsxt/penalty") == ["publish withdrawn", "republish published"])
        #expect(try project.log("creditchina-henan-zhengzhou/penalty-legal") == ["publish withdrawn", "publish published"])
    }

    @Test("unchanged after a 更正 withdrawal, the record stays down on both portals (the same version read again)")
    func sameVersionStaysDown() throws {
        let project = try Project()
        try project.export("a.csv", [Self.line(504)])
        _ = try project.run("2026-11-03")
        try project.confirmAll(on: "2026-11-04")
        let withdrawal = RecordWithdrawal(
            context: try project.context("2026-11-05"), ledger: project.ledger, today: try CalendarDate.parse("2026-11-05"),
            channels: ChannelFactory(), transcript: Transcript.collecting().0)
        #expect(try withdrawal.execute(record: "牟城管罚〔2026〕504号", reason: .corrected, note: nil) == .sent(status: 0))
        let (same, _) = try project.run("2026-11-06", range: "2026-11-01"..."2026-11-30")
        for feed in Self.feeds {
            #expect(same.feeds[feed]?.published == 0 && same.feeds[feed]?.withdrawn == 1, "\(feed): \(String(describing: same.feeds[feed]))")
        }
    }
}
