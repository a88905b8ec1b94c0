import DisclosureCore
internal import Yams

/// Reads YAML nodes into values, collecting every problem with its line instead of stopping at
/// the first one. Used by the schema and code-table loaders.
struct YAMLReader {
    let file: String
    private(set) var issues: [ConfigIssue] = []

    init(file: String) {
        self.file = file
    }

    mutating func report(_ code: String, _ node: Node?, _ message: String) {
        issues.append(ConfigIssue(code, file: file, line: node?.mark?.line, message))
    }

    /// Adds a problem found elsewhere (in a referenced file), with its own location.
    mutating func add(_ issue: ConfigIssue) {
        issues.append(issue)
    }

    /// Parses a document; a syntax error is reported and gives `nil`.
    mutating func compose(_ text: String) -> Node? {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                issues.append(ConfigIssue("config-empty", file: file, line: nil, "文件是空的（或只有注释）：没有任何配置"))
                return nil
            }
            return node
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                .composer(_, let problem, let mark, _):
                issues.append(ConfigIssue("yaml-syntax", file: file, line: mark.line, "不是有效的 YAML（原文：\(OneLine.of(problem))）"))
            case .duplicatedKeysInMapping(let duplicates, let context):
                issues.append(ConfigIssue(
                    "yaml-syntax", file: file, line: context.mark.line, "键重复：\(duplicates.joined(separator: "、"))"))
            default:
                issues.append(ConfigIssue("yaml-syntax", file: file, line: nil, "不是有效的 YAML（原文：\(OneLine.of("\(error)"))）"))
            }
        } catch {
            issues.append(ConfigIssue("yaml-syntax", file: file, line: nil, "不是有效的 YAML（原文：\(OneLine.of("\(error)"))）"))
        }
        return nil
    }

    /// The pairs of a mapping by key, reporting keys not in `known` (and a node that is not a mapping).
    mutating func mapping(_ node: Node?, known: [String], what: String) -> [String: Node] {
        guard let node else { return [:] }
        guard let mapping = node.mapping else {
            report("schema-bad-value", node, "\(what)应为“键: 值”的映射")
            return [:]
        }
        var result: [String: Node] = [:]
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            guard known.contains(key) else {
                report("schema-unknown-key", keyNode, "\(what)中未知的键“\(key)”；可用的键：\(known.joined(separator: "、"))")
                continue
            }
            result[key] = value
        }
        return result
    }

    mutating func string(_ node: Node?, _ key: String) -> String? {
        guard let node else { return nil }
        guard let text = node.scalar?.string else {
            report("schema-bad-value", node, "\(key) 应为一段文字")
            return nil
        }
        return text
    }

    mutating func int(_ node: Node?, _ key: String, minimum: Int = 0) -> Int? {
        guard let node else { return nil }
        guard let text = node.scalar?.string, let value = Int(text), value >= minimum else {
            report("schema-bad-value", node, "\(key) 应为不小于 \(minimum) 的整数，而不是“\(node.scalar?.string ?? "…")”")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node?, _ key: String) -> Bool? {
        guard let node else { return nil }
        switch node.scalar?.string {
        case "true", "yes": return true
        case "false", "no": return false
        default:
            report("schema-bad-value", node, "\(key) 应为 true 或 false")
            return nil
        }
    }

    /// A list of texts; a single text counts as a list of one.
    mutating func strings(_ node: Node?, _ key: String) -> [String]? {
        guard let node else { return nil }
        if let text = node.scalar?.string { return [text] }
        guard let items = node.sequence else {
            report("schema-bad-value", node, "\(key) 应为列表")
            return nil
        }
        var result: [String] = []
        for item in items {
            guard let text = item.scalar?.string else {
                report("schema-bad-value", item, "\(key) 的每一项应为一段文字")
                continue
            }
            result.append(text)
        }
        return result
    }

    /// A mapping of texts to texts.
    mutating func stringMap(_ node: Node?, _ key: String) -> [String: String]? {
        guard let node else { return nil }
        guard let mapping = node.mapping else {
            report("schema-bad-value", node, "\(key) 应为“键: 值”的映射")
            return nil
        }
        var result: [String: String] = [:]
        for (keyNode, value) in mapping {
            guard let name = keyNode.scalar?.string, let text = value.scalar?.string else {
                report("schema-bad-value", keyNode, "\(key) 的键和值都应为文字")
                continue
            }
            result[name] = text
        }
        return result
    }
}
