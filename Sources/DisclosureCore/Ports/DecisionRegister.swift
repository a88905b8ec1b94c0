import WorkingDayCalendar

/// A decision as one reading of one source row saw it: its number (the schema's first key field,
/// 决定书文号), its decision date as written, and whether the row was valid. A decision is
/// identified by its kind and number: a corrected re-export of the same decision is the same
/// decision, whatever else changed.
public struct DecisionSighting: Sendable, Equatable {
    public let number: String
    public let decisionDate: String?
    public let file: String
    public let row: Int
    public let valid: Bool
    /// For a valid row, per portal of the pipeline: why it is not to be published there (nil:
    /// to be published). Empty for an invalid row: until it is valid, it is expected everywhere.
    public var exclusions: [String: String?]
    /// For an invalid row, the law's reason it is not to be published anywhere whatever its
    /// other errors (a minor; ``RecordValidator/reasonNotToPublish(in:)``): nil for the rest.
    public var notToPublish: String?

    public init(
        number: String, decisionDate: String?, file: String, row: Int, valid: Bool, exclusions: [String: String?] = [:],
        notToPublish: String? = nil
    ) {
        self.number = number
        self.decisionDate = decisionDate
        self.file = file
        self.row = row
        self.valid = valid
        self.exclusions = exclusions
        self.notToPublish = notToPublish
    }
}

/// A decision's place on one portal, as the register records it: its due date (nil: not
/// computable — no date, or the calendar does not reach it yet) and why it is not to be
/// published there (nil: it is).
public struct DecisionPortal: Sendable, Equatable {
    public let portal: String
    public let dueOn: String?
    /// Why not to be published on this portal; `.some(nil)` clears an earlier exclusion, nil leaves it.
    public let exclusion: String??

    public init(portal: String, dueOn: String?, exclusion: String??) {
        self.portal = portal
        self.dueOn = dueOn
        self.exclusion = exclusion
    }
}

/// One decision on one portal, with what the ledger knows of its publication there: the row every
/// deadline figure is computed from.
public struct DecisionDeadline: Sendable, Equatable {
    public let kind: String
    public let number: String
    public let portal: String
    public let pipeline: String?
    public let decisionDate: String?
    public let dueOn: String?
    // What its publications say (`publishedOn`, `staged`, `withdrawn`, `rejected`) can be filled
    // in after the register's own columns are read: a ledger reads the two apart.
    /// The first day the portal took a version of it (published, or published and later withdrawn).
    public var publishedOn: String?
    /// In a batch not yet confirmed (staged in the outbox, or sent without a receipt).
    public var staged: Bool
    /// Some publication of it was taken down (the portal confirmed the withdrawal).
    public var withdrawn: Bool
    /// Some publication of it is published there and not taken down: the portal shows it (or
    /// its withdrawal waits for the portal). A decision withdrawn once may be shown again: a
    /// batch waiting for upload when it was taken down, confirmed afterwards.
    public var shown: Bool
    /// Some version of it was valid (else: waiting for correction).
    public let valid: Bool
    public let validAtFirst: Bool
    /// Why it is not to be published on this portal.
    public let exclusion: String?
    /// The day it was first received (the run's today), `YYYY-MM-DD`.
    public let receivedOn: String
    /// Revoked (撤销) on this day: it must be taken down from the portal by ``withdrawDueOn``.
    public var revokedOn: String? = nil
    public var withdrawDueOn: String? = nil
    /// The portal refused the record (a per-record rejection in its receipt), and nothing of it is
    /// published or staged there since: it waits for the department's corrected record.
    public var rejected = false

    /// - Parameters:
    ///   - revokedOn, withdrawDueOn: given here, not set afterwards, by a reader that stores the
    ///     row it makes: set afterwards, the row was copied and the first destroyed, its dozen
    ///     texts retained and released (with the copy `Array.last` made, a third of the SQLite
    ///     register reader's time in a nightly re-run; forty-second session).
    public init(
        kind: String, number: String, portal: String, pipeline: String?, decisionDate: String?, dueOn: String?, publishedOn: String?,
        staged: Bool, withdrawn: Bool, valid: Bool, validAtFirst: Bool, exclusion: String?, receivedOn: String,
        revokedOn: String? = nil, withdrawDueOn: String? = nil, shown: Bool? = nil
    ) {
        // (Not given: shown when published and nothing of it withdrawn, as a row of one publication is.)
        self.shown = shown ?? (publishedOn != nil && !withdrawn)
        self.kind = kind
        self.number = number
        self.portal = portal
        self.pipeline = pipeline
        self.decisionDate = decisionDate
        self.dueOn = dueOn
        self.publishedOn = publishedOn
        self.staged = staged
        self.withdrawn = withdrawn
        self.valid = valid
        self.validAtFirst = validAtFirst
        self.exclusion = exclusion
        self.receivedOn = receivedOn
        self.revokedOn = revokedOn
        self.withdrawDueOn = withdrawDueOn
    }
}

/// What a decision's publications on one portal add up to: the register's reading merges them into
/// each row (``DecisionDeadline/take(_:)``).
///
/// A ledger sums a publication taken down for 更正 (the portal confirmed a withdrawal whose reason
/// is ``correctionReason``) apart from the rest: it is in ``firstCorrected`` only, never in
/// ``firstPublished`` or ``withdrawn``. What it means for the decision is decided here, in
/// ``publishedOn`` (forty-ninth session).
public struct PublicationSums: Sendable, Equatable {
    /// The reason a withdrawal for correction is recorded with (`gongshi withdraw --reason 更正`,
    /// a subject's old name taken down by the nightly run).
    public static let correctionReason = "更正"

    /// The first day a publication of it was published (one later withdrawn counts; one withdrawn
    /// for 更正 does not: see ``firstCorrected``).
    public var firstPublished: String?
    public var pending = false
    /// Some publication of it was taken down for a reason that keeps the decision down (信用修复,
    /// 撤销, 公示期满, 不予公示; not 更正).
    public var withdrawn = false
    public var rejected = false
    /// Some publication of it is published (not taken down).
    public var shown = false
    /// The first day a publication of it that was taken down for 更正 was published.
    public var firstCorrected: String?

    public init(
        firstPublished: String? = nil, pending: Bool = false, withdrawn: Bool = false, rejected: Bool = false, shown: Bool = false,
        firstCorrected: String? = nil
    ) {
        self.firstPublished = firstPublished
        self.pending = pending
        self.withdrawn = withdrawn
        self.rejected = rejected
        self.shown = shown
        self.firstCorrected = firstCorrected
    }

    /// The day the decision counts as published on the portal since, or nil: not published.
    ///
    /// A publication taken down for 更正 was replaced (or is to be) by a corrected record: the
    /// decision stays published through the corrected record once one went out (published, or
    /// published and taken down later for another reason), and since the first day any version of
    /// it was shown — the withdrawn one included, since the information was online from then.
    /// With no corrected record published, the withdrawn one does not make it published: the
    /// decision is not published (a corrected record staged or waiting for the department's
    /// correction) and is back under its deadline, as the law still asks for it to be published
    /// (domain reference §4.4: a correction corrects the published information, it does not end
    /// its publication; no rule exempts a corrected decision).
    public var publishedOn: String? {
        guard let first = firstPublished else { return nil }
        guard let corrected = firstCorrected, corrected.utf8.lexicographicallyPrecedes(first.utf8) else { return first }
        return corrected
    }
}

extension DecisionDeadline {
    /// The row with its publications' sums (inlined into the ledgers' readings of the register).
    @inlinable
    public mutating func take(_ sums: PublicationSums) {
        publishedOn = sums.publishedOn
        staged = sums.pending
        withdrawn = sums.withdrawn
        rejected = sums.rejected
        shown = sums.shown
    }
}

/// Which decisions a question is about: a kind, some portals, a pipeline, a department (nil: all).
public struct DecisionScope: Sendable, Equatable {
    public var kind: String?
    public var portals: [String]?
    public var pipeline: String?
    /// The pipelines whose runs served this department (a county's shared ledger).
    public var department: String?
    /// One decision, by its number.
    public var number: String?

    public init(kind: String? = nil, portals: [String]? = nil, pipeline: String? = nil, department: String? = nil) {
        self.kind = kind
        self.portals = portals
        self.pipeline = pipeline
        self.department = department
    }

    /// The decisions a ledger filter keeps.
    public init(_ filter: LedgerFilter) {
        self.init(pipeline: filter.pipeline, department: filter.department)
    }

    public static let all = DecisionScope()
}

/// The register of decisions: every decision that arrives, valid or not, tracked to its deadline
/// on every portal of its pipeline.
public protocol DecisionLedger: AnyObject, Sendable {
    /// Records what a run saw: the decision (first sighting kept; valid once any version was valid)
    /// and its place on each portal (due date, exclusion). One transaction.
    func recordDecisions(
        _ sightings: [(sighting: DecisionSighting, portals: [DecisionPortal])], kind: String, pipeline: String?, run: Int64, today: String
    ) throws(LedgerError)
    /// ``recordDecisions(_:kind:pipeline:run:today:)`` split in two, as
    /// ``RunLedger/preparing(records:run:)`` is.
    func preparing(
        decisions: [(sighting: DecisionSighting, portals: [DecisionPortal])], kind: String, pipeline: String?, run: Int64, today: String
    ) -> any PreparedLedgerWrite
    /// Fills the due dates that are missing but can now be computed (a calendar year added):
    /// `due(decisionDate, portal)` answers nil when it still cannot. Returns how many were filled.
    @discardableResult
    func fillDueDates(scope: DecisionScope, _ due: (String, String) -> String?) throws(LedgerError) -> Int
    /// Records that a decision was revoked on `revokedOn`, and by when each portal must have taken
    /// it down (nil: the calendar does not reach it yet). Returns whether the decision is known.
    @discardableResult
    func recordRevocation(kind: String, number: String, revokedOn: String, withdrawBy: [String: String?]) throws(LedgerError) -> Bool
    /// The decisions of a kind recorded as revoked, by number: the day of each revocation. (Few: a
    /// run keeps their records out of its feeds.) `pipeline`: only the decisions its register rows
    /// belong to (a shared ledger's other department may have a decision of the same 文号); nil: all.
    func revokedDecisions(kind: String, pipeline: String?) throws(LedgerError) -> [String: String]
    /// Every decision × portal in scope, one at a time, by decision number.
    func forEachDecision(scope: DecisionScope, _ body: (DecisionDeadline) throws -> Void) throws(LedgerError)
    /// The decisions whose number holds a full-width digit or Latin letter (０-９, Ａ-Ｚ, ａ-ｚ: by
    /// code point), by kind and number: recorded before intake made them half-width
    /// (``TextNormalizer/halfWidthAlphanumerics(_:)``, ``WidthTwins``). Usually none. `kind`,
    /// `pipeline`: only those (a decision without a pipeline counts for every one); nil: all.
    /// (A scan of the register, read once a run, as ``revokedDecisions(kind:pipeline:)``.)
    func fullWidthNumbers(kind: String?, pipeline: String?) throws(LedgerError) -> [(kind: String, number: String)]
}

extension DecisionLedger {
    public func preparing(
        decisions: [(sighting: DecisionSighting, portals: [DecisionPortal])], kind: String, pipeline: String?, run: Int64, today: String
    ) -> any PreparedLedgerWrite {
        DeferredLedgerWrite { () throws(LedgerError) in
            try self.recordDecisions(decisions, kind: kind, pipeline: pipeline, run: run, today: today)
        }
    }
}
