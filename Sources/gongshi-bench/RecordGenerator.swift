import DisclosureCore
import GongshiTesting

/// A deterministic generator of national-format 行政处罚 records for the benchmark: about 1 KB each,
/// a mix of 法人, 自然人 and 个体工商户, and about 2% invalid, cycling through every kind of problem.
struct RecordGenerator {
    static let header = [
        "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)", "行政相对人代码_2(工商注册号)",
        "行政相对人代码_3(组织机构代码)", "行政相对人代码_4(税务登记号)", "行政相对人代码_5(事业单位证书号)",
        "行政相对人代码_6(社会组织登记证号)", "法定代表人", "法定代表人证件类型", "法定代表人证件号码", "证件类型",
        "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容",
        "罚款金额(万元)", "没收违法所得、没收非法财物的金额(万元)", "暂扣或吊销证照名称及编号", "处罚决定日期",
        "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码", "备注",
    ]
    /// The exchange codes, in the same order, used as XML element names.
    static let codes = [
        "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_GSZC", "CF_XDR_ZZJG", "CF_XDR_SWDJ", "CF_XDR_SYDW",
        "CF_XDR_SHZZ", "CF_FRDB", "CF_FR_ZJLX", "CF_FR_ZJHM", "CF_XDR_ZJLX", "CF_XDR_ZJHM", "CF_WSH", "CF_WFXW",
        "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_NR_WFFF", "CF_NR_ZKDX", "CF_JDRQ", "CF_YXQ",
        "CF_GSJZQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM", "BZ",
    ]
    static let agency = "中牟县城市管理局"
    static let agencyCode = "11410122000000019Q"
    static let invalidEvery = 50  // 2%

    /// The problems an invalid record has, one each, in turn.
    static let problems = [
        "required-missing", "conditional-required-missing", "enum-unknown", "enum-other-text-missing",
        "credit-code-length", "credit-code-character", "credit-code-check-character", "credit-code-placeholder",
        "credit-code-category-mismatch", "org-code-invalid", "id-number-check-character", "id-number-birth-date",
        "date-invalid", "date-in-future", "date-order", "decimal-invalid", "decimal-scale", "decimal-below-minimum",
        "max-length", "format-invalid",
    ]

    private var state: UInt64
    private let codes: [String]
    private let shopCodes: [String]
    private let ids: [String]

    init(seed: UInt64) {
        state = seed
        var codes: [String] = []
        var shopCodes: [String] = []
        var ids: [String] = []
        var generator = SeededGenerator(seed: seed ^ 0x5DEECE66D)
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        for index in 0..<512 {
            let body = String((0..<8).map { _ in alphabet[Int(generator.next() % 31)] }.map { $0 == "I" ? "1" : $0 })
            let organization = body + String(OrganizationCode.checkCharacter(forBody: body) ?? "0")
            for (prefix, list) in [("91", 0), ("92", 1)] {
                let first17 = prefix + "410122" + organization
                let code = first17 + String(CreditCode.checkCharacter(forFirst17: first17) ?? "0")
                if list == 0 { codes.append(code) } else { shopCodes.append(code) }
            }
            let birth = "19\(60 + index % 40)\(String(format2: 1 + index % 12))\(String(format2: 1 + index % 28))"
            let first17 = "410122" + birth + String(format3: index % 1000)
            ids.append(first17 + String(ResidentIDNumber.checkCharacter(forFirst17: first17) ?? "0"))
        }
        self.codes = codes
        self.shopCodes = shopCodes
        self.ids = ids
    }

    /// Record `index` (0-based) as cells in `header` order, and the problem it was given, if any.
    mutating func record(_ index: Int) -> (cells: [String], problem: String?) {
        var random = SeededGenerator(seed: state &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        let kind = random.next() % 10
        let day = Int(random.next() % 600)
        let decided = Self.days[day]
        let until = Self.days[day + 365]
        var cells = [String](repeating: "", count: Self.header.count)
        func set(_ name: String, _ value: String) {
            if let column = Self.header.firstIndex(of: name) { cells[column] = value }
        }
        let pick = Int(random.next() % 512)
        switch kind {
        case 0...6:
            set("行政相对人名称", "郑州市中牟县某某商贸有限公司第\(index)分公司")
            set("行政相对人类别", "法人及非法人组织")
            set("行政相对人代码_1(统一社会信用代码)", codes[pick])
            set("法定代表人", "张伟")
        case 7...8:
            set("行政相对人名称", "李娜\(index)")
            set("行政相对人类别", "自然人")
            set("证件类型", "身份证")
            set("证件号码", ids[pick])
        default:
            set("行政相对人名称", "中牟县某某便利店\(index)")
            set("行政相对人类别", "个体工商户")
            set("行政相对人代码_1(统一社会信用代码)", shopCodes[pick])
            set("法定代表人", "王芳")
        }
        set("行政处罚决定书文号", "牟城管罚〔\(decided.prefix(4))〕\(index + 1)号")
        set("违法行为类型", "违反《郑州市城市市容和环境卫生管理条例》第二十二条第一款")
        set("违法事实", "当事人在中牟县青年路与建设路交叉口东北角擅自占用城市道路摆摊设点、店外经营，影响市容环境卫生和道路通行，"
            + "经执法人员现场检查、拍照取证并制作现场检查笔录，当事人对违法事实无异议。执法人员责令当事人立即改正，当事人已于当日改正。"
            + "本案经立案、调查、告知、审核等程序，依法作出行政处罚决定。")
        set("处罚依据", "《郑州市城市市容和环境卫生管理条例》第六十二条第一款第（三）项")
        set("处罚类别", kind % 3 == 0 ? "警告;罚款" : "罚款")
        set("处罚内容", "罚款人民币\(200 + index % 5000)元")
        set("罚款金额(万元)", "0.\(String(format4: 200 + index % 5000))")
        set("处罚决定日期", decided)
        set("处罚有效期", until)
        set("公示截止期", until)
        set("处罚机关", Self.agency)
        set("处罚机关统一社会信用代码", Self.agencyCode)
        set("数据来源单位", Self.agency)
        set("数据来源单位统一社会信用代码", Self.agencyCode)
        guard index % Self.invalidEvery == Self.invalidEvery - 1 else { return (cells, nil) }
        let problem = Self.problems[(index / Self.invalidEvery) % Self.problems.count]
        switch problem {
        case "required-missing": set("违法事实", "")
        case "conditional-required-missing": set("罚款金额(万元)", "")
        case "enum-unknown": set("处罚类别", "罚金")
        case "enum-other-text-missing": set("处罚类别", "其他")
        case "credit-code-length": set("处罚机关统一社会信用代码", "1141012200000001")
        case "credit-code-character": set("处罚机关统一社会信用代码", "11410122000000O19Q")
        case "credit-code-check-character": set("处罚机关统一社会信用代码", "11410122000000019P")
        case "credit-code-placeholder":
            set("行政相对人类别", "个体工商户"); set("行政相对人代码_1(统一社会信用代码)", "00000000000000000X")
        case "credit-code-category-mismatch":
            set("行政相对人类别", "法人及非法人组织"); set("行政相对人代码_1(统一社会信用代码)", shopCodes[pick]); set("法定代表人", "王芳")
        case "org-code-invalid": set("行政相对人代码_3(组织机构代码)", "D2143569-1")
        case "id-number-check-character":
            set("法定代表人证件类型", "身份证"); set("法定代表人证件号码", "410122198503121230")
        case "id-number-birth-date":
            set("法定代表人证件类型", "身份证"); set("法定代表人证件号码", "410122198502301230")
        case "date-invalid": set("处罚决定日期", "2026/13/01")
        case "date-in-future": set("处罚决定日期", "2027/01/05"); set("处罚有效期", "2028/01/05"); set("公示截止期", "")
        case "date-order": set("处罚有效期", "2024/01/01")
        case "decimal-invalid": set("罚款金额(万元)", "2000元")
        case "decimal-scale": set("罚款金额(万元)", "0.1234567")
        case "decimal-below-minimum": set("罚款金额(万元)", "-0.2")
        case "max-length": set("行政相对人名称", String(repeating: "城", count: 201))
        default: set("行政相对人代码_4(税务登记号)", "123")
        }
        return (cells, problem)
    }
}

extension RecordGenerator {
    /// `YYYY/MM/DD` for 1,000 days from 2025-03-01.
    static let days: [String] = CalendarDay.run(from: 2025, 3, 1, count: 1000)
}

enum CalendarDay {
    /// `count` consecutive days as `YYYY/MM/DD`.
    static func run(from year: Int, _ month: Int, _ day: Int, count: Int) -> [String] {
        var (y, m, d) = (year, month, day)
        var result: [String] = []
        for _ in 0..<count {
            result.append("\(y)/\(String(format2: m))/\(String(format2: d))")
            d += 1
            let length = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
            if d > length { d = 1; m += 1 }
            if m > 12 { m = 1; y += 1 }
        }
        return result
    }
}

extension String {
    init(format2 value: Int) { self = value < 10 ? "0\(value)" : "\(value)" }
    init(format3 value: Int) { self = Self.padded(value, 3) }
    init(format4 value: Int) { self = Self.padded(value, 4) }

    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = "\(value)"
        return String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
    }
}
