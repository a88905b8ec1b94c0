import DisclosureCore
import Foundation
import PipelineConfig
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

    /// Options from their textual settings (command line or pipeline), each checked before any
    /// file is read: the mapping loaded against the schema, the XSD compiled.
    static func make(encoding: String, mapping: String?, xmlRecord: String, xsd: String?, schema: PublicationSchema) throws -> InputOptions {
        var options = InputOptions()
        options.encoding = EncodingChoice(rawValue: encoding.lowercased()) ?? .auto
        options.xmlRecord = xmlRecord
        if let mapping {
            options.columnNames = try SourceMappingLoader.load(try Gongshi.Validate.document(mapping), schema: schema)
                .orConfigurationFailure()
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
