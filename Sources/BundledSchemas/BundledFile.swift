/// A data file shipped inside the gongshi binary.
///
/// Everything under `schemas/` (calendars, publication schemas, code tables) is embedded at build
/// time by the `EmbedSchemasPlugin` build plugin, so `gongshi` works from any directory and a
/// copied binary still has its data. The files in `schemas/` stay the only source: edit them, and
/// the next build embeds the change.
public struct BundledFile: Sendable, Equatable {
    /// The path relative to `schemas/`, such as `calendars/2020.yaml`.
    public let path: String
    /// The file's text (the files are UTF-8).
    public let text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// The last path component, such as `2020.yaml`.
    public var name: String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

/// The files of `schemas/`, sorted by path. The list itself is generated.
public enum BundledSchemas {
    /// The files in one folder of `schemas/` (not its subfolders), such as `calendars`.
    public static func files(in folder: String) -> [BundledFile] {
        let prefix = folder + "/"
        return files.filter { $0.path.hasPrefix(prefix) && !$0.path.dropFirst(prefix.count).contains("/") }
    }
}
