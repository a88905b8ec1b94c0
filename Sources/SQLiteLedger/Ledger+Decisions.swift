public import DisclosureCore
internal import GRDB

// The register of decisions: every decision that arrived, by kind and number, and its place on
// each portal; its publication there is read from the publications of its records (keys
// `number` or `number|…`).
extension Ledger: DecisionLedger {
    public func recordDecisions(
        _ sightings: [(sighting: DecisionSighting, portals: [DecisionPortal])], kind: String, pipeline: String?, run: Int64, today: String
    ) throws(LedgerError) {
        try write { db in
            // The first sighting decides 合规率 (valid at first submission); once any version was
            // valid, the decision can be published.
            let decision = try BoundStatement(
                db,
                sql: """
                    INSERT INTO decision (kind, number, decision_date, pipeline, first_run, received_on, valid_at_first, valid, file, row)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)
                    ON CONFLICT (kind, number) DO UPDATE SET
                        decision_date = CASE WHEN excluded.valid OR NOT decision.valid THEN coalesce(excluded.decision_date, decision.decision_date)
                                             ELSE decision.decision_date END,
                        pipeline = coalesce(decision.pipeline, excluded.pipeline),
                        valid = max(decision.valid, excluded.valid),
                        file = excluded.file, row = excluded.row
                    """)
            let place = try BoundStatement(
                db,
                sql: """
                    INSERT INTO decision_portal (kind, number, portal, due_on, exclusion) VALUES (?1, ?2, ?3, ?4, ?5)
                    ON CONFLICT (kind, number, portal) DO UPDATE SET
                        due_on = coalesce(excluded.due_on, decision_portal.due_on),
                        exclusion = CASE WHEN ?6 THEN excluded.exclusion ELSE decision_portal.exclusion END
                    """)
            for (sighting, portals) in sightings {
                let date = sighting.decisionDate  // YYYY-MM-DD when it parses (the engine normalizes it)
                try decision.run(kind, sighting.number, date, pipeline, run, today, sighting.valid, sighting.file, sighting.row)
                for portal in portals {
                    try place.run(kind, sighting.number, portal.portal, portal.dueOn, portal.exclusion ?? nil, portal.exclusion != nil)
                }
            }
        }
    }

    @discardableResult
    public func fillDueDates(scope: DecisionScope, _ due: (String, String) -> String?) throws(LedgerError) -> Int {
        try write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT dp.kind, dp.number, dp.portal, d.decision_date FROM decision_portal dp JOIN decision d USING (kind, number)
                    WHERE dp.due_on IS NULL AND d.decision_date IS NOT NULL \(Self.scopeCondition(scope, alias: "dp", decision: "d"))
                    """,
                arguments: Self.scopeArguments(scope))
            var filled = 0
            for row in rows {
                guard let date: String = row[3], let dueOn = due(date, row[2]) else { continue }
                try db.execute(
                    sql: "UPDATE decision_portal SET due_on = ? WHERE kind = ? AND number = ? AND portal = ?",
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
            let register = try Row.fetchCursor(
                db,
                sql: """
                    SELECT d.kind, d.number, dp.portal, d.pipeline, d.decision_date, dp.due_on,
                        d.valid, d.valid_at_first, dp.exclusion, d.received_on, d.revoked_on, dp.withdraw_due_on
                    FROM decision d JOIN decision_portal dp USING (kind, number)
                    WHERE 1 \(Self.scopeCondition(scope, alias: "dp", decision: "d"))
                    ORDER BY dp.kind, dp.number, dp.portal
                    """,
                arguments: Self.scopeArguments(scope))
            var streams: [PublicationSums] = []  // one per kind and portal: a handful, looked for in turn
            while let row = try register.next() {
                let kind: String = row[0], number: String = row[1], portal: String = row[2]
                let stream: Int
                if let index = streams.firstIndex(where: { $0.kind == kind && $0.portal == portal }) {
                    stream = index
                } else {
                    streams.append(try PublicationSums(db, kind: kind, portal: portal, number: scope.number))
                    stream = streams.count - 1
                }
                let summed = try streams[stream].sums(of: number)
                var deadline = DecisionDeadline(
                    kind: kind, number: number, portal: portal, pipeline: row[3], decisionDate: row[4], dueOn: row[5],
                    publishedOn: summed?.firstPublished, staged: summed?.pending ?? false, withdrawn: summed?.withdrawn ?? false,
                    valid: row[6], validAtFirst: row[7], exclusion: row[8], receivedOn: row[9])
                deadline.revokedOn = row[10]
                deadline.withdrawDueOn = row[11]
                deadline.rejected = summed?.rejected ?? false
                try body(deadline)
            }
        }
    }

    @discardableResult
    public func recordRevocation(kind: String, number: String, revokedOn: String, withdrawBy: [String: String?]) throws(LedgerError) -> Bool {
        try write { db in
            try db.execute(
                sql: "UPDATE decision SET revoked_on = coalesce(revoked_on, ?) WHERE kind = ? AND number = ?", arguments: [revokedOn, kind, number])
            guard db.changesCount == 1 else { return false }
            for (portal, due) in withdrawBy {
                try db.execute(
                    sql: "UPDATE decision_portal SET withdraw_due_on = coalesce(withdraw_due_on, ?) WHERE kind = ? AND number = ? AND portal = ?",
                    arguments: [due, kind, number, portal])
            }
            return true
        }
    }

    /// `AND …` narrowing to a scope; its arguments are ``scopeArguments(_:)``, named.
    static func scopeCondition(_ scope: DecisionScope, alias: String, decision: String) -> String {
        var parts: [String] = []
        if scope.kind != nil { parts.append("\(alias).kind = :kind") }
        if let portals = scope.portals {
            parts.append("\(alias).portal IN (\(portals.indices.map { ":portal\($0)" }.joined(separator: ", ")))")
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
private struct PublicationSums {
    struct Sums {
        let number: String
        let firstPublished: String?
        let pending: Bool
        let withdrawn: Bool
        let rejected: Bool
    }

    let kind: String
    let portal: String
    private let cursor: RowCursor
    private var head: Sums?
    private var ended = false

    init(_ db: Database, kind: String, portal: String, number: String?) throws {
        self.kind = kind
        self.portal = portal
        cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT decision_number,
                    min(CASE WHEN status IN ('published', 'withdrawn') THEN published_on END),
                    max(status = 'pending'), max(status = 'withdrawn'), max(status = 'rejected')
                FROM publication
                WHERE kind = ? AND portal = ? AND decision_number IS NOT NULL\(number == nil ? "" : " AND decision_number = ?")
                GROUP BY decision_number ORDER BY decision_number
                """,
            arguments: StatementArguments([kind, portal] + (number.map { [$0] } ?? [])))
    }

    /// The sums of `number`'s publications, if it has any. Numbers must be asked for in
    /// ascending order (the register's).
    mutating func sums(of number: String) throws -> Sums? {
        while true {
            if head == nil {
                if ended { return nil }
                guard let row = try cursor.next() else {
                    ended = true
                    return nil
                }
                head = Sums(number: row[0], firstPublished: row[1], pending: row[2], withdrawn: row[3], rejected: row[4])
            }
            let current = head!
            if current.number.utf8.lexicographicallyPrecedes(number.utf8) {
                head = nil  // a decision not in the register's scope
                continue
            }
            return current.number.utf8.elementsEqual(number.utf8) ? current : nil
        }
    }
}
