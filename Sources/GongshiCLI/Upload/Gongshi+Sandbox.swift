import DisclosureCore
import PipelineRunner
import ArgumentParser
import Foundation
import PortalSandbox

extension Gongshi {
    /// `gongshi sandbox --port N [--data DIR] [--faults SPEC]`: the portal sandbox on 127.0.0.1.
    struct Sandbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "门户沙箱：在 127.0.0.1 上实现 gongshi 的门户上传接口，可按需注入故障，用于测试和预发布。",
            discussion: """
                第一行输出监听地址（--port 0 时由系统选端口）。凭据同 upload：--credentials 文件或环境变量。\
                故障（逗号分隔）：5xx:K 前 K 个请求返回 503；slow:K:S 前 K 个批次存下后 S 秒才回答；\
                reset:K 前 K 个批次存下后断开连接；expired-token:K；bad-signature:K；reject:文字 含该文字的记录被拒收；short-receipt:K 前 K 个批次的回执漏掉最后一条记录；garbled-receipt:K 前 K 个批次存下后答以无法识别的 HTML 页面。
                """)

        @Option(name: .customLong("port"), help: ArgumentHelp("监听端口（0：由系统选择）。", valueName: "N"))
        var port: UInt16

        @Option(name: .customLong("data"), help: ArgumentHelp("保存已接收批次的目录（重启后仍在）。", valueName: "DIR"))
        var data: String?

        @Option(name: .customLong("faults"), help: ArgumentHelp("要注入的故障。", valueName: "SPEC"))
        var faults: String = ""

        @Option(name: .customLong("credentials"), help: ArgumentHelp("凭据文件（app_key=、secret=，权限 0600）。", valueName: "FILE"))
        var credentials: String?

        func run() async throws {
            let plan: FaultPlan
            do {
                plan = try FaultPlan(parsing: faults)
            } catch {
                throw CommandFailure(status: ExitStatus.usage, code: "faults-bad", message: "--faults 中“\(error.item)”无法识别")
            }
            let credentials = try Credentials.load(file: self.credentials)
            let sandbox = try PortalSandbox(
                port: port, credentials: .init(appKey: credentials.appKey, secret: credentials.secret),
                data: data.map { URL(fileURLWithPath: $0) }, faults: plan)
            signal(SIGTERM, SIG_DFL)
            do {
                try await sandbox.run { port in
                    Output.answer("gongshi sandbox：监听 http://127.0.0.1:\(port)")
                }
            } catch {
                throw CommandFailure.serving(error, port: Int(port), what: "沙箱")
            }
        }
    }
}

extension CommandFailure {
    /// A server that could not listen (the sandbox, the console): Hummingbird's bind failure is
    /// English and not a usage error; say what it means, the original after it.
    static func serving(_ error: any Error, port: Int, what: String) -> CommandFailure {
        let original = String(String(describing: error).prefix(200))
        let inUse = original.contains("Address already in use") || original.contains("(98)")
        return CommandFailure(
            status: ExitStatus.unavailable, code: inUse ? "port-in-use" : "serve-failed",
            message: inUse
                ? "端口 \(port) 已被其他程序占用，\(what)无法监听：换一个端口，或用 --port 0 由系统选择（原始信息：\(original)）"
                : "\(what)无法启动（原始信息：\(original)）")
    }
}
