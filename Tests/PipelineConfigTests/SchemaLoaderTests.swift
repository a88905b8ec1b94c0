import DisclosureCore
import Foundation
import GongshiTesting
import PipelineConfig
import Testing
import WorkingDayCalendar

@Suite("Publication schemas")
struct SchemaLoaderTests {
    static func bundled(_ path: String) throws -> PublicationSchema {
        let document = try #require(SchemaDocument.bundled(path))
        return try SchemaLoader.load(document).get()
    }

    @Test("the bundled schemas load, with the national v2 field sets and their column codes")
    func bundledSchemas() throws {
        let penalty = try Self.bundled("publication/administrative-penalty.v2.yaml")
        // The national template's 30 fields, each with its column code, and gongshi's own 不予公示理由 and 程序类型.
        let national = penalty.fields.filter { $0.name != penalty.withholdField && $0.name != "程序类型" }
        #expect(penalty.fields.count == 32 && national.count == 30 && penalty.withholdField == "不予公示理由")
        #expect(national.allSatisfy { $0.code != nil })
        #expect(penalty.naturalPerson?.field == "行政相对人类别" && penalty.naturalPerson?.value == "自然人")
        #expect(penalty.fields.first?.name == "行政相对人名称")
        #expect(penalty.fields.first { $0.code == "CF_XDR_SHXYM" }?.name == "行政相对人代码_1(统一社会信用代码)")
        #expect(penalty.decisionDateField == "处罚决定日期")
        let permit = try Self.bundled("publication/administrative-permit.v2.yaml")
        #expect(permit.fields.count == 29)
        #expect(permit.fields.filter { $0.name != permit.withholdField }.allSatisfy { $0.code?.hasPrefix("XK_") == true || $0.code == "BZ" })
        #expect(permit.decisionDateField == "许可决定日期")
        let commitment = try Self.bundled("publication/credit-commitment.v1.yaml")
        #expect(commitment.fields.count == 20 && commitment.duplicateKey == ["承诺编码"])
        #expect(commitment.fields.first { $0.name == "承诺人代码" }?.personal == true)
        #expect(SchemaCatalog.bundledDocuments.count == 3)
    }

    @Test("--kind finds schemas by alias or id")
    func catalog() {
        for kind in ["penalty", "administrative-penalty", "行政处罚", "permit", "commitment", "信用承诺"] {
            guard case .found = SchemaCatalog.find(kind: kind) else {
                Issue.record("\(kind) not found")
                continue
            }
        }
        guard case .unknown(let known) = SchemaCatalog.find(kind: "coercion") else {
            Issue.record("coercion should be unknown among the bundled schemas")
            return
        }
        #expect(known.count == 3)
    }

    @Test("an inferred rule is a setting in the schema file: change the file, and the check changes")
    func inferredRulesAreData() throws {
        let document = try #require(SchemaDocument.bundled("publication/administrative-penalty.v2.yaml"))
        let schema = try SchemaLoader.load(document).get()
        let amount = try #require(schema.fields.first { $0.name == "罚款金额(万元)" })
        #expect(amount.requiredWhen == [Condition(field: "处罚类别", match: .containsAny(["罚款"]))])
        // Drop the [inferred] condition from the text: the same record is then valid.
        let edited = document.text.replacingOccurrences(
            of: "    required_when: {field: 处罚类别, contains_any: [罚款]}\n", with: "")
        #expect(edited != document.text)
        let relaxed = try SchemaLoader.load(SchemaDocument(origin: .bundled("publication/x.yaml"), text: edited)).get()
        let today = try CalendarDate.parse("2026-11-30")
        var cells = [String?](repeating: nil, count: schema.fields.count)
        let record: [String: String] = [
            "行政相对人名称": "某公司", "行政相对人类别": "法人及非法人组织", "行政相对人代码_1(统一社会信用代码)": "91410100MA40Q8R26R",
            "法定代表人": "张三", "行政处罚决定书文号": "1号", "违法行为类型": "x", "违法事实": "x", "处罚依据": "x", "处罚类别": "罚款",
            "处罚内容": "罚款", "处罚决定日期": "2026/11/20", "处罚有效期": "2027/11/20", "处罚机关": "局",
            "处罚机关统一社会信用代码": "11410122000000019Q", "数据来源单位": "局", "数据来源单位统一社会信用代码": "11410122000000019Q",
        ]
        for (name, value) in record { if let index = schema.index(of: name) { cells[index] = value } }
        let strict = try RecordValidator(schema: schema, today: today).check(cells)
        #expect(strict.issues.map(\.type) == ["conditional-required-missing"])
        let lenient = try RecordValidator(schema: relaxed, today: today).check(cells)
        #expect(lenient.issues.isEmpty)
    }

    @Test("a schema on disk may use the bundled code tables")
    func diskSchemaWithBundledTable() throws {
        let path = Fixtures.url("schemas/administrative-coercion.v1.yaml").path
        let schema = try SchemaLoader.load(try SchemaDocument.disk(path)).get()
        guard case .creditCode(let rule) = schema.fields[2].check else {
            Issue.record("expected a credit-code check")
            return
        }
        #expect(rule.knownRegistrationCategories["92"] == "工商（市场监管）·个体工商户")
    }

    @Test("each faulty schema reports exactly its problems, with lines", arguments: try InvalidSchema.all())
    func invalidSchemas(_ case_: InvalidSchema) throws {
        let document = try SchemaDocument.disk(case_.path)
        switch SchemaLoader.load(document) {
        case .success: Issue.record("\(case_.name) loaded")
        case .failure(let failure):
            let found = failure.issues.map { "\($0.line.map(String.init) ?? "-") \($0.code)" }.sorted()
            #expect(found == case_.expected)
            #expect(failure.issues.allSatisfy { $0.file == case_.path })
        }
    }
}

/// A file of `fixtures/schemas/invalid/` with its `# expect: LINE CODE` lines.
struct InvalidSchema: CustomTestStringConvertible, Sendable {
    let name: String
    let path: String
    let expected: [String]
    var testDescription: String { name }

    static func all() throws -> [InvalidSchema] { try all(in: "schemas/invalid") }

    /// Every file of a fixtures folder of faulty configuration files.
    static func all(in relativePath: String) throws -> [InvalidSchema] {
        let folder = Fixtures.url(relativePath)
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { name in
            let path = folder.appendingPathComponent(name).path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let expected = text.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("# expect: ") else { return nil }
                return String(line.dropFirst("# expect: ".count))
            }
            return InvalidSchema(name: name, path: path, expected: expected.sorted())
        }
    }
}
