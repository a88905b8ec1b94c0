public import WorkingDayCalendar

/// What the ledger stores and answers, as plain values (dates as `YYYY-MM-DD` text, hashes as
/// lowercase hex), so that no SQL or GRDB type leaves this target.

/// A source file seen by a run: its content fingerprint and where it was read.
public struct SourceFingerprint: Sendable, Equatable {
    public let sha256: String
    public let size: Int64
    public let place: String
    /// The file's identity and times when it was read through (device, inode, size, modification
    /// and change time in nanoseconds), when they can vouch for its bytes later: nil when the file
    /// changed while it was read, or changed so shortly before that a later change could keep the
    /// same times. A settled file whose `stat` matches is known unchanged without reading it again.
    public var stat: String?
    /// Settled, but to be read again on this day (`YYYY-MM-DD`): the file held a record refused
    /// only because its date was after the run's today (``RecordValidator/refusedUntilLater``),
    /// the earliest such date. Nil for every other file.
    public var readAgainOn: String?

    public init(sha256: String, size: Int64, place: String, stat: String? = nil, readAgainOn: String? = nil) {
        self.sha256 = sha256
        self.size = size
        self.place = place
        self.stat = stat
        self.readAgainOn = readAgainOn
    }
}

/// One version of one valid record: its key and the hash of all its values.
public struct RecordVersion: Sendable, Equatable {
    public let kind: String
    public let key: String
    public let contentSHA256: String
    public let decisionDate: String?
    public let sourceSHA256: String
    public let sourceRow: Int
    /// Its publication period, for kinds that have one (penalties).
    public var period: RecordPeriod?
    /// The periods of the portals with a rule of their own (gsxt), where they differ from ``period``.
    public var portalPeriods: [PortalPeriod] = []

    public init(
        kind: String, key: String, contentSHA256: String, decisionDate: String?, sourceSHA256: String, sourceRow: Int,
        period: RecordPeriod? = nil
    ) {
        self.period = period
        self.kind = kind
        self.key = key
        self.contentSHA256 = contentSHA256
        self.decisionDate = decisionDate
        self.sourceSHA256 = sourceSHA256
        self.sourceRow = sourceRow
    }
}

/// A record's publication period on a portal with its own rule (gsxt: 总局令第45号 第十三条): the
/// number of months from the decision date or from the day the portal first published it; the
/// ledger knows the latter, so the end is computed there.
public struct PortalPeriod: Sendable, Equatable {
    public let portal: String
    public let severity: String
    public let severityReason: String
    public let regime: String?
    /// Months of publication; 0: not published there at all.
    public let months: Int
    /// `decision_date` or `publication_date` (``PublicationPeriods/CountedFrom``).
    public let countedFrom: String
    /// Months, counted from the same day, before 信用修复 may be applied for on this portal (the
    /// portal's own minimum: 总局令第45号 for gsxt); nil: not known (a ledger row written before it
    /// was kept), and then the maximum, ``months``, is taken — never a day earlier than the rule.
    public let repairMonths: Int?

    public init(
        portal: String, severity: String, severityReason: String, regime: String?, months: Int, countedFrom: String, repairMonths: Int? = nil
    ) {
        self.portal = portal
        self.severity = severity
        self.severityReason = severityReason
        self.regime = regime
        self.months = months
        self.countedFrom = countedFrom
        self.repairMonths = repairMonths
    }

    /// From when 信用修复 may be applied for on this portal, and the day publication stops there,
    /// counted from the decision date or from the day the portal first published the record
    /// (``countedFrom``), in whole months (``CalendarDate/adding(months:)``). Both nil when that
    /// day is not known: a record a portal that counts from its publication has not confirmed yet
    /// has neither (it is not eligible for 信用修复 there, nor ended). The ledgers' SQL computes
    /// the same (`Ledger.endsOn`, `Ledger.repairFrom`).
    public func dates(decisionDate: CalendarDate?, firstPublished: CalendarDate?) -> (repairFrom: CalendarDate?, endsOn: CalendarDate?) {
        let base = countedFrom == PublicationPeriods.CountedFrom.decisionDate.rawValue ? decisionDate : firstPublished
        guard let base else { return (nil, nil) }
        return (base.adding(months: min(repairMonths ?? months, months)), base.adding(months: months))
    }
}

/// A record's publication period as the run assessed it: severity (and why), the regime chosen by
/// the decision date, from when 信用修复 may be applied for, and the day publication stops.
public struct RecordPeriod: Sendable, Equatable {
    public let severity: String
    public let severityReason: String
    /// The regime's id, or nil when no regime covers the decision date.
    public let regime: String?
    public let repairFrom: String?
    public let expiresOn: String?

    public init(severity: String, severityReason: String, regime: String?, repairFrom: String?, expiresOn: String?) {
        self.severity = severity
        self.severityReason = severityReason
        self.regime = regime
        self.repairFrom = repairFrom
        self.expiresOn = expiresOn
    }
}

/// What one source file held, as validation counted it: records = valid + invalid (skipped rows
/// are not records: blank rows, each reported); `incomplete` records lacked a required field (完整率).
public struct IntakeCounts: Sendable, Equatable {
    public var records = 0
    public var valid = 0
    public var invalid = 0
    public var skipped = 0
    public var incomplete = 0
    /// The file could not be read to its end (its records count as none).
    public var failed = false
    /// Records (or, in a failed file, rows) without a readable decision number: not trackable as
    /// decisions, counted here.
    public var unidentifiable = 0

    public init(
        records: Int = 0, valid: Int = 0, invalid: Int = 0, skipped: Int = 0, incomplete: Int = 0, failed: Bool = false,
        unidentifiable: Int = 0
    ) {
        self.unidentifiable = unidentifiable
        self.records = records
        self.valid = valid
        self.invalid = invalid
        self.skipped = skipped
        self.incomplete = incomplete
        self.failed = failed
    }
}

/// One problem found in a source file, located, its value masked as the validation report masks it.
public struct StoredProblem: Sendable, Equatable {
    public let row: Int?
    public let line: Int?
    public let field: String?
    public let type: String
    /// A warning does not make its record invalid.
    public let isWarning: Bool
    public let value: String?
    public let message: String

    public init(row: Int?, line: Int?, field: String?, type: String, isWarning: Bool, value: String?, message: String) {
        self.isWarning = isWarning
        self.row = row
        self.line = line
        self.field = field
        self.type = type
        self.value = value
        self.message = message
    }
}

/// One record to take down, in a withdrawal batch: which publication (its batch and position), why.
public struct WithdrawalItem: Sendable, Equatable {
    public let batchID: String
    public let position: Int
    public let reason: String
    public let basis: String?

    public init(batchID: String, position: Int, reason: String, basis: String?) {
        self.batchID = batchID
        self.position = position
        self.reason = reason
        self.basis = basis
    }
}

/// A published record and its publication period (for expiry and 信用修复 eligibility).
public struct PeriodEntry: Sendable, Equatable {
    public let publication: PublicationEntry
    public let severity: String?
    public let regime: String?
    public let repairFrom: String?
    public let expiresOn: String?

    public init(publication: PublicationEntry, severity: String? = nil, regime: String? = nil, repairFrom: String? = nil, expiresOn: String? = nil) {
        self.publication = publication
        self.severity = severity
        self.regime = regime
        self.repairFrom = repairFrom
        self.expiresOn = expiresOn
    }
}

public enum BatchStatus: String, Sendable, CaseIterable {
    case pending, published, failed
}

public enum PublicationStatus: String, Sendable, CaseIterable {
    /// `rejected`: the portal refused this record (its receipt says why); sent again only when
    /// its content changes.
    case pending, published, rejected, failed, withdrawn

    /// As the clerks read it.
    public var title: String {
        switch self {
        case .pending: "待确认"
        case .published: "已公示"
        case .rejected: "门户拒收"
        case .failed: "失败"
        case .withdrawn: "已撤下"
        }
    }
}

public enum BatchOperation: String, Sendable {
    /// `republish`: unchanged records sent again on purpose (`run --republish`).
    case publish, correct, republish, withdraw
}

/// A batch about to be recorded as pending: one feed file.
public struct NewBatch: Sendable, Equatable {
    public let id: String
    public let portal: String
    public let feed: String
    public let kind: String
    public let operation: BatchOperation
    public let fileName: String
    public let outboxPath: String
    public let payloadSHA256: String
    public let records: Int
    public let createdOn: String

    public init(
        id: String, portal: String, feed: String, kind: String, operation: BatchOperation, fileName: String, outboxPath: String,
        payloadSHA256: String, records: Int, createdOn: String
    ) {
        self.id = id
        self.portal = portal
        self.feed = feed
        self.kind = kind
        self.operation = operation
        self.fileName = fileName
        self.outboxPath = outboxPath
        self.payloadSHA256 = payloadSHA256
        self.records = records
        self.createdOn = createdOn
    }
}

/// One record's publication in a new batch.
public struct NewPublication: Sendable, Equatable {
    public let key: String
    public let contentSHA256: String
    /// The content this one corrects (for a correction), else `nil`.
    public let previousSHA256: String?
    /// The batch of the publication this one corrects (for a correction), else `nil`: with the
    /// content, what tells a correction apart from an earlier one to the same content (A, B, A, B).
    public let correctsBatch: String?
    public let decisionDate: String?
    public let dueOn: String?
    /// The subject's 统一社会信用代码 and name, for legal persons only (never a natural person's).
    public let subjectCode: String?
    public let subjectName: String?
    /// A natural person's key (``FeedPlan/Row/personKey``): a keyed hash of their identity
    /// document, never the number; nil for a legal person. Kept apart from ``subjectCode``, so that
    /// 信用核查 by code never finds it and no page or report shows it.
    public let personKey: String?
    public let schemaVersion: Int
    public let profileVersion: Int
    /// The version of the record the row was made from (the hash of the record's own values,
    /// ``FeedPlan/Row/recordSHA256``): what tells, once it is withdrawn to be corrected, the
    /// corrected version from the withdrawn one when the feed's row is the same. Nil: not known.
    public var recordSHA256: String? = nil

    public init(
        key: String, contentSHA256: String, previousSHA256: String?, correctsBatch: String? = nil, decisionDate: String?, dueOn: String?,
        subjectCode: String?, subjectName: String?, personKey: String? = nil, schemaVersion: Int, profileVersion: Int,
        recordSHA256: String? = nil
    ) {
        self.recordSHA256 = recordSHA256
        self.personKey = personKey
        self.key = key
        self.contentSHA256 = contentSHA256
        self.previousSHA256 = previousSHA256
        self.correctsBatch = correctsBatch
        self.decisionDate = decisionDate
        self.dueOn = dueOn
        self.subjectCode = subjectCode
        self.subjectName = subjectName
        self.schemaVersion = schemaVersion
        self.profileVersion = profileVersion
    }
}

/// A batch as the ledger holds it: what it was recorded with, and where it stands. Its recorded
/// fields read directly (`batch.id`, `batch.outboxPath`).
@dynamicMemberLookup
public struct BatchInfo: Sendable, Equatable {
    public let recorded: NewBatch
    public let status: BatchStatus
    public let attempts: Int
    public let deliveredAt: String?
    public let confirmedOn: String?
    public let lastError: String?
    /// The outbox file's identity and times (device, inode, size, modification and change times)
    /// when a run last read it whole and found the batch's bytes: a file that still has them is not
    /// read again (nil: none recorded).
    public let outboxStat: String?

    public subscript<T>(dynamicMember keyPath: KeyPath<NewBatch, T>) -> T { recorded[keyPath: keyPath] }

    public init(
        recorded: NewBatch, status: BatchStatus, attempts: Int, deliveredAt: String? = nil, confirmedOn: String? = nil, lastError: String? = nil,
        outboxStat: String? = nil
    ) {
        self.recorded = recorded
        self.status = status
        self.attempts = attempts
        self.deliveredAt = deliveredAt
        self.confirmedOn = confirmedOn
        self.lastError = lastError
        self.outboxStat = outboxStat
    }
}

/// A receipt: the portal's answer to an upload (a file a clerk saved, or a note typed with
/// `ledger confirm`).
public struct Receipt: Sendable, Equatable {
    public let text: String
    public let sha256: String

    public init(text: String, sha256: String) {
        self.text = text
        self.sha256 = sha256
    }
}

/// One publication as the ledger holds it, with its batch.
public struct PublicationEntry: Sendable, Equatable {
    public let portal: String
    public let feed: String
    public let kind: String
    public let key: String
    public let contentSHA256: String
    public let previousSHA256: String?
    public let operation: BatchOperation
    public let status: PublicationStatus
    public let batchID: String
    public let batchFile: String
    public let decisionDate: String?
    public let dueOn: String?
    public let publishedOn: String?
    public let subjectCode: String?
    public let subjectName: String?
    /// Set when a withdrawal was recorded for it.
    public let withdrawalReason: String?
    /// The withdrawal's state: pending (asked for, not confirmed), done, failed.
    public let withdrawalStatus: String?
    /// Its 1-based place in the batch's payload.
    public let position: Int
    /// The portal's reason, for a rejected record.
    public let rejectionReason: String?

    public init(portal: String, feed: String, kind: String, key: String, contentSHA256: String, previousSHA256: String? = nil, operation: BatchOperation, status: PublicationStatus, batchID: String, batchFile: String, decisionDate: String? = nil, dueOn: String? = nil, publishedOn: String? = nil, subjectCode: String? = nil, subjectName: String? = nil, withdrawalReason: String? = nil, withdrawalStatus: String? = nil, position: Int, rejectionReason: String? = nil) {
        self.portal = portal
        self.feed = feed
        self.kind = kind
        self.key = key
        self.contentSHA256 = contentSHA256
        self.previousSHA256 = previousSHA256
        self.operation = operation
        self.status = status
        self.batchID = batchID
        self.batchFile = batchFile
        self.decisionDate = decisionDate
        self.dueOn = dueOn
        self.publishedOn = publishedOn
        self.subjectCode = subjectCode
        self.subjectName = subjectName
        self.withdrawalReason = withdrawalReason
        self.withdrawalStatus = withdrawalStatus
        self.position = position
        self.rejectionReason = rejectionReason
    }
}

/// The state that decides what a record needs next on one portal feed: the latest publication
/// of its key that did not fail.
public struct CurrentPublication: Sendable, Equatable {
    public let contentSHA256: String
    public let status: PublicationStatus
    public let batchID: String
    public let dueOn: String?
    public let publishedOn: String?
    /// For a republication, the day it was made (a republication is once a day).
    public let republishedOn: String?
    /// A withdrawal of it was asked for (信用修复, 撤销, a period's end; its batch pending, done or
    /// failed): the record is not corrected or sent again, though the portal may not have it
    /// down yet.
    public let withdrawalAsked: Bool
    /// Why its withdrawal was asked for (`更正`: a changed version may go out anew).
    public var withdrawalReason: String?
    /// Why withdrawals of the key's earlier publications on the feed were asked for, each reason
    /// once, in no order (usually none). A record withdrawn while a later publication of it waited
    /// in a batch (a correction staged and not uploaded) has that later one as its current
    /// publication: its withdrawal stands all the same (the engine decides which reasons do).
    public var earlierWithdrawals: [String]
    /// The version of the record this publication carried: the hash of the record's own values
    /// (the ledger's record version, ``RecordVersion/contentSHA256``), not of the feed's row; nil
    /// for a publication recorded before the ledger kept it (or made without a record, `feed`).
    public var recordSHA256: String?
    /// The record versions (``recordSHA256``) of the key's earlier publications on the feed whose
    /// withdrawal was asked for (whatever the reason), each once, in no order.
    public var earlierWithdrawnRecords: [String]

    public init(
        contentSHA256: String, status: PublicationStatus, batchID: String, dueOn: String? = nil, publishedOn: String? = nil,
        republishedOn: String? = nil, withdrawalAsked: Bool = false, withdrawalReason: String? = nil, earlierWithdrawals: [String] = [],
        recordSHA256: String? = nil, earlierWithdrawnRecords: [String] = []
    ) {
        self.recordSHA256 = recordSHA256
        self.earlierWithdrawnRecords = earlierWithdrawnRecords
        self.contentSHA256 = contentSHA256
        self.status = status
        self.batchID = batchID
        self.dueOn = dueOn
        self.publishedOn = publishedOn
        self.republishedOn = republishedOn
        self.withdrawalAsked = withdrawalAsked || withdrawalReason != nil
        self.withdrawalReason = withdrawalReason
        self.earlierWithdrawals = earlierWithdrawals
    }

    /// This publication, the latest of its key, after `earlier` (the key's publication before it
    /// on the same feed, with what it carried): the reasons of the withdrawals asked for it and
    /// for those before it are carried on. (A ledger reading a key's publications in order.)
    public func following(_ earlier: CurrentPublication) -> CurrentPublication {
        var reasons = earlier.earlierWithdrawals
        var records = earlier.earlierWithdrawnRecords
        if let reason = earlier.withdrawalReason {
            reasons.append(reason)
            if let record = earlier.recordSHA256 { records.append(record) }
        }
        guard !reasons.isEmpty else { return self }
        var carried = self
        for reason in reasons where !carried.earlierWithdrawals.contains(reason) { carried.earlierWithdrawals.append(reason) }
        for record in records where !carried.earlierWithdrawnRecords.contains(record) { carried.earlierWithdrawnRecords.append(record) }
        return carried
    }
}

/// A publication a portal shows (published, and no withdrawal of it asked for, or one that failed)
/// of a record on a portal's feed whose withdrawal was asked for before (of another publication
/// of the same key there): a batch waiting for the clerk's upload when the record was taken down,
/// confirmed afterwards.
public struct ShownAfterWithdrawal: Sendable, Equatable {
    public let publication: PublicationEntry
    /// The earlier withdrawal's reason, basis (the clerk's note, the 信用修复 decision) and day.
    public let reason: String
    public let basis: String?
    public let requestedOn: String

    public init(publication: PublicationEntry, reason: String, basis: String?, requestedOn: String) {
        self.publication = publication
        self.reason = reason
        self.basis = basis
        self.requestedOn = requestedOn
    }
}

/// Counts for `ledger status`. (Which decisions are overdue is the register's to say: its
/// reckoning counts them and lists the first. A list here of every pending publication past its
/// due date, which nothing read, held 196,000 entries — 370 MB — for a 200,000-record ledger
/// whose batches all waited in the outbox.)
public struct LedgerSummary: Sendable, Equatable {
    public var batches: [BatchStatus: Int] = [:]
    public var publications: [PublicationStatus: Int] = [:]
    /// Pending batches whose file is in the outbox, waiting for a confirmation.
    public var awaitingConfirmation: Int = 0
    /// Published after their due date.
    public var publishedLate: Int = 0
    public var pendingBatches: [BatchInfo] = []
    public var failedBatches: [BatchInfo] = []
    /// Earlier attempts of batches that failed and were made again under the same id (a batch's
    /// id is its content's): what each attempt was, oldest first. The batch's own row tells only
    /// its latest attempt.
    public var earlierFailures: [BatchFailure] = []

    public init(batches: [BatchStatus: Int] = [:], publications: [PublicationStatus: Int] = [:], awaitingConfirmation: Int = 0, publishedLate: Int = 0, pendingBatches: [BatchInfo] = [], failedBatches: [BatchInfo] = []) {
        self.batches = batches
        self.publications = publications
        self.awaitingConfirmation = awaitingConfirmation
        self.publishedLate = publishedLate
        self.pendingBatches = pendingBatches
        self.failedBatches = failedBatches
    }
}

/// One attempt of a batch that failed (the portal refused its file, or it was lost, or the clerk
/// marked it failed), kept when the batch was made again under the same id.
public struct BatchFailure: Sendable, Equatable {
    public let batchID: String
    public let portal: String
    public let feed: String
    /// Which attempt it was (1: the batch's first).
    public let attempt: Int
    /// That attempt's file and where it was delivered.
    public let fileName: String
    public let outboxPath: String
    public let createdOn: String
    /// Why it failed, as recorded.
    public let reason: String?

    public init(batchID: String, portal: String, feed: String, attempt: Int, fileName: String, outboxPath: String, createdOn: String, reason: String?) {
        self.batchID = batchID
        self.portal = portal
        self.feed = feed
        self.attempt = attempt
        self.fileName = fileName
        self.outboxPath = outboxPath
        self.createdOn = createdOn
        self.reason = reason
    }
}

/// An action recorded in the ledger as a finished run (exit 0) of its own — the console's
/// confirmation of a batch — written in the transaction of the change it records, and only by the
/// call that made that change: two clerks confirming one batch at once leave one row, not two.
public struct ActionRecord: Sendable, Equatable {
    public let command: String
    public let today: String
    /// When it was done (an instant, as runs record theirs): its run's start and its end.
    public let at: String
    public let pipeline: String?
    public let department: String?

    public init(command: String, today: String, at: String, pipeline: String?, department: String?) {
        self.command = command
        self.today = today
        self.at = at
        self.pipeline = pipeline
        self.department = department
    }
}

/// What `confirm` did.
public enum ConfirmOutcome: Sendable, Equatable {
    case confirmed(records: Int)
    case alreadyConfirmed(on: String)
    case failedBatch
    case unknownBatch
}

/// Why the ledger cannot be used.
public enum LedgerError: Error, Sendable, Equatable {
    /// The file cannot be opened or created, or is not a ledger.
    case cannotOpen(path: String, reason: String)
    /// The file does not exist (a read-only command on a ledger never written).
    case missing(path: String)
    /// Another process holds the run lock.
    case locked(path: String, holder: String)
    /// The ledger was written by an older gongshi and needs its new migrations before it can be read.
    case outdated(path: String)
    /// The ledger was written by a newer gongshi (it knows migrations this build does not).
    case newerVersion(path: String, unknown: [String])
    /// SQLite refused a statement (a constraint, a full disk, …).
    case database(String)
}
