public import DisclosureCore
public import Foundation
public import WorkingDayCalendar

/// `gongshi feed`: some files validated and fed to one portal. With a ledger, only what the
/// portal does not have yet goes out (new batches, corrections), after the portal's pending
/// batches are settled; without one, every valid record is written (a preview).
public struct FeedRun {
    let profile: PortalProfile
    let schema: PublicationSchema
    let today: CalendarDate
    let outbox: URL
    let calendar: WorkingDayCalendar?
    let options: InputOptions
    let transcript: Transcript
    let problems: FileHandle?

    public init(
        profile: PortalProfile, schema: PublicationSchema, today: CalendarDate, outbox: URL, calendar: WorkingDayCalendar?,
        options: InputOptions, transcript: Transcript, problems: FileHandle?
    ) {
        self.profile = profile
        self.schema = schema
        self.today = today
        self.outbox = outbox
        self.calendar = calendar
        self.options = options
        self.transcript = transcript
        self.problems = problems
    }

    private var feeds: [FeedSpec] { profile.feeds.filter { $0.schema == schema.id } }

    /// Returns the exit status: 0, or 65 when some records were invalid.
    public func execute(files: [String], ledger: any PublicationLedger) throws -> Int32 {
        let run = try CommandFailure.ledger { () throws(LedgerError) in
            try ledger.beginRun(command: "feed", today: today.description, startedAt: LedgerClock.now(), pipeline: nil, department: nil)
        }
        let publisher = FeedPublisher(
            ledger: ledger, run: run, outbox: outbox, profile: profile, today: today, calendar: calendar, transcript: transcript)
        for line in try publisher.reconcile() { transcript.line(line) }
        let fingerprints = SourceFiles.fingerprints(files)
        // The publication periods apply here as in a pipeline's run (the periods file's default severity rule).
        let intake = try FeedIntake(
            feeds: feeds.map { (profile.id, $0) }, schema: schema, today: today, periods: PeriodAssessor(schema: schema, rule: nil, portals: [profile.id]),
            fingerprints: fingerprints, revoked: try CommandFailure.ledger { () throws(LedgerError) in try ledger.revokedDecisions(kind: schema.id, pipeline: nil) })
        let writer = try ReportWriter(json: false, language: .zh, reportPath: nil, output: problems)
        // A file without a fingerprint is refused, as a pipeline's run refuses it: its records would
        // belong to no file in the ledger (no versions, no period to end their publication).
        var listing = SourceFiles.Listing()
        listing.fingerprints = fingerprints
        let report = try FileValidator.validate(
            files: files, schema: schema, today: today, options: options, writer: writer, records: intake, refuse: { listing.unfingerprinted($0) })
        try writer.finish(report)
        let prints = files.compactMap { fingerprints[$0] }
        try CommandFailure.ledger { () throws(LedgerError) in try ledger.recordInputs(prints, records: [], run: run) }
        try intake.recordVersions(in: ledger, run: run)
        try intake.recordDecisions(
            in: ledger, run: run, pipeline: nil, deadlines: [profile.id: Deadlines(profile: profile, calendar: calendar)], today: today)
        for spooled in intake.feeds {
            noteSkipped(spooled)
            let counts = try publisher.publish(spooled, schema: schema)
            transcript.line(FeedSummary.line(counts, feed: spooled.feed))
        }
        let status = report.isValid ? ExitStatus.ok : ExitStatus.dataError
        try CommandFailure.ledger { () throws(LedgerError) in try ledger.finishRun(run, exitCode: status, finishedAt: LedgerClock.now()) }
        return status
    }

    /// The preview: every valid record, cut into batches, written under `OUT/<portal>/<date>/`.
    public func preview(files: [String]) throws -> Int32 {
        let intake = try FeedIntake(
            feeds: feeds.map { (profile.id, $0) }, schema: schema, today: today, periods: PeriodAssessor(schema: schema, rule: nil, portals: [profile.id]))
        let writer = try ReportWriter(json: false, language: .zh, reportPath: nil, output: problems)
        let report = try FileValidator.validate(files: files, schema: schema, today: today, options: options, writer: writer, records: intake)
        try writer.finish(report)
        let folder = outbox.appendingPathComponent(profile.id).appendingPathComponent(today.description)
        for spooled in intake.feeds {
            let feed = spooled.feed
            noteSkipped(spooled)
            // Without a ledger every row is new: the planner sends all, the batcher cuts them.
            var batcher = Batcher<PlannedRow>(limit: feed.batchLimit) { _, part, entries in
                let batch = try FeedBatchFile(profile: profile, feed: feed, schema: schema, rows: entries.map(\.row), part: part, date: today)
                try batch.write(into: folder)
                transcript.line("\(folder.path)/\(batch.fileName)：\(entries.count) 条 [\(feed.name)] 批次 \(batch.id)")
            }
            let counts = try FeedPublisher.plan(spooled, ledger: nil, republishing: false, today: today) { try batcher.add($0, $1) }
            try batcher.finish()
            if counts.published == 0 { transcript.line("\(feed.title)：没有要公示的记录 [\(feed.name)]") }
        }
        return report.isValid ? ExitStatus.ok : ExitStatus.dataError
    }

    private func noteSkipped(_ spooled: SpooledFeed) {
        for line in spooled.skipLines(portalTitle: profile.title) { transcript.line(line) }
        for skip in spooled.periodSkipped {
            transcript.line("\(skip.file):\(skip.row): 不公示到\(profile.title)（\(spooled.feed.title)）：\(skip.reason) [period]")
        }
    }
}
