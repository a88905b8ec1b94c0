import DisclosureCore
import Testing

/// An ID or mobile number typed into a registration-number column no check digit guards
/// (工商注册号、税务登记号、事业单位证书号、社会组织登记证号) would be published as it is: it is the
/// record's error, `personal-data-in-code`, its value shown masked (domain reference §3.5).
@Suite("Personal data: numbers in code columns")
struct PersonalNumberInCodeTests {
    static let columns = ["行政相对人代码_2(工商注册号)", "行政相对人代码_4(税务登记号)", "行政相对人代码_6(社会组织登记证号)"]
    /// An adult's ID, a minor's, an old 个体工商户 税务登记号 (ID and two digits), a mobile.
    static let personal = [
        "410122198503121231", "410122201003151236", "41012219850312123101", "13800138000",
        // As people write them, and an ID whose check character is wrong (an ID's region and birth date).
        "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "0086 13800138000", "410122198503121232", "41012219850312123X",
        // Split by a full-width or no-break space, a dash or a dot (which the free-text screen joins
        // across too), or written full-width: normalization leaves such joiners in a code.
        "410122\u{3000}19850312\u{3000}1231", "410122\u{A0}19850312\u{A0}1231", "138\u{2009}0013\u{2009}8000",
        "138—0013—8000", "138·0013·8000", "＋86 138 0013 8000", "４１０１２２１９８５０３１２１２３１", "（0086）13800138000",
    ]

    @Test("an ID or mobile number in a registration-number column is an error, the same on the fast path, never echoed whole")
    func refused() throws {
        for column in Self.columns {
            for number in Self.personal where !(column.contains("税务") && number.filter(\.isNumber).count < 18) {
                let (cells, testCase) = try PublicationRuleChecksTests.row("法人及非法人组织", [column: number])
                let (_, difference, issues) = try FastCheckAgreementTests.judge(cells, testCase, today: PublicationRuleChecksTests.today)
                #expect(difference == nil, "\(column) \(number): \(difference ?? "")")
                let error = issues.first { $0.type == "personal-data-in-code" }
                #expect(error?.severity == .error, "\(column) \(number): \(issues.map(\.type))")
                #expect(error.map { !($0.value ?? "").filter(\.isNumber).contains(number.filter(\.isNumber).dropFirst(5).prefix(6)) } == true, "\(error?.value ?? "")")
            }
        }
    }

    /// Registration numbers as they are: a 15-digit 工商注册号, a 15-character 税务登记号 (region and
    /// organization code), an 18-character one (a credit code).
    static let registrationNumbers: [(column: String, value: String)] = [
        ("行政相对人代码_2(工商注册号)", "410105000012345"), ("行政相对人代码_4(税务登记号)", "410105123456789"),
        ("行政相对人代码_4(税务登记号)", "91410100MA40Q8R26R"), ("行政相对人代码_2(工商注册号)", "410105000012345"),
        ("行政相对人代码_6(社会组织登记证号)", "51410100MJY0123456"),
    ]

    @Test("registration numbers are left as they are")
    func kept() throws {
        for (column, value) in Self.registrationNumbers {
            #expect(!(try PublicationRuleChecksTests.types("法人及非法人组织", [column: value])).contains("personal-data-in-code"), "\(column) \(value)")
        }
    }
}
