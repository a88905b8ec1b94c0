public import DisclosureCore
internal import GRDB

// What each source file held: counts and problems.
extension Ledger {
    /// Records what a source file held (its counts and its problems), replacing what an earlier
    /// reading of the same bytes recorded; the file keeps the run that first read it.
    public func recordIntake(
        _ file: SourceFingerprint, counts: IntakeCounts, problems: [StoredProblem], run: Int64
    ) throws(LedgerError) {
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO source_file (sha256, size, place, first_run, last_run, records, valid, invalid, skipped, incomplete, failed,
                                             unidentifiable)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (sha256, place) DO UPDATE SET last_run = excluded.last_run, records = excluded.records,
                        valid = excluded.valid, invalid = excluded.invalid, skipped = excluded.skipped,
                        incomplete = excluded.incomplete, failed = excluded.failed, unidentifiable = excluded.unidentifiable
                    """,
                arguments: [
                    file.sha256, file.size, file.place, run, run, counts.records, counts.valid, counts.invalid, counts.skipped,
                    counts.incomplete, counts.failed ? 1 : 0, counts.unidentifiable,
                ])
            try db.execute(sql: "DELETE FROM problem WHERE sha256 = ? AND place = ?", arguments: [file.sha256, file.place])
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO problem (sha256, place, row, line, field, type, severity, value, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for problem in problems {
                try insert.execute(arguments: [
                    file.sha256, file.place, problem.row, problem.line, problem.field, problem.type,
                    problem.isWarning ? "warning" : "error", problem.value, problem.message,
                ])
            }
        }
    }
}
