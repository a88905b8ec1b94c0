import DisclosureCore
import PipelineConfig
import Testing
import WorkingDayCalendar

/// The 2015 (v1) 双公示 format: data in the bundled schemas, with its source, and the rule by which
/// a header is called v1.
@Suite("Legacy formats")
struct LegacyFormatTests {
    static func bundled(_ kind: String) throws -> PublicationSchema {
        try SchemaLoader.load(try #require(SchemaDocument.bundled("publication/administrative-\(kind).v2.yaml"))).get()
    }

    @Test("the v1 column names are the schema files' data, with their source")
    func data() throws {
        let penalty = try Self.bundled("penalty")
        let v1 = try #require(penalty.legacyHeader)
        #expect(v1.title == "2015 版（v1）双公示")
        #expect(v1.source.contains("pfflw.com summary of 发改电〔2015〕557号") && v1.source.contains("public implementation code"))
        #expect(["CF_CFMC", "CF_CFLB1", "CF_JG", "DFBM", "SJC", "处罚名称"].allSatisfy(v1.names.contains))
        let permit = try Self.bundled("permit")
        #expect(["XK_XMMC", "XK_SPLB", "XK_JZQ", "项目名称", "审批类别"].allSatisfy((try #require(permit.legacyHeader)).names.contains))
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
}
