public import FeedEncoders
import Foundation
import ZIPFoundation

/// The zip around an Excel workbook's parts, through ZIPFoundation (a well-kept zip library: the
/// container format is not gongshi's core).
public enum WorkbookArchive {
    /// Every entry's time: the zip format's first (1980-01-01 00:00, UTC), so the same parts always
    /// give the same bytes.
    static let entryDate = Date(timeIntervalSince1970: 315_532_800)

    /// The parts as a zip, in the order given, each deflated: deterministic bytes.
    public static func pack(_ parts: [SpreadsheetML.Part]) throws -> [UInt8] {
        let archive = try Archive(data: Data(), accessMode: .create)
        for part in parts {
            let bytes = part.bytes
            try archive.addEntry(
                with: part.path, type: .file, uncompressedSize: Int64(bytes.count), modificationDate: entryDate, permissions: 0o644,
                compressionMethod: .deflate
            ) { position, size in
                let start = Int(position)
                return Data(bytes[start..<min(bytes.count, start + size)])
            }
        }
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return [UInt8](data)
    }
}
