/// Which schema field each column of a file holds, found from the header row.
public struct ColumnMapping: Sendable {
    /// For each column, the index of its field, or `nil` for a column gongshi does not use.
    public let fieldIndexByColumn: [Int?]
    /// The number of columns in the header.
    public var columnCount: Int { fieldIndexByColumn.count }
}

/// Matches header cells to schema fields: by the Chinese name exactly as in the national template,
/// by the exchange column code (CF_* / XK_*), or by an alias; whether brackets are full-width or
/// half-width, and whatever the surrounding spaces. Columns may come in any order; optional ones
/// may be absent.
public enum HeaderMatcher {
    /// The header text reduced to what identifies a column: no spaces, invisible characters or
    /// underscores' width, half-width brackets, upper-case ASCII.
    public static func key(_ text: String) -> String {
        let trimmed = TextNormalizer.trim(text)
        var result = ""
        for scalar in TextNormalizer.halfWidth(trimmed).unicodeScalars where scalar != " " && scalar != "\u{3000}" {
            result.unicodeScalars.append(scalar)
        }
        return TextNormalizer.upperASCII(result)
    }

    /// A lookup from header text (or XML element name) to field index: Chinese names, codes,
    /// aliases, and a department's own names from a mapping.
    /// Whether a row above the header is a title (`2026年11月行政处罚信息`, a department's name): one
    /// or two cells with text, none naming a field (``lookup(_:extraNames:)``'s keys).
    public static func isTitle(_ cells: [String], lookup: [String: Int]) -> Bool {
        let texts = cells.map(TextNormalizer.trim).filter { !$0.isEmpty }
        guard (1...2).contains(texts.count) else { return false }
        return texts.allSatisfy { lookup[key($0)] == nil }
    }

    public static func lookup(_ schema: PublicationSchema, extraNames: [String: String] = [:]) -> [String: Int] {
        var lookup: [String: Int] = [:]
        for (index, field) in schema.fields.enumerated() {
            for name in [field.name] + (field.code.map { [$0] } ?? []) + field.aliases {
                lookup[key(name)] = index
            }
        }
        for (name, field) in extraNames {
            if let index = lookup[key(field)] { lookup[key(name)] = index }
        }
        return lookup
    }

    /// Maps a header row.
    ///
    /// - Returns: the mapping, or `nil` when the file cannot be checked (missing required columns,
    ///   a field given twice); and the problems found, all on row 1.
    ///
    /// - Parameters:
    ///   - extraNames: a department's own column names, mapped to field names or codes.
    ///   - file: the file, as messages name it: a header in an older national format
    ///     (``legacyColumns(_:schema:extraNames:)``) fails with that one problem, naming the file.
    public static func match(_ header: [String], schema: PublicationSchema, extraNames: [String: String] = [:], file: String? = nil)
        -> (ColumnMapping?, [Issue])
    {
        let lookup = Self.lookup(schema, extraNames: extraNames)
        let mapped = Set(extraNames.keys.map(key))
        var issues: [Issue] = []
        var mapping: [Int?] = []
        var columnOfField: [Int: Int] = [:]
        // Empty header cells after the last named column (Excel's trailing empty columns) are not columns.
        let lastNamed = header.lastIndex { !key($0).isEmpty } ?? -1
        for (column, cell) in header.prefix(lastNamed + 1).enumerated() {
            let cellKey = key(cell)
            guard !cellKey.isEmpty else {
                issues.append(.init(
                    "unknown-column", .warning, value: "",
                    zh: "第 \(column + 1) 列没有列名，该列被忽略", en: "column \(column + 1) has no name and is ignored"))
                mapping.append(nil)
                continue
            }
            guard let index = lookup[cellKey] else {
                issues.append(.init(
                    "unknown-column", .warning, value: cell,
                    zh: "第 \(column + 1) 列“\(cell)”不是\(schema.title)的字段，该列被忽略",
                    en: "column \(column + 1) “\(cell)” is not a field of \(schema.title) and is ignored"))
                mapping.append(nil)
                continue
            }
            let field = schema.fields[index]
            if let first = columnOfField[index] {
                issues.append(.init(
                    "duplicate-column", field: field, value: cell,
                    zh: "第 \(column + 1) 列与第 \(first + 1) 列都是“\(field.name)”", en: "columns \(first + 1) and \(column + 1) are both “\(field.name)”"))
                mapping.append(nil)
                continue
            }
            columnOfField[index] = column
            let exact = [field.name, field.code ?? ""].contains(TextNormalizer.trim(cell)) || field.aliases.contains(cell)
                || mapped.contains(cellKey)
            if !exact {
                issues.append(.init(
                    "header-normalized", .warning, field: field, value: cell,
                    zh: "列名“\(cell)”按“\(field.name)”识别（全角/半角括号或空格不同）",
                    en: "column name “\(cell)” read as “\(field.name)” (bracket width or spaces differ)"))
            }
            mapping.append(index)
        }
        let missing = schema.fields.enumerated().filter { $0.element.required && columnOfField[$0.offset] == nil }
        // An export in the 2015 (v1) format: said once, rather than as its current columns missing
        // and its own unknown (it would fail for the missing columns anyway).
        if !missing.isEmpty, let format = schema.legacyHeader, let columns = legacyColumns(header, schema: schema, lookup: lookup) {
            return (nil, [legacyIssue(columns, format: format, schema: schema, file: file)])
        }
        if !missing.isEmpty {
            let names = missing.map(\.element.name)
            let own = missing.flatMap { field in
                extraNames.filter { $0.value == field.element.name || $0.value == field.element.code }.keys.sorted()
            }
            let hint = own.isEmpty
                ? "列名可用模板中的中文名或 \(missing.compactMap(\.element.code).joined(separator: "、"))"
                : "映射文件中的列名为 \(own.joined(separator: "、"))"
            issues.append(.init(
                "missing-column",
                zh: "缺少必填列：\(names.joined(separator: "、"))（\(hint)）",
                en: "required columns missing: \(names.joined(separator: ", "))"))
        }
        let failed = issues.contains { $0.severity == .error }
        return (failed ? nil : ColumnMapping(fieldIndexByColumn: mapping), issues)
    }

    // MARK: - An older national format

    /// At least this many of a header's names must be the older format's own.
    public static let legacyMinimumColumns = 3

    /// The names of a header (or of an XML record's elements) that show it is in the schema's older
    /// national format (``PublicationSchema/legacyHeader``), as written, each once, in order; `nil`
    /// when it does not look like one.
    ///
    /// A header is in the older format when both hold:
    /// - at least ``legacyMinimumColumns`` of its names are the older format's and are read by no
    ///   field of the current schema (nor by the department's mapping): `CF_WSH` and 处罚决定日期,
    ///   which both formats use, never count; one or two old columns a case system adds to a current
    ///   export (`DFBM`, `SJC`) are not enough;
    /// - fewer than half of the current schema's required fields are present. So a header that has
    ///   most of the current columns keeps its own problems (the columns it misses), and a header
    ///   is only ever called old when it would fail for missing required columns anyway: this
    ///   changes how a file that cannot be checked is explained, never whether it is checked.
    public static func legacyColumns(_ header: [String], schema: PublicationSchema, extraNames: [String: String] = [:]) -> [String]? {
        legacyColumns(header, schema: schema, lookup: lookup(schema, extraNames: extraNames))
    }

    static func legacyColumns(_ header: [String], schema: PublicationSchema, lookup: [String: Int]) -> [String]? {
        guard let format = schema.legacyHeader else { return nil }
        let oldNames = Set(format.names.map(key))
        var seen = Set<String>()
        var columns: [String] = []
        var present = Set<Int>()
        for cell in header {
            let cellKey = key(cell)
            if let index = lookup[cellKey] {
                present.insert(index)
            } else if oldNames.contains(cellKey), seen.insert(cellKey).inserted {
                columns.append(TextNormalizer.trim(cell))
            }
        }
        let required = schema.fields.indices.filter { schema.fields[$0].required }
        let presentRequired = required.filter(present.contains).count
        guard columns.count >= legacyMinimumColumns, presentRequired * 2 < required.count else { return nil }
        return columns
    }

    /// The problem of a header in an older national format: one, for the whole file
    /// (`legacy-v1-header`), naming the file, the format, a few of the columns that show it, and
    /// what to do.
    public static func legacyIssue(_ columns: [String], format: LegacyHeaderFormat, schema: PublicationSchema, file: String?) -> Issue {
        let shown = columns.prefix(5).map { echo($0) }
        let more = columns.count > shown.count ? " 等 \(columns.count) 列" : ""
        let moreEN = columns.count > shown.count ? " and \(columns.count - shown.count) more" : ""
        let name = file.map { $0.split(separator: "/").last.map(String.init) ?? $0 }.map { "文件“\(echo($0))”的" } ?? ""
        var issue = Issue(
            "legacy-v1-header",
            zh: "\(name)表头看来是 \(format.title)格式（识别出旧格式的列：\(shown.joined(separator: "、"))\(more)），不是现行\(schema.title)格式"
                + "（\(schema.id) 第 \(schema.version) 版）；旧格式的字段和代码值与现行不同，不予导入，也不逐列报告缺少的列。"
                + "请按现行国家标准的模板重新导出；或在流水线的 mapping（validate 用 --mapping 文件）中把各列对应到现行字段，代码值须按现行标准填写",
            en: "the header is in the older format \(format.title) (its columns \(shown.joined(separator: ", "))\(moreEN)), not the current "
                + "\(schema.id) version \(schema.version); it is not imported: re-export in the current national format, or map its columns "
                + "to current fields with the pipeline's mapping (--mapping), with values in the current codes")
        issue.value = shown.joined(separator: "、")
        return issue
    }

    /// A header name as a message shows it: at most 40 characters.
    private static func echo(_ name: String) -> String { Issue.echo(name, limit: 40) }
}
