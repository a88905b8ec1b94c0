import Foundation

/// Instants for the ledger and manifests (start and end of runs, deliveries), as
/// 2026-11-30T09:15:00+08:00: the time of day in Asia/Shanghai. Never in a payload, whose bytes
/// depend only on the records.
public enum LedgerClock {
    public static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return formatter.string(from: Date())
    }
}
