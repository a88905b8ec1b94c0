/// How a run ended, as the exit status it maps to (after BSD sysexits), and which of two outcomes
/// is the more serious: configuration (78), then a portal unavailable (69), then data errors (65),
/// then work left for later (75), then done (0).
public enum RunOutcome: Int32, Sendable, CaseIterable, Comparable {
    case ok = 0
    /// Records overdue or due by the next working day; the ledger busy.
    case temporaryFailure = 75
    /// Invalid or refused records.
    case dataError = 65
    /// A portal could not be used; its batches wait for the next run.
    case unavailable = 69
    /// Bad configuration (credentials refused, calendar).
    case configuration = 78

    /// Seriousness, least first.
    private static let order: [RunOutcome] = [.ok, .temporaryFailure, .dataError, .unavailable, .configuration]

    public static func < (a: RunOutcome, b: RunOutcome) -> Bool {
        order.firstIndex(of: a)! < order.firstIndex(of: b)!
    }

    /// The more serious of two exit statuses (an unknown status ranks as 0).
    public static func worse(_ a: Int32, _ b: Int32) -> Int32 {
        let x = RunOutcome(rawValue: a) ?? .ok
        let y = RunOutcome(rawValue: b) ?? .ok
        return x >= y ? a : b
    }
}
