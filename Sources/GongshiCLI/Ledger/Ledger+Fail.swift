import ArgumentParser
import DisclosureCore
import Foundation
import PipelineRunner
import PortalClients
import SQLiteLedger
import WorkingDayCalendar

extension Gongshi.LedgerCommand {
    /// `gongshi ledger fail BATCH --reason TEXT [--pipeline FILE | --endpoint URL | --pipelines DIR] [--portal-unreachable]`:
    /// the portal refused the file as a whole. A portal that can be asked (the pipeline's API, SFTP
    /// or 前置库; `--endpoint`) is asked first: one that holds the batch keeps it pending. Without
    /// `--pipeline` or `--endpoint`, the pipeline is looked for in `pipelines/`
    /// (``Confirmation/PortalQuestion/project(pipelines:ledger:today:channels:handChecked:transcript:)``).
    struct Fail: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "门户拒收了整个批次：批次记为失败，其中的记录在下次运行时重新生成。",
            discussion: """
                先向门户核对：门户已有此批次则不记为失败（65 [batch-on-portal]，否则记录会重复公示）；\
                门户无法核对则不记为失败（69 [portal-unreachable]），除非人工核实门户没有此批次后加 --portal-unreachable。\
                按 --pipeline 或 --endpoint 核对；都不给时，在流水线目录（--pipelines，默认 pipelines/）中找报送此批次门户的流水线：\
                找到经接口、SFTP 或前置库报送的，按它核对；没有流水线报送此门户（或几条以不同方式报送）则不记为失败（78 [portal-unknown]），\
                除非加 --portal-unreachable；目录中没有流水线则不核对（警告）。\
                发件箱（人工上传）的门户无法核对，按办理人所说记为失败。
                """)

        @Argument(help: ArgumentHelp("批次号。", valueName: "BATCH"))
        var batch: String

        @Option(name: .customLong("reason"), help: ArgumentHelp("门户给出的原因。", valueName: "TEXT"))
        var reason: String

        @Option(name: .customLong("pipeline"), help: ArgumentHelp("报送此批次门户的流水线文件：按其报送方式先向门户核对（发件箱的门户不核对）。", valueName: "PIPELINE"))
        var pipeline: String?

        @Option(name: .customLong("endpoint"), help: ArgumentHelp("门户接口地址（同 gongshi upload）：先向它核对。", valueName: "URL"))
        var endpoint: String?

        @Option(name: .customLong("credentials"), help: ArgumentHelp("接口凭据文件（同 gongshi upload）；默认取环境变量。", valueName: "FILE"))
        var credentials: String?

        @Option(name: .customLong("pipelines"), help: ArgumentHelp("不给 --pipeline 或 --endpoint 时，在此目录的流水线（*.yaml）中找报送此批次门户的一条（同 gongshi console）。", valueName: "DIR"))
        var pipelines: String?

        @Flag(name: .customLong("portal-unreachable"), help: "门户无法核对（或不知道如何核对）时，办理人已人工核实门户没有此批次：仍记为失败。")
        var portalUnreachable = false

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var today: TodayOptions

        func validate() throws {
            if pipeline != nil && endpoint != nil { throw ValidationError("--pipeline 和 --endpoint 只能给出一个") }
            if credentials != nil && endpoint == nil { throw ValidationError("--credentials 只用于 --endpoint") }
            if pipelines != nil && (pipeline != nil || endpoint != nil) { throw ValidationError("--pipelines 只用于不给 --pipeline 或 --endpoint 时") }
        }

        func run() throws {
            // Neither --pipeline nor --endpoint: the project's pipeline that sends the batch's
            // portal, looked for once the ledger is open (below).
            var question = Confirmation.PortalQuestion.cannotAsk
            // With a pipeline, its ledger unless --ledger names another (as `withdraw` has it).
            var location = self.ledger.effectivePath
            if let pipeline {
                let context = try PipelineContext.load(pipeline, today: try today.resolve(), transcript: Output.transcript)
                location = LedgerOptions.location(self.ledger.path, context: context)
                question = .pipeline(context, channels: ChannelFactory(showsProgress: isatty(STDERR_FILENO) == 1), handChecked: portalUnreachable)
            } else if let endpoint {
                var settings = TransportSettings()
                settings.retry = RetryPolicy(maxAttempts: 3, baseDelay: 0.5, maxDelay: 5, totalBudget: 60)
                let channel = ChannelFactory.api(endpoint: endpoint, credentials: try Credentials.load(file: credentials), settings: settings)
                question = .ask(channel: { _ in channel }, handChecked: portalUnreachable)
            }
            let opened = try LedgerOptions.openForWriting(path: location, command: "ledger fail", scope: .transaction)
            if pipeline == nil && endpoint == nil {
                question = .project(
                    pipelines: Confirmation.pipelinesFolder(given: pipelines, ledgerPath: location), ledger: opened.store, today: try today.resolve(),
                    channels: ChannelFactory(showsProgress: isatty(STDERR_FILENO) == 1), handChecked: portalUnreachable,
                    transcript: Output.transcript)
            }
            Output.answer(try Confirmation.fail(batch, reason: reason, in: opened.store, portal: question))
        }
    }
}
