public import DisclosureCore
import FeedEncoders
public import Foundation
public import WorkingDayCalendar

/// Writes the validation report as it goes, file by file, so that memory does not grow with the
/// number of problems: text lines (`file:row: field: message [type]`, then a summary) or JSON, to
/// standard output, and JSON to the `--report` file (mode 0600, temporary name then rename).
///
/// The JSON keys are in sorted order, so the problem list (`errors`) comes first and the counts,
/// known only at the end, last: `{"errors":[…],"files":[…],"schema":{…},"stats":{…},"today":…,"valid":…}`.
public final class ReportWriter {
    private let language: Language
    private let json: Bool
    private var output: OutputBuffer
    private var reportFile: (handle: FileHandle, temporary: String, path: String)?
    private var reportBuffer: OutputBuffer?
    private var firstIssue = true
    /// With `keepsIssues`, the problems of whole files are also kept as values (for the ledger's
    /// 台账 of problems); held ones join them only when their file is read whole.
    public var keepsIssues = false
    /// The most problems kept as values per file; the rest are written and counted, not kept, so
    /// that memory does not grow with a file's problems (a million-record file with 20,000 bad
    /// records held 20 MB of them until its end). The ledger stores
    /// ``IntakeRecorder/problemsPerFile`` a file.
    public var keptPerFile = Int.max
    public private(set) var keptIssues: [Issue] = []
    private var heldKept: [Issue] = []
    /// Problems of the file being read that were kept (header and end) or are held.
    private var keptInFile = 0
    /// Per file read whole or failed, the records with a required value absent (完整率), counted
    /// from every problem, kept or not.
    public private(set) var incompleteRecords: [String: Int] = [:]
    /// The files with a record refused only for today (``RecordValidator/refusedUntilLater``), each
    /// with the earliest day such a record's date names: the nightly run settles them until then.
    public private(set) var filesToReadAgain: [String: CalendarDate] = [:]
    private var refusedUntilLaterInFile: CalendarDate?
    /// The file being read: its incomplete records among the problems written and held, and the
    /// row (or XML line) last counted. A record's problems arrive together, so a row is counted once.
    private var incompleteInFile = (written: 0, held: 0, lastRow: Int?.none)
    /// Repeated warnings are summarized: of the same type and field in one file, the first
    /// ``warningSamples`` are written, then one line with the count and the first rows. Off with
    /// `--all-warnings`. Errors are never summarized; the counts always include every warning.
    public var summarizesWarnings = true
    public static let warningSamples = 3
    /// Per file: type and field (or type and message, for problems of the header) → how many, and the first rows.
    private var repeated: [Repeated: (issue: Issue, count: Int, rows: [Int])] = [:]
    private var repeatedOrder: [Repeated] = []

    /// A kind of warning that repeats: its type and its field, named by the field's column code
    /// where it has one (ASCII, hashed at once: a field's Chinese name, or a text joined from it,
    /// is brought to its normal form to be hashed, every warning of a file that has one a cell:
    /// 13% of validating 200,000 records that write their dates 2025-06-10, measured), and for a
    /// problem of no row its message too.
    private struct Repeated: Hashable {
        let type: String
        let column: String?
        let field: String?
        let message: String?

        init(_ issue: Issue) {
            type = issue.type
            column = issue.column
            field = issue.column == nil ? issue.field : nil
            message = issue.row == nil && issue.line == nil ? issue.message.zh : nil
        }
    }

    /// - Parameter output: where the text or JSON goes (the shell passes standard output); nil: nowhere.
    public init(json: Bool, language: Language, reportPath: String?, output: FileHandle?) throws {
        self.output = OutputBuffer(handle: output, answer: true)
        self.json = json
        self.language = language
        if let reportPath {
            let (handle, temporary) = try SecureFile.create(beside: reportPath)
            reportFile = (handle, temporary, reportPath)
            reportBuffer = OutputBuffer(handle: handle)
        }
        if json { self.output.write("{\"errors\":[") }
        reportBuffer?.write("{\"errors\":[")
    }

    /// Problems of the file being read, rendered but held back (on disk, not in memory) until the
    /// file is known to be whole: a file that fails later contributes only its failure.
    private var heldOutput: SpillFile?
    private var heldReport: SpillFile?
    private var heldCount = 0

    /// Whether a warning is written as it is (one of the first of its kind in the file), or only
    /// counted for the summary line.
    private func admits(_ issue: Issue) -> Bool {
        guard summarizesWarnings, issue.severity == .warning, issue.count == nil else { return true }
        let key = Repeated(issue)
        if var entry = repeated[key] {
            entry.count += 1
            if entry.rows.count < 10, let row = issue.row ?? issue.line, entry.rows.last != row { entry.rows.append(row) }
            repeated[key] = entry
            return entry.count <= Self.warningSamples
        }
        repeated[key] = (issue, 1, (issue.row ?? issue.line).map { [$0] } ?? [])
        repeatedOrder.append(key)
        return true
    }

    /// The summary lines of the file's repeated warnings, then forgets them.
    private func repeatedSummaries() -> [Issue] {
        defer {
            repeated = [:]
            repeatedOrder = []
        }
        return repeatedOrder.compactMap { key -> Issue? in
            guard let entry = repeated[key], entry.count > Self.warningSamples else { return nil }
            let rows = entry.rows.map(String.init).joined(separator: "、")
            var summary = Issue(
                entry.issue.type, .warning,
                zh: "同类警告共 \(entry.count) 处（\(rows.isEmpty ? "" : "第 \(rows) 行等；")以上列出前 \(Self.warningSamples) 处；--all-warnings 列出全部）：\(entry.issue.message.zh)",
                en: "\(entry.count) warnings of this kind (\(rows.isEmpty ? "" : "rows \(rows) …; ")the first \(Self.warningSamples) are listed above; --all-warnings lists all): \(entry.issue.message.en)")
            summary.file = entry.issue.file
            summary.field = entry.issue.field
            summary.column = entry.issue.column
            summary.count = entry.count
            return summary
        }
    }

    /// Writes problems that stand whatever happens to the rest of the file (its header's).
    func write(_ issues: [Issue]) {
        keep(issues, held: false)
        for issue in issues where admits(issue) {
            let (forOutput, forReport) = render(issue)
            output.write(forOutput)
            reportBuffer?.write(forReport)
        }
    }

    /// Holds back problems found in the records of the file being read.
    func hold(_ issues: [Issue]) throws {
        guard !issues.isEmpty else { return }
        keep(issues, held: true)
        if heldOutput == nil {
            heldOutput = try SpillFile()
            if reportBuffer != nil { heldReport = try SpillFile() }
        }
        for issue in issues where admits(issue) {
            let (forOutput, forReport) = render(issue, held: true)
            heldOutput?.write(forOutput)
            heldReport?.write(forReport)
            heldCount += 1
        }
        try heldOutput?.check()
        try heldReport?.check()
    }

    /// Ends a file: its held problems are written if it was read whole, dropped if it failed; then
    /// its last problems (its failure, say) are written.
    func endFile(_ file: String, failed: Bool, _ issues: [Issue]) throws {
        defer {
            if let day = refusedUntilLaterInFile { filesToReadAgain[file] = min(filesToReadAgain[file] ?? day, day) }
            refusedUntilLaterInFile = nil
        }
        if !failed {
            keptIssues += heldKept
            incompleteInFile.written += incompleteInFile.held
        } else {
            keptInFile -= heldKept.count
            incompleteInFile.lastRow = nil
        }
        heldKept = []
        incompleteInFile.held = 0
        defer {
            keptInFile = 0
            incompleteInFile = (0, 0, nil)
        }
        if !failed {
            try heldOutput?.copy { (data: Data) in output.write(data) }
            try heldReport?.copy { (data: Data) in reportBuffer?.write(data) }
            if heldCount > 0 { firstIssue = false }
        }
        heldOutput = nil
        heldReport = nil
        heldCount = 0
        write(issues)
        // A failed file's warnings were dropped with it; a whole one's repeated ones are summed up.
        if keepsIssues, incompleteInFile.written > 0 { incompleteRecords[file, default: 0] += incompleteInFile.written }
        let summaries = repeatedSummaries()
        if !failed {
            for issue in summaries {
                let (forOutput, forReport) = render(issue)
                output.write(forOutput)
                reportBuffer?.write(forReport)
            }
        }
    }

    /// One problem as written to standard output and to the report. Held problems are rendered
    /// as if more came before them; the first one written decides the comma.
    private func render(_ issue: Issue, held: Bool = false) -> (String, String) {
        let object = Self.json(issue, language: language)
        let comma = held ? (firstIssue && heldCount == 0 ? "\n" : ",\n") : (firstIssue ? "\n" : ",\n")
        if !held { firstIssue = false }
        let jsonLine = comma + object
        return (json ? jsonLine : Self.text(issue, language: language) + "\n", jsonLine)
    }

    /// Keeps problems as values, up to ``keptPerFile`` for the file, and counts its incomplete records.
    private func keep(_ issues: [Issue], held: Bool) {
        guard keepsIssues else { return }
        for issue in issues {
            if issue.severity == .error, RecordValidator.refusedUntilLater.contains(issue.type) {
                // The day it names; one that cannot be read (it was read to be refused) reads the file again tomorrow.
                let day = issue.value.flatMap(TextNormalizer.date) ?? .init(dayNumber: 0)
                refusedUntilLaterInFile = min(refusedUntilLaterInFile ?? day, day)
            }
            // A record's problems, by its row (an XML record's by the line it starts on, its fields' lines differing).
            if issue.severity == .error, IntakeRecorder.incompleteTypes.contains(issue.type), let row = issue.row ?? issue.recordLine ?? issue.line,
                row != incompleteInFile.lastRow
            {
                incompleteInFile.lastRow = row
                if held { incompleteInFile.held += 1 } else { incompleteInFile.written += 1 }
            }
            guard keptInFile < keptPerFile else { continue }
            keptInFile += 1
            if held { heldKept.append(issue) } else { keptIssues.append(issue) }
        }
    }

    /// Hands back the kept problems and forgets them.
    public func takeKeptIssues() -> [Issue] {
        defer { keptIssues = [] }
        return keptIssues
    }

    /// Hands back the incomplete records per file and forgets them.
    public func takeIncompleteRecords() -> [String: Int] {
        defer { incompleteRecords = [:] }
        return incompleteRecords
    }

    /// Writes the counts and closes the report.
    public func finish(_ report: ValidationReport) throws {
        let tail = "\n]," + Self.jsonTail(report) + "}\n"
        if json {
            output.write(tail)
        } else {
            if report.files.count > 1 {
                for file in report.files { output.write(Self.summary(file, language: language) + "\n") }
            }
            output.write(Self.summary(report, language: language) + "\n")
        }
        output.flush()
        if let file = reportFile, var buffer = reportBuffer {
            buffer.write(tail)
            buffer.flush()
            reportFile = nil
            if let failure = buffer.failure {
                // Not put in place half-written: the temporary file goes.
                try? file.handle.close()
                unlink(file.temporary)
                throw CommandFailure(status: ExitStatus.cantCreate, code: "report-unwritable", message: "无法写出报告 \(file.path)（\(failure)）")
            }
            try SecureFile.commit(file.handle, temporary: file.temporary, to: file.path)
        }
    }

    // MARK: - Rendering

    public static func text(_ issue: Issue, language: Language) -> String {
        var place = issue.file ?? ""
        if let row = issue.row ?? issue.line { place += ":\(row)" }
        let field = issue.field.map { name in issue.cell.map { "\(name)（\($0)）: " } ?? "\(name): " } ?? issue.cell.map { "\($0): " } ?? ""
        let label = issue.severity == .warning ? (language == .zh ? "警告：" : "warning: ") : ""
        return "\(place): \(field)\(label)\(issue.message.text(language)) [\(issue.type)]"
    }

    /// One file's counts: read = valid + invalid (+ outside a range re-run's dates), and the rows skipped.
    public static func summary(_ file: ValidationReport.FileSummary, language: Language) -> String {
        switch language {
        case .zh:
            file.failed
                ? "\(file.file)：无法校验"
                : "\(file.file)：\(file.records) 条记录，有效 \(file.valid) 条，无效 \(file.invalid) 条\(outside(file.outsideRange, .zh))；跳过 \(file.skipped) 行"
        case .en:
            file.failed
                ? "\(file.file): could not be checked"
                : "\(file.file): \(file.records) records, \(file.valid) valid, \(file.invalid) invalid\(outside(file.outsideRange, .en)); \(file.skipped) rows skipped"
        }
    }

    /// A range re-run's records decided outside its dates (nothing when there are none).
    private static func outside(_ count: Int, _ language: Language) -> String {
        guard count > 0 else { return "" }
        return language == .zh ? "，不在本次日期范围内 \(count) 条（本次不处理，不列出其问题）" : ", \(count) decided outside the run's dates (not listed; the nightly run takes them)"
    }

    public static func summary(_ report: ValidationReport, language: Language) -> String {
        let failed = report.failedFiles
        switch language {
        case .zh:
            let files = failed > 0 ? "；\(failed) 个文件无法校验" : ""
            return "共 \(report.records) 条记录：有效 \(report.valid) 条，无效 \(report.invalid) 条\(outside(report.outsideRange, .zh))；跳过 \(report.skipped) 行；"
                + "错误 \(report.errorCount) 个，警告 \(report.warningCount) 个\(files)。"
        case .en:
            func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }
            let files = failed > 0 ? "; \(count(failed, "file", "files")) could not be checked" : ""
            return "\(count(report.records, "record", "records")): \(report.valid) valid, \(report.invalid) invalid\(outside(report.outsideRange, .en)); "
                + "\(count(report.skipped, "row", "rows")) skipped; "
                + "\(count(report.errorCount, "error", "errors")), \(count(report.warningCount, "warning", "warnings"))\(files)."
        }
    }

    /// One problem as a JSON object with sorted keys.
    public static func json(_ issue: Issue, language: Language) -> String {
        "{\(issue.cell.map { "\"cell\":\(string($0))," } ?? "")\"code\":\(string(issue.column)),\(issue.count.map { "\"count\":\($0)," } ?? "")\"field\":\(string(issue.field)),\"file\":\(string(issue.file)),"
            + "\"line\":\(issue.line.map(String.init) ?? "null"),\"message\":\(string(issue.message.text(language))),\"row\":\(issue.row.map(String.init) ?? "null"),"
            + "\"severity\":\(string(issue.severity.rawValue)),\"type\":\(string(issue.type)),\"value\":\(string(issue.value))}"
    }

    public static func jsonTail(_ report: ValidationReport) -> String {
        let files = report.files.map { file in
            "{\"failed\":\(file.failed),\"file\":\(string(file.file)),\"invalid\":\(file.invalid),"
                + "\"records\":\(file.records),\"skipped\":\(file.skipped),\"valid\":\(file.valid)}"
        }.joined(separator: ",\n")
        return "\"files\":[\n\(files)\n],\"schema\":{\"id\":\(string(report.schemaID)),\"version\":\(report.schemaVersion)},"
            + "\"stats\":{\"errors\":\(report.errorCount),\"failedFiles\":\(report.failedFiles),\"files\":\(report.files.count),"
            + "\"invalid\":\(report.invalid),\"records\":\(report.records),\"skipped\":\(report.skipped),"
            + "\"valid\":\(report.valid),\"warnings\":\(report.warningCount)},"
            + "\"today\":\(string(report.today.description)),\"valid\":\(report.isValid)"
    }

    /// A JSON string literal (or `null`): quotes, backslashes and control characters escaped.
    public static func string(_ text: String?) -> String {
        guard let text else { return "null" }
        return String(decoding: FeedEncoder.jsonString(text), as: UTF8.self)
    }
}

/// A temporary file that holds rendered text until it is copied out or dropped. It is unlinked as
/// soon as it is created (so it never outlives the process) and created mode 0600.
final class SpillFile {
    private let handle: FileHandle
    private var buffer: OutputBuffer

    init() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("gongshi-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).tmp").path
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forUpdatingAtPath: path)
        else {
            throw CommandFailure(status: ExitStatus.cantCreate, code: "spill-unwritable", message: "无法创建临时文件 \(path)")
        }
        unlink(path)
        self.handle = handle
        self.buffer = OutputBuffer(handle: handle)
    }

    deinit { try? handle.close() }

    /// For tests: a spill file on `handle` (one that cannot be written, say).
    init(handle: FileHandle) {
        self.handle = handle
        self.buffer = OutputBuffer(handle: handle)
    }

    func write(_ text: String) { buffer.write(text) }

    /// Throws when a write failed: the problems held are no longer all there.
    func check() throws(CommandFailure) {
        guard let failure = buffer.failure else { return }
        throw CommandFailure(
            status: ExitStatus.ioError, code: "spill-unwritable", message: "无法写入暂存问题清单的临时文件（\(failure)）：请检查临时目录所在磁盘的空间")
    }

    /// Hands everything written to `sink`, in pieces of bytes.
    func copy(to sink: (Data) -> Void) throws {
        buffer.flush()
        try check()
        try handle.seek(toOffset: 0)
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            sink(data)
        }
    }
}

/// Buffered writes to a file handle. A write that fails (a full disk) is kept as ``failure``, not
/// trapped on, and what follows it is dropped: its owner says what that means (a spill file or a
/// report stops the command; the answer on standard output is noted in ``AnswerLoss``).
struct OutputBuffer {
    let handle: FileHandle?
    /// Whether this is the command's answer (its failure is noted in ``AnswerLoss``).
    let answer: Bool
    private var buffer = Data()
    /// Why the first failed write failed.
    private(set) var failure: String?

    init(handle: FileHandle?, answer: Bool = false) {
        self.handle = handle
        self.answer = answer
    }

    mutating func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func write(_ data: Data) {
        buffer.append(data)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        guard let handle, failure == nil else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            failure = AnswerLoss.describe(error)
            if answer { AnswerLoss.note(error) }
        }
    }
}
