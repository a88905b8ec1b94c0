import DisclosureCore
import Testing
import WorkingDayCalendar

/// An ID or phone number split by any space, a dash or a dot is hidden and warned about as one split
/// by an ASCII space or a hyphen is, and the byte pre-screen sends it to the screen; a number split
/// by invisible characters (a zero-width space), which normalization takes out, is hidden in a
/// value echoed as it was written, whatever normalization warning echoes it.
@Suite("Personal data: numbers split by other spaces, dashes, dots and invisible characters")
struct SplitNumberScreenTests {
    /// Every space of Unicode's Zs category and a tab; the dashes and dots people put between groups.
    static let separators: [String] = [
        "\u{00A0}", "\u{202F}", "\u{2009}", "\u{2007}", "\t", "\u{1680}", "\u{2000}", "\u{2002}", "\u{2003}", "\u{200A}", "\u{205F}",
        "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2015}", "·", "•", "・", "．",
        "\u{2212}", "\u{00AD}", "\u{FE58}", "\u{FE63}", "…", "\u{2044}", "\u{2027}", "\u{FF65}",
    ]

    static func mayContain(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBufferPointer { PersonalDataScreen.mayContain($0) }
    }

    static func escaped(_ text: String) -> String {
        text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? String($0) : "\\u{\(String($0.value, radix: 16))}" }.joined()
    }

    @Test("an ID number and a mobile split by the separator are hidden whole, as their kind, and the pre-screen sends them on", arguments: separators)
    func splitNumberHidden(separator: String) {
        for (number, kind) in [
            ("410122\(separator)19850312\(separator)1231", PersonalDataScreen.Kind.idNumber),
            ("138\(separator)0013\(separator)8000", .mobile),
            ("410122\(separator)1985\(separator)0312\(separator)1231", .idNumber),
            ("0371\(separator)6234\(separator)5678", .landline),
        ] {
            let text = "经营者身份证\(number)擅自占道"
            let (shown, kinds) = PersonalDataScreen.screen(text, personName: nil)
            #expect(kinds == [kind], "\(Self.escaped(text)): \(kinds)")
            #expect(shown == "经营者身份证" + String(repeating: "*", count: number.count) + "擅自占道", "\(Self.escaped(shown))")
            #expect(Self.mayContain(text), "\(Self.escaped(text))")
        }
    }

    @Test("a date, an amount, a standard's number written with these separators are left as they are", arguments: separators)
    func benignTwins(separator: String) {
        for text in ["2026\(separator)11\(separator)10", "罚款2\(separator)000元", "GB 5749\(separator)2006", "2019\(separator)2026 年度", "文号 2026\(separator)0312\(separator)1234"] {
            #expect(PersonalDataScreen.scan(text, personName: nil).isEmpty, "\(Self.escaped(text))")
        }
    }

    /// The invisible characters normalization removes (``TextNormalizer``), between a number's digits.
    static let invisibles = ["\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}", "\u{FEFF}", "\u{202E}", "\u{2066}"]

    @Test("a number with invisible characters inside is found as the normalized text's is, and hidden with them", arguments: invisibles)
    func invisibleInside(invisible: String) throws {
        for (number, kind) in [
            ("410122\(invisible)19850312\(invisible)1231", PersonalDataScreen.Kind.idNumber),
            ("138\(invisible)0013\(invisible)8000", .mobile),
            // (A single run once they are out: a card's 16 digits in no groups of four.)
            ("6222021234\(invisible)567890", .bankCard),
            ("4101221985\(invisible)\(invisible)\(invisible)03121231", .idNumber),
        ] {
            let text = "经营者\(number)擅自占道"
            let (shown, kinds) = PersonalDataScreen.screen(text, personName: nil)
            #expect(kinds == [kind], "\(Self.escaped(text)): \(kinds)")
            #expect(shown == "经营者" + String(repeating: "*", count: number.count) + "擅自占道", "\(Self.escaped(shown))")
            #expect(Array(text.utf8).withUnsafeBufferPointer { PersonalDataScreen.mayContainAsWritten($0) })
            // An echo of the value as written hides it.
            let echoed = DisclosureCore.Issue.screened(text)
            #expect(!echoed.unicodeScalars.contains { ("0"..."9").contains($0) }, "\(Self.escaped(echoed))")
        }
        // Words split so too: 住址 with a zero-width space inside is still 住址.
        #expect(PersonalDataScreen.scan("当事人住\(invisible)址河南省郑州市金水区某路88号", personName: nil).map(\.kind) == [.address])
    }

    /// A schema of one free text and one code column (a registration number that no check digit guards).
    static func validator() throws -> RecordValidator {
        var facts = FieldSpec(name: "违法事实", kind: .text)
        facts.required = true
        var code = FieldSpec(name: "工商注册号", kind: .code)
        code.maxLength = 40
        var decided = FieldSpec(name: "决定日期", kind: .date)
        decided.required = true
        let schema = PublicationSchema(
            id: "test", version: 1, title: "测试", aliases: [], decisionDateField: "决定日期", duplicateKey: [], fields: [facts, code, decided])
        return try RecordValidator(schema: schema, today: CalendarDate.parse("2026-12-07"))
    }

    /// The digits a value reads as once everything but digits is taken out (full-width digits as ASCII).
    static func digits(_ text: String) -> String {
        String(text.unicodeScalars.compactMap { scalar -> Character? in
            if ("0"..."9").contains(scalar) { return Character(scalar) }
            if (0xFF10...0xFF19).contains(scalar.value) { return Character(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!) }
            return nil
        })
    }

    @Test("every normalization warning echoes its value with the number hidden: whitespace, width, case, Excel's text guard and apostrophe")
    func normalizationEchoesMasked() throws {
        let validator = try Self.validator()
        let cells: [[String?]] = [
            // normalized-whitespace: a zero-width space inside an ID number, a phone number.
            ["经营者410122\u{200B}198503121231擅自占道", nil, "2026/12/01"],
            ["经营者电话138\u{200B}0013\u{200B}8000擅自占道 ", nil, "2026/12/01"],
            // normalized-whitespace, normalized-width, normalized-case in a code column.
            ["擅自占道", "４１０１２２\u{200B}１９８５０３１２１２３ｘ", "2026/12/01"],
            ["擅自占道", " 41012219850312123x", "2026/12/01"],
            // Excel's text guard and apostrophe around a number split by a zero-width space.
            ["擅自占道", "=\"410122\u{200B}198503121231\"", "2026/12/01"],
            ["擅自占道", "'138\u{200B}00138000", "2026/12/01"],
            ["擅自占道", nil, "\u{200B}2026/12/01"],
        ]
        var types: Set<String> = []
        for row in cells {
            let result = validator.check(row)
            for issue in result.issues {
                types.insert(issue.type)
                for text in [issue.value ?? "", issue.message.zh, issue.message.en] {
                    let read = Self.digits(text)
                    #expect(!read.contains("19850312") && !read.contains("00138000"), "\(issue.type): \(Self.escaped(text))")
                }
            }
        }
        #expect(types.isSuperset(of: ["normalized-whitespace", "normalized-width", "normalized-case", "excel-text-guard", "excel-apostrophe"]), "\(types)")
    }

    @Test("the whitespace warning says where it took characters out: at the ends, or inside the value")
    func whitespaceWarningSaysWhere() throws {
        let validator = try Self.validator()
        func warning(_ facts: String) -> DisclosureCore.Issue? {
            validator.check([facts, nil, "2026/12/01"]).issues.first { $0.type == "normalized-whitespace" }
        }
        let inside = try #require(warning("经营者410122\u{200B}198503121231擅自占道"))
        let ends = try #require(warning(" 擅自占道\u{3000}"))
        let atEnd = try #require(warning("擅自占道\u{200B}"))
        #expect(!inside.message.zh.contains("首尾") && inside.message.zh.contains("中间"), "\(inside.message.zh)")
        #expect(ends.message.zh.contains("首尾空白") && !ends.message.zh.contains("不可见"), "\(ends.message.zh)")
        #expect(atEnd.message.zh.contains("首尾") && !atEnd.message.zh.contains("中间"), "\(atEnd.message.zh)")
    }
}
