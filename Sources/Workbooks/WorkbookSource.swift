import Foundation
import CZLibChecksum
import Glibc
public import SourceDecoders
import ZIPFoundation

/// Why a workbook cannot be read. Each case says what in the file is wrong; none echoes cell data.
public enum WorkbookError: Error, Sendable, Equatable {
    /// Not a zip archive, or not a workbook (no `xl/workbook.xml`, say).
    case notAWorkbook(reason: String)
    /// An entry name that climbs out of the archive (`../x`, `/etc/x`, `C:\x`): a hostile archive.
    case unsafeEntryName(String)
    /// An entry whose declared or actual size, or compression ratio, is beyond the limits: a zip bomb.
    case tooLarge(entry: String, bytes: UInt64, limit: UInt64)
    case tooManyEntries(count: Int, limit: Int)
    /// An entry whose bytes do not match its checksum.
    case corrupt(entry: String)
    /// The sheet asked for is not in the workbook (the names it has).
    case noSuchSheet(String, available: [String])
    /// A sheet whose part is outside the file (an external relationship): never followed.
    case externalSheet(String)
    /// A part's XML (or a cell reference in it) cannot be read on.
    case part(entry: String, WorksheetError)
}

/// A workbook (`.xlsx`) read as a source: its zip checked against hostile archives, the chosen sheet
/// (the first, or one by name) read row by row in bounded memory.
///
/// ```
///   book.xlsx ── entries checked (names, declared sizes, ratio) ──▶ workbook.xml + rels → the sheet's part
///             ── sharedStrings.xml, inflated (actual size counted) ──▶ a table on disk (offsets + bytes)
///             ── the sheet's XML, inflated (actual size counted) ──▶ a file on disk ──▶ WorksheetReader
/// ```
///
/// The parts are inflated into unlinked temporary files (nothing is left behind however the
/// process ends), because ZIPFoundation pushes bytes while libxml2's reader pulls them; memory
/// holds a read buffer and a window of the string table, whatever the workbook's size.
public final class WorkbookSource {
    public struct Limits: Sendable {
        /// The most bytes one part may inflate to (declared and actual).
        public var partBytes: UInt64 = 2 << 30
        /// The most bytes all parts together may declare.
        public var totalBytes: UInt64 = 4 << 30
        /// The highest inflated / compressed ratio for a part over 1 MiB (XML compresses ~10–30×).
        public var ratio: UInt64 = 200
        public var entries = 10_000
        /// The most bytes of the small parts read whole (workbook.xml, relationships).
        public var smallPartBytes: UInt64 = 16 << 20
        public init() {}
    }

    /// The sheet read, and every sheet's name.
    public let sheetName: String
    /// The workbook counts dates in the 1904 date system (its date serials 1,462 less).
    public let usesDate1904: Bool
    public let sheetNames: [String]
    /// Every sheet, in the workbook's order, with whether it is hidden.
    public let sheets: [WorkbookParts.Sheet]
    /// Hidden sheets passed over to reach the first visible one (no sheet was named).
    public let skippedHidden: [String]
    /// Merged ranges of the sheet (`A1:F1`).
    public let mergedRanges: [String]

    let sheetFile: Int32
    let strings: SharedStringTable?
    /// Why the shared-string table could not be read (the workbook fails; its rows are salvaged).
    private var stringsFailure: XMLReadError?
    /// The shared-string table's part.
    private var stringsPart: String?
    private let reader: WorksheetReader
    private let sheetPart: String
    private let archive: Archive
    private let entries: [String: Entry]
    private let relationships: [WorkbookParts.Relationship]
    private let folder: String
    private let limits: Limits

    public init(path: String, sheet requested: String?, limits: Limits = Limits()) throws(WorkbookError) {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw .notAWorkbook(reason: "不是 zip 文件（.xlsx 是 zip 压缩包；.xls 等旧格式请在 Excel 中另存为 .xlsx）")
        }
        var entries: [String: Entry] = [:]
        var declared: UInt64 = 0
        var count = 0
        for entry in archive {
            count += 1
            guard count <= limits.entries else { throw .tooManyEntries(count: count, limit: limits.entries) }
            let name = entry.path
            guard Self.isSafe(name) else { throw .unsafeEntryName(String(name.prefix(200))) }
            let size = entry.uncompressedSize
            guard size <= limits.partBytes else { throw .tooLarge(entry: name, bytes: size, limit: limits.partBytes) }
            if size > 1 << 20, size / max(entry.compressedSize, 1) > limits.ratio {
                throw .tooLarge(entry: name, bytes: size, limit: max(entry.compressedSize, 1) * limits.ratio)
            }
            declared += size
            guard declared <= limits.totalBytes else { throw .tooLarge(entry: "（全部）", bytes: declared, limit: limits.totalBytes) }
            entries[name] = entry
        }
        func small(_ name: String) throws(WorkbookError) -> [UInt8]? {
            guard let entry = entries[name] else { return nil }
            var bytes: [UInt8] = []
            try Self.inflate(entry, in: archive, limit: min(limits.smallPartBytes, entry.uncompressedSize)) { bytes += $0 }
            return bytes
        }
        // The workbook part: where the package's relationships say, else the usual place.
        let packageRelationships = try small("_rels/.rels").map { bytes throws(WorkbookError) in try Self.parse("_rels/.rels") { try WorkbookParts.relationships(bytes) } } ?? []
        let workbookPath = packageRelationships.first { $0.type.hasSuffix("/officeDocument") && !$0.external }
            .map { Self.resolve($0.target, from: "") } ?? "xl/workbook.xml"
        guard let workbook = try small(workbookPath) else { throw .notAWorkbook(reason: "压缩包里没有 \(workbookPath)，不是 Excel 工作簿") }
        let sheets = try Self.parse(workbookPath) { try WorkbookParts.sheets(workbook) }
        usesDate1904 = try Self.parse(workbookPath) { try WorkbookParts.usesDate1904(workbook) }
        sheetNames = sheets.map(\.name)
        let folder = workbookPath.split(separator: "/").dropLast().joined(separator: "/")
        let relationshipsPath = (folder.isEmpty ? "" : folder + "/") + "_rels/" + (workbookPath.split(separator: "/").last.map(String.init) ?? "") + ".rels"
        let relationships = try small(relationshipsPath).map { bytes throws(WorkbookError) in try Self.parse(relationshipsPath) { try WorkbookParts.relationships(bytes) } } ?? []
        // A sheet named is read whatever its state; otherwise the first visible one: a hidden
        // sheet (an old copy, a lookup list) is not what the clerk sees and means to publish.
        guard let chosen = requested.map({ name in sheets.first { $0.name == name } }) ?? sheets.first(where: { !$0.hidden }) else {
            if let requested { throw .noSuchSheet(requested, available: sheetNames) }
            if !sheets.isEmpty { throw .notAWorkbook(reason: "工作簿里的工作表都是隐藏的；请用 --sheet 指定要读的表（流水线里写 sheet:）") }
            throw .notAWorkbook(reason: "工作簿里没有工作表")
        }
        sheetName = chosen.name
        self.sheets = sheets
        skippedHidden = requested == nil ? Array(sheets.prefix { $0.name != chosen.name }.map(\.name)) : []
        self.archive = archive
        self.entries = entries
        self.relationships = relationships
        self.folder = folder
        self.limits = limits
        guard let link = relationships.first(where: { $0.id == chosen.relationship }) else {
            throw .notAWorkbook(reason: "工作表“\(chosen.name)”没有对应的部件")
        }
        // An external relationship is a link out of the file (a URL, another workbook): never followed.
        guard !link.external else { throw .externalSheet(chosen.name) }
        sheetPart = Self.resolve(link.target, from: folder)
        guard let sheetEntry = entries[sheetPart] else { throw .notAWorkbook(reason: "压缩包里没有工作表部件 \(sheetPart)") }

        // The shared strings, into a table on disk.
        let stringsPath = relationships.first { $0.type.hasSuffix("/sharedStrings") && !$0.external }.map { Self.resolve($0.target, from: folder) }
        stringsPart = stringsPath
        if let stringsPath, let entry = entries[stringsPath] {
            let xml = try Self.spill(entry, in: archive, limit: limits.partBytes)
            defer { close(xml) }
            var table = SharedStringTable()
            let source = FileSource(descriptor: xml)
            do {
                try SharedStringsReader.forEach(read: source.read) { table.append($0) }
            } catch {
                // The workbook fails as a whole (``next()`` says why), but its table is read again
                // item by item, for the rows ``salvageRows(_:)`` tracks: before, a broken table
                // registered none of the file's decisions.
                stringsFailure = error as? XMLReadError ?? .notWellFormed(line: 0, message: "\(error)")
                table = SharedStringTable()
                SharedStringsSalvage.read(descriptor: xml, into: table)
            }
            table.finish()
            strings = table
        } else {
            strings = nil
        }
        sheetFile = try Self.spill(sheetEntry, in: archive, limit: limits.partBytes)
        mergedRanges = WorkbookParts.mergedRanges(inTail: Self.tail(after: "</sheetData>", in: sheetFile))
        let source = FileSource(descriptor: sheetFile)
        let strings = self.strings
        reader = WorksheetReader(
            sharedString: { index, bytes in strings?.append(index, to: &bytes) ?? false }, read: source.read)
    }

    deinit {
        close(sheetFile)
    }

    /// The next row of the sheet, or nil at its end.
    public func next() throws(WorkbookError) -> WorksheetRow? {
        if let stringsFailure { throw .part(entry: stringsPart ?? "xl/sharedStrings.xml", .xml(stringsFailure)) }
        do {
            return try reader.next()
        } catch {
            throw .part(entry: sheetPart, error)
        }
    }

    /// Another sheet of the workbook, read row by row to its end (`body` returns false to stop):
    /// what the sheet read is not, checked for rows of the same kind.
    public func forEachRow(ofSheet name: String, _ body: (WorksheetRow) -> Bool) throws(WorkbookError) {
        guard let sheet = sheets.first(where: { $0.name == name }) else { throw .noSuchSheet(name, available: sheetNames) }
        guard let link = relationships.first(where: { $0.id == sheet.relationship }) else {
            throw .notAWorkbook(reason: "工作表“\(name)”没有对应的部件")
        }
        guard !link.external else { throw .externalSheet(name) }
        let part = Self.resolve(link.target, from: folder)
        guard let entry = entries[part] else { throw .notAWorkbook(reason: "压缩包里没有工作表部件 \(part)") }
        let file = try Self.spill(entry, in: archive, limit: limits.partBytes)
        defer { close(file) }
        let source = FileSource(descriptor: file)
        let strings = self.strings
        let reader = WorksheetReader(sharedString: { index, bytes in strings?.append(index, to: &bytes) ?? false }, read: source.read)
        do {
            while let row = try reader.next() {
                guard body(row) else { return }
            }
        } catch {
            throw .part(entry: part, error)
        }
    }

    // MARK: - The archive

    /// A name that stays inside the archive: relative, no `..` step, no backslash, no NUL, no drive.
    static func isSafe(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("/"), !name.contains("\\"), !name.contains("\0") else { return false }
        if name.count >= 2, name.dropFirst().first == ":" { return false }
        return !name.split(separator: "/", omittingEmptySubsequences: false).contains("..")
    }

    /// A relationship's target as an entry name: absolute (`/xl/x.xml`) or relative to `folder`.
    static func resolve(_ target: String, from folder: String) -> String {
        if target.hasPrefix("/") { return String(target.dropFirst()) }
        var parts = folder.split(separator: "/").map(String.init)
        for step in target.split(separator: "/") {
            if step == ".." { if !parts.isEmpty { parts.removeLast() } } else if step != "." { parts.append(String(step)) }
        }
        return parts.joined(separator: "/")
    }

    private static func parse<T>(_ entry: String, _ body: () throws -> T) throws(WorkbookError) -> T {
        do {
            return try body()
        } catch let error as XMLReadError {
            throw .part(entry: entry, .xml(error))
        } catch {
            throw .part(entry: entry, .xml(.notWellFormed(line: 0, message: "\(error)")))
        }
    }

    /// Inflates an entry chunk by chunk, counting the actual bytes against the declared size and the
    /// limit, and checking its CRC-32 (zlib's: ZIPFoundation's own on Linux is a table loop in
    /// Swift, measured at 10% of a 200,000-record workbook's validation, 4.01–4.08 s against
    /// 3.59–3.66 s without it).
    static func inflate(_ entry: Entry, in archive: Archive, limit: UInt64, _ body: (Data) throws -> Void) throws(WorkbookError) {
        let name = entry.path
        let bound = min(limit, entry.uncompressedSize)
        var actual: UInt64 = 0
        var checksum: UInt = 0
        struct Over: Error {}
        do {
            _ = try archive.extract(entry, bufferSize: 1 << 16, skipCRC32: true) { chunk in
                actual += UInt64(chunk.count)
                guard actual <= bound else { throw Over() }
                checksum = chunk.withUnsafeBytes { raw in
                    CZLibChecksum.crc32(checksum, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt32(raw.count))
                }
                try body(chunk)
            }
            guard checksum == UInt(entry.checksum), actual == entry.uncompressedSize else { throw WorkbookError.corrupt(entry: name) }
        } catch is Over {
            throw .tooLarge(entry: name, bytes: actual, limit: bound)
        } catch let error as WorkbookError {
            throw error
        } catch {
            throw .corrupt(entry: name)
        }
    }

    /// Inflates an entry into an unlinked temporary file; returns its descriptor, at offset 0.
    static func spill(_ entry: Entry, in archive: Archive, limit: UInt64) throws(WorkbookError) -> Int32 {
        let descriptor = TemporaryFile.make()
        guard descriptor >= 0 else { throw .notAWorkbook(reason: "无法创建临时文件（\(String(cString: strerror(errno)))）") }
        do {
            try inflate(entry, in: archive, limit: limit) { chunk in
                try chunk.withUnsafeBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                        guard written > 0 else { throw CocoaError(.fileWriteOutOfSpace) }
                        offset += written
                    }
                }
            }
        } catch {
            close(descriptor)
            throw error
        }
        lseek(descriptor, 0, SEEK_SET)
        return descriptor
    }

    /// The bytes after the last `marker` in the file (at most 64 MiB of them), read from the end.
    static func tail(after marker: String, in descriptor: Int32) -> [UInt8] {
        let size = Int(lseek(descriptor, 0, SEEK_END))
        defer { lseek(descriptor, 0, SEEK_SET) }
        let needle = Array(marker.utf8)
        var window = min(size, 1 << 20)
        while true {
            var bytes = [UInt8](repeating: 0, count: window)
            let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, window, off_t(size - window)) }
            guard read == window else { return [] }
            if let found = lastIndex(of: needle, in: bytes) { return Array(bytes[(found + needle.count)...]) }
            guard window < size, window < 64 << 20 else { return [] }
            window = min(size, window * 4)
        }
    }

    private static func lastIndex(of needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        var index = bytes.count - needle.count
        while index >= 0 {
            if bytes[index] == needle[0], bytes[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index -= 1
        }
        return nil
    }
}

/// An unlinked temporary file: gone from the folder at once, its space freed when closed.
enum TemporaryFile {
    static func make() -> Int32 {
        var template = Array((NSTemporaryDirectory() + "/gongshi-xlsx-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if descriptor >= 0 { template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) } }
        return descriptor
    }
}

/// Serves libxml2's small reads from 1 MiB reads of a file.
final class FileSource {
    private let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0
    private var end = 0

    init(descriptor: Int32) { self.descriptor = descriptor }

    func read(into target: UnsafeMutableRawBufferPointer) -> Int {
        if start == end {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return count }
            start = 0
            end = count
        }
        let count = min(target.count, end - start)
        buffer.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<(start + count)])) }
        start += count
        return count
    }
}

/// The shared-string table on disk: the strings back to back in one unlinked file, their end
/// offsets in another. Memory holds the first strings (where Excel puts the values repeated
/// most, as it numbers strings by first use; at most 2,048 of them and 1 MiB) and one window of
/// each file: bounded, whatever the table's size. Rows use strings near each other in the table, so a window serves most lookups.
final class SharedStringTable {
    private let data = TemporaryFile.make()
    private let ends = TemporaryFile.make()
    private var dataBuffer: [UInt8] = []
    private var endBuffer: [UInt64] = []
    private var written: UInt64 = 0
    private(set) var count = 0
    /// The indices of items ``SharedStringsSalvage`` could not read.
    private var unreadable: Set<Int> = []
    /// The first strings, in memory.
    private var hot: [[UInt8]] = []
    static let hotCount = 2048
    static let hotBytesLimit = 1 << 20
    private var hotBytes = 0
    static let endWindow = 8192
    static let dataWindow = 1 << 20
    /// The windows: a stretch of each file, read once and reused (no allocation per miss).
    private var endWindow = [UInt64](repeating: 0, count: SharedStringTable.endWindow)
    private var endWindowFirst = 0
    private var endWindowCount = 0
    private var dataWindowBytes = [UInt8](repeating: 0, count: SharedStringTable.dataWindow)
    private var dataWindowStart: UInt64 = 0
    private var dataWindowCount = 0
    /// Strings read from further back, a slot each by their index (direct-mapped): the values a
    /// column repeats row after row (a date, an authority, a name) are met again and again, and
    /// each had cost two reads of the files (its bounds, its bytes). Strings of at most
    /// ``backStringLimit`` bytes, 4 MiB in all (a slot is taken only within it).
    /// Measured on 200,000 records (`gongshi-bench workbook`): 1,563,688 `pread` calls a
    /// validation without it, 908,932 with 4,096 slots (a string met once more evicts one met
    /// often), 57,095 with 65,536; 4.63–4.88 s → 3.79–3.87 s.
    static let backStringLimit = 1024
    private let backBytesLimit: Int
    private var backIndex: [Int]
    private var backBytes: [[UInt8]]
    private var backTotal = 0

    /// - Parameters:
    ///   - backSlots: the slots for strings read from further back (a power of two).
    ///   - backBytesLimit: their bytes in all.
    init(backSlots: Int = 1 << 16, backBytesLimit: Int = 4 << 20) {
        precondition(backSlots > 0 && backSlots & (backSlots - 1) == 0, "a power of two")
        backIndex = Array(repeating: -1, count: backSlots)
        backBytes = Array(repeating: [], count: backSlots)
        self.backBytesLimit = backBytesLimit
    }

    deinit {
        close(data)
        close(ends)
    }

    func append(_ string: borrowing [UInt8]) {
        // The first strings, as long as they are few and small: a table of long strings (up to
        // 1 MiB each) must not fill memory through its head.
        if hot.count == count, count < Self.hotCount, hotBytes + string.count <= Self.hotBytesLimit {
            hot.append(copy string)
            hotBytes += string.count
        }
        dataBuffer += string
        written += UInt64(string.count)
        endBuffer.append(written)
        count += 1
        if dataBuffer.count >= 1 << 20 { flushData() }
        if endBuffer.count >= Self.endWindow { flushEnds() }
    }

    /// An item that could not be read (``SharedStringsSalvage``): it keeps its index, and a cell
    /// that uses it has no value.
    func appendUnreadable() {
        unreadable.insert(count)
        append([])
    }

    func finish() {
        flushData()
        flushEnds()
    }

    private func flushData() {
        dataBuffer.withUnsafeBytes { _ = write(data, $0.baseAddress, $0.count) }
        dataBuffer.removeAll(keepingCapacity: true)
    }

    private func flushEnds() {
        endBuffer.withUnsafeBytes { _ = write(ends, $0.baseAddress, $0.count) }
        endBuffer.removeAll(keepingCapacity: true)
    }

    /// Appends string `index`; false when the table has no such string.
    ///
    /// New strings are met in table order (Excel numbers them by first use), so a window that slides
    /// forward serves them; a string from further back (a value repeated from earlier rows) is read
    /// on its own, leaving the window where it is.
    func append(_ index: Int, to bytes: inout [UInt8]) -> Bool {
        guard index >= 0, index < count else { return false }
        if !unreadable.isEmpty, unreadable.contains(index) { return false }
        if index < hot.count {
            bytes += hot[index]
            return true
        }
        let slot = index & (backIndex.count - 1)
        if backIndex[slot] == index {
            bytes += backBytes[slot]
            return true
        }
        guard let (start, stop) = bounds(index), stop >= start else { return false }
        let length = Int(stop - start)
        let windowEnd = dataWindowStart + UInt64(dataWindowCount)
        if start >= dataWindowStart, stop <= windowEnd {
            let from = Int(start - dataWindowStart)
            bytes += dataWindowBytes[from..<(from + length)]
            return true
        }
        if start >= windowEnd, length <= Self.dataWindow {  // forward: slide the window here
            let read = dataWindowBytes.withUnsafeMutableBytes { pread(data, $0.baseAddress, Self.dataWindow, off_t(start)) }
            guard read >= length else { return false }
            dataWindowStart = start
            dataWindowCount = read
            bytes += dataWindowBytes[0..<length]
            return true
        }
        let base = bytes.count
        bytes += repeatElement(0, count: length)
        let read = bytes.withUnsafeMutableBytes { pread(data, $0.baseAddress! + base, length, off_t(start)) }
        guard read == length else {
            bytes.removeSubrange(base...)
            return false
        }
        if length <= Self.backStringLimit, backTotal - backBytes[slot].count + length <= backBytesLimit {
            backTotal += length - backBytes[slot].count
            backIndex[slot] = index
            backBytes[slot] = Array(bytes[base...])
        }
        return true
    }

    /// Where string `index` starts and ends in the data file.
    private func bounds(_ index: Int) -> (UInt64, UInt64)? {
        let first = index - 1  // the end of the string before is this one's start
        if first >= endWindowFirst, index < endWindowFirst + endWindowCount {
            let start = first < 0 ? 0 : endWindow[first - endWindowFirst]
            return (start, endWindow[index - endWindowFirst])
        }
        if index >= endWindowFirst + endWindowCount {  // forward: slide the window to start at `first`
            let from = max(0, first)
            let read = endWindow.withUnsafeMutableBytes { pread(ends, $0.baseAddress, $0.count, off_t(from * 8)) }
            guard read >= 8 else { return nil }
            endWindowFirst = from
            endWindowCount = read / 8
            if first >= 0 {
                guard endWindowCount >= 2 else { return nil }
                return (endWindow[0], endWindow[1])
            }
            return (0, endWindow[0])
        }
        var pair: (UInt64, UInt64) = (0, 0)
        if first < 0 {
            let read = withUnsafeMutableBytes(of: &pair.1) { pread(ends, $0.baseAddress, 8, 0) }
            return read == 8 ? pair : nil
        }
        let read = withUnsafeMutableBytes(of: &pair) { pread(ends, $0.baseAddress, 16, off_t(first * 8)) }
        return read == 16 ? pair : nil
    }
}
