public import Foundation
import Hummingbird
import Logging
import NIOCore
import PortalAPI

/// The portal sandbox: a real HTTP server on 127.0.0.1 that implements gongshi's portal API
/// (`schemas/portal-api/v1.openapi.yaml`) and misbehaves on demand (``FaultPlan``). For tests and
/// for staging; it keeps what it accepted in `--data DIR`, so people and tests can inspect it and a
/// restarted sandbox still knows every batch.
///
/// HTTP itself is Hummingbird's (the project's one HTTP server library, on SwiftNIO): parsing HTTP
/// is not this product's core. The endpoints below see a plain ``SandboxRequest`` and answer a
/// ``SandboxResponse``; `run` is the only place that knows the server.
public actor PortalSandbox {
    public struct Credentials: Sendable {
        public let appKey: String
        public let secret: String

        public init(appKey: String, secret: String) {
            self.appKey = appKey
            self.secret = secret
        }
    }

    private let port: UInt16
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
        self.port = port
        self.credentials = credentials
        self.data = data
        self.faults = faults
        self.clock = clock
        if let data { try Self.load(from: data, into: &batches, &withdrawals) }
    }

    /// Serves on 127.0.0.1 until SIGTERM or SIGINT; `onListening` gets the port (useful with port 0).
    public func run(onListening: @escaping @Sendable (UInt16) -> Void) async throws {
        let router = Router()
        let routes: [(HTTPRequest.Method, RouterPath)] = [
            (.post, "/v1/token"), (.put, "/v1/batches/:id"), (.get, "/v1/batches/:id"), (.put, "/v1/withdrawals/:id"),
            (.get, "/admin/batches"), (.get, "/admin/stats"), (.get, "/public/records"),
        ]
        for (method, path) in routes {
            router.on(path, method: method) { [self] request, _ -> Response in
                let body = try await request.body.collect(upTo: 256 << 20)
                let plain = SandboxRequest(
                    method: request.method.rawValue, path: request.uri.path,
                    headers: Dictionary(request.headers.map { ($0.name.canonicalName, $0.value) }, uniquingKeysWith: { first, _ in first }),
                    body: Array(buffer: body))
                return Self.response(await self.handle(plain))
            }
        }
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: Int(port)), serverName: "gongshi-sandbox"),
            onServerRunning: { channel in onListening(UInt16(channel.localAddress?.port ?? 0)) },
            logger: Logger(label: "gongshi.sandbox", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await app.runService()
    }

    func handle(_ request: SandboxRequest) async -> SandboxResponse {
        switch (request.method, request.path) {
        case ("POST", "/v1/token"): return token(request)
        case ("PUT", let path) where path.hasPrefix("/v1/batches/"): return await putBatch(request)
        case ("GET", let path) where path.hasPrefix("/v1/batches/"): return getBatch(request)
        case ("PUT", let path) where path.hasPrefix("/v1/withdrawals/"): return putWithdrawal(request)
        case ("GET", "/admin/batches"): return adminBatches()
        case ("GET", "/admin/stats"): return adminStats()
        case ("GET", "/public/records"): return publicRecords()
        default: return error(404, "not-found", "没有这个接口")
        }
    }

    /// A sandbox answer as Hummingbird's; a cut one sends its head, then fails its body, and the
    /// server closes the connection: the client never gets the receipt.
    static func response(_ answer: SandboxResponse) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if answer.cut {
            return Response(status: .init(code: answer.status), headers: headers, body: ResponseBody(contentLength: 64) { _ in throw CutBody() })
        }
        return Response(status: .init(code: answer.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    // MARK: Endpoints

    func token(_ request: SandboxRequest) -> SandboxResponse {
        let body = request.body
        if let failure = faultFirst(request) ?? verify(request, body: body, needsToken: false) { return failure }
        let token = "tok-" + UUID().uuidString.lowercased()
        tokens[token] = clock() + 600
        count("token 200")
        return json(200, TokenResponse(token: token, expiresIn: 600))
    }

    func putBatch(_ request: SandboxRequest) async -> SandboxResponse {
        let body = request.body
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
        var answered = records
        if faults.shortReceipts > 0, !answered.isEmpty {
            faults.shortReceipts -= 1
            answered.removeLast()
            count("batch short receipt")
        }
        let receipt = BatchReceipt(batchID: id, payloadSHA256: digest, receivedAt: timestamp(), records: answered)
        let stored = StoredBatch(
            receipt: receipt, feed: request.header(PortalAPI.Header.feed) ?? "",
            operation: request.header(PortalAPI.Header.operation) ?? "publish", withdrawn: [])
        batches[id] = stored
        save(stored, payload: body)
        count("batch stored")
        if faults.resets > 0 {
            faults.resets -= 1
            count("batch reset")
            return SandboxResponse(status: 201, body: [], cut: true)
        }
        if faults.garbledReceipts > 0 {
            faults.garbledReceipts -= 1
            count("batch garbled receipt")
            return SandboxResponse(status: 200, body: Array(Self.garbledPage.utf8))
        }
        if faults.slow > 0 {
            faults.slow -= 1
            count("batch slow")
            try? await Task.sleep(nanoseconds: UInt64(faults.slowSeconds * 1_000_000_000))
        }
        count("batch 201")
        return json(201, receipt)
    }

    /// What `garbled-receipt` answers: a gateway's page, longer than a message shows, quoting an
    /// ID number (which no message may echo).
    static let garbledPage =
        "<html><head><title>502 Bad Gateway</title></head><body><h1>网关错误</h1><p>上游响应异常，请求参数：证件号码 410122198503121231"
        + String(repeating: "；请稍后重试", count: 60) + "</p></body></html>"

    func getBatch(_ request: SandboxRequest) -> SandboxResponse {
        if let failure = faultFirst(request) ?? verify(request, body: [], needsToken: true) { return failure }
        let id = String(request.path.split(separator: "/").last ?? "")
        guard let stored = batches[id] else {
            count("status 404")
            return error(404, "batch-unknown", "没有批次 \(id)")
        }
        count("status 200")
        return json(200, stored.receipt)
    }

    func putWithdrawal(_ request: SandboxRequest) -> SandboxResponse {
        let body = request.body
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

    func adminBatches() -> SandboxResponse {
        let list = batches.keys.sorted().map { id -> [String: String] in
            let stored = batches[id]!
            let accepted = stored.receipt.records.filter { $0.status == .accepted }.count
            return [
                "batch_id": id, "feed": stored.feed, "operation": stored.operation,
                "records": String(stored.receipt.records.count), "accepted": String(accepted),
                "withdrawn": String(stored.withdrawn.count),
            ]
        }
        return SandboxResponse(status: 200, body: Array((try? JSONEncoder.portalAPI.encode(list)) ?? Data()))
    }

    /// What the public sees: every accepted record not withdrawn, as published (one JSON object
    /// per record, with its batch and position), batches in id order. Read from the payloads kept
    /// under `--data` (the sandbox holds receipts in memory, not payloads).
    func publicRecords() -> SandboxResponse {
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
        return SandboxResponse(status: 200, body: Array(body.utf8))
    }

    func adminStats() -> SandboxResponse {
        SandboxResponse(status: 200, body: Array((try? JSONEncoder.portalAPI.encode(stats)) ?? Data()))
    }

    // MARK: Checks

    /// The faults that answer before anything is looked at.
    private func faultFirst(_ request: SandboxRequest) -> SandboxResponse? {
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
    private func verify(_ request: SandboxRequest, body: [UInt8], needsToken: Bool) -> SandboxResponse? {
        let header = { (name: String) in request.header(name) ?? "" }
        guard header(PortalAPI.Header.appKey) == credentials.appKey else { return error(401, "app-key-unknown", "appKey 未知") }
        guard let timestamp = Int64(header(PortalAPI.Header.timestamp)), abs(timestamp - clock()) <= PortalAPI.clockSkew else {
            return error(401, "timestamp-skew", "时间戳与服务器时间相差过大")
        }
        let nonce = header(PortalAPI.Header.nonce)
        guard !nonce.isEmpty, nonces.insert(nonce).inserted else { return error(401, "nonce-replayed", "nonce 重复使用") }
        let canonical = PortalAPI.canonicalRequest(
            method: request.method, path: request.path, timestamp: timestamp, nonce: nonce, body: body)
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

    private func json(_ status: Int, _ value: some Encodable) -> SandboxResponse {
        SandboxResponse(status: status, body: Array((try? JSONEncoder.portalAPI.encode(value)) ?? Data()))
    }

    private func error(_ status: Int, _ code: String, _ message: String) -> SandboxResponse {
        if status != 503 { count("error \(status) \(code)") }
        return SandboxResponse(status: status, body: Array((try? JSONEncoder.portalAPI.encode(APIErrorBody(code: code, message: message))) ?? Data()))
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

/// A request as the endpoints see it: method, path, headers by lower-cased name, the whole body.
struct SandboxRequest: Sendable {
    let method: String
    let path: String
    let headers: [String: String]
    let body: [UInt8]

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// An endpoint's answer: a status and a JSON body; `cut`: the head is sent and the connection cut.
struct SandboxResponse: Sendable {
    let status: Int
    let body: [UInt8]
    var cut = false
}

/// What fails a cut response's body.
struct CutBody: Error {}
