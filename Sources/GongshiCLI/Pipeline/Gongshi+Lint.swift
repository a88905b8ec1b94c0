import ArgumentParser
import CalendarData
import DisclosureCore
import Foundation
import PipelineConfig
import WorkingDayCalendar

extension Gongshi {
    /// `gongshi lint PIPELINE...`: checks pipeline files without reading any data.
    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "检查流水线配置（不读数据）：未知的键、缺少的文件、未设置的凭据变量、节假日日历即将到期。",
            discussion: "PIPELINE 为流水线文件（pipelines/ID.yaml）。退出码：0 没有错误（可能有警告）；78 有错误。")

        @Argument(help: ArgumentHelp("流水线文件。", valueName: "PIPELINE"))
        var pipelines: [String] = []

        @OptionGroup var today: TodayOptions

        func validate() throws {
            guard !pipelines.isEmpty else { throw ValidationError("至少给出一个流水线文件") }
        }

        func run() throws {
            let today = try self.today.resolve()
            let schemas = SchemaCatalog.bundledDocuments.compactMap { try? SchemaLoader.load($0).get() }
            let profiles = PortalProfileLoader.bundledDocuments.compactMap { try? PortalProfileLoader.load($0, schemas: schemas).get() }
            var errors = 0
            for path in pipelines {
                let issues = Self.lint(path, schemas: schemas, profiles: profiles, today: today).issues
                for issue in issues { Output.answer(issue.description) }
                let count = issues.filter { !$0.isWarning }.count
                errors += count
                Output.answer("\(path)：错误 \(count) 个，警告 \(issues.count - count) 个")
            }
            if errors > 0 { throw ExitCode(ExitStatus.configuration) }
        }

        /// Every problem of one pipeline file — its own, its calendar's, and what it points at —
        /// and the pipeline, when the file itself could be read.
        static func lint(
            _ path: String, schemas: [PublicationSchema], profiles: [PortalProfile], today: CalendarDate
        ) -> (pipeline: Pipeline?, issues: [ConfigIssue]) {
            let pipeline: Pipeline
            switch loadPipeline(path) {
            case .failure(let failure): return (nil, failure.issues)
            case .success(let loaded): pipeline = loaded
            }
            let calendarFolder = pipeline.calendar.map(pipeline.resolve)
            let loaded = CalendarLoader.load(directory: calendarFolder.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil })
            let calendarIssues = loaded.issues.map { ConfigIssue("calendar-invalid", file: path, line: nil, $0.description) }
            let issues = PipelineLinter(
                schemas: schemas, profiles: profiles, environment: ProcessInfo.processInfo.environment, today: today,
                calendarEnd: loaded.calendar?.coverage.upperBound
            ).lint(pipeline, file: path) + calendarIssues
            return (pipeline, issues)
        }

        /// Reads `pipelines/ID.yaml`: the id is the file name; relative paths start from the folder
        /// above `pipelines/` (or the file's own folder elsewhere).
        static func loadPipeline(_ path: String) -> Result<Pipeline, SchemaLoadFailure> {
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
}
