public import DisclosureCore

/// 信用核查 (`gongshi check CODE`, the console's page): what the ledger holds about a subject, read
/// the same way by both — each record's current state on each portal feed, and its words.
public enum SubjectCheck {
    /// The latest entry of each record on each portal feed (its current state there), in the order
    /// the records were first planned; failed batches' entries left out.
    public static func current(_ entries: [PublicationEntry]) -> [PublicationEntry] {
        var latest: [String: PublicationEntry] = [:]
        var order: [String] = []
        for entry in entries where entry.status != .failed {
            let id = "\(entry.portal)\u{1F}\(entry.feed)\u{1F}\(entry.key)"
            if latest.updateValue(entry, forKey: id) == nil { order.append(id) }
        }
        return order.compactMap { latest[$0] }
    }

    /// A publication's state in the clerk's words (a withdrawal that waits for the portal said so).
    public static func status(_ entry: PublicationEntry) -> String {
        switch entry.status {
        case .pending: "待确认"
        case .published where entry.withdrawalStatus == "pending":
            "已公示 \(entry.publishedOn ?? "")，撤下待门户确认（\(entry.withdrawalReason ?? "")）"
        case .published: "已公示 \(entry.publishedOn ?? "")"
        case .rejected: "被门户拒收（\(entry.rejectionReason ?? "")）"
        case .failed: "失败"
        case .withdrawn: "已撤下（\(entry.withdrawalReason ?? "")）"
        }
    }
}
