import DisclosureCore
import Testing
import WorkingDayCalendar

/// The validation engine on a schema built in the test, independent of any YAML file.
@Suite("RecordValidator")
struct RecordValidatorTests {
    static func schema() -> PublicationSchema {
        var category = FieldSpec(name: "类别", kind: .enumeration)
        category.required = true
        category.values = ["甲", "乙"]
        var kinds = FieldSpec(name: "措施", kind: .enumeration)
        kinds.multiple = true
        kinds.separators = [";", "、"]
        kinds.values = ["罚款", "没收违法所得、没收非法财物", "警告"]
        kinds.otherPrefix = "其他-"
        var amount = FieldSpec(name: "金额", kind: .decimal)
        amount.requiredWhen = [Condition(field: "措施", match: .containsAny(["罚款"]))]
        amount.maxScale = 2
        var decided = FieldSpec(name: "决定日期", kind: .date)
        decided.required = true
        decided.notAfterToday = true
        var until = FieldSpec(name: "有效期", kind: .date)
        until.notBefore = ["决定日期"]
        var id = FieldSpec(name: "证件号码", kind: .code)
        id.personal = true
        id.check = .identityDocument(typeField: "类别", formats: ["甲": .residentID])
        return PublicationSchema(
            id: "test", version: 1, title: "测试", aliases: [], decisionDateField: "决定日期", duplicateKey: [],
            fields: [category, kinds, amount, decided, until, id])
    }

    static func check(_ cells: [String?]) throws -> RecordCheck {
        try RecordValidator(schema: schema(), today: CalendarDate.parse("2026-11-30")).check(cells)
    }

    @Test("every problem of a record is collected, not only the first")
    func collectsAll() throws {
        let result = try Self.check(["丙", "罚款;罚金", nil, "2026/12/01", "2026/11/01", "410122198503121230"])
        let types = result.issues.map(\.type).sorted()
        #expect(types == [
            "conditional-required-missing", "date-in-future", "date-order", "enum-unknown", "enum-unknown",
        ])
        #expect(result.hasErrors)
    }

    @Test("a value containing a separator is matched whole; other-prefixed values are accepted")
    func multipleValues() throws {
        let result = try Self.check(["乙", "没收违法所得、没收非法财物、警告;其他-通报", nil, "2026/11/01", nil, nil])
        #expect(result.issues.isEmpty, "\(result.issues)")
    }

    @Test("conditions look inside multi-valued cells")
    func conditionOnMultiple() throws {
        let missing = try Self.check(["乙", "警告、罚款", nil, "2026/11/01", nil, nil])
        #expect(missing.issues.map(\.type) == ["conditional-required-missing"])
        let given = try Self.check(["乙", "警告、罚款", "12.5", "2026/11/01", nil, nil])
        #expect(given.issues.isEmpty)
    }

    @Test("personal values are masked in issues and never appear in messages")
    func personalMasked() throws {
        let result = try Self.check(["甲", "警告", nil, "2026/11/01", nil, "410122198503121230"])
        let issue = try #require(result.issues.first { $0.type == "id-number-check-character" })
        #expect(issue.value == "410122********1230")
        #expect(!issue.message.zh.contains("410122198503121230"))
        #expect(!issue.message.en.contains("410122198503121230"))
    }

    @Test("normalization is reported, and the normalized value is what gets checked")
    func normalizationReported() throws {
        let result = try Self.check(["乙", "警告", nil, " 2026年11月1日", "20261102", nil])
        #expect(result.issues.map(\.type).sorted() == ["normalized-date", "normalized-date", "normalized-whitespace"])
        #expect(result.values[3] == "2026/11/01")
        #expect(result.values[4] == "2026/11/02")
        #expect(!result.hasErrors)
    }

    @Test(
        "a dotted date, and a date followed by a time as Excel exports date-times, are read as the date with a normalized-date warning",
        arguments: [
            ("2026.11.01", "2026.11.2"), ("2026/11/01 00:00:00", "2026/11/2 9:30"), ("2026-11-01 23:59:59.000", "2026-11-02T08:00"),
            ("20261101 12:00", "2026年11月2日 0:00"),
        ])
    func datesWithDotsAndTimes(decided: String, until: String) throws {
        let result = try Self.check(["乙", "警告", nil, decided, until, nil])
        #expect(result.issues.map(\.type) == ["normalized-date", "normalized-date"])
        #expect(result.values[3] == "2026/11/01" && result.values[4] == "2026/11/02")
    }

    @Test("a time that is no time, or a date that is none, is still an invalid date", arguments: [
        "2026/11/01 24:00", "2026/11/01 9:60", "2026/11/01 9", "2026/11/01 9:30:5", "2026/11/01 x", "2026.11", "2026.13.01", "2026/11.01", "2026/02/30 00:00:00",
    ])
    func notDatesWithTimes(decided: String) throws {
        let result = try Self.check(["乙", "警告", nil, decided, nil, nil])
        #expect(result.issues.map(\.type) == ["date-invalid"])
    }

    @Test("an invalid pattern in a schema is a schema problem, not a crash")
    func badPattern() {
        var field = FieldSpec(name: "号", kind: .code)
        field.check = .pattern("[", description: "x")
        let schema = PublicationSchema(id: "x", version: 1, title: "x", aliases: [], decisionDateField: nil, duplicateKey: [], fields: [field])
        #expect(throws: SchemaProblem.self) {
            try RecordValidator(schema: schema, today: CalendarDate(dayNumber: 0))
        }
    }
}
