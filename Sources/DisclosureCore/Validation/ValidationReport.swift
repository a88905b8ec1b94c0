public import WorkingDayCalendar

/// What validation found in a set of files: every problem, located, and counts that reconcile:
/// records = valid + invalid, and every row that is not a record is counted as skipped, with its reason.
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
    }

    public let schemaID: String
    public let schemaVersion: Int
    public let today: CalendarDate
    public internal(set) var files: [FileSummary] = []
    public internal(set) var issues: [Issue] = []

    public var records: Int { files.reduce(0) { $0 + $1.records } }
    public var valid: Int { files.reduce(0) { $0 + $1.valid } }
    public var invalid: Int { files.reduce(0) { $0 + $1.invalid } }
    public var skipped: Int { files.reduce(0) { $0 + $1.skipped } }
    public var failedFiles: Int { files.filter(\.failed).count }
    public var errorCount: Int { issues.filter { $0.severity == .error }.count }
    public var warningCount: Int { issues.filter { $0.severity == .warning }.count }

    /// Every record valid and every file read.
    public var isValid: Bool { invalid == 0 && failedFiles == 0 }
}

/// Validates the records of one or more files against one schema, as a batch: a decision key seen
/// twice anywhere in the batch is an error on the later row.
///
/// The shell reads the bytes and feeds rows in; this type decides. A file that fails as a whole
/// (``failFile(_:)``) contributes only its failure: nothing from it is passed on half-read.
public struct ValidationSession {
    public private(set) var report: ValidationReport
    private let validator: RecordValidator
    private let keyFields: [Int]
    private var firstRowByKey: [String: (file: String, row: Int)] = [:]

    // The file being read; merged into the report at ``endFile()``.
    private var current: ValidationReport.FileSummary?
    private var currentIssues: [Issue] = []
    private var currentKeys: [String: (file: String, row: Int)] = [:]
    private var mapping: ColumnMapping?

    /// - Throws: ``SchemaProblem`` when the schema's patterns do not compile, or its duplicate key
    ///   names an unknown field.
    public init(schema: PublicationSchema, today: CalendarDate) throws(SchemaProblem) {
        self.validator = try RecordValidator(schema: schema, today: today)
        var keyFields: [Int] = []
        for name in schema.duplicateKey {
            guard let index = schema.index(of: name) else {
                throw SchemaProblem(field: nil, message: "duplicate_key 中的“\(name)”不是本 schema 的字段")
            }
            keyFields.append(index)
        }
        self.keyFields = keyFields
        self.report = ValidationReport(schemaID: schema.id, schemaVersion: schema.version, today: today)
    }

    /// Starts a file; `name` is how the file is shown in messages.
    public mutating func beginFile(_ name: String) {
        current = .init(file: name)
        currentIssues = []
        currentKeys = [:]
        mapping = nil
    }

    /// Reads the header row (row 1).
    ///
    /// - Returns: whether the file can be checked; when not, the file has failed.
    public mutating func header(_ cells: [String]) -> Bool {
        guard let file = current?.file else { return false }
        let (mapping, issues) = HeaderMatcher.match(cells, schema: validator.schema)
        currentIssues += issues.map { $0.located(file: file, row: 1) }
        guard let mapping else {
            current?.failed = true
            return false
        }
        self.mapping = mapping
        return true
    }

    /// Checks one data row.
    ///
    /// - Parameters:
    ///   - row: the row number, counting the header as row 1 and records, not lines.
    ///   - cells: the row's cells in column order.
    public mutating func record(row: Int, cells: [String]) {
        guard let file = current?.file, let mapping else { return }
        if cells.allSatisfy({ TextNormalizer.trim($0).isEmpty }) {
            current?.skipped += 1
            currentIssues.append(Issue(
                "blank-row-skipped", .warning, zh: "空行，已跳过", en: "blank row, skipped"
            ).located(file: file, row: row))
            return
        }
        var values = [String?](repeating: nil, count: validator.schema.fields.count)
        var rowIssues: [Issue] = []
        for (column, cell) in cells.enumerated() {
            if column < mapping.columnCount {
                if let index = mapping.fieldIndexByColumn[column] { values[index] = cell }
            } else if !TextNormalizer.trim(cell).isEmpty {
                // The cell may hold anything a shifted row pushed out, an ID number included: shown masked.
                rowIssues.append(.init(
                    "extra-cell", value: PersonalData.mask(cell),
                    zh: "第 \(column + 1) 列有数据，但表头只有 \(mapping.columnCount) 列；可能是某个单元格里的逗号没有加引号",
                    en: "column \(column + 1) holds data but the header has \(mapping.columnCount) columns: an unquoted comma?"))
            }
        }
        if cells.count < mapping.columnCount {
            rowIssues.append(.init(
                "missing-cell", .warning,
                zh: "本行只有 \(cells.count) 列，表头有 \(mapping.columnCount) 列；缺少的列按空值处理（可能是某个单元格里的换行没有加引号）",
                en: "the row has \(cells.count) columns, the header \(mapping.columnCount); the missing ones count as empty (an unquoted line break?)"))
            for column in cells.count..<mapping.columnCount {
                if let index = mapping.fieldIndexByColumn[column] { values[index] = "" }
            }
        }
        let check = validator.check(values)
        rowIssues += check.issues
        if let key = decisionKey(check.values) {
            if let first = firstRowByKey[key] ?? currentKeys[key] {
                let names = keyFields.map { validator.schema.fields[$0].name }.joined(separator: "、")
                let place = first.file == file ? "第 \(first.row) 行" : "\(first.file) 第 \(first.row) 行"
                let placeEN = first.file == file ? "row \(first.row)" : "\(first.file) row \(first.row)"
                rowIssues.append(.init(
                    "duplicate-key", field: validator.schema.fields[keyFields[0]], value: check.values[keyFields[0]] ?? "",
                    zh: "与\(place)重复（\(names)相同）", en: "same \(names) as \(placeEN)"))
            } else {
                currentKeys[key] = (file, row)
            }
        }
        current?.records += 1
        if rowIssues.contains(where: { $0.severity == .error }) {
            current?.invalid += 1
        } else {
            current?.valid += 1
        }
        currentIssues += rowIssues.map { $0.located(file: file, row: row) }
    }

    /// The file cannot be read on: its partial results are dropped and only this failure is kept.
    public mutating func failFile(_ issue: Issue) {
        guard let file = current?.file else { return }
        current = .init(file: file, failed: true)
        currentIssues = currentIssues.filter { $0.row == 1 } + [issue.located(file: file, row: issue.row)]
        currentKeys = [:]
    }

    /// Ends the current file and adds it to the report.
    public mutating func endFile() {
        guard var summary = current else { return }
        if summary.failed {
            summary = .init(file: summary.file, failed: true)
        } else {
            firstRowByKey.merge(currentKeys) { first, _ in first }
        }
        report.files.append(summary)
        report.issues += currentIssues
        current = nil
        currentIssues = []
        currentKeys = [:]
        mapping = nil
    }

    private func decisionKey(_ values: [String?]) -> String? {
        guard !keyFields.isEmpty else { return nil }
        var parts: [String] = []
        for index in keyFields {
            guard let value = values[index] else { return nil }
            parts.append(value)
        }
        return parts.joined(separator: "\u{1F}")
    }
}
