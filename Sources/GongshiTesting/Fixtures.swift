public import Foundation

/// Where the repository's `fixtures/` and `schemas/` folders are, found from this file's path so
/// that tests need no copied resources.
public enum Fixtures {
    /// The repository root.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // GongshiTesting
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()

    /// A path under `fixtures/`.
    public static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent("fixtures").appendingPathComponent(relativePath)
    }

    /// The text of a file under `fixtures/`.
    public static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: url(relativePath), encoding: .utf8)
    }

    /// The non-empty lines of a fixture table, without `#` comment lines.
    public static func tableRows(_ relativePath: String) throws -> [String] {
        try text(relativePath).split(whereSeparator: \.isNewline).map(String.init)
            .filter { !$0.hasPrefix("#") && !$0.allSatisfy(\.isWhitespace) }
    }

    /// Every feed file under an outbox folder, by path relative to it, with its bytes: manifests
    /// (`.manifest.json`) and receipts (`.receipt`) left out.
    public static func payloads(under folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        while let path = enumerator?.nextObject() as? String {
            let url = folder.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                !path.hasSuffix(".manifest.json"), !path.hasSuffix(".receipt")
            else { continue }
            files[path] = try Data(contentsOf: url)
        }
        return files
    }
}
