import PipelineRunner
import ArgumentParser
import DisclosureCore
import Foundation
import SQLiteLedger

extension Gongshi {
    /// `gongshi check CODE`: 信用核查 — what has been published about a subject, by its
    /// 统一社会信用代码, active or withdrawn, read from the ledger.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "信用核查：按统一社会信用代码列出台账中关于该主体的公示（公示中、待确认、已撤下）。",
            discussion: "退出码：0 有公示记录；1 台账中没有该主体的公示；65 代码本身不正确。")

        @Argument(help: ArgumentHelp("统一社会信用代码（18 位）。", valueName: "CODE"))
        var code: String

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var only: LedgerFilterOptions

        func run() throws {
            let code = code.trimmingCharacters(in: .whitespaces).uppercased()
            if let problem = CreditCode.problem(in: code) {
                let (type, zh, _) = problem.explanation
                throw CommandFailure(status: ExitStatus.dataError, code: type, message: "统一社会信用代码“\(OneLine.value(code))”不正确：\(zh)")
            }
            let ledger = try self.ledger.openForReading().store
            let entries = try CommandFailure.ledger { () throws(LedgerError) in try ledger.publications(subjectCode: code, filter: only.filter) }
            guard !entries.isEmpty else {
                Output.answer("台账中没有关于 \(code) 的公示")
                throw ExitCode(ExitStatus.no)
            }
            let current = SubjectCheck.current(entries)
            let name = PublicationRules.shownSubjectName(entries.compactMap(\.subjectName).last ?? "")
            let active = current.filter { $0.status == .published }.count
            let withdrawn = current.filter { $0.status == .withdrawn }.count
            Output.answer("\(code) \(name)：公示中 \(active) 条，待确认 \(current.filter { $0.status == .pending }.count) 条，已撤下 \(withdrawn) 条")
            for entry in current { Output.answer("  " + PublicationLine.describe(entry)) }
        }
    }
}
