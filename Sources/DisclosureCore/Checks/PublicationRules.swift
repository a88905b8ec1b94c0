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
        // The natural person's ID: the personal identity field whose type field is not a representative's.
        idField = schema.fields.indices.first { index in
            guard schema.fields[index].personal, case .identityDocument = schema.fields[index].check else { return false }
            return !schema.fields[index].name.hasPrefix("法定代表人")
        }
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
    public func isMinor(_ values: [String?]) -> Bool? {
        guard isNaturalPerson(values), let idField, idField < values.count, let id = values[idField],
            let birth = Self.birthDate(id), let dateField, let text = values[dateField], let decided = try? CalendarDate.parse(text)
        else { return nil }
        guard birth <= decided else { return nil }  // a birth date after the decision is the ID's error, reported as such
        let eighteenth = CalendarDate(year: birth.year + 18, month: birth.month, day: min(birth.day, CalendarDate.daysInMonth(year: birth.year + 18, month: birth.month)))
        return eighteenth.map { decided < $0 }
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
    public func reasonNotToPublish(_ values: [String?]) -> String? {
        if isMinor(values) == true { return "被处罚人或相对人作出决定时未满 18 周岁（未成年人），依法不予公示" }
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
