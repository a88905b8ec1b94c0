import DisclosureCore
import Testing
import WorkingDayCalendar

@Suite("统一社会信用代码, 组织机构代码 and 居民身份证号码 checks")
struct CodeCheckTests {
    static let validCreditCodes = [
        "91110000600037341L",  // python-stdnum's doctest example, worked by hand in the domain reference
        "91410100MA40Q8R26R", "92410105MA4DEMWL8T",  // the reference's fictional Zhengzhou examples
        "11410122000000019Q", "124101224567890A5G", "93410122MA9K3L2P2A",
    ]
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")

    @Test("valid codes pass", arguments: validCreditCodes)
    func validCreditCode(code: String) {
        #expect(CreditCode.problem(in: code) == nil)
    }

    @Test("changing any one character of a valid code fails it", arguments: validCreditCodes)
    func everySingleChangeFails(code: String) {
        let characters = Array(code)
        for position in characters.indices {
            for replacement in Self.alphabet where replacement != characters[position] {
                var changed = characters
                changed[position] = replacement
                #expect(CreditCode.problem(in: String(changed)) != nil, "\(String(changed)) passed")
            }
        }
    }

    @Test("each problem is named")
    func problems() {
        #expect(CreditCode.problem(in: "91410100MA40Q8R26") == .length(17))
        #expect(CreditCode.problem(in: "9141010OMA40Q8R26R") == .character(position: 8, "O"))
        #expect(CreditCode.problem(in: "914101A0MA40Q8R26R") == .regionNotDigits("4101A0"))
        #expect(CreditCode.problem(in: "91410100MA40Q8R27R") == .organizationCode("MA40Q8R27"))
        #expect(CreditCode.problem(in: "91410100MA40Q8R26T") == .checkCharacter(expected: "R", found: "T"))
        // The 个体工商户 placeholder is not checksum-valid: it must be whitelisted by the schema.
        #expect(CreditCode.problem(in: "00000000000000000X") != nil)
    }

    @Test("组织机构代码 (GB 11714), with and without the hyphen")
    func organizationCode() {
        #expect(OrganizationCode.problem(in: "D2143569-X") == nil)  // the standard's own example
        #expect(OrganizationCode.problem(in: "D2143569X") == nil)
        #expect(OrganizationCode.problem(in: "600037341") == nil)
        #expect(OrganizationCode.problem(in: "D2143569-1") == .checkCharacter(expected: "X", found: "1"))
        #expect(OrganizationCode.problem(in: "D214356") == .length(7))
        #expect(OrganizationCode.problem(in: "D21435#9X") == .character(position: 7, "#"))
    }

    @Test("居民身份证号码 (GB 11643): check character, birth date, legacy numbers")
    func residentID() throws {
        let today = try CalendarDate.parse("2026-11-30")
        #expect(ResidentIDNumber.problem(in: "11010519491231002X", today: today) == nil)  // the standard's example
        #expect(ResidentIDNumber.problem(in: "360426199101010071", today: today) == nil)
        #expect(ResidentIDNumber.problem(in: "410122198503121231", today: today) == nil)
        #expect(ResidentIDNumber.problem(in: "410122198503121230", today: today) == .checkCharacter)
        #expect(ResidentIDNumber.problem(in: "410122198502301230", today: today) == .birthDate("19850230"))
        #expect(ResidentIDNumber.problem(in: "410122203001011239", today: today) == .birthDate("20300101"))
        #expect(ResidentIDNumber.problem(in: "4101221985031212", today: today) == .length(16))
        #expect(ResidentIDNumber.problem(in: "41012219850312123A", today: today) == .character(position: 18))
        #expect(ResidentIDNumber.problem(in: "410122850312123", today: today) == nil)
        #expect(ResidentIDNumber.isLegacy("410122850312123"))
        #expect(ResidentIDNumber.problem(in: "410122851312123", today: today) == .birthDate("19851312"))
    }
}

@Suite("Amounts, dates and text normalization")
struct NormalizationTests {
    @Test("decimals are read exactly and compared digit by digit")
    func decimals() throws {
        let value = try #require(DecimalText("0.000001"))
        #expect(value.scale == 6)
        #expect(try #require(DecimalText("-0.1")) < #require(DecimalText("0")))
        #expect(try #require(DecimalText("10000")) >= #require(DecimalText("10000.000")))
        #expect(try #require(DecimalText("9999.999999")) < #require(DecimalText("10000")))
        #expect(try #require(DecimalText("-0.000")) == #require(DecimalText("0")))
        #expect(try #require(DecimalText("-2")) < #require(DecimalText("-1.5")))
        for bad in ["", ".", "1.", "1e3", "1,000", "2000元", "--1", "1.2.3"] {
            #expect(DecimalText(bad) == nil, "\(bad)")
        }
    }

    @Test(
        "every date form reads as the same day",
        arguments: ["2020/5/6", "2020-05-06", "2020年5月6日", "20200506", "2020/05/06", "2020年05月06日", "2020.05.06", "2020.5.6", "2020/5/6 9:30", "2020/05/06 00:00:00"])
    func dateForms(text: String) {
        #expect(TextNormalizer.date(text).map(TextNormalizer.standardForm) == "2020/05/06")
    }

    @Test("impossible or foreign date texts are not dates", arguments: ["2020/2/30", "20201332", "2020年5月", "5/6/2020", "6.5.2020", "2020.2.30", "2020/5/6 25:00", ""])
    func notDates(text: String) {
        #expect(TextNormalizer.date(text) == nil)
    }

    @Test("trimming removes full-width spaces, no-break spaces and zero-width characters")
    func trimming() {
        #expect(TextNormalizer.trim("\u{3000} 张三\u{00A0}\t") == "张三")
        #expect(TextNormalizer.trim("牟城管罚\u{200B}〔2026〕1号\u{FEFF}") == "牟城管罚〔2026〕1号")
        // The direction overrides and isolates, with which a text shows other than it reads.
        #expect(TextNormalizer.trim("郑州\u{202E}司公某\u{202C}\u{2066}x\u{2069}") == "郑州司公某x")
        #expect(TextNormalizer.trim("张 三") == "张 三")
    }

    @Test("full-width letters and digits become half-width; ASCII letters upper case")
    func widthAndCase() {
        #expect(TextNormalizer.halfWidth("９１４１０１００ｍａ") == "91410100ma")
        #expect(TextNormalizer.upperASCII("91410100ma40q8r26r") == "91410100MA40Q8R26R")
        #expect(TextNormalizer.upperASCII("郑州abc") == "郑州ABC")
    }

    @Test("personal data is masked: region and last four kept")
    func masking() {
        #expect(PersonalData.mask("410122198503121231") == "410122********1231")
        #expect(PersonalData.mask("E12345678") == "E********")
        // A name: its first character kept, unless it is the whole name.
        #expect(PersonalData.mask("张三") == "张*" && PersonalData.mask("张") == "*" && PersonalData.mask("") == "")
        #expect(Mask.name.apply("欧阳明日") == "欧***" && Mask.name.apply("张") == "*" && Mask.name.apply("") == "")
    }
}
