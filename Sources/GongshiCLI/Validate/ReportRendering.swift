import DisclosureCore
import Foundation
import WorkingDayCalendar

/// The validation report as text lines and as JSON.
enum ReportRendering {
    /// One line per problem, `file:row: field: message [type]`, then a summary.
    static func text(_ report: ValidationReport, language: Language) -> [String] {
        var lines: [String] = []
        for issue in report.issues {
            var place = issue.file ?? ""
            if let row = issue.row { place += ":\(row)" }
            let field = issue.field.map { "\($0): " } ?? ""
            let label = issue.severity == .warning ? (language == .zh ? "警告：" : "warning: ") : ""
            lines.append("\(place): \(field)\(label)\(issue.message.text(language)) [\(issue.type)]")
        }
        lines.append(summary(report, language: language))
        return lines
    }

    static func summary(_ report: ValidationReport, language: Language) -> String {
        let failed = report.failedFiles
        switch language {
        case .zh:
            let files = failed > 0 ? "；\(failed) 个文件无法校验" : ""
            return "共 \(report.records) 条记录：有效 \(report.valid) 条，无效 \(report.invalid) 条；跳过 \(report.skipped) 行；"
                + "错误 \(report.errorCount) 个，警告 \(report.warningCount) 个\(files)。"
        case .en:
            let files = failed > 0 ? "; \(failed) file(s) could not be checked" : ""
            return "\(report.records) records: \(report.valid) valid, \(report.invalid) invalid; \(report.skipped) rows skipped; "
                + "\(report.errorCount) errors, \(report.warningCount) warnings\(files)."
        }
    }

    /// The JSON report: `{valid, schema, today, stats, files, errors}`, keys sorted, no clock in it.
    static func json(_ report: ValidationReport, language: Language) throws -> Data {
        let document = ReportDocument(report: report, language: language)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            var data = try encoder.encode(document)
            data.append(0x0A)
            return data
        } catch {
            throw CommandFailure(status: 70, code: "internal", message: "报告无法编码：\(error)")
        }
    }
}

/// The JSON shape of a validation report.
private struct ReportDocument: Encodable {
    struct Schema: Encodable {
        let id: String
        let version: Int
    }

    struct Stats: Encodable {
        let records, valid, invalid, skipped, errors, warnings, files, failedFiles: Int
    }

    struct File: Encodable {
        let file: String
        let records, valid, invalid, skipped: Int
        let failed: Bool
    }

    struct Problem: Encodable {
        let issue: Issue
        let language: Language

        enum Keys: String, CodingKey {
            case file, row, field, code, type, severity, value, message
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(issue.file, forKey: .file)
            try container.encode(issue.row, forKey: .row)
            try container.encode(issue.field, forKey: .field)
            try container.encode(issue.column, forKey: .code)
            try container.encode(issue.type, forKey: .type)
            try container.encode(issue.severity.rawValue, forKey: .severity)
            try container.encode(issue.value, forKey: .value)
            try container.encode(issue.message.text(language), forKey: .message)
        }
    }

    let valid: Bool
    let schema: Schema
    let today: String
    let stats: Stats
    let files: [File]
    let errors: [Problem]

    init(report: ValidationReport, language: Language) {
        valid = report.isValid
        schema = Schema(id: report.schemaID, version: report.schemaVersion)
        today = report.today.description
        stats = Stats(
            records: report.records, valid: report.valid, invalid: report.invalid, skipped: report.skipped,
            errors: report.errorCount, warnings: report.warningCount, files: report.files.count,
            failedFiles: report.failedFiles)
        files = report.files.map {
            File(file: $0.file, records: $0.records, valid: $0.valid, invalid: $0.invalid, skipped: $0.skipped, failed: $0.failed)
        }
        errors = report.issues.map { Problem(issue: $0, language: language) }
    }
}
