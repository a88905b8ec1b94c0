/// What a report needs from the ledger, as plain rows and sums: the report's arithmetic (rates,
/// deadline states) is done by the caller, so that it can be tested apart from SQL. Lists are
/// capped (``ReportRows/limit``) with their totals; the publications, which grow with the ledger,
/// are not held at all but handed over one at a time (``Ledger/forEachFirstPublication(from:to:_:)``).
public struct ReportRows: Sendable, Equatable {
    /// Source files first read in the period, summed per pipeline and month received.
    public var intake: [IntakeRow] = []
    /// Their problems that made records invalid (not warnings), located, at most the limit.
    public var problems: [ProblemRow] = []
    public var problemsTotal = 0
    /// Publications planned in the period, per pipeline and current state.
    public var states: [StateCount] = []
    /// Records a portal refused, decided or planned in the period, at most the limit.
    public var rejections: [PublicationRow] = []
    public var rejectionsTotal = 0
    /// Withdrawals asked for in the period, at most the limit.
    public var withdrawals: [WithdrawalRow] = []
    public var withdrawalsTotal = 0

    public init() {}
}

public struct IntakeRow: Sendable, Equatable {
    /// The pipeline whose run first read the files (nil for runs before the ledger knew it).
    public let pipeline: String?
    /// `YYYY-MM` of the day the files were first read.
    public let month: String
    public let files: Int
    public let failedFiles: Int
    public let records: Int
    public let valid: Int
    public let invalid: Int
    public let skipped: Int
    public let incomplete: Int
    public var unidentifiable = 0

    public init(pipeline: String? = nil, month: String, files: Int, failedFiles: Int, records: Int, valid: Int, invalid: Int, skipped: Int, incomplete: Int) {
        self.pipeline = pipeline
        self.month = month
        self.files = files
        self.failedFiles = failedFiles
        self.records = records
        self.valid = valid
        self.invalid = invalid
        self.skipped = skipped
        self.incomplete = incomplete
    }
}

public struct ProblemRow: Sendable, Equatable {
    public let pipeline: String?
    public let file: String
    public let row: Int?
    public let line: Int?
    public let field: String?
    public let type: String
    public let value: String?
    public let message: String

    public init(pipeline: String? = nil, file: String, row: Int? = nil, line: Int? = nil, field: String? = nil, type: String, value: String? = nil, message: String) {
        self.pipeline = pipeline
        self.file = file
        self.row = row
        self.line = line
        self.field = field
        self.type = type
        self.value = value
        self.message = message
    }
}

public struct StateCount: Sendable, Equatable {
    public let pipeline: String?
    public let status: PublicationStatus
    public let count: Int

    public init(pipeline: String? = nil, status: PublicationStatus, count: Int) {
        self.pipeline = pipeline
        self.status = status
        self.count = count
    }
}

public struct PublicationRow: Sendable, Equatable {
    public let pipeline: String?
    public let portal: String
    public let feed: String
    public let key: String
    public let batchID: String
    public let position: Int
    public let rejectionReason: String?

    public init(pipeline: String? = nil, portal: String, feed: String, key: String, batchID: String, position: Int, rejectionReason: String? = nil) {
        self.pipeline = pipeline
        self.portal = portal
        self.feed = feed
        self.key = key
        self.batchID = batchID
        self.position = position
        self.rejectionReason = rejectionReason
    }
}

/// A record's first publication on one portal feed: its earliest deadline and the earliest day a
/// portal took it (published, or published and later withdrawn).
public struct FirstPublication: Sendable, Equatable {
    public let pipeline: String?
    public let portal: String
    public let feed: String
    public let key: String
    public let decisionDate: String?
    public let dueOn: String?
    public let publishedOn: String?
    /// Decided in the report's period (else it is listed only while it still waits).
    public let decidedInPeriod: Bool

    public init(pipeline: String? = nil, portal: String, feed: String, key: String, decisionDate: String? = nil, dueOn: String? = nil, publishedOn: String? = nil, decidedInPeriod: Bool) {
        self.pipeline = pipeline
        self.portal = portal
        self.feed = feed
        self.key = key
        self.decisionDate = decisionDate
        self.dueOn = dueOn
        self.publishedOn = publishedOn
        self.decidedInPeriod = decidedInPeriod
    }
}

public struct WithdrawalRow: Sendable, Equatable {
    public let pipeline: String?
    public let portal: String
    public let feed: String
    public let key: String
    public let reason: String
    public let basis: String?
    public let requestedOn: String
    public let status: String

    public init(pipeline: String? = nil, portal: String, feed: String, key: String, reason: String, basis: String? = nil, requestedOn: String, status: String) {
        self.pipeline = pipeline
        self.portal = portal
        self.feed = feed
        self.key = key
        self.reason = reason
        self.basis = basis
        self.requestedOn = requestedOn
        self.status = status
    }
}

