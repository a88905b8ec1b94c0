/// When to try a request again, and how long to wait first: exponential backoff with jitter,
/// bounded per wait and in total. Pure; the transport sleeps.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    /// The wait before the second attempt; each later wait doubles, up to `maxDelay`.
    public var baseDelay: Double
    public var maxDelay: Double
    /// No new attempt starts once this much time has passed since the first.
    public var totalBudget: Double

    public init(maxAttempts: Int = 5, baseDelay: Double = 1, maxDelay: Double = 30, totalBudget: Double = 300) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.totalBudget = totalBudget
    }

    /// The wait after failed attempt `attempt` (1-based): half the exponential delay, plus up to
    /// the other half at random ("equal jitter"), so that many clients do not retry in step.
    ///
    /// - Parameter random: a number in 0..<1.
    public func delay(afterAttempt attempt: Int, random: Double) -> Double {
        let exponential = min(maxDelay, baseDelay * Double(1 << min(max(0, attempt - 1), 30)))
        return exponential / 2 + exponential / 2 * random
    }

    /// Whether an outcome is worth another attempt: network failures, timeouts and 5xx are;
    /// 4xx (the request itself is wrong) and TLS failures (retrying changes nothing) are not.
    public static func isRetryable(_ failure: TransportFailure) -> Bool {
        switch failure {
        case .connection, .timeout, .interrupted: true
        case .server(let status, _): status >= 500
        case .tls, .refusedByPeer, .local: false
        }
    }
}

/// Why a request did not get an answer the caller can use.
public enum TransportFailure: Error, Sendable, Equatable {
    /// No connection (refused, no route, DNS).
    case connection(String)
    /// The connect or total timeout passed.
    case timeout(String)
    /// The connection broke during the exchange: the peer may have acted on the request.
    case interrupted(String)
    /// TLS: certificate not trusted, wrong host name, handshake failure.
    case tls(String)
    /// An HTTP status the caller does not treat as success, with the body.
    case server(status: Int, body: [UInt8])
    /// SFTP: the server refused (login, host key, permission, a name that exists).
    case refusedByPeer(String)
    /// A local problem (a file, an option).
    case local(String)
}
