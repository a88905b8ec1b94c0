public import DisclosureCore
internal import GRDB

// Withdrawals and publication periods.
extension Ledger {
    /// Records a withdrawal batch as pending, before its file is delivered: the batch and one
    /// withdrawal per record, in one transaction. A record whose earlier withdrawal failed is asked
    /// for again; one already withdrawn or pending is refused (the caller plans only live ones).
    public func recordWithdrawalBatch(_ batch: NewBatch, items: [WithdrawalItem], run: Int64) throws(LedgerError) {
        try write { db in try Self.insertWithdrawalBatch(db, batch, items: items, run: run) }
    }

    /// The same under a run of its own, begun in the same transaction — only if every record is
    /// published and has no withdrawal but a failed one: nil, and nothing written, when another
    /// withdrawal has been asked for since the caller read them (``WithdrawalLedger``).
    public func recordWithdrawalBatch(_ batch: NewBatch, items: [WithdrawalItem], recording action: ActionRecord) throws(LedgerError) -> Int64? {
        try write { db in
            let live = try db.makeStatement(
                sql: """
                    SELECT count(*) FROM publication p LEFT JOIN withdrawal w ON w.publication_id = p.id
                    WHERE p.batch_no = \(BatchNumber.of("?")) AND p.position = ? AND p.status_code = \(PublicationCode.published)
                      AND (w.status IS NULL OR w.status = 'failed')
                    """)
            for item in items {
                guard try Int.fetchOne(live, arguments: [item.batchID, item.position]) == 1 else { return nil }
            }
            try db.execute(
                sql: "INSERT INTO run (command, today, started_at, pipeline, department) VALUES (?, ?, ?, ?, ?)",
                arguments: [action.command, action.today, action.at, action.pipeline, action.department])
            let run = db.lastInsertedRowID
            try Self.insertWithdrawalBatch(db, batch, items: items, run: run)
            return run
        }
    }

    static func insertWithdrawalBatch(_ db: Database, _ batch: NewBatch, items: [WithdrawalItem], run: Int64) throws {
        try Self.upsertBatch(db, batch, operation: .withdraw, run: run)
        let insert = try db.makeStatement(
            sql: """
                INSERT INTO withdrawal (publication_id, reason, basis, requested_on, batch_id, status)
                SELECT id, ?, ?, ?, ?, 'pending' FROM publication
                WHERE batch_no = \(BatchNumber.of("?")) AND position = ? AND status_code = \(PublicationCode.published)
                ON CONFLICT (publication_id) DO UPDATE SET reason = excluded.reason, basis = excluded.basis,
                    requested_on = excluded.requested_on, batch_id = excluded.batch_id, status = 'pending'
                WHERE withdrawal.status = 'failed' OR withdrawal.batch_id = excluded.batch_id
                """)
        for item in items {
            try insert.execute(arguments: [item.reason, item.basis, batch.createdOn, batch.id, item.batchID, item.position])
            guard db.changesCount == 1 else {
                throw LedgerError.database("record \(item.batchID)#\(item.position) is not published, or its withdrawal is already recorded")
            }
        }
    }

    public func period(kind: String, key: String) throws(LedgerError) -> RecordPeriod? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT \(SeverityCode.text(of: "severity_code")), \(TextValues.text(of: "severity_reason")),
                           \(TextValues.text(of: "regime_id")), repair_from, expires_on FROM record
                    WHERE kind_id = \(TextValues.number(of: "?")) AND record_key = ?
                    ORDER BY first_run DESC, seq DESC LIMIT 1
                    """,
                arguments: [kind, key]
            ).flatMap { row in
                (row[0] as String?).map {
                    RecordPeriod(severity: $0, severityReason: row[1] ?? "", regime: row[2], repairFrom: row[3], expiresOn: row[4])
                }
            }
        }
    }

    /// Publications shown of records whose withdrawal was asked for on another publication of the
    /// same key on the same feed (a batch confirmed after the withdrawal). Driven by the
    /// withdrawals: each finds the key's other publications through the publications' unique
    /// index on (portal, feed, key, …); a ledger without withdrawals (a first run) reads nothing.
    public func shownAfterWithdrawal(kind: String?, exceptReasons: [String]) throws(LedgerError) -> [ShownAfterWithdrawal] {
        try read { db in
            // ?1: the kind; ?2…: the reasons left out.
            let except =
                exceptReasons.isEmpty
                ? "1" : "x.reason NOT IN (\(exceptReasons.indices.map { "?\($0 + 2)" }.joined(separator: ", ")))"
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.entryColumns), f.reason, f.basis, f.requested_on
                    FROM publication p JOIN batch b ON b.no = p.batch_no LEFT JOIN withdrawal w ON w.publication_id = p.id
                    JOIN withdrawal f ON f.id = (
                        SELECT min(x.id) FROM publication q JOIN withdrawal x ON x.publication_id = q.id
                        WHERE q.portal_id = p.portal_id AND q.feed_id = p.feed_id AND q.record_key = p.record_key AND q.id <> p.id AND \(except))
                    WHERE p.id IN (
                        SELECT s.id FROM withdrawal x JOIN publication q ON q.id = x.publication_id
                        JOIN publication s ON s.portal_id = q.portal_id AND s.feed_id = q.feed_id AND s.record_key = q.record_key AND s.id <> q.id
                        WHERE \(except) AND s.status_code = \(PublicationCode.published))
                      AND p.status_code = \(PublicationCode.published) AND (w.status IS NULL OR w.status = 'failed') AND \(Self.ofKind("?1"))
                    ORDER BY p.id
                    """,
                arguments: StatementArguments([kind as (any DatabaseValueConvertible)?] + exceptReasons.map { $0 as (any DatabaseValueConvertible)? })
            ).map { row in ShownAfterWithdrawal(publication: Self.entry(row), reason: row[19], basis: row[20], requestedOn: row[21]) }
        }
    }

    /// The records a withdrawal batch takes down, in its file's order.
    public func withdrawalItems(batch id: String) throws(LedgerError) -> [WithdrawalItem] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(BatchNumber.id(of: "p.batch_no")), p.position, w.reason, w.basis FROM withdrawal w JOIN publication p ON p.id = w.publication_id
                    WHERE w.batch_id = ? ORDER BY w.id
                    """,
                arguments: [id]
            ).map { WithdrawalItem(batchID: $0[0], position: $0[1], reason: $0[2], basis: $0[3]) }
        }
    }

    /// Published records whose publication period has ended by `today` (their latest version's
    /// `expires_on`), with no withdrawal pending or done.
    public func expired(today: String, kind: String? = nil) throws(LedgerError) -> [PeriodEntry] {
        try periodEntries(
            condition: "\(Self.endsOn) <= ?1 AND (w.status IS NULL OR w.status = 'failed') AND \(Self.ofKind("?3"))", today: today,
            kind: kind)
    }

    /// Published records that may apply for 信用修复 (their minimum period reached by `today`) and
    /// are still published: one entry for a record on a portal's feed, its latest publication
    /// there that may (a record published, corrected and published again has several live ones).
    ///
    /// - Parameter kind: only records of this kind (a schema id).
    public func repairEligible(today: String, kind: String? = nil, limit: Int? = nil) throws(LedgerError) -> [PeriodEntry] {
        try periodEntries(condition: "p.id IN (SELECT max(p.id) \(Self.eligibleFrom(kind: "?3")))", today: today, limit: limit, kind: kind)
    }

    /// How many records ``repairEligible(today:kind:limit:)`` would list without a limit.
    public func repairEligibleCount(today: String, kind: String? = nil) throws(LedgerError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM (SELECT 1 \(Self.eligibleFrom(kind: "?2")))", arguments: [today, kind]) ?? 0
        }
    }

    /// The published records that may apply for 信用修复 on `?1`, of the kind the parameter `kind`
    /// names (or any), grouped by record on a portal's feed.
    static func eligibleFrom(kind: String) -> String {
        "FROM publication p \(periodJoins) WHERE p.status_code = \(PublicationCode.published) AND \(eligibleCondition) AND \(ofKind(kind))"
            + " GROUP BY p.record_key, p.portal_id, p.feed_id"
    }

    /// The publication `p` is of the kind the parameter names (a schema id), or the parameter is NULL.
    static func ofKind(_ parameter: String) -> String {
        "(\(parameter) IS NULL OR p.kind_id = \(TextValues.number(of: parameter)))"
    }

    static let eligibleCondition = "\(repairFrom) <= ?1 AND (\(endsOn) IS NULL OR \(endsOn) > ?1) AND w.status IS NULL"

    /// Published records with their latest record version (whose period they carry), and the
    /// portal's own period where it has one.
    static let periodFrom = "FROM publication p JOIN batch b ON b.no = p.batch_no " + periodJoins

    /// The same without the batch (whose file name only the listed entries show).
    ///
    /// The latest version is the one with the greatest (first run, seq), picked by SQLite's `max()`
    /// with a bare column (the column comes from the row holding the maximum): an `ORDER BY … LIMIT
    /// 1` sorted each record's versions in a temporary B-tree, 0.2 s of 0.7 s for 200,000 records.
    static let periodJoins = """
        LEFT JOIN withdrawal w ON w.publication_id = p.id
        JOIN record r ON r.kind_id = p.kind_id AND r.record_key = p.record_key
                      AND r.content_sha256 = (SELECT latest.content_sha256 FROM (
                          SELECT content_sha256, max(first_run * 4294967296 + seq) FROM record q
                          WHERE q.kind_id = p.kind_id AND q.record_key = p.record_key) latest)
        LEFT JOIN portal_period pp ON pp.kind_id = p.kind_id AND pp.record_key = p.record_key AND pp.portal_id = p.portal_id
        """

    /// The day publication ends on the publication's portal: the portal's own period, counted
    /// from the decision date or from the day the portal first published the record, in whole
    /// months clamped to the end of a shorter month (as `CalendarDate.adding(months:)`); else the
    /// record's general period.
    static let endsOn = "(CASE WHEN pp.months IS NULL THEN r.expires_on ELSE \(onPortal(months: "pp.months")) END)"

    /// The day 信用修复 may be applied for on the publication's portal: the portal's own minimum
    /// (`repair_months`; a row written before it was kept: its maximum), counted as ``endsOn``
    /// counts, from the decision date or from the day the portal first published the record (not
    /// known, not yet published there: NULL, not eligible); else the record's general date.
    /// (`PortalPeriod.dates(decisionDate:firstPublished:)` in the core says the same.)
    static let repairFrom =
        "(CASE WHEN pp.months IS NULL THEN r.repair_from ELSE \(onPortal(months: "min(coalesce(pp.repair_months, pp.months), pp.months)")) END)"

    /// `months` (an SQL expression) after the day the portal's own period runs from: the decision
    /// date or the day the portal first published the record.
    static func onPortal(months: String) -> String {
        """
        (SELECT min(date(base, 'start of month', '+' || \(months) || ' months', '+' || (CAST(substr(base, 9, 2) AS INTEGER) - 1) || ' days'),
                    date(base, 'start of month', '+' || (\(months) + 1) || ' months', '-1 day'))
         FROM (SELECT CASE pp.counted_from WHEN 'decision_date' THEN r.decision_date
                      ELSE (SELECT min(f.published_on) FROM publication f
                            WHERE f.kind_id = p.kind_id AND f.portal_id = p.portal_id AND f.decision_number = p.decision_number
                                  AND f.record_key = p.record_key AND f.published_on IS NOT NULL)
                      END AS base))
        """
    }

    func periodEntries(condition: String, today: String, limit: Int? = nil, kind: String? = nil) throws(LedgerError) -> [PeriodEntry] {
        try read { db in try Self.periodEntries(db, condition: condition, today: today, limit: limit, kind: kind) }
    }

    public func periods(kind: String, key: String) throws(LedgerError) -> [PeriodEntry] {
        try read { db in
            try Self.periodEntries(db, condition: "p.record_key = ?4 AND \(Self.ofKind("?3"))", today: "", kind: kind, key: key)
        }
    }

    /// - Parameter key: the value of `?4`, when `condition` names it.
    static func periodEntries(_ db: Database, condition: String, today: String, limit: Int? = nil, kind: String? = nil, key: String? = nil) throws
        -> [PeriodEntry]
    {
        var arguments: StatementArguments = [today, limit ?? -1, kind]
        if let key { arguments += [key] }
        return try Row.fetchAll(
            db,
            sql: """
                SELECT \(Self.entryColumns), coalesce(pp.severity, \(SeverityCode.text(of: "r.severity_code"))),
                       coalesce(pp.regime, \(TextValues.text(of: "r.regime_id"))),
                       \(Self.repairFrom), \(Self.endsOn) AS ends_on
                \(Self.periodFrom)
                WHERE p.status_code = \(PublicationCode.published) AND \(condition)
                ORDER BY ends_on, p.record_key, portal_name, feed_name LIMIT ?2
                """,
            arguments: arguments
        ).map { row in
            PeriodEntry(publication: Self.entry(row), severity: row[19], regime: row[20], repairFrom: row[21], expiresOn: row[22])
        }
    }

    /// One reading of the published records for the three period questions (each read them all:
    /// 0.46, 0.6 and 0.57 s for 200,000 published records). The reading keeps each record's id,
    /// end and 信用修复 date, every ended one and the first `limit` eligible ones in the report's
    /// order (ends on, key, portal, feed); then only those are read in full. The publications are
    /// read in two halves by id, the upper one on a second connection and thread when it can see
    /// the same ledger (``Alongside``): the reading is SQLite's work, 0.45 s on one core.
    ///
    /// A record published again on a feed (corrected, `run --republish`) has several live
    /// publications there: each ends (and is taken down), but the record is eligible once there,
    /// as its latest eligible publication (as ``repairEligible(today:kind:limit:)`` groups them).
    /// The readings count the eligible by a 64-bit hash of (key, portal, feed), not by the texts
    /// (no `String` made for each of 179,000): two records on a feed whose hashes collide would be
    /// counted once, a chance of about n²/2⁶⁵ (10⁻⁹ for 200,000); the lines listed are told apart
    /// by their texts.
    public func periodsToday(today: String, kind: String?, limit: Int) throws(LedgerError) -> PeriodsToday {
        try read { db in
            let middle = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM publication") ?? 0) / 2
            let path = self.path
            let upper = try Alongside(path: path, alongside: db) { db in
                try Self.periodScan(db, today: today, kind: kind, limit: limit, ids: (middle + 1)...Int64.max)
            }
            var scan = try Self.periodScan(db, today: today, kind: kind, limit: limit, ids: Int64.min...middle)
            let rest = try upper?.value() ?? Self.periodScan(db, today: today, kind: kind, limit: limit, ids: (middle + 1)...Int64.max)
            scan.expired += rest.expired
            scan.eligible.formUnion(rest.eligible)
            for item in rest.first.items { scan.first.offer(item) }
            func entries(_ ids: [Int64]) throws -> [PeriodEntry] {
                ids.isEmpty
                    ? []
                    : try Self.periodEntries(
                        db, condition: "p.id IN (\(ids.map(String.init).joined(separator: ","))) AND \(Self.ofKind("?3"))", today: today,
                        kind: kind)
            }
            return PeriodsToday(expired: try entries(scan.expired), eligible: try entries(scan.first.ids), eligibleTotal: scan.eligible.count)
        }
    }

    /// What one reading of some of the published records found.
    struct PeriodScan: Sendable {
        var expired: [Int64] = []
        var first: FirstInOrder
        /// The eligible counted: a hash of each one's (key, portal, feed), a record counted once on a feed.
        var eligible: Set<Int> = []

        /// The hash of the row's key, portal and feed (columns 4, 8 and 9 of ``periodScan``).
        static func hash(_ rows: RawRows) -> Int {
            var hasher = Hasher()
            if let key = rows.bytes(4) { hasher.combine(bytes: UnsafeRawBufferPointer(key)) }
            hasher.combine(rows.int64(8))
            hasher.combine(rows.int64(9))
            return hasher.finalize()
        }
    }

    /// The joins of ``periodJoins`` without the pick of the latest record version: every version
    /// of the record, each row with its version's order (first run, seq) in column 7.
    static let periodJoinsEveryVersion = """
        LEFT JOIN withdrawal w ON w.publication_id = p.id
        JOIN record r ON r.kind_id = p.kind_id AND r.record_key = p.record_key
        LEFT JOIN portal_period pp ON pp.kind_id = p.kind_id AND pp.record_key = p.record_key AND pp.portal_id = p.portal_id
        """

    /// Reads the published records with ids in `ids`: which have ended, which may apply for 信用修复.
    ///
    /// Each publication's rows (one per version of its record, consecutive: the publications are
    /// the outer loop, in id order, so SQLite needs no sort) are read and the latest version's
    /// kept, as ``periodJoins`` picks it. Picking it in SQL took a second look-up in `record` for
    /// each publication: 0.17 s of the 0.43 s reading of 196,000 published records in the
    /// `sqlite3` shell.
    static func periodScan(_ db: Database, today: String, kind: String?, limit: Int, ids: ClosedRange<Int64>) throws -> PeriodScan {
        let rows = try RawRows(
            db,
            sql: """
                SELECT p.id, \(Self.endsOn) AS ends_on, \(Self.repairFrom), w.status IS NULL, p.record_key, \(TextValues.text(of: "p.portal_id")),
                       \(TextValues.text(of: "p.feed_id")),
                       r.first_run * 4294967296 + r.seq, p.portal_id, p.feed_id
                FROM publication p \(Self.periodJoinsEveryVersion)
                WHERE p.status_code = \(PublicationCode.published) AND (w.status IS NULL OR w.status = 'failed') AND \(Self.ofKind("?1"))
                      AND p.id BETWEEN ?2 AND ?3
                ORDER BY p.id
                """,
            arguments: [kind, ids.lowerBound, ids.upperBound])
        /// What the latest version read so far of one publication says.
        enum Verdict {
            case ended
            /// May apply for 信用修复: the hash of its (key, portal, feed), and the item when it
            /// could be among the first `limit`.
            case eligible(Int, FirstInOrder.Item?)
            case neither
        }
        var scan = PeriodScan(first: FirstInOrder(limit: limit))
        var current: (id: Int64, version: Int64, verdict: Verdict)?
        func settle() {
            guard let current else { return }
            switch current.verdict {
            case .ended: scan.expired.append(current.id)
            case .eligible(let hash, let item):
                scan.eligible.insert(hash)
                if let item { scan.first.offer(item) }
            case .neither: break
            }
        }
        // Dates are compared in place with today's (`YYYY-MM-DD`, so byte order is date order).
        while try rows.step() {
            let id = rows.int64(0)
            let version = rows.int64(7)
            if let current, current.id == id, current.version >= version { continue }  // an older version
            let verdict: Verdict
            if let ends = rows.bytes(1), binaryOrder(ends, today) <= 0 {
                verdict = .ended
            } else if let repairFrom = rows.bytes(2), binaryOrder(repairFrom, today) <= 0, rows.bool(3) {
                verdict = .eligible(PeriodScan.hash(rows), scan.first.candidate(rows))
            } else {
                verdict = .neither
            }
            if current?.id != id { settle() }
            current = (id, version, verdict)
        }
        settle()
        return scan
    }
}

/// The first `limit` rows in the order (ends on, with no end first; key; portal; feed), by
/// SQLite's BINARY order, kept as they are offered: memory holds `limit` rows, not all of them.
/// Rows alike in all four (publications of one record on one feed) are one, the greatest id.
struct FirstInOrder: Sendable {
    struct Item: Sendable {
        let id: Int64
        let ends: String?
        let key: String
        let portal: String
        let feed: String
    }

    let limit: Int
    private(set) var items: [Item] = []  // ascending
    var ids: [Int64] { items.map(\.id) }

    init(limit: Int) { self.limit = limit }

    static func order(_ a: String?, _ b: String?) -> Int {
        switch (a, b) {
        case (nil, nil): 0
        case (nil, _): -1
        case (_, nil): 1
        case (let a?, let b?): binaryOrder(a, b)
        }
    }

    static func precedes(_ a: Item, _ b: Item) -> Bool {
        var order = Self.order(a.ends, b.ends)
        if order == 0 { order = binaryOrder(a.key, b.key) }
        if order == 0 { order = binaryOrder(a.portal, b.portal) }
        if order == 0 { order = binaryOrder(a.feed, b.feed) }
        return order < 0
    }

    /// The row `rows` stands on (id, ends on, …, key, portal, feed in columns 0, 1, 4, 5, 6) as
    /// an item, when it could be among the first as they stand; it is made into `String`s only then.
    func candidate(_ rows: RawRows) -> Item? {
        guard limit > 0 else { return nil }
        if items.count == limit {
            // After the last kept item by its end or, on the same end, by its key: not kept (most
            // rows of a large ledger, many on the same end day), and no `String` made for it.
            let worst = items[limit - 1]
            let order = switch (rows.bytes(1), worst.ends) {
            case (nil, nil): 0
            case (nil, _): -1
            case (_, nil): 1
            case (let ends?, let last?): binaryOrder(ends, last)
            }
            if order > 0 { return nil }
            if order == 0, binaryOrder(rows.bytes(4) ?? UnsafeBufferPointer(start: nil, count: 0), worst.key) > 0 { return nil }
        }
        return Item(id: rows.int64(0), ends: rows.string(1), key: rows.string(4) ?? "", portal: rows.string(5) ?? "", feed: rows.string(6) ?? "")
    }

    /// Offers an item (one another reading kept). One alike a kept one replaces it when its id
    /// is greater (a later publication of the record on the feed), else is not kept.
    mutating func offer(_ item: Item) {
        guard limit > 0 else { return }
        if items.count == limit, Self.precedes(items[limit - 1], item) { return }  // after every kept one
        var low = 0, high = items.count
        while low < high {
            let middle = (low + high) / 2
            if Self.precedes(items[middle], item) { low = middle + 1 } else { high = middle }
        }
        if low < items.count, !Self.precedes(item, items[low]) {
            if item.id > items[low].id { items[low] = item }
            return
        }
        if items.count == limit {
            guard low < limit else { return }
            items.removeLast()
        }
        items.insert(item, at: low)
    }
}
