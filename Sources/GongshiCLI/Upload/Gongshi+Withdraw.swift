import DisclosureCore
import PipelineRunner
import ArgumentParser
import Foundation
import PipelineConfig
import SQLiteLedger
import WorkingDayCalendar

extension Gongshi {
    /// `gongshi withdraw PIPELINE --record KEY --reason 信用修复|撤销|更正 [--note TEXT]`: stops
    /// publication of a record on every portal of the pipeline that published it, each through its
    /// transport (see ``Withdrawer``), and records the withdrawal in the ledger with its reason.
    ///
    /// Repeating the command after a crash or an unavailable portal asks for the same withdrawal
    /// (same batch id) and records it once; a record already withdrawn is left alone.
    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "撤下已公示的记录（信用修复、决定撤销、决定更正）：流水线的每个门户都撤下，并记入公示台账。",
            discussion: """
                接口门户即时撤下；待上传目录（outbox）和 SFTP 门户收到撤下文件（outbox 由科室上传后 gongshi ledger confirm 确认）。\
                公示期满的撤下由每晚的 gongshi run 自动完成。\
                退出码：0 已撤下、已提交、早已撤下，或撤销已记入台账（尚无门户确认的公示）；1 台账中没有这条已公示的记录（文号未登记、相对人名称不符，或尚未公示；未做任何记录）；65 信用修复不予撤下；69 门户不可用（撤下请求留待下次运行）；75 台账被占用；78 配置或凭据有误。
                """)

        @Argument(help: ArgumentHelp("流水线文件（pipelines/ID.yaml）。", valueName: "PIPELINE"))
        var pipeline: String

        @Option(name: .customLong("record"), help: ArgumentHelp("记录键（决定书文号|相对人名称）或决定书文号。", valueName: "KEY"))
        var record: String

        @Option(name: .customLong("reason"), help: ArgumentHelp("撤下原因：信用修复、撤销 或 更正。", valueName: "REASON"))
        var reason: String

        @Option(name: .customLong("note"), help: ArgumentHelp("说明（如信用修复决定书文号），写入台账和撤下文件。", valueName: "TEXT"))
        var note: String?

        @Option(name: .customLong("ledger"), help: ArgumentHelp("公示台账（默认取流水线的 ledger）。", valueName: "FILE"))
        var ledgerPath: String?

        @Option(
            name: .customLong("revoked-on"),
            help: ArgumentHelp("撤销决定的日期（只用于 --reason 撤销；默认今天）：此后规定的工作日内须从各门户撤下，逾期计入公示状态。", valueName: "YYYY-MM-DD"))
        var revokedOn: String?

        @Option(name: .customLong("repair-decision"), help: ArgumentHelp("信用修复决定的文号（随撤下记入台账）。", valueName: "文号"))
        var repairDecision: String?

        @Option(name: .customLong("repair-date"), help: ArgumentHelp("信用修复决定的日期。", valueName: "YYYY-MM-DD"))
        var repairDate: String?

        @Option(
            name: .customLong("force-reason"),
            help: ArgumentHelp("信用修复：未满最短公示期或按规定不可修复时，仍须撤下的法定理由（记入台账）。", valueName: "TEXT"))
        var forceReason: String?

        @OptionGroup var today: TodayOptions
        @OptionGroup var calendar: CalendarOptions

        func validate() throws {
            let allowed: [Withdrawer.Reason] = [.creditRepair, .revoked, .corrected]
            if revokedOn != nil && reason != Withdrawer.Reason.revoked.rawValue { throw ValidationError("--revoked-on 只用于 --reason 撤销") }
            if (repairDecision != nil || repairDate != nil || forceReason != nil) && reason != Withdrawer.Reason.creditRepair.rawValue {
                throw ValidationError("--repair-decision、--repair-date、--force-reason 只用于 --reason 信用修复")
            }
            guard allowed.map(\.rawValue).contains(reason) else {
                throw ValidationError("--reason 应为 信用修复、撤销 或 更正（公示期满由 gongshi run 自动撤下）")
            }
        }

        func run() throws {
            let today = try self.today.resolve()
            let context = try PipelineContext.load(pipeline, today: today, calendarDirectory: calendar.effectiveDirectory, transcript: Output.transcript)
            let opened = try LedgerOptions.openForWriting(
                path: LedgerOptions.location(ledgerPath, context: context), command: "withdraw \(OneLine.value(DecisionKey.shown(record)))", scope: .pipeline(context.pipeline.id))
            let ledger = opened.store
            defer { _ = opened }
            let outcome = try RecordWithdrawal(
                context: context, ledger: ledger, today: today, channels: ChannelFactory(showsProgress: isatty(STDERR_FILENO) == 1, progress: { Output.answer("  " + $0) }),
                transcript: Output.transcript
            ).execute(
                record: record, reason: Withdrawer.Reason(rawValue: reason) ?? .creditRepair, note: note,
                revokedOn: try revokedOn.map { try DateInput.parse($0, what: "--revoked-on", today: nil) },
                repair: RecordWithdrawal.Repair(
                    decision: repairDecision, decidedOn: try repairDate.map { try DateInput.parse($0, what: "--repair-date", today: nil) },
                    forcedBecause: forceReason))
            switch outcome {
            case .alreadyWithdrawn, .revocationRecorded: return
            case .notPublished: throw ExitCode(ExitStatus.no)
            case .refused: throw ExitCode(ExitStatus.dataError)
            case .sent(let status), .alreadyRequested(let status): if status != ExitStatus.ok { throw ExitCode(status) }
            }
        }
    }
}
