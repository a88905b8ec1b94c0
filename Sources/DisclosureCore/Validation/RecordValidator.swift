public import WorkingDayCalendar

/// The outcome of checking one record: its normalized values and every problem found.
public struct RecordCheck: Sendable {
    /// Normalized values by field index; `nil` when the column is absent or the cell empty.
    public let values: [String?]
    /// Problems without a file or row; the caller places them.
    public let issues: [Issue]

    /// Whether any problem is an error (the record cannot be published).
    public var hasErrors: Bool { issues.contains { $0.severity == .error } }
}

/// Checks one record against a publication schema: normalization first (each change a warning),
/// then requiredness, conditions, lengths, enumerations, dates, amounts and code checks. Every
/// problem is collected; the check never stops at the first one.
///
/// Pure: today is a value, and nothing is read or written.
public struct RecordValidator {
    public let schema: PublicationSchema
    public let today: CalendarDate
    /// The file is a workbook that counts dates in the 1904 date system (``ExcelQuirks/date(fromSerial:date1904:)``).
    public var serialsFrom1904 = false
    private let patterns: [String: Regex<AnyRegexOutput>]
    /// Enumeration values, longest first, so that a value containing a separator (没收违法所得、没收非法财物)
    /// is matched whole before the cell is split.
    private let valuesLongestFirst: [[String]]
    /// Each field's separators as bytes, for splitting multi-valued cells.
    private let separators: [[[UInt8]]]
    private let indexByName: [String: Int]
    /// Personal data in free text, minors, withheld decisions.
    private let rules: PublicationRules
    /// The fields of the decision key (文号, 名称): the ledger keeps them as they are.
    private let keyFields: Set<Int>
    /// The decision number (文号, the key's first field): its full-width digits and Latin letters
    /// are made half-width (``TextNormalizer/halfWidthAlphanumerics(_:)``), so that one decision
    /// written 〔２０２６〕１号 in one export and 〔2026〕1号 in the next is one key, not two
    /// publications.
    private let numberField: Int?

    /// - Throws: ``SchemaProblem`` when a pattern in the schema is not a valid regular expression.
    public init(schema: PublicationSchema, today: CalendarDate) throws(SchemaProblem) {
        self.schema = schema
        self.today = today
        self.rules = PublicationRules(schema)
        self.keyFields = Set(schema.duplicateKey.compactMap(schema.index(of:)))
        self.numberField = schema.duplicateKey.first.flatMap(schema.index(of:))
        self.indexByName = Dictionary(schema.fields.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        var patterns: [String: Regex<AnyRegexOutput>] = [:]
        for field in schema.fields {
            for pattern in Self.patterns(of: field) where patterns[pattern] == nil {
                do {
                    patterns[pattern] = try Regex(pattern)
                } catch {
                    throw SchemaProblem(field: field.name, message: "“\(pattern)”不是有效的正则表达式：\(error)")
                }
            }
        }
        self.patterns = patterns
        self.valuesLongestFirst = schema.fields.map { $0.values.sorted { $0.utf8.count > $1.utf8.count } }
        self.separators = schema.fields.map { $0.separators.map { Array($0.utf8) } }
    }

    /// The regular expressions a field uses.
    static func patterns(of field: FieldSpec) -> [String] {
        switch field.check {
        case .pattern(let pattern, _): [pattern]
        case .identityDocument(_, let formats):
            formats.values.compactMap { if case .pattern(let p) = $0 { p } else { nil } }
        default: []
        }
    }

    /// Checks one record.
    ///
    /// - Parameter cells: the raw cell text by field index; `nil` for a field whose column is absent.
    public func check(_ cells: [String?]) -> RecordCheck {
        var issues: [Issue] = []
        var values: [String?] = []
        values.reserveCapacity(schema.fields.count)
        // Fields are read in place (`fields[index]` through the buffer), not copied: a FieldSpec
        // copy retains a dozen strings and arrays, measured at ~10% of this function.
        return schema.fields.withUnsafeBufferPointer { fields in
            for index in fields.indices {
                let raw = index < cells.count ? cells[index] : nil
                let value = raw.map { normalize($0, fields[index], number: index == numberField, &issues) }
                values.append(value?.isEmpty == false ? value : nil)
            }
            let record = Record(
                schema: schema, values: values, valuesLongestFirst: valuesLongestFirst, separators: separators,
                indexByName: indexByName)
            for index in fields.indices {
                guard let value = values[index] else {
                    requireIfNeeded(fields[index], record, &issues)
                    continue
                }
                // Lengths count Unicode scalars (code points), as database columns do; a value no
                // longer in bytes than the limit is within it.
                if let maxLength = fields[index].maxLength, value.utf8.count > maxLength {
                    let length = value.unicodeScalars.count
                    if length > maxLength {
                        issues.append(.init(
                            "max-length", field: fields[index], value: value,
                            zh: "长度为 \(length) 个字符，超过上限 \(maxLength) 个字符",
                            en: "\(length) characters, more than the limit of \(maxLength)"))
                    }
                }
                switch fields[index].kind {
                case .text: break
                case .enumeration: checkEnumeration(fields[index], index: index, record, &issues)
                case .date: checkDate(fields[index], value, record, &issues)
                case .decimal: checkDecimal(fields[index], value, &issues)
                case .code: checkCode(fields[index], value, record, &issues)
                }
            }
            checkPublication(values, fields, &issues)
            return RecordCheck(values: values, issues: issues)
        }
    }

    // MARK: - What must not be published

    /// Personal data in free text (hidden in every feed), and records that must not be published at all.
    private func checkPublication(_ values: [String?], _ fields: UnsafeBufferPointer<FieldSpec>, _ issues: inout [Issue]) {
        for index in fields.indices {
            guard let value = values[index] else { continue }
            // Control characters: tab, and line breaks in free text, are the only ones a value may hold.
            // The noncharacters U+FFFE and U+FFFF as well: XML has no place for them (a gsxt file or
            // an Excel 模板 holding one cannot be read).
            if let (offset, scalar) = value.unicodeScalars.enumerated().first(where: { _, scalar in
                let v = scalar.value
                guard v < 0x20 || (v >= 0x7F && v <= 0x9F) || v == 0xFFFE || v == 0xFFFF else { return false }
                return !(v == 0x09 || (fields[index].kind == .text && (v == 0x0A || v == 0x0D)))
            }) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                issues.append(.init(
                    "control-character", field: fields[index],
                    zh: "第 \(offset + 1) 个字符是控制字符 \(code)（不可见，会破坏公示文件）；请删除",
                    en: "character \(offset + 1) is the control character \(code); remove it"))
            }
            // A line break or tab inside the decision key (文号, 名称: an Excel cell wrapped with
            // Alt+Enter): the key would differ from the same decision written on one line, which
            // would then be published a second time and could not be corrected or withdrawn by it.
            if keyFields.contains(index), let offset = value.unicodeScalars.firstIndex(where: Self.breaksLine) {
                let position = value.unicodeScalars.distance(from: value.unicodeScalars.startIndex, to: offset) + 1
                issues.append(.init(
                    "line-break-in-key", field: fields[index],
                    zh: "第 \(position) 个字符是换行或制表符：它是识别这条决定的字段，须写在一行内，请删除后重新报送",
                    en: "character \(position) is a line break or tab in a field of the decision key; write it on one line"))
            }
            if FormulaGuard.isFormulaLike(value) {
                issues.append(.init(
                    "formula-prefix", .warning, field: fields[index], value: value,
                    zh: "以 \(value.first.map(String.init) ?? "") 开头，电子表格会当作公式执行：公示文件中在前面加一个单引号（'）",
                    en: "starts like a spreadsheet formula: written with a leading apostrophe in CSV feeds"))
            }
            if let embedded = fields[index].embedsDate, let dateIndex = schema.index(of: embedded.field), let text = values[dateIndex],
                let date = try? CalendarDate.parse(text)
            {
                let digits = Array(value.utf8)
                let expected = Array(date.description.replacing("-", with: "").utf8)
                if digits.count >= embedded.offset + 8, !digits[embedded.offset..<(embedded.offset + 8)].elementsEqual(expected) {
                    issues.append(.init(
                        "embedded-date-mismatch", field: fields[index], value: value,
                        zh: "第 \(embedded.offset + 1)–\(embedded.offset + 8) 位的日期与\(embedded.field) \(date) 不一致",
                        en: "characters \(embedded.offset + 1)–\(embedded.offset + 8) do not match \(embedded.field) \(date)"))
                }
            }
            if let textName = fields[index].amountText, let textIndex = schema.index(of: textName), let text = values[textIndex],
                let mention = AmountMentions.typedInYuan(amount: value, text: text)
            {
                let stated = AmountMentions.show(micros: mention.micros) + (mention.inWan ? " 万元" : " 元")
                let inWan = mention.yuanMicros.map { AmountMentions.show(micros: $0 / 10000) } ?? ""
                issues.append(.init(
                    "amount-unit-mismatch", field: fields[index], value: value,
                    zh: "以万元填写为 \(value)，而\(textName)写明 \(stated)（即 \(inWan) 万元）：像是按元填写，相差约一万倍，请按万元填写",
                    en: "\(value) in 万元, but \(textName) says \(stated): entered in 元, about 10,000 times apart"))
            }
        }
        let natural = rules.isNaturalPerson(values)
        for index in rules.warnedFields {
            guard let value = values[index] else { continue }
            // A natural person's name is masked whole wherever it is shown: nothing to say of it —
            // unless it holds a number and is part of the decision key, which the ledger keeps.
            let naturalName = natural && index == rules.nameField
            if naturalName, !keyFields.contains(index) { continue }
            var (hidden, kinds) = rules.screen(index, value, values)
            if naturalName {
                kinds.removeAll { !Self.keyedKinds.contains($0) }
                // (Shown as every natural person's name is: its first character.)
                hidden = String(value.prefix(1)) + String(repeating: "*", count: max(0, value.count - 1))
            }
            guard !kinds.isEmpty else { continue }
            let shown = hidden.count > 80 ? String(hidden.prefix(80)) + "…" : hidden
            // In the decision key (文号, a legal person's name) a number is kept by the ledger and
            // shown in every line that names the record: the record is refused until it is
            // corrected (domain reference §3.5; the ledger holds no ID or phone number).
            let numbers = kinds.filter { Self.keyedKinds.contains($0) }
            if keyFields.contains(index), !numbers.isEmpty {
                issues.append(.init(
                    "personal-data-in-key", field: fields[index], value: shown,
                    zh: "含有\(numbers.map(\.rawValue).joined(separator: "、"))：它是识别这条决定的字段，不能带个人信息，请更正后重新报送",
                    en: "the decision key holds personal data (\(numbers.count) kind(s)); correct it"))
                continue
            }
            let what = kinds.map(\.rawValue).joined(separator: "、")
            issues.append(.init(
                "personal-data-in-text", .warning, field: fields[index], value: shown,
                zh: "文本中含有\(what)：公示文件中已隐去（如需公示，请改写原文）",
                en: "the text holds personal data (\(kinds.count) kind(s)); hidden in every feed"))
        }
        if let reason = rules.reasonNotToPublish(values, today: today) {
            let shown = PersonalDataScreen.screen(reason, personName: rules.personName(values)).text
            issues.append(.init("not-to-be-published", .warning, zh: shown + Self.notToPublishSuffix, en: "not to be published: \(shown)"))
        }
    }

    private static let notToPublishSuffix = "：本记录不生成公示数据"

    /// A line break or tab: `\n`, `\r`, a tab, a vertical tab or form feed, NEL (U+0085), and the
    /// line and paragraph separators U+2028 and U+2029 (Word's and some systems' line breaks).
    static func breaksLine(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }

    /// The personal numbers a decision key must not hold.
    static let keyedKinds: Set<PersonalDataScreen.Kind> = [.idNumber, .mobile, .landline, .bankCard]

    /// The law's reason a record is not to be published at all (a minor, a decision the
    /// department withholds), from its problems: what the register keeps for a record that is
    /// also invalid, so that it is not expected on any portal (no deadline, not 待更正) — its
    /// other errors would otherwise have it corrected and published.
    public static func reasonNotToPublish(in issues: [Issue]) -> String? {
        guard let issue = issues.first(where: { $0.type == "not-to-be-published" }) else { return nil }
        let text = issue.message.zh
        return text.hasSuffix(notToPublishSuffix) ? String(text.dropLast(notToPublishSuffix.count)) : text
    }

    // MARK: - Normalization

    private func normalize(_ raw: String, _ field: FieldSpec, number: Bool = false, _ issues: inout [Issue]) -> String {
        // Most values are already in normal form: say so on their bytes, without building strings.
        var copy = raw
        let normal = copy.withUTF8 { bytes in
            guard Bytes.needsNoNormalization(bytes, kind: field.kind), !(number && Bytes.hasFullWidthAlphanumeric(bytes)) else { return false }
            guard field.kind == .date else { return true }
            // (A date that stands for 长期, 9999/12/31, is written as the schema's long-term date.)
            guard let day = Bytes.standardDate(bytes) else { return false }
            return field.longTermAliases.isEmpty || !field.longTermAliases.contains { $0.dayNumber == day }
        }
        if normal { return raw }
        var value = TextNormalizer.trim(raw)
        if value != raw { issues.append(Self.whitespaceNormalized(field, from: raw)) }
        // Excel's text guards: ="0012" keeps leading zeros; a leading apostrophe does the same by hand.
        if let inner = ExcelQuirks.unwrapTextGuard(value) {
            issues.append(.init(
                "excel-text-guard", .warning, field: field, value: value,
                zh: "已去掉 Excel 的文本标记 =\"…\"", en: "Excel's text guard =\"…\" removed"))
            value = inner
        } else if field.kind != .text, value.hasPrefix("'"), value.count > 1 {
            issues.append(.init(
                "excel-apostrophe", .warning, field: field, value: value,
                zh: "已去掉开头的单引号（Excel 的文本标记）", en: "leading apostrophe (Excel's text mark) removed"))
            value.removeFirst()
        }
        // Full-width characters: every one in a code, date or amount; in the decision number its
        // digits and Latin letters only (its brackets as the department wrote them).
        let half: String? = [.code, .decimal, .date].contains(field.kind) ? TextNormalizer.halfWidth(value)
            : number && field.kind == .text ? TextNormalizer.halfWidthAlphanumerics(value) : nil
        if let half, half != value {
            issues.append(.init(
                "normalized-width", .warning, field: field, value: value,
                zh: "全角字母或数字已改为半角：\(Self.show(half, field))", en: "full-width letters or digits made half-width: \(Self.show(half, field))"))
            value = half
        }
        if field.kind == .code {
            let upper = TextNormalizer.upperASCII(value)
            if upper != value {
                issues.append(.init(
                    "normalized-case", .warning, field: field, value: value,
                    zh: "小写字母已改为大写：\(Self.show(upper, field))", en: "lower-case letters made upper case: \(Self.show(upper, field))"))
                value = upper
            }
        }
        if field.kind == .date, !value.isEmpty {
            if let longTerm = field.longTerm, let found = longTermAlias(value, field) {
                // A date written to mean 长期 (9999/12/31, in any form, or Excel's serial of it).
                let (alias, serial) = found
                let standard = TextNormalizer.standardForm(longTerm)
                let written = serial ? "Excel 日期序号 \(value)（即 \(TextNormalizer.standardForm(alias))）" : "“\(value)”"
                issues.append(.init(
                    "normalized-long-term", .warning, field: field, value: value,
                    zh: "\(written)表示长期，已写作 \(standard)（公示格式中 \(standard) 表示长期）",
                    en: "\(serial ? "Excel date serial \(value) (\(TextNormalizer.standardForm(alias)))" : value) means no end (长期): written as \(standard)"))
                value = standard
            } else if let serial = ExcelQuirks.dateSerial(value), let date = ExcelQuirks.date(fromSerial: serial, date1904: serialsFrom1904) {
                let standard = TextNormalizer.standardForm(date)
                let system = serialsFrom1904 ? "（工作簿用 1904 日期系统）" : ""
                issues.append(.init(
                    "excel-date-serial", .warning, field: field, value: value,
                    zh: "Excel 日期序号 \(value)\(system)已换算为 \(standard)；请把该列设为日期或文本格式后导出",
                    en: "Excel date serial \(value)\(serialsFrom1904 ? " (1904 date system)" : "") converted to \(standard)"))
                value = standard
            } else if value == "长期", let longTerm = field.longTerm {
                let standard = TextNormalizer.standardForm(longTerm)
                issues.append(.init(
                    "normalized-long-term", .warning, field: field, value: value,
                    zh: "“长期”已写作 \(standard)", en: "“长期” (no end) written as \(standard)"))
                value = standard
            } else if let date = TextNormalizer.date(value) {
                let standard = TextNormalizer.standardForm(date)
                if standard != value {
                    issues.append(Self.dateNormalized(field, from: value, to: standard))
                    value = standard
                }
            }
        }
        return value
    }

    /// The date `value` names when it is one of the field's long-term aliases (``FieldSpec/longTermAliases``):
    /// in any form a date is read in, or as an Excel date serial (9999-12-31 is serial 2,958,465,
    /// Excel's last day: more digits than ``ExcelQuirks/dateSerial(_:)`` takes as a decision's date);
    /// `serial` when it was written as one.
    private func longTermAlias(_ value: String, _ field: borrowing FieldSpec) -> (date: CalendarDate, serial: Bool)? {
        guard !field.longTermAliases.isEmpty else { return nil }
        if let date = TextNormalizer.date(value) {
            return field.longTermAliases.contains(date) ? (date, false) : nil
        }
        if let serial = ExcelQuirks.anySerial(value), let date = ExcelQuirks.date(fromSerial: serial, date1904: serialsFrom1904),
            field.longTermAliases.contains(date)
        {
            return (date, true)
        }
        return nil
    }

    /// The warning of a value whose surrounding or invisible whitespace was removed, `raw` as
    /// written: one rule for the full check and the fast check's clean records (``RecordEvaluator``).
    /// Its message says what was taken out and where: whitespace at the ends, invisible characters
    /// at the ends, invisible characters inside the value (a zero-width space between an ID
    /// number's digits is inside it, not 首尾). The type stays one.
    static func whitespaceNormalized(_ field: borrowing FieldSpec, from raw: String) -> Issue {
        let removed = TextNormalizer.removed(raw)
        var zh: [String] = []
        var en: [String] = []
        if removed.endWhitespace {
            zh.append("已去掉首尾空白（含全角空格、不换行空格）")
            en.append("surrounding whitespace removed")
        }
        if removed.invisibleAtEnds {
            zh.append("已去掉首尾的不可见字符（零宽空格等）")
            en.append("invisible characters at the ends removed")
        }
        if removed.invisibleInside {
            zh.append("已去掉值中间的不可见字符（零宽空格等）")
            en.append("invisible characters inside the value removed")
        }
        return Issue(
            "normalized-whitespace", .warning, field: field, value: raw,
            ownWords: zh.isEmpty ? "已去掉首尾空白或不可见字符" : zh.joined(separator: "；"),
            en: en.isEmpty ? "surrounding or invisible whitespace removed" : en.joined(separator: "; "))
    }

    /// The warning of a date written in another form than YYYY/MM/DD, `raw` written `standard`:
    /// one rule for the full check and the fast check's clean records (``RecordEvaluator``).
    static func dateNormalized(_ field: borrowing FieldSpec, from raw: String, to standard: String) -> Issue {
        // (`standard` is the date as this module writes it: digits and slashes.)
        Issue("normalized-date", .warning, field: field, value: raw, ownWords: "日期已统一写作 \(standard)", en: "date written as \(standard)")
    }

    /// A value for a message: masked when personal.
    /// A value as a message shows it: masked when personal, on one line, at most 100 characters.
    private static func show(_ value: String, _ field: FieldSpec) -> String {
        OneLine.of(field.personal ? PersonalData.mask(value) : value, limit: 100)
    }

    // MARK: - Requiredness

    private func requireIfNeeded(_ field: FieldSpec, _ record: Record, _ issues: inout [Issue]) {
        if field.required {
            issues.append(.init("required-missing", field: field, zh: "必填项为空", en: "required field is empty"))
            return
        }
        // A closure, not `record.holds` itself: the method reference copied the record (its values,
        // schema and splits retained and released) for every empty field of a record checked here.
        guard let condition = field.requiredWhen.first(where: { record.holds($0) }) else { return }
        let (zh, en) = Self.describe(condition)
        issues.append(.init(
            "conditional-required-missing", field: field,
            zh: "\(zh)必填，但为空", en: "required \(en), but empty"))
    }

    static func describe(_ condition: Condition) -> (zh: String, en: String) {
        switch condition.match {
        case .oneOf(let values):
            let list = values.map { "“\($0)”" }
            return ("\(condition.field)为\(list.joined(separator: "或"))时", "when \(condition.field) is \(list.joined(separator: " or "))")
        case .containsAny(let texts):
            let list = texts.map { "“\($0)”" }
            return ("\(condition.field)包含\(list.joined(separator: "或"))时", "when \(condition.field) includes \(list.joined(separator: " or "))")
        }
    }

    // MARK: - Enumerations

    private func checkEnumeration(_ field: FieldSpec, index: Int, _ record: Record, _ issues: inout [Issue]) {
        let tokens = record.tokens(at: index)
        if tokens.isEmpty {
            issues.append(.init(
                "enum-unknown", field: field, value: record.values[index],
                zh: "没有可识别的值", en: "no value could be read"))
        }
        // "其他" written without the text the prefix "其他-" asks for.
        let bareOther = field.otherPrefix.map { prefix in String(prefix.reversed().drop { !$0.isLetter }.reversed()) }
        for token in tokens where !field.values.contains(token) {
            if let prefix = field.otherPrefix, token.hasPrefix(prefix), token.count > prefix.count { continue }
            if let prefix = field.otherPrefix, token == prefix || token == bareOther {
                issues.append(.init(
                    "enum-other-text-missing", field: field, value: token,
                    zh: "“\(token)”须注明具体类别，写作“\(prefix)具体类别”", en: "“\(token)” must name the category, as “\(prefix)<category>”"))
                continue
            }
            let allowed = field.values + (field.otherPrefix.map { ["\($0)…"] } ?? [])
            issues.append(.init(
                "enum-unknown", field: field, value: token,
                zh: "“\(token)”不是允许的值；可填：\(allowed.joined(separator: "、"))",
                en: "“\(token)” is not an allowed value; allowed: \(allowed.joined(separator: ", "))"))
        }
    }

    // MARK: - Dates

    /// The errors that a later night may not find: a date after today (`date-in-future`) is
    /// today's fact, not the record's. A file that had one is read again by the next nightly run
    /// (not settled), so that its record is published once its day has come.
    public static let refusedUntilLater: Set<String> = ["date-in-future"]

    private func checkDate(_ field: FieldSpec, _ value: String, _ record: Record, _ issues: inout [Issue]) {
        if ExcelQuirks.dateSerial(value) != nil {
            issues.append(.init(
                "excel-date-serial-invalid", field: field, value: value,
                zh: "Excel 日期序号 \(value) 不对应真实日期（序号 60 是 Excel 虚构的 1900年2月29日）",
                en: "Excel date serial \(value) is no real date (serial 60 is Excel's fictitious 1900-02-29)"))
            return
        }
        guard let date = TextNormalizer.date(value) else {
            issues.append(.init(
                "date-invalid", field: field, value: value,
                zh: "“\(value)”不是有效日期；应写作 YYYY/MM/DD（也接受 2020-05-06、2020.05.06、2020年5月6日、20200506）",
                en: "“\(value)” is not a valid date; write YYYY/MM/DD (2020-05-06, 2020.05.06, 2020年5月6日 and 20200506 are read too)"))
            return
        }
        if date < today, let condition = field.pastWhile.first(where: { record.holds($0) }) {
            let stated: String =
                switch condition.match {
                case .oneOf(let values): values.joined(separator: "、")
                case .containsAny(let texts): texts.joined(separator: "、")
                }
            issues.append(.init(
                "date-past-while", .warning, field: field, value: value,
                zh: "\(TextNormalizer.standardForm(date)) 已过（今天 \(TextNormalizer.standardForm(today))），\(condition.field)却仍为“\(stated)”：公示时会照此显示，请核实",
                en: "\(TextNormalizer.standardForm(date)) has passed (today \(TextNormalizer.standardForm(today))) while \(condition.field) is still “\(stated)”: it is published so; check it"))
        }
        if field.notAfterToday, date > today {
            issues.append(.init(
                "date-in-future", field: field, value: value,
                zh: "\(TextNormalizer.standardForm(date)) 晚于今天（\(TextNormalizer.standardForm(today))）",
                en: "\(TextNormalizer.standardForm(date)) is after today (\(TextNormalizer.standardForm(today)))"))
        }
        for (others, severity) in [(field.notBefore, Severity.error), (field.warnIfBefore, .warning)] {
            for other in others {
                guard let earliest = record.date(of: other), date < earliest else { continue }
                issues.append(.init(
                    severity == .error ? "date-order" : "date-order-unusual", severity, field: field, value: value,
                    zh: "\(TextNormalizer.standardForm(date)) 早于\(other)（\(TextNormalizer.standardForm(earliest))）",
                    en: "\(TextNormalizer.standardForm(date)) is before \(other) (\(TextNormalizer.standardForm(earliest)))"))
            }
        }
    }

    // MARK: - Decimals

    /// The most integer digits a decimal (an amount) may have: 9,999,999,999 万元; more is
    /// `amount-implausible` (an 11-digit mobile, a 15- or 18-digit ID number).
    static let mostIntegerDigits = 10

    private func checkDecimal(_ field: FieldSpec, _ value: String, _ issues: inout [Issue]) {
        if ExcelQuirks.isScientific(value) {
            issues.append(Self.scientificAmount(field, value))
            return
        }
        guard let number = DecimalText(value) else {
            // Seven digits or more in a value that is no amount may be a personal number written
            // as Excel shows one (`1,101,011,990,010,112`: thousands separators, which the free-text
            // screen does not join across): not quoted, as a long E-notation is not.
            let digits = value.utf8.lazy.filter { $0 &- 0x30 < 10 }.count
            let shown = !field.personal && digits < 7
            let quoted = shown ? "“\(value)”" : "该值（位数较多，可能含证件号码，不予显示）"
            issues.append(Issue(
                "decimal-invalid", .error, field: field, shownValue: shown ? value : PersonalData.mask(value),
                ownWords: "\(quoted)不是数字；只写数字和小数点，不带单位、逗号",
                en: "\(shown ? "“\(value)”" : "the value (not shown: it may hold an ID number)") is not a number; digits and a decimal point only, no unit or commas"))
            return
        }
        // No amount has eleven integer digits (10,000,000,000 万元 and more): such a value is an ID
        // number, a phone or card number typed into the column (or a slip of the keyboard), and it
        // would be published as it is. An error, its value not shown (the message does not quote it).
        if number.integerDigits.count > Self.mostIntegerDigits {
            issues.append(.init(
                "amount-implausible", field: field, value: PersonalData.mask(value),
                zh: "整数部分有 \(number.integerDigits.count) 位，不是可信的金额（不超过 \(Self.mostIntegerDigits) 位）：像是身份证号码、电话或卡号误填入此列；该记录不予公示，请核对原始决定书",
                en: "\(number.integerDigits.count) integer digits is no plausible amount (at most \(Self.mostIntegerDigits)): an ID, phone or card number in this column? The record is not published; check the decision"))
            return
        }
        if let minimum = field.minimum, number < minimum {
            issues.append(.init(
                "decimal-below-minimum", field: field, value: value,
                zh: "\(value) 小于 \(minimum)", en: "\(value) is less than \(minimum)"))
        }
        let significantScale = number.fractionDigits.reversed().drop { $0 == "0" }.count
        if let maxScale = field.maxScale, significantScale > maxScale {
            issues.append(.init(
                "decimal-scale", field: field, value: value,
                zh: "小数点后有 \(significantScale) 位，最多 \(maxScale) 位", en: "\(significantScale) decimal places, at most \(maxScale)"))
        }
        if let threshold = field.warnAtLeast, number >= threshold {
            issues.append(.init(
                "amount-looks-like-yuan", .warning, field: field, value: value,
                zh: "\(value) 万元不小于 \(threshold) 万元，像是把“元”填成了“万元”；单位是万元（1 元 = 0.0001 万元）",
                en: "\(value) 万元 is at least \(threshold) 万元: was an amount in 元 entered as 万元? The unit is 万元 (1 元 = 0.0001 万元)"))
        }
    }

    /// An amount Excel wrote in its scientific notation (`1.5E+16`): said so, with the value as
    /// written where it cannot carry a personal number.
    ///
    /// Excel's E-notation shows at most 15 significant digits: an ID number typed into the
    /// column becomes `4.10122198503121E+17`, its first fifteen digits (region and birth date)
    /// in the mantissa. A mantissa of at most six digits holds no more than an ID's region code
    /// or a mobile's prefix (`4.10122E+17`, `1.38123E+10`, Excel's General format): shown as
    /// written; a longer one is masked (the message then does not quote it), as is any value
    /// of a personal field. Its messages are this module's own words and that value only, so
    /// the screen, which hides any large E-notation as a possible ID number, is not asked.
    static func scientificAmount(_ field: FieldSpec, _ value: String) -> Issue {
        let mantissa = value.prefix { $0 != "E" && $0 != "e" }
        let significant = mantissa.filter(\.isNumber).drop { $0 == "0" }.count
        let shown = !field.personal && significant <= 6 && value.count <= 24
        let quoted = shown ? "“\(value)”" : "该值"
        let zh = "\(quoted)是 Excel 的科学计数法（数字单元格太长时 Excel 这样显示），不是金额的写法，原来的数字可能已丢失\(shown ? "" : "（位数较多，可能含证件号码，不予显示）")；请把该列设为文本或“数值”格式（不用科学计数）后重新导出，金额以万元填写"
        let en = "\(shown ? "“\(value)”" : "the value") is Excel's scientific notation, not an amount as written; its digits may be lost\(shown ? "" : " (not shown: it may hold an ID number)"); set the column to text or Number and export again"
        return Issue("excel-number", .error, field: field, shownValue: shown ? value : PersonalData.mask(value), ownWords: zh, en: en)
    }

    // MARK: - Codes

    private func checkCode(_ field: FieldSpec, _ value: String, _ record: Record, _ issues: inout [Issue]) {
        // (A field without a check: only E-notation, which no code is written in.)
        if let problem = ExcelQuirks.numberDamage(value, check: field.check) {
            issues.append(.init(
                "excel-number", field: field, value: value,
                zh: "被Excel转换为数字\(field.personal ? "" : "（\(value)）")，\(problem.zh)；请把该列设为文本格式后重新导出",
                en: "turned into a number by Excel\(field.personal ? "" : " (\(value))"): \(problem.en); set the column to text and export again"))
            return
        }
        if Self.screensNumbers(field), let kind = Self.personalNumber(inCode: value, today: today) {
            // (Shown as the portals mask such numbers: never whole.)
            issues.append(.init(
                "personal-data-in-code", field: field, value: PersonalDataScreen.maskedKeepingEnds(value),
                zh: "像是\(kind.rawValue)：个人的证件号码和手机号码不得公示；本栏应填登记机关核发的号码，没有时请留空",
                en: "looks like a personal number (\(kind == .idNumber ? "an ID number" : "a mobile number")), which is never published; enter the registration number, or leave it empty"))
            return
        }
        switch field.check {
        case nil: break
        case .creditCode(let rule): checkCreditCode(field, value, rule, record, &issues)
        case .organizationCode:
            if let problem = OrganizationCode.problem(in: value) {
                let (zh, en) = Self.describe(problem)
                issues.append(.init(
                    "org-code-invalid", field: field, value: value,
                    zh: "组织机构代码（GB 11714）不正确：\(zh)", en: "not a valid organization code (GB 11714): \(en)"))
            }
        case .identityDocument(let typeField, let formats):
            checkIdentity(field, value, typeField: typeField, formats: formats, record, &issues)
        case .pattern(let pattern, let description):
            if let regex = patterns[pattern], (try? regex.wholeMatch(in: value)) == nil {
                issues.append(.init(
                    "format-invalid", field: field, value: value,
                    zh: "格式不正确：应为 \(description)", en: "wrong format: expected \(description)"))
            }
        }
    }

    /// Whether a code field's values are looked at for personal numbers: a code no check digit
    /// guards (no check, or a pattern), not itself personal — 工商注册号、税务登记号、事业单位证书号、
    /// 社会组织登记证号. An operator's 身份证号 was long a 个体工商户's 税务登记号 (with two digits
    /// more), and clerks type it where a number is missing; a portal publishes these columns.
    /// (Not a code that holds a date of its own, 承诺编码's region, date and serial: an ID's shape.)
    public static func screensNumbers(_ field: FieldSpec) -> Bool {
        guard field.kind == .code, !field.personal, field.embedsDate == nil else { return false }
        switch field.check {
        case nil, .pattern: return true
        case .creditCode, .organizationCode, .identityDocument: return false
        }
    }

    /// The personal number a code is (domain reference §3.5: 身份证号码、通信方式 not published),
    /// its digits read across spaces, hyphens and brackets as people write them (`138 0013 8000`,
    /// `+86 138-0013-8000`): an 18-character 居民身份证号码 — one whose region and birth date are an
    /// ID's, valid or not, as the text screen hides them — or a valid one with two digits after it
    /// (an old 个体工商户 税务登记号), or a mobile number (11 digits, 13–19…, after +86 or 0086 too). A
    /// 15-digit value is a 工商注册号 or a 税务登记号 (6 digits of region and an organization code)
    /// as often as an old ID: not taken for one. The groups may be joined by any character the
    /// free-text screen joins them by (``PersonalDataScreen/isJoiningSpaceOrMark(_:)``: a no-break
    /// or full-width space, a dash, a dot) or a full-width hyphen or bracket, which normalization
    /// leaves in a code.
    static func personalNumber(inCode value: String, today: CalendarDate) -> PersonalDataScreen.Kind? {
        var digits: [UInt8] = []
        var x = false
        for scalar in value.unicodeScalars {
            let v = scalar.value
            if v &- 0x30 < 10, !x {
                digits.append(UInt8(v &- 0x30))
            } else if v == 0x58 && digits.count == 17 {
                x = true
            } else if v == 0x2B && digits.isEmpty {
                continue
            } else if !(v == 0x2D || v == 0x28 || v == 0x29 || v == 0xFF0D || v == 0xFF08 || v == 0xFF09
                || PersonalDataScreen.isJoiningSpaceOrMark(scalar)) {
                return nil
            }
        }
        if !x, digits.count == 13, digits[0] == 8, digits[1] == 6 { digits.removeFirst(2) }
        if !x, digits.count == 15, digits[0...3] == [0, 0, 8, 6] { digits.removeFirst(4) }
        switch digits.count + (x ? 1 : 0) {
        case 11 where !x:
            return digits[0] == 1 && digits[1] >= 3 ? .mobile : nil
        case 18:
            return PersonalDataScreen.isPlausibleID(digits.prefix(17) + [0]) ? .idNumber : nil
        case 20 where !x:
            // (A valid ID's 18 then: other codes of 20 digits begin with a region and a date too.)
            let first18 = digits.prefix(18).map { $0 + 0x30 }
            return first18.withUnsafeBufferPointer { ResidentIDNumber.isValid18($0, today: today) } ? .idNumber : nil
        default: return nil
        }
    }

    private func checkCreditCode(
        _ field: FieldSpec, _ value: String, _ rule: CreditCodeRule, _ record: Record, _ issues: inout [Issue]
    ) {
        let category = rule.categoryField.flatMap(record.value(of:))
        if let placeholder = rule.placeholder, value == placeholder {
            if !rule.placeholderFor.isEmpty, let category, !rule.placeholderFor.contains(category) {
                issues.append(.init(
                    "credit-code-placeholder", field: field, value: value,
                    zh: "占位代码 \(placeholder) 只适用于\(rule.placeholderFor.joined(separator: "、"))，而行政相对人类别是“\(category)”",
                    en: "the placeholder \(placeholder) is only for \(rule.placeholderFor.joined(separator: ", ")), but the subject category is “\(category)”"))
            }
            if let needed = rule.placeholderRequires, record.value(of: needed) == nil {
                issues.append(.init(
                    "credit-code-placeholder", field: field, value: value,
                    zh: "使用占位代码 \(placeholder) 时必须填写\(needed)", en: "with the placeholder \(placeholder), \(needed) is required"))
            }
            return
        }
        if let problem = CreditCode.problem(in: value) {
            let (type, zh, en) = problem.explanation
            issues.append(.init(type, field: field, value: value, zh: "统一社会信用代码不正确：\(zh)", en: "invalid unified social credit code: \(en)"))
            return
        }
        let pair = CreditCode.registrationCategory(of: value)
        if !rule.knownRegistrationCategories.isEmpty, rule.knownRegistrationCategories[pair] == nil {
            issues.append(.init(
                "credit-code-category-unknown", rule.unknownCategorySeverity, field: field, value: value,
                zh: "前两位登记管理部门/机构类别“\(pair)”不在已知的代码表中；请确认代码无误",
                en: "registration department/category “\(pair)” is not in the known table; please confirm the code"))
        }
        for (prefix, required) in rule.categoryByPrefix.sorted(by: { $0.key < $1.key })
        where value.hasPrefix(prefix) {
            guard let categoryField = rule.categoryField, let category, category != required else { continue }
            issues.append(.init(
                "credit-code-category-mismatch", field: field, value: value,
                zh: "以“\(prefix)”开头的代码属于\(required)，\(categoryField)应为“\(required)”，而不是“\(category)”",
                en: "a code starting “\(prefix)” belongs to \(required): \(categoryField) must be “\(required)”, not “\(category)”"))
        }
        // And the other way (GB 32100-2015 表1: 92 = 个体工商户; domain reference §3.6): a subject of that
        // category has a code with that prefix, or the placeholder.
        for (prefix, required) in rule.categoryByPrefix.sorted(by: { $0.key < $1.key })
        where category == required && !value.hasPrefix(prefix) && value != rule.placeholder {
            guard let categoryField = rule.categoryField else { continue }
            issues.append(.init(
                "credit-code-category-mismatch", field: field, value: value,
                zh: "\(categoryField)为“\(required)”，其统一社会信用代码应以“\(prefix)”开头",
                en: "\(categoryField) is “\(required)”: its code must start with “\(prefix)”"))
        }
    }

    private func checkIdentity(
        _ field: FieldSpec, _ value: String, typeField: String, formats: [String: IdentityFormat], _ record: Record,
        _ issues: inout [Issue]
    ) {
        guard let type = record.value(of: typeField), let format = formats[type] else { return }
        switch format {
        case .residentID:
            switch ResidentIDNumber.problem(in: value, today: today) {
            case nil:
                if ResidentIDNumber.isLegacy(value) {
                    issues.append(.init(
                        "id-number-legacy", .warning, field: field, value: value,
                        zh: "15 位旧身份证号码，没有校验位，只核对了出生日期；请尽量改用 18 位号码",
                        en: "a 15-digit legacy ID number has no check digit; only its birth date was checked"))
                }
            case .length(let count):
                issues.append(.init(
                    "id-number-invalid", field: field, value: value,
                    zh: "居民身份证号码应为 18 位，实为 \(count) 位", en: "a resident ID number has 18 characters, not \(count)"))
            case .character(let position):
                issues.append(.init(
                    "id-number-invalid", field: field, value: value,
                    zh: "居民身份证号码第 \(position) 位应为数字（末位可为 X）", en: "character \(position) of the ID number must be a digit (the last may be X)"))
            case .birthDate:
                issues.append(.init(
                    "id-number-birth-date", field: field, value: value,
                    zh: "居民身份证号码中的出生日期不是真实日期或晚于今天", en: "the birth date in the ID number is not a real date or is in the future"))
            case .checkCharacter:
                issues.append(.init(
                    "id-number-check-character", field: field, value: value,
                    zh: "居民身份证号码校验位不正确（GB 11643）；请核对号码是否抄错", en: "the ID number's check character is wrong (GB 11643): is it mistyped?"))
            }
        case .pattern(let pattern):
            if let regex = patterns[pattern], (try? regex.wholeMatch(in: value)) == nil {
                issues.append(.init(
                    "id-document-format", field: field, value: value,
                    zh: "号码不符合“\(type)”的格式", en: "the number does not have the format of “\(type)”"))
            }
        case .creditCode:
            if let problem = CreditCode.problem(in: value) {
                let (code, zh, en) = problem.explanation
                issues.append(.init(code, field: field, value: value, zh: "统一社会信用代码不正确：\(zh)", en: "invalid unified social credit code: \(en)"))
            }
        }
    }

    static func describe(_ problem: OrganizationCode.Problem) -> (zh: String, en: String) {
        switch problem {
        case .length(let count): ("应为 9 位（或 XXXXXXXX-X），实为 \(count) 位", "must be 9 characters (or XXXXXXXX-X), not \(count)")
        case .character(let position, let character): ("第 \(position) 位“\(character)”应为数字或大写字母", "character \(position) “\(character)” must be a digit or capital letter")
        case .checkCharacter(let expected, let found): ("校验码应为“\(expected)”，而不是“\(found)”", "the check character should be “\(expected)”, not “\(found)”")
        }
    }
}

/// A problem in a schema itself (exit 78).
public struct SchemaProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String?
    public let message: String

    public init(field: String?, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.map { "\($0)：\(message)" } ?? message }
}

/// One record's normalized values, with lookups by field name for the cross-field rules.
struct Record {
    let schema: PublicationSchema
    let values: [String?]
    let indexByName: [String: Int]
    /// The values of each multi-valued enumeration, split once.
    private let split: [[String]?]

    init(
        schema: PublicationSchema, values: [String?], valuesLongestFirst: [[String]], separators: [[[UInt8]]],
        indexByName: [String: Int]
    ) {
        self.schema = schema
        self.values = values
        self.indexByName = indexByName
        self.split = schema.fields.withUnsafeBufferPointer { fields in
            fields.indices.map { index in
                guard fields[index].multiple, let value = values[index] else { return nil }
                return EnumerationSplitter.split(value, known: valuesLongestFirst[index], separators: separators[index])
            }
        }
    }

    func value(of name: String) -> String? {
        indexByName[name].flatMap { values[$0] }
    }

    func date(of name: String) -> CalendarDate? {
        value(of: name).flatMap(TextNormalizer.date)
    }

    /// The values of an enumeration field: one, or for a multi-valued field each value in the cell.
    func tokens(at index: Int) -> [String] {
        guard let value = values[index] else { return [] }
        return split[index] ?? [value]
    }

    func holds(_ condition: Condition) -> Bool {
        guard let index = indexByName[condition.field] else { return false }
        let tokens = schema.fields[index].kind == .enumeration ? self.tokens(at: index) : values[index].map { [$0] } ?? []
        switch condition.match {
        case .oneOf(let accepted): return tokens.contains { accepted.contains($0) }
        case .containsAny(let texts):
            // On bytes: a UTF-8 match always falls on character boundaries.
            return tokens.contains { token in
                var token = token
                return token.withUTF8 { haystack in
                    texts.contains { Bytes.contains(haystack, Array($0.utf8)) }
                }
            }
        }
    }
}

/// Splits a multi-valued cell such as `警告;罚款`, `罚款、没收违法所得、没收非法财物` or `警告；其他-通报`.
///
/// Works on the UTF-8 bytes (separators and values are whole characters, so a byte match is a
/// character match); spaces and U+3000 around values are dropped.
enum EnumerationSplitter {
    /// - Parameters:
    ///   - known: the allowed values, longest first; a known value is taken whole even when it
    ///     contains a separator.
    ///   - separators: the separators, such as `;`, `；`, `、` and `,`, as UTF-8.
    static func split(_ text: String, known: [String], separators: [[UInt8]]) -> [String] {
        let bytes = Array(text.utf8)
        let count = bytes.count
        func matches(_ needle: some Collection<UInt8>, at position: Int) -> Bool {
            position + needle.count <= count && bytes[position..<(position + needle.count)].elementsEqual(needle)
        }
        func separator(at position: Int) -> Int? {
            separators.first { matches($0, at: position) }?.count
        }
        func spaces(at position: Int) -> Int {
            bytes[position] == 0x20 ? 1 : matches([0xE3, 0x80, 0x80], at: position) ? 3 : 0
        }
        var tokens: [String] = []
        var index = 0
        func dropSeparators() {
            while index < count {
                let space = spaces(at: index)
                if space > 0 {
                    index += space
                } else if let length = separator(at: index) {
                    index += length
                } else {
                    return
                }
            }
        }
        dropSeparators()
        while index < count {
            if let value = known.first(where: { candidate in
                let length = candidate.utf8.count
                return matches(candidate.utf8, at: index) && (index + length == count || separator(at: index + length) != nil)
            }) {
                tokens.append(value)
                index += value.utf8.count
            } else {
                var end = index
                while end < count, separator(at: end) == nil { end += 1 }
                var start = index
                var stop = end
                while start < stop, spaces(at: start) > 0 { start += spaces(at: start) }
                while start < stop {
                    if bytes[stop - 1] == 0x20 {
                        stop -= 1
                    } else if stop - start >= 3, bytes[(stop - 3)..<stop].elementsEqual([0xE3, 0x80, 0x80]) {
                        stop -= 3
                    } else {
                        break
                    }
                }
                if start < stop { tokens.append(String(decoding: bytes[start..<stop], as: UTF8.self)) }
                index = end
            }
            dropSeparators()
        }
        return tokens
    }
}
