import ArgumentParser
import Crypto
import DisclosureCore
import FeedEncoders
import Foundation
import PipelineConfig
import SQLiteLedger
import WorkingDayCalendar

extension Gongshi {
    /// `gongshi feed --portal P --kind K --out DIR [--ledger FILE] FILE...`: validates the files and
    /// writes the portal's feeds of the valid records into the outbox, one folder per portal and
    /// date, each file with its manifest. Invalid records are set aside (listed as by `validate`).
    ///
    /// With `--ledger`, only what the portal does not have yet goes out: new records as new
    /// batches, changed ones as corrections, and batches left pending by an interrupted run are
    /// settled first (see ``OutboxPublisher``). Without it, every valid record is written (a preview).
    struct Feed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "校验数据文件，并把有效记录按门户配置生成公示文件（含清单 manifest），写入待上传目录。",
            discussion: """
                目录结构：OUT/门户/YYYY-MM-DD/文件 与 文件.manifest.json。同样的输入生成逐字节相同的文件。\
                给出 --ledger 时按公示台账只发送新记录和更正，每条记录只公示一次；上传后用 gongshi ledger confirm 确认。\
                退出码：0 全部有效；65 有无效记录（有效记录照常生成）；64 用法错误；75 台账正被另一进程使用；78 配置有误。
                """)

        @Option(name: .customLong("portal"), help: ArgumentHelp("门户配置的 id（内置：creditchina-henan-zhengzhou、gsxt）。", valueName: "ID"))
        var portal: String?

        @Option(name: .customLong("profile"), help: ArgumentHelp("使用这个门户配置文件，而不是内置的。", valueName: "FILE"))
        var profileFile: String?

        @Option(name: .customLong("kind"), help: ArgumentHelp("记录种类：penalty、permit，或内置 schema 的 id。", valueName: "KIND"))
        var kind: String

        @Option(name: .customLong("out"), help: ArgumentHelp("待上传目录（outbox）。", valueName: "DIR"))
        var out: String

        @Option(
            name: .customLong("ledger"),
            help: ArgumentHelp("公示台账（SQLite）：只发送门户还没有的记录，并登记批次；不给出时生成全部有效记录（预览）。", valueName: "FILE"))
        var ledger: String?

        @Option(name: .customLong("encoding"), help: ArgumentHelp("文件编码：auto（默认）、utf-8、gb18030、utf-16。", valueName: "ENCODING"))
        var encoding: String = "auto"

        @Argument(help: ArgumentHelp("数据文件（CSV 或 XML）。", valueName: "FILE"))
        var files: [String] = []

        @OptionGroup var today: TodayOptions
        @OptionGroup var calendar: CalendarOptions

        func validate() throws {
            guard (portal == nil) != (profileFile == nil) else { throw ValidationError("需要 --portal 或 --profile 二者之一") }
            guard !files.isEmpty else { throw ValidationError("至少给出一个数据文件") }
            guard EncodingChoice(rawValue: encoding.lowercased()) != nil else {
                throw ValidationError("--encoding 应为 auto、utf-8、gb18030 或 utf-16")
            }
        }

        func run() throws {
            let today = try self.today.resolve()
            let schema = try Validate.loadSchema(kind: kind, schemaFile: nil)
            let profile = try loadProfile()
            let feeds = profile.feeds.filter { $0.schema == schema.id }
            guard !feeds.isEmpty else {
                throw CommandFailure(
                    status: ExitStatus.usage, code: "portal-no-feed", message: "门户“\(profile.title)”没有\(schema.title)的公示文件")
            }
            // The lock comes first: a second run stops before reading anything.
            let opened = try ledger.map { path throws(CommandFailure) in
                try LedgerOptions.openForWriting(path: path, command: "feed --portal \(profile.id) --kind \(schema.id)")
            }
            var options = InputOptions()
            options.encoding = EncodingChoice(rawValue: encoding.lowercased()) ?? .auto
            let writer = try ReportWriter(json: false, language: .zh, reportPath: nil)
            if let (_, ledger) = opened {
                let run = try CommandFailure.ledger { () throws(LedgerError) in
                    try ledger.beginRun(command: "feed", today: today.description, startedAt: LedgerClock.now())
                }
                let publisher = OutboxPublisher(
                    ledger: ledger, run: run, outbox: URL(fileURLWithPath: out), profile: profile, today: today,
                    calendar: profile.deadlineWorkingDays == nil ? nil : try calendar.load())
                for line in try publisher.reconcile() { Output.answer(line) }
                let fingerprints = LedgerInputs.fingerprints(files)
                let intake = try FeedIntake(
                    feeds: feeds.map { (profile.id, $0) }, schema: schema, today: today, fingerprints: fingerprints)
                let report = try FileValidator.validate(
                    files: files, schema: schema, today: today, options: options, writer: writer, records: intake)
                try writer.finish(report)
                let prints = files.compactMap { fingerprints[$0] }
                try CommandFailure.ledger { () throws(LedgerError) in try ledger.recordInputs(prints, records: [], run: run) }
                try intake.recordVersions(in: ledger, run: run)
                for spooled in intake.feeds {
                    printSkipped(spooled, profile: profile)
                    let counts = try publisher.publish(spooled, schema: schema)
                    Output.answer(Self.summary(counts, feed: spooled.feed))
                }
                let status = report.isValid ? ExitStatus.ok : ExitStatus.dataError
                try CommandFailure.ledger { () throws(LedgerError) in try ledger.finishRun(run, exitCode: status, finishedAt: LedgerClock.now()) }
                if status != ExitStatus.ok { throw ExitCode(status) }
                return
            }
            let intake = try FeedIntake(feeds: feeds.map { (profile.id, $0) }, schema: schema, today: today)
            let report = try FileValidator.validate(files: files, schema: schema, today: today, options: options, writer: writer, records: intake)
            try writer.finish(report)
            let folder = URL(fileURLWithPath: out).appendingPathComponent(profile.id).appendingPathComponent(today.description)
            for spooled in intake.feeds {
                let feed = spooled.feed
                printSkipped(spooled, profile: profile)
                // Without a ledger every row is new: the planner sends all, the batcher cuts them.
                var batcher = OutboxPublisher.Batcher(limit: feed.batchLimit) { _, part, entries in
                    let batch = try FeedBatchFile(
                        profile: profile, feed: feed, schema: schema, rows: entries.map(\.row), part: part, date: today)
                    try batch.write(into: folder)
                    Output.answer("\(folder.path)/\(batch.fileName)：\(entries.count) 条 [\(feed.name)] 批次 \(batch.id)")
                }
                let counts = try OutboxPublisher.plan(spooled, ledger: nil, republishing: false) { try batcher.add($0, $1) }
                try batcher.finish()
                if counts.published == 0 { Output.answer("\(feed.title)：没有要公示的记录 [\(feed.name)]") }
            }
            if !report.isValid { throw ExitCode(ExitStatus.dataError) }
        }

        private func printSkipped(_ spooled: SpooledFeed, profile: PortalProfile) {
            for skip in spooled.skipped {
                Output.answer("\(skip.file):\(skip.row): 不公示到\(profile.title)（\(spooled.feed.title)）：\(skip.reason) [portal-excluded]")
            }
            if spooled.skippedCount > spooled.skipped.count {
                Output.answer("……不公示到\(profile.title)（\(spooled.feed.title)）的记录共 \(spooled.skippedCount) 条，以上列出前 \(spooled.skipped.count) 条 [portal-excluded]")
            }
        }

        static func summary(_ counts: OutboxPublisher.FeedCounts, feed: FeedSpec) -> String {
            var parts = ["新公示 \(counts.published) 条", "更正 \(counts.corrected) 条", "未变化不再发送 \(counts.unchanged) 条"]
            if counts.withdrawn > 0 { parts.append("已撤下不再公示 \(counts.withdrawn) 条") }
            if counts.republished > 0 { parts.append("按要求重新公示 \(counts.republished) 条") }
            if counts.stillRejected > 0 { parts.append("门户拒收且内容未改、不再发送 \(counts.stillRejected) 条") }
            if counts.repeated > 0 { parts.append("同一决定重复出现 \(counts.repeated) 条（只发送第一条）") }
            return "\(feed.title) [\(feed.name)]：" + parts.joined(separator: "，")
        }

        private func loadProfile() throws -> PortalProfile {
            let schemas = SchemaCatalog.bundledDocuments.compactMap { try? SchemaLoader.load($0).get() }
            if let profileFile {
                return try PortalProfileLoader.load(try Validate.document(profileFile), schemas: schemas).orConfigurationFailure()
            }
            var known: [String] = []
            for document in PortalProfileLoader.bundledDocuments {
                let profile = try PortalProfileLoader.load(document, schemas: schemas).orConfigurationFailure()
                if profile.id == portal { return profile }
                known.append(profile.id)
            }
            throw CommandFailure(
                status: ExitStatus.usage, code: "portal-unknown", message: "--portal “\(portal ?? "")”未知；可用：\(known.joined(separator: "、"))")
        }
    }
}

/// One batch of one feed as a file, with its manifest. The batch id is derived from the content
/// (portal, feed, operation, payload), so the same records always make the same batch.
struct FeedBatchFile {
    let id: String
    let operation: BatchOperation
    let fileName: String
    let payload: [UInt8]
    let payloadSHA256: String
    let manifest: [UInt8]

    init(
        profile: PortalProfile, feed: FeedSpec, schema: PublicationSchema, rows: [FeedPlan.Row], part: Int, date: CalendarDate,
        operation: BatchOperation = .publish
    ) throws {
        self.operation = operation
        do {
            payload = try FeedEncoder.encode(rows, feed: feed)
        } catch {
            throw CommandFailure(status: ExitStatus.dataError, code: "feed-encoding", message: "\(feed.name)：\(error.message)")
        }
        let payloadDigest = Digest.sha256Hex(payload)
        payloadSHA256 = payloadDigest
        // A republication is one per day: its id also covers the date (the same records republished
        // another day are another batch).
        let salt = operation == .republish ? "\n\(date)" : ""
        id = String(Digest.sha256Hex(Array("\(profile.id)\n\(feed.name)\n\(operation.rawValue)\n\(payloadDigest)\(salt)".utf8)).prefix(16))
        let compactDate = Self.compact(date)
        fileName = feed.fileName
            .replacingOccurrences(of: "{portal}", with: profile.id)
            .replacingOccurrences(of: "{feed}", with: feed.name)
            .replacingOccurrences(of: "{date}", with: compactDate)
            .replacingOccurrences(of: "{batch}", with: id)
            .replacingOccurrences(of: "{part}", with: String(part))
        let createdAt = Self.shanghaiTimestamp()
        let fields: [(String, String)] = [
            ("batch_id", ReportWriter.string(id)),
            ("portal", ReportWriter.string(profile.id)),
            ("profile_version", String(profile.version)),
            ("feed", ReportWriter.string(feed.name)),
            ("operation", ReportWriter.string(operation.rawValue)),
            ("kind", ReportWriter.string(schema.id)),
            ("schema_version", String(schema.version)),
            ("format", ReportWriter.string(feed.format.rawValue)),
            ("file", ReportWriter.string(fileName)),
            ("records", String(rows.count)),
            ("sha256", ReportWriter.string(payloadDigest)),
            ("created_at", ReportWriter.string(createdAt)),
        ]
        manifest = Array(("{\n" + fields.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n").utf8)
    }

    /// Writes the payload, then the manifest, each under a temporary name renamed into place.
    func write(into folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try SecureFile.write(payload, to: folder.appendingPathComponent(fileName).path, mode: 0o644)
        try SecureFile.write(manifest, to: folder.appendingPathComponent(fileName + ".manifest.json").path, mode: 0o644)
    }

    /// Now, in Asia/Shanghai, as 2026-11-30T09:15:00+08:00 (the manifest only; never in a payload).
    /// A date as file names write it: `20261130`.
    static func compact(_ date: CalendarDate) -> String {
        date.description.replacingOccurrences(of: "-", with: "")
    }

    static func shanghaiTimestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return formatter.string(from: Date())
    }
}

/// What a run read, into the ledger: source files by fingerprint, valid records by key and hash.
enum LedgerInputs {
    /// The fingerprint of each readable file (path → fingerprint).
    static func fingerprints(_ files: [String]) -> [String: SourceFingerprint] {
        var result: [String: SourceFingerprint] = [:]
        for file in files {
            guard let (sha256, size) = Digest.fingerprint(path: file) else { continue }
            result[file] = SourceFingerprint(sha256: sha256, size: size, place: file)
        }
        return result
    }

    /// Problem types that mean a required value is absent (完整率).
    static let incompleteTypes: Set<String> = ["required-missing", "conditional-required-missing", "missing-cell", "enum-other-text-missing"]
    /// The most problems stored per file (counts are always whole).
    static let problemsPerFile = 5000

    /// Records what each file held: its counts and its problems (values masked as in the report).
    static func recordIntake(
        _ report: ValidationReport, issues: [Issue], fingerprints: [String: SourceFingerprint], ledger: Ledger, run: Int64
    ) throws {
        let byFile = Dictionary(grouping: issues, by: { $0.file ?? "" })
        for file in report.files {
            guard let print = fingerprints[file.file] else { continue }
            let problems = byFile[file.file] ?? []
            let incomplete = Set(
                problems.filter { incompleteTypes.contains($0.type) && $0.severity == .error }.compactMap { $0.row ?? $0.line }
            ).count
            let counts = IntakeCounts(
                records: file.records, valid: file.valid, invalid: file.invalid, skipped: file.skipped, incomplete: incomplete,
                failed: file.failed)
            let stored = problems.prefix(problemsPerFile).map { issue in
                StoredProblem(
                    row: issue.row, line: issue.line, field: issue.field, type: issue.type, isWarning: issue.severity == .warning,
                    value: issue.value,
                    message: issue.message.text(.zh))
            }
            try CommandFailure.ledger { () throws(LedgerError) in
                try ledger.recordIntake(print, counts: counts, problems: Array(stored), run: run)
            }
        }
    }
}
