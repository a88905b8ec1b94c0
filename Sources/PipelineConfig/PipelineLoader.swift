public import DisclosureCore
internal import Yams

/// Reads `pipelines/ID.yaml` into a ``Pipeline``, with every problem located by line. Checks the
/// file itself (keys, types, required values, secrets kept out); `PipelineLinter` checks what it
/// points at.
///
/// ```yaml
/// title: 法制科 行政处罚
/// department: 法制科
/// kind: penalty
/// sources:
///   - {path: inbox/fazhike/*.csv, encoding: gb18030, mapping: schemas/mappings/fazhike.v1.yaml}
/// portals:
///   - {profile: creditchina-henan-zhengzhou, transport: {kind: outbox}}
///   - profile: gsxt
///     transport: {kind: api, endpoint: "https://…", credentials_file: /etc/gongshi/gsxt.credentials}
/// ledger: var/ledger.sqlite
/// outbox: var/outbox
/// reports: var/reports
/// ```
public enum PipelineLoader {
    static let topKeys = ["title", "description", "department", "kind", "sources", "calendar", "portals", "ledger", "outbox", "reports"]
    static let sourceKeys = ["path", "format", "encoding", "mapping", "xsd", "record_element"]
    static let portalKeys = ["profile", "transport"]
    static let transportKeys = [
        "kind", "endpoint", "credentials_file", "app_key_env", "secret_env", "ca_file", "url", "user", "key_file", "known_hosts",
    ]
    /// Keys that would put a secret in the file itself.
    static let secretKeys = ["secret", "password", "app_secret", "token", "private_key"]

    /// - Parameters:
    ///   - id: the pipeline id (the file name without `.yaml`).
    ///   - base: the folder relative paths start from.
    public static func load(_ document: SchemaDocument, id: String, base: String) -> Result<Pipeline, SchemaLoadFailure> {
        var reader = YAMLReader(file: document.displayPath)
        guard let root = reader.compose(document.text) else { return .failure(.init(issues: reader.issues)) }
        let top = reader.mapping(root, known: topKeys, what: "流水线配置")
        let kind = reader.string(top["kind"], "kind")
        if top["kind"] == nil { reader.report("pipeline-missing-key", root, "缺少 kind（记录种类：penalty、permit 或 schema id）") }
        var sources: [Pipeline.Source] = []
        if let items = top["sources"]?.sequence, !items.isEmpty {
            for item in items {
                if let source = parseSource(item, &reader) { sources.append(source) }
            }
        } else {
            reader.report("pipeline-missing-key", top["sources"] ?? root, "sources 应为非空的列表（数据文件所在的目录和文件名模式）")
        }
        var portals: [Pipeline.Portal] = []
        if let items = top["portals"]?.sequence, !items.isEmpty {
            for item in items {
                if let portal = parsePortal(item, &reader) { portals.append(portal) }
            }
        } else {
            reader.report("pipeline-missing-key", top["portals"] ?? root, "portals 应为非空的列表（门户配置和上传方式）")
        }
        guard reader.issues.isEmpty, let kind else { return .failure(.init(issues: reader.issues)) }
        return .success(Pipeline(
            id: id, title: reader.string(top["title"], "title") ?? id,
            department: reader.string(top["department"], "department") ?? reader.string(top["title"], "title") ?? id, kind: kind, sources: sources,
            calendar: reader.string(top["calendar"], "calendar"), portals: portals,
            ledger: reader.string(top["ledger"], "ledger") ?? "var/ledger.sqlite",
            outbox: reader.string(top["outbox"], "outbox") ?? "var/outbox",
            reports: reader.string(top["reports"], "reports") ?? "var/reports", base: base))
    }

    private static func parseSource(_ node: Node, _ reader: inout YAMLReader) -> Pipeline.Source? {
        let keys = reader.mapping(node, known: sourceKeys, what: "source ")
        guard let path = reader.string(keys["path"], "path") else {
            reader.report("pipeline-missing-key", node, "source 须有 path（如 inbox/fazhike/*.csv）")
            return nil
        }
        let lower = path.lowercased()
        let format = reader.string(keys["format"], "format") ?? (lower.hasSuffix(".xml") ? "xml" : "csv")
        guard ["csv", "xml"].contains(format) else {
            reader.report("pipeline-bad-value", keys["format"], "format 应为 csv 或 xml")
            return nil
        }
        let encoding = reader.string(keys["encoding"], "encoding") ?? "auto"
        guard ["auto", "utf-8", "gb18030", "utf-16"].contains(encoding.lowercased()) else {
            reader.report("pipeline-bad-value", keys["encoding"], "encoding 应为 auto、utf-8、gb18030 或 utf-16")
            return nil
        }
        if format == "csv", keys["xsd"] != nil || keys["record_element"] != nil {
            reader.report("pipeline-bad-value", keys["xsd"] ?? keys["record_element"], "xsd 和 record_element 只用于 XML")
        }
        return Pipeline.Source(
            path: path, format: format, encoding: encoding.lowercased(), mapping: reader.string(keys["mapping"], "mapping"),
            xsd: reader.string(keys["xsd"], "xsd"), recordElement: reader.string(keys["record_element"], "record_element"),
            line: keys["path"]?.mark?.line)
    }

    private static func parsePortal(_ node: Node, _ reader: inout YAMLReader) -> Pipeline.Portal? {
        let keys = reader.mapping(node, known: portalKeys, what: "portal ")
        guard let profile = reader.string(keys["profile"], "profile") else {
            reader.report("pipeline-missing-key", node, "portal 须有 profile（内置门户 id 或门户配置文件）")
            return nil
        }
        let transportNode = keys["transport"]
        if let mapping = transportNode?.mapping {
            for (key, value) in mapping where secretKeys.contains(key.string ?? "") {
                reader.report(
                    "pipeline-secret-in-file", value,
                    "密钥不能写在流水线文件里（\(key.string ?? "")）：用 credentials_file（权限 0600 的文件）或 app_key_env/secret_env（环境变量名）")
                return nil
            }
        }
        let transport = reader.mapping(transportNode, known: transportKeys, what: "transport ")
        let line = keys["profile"]?.mark?.line
        let kind = reader.string(transport["kind"], "kind") ?? "outbox"
        func required(_ key: String) -> String? {
            guard let value = reader.string(transport[key], key) else {
                reader.report("pipeline-missing-key", transportNode ?? node, "transport kind \(kind) 须有 \(key)")
                return nil
            }
            return value
        }
        switch kind {
        case "outbox":
            return Pipeline.Portal(profile: profile, transport: .outbox, line: line)
        case "api":
            guard let endpoint = required("endpoint") else { return nil }
            let credentials: Pipeline.Credentials
            if let file = reader.string(transport["credentials_file"], "credentials_file") {
                credentials = .file(file)
            } else if let appKey = reader.string(transport["app_key_env"], "app_key_env"),
                let secret = reader.string(transport["secret_env"], "secret_env")
            {
                credentials = .environment(appKey: appKey, secret: secret)
            } else {
                reader.report("pipeline-missing-key", transportNode, "transport kind api 须有 credentials_file，或 app_key_env 和 secret_env")
                return nil
            }
            return Pipeline.Portal(
                profile: profile, transport: .api(endpoint: endpoint, credentials: credentials, caFile: reader.string(transport["ca_file"], "ca_file")),
                line: line)
        case "sftp":
            guard let url = required("url"), let user = required("user"), let key = required("key_file"),
                let knownHosts = required("known_hosts")
            else { return nil }
            return Pipeline.Portal(profile: profile, transport: .sftp(url: url, user: user, keyFile: key, knownHosts: knownHosts), line: line)
        default:
            reader.report("pipeline-bad-value", transport["kind"], "transport kind 应为 outbox、api 或 sftp")
            return nil
        }
    }
}
