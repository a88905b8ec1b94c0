import HandOff
public import DisclosureCore
internal import GRDB
import Foundation

// The register of decisions: every decision that arrived, by kind and number, and its place on
// each portal; its publication there is read from the publications of its records (keys
// `number` or `number|…`).
extension Ledger: DecisionLedger {
    public func recordDecisions(
        _ sightings: [(sighting: DecisionSighting, portals: [DecisionPortal])], kind: String, pipeline: String?, run: Int64, today: String
    ) throws(LedgerError) {
        try preparing(decisions: sightings, kind: kind, pipeline: pipeline, run: run, today: today).write()
    }

    /// The register's rows packed on the caller's thread (``PackedRows``): each decision's upsert
    /// (statement 0) followed by its portal rows' (statement 1), so that the foreign key holds.
    public func preparing(
        decisions sightings: [(sighting: DecisionSighting, portals: [DecisionPortal])], kind: String, pipeline: String?, run: Int64,
        today: String
    ) -> any PreparedLedgerWrite {
        // Room for every row at once, from its texts' lengths (as ``packVersions``: 160 bytes a
        // decision were reserved, about 290 taken with one portal).
        var capacity = 0
        // Each decision taken out of its tuple once: every `sightings[index].sighting.…` read copied
        // the whole tuple (its texts, its exclusions and its portals retained and released again),
        // where reading a struct's field in place does not (counted: 9 million retains a first run
        // of 200,000 more when the portal rows were read so as well).
        for (sighting, portals) in sightings {
            capacity += 104 + kind.utf8.count + sighting.number.utf8.count + (pipeline?.utf8.count ?? 0) + sighting.file.utf8.count
            for portal in portals {
                capacity += 56 + kind.utf8.count + sighting.number.utf8.count + portal.portal.utf8.count + ((portal.exclusion ?? nil)?.utf8.count ?? 0)
            }
        }
        var rows = PackedRows(reservingCapacity: capacity)
        for (sighting, portals) in sightings {
            rows.row(0)
            rows.put(numberOf: kind)
            rows.put(sighting.number)
            rows.put(sighting.decisionDate)  // YYYY-MM-DD when it parses (the engine normalizes it)
            rows.put(pipeline)
            rows.put(run)
            rows.put(today)
            rows.put(sighting.valid)
            rows.put(numberOf: sighting.file)
            rows.put(sighting.row)
            for portal in portals {
                rows.row(1)
                rows.put(numberOf: kind)
                rows.put(sighting.number)
                rows.put(numberOf: portal.portal)
                rows.put(portal.dueOn)
                rows.put(portal.exclusion ?? nil)
                rows.put(portal.exclusion != nil)
            }
        }
        return DeferredLedgerWrite { [rows] () throws(LedgerError) in
            try self.writeWithKeysHeld { db in
                guard rows.count > 0 else { return }
                // The first sighting decides 合规率 (valid at first submission); once any version was
                // valid, the decision can be published.
                let decision = try BoundStatement(
                    db,
                    sql: """
                        INSERT INTO decision (kind_id, number, decision_date, pipeline, first_run, received_on, valid_at_first, valid, file, row)
                        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)
                        ON CONFLICT (kind_id, number) DO UPDATE SET
                            decision_date = CASE WHEN excluded.valid OR NOT decision.valid THEN coalesce(excluded.decision_date, decision.decision_date)
                                                 ELSE decision.decision_date END,
                            pipeline = coalesce(decision.pipeline, excluded.pipeline),
                            valid = max(decision.valid, excluded.valid),
                            file = excluded.file, row = excluded.row
                        """)
                let place = try BoundStatement(
                    db,
                    sql: """
                        INSERT INTO decision_portal (kind_id, number, portal_id, due_on, exclusion) VALUES (?1, ?2, ?3, ?4, ?5)
                        ON CONFLICT (kind_id, number, portal_id) DO UPDATE SET
                            due_on = coalesce(excluded.due_on, decision_portal.due_on),
                            exclusion = CASE WHEN ?6 THEN excluded.exclusion ELSE decision_portal.exclusion END
                        """)
                var texts = TextValues(db)
                try rows.run([decision, place], texts: &texts)
            }
        }
    }

    @discardableResult
    public func fillDueDates(scope: DecisionScope, _ due: (String, String) -> String?) throws(LedgerError) -> Int {
        try write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT dp.kind_id, dp.number, dp.portal_id, d.decision_date, \(TextValues.text(of: "dp.portal_id"))
                    FROM decision_portal dp JOIN decision d USING (kind_id, number)
                    WHERE dp.due_on IS NULL AND d.decision_date IS NOT NULL \(Self.scopeCondition(scope, alias: "dp", decision: "d"))
                    """,
                arguments: Self.scopeArguments(scope))
            var filled = 0
            for row in rows {
                guard let date: String = row[3], let portal: String = row[4], let dueOn = due(date, portal) else { continue }
                try db.execute(
                    sql: "UPDATE decision_portal SET due_on = ? WHERE kind_id = ? AND number = ? AND portal_id = ?",
                    arguments: [dueOn, row[0], row[1], row[2]])
                filled += 1
            }
            return filled
        }
    }

    public func forEachDecision(scope: DecisionScope, _ body: (DecisionDeadline) throws -> Void) throws(LedgerError) {
        try read { db in
            // A publication is the decision's when its key is the number, or starts with the number and
            // "|" (`publication.decision_number`, set when it is recorded; indexed). Two streams in the
            // same order are merged here: the register (decision × portal, in its key's order, which
            // is its storage order) and, per kind and portal, the decisions' publications summed in
            // `publication_by_decision`'s order (no sort, no temporary index). One joined query
            // built an automatic index over the materialized sums on every reckoning: 1.2–1.6 s of
            // SQLite's time for 200,000 decisions against 0.6 s for the two streams; a correlated
            // subquery per row was slower still. Both streams are in SQLite's BINARY order, which
            // is the order of the numbers' UTF-8 bytes, and are compared so.
            //
            // The register is read on a second connection and thread while this one sums the
            // publications and hands each row on (0.4 s and 0.6 s of a 200,000-decision re-run's
            // reckoning, one after the other before). It sees the same ledger: this connection's
            // read transaction holds SQLite's shared lock from its first read, so no writer can
            // commit until both are done; if a writer is already waiting to commit (the other
            // connection would have to wait for it, and it for this one), or the ledger is not in
            // rollback-journal mode (in WAL mode readers do not hold writers off), the register is
            // read here.
            //
            // Kinds and portals are numbers in `text_value` (v15), given in the order they were first
            // seen, while the register is answered in the order of their names (as the shared ledger
            // answers it): a scope of every kind is read one kind at a time, the kinds in their names'
            // order, and a decision's rows on several portals are put in their names' order where
            // they are read (``DecisionRows``; on the second connection's thread, which waits for
            // this one: buffering them here, a row copied in and out, was a seventh of this thread's
            // time in a re-run's reckoning).
            var kinds: [(id: Int64, name: String)] = []
            if scope.kind == nil {
                var names = TextNames(db)
                var next = try Int64.fetchOne(db, sql: "SELECT min(kind_id) FROM decision")
                while let id = next {  // each distinct kind one look-up of the key's first column
                    kinds.append((id, try names.text(id)))
                    next = try Int64.fetchOne(db, sql: "SELECT min(kind_id) FROM decision WHERE kind_id > ?", arguments: [id])
                }
                kinds.sort { binaryOrder($0.name, $1.name) < 0 }
            }
            let readings: [Int64?] = scope.kind == nil ? kinds.map(\.id) : [nil]  // nil: the scope's one kind
            for kind in readings {
                let query = RegisterQuery(scope: scope, kindID: kind)
                var rows: any RegisterRows
                if let reader = try RegisterReader(path: path, query: query, alongside: db) {
                    rows = reader
                } else {
                    rows = InlineRegisterRows(try RegisterJoin(db, query), names: TextNames(db))
                }
                defer { rows.stop() }
                var streams: [PublicationStream] = []  // one per kind and portal: a handful, looked for in turn
                while var row = try rows.next() {
                    let stream: Int
                    if let index = streams.firstIndex(where: { $0.kind == row.kindID && $0.portal == row.portalID }) {
                        stream = index
                    } else {
                        streams.append(try PublicationStream(db, kind: row.kindID, portal: row.portalID, number: scope.number))
                        stream = streams.count - 1
                    }
                    // The row's deadline as the reading made it, its publications' sums filled in here
                    // (made here from the row's columns, each of its texts was retained once more and
                    // released with the row: a twentieth of this thread's time in a re-run).
                    if let summed = try streams[stream].sums(of: row.deadline.number) { row.deadline.take(summed) }
                    try body(row.deadline)
                }
            }
        }
    }

    public func revokedDecisions(kind: String, pipeline: String?) throws(LedgerError) -> [String: String] {
        try read { db in
            // (No index: a scan of the register, read once a run; revocations are few.)
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT number, revoked_on FROM decision WHERE kind_id = \(TextValues.number(of: "?1")) AND revoked_on IS NOT NULL
                    AND (?2 IS NULL OR pipeline = ?2 OR pipeline IS NULL)
                    """,
                arguments: [kind, pipeline])
            return Dictionary(rows.map { ($0[0] as String, $0[1] as String) }, uniquingKeysWith: min)
        }
    }

    public func fullWidthNumbers(kind: String?, pipeline: String?) throws(LedgerError) -> [(kind: String, number: String)] {
        try read { db in
            // GLOB compares a range's characters by code point (UTF-8 read as characters): ＿ and ［
            // (between Ｚ and ａ) are not taken. No index serves it: a scan, once a run.
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(TextValues.text(of: "kind_id")), number FROM decision
                    WHERE (?1 IS NULL OR kind_id = \(TextValues.number(of: "?1")))
                    AND (?2 IS NULL OR pipeline = ?2 OR pipeline IS NULL)
                    AND number GLOB '*[０-９Ａ-Ｚａ-ｚ]*'
                    """,
                arguments: [kind, pipeline])
            return rows.map { (kind: $0[0] as String, number: $0[1] as String) }.sorted { ($0.kind, $0.number) < ($1.kind, $1.number) }
        }
    }

    @discardableResult
    public func recordRevocation(kind: String, number: String, revokedOn: String, withdrawBy: [String: String?]) throws(LedgerError) -> Bool {
        try write { db in
            try db.execute(
                sql: "UPDATE decision SET revoked_on = coalesce(revoked_on, ?) WHERE kind_id = \(TextValues.number(of: "?")) AND number = ?",
                arguments: [revokedOn, kind, number])
            guard db.changesCount == 1 else { return false }
            for (portal, due) in withdrawBy {
                try db.execute(
                    sql: """
                        UPDATE decision_portal SET withdraw_due_on = coalesce(withdraw_due_on, ?)
                        WHERE kind_id = \(TextValues.number(of: "?")) AND number = ? AND portal_id = \(TextValues.number(of: "?"))
                        """,
                    arguments: [due, kind, number, portal])
            }
            return true
        }
    }

    /// `AND …` narrowing to a scope; its arguments are ``scopeArguments(_:)``, named.
    static func scopeCondition(_ scope: DecisionScope, alias: String, decision: String) -> String {
        var parts: [String] = []
        if scope.kind != nil { parts.append("\(alias).kind_id = \(TextValues.number(of: ":kind"))") }
        if let portals = scope.portals {
            parts.append("\(alias).portal_id IN (\(portals.indices.map { TextValues.number(of: ":portal\($0)") }.joined(separator: ", ")))")
            if portals.isEmpty { parts.append("0") }
        }
        if scope.pipeline != nil { parts.append("(\(decision).pipeline = :pipeline OR \(decision).pipeline IS NULL)") }
        if scope.department != nil { parts.append("\(decision).pipeline IN (SELECT pipeline FROM run WHERE department = :department)") }
        if scope.number != nil { parts.append("\(alias).number = :number") }
        return parts.map { " AND " + $0 }.joined()
    }

    static func scopeArguments(_ scope: DecisionScope) -> StatementArguments {
        var arguments: [String: (any DatabaseValueConvertible)?] = [:]
        if let kind = scope.kind { arguments["kind"] = kind }
        for (index, portal) in (scope.portals ?? []).enumerated() { arguments["portal\(index)"] = portal }
        if let pipeline = scope.pipeline { arguments["pipeline"] = pipeline }
        if let department = scope.department { arguments["department"] = department }
        if let number = scope.number { arguments["number"] = number }
        return StatementArguments(arguments)
    }
}

/// One kind's publications on one portal, summed per decision in the decision numbers' order,
/// read forward as the register asks for numbers in the same order.
///
/// The rows are read as they are from `publication_by_decision` (number, status, date: the index
/// alone, in its order) and summed here, a cell's bytes compared in place. SQLite's own `GROUP BY`
/// with the four aggregates took 0.17–0.26 s for 196,000 publications in the `sqlite3` shell,
/// against 0.04–0.06 s for reading the same rows plainly; the sums were the longest part of the
/// re-run's reckoning on the caller's thread.
private struct PublicationStream {
    let kind: Int64  // numbers in `text_value`
    let portal: Int64
    private let rows: RawRows
    private var onRow = false  // the statement stands on a row not yet summed
    private var ended = false

    init(_ db: Database, kind: Int64, portal: Int64, number: String?) throws {
        self.kind = kind
        self.portal = portal
        rows = try RawRows(
            db,
            sql: """
                SELECT decision_number, status_code, published_on,
                    status_code = 5 AND EXISTS (SELECT 1 FROM withdrawal w WHERE w.publication_id = publication.id AND w.reason = ?)
                FROM publication
                WHERE kind_id = ? AND portal_id = ? AND decision_number IS NOT NULL\(number == nil ? "" : " AND decision_number = ?")
                ORDER BY decision_number
                """,
            arguments: StatementArguments(
                [PublicationSums.correctionReason, kind, portal] as [any DatabaseValueConvertible] + (number.map { [$0] } ?? [])))
    }

    /// Moves to the next row unless the statement stands on one; false at the end.
    private mutating func onNextRow() throws -> Bool {
        if onRow { return true }
        if ended { return false }
        guard try rows.step() else {
            ended = true
            return false
        }
        onRow = true
        return true
    }

    /// The sums of `number`'s publications, if it has any. Numbers must be asked for in
    /// ascending order (the register's); each row's number is compared in place.
    mutating func sums(of number: String) throws -> PublicationSums? {
        while try onNextRow() {
            let order = rows.order(0, number)
            if order > 0 { return nil }
            if order < 0 {
                onRow = false  // a decision not in the register's scope
                continue
            }
            // The rows of `number`: what SQLite's min(published_on of published or withdrawn)
            // and max(status = …) gave.
            var sums = PublicationSums()
            repeat {
                onRow = false
                let status: PublicationStatus? = rows.isNull(1) ? nil : PublicationCode.status(rows.int64(1))
                switch status {
                case .withdrawn? where rows.int64(3) != 0:
                    // Taken down for 更正: summed apart (``PublicationSums/publishedOn``).
                    if let date = rows.bytes(2), sums.firstCorrected.map({ binaryOrder(date, $0) < 0 }) ?? true {
                        sums.firstCorrected = String(decoding: date, as: UTF8.self)
                    }
                case .published?, .withdrawn?:
                    if status == .withdrawn { sums.withdrawn = true } else { sums.shown = true }
                    if let date = rows.bytes(2), sums.firstPublished.map({ binaryOrder(date, $0) < 0 }) ?? true {
                        sums.firstPublished = String(decoding: date, as: UTF8.self)
                    }
                case .pending?: sums.pending = true
                case .rejected?: sums.rejected = true
                case .failed?, nil: break
                }
            } while try onNextRow() && rows.order(0, number) == 0
            return sums
        }
        return nil
    }
}

/// One row of the register as `forEachDecision` reads it: its deadline, but for what its
/// publications say (``DecisionDeadline/publishedOn`` and the rest: not yet, none), and the
/// numbers of its kind and portal.
struct RegisterRow: Sendable {
    let kindID: Int64
    let portalID: Int64
    var deadline: DecisionDeadline

    /// The row the join stands on (a decision and one of its portal rows); `pipeline` is the
    /// previous row's `String` when its bytes are the same, and the kind's and portal's names are
    /// the `names`' own.
    init(_ join: RegisterJoin, previousPipeline: String?, names: inout TextNames) throws {
        let (decision, place) = (join.decisions, join.places)
        kindID = place.int64(0)
        portalID = place.int64(2)
        // Made whole in one initializer: made and then set, the row was copied and the first
        // destroyed again for the two fields (every row of the register, on every reckoning). One
        // copy into its place remains, which an `@inlinable` initializer did not take away.
        deadline = DecisionDeadline(
            kind: try names.text(kindID), number: place.string(1) ?? "", portal: try names.text(portalID),
            pipeline: decision.isNull(2) ? nil : previousPipeline.flatMap { decision.order(2, $0) == 0 ? $0 : nil } ?? decision.string(2),
            decisionDate: decision.string(3), dueOn: place.string(3), publishedOn: nil, staged: false, withdrawn: false,
            valid: decision.bool(4), validAtFirst: decision.bool(5), exclusion: place.string(4), receivedOn: decision.string(6) ?? "",
            revokedOn: decision.string(7), withdrawDueOn: place.string(5))
    }
}

/// The register's rows in order, wherever they are read.
protocol RegisterRows {
    mutating func next() throws -> RegisterRow?
    /// Stops reading (the caller is done, or failed).
    func stop()
}

/// One decision's rows (consecutive in the register, one per portal) handed on in the order of
/// their portals' names: the register is read in its key's order, and portals are numbered in the
/// order they were first seen (v15).
struct DecisionRows {
    private var rows: [RegisterRow] = []  // the current decision's

    /// Adds the next row of the register; when it starts another decision, first hands on the
    /// rows of the one before. False when `handOn` is (the reading stops).
    mutating func add(_ row: consuming RegisterRow, _ handOn: (consuming RegisterRow) throws -> Bool) rethrows -> Bool {
        // (The last row read where it lies: `rows.last` copied it whole, a dozen texts retained
        // and released for every row of the register.)
        if let last = rows.indices.last,
            rows[last].kindID != row.kindID || binaryOrder(rows[last].deadline.number, row.deadline.number) != 0
        {
            guard try finish(handOn) else { return false }
        }
        rows.append(row)
        return true
    }

    /// Hands on the rows held.
    mutating func finish(_ handOn: (consuming RegisterRow) throws -> Bool) rethrows -> Bool {
        if rows.count > 1 { rows.sort { binaryOrder($0.deadline.portal, $1.deadline.portal) > 0 } }  // last first
        defer { rows.removeAll(keepingCapacity: true) }
        while let row = rows.popLast() {  // moved out, not copied
            guard try handOn(row) else { return false }
        }
        return true
    }
}

/// Read on the caller's connection, as it goes.
struct InlineRegisterRows: RegisterRows {
    var rows: RegisterJoin
    var names: TextNames
    var previous: String?
    var decision = DecisionRows()
    var ready: [RegisterRow] = []  // in order, last first
    var ended = false
    init(_ rows: RegisterJoin, names: TextNames) {
        self.rows = rows
        self.names = names
    }
    mutating func next() throws -> RegisterRow? {
        while ready.isEmpty && !ended {
            if try rows.step() {
                let row = try RegisterRow(rows, previousPipeline: previous, names: &names)
                previous = row.deadline.pipeline
                _ = decision.add(row) { ready.append($0); return true }
            } else {
                ended = true
                _ = decision.finish { ready.append($0); return true }
            }
            ready.withUnsafeMutableBufferPointer { $0.reverse() }  // taken last first; moved, not copied (as ``ReversedChunks``)
        }
        return ready.popLast()
    }
    func stop() {}
}

/// Read on a connection of its own, on a thread of its own (``Alongside``), a chunk at a time
/// through a short queue (at most `depth` chunks wait: memory does not grow with the register).
///
/// A chunk is handed over last row first, and its rows are taken with `popLast`, moved out
/// rather than copied: a row holds nine texts, and copying each row out of its chunk and
/// destroying the chunk's copy was a fifth of a re-run's reckoning on the caller's thread.
final class RegisterReader: RegisterRows {
    private let chunks: ChunkQueue<RegisterRow>
    private let job: Alongside<Void>
    private var current: [RegisterRow] = []  // last row first
    static let chunk = 2048

    /// Nil when the register cannot be read alongside `db` (then the caller reads it).
    init?(path: String, query: RegisterQuery, alongside db: Database) throws {
        let chunks = ChunkQueue<RegisterRow>(depth: 4)
        guard
            let job = try Alongside<Void>(path: path, alongside: db, { db in
                defer { chunks.finish() }
                var rows = try RegisterJoin(db, query)
                var filling = ReversedChunks(into: chunks, size: Self.chunk)
                var names = TextNames(db)
                var previous: String?
                var decision = DecisionRows()
                while try rows.step() {
                    let row = try RegisterRow(rows, previousPipeline: previous, names: &names)
                    previous = row.deadline.pipeline
                    guard decision.add(row, { filling.add($0) }) else { return }
                }
                guard decision.finish({ filling.add($0) }) else { return }
                filling.handOver()
            })
        else { return nil }
        self.chunks = chunks
        self.job = job
    }

    func next() throws -> RegisterRow? {
        if current.isEmpty {
            guard let chunk = chunks.take() else {
                try job.value()  // the reading's error, if it ended in one
                return nil
            }
            current = chunk
        }
        return current.popLast()
    }

    func stop() { chunks.stop() }
}


/// The two questions the register is read by: the decisions in the scope, and their portal rows
/// in the scope, each in its table's key order (kind, number; then portal).
struct RegisterQuery: Sendable {
    let decisions: (sql: String, arguments: StatementArguments)
    let places: (sql: String, arguments: StatementArguments)

    /// - Parameter kindID: the kind read (nil: the scope's one kind).
    init(scope: DecisionScope, kindID: Int64?) {
        // The decision's own conditions (pipeline, department) on the decisions; the portals on
        // their rows; the kind and the number on both.
        var forDecisions = scope
        forDecisions.portals = nil
        var forPlaces = scope
        forPlaces.pipeline = nil
        forPlaces.department = nil
        func arguments(_ scope: DecisionScope) -> StatementArguments {
            var arguments = Ledger.scopeArguments(scope)
            if let kindID { arguments += ["kindID": kindID] }
            return arguments
        }
        let kind = kindID == nil ? "" : " AND kind_id = :kindID"
        decisions = (
            """
            SELECT d.kind_id, d.number, d.pipeline, d.decision_date, d.valid, d.valid_at_first, d.received_on, d.revoked_on
            FROM decision d WHERE 1 \(Ledger.scopeCondition(forDecisions, alias: "d", decision: "d"))\(kind)
            ORDER BY d.kind_id, d.number
            """, arguments(forDecisions))
        places = (
            """
            SELECT dp.kind_id, dp.number, dp.portal_id, dp.due_on, dp.exclusion, dp.withdraw_due_on
            FROM decision_portal dp WHERE 1 \(Ledger.scopeCondition(forPlaces, alias: "dp", decision: "dp"))\(kind)
            ORDER BY dp.kind_id, dp.number, dp.portal_id
            """, arguments(forPlaces))
    }
}

/// The register's rows (decision × portal) as two scans in the same order merged here, each
/// portal row with its decision: a portal row whose decision is not in the scope is passed over.
/// Joined by SQLite, each portal row looked its decision up by its text key: the `sqlite3`
/// shell read the run's 200,000 joined rows in 0.48–0.49 s of CPU, the two scans in 0.39–0.41 s.
/// Both scans are in SQLite's BINARY order of the numbers, the order of their UTF-8 bytes.
struct RegisterJoin {
    let decisions: RawRows
    let places: RawRows
    private var decisionOn: Bool

    init(_ db: Database, _ query: RegisterQuery) throws {
        decisions = try RawRows(db, sql: query.decisions.sql, arguments: query.decisions.arguments)
        places = try RawRows(db, sql: query.places.sql, arguments: query.places.arguments)
        decisionOn = try decisions.step()
    }

    /// Moves to the next portal row that has its decision; false at the end (both scans reset).
    mutating func step() throws -> Bool {
        while try places.step() {
            var order = decisionOn ? Self.order(decisions, places) : 1
            while order < 0 {
                decisionOn = try decisions.step()
                order = decisionOn ? Self.order(decisions, places) : 1
            }
            if order == 0 { return true }
        }
        if decisionOn { decisions.reset() }
        decisionOn = false
        return false
    }

    /// The order of the decision's key and the portal row's (kind, then the number's bytes).
    private static func order(_ decision: RawRows, _ place: RawRows) -> Int {
        let (left, right) = (decision.int64(0), place.int64(0))
        if left != right { return left < right ? -1 : 1 }
        return binaryOrder(decision.bytes(1), place.bytes(1))
    }
}
