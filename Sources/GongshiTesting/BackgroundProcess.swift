public import Foundation

/// A long-running process a test starts (the sandbox, sshd, openssl s_server) and stops: it is
/// ready when it has printed a given line, read from its output as it comes (no sleeping).
public final class BackgroundProcess: @unchecked Sendable {
    private let child: ChildProcess
    private var stopped = false
    /// Everything read before it was ready.
    public private(set) var lines: [String] = []
    /// The line that said the process was ready.
    public private(set) var readyLine = ""

    /// Starts `executable` and waits until a line of its output (standard output or error, as
    /// `fromStandardError` says) contains `readyText`.
    public init(
        _ executable: URL, _ arguments: [String], environment: [String: String?] = [:], readyText: String,
        fromStandardError: Bool = false
    ) throws {
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        child = try ChildProcess.spawn(
            executable.path, arguments, environment: env, directory: nil, captureStdout: !fromStandardError,
            captureStderr: fromStandardError)
        let descriptor = (fromStandardError ? child.stderr : child.stdout)!
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                child.terminate()
                throw BackgroundProcessError(message: "\(executable.lastPathComponent) ended before it was ready: \(lines)")
            }
            buffer += chunk[..<count]
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                lines.append(line)
                if line.contains(readyText) {
                    readyLine = line
                    // Keep reading, so the process never blocks on a full pipe.
                    Thread.detachNewThread {
                        var sink = [UInt8](repeating: 0, count: 4096)
                        while read(descriptor, &sink, sink.count) > 0 {}
                        close(descriptor)
                    }
                    return
                }
            }
        }
    }

    /// Stops the process and waits for it.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        child.terminate()
    }

    /// Sends SIGINT and waits for the process to end (a server's orderly fast shutdown).
    public func interrupt() {
        guard !stopped else { return }
        stopped = true
        child.interrupt()
    }

    deinit { stop() }
}

public struct BackgroundProcessError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The portal sandbox (`gongshi sandbox`) on a port the system chooses.
public final class SandboxHarness: @unchecked Sendable {
    public let process: BackgroundProcess
    public let port: Int
    public let data: URL
    public let credentials: URL
    public static let appKey = "test-app"
    public static let secret = "s3cr3t-Do-Not-Print-7f1e"

    public var url: String { "http://127.0.0.1:\(port)" }

    public init(faults: String = "", data: URL? = nil) throws {
        let folder = Scratch.root.appendingPathComponent("gongshi-sandbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        credentials = folder.appendingPathComponent("credentials")
        FileManager.default.createFile(
            atPath: credentials.path, contents: Data("app_key=\(Self.appKey)\nsecret=\(Self.secret)\n".utf8),
            attributes: [.posixPermissions: 0o600])
        self.data = data ?? folder.appendingPathComponent("data")
        process = try BackgroundProcess(
            GongshiProcess.executable,
            ["sandbox", "--port", "0", "--credentials", credentials.path, "--data", self.data.path, "--faults", faults],
            readyText: "监听 http://127.0.0.1:")
        port = Int(process.readyLine.split(separator: ":").last ?? "") ?? 0
    }

    /// `GET /admin/…` as JSON.
    public func admin(_ path: String) throws -> Any {
        // The curl tool, not URLSession (FoundationNetworking is not linked into the tests).
        let curl = try ChildProcess.spawn(
            "/usr/bin/curl", ["-sS", "--noproxy", "*", "\(url)/admin/\(path)"], environment: ProcessInfo.processInfo.environment,
            directory: nil)
        return try JSONSerialization.jsonObject(with: Data(curl.finish().stdout))
    }

    /// What the public sees (`GET /public/records`): each live record, with its batch and position.
    public func publicRecords() throws -> [[String: Any]] {
        let curl = try ChildProcess.spawn(
            "/usr/bin/curl", ["-sS", "--noproxy", "*", "\(url)/public/records"], environment: ProcessInfo.processInfo.environment,
            directory: nil)
        return (try JSONSerialization.jsonObject(with: Data(curl.finish().stdout)) as? [[String: Any]]) ?? []
    }

    /// The penalty decision numbers (`CF_WSH`) the public sees.
    public func publicDecisionNumbers() throws -> [String] {
        try publicRecords().compactMap { ($0["record"] as? [String: Any])?["CF_WSH"] as? String }.sorted()
    }

    /// How often the sandbox counted each outcome (`batch 201`, `fault 503`, …).
    public func stats() throws -> [String: Int] { (try admin("stats") as? [String: Int]) ?? [:] }

    /// The batches it holds: id → number of records.
    public func batches() throws -> [String: Int] {
        var result: [String: Int] = [:]
        for item in (try admin("batches") as? [[String: String]]) ?? [] {
            result[item["batch_id"] ?? ""] = Int(item["records"] ?? "")
        }
        return result
    }

    public func stop() { process.stop() }
}

/// A TCP port free on 127.0.0.1 right now (bound to port 0, then released).
public func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
            bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
        }
    }
    guard bound else { throw BackgroundProcessError(message: "no free port on 127.0.0.1") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Runs a tool to completion (ssh-keygen, openssl); throws when it fails.
public func runTool(_ path: String, _ arguments: [String]) throws {
    let child = try ChildProcess.spawn(path, arguments, environment: ProcessInfo.processInfo.environment, directory: nil)
    let result = child.finish()
    guard result.status == 0 else {
        throw BackgroundProcessError(
            message: "\(path) \(arguments.joined(separator: " ")) failed: \(result.status) \(String(decoding: result.stderr, as: UTF8.self))")
    }
}

/// A real OpenSSH server on 127.0.0.1 for the SFTP tests: throwaway host and client keys, key
/// login only, the internal SFTP server, a known_hosts file that trusts exactly its host key.
public final class OpenSSHServerHarness: @unchecked Sendable {
    public let folder: URL
    public let port: Int
    public let clientKey: URL
    public let knownHosts: URL
    public let user: String
    private var process: BackgroundProcess?

    public var remoteFolder: URL { folder.appendingPathComponent("remote") }
    public var url: String { "sftp://127.0.0.1:\(port)\(remoteFolder.path)/" }

    public init() throws {
        folder = Scratch.root.appendingPathComponent("gongshi-sshd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("remote"), withIntermediateDirectories: true)
        // sshd refuses to start without its privilege-separation folder.
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        let hostKey = folder.appendingPathComponent("host_ecdsa")
        clientKey = folder.appendingPathComponent("client_ecdsa")
        knownHosts = folder.appendingPathComponent("known_hosts")
        // ECDSA keys in PEM: Debian 12's libssh2 (1.10) signs RSA only with SHA-1 (ssh-rsa), which
        // OpenSSH 9 refuses; ECDSA works on both sides.
        try runTool("/usr/bin/ssh-keygen", ["-q", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", "", "-f", hostKey.path])
        try runTool("/usr/bin/ssh-keygen", ["-q", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", "", "-f", clientKey.path])
        user = ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
        port = try freeLoopbackPort()
        let hostPublic = try String(contentsOf: URL(fileURLWithPath: hostKey.path + ".pub"), encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        try "[127.0.0.1]:\(port) \(hostPublic)\n".write(to: knownHosts, atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("sshd_config")
        try """
            Port \(port)
            ListenAddress 127.0.0.1
            HostKey \(hostKey.path)
            PidFile \(folder.path)/sshd.pid
            AuthorizedKeysFile \(clientKey.path).pub
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin prohibit-password
            StrictModes no
            UsePAM no
            Subsystem sftp internal-sftp
            LogLevel VERBOSE

            """.write(to: config, atomically: true, encoding: .utf8)
        process = try BackgroundProcess(
            URL(fileURLWithPath: "/usr/sbin/sshd"), ["-D", "-e", "-f", config.path],
            readyText: "Server listening on 127.0.0.1 port \(port)", fromStandardError: true)
    }

    public func stop() { process?.stop() }
}
