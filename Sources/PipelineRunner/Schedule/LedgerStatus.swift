public import DisclosureCore
import Foundation
public import WorkingDayCalendar

/// `gongshi ledger status` as a value: the batches and publications by state, and every decision
/// in the ledger against its deadline today (``DeadlineReckoning``), the same counts as a run's.
public struct LedgerStatus: Encodable, Sendable {
    public let today: String
    public let batches: [String: Int]
    public let publications: [String: Int]
    /// Pending batches already delivered (in the outbox or sent), waiting for their receipt.
    public let awaitingConfirmation: Int
    public let disclosure: DisclosureCounts
    /// Overdue and due-soon decisions (numbers only), the first ``DeadlineTally/limit``.
    public let urgent: [String]
    public let beyondCalendar: [String]
    public let pendingBatches: [Batch]
    public let failedBatches: [Batch]
    /// Earlier attempts of batches made again after they failed (``BatchFailure``).
    public let earlierFailures: [Failure]
    /// Decisions held under a full-width 文号 (``WidthTwins``): usually none.
    public let keyWidth: KeyWidth

    public struct KeyWidth: Encodable, Sendable {
        /// The full-width 文号 a record read half-width is taken as.
        public let held: [String]
        /// Decisions registered under both 文号: the old one to take down (更正).
        public let twins: [Twin]
        /// The lines that tell the clerk (``WidthTwins/lines``).
        let lines: [String]

        public struct Twin: Encodable, Sendable {
            public let kind, old, new: String
        }

        init(_ twins: WidthTwins) {
            held = twins.heldAs.values.sorted().map(Issue.screened)
            self.twins = twins.twins.map { Twin(kind: $0.kind, old: Issue.screened($0.old), new: Issue.screened($0.new)) }
            lines = twins.lines
        }

        enum CodingKeys: String, CodingKey { case held, twins }
    }

    public struct Failure: Encodable, Sendable {
        public let batch, portal, feed, fileName, place, createdOn: String
        public let attempt: Int
        public let reason: String?

        init(_ failure: BatchFailure) {
            (batch, portal, feed, fileName, place, createdOn) =
                (failure.batchID, failure.portal, failure.feed, failure.fileName, failure.outboxPath, failure.createdOn)
            attempt = failure.attempt
            reason = failure.reason.map(LedgerStatus.screened)
        }

        enum CodingKeys: String, CodingKey {
            case batch, portal, feed, place, attempt, reason
            case fileName = "file_name"
            case createdOn = "created_on"
        }
    }

    public struct Batch: Encodable, Sendable {
        public let id, portal, feed, createdOn, place: String
        public let records: Int
        public let delivered: Bool
        public let lastError: String?

        init(_ batch: BatchInfo) {
            (id, portal, feed, createdOn, place, records) = (batch.id, batch.portal, batch.feed, batch.createdOn, batch.outboxPath, batch.records)
            delivered = batch.deliveredAt != nil
            lastError = batch.lastError.map(LedgerStatus.screened)
        }

        enum CodingKeys: String, CodingKey {
            case id, portal, feed, records, delivered, place
            case createdOn = "created_on"
            case lastError = "last_error"
        }
    }

    enum CodingKeys: String, CodingKey {
        case today, batches, publications, disclosure, urgent
        case awaitingConfirmation = "awaiting_confirmation"
        case beyondCalendar = "beyond_calendar"
        case pendingBatches = "pending_batches"
        case failedBatches = "failed_batches"
        case earlierFailures = "earlier_failures"
        case keyWidth = "key_width"
    }

    /// The status of a ledger (read only: due dates the calendar can now reach are computed, not stored).
    public static func of(
        _ ledger: any BatchLedger & DecisionLedger, summary: LedgerSummary, reckoning: DeadlineReckoning, scope: DecisionScope = .all
    ) throws(CommandFailure) -> LedgerStatus {
        let tally = try reckoning.tally(ledger, scope: scope, fill: false)
        let twins = try WidthTwins.read(ledger, kind: scope.kind, pipeline: scope.pipeline)
        return LedgerStatus(
            today: reckoning.today.description,
            batches: Dictionary(uniqueKeysWithValues: BatchStatus.allCases.map { ($0.rawValue, summary.batches[$0] ?? 0) }),
            publications: Dictionary(uniqueKeysWithValues: PublicationStatus.allCases.map { ($0.rawValue, summary.publications[$0] ?? 0) }),
            awaitingConfirmation: summary.awaitingConfirmation, disclosure: DisclosureCounts(tally), urgent: tally.urgent,
            beyondCalendar: tally.beyondCalendar, pendingBatches: summary.pendingBatches.map(Batch.init),
            failedBatches: summary.failedBatches.map(Batch.init), earlierFailures: summary.earlierFailures.map(Failure.init),
            keyWidth: KeyWidth(twins))
    }

    /// A failure's reason as shown: the portal's or the clerk's own words, which may quote a
    /// record (a portal answering "证件号码 4101… 有误"), screened for ID and phone numbers and
    /// cut to ``Issue/messageLimit``.
    static func screened(_ reason: String) -> String {
        let text = PersonalDataScreen.screen(reason, personName: nil).text
        return text.count > Issue.messageLimit ? String(text.prefix(Issue.messageLimit)) + "…" : text
    }

    /// The text: the same numbers as the JSON.
    public var lines: [String] {
        var lines = [
            "批次：待确认 \(batches["pending"] ?? 0)（其中已放入待上传目录 \(awaitingConfirmation)），已公示 \(batches["published"] ?? 0)，失败 \(batches["failed"] ?? 0)",
            "记录：待公示 \(publications["pending"] ?? 0)，已公示 \(publications["published"] ?? 0)，失败 \(publications["failed"] ?? 0)，已撤下 \(publications["withdrawn"] ?? 0)",
            disclosure.line, disclosure.figuresLine("台账中全部"),
        ]
        lines += urgent.map { "  " + $0 }
        for batch in pendingBatches {
            let state = batch.delivered ? "待上传确认" : "未放入待上传目录"
            lines.append("  \(state) 批次 \(batch.id)  \(batch.portal)/\(batch.feed)  \(batch.records) 条  \(batch.createdOn)  \(batch.place)")
        }
        for batch in failedBatches {
            lines.append("  失败 批次 \(batch.id)  \(batch.portal)/\(batch.feed)  \(batch.records) 条  \(batch.lastError ?? "")")
        }
        for failure in earlierFailures {
            lines.append(
                "  曾失败（第 \(failure.attempt) 次，之后以同一批次号重新生成）批次 \(failure.batch)  \(failure.portal)/\(failure.feed)  \(failure.createdOn)  \(failure.fileName)  \(failure.reason ?? "")")
        }
        lines += keyWidth.lines
        return lines
    }

    public func json() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [0x0A]
    }
}

extension WidthTwins {
    /// The register's full-width 文号 (``DecisionLedger/fullWidthNumbers(kind:pipeline:)``), each
    /// looked up half-width (a decision of the kind under that number): one question a run, and
    /// one more per such number (usually none).
    public static func read(_ ledger: any DecisionLedger, kind: String?, pipeline: String?) throws(CommandFailure) -> WidthTwins {
        try CommandFailure.ledger { () throws(LedgerError) in
            let wide = try ledger.fullWidthNumbers(kind: kind, pipeline: pipeline)
            if wide.isEmpty { return .none }
            var registered: Set<String> = []
            for (numberKind, number) in wide {
                let half = TextNormalizer.halfWidthAlphanumerics(number)
                var scope = DecisionScope(kind: numberKind, pipeline: pipeline)
                scope.number = half
                var held = false
                try ledger.forEachDecision(scope: scope) { _ in held = true }
                if held { registered.insert(numberKind + "\u{1F}" + half) }
            }
            return WidthTwins(fullWidth: wide, kind: kind) { registered.contains($0 + "\u{1F}" + $1) }
        }
    }
}
