import DisclosureCore
import Testing

/// Other people's names in a record's texts — a witness, the complainant, a victim, a guardian —
/// are hidden, their first character kept (domain reference §3.5; 浙江《公共信用信息公示暂行办法》第七条
/// [secondary]: 他人姓名), whoever the record is about; words after a role word that are no name
/// (证人证言、举报人反映、受害人家属) and a legal person's representative are left as they are.
@Suite("Personal data: other persons' names")
struct OtherPersonNameScreenTests {
    /// Each text with the name as written in it and as it is shown.
    static let named: [(text: String, name: String, shown: String)] = [
        ("经证人张三证实，当事人擅自占道经营", "张三", "张*"),
        ("证人：王小明称当事人占道", "王小明", "王**"),
        ("举报人李四反映该店夜间施工", "李四", "李*"),
        ("投诉人赵某某称噪声扰民", "赵某某", "赵**"),
        ("致受害人刘强受轻微伤", "刘强", "刘*"),
        ("被害人欧阳娜娜报警", "欧阳娜娜", "欧***"),
        ("其监护人陈红到场", "陈红", "陈*"),
        ("委托代理人孙立签字", "孙立", "孙*"),
        ("据报案人周杰，车辆停放", "周杰", "周*"),
    ]

    @Test("a name after a role word is hidden, its first character kept, in any record; the fast path sends the text to the screen")
    func namesHidden() {
        for (text, name, shown) in Self.named {
            for person in [nil, "钱多多"] as [String?] {
                let (screened, kinds) = PersonalDataScreen.screen(text, personName: person)
                #expect(kinds == [.otherPerson], "\(text): \(kinds)")
                #expect(screened == text.replacing(name, with: shown), "\(text) → \(screened)")
            }
            #expect(Array(text.utf8).withUnsafeBufferPointer { PersonalDataScreen.mayContain($0) }, "\(text)")
            // Labelled screens keep the name's shape too (a label would say whose part it was not).
            #expect(PersonalDataScreen.screen(text, personName: nil, style: .label).text == text.replacing(name, with: shown))
        }
    }

    static let unnamed = [
        "证人证言、询问笔录等证据证实", "举报人反映情况属实", "受害人家属到场", "投诉人于2026年11月3日投诉", "法定代表人张三", "负责人李四签字",
        "当事人王五擅自占道", "人民币2000元", "证人2名",
    ]

    @Test("no name after the role word, or a published part (法定代表人、负责人、当事人): nothing hidden", arguments: unnamed)
    func notNames(text: String) {
        #expect(PersonalDataScreen.scan(text, personName: nil).isEmpty, "\(text)")
    }

    @Test("in a record's 违法事实 a witness's name is a warning, found on the fast path as on the full check, and hidden in the message")
    func throughValidation() throws {
        for (text, name, _) in Self.named {
            let (cells, testCase) = try PublicationRuleChecksTests.row("法人及非法人组织", ["违法事实": text])
            let (_, difference, issues) = try FastCheckAgreementTests.judge(cells, testCase, today: PublicationRuleChecksTests.today)
            #expect(difference == nil, "\(text): \(difference ?? "")")
            let warning = issues.first { $0.type == "personal-data-in-text" }
            #expect(warning?.message.zh.contains(PersonalDataScreen.Kind.otherPerson.rawValue) == true, "\(text): \(issues.map(\.type))")
            #expect(warning.map { !($0.value ?? "").contains(name) } == true, "\(warning?.value ?? "")")
        }
    }

    /// QQ numbers, WeChat IDs and documents' numbers after the word for them, with what is hidden.
    static let accounts: [(text: String, hidden: String, kind: PersonalDataScreen.Kind)] = [
        ("当事人QQ号123456789，多次", "123456789", .account), ("微信号zhang_san_1985联系", "zhang_san_1985", .account),
        ("微信：wxid_abcdef", "wxid_abcdef", .account), ("护照E12345678，入境", "E12345678", .document),
        ("港澳通行证H12345678", "H12345678", .document), ("证件号码：EA1234567", "EA1234567", .document),
        ("护照（E12345678）入境", "E12345678", .document), ("微信(zs1985)联系", "zs1985", .account), ("微信号“zs1985”", "zs1985", .account),
        ("证件号码E 1234 5678，", "E 1234 5678", .document),
        // A WeChat ID after its Latin names, as a word of its own.
        ("当事人vx：zhangsan88联系", "zhangsan88", .account), ("加VX zs_1985", "zs_1985", .account), ("WeChat: li-si-2020。", "li-si-2020", .account),
        ("wx号abcdef", "abcdef", .account), ("微信/weixin：wangwu01", "wangwu01", .account), ("加V信 abc12345联系", "abc12345", .account),
    ]

    @Test("a QQ number, a WeChat ID or a document's number after the word for it is hidden, found on the fast path")
    func accountsHidden() {
        for (text, hidden, kind) in Self.accounts {
            let (screened, kinds) = PersonalDataScreen.screen(text, personName: nil)
            #expect(kinds == [kind], "\(text): \(kinds)")
            #expect(screened == text.replacing(hidden, with: String(repeating: "*", count: hidden.count)), "\(text) → \(screened)")
            #expect(Array(text.utf8).withUnsafeBufferPointer { PersonalDataScreen.mayContain($0) }, "\(text)")
        }
        for benign in [
            "情节轻微", "微信公众号发布", "QQ群", "护照过期", "通行证编号缺失", "营业执照证件号91410100MA40Q8R26R",
            "证件号为JY14101220012345（食品经营许可证）", "建筑垃圾运输通行证号ZM2026110123",
            // Latin words and codes that hold vx or wx, and a WeChat word with no ID after it.
            "GBvx2026标准", "型号WX2000A设备", "wxyz", "vx", "WeChat群", "通过WeChat联系",
        ] {
            #expect(PersonalDataScreen.scan(benign, personName: nil).isEmpty, "\(benign)")
        }
    }

    /// Several names, a name after 为 or 系 or in quotes or brackets, a name before the role's own
    /// verb: each hidden, and only the name.
    static let shapes: [(text: String, shown: String)] = [
        ("证人张三、李四证实", "证人张*、李*证实"), ("证人张三和李四证实", "证人张*和李*证实"), ("证人张三及李四", "证人张*及李*"),
        ("证人刘德华、张学友在场", "证人刘**、张**在场"), ("举报人为张三", "举报人为张*"), ("举报人系李四", "举报人系李*"),
        ("举报人“李四”反映", "举报人“李*”反映"), ("证人（张三）证实", "证人（张*）证实"), ("经举报人王五举报", "经举报人王*举报"),
        ("投诉人张三投诉", "投诉人张*投诉"), ("举报人张三来电", "举报人张*来电"), ("投诉人张三要求赔偿", "投诉人张*要求赔偿"),
        ("证人张三证实当事人在某某区经营", "证人张*证实当事人在某某区经营"), ("代理人张三律师到场", "代理人张*律师到场"),
    ]

    /// Words after a role word that are no one's name: common words that begin with a surname's
    /// character, organizations and places.
    static let notPersons = [
        "证人陈述", "被害人陈述属实", "举报人曾多次举报", "举报人方面", "投诉人车辆被损", "受害人安全", "证人高度一致", "证人周边居民",
        "证人严重不实", "证人马上到场", "受害人金额损失", "投诉人郑州市某某物业服务有限公司反映", "被侵权人郑州宇通客车股份有限公司",
        "投诉人金水区居民", "举报人管城区某某商行", "被侵权人安阳某某公司", "投诉人许昌某某公司", "投诉人房屋墙体开裂", "代理人权限为特别授权",
        "投诉人楼下的餐馆油烟直排", "举报人张贴的照片", "证人马路对面的商户", "举报人文件材料已归档", "投诉人万分不满",
    ]

    @Test("several names, names in quotes or after 为, names before the role's verb are hidden, only the names; common words, organizations and places after a role word are not")
    func shapesAndNotPersons() {
        for (text, shown) in Self.shapes {
            #expect(PersonalDataScreen.screen(text, personName: nil).text == shown, "\(text)")
            #expect(Array(text.utf8).withUnsafeBufferPointer { PersonalDataScreen.mayContain($0) }, "\(text)")
        }
        for text in Self.notPersons {
            #expect(PersonalDataScreen.scan(text, personName: nil).isEmpty, "\(text): \(PersonalDataScreen.screen(text, personName: nil).text)")
        }
    }
}
