import CCurl
import DisclosureCore
import Foundation

/// Settings of the transport, from the pipeline or the command line.
public struct TransportSettings: Sendable {
    /// Seconds to establish a connection (TCP, TLS, SSH).
    public var connectTimeout: Double = 10
    /// Seconds for one whole attempt.
    public var requestTimeout: Double = 120
    /// Verify the server's TLS certificate and name (on unless turned off for the sandbox).
    public var verifyTLS = true
    /// Trust these certificates (PEM) instead of the system's.
    public var caFile: String?
    public var retry = RetryPolicy()
    /// Show upload progress (on a terminal).
    public var showsProgress = false
    /// Told, in Chinese, when an attempt failed and the next waits (a slow or failing portal does
    /// not hold a run without a word).
    public var onRetry: (@Sendable (String) -> Void)?

    public init() {}
}

/// An HTTP answer.
public struct HTTPResponse: Sendable, Equatable {
    public let status: Int
    public let body: [UInt8]
}

/// HTTPS (and plain HTTP on loopback) and SFTP through libcurl: one easy handle per request,
/// timeouts, TLS verification, proxies from the environment (libcurl's `http_proxy`,
/// `https_proxy`, `no_proxy`), retries with backoff and jitter.
///
/// libcurl rather than URLSession: URLSession has no SFTP on Linux and gives no control over
/// connect timeouts, TLS trust and retries; libcurl is on every Debian machine.
public struct CurlTransport: Sendable {
    public let settings: TransportSettings
    /// Sleeps between attempts; tests pass one that records instead.
    let sleep: @Sendable (Double) -> Void

    private static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }()

    public init(settings: TransportSettings) {
        self.init(settings: settings, sleep: { seconds in usleep(useconds_t(seconds * 1_000_000)) })
    }

    public init(settings: TransportSettings, sleep: @escaping @Sendable (Double) -> Void) {
        self.settings = settings
        self.sleep = sleep
        _ = Self.initialized
    }

    // MARK: HTTP

    /// One HTTP exchange, retried as the policy says. 2xx and 4xx are answers (returned); 5xx and
    /// network failures are retried, then thrown.
    ///
    /// - Parameter headers: `name: value` lines, made anew for each attempt (a signature carries
    ///   a timestamp and a nonce).
    public func http(
        method: String, url: String, headers: @Sendable () -> [String], body: [UInt8]
    ) throws(TransportFailure) -> HTTPResponse {
        try withRetries { () throws(TransportFailure) in
            let response = try httpOnce(method: method, url: url, headers: headers(), body: body)
            if response.status >= 500 { throw .server(status: response.status, body: response.body) }
            return response
        }
    }

    /// Runs `attempt` until it succeeds, fails for good, or the policy's attempts or time run out.
    public func withRetries<T>(_ attempt: () throws(TransportFailure) -> T) throws(TransportFailure) -> T {
        let start = Date()
        var number = 1
        while true {
            do throws(TransportFailure) {
                return try attempt()
            } catch {
                let elapsed = Date().timeIntervalSince(start)
                guard RetryPolicy.isRetryable(error), number < settings.retry.maxAttempts else { throw error }
                let wait = settings.retry.delay(afterAttempt: number, random: Double.random(in: 0..<1))
                guard elapsed + wait < settings.retry.totalBudget else { throw error }
                settings.onRetry?(
                    "门户第 \(number) 次尝试未成功（\(Self.kind(error))），\(String(format: "%.0f", wait)) 秒后重试"
                        + "（最多 \(settings.retry.maxAttempts) 次，共 \(String(format: "%.0f", settings.retry.totalBudget)) 秒内）")
                sleep(wait)
                number += 1
            }
        }
    }

    /// A short Chinese name of a failure, for progress lines.
    static func kind(_ failure: TransportFailure) -> String {
        switch failure {
        case .connection: "无法连接"
        case .timeout: "超时"
        case .interrupted: "连接中断"
        case .tls: "TLS 失败"
        case .server(let status, _): "HTTP \(status)"
        case .refusedByPeer: "对方拒绝"
        case .local: "本地错误"
        }
    }

    func httpOnce(method: String, url: String, headers: [String], body: [UInt8]) throws(TransportFailure) -> HTTPResponse {
        let request = try Request(url: url, settings: settings)
        request.set(CURLOPT_CUSTOMREQUEST, method)
        if method == "HEAD" { request.set(CURLOPT_NOBODY, 1) }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers + ["Expect:"] { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        gongshi_curl_setopt_pointer(request.handle, CURLOPT_HTTPHEADER, list)
        if method != "GET" && method != "HEAD" {
            // libcurl copies the body (COPYPOSTFIELDS), so no pointer has to outlive this call.
            gongshi_curl_setopt_off(request.handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            body.withUnsafeBytes { buffer in
                var empty: UInt8 = 0
                _ = gongshi_curl_setopt_pointer(request.handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress) ?? UnsafeMutableRawPointer(&empty))
            }
        }
        try request.perform(uploadSize: body.count)
        var status = 0
        gongshi_curl_getinfo_long(request.handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, body: request.received.bytes)
    }

    // MARK: SFTP

    /// Login and trust for SFTP: key only, the server's host key checked against `knownHosts`.
    public struct SFTPLogin: Sendable {
        public let user: String
        public let privateKey: String
        public let publicKey: String?
        public let knownHosts: String

        public init(user: String, privateKey: String, publicKey: String?, knownHosts: String) {
            self.user = user
            self.privateKey = privateKey
            self.publicKey = publicKey
            self.knownHosts = knownHosts
        }
    }

    /// Uploads `bytes` to `directoryURL` (`sftp://host:port/path/`) as `name`: written as
    /// `name.part`, then renamed, so the portal never sees half a file. Retried as the policy says.
    public func sftpUpload(_ bytes: [UInt8], directoryURL: String, name: String, login: SFTPLogin) throws(TransportFailure) {
        let directory = directoryURL.hasSuffix("/") ? directoryURL : directoryURL + "/"
        let remotePath = try Self.path(ofURL: directory)
        try withRetries { () throws(TransportFailure) in
            let request = try Request(url: directory + name + ".part", settings: settings)
            request.sftp(login)
            request.set(CURLOPT_UPLOAD, 1)
            request.set(CURLOPT_FTP_CREATE_MISSING_DIRS, 1)
            var quote: UnsafeMutablePointer<curl_slist>?
            // A leftover .part from an interrupted attempt is replaced by the upload itself; the
            // rename fails if the final name exists, which a delivered batch never needs.
            quote = curl_slist_append(quote, "rename \"\(remotePath)\(name).part\" \"\(remotePath)\(name)\"")
            defer { curl_slist_free_all(quote) }
            gongshi_curl_setopt_pointer(request.handle, CURLOPT_POSTQUOTE, quote)
            request.outgoing = bytes
            gongshi_curl_setopt_off(request.handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(bytes.count))
            try request.perform(uploadSize: bytes.count)
        }
    }

    /// The size of a remote file, or `nil` when there is none (reconciling an SFTP delivery).
    public func sftpSize(directoryURL: String, name: String, login: SFTPLogin) throws(TransportFailure) -> Int64? {
        let directory = directoryURL.hasSuffix("/") ? directoryURL : directoryURL + "/"
        return try withRetries { () throws(TransportFailure) -> Int64? in
            let request = try Request(url: directory + name, settings: settings)
            request.sftp(login)
            request.set(CURLOPT_NOBODY, 1)
            do throws(TransportFailure) {
                try request.perform(uploadSize: 0)
            } catch {
                if request.lastCode == CURLE_REMOTE_FILE_NOT_FOUND { return nil }
                throw error
            }
            var size: curl_off_t = -1
            withUnsafeMutablePointer(to: &size) { pointer in
                _ = gongshi_curl_getinfo_off(request.handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, pointer)
            }
            return size >= 0 ? Int64(size) : nil
        }
    }

    static func path(ofURL url: String) throws(TransportFailure) -> String {
        guard let components = URLComponents(string: url), !components.path.isEmpty else {
            throw .local("not an sftp:// URL with a path: \(url)")
        }
        return components.path.hasSuffix("/") ? components.path : components.path + "/"
    }
}

/// Bytes received, filled by libcurl's write callback.
final class ReceiveBuffer {
    var bytes: [UInt8] = []
}

/// One easy handle with its buffers; cleaned up on deinit.
final class Request {
    let handle: UnsafeMutableRawPointer
    let received = ReceiveBuffer()
    var outgoing: [UInt8] = []
    var sentOffset = 0
    var lastCode = CURLE_OK
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    private let url: String
    private let showsProgress: Bool

    init(url: String, settings: TransportSettings) throws(TransportFailure) {
        guard let handle = curl_easy_init() else { throw .local("curl_easy_init failed") }
        self.handle = handle
        self.url = url
        showsProgress = settings.showsProgress
        set(CURLOPT_URL, url)
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_CONNECTTIMEOUT_MS, Int(settings.connectTimeout * 1000))
        set(CURLOPT_TIMEOUT_MS, Int(settings.requestTimeout * 1000))
        set(CURLOPT_SSL_VERIFYPEER, settings.verifyTLS ? 1 : 0)
        set(CURLOPT_SSL_VERIFYHOST, settings.verifyTLS ? 2 : 0)
        if let caFile = settings.caFile { set(CURLOPT_CAINFO, caFile) }
        errorBuffer.withUnsafeMutableBufferPointer { buffer in
            _ = gongshi_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buffer.baseAddress)
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        gongshi_curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let request = Unmanaged<Request>.fromOpaque(context!).takeUnretainedValue()
            let total = size * count
            if let data, total > 0 {
                data.withMemoryRebound(to: UInt8.self, capacity: total) { request.received.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: total)) }
            }
            return total
        }
        gongshi_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        gongshi_curl_setopt_data_callback(handle, CURLOPT_READFUNCTION) { data, size, count, context in
            let request = Unmanaged<Request>.fromOpaque(context!).takeUnretainedValue()
            let room = size * count
            let left = request.outgoing.count - request.sentOffset
            let chunk = min(room, left)
            guard chunk > 0, let data else { return 0 }
            request.outgoing.withUnsafeBytes { bytes in
                UnsafeMutableRawPointer(data).copyMemory(from: bytes.baseAddress! + request.sentOffset, byteCount: chunk)
            }
            request.sentOffset += chunk
            return chunk
        }
        gongshi_curl_setopt_pointer(handle, CURLOPT_READDATA, context)
    }

    deinit { curl_easy_cleanup(handle) }

    func set(_ option: CURLoption, _ value: Int) { _ = gongshi_curl_setopt_long(handle, option, value) }
    func set(_ option: CURLoption, _ value: String) { _ = gongshi_curl_setopt_string(handle, option, value) }

    func sftp(_ login: CurlTransport.SFTPLogin) {
        set(CURLOPT_USERNAME, login.user)
        set(CURLOPT_SSH_AUTH_TYPES, Int(CURLSSH_AUTH_PUBLICKEY))
        set(CURLOPT_SSH_PRIVATE_KEYFILE, login.privateKey)
        if let publicKey = login.publicKey { set(CURLOPT_SSH_PUBLIC_KEYFILE, publicKey) }
        set(CURLOPT_SSH_KNOWNHOSTS, login.knownHosts)
    }

    /// Performs the request; a large upload shows its progress on standard error.
    func perform(uploadSize: Int) throws(TransportFailure) {
        if showsProgress && uploadSize >= 1 << 20 {
            set(CURLOPT_NOPROGRESS, 0)
            gongshi_curl_setopt_progress_callback(handle) { _, _, _, total, sent in
                guard total > 0 else { return 0 }
                let line = "\r上传 \(sent * 100 / total)%（\(sent / 1024) / \(total / 1024) KiB）"
                try? FileHandle.standardError.write(contentsOf: Data(line.utf8))
                return 0
            }
        }
        let code = curl_easy_perform(handle)
        if showsProgress && uploadSize >= 1 << 20 { try? FileHandle.standardError.write(contentsOf: Data("\n".utf8)) }
        lastCode = code
        guard code != CURLE_OK else { return }
        let detail = String(cString: errorBuffer)
        let message = "原文：\(OneLine.of(detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail))（curl \(code.rawValue)）"
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            throw .connection(message)
        case CURLE_OPERATION_TIMEDOUT:
            throw .timeout(message)
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            throw .interrupted(message)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR:
            throw url.hasPrefix("sftp:") ? .refusedByPeer(message) : .tls(message)
        case CURLE_LOGIN_DENIED, CURLE_REMOTE_ACCESS_DENIED, CURLE_SSH, CURLE_QUOTE_ERROR, CURLE_REMOTE_FILE_NOT_FOUND,
            CURLE_UPLOAD_FAILED, CURLE_REMOTE_FILE_EXISTS, CURLE_REMOTE_DISK_FULL:
            throw .refusedByPeer(message)
        default:
            throw .local(message)
        }
    }
}
