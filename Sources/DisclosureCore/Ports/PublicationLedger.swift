/// The ledger as the engine sees it: the reads and writes of a run, as a port the core owns.
/// `SQLiteLedger.Ledger` is the real one; `GongshiTesting.InMemoryLedger` is its in-memory twin
/// for in-process tests of the engine. Dates are `YYYY-MM-DD` text, hashes lowercase hex.
///
/// Split by concern, as the SQLite implementation is: runs and sources, intake, planning,
/// batches, withdrawals, periods, questions. Every write is one transaction (all or nothing).
public protocol RunLedger: AnyObject, Sendable {
    /// Records the start of a command that writes to the ledger; returns the run id.
    func beginRun(command: String, today: String, startedAt: String, pipeline: String?, department: String?) throws(LedgerError) -> Int64
    func finishRun(_ run: Int64, exitCode: Int32, finishedAt: String) throws(LedgerError)
    /// Records the source files and record versions a run read, in one transaction.
    func recordInputs(_ files: [SourceFingerprint], records: [RecordVersion], run: Int64) throws(LedgerError)
    /// ``recordInputs(_:records:run:)`` of record versions alone, split in two: what this call does
    /// on the caller's thread, and the write it returns, done on another (``PreparedLedgerWrite``).
    /// The caller writes what it prepared in the order it prepared it: a ledger may number the
    /// versions (which of two is the later) when they are prepared.
    func preparing(records: [RecordVersion], run: Int64) -> any PreparedLedgerWrite
    /// Marks source files settled: everything in them was planned and recorded by `run` (a file
    /// with a ``SourceFingerprint/readAgainOn`` day until that day).
    func settle(_ files: [SourceFingerprint], run: Int64) throws(LedgerError)
    /// Unsettles the settled files whose day to be read again has come (on or before `today`):
    /// the nightly run reads them again, and publishes what was refused only for its date.
    /// Returns their places, sorted (the run reads them after its other files).
    @discardableResult
    func unsettleDue(today: String) throws(LedgerError) -> [String]
    /// The places ``unsettleDue(today:)`` would unsettle, sorted; nothing is written (a dry run
    /// reads them as the nightly run of `today` would).
    func dueToReadAgain(today: String) throws(LedgerError) -> [String]
    /// Whether this file, with these bytes, was settled by an earlier run.
    func isSettled(_ file: SourceFingerprint) throws(LedgerError) -> Bool
    /// Whether an earlier run settled a file at `place` that was `size` bytes long. When none was,
    /// no bytes a file there holds now were settled, whatever they are: the run reads the file
    /// while its fingerprint is being taken (``isSettled(_:)`` needs the fingerprint first).
    func hasSettled(place: String, size: Int64) throws(LedgerError) -> Bool
    /// The fingerprint of the file at `place` settled by an earlier run with the same `stat`
    /// (``SourceFingerprint/stat``), if there is one: the same file, unchanged since.
    func settledFingerprint(place: String, stat: String) throws(LedgerError) -> SourceFingerprint?
    /// The run that settled each of `files` (by place), for those settled with these bytes: a
    /// range re-run reads the files of a source settled last first, so that the department's
    /// latest export of a decision is the copy it takes (``SourceFiles``).
    func settledRuns(_ files: [SourceFingerprint]) throws(LedgerError) -> [String: Int64]
    /// Whether two threads' writes proceed at once, each in a transaction of its own (a database
    /// server: a connection and a server process each); when not, the second waits for the
    /// first, and a run writes its record versions and its register one after the other.
    var takesConcurrentWrites: Bool { get }
}

/// A write a ledger made ready on one thread, to be done on another: the run's two bulk writes
/// (record versions, the register) are made on a thread that reads a spool and written on one
/// that waits for SQLite, which was the busier of the two. A ledger that has nothing to make
/// ready (the default) does the whole write in ``write()``.
public protocol PreparedLedgerWrite: Sendable {
    /// The write, in one transaction.
    func write() throws(LedgerError)
}

/// A write with nothing made ready: the whole of it done in ``write()``.
public struct DeferredLedgerWrite: PreparedLedgerWrite {
    private let body: @Sendable () throws(LedgerError) -> Void

    public init(_ body: @escaping @Sendable () throws(LedgerError) -> Void) {
        self.body = body
    }

    public func write() throws(LedgerError) { try body() }
}

extension RunLedger {
    public var takesConcurrentWrites: Bool { false }

    public func preparing(records: [RecordVersion], run: Int64) -> any PreparedLedgerWrite {
        DeferredLedgerWrite { () throws(LedgerError) in try self.recordInputs([], records: records, run: run) }
    }
}

/// What each source file held: its counts and its problems (values masked).
public protocol IntakeLedger: AnyObject, Sendable {
    /// Replaces what an earlier reading of the same bytes recorded.
    func recordIntake(_ file: SourceFingerprint, counts: IntakeCounts, problems: [StoredProblem], run: Int64) throws(LedgerError)
}

/// What the planner asks: the latest publication that did not fail, per key of a portal feed.
public protocol PlanningLedger: AnyObject, Sendable {
    /// For some keys (a planner walks a feed's sorted rows a chunk at a time).
    func currentPublications(portal: String, feed: String, keys: some Collection<String>) throws(LedgerError) -> [String: CurrentPublication]
    /// For every key, in key order, one at a time (the nightly disclosure status).
    func forEachCurrentPublication(portal: String, feed: String, _ body: (String, CurrentPublication) throws -> Void) throws(LedgerError)
    /// The first and last key of any publication on a portal feed, failed ones included, in the
    /// order of their UTF-8 bytes: a planner asks ``currentPublications(portal:feed:keys:)`` only
    /// for keys that may lie between them.
    func publicationKeySpan(portal: String, feed: String) throws(LedgerError) -> PublicationKeySpan
}

extension PlanningLedger {
    /// Not known: every chunk of keys is asked about.
    public func publicationKeySpan(portal: String, feed: String) throws(LedgerError) -> PublicationKeySpan { .unknown }
}

/// Where a portal feed's publications lie among keys (``PlanningLedger/publicationKeySpan(portal:feed:)``).
public enum PublicationKeySpan: Sendable, Equatable {
    /// The feed has no publication at all (a first run, as a rule).
    case empty
    /// Its keys lie from `first` to `last`, both included, in the order of their UTF-8 bytes.
    case keys(first: String, last: String)
    /// Not known: any key may have one.
    case unknown

    /// Whether a key with a publication may be among `keys`: false only when every one of them
    /// lies outside the span (the ledger would answer nothing for them).
    public func mayHold(_ keys: some Collection<String>) -> Bool {
        switch self {
        case .empty: false
        case .unknown: true
        case .keys(let first, let last):
            keys.contains { key in FeedPlan.Row.compare(key, first) >= 0 && FeedPlan.Row.compare(key, last) <= 0 }
        }
    }
}

/// The life of a batch: pending → delivered → confirmed (receipt) or failed.
public protocol BatchLedger: AnyObject, Sendable {
    /// Records a batch and its publications as pending, in one transaction, before any byte is
    /// delivered; a failed batch made again from the same records becomes pending again.
    func recordPending(_ batch: NewBatch, publications: [NewPublication], run: Int64) throws(LedgerError)
    func markDelivered(batch id: String, at instant: String) throws(LedgerError)
    /// Notes the stat of a pending batch's outbox file, read whole and found holding the batch's
    /// bytes (``BatchInfo/outboxStat``).
    func recordOutboxStat(batch id: String, stat: String) throws(LedgerError)
    /// A clerk's confirmation (or a receipt file): the batch and its publications published on `date`.
    func confirm(batch id: String, receipt: Receipt?, on date: String) throws(LedgerError) -> ConfirmOutcome
    /// The same, with the action that asked for it recorded (``ActionRecord``) in the same
    /// transaction when — and only when — this call moved the batch from pending to published: the
    /// batch's status is changed by a conditional update whose rows affected decide it, so of two
    /// calls at once one confirms and records, the other answers ``ConfirmOutcome/alreadyConfirmed(on:)``
    /// and records nothing.
    func confirm(batch id: String, receipt: Receipt?, on date: String, recording action: ActionRecord) throws(LedgerError) -> ConfirmOutcome
    /// A portal's receipt: rejected positions (1-based) with their reasons, the rest published on `date`.
    func applyReceipt(batch id: String, rejected: [Int: String], receipt: Receipt?, on date: String) throws(LedgerError) -> ConfirmOutcome
    /// The pending batch failed as a whole: its records are planned again by the next run.
    @discardableResult func fail(batch id: String, reason: String) throws(LedgerError) -> Bool
    func batch(_ id: String) throws(LedgerError) -> BatchInfo?
    /// Batches, oldest first; `portal` and `status` narrow the list.
    func batches(portal: String?, status: BatchStatus?) throws(LedgerError) -> [BatchInfo]
    /// The ids of the batches the runs of `pipeline` made, and of those made by runs that named no
    /// pipeline (before runs named theirs): on a ledger several departments share, what a
    /// pipeline's run settles, uploads and withdraws from is its own, never another's.
    func batchIDs(pipeline: String) throws(LedgerError) -> Set<String>
    /// The publications of one batch, by position.
    func publications(batch id: String) throws(LedgerError) -> [PublicationEntry]
}

/// Withdrawals and publication periods.
public protocol WithdrawalLedger: AnyObject, Sendable {
    /// Records a withdrawal batch as pending with one withdrawal per published record.
    func recordWithdrawalBatch(_ batch: NewBatch, items: [WithdrawalItem], run: Int64) throws(LedgerError)
    /// The same, for a withdrawal a clerk asks for: its run (``ActionRecord``: the command, who,
    /// when; begun, not finished — `finishRun` gives its exit status once the portals are told) is
    /// written in the same transaction as the batch, and only if every record is still published
    /// with no withdrawal but a failed one. Nil, with nothing written, when another withdrawal of
    /// one of them was recorded since the caller read them (two clerks at once): the run's id else.
    func recordWithdrawalBatch(_ batch: NewBatch, items: [WithdrawalItem], recording action: ActionRecord) throws(LedgerError) -> Int64?
    /// Published records whose period has ended by `today`, with no withdrawal pending or done.
    func expired(today: String, kind: String?) throws(LedgerError) -> [PeriodEntry]
    /// Published records that may apply for 信用修复 (at most `limit`), and how many in all: one
    /// entry for a record on a portal's feed, its latest publication there that may, however many
    /// of its publications are live (published, corrected, published again).
    func repairEligible(today: String, kind: String?, limit: Int?) throws(LedgerError) -> [PeriodEntry]
    func repairEligibleCount(today: String, kind: String?) throws(LedgerError) -> Int
    /// The day's three period questions at once: every record whose period has ended
    /// (``expired(today:kind:)``), and the first `limit` that may apply for 信用修复 in the same
    /// order as ``repairEligible(today:kind:limit:)`` with how many there are.
    func periodsToday(today: String, kind: String?, limit: Int) throws(LedgerError) -> PeriodsToday
    /// Every publication of one record (its key, or the decision number alone), in planning order.
    func history(key: String) throws(LedgerError) -> [PublicationEntry]
    /// The publications a portal shows of records whose withdrawal was asked for, for a reason
    /// not among `exceptReasons`, on another publication of the same key on the same portal feed
    /// (``ShownAfterWithdrawal``): each once, with the earliest such withdrawal, in the order
    /// they were planned. Asked every night: driven by the withdrawals (none on a first run),
    /// each found through the publications' index on portal, feed and key.
    func shownAfterWithdrawal(kind: String?, exceptReasons: [String]) throws(LedgerError) -> [ShownAfterWithdrawal]
    /// The publication period of a record's latest version (nil: none assessed).
    func period(kind: String, key: String) throws(LedgerError) -> RecordPeriod?
    /// Every published publication of one record (its whole key), each with its period on its
    /// portal as ``expired(today:kind:)`` and ``repairEligible(today:kind:limit:)`` compute it:
    /// the portal's own rule where it has one (gsxt: from the day it first published the record),
    /// else the record's general period. What `withdraw --reason 信用修复` checks.
    func periods(kind: String, key: String) throws(LedgerError) -> [PeriodEntry]
    /// Every publication on one portal feed of a natural person known by their key
    /// (``NewPublication/personKey``), in the order they were recorded: what a run takes down when
    /// the person's name was corrected under the same decision number.
    func publications(personKey: String, portal: String, feed: String) throws(LedgerError) -> [PublicationEntry]
}

/// What ``WithdrawalLedger/periodsToday(today:kind:limit:)`` answers.
public struct PeriodsToday: Sendable, Equatable {
    public var expired: [PeriodEntry]
    public var eligible: [PeriodEntry]
    public var eligibleTotal: Int

    public init(expired: [PeriodEntry], eligible: [PeriodEntry], eligibleTotal: Int) {
        self.expired = expired
        self.eligible = eligible
        self.eligibleTotal = eligibleTotal
    }
}

extension WithdrawalLedger {
    /// The three questions asked in turn (a ledger may answer them in one reading).
    public func periodsToday(today: String, kind: String?, limit: Int) throws(LedgerError) -> PeriodsToday {
        PeriodsToday(
            expired: try expired(today: today, kind: kind), eligible: try repairEligible(today: today, kind: kind, limit: limit),
            eligibleTotal: try repairEligibleCount(today: today, kind: kind))
    }
}

/// Everything a run of the engine reads and writes.
public typealias PublicationLedger = RunLedger & IntakeLedger & PlanningLedger & BatchLedger & WithdrawalLedger & DecisionLedger

/// What a report reads: sums and capped lists, and each record's first publication streamed.
public protocol ReportLedger: AnyObject, Sendable {
    /// - Parameter pipelines: only the problems, rejections and withdrawals of these pipelines'
    ///   runs, counted and listed (a report of some departments of a ledger others share counts
    ///   none of theirs); nil: every pipeline's.
    func reportRows(from: String, to: String, limit: Int, pipelines: Set<String>?) throws(LedgerError) -> ReportRows
    func forEachFirstPublication(from: String, to: String, _ body: (FirstPublication) throws -> Void) throws(LedgerError)
}

/// What the ledger commands ask besides a run's and a report's reads: the status summary, a
/// subject's publications (信用核查), a withdrawal batch's items, and the schema's migrations.
public protocol QuestionLedger: AnyObject, Sendable {
    /// Batches and publications made by the runs the filter keeps (all, by default).
    func summary(today: String, filter: LedgerFilter) throws(LedgerError) -> LedgerSummary
    func publications(subjectCode: String, filter: LedgerFilter) throws(LedgerError) -> [PublicationEntry]
    func withdrawalItems(batch id: String) throws(LedgerError) -> [WithdrawalItem]
    func appliedMigrations() throws(LedgerError) -> [String]
    /// The latest `run` (or `run --from/--to`) of a pipeline that wrote to the ledger, if any.
    func lastRun(pipeline: String) throws(LedgerError) -> RunRecord?
    /// The console's actions (commands `console …`) of `pipeline` that name `text` (a batch id, a
    /// 文号), oldest first: another department's action on a decision of the same 文号 on a
    /// shared ledger is its own.
    func consoleActions(mentioning text: String, pipeline: String) throws(LedgerError) -> [RunRecord]
}

/// One command that wrote to the ledger: what it was, the day it counted as today, when it started
/// and finished (Beijing time), and its exit status (nil: still running, or killed).
public struct RunRecord: Sendable, Equatable {
    public let command: String
    public let today: String
    public let startedAt: String
    public let finishedAt: String?
    public let exitCode: Int?

    public init(command: String, today: String, startedAt: String, finishedAt: String?, exitCode: Int?) {
        self.command = command
        self.today = today
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.exitCode = exitCode
    }
}

/// A whole ledger, whatever its backend (a SQLite file, or the county's PostgreSQL database).
public typealias LedgerStore = PublicationLedger & ReportLedger & QuestionLedger

/// Narrows a question on a county's shared ledger to one pipeline or one department: what their
/// runs made (batches, publications) and the decisions they registered.
public struct LedgerFilter: Sendable, Equatable {
    public var pipeline: String?
    public var department: String?

    public init(pipeline: String? = nil, department: String? = nil) {
        self.pipeline = pipeline
        self.department = department
    }

    public static let all = LedgerFilter()
    public var isAll: Bool { pipeline == nil && department == nil }
}
