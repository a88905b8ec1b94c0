public import DisclosureCore
import Foundation
import Glibc
import HandOff
import SourceDecoders
import Workbooks
public import WorkingDayCalendar

/// Reads files in chunks and feeds their rows to a ``ValidationSession``: the only file I/O of
/// `gongshi validate`. One broken file fails on its own; the others go through.
///
/// ```
///   file ──read 4 MiB──▶ CSVScanner ──records──▶ batches of 1,024 ──▶ workers: RecordEvaluator
///                        (this thread)                                (one per core besides this one)
///                                                                          │ outcomes, in order
///                              ValidationSession.merge ◀───────────────────┘ (this thread:
///                              duplicate keys, counts, issues)
/// ```
public enum FileValidator {
    /// Bytes read at a time; memory stays bounded by this, the batches in flight and the longest
    /// row, not the file size.
    static let chunkSize = 4 << 20
    /// Records per batch handed to a checking thread. Up to six batches wait to be merged, each
    /// with its records' bytes and decoded values: measured on a million-record run, 2,048 held
    /// the peak at 119 MB and 1,024 at 108 MB; validation of 200,000 records took 0.64–0.71 s
    /// against 0.67–0.73 s.
    static let batchSize = 1024
    /// Records per batch when the record sink's work is done where the records are checked
    /// (``RecordPreparer``): the reading thread then keeps up with the checking one, up to six
    /// batches wait to be merged and four more are on a worker, each with its prepared entries.
    /// A million-record run's peak through validation: 116 MiB at 1,024, 98–99 MiB at 512, 90 MiB
    /// at 256, 87 MiB at 128, with validation's time the same (10.0–10.7 s). Validation alone keeps
    /// 1,024: at 256 it was 5–10% slower.
    static let preparedBatchSize = 256
    /// Decision keys held in memory before they are written out (``KeyRunFile``): 5.2 MB of
    /// table. A million keys took 20 MB in memory, and memory grew with the input.
    static let keysInMemory = 1 << 18

    /// The checking workers for a file, with the record sink's work done on them where it can be,
    /// and the batch size that goes with it.
    private static func evaluation(workers: Int, sink: IssueSink) -> (pipeline: ParallelEvaluation?, batchSize: Int) {
        guard workers > 0 else { return (nil, batchSize) }
        let preparer = sink.recordSink?.preparer(file: sink.file)
        return (ParallelEvaluation(workers: workers, preparer: preparer), preparer == nil ? batchSize : preparedBatchSize)
    }

    /// The checking threads a caller chose for the validations it runs (tests: a number of them
    /// that does not depend on the machine's cores); nil: ``workers`` decides.
    @TaskLocal static var workersChosen: Int?

    /// Checking threads besides the reading one: `GONGSHI_WORKERS` if set (0: check on the reading
    /// thread), else one per core besides the reading thread's. Measured on the 2-core machine: the
    /// reading thread plus one checker takes 25% less CPU than plus two, for the same wall time.
    static var workers: Int {
        if let workersChosen { return workersChosen }
        if let text = ProcessInfo.processInfo.environment["GONGSHI_WORKERS"], let value = Int(text), value >= 0 {
            return value
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount - 1)
    }

    /// Validates the files in order, handing their problems to `writer` as they are found: the
    /// header's at once, the records' held back until the file is known to be whole.
    public static func validate(
        files: [String], schema: PublicationSchema, today: CalendarDate, options: InputOptions, writer: ReportWriter
    ) throws -> ValidationReport {
        try validate(files: files, schema: schema, today: today, options: options, writer: writer, records: nil)
    }

    /// Validates the files, handing each valid record to `records` as it is found (a batch at a
    /// time, in file order); a file that fails after some of its records were handed over is
    /// reported to the sink as failed, and the sink drops them.
    ///
    /// - Parameters:
    ///   - range: a range re-run's decision dates: a record decided outside them is counted apart,
    ///     its problems not listed (``ValidationSession/range``).
    ///   - refuse: why a file is not to be read at all (the run could not take its fingerprint, so
    ///     its records could not be tied to it in the ledger): it fails as a file that cannot be
    ///     read does, with the reason, and its decisions are still salvaged.
    ///   - refuseRead: the same, asked once a file that did not fail has been read (its fingerprint
    ///     was taken while it was read): its records are dropped as a file's that fails half-way.
    public static func validate(
        files: [String], schema: PublicationSchema, today: CalendarDate, options: InputOptions, writer: ReportWriter,
        records: (any RecordSink)?, range: ClosedRange<CalendarDate>? = nil,
        refuse: (String) -> Issue? = { _ in nil }, refuseRead: (String) -> Issue? = { _ in nil }
    ) throws -> ValidationReport {
        var session: ValidationSession
        do {
            // The decision keys beyond a quarter of a million go to a temporary file, so that memory
            // does not grow with the input; without one (the folder is not writable) they stay in memory.
            session = try ValidationSession(
                schema: schema, today: today, columnNames: options.columnNames, collectsRecords: records != nil,
                keyRuns: try? KeyRunFile(), keysInMemory: keysInMemory)
        } catch {
            throw CommandFailure(status: ExitStatus.configuration, code: "schema-invalid", message: "\(error)")
        }
        session.range = range
        let workers = self.workers
        for file in files {
            let format = InputOptions.Format.of(file, declared: options.format)
            session.beginFile(file, byLine: format == .xml)
            let sink = IssueSink(writer: writer, records: records, file: file)
            if let refused = refuse(file) {
                session.failFile(refused)
            } else if let unknown = unknownSuffix(file, options: options) {
                session.failFile(unknown)
            } else {
                switch format {
                case .xml: readXML(file, into: &session, workers: workers, schema: schema, options: options, sink: sink)
                case .xlsx: readWorkbook(file, into: &session, workers: workers, schema: schema, options: options, sink: sink)
                case .csv: read(file, into: &session, workers: workers, encoding: options.encoding, sink: sink)
                }
                if !session.currentFileFailed, let refused = refuseRead(file) { session.failFile(refused) }
            }
            if let error = sink.error { throw error }
            try records?.accept(session.drainRecords())
            let seen = session.drainSightings()
            try records?.sighted(seen.sightings, unidentifiable: seen.unidentifiable, file: file, salvaged: false)
            let rest = session.endFile()
            let failed = session.report.files.last?.failed ?? true
            try records?.endFile(failed: failed)
            if failed, let records, unknownSuffix(file, options: options) == nil {
                // Its decisions are still tracked: the rows whose number and date can be read, a
                // batch at a time as the file is read again.
                try Salvage.decisions(file: file, schema: schema, options: options) { sightings, unidentifiable in
                    try records.sighted(sightings, unidentifiable: unidentifiable, file: file, salvaged: true)
                }
            }
            try writer.endFile(file, failed: failed, rest)
        }
        return session.report
    }

    /// Why a pipeline source's file whose format was not declared is not read: its suffix names
    /// none (``InputOptions/refusesUnknownSuffix``). Nil for a file to read.
    static func unknownSuffix(_ file: String, options: InputOptions) -> Issue? {
        guard options.refusesUnknownSuffix, options.format == nil, InputOptions.Format.bySuffix(file) == nil else { return nil }
        let suffix = (file as NSString).pathExtension
        let named = suffix.isEmpty ? "没有扩展名" : "扩展名 .\(Issue.echo(suffix)) 不是已知的格式"
        let namedEn = suffix.isEmpty ? "has no suffix" : "has the suffix .\(Issue.echo(suffix)), which names no format"
        return Issue(
            "source-format-unknown",
            zh: "文件\(named)：流水线的 source 没有写 format，按每个文件的扩展名决定格式（.csv、.txt、.tsv 为 CSV，.xlsx 为 Excel 工作簿，.xml 为 XML）。请改用正确的扩展名，或在 source 中写明 format。文件中的记录都未校验",
            en: "the file \(namedEn): the source declares no format, so each file's suffix decides it (.csv, .txt, .tsv: CSV; .xlsx: workbook; .xml: XML). Rename it, or declare format: in the source. No record of this file was checked")
    }

    /// Where problems go while a file is read.
    final class IssueSink {
        let writer: ReportWriter
        let recordSink: (any RecordSink)?
        let file: String
        var error: (any Error)?

        init(writer: ReportWriter, records: (any RecordSink)? = nil, file: String) {
            self.writer = writer
            self.recordSink = records
            self.file = file
        }

        /// The header's problems: written now, and kept even if the file fails later.
        func header(_ session: inout ValidationSession) {
            writer.write(session.drainIssues())
            session.keepDrained()
        }

        /// Records' problems: held back until the file ends; valid records go on to the record sink.
        func records(_ session: inout ValidationSession) {
            do {
                try writer.hold(session.drainIssues())
                try recordSink?.accept(session.drainRecords())
                let seen = session.drainSightings()
                try recordSink?.sighted(seen.sightings, unidentifiable: seen.unidentifiable, file: file, salvaged: false)
            } catch {
                self.error = error
            }
        }
    }


    /// The encoding to read a file in: the one asked for, or (for `auto`) the one its first bytes show.
    private static func decide(_ requested: EncodingChoice, head: UnsafeBufferPointer<UInt8>, isWholeFile: Bool) throws
        -> (TextEncoding, bom: Int)
    {
        switch requested {
        case .auto: return TextEncoding.sniff(head, isWholeFile: isWholeFile)
        case .utf8: return (.utf8, 0)
        // A UTF-8 byte-order mark says what the file is, whatever the pipeline expects (read as
        // GB18030 it is mojibake from its first character on, and every later character fails).
        case .gb18030 where head.count >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF: return (.utf8, 3)
        case .gb18030: return (.gb18030, 0)
        case .utf16:
            let (sniffed, bom) = TextEncoding.sniff(head, isWholeFile: isWholeFile)
            guard sniffed == .utf16le || sniffed == .utf16be else {
                throw TranscodingError(byteOffset: 0, encoding: .utf16le)
            }
            return (sniffed, bom)
        }
    }

    /// The most bytes of one CSV cell held in memory in a column whose field has no maximum length
    /// (a cell of a national template is at most a few thousand characters; a longer one is an
    /// error whatever its length). A field with a maximum holds less (``ValidationSession/cellByteLimits(cap:)``).
    static let cellLimit = 1 << 20
    /// The most bytes of records' cells in one batch, whatever its count: records of long cells
    /// (a 200 KB 违法事实 in each of 2,000 rows) are handed on in smaller batches, so that the
    /// batches waiting to be checked and merged do not hold a thousand of them each (451 MB for
    /// that file of 411 MB, measured). Batches of ordinary records (about a kilobyte each) stay
    /// within it.
    static let batchBytes = 2 << 20

    private static func read(
        _ path: String, into session: inout ValidationSession, workers: Int, encoding: EncodingChoice, sink: IssueSink
    ) {
        guard let file = open(path, failing: &session) else { return }
        defer { try? file.close() }
        // With worker threads, each record's bytes are checked for UTF-8 there, not by the scanner
        // here; transcoded input is UTF-8 by construction.
        var scanner = CSVScanner(cellLimit: Self.cellLimit)
        var workersCheckUTF8 = false
        var headerUndecodable: (row: Int, byteOffset: Int)?
        var sawHeader = false
        var titleRows = 0
        var usable = true
        var (pipeline, batchSize) = evaluation(workers: workers, sink: sink)
        var batch = Batch()
        var reserved = false
        // The size of what was opened (a symbolic link's target, not the link: sized from a link's
        // few bytes, the key index grew by doubling and held two copies of itself, 31 MB at a
        // million records).
        let fileSize = Self.size(of: path)
        func flush() {
            if !reserved, batch.count > 0 {
                // Size the key index once, from the first batch's bytes per record and the file size.
                reserved = true
                session.reserveKeys(fileSize / batch.averageRecordBytes + batchSize)
            }
            submit(&batch, to: &pipeline, session: &session, checkUTF8: workersCheckUTF8)
            sink.records(&session)
        }
        /// Takes a record; the header's hands the scanner its columns' limits. (Called from a
        /// closure written out at each call: handed over as a function value, the locals it changes
        /// were checked for exclusive access at run time, record by record: validation's CPU 3.6%
        /// higher, measured.)
        func handle(_ record: CSVRecord) -> [Int]? {
            guard usable else { return nil }
            if !sawHeader {
                // A title line or two above the header (a workbook's title, saved as CSV), and blank
                // lines there: skipped with a warning, as a workbook's merged title is.
                if titleRows < 3, CellBytes(bytes: record.bytes, cellEnds: record.cellEnds).isUTF8,
                    record.strings.allSatisfy({ TextNormalizer.trim($0).isEmpty }) || session.looksLikeTitle(record.strings)
                {
                    titleRows += 1
                    let blank = record.strings.allSatisfy { TextNormalizer.trim($0).isEmpty }
                    var issue = Issue(
                        "csv-title-row-skipped", .warning,
                        zh: blank ? "第 \(record.number) 行是表头上方的空行，已跳过" : "第 \(record.number) 行是标题，不是表头（没有一列是本表的字段），已跳过",
                        en: blank ? "row \(record.number) is blank, above the header, and is skipped" : "row \(record.number) is a title, not the header (no cell names a field), and is skipped")
                    issue.row = record.number
                    session.note(issue)
                    return nil
                }
                sawHeader = true
                if workersCheckUTF8, !CellBytes(bytes: record.bytes, cellEnds: record.cellEnds).isUTF8 {
                    headerUndecodable = (record.number, record.byteOffset)
                    usable = false
                    return nil
                }
                usable = session.header(record.strings, row: record.number)
                sink.header(&session)
                return usable ? session.cellByteLimits(cap: Self.cellLimit) : nil
            }
            batch.append(row: record.number, bytes: record.bytes, cellEnds: record.cellEnds)
            batch.offsets.append(record.byteOffset)
            batch.extras.append(record.oversized.map { cell in
                session.cutCell(
                    column: cell.cell, bytes: cell.bytes, characters: cell.characters, start: Self.start(of: cell.cell, in: record),
                    cap: Self.cellLimit)
            })
            if batch.isFull(records: batchSize) { flush() }
            return nil
        }
        // A workbook named .csv (a zip: `PK\3\4`, or an old .xls or encrypted workbook: an OLE2
        // compound file) is not a text whose bytes fail to decode: say what it is.
        let signature = FileSignature.of(descriptor: file.fileDescriptor)
        if case .compound(let kind) = signature {
            session.failFile(FileSignature.compoundIssue(kind))
            return
        }
        if case .zip = signature {
            session.failFile(Issue(
                "csv-is-workbook",
                zh: "这是 Excel 工作簿（.xlsx，zip 压缩包），不是 CSV 文本：请把文件扩展名改为 .xlsx 后再运行（流水线里写 format: xlsx），或在 Excel 中另存为“CSV UTF-8”。文件中的记录都未校验",
                en: "this is an Excel workbook (.xlsx, a zip archive), not CSV text: rename it to .xlsx (format: xlsx in a pipeline) or save it as CSV UTF-8 in Excel. No record of this file was checked"))
            return
        }
        do {
            var transcoder: Transcoder?
            var first = true
            // One buffer for the whole file: no new 4 MiB allocation (and its page faults) per chunk.
            var buffer = [UInt8](repeating: 0, count: chunkSize)
            let progress = ReadProgress(path: path, total: fileSize)
            defer { progress?.finish() }
            while true {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(file.fileDescriptor, $0.baseAddress, chunkSize) }
                if count < 0 { throw CocoaError(.fileReadUnknown) }
                if count == 0 { break }
                progress?.advance(count)
                let isLast = count < chunkSize && fileSize <= count
                try buffer.withUnsafeBufferPointer { whole in
                    var bytes = UnsafeBufferPointer(rebasing: whole[0..<count])
                    if first {
                        first = false
                        let (chosen, bom) = try decide(encoding, head: bytes, isWholeFile: isLast)
                        if encoding == .gb18030, chosen == .utf8 {
                            var issue = Issue(
                                "encoding-utf8-bom", .warning,
                                zh: "文件开头有 UTF-8 标记（BOM），按 UTF-8 读取（流水线设定为 GB18030）",
                                en: "the file starts with a UTF-8 byte-order mark: read as UTF-8 (the pipeline expects GB18030)")
                            issue.row = 1
                            session.note(issue)
                        }
                        // Excel's "Unicode 文本" is TAB-separated: a header of tabs and no commas is read so.
                        let delimiter = chosen.headerDelimiter(UnsafeBufferPointer(rebasing: bytes[bom...]))
                        if delimiter != UInt8(ascii: ",") {
                            var issue = Issue(
                                "tab-separated", .warning, zh: "表头以制表符（Tab）分隔，不是逗号（Excel“Unicode 文本”格式）：已按制表符分隔读取",
                                en: "the header is separated by tabs, not commas (Excel's Unicode Text): read as tab-separated")
                            issue.row = 1
                            session.note(issue)
                        }
                        if chosen != .utf8 {
                            transcoder = Transcoder(from: chosen, skip: bom)
                            bytes = UnsafeBufferPointer(rebasing: bytes[bom...])
                            scanner = CSVScanner(delimiter: delimiter, validatesUTF8: false, cellLimit: Self.cellLimit)
                        } else if pipeline != nil {
                            scanner = CSVScanner(delimiter: delimiter, validatesUTF8: false, cellLimit: Self.cellLimit)
                            workersCheckUTF8 = true
                        } else if delimiter != UInt8(ascii: ",") {
                            scanner = CSVScanner(delimiter: delimiter, cellLimit: Self.cellLimit)
                        }
                    }
                    if let transcoder {
                        try transcoder.convert(bytes, isLast: false) { utf8 in
                            try scanner.consumeLimiting(utf8) { handle($0) }
                        }
                    } else {
                        try scanner.consumeLimiting(bytes) { handle($0) }
                    }
                }
                if let failure = headerUndecodable {
                    return failUndecodable(failure, descriptor: file.fileDescriptor, session: &session)
                }
                if !usable { return }
                if let failure = pipeline?.undecodable {
                    pipeline?.drain(into: &session)
                    return failUndecodable(failure, descriptor: file.fileDescriptor, session: &session)
                }
            }
            if let transcoder {
                try transcoder.convert(UnsafeBufferPointer(start: nil, count: 0), isLast: true) { utf8 in
                    try scanner.consumeLimiting(utf8) { handle($0) }
                }
            }
            try scanner.finish { _ = handle($0) }
            if let failure = headerUndecodable {
                return failUndecodable(failure, descriptor: file.fileDescriptor, session: &session)
            }
            flush()
            pipeline?.drain(into: &session)
            if let failure = pipeline?.undecodable {
                return failUndecodable(failure, descriptor: file.fileDescriptor, session: &session)
            }
            sink.records(&session)
        } catch let error as TranscodingError {
            pipeline?.drain(into: &session)
            session.failFile(undecodable(row: scanner.currentRow, offset: error.byteOffset, encoding: error.encoding))
            return
        } catch let error as CSVError {
            pipeline?.drain(into: &session)
            let problem = issue(for: error, session: session)
            session.failFile(problem)
            return
        } catch {
            pipeline?.drain(into: &session)
            session.failFile(Issue(
                "file-unreadable", zh: "读取文件出错（\(String(cString: strerror(errno)))）", en: "error reading the file (\(String(cString: strerror(errno))))"))
            return
        }
        if !sawHeader {
            session.failFile(Issue("header-missing", zh: "文件是空的，没有表头", en: "the file is empty: no header row"))
        }
    }

    /// Fails a file in which a worker found bytes that are not UTF-8: the exact offset is found by
    /// reading on from the start of the record (a rare event; the common case pays nothing).
    private static func failUndecodable(_ failure: (row: Int, byteOffset: Int), descriptor: Int32, session: inout ValidationSession) {
        var validator = UTF8Validator()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var position = failure.byteOffset
        var offset = failure.byteOffset
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(position)) }
            guard count > 0 else {
                offset += validator.openSequence ?? 0
                break
            }
            if let found = buffer.withUnsafeBufferPointer({ validator.check(UnsafeBufferPointer(rebasing: $0[0..<count])) }) {
                offset = failure.byteOffset + found
                break
            }
            position += count
        }
        session.failFile(undecodable(row: failure.row, offset: offset, encoding: .utf8))
    }

    /// The failure of a file with bytes that do not decode, at a row and byte offset.
    private static func undecodable(row: Int, offset: Int, encoding: TextEncoding) -> Issue {
        let advice =
            switch encoding {
            case .utf8: "请以 UTF-8 编码另存为 CSV。"
            case .gb18030: "如果文件是 UTF-8 编码（WPS、网页或其他系统导出的常见），请在 Excel 中另存为“CSV（逗号分隔）”，或把流水线的 encoding 设为 auto。"
            default: ""
            }
        var issue = Issue(
            "encoding-invalid",
            zh: "第 \(row) 行（字节偏移 \(offset)）不是有效的 \(encoding.displayName) 编码；\(advice)文件中的记录都未校验",
            en: "row \(row) (byte offset \(offset)) is not valid \(encoding.displayName); no record of this file was checked")
        issue.row = row
        return issue
    }

    /// The size of the file at `path`, through a symbolic link (0 if it cannot be known, or it is
    /// not a regular file).
    static func size(of path: String) -> Int {
        Int(FileStat(path: path)?.size ?? 0)
    }

    /// Opens a file for reading, or fails it in the session with the reason.
    private static func open(_ path: String, failing session: inout ValidationSession) -> FileHandle? {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists, !isDirectory.boolValue, let file = FileHandle(forReadingAtPath: path) { return file }
        let (zh, en) =
            !exists ? ("文件不存在", "no such file")
            : isDirectory.boolValue ? ("是目录，不是文件", "a directory, not a file") : ("无法读取文件（没有权限？）", "cannot read the file (permissions?)")
        session.failFile(Issue("file-unreadable", zh: zh, en: en))
        return nil
    }

    /// The start of a cut cell as its problem echoes it: its first 1,024 bytes (cut where a
    /// character starts), which hold at least 256 characters, more than the echo shows and the
    /// screen of its personal data reads (``Issue/shown(_:field:totalCharacters:)``).
    static func start(of cell: Int, in record: CSVRecord) -> String {
        let range = record.range(of: cell)
        var end = min(range.upperBound, range.lowerBound + 1024)
        while end < range.upperBound, end > range.lowerBound, record.bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return String(decoding: record.bytes[range.lowerBound..<end], as: UTF8.self)
    }

    /// Records read but not yet evaluated, with problems the reader already found in them. The
    /// records' bytes are copied into one storage for the batch, so a batch costs a few allocations,
    /// not several per record.
    struct Batch {
        var rows: [Int] = []
        /// Where each record starts in the file (CSV), to find an undecodable byte exactly.
        var offsets: [Int] = []
        var extras: [[Issue]] = []
        /// Each record's fields' lines (XML), by column, back to back: a field's problem names its line.
        var fieldLines: [Int32] = []
        private var bytes: [UInt8] = []
        private var ends: [Int] = []
        private var starts: [(firstCell: Int, start: Int, count: Int)] = []

        var count: Int { rows.count }

        init() {}

        /// An empty batch with room for one like `previous`: a batch grown from empty reallocates
        /// (and copies) its megabytes a dozen times.
        ///
        /// - Parameter spare: storage of an earlier batch to fill again (``ParallelEvaluation/takeSpare()``).
        init(sizedLike previous: Batch, reusing spare: inout (bytes: [UInt8], ends: [Int])?) {
            if spare != nil {
                // Swapped in, not copied: a copy would be a second reference, and emptying
                // shared storage allocates anew.
                swap(&bytes, &spare!.bytes)
                swap(&ends, &spare!.ends)
                spare = nil
                bytes.removeAll(keepingCapacity: true)
                ends.removeAll(keepingCapacity: true)
            }
            rows.reserveCapacity(previous.rows.count)
            offsets.reserveCapacity(previous.offsets.count)
            extras.reserveCapacity(previous.extras.count)
            fieldLines.reserveCapacity(previous.fieldLines.count)
            bytes.reserveCapacity(previous.bytes.count + previous.bytes.count / 8)
            ends.reserveCapacity(previous.ends.count)
            starts.reserveCapacity(previous.starts.count)
        }

        /// Adds a record given as cells back to back.
        mutating func append(row: Int, bytes cellBytes: [UInt8], cellEnds: [Int]) {
            let base = bytes.count
            starts.append((ends.count, base, cellEnds.count))
            bytes.append(contentsOf: cellBytes)
            for end in cellEnds { ends.append(base + end) }
            rows.append(row)
        }

        /// Adds a record whose cells are stretches of `source` (`nil`: an empty cell).
        mutating func append(row: Int, cells ranges: [Range<Int>?], from source: [UInt8]) {
            let base = bytes.count
            starts.append((ends.count, base, ranges.count))
            source.withUnsafeBufferPointer { source in
                for range in ranges {
                    if let range { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[range])) }
                    ends.append(bytes.count)
                }
            }
            rows.append(row)
        }

        /// The records, each a view of the shared storage.
        var cells: [CellBytes] {
            starts.map { CellBytes(bytes: bytes, cellEnds: ends, firstCell: $0.firstCell, start: $0.start, count: $0.count) }
        }

        var averageRecordBytes: Int { rows.isEmpty ? 1 : max(1, bytes.count / rows.count) }

        /// Whether the batch is to be handed on: `records` records, or ``FileValidator/batchBytes``
        /// of their cells, whichever comes first.
        func isFull(records: Int) -> Bool { rows.count >= records || bytes.count >= FileValidator.batchBytes }
    }

    /// A full batch of a record-by-record reader (XML, workbook) handed on, and its problems with it.
    private static func submit(_ batch: inout Batch, to pipeline: inout ParallelEvaluation?, session: inout ValidationSession, sink: IssueSink) {
        submit(&batch, to: &pipeline, session: &session)
        sink.records(&session)
    }

    /// The last batch handed on, every batch in flight merged, their problems passed on.
    private static func finish(_ batch: inout Batch, pipeline: inout ParallelEvaluation?, session: inout ValidationSession, sink: IssueSink) {
        submit(&batch, to: &pipeline, session: &session)
        pipeline?.drain(into: &session)
        sink.records(&session)
    }

    /// Hands a batch to the workers, or (with one worker) evaluates it here; empties it.
    ///
    /// - Parameter checkUTF8: the workers check that each record is UTF-8 (the scanner did not).
    private static func submit(
        _ batch: inout Batch, to pipeline: inout ParallelEvaluation?, session: inout ValidationSession, checkUTF8: Bool = false
    ) {
        guard batch.count > 0 else { return }
        let extras = batch.extras.isEmpty ? Array(repeating: [Issue](), count: batch.rows.count) : batch.extras
        let cells = batch.cells
        if pipeline != nil, let evaluator = session.evaluator() {
            pipeline?.submit(
                rows: batch.rows, offsets: checkUTF8 ? batch.offsets : [], cells: cells, extras: extras, fieldLines: batch.fieldLines,
                evaluator: evaluator, into: &session)
        } else {
            let stride = batch.fieldLines.count / batch.rows.count
            for index in batch.rows.indices {
                session.record(
                    row: batch.rows[index], cells: cells[index], extra: extras[index],
                    fieldLines: stride > 0 ? batch.fieldLines[(index * stride)..<((index + 1) * stride)] : nil)
            }
        }
        var spare = pipeline?.takeSpare()
        batch = Batch(sizedLike: batch, reusing: &spare)
    }

    /// Reads an XML export record by record: the plain scanner, or libxml2's SAX parser (with the XSD
    /// if given, or where the file leaves the plain subset).
    private static func readXML(
        _ path: String, into session: inout ValidationSession, workers: Int, schema: PublicationSchema,
        options: InputOptions, sink: IssueSink
    ) {
        guard let file = open(path, failing: &session) else { return }
        defer { try? file.close() }
        let descriptor = file.fileDescriptor
        // Two batches at most on the checking worker, the rest checked here (as for CSV). With
        // libxml2 parsing, this thread had checked every batch itself: the parsing thread was the
        // bound and needed its core. The plain scanner left it the lighter thread. Interleaved, 200,000
        // records, 9 rounds, medians: 1.22 s checking here, 1.12 s with one batch on the worker,
        // 0.99 s with two (xmllint --stream 1.10 s); with the XSD (libxml2 parsing), 5 rounds:
        // 2.75 s and 2.53 s (xmllint 2.46 s).
        var (pipeline, batchSize) = evaluation(workers: workers, sink: sink)
        var batch = Batch()
        _ = session.header(schema.fields.map(\.name))
        let lookup = HeaderMatcher.lookup(schema, extraNames: options.columnNames)
        // A field's text is kept to its field's limit, as a CSV cell is (the columns are the
        // schema's fields here); an element no field reads, to the cap.
        let limits = session.cellByteLimits(cap: cellLimit)
        let ahead = XMLRecordsAhead(
            descriptor: descriptor, path: path, recordPath: options.xmlRecord, xsd: options.xsd,
            textLimit: { name in lookup[HeaderMatcher.key(name)].map { limits[$0] } ?? cellLimit })
        defer { ahead.stop() }  // before the file closes: the parsing thread reads it
        do {
            sink.header(&session)
            var fieldByName: [Int?] = []  // element name ID → field, looked up once per name
            var reported: Set<Int> = []
            var firstRange = [Range<Int>?](repeating: nil, count: schema.fields.count)
            var firstLine = [Int32](repeating: 0, count: schema.fields.count)
            var firstRecord = true
            while let (record, violations) = try ahead.next() {
                // The first record's elements are the export's header: an export in the 2015 (v1)
                // format fails as such, once, not as each record's current fields missing.
                if firstRecord {
                    firstRecord = false
                    if session.failsAsLegacy(elementNames: record.fields.map(\.name), line: record.line) {
                        pipeline?.drain(into: &session)
                        return
                    }
                }
                var extra = violations.map { violation -> Issue in
                    var issue = Issue(
                        "xml-schema-error", zh: "不符合 XSD：\(violation.message)", en: "does not match the XSD: \(violation.message)")
                    issue.line = violation.line
                    return issue
                }
                for index in firstRange.indices {
                    firstRange[index] = nil
                    firstLine[index] = 0
                }
                var cuts = record.oversized[...]
                var markups = record.problems[...]
                for problem in record.problems {
                    guard case .nestedRecord(let line) = problem else { continue }
                    // Its fields are not read: the record around it is refused, the two counted as one.
                    var issue = Issue(
                        "xml-nested-record",
                        zh: "记录里嵌套了另一条记录（第 \(line) 行的 <\(options.xmlRecord.split(separator: "/").last ?? "")>）；嵌套的记录没有读取，外面这条记录无效。请把它移到这条记录之外后重新导出",
                        en: "a record is nested inside this record (line \(line)); the nested one was not read and this record is invalid")
                    issue.line = line
                    extra.append(issue)
                }
                for (position, field) in record.fields.enumerated() {
                    var cut: OversizedCell?
                    if cuts.first?.cell == position { cut = cuts.popFirst() }
                    var markup: (element: String, line: Int)?
                    while let problem = markups.first {
                        if case .markupInField(let cell, let element, let line) = problem {
                            guard cell <= position else { break }
                            if cell == position { markup = (element, line) }
                        }
                        markups.removeFirst()
                    }
                    while fieldByName.count <= field.nameID { fieldByName.append(nil) }
                    if fieldByName[field.nameID] == nil {
                        fieldByName[field.nameID] = .some(lookup[HeaderMatcher.key(field.name)] ?? -1)
                    }
                    let index = fieldByName[field.nameID] ?? -1
                    guard index >= 0, firstRange[index] == nil else {
                        if index < 0, reported.insert(field.nameID).inserted {
                            var issue = Issue(
                                "unknown-column", .warning, value: field.name,
                                zh: "元素 <\(field.name)> 不是\(schema.title)的字段，被忽略（只报告第一次出现）",
                                en: "element <\(field.name)> is not a field of \(schema.title) and is ignored (reported once)")
                            issue.line = field.line
                            session.note(issue)
                        } else if index >= 0 {
                            var issue = Issue(
                                "xml-repeated-element", field: schema.fields[index], value: record.text(field),
                                zh: "同一条记录中 <\(field.name)> 出现了不止一次；只用第一次的值", en: "<\(field.name)> appears more than once in the record; the first is used")
                            issue.line = field.line
                            extra.append(issue)
                        }
                        // A text cut at its limit makes its record invalid even where it is not used, as in CSV.
                        if let cut {
                            var issue = session.cutElement(field.name, bytes: cut.bytes, characters: cut.characters, cap: cellLimit)
                            issue.line = field.line
                            extra.append(issue)
                        }
                        continue
                    }
                    if let cut {
                        var issue = session.cutCell(
                            column: index, bytes: cut.bytes, characters: cut.characters, start: record.text(field), cap: cellLimit)
                        issue.line = field.line
                        extra.append(issue)
                    }
                    // An element inside a field: its text ran together with the field's, which is
                    // not what the department wrote (an element no field reads is only warned of, above).
                    if let markup {
                        var issue = Issue(
                            "xml-markup-in-field", field: schema.fields[index], value: record.text(field),
                            zh: "<\(field.name)> 里含有元素 <\(Issue.echo(markup.element))>（第 \(markup.line) 行）；字段的值只能是文本，不能含有元素（若是文本里的 <，请写作 &lt;）",
                            en: "<\(field.name)> holds the element <\(Issue.echo(markup.element))> (line \(markup.line)); a field's value must be text only")
                        issue.line = markup.line
                        extra.append(issue)
                    }
                    firstRange[index] = field.range
                    firstLine[index] = Int32(clamping: field.line)
                }
                batch.append(row: record.line, cells: firstRange, from: record.bytes)
                batch.extras.append(extra)
                batch.fieldLines.append(contentsOf: firstLine)
                if batch.isFull(records: batchSize) { submit(&batch, to: &pipeline, session: &session, sink: sink) }
            }
            finish(&batch, pipeline: &pipeline, session: &session, sink: sink)
        } catch let error as XMLReadError {
            pipeline?.drain(into: &session)
            session.failFile(issue(for: error))
        } catch {
            pipeline?.drain(into: &session)
            session.failFile(Issue(
                "file-unreadable", zh: "读取文件出错（\(String(cString: strerror(errno)))）", en: "error reading the file (\(String(cString: strerror(errno))))"))
        }
    }

    /// Reads the chosen sheet of a workbook row by row (``WorkbookSource``: the archive checked,
    /// the sheet streamed). The header is the first row with cells, after any title rows (one cell
    /// merged across columns); a header with merged cells fails the file, since its columns cannot
    /// be told apart. Rows are numbered as Excel numbers them, and a field's problem names its cell.
    private static func readWorkbook(
        _ path: String, into session: inout ValidationSession, workers: Int, schema: PublicationSchema, options: InputOptions, sink: IssueSink
    ) {
        // A missing or unreadable file fails as it does for CSV and XML; the zip is opened below.
        guard let file = open(path, failing: &session) else { return }
        try? file.close()
        var (pipeline, batchSize) = evaluation(workers: workers, sink: sink)
        var batch = Batch()
        // An old .xls or an encrypted workbook (an OLE2 compound file), or a text named .xlsx: not a
        // zip, but say what it is.
        switch FileSignature.of(path: path) {
        case .compound(let kind):
            session.failFile(FileSignature.compoundIssue(kind))
            return
        case .text:
            session.failFile(Issue(
                "xlsx-is-text",
                zh: "这是文本文件（CSV 或 XML），不是 Excel 工作簿：请把扩展名改为 .csv（或 .xml）后再运行（流水线里写对应的 format），不要只改扩展名为 .xlsx。文件中的记录都未校验",
                en: "this is a text file (CSV or XML), not an Excel workbook: rename it to .csv (or .xml). No record of this file was checked"))
            return
        case .zip, .other:
            break
        }
        do {
            let book = try WorkbookSource(path: path, sheet: options.sheet)
            session.locateCells(sheet: book.sheetName)
            if book.usesDate1904 { session.readsDateSerials1904() }
            if !book.skippedHidden.isEmpty {
                let names = book.skippedHidden.prefix(10).map { "“\(Issue.echo($0))”" }.joined(separator: "、")
                session.note(Issue(
                    "xlsx-hidden-sheet-skipped", .warning,
                    zh: "隐藏的工作表 \(names)\(book.skippedHidden.count > 10 ? " 等" : "")未读取，读的是第一张可见的工作表“\(Issue.echo(book.sheetName))”；要读隐藏的表，请用 --sheet 指定（流水线里写 sheet:）",
                    en: "\(book.skippedHidden.count) hidden sheet(s) skipped; the first visible sheet “\(Issue.echo(book.sheetName))” was read: name a hidden one with --sheet"))
            }
            let merged = book.mergedRanges.compactMap(MergedRange.init)
            var headerRow: WorksheetRow?
            while headerRow == nil, let row = try book.next() {
                guard !row.cells.isEmpty else { continue }
                if row.cells.count == 1, merged.contains(where: { $0.isTitle(row: row.number, column: row.cells[0].column) }) {
                    var issue = Issue(
                        "xlsx-title-row-skipped", .warning, zh: "第 \(row.number) 行是合并单元格的标题，不是表头，已跳过",
                        en: "row \(row.number) is a merged title, not the header, and is skipped")
                    issue.row = row.number
                    session.note(issue)
                    continue
                }
                headerRow = row
            }
            guard let header = headerRow else {
                session.failFile(Issue("header-missing", zh: "工作表“\(book.sheetName)”是空的，没有表头", en: "the sheet “\(book.sheetName)” is empty: no header row"))
                return
            }
            if let range = merged.first(where: { $0.rows.contains(header.number) }) {
                var issue = Issue(
                    "xlsx-merged-header",
                    zh: "表头（工作表“\(book.sheetName)”第 \(header.number) 行）有合并单元格 \(range.text)，分不清各列；请取消合并、每列一个表头后重新导出。文件中的记录都未校验",
                    en: "the header (sheet “\(book.sheetName)”, row \(header.number)) has merged cells \(range.text); its columns cannot be told apart. No record of this file was checked")
                issue.row = header.number
                session.failFile(issue)
                return
            }
            if let (column, problem) = header.cellProblems.first {
                // A header cell that cannot be read: its columns cannot be told apart.
                let (type, what, whatEn) = cellProblem(problem)
                let cell = CellReference.cell(sheet: book.sheetName, column: column, row: header.number)
                var issue = Issue(
                    type, zh: "表头 \(cell) \(what)，分不清各列。文件中的记录都未校验",
                    en: "the header's cell \(cell) \(whatEn): its columns cannot be told apart. No record of this file was checked")
                issue.row = header.number
                issue.cell = cell
                session.failFile(issue)
                return
            }
            let columns = header.strings.count
            guard session.header(header.strings, row: header.number) else {
                // The first sheet read without `--sheet` may be a notes sheet before the data.
                let visible = book.sheets.filter { !$0.hidden && $0.name != book.sheetName }.map(\.name)
                if options.sheet == nil, !visible.isEmpty {
                    let others = visible.prefix(10).map { "“\(Issue.echo($0))”" }.joined(separator: "、")
                    var hint = Issue(
                        "xlsx-other-sheets", .warning,
                        zh: "读的是第一张可见的工作表“\(Issue.echo(book.sheetName))”；工作簿还有 \(others)\(visible.count > 10 ? " 等" : "")。数据若在另一张，请用 --sheet 指定（流水线里写 sheet:）",
                        en: "the first visible sheet “\(Issue.echo(book.sheetName))” was read; the workbook has \(visible.count) more: name the data's with --sheet")
                    hint.row = header.number
                    session.note(hint)
                }
                sink.header(&session)
                return
            }
            sink.header(&session)
            if options.sheet == nil, let hint = otherDataSheets(in: book, header: header) {
                session.note(hint)
            }
            var ranges: [Range<Int>?] = []
            while let row = try book.next() {
                // A row Excel keeps only for its formatting holds no cell: not a record.
                guard let last = row.cells.last?.column else { continue }
                ranges.removeAll(keepingCapacity: true)
                ranges.append(contentsOf: repeatElement(nil, count: max(columns, last + 1)))
                for cell in row.cells { ranges[cell.column] = cell.range }
                batch.append(row: row.number, cells: ranges, from: row.bytes)
                batch.extras.append(
                    // A cell inside a merged range, below or right of its first: Excel shows the
                    // first cell's value there, the file holds nothing (its field's problem follows).
                    merged.filter { $0.rows.contains(row.number) && $0.rows.lowerBound < row.number }.map { range in
                        let first = CellReference.cell(sheet: book.sheetName, column: range.columns.lowerBound, row: range.rows.lowerBound)
                        return Issue(
                            "xlsx-merged-cell", .warning,
                            zh: "第 \(row.number) 行在合并单元格 \(range.text) 里：Excel 显示的值只存在 \(first)，本行这几格在文件里是空的；请取消合并、每行填写后重新导出",
                            en: "row \(row.number) lies in the merged cells \(range.text): the value Excel shows is only in \(first); this row's cells are empty in the file")
                    }
                    + row.errorColumns.map { column in
                        // Its field, code and cell, as any field's problem (placed by the field's column).
                        if let name = session.fieldName(ofColumn: column), let field = schema.fields.first(where: { $0.name == name }) {
                            return Issue(
                                "xlsx-error-value", field: field, value: row.text(column),
                                zh: "是 Excel 的错误值（公式出错），不是数据", en: "an Excel error value (a broken formula), not data")
                        }
                        return Issue(
                            "xlsx-error-value", value: row.text(column),
                            zh: "\(CellReference.cell(sheet: book.sheetName, column: column, row: row.number)) 是 Excel 的错误值（公式出错），不是数据",
                            en: "\(CellReference.cell(sheet: book.sheetName, column: column, row: row.number)) holds an Excel error value (a broken formula), not data")
                    }
                    // A row hidden in Excel (by hand, or by a filter) is a record like any other:
                    // the law wants every decision published, and hiding is no way to withhold one
                    // (that is 不予公示, with its reason); said, since the clerk may have meant it.
                    + (row.hidden
                        ? [Issue(
                            "xlsx-hidden-row", .warning,
                            zh: "第 \(row.number) 行在 Excel 中被隐藏（手动或筛选），仍作为一条记录读取和公示；如该决定不应公示，请删除该行或按规定标明不予公示",
                            en: "row \(row.number) is hidden in Excel (by hand or a filter); it is still read and published as a record")]
                        : [])
                        // A cell whose value cannot be read (left empty): its field's error, its cell named.
                        + row.cellProblems.map { column, problem in
                            let (type, what, whatEn) = cellProblem(problem)
                            let cell = CellReference.cell(sheet: book.sheetName, column: column, row: row.number)
                            if let name = session.fieldName(ofColumn: column), let field = schema.fields.first(where: { $0.name == name }) {
                                // (The report names the cell beside the field.)
                                return Issue(type, field: field, zh: "该格\(what)", en: "the cell \(whatEn)")
                            }
                            // (A column no field reads: nothing of the record is lost.)
                            return Issue(type, .warning, zh: "\(cell) \(what)（该列不是本表的字段）", en: "\(cell) \(whatEn) (a column no field reads)")
                        }
                        + row.formulaColumns.filter { !row.errorColumns.contains($0) }.map { column in
                            // The value Excel last computed is what is read; say so, since it may be stale.
                            Issue(
                                "xlsx-formula-value", .warning,
                                zh: "\(CellReference.cell(sheet: book.sheetName, column: column, row: row.number)) 是公式，按 Excel 上次计算的结果读取",
                                en: "\(CellReference.cell(sheet: book.sheetName, column: column, row: row.number)) is a formula; the value Excel last computed is read")
                        })
                if batch.isFull(records: batchSize) { submit(&batch, to: &pipeline, session: &session, sink: sink) }
            }
            finish(&batch, pipeline: &pipeline, session: &session, sink: sink)
        } catch {
            pipeline?.drain(into: &session)
            session.failFile(issue(for: error))
        }
    }

    /// A workbook cell's problem (``WorksheetRow/CellProblem``): its type, and what is wrong (Chinese, English).
    private static func cellProblem(_ problem: WorksheetRow.CellProblem) -> (type: String, zh: String, en: String) {
        switch problem {
        case .missingSharedString(let index):
            let which = index >= 0 ? "第 \(index) 个共享字符串" : "一个无效编号的共享字符串"
            return (
                "xlsx-bad-reference",
                "的文字引用了\(which)，工作簿的共享字符串表（xl/sharedStrings.xml）里没有它，该格的值无法读取：工作簿可能已损坏，请在 Excel 中打开、检查该格后重新保存",
                "refers to shared string \(index), which the workbook's shared-string table does not hold: its value cannot be read (the workbook may be damaged; open, check and save it in Excel)")
        case .formulaWithoutValue:
            return (
                "xlsx-formula-no-value",
                "是公式，但文件里没有保存计算结果（生成文件的程序没有计算公式），该格的值无法读取：请在 Excel 中打开并保存该文件，或把公式列复制后“粘贴为数值”",
                "is a formula saved without its result (the program that wrote the file did not calculate it): open and save the file in Excel, or paste the column as values")
        }
    }

    /// The other visible sheets that hold rows under the same header as the sheet read (a month a
    /// sheet, say), which no sheet named leaves unread: a warning naming them, with their rows.
    ///
    /// They are named, not read: a second sheet with the header is as often a copy (a backup, a
    /// summary of the months, last year's) as more data, and a decision read twice, or an old one
    /// read again, would be published; the clerk puts the data in one sheet or names it (`--sheet`,
    /// `sheet:` in a pipeline). A sheet that cannot be read is named as such.
    private static func otherDataSheets(in book: WorkbookSource, header: WorksheetRow) -> Issue? {
        let wanted = header.strings.map(TextNormalizer.trim)
        var found: [(name: String, rows: Int?)] = []
        for sheet in book.sheets where !sheet.hidden && sheet.name != book.sheetName {
            var headerSeen = false
            var seen = 0
            var rows = 0
            do {
                try book.forEachRow(ofSheet: sheet.name) { row in
                    guard !row.cells.isEmpty else { return true }
                    if headerSeen {
                        rows += 1
                        return true
                    }
                    // The header within its first rows with cells (after any title rows).
                    seen += 1
                    headerSeen = row.strings.map(TextNormalizer.trim) == wanted
                    return headerSeen || seen < 5
                }
                if headerSeen, rows > 0 { found.append((sheet.name, rows)) }
            } catch {
                found.append((sheet.name, nil))
            }
        }
        guard !found.isEmpty else { return nil }
        let listed = found.prefix(10).map { "“\(Issue.echo($0.name))”（\($0.rows.map { "\($0) 行" } ?? "无法读取")）" }.joined(separator: "、")
        var issue = Issue(
            "xlsx-other-sheets", .warning,
            zh: "只读了工作表“\(Issue.echo(book.sheetName))”；工作簿里还有表头相同的工作表 \(listed)\(found.count > 10 ? " 等" : "")，其中的记录未读取、未登记。请把数据合并到一张表，或用 --sheet 指定要读的表（流水线里写 sheet:）",
            en: "only the sheet “\(Issue.echo(book.sheetName))” was read; \(found.count) other sheet(s) with the same header hold rows that were not read: put the data in one sheet, or name the sheet with --sheet (sheet: in a pipeline)")
        issue.row = header.number
        return issue
    }

    /// A merged range of a sheet (`A1:F1`).
    struct MergedRange {
        let text: String
        let rows: ClosedRange<Int>
        let columns: ClosedRange<Int>

        init?(_ text: String) {
            let ends = text.split(separator: ":").map(String.init)
            guard ends.count == 2, let first = CellReference.column(of: ends[0]), let last = CellReference.column(of: ends[1]),
                let top = Int(ends[0].drop { !$0.isNumber }), let bottom = Int(ends[1].drop { !$0.isNumber }), first <= last, top <= bottom
            else { return nil }
            self.text = text
            rows = top...bottom
            columns = first...last
        }

        /// A title: a range over several columns that starts at this row's only cell.
        func isTitle(row: Int, column: Int) -> Bool {
            rows.lowerBound == row && columns.lowerBound == column && columns.count > 1
        }
    }

    private static func issue(for error: WorkbookError) -> Issue {
        // Entry and sheet names come from the file: each echoed at most ~200 characters, and at most
        // ten sheet names listed, so that a hostile archive cannot make the message long.
        let (type, zh, en): (String, String, String)
        switch error.echoingNamesBounded {
        case .notAWorkbook(let reason):
            (type, zh, en) = ("xlsx-not-a-workbook", "不是可读的 Excel 工作簿：\(reason)", "not a readable Excel workbook")
        case .unsafeEntryName(let name):
            (type, zh, en) = ("xlsx-unsafe-entry", "压缩包里有越出目录的条目名“\(name)”，疑为恶意文件，拒绝读取", "an entry name climbs out of the archive (\(name)): refused as hostile")
        case .tooLarge(let entry, let bytes, let limit):
            (type, zh, en) = ("xlsx-too-large", "条目 \(entry) 解压后 \(bytes) 字节，超过上限 \(limit) 字节（或压缩比异常），疑为压缩炸弹，拒绝读取", "entry \(entry) inflates to \(bytes) bytes, over the limit of \(limit) (or an abnormal ratio): refused as a zip bomb")
        case .tooManyEntries(let count, let limit):
            (type, zh, en) = ("xlsx-too-large", "压缩包条目超过 \(limit) 个（至少 \(count) 个），拒绝读取", "more than \(limit) entries in the archive: refused")
        case .corrupt(let entry):
            (type, zh, en) = ("xlsx-corrupt", "条目 \(entry) 已损坏（校验和不符或无法解压）", "entry \(entry) is corrupt (checksum or inflate failure)")
        case .noSuchSheet(let name, let available):
            (type, zh, en) = ("xlsx-no-such-sheet", "工作簿里没有工作表“\(name)”；有：\(available.prefix(10).joined(separator: "、"))\(available.count > 10 ? " 等 \(available.count) 个" : "")", "no sheet “\(name)” in the workbook")
        case .externalSheet(let name):
            (type, zh, en) = ("xlsx-external-sheet", "工作表“\(name)”指向文件以外的位置（外部链接），不读取", "the sheet “\(name)” points outside the file (an external link): not followed")
        case .part(let entry, .xml(let xml)):
            let inner = issue(for: xml)
            var wrapped = Issue(inner.type, zh: "\(entry)：\(inner.message.zh)", en: "\(entry): \(inner.message.en)")
            wrapped.line = inner.line
            return wrapped
        case .part(let entry, .badReference(let line, let reference)):
            (type, zh, en) = ("xlsx-bad-reference", "\(entry) 第 \(line) 行：单元格或行号“\(Issue.echo(reference))”无效或顺序颠倒", "\(entry) line \(line): the cell or row reference “\(Issue.echo(reference))” is invalid or out of order")
        }
        return Issue(type, zh: zh + "。文件中的记录都未校验", en: en + ". No record of this file was checked")
    }

    private static func issue(for error: XMLReadError) -> Issue {
        let (type, line, zh, en): (String, Int?, String, String)
        switch error {
        case .notWellFormed(let at, let message):
            (type, line, zh, en) = ("xml-not-well-formed", at, "不是格式正确的 XML（\(message)）；文件中的记录都未校验", "not well-formed XML (\(message)); no record of this file was checked")
        case .doctype(let at):
            (type, line, zh, en) = ("xml-doctype-forbidden", at, "含有 <!DOCTYPE>（DTD）；为防止外部实体和实体膨胀攻击，不接受 DTD。请去掉 DOCTYPE 后重新导出", "contains <!DOCTYPE> (a DTD), refused to prevent external-entity and entity-expansion attacks")
        case .entityReference(let at, let name):
            (type, line, zh, en) = ("xml-entity-reference", at, "含有未展开的实体 &\(name);；只接受 &amp; &lt; &gt; &quot; &apos; 和字符引用", "contains the entity &\(name); — only the predefined entities and character references are accepted")
        case .tooDeep(let at, let limit):
            (type, line, zh, en) = ("xml-too-deep", at, "元素嵌套超过 \(limit) 层", "elements nest deeper than \(limit) levels")
        case .textTooLong(let at, let limit):
            (type, line, zh, en) = ("xml-text-too-long", at, "一段文本超过 \(limit) 字节", "a text is longer than \(limit) bytes")
        case .cannotReadAgain:
            (type, line, zh, en) = (
                "xml-changed-while-read", nil, "文件在读取过程中被改动（或无法从头重新读取）；请等导出完成、文件不再变化后再运行",
                "the file changed while it was read (or cannot be read again from its start); run again once it no longer changes"
            )
        case .tooManyNames(let at, let limit):
            (type, line, zh, en) = (
                "xml-too-many-names", at, "不同的元素名超过 \(limit) 个；导出文件的记录只有几十个字段名，请检查是否选错了文件",
                "more than \(limit) distinct element names; an export's records have a few dozen field names"
            )
        case .schema(let at, let message):
            (type, line, zh, en) = ("xml-schema-error", at, "文档结构不符合 XSD：\(message)", "the document does not match the XSD: \(message)")
        case .schemaInvalid(let message):
            (type, line, zh, en) = ("xsd-invalid", nil, "XSD 无法编译：\(message)", "the XSD does not compile: \(message)")
        case .noRecords(let at, let root, let found, let expected):
            (type, line, zh, en) = (
                "xml-no-records", at,
                "没有读到任何记录：根元素 <\(Issue.echo(root))> 下是 <\(Issue.echo(found))> 等元素，没有记录元素 <\(Issue.echo(expected))>；请检查导出文件的记录元素名（或用 --xml-record 指定，流水线里写 record_element:）",
                "no record read: the root <\(Issue.echo(root))> holds <\(Issue.echo(found))>, not the record element <\(Issue.echo(expected))>"
            )
        case .empty:
            (type, line, zh, en) = ("xml-empty", nil, "文件是空的（没有任何 XML 内容）；请检查导出是否完成", "the file is empty: no XML at all")
        case .markupTooLong(let at, let limit):
            (type, line, zh, en) = (
                "xml-markup-too-long", at,
                "一段标记（CDATA 段、注释、属性值或元素名）超过 \(limit) 字节，超出 XML 解析的上限，文件无法读取；文件中的记录都未校验",
                "a piece of markup (a CDATA section, comment, attribute value or name) is longer than \(limit) bytes, past the XML parser's limit; no record of this file was checked"
            )
        }
        var issue = Issue(type, zh: zh, en: en)
        issue.line = line
        return issue
    }

    /// - Parameter session: names the field of the column a quote opened in (after the header).
    private static func issue(for error: CSVError, session: borrowing ValidationSession) -> Issue {
        switch error {
        case .invalidUTF8(let row, let offset):
            return undecodable(row: row, offset: offset, encoding: .utf8)
        case .unterminatedQuote(let row, let offset, let column):
            let field = row > 1 ? session.fieldName(ofColumn: column).map { "“\($0)”" } ?? "" : ""
            var issue = Issue(
                "csv-unterminated-quote",
                zh: "第 \(row) 行第 \(column + 1) 列\(field)的引号（字节偏移 \(offset)）没有闭合，其后的内容无法可靠读取。文件中的记录都未校验",
                en: "the quote in row \(row), column \(column + 1)\(field.isEmpty ? "" : " \(field)") (byte offset \(offset)) is never closed; nothing after it can be read reliably. No record of this file was checked")
            issue.row = row
            return issue
        }
    }
}

/// A progress line on a terminal (`读取 FILE 45%`), redrawn in place, for files big enough to take a
/// while; none when standard error is not a terminal (piped, logged, under a timer).
final class ReadProgress {
    private static let isTerminal = isatty(STDERR_FILENO) == 1
    private let name: String
    private let total: Int
    private var done = 0
    private var shown = -1

    init?(path: String, total: Int) {
        guard Self.isTerminal, total >= 32 << 20 else { return nil }
        name = (path as NSString).lastPathComponent
        self.total = total
    }

    func advance(_ bytes: Int) {
        done += bytes
        let percent = min(100, done * 100 / max(1, total))
        guard percent != shown else { return }
        shown = percent
        try? FileHandle.standardError.write(contentsOf: Data("\r读取 \(name) \(percent)%（\(done >> 20) / \(total >> 20) MiB）".utf8))
    }

    /// The file is read again from its start.
    func restart() {
        done = 0
        shown = -1
    }

    func finish() { try? FileHandle.standardError.write(contentsOf: Data("\n".utf8)) }
}

/// The records of an XML document, parsed on a thread of their own a few chunks ahead of their
/// checks (by the plain scanner, or by libxml2). Parsing and the building of records had been the
/// larger half of the reading thread, and so the bound of an XML file's validation; now the thread
/// that takes the records merges them and shares their checks with a worker (`readXML`). Records
/// come in document order, each with the XSD's findings about it, and the parsing's error after the
/// records before it.
private final class XMLRecordsAhead: @unchecked Sendable {
    typealias Item = (record: XMLRecord, violations: [XMLSchemaViolation])
    static let chunk = 256
    /// A chunk is handed over at this many bytes of its records' text even before it has
    /// ``chunk`` records: the chunks parsed ahead then hold a few megabytes, not 1,280 records of
    /// any length (2,000 records with a 200 KB text each, 411 MB: a 455 MB peak, 295 MB with the
    /// checked batches bounded alone).
    static let chunkBytes = 1 << 20
    private let queue = ChunkQueue<Item>(depth: 4)
    private let done = DispatchSemaphore(value: 0)
    private var failure: (any Error)?  // written by the parsing thread before `done` is signalled
    private var ended = false  // the taker's own
    private var current: [Item] = []  // last record first

    /// - Parameter textLimit: the most bytes of a field's text kept, by element name (``XMLRecordReader``).
    init(descriptor: Int32, path: String, recordPath: String, xsd: [UInt8]?, textLimit: @escaping @Sendable (String) -> Int) {
        Thread.detachNewThread { [self] in
            defer {
                queue.finish()
                done.signal()
            }
            do {
                let source = BufferedSource(descriptor: descriptor)
                source.progress = ReadProgress(path: path, total: FileValidator.size(of: path))
                defer { source.progress?.finish() }
                // A file that can be read again from its start is offered to the plain scanner first.
                let reader = try XMLRecordReader(
                    recordPath: recordPath, xsd: xsd, textLimit: textLimit, rewind: source.canRewind ? { source.rewind() } : nil
                ) { source.read(into: $0) }
                var chunks = ReversedChunks(into: queue, size: Self.chunk)
                var held = 0  // the bytes of the records in the chunk being filled
                while let record = try reader.next() {
                    held += record.bytes.count
                    guard chunks.add((record, reader.takeSchemaViolations())) else { return }
                    if chunks.count == 0 {
                        held = 0
                    } else if held >= Self.chunkBytes {
                        guard chunks.handOver() else { return }
                        held = 0
                    }
                }
                chunks.handOver()
            } catch {
                failure = error
            }
        }
    }

    /// The next record, nil at the end; the parsing's error once the records before it are taken.
    func next() throws -> Item? {
        if current.isEmpty {
            guard let chunk = queue.take() else {
                stop()
                if let failure { throw failure }
                return nil
            }
            current = chunk
        }
        return current.popLast()
    }

    /// Lets the parsing thread go (it stops at its next chunk) and waits for it to end. Again: nothing.
    func stop() {
        guard !ended else { return }
        ended = true
        queue.stop()
        done.wait()
    }
}

/// Serves small reads from 1 MiB reads of the file (far fewer system calls); a read as large as
/// that (the XML parser's) goes straight into the caller's buffer.
private final class BufferedSource {
    private let descriptor: Int32
    /// Shown on a terminal as the file is read.
    var progress: ReadProgress?
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0
    private var end = 0

    /// Where the file was when reading began (-1: it cannot seek, a pipe say), and its size and
    /// times then.
    private let origin: off_t
    private let stamp: [Int]?

    init(descriptor: Int32) {
        self.descriptor = descriptor
        origin = lseek(descriptor, 0, SEEK_CUR)
        stamp = Self.stamp(descriptor)
    }

    var canRewind: Bool { origin >= 0 && stamp != nil }

    /// Reads again from where reading began; false if the file cannot seek there, or has changed
    /// since (the records read before would not be the ones read again).
    func rewind() -> Bool {
        guard origin >= 0, let stamp, Self.stamp(descriptor) == stamp, lseek(descriptor, origin, SEEK_SET) == origin else {
            return false
        }
        start = 0
        end = 0
        progress?.restart()
        return true
    }

    private static func stamp(_ descriptor: Int32) -> [Int]? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return [Int(info.st_size), info.st_mtim.tv_sec, info.st_mtim.tv_nsec, info.st_ctim.tv_sec, info.st_ctim.tv_nsec]
    }

    /// Fills `target` with the next bytes; returns the count, 0 at the end, -1 on a read error.
    func read(into target: UnsafeMutableRawBufferPointer) -> Int {
        if start == end, target.count >= buffer.count {  // as large as the buffer: read straight into it
            let count = Glibc.read(descriptor, target.baseAddress, target.count)
            if count > 0 { progress?.advance(count) }
            return count
        }
        if start == end {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return count }
            progress?.advance(count)
            start = 0
            end = count
        }
        let count = min(target.count, end - start)
        buffer.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<(start + count)])) }
        start += count
        return count
    }
}

extension WorkbookError {
    /// The same error with every name from the file (entries, sheets) cut as ``Issue/echo(_:)``
    /// cuts an echoed value.
    var echoingNamesBounded: WorkbookError {
        switch self {
        case .notAWorkbook, .tooManyEntries: self
        case .unsafeEntryName(let name): .unsafeEntryName(Issue.echo(name))
        case .tooLarge(let entry, let bytes, let limit): .tooLarge(entry: Issue.echo(entry), bytes: bytes, limit: limit)
        case .corrupt(let entry): .corrupt(entry: Issue.echo(entry))
        case .noSuchSheet(let name, let available): .noSuchSheet(Issue.echo(name), available: available.map(Issue.echo))
        case .externalSheet(let name): .externalSheet(Issue.echo(name))
        case .part(let entry, let error): .part(entry: Issue.echo(entry), error)
        }
    }
}
