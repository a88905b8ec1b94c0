public import DisclosureCore
internal import GRDB
import Synchronization

// Runs and the source files they read.
extension Ledger {
    // MARK: Runs and sources

    /// Records the start of a command that writes to the ledger; returns the run id.
    public func beginRun(
        command: String, today: String, startedAt: String, pipeline: String? = nil, department: String? = nil
    ) throws(LedgerError) -> Int64 {
        try write { db in
            try db.execute(
                sql: "INSERT INTO run (command, today, started_at, pipeline, department) VALUES (?, ?, ?, ?, ?)",
                arguments: [command, today, startedAt, pipeline, department])
            return db.lastInsertedRowID
        }
    }

    public func finishRun(_ run: Int64, exitCode: Int32, finishedAt: String) throws(LedgerError) {
        try write { db in
            try Self.fillSubjects(db)
            try db.execute(
                sql: "UPDATE run SET finished_at = ?, exit_code = ? WHERE id = ?", arguments: [finishedAt, exitCode, run])
        }
    }

    /// Adds the publications after `subject_mark` to `publication_subject`, sorted by code (each
    /// page of the table then written once), and moves the mark to the last publication.
    static func fillSubjects(_ db: Database) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO publication_subject (subject_code, publication_id)
            SELECT subject_code, id FROM publication
            WHERE id > (SELECT publication_id FROM subject_mark) AND subject_code IS NOT NULL
            ORDER BY subject_code, id;
            UPDATE subject_mark SET publication_id = (SELECT coalesce(max(id), 0) FROM publication);
            """)
    }

    /// Records the source files and record versions a run read, in one transaction.
    public func recordInputs(_ files: [SourceFingerprint], records: [RecordVersion], run: Int64) throws(LedgerError) {
        let rows = packVersions(records, run: run)
        try write { db in
            for file in files {
                try db.execute(
                    sql: """
                        INSERT INTO source_file (sha256, size, place, first_run, last_run) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (sha256, place) DO UPDATE SET last_run = excluded.last_run
                        """,
                    arguments: [file.sha256, file.size, file.place, run, run])
            }
            try Self.writeVersions(rows, db)
        }
    }

    /// The versions packed on the caller's thread (``PackedRows``), written by the write returned.
    public func preparing(records: [RecordVersion], run: Int64) -> any PreparedLedgerWrite {
        let rows = packVersions(records, run: run)
        return DeferredLedgerWrite { () throws(LedgerError) in try self.write { db in try Self.writeVersions(rows, db) } }
    }

    /// Each version a row of the insert into `record` (statement 0), each of its portal periods one
    /// into `portal_period` (statement 1); numbered in `record.seq` in their order.
    private func packVersions(_ records: [RecordVersion], run: Int64) -> PackedRows {
        // Room for every row at once, from its texts' lengths (a tag and a length a value, eight
        // bytes a number, at most 16 bytes of the dates and codes): a buffer grown as it filled (200
        // bytes a version were reserved, about 370 taken) was copied whole, two megabytes, and its
        // new pages faulted in, for every chunk.
        var capacity = 0
        records.withUnsafeBufferPointer { records in
            for index in records.indices {
                let (kind, key) = (records[index].kind.utf8.count, records[index].key.utf8.count)
                capacity += 152 + kind + key + records[index].sourceSHA256.utf8.count
                capacity += (records[index].period?.severityReason.utf8.count ?? 0) + (records[index].period?.regime?.utf8.count ?? 0)
                for period in records[index].portalPeriods {
                    capacity += 96 + kind + key + period.portal.utf8.count + period.severity.utf8.count + period.severityReason.utf8.count
                        + (period.regime?.utf8.count ?? 0) + period.countedFrom.utf8.count
                }
            }
        }
        var rows = PackedRows(reservingCapacity: capacity)
        var sequence = recordSequence.withLock { next in
            defer { next += Int64(records.count) }
            return next
        }
        // Read where they lie (a version copied out of the array retained each of its strings).
        records.withUnsafeBufferPointer { records in
            for index in records.indices {
                sequence += 1
                rows.row(0)
                rows.put(numberOf: records[index].kind)
                rows.put(records[index].key)
                rows.put(hash: records[index].contentSHA256)
                rows.put(records[index].decisionDate)
                rows.put(numberOf: records[index].sourceSHA256)
                rows.put(records[index].sourceRow)
                rows.put(run)
                if let period = records[index].period {
                    rows.put(SeverityCode.code(period.severity))
                    rows.put(numberOf: period.severityReason)
                    rows.put(numberOf: period.regime)
                    rows.put(period.repairFrom)
                    rows.put(period.expiresOn)
                } else {
                    for _ in 0..<5 { rows.putNull() }
                }
                rows.put(sequence)
                for period in records[index].portalPeriods {
                    rows.row(1)
                    rows.put(numberOf: records[index].kind)
                    rows.put(records[index].key)
                    rows.put(numberOf: period.portal)
                    rows.put(period.severity)
                    rows.put(period.severityReason)
                    rows.put(period.regime)
                    rows.put(period.months)
                    rows.put(period.countedFrom)
                    rows.put(period.repairMonths)
                }
            }
        }
        return rows
    }

    private static func writeVersions(_ rows: PackedRows, _ db: Database) throws {
        guard rows.count > 0 else { return }
        // A version already recorded is kept as it was (first run, source); only that conflict is
        // passed over. (`INSERT OR IGNORE` also passed over a row its CHECKs refused — a malformed
        // hash, an empty key — and the chunk was written without it, where the shared ledger refuses
        // the write.)
        let insert = try BoundStatement(
            db,
            sql: """
                INSERT INTO record (kind_id, record_key, content_sha256, decision_date, source, source_row, first_run,
                                    severity_code, severity_reason, regime_id, repair_from, expires_on, seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (kind_id, record_key, content_sha256) DO NOTHING
                """)
        let portalPeriod = try BoundStatement(
            db,
            sql: """
                INSERT OR REPLACE INTO portal_period (kind_id, record_key, portal_id, severity, severity_reason, regime, months, counted_from,
                                                      repair_months)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        var texts = TextValues(db)
        try rows.run([insert, portalPeriod], texts: &texts)
    }

    /// Marks source files settled: everything in them was planned and recorded by `run`.
    public func settle(_ files: [SourceFingerprint], run: Int64) throws(LedgerError) {
        try write { db in
            for file in files {
                try db.execute(
                    sql: "UPDATE source_file SET settled_run = ?, stat = ?, read_again_on = ? WHERE sha256 = ? AND place = ?",
                    arguments: [run, file.stat, file.readAgainOn, file.sha256, file.place])
            }
        }
    }

    @discardableResult
    public func unsettleDue(today: String) throws(LedgerError) -> [String] {
        // Asked first: a write transaction (its commit's sync) on every night with nothing due
        // was 0.04–0.06 s of a nightly re-run's 0.4 s.
        let due = try read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM source_file WHERE read_again_on IS NOT NULL AND read_again_on <= ? AND settled_run IS NOT NULL)",
                arguments: [today]) ?? false
        }
        guard due else { return [] }
        return try write { db in
            let places = try String.fetchAll(
                db,
                sql: "SELECT DISTINCT place FROM source_file WHERE read_again_on IS NOT NULL AND read_again_on <= ? AND settled_run IS NOT NULL ORDER BY place",
                arguments: [today])
            try db.execute(
                sql: """
                    UPDATE source_file SET settled_run = NULL, read_again_on = NULL
                    WHERE read_again_on IS NOT NULL AND read_again_on <= ? AND settled_run IS NOT NULL
                    """,
                arguments: [today])
            return places
        }
    }

    public func dueToReadAgain(today: String) throws(LedgerError) -> [String] {
        try read { db in
            try String.fetchAll(
                db,
                sql: "SELECT DISTINCT place FROM source_file WHERE read_again_on IS NOT NULL AND read_again_on <= ? AND settled_run IS NOT NULL ORDER BY place",
                arguments: [today])
        }
    }

    public func lastRun(pipeline: String) throws(LedgerError) -> RunRecord? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT command, today, started_at, finished_at, exit_code FROM run
                    WHERE pipeline = ? AND command LIKE 'run %' ORDER BY id DESC LIMIT 1
                    """,
                arguments: [pipeline]
            ).map { RunRecord(command: $0[0], today: $0[1], startedAt: $0[2], finishedAt: $0[3], exitCode: $0[4]) }
        }
    }

    public func consoleActions(mentioning text: String, pipeline: String) throws(LedgerError) -> [RunRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT command, today, started_at, finished_at, exit_code FROM run WHERE command LIKE 'console %' AND instr(command, ?) > 0 AND pipeline = ? ORDER BY id",
                arguments: [text, pipeline]
            ).map { RunRecord(command: $0[0], today: $0[1], startedAt: $0[2], finishedAt: $0[3], exitCode: $0[4]) }
        }
    }

    /// Whether this file, with these bytes, was settled by an earlier run.
    public func isSettled(_ file: SourceFingerprint) throws(LedgerError) -> Bool {
        try read { db in
            try Bool.fetchOne(
                db, sql: "SELECT settled_run IS NOT NULL FROM source_file WHERE sha256 = ? AND place = ?",
                arguments: [file.sha256, file.place]) ?? false
        }
    }

    public func hasSettled(place: String, size: Int64) throws(LedgerError) -> Bool {
        try read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM source_file WHERE place = ? AND size = ? AND settled_run IS NOT NULL)",
                arguments: [place, size]) ?? false
        }
    }

    public func settledRuns(_ files: [SourceFingerprint]) throws(LedgerError) -> [String: Int64] {
        guard !files.isEmpty else { return [:] }
        return try read { db in
            var runs: [String: Int64] = [:]
            for file in files {
                if let run = try Int64.fetchOne(
                    db, sql: "SELECT settled_run FROM source_file WHERE sha256 = ? AND place = ? AND settled_run IS NOT NULL",
                    arguments: [file.sha256, file.place])
                {
                    runs[file.place] = run
                }
            }
            return runs
        }
    }

    public func settledFingerprint(place: String, stat: String) throws(LedgerError) -> SourceFingerprint? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT sha256, size, read_again_on FROM source_file WHERE place = ? AND stat = ? AND settled_run IS NOT NULL LIMIT 1",
                arguments: [place, stat]
            ).map { SourceFingerprint(sha256: $0[0], size: $0[1], place: place, stat: stat, readAgainOn: $0[2]) }
        }
    }
}
