public import DisclosureCore
import Foundation
public import WorkingDayCalendar

/// Checks what a pipeline points at, without reading any data: the record kind, the profiles and
/// their feeds, source folders, mapping and XSD files, credentials (a 0600 file, or environment
/// variables that are set), SFTP keys, and how soon the calendar's coverage ends.
public struct PipelineLinter {
    public let schemas: [PublicationSchema]
    public let profiles: [PortalProfile]
    public let environment: [String: String]
    public let today: CalendarDate
    /// The last day the calendar in force covers.
    public let calendarEnd: CalendarDate?
    /// Warn when the coverage ends within this many days of today.
    public static let coverageWarningDays = 60
    /// The calendar in force ends before today: an error for `gongshi lint` (78); a command that
    /// loads the pipeline to work (run, report) takes it as a warning and says which decisions
    /// it cannot reckon (`calendar-ended`).
    public static let coverageEndedCode = "calendar-coverage-ended"

    public init(
        schemas: [PublicationSchema], profiles: [PortalProfile], environment: [String: String], today: CalendarDate,
        calendarEnd: CalendarDate?
    ) {
        self.schemas = schemas
        self.profiles = profiles
        self.environment = environment
        self.today = today
        self.calendarEnd = calendarEnd
    }

    /// Every problem, errors and warnings, in file order.
    public func lint(_ pipeline: Pipeline, file: String) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        func error(_ code: String, _ line: Int?, _ message: String) { issues.append(ConfigIssue(code, file: file, line: line, message)) }
        func warning(_ code: String, _ line: Int?, _ message: String) {
            issues.append(ConfigIssue(code, file: file, line: line, message, isWarning: true))
        }
        let schema = SchemaCatalog.resolve(kind: pipeline.kind, in: schemas)
        if schema == nil { error("pipeline-unknown-kind", nil, "kind “\(pipeline.kind)”不是已知的记录种类") }
        for source in pipeline.sources {
            let folder = (pipeline.resolve(source.path) as NSString).deletingLastPathComponent
            let pattern = (source.path as NSString).lastPathComponent
            // Without `format:`, each file's suffix decides: a pattern that matches only names of a
            // suffix naming no format reads nothing, and a file of such a suffix is refused.
            if source.format == nil, let suffix = PipelineLoader.fixedSuffix(of: pattern) {
                error(
                    "source-format-unknown", source.line,
                    "\(source.path) 只匹配\(suffix.isEmpty ? "没有扩展名" : "扩展名为 .\(suffix) ")的文件，无法按扩展名决定格式：请在 source 中写明 format（csv、xml 或 xlsx）")
            }
            if !isDirectory(folder) {
                error("pipeline-missing-folder", source.line, "数据目录 \(folder) 不存在")
            } else {
                let files = Self.matches(folder: folder, pattern: pattern)
                if files.isEmpty {
                    warning("pipeline-no-files", source.line, "\(source.path) 目前没有匹配的文件")
                } else if source.format == nil {
                    let unknown = files.filter { PipelineLoader.format(ofSuffix: ($0 as NSString).pathExtension) == nil }
                    if !unknown.isEmpty {
                        let names = unknown.prefix(5).map { ($0 as NSString).lastPathComponent }.joined(separator: "、")
                        warning(
                            "source-format-unknown", source.line,
                            "\(source.path) 匹配的 \(unknown.count) 个文件的扩展名不是已知的格式（\(names)\(unknown.count > 5 ? "等" : "")），运行时不读取：source 没有写 format 时，.csv、.txt、.tsv 按 CSV 读，.xlsx 按 Excel 工作簿读，.xml 按 XML 读")
                    }
                }
            }
            for (what, path) in [("mapping", source.mapping), ("xsd", source.xsd)] {
                guard let path else { continue }
                if !FileManager.default.fileExists(atPath: pipeline.resolve(path)) {
                    error("pipeline-missing-file", source.line, "\(what) 文件 \(pipeline.resolve(path)) 不存在")
                } else if what == "mapping", let schema, let document = try? SchemaDocument.disk(pipeline.resolve(path)),
                    case .failure(let failure) = SourceMappingLoader.load(document, schema: schema)
                {
                    issues += failure.issues
                }
            }
        }
        if let rule = pipeline.publicationPeriod, let schema {
            // The severity rule's fields must be the schema's, or the rule silently never holds.
            let names = Set(schema.fields.map(\.name))
            let named = [rule.field, rule.domainField].compactMap { $0 } + rule.rules.map(\.field)
            for field in named where !names.contains(field) {
                error(
                    "pipeline-unknown-field", pipeline.publicationPeriodLine,
                    "publication_period 中的字段“\(field)”不在 \(schema.title) 的字段中")
            }
        }
        var seenProfiles: Set<String> = []
        for portal in pipeline.portals {
            let profile = profiles.first { $0.id == portal.profile }
            // One portal, one way to it: the ledger keeps a record's publication per portal, and
            // two transports of one portal would each send it (or each wait for the other).
            if !seenProfiles.insert(profile?.id ?? portal.profile).inserted {
                error("pipeline-duplicate-portal", portal.line, "门户“\(profile?.title ?? portal.profile)”列了两次；一个门户只能有一种报送方式（outbox、api、sftp 或 database 选一种）")
            }
            if profile == nil && !FileManager.default.fileExists(atPath: pipeline.resolve(portal.profile)) {
                error("pipeline-unknown-profile", portal.line, "门户配置“\(portal.profile)”既不是内置的，也不是存在的文件")
            } else if let profile, let schema, !profile.feeds.contains(where: { $0.schema == schema.id }) {
                error("pipeline-no-feed", portal.line, "门户“\(profile.title)”没有\(schema.title)的公示文件")
            }
            switch portal.transport {
            case .outbox:
                break
            case .api(let endpoint, let credentials, let caFile, _):
                let host = URLComponents(string: endpoint)?.host ?? ""
                if !endpoint.hasPrefix("https://") && !["127.0.0.1", "localhost"].contains(host) {
                    error("pipeline-insecure-endpoint", portal.line, "接口地址 \(endpoint) 不是 https://（只有本机沙箱可用 http）")
                }
                switch credentials {
                case .file(let path):
                    let full = pipeline.resolve(path)
                    if let mode = (try? FileManager.default.attributesOfItem(atPath: full))?[.posixPermissions] as? Int {
                        if mode & 0o077 != 0 {
                            error("credentials-too-open", portal.line, "凭据文件 \(full) 的权限为 \(String(mode, radix: 8))，应为 0600")
                        }
                    } else {
                        error("pipeline-missing-file", portal.line, "凭据文件 \(full) 不存在")
                    }
                case .environment(let appKey, let secret):
                    for name in [appKey, secret] where (environment[name] ?? "").isEmpty {
                        error("credentials-env-unset", portal.line, "环境变量 \(name) 没有设置")
                    }
                }
                if let caFile, !FileManager.default.fileExists(atPath: pipeline.resolve(caFile)) {
                    error("pipeline-missing-file", portal.line, "CA 文件 \(pipeline.resolve(caFile)) 不存在")
                }
            case .sftp(_, _, let keyFile, let knownHosts, _):
                for path in [keyFile, knownHosts] where !FileManager.default.fileExists(atPath: pipeline.resolve(path)) {
                    error("pipeline-missing-file", portal.line, "文件 \(pipeline.resolve(path)) 不存在")
                }
            case .database(_, .environment(let name), _):
                if (environment[name] ?? "").isEmpty { error("credentials-env-unset", portal.line, "环境变量 \(name) 没有设置") }
            case .database(_, .file(let path), _):
                let full = pipeline.resolve(path)
                if let mode = (try? FileManager.default.attributesOfItem(atPath: full)[.posixPermissions] as? NSNumber)?.intValue {
                    if mode & 0o077 != 0 { error("credentials-too-open", portal.line, "凭据文件 \(full) 的权限为 \(String(mode, radix: 8))，应为 0600") }
                } else {
                    error("pipeline-missing-file", portal.line, "凭据文件 \(full) 不存在")
                }
            }
        }
        if let calendar = pipeline.calendar, !isDirectory(pipeline.resolve(calendar)) {
            error("pipeline-missing-folder", nil, "日历目录 \(pipeline.resolve(calendar)) 不存在")
        }
        if let end = calendarEnd {
            let left = today.days(to: end)
            if left < 0 {
                // Already past: the deadlines of today's decisions cannot be counted (the run, `ledger
                // status` and the report end with 78 once a decision needs one).
                error(
                    Self.coverageEndedCode, nil,
                    "节假日日历只覆盖到 \(end)，已经过期：截止日期无法计算；请添加 \(end.year + 1).yaml，用 --calendar DIR 或环境变量 GONGSHI_CALENDAR_DIR 指向其目录")
            } else if left < Self.coverageWarningDays {
                warning(
                    "calendar-coverage-ending", nil,
                    "节假日日历只覆盖到 \(end)，还有 \(left) 天；国务院办公厅通知发布后请添加 \(end.year + 1).yaml")
            }
        }
        return issues
    }


    private func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The files in `folder` whose names match `pattern` (`*` and `?`), sorted by name.
    public static func matches(folder: String, pattern: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { fnmatch(pattern, $0, 0) == 0 }.sorted().map { (folder as NSString).appendingPathComponent($0) }
    }
}

extension Pipeline {
    /// A path from the pipeline, made absolute against its base folder.
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
    }
}
