public import WorkingDayCalendar

/// What the law keeps out of publication, record by record, for one schema (domain reference
/// §3.5): a natural person's own name and address, and anyone's ID, phone and bank numbers and
/// e-mail, in free text; a minor's decision (age from the ID number's birth date at the decision
/// date); a decision the department withholds with a reason (the schema's `withhold_field`).
/// Prepared once per schema; used by validation (warnings) and by every feed (hidden, or not published).
public struct PublicationRules: Sendable {
    let naturalField: Int?
    let naturalValue: String
    let nameField: Int?
    let idField: Int?
    let dateField: Int?
    let withholdField: Int?
    /// Field names, by index (for reasons that name a field).
    let fieldNames: [String]
    /// The free-text fields screened for everything ``PersonalDataScreen`` finds (not the subject's
    /// name itself, not personal fields, which are masked whole): every one, or those a portal
    /// profile names (`screen: {fields: […]}`).
    public let screenedFields: Set<Int>
    /// The other free-text fields: ID numbers are hidden in them all the same (the law's floor,
    /// whatever a profile says).
    let idOnlyFields: Set<Int>
    /// The subject's name field (行政相对人名称): a legal person's name is published whole, but a
    /// number or e-mail address written into it (a phone number after a shop's name) is hidden as
    /// in any text; a natural person's name is masked whole by its feed column.
    let contactOnlyFields: Set<Int>
    /// What a subject's name is screened for.
    static let contactKinds: Set<PersonalDataScreen.Kind> = [.idNumber, .mobile, .landline, .bankCard, .email]

    /// A legal person's name as the ledger's readers show it (`gongshi check`, the console's
    /// 信用核查): whole, as its feeds publish it, but for the numbers and e-mail addresses they hide
    /// in it (an ID number given as the name, a phone number after a shop's name), masked.
    public static func shownSubjectName(_ name: String) -> String {
        guard name.withLentUTF8({ PersonalDataScreen.mayContain($0) }) else { return name }
        return PersonalDataScreen.screen(name, personName: nil, only: contactKinds).text
    }
    /// Every field validation looks at for personal data, in order: the free texts and the
    /// subject's name (``contactOnlyFields``).
    public let warnedFields: [Int]
    /// How findings are hidden.
    public let style: PersonalDataScreen.Style

    /// - Parameter screening: a portal feed's declaration (nil: every free-text field, masked).
    public init(_ schema: PublicationSchema, screening: TextScreening? = nil) {
        naturalField = schema.naturalPerson.flatMap { schema.index(of: $0.field) }
        naturalValue = schema.naturalPerson?.value ?? ""
        nameField = schema.subjectNameField.flatMap(schema.index(of:))
        dateField = schema.decisionDateField.flatMap(schema.index(of:))
        withholdField = schema.withholdField.flatMap(schema.index(of:))
        fieldNames = schema.fields.map(\.name)
        idField = Self.personIDField(schema)
        var text = Set<Int>()
        for (index, field) in schema.fields.enumerated() where field.kind == .text && !field.personal && index != nameField {
            text.insert(index)
        }
        if let names = screening?.fields {
            let declared = Set(names.compactMap(schema.index(of:)))
            screenedFields = text.intersection(declared)
            idOnlyFields = text.subtracting(declared)
        } else {
            screenedFields = text
            idOnlyFields = []
        }
        contactOnlyFields = nameField.map { schema.fields[$0].kind == .text ? [$0] : [] } ?? []
        warnedFields = screenedFields.union(contactOnlyFields).sorted()
        style = screening?.style ?? .mask
    }

    /// The natural person's ID: the personal identity field whose type field is not a representative's.
    static func personIDField(_ schema: PublicationSchema) -> Int? {
        schema.fields.indices.first { index in
            guard schema.fields[index].personal, case .identityDocument = schema.fields[index].check else { return false }
            return !schema.fields[index].name.hasPrefix("法定代表人")
        }
    }

    /// Whether a field's text goes through the screen at all (fully, or for ID numbers).
    public func isScreened(_ index: Int) -> Bool {
        screenedFields.contains(index) || idOnlyFields.contains(index) || contactOnlyFields.contains(index)
    }

    public func isNaturalPerson(_ values: [String?]) -> Bool {
        guard let naturalField, naturalField < values.count else { return false }
        return values[naturalField] == naturalValue
    }

    /// The natural person's own name, or nil (a legal person).
    public func personName(_ values: [String?]) -> String? {
        guard isNaturalPerson(values), let nameField, nameField < values.count else { return nil }
        return values[nameField]
    }

    /// A text field's value with the personal data in it hidden, and what was found.
    public func screen(_ index: Int, _ value: String, _ values: [String?]) -> (text: String, kinds: [PersonalDataScreen.Kind]) {
        screen(index, value) { personName(values) }
    }

    /// ``screen(_:_:_:)`` given the record's ``personName(_:)``, found once for all its fields (its
    /// natural-person field compared as a `String`, by canonical equivalence, was about 1.5% of a
    /// first run's validation, once for each screened field of each feed row).
    ///
    /// - Parameter textsClear: the record's ``ValidRecord/textsClear``: `value` is known to hold
    ///   nothing ``PersonalDataScreen/mayContain(_:)`` looks for, and that test is left out (it was
    ///   about 2% of a first run's CPU, a second time on the same bytes); the name is still looked for.
    public func screen(_ index: Int, _ value: String, personName name: String?, textsClear: Bool = false) -> (
        text: String, kinds: [PersonalDataScreen.Kind]
    ) {
        screen(index, value, textsClear: textsClear) { name }
    }

    private func screen(_ index: Int, _ value: String, textsClear: Bool = false, personName: () -> String?) -> (
        text: String, kinds: [PersonalDataScreen.Kind]
    ) {
        if idOnlyFields.contains(index) || contactOnlyFields.contains(index) {
            guard !textsClear, value.withLentUTF8({ PersonalDataScreen.mayContain($0) }) else { return (value, []) }
            return PersonalDataScreen.screen(
                value, personName: nil, only: contactOnlyFields.contains(index) ? Self.contactKinds : [.idNumber], style: style)
        }
        guard screenedFields.contains(index) else { return (value, []) }
        let name = personName()
        if textsClear, name == nil { return (value, []) }  // (nothing left to look for)
        // Most texts hold nothing: said on their bytes, before any character is made (every feed
        // row of every record comes here).
        // The person's name is looked for in the bytes too (a `String` search of Chinese text, by
        // characters, was three quarters of the screen's time); a name's bytes inside the text are
        // where the character search starts, so nothing it would find is missed.
        let may = value.withLentUTF8 { text in
            (!textsClear && PersonalDataScreen.mayContain(text))
                || (name.map { name in name.count >= 2 && name.withLentUTF8 { Bytes.contains(text, $0) } } ?? false)
        }
        guard may else { return (value, []) }
        return PersonalDataScreen.screen(value, personName: name, style: style)
    }

    /// Whether the subject was under 18 on the decision date, by the birth date in an 18- or
    /// 15-digit resident ID number (other documents: not known, nil).
    ///
    /// - Parameter today: when the decision date cannot be read, the latest day it can be (a
    ///   subject under 18 today was under 18 then); nil: not known.
    public func isMinor(_ values: [String?], today: CalendarDate? = nil) -> Bool? {
        guard isNaturalPerson(values), let idField, idField < values.count, let id = values[idField], let birth = Self.birthDate(id) else {
            return nil
        }
        let written = dateField.flatMap { $0 < values.count ? values[$0] : nil }.flatMap { try? CalendarDate.parse($0) }
        guard let decided = written ?? today else { return nil }
        guard birth <= decided else { return nil }  // a birth date after the decision is the ID's error, reported as such
        let eighteenth = CalendarDate(year: birth.year + 18, month: birth.month, day: min(birth.day, CalendarDate.daysInMonth(year: birth.year + 18, month: birth.month)))
        return eighteenth.map { decided < $0 }
    }

    /// The free-text field of a natural person's record that says the person is a minor (未成年人,
    /// 未满十八周岁, 年龄16岁 …), or nil: their ID is not always a resident ID whose birth date tells
    /// (a passport, a 港澳 permit), and when in doubt the record is not published (domain reference
    /// §3.5: not published when 被处罚人是未成年人). 未成年人 as the object of the act (向未成年人出售,
    /// 容留未成年人) is not about the subject.
    ///
    /// A birth date written in the text (2010年3月15日出生, 出生日期：2009年12月1日, 生于2010年) is a
    /// minor's when the person was under 18 on the decision date (or, that date unreadable, on
    /// `today`); a year alone, when they can have been (under 18 at the end of that year's
    /// decision: 18 years or less apart).
    public func minorStated(_ values: [String?], today: CalendarDate? = nil) -> String? {
        guard isNaturalPerson(values) else { return nil }
        let decided = dateField.flatMap { $0 < values.count ? values[$0] : nil }.flatMap { try? CalendarDate.parse($0) } ?? today
        for index in screenedFields.union(idOnlyFields).sorted() where index < values.count {
            // Its words looked for in the bytes first: most texts have neither (the characters are
            // made only then; every feed row of a natural person comes here).
            guard let text = values[index],
                text.withLentUTF8({ Bytes.mayStateMinor($0) }),
                MinorMention.found(in: text, decided: decided)
            else { continue }
            return fieldNames[index]
        }
        return nil
    }

    /// The birth date in a resident ID number (18 digits: YYYYMMDD at 7–14; 15 digits: YYMMDD, 19YY).
    public static func birthDate(_ id: String) -> CalendarDate? {
        let digits = Array(id.utf8)
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in digits[range] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        switch digits.count {
        case 18:
            guard let year = number(6..<10), let month = number(10..<12), let day = number(12..<14) else { return nil }
            return CalendarDate(year: year, month: month, day: day)
        case 15:
            guard let year = number(6..<8), let month = number(8..<10), let day = number(10..<12) else { return nil }
            return CalendarDate(year: 1900 + year, month: month, day: day)
        default:
            return nil
        }
    }

    /// Why this record must not be published at all, or nil.
    ///
    /// - Parameter today: for a record whose decision date cannot be read (an invalid record): its
    ///   subject still under 18 today was a minor on any day it can have been decided.
    public func reasonNotToPublish(_ values: [String?], today: CalendarDate? = nil) -> String? {
        if isMinor(values, today: today) == true { return "被处罚人或相对人作出决定时未满 18 周岁（未成年人），依法不予公示" }
        if let field = minorStated(values, today: today) {
            return "\(field)写明当事人是未成年人（或未满 18 周岁），依法不予公示；如当事人已成年，请更正该记录后重新报送"
        }
        if let withholdField, withholdField < values.count, let reason = values[withholdField], !reason.isEmpty {
            return "部门标注不予公示：\(PersonalDataScreen.screen(reason, personName: personName(values)).text)"
        }
        return nil
    }
}

/// Which free-text fields of a feed are screened for personal data, and how what is found is
/// hidden: a portal profile's `screen:`. ID numbers are hidden in every free-text field whatever
/// it says (domain reference §3.5: no ID number is ever published).
public struct TextScreening: Sendable, Equatable {
    /// The fields screened for everything; nil: every free-text field.
    public var fields: [String]?
    public var style: PersonalDataScreen.Style

    public init(fields: [String]? = nil, style: PersonalDataScreen.Style = .mask) {
        self.fields = fields
        self.style = style
    }
}

/// Words in a text that say its subject is a minor.
enum MinorMention {
    /// Words earlier in the same clause that make a minor the object of the act or someone else
    /// (向未成年人出售, 容留不满十八周岁的…, 其子12岁), not the subject.
    static let objectMarkers: [String] = [
        "向", "对", "给", "与", "让", "允许", "容留", "招用", "雇用", "雇佣", "使用", "组织", "引诱", "教唆", "胁迫", "强迫",
        "出售", "销售", "售予", "接纳", "禁止", "吸收", "招收", "介绍", "其子", "其女", "之子", "之女", "儿子", "女儿", "孩子", "子女", "学生", "顾客",
        "受害人", "被害人", "证人", "举报人", "投诉人", "童工",
    ]
    /// What ends a clause.
    static let clauseEnds: Set<Character> = ["，", ",", "。", "；", ";", "！", "!", "？", "?", "\n"]

    /// Whether `text` says its subject is a minor: 未成年, or an age under 18 (`16岁`, `十七周岁`,
    /// `年龄 16 岁`), or 未满/不满/不足 18 (or less) 周岁 — unless a word earlier in its clause makes
    /// the minor someone else (``objectMarkers``).
    ///
    /// - Parameter decided: the decision date, for a birth date in the text (``bornMinor``); nil: a
    ///   birth date says nothing.
    static func found(in text: String, decided: CalendarDate? = nil) -> Bool {
        let characters = Array(text)
        var clauseStart = 0
        func aboutSomeoneElse(before index: Int) -> Bool {
            let clause = String(characters[clauseStart..<index])
            return objectMarkers.contains { clause.contains($0) }
        }
        var index = 0
        var birthDateRead = false
        while index < characters.count {
            let character = characters[index]
            if clauseEnds.contains(character) { clauseStart = index + 1 }
            if character == "未", index + 2 < characters.count, characters[index + 1] == "成", characters[index + 2] == "年" {
                if !aboutSomeoneElse(before: index) { return true }
                index += 3
                continue
            }
            // A birth date: before 出生 or 生 (2010年3月15日出生, （2010.03.15生）), or after 出生日期,
            // 出生于, 生于; and an age after 年龄 without 岁 (年龄：16).
            // (The first birth date about the subject decides: a later one is someone else's, 雇佣童工王某，2010年…出生.)
            if character == "生", let decided, !birthDateRead, !aboutSomeoneElse(before: index),
                let minor = bornMinor(before: characters[clauseStart..<index], after: characters[(index + 1)...], decided: decided)
            {
                if minor { return true }
                birthDateRead = true
            }
            if character == "龄", index > clauseStart, characters[index - 1] == "年", !aboutSomeoneElse(before: index) {
                var at = index + 1
                while at < characters.count, " \u{3000}：:为是".contains(characters[at]) { at += 1 }
                var end = at
                while end < characters.count, end - at < 3, numeral(characters[end]) != nil { end += 1 }
                if end > at, let age = number(characters[at..<end]), age < 18 { return true }
            }
            if character == "岁" {
                // The number before it (digits, full-width digits or Chinese numerals), over an
                // optional 周 and blanks.
                var end = index
                while end > clauseStart, characters[end - 1] == " " || characters[end - 1] == "\u{3000}" { end -= 1 }
                if end > clauseStart, characters[end - 1] == "周" { end -= 1 }
                while end > clauseStart, characters[end - 1] == " " || characters[end - 1] == "\u{3000}" { end -= 1 }
                var start = end
                while start > clauseStart, numeral(characters[start - 1]) != nil { start -= 1 }
                if start < end, let age = number(characters[start..<end]) {
                    var before = start
                    while before > clauseStart, characters[before - 1] == " " || characters[before - 1] == "\u{3000}" { before -= 1 }
                    let preceding = String(characters[max(clauseStart, before - 2)..<before])
                    let under = ["未满", "不满", "不足"].contains { preceding.hasSuffix($0) }
                    // (3岁以下儿童, 6岁以上: an age that describes goods or others.)
                    let after = String(characters[(index + 1)..<min(characters.count, index + 3)])
                    let describes = ["以下", "以上", "儿童", "幼儿", "婴"].contains { after.hasPrefix($0) }
                    if (under ? age <= 18 : age < 18), !describes, !aboutSomeoneElse(before: start) { return true }
                }
            }
            index += 1
        }
        return false
    }

    /// Whether a birth date next to a 生 makes the person under 18 on `decided`: the date written
    /// before 出生 (`2010年3月15日出生`), or before a 生 that ends its words (`2010.03.15生）`,
    /// `2010年3月15日生，汉族`; not `…日生产`), or after 出生 (`出生日期：2009年12月1日`, `出生于2010年`)
    /// or a 生于 that begins its words (`男，生于2010年`; not `发生于`). Day, month or year precision:
    /// under 18 on the day, in the month, or 18 years or less apart (in doubt, a minor).
    /// - Returns: nil when no birth date is written there.
    static func bornMinor(before: ArraySlice<Character>, after: ArraySlice<Character>, decided: CalendarDate) -> Bool? {
        let born = before.last == "出"
        let endsWords = after.first.map { !Self.isHan($0) } ?? true
        /// Year, and month and day when written.
        func written(_ match: Regex<(Substring, Substring, Substring?, Substring?)>.Match?) -> [Int]? {
            match.map { [Int($0.1), $0.2.flatMap { Int($0) }, $0.3.flatMap { Int($0) }].compactMap { $0 } }
        }
        var parts: [Int] = []
        if born || endsWords, let found = written(try? Self.dateBefore.firstMatch(in: arabic((born ? before.dropLast() : before).suffix(24)))) {
            parts = found
        } else if born || after.first == "日" || (after.first == "于" && (before.last.map { !Self.isHan($0) || "男女人".contains($0) } ?? true)),
            let found = written(try? Self.dateAfter.firstMatch(in: arabic(after.prefix(28))))
        {
            parts = found
        }
        guard let year = parts.first, year > 1900 else { return nil }
        guard year <= decided.year else { return false }
        if parts.count >= 3, let birth = CalendarDate(year: year, month: parts[1], day: parts[2]) {
            guard birth <= decided else { return false }
            let day = min(birth.day, CalendarDate.daysInMonth(year: year + 18, month: birth.month))
            return CalendarDate(year: year + 18, month: birth.month, day: day).map { decided < $0 } ?? false
        }
        if parts.count == 2, (1...12).contains(parts[1]) {
            return (decided.year - year) * 12 + decided.month - parts[1] <= 18 * 12
        }
        return decided.year - year <= 18
    }

    /// The text with its digits as ASCII and its Chinese numerals as numbers: a year digit by
    /// digit (二〇一〇 → 2010), a month or a day with 十 as its value (十五 → 15, 三 → 3).
    static func arabic(_ characters: some Collection<Character>) -> String {
        var out = ""
        var run: [Character] = []
        func flush() {
            guard !run.isEmpty else { return }
            if run.contains("十") {
                out += number(run[...]).map(String.init) ?? String(run)
            } else {
                out += String(run.map { Character(String(numeral($0) ?? 0)) })
            }
            run = []
        }
        for c in characters {
            if "〇零一二三四五六七八九十".contains(c) {
                run.append(c)
                continue
            }
            flush()
            if let digit = c.wholeNumberValue, digit < 10 { out.append(Character(String(digit))) } else { out.append(c) }
        }
        flush()
        return out
    }

    static func isHan(_ character: Character) -> Bool { PersonalDataScreen.isHan(character) }

    /// A date at the end of the text before 生: 2010年3月15日, 2010.03.15, 2010-3, 2010年.
    nonisolated(unsafe) static let dateBefore = /(\d{4})\s*[年.\/-]\s*(?:(\d{1,2})\s*[月.\/-]?\s*(?:(\d{1,2})\s*[日号]?)?)?\s*$/
    /// A date at the start of the text after 生: 日期：2009年12月1日, 于2010年3月, 年月：2010.3.
    nonisolated(unsafe) static let dateAfter = /^(?:日期|年月日|年月|于|时间|日)?\s*[：:为是]?\s*(\d{4})\s*[年.\/-]?\s*(?:(\d{1,2})\s*[月.\/-]?\s*(?:(\d{1,2})\s*[日号]?)?)?/

    static func numeral(_ character: Character) -> Int? {
        if let digit = character.wholeNumberValue, digit < 10 { return digit }  // ASCII and full-width digits
        return "〇零一二三四五六七八九十".firstIndex(of: character).map { "〇零一二三四五六七八九十".distance(from: "〇零一二三四五六七八九十".startIndex, to: $0) }
            .map { [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10][$0] }
    }

    /// Digits (`16`, `１６`) or Chinese numerals up to 99 (`十六`, `二十`, `十`).
    static func number(_ characters: ArraySlice<Character>) -> Int? {
        let values = characters.compactMap(numeral)
        guard values.count == characters.count, !values.isEmpty, values.count <= 3 else { return nil }
        if characters.allSatisfy({ $0.wholeNumberValue != nil && !"〇零一二三四五六七八九十".contains($0) }) {
            return values.reduce(0) { $0 * 10 + $1 }
        }
        // Chinese: 十六 = 16, 二十 = 20, 二十一 = 21, 十 = 10, 七 = 7.
        if let ten = values.firstIndex(of: 10) {
            let tens = ten == 0 ? 1 : values[0]
            let ones = ten + 1 < values.count ? values[ten + 1] : 0
            return tens * 10 + ones
        }
        return values.count == 1 ? values[0] : nil
    }
}
