import ArgumentParser
import DisclosureCore
import Foundation
import PipelineRunner
import PortalClients
import SQLiteLedger

extension Gongshi {
    /// `gongshi upload --portal P --endpoint URL | --sftp URL …`: sends a portal's pending batches
    /// from the outbox over the network, exactly once.
    ///
    /// For every pending batch, oldest first: the portal is first asked whether it already has
    /// the batch (a run interrupted after sending); if so its receipt is recorded, otherwise the
    /// same bytes go out under the same batch id. On SFTP there is no receipt: a file of the right
    /// size under the final name means delivered.
    struct Upload: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "把门户的待上传批次通过接口（HTTPS）或 SFTP 发出，并把回执记入公示台账。",
            discussion: """
                先用 gongshi feed --ledger 生成批次。接口方式的批次须为 JSON Lines 格式。\
                退出码：0 全部接收；65 有记录被拒收或批次被拒；69 门户不可用（批次仍待上传，下次运行先核对）；75 台账被占用；78 凭据或配置有误。
                """)

        @Option(name: .customLong("portal"), help: ArgumentHelp("门户 id（台账中的批次按它选取）。", valueName: "ID"))
        var portal: String

        @Option(name: .customLong("endpoint"), help: ArgumentHelp("门户接口地址，如 https://portal.example/api。", valueName: "URL"))
        var endpoint: String?

        @Option(name: .customLong("sftp"), help: ArgumentHelp("SFTP 目录，如 sftp://host:22/incoming/。", valueName: "URL"))
        var sftp: String?

        @Option(name: .customLong("credentials"), help: ArgumentHelp("接口凭据文件（app_key=、secret=，权限 0600）；默认取环境变量。", valueName: "FILE"))
        var credentials: String?

        @Option(name: .customLong("sftp-user"), help: ArgumentHelp("SFTP 用户名。", valueName: "USER"))
        var sftpUser: String?

        @Option(name: .customLong("sftp-key"), help: ArgumentHelp("SFTP 私钥文件（只用密钥登录）。", valueName: "FILE"))
        var sftpKey: String?

        @Option(name: .customLong("known-hosts"), help: ArgumentHelp("SFTP 服务器的 known_hosts 文件（核对主机密钥）。", valueName: "FILE"))
        var knownHosts: String?

        @Option(name: .customLong("ca-file"), help: ArgumentHelp("信任这些 CA 证书（PEM），而不是系统的。", valueName: "FILE"))
        var caFile: String?

        @Flag(name: .customLong("insecure-sandbox"), help: "关闭 TLS 证书验证：只允许本机（127.0.0.1、localhost）上的沙箱。")
        var insecure = false

        @Option(name: .customLong("connect-timeout"), help: ArgumentHelp("连接超时（秒）。", valueName: "S"))
        var connectTimeout: Double = 10

        @Option(name: .customLong("timeout"), help: ArgumentHelp("单次请求的总超时（秒）。", valueName: "S"))
        var timeout: Double = 120

        @Option(name: .customLong("attempts"), help: ArgumentHelp("每个请求最多尝试次数（5xx、超时、断线时重试；4xx 不重试）。", valueName: "N"))
        var attempts: Int = 5

        @Option(name: .customLong("retry-delay"), help: ArgumentHelp("第一次重试前的等待（秒），之后逐次加倍并加随机抖动。", valueName: "S"))
        var retryDelay: Double = 1

        @Option(name: .customLong("retry-budget"), help: ArgumentHelp("一个请求连同重试最多用时（秒）。", valueName: "S"))
        var retryBudget: Double = 300

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var today: TodayOptions

        func validate() throws {
            guard (endpoint == nil) != (sftp == nil) else { throw ValidationError("需要 --endpoint 或 --sftp 二者之一") }
            if sftp != nil, sftpUser == nil || sftpKey == nil || knownHosts == nil {
                throw ValidationError("--sftp 需要 --sftp-user、--sftp-key 和 --known-hosts")
            }
            guard attempts >= 1, timeout > 0, connectTimeout > 0, retryDelay >= 0 else {
                throw ValidationError("--attempts 至少为 1，超时应大于 0")
            }
            if insecure {
                let host = URLComponents(string: endpoint ?? "")?.host ?? ""
                guard ["127.0.0.1", "localhost", "::1"].contains(host) else {
                    throw ValidationError("--insecure-sandbox 只能用于本机沙箱（127.0.0.1、localhost），不能用于 \(host)")
                }
            }
        }

        func run() throws {
            let today = try self.today.resolve()
            var settings = TransportSettings()
            settings.connectTimeout = connectTimeout
            settings.requestTimeout = timeout
            settings.caFile = caFile
            settings.verifyTLS = !insecure
            settings.retry = RetryPolicy(maxAttempts: attempts, baseDelay: retryDelay, maxDelay: 60, totalBudget: retryBudget)
            settings.showsProgress = isatty(STDERR_FILENO) == 1
            if insecure { Output.warning("警告 [tls-verification-off] 已关闭 TLS 证书验证：只可用于本机沙箱，切勿用于真实门户") }
            let channel: any PortalChannel
            if let endpoint {
                channel = ChannelFactory.api(endpoint: endpoint, credentials: try Credentials.load(file: credentials), settings: settings)
            } else {
                channel = try ChannelFactory.sftp(
                    directory: sftp ?? "", user: sftpUser ?? "", privateKey: sftpKey ?? "", knownHosts: knownHosts ?? "", settings: settings)
            }
            let opened = try self.ledger.openForWriting(command: "upload --portal \(portal)")
            let ledger = opened.store
            let status = try Uploader(ledger: ledger, channel: channel, today: today, transcript: Output.transcript).uploadPending(portal: portal)
            if status != ExitStatus.ok { throw ExitCode(status) }
        }
    }
}
