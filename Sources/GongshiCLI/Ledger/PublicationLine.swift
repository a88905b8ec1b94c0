import PipelineRunner
import DisclosureCore

/// One publication as a line of `ledger show` and `check`.
enum PublicationLine {
    static func describe(_ entry: PublicationEntry) -> String {
        let operation = entry.operation == .correct ? "更正" : entry.operation == .republish ? "重新公示" : "公示"
        let status: String
        switch entry.status {
        case .pending: status = "待确认"
        case .published where entry.withdrawalStatus == "pending":
            status = "已公示 \(entry.publishedOn ?? "")，撤下待门户确认（\(entry.withdrawalReason ?? "")）"
        case .published: status = "已公示 \(entry.publishedOn ?? "")"
        case .rejected: status = "被门户拒收（\(entry.rejectionReason ?? "")）"
        case .failed: status = "失败"
        case .withdrawn: status = "已撤下（\(entry.withdrawalReason ?? "")）"
        }
        var parts = [
            "\(entry.portal)/\(entry.feed)", operation, status, DecisionKey.shown(entry.key), "决定日期 \(entry.decisionDate ?? "?")",
            "截止 \(entry.dueOn ?? "?")", "批次 \(entry.batchID)", "内容 \(entry.contentSHA256.prefix(12))",
        ]
        if let previous = entry.previousSHA256 { parts.append("更正前 \(previous.prefix(12))") }
        return parts.joined(separator: "  ")
    }
}
