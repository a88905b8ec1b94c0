import PipelineRunner
import ArgumentParser
import DisclosureCore
import DisclosureReports
import PipelineConfig
import Foundation
import SQLiteLedger
import WorkingDayCalendar

extension Gongshi {
    /// `gongshi report PIPELINE... [--from DATE --to DATE]`: the credit office's report for a
    /// period, from the ledger — a JSON copy and an HTML page (self-contained), both mode 0600.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "生成一段时间的双公示报告（JSON 和 HTML）：各科室数量、问题记录、截止日期表、撤下记录、可申请信用修复的记录，以及合规率、及时率、完整率。",
            discussion: """
                不给出 --from/--to 时为本月 1 日至今天。几条流水线须共用同一个台账。报告写入 --out 目录（默认第一条流水线的 reports 目录），权限 0600。\
                退出码：0 完成；66 台账不存在；78 配置错误。
                """)

        @Argument(help: ArgumentHelp("流水线文件（一个或多个；每条流水线即一个科室）。", valueName: "PIPELINE"))
        var pipelines: [String]

        @OptionGroup(title: "期间") var range: DateRange

        @Option(name: .customLong("out"), help: ArgumentHelp("报告目录。", valueName: "DIR"))
        var out: String?

        @Option(name: .customLong("ledger"), help: ArgumentHelp("公示台账：文件或 postgresql:// 地址（默认取流水线的 ledger）。", valueName: "FILE|URL"))
        var ledgerPath: String?

        @Option(
            name: .customLong("department"),
            help: ArgumentHelp("只报告这个部门（流水线的 department:）的流水线；全县共用台账时用 pipelines/*.yaml 加此项。", valueName: "NAME"))
        var department: String?

        @OptionGroup var today: TodayOptions
        @OptionGroup var calendar: CalendarOptions

        func validate() throws {
            guard !pipelines.isEmpty else { throw ValidationError("至少给出一条流水线") }
        }

        func run() throws {
            let today = try self.today.resolve()
            let contexts = try pipelines.map { try PipelineContext.load($0, today: today, uploads: false, calendarDirectory: calendar.effectiveDirectory, transcript: Output.transcript) }
                .filter { department == nil || $0.pipeline.department == department }
            guard !contexts.isEmpty else {
                throw CommandFailure(
                    status: ExitStatus.usage, code: "report-no-department", message: "给出的流水线中没有部门“\(department ?? "")”的流水线")
            }
            let ledgers = Set(contexts.map { (LedgerOptions.location(nil, context: $0) as NSString).standardizingPath })
            guard ledgerPath != nil || ledgers.count == 1 else {
                throw CommandFailure(
                    status: ExitStatus.configuration, code: "report-ledgers-differ",
                    message: "这几条流水线的台账不同（\(ledgers.sorted().joined(separator: "、"))）：用 --ledger 指定一个，或分别生成报告")
            }
            let first = contexts[0]
            let ledger = try LedgerOptions.readingMigrated(path: LedgerOptions.location(ledgerPath, context: first)).store
            let period = try range.resolve() ?? CalendarDate(year: today.year, month: today.month, day: 1)!...today
            let (start, end) = (period.lowerBound, period.upperBound)
            let builder = ReportBuilder(contexts: contexts, calendar: first.calendar, today: today)
            let report = try CommandFailure.ledger { () throws(LedgerError) in
                try builder.build(ledger: ledger, from: start, to: end, title: "双公示报告 \(start) 至 \(end)")
            }
            let folder = out ?? first.resolve(first.pipeline.reports)
            let paths = try PipelineRunner.ReportFiles.write(report, folder: folder, name: "report-\(start)-\(end)")
            ReportHeadline.printHeadline(report)
            Output.answer("报告：\(paths.json)")
            Output.answer("报告（网页）：\(paths.html)")
            if let ended = report.deadlineCounts[DeadlineLine.State.calendarEnded.rawValue], ended > 0 {
                let named = report.deadlines.filter { $0.state == .calendarEnded }.map(\.decisionNumber)
                Output.error(DeadlineReckoning.calendarEndedMessage(count: ended, decisions: named, calendar: first.calendar))
                throw ExitCode(ExitStatus.configuration)
            }
        }
    }
}

/// Prints a report's headline figures.
enum ReportHeadline {
    static func printHeadline(_ report: CreditReport) {
        for department in report.departments {
            Output.answer(
                // Two bases, as the page says them: records by the day they were received (a file
                // read again counts again), decisions by their decision date.
                "\(department.department)（\(department.kind)）：本期作出的决定 \(department.decisions) 个；"
                    + "本期收到的记录（按收到日期）\(department.records) 条，有效 \(department.valid)，无效 \(department.invalid)；"
                    + "已公示 \(department.published)，待公示 \(department.pending)，被拒收 \(department.rejected)，已撤下 \(department.withdrawn)")
        }
        for rates in report.rates where rates.compliance.denominator + rates.timeliness.denominator > 0 {
            Output.answer(
                "  \(rates.department) \(rates.month)：合规率 \(rates.compliance.percent)，及时率 \(rates.timeliness.percent)，完整率 \(rates.completeness.percent)")
        }
        let overdue = report.deadlines.filter { $0.state == .overdue }.count
        if overdue > 0 { Output.answer("逾期未公示 \(overdue) 条（见报告的截止日期表）") }
        if report.repairEligibleTotal > 0 { Output.answer("可申请信用修复 \(report.repairEligibleTotal) 条") }
    }
}
