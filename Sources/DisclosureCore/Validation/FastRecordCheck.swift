public import WorkingDayCalendar

/// A record's cells as UTF-8 bytes: all cells back to back, and where each ends. Several records
/// may share one storage (a batch): a record is then its own stretch of it.
public struct CellBytes: Sendable {
    /// The storage, possibly shared with other records of a batch.
    public let bytes: [UInt8]
    /// End offsets in ``bytes``, possibly shared; this record's are `cellEnds[firstCell..<firstCell + count]`.
    public let cellEnds: [Int]
    private let firstCell: Int
    private let start: Int
    public let count: Int

    /// One record alone: its cells back to back and where each ends.
    public init(bytes: [UInt8], cellEnds: [Int]) {
        self.init(bytes: bytes, cellEnds: cellEnds, firstCell: 0, start: 0, count: cellEnds.count)
    }

    /// A record inside shared storage: cells `firstCell..<firstCell + count` of `cellEnds`, the first
    /// starting at `start`.
    public init(bytes: [UInt8], cellEnds: [Int], firstCell: Int, start: Int, count: Int) {
        self.bytes = bytes
        self.cellEnds = cellEnds
        self.firstCell = firstCell
        self.start = start
        self.count = count
    }

    /// The range of cell `index` in ``bytes``.
    @inline(__always)
    public func range(_ index: Int) -> Range<Int> {
        (index == 0 ? start : cellEnds[firstCell + index - 1])..<cellEnds[firstCell + index]
    }

    /// The record's bytes, from its first cell to its last.
    public var byteCount: Int { count == 0 ? 0 : cellEnds[firstCell + count - 1] - start }

    public func string(_ index: Int) -> String {
        String(decoding: bytes[range(index)], as: UTF8.self)
    }

    public var strings: [String] { (0..<count).map(string) }

    /// The values of a clean record by field: for each field its column's text, nil where the
    /// field has no column or its cell is empty. Made within one borrow of the storage: a text per
    /// cell made through ``string(_:)`` (a slice of the shared storage, and `cells.string` passed as
    /// a function value, which holds a copy of the cells) retained and released the batch's two
    /// shared arrays two or three times a cell.
    public func values(byField fieldColumns: [Int?]) -> [String?] {
        bytes.withUnsafeBufferPointer { storage in
            fieldColumns.map { column -> String? in
                guard let column else { return nil }
                let cell = range(column)
                return cell.isEmpty ? nil : String(decoding: UnsafeBufferPointer(rebasing: storage[cell]), as: UTF8.self)
            }
        }
    }

    /// ``values(byField:)`` of a record the fast check found clean (``FastRecordCheck/isClean(_:fieldColumns:columnCount:)``
    /// with the same `fieldColumns`), whose every read cell it has found to be UTF-8: the texts are
    /// made without validating the bytes a second time (``Bytes/text(knownUTF8:)``).
    func cleanValues(byField fieldColumns: [Int?]) -> [String?] {
        bytes.withUnsafeBufferPointer { storage in
            fieldColumns.map { column -> String? in
                guard let column else { return nil }
                let cell = UnsafeBufferPointer(rebasing: storage[range(column)])
                guard !cell.isEmpty else { return nil }
                return Bytes.text(knownUTF8: cell)
            }
        }
    }

    /// Whether the record's bytes are valid UTF-8.
    public var isUTF8: Bool {
        guard count > 0 else { return true }
        let all = range(0).lowerBound..<range(count - 1).upperBound
        return bytes.withUnsafeBufferPointer { UTF8Validator.firstInvalid(in: UnsafeBufferPointer(rebasing: $0[all])) == nil }
    }

    /// Whether cell `index` is valid UTF-8.
    public func isUTF8(_ index: Int) -> Bool {
        bytes.withUnsafeBufferPointer { UTF8Validator.firstInvalid(in: UnsafeBufferPointer(rebasing: $0[range(index)])) == nil }
    }
}

/// Decides, on the bytes and without making strings, whether a record is certainly clean: no
/// normalization needed, and no error or warning. It answers only "clean" or "not sure"; a record
/// that is not certainly clean goes to ``RecordValidator``, which finds and words its problems.
///
/// The full validator stays the single definition of the rules: this check may say "not sure" as
/// often as it likes, but must never say "clean" when the validator would report anything. A test
/// holds it to that on every fixture row and on generated records.
///
/// Why it exists: 98% of a department's records are clean, and checking them on bytes is many
/// times faster than building and normalizing a `String` per cell (docs/architecture.md). Text is
/// compared byte for byte, so two spellings that Swift's `String` would call equal (composed and
/// decomposed accents) count as different here, which only ever sends a record to the full check.
public struct FastRecordCheck {
    /// Holds the memory of ``plans`` and of the lists and texts in them.
    private let store: PlanStore
    /// One per schema field. Plain values and pointers into ``store``: reading one costs no
    /// reference counting (a plan as a class, its texts and lists as arrays, cost 41 retains and
    /// releases per record, counted with uprobes on a 20,000-record file).
    private let plans: UnsafeBufferPointer<FieldPlan>
    /// What the few identity and pattern fields need, which are not plain values.
    private let identities: [(typeField: Int, formats: [(type: [UInt8], format: IdentityFormat, regex: Regex<AnyRegexOutput>?)])?]
    private let regexes: [Regex<AnyRegexOutput>?]
    private let today: Int
    private let todayDate: CalendarDate
    /// What the publication rules look at (``PublicationRules``): a cell that may hold any of it is
    /// left to the full check, which words the warning.
    private let screened: UnsafeBufferPointer<Bool>
    private let nameField: Int?
    /// The category cell that makes a subject a natural person (whose own name is screened).
    private let naturalField: Int?
    private let naturalValue: UnsafeBufferPointer<UInt8>
    private let idField: Int?
    private let withholdField: Int?
    /// The decision number (the key's first field): a full-width digit or Latin letter in it is the
    /// full check's (``RecordValidator``: made half-width, with a warning).
    private let numberField: Int?
    /// The fields of the decision key (文号, 名称; -1: none), as plain values (the check's loop
    /// asks for every text field of every record).
    private let keyFields: (Int, Int)
    /// 万元 fields and the text that states the amount in 元: a text holding the field's digits and 元 is left to the full check.
    private let amountChecks: UnsafeBufferPointer<(amount: Int, text: Int)>
    /// Codes that hold a date field's day at an offset (承诺编码): checked on the bytes.
    private let embeddedDates: UnsafeBufferPointer<(code: Int, date: Int, offset: Int)>
    // Scratch space, reused from record to record.
    private var ranges: [Range<Int>?]
    private var dates: [Int]
    /// Per field, whether its date was written in another form the full check reads (YYYY-MM-DD,
    /// 2025/6/1, 20250601): clean, but written YYYY/MM/DD in the values, with a `normalized-date`
    /// warning (``RecordEvaluator``); and how many were.
    private var rewritten: [Bool]
    private(set) var rewrittenCount = 0
    /// Per field, whether its cell had whitespace at either end (clean once trimmed: its value is
    /// the trimmed text, with a `normalized-whitespace` warning: ``RecordEvaluator``); how many had.
    private var trimmed: [Bool]
    private(set) var trimmedCount = 0
    /// The values of each multi-valued enumeration, as ranges in its cell, split once in pass 1.
    private var tokens: [[Range<Int>]]

    public init(schema: PublicationSchema, today: CalendarDate) {
        self.today = today.dayNumber
        self.todayDate = today
        let indexByName = Dictionary(schema.fields.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        let store = PlanStore()
        self.store = store
        self.plans = store.copy(schema.fields.map { FieldPlan($0, indexByName: indexByName, store: store) })
        self.identities = schema.fields.map { FieldPlan.identity($0, indexByName: indexByName) }
        self.regexes = schema.fields.map { field in
            if case .pattern(let pattern, _) = field.check { try? Regex(pattern) } else { nil }
        }
        self.ranges = Array(repeating: nil, count: schema.fields.count)
        self.dates = Array(repeating: Int.min, count: schema.fields.count)
        self.rewritten = Array(repeating: false, count: schema.fields.count)
        self.trimmed = Array(repeating: false, count: schema.fields.count)
        self.tokens = Array(repeating: [], count: schema.fields.count)
        let rules = PublicationRules(schema)
        self.screened = store.copy(schema.fields.indices.map { rules.warnedFields.contains($0) })
        self.nameField = rules.nameField
        self.naturalField = rules.naturalField
        self.naturalValue = store.copy(Array(rules.naturalValue.utf8))
        self.idField = rules.naturalField == nil ? nil : rules.idField
        self.withholdField = rules.withholdField
        self.numberField = schema.duplicateKey.first.flatMap(schema.index(of:))
        let keys = schema.duplicateKey.compactMap(schema.index(of:))
        self.keyFields = (keys.first ?? -1, keys.dropFirst().first ?? -1)
        self.embeddedDates = store.copy(schema.fields.enumerated().compactMap { index, field in
            field.embedsDate.flatMap { embedded in schema.index(of: embedded.field).map { (index, $0, embedded.offset) } }
        })
        self.amountChecks = store.copy(schema.fields.enumerated().compactMap { index, field in
            field.amountText.flatMap(schema.index(of:)).map { (index, $0) }
        })
    }

    /// Whether the publication rules may have something to say: personal data in a screened text
    /// field (or the subject's own name there), a department's withholding, a subject born fewer
    /// than 19 years before today (maybe a minor at the decision date).
    private func mayConcernPublication(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        if let withholdField, ranges[withholdField] != nil { return true }
        for (code, date, offset) in embeddedDates {
            // The date (in whatever form it was written: its day) against the code's YYYYMMDD at `offset`.
            guard let codeRange = ranges[code], ranges[date] != nil, dates[date] != Int.min else { continue }
            guard codeRange.count >= offset + 8 else { return true }
            let day = CalendarDate(dayNumber: dates[date])
            var expected = (day.year * 100 + day.month) * 100 + day.day
            for position in stride(from: codeRange.lowerBound + offset + 7, through: codeRange.lowerBound + offset, by: -1) {
                if Int(buffer[position]) != 0x30 + expected % 10 { return true }
                expected /= 10
            }
        }
        for (amount, text) in amountChecks {
            guard let amountRange = ranges[amount], let textRange = ranges[text] else { continue }
            // An amount in the text (2000元, 2,000.00 元, ２０００元, 0.2万元) showing the 万元 figure typed in 元.
            if AmountMentions.typedInYuan(
                amount: UnsafeBufferPointer(rebasing: buffer[amountRange]), text: UnsafeBufferPointer(rebasing: buffer[textRange])) != nil
            {
                return true
            }
        }
        if let idField, let range = ranges[idField], range.count == 18 {
            var year = 0
            for byte in buffer[(range.lowerBound + 6)..<(range.lowerBound + 10)] { year = year * 10 + Int(byte) - 0x30 }
            if year >= todayDate.year - 19 { return true }
        }
        // The subject's own name matters in a natural person's texts only.
        let natural = naturalField.flatMap { ranges[$0] }.map { buffer[$0].elementsEqual(naturalValue) } ?? false
        let name = natural ? nameField.flatMap { ranges[$0] }.map { UnsafeBufferPointer(rebasing: buffer[$0]) } : nil
        for index in plans.indices where screened[index] {
            guard let range = ranges[index] else { continue }
            let cell = UnsafeBufferPointer(rebasing: buffer[range])
            if PersonalDataScreen.mayContain(cell) { return true }
            // (The name's own field holds it: its numbers are what is looked for there.)
            if let name, name.count >= 2, index != nameField, Bytes.contains(cell, name) { return true }
            // A natural person's text may say they are a minor (``PublicationRules/minorStated(_:)``).
            if natural, Bytes.mayStateMinor(cell) { return true }
        }
        return false
    }

    /// Whether the record is certainly clean.
    ///
    /// - Parameters:
    ///   - cells: the record's cells in column order.
    ///   - fieldColumns: for each schema field, its column, or `nil` when the file has no such column.
    ///   - columnCount: the number of columns in the header.
    public mutating func isClean(_ cells: CellBytes, fieldColumns: [Int?], columnCount: Int) -> Bool {
        guard cells.count == columnCount else { return false }
        for index in plans.indices {
            let range = fieldColumns[index].map { cells.range($0) }
            ranges[index] = range?.isEmpty == false ? range : nil
            dates[index] = Int.min
        }
        if rewrittenCount > 0 {
            for index in rewritten.indices { rewritten[index] = false }
            rewrittenCount = 0
        }
        if trimmedCount > 0 {
            for index in trimmed.indices { trimmed[index] = false }
            trimmedCount = 0
        }
        return cells.bytes.withUnsafeBufferPointer { buffer in check(buffer) }
    }

    private mutating func check(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        // Pass 1: each cell on its own.
        for index in plans.indices {
            guard let range = ranges[index] else { continue }
            let plan = plans[index]
            var cell = UnsafeBufferPointer(rebasing: buffer[range])
            if !Bytes.needsNoNormalization(cell, kind: plan.kind) {
                // Whitespace at either end (a space Excel or a clerk left, a full-width space) is
                // the one normalization taken here, as the full check trims it: the cell is checked
                // as its trimmed text (every record of a file padding a column had taken the full
                // check, ten times slower). Anything else is the full check's.
                let inner = Bytes.trimmedRange(cell)
                guard !inner.isEmpty, inner.count < cell.count else { return false }
                let trimmedRange = (range.lowerBound + inner.lowerBound)..<(range.lowerBound + inner.upperBound)
                cell = UnsafeBufferPointer(rebasing: buffer[trimmedRange])
                guard Bytes.needsNoNormalization(cell, kind: plan.kind) else { return false }
                ranges[index] = trimmedRange
                trimmed[index] = true
                trimmedCount += 1
            }
            guard cell.count <= plan.maxLength || Bytes.scalarCount(cell) <= plan.maxLength else { return false }
            switch plan.kind {
            case .text:
                if index == numberField, Bytes.hasFullWidthAlphanumeric(cell) { return false }
                // A line separator U+2028/U+2029 (E2 80 A8/A9) in a field of the decision key: the
                // full check's `line-break-in-key` (the other breaks are control bytes, never clean).
                if index == keyFields.0 || index == keyFields.1, Bytes.hasLineSeparator(cell) { return false }
            case .enumeration:
                if plan.multiple {
                    plan.tokens(cell, into: &tokens[index])
                    guard tokens[index].withUnsafeBufferPointer({ plan.valuesAreClean(cell, $0) }) else { return false }
                } else {
                    guard plan.isAllowed(cell) else { return false }
                }
            case .date:
                // YYYY/MM/DD, or another form the full check reads as the same date and rewrites
                // (YYYY-MM-DD, 2025/6/1 as Excel writes dates in Chinese, 20250601: every record of
                // such a file had taken the full check, ten times slower).
                var day = Bytes.standardDate(cell)
                if day == nil, let other = Bytes.otherDateForm(cell) {
                    day = other
                    rewritten[index] = true
                    rewrittenCount += 1
                }
                guard let day, !(plan.notAfterToday && day > today) else { return false }
                // A date that stands for 长期 (9999/12/31): the full check writes it as the long-term date.
                if !plan.longTermAliasDays.isEmpty, plan.longTermAliasDays.contains(day) { return false }
                dates[index] = day
            case .decimal:
                guard plan.decimalIsClean(cell) else { return false }
            case .code:
                switch plan.checkKind {
                // (A code in E-notation, `4.1E+14`, is not clean text for a code: the text pass
                // sends it to the full check, which says it is Excel's.)
                case .none, .pattern:
                    // A personal number where a registration number belongs: the full check's error.
                    if plan.screensNumbers, Bytes.mayBePersonalNumber(cell) { return false }
                case .identity: break
                case .organization: guard Bytes.organizationCodeIsValid(cell) else { return false }
                case .credit:
                    guard let rule = plan.credit else { break }
                    if let placeholder = rule.placeholder, cell.elementsEqual(placeholder) { return false }
                    guard Bytes.creditCodeIsValid(cell) else { return false }
                    if !rule.allowsPair(cell[0], cell[1]) { return false }
                }
            }
        }
        if mayConcernPublication(buffer) { return false }
        // Pass 2: rules between fields.
        for index in plans.indices {
            let plan = plans[index]
            guard let range = ranges[index] else {
                if plan.required { return false }
                if plan.hasConditions {
                    for condition in plan.conditions where holds(condition, buffer) { return false }
                }
                continue
            }
            // Looked at only where there is an order to check: reading the list of every plan
            // (a retain and, more, a cache miss on its storage) was 7% of this function's samples.
            if plan.checksOrder {
                for other in plan.notBefore where dates[other] != Int.min && dates[index] < dates[other] { return false }
            }
            if !plan.pastWhile.isEmpty, dates[index] < today {
                for condition in plan.pastWhile where holds(condition, buffer) { return false }
            }
            let cell = UnsafeBufferPointer(rebasing: buffer[range])
            switch plan.checkKind {
            case .credit:
                guard let rule = plan.credit else { continue }
                for prefixRule in rule.prefixRules {
                    guard let categoryRange = ranges[prefixRule.categoryField] else { continue }
                    // The prefix fixes the category, and the category the prefix.
                    if cell.starts(with: prefixRule.prefix) != buffer[categoryRange].elementsEqual(prefixRule.required) { return false }
                }
            case .identity:
                guard let (typeIndex, formats) = identities[index], let typeRange = ranges[typeIndex] else { continue }
                let type = UnsafeBufferPointer(rebasing: buffer[typeRange])
                guard let format = formats.first(where: { $0.type.count == type.count && type.elementsEqual($0.type) })
                else { continue }
                switch format.format {
                case .residentID:
                    guard ResidentIDNumber.isValid18(cell, today: todayDate) else { return false }
                case .creditCode:
                    guard Bytes.creditCodeIsValid(cell) else { return false }
                case .pattern:
                    guard let regex = format.regex, (try? regex.wholeMatch(in: String(decoding: cell, as: UTF8.self))) != nil
                    else { return false }
                }
            case .pattern:
                guard let regex = regexes[index], (try? regex.wholeMatch(in: String(decoding: cell, as: UTF8.self))) != nil
                else { return false }
            case .none, .organization:
                break
            }
        }
        return true
    }

    /// The trimmed text's range (in the record's storage) of field `index` of the record last found
    /// clean, if its cell had whitespace at either end.
    func trimmedRange(_ index: Int) -> Range<Int>? { trimmed[index] ? ranges[index] : nil }

    /// Whether field `index` of the record last found clean had its date written in another form
    /// than YYYY/MM/DD.
    func isRewrittenDate(_ index: Int) -> Bool { rewritten[index] }

    /// The date of field `index` of the record last found clean, if it was written in another form
    /// than YYYY/MM/DD.
    func rewrittenDate(_ index: Int) -> CalendarDate? { rewritten[index] ? CalendarDate(dayNumber: dates[index]) : nil }

    private func holds(_ condition: FieldPlan.CompiledCondition, _ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let range = ranges[condition.field] else { return false }
        let cell = UnsafeBufferPointer(rebasing: buffer[range])
        let plan = plans[condition.field]
        guard plan.kind == .enumeration && plan.multiple else { return Self.matches(condition, cell) }
        for token in tokens[condition.field] where Self.matches(condition, UnsafeBufferPointer(rebasing: cell[token])) {
            return true
        }
        return false
    }

    /// Whether one value meets a condition. (A cell that is one value is not made a one-range
    /// array first: that was an allocation per condition per record.)
    private static func matches(_ condition: FieldPlan.CompiledCondition, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        if condition.containsAny { return condition.texts.contains { Bytes.contains(text, $0) } }
        return condition.texts.contains { text.elementsEqual($0) }
    }
}

extension FieldSpec.Kind: BitwiseCopyable {}

/// Memory that lives as long as the fast check and its copies: the plans and the texts and lists
/// in them, copied in once and read for every record without reference counting.
final class PlanStore: @unchecked Sendable {
    // Written only while the check is made; read-only once it is.
    private var blocks: [UnsafeMutableRawPointer] = []

    func copy<Element: BitwiseCopyable>(_ values: [Element]) -> UnsafeBufferPointer<Element> {
        let buffer = UnsafeMutableBufferPointer<Element>.allocate(capacity: max(1, values.count))
        _ = buffer.initialize(from: values)
        blocks.append(UnsafeMutableRawPointer(buffer.baseAddress!))
        return UnsafeBufferPointer(rebasing: buffer[0..<values.count])
    }

    func copy(_ texts: [[UInt8]]) -> UnsafeBufferPointer<UnsafeBufferPointer<UInt8>> {
        copy(texts.map { copy($0) })
    }

    deinit {
        for block in blocks { block.deallocate() }
    }
}

/// One field's rules, compiled for the byte-level check: plain values, and texts and lists in a
/// ``PlanStore``.
struct FieldPlan: BitwiseCopyable {
    typealias Text = UnsafeBufferPointer<UInt8>

    struct CompiledCondition {
        let field: Int
        let containsAny: Bool
        let texts: UnsafeBufferPointer<Text>
    }

    struct PrefixRule {
        let prefix: Text
        let categoryField: Int
        let required: Text
    }

    struct CreditRule {
        let placeholder: Text?
        /// The registration-authority and category pairs allowed (the code's first two bytes), as
        /// bits; empty when any is.
        let knownPairs: UnsafeBufferPointer<UInt64>
        let prefixRules: UnsafeBufferPointer<PrefixRule>

        func allowsPair(_ first: UInt8, _ second: UInt8) -> Bool {
            guard !knownPairs.isEmpty else { return true }
            let pair = Int(first) << 8 | Int(second)
            return knownPairs[pair >> 6] >> UInt64(pair & 63) & 1 == 1
        }
    }

    /// Which check a code field gets; its settings are in ``credit``, or for identity documents
    /// and patterns in the check's own lists (kept apart from the tag so that switching on it
    /// copies nothing).
    enum CheckKind {
        case none, organization, credit, identity, pattern
    }

    let kind: FieldSpec.Kind
    let required: Bool
    let conditions: UnsafeBufferPointer<CompiledCondition>
    /// `conditions` is not empty (kept beside the plan's other flags).
    let hasConditions: Bool
    let maxLength: Int
    let valuesLongestFirst: UnsafeBufferPointer<Text>
    let separators: UnsafeBufferPointer<Text>
    let otherPrefix: Text?
    let multiple: Bool
    let notAfterToday: Bool
    /// The days of the dates that stand for 长期 (`long_term_aliases`, with `long_term`): not clean.
    let longTermAliasDays: UnsafeBufferPointer<Int>
    /// `past_while`: a date before today while one of these holds is the full check's warning.
    let pastWhile: UnsafeBufferPointer<CompiledCondition>
    let notBefore: UnsafeBufferPointer<Int>
    /// `notBefore` is not empty (kept beside the plan's other flags).
    let checksOrder: Bool
    let maxScale: Int?
    /// A minimum above zero: only the full check compares against it.
    let minimumNeedsFullCheck: Bool
    /// `warn_at_least` as a whole number (`nil`: none); `warnNeedsFullCheck` when it is not one.
    let warnLimit: Int?
    let warnNeedsFullCheck: Bool
    let checkKind: CheckKind
    let credit: CreditRule?
    /// A code field no check digit guards, not itself personal (工商注册号、税务登记号 …): an ID or
    /// mobile number in it is the full check's `personal-data-in-code`.
    let screensNumbers: Bool

    init(_ field: FieldSpec, indexByName: [String: Int], store: PlanStore) {
        kind = field.kind
        required = field.required
        func compiled(_ conditions: [Condition]) -> UnsafeBufferPointer<CompiledCondition> {
            store.copy(conditions.compactMap { condition in
                guard let index = indexByName[condition.field] else { return nil }
                switch condition.match {
                case .oneOf(let values): return CompiledCondition(field: index, containsAny: false, texts: store.copy(values.map { Array($0.utf8) }))
                case .containsAny(let texts): return CompiledCondition(field: index, containsAny: true, texts: store.copy(texts.map { Array($0.utf8) }))
                }
            })
        }
        conditions = compiled(field.requiredWhen)
        pastWhile = compiled(field.pastWhile)
        hasConditions = !conditions.isEmpty
        maxLength = field.maxLength ?? Int.max
        valuesLongestFirst = store.copy(field.values.map { Array($0.utf8) }.sorted { $0.count > $1.count })
        separators = store.copy(field.separators.map { Array($0.utf8) })
        otherPrefix = field.otherPrefix.map { store.copy(Array($0.utf8)) }
        multiple = field.multiple
        notAfterToday = field.notAfterToday
        longTermAliasDays = store.copy(field.longTerm == nil ? [] : field.longTermAliases.map(\.dayNumber))
        notBefore = store.copy((field.notBefore + field.warnIfBefore).compactMap { indexByName[$0] })
        checksOrder = !notBefore.isEmpty
        maxScale = field.maxScale
        // Decided once here, not per cell: `DecimalText` holds its digits as strings.
        if let minimum = field.minimum {
            minimumNeedsFullCheck = !minimum.isNegative
                && !(minimum.integerDigits.isEmpty && minimum.fractionDigits.allSatisfy { $0 == "0" })
        } else {
            minimumNeedsFullCheck = false
        }
        if let warnAtLeast = field.warnAtLeast {
            let limit = warnAtLeast.isNegative || !warnAtLeast.fractionDigits.allSatisfy({ $0 == "0" })
                ? nil : Int(warnAtLeast.integerDigits.isEmpty ? "0" : warnAtLeast.integerDigits)
            warnLimit = limit
            warnNeedsFullCheck = limit == nil
        } else {
            warnLimit = nil
            warnNeedsFullCheck = false
        }
        var credit: CreditRule?
        switch field.check {
        case nil: checkKind = .none
        case .organizationCode: checkKind = .organization
        case .creditCode(let rule):
            var pairs: [UInt64] = []
            for key in rule.knownRegistrationCategories.keys {
                let bytes = Array(key.utf8)
                guard bytes.count == 2 else { continue }
                if pairs.isEmpty { pairs = Array(repeating: 0, count: 1024) }
                let pair = Int(bytes[0]) << 8 | Int(bytes[1])
                pairs[pair >> 6] |= 1 << UInt64(pair & 63)
            }
            let prefixRules = rule.categoryByPrefix.compactMap { prefix, category -> PrefixRule? in
                guard let field = rule.categoryField, let index = indexByName[field] else { return nil }
                return PrefixRule(prefix: store.copy(Array(prefix.utf8)), categoryField: index, required: store.copy(Array(category.utf8)))
            }
            credit = CreditRule(
                placeholder: rule.placeholder.map { store.copy(Array($0.utf8)) }, knownPairs: store.copy(pairs),
                prefixRules: store.copy(prefixRules))
            checkKind = .credit
        case .identityDocument(let typeField, _):
            checkKind = indexByName[typeField] == nil ? .none : .identity
        case .pattern:
            // Compiled once, in the check's `regexes`; one that does not compile sends the record
            // to the full check (whose validator refuses such a schema in the first place).
            checkKind = .pattern
        }
        self.credit = credit
        screensNumbers = RecordValidator.screensNumbers(field)
    }

    /// An identity-document field's type field and formats by type (`nil`: no such check).
    static func identity(_ field: FieldSpec, indexByName: [String: Int]) -> (typeField: Int, formats: [(type: [UInt8], format: IdentityFormat, regex: Regex<AnyRegexOutput>?)])? {
        guard case .identityDocument(let typeField, let formats) = field.check else { return nil }
        let byType = formats.sorted { $0.key < $1.key }.map { type, format in
            let regex: Regex<AnyRegexOutput>? = if case .pattern(let pattern) = format { try? Regex(pattern) } else { nil }
            return (type: Array(type.utf8), format: format, regex: regex)
        }
        return indexByName[typeField].map { ($0, byType) }
    }

    /// Whether a multi-valued cell, already split, holds only allowed values.
    func valuesAreClean(_ cell: UnsafeBufferPointer<UInt8>, _ tokens: UnsafeBufferPointer<Range<Int>>) -> Bool {
        !tokens.isEmpty && tokens.allSatisfy { isAllowed(UnsafeBufferPointer(rebasing: cell[$0])) }
    }

    /// A value in the list, or text after the `other_prefix`.
    func isAllowed(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        for value in valuesLongestFirst where value.count == token.count && token.elementsEqual(value) { return true }
        guard let prefix = otherPrefix else { return false }
        return token.count > prefix.count && token.starts(with: prefix)
    }

    /// The values of a multi-valued cell, as ranges: known values taken whole (even when they
    /// contain a separator), the rest split at separators. Spaces around values make the cell
    /// "not sure" upstream, so none are trimmed here.
    func tokens(_ cell: UnsafeBufferPointer<UInt8>, into tokens: inout [Range<Int>]) {
        tokens.removeAll(keepingCapacity: true)
        var index = 0
        let count = cell.count
        func separator(at position: Int) -> Int? {
            for separator in separators where position + separator.count <= count {
                if UnsafeBufferPointer(rebasing: cell[position..<(position + separator.count)]).elementsEqual(separator) {
                    return separator.count
                }
            }
            return nil
        }
        while index < count {
            if let length = separator(at: index) {
                index += length
                continue
            }
            if let value = valuesLongestFirst.first(where: { value in
                index + value.count <= count
                    && UnsafeBufferPointer(rebasing: cell[index..<(index + value.count)]).elementsEqual(value)
                    && (index + value.count == count || separator(at: index + value.count) != nil)
            }) {
                tokens.append(index..<(index + value.count))
                index += value.count
                continue
            }
            var end = index
            while end < count, separator(at: end) == nil { end += 1 }
            tokens.append(index..<end)
            index = end
        }
    }

    func decimalIsClean(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        // Plain `digits[.digits]` only; signs and anything unusual go to the full check.
        var integerDigits = 0
        var fractionDigits = 0
        var significantFraction = 0
        var seenPoint = false
        var leadingZeros = true
        var integerValue = 0
        for byte in cell {
            if byte == 0x2E {
                guard !seenPoint else { return false }
                seenPoint = true
                continue
            }
            guard byte >= 0x30, byte <= 0x39 else { return false }
            if seenPoint {
                fractionDigits += 1
                if byte != 0x30 { significantFraction = fractionDigits }
            } else {
                if leadingZeros, byte == 0x30 { continue }
                leadingZeros = false
                integerDigits += 1
                if integerDigits <= 15 { integerValue = integerValue * 10 + Int(byte - 0x30) }
            }
        }
        guard cell.count > 0, cell.last != 0x2E, cell.first != 0x2E || fractionDigits > 0 else { return false }
        // (More is `amount-implausible`: an ID or phone number in an amount's column.)
        if integerDigits > RecordValidator.mostIntegerDigits { return false }
        if let maxScale, significantFraction > maxScale { return false }
        // The value is not negative, so a minimum of zero or less holds; other limits need the full check.
        if minimumNeedsFullCheck || warnNeedsFullCheck { return false }
        if let warnLimit {
            guard integerDigits <= 15, integerValue < warnLimit else { return false }
        }
        return true
    }
}

/// Byte-level helpers for the fast check.
enum Bytes {
    /// The text of bytes already found to be UTF-8 (a clean record's cells: the fast check's text
    /// pass, or ASCII for codes, dates and decimals), made without validating them a second time
    /// (`String(decoding:as:)` reads every byte of a Chinese text one at a time to validate it:
    /// about a third of making a record's values, measured in isolation). Its ASCII is noted, as
    /// the validating initializer notes it: a text not known to be ASCII is compared and hashed
    /// by the slower general path (twice the time for an 18-character credit code, measured).
    static func text(knownUTF8 bytes: UnsafeBufferPointer<UInt8>) -> String {
        assert(UTF8Validator.firstInvalid(in: bytes) == nil, "bytes taken for UTF-8 are not")
        var span = unsafe UTF8Span(unchecked: Span(_unsafeElements: bytes))
        _ = span.checkForASCII()
        return String(copying: span)
    }

    /// Whether the cell is already in normal form and valid UTF-8: nothing to trim, no invisible
    /// characters, and for codes, dates and decimals plain ASCII (and for codes no lower case).
    /// Whether a code may be a personal number (``RecordValidator/personalNumber(inCode:today:)``):
    /// 11, 13, 15, 18 or 20 digits (an 18th may be `X`) and nothing else but spaces, hyphens,
    /// brackets and a `+`. Such codes go to the full check.
    static func mayBePersonalNumber(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        guard cell.count >= 11 else { return false }
        var digits = 0
        var leading: UInt32 = 0  // the first four digits, a byte each
        for byte in cell {
            if byte &- 0x30 < 10 || (byte == 0x58 && digits == 17) {
                if digits < 4 { leading = leading << 8 | UInt32(byte) }
                digits += 1
            } else if !(byte == 0x20 || byte == 0x2D || byte == 0x28 || byte == 0x29 || byte == 0x2B) {
                return false
            }
        }
        // (15 digits only after 0086: a 工商注册号 has 15 of its own.)
        return digits == 11 || digits == 13 || (digits == 15 && leading == 0x3030_3836) || digits == 18 || digits == 20
    }

    /// Whether the cell holds a full-width digit or Latin letter (U+FF10–FF19: EF BC 90–99;
    /// U+FF21–FF3A: EF BC A1–BA; U+FF41–FF5A: EF BD 81–9A).
    static func hasFullWidthAlphanumeric(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        guard cell.count >= 3 else { return false }
        for index in 0..<(cell.count - 2) where cell[index] == 0xEF {
            let b1 = cell[index + 1], b2 = cell[index + 2]
            if b1 == 0xBC, (0x90...0x99).contains(b2) || (0xA1...0xBA).contains(b2) { return true }
            if b1 == 0xBD, (0x81...0x9A).contains(b2) { return true }
        }
        return false
    }

    /// Whether the cell holds U+2028 or U+2029 (E2 80 A8, E2 80 A9).
    static func hasLineSeparator(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        guard cell.count >= 3 else { return false }
        for index in 0..<(cell.count - 2) where cell[index] == 0xE2 && cell[index + 1] == 0x80 && (cell[index + 2] == 0xA8 || cell[index + 2] == 0xA9) {
            return true
        }
        return false
    }

    static func needsNoNormalization(_ cell: UnsafeBufferPointer<UInt8>, kind: FieldSpec.Kind) -> Bool {
        let count = cell.count
        guard let first = cell.first, let last = cell.last, let start = cell.baseAddress else { return true }
        if first == 0x20 || first == 0x09 || first == 0x0A || first == 0x0D { return false }
        // A spreadsheet formula's first character (`FormulaGuard`): the full check warns.
        if first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40 { return false }
        // Excel's text guard ="…" anywhere, and its apostrophe outside free text.
        if first == 0x3D, count > 1, cell[1] == 0x22 { return false }
        if first == 0x27, kind != .text { return false }
        if last == 0x20 || last == 0x09 || last == 0x0A || last == 0x0D { return false }
        // U+3000 or U+00A0 at either end.
        if count >= 3, cell[0] == 0xE3, cell[1] == 0x80, cell[2] == 0x80 { return false }
        if count >= 3, cell[count - 3] == 0xE3, cell[count - 2] == 0x80, cell[count - 1] == 0x80 { return false }
        if count >= 2, (cell[0] == 0xC2 && cell[1] == 0xA0) || (cell[count - 2] == 0xC2 && cell[count - 1] == 0xA0) {
            return false
        }
        let raw = UnsafeRawPointer(start)
        if kind == .code || kind == .date || kind == .decimal {
            // Normal codes, dates and decimals are ASCII; codes have no lower case.
            // A plus sign in a code may be Excel's scientific notation: the full check decides.
            for byte in cell where byte >= 0x80 || byte < 0x20 || byte == 0x7F || (kind == .code && ((byte >= 0x61 && byte <= 0x7A) || byte == 0x2B)) {
                return false
            }
            return true
        }
        // Text: one pass that checks the bytes are UTF-8 (so a clean record needs no other check)
        // and looks for the invisible characters U+200B–U+200D, U+2060 (E2 …) and U+FEFF (EF BB BF),
        // eight ASCII bytes or two ordinary three-byte characters at a time (measured: the checking
        // thread's time fell 12% against one character at a time).
        var index = 0
        // Lead bytes that need a closer look, as bits by their low nibble: E0 and ED (range
        // limits) and E2 (U+200B–U+200D, U+2060). EF needs one only before BB (U+FEFF): EF BC …
        // is full-width punctuation, common in Chinese text.
        let closerLook: UInt64 = 1 << 0x0 | 1 << 0x2 | 1 << 0xD
        // (EF BF: U+FFC0–U+FFFF, among them the noncharacters U+FFFE and U+FFFF, which XML refuses.)
        @inline(__always) func isOrdinary(_ character: UInt64) -> Bool {
            closerLook >> (character & 0xF) & 1 == 0 && character & 0xFFFF != 0xBBEF && character & 0xFFFF != 0xBFEF
        }
        // Before that, sixteen bytes at a time (``ordinaryText(_:after:_:)``) from the third byte on;
        // a block that holds anything else is read by the steps below (measured: this pass was 10%
        // of a million-record validation's samples eight bytes at a time).
        var wideFrom = 2  // where the next block may start (after a block read by the steps below)
        var midCharacter = false  // the last block may have ended inside a character
        while index < count {
            // (Never up to the last byte: the steps below read the last character whole.)
            if index >= wideFrom, index + 16 < count {
                let block = raw.loadUnaligned(fromByteOffset: index, as: SIMD16<UInt8>.self)
                let before = raw.loadUnaligned(fromByteOffset: index - 1, as: SIMD16<UInt8>.self)
                let twoBefore = raw.loadUnaligned(fromByteOffset: index - 2, as: SIMD16<UInt8>.self)
                if Self.ordinaryText(block, after: before, twoBefore) {
                    index += 16
                    midCharacter = true
                    continue
                }
                wideFrom = index + 16
            }
            // Back to the start of the last character begun before `index`, which may end after it
            // (the blocks checked its lead and the continuation bytes before `index`, not the rest).
            if midCharacter {
                let end = index
                while end - index < 2, cell[index - 1] & 0xC0 == 0x80 { index -= 1 }
                if cell[index - 1] >= 0xC0 { index -= 1 }
                midCharacter = false
            }
            if index + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                // ASCII, and no control character (a byte below 0x20, or 0x7F): eight bytes at once.
                let below20 = (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080
                let is7F = ((word ^ 0x7F7F_7F7F_7F7F_7F7F) &- 0x0101_0101_0101_0101) & ~(word ^ 0x7F7F_7F7F_7F7F_7F7F) & 0x8080_8080_8080_8080
                if word & 0x8080_8080_8080_8080 == 0, below20 == 0, is7F == 0 {
                    index += 8
                    continue
                }
                // Two ordinary three-byte characters (most CJK) in one step: 1110xxxx 10xxxxxx 10xxxxxx twice.
                if word & 0xC0C0_F0C0_C0F0 == 0x8080_E080_80E0, isOrdinary(word), isOrdinary(word >> 24) {
                    index += 6
                    continue
                }
                if word & 0xC0_C0F0 == 0x80_80E0, isOrdinary(word) {
                    index += 3
                    continue
                }
            }
            let byte = cell[index]
            if byte < 0x80 {
                if byte < 0x20 || byte == 0x7F { return false }
                index += 1
            } else if byte >= 0xE0, byte <= 0xEF {
                guard index + 2 < count else { return false }
                let b1 = cell[index + 1]
                let b2 = cell[index + 2]
                guard b1 & 0xC0 == 0x80, b2 & 0xC0 == 0x80, byte != 0xE0 || b1 >= 0xA0, byte != 0xED || b1 <= 0x9F else {
                    return false
                }
                if byte == 0xE2,
                    (b1 == 0x80 && ((b2 >= 0x8B && b2 <= 0x8D) || (b2 >= 0xAA && b2 <= 0xAE))) || (b1 == 0x81 && (b2 == 0xA0 || (b2 >= 0xA6 && b2 <= 0xA9)))
                {
                    return false  // invisible: U+200B–U+200D, U+2060; the direction controls U+202A–U+202E, U+2066–U+2069
                }
                if byte == 0xEF, b1 == 0xBB, b2 == 0xBF { return false }
                if byte == 0xEF, b1 == 0xBF, b2 >= 0xBE { return false }  // U+FFFE, U+FFFF
                index += 3
            } else if byte >= 0xC2, byte <= 0xDF {
                guard index + 1 < count, cell[index + 1] & 0xC0 == 0x80 else { return false }
                if byte == 0xC2, cell[index + 1] < 0xA0 { return false }  // C1 control characters
                index += 2
            } else if byte >= 0xF0, byte <= 0xF4 {
                guard index + 3 < count else { return false }
                let b1 = cell[index + 1]
                guard b1 & 0xC0 == 0x80, cell[index + 2] & 0xC0 == 0x80, cell[index + 3] & 0xC0 == 0x80,
                    byte != 0xF0 || b1 >= 0x90, byte != 0xF4 || b1 <= 0x8F
                else { return false }
                index += 4
            } else {
                return false
            }
        }
        return true
    }

    /// Whether sixteen bytes of text are, each, printable ASCII, the lead byte of an ordinary
    /// three-byte character (E1, E3–EC, EE, EF: not E0 or ED, whose ranges are narrower, nor E2,
    /// which begins the invisible U+200B–U+200D and U+2060, nor EF BB, which begins U+FEFF, nor
    /// EF BF, which begins the noncharacters U+FFFE and U+FFFF), or one
    /// of its two continuation bytes, where one is due: `before` and `twoBefore` are the sixteen
    /// bytes one and two places earlier, so that a character may begin in the block before. Any
    /// other byte (a control, a two- or four-byte character, a stray or missing continuation) makes
    /// it false, and the block is read a character at a time. A character may end in the next block,
    /// whose continuation bytes are then checked there.
    @inline(__always)
    static func ordinaryText(_ block: SIMD16<UInt8>, after before: SIMD16<UInt8>, _ twoBefore: SIMD16<UInt8>) -> Bool {
        // Every operation vector with vector: the standard library's vector-with-scalar forms are
        // loops over the lanes (28 times slower here).
        typealias V = SIMD16<UInt8>
        let (high4, high2, e0) = (V(repeating: 0xF0), V(repeating: 0xC0), V(repeating: 0xE0))
        let lead = block & high4 .== e0
        let due = (before & high4 .== e0) .| (twoBefore & high4 .== e0)
        let continuation = block & high2 .== V(repeating: 0x80)
        let printable = block &- V(repeating: 0x20) .< V(repeating: 0x5F)  // 0x20–0x7E
        let special = (block .== e0) .| (block .== V(repeating: 0xE2)) .| (block .== V(repeating: 0xED))
            .| ((before .== V(repeating: 0xEF)) .& ((block .== V(repeating: 0xBB)) .| (block .== V(repeating: 0xBF))))
        let ordinary = (continuation .& due) .| (.!due .& (printable .| lead))
        return !(.!ordinary .| special).anyLane
    }

    /// The cell without the whitespace ``TextNormalizer/trim(_:)`` takes from its ends (ASCII
    /// spaces, tabs and line ends, U+3000 and U+00A0), as a range in it. Only whole characters are
    /// taken: a byte that ends U+3000 is taken with the two before it, which begin it.
    static func trimmedRange(_ cell: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        @inline(__always) func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        var lower = 0
        var upper = cell.count
        while lower < upper {
            let byte = cell[lower]
            if isBlank(byte) {
                lower += 1
            } else if byte == 0xE3, upper - lower >= 3, cell[lower + 1] == 0x80, cell[lower + 2] == 0x80 {
                lower += 3
            } else if byte == 0xC2, upper - lower >= 2, cell[lower + 1] == 0xA0 {
                lower += 2
            } else {
                break
            }
        }
        while upper > lower {
            let byte = cell[upper - 1]
            if isBlank(byte) {
                upper -= 1
            } else if byte == 0x80, upper - lower >= 3, cell[upper - 3] == 0xE3, cell[upper - 2] == 0x80 {
                upper -= 3
            } else if byte == 0xA0, upper - lower >= 2, cell[upper - 2] == 0xC2 {
                upper -= 2
            } else {
                break
            }
        }
        return lower..<upper
    }

    /// The number of Unicode scalars (characters) in UTF-8 bytes.
    static func scalarCount(_ cell: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        for byte in cell where byte & 0xC0 != 0x80 { count += 1 }
        return count
    }

    /// `YYYY/MM/DD` exactly, as a day number; anything else (other forms, impossible dates) is `nil`.
    static func standardDate(_ cell: UnsafeBufferPointer<UInt8>) -> Int? {
        guard cell.count == 10, cell[4] == 0x2F, cell[7] == 0x2F, let year = number(cell, 0..<4), let month = number(cell, 5..<7),
            let day = number(cell, 8..<10), let date = CalendarDate(year: year, month: month, day: day)
        else { return nil }
        return date.dayNumber
    }

    /// The day of a date written in another form than YYYY/MM/DD that the full check reads as that
    /// date and rewrites YYYY/MM/DD (``TextNormalizer/date(_:)``): eight digits (20250601), or a
    /// four-digit year, a month and a day of one or two digits each, between the same separator
    /// twice, `-`, `/` or `.` (2025-06-01, 2025/6/1, 2025-6-01, 2025.6.1); any of these followed by
    /// a time of day (2025/6/1 9:30, as Excel exports date-times). Nil for anything else, and for a
    /// day that does not exist: the full check words those.
    static func otherDateForm(_ cell: UnsafeBufferPointer<UInt8>) -> Int? {
        if cell.count > 10 {
            guard let end = TextNormalizer.timeStart(cell) else { return nil }
            let date = UnsafeBufferPointer(rebasing: cell[..<end])
            return standardDate(date) ?? otherDateForm(date)
        }
        let count = cell.count
        guard count >= 8, count <= 10, let year = number(cell, 0..<4), year >= 1 else { return nil }
        let (month, day): (Int?, Int?)
        if count == 8, number(cell, 4..<5) != nil {
            (month, day) = (number(cell, 4..<6), number(cell, 6..<8))
        } else {
            let separator = cell[4]
            guard separator == 0x2D || separator == 0x2F || separator == 0x2E else { return nil }
            guard let second = (6...7).first(where: { cell[$0] == separator }), count - second - 1 >= 1, count - second - 1 <= 2 else {
                return nil
            }
            (month, day) = (number(cell, 5..<second), number(cell, (second + 1)..<count))
        }
        guard let month, let day, let date = CalendarDate(year: year, month: month, day: day) else { return nil }
        return date.dayNumber
    }

    /// The number the ASCII digits of `range` write; nil if any byte there is not a digit.
    private static func number(_ cell: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        var value = 0
        for index in range {
            let byte = cell[index]
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// Whether `needle` occurs in `haystack`, followed by `then` (the three bytes of 元, say): on
    /// buffers, without making arrays (called per text cell of every record). On UTF-8 bytes a
    /// match is always on character boundaries.
    static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: UnsafeBufferPointer<UInt8>, then: (UInt8, UInt8, UInt8)? = nil) -> Bool {
        let tail = then == nil ? 0 : 3
        guard let first = needle.first, needle.count + tail <= haystack.count, let base = haystack.baseAddress else { return needle.isEmpty }
        let raw = UnsafeRawPointer(base)
        let count = haystack.count
        let last = count - needle.count - tail
        // The needle's first byte is looked for eight bytes at a time (a person's name in every
        // screened text of a natural person's record, a 万元 figure in the text: byte by byte, this
        // search was 3% of a million-record validation's samples).
        let firsts = UInt64(first) &* 0x0101_0101_0101_0101
        var start = 0
        while start <= last {
            if start + 8 <= count {
                let difference = raw.loadUnaligned(fromByteOffset: start, as: UInt64.self) ^ firsts
                // 0x80 in each byte that is zero (the first byte found), exactly: no carry crosses bytes.
                let found = ~(((difference & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | difference) & 0x8080_8080_8080_8080
                if found == 0 {
                    start += 8
                    continue
                }
                start += found.trailingZeroBitCount >> 3
                if start > last { return false }
            } else if haystack[start] != first {
                start += 1
                continue
            }
            var index = 1
            while index < needle.count && haystack[start + index] == needle[index] { index += 1 }
            if index == needle.count {
                guard let then else { return true }
                let at = start + needle.count
                if haystack[at] == then.0 && haystack[at + 1] == then.1 && haystack[at + 2] == then.2 { return true }
            }
            start += 1
        }
        return false
    }

    static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        needle.withUnsafeBufferPointer { contains(haystack, $0) }
    }

    /// Whether the text holds 未成年 (E6 9C AA E6 88 90 E5 B9 B4), 岁 (E5 B2 81), 龄 (E9 BE 84) or a
    /// 生 (E7 94 9F) of a birth date (``at``): one pass, eight
    /// bytes at a time, looking for their second bytes (0x9C, 0xB2, 0x94, 0xBE: continuation bytes, rarer than
    /// the lead bytes 0xE5 and 0xE6 that most common characters start with), each then checked
    /// whole. (Two searches by ``contains(_:_:)`` for the words' first bytes, on every text of a
    /// natural person's record, were 3% of a million-record validation's samples.)
    static func mayStateMinor(_ haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = haystack.baseAddress, haystack.count >= 3 else { return false }
        let raw = UnsafeRawPointer(base)
        let count = haystack.count
        func at(_ index: Int) -> Bool {
            guard index >= 1, index + 1 < count else { return false }
            let (lead, middle, last) = (haystack[index - 1], haystack[index], haystack[index + 1])
            if lead == 0xE5 && middle == 0xB2 && last == 0x81 { return true }
            // 龄 (E9 BE 84): 年龄 16.
            if lead == 0xE9 && middle == 0xBE && last == 0x84 { return true }
            // 生 (E7 94 9F) after 出, 日, 年, 月, a digit or a point (2010年3月15日出生, 2010.03.15生), or
            // before 于 or 日 (生于2010年, 生日2010年3月15日): a birth date. (Not 发生, 卫生, 生产.)
            if lead == 0xE7 && middle == 0x94 && last == 0x9F {
                if index + 4 < count, haystack[index + 2] == 0xE4, haystack[index + 3] == 0xBA, haystack[index + 4] == 0x8E { return true }
                // 生日 (日: E6 97 A5).
                if index + 4 < count, haystack[index + 2] == 0xE6, haystack[index + 3] == 0x97, haystack[index + 4] == 0xA5 { return true }
                if index >= 2, haystack[index - 2] &- 0x30 < 10 || haystack[index - 2] == 0x2E { return true }
                guard index >= 4 else { return false }
                let before = (haystack[index - 4], haystack[index - 3], haystack[index - 2])
                return before == (0xE5, 0x87, 0xBA) || before == (0xE6, 0x97, 0xA5) || before == (0xE5, 0xB9, 0xB4) || before == (0xE6, 0x9C, 0x88)
            }
            guard lead == 0xE6 && middle == 0x9C && last == 0xAA, index + 7 < count else { return false }
            return haystack[index + 2] == 0xE6 && haystack[index + 3] == 0x88 && haystack[index + 4] == 0x90
                && haystack[index + 5] == 0xE5 && haystack[index + 6] == 0xB9 && haystack[index + 7] == 0xB4
        }
        let first = UInt64(0x9C) &* 0x0101_0101_0101_0101
        let second = UInt64(0xB2) &* 0x0101_0101_0101_0101
        let third = UInt64(0x94) &* 0x0101_0101_0101_0101
        let fourth = UInt64(0xBE) &* 0x0101_0101_0101_0101
        func zeros(_ difference: UInt64) -> UInt64 {
            ~(((difference & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | difference) & 0x8080_8080_8080_8080
        }
        var start = 0
        while start + 8 <= count {
            let word = raw.loadUnaligned(fromByteOffset: start, as: UInt64.self)
            var found = zeros(word ^ first) | zeros(word ^ second) | zeros(word ^ third) | zeros(word ^ fourth)
            while found != 0 {
                if at(start + found.trailingZeroBitCount >> 3) { return true }
                found &= found &- 1
            }
            start += 8
        }
        while start < count {
            let byte = haystack[start]
            if byte == 0x9C || byte == 0xB2 || byte == 0x94 || byte == 0xBE, at(start) { return true }
            start += 1
        }
        return false
    }

    // The helpers below are called for every record: they use no global tables (each access to
    // a global `let` array costs a lazy-initialisation check and a retain) and no `Character`s.

    /// The value of a 统一社会信用代码 symbol (digits, then capitals without I, O, S, V, Z), or -1.
    @inline(__always)
    static func creditValue(_ byte: UInt8) -> Int {
        switch byte {
        case 0x30...0x39: Int(byte &- 0x30)
        case 0x41...0x48: Int(byte &- 0x41) &+ 10  // A–H
        case 0x4A...0x4E: Int(byte &- 0x4A) &+ 18  // J–N
        case 0x50...0x52: Int(byte &- 0x50) &+ 23  // P–R
        case 0x54, 0x55: Int(byte &- 0x54) &+ 26  // T, U
        case 0x57...0x59: Int(byte &- 0x57) &+ 28  // W–Y
        default: -1
        }
    }

    static func creditCodeIsValid(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        guard cell.count == 18 else { return false }
        // Σ value·3^i for i = 0…16, by Horner's rule from the last symbol (no table of weights).
        var sum = 0
        var index = 16
        while index >= 0 {
            let value = creditValue(cell[index])
            guard value >= 0, value <= 9 || index < 2 || index >= 8 else { return false }
            sum = sum &* 3 &+ value
            index -= 1
        }
        guard creditValue(cell[17]) == (31 - sum % 31) % 31 else { return false }
        return organizationBodyIsValid(UnsafeBufferPointer(rebasing: cell[8..<17]))
    }

    static func organizationCodeIsValid(_ cell: UnsafeBufferPointer<UInt8>) -> Bool {
        if cell.count == 10, cell[8] == UInt8(ascii: "-") {
            var joined = Array(cell[0..<8])
            joined.append(cell[9])
            return joined.withUnsafeBufferPointer(organizationBodyIsValid)
        }
        return organizationBodyIsValid(cell)
    }

    private static func organizationBodyIsValid(_ code: UnsafeBufferPointer<UInt8>) -> Bool {
        guard code.count == 9 else { return false }
        // GB 11714's weights 3 7 9 10 5 8 4 2, one per byte, the first in the lowest.
        let packedWeights: UInt64 = 0x0204_0805_0A09_0703
        var sum = 0
        for index in 0..<8 {
            let byte = code[index]
            let value: Int
            switch byte {
            case 0x30...0x39: value = Int(byte - 0x30)
            case 0x41...0x5A: value = Int(byte - 0x41) + 10
            default: return false
            }
            sum += value * Int(truncatingIfNeeded: packedWeights >> UInt64(index * 8) & 0xFF)
        }
        let remainder = 11 - sum % 11
        let expected: UInt8 = remainder == 10 ? UInt8(ascii: "X") : remainder == 11 ? UInt8(ascii: "0") : UInt8(0x30 + remainder)
        return code[8] == expected
    }
}
