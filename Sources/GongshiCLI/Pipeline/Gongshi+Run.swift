import ArgumentParser
import Foundation
import DisclosureCore
import PipelineConfig
import PipelineRunner
import Synchronization
import SQLiteLedger

extension Gongshi {
    /// `gongshi run PIPELINE`: the nightly run, a re-run of a period, or a dry run. The data path
    /// is the engine's (``PipelineRun``); this command parses, opens the ledger and maps the outcome.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "运行一条流水线：新的或变化的数据文件 → 校验 → 生成公示文件 → 上传 → 记入台账 → 报告。",
            discussion: """
                夜间运行只处理新的或内容变化的文件；--from/--to 重跑一段决定日期（未变化的记录不重发，变化的作为更正）；\
                --dry-run 只校验和计划，不写台账、不上传。\
                退出码：0 完成；65 有无效或被拒收的记录；69 门户不可用（批次留待下次）；75 有逾期或明天到期未公示的记录，或台账被占用；78 配置错误。\
                几种情况同时出现时取最严重的：78、69、65、75 依次。
                """)

        @Argument(help: ArgumentHelp("流水线文件（pipelines/ID.yaml）。", valueName: "PIPELINE"))
        var pipeline: String

        @OptionGroup(title: "重跑：决定日期") var range: DateRange

        @Flag(name: .customLong("dry-run"), help: "只校验和计划：不写台账、不生成文件、不上传。")
        var dryRun = false

        @Flag(name: .customLong("republish"), help: "重跑时把范围内已公示且未变化的记录也重新发送（门户数据丢失时）。")
        var republish = false

        @Flag(name: .customLong("all-warnings"), help: "逐条列出全部警告（默认：同一文件同一字段的同类警告列出前 3 条，再给一行合计）。")
        var allWarnings = false

        @Option(name: .customLong("ledger"), help: ArgumentHelp("公示台账（默认取流水线的 ledger）。", valueName: "FILE"))
        var ledgerPath: String?

        @Option(name: .customLong("scratch"), help: ArgumentHelp("试运行：把将要发送的公示文件写到这个草稿目录（不写台账、不上传）。", valueName: "DIR"))
        var scratch: String?

        @Option(name: .customLong("log-format"), help: ArgumentHelp("标准错误上的日志格式：text（默认）或 json（每行一个 JSON 对象）。", valueName: "FORMAT"))
        var logFormat: String = "text"

        @OptionGroup var today: TodayOptions
        @OptionGroup var calendar: CalendarOptions

        func validate() throws {
            guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format 应为 text 或 json") }
            if scratch != nil && !dryRun { throw ValidationError("--scratch 只用于 --dry-run") }
            if republish && !range.isGiven { throw ValidationError("--republish 只用于 --from/--to 重跑") }
        }

        func run() throws {
            LogFormat.current.withLock { $0 = LogFormat(rawValue: logFormat) ?? .text }
            var request = RunRequest(
                today: try today.resolve(), range: try range.resolve(), dryRun: dryRun, republishing: republish, scratch: scratch)
            request.allWarnings = allWarnings
            let status = try Self.execute(pipeline, request: request, ledgerPath: ledgerPath, calendar: calendar.effectiveDirectory)
            if status != ExitStatus.ok { throw ExitCode(status) }
        }

        /// Loads the pipeline (the calendar folder in force instead of the pipeline's, when given), opens its ledger (the run lock first; a dry run reads the ledger as it
        /// is, when there is one) and runs it; returns the exit status.
        static func execute(_ path: String, request: RunRequest, ledgerPath: String?, calendar: String?) throws -> Int32 {
            let context = try PipelineContext.load(path, today: request.today, calendarDirectory: calendar, transcript: Output.transcript)
            let location = LedgerOptions.location(ledgerPath, context: context)
            let opened =
                request.dryRun
                ? try LedgerOptions.openIfPresent(path: location)
                : try LedgerOptions.openForWriting(
                    path: location, command: "run \(context.pipeline.id) \(request.mode)", scope: .pipeline(context.pipeline.id), creating: true)
            let ledger = opened?.store
            defer { _ = opened }
            let summary = try PipelineRun(
                context: context, request: request, ledger: ledger,
                channels: ChannelFactory(showsProgress: isatty(STDERR_FILENO) == 1, progress: { Output.answer("  " + $0) }), transcript: Output.transcript,
                problems: .standardOutput
            ).execute()
            return summary.exitStatus
        }
    }
}
