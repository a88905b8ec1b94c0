public import DisclosureCore
import BundledSchemas
internal import Yams

/// Reads a portal profile (`schemas/portals/*.yaml`, format in `schemas/README.md`) and checks it
/// against the publication schemas it names: every field exists, and no personal field (ID
/// numbers) is published unless the profile masks it.
public enum PortalProfileLoader {
    static let topKeys = ["id", "version", "title", "description", "deadline_working_days", "feeds", "frontdb_withdrawal"]
    static let feedKeys = ["name", "title", "schema", "include", "exclude", "columns", "format", "file_name", "batch_limit", "xml_root", "xml_record", "screen", "sheet", "table", "note"]
    static let columnKeys = ["header", "field", "mask", "mask_when"]
    static let ruleKeys = ["field", "one_of", "contains_any", "starts_with", "only", "empty", "reason", "withdraw"]

    /// The bundled profiles.
    public static var bundledDocuments: [SchemaDocument] {
        BundledSchemas.files(in: "portals").map { SchemaDocument(origin: .bundled($0.path), text: $0.text) }
    }

    /// Loads a profile; `schemas` are the publication schemas its feeds may name (by id).
    public static func load(_ document: SchemaDocument, schemas: [PublicationSchema]) -> Result<PortalProfile, SchemaLoadFailure> {
        var reader = YAMLReader(file: document.displayPath)
        guard let root = reader.compose(document.text) else { return .failure(.init(issues: reader.issues)) }
        let top = reader.mapping(root, known: topKeys, what: "门户配置")
        let id = reader.string(top["id"], "id")
        let version = reader.int(top["version"], "version", minimum: 1)
        let title = reader.string(top["title"], "title")
        let deadline = reader.int(top["deadline_working_days"], "deadline_working_days", minimum: 1)
        if let deadline, deadline > 366 {
            reader.report("profile-bad-value", top["deadline_working_days"], "deadline_working_days 应为 1–366")
        }
        for (key, value) in [("id", id as Any?), ("version", version), ("title", title)] where value == nil && top[key] == nil {
            reader.report("profile-missing-key", root, "缺少 \(key)")
        }
        var feeds: [FeedSpec] = []
        if let items = top["feeds"]?.sequence, !items.isEmpty {
            for item in items {
                if let feed = parseFeed(item, schemas: schemas, &reader) { feeds.append(feed) }
            }
        } else {
            reader.report("profile-missing-key", top["feeds"] ?? root, "feeds 应为非空的列表")
        }
        var names: Set<String> = []
        for feed in feeds where !names.insert(feed.name).inserted {
            reader.report("profile-duplicate-feed", top["feeds"], "feed 名称“\(feed.name)”重复")
        }
        var withdrawal = PortalProfile.DatabaseWithdrawal.delete
        if let text = reader.string(top["frontdb_withdrawal"], "frontdb_withdrawal") {
            if let value = PortalProfile.DatabaseWithdrawal(rawValue: text) {
                withdrawal = value
            } else {
                reader.report("profile-bad-value", top["frontdb_withdrawal"], "frontdb_withdrawal 应为 delete（删除行）或 flag（保留行，状态置为已撤下）")
            }
        }
        guard reader.issues.isEmpty else { return .failure(.init(issues: reader.issues)) }
        var profile = PortalProfile(id: id ?? "", version: version ?? 0, title: title ?? "", deadlineWorkingDays: deadline, feeds: feeds)
        profile.databaseWithdrawal = withdrawal
        return .success(profile)
    }

    private static func parseFeed(_ node: Node, schemas: [PublicationSchema], _ reader: inout YAMLReader) -> FeedSpec? {
        let keys = reader.mapping(node, known: feedKeys, what: "feed")
        guard let name = reader.string(keys["name"], "name"), let schemaID = reader.string(keys["schema"], "schema") else {
            reader.report("profile-missing-key", node, "feed 须有 name 和 schema")
            return nil
        }
        guard name.utf8.allSatisfy({ $0 == 0x2D || ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) }) else {
            reader.report("profile-bad-value", keys["name"], "feed 名称“\(name)”只能用小写字母、数字和 -（用于文件名）")
            return nil
        }
        guard let schema = schemas.filter({ $0.id == schemaID }).max(by: { $0.version < $1.version }) else {
            reader.report("profile-unknown-schema", keys["schema"], "feed “\(name)”引用的 schema “\(schemaID)”不存在")
            return nil
        }
        let formatText = reader.string(keys["format"], "format") ?? ""
        guard let format = FeedSpec.Format(rawValue: formatText) else {
            let allowed = FeedSpec.Format.allCases.map(\.rawValue).joined(separator: "、")
            reader.report("profile-bad-value", keys["format"] ?? node, "feed “\(name)”的 format 应为 \(allowed) 之一")
            return nil
        }
        let include = (keys["include"]?.sequence ?? []).compactMap { parseRule($0, schema: schema, needsReason: false, &reader) }
        let exclude = (keys["exclude"]?.sequence ?? []).compactMap { parseRule($0, schema: schema, needsReason: true, &reader) }
        var columns: [FeedColumn] = []
        for item in keys["columns"]?.sequence ?? [] {
            let columnKeys = reader.mapping(item, known: Self.columnKeys, what: "column")
            guard let header = reader.string(columnKeys["header"], "header"), let fieldName = reader.string(columnKeys["field"], "field")
            else {
                reader.report("profile-missing-key", item, "column 须有 header 和 field")
                continue
            }
            guard let index = schema.index(of: fieldName) else {
                reader.report("profile-unknown-field", columnKeys["field"], "“\(fieldName)”不是\(schema.title)的字段")
                continue
            }
            let mask = parseMask(columnKeys["mask"], &reader)
            let maskWhen = columnKeys["mask_when"].flatMap { parseRule($0, schema: schema, needsReason: false, &reader) }
            // A field personal only for natural persons, in a feed whose include rules take none.
            let noNaturalPersons = schema.naturalPerson.map { natural in
                include.contains { rule in
                    guard rule.field == natural.field, case .oneOf(let values) = rule.match else { return false }
                    return !values.contains(natural.value)
                }
            } ?? false
            if schema.fields[index].personal, !(schema.fields[index].personalForNaturalPersonOnly && noNaturalPersons) {
                // Personal data is never published in full: at most a masked form, for every record.
                guard case .keep(let first, let last) = mask, first + last <= 10, maskWhen == nil else {
                    reader.report(
                        "profile-personal-unmasked", columnKeys["field"],
                        "“\(fieldName)”是个人信息（证件号码），公开的 feed 不能包含；如确需展示，须对所有记录用 mask: keep 打码")
                    continue
                }
            }
            if format == .xml, !isXMLName(header) {
                reader.report("profile-bad-value", columnKeys["header"], "XML 格式的 header “\(header)”须是 XML 元素名（字母、数字、_）")
                continue
            }
            columns.append(FeedColumn(header: header, field: fieldName, mask: mask, maskWhen: maskWhen))
        }
        if columns.isEmpty { reader.report("profile-missing-key", keys["columns"] ?? node, "feed “\(name)”没有 columns") }
        let screening = keys["screen"].map { parseScreening($0, schema: schema, &reader) } ?? TextScreening()
        let xmlRoot = reader.string(keys["xml_root"], "xml_root") ?? "Records"
        let xmlRecord = reader.string(keys["xml_record"], "xml_record") ?? "Record"
        let sheet = reader.string(keys["sheet"], "sheet")
        if let sheet, sheet.isEmpty || sheet.count > FeedSpec.sheetNameLimit || sheet.contains(where: { "[]:*?/\\".contains($0) }) {
            reader.report("profile-bad-value", keys["sheet"], "sheet “\(sheet)”须是 1–31 个字符的工作表名，不能含 [ ] : * ? / \\")
        }
        let table = reader.string(keys["table"], "table")
        if let table, !FeedSpec.isSQLName(table) {
            reader.report("profile-bad-value", keys["table"], "table “\(table)”须是小写字母、数字和 _ 组成的表名")
        }
        var spec = FeedSpec(
            name: name, title: reader.string(keys["title"], "title") ?? name, schema: schemaID, include: include, exclude: exclude,
            columns: columns, format: format,
            fileName: reader.string(keys["file_name"], "file_name") ?? "{portal}-{feed}-{date}-{batch}.\(format.fileExtension)",
            batchLimit: reader.int(keys["batch_limit"], "batch_limit", minimum: 1) ?? 5000, xmlRoot: xmlRoot, xmlRecord: xmlRecord,
            screening: screening, sheet: sheet.map(FeedSpec.sheetName))
        spec.table = table
        return spec
    }

    /// `screen: {fields: [违法事实, 备注], style: label}`: the free-text fields screened for every
    /// kind of personal data (ID numbers are hidden in all of them whatever this says), and how.
    private static func parseScreening(_ node: Node, schema: PublicationSchema, _ reader: inout YAMLReader) -> TextScreening {
        let keys = reader.mapping(node, known: ["fields", "style"], what: "screen")
        var screening = TextScreening()
        if let fields = reader.strings(keys["fields"], "fields") {
            for field in fields {
                guard let index = schema.index(of: field) else {
                    reader.report("profile-unknown-field", keys["fields"], "screen 的“\(field)”不是\(schema.title)的字段")
                    continue
                }
                if schema.fields[index].kind != .text || schema.fields[index].personal {
                    reader.report(
                        "profile-bad-value", keys["fields"],
                        "screen 的“\(field)”不是自由文本字段（个人信息字段整体打码，代码、日期、金额有各自的格式校验）")
                }
            }
            screening.fields = fields
        }
        if let text = reader.string(keys["style"], "style") {
            if let style = PersonalDataScreen.Style(rawValue: text) {
                screening.style = style
            } else {
                reader.report("profile-bad-value", keys["style"], "screen 的 style 应为 mask（逐字 *）或 label（〔身份证号码〕）")
            }
        }
        return screening
    }

    private static func parseRule(_ node: Node, schema: PublicationSchema, needsReason: Bool, _ reader: inout YAMLReader) -> FeedRule? {
        let keys = reader.mapping(node, known: ruleKeys, what: "规则")
        guard let field = reader.string(keys["field"], "field") else {
            reader.report("profile-missing-key", node, "规则缺少 field")
            return nil
        }
        guard schema.index(of: field) != nil else {
            reader.report("profile-unknown-field", keys["field"], "“\(field)”不是\(schema.title)的字段")
            return nil
        }
        let reason = reader.string(keys["reason"], "reason")
        if needsReason, reason == nil { reader.report("profile-missing-key", node, "exclude 规则须写明 reason（不公示的理由）") }
        let match: FeedRule.Match
        if let values = reader.strings(keys["one_of"], "one_of") {
            match = .oneOf(values)
        } else if let values = reader.strings(keys["contains_any"], "contains_any") {
            match = .containsAny(values)
        } else if let values = reader.strings(keys["starts_with"], "starts_with") {
            match = .startsWith(values)
        } else if let values = reader.strings(keys["only"], "only") {
            match = .onlyValues(values)
        } else if reader.bool(keys["empty"], "empty") == true {
            match = .empty
        } else {
            reader.report("profile-missing-key", node, "规则须有 one_of、contains_any、starts_with、only 或 empty: true 之一")
            return nil
        }
        let withdraw = reader.bool(keys["withdraw"], "withdraw") ?? false
        if withdraw, !needsReason { reader.report("profile-bad-value", keys["withdraw"], "withdraw 只用于 exclude 规则") }
        return FeedRule(field: field, match: match, reason: reason, withdraw: withdraw)
    }

    private static func parseMask(_ node: Node?, _ reader: inout YAMLReader) -> Mask {
        guard let node else { return .none }
        if let text = node.scalar?.string {
            switch text {
            case "none": return .none
            case "name": return .name
            default: break
            }
        }
        let keys = reader.mapping(node, known: ["keep_first", "keep_last"], what: "mask")
        if let first = reader.int(keys["keep_first"], "keep_first"), let last = reader.int(keys["keep_last"], "keep_last") {
            return .keep(first: first, last: last)
        }
        reader.report("profile-bad-value", node, "mask 应为 none、name，或 {keep_first: N, keep_last: M}")
        return .none
    }

    private static func isXMLName(_ text: String) -> Bool {
        guard let first = text.utf8.first, first == 0x5F || (first | 0x20 >= 0x61 && first | 0x20 <= 0x7A) else { return false }
        return text.utf8.allSatisfy { $0 == 0x5F || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }
    }
}
