public import DisclosureCore
import WorkingDayCalendar
internal import Yams

/// Reads a publication schema file (`schemas/publication/*.yaml`, format in `schemas/README.md`)
/// into a ``PublicationSchema``, checking it as a whole: unknown keys, wrong types, references to
/// fields that do not exist, invalid regular expressions, keys that do not fit the field's type.
/// Every problem is reported with its line.
public enum SchemaLoader {
    static let topKeys = ["id", "version", "title", "aliases", "description", "decision_date", "duplicate_key", "subject_name", "subject_code", "fields", "natural_person", "withhold_field", "legacy_header"]
    static let fieldKeys = [
        "name", "code", "aliases", "type", "required", "required_when", "max_length", "personal", "note",
        "values", "multiple", "separators", "other_prefix",
        "not_after", "not_before", "warn_if_before", "long_term", "long_term_aliases", "past_while",
        "max_scale", "minimum", "warn_at_least", "amount_text", "embeds_date",
        "check",
    ]
    /// Keys that only fit one field type.
    static let keysByType: [String: FieldSpec.Kind] = [
        "values": .enumeration, "multiple": .enumeration, "separators": .enumeration, "other_prefix": .enumeration,
        "not_after": .date, "not_before": .date, "warn_if_before": .date, "long_term": .date, "long_term_aliases": .date, "past_while": .date,
        "max_scale": .decimal, "minimum": .decimal, "warn_at_least": .decimal, "amount_text": .decimal,
        "check": .code,
    ]

    /// Loads a schema.
    ///
    /// - Returns: the schema, or every problem found (a schema with any problem is not returned).
    public static func load(_ document: SchemaDocument) -> Result<PublicationSchema, SchemaLoadFailure> {
        var reader = YAMLReader(file: document.displayPath)
        guard let root = reader.compose(document.text) else { return .failure(.init(issues: reader.issues)) }
        let top = reader.mapping(root, known: topKeys, what: "schema ")
        let id = reader.string(top["id"], "id")
        let version = reader.int(top["version"], "version", minimum: 1)
        let title = reader.string(top["title"], "title")
        for (key, value) in [("id", id as Any?), ("version", version), ("title", title)] where value == nil && top[key] == nil {
            reader.report("schema-missing-key", root, "缺少 \(key)")
        }
        var fields: [FieldSpec] = []
        var fieldNodes: [Node] = []
        if let items = top["fields"]?.sequence, !items.isEmpty {
            for item in items {
                if let field = parseField(item, document: document, &reader) {
                    fields.append(field)
                    fieldNodes.append(item)
                }
            }
        } else {
            reader.report("schema-missing-key", top["fields"] ?? root, "fields 应为非空的字段列表")
        }
        let base = PublicationSchema(
            id: id ?? "", version: version ?? 0, title: title ?? "",
            aliases: reader.strings(top["aliases"], "aliases") ?? [],
            decisionDateField: reader.string(top["decision_date"], "decision_date"),
            duplicateKey: reader.strings(top["duplicate_key"], "duplicate_key") ?? [],
            subjectNameField: reader.string(top["subject_name"], "subject_name"),
            subjectCodeField: reader.string(top["subject_code"], "subject_code"),
            fields: fields)
        var complete = base
        let schema = base
        if let node = top["natural_person"] {
            let keys = reader.mapping(node, known: ["field", "value"], what: "natural_person ")
            if let field = reader.string(keys["field"], "field"), let value = reader.string(keys["value"], "value") {
                if schema.index(of: field) == nil { reader.report("schema-unknown-field", node, "natural_person 的字段“\(field)”不是本 schema 的字段") }
                complete.naturalPerson = (field, value)
            } else {
                reader.report("schema-missing-key", node, "natural_person 需要 field 和 value")
            }
        }
        if let node = top["withhold_field"], let field = reader.string(node, "withhold_field") {
            if schema.index(of: field) == nil { reader.report("schema-unknown-field", node, "withhold_field 的字段“\(field)”不是本 schema 的字段") }
            complete.withholdField = field
        }
        if let node = top["legacy_header"] {
            let keys = reader.mapping(node, known: ["title", "source", "names"], what: "legacy_header ")
            let title = reader.string(keys["title"], "title")
            let source = reader.string(keys["source"], "source")
            let names = reader.strings(keys["names"], "names") ?? []
            if let title, let source, !names.isEmpty {
                complete.legacyHeader = LegacyHeaderFormat(title: title, source: source, names: names)
            } else {
                reader.report("schema-missing-key", node, "legacy_header 需要 title、source（出处）和非空的 names")
            }
        }
        checkReferences(complete, fieldNodes: fieldNodes, top: top, &reader)
        guard reader.issues.isEmpty else { return .failure(.init(issues: reader.issues)) }
        return .success(complete)
    }

    // MARK: - Fields

    private static func parseField(_ node: Node, document: SchemaDocument, _ reader: inout YAMLReader) -> FieldSpec? {
        let keys = reader.mapping(node, known: fieldKeys, what: "字段")
        guard let name = reader.string(keys["name"], "name") else {
            reader.report("schema-missing-key", node, "字段缺少 name")
            return nil
        }
        guard let typeText = reader.string(keys["type"], "type"), let kind = FieldSpec.Kind(rawValue: typeText) else {
            let allowed = FieldSpec.Kind.allCases.map(\.rawValue).joined(separator: "、")
            reader.report("schema-bad-value", keys["type"] ?? node, "字段“\(name)”的 type 应为 \(allowed) 之一")
            return nil
        }
        for (key, required) in keysByType where keys[key] != nil && required != kind {
            reader.report("schema-key-not-for-type", keys[key], "字段“\(name)”的类型是 \(kind.rawValue)，\(key) 只适用于 \(required.rawValue)")
        }
        var field = FieldSpec(name: name, kind: kind)
        field.code = reader.string(keys["code"], "code")
        field.aliases = reader.strings(keys["aliases"], "aliases") ?? []
        field.required = reader.bool(keys["required"], "required") ?? false
        field.requiredWhen = parseConditions(keys["required_when"], &reader)
        field.pastWhile = parseConditions(keys["past_while"], &reader, what: "past_while")
        field.maxLength = reader.int(keys["max_length"], "max_length", minimum: 1)
        if keys["personal"]?.scalar?.string == "natural_person" {
            field.personal = true
            field.personalForNaturalPersonOnly = true
        } else {
            field.personal = reader.bool(keys["personal"], "personal") ?? false
        }
        field.values = reader.strings(keys["values"], "values") ?? []
        field.multiple = reader.bool(keys["multiple"], "multiple") ?? false
        field.separators = reader.strings(keys["separators"], "separators") ?? []
        field.otherPrefix = reader.string(keys["other_prefix"], "other_prefix")
        if kind == .enumeration, field.values.isEmpty, field.otherPrefix == nil {
            reader.report("schema-missing-key", node, "枚举字段“\(name)”需要 values")
        }
        if field.multiple, field.separators.isEmpty {
            reader.report("schema-missing-key", keys["multiple"], "多选字段“\(name)”需要 separators")
        }
        if let notAfter = keys["not_after"] {
            if reader.string(notAfter, "not_after") == "today" {
                field.notAfterToday = true
            } else {
                reader.report("schema-bad-value", notAfter, "not_after 目前只能是 today")
            }
        }
        field.notBefore = reader.strings(keys["not_before"], "not_before") ?? []
        field.warnIfBefore = reader.strings(keys["warn_if_before"], "warn_if_before") ?? []
        if let text = reader.string(keys["long_term"], "long_term") {
            if let date = try? CalendarDate.parse(text) {
                field.longTerm = date
            } else {
                reader.report("schema-bad-value", keys["long_term"], "long_term 应为日期，如 2099/12/31")
            }
        }
        if let node = keys["long_term_aliases"], let texts = reader.strings(node, "long_term_aliases") {
            if field.longTerm == nil { reader.report("schema-missing-key", node, "字段“\(name)”有 long_term_aliases，但没有 long_term（写作哪一天）") }
            for text in texts {
                if let date = try? CalendarDate.parse(text) {
                    if date != field.longTerm { field.longTermAliases.append(date) }
                } else {
                    reader.report("schema-bad-value", node, "long_term_aliases 的“\(text)”应为日期，如 9999/12/31")
                }
            }
        }
        field.maxScale = reader.int(keys["max_scale"], "max_scale")
        field.minimum = decimal(keys["minimum"], "minimum", &reader)
        field.warnAtLeast = decimal(keys["warn_at_least"], "warn_at_least", &reader)
        field.amountText = reader.string(keys["amount_text"], "amount_text")
        if let node = keys["embeds_date"] {
            let inner = reader.mapping(node, known: ["field", "offset"], what: "embeds_date ")
            if let other = reader.string(inner["field"], "field"), let offset = reader.int(inner["offset"], "offset", minimum: 0) {
                field.embedsDate = (other, offset)
            } else {
                reader.report("schema-missing-key", node, "embeds_date 需要 field 和 offset")
            }
        }
        if let check = keys["check"] {
            field.check = parseCheck(check, field: name, document: document, &reader)
        }
        return field
    }

    private static func decimal(_ node: Node?, _ key: String, _ reader: inout YAMLReader) -> DecimalText? {
        guard let text = reader.string(node, key) else { return nil }
        guard let value = DecimalText(text) else {
            reader.report("schema-bad-value", node, "\(key) 应为数字")
            return nil
        }
        return value
    }

    private static func parseConditions(_ node: Node?, _ reader: inout YAMLReader, what: String = "required_when") -> [Condition] {
        guard let node else { return [] }
        let items = node.sequence.map(Array.init) ?? [node]
        return items.compactMap { item in
            let keys = reader.mapping(item, known: ["field", "in", "contains_any"], what: what + " ")
            guard let field = reader.string(keys["field"], "field") else {
                reader.report("schema-missing-key", item, "\(what) 需要 field")
                return nil
            }
            if let values = reader.strings(keys["in"], "in") { return Condition(field: field, match: .oneOf(values)) }
            if let texts = reader.strings(keys["contains_any"], "contains_any") {
                return Condition(field: field, match: .containsAny(texts))
            }
            reader.report("schema-missing-key", item, "\(what) 需要 in 或 contains_any")
            return nil
        }
    }

    // MARK: - Checks

    static let checkKinds = ["credit-code", "org-code", "id-document", "pattern"]

    private static func parseCheck(
        _ node: Node, field: String, document: SchemaDocument, _ reader: inout YAMLReader
    ) -> CodeCheck? {
        if let kind = node.scalar?.string {
            switch kind {
            case "credit-code": return .creditCode(CreditCodeRule())
            case "org-code": return .organizationCode
            default:
                reader.report("schema-bad-value", node, "字段“\(field)”的 check “\(kind)”未知；可用：\(checkKinds.joined(separator: "、"))")
                return nil
            }
        }
        let keys = reader.mapping(
            node,
            known: [
                "kind", "placeholder", "placeholder_requires", "placeholder_for", "category_field", "category_by_prefix",
                "registration_table", "unknown_category", "type_field", "formats", "pattern", "description",
            ], what: "check ")
        switch reader.string(keys["kind"], "kind") {
        case "credit-code":
            var rule = CreditCodeRule()
            rule.placeholder = reader.string(keys["placeholder"], "placeholder")
            rule.placeholderRequires = reader.string(keys["placeholder_requires"], "placeholder_requires")
            rule.placeholderFor = reader.strings(keys["placeholder_for"], "placeholder_for") ?? []
            rule.categoryField = reader.string(keys["category_field"], "category_field")
            rule.categoryByPrefix = reader.stringMap(keys["category_by_prefix"], "category_by_prefix") ?? [:]
            if let severity = reader.string(keys["unknown_category"], "unknown_category") {
                if let value = Severity(rawValue: severity) {
                    rule.unknownCategorySeverity = value
                } else {
                    reader.report("schema-bad-value", keys["unknown_category"], "unknown_category 应为 error 或 warning")
                }
            }
            if let reference = reader.string(keys["registration_table"], "registration_table") {
                if let table = document.resolve(reference) {
                    switch CodeTableLoader.load(table) {
                    case .success(let categories): rule.knownRegistrationCategories = categories
                    case .failure(let failure): for issue in failure.issues { reader.add(issue) }
                    }
                } else {
                    reader.report("schema-reference-missing", keys["registration_table"], "找不到代码表“\(reference)”")
                }
            }
            return .creditCode(rule)
        case "org-code":
            return .organizationCode
        case "id-document":
            guard let typeField = reader.string(keys["type_field"], "type_field"), let formatsNode = keys["formats"]?.mapping
            else {
                reader.report("schema-missing-key", node, "id-document 需要 type_field 和 formats")
                return nil
            }
            var formats: [String: IdentityFormat] = [:]
            for (typeNode, formatNode) in formatsNode {
                let type = typeNode.string ?? ""
                let formatKeys = reader.mapping(formatNode, known: ["check", "pattern"], what: "证件格式 ")
                let check = reader.string(formatKeys["check"], "check")
                if check == "gb11643" {
                    formats[type] = .residentID
                } else if check == "gb32100" {
                    formats[type] = .creditCode
                } else if let pattern = reader.string(formatKeys["pattern"], "pattern"), compiles(pattern, formatNode, &reader) {
                    formats[type] = .pattern(pattern)
                } else if formatKeys["pattern"] == nil {
                    reader.report("schema-bad-value", formatNode, "证件类型“\(type)”的格式应为 {check: gb11643}、{check: gb32100} 或 {pattern: 正则表达式}")
                }
            }
            return .identityDocument(typeField: typeField, formats: formats)
        case "pattern":
            guard let pattern = reader.string(keys["pattern"], "pattern") else {
                reader.report("schema-missing-key", node, "pattern 检查需要 pattern")
                return nil
            }
            guard compiles(pattern, keys["pattern"], &reader) else { return nil }
            return .pattern(pattern, description: reader.string(keys["description"], "description") ?? pattern)
        default:
            reader.report("schema-bad-value", keys["kind"] ?? node, "字段“\(field)”的 check.kind 应为 \(checkKinds.joined(separator: "、")) 之一")
            return nil
        }
    }

    private static func compiles(_ pattern: String, _ node: Node?, _ reader: inout YAMLReader) -> Bool {
        do {
            _ = try Regex(pattern)
            return true
        } catch {
            reader.report("schema-bad-pattern", node, "“\(pattern)”不是有效的正则表达式")
            return false
        }
    }

    // MARK: - References

    private static func checkReferences(
        _ schema: PublicationSchema, fieldNodes: [Node], top: [String: Node], _ reader: inout YAMLReader
    ) {
        var seenNames: Set<String> = []
        var seenCodes: Set<String> = []
        let names = Set(schema.fields.map(\.name))
        func require(_ name: String, _ node: Node?, _ what: String) {
            if !names.contains(name) {
                reader.report("schema-reference-missing", node, "\(what)引用的字段“\(name)”不存在")
            }
        }
        for (field, node) in zip(schema.fields, fieldNodes) {
            if !seenNames.insert(field.name).inserted { reader.report("schema-duplicate-field", node, "字段“\(field.name)”重复") }
            if let code = field.code, !seenCodes.insert(code).inserted {
                reader.report("schema-duplicate-field", node, "字段代码“\(code)”重复")
            }
            for condition in field.requiredWhen { require(condition.field, node, "字段“\(field.name)”的 required_when ") }
            for other in field.notBefore + field.warnIfBefore { require(other, node, "字段“\(field.name)”的日期顺序") }
            if let text = field.amountText { require(text, node, "字段“\(field.name)”的 amount_text ") }
            if let embedded = field.embedsDate { require(embedded.field, node, "字段“\(field.name)”的 embeds_date ") }
            switch field.check {
            case .creditCode(let rule):
                for other in [rule.placeholderRequires, rule.categoryField].compactMap({ $0 }) {
                    require(other, node, "字段“\(field.name)”的 check ")
                }
            case .identityDocument(let typeField, _): require(typeField, node, "字段“\(field.name)”的 check ")
            default: break
            }
        }
        for name in schema.duplicateKey { require(name, top["duplicate_key"], "duplicate_key ") }
        if let name = schema.subjectNameField { require(name, top["subject_name"], "subject_name ") }
        if let code = schema.subjectCodeField {
            require(code, top["subject_code"], "subject_code ")
            if let field = schema.fields.first(where: { $0.name == code }), field.check.map({ if case .creditCode = $0 { true } else { false } }) != true {
                reader.report("schema-bad-value", top["subject_code"], "subject_code 应指向统一社会信用代码字段（check: credit-code）")
            }
        }
        if let decision = schema.decisionDateField {
            require(decision, top["decision_date"], "decision_date ")
            if let field = schema.fields.first(where: { $0.name == decision }), field.kind != .date {
                reader.report("schema-bad-value", top["decision_date"], "decision_date 应指向日期字段")
            }
        }
    }
}

/// Why a schema could not be loaded: every problem, located.
public struct SchemaLoadFailure: Error, Sendable {
    public let issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) {
        self.issues = issues
    }
}

/// Reads a code table such as `schemas/codes/gb32100-registration-categories.v1.yaml`.
enum CodeTableLoader {
    static func load(_ document: SchemaDocument) -> Result<[String: String], SchemaLoadFailure> {
        var reader = YAMLReader(file: document.displayPath)
        guard let root = reader.compose(document.text) else { return .failure(.init(issues: reader.issues)) }
        let keys = reader.mapping(root, known: ["id", "version", "categories"], what: "代码表")
        let categories = reader.stringMap(keys["categories"], "categories") ?? [:]
        if categories.isEmpty { reader.report("schema-missing-key", root, "代码表缺少 categories") }
        return reader.issues.isEmpty ? .success(categories) : .failure(.init(issues: reader.issues))
    }
}
