import DisclosureCore
import Testing

/// ID, phone and bank card numbers as people write them — in groups, with a country code, broken by
/// a line break, inside a longer run — are hidden as the plain forms are, and the fast path's
/// pre-screen sends them to the screen; a spaced amount, a date, a standard's or an article's
/// number, a 文号 and a 统一社会信用代码 are left as they are.
@Suite("Personal data: numbers written in groups")
struct GroupedNumberScreenTests {
    static func screened(_ text: String) -> (text: String, kinds: [PersonalDataScreen.Kind]) {
        PersonalDataScreen.screen(text, personName: nil)
    }

    static func mayContain(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBufferPointer { PersonalDataScreen.mayContain($0) }
    }

    /// Each form with its kind and the number as written (hidden whole, character for character).
    static let forms: [(text: String, number: String, kind: PersonalDataScreen.Kind)] = [
        ("身份证号 410122 19850312 1231 店外经营", "410122 19850312 1231", .idNumber),
        ("当事人身份证号码为410122 1985 0312 1234店外", "410122 1985 0312 1234", .idNumber),
        ("身份证号410122-19850312-1231店外经营", "410122-19850312-1231", .idNumber),
        ("身份证号410122198\n503121231店外经营", "410122198\n503121231", .idNumber),
        ("身份证号410122198\r\n503121231店外经营", "410122198\r\n503121231", .idNumber),
        ("身份证号 410105 19900101 123X 店外", "410105 19900101 123X", .idNumber),
        ("旧身份证 410122 850312 121 店外", "410122 850312 121", .idNumber),
        ("身份证410122198503121234567", "410122198503121234567", .idNumber),
        ("账号12345678901234567890123转账", "12345678901234567890123", .bankCard),
        ("《条例》第三十六条；联系人手机+86 138 0013 8000", "86 138 0013 8000", .mobile),
        ("手机+8613800138000", "8613800138000", .mobile),
        ("电话0086 13800138000", "0086 13800138000", .mobile),
        ("电话138-0013-8000，请联系", "138-0013-8000", .mobile),
        ("联系人 138 0013 8000", "138 0013 8000", .mobile),
        ("手机1 3 8 0 0 1 3 8 0 0 0", "1 3 8 0 0 1 3 8 0 0 0", .mobile),
        ("分机(0371)6234567", "0371)6234567", .landline),
        ("办公室（0371） 6234 5678", "0371） 6234 5678", .landline),
        ("电话0371 62345678", "0371 62345678", .landline),
        ("座机0371-6234-5678", "0371-6234-5678", .landline),
        ("开户行账号 6222 0212 3456 7890 123", "6222 0212 3456 7890 123", .bankCard),
        ("卡号6222-0212-3456-7890", "6222-0212-3456-7890", .bankCard),
    ]

    @Test("an ID, phone or card number written in groups, with a country code, across a line break or inside a longer run is hidden whole, as its kind")
    func groupedForms() {
        for (text, number, kind) in Self.forms {
            let (shown, kinds) = Self.screened(text)
            #expect(kinds == [kind], "\(text): \(kinds)")
            #expect(shown == text.replacing(number, with: String(repeating: "*", count: number.count)), "\(text) → \(shown)")
            #expect(Self.mayContain(text), "\(text)")
        }
    }

    @Test("an ID number with hyphens is an ID number, not a landline that shows its first and last digits")
    func hyphenatedIDIsNoLandline() {
        #expect(PersonalDataScreen.scan("身份证号410122-19850312-1231店外经营", personName: nil).map(\.kind) == [.idNumber])
        #expect(Self.screened("410122-19850312-1231").text == String(repeating: "*", count: 20))
    }

    @Test("two numbers side by side are two findings: an ID number and a mobile, two mobiles")
    func sideBySide() {
        #expect(PersonalDataScreen.scan("410122 19850312 1231 138 0013 8000", personName: nil).map(\.kind) == [.idNumber, .mobile])
        #expect(PersonalDataScreen.scan("13800138000 13900139000", personName: nil).map(\.kind) == [.mobile, .mobile])
        #expect(Self.screened("卡号6222 0212 3456 7890 123 2000元").text == "卡号\(String(repeating: "*", count: 23)) 2000元")
    }

    /// The benign twins: what is written in groups but is no one's number.
    static let benign = [
        "罚款 2 000 元", "罚款1 500 000元", "2026 11 10", "2026-11-10", "2026-11-10 2026-12-10", "2026-11-10 09:30",
        "依据《条例》第 36 条第 1 款", "违反 GB 5749-2006 第 4.1 条", "郑城管罚〔2026〕0312 号", "文号 2026-0312-1234", "文号 2026 0312 1234",
        "统一社会信用代码 91410100MA40Q8R26R", "代码 91410100MA40Q8R26R 11410122000000019Q", "第（3）项，罚款（2000）元",
        "车牌号豫A12345", "2019-2026 年度", "编号 1234 5678", "占位代码 00000000000000000X", "000000000000000000",
    ]

    @Test("a spaced amount, a date, an article or a standard's number, a 文号, a credit code are left as they are", arguments: benign)
    func benignTwins(text: String) {
        #expect(PersonalDataScreen.scan(text, personName: nil).isEmpty, "\(text)")
    }

    @Test("a grouped ID number in a record's free text is a warning, found on the fast path as on the full check, and hidden in the message")
    func throughValidation() throws {
        for (text, number, kind) in Self.forms {
            let (cells, testCase) = try PublicationRuleChecksTests.row("法人及非法人组织", ["违法事实": text])
            let (_, difference, issues) = try FastCheckAgreementTests.judge(cells, testCase, today: PublicationRuleChecksTests.today)
            #expect(difference == nil, "\(text): \(difference ?? "")")
            let warning = issues.first { $0.type == "personal-data-in-text" }
            #expect(warning?.message.zh.contains(kind.rawValue) == true, "\(text): \(issues.map(\.type))")
            #expect(warning.map { !($0.value ?? "").contains(number) } == true)
        }
    }
}
