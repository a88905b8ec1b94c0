import DisclosureCore
import PipelineConfig
import Testing
import WorkingDayCalendar

/// The 2015 (v1) 双公示 format and the dates that mean 长期: data in the bundled schemas, with their
/// sources, and the rule by which a header is called v1.
@Suite("Legacy formats and long-term dates")
struct LegacyFormatTests {
    static func bundled(_ kind: String) throws -> PublicationSchema {
        try SchemaLoader.load(try #require(SchemaDocument.bundled("publication/administrative-\(kind).v2.yaml"))).get()
    }

    @Test("the v1 column names and the long-term aliases are the schema files' data, with their sources")
    func data() throws {
        let penalty = try Self.bundled("penalty")
        let v1 = try #require(penalty.legacyHeader)
        #expect(v1.title == "2015 版（v1）双公示")
        #expect(v1.source.contains("pfflw.com summary of 发改电〔2015〕557号") && v1.source.contains("public implementation code"))
        #expect(["CF_CFMC", "CF_CFLB1", "CF_JG", "DFBM", "SJC", "处罚名称"].allSatisfy(v1.names.contains))
        let permit = try Self.bundled("permit")
        #expect(["XK_XMMC", "XK_SPLB", "XK_JZQ", "项目名称", "审批类别"].allSatisfy((try #require(permit.legacyHeader)).names.contains))
        let forever = try CalendarDate.parse("9999-12-31")
        for (schema, name) in [(permit, "有效期至"), (penalty, "处罚有效期"), (penalty, "公示截止期")] {
            let field = try #require(schema.fields.first { $0.name == name })
            #expect(field.longTerm == (try CalendarDate.parse("2099-12-31")) && field.longTermAliases == [forever], "\(name)")
        }
    }

    /// A current penalty header: every field's name.
    static func current(_ schema: PublicationSchema) -> [String] { schema.fields.map(\.name) }

    @Test("a header is v1 with three names only v1 has and fewer than half the current required columns")
    func rule() throws {
        let schema = try Self.bundled("penalty")
        // Names both formats use (CF_WSH, CF_XDR_MC, CF_JDRQ) never count as v1's.
        let shared = ["CF_WSH", "CF_XDR_MC", "CF_JDRQ", "CF_YJ", "BZ"]
        #expect(HeaderMatcher.legacyColumns(shared + ["CF_CFMC", "CF_JG"], schema: schema) == nil)
        #expect(HeaderMatcher.legacyColumns(shared + ["CF_CFMC", "cf_jg", " DFBM "], schema: schema) == ["CF_CFMC", "cf_jg", "DFBM"])
        // A current header with three v1 columns added, or missing a few required columns, is not v1.
        #expect(HeaderMatcher.legacyColumns(Self.current(schema) + ["DFBM", "SJC", "CF_ZT"], schema: schema) == nil)
        let required = schema.fields.filter(\.required).map(\.name)
        let half = required.count / 2 + required.count % 2  // at least half present: not v1
        let someRequired = Array(required.prefix(half))
        #expect(HeaderMatcher.legacyColumns(someRequired + ["CF_CFMC", "CF_JG", "DFBM"], schema: schema) == nil)
        #expect(HeaderMatcher.legacyColumns(Array(someRequired.dropLast()) + ["CF_CFMC", "CF_JG", "DFBM"], schema: schema) != nil)
        // Columns the department's mapping names are its own, not v1's.
        #expect(HeaderMatcher.legacyColumns(shared + ["CF_CFMC", "CF_JG", "DFBM"], schema: schema, extraNames: ["CF_JG": "处罚内容"]) == nil)
        // The header fails with that one problem, naming the file, the format and (a few of) the columns.
        let (mapping, issues) = HeaderMatcher.match(shared + ["CF_CFMC", "CF_CFLB1", "CF_CFLB2", "CF_JG", "CF_ZT", "DFBM", "SJC"], schema: schema, file: "in/a.csv")
        #expect(mapping == nil && issues.map(\.type) == ["legacy-v1-header"] && issues[0].severity == .error)
        #expect(issues[0].message.zh.contains("文件“a.csv”") && issues[0].message.zh.contains("2015 版（v1）双公示"))
        #expect(issues[0].value == "CF_CFMC、CF_CFLB1、CF_CFLB2、CF_JG、CF_ZT" && issues[0].message.zh.contains("等 7 列"))
    }

    @Test("9999/12/31 in any form, or Excel's serial of it, is written as the long-term date with one warning")
    func longTerm() throws {
        let schema = try Self.bundled("permit")
        let today = try CalendarDate.parse("2026-11-30")
        let index = try #require(schema.index(of: "有效期至"))
        var validator = try RecordValidator(schema: schema, today: today)
        for (written, serial1904) in [("9999/12/31", false), ("9999-12-31", false), ("99991231", false), ("9999年12月31日", false),
                                      ("2958465", false), ("2957003", true), ("９９９９/12/31", false)] {
            validator.serialsFrom1904 = serial1904
            let outcome = validator.check(Self.permit(schema, validUntil: written))
            #expect(outcome.values[index] == "2099/12/31", "\(written)")
            #expect(outcome.issues.map(\.type).filter { $0 != "normalized-width" } == ["normalized-long-term"], "\(written)")
        }
        validator.serialsFrom1904 = false
        // Another late date is a date, as written; 长期 as before.
        #expect(validator.check(Self.permit(schema, validUntil: "9999/12/30")).values[index] == "9999/12/30")
        #expect(validator.check(Self.permit(schema, validUntil: "长期")).values[index] == "2099/12/31")
    }

    static func permit(_ schema: PublicationSchema, validUntil: String) -> [String?] {
        var cells = [String?](repeating: nil, count: schema.fields.count)
        let record: [String: String] = [
            "行政相对人名称": "某公司", "行政相对人类别": "法人及非法人组织", "行政相对人代码_1(统一社会信用代码)": "91410122MA9G7H3K5W",
            "法定代表人": "周七", "行政许可决定文书名称": "决定书", "行政许可决定文书号": "牟城管许〔2026〕1号", "许可类别": "普通",
            "许可内容": "同意", "许可决定日期": "2026/11/18", "有效期自": "2026/11/18", "有效期至": validUntil, "许可机关": "局",
            "许可机关统一社会信用代码": "11410122000000019Q", "当前状态": "1", "数据来源单位": "局",
            "数据来源单位统一社会信用代码": "11410122000000019Q",
        ]
        for (name, value) in record { if let index = schema.index(of: name) { cells[index] = value } }
        return cells
    }
}
