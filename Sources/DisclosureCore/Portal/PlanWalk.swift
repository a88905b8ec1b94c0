/// What planning one feed decided, for the summary line and the run's report.
public struct FeedCounts: Sendable, Equatable {
    public var published = 0
    public var corrected = 0
    public var unchanged = 0
    public var withdrawn = 0
    public var repeated = 0
    public var stillRejected = 0
    public var republished = 0
    /// Of the corrections, those of records kept out for their period (counted among them by the
    /// intake) that the portal still shows (``FeedPlan/Row/onlyCorrecting``).
    public var correctedPastPeriod = 0
    /// Rows of a record version withdrawn from the feed to be corrected (更正), read again: not
    /// sent (``PublicationPlanner/Decision/withdrawnVersion(_:)``).
    public var withdrawnVersions = 0

    public init() {}
}

/// A row to send, with its content hash and (for a correction) the hash it corrects and the batch
/// that publication went out in.
public struct PlannedRow: Sendable, Equatable {
    public let row: FeedPlan.Row
    public let hash: String
    public let previous: String?
    public let correctsBatch: String?

    public init(row: FeedPlan.Row, hash: String, previous: String?, correctsBatch: String? = nil) {
        self.row = row
        self.hash = hash
        self.previous = previous
        self.correctsBatch = correctsBatch
    }
}

extension PublicationPlanner {
    /// How many rows are decided against the ledger at once (one question for their keys).
    public static let planningChunk = 1000

    /// Walks a feed's rows, sorted by key, a chunk at a time: asks `known` about the chunk's keys,
    /// decides each row and hands each row to send to `take` as it is decided. Memory holds one
    /// chunk, not the feed. A chunk ends between keys, so that a repeated key is decided in the
    /// chunk of its first row; keys are unique in the walk (a repeat is counted, not sent), so
    /// sending a batch before the rest is decided cannot change a decision.
    ///
    /// - Parameters:
    ///   - hash: a row's content hash (the engine's SHA-256 of the feed name and cells).
    ///   - known: the ledger's view of some keys (the chunk's, each once, in the walk's order).
    public static func walk(
        _ rows: some Sequence<FeedPlan.Row>, chunkSize: Int = planningChunk, republishing: Bool, today: String? = nil,
        hash: (FeedPlan.Row) -> String, known: ([String]) throws -> [String: Known],
        take: (BatchOperation, consuming PlannedRow) throws -> Void
    ) throws -> FeedCounts {
        var counts = FeedCounts()
        var previousKey: String?
        var chunk: [FeedPlan.Row] = []
        func decideChunk() throws {
            // The chunk's keys, each once: rows come sorted, so a repeat follows its first row. (A
            // set of them, hashing every key, was a twentieth of a first run's walk, where the
            // ledger is not even asked.)
            var keys: [String] = []
            keys.reserveCapacity(chunk.count)
            // (Keys compared by their bytes, as they were sorted and as the ledger tells them apart:
            // `==` normalizes a Chinese text each time it compares it.)
            for index in chunk.indices where !(keys.last?.sameBytes(chunk[index].key) ?? false) { keys.append(chunk[index].key) }
            let state = try known(keys)
            // The rows are moved out of the chunk, each into the row planned from it (reversed in
            // place, then taken from the end): read as `for row in chunk`, each row was copied, its
            // texts retained and released, and then copied again into its planned row.
            chunk.withUnsafeMutableBufferPointer { $0.reverse() }
            while let row = chunk.popLast() {
                // The key kept apart, so that the row's last use is its planned row's, which takes
                // it whole (kept for the next row's comparison, the row was copied into it).
                let key = row.key
                defer { previousKey = key }
                guard !(previousKey?.sameBytes(key) ?? false) else {
                    if row.onlyCorrecting == nil { counts.repeated += 1 }
                    continue
                }
                let hash = hash(row)
                let decision = decide(hash: hash, record: row.recordSHA256, known: state[key], republishing: republishing, today: today)
                // A row kept out for its period goes out only to correct a live publication; kept
                // out otherwise, it was counted as such where it was read, not here.
                // (Confirmed: a batch staged and never uploaded is not on the portal.)
                if row.onlyCorrecting != nil {
                    if case .withdrawnVersion = decision { counts.withdrawnVersions += 1 }
                    guard case .correct(let previous, let batch) = decision, state[key]?.state == .published else { continue }
                    counts.corrected += 1
                    counts.correctedPastPeriod += 1
                    try take(.correct, PlannedRow(row: row, hash: hash, previous: previous, correctsBatch: batch))
                    continue
                }
                switch decision {
                case .publish:
                    counts.published += 1
                    try take(.publish, PlannedRow(row: row, hash: hash, previous: nil))
                case .correct(let previous, let batch):
                    counts.corrected += 1
                    try take(.correct, PlannedRow(row: row, hash: hash, previous: previous, correctsBatch: batch))
                case .republish:
                    counts.republished += 1
                    try take(.republish, PlannedRow(row: row, hash: hash, previous: nil))
                case .publishAgain:
                    // A new publication of the record (its corrected version), of a row the ledger
                    // already holds: recorded as a republication, a batch of the day's own.
                    counts.published += 1
                    try take(.republish, PlannedRow(row: row, hash: hash, previous: nil))
                case .unchanged: counts.unchanged += 1
                case .withdrawn: counts.withdrawn += 1
                case .withdrawnVersion: counts.withdrawnVersions += 1
                case .stillRejected: counts.stillRejected += 1
                case .repeatedKey: counts.repeated += 1
                }
            }
        }
        for row in rows {
            chunk.append(row)
            if chunk.count >= max(2, chunkSize), let last = chunk.last, !last.key.sameBytes(chunk[chunk.count - 2].key) {
                let carry = chunk.removeLast()
                try decideChunk()
                chunk.append(carry)
            }
        }
        try decideChunk()
        return counts
    }

    /// The planner's view of a ledger status.
    /// - Parameter withdrawnToCorrect: its withdrawal was asked for to correct it (更正: the
    ///   engine's reason, which the core does not name).
    /// - Parameter withdrawnBefore: a withdrawal of an earlier publication of its key was asked
    ///   for, not to correct it (信用修复, 撤销, a period's end): the record stays down, whatever
    ///   came after it (a correction staged before the withdrawal and never uploaded).
    public static func state(
        _ status: PublicationStatus, withdrawalAsked: Bool = false, withdrawnToCorrect: Bool = false, withdrawnBefore: Bool = false
    ) -> Known.State {
        if withdrawnBefore { return .withdrawn }
        // Taken down to be corrected: its corrected version goes out anew, at once (its file is
        // settled by this run: waiting for the portal to confirm the withdrawal, the version read
        // before that was never read again). The withdrawal's file was staged first.
        if withdrawnToCorrect { return .withdrawnToCorrect }
        // A withdrawal asked for and not yet confirmed: as withdrawn (a changed record's
        // correction went out, and the portal had it again once the withdrawal was confirmed).
        if withdrawalAsked { return .withdrawn }
        return switch status {
        case .withdrawn: .withdrawn
        case .published: .published
        case .rejected: .rejected
        case .pending, .failed: .pending
        }
    }
}

/// Cuts the rows of each operation, as they come, into batches of at most `limit` and hands each
/// full batch on (`finish` hands on the last, partial ones): one batch per operation in memory at
/// a time. Parts are numbered from 1 per operation.
///
/// Inlinable, so that the engine's use of it is specialized for its rows: called from another
/// module as generic code, each row added allocated two boxes for the dictionary's generic value
/// (two `malloc`s a row on the publishing thread, the busier of its stage).
public struct Batcher<Entry> {
    public let limit: Int
    /// Given each full batch's rows to own: it may move them out instead of copying them.
    @usableFromInline let body: (BatchOperation, Int, consuming [Entry]) throws -> Void
    /// The open batch of each operation (by ``BatchOperation/slot``): its part and rows.
    @usableFromInline var open: [(part: Int, rows: [Entry])]

    /// The most rows a new batch reserves room for.
    @usableFromInline static var reserved: Int { 10_000 }

    public init(limit: Int, _ body: @escaping (BatchOperation, _ part: Int, consuming [Entry]) throws -> Void) {
        self.limit = max(1, limit)
        self.body = body
        open = Array(repeating: (0, []), count: BatchOperation.bySlot.count)
    }

    @inlinable
    public mutating func add(_ operation: BatchOperation, _ entry: consuming Entry) throws {
        let slot = operation.slot
        // A batch's rows get their room at once (up to ``reserved``): grown a row at a time, the
        // rows of a batch of 5,000 were copied a dozen times, the last copies into fresh memory
        // (a first run's legal-person feed published in 1.34 s with this, 1.46–1.51 s without).
        if open[slot].rows.isEmpty { open[slot].rows.reserveCapacity(min(limit, Self.reserved)) }
        open[slot].rows.append(entry)
        if open[slot].rows.count >= limit { try flush(slot) }
    }

    @inlinable
    public mutating func finish() throws {
        for slot in open.indices where !open[slot].rows.isEmpty { try flush(slot) }
    }

    @inlinable
    mutating func flush(_ slot: Int) throws {
        let (part, rows) = open[slot]
        // The rows are handed over, not kept here too: the body can let them go once it has made
        // its file (a batch of rows is megabytes), or move them on.
        open[slot] = (part + 1, [])
        try body(BatchOperation.bySlot[slot], part + 1, rows)
    }
}

extension BatchOperation {
    /// Every operation, at its ``slot``.
    @usableFromInline static let bySlot: [BatchOperation] = [.publish, .correct, .republish, .withdraw]

    /// Its place in ``bySlot``.
    @inlinable var slot: Int {
        switch self {
        case .publish: 0
        case .correct: 1
        case .republish: 2
        case .withdraw: 3
        }
    }
}

/// A batch's identity: derived from its content, so the same records make the same batch (a crash
/// and a retry send the same id, and the portal answers with its first receipt) — until that
/// batch fails: made again, it is another (``feedMaterial(portal:feed:operation:payloadSHA256:date:corrects:attempt:)``).
public enum BatchIdentity {
    /// The text whose SHA-256 (first 16 hex digits) is a feed batch's id. A republication is one
    /// per day: its id also covers the date. A correction's also covers the batches of the
    /// publications it corrects (``correctedBatches(_:)``): content that flips back and changes
    /// again (A, B, A, B) makes the same file twice, and each must be a batch of its own. A batch
    /// made again from the records of a batch that failed has an `attempt` above 0 (how many failed
    /// batches of the same content came before it): a portal that saw the failed batch's id keeps
    /// its first answer to it, so the batch that replaces it is another batch.
    public static func feedMaterial(
        portal: String, feed: String, operation: BatchOperation, payloadSHA256: String, date: String, corrects: [String] = [],
        attempt: Int = 0
    ) -> String {
        let salt =
            switch operation {
            case .republish: "\n\(date)"
            case .correct where !corrects.isEmpty: "\ncorrects " + corrects.joined(separator: ",")
            default: ""
            }
        let again = attempt > 0 ? "\nattempt \(attempt)" : ""
        return "\(portal)\n\(feed)\n\(operation.rawValue)\n\(payloadSHA256)\(salt)\(again)"
    }

    /// The batches a correction batch's rows correct, each once, in order (what ``feedMaterial``
    /// takes): the same for the same plan, whatever the rows' order.
    public static func correctedBatches(_ batches: some Sequence<String?>) -> [String] {
        Array(Set(batches.compactMap { $0 })).sorted()
    }

    /// The text whose SHA-256 (first 16 hex digits) is a withdrawal batch's id: portal, feed,
    /// reason and the records (original batch, position, basis).
    public static func withdrawalMaterial(portal: String, feed: String, reason: String, items: [WithdrawalItem]) -> String {
        (["withdraw", portal, feed, reason] + items.map { "\($0.batchID)#\($0.position)#\($0.basis ?? "")" }).joined(separator: "\n")
    }

    /// A feed's file name pattern filled in: `{portal}`, `{feed}`, `{date}` (YYYYMMDD), `{batch}`, `{part}`.
    public static func fileName(pattern: String, portal: String, feed: String, compactDate: String, batch: String, part: Int) -> String {
        pattern
            .replacing("{portal}", with: portal)
            .replacing("{feed}", with: feed)
            .replacing("{date}", with: compactDate)
            .replacing("{batch}", with: batch)
            .replacing("{part}", with: String(part))
    }
}
