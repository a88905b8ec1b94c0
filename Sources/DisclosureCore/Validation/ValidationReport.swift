public import WorkingDayCalendar

/// What validation found in a set of files: every problem, located, and counts that reconcile:
/// records = valid + invalid (+ outside a range re-run's dates), and every row that is not a record is counted as skipped, with its reason.
public struct ValidationReport: Sendable {
    /// One file's outcome.
    public struct FileSummary: Sendable, Equatable {
        public let file: String
        /// Data rows read as records.
        public var records = 0
        public var valid = 0
        public var invalid = 0
        /// Rows that are not records (blank rows), each reported with its reason.
        public var skipped = 0
        /// The file could not be checked as a whole (unreadable, not UTF-8, missing columns); none
        /// of its rows is counted.
        public var failed = false
        /// Its records whose decision key an earlier file of the batch held (`duplicate-key`): an
        /// export sent twice, or an older and a newer one on one night — whose newer copy must not
        /// be settled with the older one's content kept (the run reads such a file again the next
        /// night, when the earlier file is settled).
        public var duplicatesOfEarlierFiles = 0
        /// Records decided outside a range re-run's dates (``ValidationSession/range``): counted
        /// here, neither valid nor invalid, their problems not listed (the nightly run reads them).
        public var outsideRange = 0
    }

    public let schemaID: String
    public let schemaVersion: Int
    public let today: CalendarDate
    public internal(set) var files: [FileSummary] = []
    /// Problems found so far; the problems themselves are handed out file by file
    /// (``ValidationSession/endFile()``), so that memory does not grow with the input.
    public internal(set) var errorCount = 0
    public internal(set) var warningCount = 0

    public var records: Int { files.reduce(0) { $0 + $1.records } }
    public var valid: Int { files.reduce(0) { $0 + $1.valid } }
    public var invalid: Int { files.reduce(0) { $0 + $1.invalid } }
    public var skipped: Int { files.reduce(0) { $0 + $1.skipped } }
    public var outsideRange: Int { files.reduce(0) { $0 + $1.outsideRange } }
    public var failedFiles: Int { files.filter(\.failed).count }

    /// Every record valid and every file read.
    public var isValid: Bool { invalid == 0 && failedFiles == 0 }
}

/// What checking one record found, before the batch-wide rules (duplicate keys) and the counts.
public enum RecordOutcome: Sendable {
    /// A blank row, or (`total`) a sheet's total row (合计 and sums), or (`header`) the header row
    /// again (exports pasted together): not a record.
    case blank(total: Bool = false, header: Bool = false)
    /// Bytes that are not UTF-8 (when asked to check): the file fails; the caller finds the offset.
    case undecodable
    /// A record, with its decision key's digest (when all key fields are filled), its first key
    /// field's text (for a duplicate's message), and its problems; `textsClear`: its values are its
    /// cells as read (trimmed at their ends, a date in another form written YYYY/MM/DD) and
    /// ``FastRecordCheck`` found no screened text in them that
    /// ``PersonalDataScreen/mayContain(_:)`` would send to the screen (``ValidRecord/textsClear``).
    case checked(key: UInt64?, keyText: KeyText, issues: [Issue], values: [String?]? = nil, textsClear: Bool = false)
    /// A checked record whose values a record sink has already used where it was checked
    /// (``RecordPreparer``): only its decision date (as written) is kept, for its sighting.
    case prepared(key: UInt64?, keyText: KeyText, issues: [Issue], decisionDate: String?)

    /// The outcome with its values let go, once a record sink has prepared what it needs of them
    /// (on the thread that made them, which frees them there): a checked record keeps only its
    /// decision date (the value at `dateField`). Other outcomes are as they were.
    public func releasingValues(keepingDateAt dateField: Int?) -> RecordOutcome {
        guard case .checked(let key, let keyText, let issues, let values?, _) = self else { return self }
        return .prepared(key: key, keyText: keyText, issues: issues, decisionDate: dateField.flatMap { values[$0] })
    }

    /// The first key field's text, kept as bytes until it is needed (a duplicate, the register).
    /// Kept as bytes only by a record the fast check found clean, whose key cell it found to be
    /// UTF-8: made from them, the text is not validated again (``Bytes/text(knownUTF8:)``).
    public struct KeyText: Sendable {
        let cells: CellBytes?
        let range: Range<Int>?
        let text: String?

        public var value: String {
            if let text { return text }
            guard let cells, let range, !range.isEmpty else { return "" }
            return cells.bytes.withUnsafeBufferPointer { Bytes.text(knownUTF8: UnsafeBufferPointer(rebasing: $0[range])) }
        }
    }
}

/// Checks single records of one file (after its header): the work that can run on several
/// threads, each with its own evaluator. ``ValidationSession/merge(row:outcome:)`` then applies the
/// batch-wide rules in row order.
public struct RecordEvaluator {
    private let validator: RecordValidator
    private var fastCheck: FastRecordCheck
    private let mapping: ColumnMapping
    private let fieldColumns: [Int?]
    private let keyFields: [Int]
    /// Columns that no field reads: the fast check does not look at their bytes.
    private let unreadColumns: [Int]
    /// Hand back each record's values by field (to build feeds from), not only its problems.
    var keepsValues = false
    /// The header's cells as ``HeaderMatcher/key(_:)`` reduces them, by column; and the schema's
    /// names, codes and aliases (and the mapping's) by that key: what a repeated header is
    /// told by (``isRepeatedHeader(_:)``).
    var headerKeys: [String] = []
    var names: [String: Int] = [:]

    init(validator: RecordValidator, fastCheck: FastRecordCheck, mapping: ColumnMapping, keyFields: [Int]) {
        self.validator = validator
        self.fastCheck = fastCheck
        self.mapping = mapping
        self.keyFields = keyFields
        var columns = [Int?](repeating: nil, count: validator.schema.fields.count)
        for (column, field) in mapping.fieldIndexByColumn.enumerated() {
            if let field { columns[field] = column }
        }
        self.fieldColumns = columns
        self.unreadColumns = mapping.fieldIndexByColumn.indices.filter { mapping.fieldIndexByColumn[$0] == nil }
    }

    /// Whether a row is a sheet's total row, as departments' workbooks end: its first cell with
    /// text 合计, 总计, 小计 or 共计 (with a count after it: 合计：17条), every other cell empty or a
    /// number (the sums).
    static func isTotalRow(_ strings: [String]) -> Bool {
        let texts = strings.map(TextNormalizer.trim).filter { !$0.isEmpty }
        guard let first = texts.first.map({ $0.filter { !$0.isWhitespace } }), ["合计", "总计", "小计", "共计"].contains(where: first.hasPrefix) else { return false }
        let rest = first.dropFirst(2).drop { "：: ".contains($0) }
        guard rest.allSatisfy({ $0.isNumber || "条项件个笔，,".contains($0) }) else { return false }
        return texts.dropFirst().allSatisfy { text in text.allSatisfy { $0.isNumber || ".,，万元".contains($0) } }
    }

    /// Whether a row is the header again (exports pasted together, each with its header; the
    /// first cell may carry the pasted file's byte-order mark): each of its cells, as
    /// ``HeaderMatcher/key(_:)`` reduces it, is its column's header cell or names its column's
    /// field (by the schema's name, code or alias), and at least half the header's named columns
    /// (two at least) are there; any cell past the header's is empty.
    ///
    /// Asked only of a row the fast check did not find clean (a header row never is: its date
    /// and code cells are names), and decided by its first cell for any other row: its cost is
    /// nothing measurable.
    func isRepeatedHeader(_ strings: [String]) -> Bool {
        guard let first = strings.first, !headerKeys.isEmpty else { return false }
        func matches(_ column: Int, _ key: String) -> Bool {
            guard column < headerKeys.count else { return key.isEmpty }
            if key == headerKeys[column] { return true }
            guard !key.isEmpty, column < mapping.columnCount, let field = mapping.fieldIndexByColumn[column] else { return key.isEmpty }
            return names[key] == field
        }
        let firstKey = HeaderMatcher.key(first)
        let named = headerKeys.lazy.filter { !$0.isEmpty }.count
        inOrder: do {
            guard !firstKey.isEmpty || headerKeys[0].isEmpty, matches(0, firstKey) else { break inOrder }
            var found = firstKey.isEmpty ? 0 : 1
            for column in strings.indices.dropFirst() {
                let key = HeaderMatcher.key(strings[column])
                guard matches(column, key) else { break inOrder }
                if !key.isEmpty { found += 1 }
            }
            return found >= max(2, (named + 1) / 2)
        }
        // A header pasted in another column order (another department's export of the same
        // schema, QA's reversed header): every non-empty cell is a header's name or a field's, each
        // once, and as many as above. Gated by its first cell, so other rows cost one lookup.
        guard !firstKey.isEmpty, headerKeys.contains(firstKey) || names[firstKey] != nil else { return false }
        var seen = Set<String>()
        for cell in strings {
            let key = HeaderMatcher.key(cell)
            guard !key.isEmpty else { continue }
            guard headerKeys.contains(key) || names[key] != nil, seen.insert(key).inserted else { return false }
        }
        return seen.count >= max(2, (named + 1) / 2)
    }

    /// Checks one record given as its cells in column order.
    ///
    /// - Parameter checkUTF8: check that the bytes are UTF-8 (the reader did not); a clean record
    ///   was checked by the fast check's own pass.
    public mutating func evaluate(_ cells: CellBytes, checkUTF8: Bool = false) -> RecordOutcome {
        if fastCheck.isClean(cells, fieldColumns: fieldColumns, columnCount: mapping.columnCount),
            !checkUTF8 || unreadColumns.allSatisfy({ cells.isUTF8($0) }),
            // (A key of a date written in another form is the full check's: the key is its normal form.)
            fastCheck.rewrittenCount == 0 || !keyFields.contains(where: fastCheck.isRewrittenDate)
        {
            // A clean record needs no normalization: its values are its cells, but for a cell with
            // whitespace at either end, which is its trimmed text, and a date written in another
            // form (YYYY-MM-DD, 2025/6/1, 20250601), which is written YYYY/MM/DD, each with the full
            // check's warning, in its order.
            var values = keepsValues ? cells.cleanValues(byField: fieldColumns) : nil
            var issues: [Issue] = []
            if fastCheck.rewrittenCount > 0 || fastCheck.trimmedCount > 0 {
                for field in fieldColumns.indices {
                    guard let column = fieldColumns[field] else { continue }
                    var range = cells.range(column)
                    if let inner = fastCheck.trimmedRange(field) {
                        issues.append(RecordValidator.whitespaceNormalized(validator.schema.fields[field], from: cells.string(column)))
                        range = inner
                        if keepsValues { values?[field] = cells.bytes.withUnsafeBufferPointer { Bytes.text(knownUTF8: UnsafeBufferPointer(rebasing: $0[inner])) } }
                    }
                    guard let date = fastCheck.rewrittenDate(field) else { continue }
                    let (raw, standard) = (String(decoding: cells.bytes[range], as: UTF8.self), TextNormalizer.standardForm(date))
                    issues.append(RecordValidator.dateNormalized(validator.schema.fields[field], from: raw, to: standard))
                    values?[field] = standard
                }
            }
            let firstKeyRange = keyFields.first.flatMap { field in fieldColumns[field].map { fastCheck.trimmedRange(field) ?? cells.range($0) } }
            return .checked(
                key: keyDigest(cells), keyText: .init(cells: cells, range: firstKeyRange, text: nil), issues: issues, values: values,
                textsClear: true)
        }
        if checkUTF8, !cells.isUTF8 { return .undecodable }
        let strings = cells.strings
        if strings.allSatisfy({ TextNormalizer.trim($0).isEmpty }) { return .blank() }
        if Self.isTotalRow(strings) { return .blank(total: true) }
        if isRepeatedHeader(strings) { return .blank(header: true) }
        var values = [String?](repeating: nil, count: validator.schema.fields.count)
        var issues: [Issue] = []
        for (column, cell) in strings.enumerated() {
            if column < mapping.columnCount {
                if let index = mapping.fieldIndexByColumn[column] { values[index] = cell }
            } else if !TextNormalizer.trim(cell).isEmpty {
                // The cell may hold anything a shifted row pushed out, an ID number included: shown masked.
                issues.append(.init(
                    "extra-cell", value: PersonalData.mask(cell),
                    zh: "第 \(column + 1) 列有数据，但表头只有 \(mapping.columnCount) 列；可能是某个单元格里的逗号没有加引号",
                    en: "column \(column + 1) holds data but the header has \(mapping.columnCount) columns: an unquoted comma?"))
            }
        }
        if strings.count < mapping.columnCount {
            issues.append(.init(
                "missing-cell", .warning,
                zh: "本行只有 \(strings.count) 列，表头有 \(mapping.columnCount) 列；缺少的列按空值处理（可能是某个单元格里的换行没有加引号）",
                en: "the row has \(strings.count) columns, the header \(mapping.columnCount); the missing ones count as empty (an unquoted line break?)"))
            for column in strings.count..<mapping.columnCount {
                if let index = mapping.fieldIndexByColumn[column] { values[index] = "" }
            }
        }
        let check = validator.check(values)
        issues += check.issues
        let keyValues = keyFields.map { check.values[$0].map { Array($0.utf8)[...] } ?? [] }
        let keyText = keyFields.first.flatMap { check.values[$0] }
        return .checked(
            key: Self.digest(keyValues, keyed: !keyFields.isEmpty), keyText: .init(cells: nil, range: nil, text: keyText),
            issues: issues, values: keepsValues ? check.values : nil)
    }

    /// ``digest(_:keyed:)`` of a clean record's key cells (trimmed, as the fast check read them),
    /// hashed where they lie (no array of slices made per record).
    private func keyDigest(_ cells: CellBytes) -> UInt64? {
        guard !keyFields.isEmpty else { return nil }
        var hasher = Hasher()
        for field in keyFields {
            guard let column = fieldColumns[field] else { return nil }
            let range = fastCheck.trimmedRange(field) ?? cells.range(column)
            guard !range.isEmpty else { return nil }
            cells.bytes.withUnsafeBytes { Self.add(UnsafeRawBufferPointer(rebasing: $0[range]), to: &hasher) }
        }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// The digest of a decision key, or `nil` when a key field is empty.
    static func digest(_ parts: [ArraySlice<UInt8>], keyed: Bool) -> UInt64? {
        guard keyed, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        var hasher = Hasher()
        for part in parts {
            part.withUnsafeBytes { add($0, to: &hasher) }
        }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// One part of a decision key, the same way for both paths (a clean record's cells, a checked
    /// record's normalized values): its length first, so that the parts stay apart.
    @inline(__always)
    private static func add(_ part: UnsafeRawBufferPointer, to hasher: inout Hasher) {
        hasher.combine(part.count)
        hasher.combine(bytes: part)
    }
}

/// Validates the records of one or more files against one schema, as a batch: a decision key seen
/// twice anywhere in the batch is an error on the later row.
///
/// The shell reads the bytes and feeds rows in; this type decides. A file that fails as a whole
/// (``failFile(_:)``) contributes only its failure: nothing from it is passed on half-read.
///
/// Each row is first put to ``FastRecordCheck`` on its bytes; only a row that is not certainly clean
/// is read as text and checked by ``RecordValidator``, which words its problems. Rows can be
/// evaluated on several threads (``evaluator()``) and merged here in order.
public struct ValidationSession {
    public private(set) var report: ValidationReport
    private let validator: RecordValidator
    private let fastCheck: FastRecordCheck
    private let keyFields: [Int]
    /// A department's own column names, mapped to field names or codes.
    private let columnNames: [String: String]
    /// Decision keys seen in the batch, by a 64-bit digest, with where they were first seen
    /// (file index << 40 | row): about 20 bytes a key in memory, up to a quarter of a million keys
    /// when the caller gives the index somewhere to write the rest (``KeyRuns``); the digests of a
    /// million keys collide with a probability of about 3 × 10⁻⁸.
    private var firstRowByKey: KeyIndex
    /// Keep the values of valid records, to build feeds from (handed out by ``drainRecords()``).
    private let collectsRecords: Bool
    /// The current file's valid records not yet handed out.
    private var currentRecords: [ValidRecord] = []
    /// Every record of the current file, valid or not, as a decision (number, date), not yet handed
    /// out; and the records whose decision number is empty (unidentifiable).
    private var currentSightings: [DecisionSighting] = []
    private var currentUnidentifiable = 0
    private let dateField: Int?
    /// A range re-run's decision dates: a record decided outside them (its date read as a date) is
    /// counted as outside (``ValidationReport/FileSummary/outsideRange``), not as valid or invalid,
    /// and its problems are not listed; it is still sighted (its decision tracked) and, when
    /// valid, still handed to the sink marked ``ValidRecord/outsideRange`` (which sends none of
    /// it). A record whose date cannot be read is taken as inside: its problems are listed.
    public var range: ClosedRange<CalendarDate>?

    // The file being read; merged into the report at ``endFile()``.
    private var current: ValidationReport.FileSummary?
    private var currentIssues: [Issue] = []
    private var currentEvaluator: RecordEvaluator?
    /// Records of the current file are placed by XML line rather than CSV row.
    private var byLine = false
    /// A workbook's sheet: problems of a field also name its cell (`Sheet1!F5`), by the field's column.
    private var cellSheet: String?
    private var serialsFrom1904 = false
    private var columnByField: [String: Int] = [:]
    /// The current file's columns, by the header (nil before it, or when it was not usable).
    private var currentMapping: ColumnMapping?
    /// Problems of the current file already handed out, and those of them that belong to its header.
    private var drained = (errors: 0, warnings: 0)
    private var headerDrained = (errors: 0, warnings: 0)

    /// - Parameter columnNames: a department's own column names, mapped to field names or codes.
    /// - Throws: ``SchemaProblem`` when the schema's patterns do not compile, or its duplicate key
    ///   names an unknown field.
    /// - Parameter collectsRecords: keep each valid record's values until ``drainRecords()`` hands
    ///   them out (the caller drains after every batch, so memory holds a batch, not the input).
    /// - Parameter keyRuns: where the decision keys go beyond `keysInMemory` of them, so that
    ///   memory does not grow with the batch (nil: they all stay in memory).
    public init(
        schema: PublicationSchema, today: CalendarDate, columnNames: [String: String] = [:], collectsRecords: Bool = false,
        keyRuns: (any KeyRuns)? = nil, keysInMemory: Int = 1 << 18
    ) throws(SchemaProblem) {
        self.collectsRecords = collectsRecords
        self.firstRowByKey = KeyIndex(runs: keyRuns, limit: keysInMemory)
        self.validator = try RecordValidator(schema: schema, today: today)
        self.fastCheck = FastRecordCheck(schema: schema, today: today)
        self.columnNames = columnNames
        var keyFields: [Int] = []
        for name in schema.duplicateKey {
            guard let index = schema.index(of: name) else {
                throw SchemaProblem(field: nil, message: "duplicate_key 中的“\(name)”不是本 schema 的字段")
            }
            keyFields.append(index)
        }
        self.keyFields = keyFields
        self.dateField = schema.decisionDateField.flatMap(schema.index(of:))
        self.report = ValidationReport(schemaID: schema.id, schemaVersion: schema.version, today: today)
    }

    /// Starts a file; `name` is how the file is shown in messages.
    ///
    /// - Parameter byLine: the file is XML: records are placed by the line they start on.
    public mutating func beginFile(_ name: String, byLine: Bool = false) {
        self.byLine = byLine
        cellSheet = nil
        serialsFrom1904 = false
        columnByField = [:]
        currentMapping = nil
        current = .init(file: name)
        currentIssues = []
        currentEvaluator = nil
    }

    /// The current file is a workbook's sheet: from its header on, a field's problem names its cell.
    public mutating func locateCells(sheet: String) {
        cellSheet = sheet
    }

    /// The current file is a workbook counting dates in the 1904 date system: its date serials are
    /// read so (set before its header).
    public mutating func readsDateSerials1904() {
        serialsFrom1904 = true
    }

    /// The name of the field the current file's column `column` (from 0) holds, if any.
    public func fieldName(ofColumn column: Int) -> String? {
        guard let mapping = currentMapping, column < mapping.columnCount, let field = mapping.fieldIndexByColumn[column] else { return nil }
        return validator.schema.fields[field].name
    }

    /// Reads the header row (row 1; in a workbook, the row it is on).
    ///
    /// - Returns: whether the file can be checked; when not, the file has failed.
    /// Whether a first row is a title above the header (`2026年11月行政处罚信息`, a department's
    /// name): one or two cells with text, none naming a field. A CSV exported from a workbook
    /// with a title keeps it as its first line.
    public func looksLikeTitle(_ cells: [String]) -> Bool {
        HeaderMatcher.isTitle(cells, lookup: HeaderMatcher.lookup(validator.schema, extraNames: columnNames))
    }

    public mutating func header(_ cells: [String], row: Int = 1) -> Bool {
        guard let file = current?.file else { return false }
        let (mapping, issues) = HeaderMatcher.match(cells, schema: validator.schema, extraNames: columnNames, file: file)
        currentIssues += issues.map { $0.located(file: file, row: row) }
        guard let mapping else {
            current?.failed = true
            return false
        }
        if cellSheet != nil || byLine {  // a workbook's cells; an XML record's fields' lines (``place(_:file:row:fieldLines:)``)
            for (column, field) in mapping.fieldIndexByColumn.enumerated() {
                if let field, columnByField[validator.schema.fields[field].name] == nil { columnByField[validator.schema.fields[field].name] = column }
            }
        }
        currentMapping = mapping
        var validator = validator
        validator.serialsFrom1904 = serialsFrom1904
        currentEvaluator = RecordEvaluator(validator: validator, fastCheck: fastCheck, mapping: mapping, keyFields: keyFields)
        currentEvaluator?.keepsValues = collectsRecords
        if !byLine {  // (an XML file's "header" is its first record's element names: never repeated as a record)
            currentEvaluator?.headerKeys = cells.map(HeaderMatcher.key)
            currentEvaluator?.names = HeaderMatcher.lookup(validator.schema, extraNames: columnNames)
        }
        return true
    }

    /// Fails the current file when its first record's element names (an XML export's, whose
    /// "header" is the schema's own fields) show it is in the schema's older national format
    /// (``HeaderMatcher/legacyColumns(_:schema:extraNames:)``), with that one problem at `line`.
    ///
    /// - Returns: whether it did (the file is then failed, and is read no further).
    public mutating func failsAsLegacy(elementNames names: [String], line: Int) -> Bool {
        guard let file = current?.file, let format = validator.schema.legacyHeader,
            let columns = HeaderMatcher.legacyColumns(names, schema: validator.schema, extraNames: columnNames)
        else { return false }
        var issue = HeaderMatcher.legacyIssue(columns, format: format, schema: validator.schema, file: file)
        issue.line = line
        failFile(issue)
        return true
    }

    /// Makes room for about `count` more decision keys at once, so that the key index does not grow
    /// (and briefly hold two copies of itself) as the records arrive.
    public mutating func reserveKeys(_ count: Int) {
        firstRowByKey.reserve(firstRowByKey.count + count)
    }

    /// The most bytes of each column's cells a reader need hold, by the header (after
    /// ``header(_:row:)``): for a field with a maximum length, four bytes a character and one
    /// character more, at most `cap`; `cap` for any other column. A value within its field's
    /// maximum is never longer (a character is at most four bytes), and a cell cut at its limit
    /// keeps more characters than the maximum: its length is an error whatever the rest holds, and
    /// a file of long cells holds no more of each than the check needs.
    public func cellByteLimits(cap: Int) -> [Int] {
        guard let mapping = currentMapping else { return [] }
        return mapping.fieldIndexByColumn.map { field in
            guard let field, let maxLength = validator.schema.fields[field].maxLength, maxLength < (cap - 4) / 4 else { return cap }
            return maxLength * 4 + 4
        }
    }

    /// The problem of a cell the reader cut at its column's limit (``cellByteLimits(cap:)``),
    /// stated with its whole length: for a field with a maximum length, that field's `max-length`
    /// error (the check of the part kept, which would state the part's length, gives way to it in
    /// ``merge(row:outcome:extra:prepared:)``); for any other column, `cell-too-large`.
    ///
    /// - Parameters:
    ///   - start: the start of the cell as kept (echoed, masked where the field is personal).
    ///   - cap: the limit of a column without a field's maximum, in bytes.
    public func cutCell(column: Int, bytes: Int, characters: Int, start: String, cap: Int) -> Issue {
        let field = currentMapping.flatMap { column < $0.columnCount ? $0.fieldIndexByColumn[column] : nil }.map { validator.schema.fields[$0] }
        if let field, let maxLength = field.maxLength {
            var issue = Issue(
                "max-length", field: field,
                zh: "长度为 \(characters) 个字符，超过上限 \(maxLength) 个字符（该单元格 \(bytes) 字节，只读入了开头部分）",
                en: "\(characters) characters, more than the limit of \(maxLength) (a cell of \(bytes) bytes; only its start was read)")
            issue.value = Issue.shown(start, field: field, totalCharacters: characters)
            return issue
        }
        return Issue(
            "cell-too-large", field: field,
            zh: "第 \(column + 1) 列的单元格有 \(bytes) 字节（\(characters) 个字符），超过单元格上限 \(cap) 字节；只读入了开头部分，该记录无效",
            en: "the cell in column \(column + 1) has \(bytes) bytes (\(characters) characters), over the limit of \(cap) bytes; only its start was read; the record is invalid")
    }

    /// The problem of an XML element's text cut at its limit where no field takes it (an element
    /// no field reads, or a field's element repeated): `cell-too-large`, naming the element. Its
    /// record is invalid, as a CSV record with such a cell is.
    public func cutElement(_ name: String, bytes: Int, characters: Int, cap: Int) -> Issue {
        Issue(
            "cell-too-large", value: "<\(name)>",
            zh: "元素 <\(name)> 的文本有 \(bytes) 字节（\(characters) 个字符），超过上限 \(cap) 字节；只读入了开头部分，该记录无效",
            en: "the text of <\(name)> has \(bytes) bytes (\(characters) characters), over the limit of \(cap) bytes; only its start was read; the record is invalid")
    }

    /// A record evaluator for the current file's columns (after ``header(_:)``), for another thread.
    public func evaluator() -> RecordEvaluator? { currentEvaluator }

    /// Checks one data row.
    ///
    /// - Parameters:
    ///   - row: the row number, counting the header as row 1 and records, not lines (for XML, the
    ///     line where the record starts).
    ///   - cells: the row's cells in column order.
    ///   - extra: problems the reader found in this record (an XSD violation, a repeated element).
    ///   - fieldLines: the line of each field's element (XML), by column; 0 where it has none.
    public mutating func record(row: Int, cells: CellBytes, extra: [Issue] = [], fieldLines: ArraySlice<Int32>? = nil) {
        guard var evaluator = currentEvaluator else { return }
        currentEvaluator = nil  // keep the evaluator's scratch space uniquely referenced
        let outcome = evaluator.evaluate(cells)
        currentEvaluator = evaluator
        merge(row: row, outcome: outcome, extra: extra, fieldLines: fieldLines)
    }

    /// Problems of the whole file that do not stop it (an unknown XML element), placed in the file.
    public mutating func note(_ issue: Issue) {
        guard let file = current?.file else { return }
        currentIssues.append(byLine ? issue.located(file: file, line: nil) : issue.located(file: file, row: issue.row))
    }

    /// Applies the batch-wide rules to an evaluated row and counts it. Rows must be merged in order.
    ///
    /// - Parameter prepared: what the record sink prepared for this record where it was checked
    ///   (``RecordPreparer``), handed on with the record if it turns out valid.
    public mutating func merge(
        row: Int, outcome: RecordOutcome, extra: [Issue] = [], prepared: ValidRecord.Prepared? = nil, fieldLines: ArraySlice<Int32>? = nil
    ) {
        guard let file = current?.file else { return }
        switch outcome {
        case .undecodable:
            break  // the caller fails the file
        case .blank(let total, let header):
            current?.skipped += 1
            currentIssues.append(place(
                header
                    ? Issue(
                        "header-row-repeated", .warning, zh: "第 \(row) 行又是表头（多份导出拼接在一起？），不是一条决定，已跳过",
                        en: "row \(row) repeats the header (exports pasted together?): not a decision, skipped")
                    : total
                    ? Issue("total-row-skipped", .warning, zh: "合计行（不是一条决定），已跳过", en: "a total row (not a decision), skipped")
                    : Issue("blank-row-skipped", .warning, zh: "空行，已跳过", en: "blank row, skipped"), file: file, row: row))
        case .checked(let key, let keyText, let issues, let values, _):
            merge(
                row: row, file: file, key: key, keyText: keyText, issues: issues, extra: extra, date: dateField.flatMap { values?[$0] }, values: values,
                prepared: prepared, fieldLines: fieldLines)
        case .prepared(let key, let keyText, let issues, let date):
            // Its values were used where it was checked; the record is handed on by its place there.
            merge(row: row, file: file, key: key, keyText: keyText, issues: issues, extra: extra, date: date, values: [], prepared: prepared, fieldLines: fieldLines)
        }
    }

    /// The reader's problems of a cell that stand for every other problem of its field (the
    /// cell was cut, or could not be read at all).
    static let replacesFieldIssues: Set<String> = ["cell-too-large", "xlsx-bad-reference", "xlsx-formula-no-value"]

    private mutating func merge(
        row: Int, file: String, key: UInt64?, keyText: RecordOutcome.KeyText, issues: [Issue], extra: [Issue], date: String?,
        values: [String?]?, prepared: ValidRecord.Prepared?, fieldLines: ArraySlice<Int32>? = nil
    ) {
        var issues = issues
        if !extra.isEmpty {
            // A cell the reader cut: its `max-length` error states the whole length; the check of
            // the part kept (``cutCell(column:bytes:characters:start:cap:)``) gives way to it. A
            // field's cell cut at the cap (`cell-too-large`, a field with no maximum length): every
            // other problem of the field gives way, since each would state the part's length or
            // characters as the cell's (a 3 MB credit code "实为 1048576 位").
            let cut = Set(extra.lazy.filter { $0.type == "max-length" }.compactMap(\.field))
            // A workbook cell whose value cannot be read (left empty): its own error stands for
            // the field, not a `required-missing` as if the clerk had left it blank.
            let capped = Set(extra.lazy.filter { Self.replacesFieldIssues.contains($0.type) && $0.severity == .error }.compactMap(\.field))
            if !cut.isEmpty || !capped.isEmpty {
                issues.removeAll { issue in
                    guard let field = issue.field else { return false }
                    return capped.contains(field) || (issue.type == "max-length" && cut.contains(field))
                }
            }
            issues += extra
        }
        do {
            if let first = try firstSeen(key, row: row) { issues.append(duplicate(of: first, value: keyText.value)) }
        } catch {
            // Whether an earlier record had the same key is not known: not to be published.
            issues.append(Issue(
                "duplicate-check-failed", field: validator.schema.fields[keyFields[0]], value: keyText.value,
                zh: "无法核对是否与前面的记录重复（临时文件读取失败），不予公示", en: "cannot check for an earlier record with the same key (a temporary file could not be read)"))
        }
        current?.records += 1
        let invalid = issues.contains(where: { $0.severity == .error })
        let outside = range.map { range in date.flatMap { try? CalendarDate.parse(TextNormalizer.trim($0)) }.map { !range.contains($0) } ?? false } ?? false
        if collectsRecords {
            // A 文号 holding a personal number is refused (`personal-data-in-key`); the register
            // keeps it with the number masked as portals mask one, the same way each time it is
            // read (hidden whole, two such decisions were one).
            let numberName = validator.schema.fields[keyFields[0]].name
            let number = invalid && issues.contains(where: { $0.type == "personal-data-in-key" && $0.field == numberName })
                ? PersonalDataScreen.maskedKeepingEnds(keyText.value) : keyText.value
            sight(
                row: row, number: number, date: date, valid: !invalid, file: file,
                notToPublish: invalid ? RecordValidator.reasonNotToPublish(in: issues) : nil)
        }
        if outside {
            current?.outsideRange += 1
        } else if invalid {
            current?.invalid += 1
        } else {
            current?.valid += 1
        }
        if !invalid, collectsRecords, let values {
            var record = ValidRecord(file: file, row: row, values: values)
            record.prepared = prepared
            record.outsideRange = outside
            currentRecords.append(record)
        }
        if !issues.isEmpty, !outside { currentIssues += issues.map { place($0, file: file, row: row, fieldLines: fieldLines) } }
    }

    /// Notes the decision a record is (valid or not), by its number and date as written.
    private mutating func sight(row: Int, number: String, date: String?, valid: Bool, file: String, notToPublish: String? = nil) {
        let number = TextNormalizer.trim(number)
        guard !number.isEmpty else {
            currentUnidentifiable += 1
            return
        }
        let date = date.map(TextNormalizer.trim).flatMap { $0.isEmpty ? nil : $0 }
        currentSightings.append(
            DecisionSighting(number: number, decisionDate: date, file: file, row: row, valid: valid, notToPublish: notToPublish))
    }

    /// Hands out the current file's decisions seen so far (valid records and invalid ones alike)
    /// and the count of records without a decision number, and forgets them.
    public mutating func drainSightings() -> (sightings: [DecisionSighting], unidentifiable: Int) {
        defer {
            currentSightings = []
            currentUnidentifiable = 0
        }
        return (currentSightings, currentUnidentifiable)
    }

    /// - Parameter fieldLines: an XML record's fields' lines, by column: a field's problem names its
    ///   element's line, not its record's (a line the reader gave the problem is kept).
    private func place(_ issue: Issue, file: String, row: Int, fieldLines: ArraySlice<Int32>? = nil) -> Issue {
        var line = row
        if byLine, let fieldLines, let field = issue.field, let column = columnByField[field], column < fieldLines.count {
            let found = fieldLines[fieldLines.startIndex + column]
            if found > 0 { line = Int(found) }
        }
        var placed = byLine ? issue.located(file: file, line: line) : issue.located(file: file, row: row)
        if byLine { placed.recordLine = row }
        if let sheet = cellSheet, let field = issue.field, let column = columnByField[field] {
            placed.cell = CellReference.cell(sheet: sheet, column: column, row: row)
        }
        return placed
    }

    /// Where a key was first seen in the batch; `nil` (and the key noted here) when it is new.
    private mutating func firstSeen(_ key: UInt64?, row: Int) throws -> (file: String, row: Int)? {
        guard let key, let file = current?.file else { return nil }
        guard let first = try firstRowByKey.insert(key, place: UInt64(report.files.count) << 40 | UInt64(row)) else {
            return nil
        }
        let firstFile = Int(first >> 40)
        return (firstFile == report.files.count ? file : report.files[firstFile].file, Int(first & 0xFF_FFFF_FFFF))
    }

    private mutating func duplicate(of first: (file: String, row: Int), value: String) -> Issue {
        let names = keyFields.map { validator.schema.fields[$0].name }.joined(separator: "、")
        let same = first.file == current?.file
        if !same { current?.duplicatesOfEarlierFiles += 1 }
        return Issue(
            "duplicate-key", field: validator.schema.fields[keyFields[0]], value: value,
            zh: "与\(same ? "" : "\(first.file) ")第 \(first.row) 行重复（\(names)相同）",
            en: "same \(names) as \(same ? "" : "\(first.file) ")row \(first.row)")
    }

    /// The file cannot be read on: its partial results are dropped and only this failure is kept.
    /// Whether the file being read has failed (``failFile(_:)``).
    public var currentFileFailed: Bool { current?.failed ?? false }

    public mutating func failFile(_ issue: Issue) {
        guard let file = current?.file else { return }
        current = .init(file: file, failed: true)
        let failure = byLine ? issue.located(file: file, line: issue.line) : issue.located(file: file, row: issue.row)
        currentIssues = currentIssues.filter { $0.row == 1 } + [failure]
        currentRecords = []
        currentSightings = []
        currentUnidentifiable = 0
        let fileIndex = UInt64(report.files.count)
        firstRowByKey.removeAll { $0 >> 40 == fileIndex }
    }

    /// Hands out the current file's problems found so far, in place order, and forgets them, so
    /// that they can be written out (or set aside until the file is known to be whole) instead of
    /// piling up in memory. Counted in the report when the file ends.
    public mutating func drainIssues() -> [Issue] {
        // Notes made while reading (an unknown XML element) join their lines.
        let issues = currentIssues.enumerated()
            .sorted { ($0.element.row ?? $0.element.line ?? 0, $0.offset) < ($1.element.row ?? $1.element.line ?? 0, $1.offset) }
            .map(\.element)
        currentIssues = []
        for issue in issues {
            if issue.severity == .error { drained.errors += 1 } else { drained.warnings += 1 }
        }
        return issues
    }

    /// Hands out the current file's valid records found so far and forgets them, so that a caller
    /// can stream them on (to disk) instead of holding them; if the file then fails, the caller
    /// drops what it was given (``endFile()`` says whether it failed).
    public mutating func drainRecords() -> [ValidRecord] {
        defer { currentRecords = [] }
        return currentRecords
    }

    /// Ends the current file, adds it to the report's counts, and hands out its remaining problems.
    ///
    /// When the file failed, the problems drained from it since its header are no longer valid:
    /// the caller discards them; only the header's and the failure are counted.
    @discardableResult
    public mutating func endFile() -> [Issue] {
        guard var summary = current else { return [] }
        if summary.failed {
            summary = .init(file: summary.file, failed: true)
            drained = headerDrained
        }
        report.files.append(summary)
        currentRecords = []
        currentSightings = []
        currentUnidentifiable = 0
        let issues = drainIssues()
        report.errorCount += drained.errors
        report.warningCount += drained.warnings
        current = nil
        currentIssues = []
        currentEvaluator = nil
        drained = (0, 0)
        headerDrained = (0, 0)
        return issues
    }

    /// Marks the problems drained so far as the header's: they stand even if the file fails later.
    public mutating func keepDrained() {
        headerDrained = drained
    }
}

/// A valid record's normalized values by field index (`nil`: empty), and where it was read.
public struct ValidRecord: Sendable, Equatable {
    public let file: String
    /// The row (CSV, header = 1) or line (XML) where the record starts.
    public let row: Int
    /// Empty when the record sink prepared its work where the record was checked (``prepared``)
    /// and let the values go there (``RecordOutcome/releasingValues(keepingDateAt:)``).
    public let values: [String?]
    /// What the record sink prepared for this record on the thread that checked it, if it did
    /// (``RecordPreparer``): opaque here, and not part of the record's equality.
    public var prepared: Prepared?
    /// Whether every free text the publication rules screen is known to hold nothing
    /// ``PersonalDataScreen/mayContain(_:)`` looks for: ``FastRecordCheck`` put that same test to
    /// these very values (a clean record's values are its cells as read, or their trimmed text) in every non-personal text
    /// field, the fields every feed's screen covers (``PublicationRules``). The feeds then leave
    /// that test out; the subject's own name is still looked for. False (the screen runs) unless
    /// the fast check said so; not part of the record's equality.
    public var textsClear = false
    /// Decided outside a range re-run's dates (``ValidationSession/range``): handed on so that its
    /// decision's sighting knows where it goes, but not counted valid or sent; not part of the
    /// record's equality.
    public var outsideRange = false

    public init(file: String, row: Int, values: [String?]) {
        self.file = file
        self.row = row
        self.values = values
    }

    public static func == (a: ValidRecord, b: ValidRecord) -> Bool {
        a.file == b.file && a.row == b.row && a.values == b.values
    }

    /// A record's place in what a ``RecordPreparer`` made for its batch.
    public struct Prepared: Sendable {
        public let batch: any AnyObject & Sendable
        public let index: Int

        public init(batch: any AnyObject & Sendable, index: Int) {
            self.batch = batch
            self.index = index
        }
    }
}
