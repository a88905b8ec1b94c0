import DisclosureCore
import Foundation

/// What a file is by its first bytes, where its name says otherwise: a workbook named `.csv`, an
/// old binary `.xls` or a password-protected workbook (both OLE2 compound files) under any name,
/// a text named `.xlsx`. Each fails its file with what it is and what to do, not with an encoding
/// or zip error that sends the clerk looking in the wrong place.
enum FileSignature: Equatable {
    case zip
    /// An OLE2 compound file: an Excel 97–2003 `.xls` (a `Workbook` or `Book` stream), an
    /// encrypted `.xlsx` (an `EncryptedPackage` stream), or either (its directory not read).
    case compound(Compound)
    /// No NUL byte in the first 4 KiB, or UTF-16's byte-order mark: text (CSV, XML).
    case text
    case other

    enum Compound: Equatable { case legacyWorkbook, encrypted, unknown }

    static func of(descriptor: Int32) -> FileSignature {
        var head = [UInt8](repeating: 0, count: 4096)
        let count = head.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 4096, 0) }
        guard count > 0 else { return .other }
        let signature = of(head.prefix(count))
        guard signature == .compound(.unknown), count >= 512 else { return signature }
        // The directory's first sector (its number at 0x30, the sector size 2^(value at 0x1E)):
        // the stream names there say what the file holds, in UTF-16.
        let shift = Int(head[0x1E]) | Int(head[0x1F]) << 8
        let sector = Int(head[0x30]) | Int(head[0x31]) << 8 | Int(head[0x32]) << 16 | Int(head[0x33]) << 24
        guard (9...12).contains(shift), sector < 0xFFFF_FFFA else { return signature }
        let size = 1 << shift
        var directory = [UInt8](repeating: 0, count: size)
        let read = directory.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, size, off_t((sector + 1) << shift)) }
        guard read > 0 else { return signature }
        return .compound(streams(in: directory.prefix(read)))
    }

    static func of(path: String) -> FileSignature {
        let descriptor = Foundation.open(path, O_RDONLY)
        guard descriptor >= 0 else { return .other }
        defer { close(descriptor) }
        return of(descriptor: descriptor)
    }

    /// By the first bytes alone (a compound file's kind is then ``Compound/unknown`` unless its
    /// directory lies among them).
    static func of(_ head: ArraySlice<UInt8>) -> FileSignature {
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return .zip }
        if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return .compound(streams(in: head)) }
        // UTF-16 with its byte-order mark (Excel's "Unicode 文本") is text, its NUL bytes and all.
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) { return .text }
        return head.prefix(4096).contains(0) ? .other : .text
    }

    private static func streams(in bytes: ArraySlice<UInt8>) -> Compound {
        func utf16(_ name: String) -> [UInt8] { name.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
        if bytes.firstRange(of: utf16("EncryptedPackage")) != nil { return .encrypted }
        if bytes.firstRange(of: utf16("Workbook") + [0, 0]) != nil || bytes.firstRange(of: utf16("Book") + [0, 0]) != nil { return .legacyWorkbook }
        return .unknown
    }

    /// The problem of a compound file read as CSV or as a workbook.
    static func compoundIssue(_ kind: Compound) -> Issue {
        switch kind {
        case .encrypted:
            Issue(
                "xlsx-encrypted",
                zh: "这是设了打开密码（加密）的 Excel 工作簿，无法读取：请在 Excel 中取消密码（文件→信息→保护工作簿→用密码进行加密，清空）后另存为 .xlsx。文件中的记录都未校验",
                en: "a password-protected (encrypted) Excel workbook cannot be read: remove the password in Excel and save it as .xlsx. No record of this file was checked")
        case .legacyWorkbook:
            Issue(
                "xls-legacy-format",
                zh: "这是旧版 Excel 97–2003 工作簿（.xls），不读取：请在 Excel 中另存为“Excel 工作簿（.xlsx）”或“CSV UTF-8”。文件中的记录都未校验",
                en: "an Excel 97–2003 workbook (.xls) is not read: save it as .xlsx or CSV UTF-8 in Excel. No record of this file was checked")
        case .unknown:
            Issue(
                "xls-legacy-format",
                zh: "这是旧版 Excel 97–2003 工作簿（.xls）或设了打开密码的工作簿（OLE2 复合文件），不读取：请在 Excel 中取消密码并另存为“Excel 工作簿（.xlsx）”或“CSV UTF-8”。文件中的记录都未校验",
                en: "an Excel 97–2003 workbook (.xls) or a password-protected workbook (an OLE2 compound file) is not read: save it as .xlsx or CSV UTF-8 without a password. No record of this file was checked")
        }
    }
}
