public import DisclosureCore
internal import PostgresNIO

// The register of decisions: every decision that arrived, by kind and number, and its place on
// each portal (as `SQLiteLedger`'s Ledger+Decisions).
extension PostgresLedger: DecisionLedger {
    public func recordDecisions(
        _ sightings: [(sighting: DecisionSighting, portals: [DecisionPortal])], kind: String, pipeline: String?, run: Int64, today: String
    ) throws(LedgerError) {
        try write { link in
            // The first sighting decides 合规率 (valid at first submission); once any version was
            // valid, the decision can be published.
            grew("decision", by: sightings.count)
            for chunk in Self.chunks(sightings, key: { $0.sighting.number }) {
                let decisions = chunk.map(\.sighting)
                try link.execute(
                    """
                    INSERT INTO decision (kind, number, decision_date, pipeline, first_run, received_on, valid_at_first, valid, file, "row")
                    SELECT $1, n, d, $2, $3, $4, v, v, f, r
                    FROM unnest($5::text[], $6::text[], $7::integer[], $8::text[], $9::integer[]) WITH ORDINALITY AS u(n, d, v, f, r, ord)
                    ORDER BY ord
                    ON CONFLICT (kind, number) DO UPDATE SET
                        decision_date = CASE WHEN excluded.valid = 1 OR decision.valid = 0
                                             THEN coalesce(excluded.decision_date, decision.decision_date) ELSE decision.decision_date END,
                        pipeline = coalesce(decision.pipeline, excluded.pipeline),
                        valid = greatest(decision.valid, excluded.valid),
                        file = excluded.file, "row" = excluded."row"
                    """,
                    [
                        .text(kind), .text(pipeline), .int(Int(run)), .text(today), .column(decisions.map(\.number)),
                        .column(decisions.map(\.decisionDate)), .ints(decisions.map { $0.valid ? 1 : 0 }), .column(decisions.map(\.file)),
                        .ints(decisions.map(\.row)),
                    ])
            }
            // Its place on each portal: a due date once known is kept; the exclusion is set (or
            // cleared) only when the sighting says something about it.
            let places = sightings.flatMap { entry in entry.portals.map { (entry.sighting.number, $0) } }
            grew("decision_portal", by: places.count)
            for chunk in Self.chunks(places, key: { $0.0 + "\u{1}" + $0.1.portal }) {
                for setsExclusion in [true, false] {
                    let part = chunk.filter { ($0.1.exclusion != nil) == setsExclusion }
                    if part.isEmpty { continue }
                    try link.execute(
                        """
                        INSERT INTO decision_portal (kind, number, portal, due_on, exclusion)
                        SELECT $1, n, p, d, e FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS u(n, p, d, e)
                        ON CONFLICT (kind, number, portal) DO UPDATE SET
                            due_on = coalesce(excluded.due_on, decision_portal.due_on),
                            exclusion = \(setsExclusion ? "excluded.exclusion" : "decision_portal.exclusion")
                        """,
                        [
                            .text(kind), .column(part.map(\.0)), .column(part.map(\.1.portal)), .column(part.map(\.1.dueOn)),
                            .column(part.map { $0.1.exclusion ?? nil }),
                        ])
                }
            }
        }
    }

    @discardableResult
    public func fillDueDates(scope: DecisionScope, _ due: (String, String) -> String?) throws(LedgerError) -> Int {
        try write { link in
            var arguments = Arguments()
            let condition = Self.scopeCondition(scope, alias: "dp", decision: "d", &arguments)
            var filled: [(String, String, String, String)] = []
            for row in try link.rows(
                """
                SELECT dp.kind, dp.number, dp.portal, d.decision_date FROM decision_portal dp JOIN decision d USING (kind, number)
                WHERE dp.due_on IS NULL AND d.decision_date IS NOT NULL \(condition)
                """, arguments.values)
            {
                guard let date = row.text(3), let dueOn = due(date, row.string(2)) else { continue }
                filled.append((row.string(0), row.string(1), row.string(2), dueOn))
            }
            for chunk in Self.chunks(filled) {
                try link.execute(
                    """
                    UPDATE decision_portal dp SET due_on = u.due FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(k, n, p, due)
                    WHERE dp.kind = u.k AND dp.number = u.n AND dp.portal = u.p
                    """, [.column(chunk.map(\.0)), .column(chunk.map(\.1)), .column(chunk.map(\.2)), .column(chunk.map(\.3))])
            }
            return filled.count
        }
    }

    public func forEachDecision(scope: DecisionScope, _ body: (DecisionDeadline) throws -> Void) throws(LedgerError) {
        try read { link in
            // Two streams in the same order, merged here (as the SQLite ledger reads its register):
            // the register (decision × portal, in its key's order) and, per kind and portal, the
            // decisions' publications summed in `publication_by_decision`'s order. Both are in
            // "C" order, the order of the texts' UTF-8 bytes, and are compared so. The register
            // joined to the sums in one query was hashed, sorted on disk and compiled (JIT):
            // 0.94 s of the server's time for 200,000 decisions, against 0.31 s and 0.11 s for
            // the two streams, the first merged from the two tables' keys.
            try link.execute("SET LOCAL jit = off")  // compiling a plan took 0.12 s of those 0.94
            try link.execute("SET LOCAL enable_hashjoin = off")  // a hash join must sort the register again
            var arguments = Arguments()
            let condition = Self.scopeCondition(scope, alias: "dp", decision: "d", &arguments)
            var register = try Cursor(
                link, name: "gongshi_register",
                sql: """
                    SELECT ARRAY[d.kind, d.number, dp.portal, d.pipeline, d.decision_date, dp.due_on,
                        d.valid::text, d.valid_at_first::text, dp.exclusion, d.received_on, d.revoked_on, dp.withdraw_due_on]
                    FROM decision d JOIN decision_portal dp USING (kind, number)
                    WHERE true \(condition)
                    ORDER BY dp.kind, dp.number, dp.portal
                    """, arguments.values)
            var streams: [PublicationStream] = []  // one per kind and portal: a handful, looked for in turn
            while let row = try register.nextRow() {
                var cells = try PackedFields(row)
                var deadline = DecisionDeadline(
                    kind: cells.string(), number: cells.string(), portal: cells.string(), pipeline: cells.text(), decisionDate: cells.text(),
                    dueOn: cells.text(), publishedOn: nil, staged: false, withdrawn: false, valid: cells.bool(),
                    validAtFirst: cells.bool(), exclusion: cells.text(), receivedOn: cells.string(), revokedOn: cells.text(),
                    withdrawDueOn: cells.text())
                let stream: Int
                if let index = streams.firstIndex(where: { $0.kind == deadline.kind && $0.portal == deadline.portal }) {
                    stream = index
                } else {
                    streams.append(
                        try PublicationStream(link, cursor: "gongshi_sums_\(streams.count)", kind: deadline.kind, portal: deadline.portal, number: scope.number))
                    stream = streams.count - 1
                }
                if let sums = try streams[stream].sums(of: deadline.number) { deadline.take(sums) }
                try body(deadline)
            }
        }
    }

    @discardableResult
    public func revokedDecisions(kind: String, pipeline: String?) throws(LedgerError) -> [String: String] {
        try read { link in
            var revoked: [String: String] = [:]
            var sql = "SELECT number, revoked_on FROM decision WHERE kind = $1 AND revoked_on IS NOT NULL"
            var values: [Value] = [.text(kind)]
            if let pipeline {
                sql += " AND (pipeline = $2 OR pipeline IS NULL)"
                values.append(.text(pipeline))
            }
            for row in try link.rows(sql, values) {
                if let day = row.text(1) { revoked[row.string(0)] = day }
            }
            return revoked
        }
    }

    public func fullWidthNumbers(kind: String?, pipeline: String?) throws(LedgerError) -> [(kind: String, number: String)] {
        try read { link in
            // A bracket's range is by code point in PostgreSQL's regular expressions (not by collation).
            var sql = "SELECT kind, number FROM decision WHERE number ~ '[０-９Ａ-Ｚａ-ｚ]'"
            var values: [Value] = []
            if let kind {
                values.append(.text(kind))
                sql += " AND kind = $\(values.count)"
            }
            if let pipeline {
                values.append(.text(pipeline))
                sql += " AND (pipeline = $\(values.count) OR pipeline IS NULL)"
            }
            return try link.rows(sql, values).map { (kind: $0.string(0), number: $0.string(1)) }
                .sorted { ($0.kind, $0.number) < ($1.kind, $1.number) }
        }
    }

    public func recordRevocation(kind: String, number: String, revokedOn: String, withdrawBy: [String: String?]) throws(LedgerError) -> Bool {
        try write { link in
            guard try link.execute(
                "UPDATE decision SET revoked_on = coalesce(revoked_on, $1) WHERE kind = $2 AND number = $3",
                [.text(revokedOn), .text(kind), .text(number)]) == 1
            else { return false }
            for (portal, due) in withdrawBy.sorted(by: { $0.key < $1.key }) {
                try link.execute(
                    "UPDATE decision_portal SET withdraw_due_on = coalesce(withdraw_due_on, $1) WHERE kind = $2 AND number = $3 AND portal = $4",
                    [.text(due), .text(kind), .text(number), .text(portal)])
            }
            return true
        }
    }

    /// `AND …` narrowing to a scope, its values added to `arguments`.
    static func scopeCondition(_ scope: DecisionScope, alias: String, decision: String, _ arguments: inout Arguments) -> String {
        var parts: [String] = []
        if let kind = scope.kind { parts.append("\(alias).kind = \(arguments.add(.text(kind)))") }
        if let portals = scope.portals { parts.append("\(alias).portal = ANY(\(arguments.add(.column(portals)))::text[])") }
        if let pipeline = scope.pipeline {
            parts.append("(\(decision).pipeline = \(arguments.add(.text(pipeline))) OR \(decision).pipeline IS NULL)")
        }
        if let number = scope.number { parts.append("\(alias).number = \(arguments.add(.text(number)))") }
        if let department = scope.department {
            parts.append("\(decision).pipeline IN (SELECT pipeline FROM run WHERE department = \(arguments.add(.text(department))))")
        }
        return parts.map { " AND " + $0 }.joined()
    }
}

/// A kind's decisions' publications on one portal, summed per decision number in the number's
/// order: what the register's rows are given, merged by number.
private struct PublicationStream {
    let kind: String
    let portal: String
    private var rows: Cursor
    private var waiting: (number: String, sums: PublicationSums)?  // read, not yet asked for

    init(_ link: Link, cursor: String, kind: String, portal: String, number: String?) throws {
        self.kind = kind
        self.portal = portal
        var arguments = Arguments()
        let kindArgument = arguments.add(.text(kind))
        let portalArgument = arguments.add(.text(portal))
        let one = number.map { " AND decision_number = \(arguments.add(.text($0)))" } ?? ""
        // A publication taken down for 更正 is summed apart (``PublicationSums/publishedOn``).
        let corrected = """
            (status = 'withdrawn' AND EXISTS (SELECT 1 FROM withdrawal w WHERE w.publication_id = publication.id \
            AND w.reason = \(arguments.add(.text(PublicationSums.correctionReason)))))
            """
        rows = try Cursor(
            link, name: cursor,
            sql: """
                SELECT ARRAY[decision_number,
                    min(CASE WHEN status = 'published' OR (status = 'withdrawn' AND NOT corrected) THEN published_on END),
                    bool_or(status = 'pending')::text, bool_or(status = 'withdrawn' AND NOT corrected)::text,
                    bool_or(status = 'rejected')::text, bool_or(status = 'published')::text,
                    min(CASE WHEN corrected THEN published_on END)]
                FROM (SELECT decision_number, status, published_on, \(corrected) AS corrected FROM publication
                      WHERE kind = \(kindArgument) AND portal = \(portalArgument) AND decision_number IS NOT NULL\(one)) p
                GROUP BY decision_number ORDER BY decision_number
                """, arguments.values)
    }

    /// The sums of `number`'s publications, if it has any. Numbers must be asked for in ascending
    /// order of their bytes (the register's).
    mutating func sums(of number: String) throws -> PublicationSums? {
        while true {
            if waiting == nil {
                guard let row = try rows.nextRow() else { return nil }
                var cells = try PackedFields(row)
                waiting = (cells.string(), PublicationSums(
                        firstPublished: cells.text(), pending: cells.bool(), withdrawn: cells.bool(), rejected: cells.bool(), shown: cells.bool(),
                        firstCorrected: cells.text()))
            }
            guard let (read, sums) = waiting else { return nil }
            if read.utf8.elementsEqual(number.utf8) {
                waiting = nil
                return sums
            }
            if number.utf8.lexicographicallyPrecedes(read.utf8) { return nil }  // none for `number`
            waiting = nil  // a decision outside the register's scope
        }
    }
}
