public import Foundation

/// Runs the built `gongshi` executable as a user would: a real process, real exit status, real
/// standard output and standard error.
public enum GongshiProcess {
    /// What one run produced.
    public struct Result: Sendable, CustomStringConvertible {
        public let status: Int32
        /// The signal that ended the process (SIGKILL: 9), or `nil` when it exited.
        public let signal: Int32?
        public let stdout: String
        public let stderr: String

        public var description: String { "\(signal.map { "signal \($0)" } ?? "exit \(status)")\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    /// The built executable: beside the test bundle in the build products folder.
    public static var executable: URL {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // swift test runs `<products>/GongshiPackageTests.xctest` (a file on Linux, a bundle on macOS).
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("gongshi").path),
            folder.path != "/"
        {
            folder = folder.deletingLastPathComponent()
        }
        return folder.appendingPathComponent("gongshi")
    }

    /// Runs `gongshi ARGUMENTS`.
    ///
    /// - Parameters:
    ///   - arguments: the command line after `gongshi`.
    ///   - environment: variables to set or override; `nil` values remove a variable.
    ///   - directory: the working directory (default: a fresh temporary folder, so nothing relies
    ///     on being run from the repository).
    ///   - launcher: a program to start `gongshi` through (such as `faketime`), with its own arguments.
    public static func run(
        _ arguments: [String], environment: [String: String?] = [:], directory: URL? = nil,
        launcher: [String] = []
    ) throws -> Result {
        let process = Process()
        if let tool = launcher.first {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = Array(launcher.dropFirst()) + [executable.path] + arguments
        } else {
            process.executableURL = executable
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "GONGSHI_CALENDAR_DIR")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.currentDirectoryURL = directory ?? FileManager.default.temporaryDirectory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting, so a large output cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            signal: process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
