import DisclosureCore
import PipelineConfig
import Testing

/// What a natural person's key is made of (``PersonDocument``), on the bundled schemas: the
/// person's own document, not a representative's; nothing for a legal person or a number that is
/// no one's in particular.
@Suite("A natural person's document")
struct PersonDocumentTests {
    static func values(_ schema: PublicationSchema, _ cells: [String: String]) throws -> [String?] {
        var values = [String?](repeating: nil, count: schema.fields.count)
        for (name, value) in cells { values[try #require(schema.index(of: name), "\(name)")] = value }
        return values
    }

    @Test("a natural person's type and number (letters upper case, spaces and hyphens left out); none for a legal person, a representative's number, or a placeholder")
    func documentText() throws {
        let schema = try SchemaLoader.load(try #require(SchemaDocument.bundled("publication/administrative-penalty.v2.yaml"))).get()
        let document = PersonDocument(schema)
        #expect(document.applies)
        func text(_ cells: [String: String]) throws -> String? { document.text(try Self.values(schema, cells)) }
        let person = ["行政相对人类别": "自然人", "证件类型": "身份证", "证件号码": "41012219900101123X"]
        #expect(try text(person) == "身份证\u{1F}41012219900101123X")
        #expect(try text(person.merging(["证件号码": "410122 19900101-123x"]) { $1 }) == "身份证\u{1F}41012219900101123X")
        // Another type, the same characters: another document.
        #expect(try text(person.merging(["证件类型": "其他-军官证"]) { $1 }) == "其他-军官证\u{1F}41012219900101123X")
        #expect(try text(person.merging(["行政相对人类别": "法人及非法人组织"]) { $1 }) == nil)
        #expect(try text(["行政相对人类别": "法人及非法人组织", "法定代表人证件类型": "身份证", "法定代表人证件号码": "41012219900101123X"]) == nil)
        for placeholder in ["", "000000", "XXXXXXXX", "无", "1234", "--------"] {
            #expect(try text(person.merging(["证件号码": placeholder]) { $1 }) == nil, "\(placeholder)")
        }
        // 信用承诺: the one code field holds a person's ID number, its type the subject's category.
        let commitment = try SchemaLoader.load(try #require(SchemaDocument.bundled("publication/credit-commitment.v1.yaml"))).get()
        #expect(PersonDocument(commitment).text(try Self.values(commitment, ["承诺人类别": "自然人", "承诺人代码": "41012219900101123X"])) == "自然人\u{1F}41012219900101123X")
    }
}
