/// What the sandbox does wrong, and how often: `--faults` as comma-separated items, each counting
/// down as it fires.
///
/// - `5xx:K` — the first K API requests answer 503;
/// - `slow:K:S` — the first K batch uploads are stored, then answered after S seconds (longer than
///   the client waits);
/// - `reset:K` — the first K batch uploads are stored, then the connection is cut after the
///   response headers (the client never gets the receipt);
/// - `expired-token:K` — the first K authenticated requests answer 401 `token-expired`;
/// - `bad-signature:K` — the first K requests answer 401 `signature-mismatch`;
/// - `reject:TEXT` — every record whose line contains TEXT is rejected, with a reason;
/// - `short-receipt:K` — the first K batches stored get a receipt (kept, answered again to every
///   status query) that leaves out their last record, as a faulty portal might;
/// - `garbled-receipt:K` — the first K batches stored are answered with an HTML error page (one
///   that quotes an ID number) instead of their receipt, as a gateway in front of a portal might;
///   status queries answer the true receipt.
public struct FaultPlan: Sendable, Equatable {
    public var serverErrors = 0
    public var slow = 0
    public var slowSeconds = 0.0
    public var resets = 0
    public var expiredTokens = 0
    public var badSignatures = 0
    public var rejectContaining: [String] = []
    public var shortReceipts = 0
    public var garbledReceipts = 0

    public init() {}

    /// Parses a `--faults` value; throws a message naming the bad item.
    public init(parsing spec: String) throws(FaultPlanError) {
        for item in spec.split(separator: ",").map({ String($0.filter { $0 != " " }) }) where !item.isEmpty {
            let parts = item.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            func count(_ index: Int) throws(FaultPlanError) -> Int {
                guard parts.count > index, let value = Int(parts[index]), value >= 0 else { throw FaultPlanError(item: item) }
                return value
            }
            switch parts[0] {
            case "5xx": serverErrors = try count(1)
            case "slow":
                slow = try count(1)
                guard parts.count == 3, let seconds = Double(parts[2]), seconds >= 0 else { throw FaultPlanError(item: item) }
                slowSeconds = seconds
            case "reset": resets = try count(1)
            case "expired-token": expiredTokens = try count(1)
            case "bad-signature": badSignatures = try count(1)
            case "short-receipt": shortReceipts = try count(1)
            case "garbled-receipt": garbledReceipts = try count(1)
            case "reject":
                guard parts.count >= 2, !parts.dropFirst().joined(separator: ":").isEmpty else { throw FaultPlanError(item: item) }
                rejectContaining.append(parts.dropFirst().joined(separator: ":"))
            default: throw FaultPlanError(item: item)
            }
        }
    }
}

public struct FaultPlanError: Error, Sendable, Equatable {
    public let item: String
}

