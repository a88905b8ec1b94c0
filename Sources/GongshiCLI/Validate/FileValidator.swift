import DisclosureCore
import Foundation
import SourceDecoders
import WorkingDayCalendar

/// Reads files in chunks and feeds their rows to a ``ValidationSession``: the only file I/O of
/// `gongshi validate`. One broken file fails on its own; the others go through.
enum FileValidator {
    /// Bytes read at a time; memory stays bounded by this and the longest row, not the file size.
    static let chunkSize = 4 << 20

    static func validate(files: [String], schema: PublicationSchema, today: CalendarDate) throws -> ValidationReport {
        var session: ValidationSession
        do {
            session = try ValidationSession(schema: schema, today: today)
        } catch {
            throw CommandFailure(status: ExitStatus.configuration, code: "schema-invalid", message: "\(error)")
        }
        for file in files {
            session.beginFile(file)
            read(file, into: &session)
            session.endFile()
        }
        return session.report
    }

    private static func read(_ path: String, into session: inout ValidationSession) {
        guard let file = FileHandle(forReadingAtPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            session.failFile(Issue(
                "file-unreadable", zh: exists ? "无法读取文件" : "文件不存在", en: exists ? "cannot read the file" : "no such file"))
            return
        }
        defer { try? file.close() }
        var scanner = CSVScanner()
        var sawHeader = false
        var usable = true
        func handle(_ record: CSVRecord) {
            guard usable else { return }
            if !sawHeader {
                sawHeader = true
                usable = session.header(record.strings)
            } else {
                session.record(row: record.number, cells: CellBytes(bytes: record.bytes, cellEnds: record.cellEnds))
            }
        }
        do {
            while let chunk = try file.read(upToCount: chunkSize), !chunk.isEmpty {
                try chunk.withUnsafeBytes { raw in
                    try scanner.consume(raw.bindMemory(to: UInt8.self)) { handle($0) }
                }
                if !usable { return }
            }
            try scanner.finish { handle($0) }
        } catch let error as CSVError {
            session.failFile(issue(for: error))
            return
        } catch {
            session.failFile(Issue("file-unreadable", zh: "读取文件出错：\(error)", en: "error reading the file: \(error)"))
            return
        }
        if !sawHeader {
            session.failFile(Issue("header-missing", zh: "文件是空的，没有表头", en: "the file is empty: no header row"))
        }
    }

    private static func issue(for error: CSVError) -> Issue {
        switch error {
        case .invalidUTF8(let row, let offset):
            var issue = Issue(
                "encoding-invalid",
                zh: "第 \(row) 行（字节偏移 \(offset)）不是有效的 UTF-8；请以 UTF-8 编码另存为 CSV。文件中的记录都未校验",
                en: "row \(row) (byte offset \(offset)) is not valid UTF-8; save the file as UTF-8 CSV. No record of this file was checked")
            issue.row = row
            return issue
        case .unterminatedQuote(let row, let offset):
            var issue = Issue(
                "csv-unterminated-quote",
                zh: "第 \(row) 行的引号（字节偏移 \(offset)）没有闭合，其后的内容无法可靠读取。文件中的记录都未校验",
                en: "the quote in row \(row) (byte offset \(offset)) is never closed; nothing after it can be read reliably. No record of this file was checked")
            issue.row = row
            return issue
        }
    }
}
