import ArgumentParser
import Foundation
import PortalAPI
import PortalClients
import SQLiteLedger
import WorkingDayCalendar

extension Gongshi {
    /// `gongshi withdraw KEY --portal P --reason TEXT --endpoint URL`: takes a published record
    /// down from a portal through its API, and records the withdrawal in the ledger.
    ///
    /// The withdrawal id is derived from portal, batch, position and reason, so repeating the
    /// command after a crash asks the portal for the same withdrawal (it answers with its first
    /// receipt) and records it once.
    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "撤下门户上已公示的记录（信用修复、公示期满、决定撤销），并记入公示台账。",
            discussion: "KEY 为记录键或决定书文号。退出码：0 已撤下（或早已撤下）；1 台账中没有该门户上已公示的这条记录；69 门户不可用；78 凭据有误。")

        @Argument(help: ArgumentHelp("记录键或决定书文号。", valueName: "KEY"))
        var key: String

        @Option(name: .customLong("portal"), help: ArgumentHelp("门户 id。", valueName: "ID"))
        var portal: String

        @Option(name: .customLong("reason"), help: ArgumentHelp("撤下原因，如“信用修复”。", valueName: "TEXT"))
        var reason: String

        @Option(name: .customLong("basis"), help: ArgumentHelp("依据（如信用修复决定书文号）。", valueName: "TEXT"))
        var basis: String?

        @Option(name: .customLong("endpoint"), help: ArgumentHelp("门户接口地址。", valueName: "URL"))
        var endpoint: String

        @Option(name: .customLong("credentials"), help: ArgumentHelp("接口凭据文件（权限 0600）；默认取环境变量。", valueName: "FILE"))
        var credentials: String?

        @Option(name: .customLong("ca-file"), help: ArgumentHelp("信任这些 CA 证书（PEM）。", valueName: "FILE"))
        var caFile: String?

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var today: TodayOptions

        func run() throws {
            let today = try self.today.resolve()
            let credentials = try Credentials.load(file: self.credentials)
            let (_, ledger) = try self.ledger.openForWriting(command: "withdraw --portal \(portal)")
            let entries = try CommandFailure.ledger { () throws(LedgerError) in try ledger.history(key: key) }
                .filter { $0.portal == portal && ($0.status == .published || $0.status == .withdrawn) }
            guard !entries.isEmpty else {
                Output.answer("台账中没有“\(key)”在 \(portal) 上已公示的记录")
                throw ExitCode(ExitStatus.no)
            }
            let live = entries.filter { $0.status == .published }
            guard !live.isEmpty else {
                Output.answer("“\(key)”在 \(portal) 上已撤下，无需再撤")
                return
            }
            var settings = TransportSettings()
            settings.caFile = caFile
            let client = PortalAPIClient(
                transport: CurlTransport(settings: settings),
                endpoint: PortalEndpoint(baseURL: endpoint, appKey: credentials.appKey, secret: credentials.secret))
            let items = live.map { WithdrawalRequest.Item(batchID: $0.batchID, index: $0.position, reason: reason) }
            let id = String(
                Digest.sha256Hex(Array((["withdraw", portal, reason] + items.map { "\($0.batchID)#\($0.index)" }).joined(separator: "\n").utf8))
                    .prefix(16))
            do {
                _ = try client.withdraw(id: id, request: WithdrawalRequest(items: items))
            } catch {
                let failure = APIChannel.failure(error)
                throw CommandFailure(
                    status: failure.configuration ? ExitStatus.configuration : ExitStatus.unavailable,
                    code: failure.configuration ? "portal-auth" : "portal-unavailable", message: failure.message)
            }
            FaultInjection.reached("upload-done")
            for entry in live {
                try CommandFailure.ledger { () throws(LedgerError) in
                    _ = try ledger.recordWithdrawal(batch: entry.batchID, position: entry.position, reason: reason, basis: basis, on: today.description)
                }
                Output.answer("已撤下：\(entry.portal)/\(entry.feed) \(entry.key)（批次 \(entry.batchID) 第 \(entry.position) 条）：\(reason)；撤下编号 \(id)")
            }
        }
    }
}
