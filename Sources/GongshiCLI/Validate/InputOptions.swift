import SourceDecoders

/// `--encoding`: `auto` decides by byte-order mark, then valid UTF-8, else GB18030.
enum EncodingChoice: String, CaseIterable, Sendable {
    case auto
    case utf8 = "utf-8"
    case gb18030
    case utf16 = "utf-16"
}

extension TextEncoding {
    var displayName: String {
        switch self {
        case .utf8: "UTF-8"
        case .gb18030: "GB18030"
        case .utf16le, .utf16be: "UTF-16"
        }
    }
}

/// How to read the input files: `--encoding`, `--mapping`, `--xml-record`, `--xsd`.
struct InputOptions {
    var encoding: EncodingChoice = .auto
    /// A department's own column names → field names.
    var columnNames: [String: String] = [:]
    /// The XML record element: a name, or a path from the root.
    var xmlRecord = "Record"
    /// The XSD to validate XML against, in the same pass.
    var xsd: [UInt8]?
}
