import CalendarData
public import DisclosureReports
public import DisclosureCore
public import Foundation
public import PipelineConfig
public import WorkingDayCalendar

/// A pipeline with everything it names loaded and checked: schema, profiles, calendar.
public struct PipelineContext {
    public let pipeline: Pipeline
    public let path: String
    public let schema: PublicationSchema
    public let portals: [(profile: PortalProfile, transport: Pipeline.Transport)]
    public let calendar: WorkingDayCalendar

    public init(
        pipeline: Pipeline, path: String, schema: PublicationSchema, portals: [(profile: PortalProfile, transport: Pipeline.Transport)],
        calendar: WorkingDayCalendar
    ) {
        self.pipeline = pipeline
        self.path = path
        self.schema = schema
        self.portals = portals
        self.calendar = calendar
    }

    /// Loads and lints the pipeline; errors end the command with 78 (each reported on its own
    /// line), warnings are reported and the load goes on.
    ///
    /// - Parameter uploads: whether the command may upload; a command that only reads the ledger
    ///   (`report`) does not need the portals' credentials.
    /// - Parameter calendarDirectory: a folder of `YYYY.yaml` files (`--calendar`, else
    ///   `$GONGSHI_CALENDAR_DIR`), layered over the bundled years instead of the pipeline's `calendar:`.
    public static func load(
        _ path: String, today: CalendarDate, uploads: Bool = true, calendarDirectory: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment, transcript: Transcript
    ) throws(CommandFailure) -> PipelineContext {
        let schemas = SchemaCatalog.bundledDocuments.compactMap { try? SchemaLoader.load($0).get() }
        let profiles = PortalProfileLoader.bundledDocuments.compactMap { try? PortalProfileLoader.load($0, schemas: schemas).get() }
        var (loaded, issues) = PipelineLint.lint(
            path, schemas: schemas, profiles: profiles, today: today, calendarDirectory: calendarDirectory, environment: environment)
        if !uploads { issues.removeAll { $0.code.hasPrefix("credentials-") } }
        // A calendar already past is the linter's error, not the command's: it works on, and names
        // the decisions whose deadlines it cannot reckon (`calendar-ended`, 78).
        issues = issues.map { issue in
            issue.code == PipelineLinter.coverageEndedCode
                ? ConfigIssue(issue.code, file: issue.file, line: issue.line, issue.message, isWarning: true) : issue
        }
        for issue in issues { issue.isWarning ? transcript.warning(issue.description) : transcript.error(issue.description) }
        guard let pipeline = loaded, !issues.contains(where: { !$0.isWarning }) else { throw .reported(ExitStatus.configuration) }
        guard let schema = SchemaCatalog.resolve(kind: pipeline.kind, in: schemas) else { throw .reported(ExitStatus.configuration) }
        var portals: [(PortalProfile, Pipeline.Transport)] = []
        for portal in pipeline.portals {
            var profile: PortalProfile
            if let bundled = profiles.first(where: { $0.id == portal.profile }) {
                profile = bundled
            } else {
                let document = try ConfigFiles.document(pipeline.resolve(portal.profile), transcript: transcript)
                profile = try PortalProfileLoader.load(document, schemas: schemas).orConfigurationFailure(transcript)
            }
            if let format = portal.format.flatMap(FeedSpec.Format.init(rawValue:)) { profile = profile.with(format: format) }
            // The 前置库 takes rows, not files: JSON Lines with each record's key digest.
            if case .database = portal.transport { profile = profile.forDatabase() }
            // (The linter refuses a profile named twice; two files may still name one portal.)
            if portals.contains(where: { $0.0.id == profile.id }) {
                throw CommandFailure(
                    status: ExitStatus.configuration, code: "pipeline-duplicate-portal",
                    message: "\(path)\(portal.line.map { ":\($0)" } ?? "")：门户“\(profile.title)”（\(profile.id)）列了两次；一个门户只能有一种报送方式（outbox、api、sftp 或 database 选一种）")
            }
            portals.append((profile, portal.transport))
        }
        let calendarFiles = CalendarLoader.load(directory: calendarDirectory ?? pipeline.calendar.map(pipeline.resolve))
        guard let calendar = calendarFiles.calendar else {
            for issue in calendarFiles.issues { transcript.error(issue.description) }
            throw .reported(ExitStatus.configuration)
        }
        return PipelineContext(pipeline: pipeline, path: path, schema: schema, portals: portals, calendar: calendar)
    }

    public func resolve(_ path: String) -> String { pipeline.resolve(path) }

    /// The pipeline's feeds of its own kind, per portal.
    public var feeds: [(portal: String, feed: FeedSpec)] {
        portals.flatMap { portal in portal.profile.feeds.filter { $0.schema == schema.id }.map { (portal.profile.id, $0) } }
    }
}

/// Checks a pipeline file without reading data: its own keys, its calendar's, what it points at.
public enum PipelineLint {
    /// Every problem of one pipeline file, and the pipeline when the file itself could be read.
    public static func lint(
        _ path: String, schemas: [PublicationSchema], profiles: [PortalProfile], today: CalendarDate, calendarDirectory: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> (pipeline: Pipeline?, issues: [ConfigIssue]) {
        let pipeline: Pipeline
        switch loadPipeline(path) {
        case .failure(let failure): return (nil, failure.issues)
        case .success(let loaded): pipeline = loaded
        }
        // The folder in force, as the commands load it: `--calendar`/`GONGSHI_CALENDAR_DIR` (one
        // that cannot be read is the calendar's error), else the pipeline's `calendar:` (a missing
        // one is the linter's `pipeline-missing-folder`).
        let calendarFolder = calendarDirectory ?? pipeline.calendar.map(pipeline.resolve).flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        let loaded = CalendarLoader.load(directory: calendarFolder)
        let calendarIssues = loaded.issues.map { ConfigIssue("calendar-invalid", file: path, line: nil, $0.description) }
        let issues = PipelineLinter(
            schemas: schemas, profiles: profiles, environment: environment, today: today, calendarEnd: loaded.calendar?.coverage.upperBound
        ).lint(pipeline, file: path) + calendarIssues
        return (pipeline, issues)
    }

    /// Reads `pipelines/ID.yaml`: the id is the file name; relative paths start from the folder
    /// above `pipelines/` (or the file's own folder elsewhere).
    public static func loadPipeline(_ path: String) -> Result<Pipeline, SchemaLoadFailure> {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let folder = url.deletingLastPathComponent()
        let base = folder.lastPathComponent == "pipelines" ? folder.deletingLastPathComponent() : folder
        let id = url.deletingPathExtension().lastPathComponent
        do {
            return PipelineLoader.load(try SchemaDocument.disk(path), id: id, base: base.path)
        } catch {
            return .failure(SchemaLoadFailure(issues: [error]))
        }
    }
}

extension ReportBuilder {
    /// A report builder for these pipelines, with the bundled regimes' titles.
    public init(contexts: [PipelineContext], calendar: WorkingDayCalendar, today: CalendarDate) {
        var titles: [String: String] = [:]
        for regime in PublicationPeriodsLoader.bundled.flatMap(\.regimes) { titles[regime.id] = regime.title }
        var days: [String: Int] = [:]
        for context in contexts {
            for (portal, working) in DeadlineReckoning(context: context, today: today).workingDays { days[portal] = working }
        }
        self.init(departments: contexts.map(Department.init), calendar: calendar, today: today, regimeTitles: titles, workingDays: days)
    }
}
