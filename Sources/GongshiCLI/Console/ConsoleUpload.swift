import DisclosureCore
import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import PipelineConfig
import PipelineRunner
import Synchronization
import WorkingDayCalendar

/// 上传数据: a clerk's export (CSV, XML, Excel workbook) for one of their pipelines. It is staged
/// (mode 0600, outside the inbox), validated against the pipeline's schema and shown as a table;
/// it enters the pipeline's inbox only when the clerk accepts it — under its own name, never over
/// another file (a hard link, refused when the name is taken), so a run never sees half a file.
extension ConsoleServer {
    /// What the names of accepted files may end with.
    static let uploadSuffixes = [".csv", ".xml", ".xlsx"]

    /// A file name as the clerk's browser sent it, if it is a plain name: no folder, no `..`, no
    /// control characters, one of the accepted suffixes, at most 120 characters.
    static func plainFileName(_ raw: String) -> String? {
        guard !raw.isEmpty, raw.count <= 120, !raw.contains("/"), !raw.contains("\\"), !raw.hasPrefix("."),
            !raw.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }),
            uploadSuffixes.contains(where: { raw.lowercased().hasSuffix($0) })
        else { return nil }
        return raw
    }

    var stagingRoot: String { (usersPath as NSString).deletingLastPathComponent + "/console-uploads" }

    /// How long an upload never accepted is kept: an export holds ID and phone numbers, and one
    /// not taken into an inbox has no other use than the clerk's look at it.
    static let stagedUploadLifetime: TimeInterval = 24 * 3600

    /// Removes staged uploads older than ``stagedUploadLifetime`` (each upload's folder, by its
    /// modification time): before every upload, and when the console starts.
    func removeStaleUploads(now: Date = Date()) {
        let root = stagingRoot
        guard let tokens = try? FileManager.default.contentsOfDirectory(atPath: root) else { return }
        for token in tokens where token.count == 64 && token.allSatisfy(\.isHexDigit) {
            let folder = root + "/" + token
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: folder))?[.modificationDate] as? Date,
                now.timeIntervalSince(modified) > Self.stagedUploadLifetime
            else { continue }
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    func uploadPage(_ session: Session, message: String? = nil, status: Int = 200) -> Response {
        let options = visible(session.user).map { "<option value=\"\(ConsolePage.escape($0.id))\">\(ConsolePage.escape($0.context.value.pipeline.title))</option>" }
            .joined()
        let body = """
            \(message.map { "<p class=\"error\" id=\"upload-error\">\(ConsolePage.escape($0))</p>" } ?? "")
            <form method="post" action="/upload" enctype="multipart/form-data">
            <input type="hidden" name="csrf" value="\(ConsolePage.escape(session.csrf))">
            <p><label>流水线 <select name="pipeline" id="pipeline">\(options)</select></label></p>
            <p><label>部门导出的文件（CSV、XML 或 Excel，最多 \(uploadLimit >> 20) MB） <input type="file" name="file" id="file"></label></p>
            <p><button id="upload">上传并校验</button></p>
            </form>
            """
        return Self.respond(status, ConsolePage.page(title: "上传数据", user: session.user, csrf: session.csrf, body: body))
    }

    /// Reads the multipart body as it streams in: the fields, and the file into the staging folder.
    func upload(_ request: Request) async throws -> Response {
        guard let token = request.cookies[Self.sessionCookie]?.value, let session = touch(token) else {
            return Self.respond(403, ConsolePage.page(title: "未登录", user: nil, csrf: nil, body: "<p class=\"error\">请先登录。</p>"))
        }
        guard let type = request.headers[.contentType], let boundary = type.components(separatedBy: "boundary=").last, type.hasPrefix("multipart/form-data")
        else { return uploadPage(session, message: "表单格式不对（应为 multipart/form-data）", status: 400) }
        removeStaleUploads()
        let folder = stagingRoot + "/" + Self.randomToken()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let receiver = UploadReceiver(folder: folder, limit: uploadLimit)
        let parser = MultipartParser(boundary: boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
        parser.onHeader = { name, value in receiver.header(name, value) }
        parser.onBody = { buffer in receiver.body(&buffer) }
        parser.onPartComplete = { receiver.partComplete() }
        var read = 0
        for try await chunk in request.body {
            read += chunk.readableBytes
            if read > uploadLimit + (1 << 20) { break }
            do {
                try parser.execute(chunk)
            } catch {
                // A body that is no multipart form: a bad request (400, ``ConsoleErrorPages``), nothing kept.
                try? FileManager.default.removeItem(atPath: folder)
                throw HTTPError(.badRequest)
            }
        }
        receiver.finish()
        guard receiver.fields["csrf"] == session.csrf else {
            try? FileManager.default.removeItem(atPath: folder)
            return Self.respond(
                403, ConsolePage.page(title: "请求被拒绝", user: session.user, csrf: session.csrf, body: "<p class=\"error\">表单缺少有效的 CSRF 令牌：请从页面重新提交。</p>"))
        }
        if let unsaved = receiver.unsaved {
            try? FileManager.default.removeItem(atPath: folder)
            return uploadPage(session, message: "无法保存上传的文件（\(unsaved)）：请联系管理员检查磁盘空间", status: 507)
        }
        if receiver.oversized || read > uploadLimit + (1 << 20) {
            try? FileManager.default.removeItem(atPath: folder)
            var response = uploadPage(session, message: "文件超过 \(uploadLimit >> 20) MB 的上限，没有保存", status: 413)
            response.headers[.connection] = "close"
            return response
        }
        guard let pipeline = visible(session.user).first(where: { $0.id == receiver.fields["pipeline"] }) else {
            try? FileManager.default.removeItem(atPath: folder)
            return uploadPage(session, message: "没有你可以上传的流水线“\(receiver.fields["pipeline"] ?? "")”", status: 403)
        }
        guard let raw = receiver.fileName, let name = Self.plainFileName(raw), let staged = receiver.stagedPath else {
            try? FileManager.default.removeItem(atPath: folder)
            return uploadPage(
                session, message: "文件名“\(String((receiver.fileName ?? "").prefix(120)))”不能用：应为不含路径的文件名，以 .csv、.xml 或 .xlsx 结尾", status: 400)
        }
        // A name the pipeline's run would not read (its pattern is matched as the run matches it,
        // case and all): refused now, not accepted into an inbox where it would lie unread.
        let patterns = pipeline.context.value.pipeline.sources.map { ($0.path as NSString).lastPathComponent }
        guard pipeline.context.value.pipeline.sources.contains(where: { Self.matches(name, $0.path) }) else {
            try? FileManager.default.removeItem(atPath: folder)
            return uploadPage(
                session, message: "流水线 \(pipeline.id) 只读取这样命名的文件：\(patterns.joined(separator: "、"))（区分大小写）；“\(name)”请改名后上传",
                status: 400)
        }
        let named = folder + "/" + name
        guard rename(staged, named) == 0 else { return uploadPage(session, message: "无法保存上传的文件", status: 500) }
        // Whose upload it is, for which pipeline: only they may download its result or accept it,
        // and only into the pipeline it was checked against.
        guard FileManager.default.createFile(atPath: folder + "/" + Self.ownerFile, contents: Data("\(pipeline.id)\n\(session.user.name)".utf8),
            attributes: [.posixPermissions: 0o600])
        else { return uploadPage(session, message: "无法保存上传的文件", status: 500) }
        return validationPage(session, pipeline: pipeline, folder: folder, file: named)
    }

    /// The staged upload's owner: its pipeline and its user, a line each (a name a browser cannot
    /// send: ``plainFileName(_:)`` refuses a leading dot).
    static let ownerFile = ".owner"

    /// The pipeline and the user a staged upload belongs to.
    func owner(ofUpload token: String) -> (pipeline: String, user: String)? {
        guard let data = FileManager.default.contents(atPath: stagingRoot + "/\(token)/" + Self.ownerFile) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return lines.count == 2 ? (lines[0], lines[1]) : nil
    }

    /// The uploaded file validated against the pipeline's schema: counts and every problem.
    func validationPage(_ session: Session, pipeline: Pipeline, folder: String, file: String) -> Response {
        let context = pipeline.context.value
        let name = (file as NSString).lastPathComponent
        let report = folder + "/validation.json"
        var body = "<p>文件 <strong>\(ConsolePage.escape(name))</strong>，流水线 \(ConsolePage.escape(context.pipeline.title))。</p>"
        do {
            let matching = context.pipeline.sources.first { Self.matches(name, $0.path) }
            let source = matching ?? context.pipeline.sources.first
            // Read as the run will read it in the inbox: its source's format, else its suffix's.
            var options = try InputOptions.make(
                encoding: source?.encoding ?? "auto", mapping: nil, xmlRecord: "Record", xsd: nil, schema: context.schema,
                format: matching?.format, transcript: Transcript.collecting().0)
            options.refusesUnknownSuffix = matching != nil
            let writer = try ReportWriter(json: false, language: .zh, reportPath: report, output: nil)
            writer.keepsIssues = true
            writer.keptPerFile = 1000  // the page lists the first thousand
            let result = try FileValidator.validate(files: [file], schema: context.schema, today: currentDay, options: options, writer: writer)
            try writer.finish(result)
            let token = (folder as NSString).lastPathComponent
            body += """
                <table id="validation-counts"><tr><th>记录</th><th>有效</th><th>无效</th><th>错误</th><th>警告</th></tr>
                <tr><td class="number" data-count="records">\(result.records)</td><td class="number" data-count="valid">\(result.valid)</td>
                <td class="number" data-count="invalid">\(result.invalid)</td><td class="number" data-count="errors">\(result.errorCount)</td>
                <td class="number" data-count="warnings">\(result.warningCount)</td></tr></table>
                <p><a href="/upload/\(token)/validation.json">下载校验结果（JSON）</a></p>
                """
            let issues = writer.keptIssues
            if !issues.isEmpty {
                body += "<table id=\"problems\"><tr><th>行</th><th>字段</th><th>问题</th><th>类型</th></tr>"
                for issue in issues.prefix(1000) {
                    let place = issue.row.map(String.init) ?? issue.line.map { "第 \($0) 行（XML）" } ?? "—"
                    body += "<tr class=\"\(issue.severity == .error ? "error" : "warning")\"><td>\(place)</td><td>\(ConsolePage.escape(issue.field ?? "—"))</td>"
                        + "<td>\(ConsolePage.escape(issue.message.zh))</td><td>\(ConsolePage.escape(issue.type))</td></tr>"
                }
                body += "</table>"
            }
            // A file that could not be read at all, or holds no record: nothing to accept.
            guard result.failedFiles == 0, result.records > 0 else {
                let why = result.failedFiles > 0 ? "文件无法校验（原因见上表），其中的记录一条也没有读到" : "文件里没有记录"
                body += "<p class=\"error\" id=\"not-acceptable\">\(why)：不能接收。请修正后重新上传。</p>"
                return Self.respond(200, ConsolePage.page(title: "校验结果", user: session.user, csrf: session.csrf, body: body))
            }
            body += preview(pipeline, file: file)
            body += """
                <form method="post" action="/upload/\(token)/accept">
                <input type="hidden" name="csrf" value="\(ConsolePage.escape(session.csrf))">
                <input type="hidden" name="pipeline" value="\(ConsolePage.escape(pipeline.id))">
                <p>\(result.invalid > 0 ? "有无效记录：接收后它们会在下次运行时登记为待更正，只有有效记录会公示。" : "全部记录有效。")</p>
                <button id="accept">接收到流水线的收件箱</button></form>
                """
        } catch {
            body += "<p class=\"error\">无法校验：\(ConsolePage.escape(String("\(error)".prefix(300))))</p>"
        }
        return Self.respond(200, ConsolePage.page(title: "校验结果", user: session.user, csrf: session.csrf, body: body))
    }

    /// Whether `name` fits a source's path pattern as the run matches it (`inbox/*.csv` takes
    /// `a.csv`, not `A.CSV`: `fnmatch`, as ``PipelineLinter/matches(folder:pattern:)``).
    static func matches(_ name: String, _ pattern: String) -> Bool {
        fnmatch((pattern as NSString).lastPathComponent, name, 0) == 0
    }

    /// The staged file's download of its validation result.
    func validationFile(_ session: Session, token: String) -> Response {
        guard token.count == 64, token.allSatisfy(\.isHexDigit), owner(ofUpload: token)?.user == session.user.name,
            let data = FileManager.default.contents(atPath: stagingRoot + "/\(token)/validation.json")
        else { return refused(session, "没有这份校验结果") }
        var response = Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        response.headers[.contentType] = "application/json"
        response.headers[.contentDisposition] = "attachment; filename=\"validation.json\""
        Self.asDownload(&response)
        return response
    }

    /// Moves the staged file into the pipeline's inbox under its own name: a hard link (never over
    /// an existing file), then the staged copy goes. The action is recorded in the ledger.
    func accept(_ session: Session, token: String, form: [String: String]) -> Response {
        guard token.count == 64, token.allSatisfy(\.isHexDigit),
            let pipeline = visible(session.user).first(where: { $0.id == form["pipeline"] }),
            let owner = owner(ofUpload: token), owner.pipeline == pipeline.id, owner.user == session.user.name
        else { return refused(session, "没有可以接收的上传") }
        let folder = stagingRoot + "/" + token
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { Self.plainFileName($0) != nil }
        guard let name = names.first else { return refused(session, "上传的文件已不在暂存区") }
        let context = pipeline.context.value
        guard let source = context.pipeline.sources.first(where: { Self.matches(name, $0.path) }) else {
            return refused(session, "流水线 \(pipeline.id) 不收这种文件（\((name as NSString).pathExtension)）")
        }
        let inbox = (context.resolve(source.path) as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let target = inbox + "/" + name
        guard link(folder + "/" + name, target) == 0 else {
            let reason = errno == EEXIST ? "收件箱中已有同名文件 \(name)：改名后再上传" : String(cString: strerror(errno))
            return refused(session, reason)
        }
        try? FileManager.default.removeItem(atPath: folder)
        if let opened = try? LedgerOptions.openForWriting(
            path: pipeline.location, command: "console accept \(name)（用户 \(session.user.name)）", scope: .transaction)
        {
            let store = opened.store
            if let run = try? store.beginRun(
                command: "console accept \(name)（用户 \(session.user.name)）", today: currentDay.description, startedAt: LedgerClock.now(),
                pipeline: pipeline.id, department: session.user.department)
            {
                try? store.finishRun(run, exitCode: 0, finishedAt: LedgerClock.now())
            }
        }
        let body = "<p class=\"ok\" id=\"accepted\">\(ConsolePage.escape(name)) 已放入流水线 \(ConsolePage.escape(pipeline.id)) 的收件箱，下次运行时处理。</p>"
        return Self.respond(200, ConsolePage.page(title: "已接收", user: session.user, csrf: session.csrf, body: body))
    }
}

extension ConsoleServer {
    /// What the next run would do with the file in the inbox: a dry run of the pipeline with the
    /// file added, read against the ledger as it is (nothing written, nothing sent).
    func preview(_ pipeline: Pipeline, file: String) -> String {
        var request = RunRequest(today: currentDay, dryRun: true)
        request.extraFiles = [file]
        let (transcript, lines) = Transcript.collecting()
        // The dry run's problems, kept to find the ones the file has only beside the inbox's files
        // (a decision another file not yet run holds: the file alone was valid).
        let problemsPath = NSTemporaryDirectory() + "gongshi-preview-\(UUID().uuidString).txt"
        guard FileManager.default.createFile(atPath: problemsPath, contents: nil, attributes: [.posixPermissions: 0o600]),
            let problems = FileHandle(forWritingAtPath: problemsPath)
        else { return "<p class=\"warning\">无法预览：临时文件无法创建</p>" }
        defer {
            try? problems.close()
            try? FileManager.default.removeItem(atPath: problemsPath)
        }
        do {
            let ledger = try LedgerOptions.openIfPresent(path: pipeline.location)
            _ = try PipelineRun(
                context: pipeline.context.value, request: request, ledger: ledger?.store, transcript: transcript, problems: problems
            ).execute()
        } catch {
            return "<p class=\"warning\">无法预览：\(ConsolePage.escape(String("\(error)".prefix(300))))</p>"
        }
        let feeds = lines().filter { $0.contains("新公示") && $0.contains("]：") }
        var html = "<h3>接收后下次运行将</h3><ul id=\"preview\">" + feeds.map { "<li>\(ConsolePage.escape($0))</li>" }.joined()
            + "</ul><p>（试运行：收件箱里已有的文件一并计算；不写台账，不发送。）</p>"
        let duplicates = Self.duplicates(in: (try? String(contentsOfFile: problemsPath, encoding: .utf8)) ?? "", of: file)
        if !duplicates.isEmpty {
            html += "<p class=\"error\">与收件箱中尚未处理的文件重复的记录（接收后作为重复记录，不予公示）：</p><ul id=\"preview-duplicates\">"
                + duplicates.prefix(20).map { "<li>\(ConsolePage.escape($0))</li>" }.joined() + "</ul>"
        }
        return html
    }

    /// The dry run's `duplicate-key` lines of `file` (text lines `FILE:ROW: FIELD: MESSAGE [TYPE]`),
    /// each as `第 ROW 行：…` with every path cut to its file name (no server path on the page).
    static func duplicates(in problems: String, of file: String) -> [String] {
        problems.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix(file + ":"), line.hasSuffix("[duplicate-key]") else { return nil }
            let rest = line.dropFirst(file.count + 1)
            let row = rest.prefix { $0.isNumber }
            let text = rest.dropFirst(row.count).drop { $0 == ":" || $0 == " " }
            return "第 \(row) 行：\(ConsolePage.withoutPaths(String(text)))"
        }
    }
}

/// Collects a multipart body's parts as they stream: short fields in memory, the file part onto
/// disk (at most `limit` bytes; past it, nothing more is kept).
final class UploadReceiver: @unchecked Sendable {
    let folder: String
    let limit: Int
    var fields: [String: String] = [:]
    var fileName: String?
    var stagedPath: String?
    var oversized = false
    /// Why the file could not be saved (a full disk): the write is no longer tried, and the page says so.
    var unsaved: String?
    private var partName: String?
    private var partFile: String?
    private var value: [UInt8] = []
    private var handle: FileHandle?
    private var written = 0

    init(folder: String, limit: Int) {
        self.folder = folder
        self.limit = limit
    }

    func header(_ name: String, _ value: String) {
        guard name.lowercased() == "content-disposition" else { return }
        partName = Self.parameter("name", in: value)
        partFile = Self.parameter("filename", in: value)
        if let partFile {
            fileName = partFile
            let path = folder + "/upload.part"
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            handle = FileHandle(forWritingAtPath: path)
            stagedPath = path
        }
    }

    func body(_ buffer: inout ByteBuffer) {
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        if partFile != nil {
            written += bytes.count
            if written > limit {
                oversized = true
                return
            }
            guard unsaved == nil, let handle else { return }
            do {
                try handle.write(contentsOf: bytes)  // (`write(_:)` traps on a full disk: the console went down with it)
            } catch {
                unsaved = AnswerLoss.describe(error)
            }
        } else if value.count < 4096 {
            value += bytes.prefix(4096 - value.count)
        }
    }

    func partComplete() {
        if partFile == nil, let partName { fields[partName] = String(decoding: value, as: UTF8.self) }
        try? handle?.close()
        handle = nil
        partName = nil
        partFile = nil
        value = []
    }

    func finish() {
        try? handle?.close()
        handle = nil
    }

    /// `name="…"` in a Content-Disposition value.
    static func parameter(_ key: String, in value: String) -> String? {
        for part in value.split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            guard pair.hasPrefix(key + "=") else { continue }
            return String(pair.dropFirst(key.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }
}
