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
    /// - Parameter extraNames: a department's own column names, mapped to field names or codes.
    public static func match(_ header: [String], schema: PublicationSchema, extraNames: [String: String] = [:])
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
}
