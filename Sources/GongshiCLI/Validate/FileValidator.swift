import DisclosureCore
import Foundation
import SourceDecoders
import WorkingDayCalendar

/// Reads files in chunks and feeds their rows to a ``ValidationSession``: the only file I/O of
/// `gongshi validate`. One broken file fails on its own; the others go through.
///
/// ```
///   file ──read 4 MiB──▶ CSVScanner ──records──▶ batches of 2,048 ──▶ workers: RecordEvaluator
///                        (this thread)                                (one per core)
///                                                                          │ outcomes, in order
///                              ValidationSession.merge ◀───────────────────┘ (this thread:
///                              duplicate keys, counts, issues)
/// ```
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

enum FileValidator {
    /// Bytes read at a time; memory stays bounded by this, the batches in flight and the longest
    /// row, not the file size.
    static let chunkSize = 4 << 20
    static let batchSize = 2048

    /// Worker threads: `GONGSHI_WORKERS` if set, else one per core. One means no extra thread.
    static var workers: Int {
        if let text = ProcessInfo.processInfo.environment["GONGSHI_WORKERS"], let value = Int(text), value >= 1 {
            return value
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Validates the files in order, handing each file's problems to `issues` as the file ends.
    static func validate(
        files: [String], schema: PublicationSchema, today: CalendarDate, encoding: EncodingChoice,
        issues: ([Issue]) -> Void
    ) throws -> ValidationReport {
        var session: ValidationSession
        do {
            session = try ValidationSession(schema: schema, today: today)
        } catch {
            throw CommandFailure(status: ExitStatus.configuration, code: "schema-invalid", message: "\(error)")
        }
        let workers = self.workers
        for file in files {
            session.beginFile(file)
            read(file, into: &session, workers: workers, encoding: encoding)
            issues(session.endFile())
        }
        return session.report
    }

    /// The encoding to read a file in: the one asked for, or (for `auto`) the one its first bytes show.
    private static func decide(_ requested: EncodingChoice, head: UnsafeBufferPointer<UInt8>, isWholeFile: Bool) throws
        -> (TextEncoding, bom: Int)
    {
        switch requested {
        case .auto: return TextEncoding.sniff(head, isWholeFile: isWholeFile)
        case .utf8: return (.utf8, 0)
        case .gb18030: return (.gb18030, 0)
        case .utf16:
            let (sniffed, bom) = TextEncoding.sniff(head, isWholeFile: isWholeFile)
            guard sniffed == .utf16le || sniffed == .utf16be else {
                throw TranscodingError(byteOffset: 0, encoding: .utf16le)
            }
            return (sniffed, bom)
        }
    }

    private static func read(_ path: String, into session: inout ValidationSession, workers: Int, encoding: EncodingChoice) {
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
        var pipeline = workers > 1 ? ParallelEvaluation(workers: workers) : nil
        var rows: [Int] = []
        var cells: [CellBytes] = []
        var reserved = false
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        func flush() {
            if !reserved, let last = cells.last {
                // Size the key index once, from the first batch's bytes per record and the file size.
                reserved = true
                let bytesPerRecord = max(1, last.bytes.count)
                session.reserveKeys(fileSize / bytesPerRecord + batchSize)
            }
            guard !cells.isEmpty else { return }
            if pipeline != nil, let evaluator = session.evaluator() {
                pipeline?.submit(rows: rows, cells: cells, evaluator: evaluator, into: &session)
            } else {
                for (row, record) in zip(rows, cells) { session.record(row: row, cells: record) }
            }
            rows.removeAll(keepingCapacity: true)
            cells.removeAll(keepingCapacity: true)
        }
        func handle(_ record: CSVRecord) {
            guard usable else { return }
            if !sawHeader {
                sawHeader = true
                usable = session.header(record.strings)
                return
            }
            rows.append(record.number)
            cells.append(CellBytes(bytes: record.bytes, cellEnds: record.cellEnds))
            if cells.count >= batchSize { flush() }
        }
        do {
            var transcoder: Transcoder?
            var first = true
            while let chunk = try file.read(upToCount: chunkSize), !chunk.isEmpty {
                let isLast = chunk.count < chunkSize && fileSize <= chunk.count
                try chunk.withUnsafeBytes { raw in
                    var bytes = raw.bindMemory(to: UInt8.self)
                    if first {
                        first = false
                        let (chosen, bom) = try decide(encoding, head: bytes, isWholeFile: isLast)
                        if chosen != .utf8 {
                            transcoder = Transcoder(from: chosen, skip: bom)
                            bytes = UnsafeBufferPointer(rebasing: bytes[bom...])
                        }
                    }
                    if let transcoder {
                        try transcoder.convert(bytes, isLast: false) { utf8 in
                            try scanner.consume(utf8) { handle($0) }
                        }
                    } else {
                        try scanner.consume(bytes) { handle($0) }
                    }
                }
                if !usable { return }
            }
            if let transcoder {
                try transcoder.convert(UnsafeBufferPointer(start: nil, count: 0), isLast: true) { utf8 in
                    try scanner.consume(utf8) { handle($0) }
                }
            }
            try scanner.finish { handle($0) }
            flush()
            pipeline?.drain(into: &session)
        } catch let error as TranscodingError {
            pipeline?.drain(into: &session)
            var issue = Issue(
                "encoding-invalid",
                zh: "第 \(scanner.currentRow) 行（字节偏移 \(error.byteOffset)）不是有效的 \(error.encoding.displayName) 编码；文件中的记录都未校验",
                en: "row \(scanner.currentRow) (byte offset \(error.byteOffset)) is not valid \(error.encoding.displayName); no record of this file was checked")
            issue.row = scanner.currentRow
            session.failFile(issue)
            return
        } catch let error as CSVError {
            pipeline?.drain(into: &session)
            session.failFile(issue(for: error))
            return
        } catch {
            pipeline?.drain(into: &session)
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

/// Evaluates batches of records on worker threads while this thread reads on, and merges their
/// outcomes into the session in row order. At most two batches per worker are in flight.
struct ParallelEvaluation {
    private let maxInFlight: Int
    /// Batches in flight. Each keeps its cells here too, so that this thread, which allocated
    /// them, is also the one that frees them (glibc's per-thread arenas otherwise grow: measured
    /// 500 MB peak instead of under 100 MB for a million records).
    private var window: [(rows: [Int], cells: [CellBytes], result: PendingResult)] = []

    init(workers: Int) {
        maxInFlight = workers * 2
    }

    mutating func submit(rows: [Int], cells: [CellBytes], evaluator: RecordEvaluator, into session: inout ValidationSession) {
        if window.count >= maxInFlight { mergeOldest(into: &session) }
        let result = PendingResult()
        let work = EvaluationWork(evaluator: evaluator, cells: cells)
        DispatchQueue.global(qos: .userInitiated).async {
            result.fulfil(work.run())
        }
        window.append((rows, cells, result))
    }

    /// Waits for every batch in flight and merges it.
    mutating func drain(into session: inout ValidationSession) {
        while !window.isEmpty { mergeOldest(into: &session) }
    }

    private mutating func mergeOldest(into session: inout ValidationSession) {
        let (rows, cells, result) = window.removeFirst()
        for (row, outcome) in zip(rows, result.wait()) { session.merge(row: row, outcome: outcome) }
        withExtendedLifetime(cells) {}
    }
}

/// One batch's work, handed to a worker thread. The evaluator is a value: the worker gets its own
/// copy, and its compiled patterns are only read.
private struct EvaluationWork: @unchecked Sendable {
    let evaluator: RecordEvaluator
    let cells: [CellBytes]

    func run() -> [RecordOutcome] {
        var evaluator = self.evaluator
        return cells.map { evaluator.evaluate($0) }
    }
}

/// A result that one thread fulfils and another waits for.
private final class PendingResult: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var outcomes: [RecordOutcome] = []

    func fulfil(_ outcomes: [RecordOutcome]) {
        self.outcomes = outcomes
        done.signal()
    }

    func wait() -> [RecordOutcome] {
        done.wait()
        return outcomes
    }
}
