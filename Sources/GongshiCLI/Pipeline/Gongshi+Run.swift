import ArgumentParser
import CalendarData
import DisclosureCore
import DisclosureReports
import Foundation
import PipelineConfig
import PortalClients
import SQLiteLedger
import Synchronization
import WorkingDayCalendar

extension Gongshi {
    /// `gongshi run PIPELINE`: the nightly run — new and changed source files are validated, their
    /// records planned against the ledger, fed to each portal and uploaded; then every record's
    /// disclosure status is summed up, the urgent ones first.
    ///
    /// ```
    ///   lint → lock → list sources, skip settled files → validate → record inputs
    ///        → per portal: reconcile pending → plan (new, corrected) → stage, record, deliver → upload
    ///        → settle files → disclosure status → report (JSON, 0600)
    /// ```
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "运行一条流水线：新的或变化的数据文件 → 校验 → 生成公示文件 → 上传 → 记入台账 → 报告。",
            discussion: """
                夜间运行只处理新的或内容变化的文件；--from/--to 重跑一段决定日期（未变化的记录不重发，变化的作为更正）；\
                --dry-run 只校验和计划，不写台账、不上传。\
                退出码：0 完成；65 有无效或被拒收的记录；69 门户不可用（批次留待下次）；75 有逾期或明天到期未公示的记录，或台账被占用；78 配置错误。
                """)

        @Argument(help: ArgumentHelp("流水线文件（pipelines/ID.yaml）。", valueName: "PIPELINE"))
        var pipeline: String

        @Option(name: .customLong("from"), help: ArgumentHelp("重跑：决定日期从（含）。", valueName: "YYYY-MM-DD"))
        var from: String?

        @Option(name: .customLong("to"), help: ArgumentHelp("重跑：决定日期到（含）。", valueName: "YYYY-MM-DD"))
        var to: String?

        @Flag(name: .customLong("dry-run"), help: "只校验和计划：不写台账、不生成文件、不上传。")
        var dryRun = false

        @Flag(name: .customLong("republish"), help: "重跑时把范围内已公示且未变化的记录也重新发送（门户数据丢失时）。")
        var republish = false

        @Option(name: .customLong("ledger"), help: ArgumentHelp("公示台账（默认取流水线的 ledger）。", valueName: "FILE"))
        var ledgerPath: String?

        @Option(name: .customLong("scratch"), help: ArgumentHelp("试运行：把将要发送的公示文件写到这个草稿目录（不写台账、不上传）。", valueName: "DIR"))
        var scratch: String?

        @Option(name: .customLong("log-format"), help: ArgumentHelp("标准错误上的日志格式：text（默认）或 json（每行一个 JSON 对象）。", valueName: "FORMAT"))
        var logFormat: String = "text"

        @OptionGroup var today: TodayOptions

        func validate() throws {
            guard (from == nil) == (to == nil) else { throw ValidationError("--from 和 --to 须一起给出") }
            guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format 应为 text 或 json") }
            if scratch != nil && !dryRun { throw ValidationError("--scratch 只用于 --dry-run") }
            if republish && from == nil { throw ValidationError("--republish 只用于 --from/--to 重跑") }
        }

        func run() throws {
            LogFormat.current.withLock { $0 = LogFormat(rawValue: logFormat) ?? .text }
            let today = try self.today.resolve()
            let range = try from.map { from throws(CommandFailure) in
                try DateInput.parse(from, what: "--from", today: nil)...DateInput.parse(to ?? from, what: "--to", today: nil)
            }
            let context = try PipelineContext.load(pipeline, today: today)
            let status = try PipelineRun(
                context: context, today: today, range: range, dryRun: dryRun, ledgerPath: ledgerPath, scratch: scratch,
                republishing: republish
            ).execute()
            if status != ExitStatus.ok { throw ExitCode(status) }
        }
    }
}

/// A pipeline with everything it names loaded and checked: schema, profiles, calendar, options.
struct PipelineContext {
    let pipeline: Pipeline
    let path: String
    let schema: PublicationSchema
    let portals: [(profile: PortalProfile, transport: Pipeline.Transport)]
    let calendar: WorkingDayCalendar

    /// Loads and lints the pipeline; errors end the command with 78, warnings go to standard error.
    ///
    /// - Parameter uploads: whether the command may upload; a command that only reads the ledger
    ///   (`report`) does not need the portals' credentials.
    static func load(_ path: String, today: CalendarDate, uploads: Bool = true) throws -> PipelineContext {
        let schemas = SchemaCatalog.bundledDocuments.compactMap { try? SchemaLoader.load($0).get() }
        let profiles = PortalProfileLoader.bundledDocuments.compactMap { try? PortalProfileLoader.load($0, schemas: schemas).get() }
        var (loaded, issues) = Gongshi.Lint.lint(path, schemas: schemas, profiles: profiles, today: today)
        if !uploads { issues.removeAll { $0.code.hasPrefix("credentials-") } }
        for issue in issues { issue.isWarning ? Output.warning(issue.description) : Output.error(issue.description) }
        guard let pipeline = loaded, !issues.contains(where: { !$0.isWarning }) else { throw ExitCode(ExitStatus.configuration) }
        guard let schema = SchemaCatalog.resolve(kind: pipeline.kind, in: schemas) else { throw ExitCode(ExitStatus.configuration) }
        var portals: [(PortalProfile, Pipeline.Transport)] = []
        for portal in pipeline.portals {
            if let bundled = profiles.first(where: { $0.id == portal.profile }) {
                portals.append((bundled, portal.transport))
            } else {
                let document = try Gongshi.Validate.document(pipeline.resolve(portal.profile))
                portals.append((try PortalProfileLoader.load(document, schemas: schemas).orConfigurationFailure(), portal.transport))
            }
        }
        let calendarFiles = CalendarLoader.load(directory: pipeline.calendar.map(pipeline.resolve))
        guard let calendar = calendarFiles.calendar else { throw ExitCode(ExitStatus.configuration) }
        return PipelineContext(pipeline: pipeline, path: path, schema: schema, portals: portals, calendar: calendar)
    }

    func resolve(_ path: String) -> String { pipeline.resolve(path) }
}

/// One run of a pipeline.
struct PipelineRun {
    let context: PipelineContext
    let today: CalendarDate
    let range: ClosedRange<CalendarDate>?
    let dryRun: Bool
    let ledgerPath: String?
    /// A dry run's folder for the feeds it would send; nil: none written.
    var scratch: String? = nil
    /// `--republish`: unchanged published records in the range go out again.
    var republishing = false

    /// Counts of disclosure status, over this run's records on every portal.
    struct StatusCounts {
        var onTime = 0
        var late = 0
        var dueSoon = 0
        var notYetDue = 0
        var overdue = 0
        var unknown = 0
        /// The urgent records' lines, the first ``urgentLimit`` (their number is overdue + dueSoon).
        var urgent: [String] = []
        static let urgentLimit = 1000

        mutating func noteUrgent(_ line: String) {
            if urgent.count < Self.urgentLimit { urgent.append(line) }
        }
    }

    func execute() throws -> Int32 {
        let pipeline = context.pipeline
        let ledgerFile = ledgerPath ?? context.resolve(pipeline.ledger)
        let mode = dryRun ? "dry-run" : range.map { "range \($0.lowerBound)…\($0.upperBound)" } ?? "nightly"
        Output.answer("流水线 \(pipeline.id)（\(pipeline.title)）：\(mode)，今天 \(today)")

        // The lock first; a dry run reads the ledger as it is and writes nothing.
        var lock: LedgerLock?
        let ledger: Ledger?
        if dryRun {
            ledger = FileManager.default.fileExists(atPath: ledgerFile) ? try LedgerOptions.openForReadingOnly(path: ledgerFile) : nil
        } else {
            let opened = try LedgerOptions.openForWriting(path: ledgerFile, command: "run \(pipeline.id) \(mode)")
            lock = opened.0
            ledger = opened.1
        }
        defer { _ = lock }
        let run = try ledger.map { ledger in
            try CommandFailure.ledger { () throws(LedgerError) in
                dryRun
                    ? 0
                    : try ledger.beginRun(
                        command: "run \(pipeline.id) \(mode)", today: today.description, startedAt: LedgerClock.now(),
                        pipeline: pipeline.id, department: pipeline.department)
            }
        }

        // Sources: every matching file; the nightly run skips files settled by an earlier run.
        var status = ExitStatus.ok
        var processed: [SourceFingerprint] = []
        let writer = try ReportWriter(json: false, language: .zh, reportPath: nil)
        writer.keepsIssues = ledger != nil && !dryRun
        var invalid = 0
        var sources: [(source: Pipeline.Source, files: [String])] = []
        var fingerprints: [String: SourceFingerprint] = [:]
        for source in pipeline.sources {
            let folder = (context.resolve(source.path) as NSString).deletingLastPathComponent
            let all = PipelineLinter.matches(folder: folder, pattern: (source.path as NSString).lastPathComponent)
            let prints = LedgerInputs.fingerprints(all)
            fingerprints.merge(prints) { first, _ in first }
            var files: [String] = []
            for file in all {
                if range == nil, !dryRun, let ledger, let print = prints[file],
                    try CommandFailure.ledger({ () throws(LedgerError) in try ledger.isSettled(print) })
                {
                    Output.answer("跳过（内容未变，已处理）：\(file)")
                    continue
                }
                files.append(file)
            }
            if !files.isEmpty { sources.append((source, files)) }
        }
        // Valid records go to disk as they are found: per feed the shaped rows, for the ledger the
        // record versions with their publication periods (penalties).
        let periods = PeriodAssessor(context: context)
        let intake = try FeedIntake(
            feeds: context.portals.flatMap { portal in
                portal.profile.feeds.filter { $0.schema == context.schema.id }.map { (portal.profile.id, $0) }
            },
            schema: context.schema, today: today, range: range, periods: periods,
            fingerprints: ledger != nil && !dryRun ? fingerprints : nil)
        for (source, files) in sources {
            let options = try InputOptions.make(
                encoding: source.encoding, mapping: source.mapping.map(context.resolve), xmlRecord: source.recordElement ?? "Record",
                xsd: source.xsd.map(context.resolve), schema: context.schema)
            let report = try FileValidator.validate(
                files: files, schema: context.schema, today: today, options: options, writer: writer, records: intake)
            try writer.finish(report)
            invalid += report.invalid + report.failedFiles
            let issues = writer.takeKeptIssues()
            if let ledger, let run, !dryRun {
                let prints = files.compactMap { fingerprints[$0] }
                try CommandFailure.ledger { () throws(LedgerError) in try ledger.recordInputs(prints, records: [], run: run) }
                try intake.recordVersions(in: ledger, run: run)
                try LedgerInputs.recordIntake(report, issues: issues, fingerprints: fingerprints, ledger: ledger, run: run)
                processed += prints
            }
        }
        if invalid > 0 { status = ExitStatus.dataError }

        // Each portal: reconcile, plan, send; then upload over its transport.
        var counts = StatusCounts()
        var sent: [String: OutboxPublisher.FeedCounts] = [:]
        for (profile, transport) in context.portals {
            for (index, spooled) in intake.feeds(of: profile.id).enumerated() {
                let feed = spooled.feed
                if spooled.periodSkippedCount > 0 {
                    Output.answer("\(profile.title) \(feed.name)：公示期已满或按规定不予公示，不发送 \(spooled.periodSkippedCount) 条")
                    for skip in spooled.periodSkipped.prefix(20) {
                        Output.answer("  \(skip.file):\(skip.row)：\(Withdrawer.decisionNumber(skip.key))：\(skip.reason)")
                    }
                }
                if dryRun {
                    Output.answer(try dryRunLine(spooled, profile: profile, ledger: ledger))
                    continue
                }
                guard let ledger, let run else { continue }
                let publisher = OutboxPublisher(
                    ledger: ledger, run: run, outbox: URL(fileURLWithPath: context.resolve(context.pipeline.outbox)), profile: profile,
                    today: today, calendar: context.calendar)
                if index == 0 {
                    for line in try publisher.reconcile() { Output.answer(line) }
                }
                let feedCounts = try publisher.publish(spooled, schema: context.schema, republishing: republishing)
                sent["\(profile.id)/\(feed.name)"] = feedCounts
                Output.answer("\(profile.title) " + Gongshi.Feed.summary(feedCounts, feed: feed))
            }
            guard !dryRun, let ledger else { continue }
            if let channel = try Self.channel(for: transport, context: context) {
                let uploaded = try Uploader(ledger: ledger, channel: channel, today: today).uploadPending(portal: profile.id)
                status = Self.worse(status, uploaded)
            }
            for feed in profile.feeds where feed.schema == context.schema.id {
                tally(&counts, ledger: ledger, profile: profile, feed: feed)
            }
        }

        if let ledger, let run, !dryRun {
            try CommandFailure.ledger { () throws(LedgerError) in try ledger.settle(processed, run: run) }
        }

        // Publication periods: what has ended is taken down; what may apply for 信用修复 is listed.
        var expiredWithdrawn = 0
        if let ledger, let run, let periods, !dryRun {
            let ended = try endPeriods(ledger: ledger, run: run, periods: periods)
            expiredWithdrawn = ended.withdrawn
            status = Self.worse(status, ended.status)
        }
        if !dryRun {
            Output.answer(
                "公示状态：逾期未公示 \(counts.overdue)，明天前到期 \(counts.dueSoon)，未到期 \(counts.notYetDue)，按时公示 \(counts.onTime)，"
                    + "逾期后公示 \(counts.late)，无截止日期 \(counts.unknown)")
            for line in counts.urgent.prefix(50) { Output.answer("  " + line) }
            if counts.overdue + counts.dueSoon > 0 { status = Self.worse(status, ExitStatus.temporaryFailure) }
        }
        if let ledger, let run, !dryRun {
            try CommandFailure.ledger { () throws(LedgerError) in try ledger.finishRun(run, exitCode: status, finishedAt: LedgerClock.now()) }
            let report = try writeReport(
                run: run, mode: mode, records: intake.validCount, invalid: invalid, sent: sent, counts: counts, status: status,
                expiredWithdrawn: expiredWithdrawn, ledger: ledger)
            Output.answer("报告：\(report.json)")
            Output.answer("报告（网页）：\(report.html)")
        }
        return status
    }

    /// The run's report, JSON, mode 0600 (it names records), in the pipeline's reports folder.
    private func writeReport(
        run: Int64, mode: String, records: Int, invalid: Int, sent: [String: OutboxPublisher.FeedCounts], counts: StatusCounts,
        status: Int32, expiredWithdrawn: Int, ledger: Ledger
    ) throws -> (json: String, html: String) {
        let folder = context.resolve(context.pipeline.reports)
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let name = "\(context.pipeline.id)-\(today)-run\(run)"
        let path = (folder as NSString).appendingPathComponent(name + ".json")
        // The clerks' page: the month so far for this department, and what this run did.
        let builder = ReportBuilder(departments: [.init(context)], calendar: context.calendar, today: today)
        let monthStart = CalendarDate(year: today.year, month: today.month, day: 1) ?? today
        var credit = try builder.build(
            ledger: ledger, from: monthStart, to: today, title: "\(context.pipeline.department) 双公示运行报告 \(today)（第 \(run) 次运行）")
        credit.run = RunSection(
            id: run, pipeline: context.pipeline.id, mode: mode, exitStatus: status, validRecords: records,
            invalidRecordsAndFailedFiles: invalid,
            feeds: sent.mapValues { c in
                ["published": c.published, "corrected": c.corrected, "unchanged": c.unchanged, "withdrawn": c.withdrawn,
                 "still_rejected": c.stillRejected]
            },
            expiredWithdrawn: expiredWithdrawn)
        let html = (folder as NSString).appendingPathComponent(name + ".html")
        try SecureFile.write(Array(ReportHTML.render(credit).utf8), to: html)
        let reportJSON = String(decoding: try credit.json(), as: UTF8.self).trimmingCharacters(in: .newlines)
        let feeds = sent.keys.sorted().map { key -> String in
            let c = sent[key]!
            return "    \(ReportWriter.string(key)): {\"published\": \(c.published), \"corrected\": \(c.corrected), \"unchanged\": \(c.unchanged), "
                + "\"withdrawn\": \(c.withdrawn), \"still_rejected\": \(c.stillRejected)}"
        }
        let text = """
            {
              "pipeline": \(ReportWriter.string(context.pipeline.id)),
              "run": \(run),
              "mode": \(ReportWriter.string(mode)),
              "today": "\(today)",
              "exit_status": \(status),
              "valid_records": \(records),
              "invalid_records_and_failed_files": \(invalid),
              "feeds": {
            \(feeds.joined(separator: ",\n"))
              },
              "disclosure": {"overdue": \(counts.overdue), "due_by_next_working_day": \(counts.dueSoon), "not_yet_due": \(counts.notYetDue), "on_time": \(counts.onTime), "late": \(counts.late), "no_deadline": \(counts.unknown)},
              "urgent": [\(counts.urgent.map(ReportWriter.string).joined(separator: ", "))],
              "expired_withdrawn": \(expiredWithdrawn),
              "report": \(reportJSON)
            }

            """
        try SecureFile.write(Array(text.utf8), to: path)
        return (path, html)
    }

    /// Withdraws the pipeline's published penalties whose publication period has ended (reason
    /// 公示期满, through each portal's transport) and lists those that may apply for 信用修复.
    /// Returns how many were withdrawn and the uploads' exit status.
    private func endPeriods(ledger: Ledger, run: Int64, periods: PeriodAssessor) throws -> (withdrawn: Int, status: Int32) {
        let portals = Set(context.portals.map(\.profile.id))
        let kind = context.schema.id
        let expired = try CommandFailure.ledger { () throws(LedgerError) in try ledger.expired(today: today.description, kind: kind) }
            .filter { portals.contains($0.publication.portal) }
        var status = ExitStatus.ok
        if !expired.isEmpty {
            Output.answer("公示期满，撤下 \(expired.count) 条：")
            let notes = expired.map { entry in
                (entry.publication,
                 "公示期至 \(entry.expiresOn ?? "")（\(periods.title(ofRegime: entry.regime))，\(entry.severity ?? "")）" as String?)
            }
            status = try Withdrawer(context: context, ledger: ledger, run: run, today: today)
                .withdraw(notes, reason: .periodEnded, reconciling: false)
        }
        let (eligible, eligibleCount) = try CommandFailure.ledger { () throws(LedgerError) in
            (try ledger.repairEligible(today: today.description, kind: kind, limit: 20),
             try ledger.repairEligibleCount(today: today.description, kind: kind))
        }
        if eligibleCount > 0 {
            Output.answer("已满最短公示期、可申请信用修复：\(eligibleCount) 条（见报告）")
            for entry in eligible where portals.contains(entry.publication.portal) {
                Output.answer(
                    "  \(entry.publication.portal)/\(entry.publication.feed) \(Withdrawer.decisionNumber(entry.publication.key))："
                        + "\(entry.severity ?? "")，可申请自 \(entry.repairFrom ?? "")，公示至 \(entry.expiresOn ?? "")")
            }
        }
        return (expired.count, status)
    }

    /// The more serious of two exit statuses: 78, then 69, then 65, then 75.
    static func worse(_ a: Int32, _ b: Int32) -> Int32 {
        let order: [Int32] = [ExitStatus.ok, ExitStatus.temporaryFailure, ExitStatus.dataError, ExitStatus.unavailable, ExitStatus.configuration]
        return (order.firstIndex(of: a) ?? 0) >= (order.firstIndex(of: b) ?? 0) ? a : b
    }

    /// What a dry run would send for one feed.
    private func dryRunLine(_ spooled: SpooledFeed, profile: PortalProfile, ledger: Ledger?) throws -> String {
        let folder = scratch.map { URL(fileURLWithPath: $0).appendingPathComponent(profile.id).appendingPathComponent(today.description) }
        var batcher = OutboxPublisher.Batcher(limit: spooled.feed.batchLimit) { operation, part, batch in
            guard let folder else { return }
            let file = try FeedBatchFile(
                profile: profile, feed: spooled.feed, schema: context.schema, rows: batch.map(\.row), part: part, date: today,
                operation: operation)
            try file.write(into: folder)
            Output.answer("（试运行）草稿：\(folder.path)/\(file.fileName)（\(batch.count) 条）")
        }
        let counts = try OutboxPublisher.plan(spooled, ledger: ledger, republishing: republishing) { operation, entry in
            if folder != nil { try batcher.add(operation, entry) }
        }
        try batcher.finish()
        return "（试运行，不发送）\(profile.title) " + Gongshi.Feed.summary(counts, feed: spooled.feed)
    }

    /// The upload channel of a transport; nil for the outbox (a clerk uploads).
    static func channel(for transport: Pipeline.Transport, context: PipelineContext) throws -> (any UploadChannel)? {
        var settings = TransportSettings()
        settings.showsProgress = isatty(STDERR_FILENO) == 1
        switch transport {
        case .outbox:
            return nil
        case .api(let endpoint, let credentials, let caFile):
            settings.caFile = caFile.map(context.resolve)
            let loaded: Credentials
            switch credentials {
            case .file(let path): loaded = try Credentials.load(file: context.resolve(path))
            case .environment(let appKey, let secret):
                let environment = ProcessInfo.processInfo.environment
                loaded = Credentials(appKey: environment[appKey] ?? "", secret: environment[secret] ?? "")
            }
            return APIChannel(
                client: PortalAPIClient(
                    transport: CurlTransport(settings: settings),
                    endpoint: PortalEndpoint(baseURL: endpoint, appKey: loaded.appKey, secret: loaded.secret)))
        case .sftp(let url, let user, let keyFile, let knownHosts):
            return SFTPChannel(
                transport: CurlTransport(settings: settings), directory: url,
                login: .init(user: user, privateKey: context.resolve(keyFile), publicKey: nil, knownHosts: context.resolve(knownHosts)))
        }
    }

    /// Adds the disclosure status of every record the ledger holds for one feed: this run's and
    /// every earlier one's (a record still unpublished from last week is reported every night).
    private func tally(_ counts: inout StatusCounts, ledger: Ledger, profile: PortalProfile, feed: FeedSpec) {
        try? ledger.forEachCurrentPublication(portal: profile.id, feed: feed.name) { key, entry in
            guard entry.status != .withdrawn, entry.status != .rejected else { return }
            let status = DisclosureStatus.of(
                due: entry.dueOn.flatMap { try? CalendarDate.parse($0) },
                published: entry.status == .published ? entry.publishedOn.flatMap { try? CalendarDate.parse($0) } : nil,
                today: today, calendar: context.calendar)
            switch status {
            case .onTime: counts.onTime += 1
            case .late: counts.late += 1
            case .dueIn(let days) where days <= 1:
                counts.dueSoon += 1
                counts.noteUrgent("\(days == 0 ? "今天到期" : "明天到期")：\(profile.id)/\(feed.name) \(key)（截止 \(entry.dueOn ?? "")）")
            case .dueIn: counts.notYetDue += 1
            case .overdue(let days):
                counts.overdue += 1
                counts.noteUrgent("逾期 \(days) 个工作日未公示：\(profile.id)/\(feed.name) \(key)（截止 \(entry.dueOn ?? "")）")
            case .unknown: counts.unknown += 1
            }
        }
    }
}
