import Crypto
public import Foundation

/// gongshi's portal upload API, version 1, as Swift values: paths, headers, the request
/// signature and the JSON bodies. The client (`PortalClients`) and the sandbox (`PortalSandbox`)
/// both use these, so they agree byte for byte. The reference is `schemas/portal-api/v1.openapi.yaml`.
public enum PortalAPI {
    public static let tokenPath = "/v1/token"
    public static func batchPath(_ id: String) -> String { "/v1/batches/\(id)" }
    public static func withdrawalPath(_ id: String) -> String { "/v1/withdrawals/\(id)" }

    /// Header names.
    public enum Header {
        public static let appKey = "X-App-Key"
        public static let timestamp = "X-Timestamp"
        public static let nonce = "X-Nonce"
        public static let signature = "X-Signature"
        public static let feed = "X-Feed"
        public static let operation = "X-Operation"
    }

    /// How far a request's timestamp may be from the server's clock, in seconds.
    public static let clockSkew: Int64 = 300

    /// The signed string: method, path, timestamp, nonce and the body's SHA-256, one per line.
    public static func canonicalRequest(method: String, path: String, timestamp: Int64, nonce: String, body: [UInt8]) -> String {
        [method.uppercased(), path, String(timestamp), nonce, hex(SHA256.hash(data: body))].joined(separator: "\n")
    }

    /// HMAC-SHA256 of the canonical request under the app secret, lowercase hex.
    public static func signature(secret: String, canonical: String) -> String {
        let key = SymmetricKey(data: Array(secret.utf8))
        return hex(HMAC<SHA256>.authenticationCode(for: Array(canonical.utf8), using: key))
    }

    /// The signing headers of one request.
    public static func signingHeaders(
        appKey: String, secret: String, method: String, path: String, body: [UInt8], timestamp: Int64, nonce: String
    ) -> [String] {
        let canonical = canonicalRequest(method: method, path: path, timestamp: timestamp, nonce: nonce, body: body)
        return [
            "\(Header.appKey): \(appKey)", "\(Header.timestamp): \(timestamp)", "\(Header.nonce): \(nonce)",
            "\(Header.signature): \(signature(secret: secret, canonical: canonical))",
        ]
    }

    /// Constant-time comparison of two signatures.
    public static func signaturesMatch(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// `POST /v1/token` → a bearer token for later requests.
public struct TokenResponse: Codable, Sendable, Equatable {
    public let token: String
    public let expiresIn: Int

    public init(token: String, expiresIn: Int) {
        self.token = token
        self.expiresIn = expiresIn
    }

    enum CodingKeys: String, CodingKey {
        case token
        case expiresIn = "expires_in"
    }
}

/// The portal's answer to a batch: stored once, returned the same for every later request of
/// the same batch id.
public struct BatchReceipt: Codable, Sendable, Equatable {
    public let batchID: String
    public let payloadSHA256: String
    public let receivedAt: String
    public let records: [RecordReceipt]

    public init(batchID: String, payloadSHA256: String, receivedAt: String, records: [RecordReceipt]) {
        self.batchID = batchID
        self.payloadSHA256 = payloadSHA256
        self.receivedAt = receivedAt
        self.records = records
    }

    enum CodingKeys: String, CodingKey {
        case batchID = "batch_id"
        case payloadSHA256 = "payload_sha256"
        case receivedAt = "received_at"
        case records
    }
}

extension BatchReceipt {
    /// What makes this receipt not the answer to the batch sent (its id, its payload's hash, and
    /// one entry for each of its `records` positions, each once), said in Chinese; `nil` when it
    /// is. A record the receipt leaves out was not confirmed: taking the batch as published would
    /// lose it without a word.
    public func mismatch(batchID expected: String, payloadSHA256 sent: String, records count: Int) -> String? {
        if batchID != expected { return "回执的批次号 \(batchID.prefix(32)) 不是 \(expected)" }
        if payloadSHA256.lowercased() != sent.lowercased() { return "回执的内容摘要与发送的文件不符" }
        var seen = Set<Int>()
        for record in records {
            guard (1...max(count, 1)).contains(record.index), count > 0 else { return "回执含第 \(record.index) 条，批次只有 \(count) 条" }
            guard seen.insert(record.index).inserted else { return "回执对第 \(record.index) 条答复了两次" }
        }
        if seen.count < count {
            let missing = (1...count).filter { !seen.contains($0) }
            let shown = missing.prefix(5).map(String.init).joined(separator: "、") + (missing.count > 5 ? " 等" : "")
            return "回执缺 \(missing.count) 条记录的答复（第 \(shown) 条）"
        }
        return nil
    }
}

/// One record of a batch: its 1-based position in the payload, accepted or rejected with a reason.
public struct RecordReceipt: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case accepted, rejected }
    public let index: Int
    public let status: Status
    public let reason: String?

    public init(index: Int, status: Status, reason: String?) {
        self.index = index
        self.status = status
        self.reason = reason
    }
}

/// `PUT /v1/withdrawals/{id}`: take published records down. Idempotent by id.
public struct WithdrawalRequest: Codable, Sendable, Equatable {
    public struct Item: Codable, Sendable, Equatable {
        public let batchID: String
        public let index: Int
        public let reason: String

        public init(batchID: String, index: Int, reason: String) {
            self.batchID = batchID
            self.index = index
            self.reason = reason
        }

        enum CodingKeys: String, CodingKey {
            case batchID = "batch_id"
            case index, reason
        }
    }

    public let items: [Item]

    public init(items: [Item]) { self.items = items }
}

public struct WithdrawalReceipt: Codable, Sendable, Equatable {
    public let withdrawalID: String
    public let withdrawn: Int
    public let receivedAt: String

    public init(withdrawalID: String, withdrawn: Int, receivedAt: String) {
        self.withdrawalID = withdrawalID
        self.withdrawn = withdrawn
        self.receivedAt = receivedAt
    }

    enum CodingKeys: String, CodingKey {
        case withdrawalID = "withdrawal_id"
        case withdrawn
        case receivedAt = "received_at"
    }
}

/// Every error body: a stable code and a message.
public struct APIErrorBody: Codable, Sendable, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

extension JSONEncoder {
    /// Sorted keys, so the same value is always the same bytes.
    public static var portalAPI: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// SHA-256 of bytes, for the sandbox's payload digests.
public enum SHA256Digest {
    public static func of(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
}
