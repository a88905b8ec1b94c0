import ArgumentParser
import DisclosureCore
import Foundation
import PipelineConfig
import PipelineRunner

extension Gongshi {
    /// `gongshi feed --portal P --kind K --out DIR [--ledger FILE] FILE...`: validates the files and
    /// writes the portal's feeds of the valid records into the outbox, one folder per portal and
    /// date, each file with its manifest. Invalid records are set aside (listed as by `validate`).
    ///
    /// With `--ledger`, only what the portal does not have yet goes out: new records as new
    /// batches, changed ones as corrections, and batches left pending by an interrupted run are
    /// settled first (see ``FeedPublisher``). Without it, every valid record is written (a preview).
    struct Feed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "校验数据文件，并把有效记录按门户配置生成公示文件（含清单 manifest），写入待上传目录。",
            discussion: """
                目录结构：OUT/门户/YYYY-MM-DD/文件 与 文件.manifest.json。同样的输入生成逐字节相同的文件。\
                给出 --ledger 时按公示台账只发送新记录和更正，每条记录只公示一次；上传后用 gongshi ledger confirm 确认。\
                退出码：0 全部有效；65 有无效记录（有效记录照常生成）；64 用法错误；75 台账正被另一进程使用；78 配置有误。
                """)

        @Option(name: .customLong("portal"), help: ArgumentHelp("门户配置的 id（内置：creditchina-henan-zhengzhou、gsxt）。", valueName: "ID"))
        var portal: String?

        @Option(name: .customLong("profile"), help: ArgumentHelp("使用这个门户配置文件，而不是内置的。", valueName: "FILE"))
        var profileFile: String?

        @Option(name: .customLong("kind"), help: ArgumentHelp("记录种类：penalty、permit，或内置 schema 的 id。", valueName: "KIND"))
        var kind: String

        @Option(name: .customLong("out"), help: ArgumentHelp("待上传目录（outbox）。", valueName: "DIR"))
        var out: String

        @Option(
            name: .customLong("ledger"),
            help: ArgumentHelp("公示台账（SQLite）：只发送门户还没有的记录，并登记批次；不给出时生成全部有效记录（预览）。", valueName: "FILE"))
        var ledger: String?

        @Option(name: .customLong("encoding"), help: ArgumentHelp("文件编码：auto（默认）、utf-8、gb18030、utf-16。", valueName: "ENCODING"))
        var encoding: String = "auto"

        @Option(
            name: .customLong("format"),
            help: ArgumentHelp("文件格式，代替门户配置里的：csv-utf8-bom、csv-gb18030、json-lines、xlsx（Excel 模板）。", valueName: "FORMAT"))
        var format: String?

        @Argument(help: ArgumentHelp("数据文件（CSV 或 XML）。", valueName: "FILE"))
        var files: [String] = []

        @OptionGroup var today: TodayOptions
        @OptionGroup var calendar: CalendarOptions

        func validate() throws {
            guard (portal == nil) != (profileFile == nil) else { throw ValidationError("需要 --portal 或 --profile 二者之一") }
            guard !files.isEmpty else { throw ValidationError("至少给出一个数据文件") }
            guard EncodingChoice(rawValue: encoding.lowercased()) != nil else {
                throw ValidationError("--encoding 应为 auto、utf-8、gb18030 或 utf-16")
            }
            if let format, !PipelineLoader.portalFormats.contains(format) {
                throw ValidationError("--format 应为 \(PipelineLoader.portalFormats.joined(separator: "、")) 之一")
            }
        }

        func run() throws {
            let today = try self.today.resolve()
            let schema = try Validate.loadSchema(kind: kind, schemaFile: nil)
            var profile = try loadProfile()
            if let format = format.flatMap(FeedSpec.Format.init(rawValue:)) { profile = profile.with(format: format) }
            let feeds = profile.feeds.filter { $0.schema == schema.id }
            guard !feeds.isEmpty else {
                throw CommandFailure(
                    status: ExitStatus.usage, code: "portal-no-feed", message: "门户“\(profile.title)”没有\(schema.title)的公示文件")
            }
            // The lock comes first: a second run stops before reading anything.
            let opened = try ledger.map { path throws(CommandFailure) in
                try LedgerOptions.openForWriting(path: path, command: "feed --portal \(profile.id) --kind \(schema.id)", creating: true)
            }
            var options = InputOptions()
            options.encoding = EncodingChoice(rawValue: encoding.lowercased()) ?? .auto
            let calendar = opened != nil && profile.deadlineWorkingDays != nil ? try self.calendar.load() : nil
            let feed = FeedRun(
                profile: profile, schema: schema, today: today, outbox: URL(fileURLWithPath: out), calendar: calendar, options: options,
                transcript: Output.transcript, problems: .standardOutput)
            let status = try opened.map { try feed.execute(files: files, ledger: $0.store) } ?? feed.preview(files: files)
            if status != ExitStatus.ok { throw ExitCode(status) }
        }

        private func loadProfile() throws -> PortalProfile { try Self.profile(portal: portal, file: profileFile) }

        /// A bundled portal profile by id, or a profile file.
        static func profile(portal: String?, file profileFile: String?) throws -> PortalProfile {
            let schemas = SchemaCatalog.bundledDocuments.compactMap { try? SchemaLoader.load($0).get() }
            if let profileFile {
                return try PortalProfileLoader.load(try ConfigFiles.document(profileFile, transcript: Output.transcript), schemas: schemas).orConfigurationFailure(Output.transcript)
            }
            var known: [String] = []
            for document in PortalProfileLoader.bundledDocuments {
                let profile = try PortalProfileLoader.load(document, schemas: schemas).orConfigurationFailure(Output.transcript)
                if profile.id == portal { return profile }
                known.append(profile.id)
            }
            throw CommandFailure(
                status: ExitStatus.usage, code: "portal-unknown", message: "--portal “\(portal ?? "")”未知；可用：\(known.joined(separator: "、"))")
        }
    }
}
