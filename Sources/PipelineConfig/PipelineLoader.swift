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
    static let topKeys = ["title", "description", "department", "kind", "sources", "calendar", "portals", "ledger", "outbox", "reports", "publication_period"]
    static let sourceKeys = ["path", "format", "encoding", "mapping", "xsd", "record_element", "sheet"]
    static let portalKeys = ["profile", "transport", "format"]
    /// The formats a pipeline may choose for a portal (xml needs element names the profile checks).
    public static let portalFormats = ["csv-utf8-bom", "csv-gb18030", "json-lines", "xlsx"]
    static let transportKeys = [
        "kind", "endpoint", "credentials_file", "app_key_env", "secret_env", "ca_file", "url", "user", "key_file", "known_hosts",
        "connect_timeout", "timeout", "attempts", "retry_budget", "password_env",
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
        let publicationPeriod = top["publication_period"].flatMap { parsePublicationPeriod($0, &reader) }
        guard reader.issues.isEmpty, let kind else { return .failure(.init(issues: reader.issues)) }
        var pipeline = Pipeline(
            id: id, title: reader.string(top["title"], "title") ?? id,
            department: reader.string(top["department"], "department") ?? reader.string(top["title"], "title") ?? id, kind: kind, sources: sources,
            calendar: reader.string(top["calendar"], "calendar"), portals: portals,
            ledger: reader.string(top["ledger"], "ledger") ?? "var/ledger.sqlite",
            outbox: reader.string(top["outbox"], "outbox") ?? "var/outbox",
            reports: reader.string(top["reports"], "reports") ?? "var/reports", base: base, publicationPeriod: publicationPeriod)
        pipeline.publicationPeriodLine = top["publication_period"]?.mark?.line
        return .success(pipeline)
    }

    /// The file suffixes whose format a source without `format:` takes from them (lowercase).
    /// `.xls` is an old workbook the workbook reader refuses with what it is and what to do.
    public static let formatSuffixes: [String: String] = ["csv": "csv", "txt": "csv", "tsv": "csv", "xml": "xml", "xlsx": "xlsx", "xls": "xlsx"]

    /// The format a file suffix (without its dot, any case) names; nil for another or none.
    public static func format(ofSuffix suffix: String) -> String? {
        formatSuffixes[suffix.lowercased()]
    }

    /// The suffix every name a file pattern matches has (`*.csv` → `csv`, `export` → ``""``), or
    /// nil when names of several suffixes can match (`*`, `export*`, `*.c?v`, `a.*`).
    public static func fixedSuffix(of pattern: String) -> String? {
        let wild: Set<Character> = ["*", "?", "["]
        guard let dot = pattern.lastIndex(of: ".") else {
            return pattern.contains(where: wild.contains) ? nil : ""
        }
        let suffix = pattern[pattern.index(after: dot)...]
        return suffix.contains(where: wild.contains) ? nil : String(suffix)
    }

    private static func parseSource(_ node: Node, _ reader: inout YAMLReader) -> Pipeline.Source? {
        let keys = reader.mapping(node, known: sourceKeys, what: "source ")
        guard let path = reader.string(keys["path"], "path") else {
            reader.report("pipeline-missing-key", node, "source 须有 path（如 inbox/fazhike/*.csv）")
            return nil
        }
        // Without `format:`, the pattern's own suffix (`*.xml`); a pattern whose suffix is not fixed
        // (`inbox/*`) leaves it to each file's (nil).
        let declared = reader.string(keys["format"], "format")
        let format = declared ?? fixedSuffix(of: String(path.split(separator: "/", omittingEmptySubsequences: false).last ?? "")).flatMap(Self.format(ofSuffix:))
        if let declared, !["csv", "xml", "xlsx"].contains(declared) {
            reader.report("pipeline-bad-value", keys["format"], "format 应为 csv、xml 或 xlsx")
            return nil
        }
        if let format, format != "xlsx", keys["sheet"] != nil {
            reader.report("pipeline-bad-value", keys["sheet"], "sheet 只用于 xlsx（Excel 工作簿）")
        }
        let encoding = reader.string(keys["encoding"], "encoding") ?? "auto"
        guard ["auto", "utf-8", "gb18030", "utf-16"].contains(encoding.lowercased()) else {
            reader.report("pipeline-bad-value", keys["encoding"], "encoding 应为 auto、utf-8、gb18030 或 utf-16")
            return nil
        }
        if format == "csv", keys["xsd"] != nil || keys["record_element"] != nil {
            reader.report("pipeline-bad-value", keys["xsd"] ?? keys["record_element"], "xsd 和 record_element 只用于 XML")
        }
        var source = Pipeline.Source(
            path: path, format: format, encoding: encoding.lowercased(), mapping: reader.string(keys["mapping"], "mapping"),
            xsd: reader.string(keys["xsd"], "xsd"), recordElement: reader.string(keys["record_element"], "record_element"),
            line: keys["path"]?.mark?.line)
        source.sheet = reader.string(keys["sheet"], "sheet")
        return source
    }

    private static func parsePortal(_ node: Node, _ reader: inout YAMLReader) -> Pipeline.Portal? {
        let keys = reader.mapping(node, known: portalKeys, what: "portal ")
        var portal = parsePortalTransport(node, keys, &reader)
        if let format = reader.string(keys["format"], "format") {
            guard portalFormats.contains(format) else {
                reader.report("pipeline-bad-value", keys["format"], "portal 的 format 应为 \(portalFormats.joined(separator: "、")) 之一")
                return nil
            }
            portal?.format = format
        }
        return portal
    }

    private static func parsePortalTransport(_ node: Node, _ keys: [String: Node], _ reader: inout YAMLReader) -> Pipeline.Portal? {
        guard let profile = reader.string(keys["profile"], "profile") else {
            reader.report("pipeline-missing-key", node, "portal 须有 profile（内置门户 id 或门户配置文件）")
            return nil
        }
        let transportNode = keys["transport"]
        if let mapping = transportNode?.mapping {
            // Every secret is named, not only the first; none is echoed.
            var secret = false
            for (key, value) in mapping where secretKeys.contains(key.string ?? "") {
                reader.report(
                    "pipeline-secret-in-file", value,
                    "密钥不能写在流水线文件里（\(key.string ?? "")）：用 credentials_file（权限 0600 的文件）或 app_key_env/secret_env（环境变量名）")
                secret = true
            }
            for (key, value) in mapping where ["endpoint", "url"].contains(key.string ?? "") {
                if let what = secretInURL(value.string ?? "") {
                    reader.report(
                        "pipeline-secret-in-file", value,
                        "\(key.string ?? "") 的地址里含有\(what)：密钥不能写在流水线文件里，用 credentials_file 或 app_key_env/secret_env")
                    secret = true
                }
            }
            if secret { return nil }
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
                profile: profile,
                transport: .api(
                    endpoint: endpoint, credentials: credentials, caFile: reader.string(transport["ca_file"], "ca_file"),
                    limits: parseLimits(transport, &reader)),
                line: line)
        case "sftp":
            guard let url = required("url"), let user = required("user"), let key = required("key_file"),
                let knownHosts = required("known_hosts")
            else { return nil }
            return Pipeline.Portal(profile: profile, transport: .sftp(url: url, user: user, keyFile: key, knownHosts: knownHosts, limits: parseLimits(transport, &reader)), line: line)
        case "database":
            guard let url = required("url") else { return nil }
            guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") else {
                reader.report("pipeline-bad-value", transport["url"], "database 的 url 应为 postgresql://用户@主机:端口/数据库")
                return nil
            }
            if let file = reader.string(transport["credentials_file"], "credentials_file") {
                return Pipeline.Portal(profile: profile, transport: .database(url: url, password: .file(file), limits: parseLimits(transport, &reader)), line: line)
            }
            guard let variable = reader.string(transport["password_env"], "password_env") else {
                reader.report("pipeline-missing-key", transportNode ?? node, "transport kind database 须有 password_env（环境变量名）或 credentials_file（0600 文件，password=…）")
                return nil
            }
            return Pipeline.Portal(
                profile: profile, transport: .database(url: url, password: .environment(variable), limits: parseLimits(transport, &reader)), line: line)
        default:
            reader.report("pipeline-bad-value", transport["kind"], "transport kind 应为 outbox、api、sftp 或 database")
            return nil
        }
    }
}

// MARK: - Publication period

extension PipelineLoader {
    static let publicationPeriodKeys = ["severity_field", "default", "rules", "domains", "domain_field"]
    static let severityClauseKeys = ["field", "one_of", "contains", "at_least", "at_most", "only", "severity", "and", "source"]

    /// `publication_period:`, how a record's severity and 领域 are decided:
    ///
    /// ```yaml
    /// publication_period:
    ///   severity_field: 失信严重程度        # optional: a field holding 轻微/一般/严重 wins when filled
    ///   default: 一般
    ///   rules:                              # in order; the first that holds decides
    ///     - {field: 处罚类别, contains: 吊销, severity: 严重}
    ///     - {field: 处罚类别, one_of: [责令停产停业, 责令关闭], severity: 严重}
    ///     - {field: 罚款金额(万元), at_least: 10, severity: 严重}
    ///   domains: [城市管理]                  # and/or domain_field: 领域
    /// ```
    /// What secret a URL carries, or nil: a password in its user part (`https://user:pass@host`), or
    /// a query parameter that names one (`?secret=…`, `token`, `password`, `key`, `sign` …).
    static func secretInURL(_ url: String) -> String? {
        guard let scheme = url.firstRange(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") { return "用户名和口令（user:pass@）" }
        guard let query = rest.firstIndex(of: "?") else { return nil }
        let names = ["secret", "password", "passwd", "pwd", "token", "access_token", "key", "apikey", "api_key", "app_secret", "sign", "signature"]
        for pair in rest[rest.index(after: query)...].split(whereSeparator: { $0 == "&" || $0 == "#" }) {
            let name = pair.split(separator: "=", maxSplits: 1).first.map { $0.lowercased() } ?? ""
            if names.contains(name) { return "参数 \(name)=" }
        }
        return nil
    }

    /// `connect_timeout`, `timeout`, `retry_budget` (seconds) and `attempts`, each bounded.
    static func parseLimits(_ keys: [String: Node], _ reader: inout YAMLReader) -> Pipeline.Limits {
        var limits = Pipeline.Limits()
        func seconds(_ key: String, _ range: ClosedRange<Double>) -> Double? {
            guard let node = keys[key] else { return nil }
            let text = node.scalar?.string ?? ""
            guard let value = Double(text), range.contains(value) else {
                reader.report(
                    "pipeline-bad-value", node,
                    "\(key) 应为 \(Int(range.lowerBound))–\(Int(range.upperBound)) 之间的秒数，而不是“\(String(text.prefix(40)))”")
                return nil
            }
            return value
        }
        if let value = seconds("connect_timeout", 1...300) { limits.connectTimeout = value }
        if let value = seconds("timeout", 1...3600) { limits.timeout = value }
        if let value = seconds("retry_budget", 0...86400) { limits.retryBudget = value }
        if keys["attempts"] != nil, let value = reader.int(keys["attempts"], "attempts", minimum: 1) {
            if value > 20 {
                reader.report("pipeline-bad-value", keys["attempts"], "attempts 应为 1–20")
            } else {
                limits.attempts = value
            }
        }
        return limits
    }

    static func parsePublicationPeriod(_ node: Node, _ reader: inout YAMLReader) -> SeverityRule? {
        let keys = reader.mapping(node, known: publicationPeriodKeys, what: "publication_period ")
        let defaultSeverity = severity(keys["default"], "default", &reader)
        if keys["default"] == nil {
            reader.report("pipeline-missing-key", node, "publication_period 须有 default（没有规则适用时的失信程度：轻微、一般或严重）")
        }
        var clauses: [SeverityRule.Clause] = []
        if let items = keys["rules"] {
            if let sequence = items.sequence {
                for item in sequence {
                    if let clause = parseSeverityClause(item, &reader) { clauses.append(clause) }
                }
            } else {
                reader.report("pipeline-bad-value", items, "publication_period 的 rules 应为列表")
            }
        }
        guard let defaultSeverity else { return nil }
        return SeverityRule(
            field: reader.string(keys["severity_field"], "severity_field"), rules: clauses, defaultSeverity: defaultSeverity,
            domainField: reader.string(keys["domain_field"], "domain_field"), domains: reader.strings(keys["domains"], "domains") ?? [])
    }

    private static func parseSeverityClause(_ node: Node, _ reader: inout YAMLReader) -> SeverityRule.Clause? {
        let keys = reader.mapping(node, known: severityClauseKeys, what: "publication_period 规则")
        let field = reader.string(keys["field"], "field")
        let severity = severity(keys["severity"], "severity", &reader)
        if field == nil || keys["severity"] == nil {
            reader.report("pipeline-missing-key", node, "publication_period 规则须有 field 和 severity")
        }
        guard let test = parseSeverityTest(node, keys, &reader) else { return nil }
        var also: [SeverityRule.Condition] = []
        if let more = keys["and"] {
            for item in more.sequence ?? [more] {
                let conditionKeys = reader.mapping(item, known: severityConditionKeys, what: "publication_period 规则的 and 条件")
                guard let conditionField = reader.string(conditionKeys["field"], "field") else {
                    reader.report("pipeline-missing-key", item, "and 条件须有 field")
                    return nil
                }
                guard let conditionTest = parseSeverityTest(item, conditionKeys, &reader) else { return nil }
                also.append(SeverityRule.Condition(field: conditionField, test: conditionTest))
            }
        }
        guard let field, let severity else { return nil }
        return SeverityRule.Clause(field: field, test: test, severity: severity, also: also)
    }

    static let severityConditionKeys = ["field", "one_of", "contains", "at_least", "at_most", "only"]

    private static func parseSeverityTest(_ node: Node, _ keys: [String: Node], _ reader: inout YAMLReader) -> SeverityRule.Test? {
        let tests = ["one_of", "contains", "at_least", "at_most", "only"].filter { keys[$0] != nil }
        guard tests.count == 1 else {
            reader.report("pipeline-bad-value", node, "publication_period 规则须有 one_of、contains、at_least、at_most、only 中的一个，而不是 \(tests.count) 个")
            return nil
        }
        let test: SeverityRule.Test
        switch tests[0] {
        case "one_of":
            guard let values = reader.strings(keys["one_of"], "one_of"), !values.isEmpty else { return nil }
            test = .oneOf(values)
        case "contains":
            guard let text = reader.string(keys["contains"], "contains"), !text.isEmpty else { return nil }
            test = .contains(text)
        case "only":
            guard let values = reader.strings(keys["only"], "only"), !values.isEmpty else { return nil }
            test = .only(values)
        default:
            let key = tests[0]
            let text = keys[key]?.scalar?.string ?? ""
            guard let number = Double(text), number.isFinite else {
                reader.report("pipeline-bad-value", keys[key], "\(key) 应为数字，而不是“\(text)”")
                return nil
            }
            test = key == "at_least" ? .atLeast(number) : .atMost(number)
        }
        return test
    }

    private static func severity(_ node: Node?, _ key: String, _ reader: inout YAMLReader) -> CreditSeverity? {
        guard let text = reader.string(node, key) else { return nil }
        guard let severity = CreditSeverity(rawValue: text) else {
            let allowed = CreditSeverity.allCases.map(\.rawValue).joined(separator: "、")
            reader.report("pipeline-bad-value", node, "\(key) 应为 \(allowed) 之一，而不是“\(text)”")
            return nil
        }
        return severity
    }
}
