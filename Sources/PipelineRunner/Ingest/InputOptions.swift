public import DisclosureCore
import Foundation
import PipelineConfig
public import SourceDecoders

/// `--encoding`: `auto` decides by byte-order mark, then valid UTF-8, else GB18030.
public enum EncodingChoice: String, CaseIterable, Sendable {
    case auto
    case utf8 = "utf-8"
    case gb18030
    case utf16 = "utf-16"
}

extension TextEncoding {
    public var displayName: String {
        switch self {
        case .utf8: "UTF-8"
        case .gb18030: "GB18030"
        case .utf16le, .utf16be: "UTF-16"
        }
    }
}

/// How to read the input files: `--encoding`, `--mapping`, `--xml-record`, `--xsd`.
public struct InputOptions: Sendable {
    /// How a source's files are read: the pipeline's `format`, else the file name's suffix.
    public enum Format: String, Sendable {
        case csv, xml, xlsx

        /// The format of one file: the declared one, else by its suffix (``bySuffix(_:)``), else CSV
        /// (a file named on `gongshi validate`'s command line).
        public static func of(_ file: String, declared: Format?) -> Format {
            declared ?? bySuffix(file) ?? .csv
        }

        /// The format a file's suffix names (``PipelineLoader/formatSuffixes``: `.csv`, `.txt`,
        /// `.tsv` → csv; `.xml`; `.xlsx`, and `.xls`, which the workbook reader refuses with what it
        /// is); nil for any other suffix or none.
        public static func bySuffix(_ file: String) -> Format? {
            PipelineLoader.format(ofSuffix: (file as NSString).pathExtension).flatMap(Format.init(rawValue:))
        }
    }

    public var encoding: EncodingChoice = .auto
    /// A department's own column names → field names.
    public var columnNames: [String: String] = [:]
    /// The XML record element: a name, or a path from the root.
    public var xmlRecord = "Record"
    /// The XSD to validate XML against, in the same pass.
    public var xsd: [UInt8]?
    /// The declared format (a pipeline's `sources[].format`); nil: by suffix.
    public var format: Format?
    /// Without a declared format, a file whose suffix names none (``Format/bySuffix(_:)``) fails
    /// with `source-format-unknown` instead of being read as CSV: a pipeline's source (`inbox/*`
    /// also matches a `Thumbs.db` or a `.zip`), not a file named on the command line.
    public var refusesUnknownSuffix = false
    /// A workbook's sheet to read (`sheet:`, `--sheet`); nil: the first.
    public var sheet: String?

    public init() {}

    /// Options from their textual settings (command line or pipeline), each checked before any
    /// file is read: the mapping loaded against the schema, the XSD compiled.
    public static func make(
        encoding: String, mapping: String?, xmlRecord: String, xsd: String?, schema: PublicationSchema, format: String? = nil,
        sheet: String? = nil, transcript: Transcript
    ) throws -> InputOptions {
        var options = InputOptions()
        options.sheet = sheet
        options.format = format.flatMap(Format.init(rawValue:))
        options.encoding = EncodingChoice(rawValue: encoding.lowercased()) ?? .auto
        options.xmlRecord = xmlRecord
        if let mapping {
            options.columnNames = try SourceMappingLoader.load(try ConfigFiles.document(mapping, transcript: transcript), schema: schema)
                .orConfigurationFailure(transcript)
        }
        if let xsd {
            guard let data = FileManager.default.contents(atPath: xsd) else {
                throw CommandFailure(status: ExitStatus.configuration, code: "xsd-unreadable", message: "\(xsd)：文件不存在或无法读取")
            }
            let bytes = [UInt8](data)
            do {
                _ = try XMLRecordReader(recordPath: xmlRecord, xsd: bytes) { _ in 0 }
            } catch {
                throw CommandFailure(status: ExitStatus.configuration, code: "xsd-invalid", message: "\(xsd)：\(error)")
            }
            options.xsd = bytes
        }
        return options
    }
}
