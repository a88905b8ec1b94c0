public import Foundation
public import PortalAPI

/// A portal's API endpoint and the app's credentials.
public struct PortalEndpoint: Sendable {
    public let baseURL: String
    public let appKey: String
    public let secret: String

    public init(baseURL: String, appKey: String, secret: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.appKey = appKey
        self.secret = secret
    }
}

/// Why the portal API did not take a request, in words a clerk can act on. Never carries the
/// secret or the token.
public enum PortalAPIFailure: Error, Sendable, Equatable {
    /// The network or the portal failed, even after retries; the request may have taken effect
    /// (`ambiguous`), so the batch stays pending and the next run asks for its status first.
    case unavailable(String, ambiguous: Bool)
    /// The portal refused the request itself (4xx): retrying the same request changes nothing.
    case refused(status: Int, code: String, message: String)
    /// The portal answered a batch's or a withdrawal's request with a body that is not its receipt
    /// (not JSON, cut off, another shape): it is up, and may well have taken the request. The
    /// body as it came (the channel states its length and shows its start, screened).
    case undecodable(status: Int, body: [UInt8])
}

/// The client of gongshi's portal API: a bearer token from `POST /v1/token`, then signed,
/// idempotent requests keyed by batch id. The sandbox implements the same API.
public final class PortalAPIClient: @unchecked Sendable {
    let transport: CurlTransport
    let endpoint: PortalEndpoint
    let now: @Sendable () -> Int64
    private var token: String?
    private let lock = NSLock()

    public init(transport: CurlTransport, endpoint: PortalEndpoint, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.transport = transport
        self.endpoint = endpoint
        self.now = now
    }

    /// The portal's receipt for a batch, or `nil` when it never received it.
    public func status(batch id: String) throws(PortalAPIFailure) -> BatchReceipt? {
        let response = try authorized(method: "GET", path: PortalAPI.batchPath(id), body: [], headers: [])
        if response.status == 404 { return nil }
        return try decode(BatchReceipt.self, response)
    }

    /// Uploads a batch (JSON Lines); the same id again returns the first receipt.
    public func upload(batch id: String, feed: String, operation: String, payload: [UInt8]) throws(PortalAPIFailure) -> BatchReceipt {
        let response = try authorized(
            method: "PUT", path: PortalAPI.batchPath(id), body: payload,
            headers: [
                "Content-Type: application/x-ndjson", "\(PortalAPI.Header.feed): \(feed)", "\(PortalAPI.Header.operation): \(operation)",
            ])
        return try decode(BatchReceipt.self, response)
    }

    /// Withdraws published records; the same id again returns the first receipt.
    public func withdraw(id: String, request: WithdrawalRequest) throws(PortalAPIFailure) -> WithdrawalReceipt {
        let body = (try? JSONEncoder.portalAPI.encode(request)).map { [UInt8]($0) } ?? []
        let response = try authorized(method: "PUT", path: PortalAPI.withdrawalPath(id), body: body, headers: ["Content-Type: application/json"])
        return try decode(WithdrawalReceipt.self, response)
    }

    // MARK: Requests

    /// A signed request with the bearer token; a token the portal calls expired is renewed once.
    private func authorized(method: String, path: String, body: [UInt8], headers: [String]) throws(PortalAPIFailure) -> HTTPResponse {
        for attempt in 1...2 {
            let token = try currentToken(renew: attempt > 1)
            let response = try signed(method: method, path: path, body: body, headers: headers + ["Authorization: Bearer \(token)"])
            guard response.status == 401, Self.errorBody(response)?.code == "token-expired" else { return response }
            if attempt == 1 { continue }
            // Renewed and expired again at once: the portal's clock or token service is wrong; say so.
            throw .refused(status: 401, code: "token-expired", message: "令牌续期后门户仍答复已过期（请核对门户令牌服务和本机时钟）")
        }
        throw .refused(status: 401, code: "token-expired", message: "令牌续期后仍被拒绝")
    }

    private func currentToken(renew: Bool) throws(PortalAPIFailure) -> String {
        lock.lock()
        defer { lock.unlock() }
        if let token, !renew { return token }
        let response = try signed(method: "POST", path: PortalAPI.tokenPath, body: [], headers: [])
        let answer: TokenResponse
        do {
            answer = try decode(TokenResponse.self, response)
        } catch .undecodable(let status, _) {
            // Not a batch's answer: the token service is not working as it should.
            throw .unavailable("门户的令牌回答无法识别（HTTP \(status)）", ambiguous: false)
        }
        token = answer.token
        return answer.token
    }

    /// One signed request, retried on network failures and 5xx; a fresh timestamp and nonce each
    /// attempt. 4xx other than 404 are refusals.
    private func signed(method: String, path: String, body: [UInt8], headers: [String]) throws(PortalAPIFailure) -> HTTPResponse {
        let endpoint = endpoint
        let now = now
        do {
            let response = try transport.http(method: method, url: endpoint.baseURL + path, headers: {
                PortalAPI.signingHeaders(
                    appKey: endpoint.appKey, secret: endpoint.secret, method: method, path: path, body: body, timestamp: now(),
                    nonce: UUID().uuidString.lowercased()) + headers
            }, body: body)
            if response.status >= 400 && response.status != 404 && !(response.status == 401 && Self.errorBody(response)?.code == "token-expired") {
                let error = Self.errorBody(response)
                throw PortalAPIFailure.refused(
                    status: response.status, code: error?.code ?? "http-\(response.status)", message: error?.message ?? "")
            }
            return response
        } catch let failure as PortalAPIFailure {
            throw failure
        } catch let failure as TransportFailure {
            throw Self.describe(failure)
        } catch {
            throw .unavailable("\(error)", ambiguous: true)
        }
    }

    static func describe(_ failure: TransportFailure) -> PortalAPIFailure {
        switch failure {
        case .connection(let message): .unavailable("无法连接：\(message)", ambiguous: false)
        case .timeout(let message): .unavailable("超时：\(message)", ambiguous: true)
        case .interrupted(let message): .unavailable("连接中断：\(message)", ambiguous: true)
        case .tls(let message): .unavailable("TLS 证书验证失败：\(message)", ambiguous: false)
        case .server(let status, let body):
            .unavailable("门户返回 \(status)：\(errorBody(HTTPResponse(status: status, body: body))?.message ?? "")", ambiguous: true)
        case .refusedByPeer(let message), .local(let message): .unavailable(message, ambiguous: false)
        }
    }

    static func errorBody(_ response: HTTPResponse) -> APIErrorBody? {
        try? JSONDecoder().decode(APIErrorBody.self, from: Data(response.body))
    }

    private func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse) throws(PortalAPIFailure) -> T {
        guard let value = try? JSONDecoder().decode(T.self, from: Data(response.body)) else {
            throw .undecodable(status: response.status, body: response.body)
        }
        return value
    }
}
