import Foundation

/// A real browser for the tests: Debian's `chromium`, headless, loading a local file and printing
/// the DOM after its scripts have run (`--dump-dom`).
public enum HeadlessBrowser {
    /// How long one page may take before the browser is stopped (the whole process group).
    static let timeoutSeconds = 60

    /// Loads `file` (a path) in headless chromium and returns the serialized DOM after the page's
    /// scripts have run.
    ///
    /// Each call gets a fresh, throwaway profile folder (removed afterwards). Chromium's standard
    /// error (dbus complaints and the like) is ignored unless it exits with a non-zero status.
    ///
    /// - Throws: ``HeadlessBrowserError`` when chromium is not installed (the message says to run
    ///   `scripts/install-system-packages`), the file does not exist, chromium fails, or it takes
    ///   longer than 60 seconds.
    public static func dumpDOM(of file: String) throws -> String {
        guard let chromium = executable(named: "chromium") else {
            throw HeadlessBrowserError(
                message:
                    "chromium is not on PATH: run scripts/install-system-packages (it installs Debian's chromium package)"
            )
        }
        let page = URL(fileURLWithPath: file).standardizedFileURL
        guard FileManager.default.fileExists(atPath: page.path) else {
            throw HeadlessBrowserError(message: "no such file to load in chromium: \(page.path)")
        }
        let profile = Scratch.root.appendingPathComponent(
            "gongshi-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: profile) }

        let browserArguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "--user-data-dir=\(profile.path)",
            page.absoluteString,
        ]
        // ChildProcess has no timeout of its own: coreutils' timeout puts chromium in its own process
        // group and signals the whole group (browser, zygote, renderers) when the time is up.
        let (program, arguments) =
            executable(named: "timeout").map {
                ($0, ["--kill-after=10", "\(timeoutSeconds)", chromium] + browserArguments)
            }
            ?? (chromium, browserArguments)
        let child = try ChildProcess.spawn(
            program, arguments, environment: ProcessInfo.processInfo.environment, directory: nil)
        let result = child.finish()
        if program != chromium, result.status == 124 || result.status == 128 + 9 {
            throw HeadlessBrowserError(
                message: "chromium did not finish loading \(page.path) within \(timeoutSeconds) s")
        }
        guard result.status == 0 else {
            let stderr = String(decoding: result.stderr, as: UTF8.self)
            throw HeadlessBrowserError(
                message:
                    "chromium failed on \(page.path): \(result.signal.map { "signal \($0)" } ?? "exit \(result.status)")\n"
                    + String(stderr.suffix(4000)))
        }
        return String(decoding: result.stdout, as: UTF8.self)
    }

    /// The first executable file called `name` in a PATH folder.
    static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/\(name)"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return nil
    }
}

/// Why the headless browser could not give a page's DOM.
public struct HeadlessBrowserError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
