public import DisclosureCore
import Synchronization
import WorkingDayCalendar

/// The ledger's in-memory twin, for in-process tests of the engine: every port of
/// `DisclosureCore` (``PublicationLedger``, ``ReportLedger``) with the SQLite ledger's rules —
/// a publication is recorded once per content, operation and (for a republication) day; a failed
/// batch made again becomes pending again; receipts, rejections and withdrawals settle the same
/// states. Every method is one step under a lock (all or nothing, like a transaction), and
/// ``failWrites(after:)`` makes writes fail like a full disk.
public final class InMemoryLedger: PublicationLedger, ReportLedger, Sendable {
    struct Publication {
        var id: Int
        var portal, feed, kind, key, hash: String
        var previous: String?
        var correctsBatch: String?
        var operation: BatchOperation
        var republishOn: String
        var batchID: String
        var position: Int
        var status: PublicationStatus
        var decisionDate, dueOn, publishedOn, subjectCode, subjectName, reason: String?
        var personKey: String? = nil
        var recordSHA256: String? = nil
    }

    struct Batch {
        var recorded: NewBatch
        var status: BatchStatus
        var attempts = 1
        var createdRun: Int64
        var deliveredAt, confirmedOn, lastError, outboxStat: String?
        var receipt: Receipt?
    }

    struct Withdrawal {
        var publicationID: Int
        var reason: String
        var basis: String?
        var requestedOn: String
        var batchID: String
        var status: String
    }

    struct Run {
        var command, today: String
        var pipeline: String?
        var department: String?
        var exitCode: Int32?
    }

    struct Source {
        var firstRun: Int64
        var settledRun: Int64?
        /// The fingerprint it was settled with (its `stat` vouches for its bytes).
        var settledAs: SourceFingerprint?
        var counts: IntakeCounts?
        var problems: [StoredProblem] = []
    }

    struct Decision {
        var decisionDate: String?
        var pipeline: String?
        var receivedOn: String
        var validAtFirst: Bool
        var valid: Bool
        var portals: [String: (dueOn: String?, exclusion: String?)] = [:]
        var revokedOn: String?
        var withdrawBy: [String: String?] = [:]
    }

    struct State {
        var decisions: [String: Decision] = [:]  // "kind\u{1F}number"
        var runs: [Run] = []
        var sources: [String: Source] = [:]
        var records: [(version: RecordVersion, run: Int64)] = []
        var portalPeriods: [String: PortalPeriod] = [:]  // "kind\u{1F}key\u{1F}portal"
        var recordKeys: Set<String> = []
        var batches: [String: Batch] = [:]
        var batchOrder: [String] = []
        var publications: [Publication] = []
        var withdrawals: [Withdrawal] = []
        var writesLeft: Int?
    }

    private let state = Mutex(State())

    /// Whether the engine may write from two threads at once, as to a database server.
    public let takesConcurrentWrites: Bool
    /// Told before each bulk write of the run's intake and each batch's publications begin,
    /// outside the lock: the tests' way of seeing two writes overlap.
    private let beforeBulkWrite: (@Sendable (BulkWrite) -> Void)?

    /// The run's two bulk writes, and a batch's publications recorded pending.
    public enum BulkWrite: Sendable, Hashable {
        case versions, register
        case publications(portal: String, feed: String)
    }

    public init(concurrentWrites: Bool = false, beforeBulkWrite: (@Sendable (BulkWrite) -> Void)? = nil) {
        takesConcurrentWrites = concurrentWrites
        self.beforeBulkWrite = beforeBulkWrite
    }

    /// After `count` more successful writes, every write fails (`LedgerError.database`).
    public func failWrites(after count: Int?) { state.withLock { $0.writesLeft = count } }

    private func write<T>(_ body: (inout State) throws(LedgerError) -> T) throws(LedgerError) -> T {
        try state.withLock { (s: inout State) throws(LedgerError) -> T in
            if let left = s.writesLeft {
                guard left > 0 else { throw LedgerError.database("disk I/O error (simulated)") }
                s.writesLeft = left - 1
            }
            var copy = s
            let result = try body(&copy)  // all or nothing
            s = copy
            return result
        }
    }

    private func read<T>(_ body: (State) throws(LedgerError) -> T) throws(LedgerError) -> T {
        try state.withLock { (s: inout State) throws(LedgerError) -> T in try body(s) }
    }

    // MARK: Runs and sources

    public func beginRun(command: String, today: String, startedAt: String, pipeline: String?, department: String?) throws(LedgerError) -> Int64 {
        try write { s in
            s.runs.append(Run(command: command, today: today, pipeline: pipeline, department: department))
            return Int64(s.runs.count)
        }
    }

    public func finishRun(_ run: Int64, exitCode: Int32, finishedAt: String) throws(LedgerError) {
        try write { s in s.runs[Int(run) - 1].exitCode = exitCode }
    }

    public func recordInputs(_ files: [SourceFingerprint], records: [RecordVersion], run: Int64) throws(LedgerError) {
        if !records.isEmpty { beforeBulkWrite?(.versions) }
        try write { s in
            for file in files where s.sources[Self.id(file)] == nil { s.sources[Self.id(file)] = Source(firstRun: run) }
            for record in records {
                for period in record.portalPeriods { s.portalPeriods["\(record.kind)\u{1F}\(record.key)\u{1F}\(period.portal)"] = period }
                guard s.recordKeys.insert("\(record.kind)\u{1F}\(record.key)\u{1F}\(record.contentSHA256)").inserted else { continue }
                s.records.append((record, run))
            }
        }
    }

    public func settle(_ files: [SourceFingerprint], run: Int64) throws(LedgerError) {
        try write { s in
            for file in files where s.sources[Self.id(file)] != nil {
                s.sources[Self.id(file)]?.settledRun = run
                s.sources[Self.id(file)]?.settledAs = file
            }
        }
    }

    public func dueToReadAgain(today: String) throws(LedgerError) -> [String] {
        try read { s in
            Set(s.sources.values.compactMap { source in
                source.settledRun != nil && (source.settledAs?.readAgainOn).map { $0 <= today } == true ? source.settledAs?.place : nil
            }).sorted()
        }
    }

    @discardableResult
    public func unsettleDue(today: String) throws(LedgerError) -> [String] {
        try write { s in
            var places = Set<String>()
            for (key, source) in s.sources where source.settledRun != nil {
                guard let day = source.settledAs?.readAgainOn, day <= today else { continue }
                s.sources[key]?.settledRun = nil
                s.sources[key]?.settledAs?.readAgainOn = nil
                if let place = source.settledAs?.place { places.insert(place) }
            }
            return places.sorted()
        }
    }

    public func settledRuns(_ files: [SourceFingerprint]) throws(LedgerError) -> [String: Int64] {
        try read { s in
            var runs: [String: Int64] = [:]
            for file in files { if let run = s.sources[Self.id(file)]?.settledRun { runs[file.place] = run } }
            return runs
        }
    }

    public func settledFingerprint(place: String, stat: String) throws(LedgerError) -> SourceFingerprint? {
        try read { s in
            s.sources.values.first { $0.settledRun != nil && $0.settledAs?.place == place && $0.settledAs?.stat == stat }?.settledAs
        }
    }

    /// How many record versions of `kind` name each source (its file's hash): for tests.
    public func recordSources(kind: String) throws(LedgerError) -> [String: Int] {
        try read { s in
            var counts: [String: Int] = [:]
            for (version, _) in s.records where version.kind == kind { counts[version.sourceSHA256, default: 0] += 1 }
            return counts
        }
    }

    public func hasSettled(place: String, size: Int64) throws(LedgerError) -> Bool {
        try read { s in s.sources.values.contains { $0.settledRun != nil && $0.settledAs?.place == place && $0.settledAs?.size == size } }
    }

    public func isSettled(_ file: SourceFingerprint) throws(LedgerError) -> Bool {
        try read { s in s.sources[Self.id(file)]?.settledRun != nil }
    }

    public func recordIntake(_ file: SourceFingerprint, counts: IntakeCounts, problems: [StoredProblem], run: Int64) throws(LedgerError) {
        try write { s in
            var source = s.sources[Self.id(file)] ?? Source(firstRun: run)
            source.counts = counts
            source.problems = problems
            s.sources[Self.id(file)] = source
        }
    }

    private static func id(_ file: SourceFingerprint) -> String { "\(file.sha256)\u{1F}\(file.place)" }

    // MARK: Planning

    private static func current(_ s: State, portal: String, feed: String) -> [String: Publication] {
        var current: [String: Publication] = [:]
        for p in s.publications where p.portal == portal && p.feed == feed && p.status != .failed { current[p.key] = p }
        return current
    }

    private static func view(_ p: Publication, _ s: State) -> CurrentPublication {
        CurrentPublication(
            contentSHA256: p.hash, status: p.status, batchID: p.batchID, dueOn: p.dueOn, publishedOn: p.publishedOn,
            republishedOn: p.republishOn.isEmpty ? nil : p.republishOn,
            withdrawalAsked: s.withdrawals.contains { $0.publicationID == p.id },
            withdrawalReason: s.withdrawals.first { $0.publicationID == p.id }?.reason,
            earlierWithdrawals: earlierWithdrawals(of: p, s), recordSHA256: p.recordSHA256,
            earlierWithdrawnRecords: earlierWithdrawnRecords(of: p, s))
    }

    /// The record versions of the key's earlier publications on its feed whose withdrawal was asked for, each once.
    private static func earlierWithdrawnRecords(of p: Publication, _ s: State) -> [String] {
        var records: [String] = []
        for e in s.publications where e.portal == p.portal && e.feed == p.feed && e.key == p.key && e.id < p.id {
            guard let record = e.recordSHA256, s.withdrawals.contains(where: { $0.publicationID == e.id }), !records.contains(record) else {
                continue
            }
            records.append(record)
        }
        return records
    }

    /// The reasons of the withdrawals asked for the key's earlier publications on its feed, each once.
    private static func earlierWithdrawals(of p: Publication, _ s: State) -> [String] {
        let earlier = Set(s.publications.filter { $0.portal == p.portal && $0.feed == p.feed && $0.key == p.key && $0.id < p.id }.map(\.id))
        var reasons: [String] = []
        for w in s.withdrawals where earlier.contains(w.publicationID) && !reasons.contains(w.reason) { reasons.append(w.reason) }
        return reasons
    }

    public func currentPublications(portal: String, feed: String, keys: some Collection<String>) throws(LedgerError) -> [String: CurrentPublication] {
        let wanted = Set(keys)
        return try read { s in
            Self.current(s, portal: portal, feed: feed).filter { wanted.contains($0.key) }.mapValues { Self.view($0, s) }
        }
    }

    public func publicationKeySpan(portal: String, feed: String) throws(LedgerError) -> PublicationKeySpan {
        let keys = try read { s in s.publications.filter { $0.portal == portal && $0.feed == feed }.map(\.key) }
        let sorted = keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        guard let first = sorted.first, let last = sorted.last else { return .empty }
        return .keys(first: first, last: last)
    }

    public func forEachCurrentPublication(portal: String, feed: String, _ body: (String, CurrentPublication) throws -> Void) throws(LedgerError) {
        let current = try read { s in Self.current(s, portal: portal, feed: feed).mapValues { Self.view($0, s) } }
        do {
            for key in current.keys.sorted() { try body(key, current[key]!) }
        } catch {
            throw .database("\(error)")
        }
    }

    // MARK: Batches

    private static func upsertBatch(_ s: inout State, _ batch: NewBatch, run: Int64) {
        if var old = s.batches[batch.id] {
            guard old.status == .failed else { return }
            old.status = .pending
            old.attempts += 1
            old.lastError = nil
            old.recorded = batch
            old.deliveredAt = nil
            s.batches[batch.id] = old
        } else {
            s.batches[batch.id] = Batch(recorded: batch, status: .pending, createdRun: run)
            s.batchOrder.append(batch.id)
        }
    }

    public func recordPending(_ batch: NewBatch, publications: [NewPublication], run: Int64) throws(LedgerError) {
        beforeBulkWrite?(.publications(portal: batch.portal, feed: batch.feed))
        try write { (s: inout State) throws(LedgerError) in
            Self.upsertBatch(&s, batch, run: run)
            for (offset, new) in publications.enumerated() {
                let republishOn = batch.operation == .republish ? batch.createdOn : ""
                if let index = s.publications.firstIndex(where: {
                    $0.portal == batch.portal && $0.feed == batch.feed && $0.key == new.key && $0.hash == new.contentSHA256
                        && $0.operation == batch.operation && $0.republishOn == republishOn && $0.correctsBatch == new.correctsBatch
                }) {
                    guard s.publications[index].status == .failed else {
                        throw LedgerError.database("publication of \(new.key) on \(batch.portal)/\(batch.feed) is already recorded")
                    }
                    s.publications[index].status = .pending
                    s.publications[index].batchID = batch.id
                    s.publications[index].position = offset + 1
                    s.publications[index].reason = nil
                    s.publications[index].recordSHA256 = new.recordSHA256
                } else {
                    s.publications.append(
                        Publication(
                            id: s.publications.count + 1, portal: batch.portal, feed: batch.feed, kind: batch.kind, key: new.key,
                            hash: new.contentSHA256, previous: new.previousSHA256, correctsBatch: new.correctsBatch,
                            operation: batch.operation, republishOn: republishOn,
                            batchID: batch.id, position: offset + 1, status: .pending, decisionDate: new.decisionDate, dueOn: new.dueOn,
                            publishedOn: nil, subjectCode: new.subjectCode, subjectName: new.subjectName, reason: nil,
                            personKey: new.personKey, recordSHA256: new.recordSHA256))
                }
            }
        }
    }

    public func markDelivered(batch id: String, at instant: String) throws(LedgerError) {
        try write { s in if s.batches[id]?.status == .pending { s.batches[id]?.deliveredAt = instant } }
    }

    public func recordOutboxStat(batch id: String, stat: String) throws(LedgerError) {
        try write { s in if s.batches[id]?.status == .pending { s.batches[id]?.outboxStat = stat } }
    }

    public func confirm(batch id: String, receipt: Receipt?, on date: String) throws(LedgerError) -> ConfirmOutcome {
        try applyReceipt(batch: id, rejected: [:], receipt: receipt, on: date)
    }

    public func applyReceipt(batch id: String, rejected: [Int: String], receipt: Receipt?, on date: String) throws(LedgerError) -> ConfirmOutcome {
        try settle(batch: id, rejected: rejected, receipt: receipt, on: date, recording: nil)
    }

    public func confirm(batch id: String, receipt: Receipt?, on date: String, recording action: ActionRecord) throws(LedgerError) -> ConfirmOutcome {
        try settle(batch: id, rejected: [:], receipt: receipt, on: date, recording: action)
    }

    private func settle(
        batch id: String, rejected: [Int: String], receipt: Receipt?, on date: String, recording action: ActionRecord?
    ) throws(LedgerError) -> ConfirmOutcome {
        try write { s in
            guard let batch = s.batches[id] else { return .unknownBatch }
            switch batch.status {
            case .published: return .alreadyConfirmed(on: batch.confirmedOn ?? "")
            case .failed: return .failedBatch
            case .pending: break
            }
            if let action {
                s.runs.append(Run(command: action.command, today: action.today, pipeline: action.pipeline, department: action.department, exitCode: 0))
            }
            s.batches[id]?.status = .published
            s.batches[id]?.confirmedOn = date
            s.batches[id]?.receipt = receipt
            if batch.deliveredAt == nil { s.batches[id]?.deliveredAt = date }
            var published = 0
            for index in s.publications.indices where s.publications[index].batchID == id && s.publications[index].status == .pending {
                if let reason = rejected[s.publications[index].position] {
                    s.publications[index].status = .rejected
                    s.publications[index].reason = reason
                } else {
                    s.publications[index].status = .published
                    s.publications[index].publishedOn = date
                    published += 1
                }
            }
            var withdrawn = 0
            for index in s.withdrawals.indices where s.withdrawals[index].batchID == id && s.withdrawals[index].status == "pending" {
                let publication = s.withdrawals[index].publicationID - 1
                if s.publications[publication].status != .withdrawn {
                    s.publications[publication].status = .withdrawn
                    withdrawn += 1
                }
                s.withdrawals[index].status = "done"
            }
            return .confirmed(records: published + withdrawn)
        }
    }

    @discardableResult
    public func fail(batch id: String, reason: String) throws(LedgerError) -> Bool {
        try write { s in
            guard s.batches[id]?.status == .pending else { return false }
            s.batches[id]?.status = .failed
            s.batches[id]?.lastError = reason
            for index in s.publications.indices where s.publications[index].batchID == id && s.publications[index].status == .pending {
                s.publications[index].status = .failed
            }
            for index in s.withdrawals.indices where s.withdrawals[index].batchID == id && s.withdrawals[index].status == "pending" {
                s.withdrawals[index].status = "failed"
            }
            // As the SQLite ledger: the files of the records' latest versions are read again by the next run.
            let hashes = Set(s.publications.filter { $0.batchID == id }.compactMap { Self.latest(s, kind: $0.kind, key: $0.key)?.sourceSHA256 })
            for key in s.sources.keys where hashes.contains(String(key.split(separator: "\u{1F}", maxSplits: 1)[0])) {
                s.sources[key]?.settledRun = nil
            }
            return true
        }
    }

    private static func info(_ b: Batch) -> BatchInfo {
        BatchInfo(
            recorded: b.recorded, status: b.status, attempts: b.attempts, deliveredAt: b.deliveredAt, confirmedOn: b.confirmedOn,
            lastError: b.lastError, outboxStat: b.outboxStat)
    }

    public func batch(_ id: String) throws(LedgerError) -> BatchInfo? {
        try read { s in s.batches[id].map(Self.info) }
    }

    public func batchIDs(pipeline: String) throws(LedgerError) -> Set<String> {
        try read { s in
            Set(s.batches.values.filter { s.runs[Int($0.createdRun) - 1].pipeline.map { $0 == pipeline } ?? true }.map(\.recorded.id))
        }
    }

    public func batches(portal: String?, status: BatchStatus?) throws(LedgerError) -> [BatchInfo] {
        try read { s in
            s.batchOrder.compactMap { s.batches[$0] }
                .filter { (portal == nil || $0.recorded.portal == portal) && (status == nil || $0.status == status) }
                .enumerated().sorted { ($0.element.recorded.createdOn, $0.offset) < ($1.element.recorded.createdOn, $1.offset) }
                .map { Self.info($0.element) }
        }
    }

    private static func entry(_ s: State, _ p: Publication) -> PublicationEntry {
        let withdrawal = s.withdrawals.first { $0.publicationID == p.id }
        return PublicationEntry(
            portal: p.portal, feed: p.feed, kind: p.kind, key: p.key, contentSHA256: p.hash, previousSHA256: p.previous,
            operation: p.operation, status: p.status, batchID: p.batchID, batchFile: s.batches[p.batchID]?.recorded.fileName ?? "",
            decisionDate: p.decisionDate, dueOn: p.dueOn, publishedOn: p.publishedOn, subjectCode: p.subjectCode, subjectName: p.subjectName,
            withdrawalReason: withdrawal?.reason, withdrawalStatus: withdrawal?.status, position: p.position, rejectionReason: p.reason)
    }

    public func publications(batch id: String) throws(LedgerError) -> [PublicationEntry] {
        try read { s in s.publications.filter { $0.batchID == id }.sorted { $0.position < $1.position }.map { Self.entry(s, $0) } }
    }

    // MARK: Withdrawals and periods

    public func recordWithdrawalBatch(_ batch: NewBatch, items: [WithdrawalItem], run: Int64) throws(LedgerError) {
        try write { (s: inout State) throws(LedgerError) in try Self.insertWithdrawalBatch(&s, batch, items: items, run: run) }
    }

    public func recordWithdrawalBatch(_ batch: NewBatch, items: [WithdrawalItem], recording action: ActionRecord) throws(LedgerError) -> Int64? {
        try write { (s: inout State) throws(LedgerError) -> Int64? in
            for item in items {
                guard let p = s.publications.first(where: { $0.batchID == item.batchID && $0.position == item.position && $0.status == .published })
                else { return nil }
                if let w = s.withdrawals.first(where: { $0.publicationID == p.id }), w.status != "failed" { return nil }
            }
            s.runs.append(Run(command: action.command, today: action.today, pipeline: action.pipeline, department: action.department))
            let run = Int64(s.runs.count)
            try Self.insertWithdrawalBatch(&s, batch, items: items, run: run)
            return run
        }
    }

    private static func insertWithdrawalBatch(_ s: inout State, _ batch: NewBatch, items: [WithdrawalItem], run: Int64) throws(LedgerError) {
        Self.upsertBatch(&s, batch, run: run)
        for item in items {
            let found = s.publications.first { (p: Publication) -> Bool in
                p.batchID == item.batchID && p.position == item.position && p.status == PublicationStatus.published
            }
            guard let p = found else { throw LedgerError.database("record \(item.batchID)#\(item.position) is not published, or its withdrawal is already recorded") }
            let new = Withdrawal(
                publicationID: p.id, reason: item.reason, basis: item.basis, requestedOn: batch.createdOn, batchID: batch.id, status: "pending")
            if let index = s.withdrawals.firstIndex(where: { $0.publicationID == p.id }) {
                guard s.withdrawals[index].status == "failed" || s.withdrawals[index].batchID == batch.id else {
                    throw LedgerError.database("record \(item.batchID)#\(item.position) is not published, or its withdrawal is already recorded")
                }
                s.withdrawals[index] = new
            } else {
                s.withdrawals.append(new)
            }
        }
    }

    /// The latest version of a record (its period), as the SQLite ledger picks it.
    private static func period(_ s: State, kind: String, key: String) -> RecordPeriod? {
        latest(s, kind: kind, key: key)?.period
    }

    private static func latest(_ s: State, kind: String, key: String) -> RecordVersion? {
        s.records.enumerated().filter { $0.element.version.kind == kind && $0.element.version.key == key }
            .max { ($0.element.run, $0.offset) < ($1.element.run, $1.offset) }?.element.version
    }

    /// The record's period on the publication's portal: the portal's own (months from the decision
    /// date or from its first publication there), as the SQLite ledger computes it; else the general one.
    private static func period(_ s: State, _ p: Publication) -> RecordPeriod? {
        guard let general = period(s, kind: p.kind, key: p.key) else { return nil }
        guard let own = s.portalPeriods["\(p.kind)\u{1F}\(p.key)\u{1F}\(p.portal)"] else { return general }
        let decided = latest(s, kind: p.kind, key: p.key)?.decisionDate.flatMap { try? CalendarDate.parse($0) }
        let published = s.publications.filter { $0.kind == p.kind && $0.portal == p.portal && $0.key == p.key }.compactMap(\.publishedOn).min()
        let dates = own.dates(decisionDate: decided, firstPublished: published.flatMap { try? CalendarDate.parse($0) })
        return RecordPeriod(
            severity: own.severity, severityReason: own.severityReason, regime: own.regime, repairFrom: dates.repairFrom?.description,
            expiresOn: dates.endsOn?.description)
    }

    /// - Parameter oncePerFeed: one entry for a record on a portal's feed, its kept publication
    ///   with the greatest id (as the ledgers group 信用修复's).
    private func periodEntries(
        today: String, kind: String?, oncePerFeed: Bool = false, _ keep: (RecordPeriod, Withdrawal?) -> Bool
    ) throws(LedgerError) -> [PeriodEntry] {
        try read { s in
            let kept = s.publications.filter { $0.status == .published && (kind == nil || $0.kind == kind) }.compactMap { p -> (Int, PeriodEntry)? in
                guard let period = Self.period(s, p) else { return nil }
                guard keep(period, s.withdrawals.first { $0.publicationID == p.id }) else { return nil }
                return (p.id, PeriodEntry(
                    publication: Self.entry(s, p), severity: period.severity, regime: period.regime, repairFrom: period.repairFrom,
                    expiresOn: period.expiresOn))
            }
            let entries = !oncePerFeed
                ? kept.map(\.1)
                : Dictionary(kept.map { ("\($0.1.publication.key)\u{1F}\($0.1.publication.portal)\u{1F}\($0.1.publication.feed)", $0) }) {
                    $0.0 > $1.0 ? $0 : $1
                }.values.map(\.1)
            return entries.sorted { ($0.expiresOn ?? "", $0.publication.key, $0.publication.portal, $0.publication.feed) < ($1.expiresOn ?? "", $1.publication.key, $1.publication.portal, $1.publication.feed) }
        }
    }

    public func expired(today: String, kind: String?) throws(LedgerError) -> [PeriodEntry] {
        try periodEntries(today: today, kind: kind) { period, withdrawal in
            (period.expiresOn.map { $0 <= today } ?? false) && (withdrawal == nil || withdrawal?.status == "failed")
        }
    }

    private static func eligible(_ period: RecordPeriod, _ withdrawal: Withdrawal?, today: String) -> Bool {
        (period.repairFrom.map { $0 <= today } ?? false) && (period.expiresOn.map { $0 > today } ?? true) && withdrawal == nil
    }

    public func repairEligible(today: String, kind: String?, limit: Int?) throws(LedgerError) -> [PeriodEntry] {
        let all = try periodEntries(today: today, kind: kind, oncePerFeed: true) { Self.eligible($0, $1, today: today) }
        return limit.map { Array(all.prefix($0)) } ?? all
    }

    public func repairEligibleCount(today: String, kind: String?) throws(LedgerError) -> Int {
        try repairEligible(today: today, kind: kind, limit: nil).count
    }

    public func periods(kind: String, key: String) throws(LedgerError) -> [PeriodEntry] {
        try periodEntries(today: "", kind: kind) { _, _ in true }.filter { $0.publication.key == key }
    }

    public func period(kind: String, key: String) throws(LedgerError) -> RecordPeriod? {
        try read { s in Self.period(s, kind: kind, key: key) }
    }

    public func history(key: String) throws(LedgerError) -> [PublicationEntry] {
        try read { s in s.publications.filter { $0.key == key || $0.key.hasPrefix(key + "|") }.map { Self.entry(s, $0) } }
    }

    public func shownAfterWithdrawal(kind: String?, exceptReasons: [String]) throws(LedgerError) -> [ShownAfterWithdrawal] {
        try read { s in
            var found: [ShownAfterWithdrawal] = []
            for p in s.publications where p.status == .published && (kind.map { $0 == p.kind } ?? true) {
                // Shown: no withdrawal of its own asked for, or only one that failed.
                guard !s.withdrawals.contains(where: { $0.publicationID == p.id && $0.status != "failed" }) else { continue }
                let others = Set(s.publications.filter { $0.portal == p.portal && $0.feed == p.feed && $0.key == p.key && $0.id != p.id }.map(\.id))
                // The earliest withdrawal asked for another publication of the key there.
                guard let first = s.withdrawals.enumerated().filter({ others.contains($0.element.publicationID) && !exceptReasons.contains($0.element.reason) })
                    .min(by: { $0.offset < $1.offset })?.element
                else { continue }
                found.append(ShownAfterWithdrawal(publication: Self.entry(s, p), reason: first.reason, basis: first.basis, requestedOn: first.requestedOn))
            }
            return found
        }
    }

    public func publications(personKey: String, portal: String, feed: String) throws(LedgerError) -> [PublicationEntry] {
        try read { s in
            s.publications.filter { $0.personKey == personKey && $0.portal == portal && $0.feed == feed }.map { Self.entry(s, $0) }
        }
    }

    // MARK: Reports

    /// The report's rows: the states of the publications planned (per the batch's run's pipeline);
    /// intake, problems, rejections and withdrawals are left empty (the SQLite ledger's SQL is
    /// what the report tests check).
    public func reportRows(from: String, to: String, limit: Int, pipelines: Set<String>? = nil) throws(LedgerError) -> ReportRows {
        try read { s in
            var rows = ReportRows()
            var counts: [String: Int] = [:]
            var pipelines: [String: String?] = [:]
            for p in s.publications {
                let pipeline = s.batches[p.batchID].flatMap { s.runs[Int($0.createdRun) - 1].pipeline }
                let id = "\(pipeline ?? "")\u{1F}\(p.status.rawValue)"
                counts[id, default: 0] += 1
                pipelines[id] = pipeline
            }
            rows.states = counts.keys.sorted().map { id in
                StateCount(pipeline: pipelines[id] ?? nil, status: PublicationStatus(rawValue: String(id.split(separator: "\u{1F}").last ?? "")) ?? .pending, count: counts[id]!)
            }
            return rows
        }
    }

    public func forEachFirstPublication(from: String, to: String, _ body: (FirstPublication) throws -> Void) throws(LedgerError) {
        let firsts = try read { s -> [FirstPublication] in
            var groups: [String: [Publication]] = [:]
            for p in s.publications where p.operation == .publish { groups["\(p.portal)\u{1F}\(p.feed)\u{1F}\(p.key)", default: []].append(p) }
            return groups.values.compactMap { group -> FirstPublication? in
                let first = group[0]
                let decided = group.compactMap(\.decisionDate).min()
                let published = group.filter { $0.status == .published || $0.status == .withdrawn }.compactMap(\.publishedOn).min()
                let waiting = group.contains { $0.status == .pending }
                let inPeriod = decided.map { $0 >= from && $0 <= to } ?? false
                guard inPeriod || (published == nil && waiting) else { return nil }
                let pipeline = s.batches[first.batchID].flatMap { s.runs[Int($0.createdRun) - 1].pipeline }
                return FirstPublication(
                    pipeline: pipeline, portal: first.portal, feed: first.feed, key: first.key, decisionDate: decided,
                    dueOn: group.compactMap(\.dueOn).min(), publishedOn: published, decidedInPeriod: inPeriod)
            }.sorted { ($0.dueOn ?? "", $0.key, $0.portal, $0.feed) < ($1.dueOn ?? "", $1.key, $1.portal, $1.feed) }
        }
        do {
            for first in firsts { try body(first) }
        } catch {
            throw .database("\(error)")
        }
    }

    // MARK: The register of decisions

    public func recordDecisions(
        _ sightings: [(sighting: DecisionSighting, portals: [DecisionPortal])], kind: String, pipeline: String?, run: Int64, today: String
    ) throws(LedgerError) {
        beforeBulkWrite?(.register)
        try write { s in
            for (sighting, portals) in sightings {
                let id = "\(kind)\u{1F}\(sighting.number)"
                var decision = s.decisions[id] ?? Decision(
                    decisionDate: sighting.decisionDate, pipeline: pipeline, receivedOn: today, validAtFirst: sighting.valid,
                    valid: sighting.valid)
                if sighting.valid || !decision.valid { decision.decisionDate = sighting.decisionDate ?? decision.decisionDate }
                decision.pipeline = decision.pipeline ?? pipeline
                decision.valid = decision.valid || sighting.valid
                for portal in portals {
                    var place = decision.portals[portal.portal] ?? (nil, nil)
                    place.dueOn = portal.dueOn ?? place.dueOn
                    if let exclusion = portal.exclusion { place.exclusion = exclusion }
                    decision.portals[portal.portal] = place
                }
                s.decisions[id] = decision
            }
        }
    }

    /// As the ledgers narrow the register: a department's decisions are those of the pipelines its
    /// runs served.
    private static func inScope(_ scope: DecisionScope, kind: String, portal: String, _ decision: Decision, runs: [Run]) -> Bool {
        (scope.kind == nil || scope.kind == kind) && (scope.portals?.contains(portal) ?? true)
            && (scope.pipeline == nil || decision.pipeline == nil || decision.pipeline == scope.pipeline)
            && (scope.department.map { department in
                decision.pipeline.map { pipeline in runs.contains { $0.department == department && $0.pipeline == pipeline } } ?? false
            } ?? true)
    }

    @discardableResult
    public func fillDueDates(scope: DecisionScope, _ due: (String, String) -> String?) throws(LedgerError) -> Int {
        try write { s in
            var filled = 0
            for (id, decision) in s.decisions {
                let kind = String(id.split(separator: "\u{1F}")[0])
                for (portal, place) in decision.portals where place.dueOn == nil && Self.inScope(scope, kind: kind, portal: portal, decision, runs: s.runs) {
                    guard let date = decision.decisionDate, let dueOn = due(date, portal) else { continue }
                    s.decisions[id]?.portals[portal]?.dueOn = dueOn
                    filled += 1
                }
            }
            return filled
        }
    }

    public func forEachDecision(scope: DecisionScope, _ body: (DecisionDeadline) throws -> Void) throws(LedgerError) {
        let rows = try read { s -> [DecisionDeadline] in
            var rows: [DecisionDeadline] = []
            for id in s.decisions.keys.sorted() {
                let decision = s.decisions[id]!
                let parts = id.split(separator: "\u{1F}", maxSplits: 1).map(String.init)
                let (kind, number) = (parts[0], parts[1])
                for portal in decision.portals.keys.sorted()
                where Self.inScope(scope, kind: kind, portal: portal, decision, runs: s.runs) && (scope.number.map { $0 == number } ?? true) {
                    let mine = s.publications.filter { $0.kind == kind && $0.portal == portal && ($0.key == number || $0.key.hasPrefix(number + "|")) }
                    let place = decision.portals[portal]!
                    // A publication taken down for 更正 is summed apart (``PublicationSums/publishedOn``).
                    func corrected(_ p: Publication) -> Bool {
                        p.status == .withdrawn
                            && s.withdrawals.contains { $0.publicationID == p.id && $0.reason == PublicationSums.correctionReason }
                    }
                    var row =
                        DecisionDeadline(
                            kind: kind, number: number, portal: portal, pipeline: decision.pipeline, decisionDate: decision.decisionDate,
                            dueOn: place.dueOn, publishedOn: nil, staged: false, withdrawn: false,
                            valid: decision.valid, validAtFirst: decision.validAtFirst, exclusion: place.exclusion,
                            receivedOn: decision.receivedOn)
                    row.take(
                        PublicationSums(
                            firstPublished: mine.filter { $0.status == .published || ($0.status == .withdrawn && !corrected($0)) }
                                .compactMap(\.publishedOn).min(),
                            pending: mine.contains { $0.status == .pending }, withdrawn: mine.contains { $0.status == .withdrawn && !corrected($0) },
                            rejected: mine.contains { $0.status == .rejected }, shown: mine.contains { $0.status == .published },
                            firstCorrected: mine.filter(corrected).compactMap(\.publishedOn).min()))
                    row.revokedOn = decision.revokedOn
                    row.withdrawDueOn = decision.withdrawBy[portal] ?? nil
                    rows.append(row)
                }
            }
            return rows
        }
        do {
            for row in rows { try body(row) }
        } catch {
            throw .database("\(error)")
        }
    }

    public func revokedDecisions(kind: String, pipeline: String?) throws(LedgerError) -> [String: String] {
        state.withLock { s in
            var revoked: [String: String] = [:]
            for (id, decision) in s.decisions
            where id.hasPrefix(kind + "\u{1F}") && (pipeline == nil || decision.pipeline == nil || decision.pipeline == pipeline) {
                if let day = decision.revokedOn { revoked[String(id.dropFirst(kind.count + 1))] = day }
            }
            return revoked
        }
    }

    public func fullWidthNumbers(kind: String?, pipeline: String?) throws(LedgerError) -> [(kind: String, number: String)] {
        state.withLock { s in
            var found: [(kind: String, number: String)] = []
            for (id, decision) in s.decisions where pipeline == nil || decision.pipeline == nil || decision.pipeline == pipeline {
                let parts = id.split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, kind == nil || parts[0] == kind![...] else { continue }
                let wide = parts[1].unicodeScalars.contains { (0xFF10...0xFF19).contains($0.value) || (0xFF21...0xFF3A).contains($0.value) || (0xFF41...0xFF5A).contains($0.value) }
                if wide { found.append((String(parts[0]), String(parts[1]))) }
            }
            return found.sorted { ($0.kind, $0.number) < ($1.kind, $1.number) }
        }
    }

    @discardableResult
    public func recordRevocation(kind: String, number: String, revokedOn: String, withdrawBy: [String: String?]) throws(LedgerError) -> Bool {
        try write { s in
            let id = "\(kind)\u{1F}\(number)"
            guard var decision = s.decisions[id] else { return false }
            decision.revokedOn = decision.revokedOn ?? revokedOn
            for (portal, due) in withdrawBy where decision.withdrawBy[portal] == nil { decision.withdrawBy[portal] = due }
            s.decisions[id] = decision
            return true
        }
    }

    // MARK: What tests look at

    /// Every publication of a portal feed, in planning order: (key, operation, status, batch).
    public func publicationLog(portal: String, feed: String) -> [(key: String, operation: BatchOperation, status: PublicationStatus, batch: String)] {
        state.withLock { s in
            s.publications.filter { $0.portal == portal && $0.feed == feed }.map { ($0.key, $0.operation, $0.status, $0.batchID) }
        }
    }

    /// Exit codes of the runs recorded, in order (nil: not finished).
    public var runExitCodes: [Int32?] { state.withLock { $0.runs.map(\.exitCode) } }
}
