public import Foundation

/// A long-running process a test starts (the sandbox, sshd, openssl s_server) and stops: it is
/// ready when it has printed a given line, read from its output as it comes (no sleeping).
public final class BackgroundProcess: @unchecked Sendable {
    public let process = Process()
    private let output = Pipe()
    /// Everything read so far.
    public private(set) var lines: [String] = []

    /// Starts `executable` and waits until a line of its output (standard output or error, as
    /// `fromStandardError` says) contains `readyText`; returns that line.
    public init(
        _ executable: URL, _ arguments: [String], environment: [String: String?] = [:], readyText: String,
        fromStandardError: Bool = false
    ) throws {
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if fromStandardError {
            process.standardError = output
            process.standardOutput = FileHandle.nullDevice
        } else {
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
        }
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var buffer: [UInt8] = []
        let handle = output.fileHandleForReading
        while true {
            let chunk = handle.availableData
            guard !chunk.isEmpty else {
                throw BackgroundProcessError(message: "\(executable.lastPathComponent) ended before it was ready: \(lines)")
            }
            buffer.append(contentsOf: chunk)
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                lines.append(line)
                if line.contains(readyText) {
                    readyLine = line
                    drain(handle)
                    return
                }
            }
        }
    }

    /// The line that said the process was ready.
    public private(set) var readyLine = ""

    /// Keeps reading the output so the process never blocks on a full pipe.
    private func drain(_ handle: FileHandle) {
        Thread.detachNewThread {
            while !handle.availableData.isEmpty {}
        }
    }

    /// Stops the process (SIGTERM) and waits for it.
    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
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
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gongshi-sandbox-\(UUID().uuidString)")
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
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sS", "--noproxy", "*", "\(url)/admin/\(path)"]
        let pipe = Pipe()
        curl.standardOutput = pipe
        try curl.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        curl.waitUntilExit()
        return try JSONSerialization.jsonObject(with: data)
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
