public import Foundation

/// Where tests put their folders and files: one folder for the test process, in the system's
/// temporary folder, removed when the process exits. (Each test made its own folder there and left
/// it: every `swift test` left about 130 folders and 130 MB behind.) A test that must leave
/// something to look at afterwards (the console's screenshots) writes it elsewhere.
public enum Scratch {
    /// The test process's folder, made on first use.
    public static let root: URL = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gongshi-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.root) }
        return folder
    }()
}
