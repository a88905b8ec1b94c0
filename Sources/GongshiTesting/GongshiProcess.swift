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
        let (path, fullArguments) = launcher.first.map { ($0, Array(launcher.dropFirst()) + [executable.path] + arguments) }
            ?? (executable.path, arguments)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "GONGSHI_CALENDAR_DIR")
        for (key, value) in environment { env[key] = value }
        let child = try ChildProcess.spawn(
            path, fullArguments, environment: env, directory: (directory ?? FileManager.default.temporaryDirectory).path)
        let (status, signal, out, err) = child.finish()
        return Result(
            status: status, signal: signal, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    /// Runs `gongshi ARGUMENTS` with `input` on its standard input (a password typed at a prompt).
    public static func runWithInput(_ arguments: [String], input: String) throws -> Result {
        let file = Scratch.root.appendingPathComponent("gongshi-stdin-\(UUID().uuidString)")
        try Data(input.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var env = ProcessInfo.processInfo.environment
        env["GONGSHI_TEST_STDIN"] = file.path
        let child = try ChildProcess.spawn(
            "/bin/sh", ["-c", "exec \"$0\" \"$@\" < \"$GONGSHI_TEST_STDIN\"", executable.path] + arguments, environment: env,
            directory: FileManager.default.temporaryDirectory.path)
        let (status, signal, out, err) = child.finish()
        return Result(
            status: status, signal: signal, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }
}
