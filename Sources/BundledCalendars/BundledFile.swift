/// A data file shipped inside the gongshi binary.
///
/// The official holiday calendar (`schemas/calendars/*.yaml`) is embedded at build time by the
/// `EmbedCalendarsPlugin` build plugin, so `gongshi` works from any directory and a copied
/// binary still has it. The files in `schemas/calendars` stay the only source: edit them, and the
/// next build embeds the change.
public struct BundledFile: Sendable, Equatable {
    /// The file name, such as `2020.yaml`.
    public let name: String
    /// The file's text (the files are UTF-8).
    public let text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// The calendar files shipped with gongshi, sorted by name. The list itself is generated.
public enum BundledCalendars {}
