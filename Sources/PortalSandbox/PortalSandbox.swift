import FlyingFox
import FlyingSocks
public import Foundation
import PortalAPI

/// The portal sandbox: a real HTTP server on 127.0.0.1 that implements gongshi's portal API
/// (`schemas/portal-api/v1.openapi.yaml`) and misbehaves on demand (``FaultPlan``). For tests and
/// for staging; it keeps what it accepted in `--data DIR`, so people and tests can inspect it and a
/// restarted sandbox still knows every batch.
///
/// HTTP itself is FlyingFox's (a small, well-kept Swift server): parsing HTTP is not this
/// product's core.
public actor PortalSandbox {
    public struct Credentials: Sendable {
        public let appKey: String
        public let secret: String

        public init(appKey: String, secret: String) {
            self.appKey = appKey
            self.secret = secret
        }
    }

    private let server: HTTPServer
    private let credentials: Credentials
    private let data: URL?
    private var faults: FaultPlan
    private let clock: @Sendable () -> Int64
    private var batches: [String: StoredBatch] = [:]
    private var withdrawals: [String: WithdrawalReceipt] = [:]
    private var tokens: [String: Int64] = [:]
    private var nonces: Set<String> = []
    /// Requests by endpoint and outcome, for `GET /admin/stats`.
    private var stats: [String: Int] = [:]

    struct StoredBatch: Codable {
        let receipt: BatchReceipt
        let feed: String
        let operation: String
        var withdrawn: [Int]
    }

    public init(port: UInt16, credentials: Credentials, data: URL?, faults: FaultPlan) throws {
        try self.init(port: port, credentials: credentials, data: data, faults: faults, clock: { Int64(Date().timeIntervalSince1970) })
    }

    public init(port: UInt16, credentials: Credentials, data: URL?, faults: FaultPlan, clock: @escaping @Sendable () -> Int64) throws {
        // 127.0.0.1 itself: FlyingFox's `.loopback` is the IPv6 ::1.
        server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: port), timeout: 600, logger: .disabled)
        self.credentials = credentials
        self.data = data
        self.faults = faults
        self.clock = clock
        if let data { try Self.load(from: data, into: &batches, &withdrawals) }
    }

    /// Serves until cancelled; `onListening` gets the port (useful with port 0).
    public func run(onListening: @escaping @Sendable (UInt16) -> Void) async throws {
        await server.appendRoute("POST /v1/token") { [unowned self] request in await self.token(request) }
        await server.appendRoute("PUT /v1/batches/*") { [unowned self] request in await self.putBatch(request) }
        await server.appendRoute("GET /v1/batches/*") { [unowned self] request in await self.getBatch(request) }
        await server.appendRoute("PUT /v1/withdrawals/*") { [unowned self] request in await self.putWithdrawal(request) }
        await server.appendRoute("GET /admin/batches") { [unowned self] _ in await self.adminBatches() }
        await server.appendRoute("GET /admin/stats") { [unowned self] _ in await self.adminStats() }
        await server.appendRoute("GET /public/records") { [unowned self] _ in await self.publicRecords() }
        let server = self.server
        let listening = Task {
            try await server.waitUntilListening(timeout: 10)
            if case .ip4(_, let port) = await server.listeningAddress { onListening(port) }
        }
        try await server.run()
        listening.cancel()
    }

    // MARK: Endpoints

    func token(_ request: HTTPRequest) async -> HTTPResponse {
        let body = (try? await request.bodyData).map { [UInt8]($0) } ?? []
        if let failure = faultFirst(request) ?? verify(request, body: body, needsToken: false) { return failure }
        let token = "tok-" + UUID().uuidString.lowercased()
        tokens[token] = clock() + 600
        count("token 200")
        return json(200, TokenResponse(token: token, expiresIn: 600))
    }

    func putBatch(_ request: HTTPRequest) async -> HTTPResponse {
        let body = (try? await request.bodyData).map { [UInt8]($0) } ?? []
        if let failure = faultFirst(request) ?? verify(request, body: body, needsToken: true) { return failure }
        let id = String(request.path.split(separator: "/").last ?? "")
        guard id.count == 16, id.allSatisfy(\.isHexDigit) else { return error(400, "bad-batch-id", "批次号应为 16 位十六进制") }
        let digest = PortalAPI.hex(SHA256Digest.of(body))
        if let stored = batches[id] {
            guard stored.receipt.payloadSHA256 == digest else {
                return error(409, "batch-conflict", "批次 \(id) 已以不同内容接收")
            }
            count("batch 200 repeat")
            return json(200, stored.receipt)
        }
        guard let lines = Self.records(body) else { return error(400, "bad-payload", "正文应为 JSON Lines，每行一个对象") }
        let records = lines.enumerated().map { index, line in
            let rule = faults.rejectContaining.first { line.contains($0) }
            return RecordReceipt(
                index: index + 1, status: rule == nil ? .accepted : .rejected,
                reason: rule.map { "沙箱按配置拒收：记录含“\($0)”" })
        }
        let receipt = BatchReceipt(batchID: id, payloadSHA256: digest, receivedAt: timestamp(), records: records)
        let stored = StoredBatch(
            receipt: receipt, feed: request.headers[HTTPHeader(PortalAPI.Header.feed)] ?? "",
            operation: request.headers[HTTPHeader(PortalAPI.Header.operation)] ?? "publish", withdrawn: [])
        batches[id] = stored
        save(stored, payload: body)
        count("batch stored")
        if faults.resets > 0 {
            faults.resets -= 1
            count("batch reset")
            return HTTPResponse(statusCode: .created, headers: [.contentType: "application/json"], body: HTTPBodySequence(from: CutBody(), count: 64))
        }
        if faults.slow > 0 {
            faults.slow -= 1
            count("batch slow")
            try? await Task.sleep(nanoseconds: UInt64(faults.slowSeconds * 1_000_000_000))
        }
        count("batch 201")
        return json(201, receipt)
    }

    func getBatch(_ request: HTTPRequest) async -> HTTPResponse {
        if let failure = faultFirst(request) ?? verify(request, body: [], needsToken: true) { return failure }
        let id = String(request.path.split(separator: "/").last ?? "")
        guard let stored = batches[id] else {
            count("status 404")
            return error(404, "batch-unknown", "没有批次 \(id)")
        }
        count("status 200")
        return json(200, stored.receipt)
    }

    func putWithdrawal(_ request: HTTPRequest) async -> HTTPResponse {
        let body = (try? await request.bodyData).map { [UInt8]($0) } ?? []
        if let failure = faultFirst(request) ?? verify(request, body: body, needsToken: true) { return failure }
        let id = String(request.path.split(separator: "/").last ?? "")
        if let receipt = withdrawals[id] { return json(200, receipt) }
        guard let withdrawal = try? JSONDecoder().decode(WithdrawalRequest.self, from: Data(body)) else {
            return error(400, "bad-payload", "撤下请求格式不对")
        }
        for item in withdrawal.items {
            guard var stored = batches[item.batchID], item.index >= 1, item.index <= stored.receipt.records.count else {
                return error(404, "record-unknown", "没有批次 \(item.batchID) 的第 \(item.index) 条")
            }
            stored.withdrawn.append(item.index)
            batches[item.batchID] = stored
            save(stored, payload: nil)
        }
        let receipt = WithdrawalReceipt(withdrawalID: id, withdrawn: withdrawal.items.count, receivedAt: timestamp())
        withdrawals[id] = receipt
        if let data { try? Self.write(try JSONEncoder.portalAPI.encode(receipt), to: data.appendingPathComponent("withdrawals/\(id).json")) }
        count("withdrawal 201")
        return json(201, receipt)
    }

    func adminBatches() -> HTTPResponse {
        let list = batches.keys.sorted().map { id -> [String: String] in
            let stored = batches[id]!
            let accepted = stored.receipt.records.filter { $0.status == .accepted }.count
            return [
                "batch_id": id, "feed": stored.feed, "operation": stored.operation,
                "records": String(stored.receipt.records.count), "accepted": String(accepted),
                "withdrawn": String(stored.withdrawn.count),
            ]
        }
        return HTTPResponse(statusCode: .ok, headers: [.contentType: "application/json"], body: (try? JSONEncoder.portalAPI.encode(list)) ?? Data())
    }

    /// What the public sees: every accepted record not withdrawn, as published (one JSON object
    /// per record, with its batch and position), batches in id order. Read from the payloads kept
    /// under `--data` (the sandbox holds receipts in memory, not payloads).
    func publicRecords() -> HTTPResponse {
        guard let data else { return error(404, "no-data-folder", "公开视图需要 --data 目录（保存已收到的记录）") }
        var body = "["
        var first = true
        for id in batches.keys.sorted() {
            let stored = batches[id]!
            let payload = (try? Data(contentsOf: data.appendingPathComponent("batches/\(id).jsonl"))).map { [UInt8]($0) } ?? []
            let lines = Self.records(payload) ?? []
            for receipt in stored.receipt.records where receipt.status == .accepted && !stored.withdrawn.contains(receipt.index) {
                guard receipt.index <= lines.count else { continue }
                body += (first ? "\n" : ",\n") + "{\"batch_id\":\"\(id)\",\"index\":\(receipt.index),\"record\":\(lines[receipt.index - 1])}"
                first = false
            }
        }
        body += "\n]\n"
        return HTTPResponse(statusCode: .ok, headers: [.contentType: "application/json"], body: Data(body.utf8))
    }

    func adminStats() -> HTTPResponse {
        HTTPResponse(statusCode: .ok, headers: [.contentType: "application/json"], body: (try? JSONEncoder.portalAPI.encode(stats)) ?? Data())
    }

    // MARK: Checks

    /// The faults that answer before anything is looked at.
    private func faultFirst(_ request: HTTPRequest) -> HTTPResponse? {
        if faults.serverErrors > 0 {
            faults.serverErrors -= 1
            count("fault 503")
            return error(503, "unavailable", "沙箱按配置返回 503")
        }
        if faults.badSignatures > 0 {
            faults.badSignatures -= 1
            count("fault bad-signature")
            return error(401, "signature-mismatch", "签名不符")
        }
        return nil
    }

    /// Signature, clock skew, nonce replay and (for API calls) the bearer token.
    private func verify(_ request: HTTPRequest, body: [UInt8], needsToken: Bool) -> HTTPResponse? {
        let header = { (name: String) in request.headers[HTTPHeader(name)] ?? "" }
        guard header(PortalAPI.Header.appKey) == credentials.appKey else { return error(401, "app-key-unknown", "appKey 未知") }
        guard let timestamp = Int64(header(PortalAPI.Header.timestamp)), abs(timestamp - clock()) <= PortalAPI.clockSkew else {
            return error(401, "timestamp-skew", "时间戳与服务器时间相差过大")
        }
        let nonce = header(PortalAPI.Header.nonce)
        guard !nonce.isEmpty, nonces.insert(nonce).inserted else { return error(401, "nonce-replayed", "nonce 重复使用") }
        let canonical = PortalAPI.canonicalRequest(
            method: request.method.rawValue, path: request.path, timestamp: timestamp, nonce: nonce, body: body)
        guard PortalAPI.signaturesMatch(PortalAPI.signature(secret: credentials.secret, canonical: canonical), header(PortalAPI.Header.signature))
        else { return error(401, "signature-mismatch", "签名不符") }
        guard needsToken else { return nil }
        let bearer = header("Authorization")
        guard bearer.hasPrefix("Bearer "), let expiry = tokens[String(bearer.dropFirst(7))], expiry > clock() else {
            return error(401, "token-expired", "令牌无效或已过期")
        }
        if faults.expiredTokens > 0 {
            faults.expiredTokens -= 1
            tokens[String(bearer.dropFirst(7))] = nil
            count("fault token-expired")
            return error(401, "token-expired", "令牌已过期")
        }
        return nil
    }

    // MARK: Helpers

    private func count(_ key: String) { stats[key, default: 0] += 1 }

    private func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(clock())))
    }

    private func json(_ status: Int, _ value: some Encodable) -> HTTPResponse {
        HTTPResponse(
            statusCode: HTTPStatusCode(status, phrase: status == 201 ? "Created" : "OK"),
            headers: [.contentType: "application/json"], body: (try? JSONEncoder.portalAPI.encode(value)) ?? Data())
    }

    private func error(_ status: Int, _ code: String, _ message: String) -> HTTPResponse {
        if status != 503 { count("error \(status) \(code)") }
        return HTTPResponse(
            statusCode: HTTPStatusCode(status, phrase: "Error"), headers: [.contentType: "application/json"],
            body: (try? JSONEncoder.portalAPI.encode(APIErrorBody(code: code, message: message))) ?? Data())
    }

    /// The non-empty lines of a JSON Lines body, each a JSON object; `nil` if any is not.
    static func records(_ body: [UInt8]) -> [String]? {
        var lines: [String] = []
        for line in body.split(separator: UInt8(ascii: "\n")) where !line.allSatisfy({ $0 == 0x0D || $0 == 0x20 }) {
            guard (try? JSONSerialization.jsonObject(with: Data(line))) is [String: Any] else { return nil }
            lines.append(String(decoding: line, as: UTF8.self))
        }
        return lines
    }

    private func save(_ stored: StoredBatch, payload: [UInt8]?) {
        guard let data else { return }
        let id = stored.receipt.batchID
        if let payload { try? Self.write(Data(payload), to: data.appendingPathComponent("batches/\(id).jsonl")) }
        if let encoded = try? JSONEncoder.portalAPI.encode(stored) {
            try? Self.write(encoded, to: data.appendingPathComponent("batches/\(id).json"))
        }
    }

    private static func write(_ bytes: Data, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try bytes.write(to: url, options: .atomic)
    }

    private static func load(
        from data: URL, into batches: inout [String: StoredBatch], _ withdrawals: inout [String: WithdrawalReceipt]
    ) throws {
        let folder = data.appendingPathComponent("batches")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasSuffix(".json") {
            let stored = try JSONDecoder().decode(StoredBatch.self, from: Data(contentsOf: folder.appendingPathComponent(name)))
            batches[stored.receipt.batchID] = stored
        }
        let withdrawalFolder = data.appendingPathComponent("withdrawals")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: withdrawalFolder.path)) ?? [] where name.hasSuffix(".json") {
            let receipt = try JSONDecoder().decode(WithdrawalReceipt.self, from: Data(contentsOf: withdrawalFolder.appendingPathComponent(name)))
            withdrawals[receipt.withdrawalID] = receipt
        }
    }
}

/// A response body that fails as soon as it is read: the server then closes the connection after
/// the headers, so the client never gets the receipt.
struct CutBody: AsyncBufferedSequence {
    typealias Element = UInt8

    struct Cut: Error {}

    struct AsyncIterator: AsyncBufferedIteratorProtocol {
        mutating func next() async throws -> UInt8? { throw Cut() }
        mutating func nextBuffer(suggested count: Int) async throws -> [UInt8]? { throw Cut() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
}
