import DisclosureCore
import Foundation
import GongshiTesting
import PipelineConfig
import SourceDecoders
import Testing
import WorkingDayCalendar

/// The checks the publication rules add, each case beside a benign twin: the fast check and the
/// full validator agree on both (``FastCheckAgreementTests/judge(_:_:today:)``).
@Suite("Publication rule checks")
struct PublicationRuleChecksTests {
    static let today = CalendarDate(year: 2026, month: 11, day: 30)!

    /// The first valid penalty row of the given category, with some cells changed.
    static func row(_ category: String, _ changes: [String: String]) throws -> ([String], FastCheckAgreementTests.Case) {
        let testCase = try FastCheckAgreementTests.load(kind: "penalty", file: "valid.csv")
        let column = Dictionary(uniqueKeysWithValues: testCase.header.enumerated().map { ($1, $0) })
        var cells = try #require(testCase.rows.first { $0[column["行政相对人类别"]!] == category && $0[column["处罚类别"]!] == "罚款" })
        for (name, value) in changes { cells[try #require(column[name], "\(name)")] = value }
        return (cells, testCase)
    }

    static func types(_ category: String, _ changes: [String: String]) throws -> [String] {
        let (cells, testCase) = try row(category, changes)
        let (_, difference, issues) = try FastCheckAgreementTests.judge(cells, testCase, today: today)
        #expect(difference == nil, "\(difference ?? "")")
        return issues.map(\.type)
    }

    @Test("行政相对人类别 agrees with the code both ways: a 个体工商户 needs 92…, a 92… code is a 个体工商户")
    func categoryAndCode() throws {
        #expect(try Self.types("法人及非法人组织", ["行政相对人类别": "个体工商户"]).contains("credit-code-category-mismatch"))
        #expect(try !Self.types("个体工商户", [:]).contains("credit-code-category-mismatch"))
    }

    @Test("an amount in 万元 equal to the 元 amount 处罚内容 states is an error; the right 万元 figure is not")
    func amountUnits() throws {
        #expect(try Self.types("法人及非法人组织", ["罚款金额(万元)": "2000", "处罚内容": "罚款2000元"]).contains("amount-unit-mismatch"))
        #expect(try !Self.types("法人及非法人组织", ["罚款金额(万元)": "0.2", "处罚内容": "罚款2000元"]).contains("amount-unit-mismatch"))
        #expect(try !Self.types("法人及非法人组织", ["罚款金额(万元)": "2", "处罚内容": "罚款12元"]).contains("amount-unit-mismatch"))
    }

    @Test(
        "the 元 amount is read however 处罚内容 writes it: decimals, thousands separators, full-width digits, a space, 万元; the cents dropped too",
        arguments: ["罚款2000.00元", "罚款2,000元", "罚款２０００元", "罚款2000 元", "罚款2000\u{3000}元", "罚款2000.5元", "罚款0.2万元", "罚款人民币贰仟元（¥2,000.00元）"])
    func amountUnitForms(text: String) throws {
        #expect(try Self.types("法人及非法人组织", ["罚款金额(万元)": "2000", "处罚内容": text]) == ["amount-unit-mismatch"])
    }

    @Test("an amount in 万元 that agrees with 处罚内容, in any of its forms, is no mismatch, nor one equal to another amount it states")
    func amountUnitAgreement() throws {
        for (amount, text) in [
            ("0.2", "罚款2,000.00元"), ("0.2", "罚款２０００元"), ("0.2", "罚款0.2万元"), ("2000", "罚款2000万元"), ("0.20005", "罚款2000.5元"),
            ("5", "没收违法所得5元，并处罚款5万元"), ("2000", "罚款2000"), ("12", "罚款12,00元"), ("1", "第1.2.3元"),
        ] {
            #expect(try Self.types("法人及非法人组织", ["罚款金额(万元)": amount, "处罚内容": text]).isEmpty, "\(amount) \(text)")
        }
    }

    @Test(
        "an amount of eleven or more integer digits (an ID or phone number in the column) is an error, its value hidden; a large real amount is only a warning",
        arguments: ["410122198503121231", "13800138000", "410122850312121", "12345678901.5", "00013800138000"])
    func implausibleAmount(amount: String) throws {
        let (cells, testCase) = try Self.row("法人及非法人组织", ["罚款金额(万元)": amount])
        let (_, difference, issues) = try FastCheckAgreementTests.judge(cells, testCase, today: Self.today)
        #expect(difference == nil, "\(difference ?? "")")
        #expect(issues.map(\.type) == ["amount-implausible"], "\(issues.map(\.type))")
        let digits = amount.drop { $0 == "0" }.prefix { $0 != "." }
        for issue in issues {
            for shown in [issue.value ?? "", issue.message.zh, issue.message.en] {
                #expect(!shown.contains(digits.suffix(7)), "\(shown)")
            }
        }
    }

    @Test("the twins of an implausible amount: ten integer digits, 万元 with decimals, zero")
    func plausibleAmounts() throws {
        #expect(try Self.types("法人及非法人组织", ["罚款金额(万元)": "9999999999"]) == ["amount-looks-like-yuan"])
        #expect(try Self.types("法人及非法人组织", ["罚款金额(万元)": "0.2"]).isEmpty)
        #expect(try Self.types("法人及非法人组织", ["罚款金额(万元)": "0000000000000.2"]).isEmpty)
    }

    @Test("an amount column without a warning limit still sends an implausible amount to the full check (the fast path does not pass it)")
    func implausibleAmountWithoutWarningLimit() throws {
        let (cells, loaded) = try Self.row("法人及非法人组织", ["罚款金额(万元)": "410122198503121231"])
        let fields = loaded.schema.fields.map { field -> FieldSpec in
            var field = field
            field.warnAtLeast = nil
            return field
        }
        let schema = loaded.schema
        var plain = PublicationSchema(
            id: schema.id, version: schema.version, title: schema.title, aliases: schema.aliases,
            decisionDateField: schema.decisionDateField, duplicateKey: schema.duplicateKey, subjectNameField: schema.subjectNameField,
            subjectCodeField: schema.subjectCodeField, fields: fields)
        plain.naturalPerson = schema.naturalPerson
        plain.withholdField = schema.withholdField
        let testCase = FastCheckAgreementTests.Case(schema: plain, header: loaded.header, rows: loaded.rows)
        let (_, difference, issues) = try FastCheckAgreementTests.judge(cells, testCase, today: Self.today)
        #expect(difference == nil, "\(difference ?? "")")
        #expect(issues.map(\.type) == ["amount-implausible"])
    }

    @Test("control characters are errors; a tab, and a line break in free text, are not")
    func controlCharacters() throws {
        #expect(try Self.types("法人及非法人组织", ["违法事实": "占道\u{0}经营"]).contains("control-character"))
        #expect(try Self.types("法人及非法人组织", ["违法事实": "占道\u{1B}经营"]).contains("control-character"))
        #expect(try Self.types("法人及非法人组织", ["违法事实": "占道\u{85}经营"]).contains("control-character"))
        #expect(try !Self.types("法人及非法人组织", ["违法事实": "占道\n经营\t二次"]).contains("control-character"))
        // The noncharacters XML has no place for (a gsxt file or an Excel 模板 with one cannot be read).
        #expect(try Self.types("法人及非法人组织", ["违法事实": "占道\u{FFFE}经营"]).contains("control-character"))
        #expect(try Self.types("法人及非法人组织", ["行政相对人名称": "郑州某某公司\u{FFFF}"]).contains("control-character"))
        #expect(try !Self.types("法人及非法人组织", ["处罚内容": "罚款￥2000"]).contains("control-character"))
    }

    @Test("a line break or tab inside the decision key (文号, 名称) is an error; in free text it is not")
    func lineBreaksInKey() throws {
        for changes in [
            ["行政处罚决定书文号": "牟城管罚〔2026〕\n1号"], ["行政处罚决定书文号": "牟城管罚〔2026〕\r\n1号"], ["行政处罚决定书文号": "牟城管罚〔2026〕\t1号"],
            ["行政相对人名称": "郑州某某\n餐饮管理有限公司"], ["行政处罚决定书文号": "牟城管罚〔2026〕\u{2028}1号"],
            ["行政相对人名称": "郑州某某餐饮管理有限公司\u{2029}"],
        ] {
            #expect(try Self.types("法人及非法人组织", changes) == ["line-break-in-key"], "\(changes)")
        }
        #expect(try Self.types("法人及非法人组织", ["违法事实": "占道\n经营"]).isEmpty)
    }

    @Test("full-width digits and letters in the 文号 are made half-width (one key for one decision), its full-width brackets kept; in the name they stay")
    func fullWidthNumber() throws {
        let (cells, testCase) = try Self.row("法人及非法人组织", ["行政处罚决定书文号": "牟城管罚（２０２６）ＡＢ１号"])
        let (_, difference, issues) = try FastCheckAgreementTests.judge(cells, testCase, today: Self.today)
        #expect(difference == nil, "\(difference ?? "")")
        #expect(issues.map(\.type) == ["normalized-width"])
        let check = try RecordValidator(schema: testCase.schema, today: Self.today).check(cells)
        let number = try #require(testCase.schema.index(of: "行政处罚决定书文号"))
        #expect(check.values[number] == "牟城管罚（2026）AB1号")
        #expect(try Self.types("法人及非法人组织", ["行政相对人名称": "郑州ＡＢＣ餐饮管理有限公司"]).isEmpty)
        #expect(try Self.types("法人及非法人组织", ["行政处罚决定书文号": "牟城管罚（2026）1号"]).isEmpty)
    }

    @Test("a cell that starts like a formula is a warning, and is written with an apostrophe in CSV feeds; a signed number is not")
    func formulas() throws {
        #expect(try Self.types("法人及非法人组织", ["备注": "=HYPERLINK(\"http://x\",\"点击\")"]) == ["formula-prefix"])
        #expect(try Self.types("法人及非法人组织", ["备注": "@SUM(A1)"]) == ["formula-prefix"])
        #expect(try Self.types("法人及非法人组织", ["备注": "补充说明"]).isEmpty)
        #expect(FormulaGuard.neutralize("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")")
        #expect(FormulaGuard.neutralize("-12.5") == "-12.5" && FormulaGuard.neutralize("+3") == "+3" && FormulaGuard.neutralize("补充") == "补充")
    }

    @Test("personal data in free text is found and hidden; a legal person's name and amounts are left alone")
    func screen() {
        let (text, kinds) = PersonalDataScreen.screen(
            "当事人王小明（身份证号410122198503121231，电话13803710000，住中牟县青年路1号）", personName: "王小明")
        #expect(kinds == [.idNumber, .mobile, .name, .address])
        #expect(text == "当事人王**（身份证号******************，电话***********，住********）")
        #expect(PersonalDataScreen.scan("旧身份证410122850312121，卡号6222021234567890123，a.b@example.com", personName: nil).map(\.kind) == [.idNumber, .bankCard, .email])
        #expect(PersonalDataScreen.scan("联系电话0371-62345678", personName: nil).map(\.kind) == [.landline])
        // Not personal: amounts, dates, a company's name, a 7-digit amount without a word for a phone.
        #expect(PersonalDataScreen.scan("郑州某某公司罚款1000000元，2026年11月30日", personName: nil).isEmpty)
        #expect(PersonalDataScreen.scan("郑州某某公司住所地中牟县", personName: nil).map(\.kind) == [])
        // An ID or card number Excel turned into a number, written in E-notation (its first 15 digits
        // there): hidden whole; small numbers in E-notation are amounts.
        let excel = PersonalDataScreen.screen("当事人身份证号4.10122198503121E+17，卡号6.22202123456789E+18", personName: nil)
        #expect(excel.kinds == [.idNumber, .bankCard])
        #expect(excel.text == "当事人身份证号\(String(repeating: "*", count: 20))，卡号\(String(repeating: "*", count: 20))")
        #expect(PersonalDataScreen.scan("旧证4.10122850312121E+14；另4E17", personName: nil).map(\.kind) == [.idNumber, .idNumber])
        #expect(PersonalDataScreen.scan("罚款1.5E+3元，比例2E-2，合计1E+5", personName: nil).isEmpty)
    }

    @Test("a home address in a legal person's text is hidden (its representative's, a witness's); its domicile, its place of business and an authority are not")
    func homeAddressOfALegalPersonsRecord() {
        let (text, kinds) = PersonalDataScreen.screen(
            "法定代表人赵大海（住址郑州市二七区大学路16号院5号楼1单元302室）擅自占用城市道路，赵大海家住二七区淮河路7号", personName: nil)
        #expect(kinds == [.address])
        #expect(text == "法定代表人赵大海（住址\(String(repeating: "*", count: 23))）擅自占用城市道路，赵大海家住********")
        #expect(PersonalDataScreen.scan("经营者现住中牟县青年路1号", personName: nil).map(\.kind) == [.address])
        for clear in ["郑州某某公司地址：中牟县青年路1号", "经市住建局认定，在中牟县青年路1号擅自经营住宿业", "郑州某某公司住所地中牟县青年路1号"] {
            #expect(PersonalDataScreen.scan(clear, personName: nil).isEmpty, "\(clear)")
        }
        // A natural person's record: any address-like phrase, as before.
        #expect(PersonalDataScreen.scan("王小明地址：中牟县青年路1号", personName: "王小明").map(\.kind) == [.name, .address])
    }

    @Test("a home address after a bare 住 in a legal person's text is hidden; 住所、住建局、住房和城乡建设、住宿、住宅 and a bare city are not")
    func bareResidenceOfALegalPersonsRecord() throws {
        let text = "经营者住河南省郑州市中牟县青年路88号幸福小区3号楼302室，擅自占用城市道路"
        let (shown, kinds) = PersonalDataScreen.screen(text, personName: nil)
        #expect(kinds == [.address])
        #expect(shown == "经营者住\(String(repeating: "*", count: 26))，擅自占用城市道路")
        #expect(PersonalDataScreen.scan("法定代表人赵大海住中牟县青年路1号", personName: nil).map(\.kind) == [.address])
        for clear in [
            "郑州某某公司住所地河南省郑州市中牟县青年路1号", "经郑州市住建局认定，在中牟县青年路1号擅自经营住宿业",
            "依据《郑州市住房和城乡建设局关于…的通知》第3号", "在中牟县住宅楼3号楼违规施工", "当事人住郑州市", "依据住房城乡建设部令第5号",
        ] {
            #expect(PersonalDataScreen.scan(clear, personName: nil).isEmpty, "\(clear)")
        }
        // Through validation: a warning, on the fast path as on the full check.
        #expect(try Self.types("法人及非法人组织", ["违法事实": text]) == ["personal-data-in-text"])
    }

    @Test("a subject's name is published whole but for a number or e-mail written into it")
    func subjectNameScreenedForNumbers() throws {
        let schema = try SchemaLoader.load(try #require(SchemaDocument.bundled("publication/administrative-penalty.v2.yaml"))).get()
        let rules = PublicationRules(schema)
        let name = try #require(schema.index(of: "行政相对人名称"))
        #expect(rules.isScreened(name))
        #expect(rules.warnedFields.contains(name))
        let screened = rules.screen(name, "郑州癸公司（老板手机15012342222）", personName: nil)
        #expect(screened.kinds == [.mobile])
        #expect(screened.text == "郑州癸公司（老板手机***********）")
        // Only numbers and e-mail: a name is not an address, nor the person's own name.
        #expect(rules.screen(name, "郑州住在路餐饮店", personName: nil).kinds.isEmpty)
        #expect(rules.screen(name, "郑州某某有限公司", personName: nil).kinds.isEmpty)
    }

    @Test("a number Excel wrote in E-notation in a code field with no check of its own (工商注册号) is excel-number, as in the checked ones; a registration number as digits is not")
    func eNotationInUncheckedCode() throws {
        #expect(try Self.types("法人及非法人组织", ["行政相对人代码_2(工商注册号)": "4.10122198503121E+17"]).contains("excel-number"))
        // Short enough that nothing else sends the record to the full check.
        #expect(try Self.types("法人及非法人组织", ["行政相对人代码_2(工商注册号)": "4.101E+14"]).contains("excel-number"))
        #expect(try !Self.types("法人及非法人组织", ["行政相对人代码_2(工商注册号)": "410100000012345"]).contains("excel-number"))
    }

    @Test("an 18-digit ID number or credit code Excel stored as a number (15 significant digits: the last three 000) is excel-number, not a wrong check character; a number whose check character is 0 is not")
    func fifteenDigits() throws {
        #expect(try Self.types("自然人", ["证件号码": "410122198503121000"]) == ["excel-number"])
        #expect(try Self.types("法人及非法人组织", ["行政相对人代码_1(统一社会信用代码)": "914101000000000000"]) == ["excel-number"])
        #expect(try !Self.types("自然人", ["证件号码": "410122198503121231"]).contains("excel-number"))
        // Not ending in 000: a wrong check character, as before.
        #expect(try Self.types("自然人", ["证件号码": "410122198503121200"]) == ["id-number-check-character"])
    }

    @Test("a personal number in the decision key (文号, a legal person's name) is an error, the value shown hidden: the ledger keeps the key as it is; an e-mail there, or a number in a free text, stays a warning")
    func personalNumberInKey() throws {
        for (field, value) in [
            ("行政相对人名称", "郑州癸公司（老板手机15012342222）"), ("行政处罚决定书文号", "牟城管罚〔2026〕410122198503121231号"),
            ("行政相对人名称", "郑州癸公司0371-62345678"),
        ] {
            let types = try Self.types("法人及非法人组织", [field: value])
            #expect(types.contains("personal-data-in-key") && !types.contains("personal-data-in-text"), "\(value): \(types)")
        }
        let email = try Self.types("法人及非法人组织", ["行政相对人名称": "郑州癸公司（boss@example.com）"])
        #expect(!email.contains("personal-data-in-key") && email.contains("personal-data-in-text"), "\(email)")
        let text = try Self.types("法人及非法人组织", ["违法事实": "老板手机15012342222"])
        #expect(!text.contains("personal-data-in-key") && text.contains("personal-data-in-text"), "\(text)")
        // A natural person's name is part of the key too: a number in it is refused, the name shown masked.
        for name in ["孙八 13912345678", "周九410122198503121231"] {
            let (cells, testCase) = try Self.row("自然人", ["行政相对人名称": name])
            let (_, difference, issues) = try FastCheckAgreementTests.judge(cells, testCase, today: Self.today)
            #expect(difference == nil, "\(difference ?? "")")
            let refused = try #require(issues.first { $0.type == "personal-data-in-key" }, "\(name): \(issues.map(\.type))")
            #expect(!(refused.value ?? "").contains(name.prefix(2)) && !(refused.value ?? "").contains("1391234"), "\(refused.value ?? "")")
        }
        // A plain natural person's name says nothing.
        #expect(try !Self.types("自然人", ["行政相对人名称": "孙八"]).contains { $0.hasPrefix("personal-data") })
    }

    @Test("a natural person's name in free text is hidden even where nothing else would be screened; a legal person's text is left alone")
    func nameInFreeText() throws {
        let schema = try SchemaLoader.load(try #require(SchemaDocument.bundled("publication/administrative-penalty.v2.yaml"))).get()
        let rules = PublicationRules(schema)
        let facts = try #require(schema.index(of: "违法事实"))
        #expect(rules.isScreened(facts))
        func values(_ category: String) -> [String?] {
            var values = [String?](repeating: nil, count: schema.fields.count)
            values[schema.index(of: "行政相对人类别")!] = category
            values[schema.index(of: "行政相对人名称")!] = "王小明"
            return values
        }
        // No digits, no words for a phone or an address: only the name tells the screen to look.
        let text = "当事人王小明擅自占用城市道路摆摊设点，影响市容环境卫生"
        let natural = rules.screen(facts, text, values("自然人"))
        #expect(natural.text == "当事人王**擅自占用城市道路摆摊设点，影响市容环境卫生")
        #expect(natural.kinds == [.name])
        let legal = rules.screen(facts, text, values("法人及非法人组织"))
        #expect(legal.text == text && legal.kinds.isEmpty)
        let elsewhere = rules.screen(facts, "当事人擅自占用城市道路摆摊设点", values("自然人"))
        #expect(elsewhere.text == "当事人擅自占用城市道路摆摊设点" && elsewhere.kinds.isEmpty)
    }

    @Test("a minor is a subject under 18 on the decision date (the 18th birthday is adult); the ID's own errors aside")
    func minors() throws {
        let schema = try SchemaLoader.load(try #require(SchemaDocument.bundled("publication/administrative-penalty.v2.yaml"))).get()
        let rules = PublicationRules(schema)
        func values(_ id: String, _ decided: String) -> [String?] {
            var values = [String?](repeating: nil, count: schema.fields.count)
            values[schema.index(of: "行政相对人类别")!] = "自然人"
            values[schema.index(of: "证件号码")!] = id
            values[schema.index(of: "处罚决定日期")!] = decided
            return values
        }
        #expect(rules.isMinor(values("410122200811300011", "2026-11-29")) == true)
        #expect(rules.isMinor(values("410122200811300011", "2026-11-30")) == false)
        #expect(rules.isMinor(values("410122203001011239", "2026-11-30")) == nil)  // born after the decision: the ID is wrong
        var legal = values("410122200811300011", "2026-11-29")
        legal[schema.index(of: "行政相对人类别")!] = "法人及非法人组织"
        #expect(rules.isMinor(legal) == nil)
        // A decision date that cannot be read: a subject under 18 today was a minor then.
        #expect(rules.isMinor(values("410122201003154568", "2026/13/45")) == nil)
        #expect(rules.isMinor(values("410122201003154568", "2026/13/45"), today: Self.today) == true)
        #expect(rules.isMinor(values("410122198503121231", "2026/13/45"), today: Self.today) == false)
        #expect(try Self.types("自然人", ["证件号码": "410122201003154568", "处罚决定日期": "2026/13/45"]).contains("not-to-be-published"))
    }

    @Test("a natural person's text that says they are a minor (a passport holder's 备注: 未成年人，年龄16岁; 未满十八周岁) keeps the record out; 未成年人 as the object of the act, an adult's age, or a legal person's text does not")
    func minorStatedInText() throws {
        let passport = ["证件类型": "护照号", "证件号码": "E12345678"]
        for stated in [
            "未成年人，年龄16岁", "当事人系未成年人", "当事人年龄１６岁", "当事人未满十八周岁", "当事人时年十七岁", "当事人十七周岁，擅自占用城市道路",
            "当事人17岁，擅自经营", "当事人年龄 16 岁，擅自经营", "当事人（17周岁）擅自经营", "当事人为未成年人",
            // A birth date in the text, or an age after 年龄 without 岁.
            "当事人张三，男，2010年3月15日出生", "当事人（出生日期：2009年12月1日）擅自经营", "当事人年龄：16", "当事人，男，生于2010年",
            "当事人（2010.03.15生）擅自经营", "男，汉族，２０１０年３月１５日生，擅自经营", "当事人2008年12月出生",
            "当事人，女，生于二〇一〇年三月", "当事人，女，二〇一〇年三月十五日出生", "当事人生日2010年3月15日",
        ] {
            let types = try Self.types("自然人", passport.merging(["备注": stated]) { $1 })
            #expect(types.contains("not-to-be-published"), "\(stated): \(types)")
        }
        for benign in [
            "向未成年人出售烟草制品", "当事人年龄35岁", "当事人已满18周岁", "容留未成年人进入", "岁末清理", "已成年，向未成年人出售烟草",
            "向不满十八周岁的未成年人出售烟草", "销售3岁以下儿童玩具", "当事人之子12岁", "当事人雇用未满十六周岁的人员",
            "当事人张三，男，1985年3月15日出生", "出生日期：1990年1月1日", "违法行为发生于2026年11月3日", "当事人于2026年11月3日生产销售散装食品",
            "当事人年龄：35", "当事人之子2010年出生", "2026年11月3日卫生检查", "当事人2008年5月出生",
            "当事人1985年3月12日出生，雇佣童工王某，2010年3月15日出生", "受害人李某（2012年5月1日出生）", "当事人在2026年11月3日过生日",
        ] {
            let types = try Self.types("自然人", passport.merging(["违法事实": benign]) { $1 })
            #expect(!types.contains("not-to-be-published"), "\(benign): \(types)")
        }
        #expect(try !Self.types("法人及非法人组织", ["备注": "未成年人，年龄16岁"]).contains("not-to-be-published"))
    }
}

/// 信用承诺: a legal person's 承诺人代码 is a 统一社会信用代码 with its check character, and the date
/// inside 承诺编码 is 承诺作出日期.
@Suite("Commitment checks")
struct CommitmentChecksTests {
    static func types(_ changes: [String: String]) throws -> [String] {
        let schema = try SchemaLoader.load(try #require(SchemaDocument.bundled("publication/credit-commitment.v1.yaml"))).get()
        let bytes = [UInt8](try Data(contentsOf: Fixtures.url("validate/commitment/valid.csv")))
        var rows: [[String]] = []
        var scanner = CSVScanner()
        try scanner.consume(bytes) { (row: CSVRow) in rows.append(row.cells) }
        try scanner.finish { (row: CSVRow) in rows.append(row.cells) }
        let header = rows[0]
        let column = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
        var cells = try #require(rows.dropFirst().first { $0[column["承诺人类别"]!] == "法人及非法人组织" })
        for (name, value) in changes { cells[try #require(column[name])] = value }
        let testCase = FastCheckAgreementTests.Case(schema: schema, header: header, rows: [cells])
        let (_, difference, issues) = try FastCheckAgreementTests.judge(cells, testCase, today: PublicationRuleChecksTests.today)
        #expect(difference == nil, "\(difference ?? "")")
        return issues.map(\.type)
    }

    @Test("a legal person's 承诺人代码 is checked to its check character; the twin is clean")
    func creditCode() throws {
        #expect(try Self.types([:]).isEmpty)
        #expect(try Self.types(["承诺人代码": "91410100MA40Q8R26X"]).contains("credit-code-check-character"))
    }

    @Test("the date inside 承诺编码 agrees with 承诺作出日期")
    func embeddedDate() throws {
        #expect(try Self.types(["承诺编码": "41012220261121000001"]).contains("embedded-date-mismatch"))
        // The date written in another form is the same day, its code agrees or not alike.
        for written in ["2026-11-20", "2026/11/20 ", "20261120"] {
            #expect(try Self.types(["承诺作出日期": written]).allSatisfy { $0.hasPrefix("normalized-") }, "\(written)")
        }
        for written in ["2026-11-21", "2026/11/21", "20261121"] {
            #expect(try Self.types(["承诺作出日期": written]).contains("embedded-date-mismatch"), "\(written)")
        }
    }
}
