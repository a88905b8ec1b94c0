/// What the ledger stores and answers, as plain values (dates as `YYYY-MM-DD` text, hashes as
/// lowercase hex), so that no SQL or GRDB type leaves this target.

/// A source file seen by a run: its content fingerprint and where it was read.
public struct SourceFingerprint: Sendable, Equatable {
    public let sha256: String
    public let size: Int64
    public let place: String

    public init(sha256: String, size: Int64, place: String) {
        self.sha256 = sha256
        self.size = size
        self.place = place
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

    public init(kind: String, key: String, contentSHA256: String, decisionDate: String?, sourceSHA256: String, sourceRow: Int) {
        self.kind = kind
        self.key = key
        self.contentSHA256 = contentSHA256
        self.decisionDate = decisionDate
        self.sourceSHA256 = sourceSHA256
        self.sourceRow = sourceRow
    }
}

public enum BatchStatus: String, Sendable, CaseIterable {
    case pending, published, failed
}

public enum PublicationStatus: String, Sendable, CaseIterable {
    /// `rejected`: the portal refused this record (its receipt says why); sent again only when
    /// its content changes.
    case pending, published, rejected, failed, withdrawn
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
    public let decisionDate: String?
    public let dueOn: String?
    /// The subject's 统一社会信用代码 and name, for legal persons only (never a natural person's).
    public let subjectCode: String?
    public let subjectName: String?
    public let schemaVersion: Int
    public let profileVersion: Int

    public init(
        key: String, contentSHA256: String, previousSHA256: String?, decisionDate: String?, dueOn: String?,
        subjectCode: String?, subjectName: String?, schemaVersion: Int, profileVersion: Int
    ) {
        self.key = key
        self.contentSHA256 = contentSHA256
        self.previousSHA256 = previousSHA256
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

    public subscript<T>(dynamicMember keyPath: KeyPath<NewBatch, T>) -> T { recorded[keyPath: keyPath] }
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
    /// Its 1-based place in the batch's payload.
    public let position: Int
    /// The portal's reason, for a rejected record.
    public let rejectionReason: String?
}

/// The state that decides what a record needs next on one portal feed: the latest publication
/// of its key that did not fail.
public struct CurrentPublication: Sendable, Equatable {
    public let contentSHA256: String
    public let status: PublicationStatus
    public let batchID: String
    public let dueOn: String?
    public let publishedOn: String?
}

/// Counts for `ledger status`.
public struct LedgerSummary: Sendable, Equatable {
    public var batches: [BatchStatus: Int] = [:]
    public var publications: [PublicationStatus: Int] = [:]
    /// Pending batches whose file is in the outbox, waiting for a confirmation.
    public var awaitingConfirmation: Int = 0
    /// Pending publications past their due date, oldest first.
    public var overdue: [PublicationEntry] = []
    /// Published after their due date.
    public var publishedLate: Int = 0
    public var pendingBatches: [BatchInfo] = []
    public var failedBatches: [BatchInfo] = []
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
