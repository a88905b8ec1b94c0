import ArgumentParser
import PipelineConfig
import DisclosureCore
import PipelineRunner

extension Gongshi {
    /// `gongshi lint PIPELINE...`: checks pipeline files without reading any data.
    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "检查流水线配置（不读数据）：未知的键、缺少的文件、未设置的凭据变量、节假日日历即将到期或已经过期。",
            discussion: """
                PIPELINE 为流水线文件（pipelines/ID.yaml）。日历取 --calendar DIR，否则环境变量 GONGSHI_CALENDAR_DIR，否则流水线的 calendar:，\
                与 run、report 相同；日历 60 天内到期为警告，今天已超出日历为错误。退出码：0 没有错误（可能有警告）；78 有错误。
                """)

        @Argument(help: ArgumentHelp("流水线文件。", valueName: "PIPELINE"))
        var pipelines: [String] = []

        @OptionGroup var today: TodayOptions
        @OptionGroup var calendar: CalendarOptions

        func validate() throws {
            guard !pipelines.isEmpty else { throw ValidationError("至少给出一个流水线文件") }
        }

        func run() throws {
            let today = try self.today.resolve()
            let schemas = SchemaCatalog.bundledDocuments.compactMap { try? SchemaLoader.load($0).get() }
            let profiles = PortalProfileLoader.bundledDocuments.compactMap { try? PortalProfileLoader.load($0, schemas: schemas).get() }
            var errors = 0
            for path in pipelines {
                let issues = PipelineLint.lint(
                    path, schemas: schemas, profiles: profiles, today: today, calendarDirectory: calendar.effectiveDirectory
                ).issues
                for issue in issues { Output.answer(issue.description) }
                let count = issues.filter { !$0.isWarning }.count
                errors += count
                Output.answer("\(path)：错误 \(count) 个，警告 \(issues.count - count) 个")
            }
            if errors > 0 { throw ExitCode(ExitStatus.configuration) }
        }
    }
}
