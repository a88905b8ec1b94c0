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
        try write { db in
            for file in files {
                try db.execute(
                    sql: """
                        INSERT INTO source_file (sha256, size, place, first_run, last_run) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (sha256, place) DO UPDATE SET last_run = excluded.last_run
                        """,
                    arguments: [file.sha256, file.size, file.place, run, run])
            }
            let insert = try BoundStatement(
                db,
                sql: """
                    INSERT OR IGNORE INTO record (kind_id, record_key, content_sha256, decision_date, source, source_row, first_run,
                                                  severity_code, severity_reason, regime_id, repair_from, expires_on, seq)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let portalPeriod = try BoundStatement(
                db,
                sql: """
                    INSERT OR REPLACE INTO portal_period (kind_id, record_key, portal_id, severity, severity_reason, regime, months, counted_from)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            var texts = TextValues(db)
            var sequence = recordSequence.withLock { next in
                defer { next += Int64(records.count) }
                return next
            }
            // The kinds' and portals' names (v15) remembered apart from the files and reasons: a
            // version asks for its file and its reason in turn, which one memory of the last two
            // texts holds.
            var names = TextValues(db)
            for record in records {
                sequence += 1
                let kind = try names.number(record.kind)
                let source = try texts.number(record.sourceSHA256)
                let reason = try record.period.map { try texts.number($0.severityReason) }
                let regime = try record.period?.regime.map { try names.number($0) }
                try insert.run(
                    kind, record.key, StoredHash(hex: record.contentSHA256), record.decisionDate, source, record.sourceRow, run,
                    SeverityCode.code(record.period?.severity), reason, regime, record.period?.repairFrom, record.period?.expiresOn,
                    sequence)
                for period in record.portalPeriods {
                    try portalPeriod.run(
                        kind, record.key, try names.number(period.portal), period.severity, period.severityReason, period.regime, period.months,
                        period.countedFrom)
                }
            }
        }
    }

    /// Marks source files settled: everything in them was planned and recorded by `run`.
    public func settle(_ files: [SourceFingerprint], run: Int64) throws(LedgerError) {
        try write { db in
            for file in files {
                try db.execute(
                    sql: "UPDATE source_file SET settled_run = ?, stat = ? WHERE sha256 = ? AND place = ?",
                    arguments: [run, file.stat, file.sha256, file.place])
            }
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

    public func consoleActions(mentioning text: String) throws(LedgerError) -> [RunRecord] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT command, today, started_at, finished_at, exit_code FROM run WHERE command LIKE 'console %' AND instr(command, ?) > 0 ORDER BY id",
                arguments: [text]
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

    public func settledFingerprint(place: String, stat: String) throws(LedgerError) -> SourceFingerprint? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT sha256, size FROM source_file WHERE place = ? AND stat = ? AND settled_run IS NOT NULL LIMIT 1",
                arguments: [place, stat]
            ).map { SourceFingerprint(sha256: $0[0], size: $0[1], place: place, stat: stat) }
        }
    }
}
