import PipelineRunner
import ArgumentParser
import DisclosureCore
import Foundation
import PipelineConfig
import SourceDecoders
import WorkingDayCalendar

extension Gongshi {
    /// `gongshi validate --kind penalty|permit FILE...`: checks files laid out as the national
    /// templates against a publication schema, with no pipeline file. Writes nothing but its report.
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "按公示标准校验数据文件（列名用模板中文名或 CF_*/XK_* 代码，列序任意），列出全部问题。不写台账，不上传。",
            discussion: """
                每个问题一行：文件:行: 字段: 说明 [类型代码]；行号以表头为第 1 行，按记录计（单元格内换行不增加行号）；\
                XML 文件按行号。除格式、枚举、代码校验位外，还按公示规则检查：自由文本中的身份证号、电话、银行卡号、\
                邮箱和自然人本人姓名住址（警告，显示时已打码）、未成年人和部门标注不公开的决定（不予公示）、\
                相对人类别与统一社会信用代码不符、万元栏填了元、控制字符、以 = + - @ 开头的单元格（警告）。\
                警告不影响退出码。退出码：0 全部有效（可有警告）；65 有无效记录或无法校验的文件；64 用法错误；\
                78 schema、映射或节假日日历有误。
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case text, json
        }

        @Option(name: .customLong("kind"), help: ArgumentHelp("记录种类：penalty（行政处罚）、permit（行政许可），或内置 schema 的 id。", valueName: "KIND"))
        var kind: String?

        @Option(name: .customLong("schema"), help: ArgumentHelp("使用这个 schema 文件，而不是内置的（如新的记录种类）。", valueName: "FILE"))
        var schemaFile: String?

        @Argument(help: ArgumentHelp("要校验的数据文件：CSV（编码见 --encoding）、XML（.xml 后缀；记录元素见 --xml-record）或 Excel 工作簿（.xlsx 后缀；工作表见 --sheet）；或一个流水线文件（pipelines/*.yaml），即按该流水线试运行（同 run --dry-run）。", valueName: "FILE"))
        var files: [String] = []

        @Option(name: .customLong("format"), help: "输出格式：text（默认）或 json。")
        var format: Format = .text

        @Option(name: .customLong("report"), help: ArgumentHelp("另把 JSON 报告写入该文件（权限 0600）。", valueName: "PATH"))
        var reportPath: String?

        @Option(name: .customLong("lang"), help: "说明文字的语言：zh（默认）或 en。")
        var language: String = "zh"

        @Flag(name: .customLong("all-warnings"), help: "逐条列出全部警告（默认：同一文件同一字段的同类警告列出前 3 条，再给一行合计；JSON 中合计行带 count）。")
        var allWarnings = false

        @Option(
            name: .customLong("encoding"),
            help: ArgumentHelp("文件编码：auto（默认：先看 BOM，再看是否为有效 UTF-8，否则按 GB18030）、utf-8、gb18030、utf-16。", valueName: "ENCODING"))
        var encoding: String = "auto"

        @Option(name: .customLong("mapping"), help: ArgumentHelp("部门自己的列名到字段的映射文件（YAML）。", valueName: "FILE"))
        var mapping: String?

        @Option(
            name: .customLong("xml-record"),
            help: ArgumentHelp("XML 文件中一条记录的元素：元素名（任意深度）或从根开始的路径，如 /Records/Record。", valueName: "PATH"))
        var xmlRecord = "Record"

        @Option(name: .customLong("xsd"), help: ArgumentHelp("在同一遍读取中用这个 XSD 校验 XML 文件。", valueName: "FILE"))
        var xsd: String?

        @Option(name: .customLong("sheet"), help: ArgumentHelp("Excel 工作簿（.xlsx）要读的工作表名；不给出时读第一个。", valueName: "NAME"))
        var sheet: String?

        @OptionGroup var today: TodayOptions
        @OptionGroup var calendar: CalendarOptions

        /// `gongshi validate pipelines/ID.yaml`: the pipeline's dry run (its kind, sources and
        /// portals come from the file).
        var pipelineFile: String? {
            guard kind == nil, schemaFile == nil, files.count == 1, files[0].hasSuffix(".yaml") || files[0].hasSuffix(".yml") else { return nil }
            return files[0]
        }

        func validate() throws {
            if pipelineFile != nil {
                // A pipeline's check is its dry run, whose lines are text (JSON was asked for and
                // text came, with exit 0 from a JSON reader's point of view: refused instead).
                guard format == .text, reportPath == nil else {
                    throw ValidationError("按流水线校验（同 run --dry-run）只输出文本；要 JSON 或 --report，请用 --kind 加数据文件")
                }
                return
            }
            guard (kind == nil) != (schemaFile == nil) else {
                throw ValidationError("需要 --kind 或 --schema 二者之一")
            }
            guard !files.isEmpty else { throw ValidationError("至少给出一个要校验的文件") }
            guard Language(rawValue: language) != nil else { throw ValidationError("--lang 应为 zh 或 en") }
            guard EncodingChoice(rawValue: encoding.lowercased()) != nil else {
                throw ValidationError("--encoding 应为 auto、utf-8、gb18030 或 utf-16")
            }
        }

        func run() throws {
            let language = Language(rawValue: language) ?? .zh
            let today = try self.today.resolve()
            if let pipelineFile {
                let status = try Run.execute(
                    pipelineFile, request: {
                        var request = RunRequest(today: today, dryRun: true)
                        request.allWarnings = allWarnings
                        request.everyFile = true  // every file checked, settled or not
                        return request
                    }(),
                    ledgerPath: nil, calendar: calendar.effectiveDirectory)
                if status != ExitStatus.ok { throw ExitCode(status) }
                return
            }
            let schema = try loadSchema()
            let writer = try ReportWriter(json: format == .json, language: language, reportPath: reportPath, output: .standardOutput)
            writer.summarizesWarnings = !allWarnings
            let options = try inputOptions(schema: schema)
            let report = try FileValidator.validate(files: files, schema: schema, today: today, options: options, writer: writer)
            try writer.finish(report)
            if !report.isValid { throw ExitCode(ExitStatus.dataError) }
        }

        /// `--encoding`, `--mapping`, `--xml-record` and `--xsd`, checked before any file is read.
        private func inputOptions(schema: PublicationSchema) throws -> InputOptions {
            try InputOptions.make(
                encoding: encoding, mapping: mapping, xmlRecord: xmlRecord, xsd: xsd, schema: schema, sheet: sheet, transcript: Output.transcript)
        }

        private func loadSchema() throws -> PublicationSchema {
            try Self.loadSchema(kind: kind, schemaFile: schemaFile)
        }

        /// The schema `--schema FILE` or `--kind KIND` names.
        static func loadSchema(kind: String?, schemaFile: String?) throws -> PublicationSchema {
            if let schemaFile {
                return try SchemaLoader.load(try ConfigFiles.document(schemaFile, transcript: Output.transcript)).orConfigurationFailure(Output.transcript)
            }
            switch SchemaCatalog.find(kind: kind ?? "") {
            case .found(let schema): return schema
            case .unknown(let known):
                throw CommandFailure(
                    status: ExitStatus.usage, code: "kind-unknown",
                    message: "--kind “\(kind ?? "")”未知；可用：\(known.joined(separator: "；"))")
            case .invalid(let failure):
                for issue in failure.issues { Output.error(issue.description) }
                throw ExitCode(ExitStatus.configuration)
            }
        }
    }
}
