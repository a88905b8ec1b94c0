import PipelineRunner
import DisclosureCore

/// One publication as a line of `ledger show` and `check`.
enum PublicationLine {
    static func describe(_ entry: PublicationEntry) -> String {
        let operation = entry.operation == .correct ? "更正" : entry.operation == .republish ? "重新公示" : "公示"
        let status = SubjectCheck.status(entry)
        var parts = [
            "\(entry.portal)/\(entry.feed)", operation, status, DecisionKey.shown(entry), "决定日期 \(entry.decisionDate ?? "?")",
            "截止 \(entry.dueOn ?? "?")", "批次 \(entry.batchID)", "内容 \(entry.contentSHA256.prefix(12))",
        ]
        if let previous = entry.previousSHA256 { parts.append("更正前 \(previous.prefix(12))") }
        return parts.joined(separator: "  ")
    }
}
