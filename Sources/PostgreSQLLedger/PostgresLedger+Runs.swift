public import DisclosureCore

// Runs, the source files they read, and what each file held.
extension PostgresLedger: RunLedger, IntakeLedger {
    public func beginRun(
        command: String, today: String, startedAt: String, pipeline: String? = nil, department: String? = nil
    ) throws(LedgerError) -> Int64 {
        try write { link in
            Int64(
                try link.one(
                    "INSERT INTO run (command, today, started_at, pipeline, department) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    [.text(command), .text(today), .text(startedAt), .text(pipeline), .text(department)])?.int(0) ?? 0)
        }
    }

    public func finishRun(_ run: Int64, exitCode: Int32, finishedAt: String) throws(LedgerError) {
        try write { link in
            try link.execute(
                "UPDATE run SET finished_at = $1, exit_code = $2 WHERE id = $3", [.text(finishedAt), .int(Int(exitCode)), .int(Int(run))])
        }
    }

    public func recordInputs(_ files: [SourceFingerprint], records: [RecordVersion], run: Int64) throws(LedgerError) {
        try write { link in
            for file in files {
                try link.execute(
                    """
                    INSERT INTO source_file (sha256, size, place, first_run, last_run) VALUES ($1, $2, $3, $4, $4)
                    ON CONFLICT (sha256, place) DO UPDATE SET last_run = excluded.last_run
                    """,
                    [.text(file.sha256), .int(Int(file.size)), .text(file.place), .int(Int(run))])
            }
            // Record versions: a version already recorded is kept as it was (first run, source).
            grew("record", by: records.count)
            for chunk in Self.chunks(records) {
                try link.execute(
                    """
                    INSERT INTO record (kind, record_key, content_sha256, decision_date, source_sha256, source_row, first_run,
                                        severity, severity_reason, regime, repair_from, expires_on)
                    SELECT kind, record_key, content_sha256, decision_date, source_sha256, source_row, $1, severity, severity_reason,
                           regime, repair_from, expires_on
                    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::text[], $9::text[],
                                $10::text[], $11::text[], $12::text[])
                         WITH ORDINALITY AS u(kind, record_key, content_sha256, decision_date, source_sha256, source_row, severity,
                                              severity_reason, regime, repair_from, expires_on, ord)
                    ORDER BY ord
                    ON CONFLICT DO NOTHING
                    """,
                    [
                        .int(Int(run)), .column(chunk.map(\.kind)), .column(chunk.map(\.key)), .column(chunk.map(\.contentSHA256)),
                        .column(chunk.map(\.decisionDate)), .column(chunk.map(\.sourceSHA256)), .ints(chunk.map(\.sourceRow)),
                        .column(chunk.map { $0.period?.severity }), .column(chunk.map { $0.period?.severityReason }),
                        .column(chunk.map { $0.period?.regime }), .column(chunk.map { $0.period?.repairFrom }),
                        .column(chunk.map { $0.period?.expiresOn }),
                    ])
            }
            // A portal's own period: the latest version's replaces an earlier one.
            let periods = records.flatMap { record in record.portalPeriods.map { (record.kind, record.key, $0) } }
            grew("portal_period", by: periods.count)
            for chunk in Self.chunks(periods, key: { $0.0 + "\u{1}" + $0.1 + "\u{1}" + $0.2.portal }) {
                try link.execute(
                    """
                    INSERT INTO portal_period (kind, record_key, portal, severity, severity_reason, regime, months, counted_from, repair_months)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::text[],
                                         $9::integer[])
                    ON CONFLICT (kind, record_key, portal) DO UPDATE SET severity = excluded.severity,
                        severity_reason = excluded.severity_reason, regime = excluded.regime, months = excluded.months,
                        counted_from = excluded.counted_from, repair_months = excluded.repair_months
                    """,
                    [
                        .column(chunk.map(\.0)), .column(chunk.map(\.1)), .column(chunk.map(\.2.portal)), .column(chunk.map(\.2.severity)),
                        .column(chunk.map(\.2.severityReason)), .column(chunk.map(\.2.regime)), .ints(chunk.map(\.2.months)),
                        .column(chunk.map(\.2.countedFrom)), .ints(chunk.map(\.2.repairMonths)),
                    ])
            }
        }
    }

    public func settle(_ files: [SourceFingerprint], run: Int64) throws(LedgerError) {
        try write { link in
            for file in files {
                try link.execute(
                    "UPDATE source_file SET settled_run = $1, stat = $4, read_again_on = $5 WHERE sha256 = $2 AND place = $3",
                    [.int(Int(run)), .text(file.sha256), .text(file.place), .text(file.stat), .text(file.readAgainOn)])
            }
        }
    }

    @discardableResult
    public func unsettleDue(today: String) throws(LedgerError) -> [String] {
        try write { link in
            let places = try link.rows(
                """
                UPDATE source_file SET settled_run = NULL, read_again_on = NULL
                WHERE read_again_on IS NOT NULL AND read_again_on <= $1 AND settled_run IS NOT NULL
                RETURNING place
                """, [.text(today)]
            ).map { $0.string(0) }
            return Array(Set(places)).sorted()
        }
    }

    public func dueToReadAgain(today: String) throws(LedgerError) -> [String] {
        try ask { link in
            try link.rows(
                """
                SELECT DISTINCT place FROM source_file
                WHERE read_again_on IS NOT NULL AND read_again_on <= $1 AND settled_run IS NOT NULL ORDER BY place
                """, [.text(today)]
            ).map { $0.string(0) }
        }
    }

    public func lastRun(pipeline: String) throws(LedgerError) -> RunRecord? {
        try ask { link in
            try link.one(
                """
                SELECT command, today, started_at, finished_at, exit_code FROM run
                WHERE pipeline = $1 AND command LIKE 'run %' ORDER BY id DESC LIMIT 1
                """, [.text(pipeline)]
            ).map { RunRecord(command: $0.string(0), today: $0.string(1), startedAt: $0.string(2), finishedAt: $0.text(3), exitCode: $0.int(4)) }
        }
    }

    public func consoleActions(mentioning text: String, pipeline: String) throws(LedgerError) -> [RunRecord] {
        try ask { link in
            try link.rows(
                "SELECT command, today, started_at, finished_at, exit_code FROM run WHERE command LIKE 'console %' AND strpos(command, $1) > 0 AND pipeline = $2 ORDER BY id",
                [.text(text), .text(pipeline)]
            ).map { RunRecord(command: $0.string(0), today: $0.string(1), startedAt: $0.string(2), finishedAt: $0.text(3), exitCode: $0.int(4)) }
        }
    }

    public func isSettled(_ file: SourceFingerprint) throws(LedgerError) -> Bool {
        try ask { link in
            try link.one(
                "SELECT settled_run IS NOT NULL FROM source_file WHERE sha256 = $1 AND place = $2", [.text(file.sha256), .text(file.place)]
            )?.bool(0) ?? false
        }
    }

    public func hasSettled(place: String, size: Int64) throws(LedgerError) -> Bool {
        try ask { link in
            try link.one(
                "SELECT EXISTS (SELECT 1 FROM source_file WHERE place = $1 AND size = $2 AND settled_run IS NOT NULL)",
                [.text(place), .int(Int(size))]
            )?.bool(0) ?? false
        }
    }

    public func settledRuns(_ files: [SourceFingerprint]) throws(LedgerError) -> [String: Int64] {
        guard !files.isEmpty else { return [:] }
        return try ask { link in
            var runs: [String: Int64] = [:]
            for row in try link.rows(
                """
                SELECT f.place, f.settled_run FROM source_file f
                JOIN unnest($1::text[], $2::text[]) AS u(sha256, place) ON f.sha256 = u.sha256 AND f.place = u.place
                WHERE f.settled_run IS NOT NULL
                """, [.column(files.map(\.sha256)), .column(files.map(\.place))])
            {
                if let run = row.int(1) { runs[row.string(0)] = Int64(run) }
            }
            return runs
        }
    }

    public func settledFingerprint(place: String, stat: String) throws(LedgerError) -> SourceFingerprint? {
        try ask { link in
            try link.one(
                "SELECT sha256, size, read_again_on FROM source_file WHERE place = $1 AND stat = $2 AND settled_run IS NOT NULL LIMIT 1",
                [.text(place), .text(stat)]
            ).map { SourceFingerprint(sha256: $0.string(0), size: Int64($0.int(1) ?? 0), place: place, stat: stat, readAgainOn: $0.text(2)) }
        }
    }

    public func recordIntake(_ file: SourceFingerprint, counts: IntakeCounts, problems: [StoredProblem], run: Int64) throws(LedgerError) {
        try write { link in
            try link.execute(
                """
                INSERT INTO source_file (sha256, size, place, first_run, last_run, records, valid, invalid, skipped, incomplete, failed,
                                         unidentifiable)
                VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10, $11)
                ON CONFLICT (sha256, place) DO UPDATE SET last_run = excluded.last_run, records = excluded.records,
                    valid = excluded.valid, invalid = excluded.invalid, skipped = excluded.skipped,
                    incomplete = excluded.incomplete, failed = excluded.failed, unidentifiable = excluded.unidentifiable
                """,
                [
                    .text(file.sha256), .int(Int(file.size)), .text(file.place), .int(Int(run)), .int(counts.records), .int(counts.valid),
                    .int(counts.invalid), .int(counts.skipped), .int(counts.incomplete), .int(counts.failed ? 1 : 0),
                    .int(counts.unidentifiable),
                ])
            try link.execute("DELETE FROM problem WHERE sha256 = $1 AND place = $2", [.text(file.sha256), .text(file.place)])
            grew("problem", by: problems.count)
            for chunk in Self.chunks(problems) {
                try link.execute(
                    """
                    INSERT INTO problem (sha256, place, "row", line, field, type, severity, value, message)
                    SELECT $1, $2, r, l, f, t, s, v, m
                    FROM unnest($3::integer[], $4::integer[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
                         WITH ORDINALITY AS u(r, l, f, t, s, v, m, ord)
                    ORDER BY ord
                    """,
                    [
                        .text(file.sha256), .text(file.place), .ints(chunk.map(\.row)), .ints(chunk.map(\.line)), .column(chunk.map(\.field)),
                        .column(chunk.map(\.type)), .column(chunk.map { $0.isWarning ? "warning" : "error" }), .column(chunk.map(\.value)),
                        .column(chunk.map(\.message)),
                    ])
            }
        }
    }
}
