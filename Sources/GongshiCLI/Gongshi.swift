public import ArgumentParser
import Foundation
import DisclosureCore
import PipelineRunner

/// The `gongshi` command: 双公示 disclosure feeds for penalty and permit decisions.
///
/// The composition root: it reads the clock (once, only when `--today` is absent), opens files,
/// wires the edges into the core and maps outcomes to exit codes (``ExitStatus``). Each
/// subcommand lives in its own file as an extension (`Gongshi+Calendar.swift`, …).
public struct Gongshi: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gongshi",
        abstract: "双公示：把行政处罚、行政许可决定生成信用公示数据，按时、准确、只发布一次。",
        discussion: """
            退出码：0 成功；1 否定回答（calendar is-workday 遇到休息日）；64 用法错误；\
            65 数据错误；66 所需输入不存在（如未写过的台账）；69 门户不可用；73 无法写出文件或打开台账（如报告、台账数据库连不上）；74 写入失败（台账、标准输出；磁盘满等）；75 临时失败（待下次运行，或台账被占用）；78 配置错误（如节假日日历有误或覆盖不到）。
            """,
        version: "0.1.0",
        subcommands: [Run.self, Validate.self, Lint.self, Feed.self, Upload.self, Withdraw.self, Report.self, LedgerCommand.self, Check.self, Sandbox.self, Frontdb.self, Calendar.self, Console.self]
    )

    public init() {}

    /// Runs the command line; errors end in one line on standard error and a documented exit code,
    /// never a stack trace.
    public static func main() async {
        do {
            var command = try parseAsRoot()
            // A group named without one of its commands (`gongshi ledger`) did nothing: a usage
            // error (64) with the group's help on standard error, not help on standard output
            // and 0, which a scheduler would take for a run done.
            if let group = Self.groupWithoutCommand(command) {
                FileHandle.standardError.write(Data((helpMessage(for: group.type) + "\n").utf8))
                Output.error("错误 [usage] 缺少子命令：\(group.names.joined(separator: "、")) 之一（用法见 --help）")
                Foundation.exit(ExitStatus.usage)
            }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exitTellingLostAnswer(ExitStatus.ok)
        } catch let failure as CommandFailure {
            if !failure.isReported { Output.error(failure.line) }
            exitTellingLostAnswer(failure.status)
        } catch let exit as ExitCode {
            exitTellingLostAnswer(exit.rawValue)
        } catch {
            let status = exitCode(for: error).rawValue
            guard status != 0 else { self.exit(withError: error) }  // --help, --version
            let message = Self.explained(self.message(for: error).split(whereSeparator: \.isNewline).map(String.init).joined(separator: "；"))
            Output.error("错误 [usage] \(message)（用法见 --help）")
            Foundation.exit(status == ExitCode.validationFailure.rawValue ? ExitStatus.usage : status)
        }
    }

    /// The command group parsed when no command of it was named (`gongshi ledger`), and its
    /// commands' names; nil for a command that runs.
    static func groupWithoutCommand(_ command: any ParsableCommand) -> (type: any ParsableCommand.Type, names: [String])? {
        let type = Swift.type(of: command)
        let subcommands = type.configuration.subcommands
        guard !subcommands.isEmpty else { return nil }
        var names: [String] = []
        for subcommand in subcommands {
            names.append(subcommand.configuration.commandName ?? "\(subcommand)".lowercased())
        }
        return (type, names)
    }

    /// Exits with `status`; when part of the answer could not be written to standard output (a full
    /// disk), says so on standard error first, and a command that would have succeeded ends with
    /// EX_IOERR instead (its ledger, outbox and report files were written, or said why not).
    static func exitTellingLostAnswer(_ status: Int32) -> Never {
        guard let reason = AnswerLoss.reason else { Foundation.exit(status) }
        Output.error("错误 [stdout-unwritable] 标准输出无法写入（\(reason)）：部分输出丢失；台账、发件箱和报告文件不受此影响")
        Foundation.exit(status == ExitStatus.ok ? ExitStatus.ioError : status)
    }

    /// argument-parser's English, explained in Chinese with the original kept after it; gongshi's
    /// own messages (Chinese already) as they are.
    static func explained(_ message: String) -> String {
        guard message.unicodeScalars.allSatisfy({ $0.isASCII }) else { return message }
        let patterns: [(String, String)] = [
            ("Missing expected argument ", "缺少参数"), ("Unexpected argument ", "无法识别的参数"), ("Unknown option ", "未知选项"),
            ("Missing value for ", "选项缺少值"), ("The value ", "参数的值无效"), ("Error: ", "命令行有误"),
        ]
        let what = patterns.first { message.hasPrefix($0.0) }?.1 ?? "命令行有误"
        return "\(what)（原文：\(message)）"
    }
}
