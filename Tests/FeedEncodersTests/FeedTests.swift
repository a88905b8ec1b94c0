import DisclosureCore
import FeedEncoders
import Foundation
import GongshiTesting
import PipelineConfig
import SourceDecoders
import Testing
import WorkingDayCalendar

/// Portal feeds: golden files from the fixtures, determinism, no personal data, and each portal's
/// choice of records.
@Suite("Portal feeds")
struct FeedTests {
    static let portals = ["creditchina-henan-zhengzhou", "gsxt"]

    /// Runs `gongshi feed` for every bundled portal and kind on the valid fixtures; the outbox.
    /// - Parameter ledger: publish through a ledger (staged, recorded, delivered: CSV in UTF-8 made
    ///   a part at a time) rather than preview (every file made whole).
    static func makeOutbox(ledger: Bool = false) throws -> URL {
        let out = Scratch.root.appendingPathComponent("gongshi-feeds-\(UUID().uuidString)")
        // (Beside the outbox, not in it: everything in it is a feed.)
        let ledgerArguments = ledger ? ["--ledger", out.path + ".ledger.sqlite"] : []
        // 信用承诺 (a kind added as data) has feeds on 信用中国 only.
        let kinds = portals.flatMap { portal in
            (["penalty", "permit"] + (portal == "creditchina-henan-zhengzhou" ? ["commitment"] : [])).map { (portal, $0) }
        }
        for (portal, kind) in kinds {
            do {
                let result = try GongshiProcess.run([
                    "feed", "--portal", portal, "--kind", kind, "--out", out.path, "--today", "2026-11-30",
                    Fixtures.url("validate/\(kind)/valid.csv").path,
                ] + ledgerArguments)
                #expect(result.status == 0, "\(result)")
            }
        }
        return out
    }

    /// Every payload in an outbox, by path relative to it (manifests apart).
    static func payloads(_ out: URL) throws -> [String: Data] { try Fixtures.payloads(under: out) }

    @Test("the fixtures give exactly the golden feeds, and their manifests describe them; published through a ledger, the same files", arguments: [false, true])
    func golden(ledger: Bool) throws {
        let out = try Self.makeOutbox(ledger: ledger)
        defer {
            for path in [out.path, out.path + ".ledger.sqlite", out.path + ".ledger.sqlite.lock"] { try? FileManager.default.removeItem(atPath: path) }
        }
        let produced = try Self.payloads(out)
        let goldenRoot = Fixtures.url("feeds")
        let golden = try Self.payloads(goldenRoot)
        #expect(!golden.isEmpty)
        #expect(Set(produced.keys) == Set(golden.keys))
        for (path, data) in produced {
            #expect(data == golden[path], "\(path) differs from fixtures/feeds/\(path)")
            let manifest = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(path + ".manifest.json"))) as? [String: Any])
            let digest = manifest["sha256"] as? String
            #expect(digest?.count == 64)
            #expect((manifest["file"] as? String) == URL(fileURLWithPath: path).lastPathComponent)
            #expect(URL(fileURLWithPath: path).lastPathComponent.contains(manifest["batch_id"] as? String ?? "?"))
        }
    }

    @Test("the same input gives byte-identical feeds")
    func deterministic() throws {
        let first = try Self.makeOutbox()
        let second = try Self.makeOutbox()
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        #expect(try Self.payloads(first) == Self.payloads(second))
    }

    @Test("no public feed holds an ID number: none of the inputs', nor anything shaped like one")
    func noPersonalNumbers() throws {
        let out = try Self.makeOutbox()
        defer { try? FileManager.default.removeItem(at: out) }
        let today = try CalendarDate.parse("2026-11-30")
        // Every ID number in the inputs (the personal columns of the fixtures).
        var inputIDs: Set<String> = []
        for kind in ["penalty", "permit", "commitment"] {
            var rows: [[String]] = []
            var scanner = CSVScanner()
            let bytes = [UInt8](try Data(contentsOf: Fixtures.url("validate/\(kind)/valid.csv")))
            try scanner.consume(bytes) { (row: CSVRow) in rows.append(row.cells) }
            try scanner.finish { (row: CSVRow) in rows.append(row.cells) }
            let personal = rows[0].indices.filter { rows[0][$0].hasSuffix("证件号码") }
            for row in rows.dropFirst() { for column in personal where column < row.count && !row[column].isEmpty { inputIDs.insert(row[column]) } }
            // 信用承诺: 承诺人代码 is a 身份证号码 for 自然人 (a public 统一社会信用代码 otherwise).
            if let code = rows[0].firstIndex(of: "承诺人代码"), let category = rows[0].firstIndex(of: "承诺人类别") {
                for row in rows.dropFirst() where row.count > code && row[category] == "自然人" { inputIDs.insert(row[code]) }
            }
        }
        #expect(inputIDs.count >= 3)
        var scanned = 0
        for (path, data) in try Self.payloads(out) {
            let text = try Self.text(data, gb18030: path.contains("gsxt-permit"))
            for id in inputIDs { #expect(!text.contains(id), "\(path) holds an input ID number") }
            // Any 18-character run of digits (and a final X) that passes GB 11643's check.
            for match in text.matches(of: /[0-9]{17}[0-9Xx]/) {
                var bytes = Array(String(match.output).utf8)
                let isID18 = bytes.withUnsafeBufferPointer { ResidentIDNumber.isValid18($0, today: today) }
                #expect(!isID18, "\(path): \(match.output)")
            }
            // Mainland mobile numbers: 11 digits starting 13–19.
            for match in text.matches(of: /[0-9]+/) where match.output.count == 11 && match.output.first == "1" {
                #expect(!"3456789".contains(match.output.dropFirst().first ?? "0"), "\(path): \(match.output)")
            }
            scanned += 1
        }
        #expect(scanned == 8)
    }

    /// A payload as text.
    static func text(_ data: Data, gb18030: Bool) throws -> String {
        guard gb18030 else { return String(decoding: data, as: UTF8.self) }
        let transcoder = try #require(Transcoder(from: .gb18030))
        var utf8: [UInt8] = []
        let bytes = [UInt8](data)
        try bytes.withUnsafeBufferPointer { buffer in
            try transcoder.convert(buffer, isLast: true) { utf8.append(contentsOf: $0) }
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    // MARK: - Choosing records

    static func profile(_ id: String) throws -> (PortalProfile, [PublicationSchema]) {
        let schemas = try SchemaCatalog.bundledDocuments.map { try SchemaLoader.load($0).get() }
        for document in PortalProfileLoader.bundledDocuments {
            let profile = try PortalProfileLoader.load(document, schemas: schemas).get()
            if profile.id == id { return (profile, schemas) }
        }
        throw CancellationError()
    }

    static func record(_ schema: PublicationSchema, _ values: [String: String], row: Int) -> ValidRecord {
        ValidRecord(file: "t.csv", row: row, values: schema.fields.map { values[$0.name] })
    }

    @Test("gsxt: market entities only, never 自然人, and no penalty that is only 警告")
    func gsxtChoice() throws {
        let (profile, schemas) = try Self.profile("gsxt")
        let schema = try #require(schemas.first { $0.id == "administrative-penalty" })
        let feed = try #require(profile.feeds.first { $0.name == "penalty" })
        let company = ["行政相对人名称": "某公司", "行政相对人类别": "法人及非法人组织", "行政相对人代码_1(统一社会信用代码)": "91410100MA40Q8R26R"]
        let records = [
            Self.record(schema, company.merging(["行政处罚决定书文号": "罚1", "处罚类别": "警告"]) { $1 }, row: 2),
            Self.record(schema, company.merging(["行政处罚决定书文号": "罚2", "处罚类别": "警告;罚款"]) { $1 }, row: 3),
            Self.record(schema, ["行政相对人名称": "李四", "行政相对人类别": "自然人", "行政处罚决定书文号": "罚3", "处罚类别": "罚款"], row: 4),
            Self.record(
                schema, company.merging(["行政相对人代码_1(统一社会信用代码)": "11410122000000019Q", "行政处罚决定书文号": "罚4", "处罚类别": "罚款"]) { $1 },
                row: 5),
            // 其他-警告 is a 警告; a 个体工商户 with the placeholder code has no code gsxt can file it under.
            Self.record(schema, company.merging(["行政处罚决定书文号": "罚6", "处罚类别": "其他-警告"]) { $1 }, row: 6),
            Self.record(
                schema,
                ["行政相对人名称": "某店", "行政相对人类别": "个体工商户", "行政相对人代码_1(统一社会信用代码)": "00000000000000000X", "行政处罚决定书文号": "罚7",
                 "处罚类别": "罚款"], row: 7),
        ]
        let plan = FeedBuilder.plan(feed, schema: schema, records: records)
        #expect(plan.batches.flatMap { $0 }.map(\.row) == [3])
        // Kept out with their reasons, never silently: 警告 only (45号令), a code not registered by 市场监管.
        #expect(plan.skipped.map(\.row) == [2, 5, 6, 7])
        #expect(plan.skipped.first?.reason.contains("第45号") == true && plan.skipped[1].reason.contains("首位不是 9") == true)
        #expect(plan.skipped[2].reason.contains("第45号") && plan.skipped[3].reason.contains("占位代码"), "\(plan.skipped.map(\.reason))")
    }

    @Test("信用中国: 自然人 names masked, ID numbers never a column, 法人 names in full")
    func creditChinaMasking() throws {
        let (profile, schemas) = try Self.profile("creditchina-henan-zhengzhou")
        let schema = try #require(schemas.first { $0.id == "administrative-penalty" })
        for feed in profile.feeds {
            #expect(!feed.columns.contains { $0.field.contains("证件号码") }, "\(feed.name)")
        }
        let natural = try #require(profile.feeds.first { $0.name == "penalty-natural" })
        let legal = try #require(profile.feeds.first { $0.name == "penalty-legal" })
        let person = Self.record(schema, ["行政相对人名称": "欧阳明日", "行政相对人类别": "自然人", "证件号码": "410122198503121231"], row: 2)
        let company = Self.record(schema, ["行政相对人名称": "郑州某某公司", "行政相对人类别": "法人及非法人组织"], row: 3)
        let naturalRows = FeedBuilder.plan(natural, schema: schema, records: [person, company]).batches.flatMap { $0 }
        #expect(naturalRows.map { $0.cells[0] } == ["欧***"])
        let legalRows = FeedBuilder.plan(legal, schema: schema, records: [person, company]).batches.flatMap { $0 }
        #expect(legalRows.map { $0.cells[0] } == ["郑州某某公司"])
    }

    @Test("a profile that would publish an ID number unmasked is refused")
    func personalFieldRefused() throws {
        let schemas = try SchemaCatalog.bundledDocuments.map { try SchemaLoader.load($0).get() }
        let text = """
            id: leaky
            version: 1
            title: 泄露
            feeds:
              - name: penalty
                schema: administrative-penalty
                columns:
                  - {header: ZJHM, field: 证件号码}
                format: json-lines
            """
        let document = SchemaDocument(origin: .bundled("portals/leaky.yaml"), text: text)
        guard case .failure(let failure) = PortalProfileLoader.load(document, schemas: schemas) else {
            Issue.record("the profile was accepted")
            return
        }
        #expect(failure.issues.map(\.code).contains("profile-personal-unmasked"))
        #expect(failure.issues.first?.line == 8)
    }

    @Test("a profile declares which free-text fields are screened and how; ID numbers are hidden in every one whatever it says")
    func declaredScreening() throws {
        let schemas = try SchemaCatalog.bundledDocuments.map { try SchemaLoader.load($0).get() }
        let schema = try #require(schemas.first { $0.id == "administrative-penalty" })
        func load(_ screen: String) -> Result<PortalProfile, SchemaLoadFailure> {
            let text = """
                id: screened
                version: 1
                title: 筛查
                feeds:
                  - name: penalty
                    schema: administrative-penalty
                    columns:
                      - {header: SY, field: 违法事实}
                      - {header: BZ, field: 备注}
                    format: json-lines
                    \(screen)
                """
            return PortalProfileLoader.load(SchemaDocument(origin: .bundled("portals/screened.yaml"), text: text), schemas: schemas)
        }
        let record = Self.record(
            schema,
            ["行政相对人名称": "王小明", "行政相对人类别": "自然人", "行政处罚决定书文号": "罚1",
             "违法事实": "王小明（身份证号410122198503121231，电话13803710000）占道经营",
             "备注": "联系人电话13803710000，身份证号410122198503121231"], row: 2)
        func cells(_ screen: String) throws -> [String] {
            let feed = try #require(try load(screen).get().feeds.first)
            return try #require(FeedBuilder.plan(feed, schema: schema, records: [record]).rows.first).cells
        }
        // Default: every free-text field, masked character by character.
        #expect(try cells("") == [
            "王**（身份证号******************，电话***********）占道经营", "联系人电话***********，身份证号******************",
        ])
        // Declared: only 违法事实 for everything, labelled; 备注 still loses its ID number, keeps the phone.
        #expect(try cells("screen: {fields: [违法事实], style: label}") == [
            "王**（身份证号〔身份证号码〕，电话〔手机号码〕）占道经营", "联系人电话13803710000，身份证号〔身份证号码〕",
        ])
        // A field that is not free text, an unknown field and an unknown style are refused.
        for (screen, code) in [
            ("screen: {fields: [处罚决定日期]}", "profile-bad-value"), ("screen: {fields: [没有的字段]}", "profile-unknown-field"),
            ("screen: {style: blur}", "profile-bad-value"),
        ] {
            guard case .failure(let failure) = load(screen) else {
                Issue.record("\(screen) was accepted")
                continue
            }
            #expect(failure.issues.map(\.code) == [code], "\(screen)")
        }
    }

    @Test("a record whose texts the fast check found clear is shaped as one screened in full; its person's name is still hidden")
    func textsClearShapesTheSame() throws {
        let (profile, schemas) = try Self.profile("creditchina-henan-zhengzhou")
        let schema = try #require(schemas.first { $0.id == "administrative-penalty" })
        let natural = try #require(profile.feeds.first { $0.name == "penalty-natural" })
        let legal = try #require(profile.feeds.first { $0.name == "penalty-legal" })
        // Texts with nothing the screen's byte test looks for (what a clean record's flag says).
        let person = Self.record(
            schema, ["行政相对人名称": "王小明", "行政相对人类别": "自然人", "行政处罚决定书文号": "罚1", "违法事实": "占道经营", "备注": "已整改"], row: 2)
        let company = Self.record(
            schema, ["行政相对人名称": "郑州某某公司", "行政相对人类别": "法人及非法人组织", "行政处罚决定书文号": "罚2", "违法事实": "未按规定堆放", "备注": "罚款500元"],
            row: 3)
        // The person's own name in a text: the byte test does not look for it, the screen does.
        let named = Self.record(
            schema, ["行政相对人名称": "王小明", "行政相对人类别": "自然人", "行政处罚决定书文号": "罚3", "违法事实": "王小明占道经营"], row: 4)
        for feed in [natural, legal] {
            let shaper = FeedBuilder.Shaper(feed, schema: schema)
            for record in [person, company, named] {
                var clear = record
                clear.textsClear = true
                #expect(shaper.place(clear) == shaper.place(record), "\(feed.name) row \(record.row)")
            }
        }
        let shaper = FeedBuilder.Shaper(natural, schema: schema)
        var clearNamed = named
        clearNamed.textsClear = true
        guard case .row(let row) = shaper.place(clearNamed) else {
            Issue.record("row 4 not placed")
            return
        }
        #expect(!row.cells.contains { $0.contains("王小明") })
        #expect(row.cells.contains { $0.contains("王**占道经营") })
    }

    @Test("withdraw: true marks an exclusion whose records are also taken down; it is refused on an include rule")
    func withdrawRule() throws {
        let schemas = try SchemaCatalog.bundledDocuments.map { try SchemaLoader.load($0).get() }
        func load(_ rule: String) -> Result<PortalProfile, SchemaLoadFailure> {
            let text = """
                id: permits
                version: 1
                title: 许可
                feeds:
                  - name: permit
                    schema: administrative-permit
                    \(rule)
                    columns:
                      - {header: ZT, field: 当前状态}
                    format: json-lines
                """
            return PortalProfileLoader.load(SchemaDocument(origin: .bundled("portals/permits.yaml"), text: text), schemas: schemas)
        }
        let profile = try load("exclude: [{field: 当前状态, one_of: [\"2\"], reason: 许可已撤销或注销, withdraw: true}]").get()
        #expect(profile.feeds.first?.exclude.first?.withdraw == true)
        guard case .failure(let failure) = load("include: [{field: 当前状态, one_of: [\"1\"], withdraw: true}]") else {
            Issue.record("withdraw on an include rule was accepted")
            return
        }
        #expect(failure.issues.map(\.code) == ["profile-bad-value"])
    }

    @Test("batches are cut at the profile's limit, in key order")
    func batches() throws {
        let (profile, schemas) = try Self.profile("creditchina-henan-zhengzhou")
        let schema = try #require(schemas.first { $0.id == "administrative-penalty" })
        let base = try #require(profile.feeds.first { $0.name == "penalty-legal" })
        let feed = FeedSpec(
            name: base.name, title: base.title, schema: base.schema, include: base.include, exclude: base.exclude,
            columns: base.columns, format: .jsonLines, fileName: base.fileName, batchLimit: 2)
        let records = (1...5).reversed().map { number in
            Self.record(schema, ["行政相对人名称": "公司\(number)", "行政相对人类别": "法人及非法人组织", "行政处罚决定书文号": "罚\(number)"], row: number + 1)
        }
        let plan = FeedBuilder.plan(feed, schema: schema, records: records)
        #expect(plan.batches.map(\.count) == [2, 2, 1])
        #expect(plan.batches.flatMap { $0 }.map(\.row) == [2, 3, 4, 5, 6])
        let lines = try FeedEncoder.encode(plan.batches[0], feed: feed)
        #expect(String(decoding: lines, as: UTF8.self).split(separator: "\n").count == 2)
    }

    @Test("feed rows carry the decision date, and a subject's credit code only for legal persons with a real one")
    func subjectCodes() throws {
        let (profile, schemas) = try Self.profile("creditchina-henan-zhengzhou")
        #expect(profile.deadlineWorkingDays == 7)
        let schema = try #require(schemas.first { $0.id == "administrative-penalty" })
        let code = "行政相对人代码_1(统一社会信用代码)"
        let records = [
            Self.record(schema, ["行政相对人名称": "甲公司", "行政相对人类别": "法人及非法人组织", code: "91410100MA40Q8R26R", "行政处罚决定书文号": "罚1", "处罚决定日期": "2026/11/20"], row: 2),
            Self.record(schema, ["行政相对人名称": "乙店", "行政相对人类别": "个体工商户", code: "00000000000000000X", "行政处罚决定书文号": "罚2"], row: 3),
            Self.record(schema, ["行政相对人名称": "张三", "行政相对人类别": "自然人", "行政处罚决定书文号": "罚3"], row: 4),
        ]
        let rows = profile.feeds.filter { $0.schema == schema.id }.flatMap { FeedBuilder.plan($0, schema: schema, records: records).rows }
        #expect(rows.count == 3)
        let byKey = Dictionary(uniqueKeysWithValues: rows.map { ($0.key, $0) })
        #expect(byKey["罚1|甲公司"]?.subjectCode == "91410100MA40Q8R26R")
        #expect(byKey["罚1|甲公司"]?.subjectName == "甲公司")
        #expect(byKey["罚1|甲公司"]?.decisionDate == "2026/11/20")
        #expect(byKey["罚2|乙店"]?.subjectCode == nil)  // the placeholder is nobody's code
        #expect(byKey["罚3|张三"]?.subjectCode == nil && byKey["罚3|张三"]?.subjectName == nil)
    }

    @Test("a deadline outside 1–366 working days is refused with its line")
    func badDeadline() throws {
        let (_, schemas) = try Self.profile("gsxt")
        let bundled = try #require(PortalProfileLoader.bundledDocuments.first { $0.text.contains("id: gsxt") })
        for (value, line) in [("0", 13), ("400", 13), ("七", 13)] {
            let text = bundled.text.replacingOccurrences(of: "deadline_working_days: 7", with: "deadline_working_days: \(value)")
            let document = SchemaDocument(origin: .bundled("portals/deadline.yaml"), text: text)
            guard case .failure(let failure) = PortalProfileLoader.load(document, schemas: schemas) else {
                Issue.record("deadline \(value) was accepted")
                continue
            }
            #expect(failure.issues.map(\.code) == ["profile-bad-value"] || failure.issues.map(\.code) == ["schema-bad-value"], "\(failure.issues)")
            #expect(failure.issues.first?.line == line)
        }
    }
}
