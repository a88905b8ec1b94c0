public import DisclosureCore
import Foundation
import PortalAPI

// The portal channels (ports owned by DisclosureCore): the signed API and the SFTP drop. The
// outbox has no channel: a clerk uploads its files and confirms them.

/// The portal API channel.
public struct APIChannel: PortalChannel {
    let client: PortalAPIClient

    public init(client: PortalAPIClient) { self.client = client }

    public func status(of batch: BatchInfo, payload: [UInt8]?) throws(UploadFailure) -> ChannelOutcome? {
        // A withdrawal has no status query: asking again under the same id is safe (the portal
        // answers with its first receipt).
        guard batch.operation != .withdraw else { return nil }
        do {
            guard let receipt = try client.status(batch: batch.id) else { return nil }
            return try Self.outcome(receipt, of: batch)
        } catch let error as UploadFailure {
            throw error
        } catch let error as PortalAPIFailure {
            throw Self.failure(error, of: batch)
        } catch {
            throw UploadFailure(message: "\(error)")
        }
    }

    public func send(_ batch: BatchInfo, payload: [UInt8]) throws(UploadFailure) -> ChannelOutcome {
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
                throw Self.failure(error, of: batch)
            }
        }
        let receipt: BatchReceipt
        do {
            receipt = try client.upload(batch: batch.id, feed: batch.feed, operation: batch.operation.rawValue, payload: payload)
        } catch .refused(let status, let code, let message) where status != 401 && status != 403 {
            return .refused("门户拒收整个批次（HTTP \(status) \(code)）：\(message)")
        } catch {
            throw Self.failure(error, of: batch)
        }
        return try Self.outcome(receipt, of: batch)
    }

    /// The receipt's answer, once it is known to answer this batch: one that does not (another
    /// batch's id, another file's hash, a record left out, answered twice or out of range) leaves
    /// the batch pending, and the next run asks the portal again: no record is taken as published
    /// that the portal did not confirm.
    static func outcome(_ receipt: BatchReceipt, of batch: BatchInfo) throws(UploadFailure) -> ChannelOutcome {
        if let mismatch = receipt.mismatch(batchID: batch.id, payloadSHA256: batch.payloadSHA256, records: batch.records) {
            throw UploadFailure(
                message: "门户的回执与批次 \(batch.id) 不符：\(mismatch)；批次保持待确认，下次运行再向门户查询（请联系门户核实）", code: "receipt-mismatch",
                answered: true)
        }
        return outcome(receipt)
    }

    static func outcome(_ receipt: BatchReceipt) -> ChannelOutcome {
        var rejected: [Int: String] = [:]
        for record in receipt.records where record.status == .rejected { rejected[record.index] = record.reason ?? "门户拒收" }
        let text = (try? JSONEncoder.portalAPI.encode(receipt)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return .received(rejected: rejected, receipt: text)
    }

    /// How much of an answer that is not a receipt a message shows (screened, its length stated).
    static let undecodableShown = 200

    static func failure(_ error: PortalAPIFailure, of batch: BatchInfo) -> UploadFailure {
        switch error {
        case .undecodable(let status, let body):
            // The portal is up and may well have taken the batch: like a receipt that does not match,
            // the batch is set aside, pending, and the next run asks the portal before anything is
            // sent again. Its words may quote a record: only their start is shown, screened.
            let text = String(decoding: body, as: UTF8.self)
            let shown = body.isEmpty ? "正文为空" : "正文 \(body.count) 字节，开头：\(OneLine.screened(text, limit: undecodableShown))"
            return UploadFailure(
                message: "门户 \(batch.portal) 对批次 \(batch.id) 的回答无法识别为回执（HTTP \(status)，\(shown)）；门户可能已收到此批次："
                    + "不重新上传，批次保持待确认，下次运行先向门户查询", code: "receipt-undecodable", answered: true)
        case .unavailable(let message, let ambiguous):
            return UploadFailure(message: message + (ambiguous ? "（门户可能已收到，下次运行先查询批次状态）" : ""))
        case .refused(let status, let code, let message):
            return UploadFailure(message: "门户拒绝请求（HTTP \(status) \(code)）：\(message)；请检查凭据（密钥不会显示）", configuration: status == 401 || status == 403)
        }
    }
}

/// The SFTP drop channel: no receipt; a file of the right size under the final name is delivered.
public struct SFTPChannel: PortalChannel {
    let transport: CurlTransport
    let directory: String
    let login: CurlTransport.SFTPLogin

    public init(transport: CurlTransport, directory: String, login: CurlTransport.SFTPLogin) {
        self.transport = transport
        self.directory = directory
        self.login = login
    }

    public func status(of batch: BatchInfo, payload: [UInt8]?) throws(UploadFailure) -> ChannelOutcome? {
        do {
            guard let size = try transport.sftpSize(directoryURL: directory, name: batch.fileName, login: login) else { return nil }
            // Without the bytes (the staged file is lost), the file being there is the answer.
            if let payload, size != Int64(payload.count) {
                return .refused("SFTP 目录中已有同名文件 \(batch.fileName)，但大小不同（\(size) 字节，应为 \(payload.count)）")
            }
            return .received(rejected: [:], receipt: "SFTP：\(directory)\(batch.fileName)（\(size) 字节）已在")
        } catch {
            throw UploadFailure(message: Self.describe(error))
        }
    }

    public func send(_ batch: BatchInfo, payload: [UInt8]) throws(UploadFailure) -> ChannelOutcome {
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

