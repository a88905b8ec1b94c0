import Foundation
import PortalAPI
import PortalClients
import SQLiteLedger
import WorkingDayCalendar

/// What a channel answers about one batch.
enum ChannelOutcome {
    /// The portal has the batch: per-record rejections (by 1-based position) and the receipt text.
    case received(rejected: [Int: String], receipt: String)
    /// The portal refused the batch as a whole (4xx): it will not take these bytes.
    case refused(String)
}

/// A way to a portal: ask whether it has a batch, and send one.
protocol UploadChannel {
    /// The portal's outcome for a batch it already has, or `nil`.
    func status(of batch: BatchInfo, payload: [UInt8]) throws(UploadFailure) -> ChannelOutcome?
    func send(_ batch: BatchInfo, payload: [UInt8]) throws(UploadFailure) -> ChannelOutcome
}

/// The portal cannot be used now; the batch stays pending.
struct UploadFailure: Error {
    let message: String
    /// A configuration problem (credentials refused) rather than the network.
    var configuration = false
}

/// The portal API channel.
struct APIChannel: UploadChannel {
    let client: PortalAPIClient

    func status(of batch: BatchInfo, payload: [UInt8]) throws(UploadFailure) -> ChannelOutcome? {
        // A withdrawal has no status query: asking again under the same id is safe (the portal
        // answers with its first receipt).
        guard batch.operation != .withdraw else { return nil }
        do {
            return try client.status(batch: batch.id).map(Self.outcome)
        } catch {
            throw Self.failure(error)
        }
    }

    func send(_ batch: BatchInfo, payload: [UInt8]) throws(UploadFailure) -> ChannelOutcome {
        if batch.operation == .withdraw {
            guard let request = try? JSONDecoder().decode(WithdrawalRequest.self, from: Data(payload)) else {
                return .refused("撤下请求文件无法读取：\(batch.outboxPath)")
            }
            do {
                let receipt = try client.withdraw(id: batch.id, request: request)
                let text = (try? JSONEncoder.portalAPI.encode(receipt)).map { String(decoding: $0, as: UTF8.self) } ?? ""
                return .received(rejected: [:], receipt: text)
            } catch .refused(let status, let code, let message) where status != 401 && status != 403 {
                return .refused("门户拒绝撤下（HTTP \(status) \(code)）：\(message)")
            } catch {
                throw Self.failure(error)
            }
        }
        do {
            return Self.outcome(try client.upload(batch: batch.id, feed: batch.feed, operation: batch.operation.rawValue, payload: payload))
        } catch .refused(let status, let code, let message) where status != 401 && status != 403 {
            return .refused("门户拒收整个批次（HTTP \(status) \(code)）：\(message)")
        } catch {
            throw Self.failure(error)
        }
    }

    static func outcome(_ receipt: BatchReceipt) -> ChannelOutcome {
        var rejected: [Int: String] = [:]
        for record in receipt.records where record.status == .rejected { rejected[record.index] = record.reason ?? "门户拒收" }
        let text = (try? JSONEncoder.portalAPI.encode(receipt)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return .received(rejected: rejected, receipt: text)
    }

    static func failure(_ error: PortalAPIFailure) -> UploadFailure {
        switch error {
        case .unavailable(let message, let ambiguous):
            UploadFailure(message: message + (ambiguous ? "（门户可能已收到，下次运行先查询批次状态）" : ""))
        case .refused(let status, let code, let message):
            UploadFailure(message: "门户拒绝请求（HTTP \(status) \(code)）：\(message)；请检查凭据（密钥不会显示）", configuration: status == 401 || status == 403)
        }
    }
}

/// The SFTP drop channel: no receipt; a file of the right size under the final name is delivered.
struct SFTPChannel: UploadChannel {
    let transport: CurlTransport
    let directory: String
    let login: CurlTransport.SFTPLogin

    func status(of batch: BatchInfo, payload: [UInt8]) throws(UploadFailure) -> ChannelOutcome? {
        do {
            guard let size = try transport.sftpSize(directoryURL: directory, name: batch.fileName, login: login) else { return nil }
            guard size == Int64(payload.count) else {
                return .refused("SFTP 目录中已有同名文件 \(batch.fileName)，但大小不同（\(size) 字节，应为 \(payload.count)）")
            }
            return .received(rejected: [:], receipt: "SFTP：\(directory)\(batch.fileName)（\(size) 字节）已在")
        } catch {
            throw UploadFailure(message: Self.describe(error))
        }
    }

    func send(_ batch: BatchInfo, payload: [UInt8]) throws(UploadFailure) -> ChannelOutcome {
        do {
            try transport.sftpUpload(payload, directoryURL: directory, name: batch.fileName, login: login)
            return .received(rejected: [:], receipt: "SFTP：已上传 \(directory)\(batch.fileName)（\(payload.count) 字节）")
        } catch {
            throw UploadFailure(message: Self.describe(error))
        }
    }

    static func describe(_ failure: TransportFailure) -> String {
        switch failure {
        case .connection(let m): "无法连接 SFTP 服务器：\(m)"
        case .timeout(let m): "SFTP 超时：\(m)"
        case .interrupted(let m): "SFTP 连接中断：\(m)"
        case .refusedByPeer(let m): "SFTP 服务器拒绝（登录、主机密钥或权限）：\(m)"
        case .tls(let m), .local(let m): m
        case .server(let status, _): "SFTP 返回 \(status)"
        }
    }
}

/// Sends a portal's pending batches through a channel and records the outcomes in the ledger.
struct Uploader {
    let ledger: Ledger
    let channel: any UploadChannel
    let today: CalendarDate

    /// Returns the exit status: 0, 65 (rejections), 69 (portal unavailable) or 78 (credentials).
    func uploadPending(portal: String) throws -> Int32 {
        let pending = try CommandFailure.ledger { () throws(LedgerError) in try ledger.batches(portal: portal, status: .pending) }
        var status = ExitStatus.ok
        var sent = 0
        for batch in pending {
            guard let payload = FileManager.default.contents(atPath: batch.outboxPath).map({ [UInt8]($0) }),
                Digest.sha256Hex(payload) == batch.payloadSHA256
            else {
                _ = try CommandFailure.ledger { () throws(LedgerError) in
                    try ledger.fail(batch: batch.id, reason: "待上传文件丢失或被改动：\(batch.outboxPath)")
                }
                Output.answer("警告 [outbox-file-lost] 批次 \(batch.id) 的文件 \(batch.outboxPath) 不见了或被改动：批次标为失败，下次 feed 运行重新生成")
                continue
            }
            let outcome: ChannelOutcome
            let known: Bool
            do throws(UploadFailure) {
                let found = try channel.status(of: batch, payload: payload)
                known = found != nil
                if let found {
                    outcome = found
                } else {
                    outcome = try channel.send(batch, payload: payload)
                    FaultInjection.reached("upload-done")
                }
            } catch {
                Output.error("错误 [\(error.configuration ? "portal-auth" : "portal-unavailable")] 批次 \(batch.id)：\(error.message)")
                Output.answer("未上传：\(pending.count - sent) 个批次仍待上传；下次运行先核对门户是否已收到")
                return error.configuration ? ExitStatus.configuration : ExitStatus.unavailable
            }
            status = max(status, try record(outcome, batch: batch, alreadyThere: known))
            sent += 1
        }
        Output.answer("门户 \(portal)：处理待上传批次 \(pending.count) 个")
        return status
    }

    private func record(_ outcome: ChannelOutcome, batch: BatchInfo, alreadyThere: Bool) throws -> Int32 {
        switch outcome {
        case .refused(let reason):
            _ = try CommandFailure.ledger { () throws(LedgerError) in try ledger.fail(batch: batch.id, reason: reason) }
            Output.answer("错误 [batch-refused] 批次 \(batch.id)：\(reason)；批次标为失败")
            return ExitStatus.dataError
        case .received(let rejected, let text):
            let receipt = Receipt(text: text, sha256: Digest.sha256Hex(Array(text.utf8)))
            let result = try CommandFailure.ledger { () throws(LedgerError) in
                try ledger.applyReceipt(batch: batch.id, rejected: rejected, receipt: receipt, on: today.description)
            }
            FaultInjection.reached("receipt-recorded")
            let how = alreadyThere ? "门户已有此批次（上次运行中断后核对）" : "已上传"
            if batch.operation == .withdraw {
                Output.answer("门户已撤下：撤下批次 \(batch.id)（\(batch.records) 条）")
                return ExitStatus.ok
            }
            Output.answer("\(how)：批次 \(batch.id)（\(batch.records) 条）接收 \(batch.records - rejected.count) 条，拒收 \(rejected.count) 条")
            if case .alreadyConfirmed = result { return ExitStatus.ok }
            guard !rejected.isEmpty else { return ExitStatus.ok }
            let entries = try CommandFailure.ledger { () throws(LedgerError) in try ledger.publications(batch: batch.id) }
            for entry in entries where rejected[entry.position] != nil {
                Output.answer("批次 \(batch.id) 第 \(entry.position) 条 \(entry.key)：被门户拒收：\(rejected[entry.position] ?? "") [portal-rejected]")
            }
            return ExitStatus.dataError
        }
    }
}
