import ArgumentParser
import DisclosureCore
import Foundation
import PipelineRunner
import PortalClients
import SQLiteLedger
import WorkingDayCalendar

extension Gongshi.LedgerCommand {
    /// `gongshi ledger fail BATCH --reason TEXT [--pipeline FILE | --endpoint URL] [--portal-unreachable]`:
    /// the portal refused the file as a whole. A portal that can be asked (the pipeline's API, SFTP
    /// or 前置库; `--endpoint`) is asked first: one that holds the batch keeps it pending.
    struct Fail: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "门户拒收了整个批次：批次记为失败，其中的记录在下次运行时重新生成。",
            discussion: """
                给出 --pipeline（或 --endpoint）时先向门户核对：门户已有此批次则不记为失败（65 [batch-on-portal]，否则记录会重复公示）；\
                门户无法核对则不记为失败（69 [portal-unreachable]），除非人工核实门户没有此批次后加 --portal-unreachable。\
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

        @Flag(name: .customLong("portal-unreachable"), help: "门户无法核对时，办理人已人工核实门户没有此批次：仍记为失败。")
        var portalUnreachable = false

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var today: TodayOptions

        func validate() throws {
            if pipeline != nil && endpoint != nil { throw ValidationError("--pipeline 和 --endpoint 只能给出一个") }
            if credentials != nil && endpoint == nil { throw ValidationError("--credentials 只用于 --endpoint") }
            if portalUnreachable && pipeline == nil && endpoint == nil {
                throw ValidationError("--portal-unreachable 只用于向门户核对时（--pipeline 或 --endpoint）")
            }
        }

        func run() throws {
            let question: Confirmation.PortalQuestion
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
            } else {
                question = .cannotAsk
            }
            let opened = try LedgerOptions.openForWriting(path: location, command: "ledger fail", scope: .transaction)
            Output.answer(try Confirmation.fail(batch, reason: reason, in: opened.store, portal: question))
        }
    }
}
