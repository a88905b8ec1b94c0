public import DisclosureCore
internal import Yams

/// Reads a source mapping (`--mapping FILE`): a department's own column names (or XML element
/// names) and the schema fields they hold.
///
/// ```yaml
/// id: fazhike-case-system
/// version: 1
/// columns:
///   当事人名称: 行政相对人名称
///   决定文号: 行政处罚决定书文号
///   处罚日期: 处罚决定日期
/// ```
public enum SourceMappingLoader {
    /// - Returns: column name → field name, every target checked against the schema (a name or a
    ///   column code); or every problem, with lines.
    public static func load(_ document: SchemaDocument, schema: PublicationSchema) -> Result<[String: String], SchemaLoadFailure> {
        var reader = YAMLReader(file: document.displayPath)
        guard let root = reader.compose(document.text) else { return .failure(.init(issues: reader.issues)) }
        let keys = reader.mapping(root, known: ["id", "version", "description", "schema", "columns"], what: "映射文件")
        var columns: [String: String] = [:]
        if let mapping = keys["columns"]?.mapping {
            let fields = Set(schema.fields.map(\.name) + schema.fields.compactMap(\.code))
            for (nameNode, targetNode) in mapping {
                guard let name = nameNode.string, let target = targetNode.string else {
                    reader.report("schema-bad-value", nameNode, "columns 的键和值都应为文字")
                    continue
                }
                guard fields.contains(target) else {
                    reader.report(
                        "mapping-unknown-field", targetNode, "“\(name)”映射到的“\(target)”不是\(schema.title)的字段（应为模板中的中文名或 CF_*/XK_* 代码）")
                    continue
                }
                columns[name] = target
            }
        } else {
            reader.report("schema-missing-key", root, "映射文件需要 columns：部门的列名 → 字段名")
        }
        return reader.issues.isEmpty ? .success(columns) : .failure(.init(issues: reader.issues))
    }
}
