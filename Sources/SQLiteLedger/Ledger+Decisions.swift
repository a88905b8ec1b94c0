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
            let decision = try db.makeStatement(
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
            let place = try db.makeStatement(
                sql: """
                    INSERT INTO decision_portal (kind, number, portal, due_on, exclusion) VALUES (?1, ?2, ?3, ?4, ?5)
                    ON CONFLICT (kind, number, portal) DO UPDATE SET
                        due_on = coalesce(excluded.due_on, decision_portal.due_on),
                        exclusion = CASE WHEN ?6 THEN excluded.exclusion ELSE decision_portal.exclusion END
                    """)
            for (sighting, portals) in sightings {
                let date = sighting.decisionDate  // YYYY-MM-DD when it parses (the engine normalizes it)
                try decision.execute(arguments: [
                    kind, sighting.number, date, pipeline, run, today, sighting.valid ? 1 : 0, sighting.file, sighting.row,
                ])
                for portal in portals {
                    let sets = portal.exclusion != nil
                    try place.execute(arguments: [kind, sighting.number, portal.portal, portal.dueOn, portal.exclusion ?? nil, sets])
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
            // "|" (`publication.decision_number`, set when it is recorded; indexed). Its publications
            // are summed once per decision and portal in one pass over that index (four correlated
            // subqueries per row read the register 25% slower).
            // The publications are narrowed by the same kind and portals (the pipeline is the decision's).
            let narrow = Self.scopeCondition(DecisionScope(kind: scope.kind, portals: scope.portals), alias: "publication", decision: "")
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT d.kind, d.number, dp.portal, d.pipeline, d.decision_date, dp.due_on, p.first_published,
                        coalesce(p.pending, 0), coalesce(p.withdrawn, 0),
                        d.valid, d.valid_at_first, dp.exclusion, d.received_on, d.revoked_on, dp.withdraw_due_on,
                        coalesce(p.rejected, 0)
                    FROM decision d JOIN decision_portal dp USING (kind, number)
                    LEFT JOIN (
                        SELECT kind, portal, decision_number,
                            min(CASE WHEN status IN ('published', 'withdrawn') THEN published_on END) AS first_published,
                            max(status = 'pending') AS pending, max(status = 'withdrawn') AS withdrawn, max(status = 'rejected') AS rejected
                        FROM publication WHERE decision_number IS NOT NULL\(narrow)
                        GROUP BY kind, portal, decision_number
                    ) p ON p.kind = d.kind AND p.portal = dp.portal AND p.decision_number = d.number
                    WHERE 1 \(Self.scopeCondition(scope, alias: "dp", decision: "d"))
                    ORDER BY dp.kind, dp.number, dp.portal
                    """,
                arguments: Self.scopeArguments(scope))
            // (Ordered by decision_portal's own key, which is its storage order: no sort.)
            while let row = try cursor.next() {
                var deadline = DecisionDeadline(
                    kind: row[0], number: row[1], portal: row[2], pipeline: row[3], decisionDate: row[4], dueOn: row[5],
                    publishedOn: row[6], staged: row[7], withdrawn: row[8], valid: row[9], validAtFirst: row[10], exclusion: row[11],
                    receivedOn: row[12])
                deadline.revokedOn = row[13]
                deadline.withdrawDueOn = row[14]
                deadline.rejected = row[15]
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
