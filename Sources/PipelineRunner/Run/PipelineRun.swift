public import DisclosureCore
public import DisclosureReports
public import Foundation
import PipelineConfig
import WorkingDayCalendar

/// One run of a pipeline: the data path, stage by stage.
///
/// ```
///   sources (list, skip settled) → ingest (decode, validate) → spool (per feed, record versions)
///     → schedule (periods) → publish (per portal: reconcile pending → plan → stage, record, deliver)
///     → upload (API, SFTP) → settle files → withdraw ended periods → disclosure status → report
/// ```
///
/// The ledger and the portal channels are ports: the shell passes the SQLite ledger and the
/// channel factory; the engine's tests pass an in-memory ledger and recording channels. The
/// engine prints nothing: its lines go to the transcript, its result is a ``RunSummary``.
public struct PipelineRun {
    public typealias Ledger = PublicationLedger & ReportLedger

    let context: PipelineContext
    let request: RunRequest
    /// The ledger; nil only for a dry run of a pipeline whose ledger does not exist yet.
    let ledger: (any Ledger)?
    let channels: ChannelFactory
    let transcript: Transcript
    /// Where the validation problems are written as they are found (the shell: standard output).
    let problems: FileHandle?
    /// The channel of each portal (by id), instead of the factory's: for tests.
    var channelOverride: [String: any PortalChannel] = [:]

    public init(
        context: PipelineContext, request: RunRequest, ledger: (any Ledger)?, channels: ChannelFactory = ChannelFactory(),
        transcript: Transcript, problems: FileHandle? = nil, channelOverride: [String: any PortalChannel] = [:]
    ) {
        self.context = context
        self.request = request
        self.ledger = ledger
        self.channels = channels
        self.transcript = transcript
        self.problems = problems
        self.channelOverride = channelOverride
    }

    private var today: CalendarDate { request.today }
    /// Each portal's deadline rule.
    private var deadlines: [String: Deadlines] {
        Dictionary(uniqueKeysWithValues: context.portals.map { ($0.profile.id, Deadlines(profile: $0.profile, calendar: context.calendar)) })
    }
    /// The run's decisions: its kind, on its portals, of its pipeline.
    private var scope: DecisionScope {
        DecisionScope(kind: context.schema.id, portals: context.portals.map(\.profile.id), pipeline: context.pipeline.id)
    }
    private var dryRun: Bool { request.dryRun }

    public func execute() throws -> RunSummary {
        var stages = StageClock(logger: transcript.logger)
        let pipeline = context.pipeline
        var summary = RunSummary(mode: request.mode)
        transcript.line("流水线 \(pipeline.id)（\(pipeline.title)）：\(summary.mode)，今天 \(today)")
        let writes = dryRun ? nil : ledger
        // The installation's secret for natural persons' keys (``PersonKeyFile``), made on the
        // first run that writes; a dry run only reads it (none yet: the ledger holds no key).
        let personKeyer =
            ledger != nil && PersonDocument(context.schema).applies
            ? try PersonKeyFile.load(context.resolve(PersonKeyFile.path), create: writes != nil) : nil
        let run = try writes.map { ledger throws(CommandFailure) in
            try CommandFailure.ledger { () throws(LedgerError) in
                try ledger.beginRun(
                    command: "run \(pipeline.id) \(summary.mode)", today: today.description, startedAt: LedgerClock.now(),
                    pipeline: pipeline.id, department: pipeline.department)
            }
        }
        summary.run = run

        // Batches left pending by an earlier run are settled first, each portal through its channel:
        // a failed or lost batch's files are no longer settled, so their records are planned again below.
        if let ledger = writes, let run {
            // This pipeline's own batches only (a shared ledger holds other departments' too).
            let own = try Uploader.own(ledger, pipeline: pipeline.id)
            for (profile, transport) in context.portals {
                var publisher = FeedPublisher(
                    ledger: ledger, run: run, outbox: URL(fileURLWithPath: context.resolve(pipeline.outbox)), profile: profile,
                    today: today, calendar: context.calendar, transcript: transcript)
                publisher.delivery = transport == .outbox ? .clerk : .channel
                for line in try publisher.reconcile(channel: try channel(for: profile, transport: transport), kind: context.schema.id, only: own) {
                    transcript.line(line)
                }
            }
        }

        // The batches pending now, settled above (those holding withdrawn records among them): the
        // upload step screens them again before sending any, not those this run stages (planned
        // with the withdrawals as they are).
        let pendingAtStart = try writes.map { ledger throws(CommandFailure) in
            Set(try CommandFailure.ledger { () throws(LedgerError) in try ledger.batches(portal: nil, status: .pending) }.map(\.id))
        }
        stages.lap("reconcile")
        // Sources: every matching file; the nightly run skips files settled by an earlier run, and so
        // does its dry run (read against the ledger as it is), unless asked to read every file.
        // Files settled until a day that has come are read again (a record refused for its date).
        // (A dry run reads them as its night would, and unsettles nothing.)
        var due: [String] = []
        if request.range == nil, let ledger {
            due = try CommandFailure.ledger { () throws(LedgerError) in
                try writes != nil ? ledger.unsettleDue(today: today.description) : ledger.dueToReadAgain(today: today.description)
            }
            // (Settled until today: a record dated after the day it was read, or decisions an earlier
            // file of that night held — its own version of each is taken now.)
            if !due.isEmpty {
                transcript.line("重新读取 \(due.count) 个文件（在其他文件之后读）：上次处理时约定今天再读（有记录的日期当时晚于当天，或有决定与先读的文件重复）")
            }
        }
        // A range re-run reads each source's files newest first (the file settled last; one never
        // settled before any): a decision's latest export is the copy taken, the older ones its duplicates.
        var listing = try SourceFiles.list(
            context, skipSettled: request.range == nil && !request.everyFile ? ledger : nil, readLast: Set(due),
            newestFirst: request.range != nil ? ledger : nil)
        if request.dryRun { listing.add(request.extraFiles, of: context) }
        for file in listing.settled { transcript.line("跳过（内容未变，已处理）：\(file)") }
        if let ledger = writes, let run, !listing.vouched.isEmpty {
            try CommandFailure.ledger { () throws(LedgerError) in try ledger.settle(listing.vouched, run: run) }
        }
        summary.skippedFiles = listing.settled

        // Ingest: validate file by file; valid records go to disk as they are found, per feed the
        // shaped rows, for the ledger the record versions with their publication periods.
        let writer = try ReportWriter(json: false, language: .zh, reportPath: nil, output: problems)
        writer.keepsIssues = writes != nil
        writer.keptPerFile = IntakeRecorder.problemsPerFile
        writer.summarizesWarnings = !request.allWarnings
        let periods = PeriodAssessor(schema: context.schema, pipeline: pipeline, portals: context.portals.map(\.profile.id))
        // (A dry run reads the revocations too: it plans what the night would.)
        let revoked = try ledger.map { ledger throws(CommandFailure) in
            try CommandFailure.ledger { () throws(LedgerError) in try ledger.revokedDecisions(kind: context.schema.id, pipeline: pipeline.id) }
        }
        // Decisions the register holds under a 文号 with full-width digits or letters, recorded
        // before intake made them half-width: a record of one is taken as that decision, not
        // published a second time under the half-width 文号 (``WidthTwins``). Usually none.
        let widthTwins = try ledger.map { ledger throws(CommandFailure) in
            try WidthTwins.read(ledger, kind: context.schema.id, pipeline: pipeline.id)
        } ?? .none
        for line in widthTwins.lines { transcript.line(line) }
        summary.keyWidthHeld = widthTwins.heldAs.count
        summary.keyWidthTwins = widthTwins.twins.count
        let intake = try FeedIntake(
            feeds: context.feeds, schema: context.schema, today: today, range: request.range, periods: periods,
            fingerprints: writes != nil ? listing.fingerprints : nil, revoked: revoked ?? [:], personKeyer: personKeyer,
            widthTwins: widthTwins)
        var processed: [SourceFingerprint] = []
        for (source, files) in listing.sources {
            var options = try InputOptions.make(
                encoding: source.encoding, mapping: source.mapping.map(context.resolve), xmlRecord: source.recordElement ?? "Record",
                xsd: source.xsd.map(context.resolve), schema: context.schema, format: source.format, sheet: source.sheet,
                transcript: transcript)
            options.refusesUnknownSuffix = true
            let report = try FileValidator.validate(
                files: files, schema: context.schema, today: today, options: options, writer: writer, records: intake, range: request.range,
                refuse: { listing.unfingerprinted($0) }, refuseRead: { listing.unfingerprinted(afterReading: $0) })
            try writer.finish(report)
            summary.invalidRecordsAndFailedFiles += report.invalid + report.failedFiles
            summary.outsideRange += report.outsideRange
            stages.lap("validate")
            let issues = writer.takeKeptIssues()
            let incomplete = writer.takeIncompleteRecords()
            intake.fingerprinted(listing.awaitFingerprints(files))
            if let ledger = writes, let run {
                let prints = files.compactMap { listing.fingerprints[$0] }
                try CommandFailure.ledger { () throws(LedgerError) in try ledger.recordInputs(prints, records: [], run: run) }
                try intake.recordVersionsAndDecisions(
                    in: ledger, run: run, pipeline: pipeline.id, deadlines: deadlines, today: today, stages: { stages.lap($0) })
                try IntakeRecorder.recordIntake(
                    report, issues: issues, incomplete: incomplete, fingerprints: listing.fingerprints, unidentifiable: intake.unidentifiable,
                    ledger: ledger, run: run)
                stages.lap("problems")
                // A file that failed as a whole is not settled: unchanged, it is read again (and its
                // failure reported) each night, so that a fix outside it (the pipeline's
                // record_element for an export whose record element was named wrongly, say) reads it.
                let failed = Set(report.files.lazy.filter(\.failed).map(\.file))
                // A file holding decisions an earlier file of the night held (`duplicate-key`): two
                // exports of one night, or one sent twice. Settled only until tomorrow: read again
                // then, after the earlier file is settled, its own version of each is taken (a
                // correction the older copy hid goes out; an identical copy is found unchanged).
                let duplicating = Set(report.files.lazy.filter { $0.duplicatesOfEarlierFiles > 0 }.map(\.file))
                for summary in report.files where summary.duplicatesOfEarlierFiles > 0 && request.range == nil {
                    transcript.line(
                        "\(summary.file)：\(summary.duplicatesOfEarlierFiles) 条决定与先读的文件重复（duplicate-key），"
                            + "下次运行时再读一次（先读的文件那时已处理，内容不同的以本文件为准）")
                }
                processed += files.filter { !failed.contains($0) }.compactMap { file in
                    listing.fingerprints[file].map { print in
                        var print = print
                        let again = duplicating.contains(file) ? today.adding(days: 1) : nil
                        print.readAgainOn = [writer.filesToReadAgain[file], again].compactMap { $0 }.min()?.description
                        return print
                    }
                }
            }
        }
        summary.validRecords = intake.validCount
        var status = summary.invalidRecordsAndFailedFiles > 0 ? ExitStatus.dataError : ExitStatus.ok

        // Publish and upload, portal by portal.
        for (profile, transport) in context.portals {
            for spooled in intake.feeds(of: profile.id) {
                let feed = spooled.feed
                let name = "\(profile.id)/\(feed.name)"
                for line in spooled.skipLines(portalTitle: profile.title) { transcript.line(line) }
                if spooled.skippedCount > 0 { summary.excluded[name] = spooled.skippedCount }
                if spooled.periodSkippedCount > 0 {
                    summary.periodSkipped[name] = spooled.periodSkippedCount
                    transcript.line("\(profile.title) \(feed.name)：公示期已满、决定已撤销或按规定不予公示，不发送 \(spooled.periodSkippedCount) 条")
                    for skip in spooled.periodSkipped.prefix(20) {
                        transcript.line("  \(skip.file):\(skip.row)：\(DecisionKey.number(skip.key))：\(skip.reason)")
                    }
                }
                // Rows kept out for their period that correct what the portal still shows went out.
                func correctedPastPeriod(_ counts: FeedCounts) {
                    guard counts.correctedPastPeriod > 0 else { return }
                    summary.periodSkipped[name, default: 0] -= counts.correctedPastPeriod
                    if summary.periodSkipped[name] == 0 { summary.periodSkipped[name] = nil }
                    transcript.line(
                        "\(profile.title) \(feed.name)：其中 \(counts.correctedPastPeriod) 条本门户仍在公示（公示期自门户公示之日起算），\(dryRun ? "将" : "已")作为更正发送")
                }
                if dryRun {
                    var renames = try RenamedSubjects(ledger: ledger, portal: profile.id, feed: feed.name)
                    let counts = try dryRunPlan(spooled, profile: profile) { renames.note($0) }
                    summary.feeds[name] = counts
                    correctedPastPeriod(counts)
                    transcript.line("（试运行，不发送）\(profile.title) " + FeedSummary.line(counts, feed: feed))
                    // What the run would take down with it, listed (nothing is written).
                    if let ledger {
                        status = RunOutcome.worse(status, try takeDown(spooled, ledger: ledger, run: nil, summary: &summary))
                        status = RunOutcome.worse(status, try takeDownRenamed(renames, spooled: spooled, ledger: ledger, run: nil, summary: &summary))
                    }
                    continue
                }
                guard let ledger = writes, let run else { continue }
                var publisher = FeedPublisher(
                    ledger: ledger, run: run, outbox: URL(fileURLWithPath: context.resolve(pipeline.outbox)), profile: profile,
                    today: today, calendar: context.calendar, transcript: transcript)
                publisher.delivery = transport == .outbox ? .clerk : .channel
                var renames = try RenamedSubjects(ledger: ledger, portal: profile.id, feed: feed.name)
                let counts = try publisher.publish(spooled, schema: context.schema, republishing: request.republishing) { renames.note($0) }
                summary.feeds[name] = counts
                correctedPastPeriod(counts)
                stages.lap("publish \(name)")
                status = RunOutcome.worse(status, try takeDown(spooled, ledger: ledger, run: run, summary: &summary))
                status = RunOutcome.worse(status, try takeDownRenamed(renames, spooled: spooled, ledger: ledger, run: run, summary: &summary))
                transcript.line("\(profile.title) " + FeedSummary.line(counts, feed: feed))
            }
            guard let ledger = writes else { continue }
            if let channel = try channel(for: profile, transport: transport) {
                let own = try Uploader.own(ledger, pipeline: pipeline.id)
                var uploader = Uploader(ledger: ledger, channel: channel, today: today, transcript: transcript)
                uploader.screening = pendingAtStart
                let uploaded = try uploader.uploadPending(portal: profile.id, kind: context.schema.id, only: own)
                status = RunOutcome.worse(status, uploaded)
            }
        }

        guard let ledger = writes, let run else {
            // A dry run lists what the nightly run would take down of what the portals show now:
            // periods ended and revoked decisions confirmed after their revocation (read from the
            // ledger as it is; tonight's files are not in it yet).
            if let ledger {
                if let periods { _ = try endPeriods(ledger: ledger, run: nil, periods: periods, summary: &summary) }
                _ = try takeDownShownAfterWithdrawal(ledger: ledger, run: nil, summary: &summary)
                var revokedLive: [(number: String, portal: String, revokedOn: String)] = []
                try CommandFailure.ledger { () throws(LedgerError) in
                    try ledger.forEachDecision(scope: scope) { row in
                        if let revoked = row.revokedOn, row.shown, revokedLive.count < RunSummary.urgentLimit {
                            revokedLive.append((row.number, row.portal, revoked))
                        }
                    }
                }
                _ = try takeDownRevoked(revokedLive, ledger: ledger, run: nil, summary: &summary)
            }
            summary.exitStatus = status
            return summary
        }
        stages.lap("upload")
        // Files are settled by the nightly run only: a range re-run takes the records of its range,
        // and a file it settled would be skipped the next night with the changes it holds outside
        // the range never planned. A file with a record refused only for a date still to come is
        // settled until that day: the nightly run of that day reads it again and publishes it.
        if request.range == nil {
            try CommandFailure.ledger { () throws(LedgerError) in try ledger.settle(processed, run: run) }
        }

        // Publication periods: what has ended is taken down; what may apply for 信用修复 is listed.
        var eligible: (entries: [PeriodEntry], total: Int)?
        if let periods {
            let ended = try endPeriods(ledger: ledger, run: run, periods: periods, summary: &summary)
            summary.expiredWithdrawn = ended.withdrawn
            eligible = ended.eligible
            status = RunOutcome.worse(status, ended.status)
        }
        // A record withdrawn (信用修复, a period's end, 不予公示) and shown again: a batch that
        // waited for upload then, confirmed afterwards (撤销: the register's revoked decisions, below).
        status = RunOutcome.worse(status, try takeDownShownAfterWithdrawal(ledger: ledger, run: run, summary: &summary))
        // Every decision of the pipeline on every portal, against its deadline: the run's tally is
        // counted while the report reads the register (one pass over every decision, not two).
        stages.lap("periods")
        let reckoning = DeadlineReckoning(context: context, today: today)
        try reckoning.fillDueDates(ledger, scope: scope)
        /// The register read once: the run's tally, its report, and the revoked decisions a portal shows.
        func reckon() throws -> (DeadlineTally, CreditReport, [(number: String, portal: String, revokedOn: String)]) {
            var tally = DeadlineTally(limit: RunSummary.urgentLimit)
            let portals = Set(scope.portals ?? [])
            var portal: (name: String, counted: Bool)?  // the last row's (the register repeats a handful)
            // Revoked decisions a portal shows: published there after the revocation was recorded (a
            // batch waiting for the clerk's upload, confirmed later), so no withdrawal covered them:
            // whether or not an earlier publication of the decision there was withdrawn.
            var revokedLive: [(number: String, portal: String, revokedOn: String)] = []
            let credit = try buildReport(run: run, ledger: ledger, eligible: eligible) { row, reckoned in
                if portal?.name != row.portal { portal = (row.portal, portals.contains(row.portal)) }
                guard portal?.counted == true else { return }
                if let revoked = row.revokedOn, row.shown, revokedLive.count < RunSummary.urgentLimit {
                    revokedLive.append((row.number, row.portal, revoked))
                }
                // The report's state of the row is the tally's: the builder reckons a row the calendar
                // cannot reach as the reckoning does, with the same calendar and the portal's N.
                tally.add(row, reckoned: reckoned, today: today)
            }
            return (tally, credit, revokedLive)
        }
        let first = try reckon()
        var (tally, credit) = (first.0, first.1)
        stages.lap("reckoning")
        let lateBefore = summary.lateTakeDowns.values.reduce(0, +)
        status = RunOutcome.worse(status, try takeDownRevoked(first.2, ledger: ledger, run: run, summary: &summary))
        // Taken down just now: the run's figures and report are those after it (the withdrawal
        // done or waiting), as `ledger status` and `gongshi report` give them right after.
        if summary.lateTakeDowns.values.reduce(0, +) != lateBefore {
            (tally, credit, _) = try reckon()
            stages.lap("reckoning again")
        }
        summary.disclosure = DisclosureCounts(tally)
        summary.urgent = tally.urgent
        summary.beyondCalendar = tally.beyondCalendar
        let counts = summary.disclosure
        transcript.line(counts.line)
        transcript.line(counts.figuresLine("本流水线全部"))
        for line in summary.urgent.prefix(50) { transcript.line("  " + line) }
        if counts.overdue + counts.dueSoon + counts.withdrawalsOverdue > 0 { status = RunOutcome.worse(status, ExitStatus.temporaryFailure) }
        if counts.calendarEnded > 0 {
            transcript.error(
                DeadlineReckoning.calendarEndedMessage(count: counts.calendarEnded, decisions: tally.beyondCalendar, calendar: context.calendar))
            status = RunOutcome.worse(status, ExitStatus.configuration)
        }
        summary.exitStatus = status
        try CommandFailure.ledger { () throws(LedgerError) in try ledger.finishRun(run, exitCode: status, finishedAt: LedgerClock.now()) }
        stages.lap("finish-run")
        let files = try writeReport(summary, credit: &credit, run: run)
        stages.lap("report-files")
        summary.reportFiles = files
        transcript.line("报告：\(files.json)")
        transcript.line("报告（网页）：\(files.html)")
        return summary
    }

    private func channel(for profile: PortalProfile, transport: Pipeline.Transport) throws(CommandFailure) -> (any PortalChannel)? {
        if let channel = channelOverride[profile.id] { return channel }
        return try channels.channel(for: transport, pipeline: context.pipeline, profile: profile)
    }

    /// The run's report over all the pipeline's decisions, as the run's own status line counts
    /// them: the run's page says the same numbers as the run (a month's view is `gongshi report`).
    /// `each` sees every row of the register as it is read.
    private func buildReport(
        run: Int64, ledger: any Ledger, eligible: (entries: [PeriodEntry], total: Int)?,
        each: (DecisionDeadline, _ reckoned: (DeadlineState, workingDays: Int?)) -> Void
    ) throws -> CreditReport {
        let builder = ReportBuilder(contexts: [context], calendar: context.calendar, today: today)
        let start = CalendarDate(year: 1990, month: 1, day: 1)!
        return try CommandFailure.ledger { () throws(LedgerError) in
            try builder.build(
                ledger: ledger, from: start, to: today,
                title: "\(context.pipeline.department) 双公示运行报告 \(today)（第 \(run) 次运行，全部决定）", eligible: eligible, each: each)
        }
    }

    /// The run's report in the pipeline's reports folder: JSON (the summary, and every decision so far)
    /// and the clerks' HTML page, both mode 0600 (they name records).
    private func writeReport(_ summary: RunSummary, credit: inout CreditReport, run: Int64) throws -> (json: String, html: String) {
        let folder = context.resolve(context.pipeline.reports)
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let name = "\(context.pipeline.id)-\(today)-run\(run)"
        credit.run = RunSection(
            id: run, pipeline: context.pipeline.id, mode: summary.mode, exitStatus: summary.exitStatus, validRecords: summary.validRecords,
            invalidRecordsAndFailedFiles: summary.invalidRecordsAndFailedFiles,
            feeds: summary.feeds.mapValues { c in
                ["published": c.published, "corrected": c.corrected, "unchanged": c.unchanged, "withdrawn": c.withdrawn,
                 "still_rejected": c.stillRejected]
            },
            expiredWithdrawn: summary.expiredWithdrawn)
        let html = (folder as NSString).appendingPathComponent(name + ".html")
        try SecureFile.write(Array(ReportHTML.render(credit).utf8), to: html)
        let file = RunReportFile(
            pipeline: context.pipeline.id, run: run, mode: summary.mode, today: today.description, exitStatus: summary.exitStatus,
            validRecords: summary.validRecords, invalidRecordsAndFailedFiles: summary.invalidRecordsAndFailedFiles, outsideRange: summary.outsideRange,
            keyWidthHeld: summary.keyWidthHeld, keyWidthTwins: summary.keyWidthTwins,
            feeds: summary.feeds.mapValues(RunReportFile.Feed.init), disclosure: summary.disclosure, urgent: summary.urgent,
            expiredWithdrawn: summary.expiredWithdrawn, lateTakeDowns: summary.lateTakeDowns, excluded: summary.excluded, periodSkipped: summary.periodSkipped, report: credit)
        let json = (folder as NSString).appendingPathComponent(name + ".json")
        try SecureFile.write(try file.bytes(), to: json)
        return (json, html)
    }

    /// Withdraws the pipeline's published penalties whose publication period has ended (reason
    /// 公示期满, through each portal's transport) and lists those that may apply for 信用修复 (the
    /// first ``ReportLimits/lines`` and how many, which the run's report shows as they are).
    ///
    /// - Parameter run: nil in a dry run: what would be withdrawn is listed, nothing written.
    private func endPeriods(ledger: any Ledger, run: Int64?, periods: PeriodAssessor, summary: inout RunSummary) throws
        -> (withdrawn: Int, status: Int32, eligible: (entries: [PeriodEntry], total: Int))
    {
        let portals = Set(context.portals.map(\.profile.id))
        let kind = context.schema.id
        // The three questions in one reading of the published records (ended; 信用修复, listed and counted).
        let periodsToday = try CommandFailure.ledger { () throws(LedgerError) in
            try ledger.periodsToday(today: today.description, kind: kind, limit: ReportLimits.lines)
        }
        let all = periodsToday.expired.filter { portals.contains($0.publication.portal) }
        // A period that ends on its decision's day is a rule's "not published" (轻微 under the 2026
        // rule): a record read again as such is taken down as not to be published, not as ended.
        let notPublished = all.filter { $0.repairFrom == nil && $0.expiresOn != nil && $0.expiresOn == $0.publication.decisionDate }
        let expired = all.filter { entry in !notPublished.contains { $0.publication == entry.publication } }
        var status = ExitStatus.ok
        if !notPublished.isEmpty {
            let notes = notPublished.map { entry in
                (entry.publication, "按\(periods.title(ofRegime: entry.regime))不予公示（\(entry.severity ?? "")）" as String?)
            }
            status = try withdraw(notes, reason: .notToPublish, heading: "按规定不予公示，撤下 \(notPublished.count) 条：", ledger: ledger, run: run, summary: &summary)
        }
        if !expired.isEmpty {
            let notes = expired.map { entry in
                (entry.publication,
                 "公示期\(PeriodEnd.until(entry.expiresOn))（\(periods.title(ofRegime: entry.regime))，\(entry.severity ?? "")）" as String?)
            }
            status = RunOutcome.worse(
                status, try withdraw(notes, reason: .periodEnded, heading: "公示期满，撤下 \(expired.count) 条：", ledger: ledger, run: run, summary: &summary))
        }
        // The records ended today are not among these (they are past their period), whether or
        // not their withdrawal went through.
        let (eligible, eligibleCount) = (periodsToday.eligible, periodsToday.eligibleTotal)
        if eligibleCount > 0 {
            transcript.line("已满最短公示期、可申请信用修复：\(eligibleCount) 条（见报告）")
            for entry in eligible.prefix(20) where portals.contains(entry.publication.portal) {
                transcript.line(
                    "  \(entry.publication.portal)/\(entry.publication.feed) \(DecisionKey.number(entry.publication.key))："
                        + "\(entry.severity ?? "")，可申请自 \(entry.repairFrom ?? "")，公示\(PeriodEnd.until(entry.expiresOn))")
            }
        }
        return (all.count, status, (eligible, eligibleCount))
    }

    /// Takes down what an earlier version put on the feed and the rules now keep off it (a minor,
    /// a withheld decision, a revoked permit under `withdraw: true`), reason 不予公示.
    private func takeDown(_ spooled: SpooledFeed, ledger: any Ledger, run: Int64?, summary: inout RunSummary) throws -> Int32 {
        guard !spooled.toWithdraw.isEmpty else { return ExitStatus.ok }
        var entries: [(entry: PublicationEntry, note: String?)] = []
        for (key, reason) in spooled.toWithdraw {
            let live = try CommandFailure.ledger { () throws(LedgerError) in try ledger.history(key: key) }.filter {
                $0.key == key && $0.portal == spooled.portal && $0.feed == spooled.feed.name && $0.status == .published && ($0.withdrawalStatus == nil || $0.withdrawalStatus == "failed")
            }
            entries += live.map { ($0, reason) }
        }
        return try withdraw(entries, reason: .notToPublish, heading: "已公示、现按规则不应公示，撤下 \(entries.count) 条：", ledger: ledger, run: run, summary: &summary)
    }

    /// Takes down, reason 撤销, what a portal shows of a decision revoked before its publication
    /// there was confirmed (a clerk's withdrawal covers what is published when it is asked; a
    /// batch waiting for upload, confirmed afterwards, put the revoked record on the portal).
    private func takeDownRevoked(
        _ revoked: [(number: String, portal: String, revokedOn: String)], ledger: any Ledger, run: Int64?, summary: inout RunSummary
    ) throws -> Int32 {
        guard !revoked.isEmpty else { return ExitStatus.ok }
        var entries: [(entry: PublicationEntry, note: String?)] = []
        // Only this pipeline's publications: on a shared ledger another department's record of the
        // same 文号 is not this revocation's (nor this pipeline's to take down).
        let own = try Uploader.own(ledger, pipeline: context.pipeline.id)
        for (number, portal, revokedOn) in revoked {
            let live = try CommandFailure.ledger { () throws(LedgerError) in try ledger.history(key: number) }.filter {
                DecisionKey.number($0.key) == number && $0.portal == portal && $0.kind == context.schema.id && own.contains($0.batchID)
                    && $0.status == .published && ($0.withdrawalStatus == nil || $0.withdrawalStatus == "failed")
            }
            entries += live.map { ($0, "决定已于 \(revokedOn) 撤销，门户确认公示在后：补撤") }
        }
        if run != nil, !entries.isEmpty { summary.lateTakeDowns[Withdrawer.Reason.revoked.rawValue, default: 0] += entries.count }
        return try withdraw(
            entries, reason: .revoked, heading: "已撤销的决定在门户上仍在公示（批次在撤销后才确认），撤下 \(entries.count) 条：", ledger: ledger, run: run,
            summary: &summary)
    }

    /// Takes down, with the reason its record was withdrawn for (信用修复, 公示期满, 不予公示), what a
    /// portal shows of a record whose withdrawal was asked for before this publication of it was
    /// confirmed (a batch waiting for the clerk's upload then: the withdrawal covered what was
    /// published). A revoked decision's are the register's to find (``takeDownRevoked``); a
    /// record taken down for 更正 has its corrected version published on purpose.
    private func takeDownShownAfterWithdrawal(ledger: any Ledger, run: Int64?, summary: inout RunSummary) throws -> Int32 {
        let portals = Set(context.portals.map(\.profile.id))
        let kind = context.schema.id
        let shown = try CommandFailure.ledger { () throws(LedgerError) in
            try ledger.shownAfterWithdrawal(
                kind: kind, exceptReasons: [Withdrawer.Reason.corrected.rawValue, Withdrawer.Reason.revoked.rawValue])
        }.filter { portals.contains($0.publication.portal) }
        guard !shown.isEmpty else { return ExitStatus.ok }
        // Only this pipeline's publications (a shared ledger holds other departments' too).
        let own = try Uploader.own(ledger, pipeline: context.pipeline.id)
        let mineOnly = shown.filter { own.contains($0.publication.batchID) }
        var status = ExitStatus.ok
        for reason in Withdrawer.Reason.allCases {
            let mine = mineOnly.filter { $0.reason == reason.rawValue }
            guard !mine.isEmpty else { continue }
            let entries: [(entry: PublicationEntry, note: String?)] = mine.map { item in
                let basis = item.basis.map { "（原说明：\(OneLine.screened($0, limit: 200))）" } ?? ""
                return (item.publication, "已于 \(item.requestedOn) 撤下（\(reason.rawValue)）\(basis)，门户确认公示在后：补撤")
            }
            if run != nil { summary.lateTakeDowns[reason.rawValue, default: 0] += entries.count }
            status = RunOutcome.worse(
                status,
                try withdraw(
                    entries, reason: reason, heading: "已撤下（\(reason.rawValue)）的记录在门户上又在公示（批次在撤下后才确认），撤下 \(entries.count) 条：",
                    ledger: ledger, run: run, summary: &summary))
        }
        return status
    }

    /// Takes down, reason 更正, a subject's earlier publications on the feed under another name for
    /// a decision this run published under a new one: the same 文号 and the same 统一社会信用代码 (a
    /// legal person), or the same 文号 and the same natural person's key (their ID document,
    /// ``PersonKeyer``), make one subject, whose name the department corrected (the key, 文号|名称,
    /// changed with it). Two people named by one decision have two documents: neither is taken down
    /// for the other. A natural person's new name is not written in the note (nor anywhere else).
    private func takeDownRenamed(_ renames: RenamedSubjects, spooled: SpooledFeed, ledger: any Ledger, run: Int64?, summary: inout RunSummary) throws -> Int32 {
        if renames.overflowed {
            transcript.line("\(spooled.portal)/\(spooled.feed.name)：本次新公示超过 \(RenamedSubjects.limit) 条，未逐条核对当事人名称是否更正")
        }
        var entries: [(entry: PublicationEntry, note: String?)] = []
        var seen = Set<String>()
        /// The earlier publications of one subject that a fresh row of the same decision renames.
        func renamed(_ earlier: [PublicationEntry], by fresh: [RenamedSubjects.Fresh], note: (RenamedSubjects.Fresh) -> String) {
            for entry in earlier where entry.portal == spooled.portal && entry.feed == spooled.feed.name && entry.status == .published
                && (entry.withdrawalStatus == nil || entry.withdrawalStatus == "failed")
            {
                let number = DecisionKey.number(entry.key)
                guard let renamed = fresh.first(where: { $0.number == number && $0.key != entry.key }),
                    !fresh.contains(where: { $0.key == entry.key }), seen.insert("\(entry.batchID)#\(entry.position)").inserted
                else { continue }
                entries.append((entry, note(renamed)))
            }
        }
        // Legal persons by code. (A ledger that answers no questions, the tests' in-memory one, is
        // not asked.)
        if !renames.candidates.isEmpty, let questions = ledger as? any QuestionLedger {
            for (code, fresh) in renames.candidates {
                let earlier = try CommandFailure.ledger { () throws(LedgerError) in try questions.publications(subjectCode: code, filter: .all) }
                renamed(earlier, by: fresh) { "当事人名称已更正为“\(OneLine.screened($0.name, limit: 60))”（同一文号、同一统一社会信用代码）" }
            }
        }
        let legal = entries.count
        // Natural persons by key, in the keys' order (the same list every time).
        for person in renames.persons.keys.sorted() {
            let earlier = try CommandFailure.ledger { () throws(LedgerError) in
                try ledger.publications(personKey: person, portal: spooled.portal, feed: spooled.feed.name)
            }
            renamed(earlier, by: renames.persons[person] ?? []) { _ in "当事人姓名已更正（同一文号、同一证件）" }
        }
        let basis =
            entries.count == legal ? "同一文号、同一统一社会信用代码" : legal == 0 ? "同一文号、同一证件" : "同一文号、同一统一社会信用代码或同一证件"
        return try withdraw(
            entries, reason: .corrected, heading: "当事人名称已更正（\(basis)），撤下旧名称的公示 \(entries.count) 条：", ledger: ledger,
            run: run, summary: &summary)
    }

    /// Takes `entries` down, their heading told first; in a dry run (no `run`) lists them instead
    /// (the first ``dryRunListed``, each by portal, feed and decision number) and counts them in
    /// ``RunSummary/wouldWithdraw``: nothing is written or sent.
    private func withdraw(
        _ entries: [(entry: PublicationEntry, note: String?)], reason: Withdrawer.Reason, heading: String, ledger: any Ledger, run: Int64?,
        summary: inout RunSummary
    ) throws -> Int32 {
        guard !entries.isEmpty else { return ExitStatus.ok }
        guard let run else {
            // Listed once, by the first step that would take it down (the real run's later steps
            // find its withdrawal asked for).
            let entries = entries.filter { summary.listedTakeDowns.insert("\($0.entry.batchID)#\($0.entry.position)").inserted }
            guard !entries.isEmpty else { return ExitStatus.ok }
            let heading = heading.replacing(/\d+ 条：$/, with: "\(entries.count) 条：")
            transcript.line("（试运行，不撤下）" + heading)
            for (entry, note) in entries.prefix(Self.dryRunListed) {
                transcript.line("  \(entry.portal)/\(entry.feed) \(DecisionKey.number(entry.key))" + (note.map { "：\($0)" } ?? ""))
            }
            if entries.count > Self.dryRunListed { transcript.line("  …另有 \(entries.count - Self.dryRunListed) 条") }
            summary.wouldWithdraw[reason.rawValue, default: 0] += entries.count
            return ExitStatus.ok
        }
        transcript.line(heading)
        return try withdrawer(ledger: ledger, run: run).withdraw(entries, reason: reason, reconciling: false)
    }

    /// The take-downs a dry run lists one by one, per kind.
    static let dryRunListed = 20

    private func withdrawer(ledger: any Ledger, run: Int64) -> Withdrawer {
        Withdrawer(
            context: context, ledger: ledger, run: run, today: today, channels: channels, transcript: transcript,
            channelOverride: channelOverride)
    }

    /// What a dry run would send for one feed; with a scratch folder, the files it would write.
    private func dryRunPlan(_ spooled: SpooledFeed, profile: PortalProfile, published: (FeedPlan.Row) -> Void) throws -> FeedCounts {
        let folder = request.scratch.map {
            URL(fileURLWithPath: $0).appendingPathComponent(profile.id).appendingPathComponent(today.description)
        }
        var batcher = Batcher<PlannedRow>(limit: spooled.feed.batchLimit) { operation, part, batch in
            guard let folder else { return }
            let file = try FeedBatchFile(
                profile: profile, feed: spooled.feed, schema: context.schema, rows: batch.map(\.row), part: part, date: today,
                operation: operation, corrects: operation == .correct ? BatchIdentity.correctedBatches(batch.lazy.map(\.correctsBatch)) : [])
            try file.write(into: folder)
            transcript.line("（试运行）草稿：\(folder.path)/\(file.fileName)（\(batch.count) 条）")
        }
        let counts = try FeedPublisher.plan(spooled, ledger: ledger, republishing: request.republishing, today: today) { operation, entry in
            if operation == .publish { published(entry.row) }
            if folder != nil { try batcher.add(operation, entry) }
        }
        try batcher.finish()
        return counts
    }
}

extension ReportBuilder.Department {
    /// The department of a loaded pipeline.
    public init(_ context: PipelineContext) {
        self.init(
            pipeline: context.pipeline.id, department: context.pipeline.department, kind: context.schema.title, schemaID: context.schema.id)
    }
}

/// The line that sums up what planning decided for one feed.
public enum FeedSummary {
    public static func line(_ counts: FeedCounts, feed: FeedSpec) -> String {
        var parts = ["新公示 \(counts.published) 条", "更正 \(counts.corrected) 条", "未变化不再发送 \(counts.unchanged) 条"]
        if counts.withdrawn > 0 { parts.append("已撤下不再公示 \(counts.withdrawn) 条") }
        if counts.withdrawnVersions > 0 { parts.append("已撤下（更正）的原版本不再发送 \(counts.withdrawnVersions) 条") }
        if counts.republished > 0 { parts.append("按要求重新公示 \(counts.republished) 条") }
        if counts.stillRejected > 0 { parts.append("门户拒收且内容未改、不再发送 \(counts.stillRejected) 条") }
        if counts.repeated > 0 { parts.append("同一决定重复出现 \(counts.repeated) 条（只发送第一条）") }
        return "\(feed.title) [\(feed.name)]：" + parts.joined(separator: "，")
    }
}

/// The subjects' decisions a run publishes for the first time on a feed that had publications
/// before: legal persons' by 统一社会信用代码, natural persons' by their key (``FeedPlan/Row/personKey``);
/// each may be a subject whose name the department corrected (``PipelineRun/takeDownRenamed``).
/// Kept up to ``limit`` in all (a first run, on a feed with nothing yet, keeps none: nothing can
/// have been renamed).
struct RenamedSubjects {
    static let limit = 50_000
    typealias Fresh = (key: String, number: String, name: String)
    let watching: Bool
    /// Legal persons' rows, by code.
    private(set) var candidates: [String: [Fresh]] = [:]
    /// Natural persons' rows, by key (the name is not kept: it is never written).
    private(set) var persons: [String: [Fresh]] = [:]
    private(set) var count = 0
    private(set) var overflowed = false

    init(watching: Bool) {
        self.watching = watching
    }

    /// Watching when the feed has publications on the ledger (none, or no ledger: nothing can
    /// have been renamed).
    init(ledger: (any PlanningLedger)?, portal: String, feed: String) throws {
        let span = try ledger.map { ledger in
            try CommandFailure.ledger { () throws(LedgerError) in try ledger.publicationKeySpan(portal: portal, feed: feed) }
        }
        self.init(watching: span.map { $0 != .empty } ?? false)
    }

    mutating func note(_ row: FeedPlan.Row) {
        guard watching, row.subjectCode != nil || row.personKey != nil else { return }
        guard count < Self.limit else {
            overflowed = true
            return
        }
        count += 1
        if let code = row.subjectCode {
            candidates[code, default: []].append((row.key, DecisionKey.number(row.key), row.subjectName ?? ""))
        } else if let person = row.personKey {
            persons[person, default: []].append((row.key, DecisionKey.number(row.key), ""))
        }
    }
}
