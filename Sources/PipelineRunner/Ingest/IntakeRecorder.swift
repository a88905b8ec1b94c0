import DisclosureCore

/// What each source file held, into the ledger: its counts and its problems (values masked as in
/// the report), for 合规率 and 完整率.
enum IntakeRecorder {
    /// Problem types that mean a required value is absent (完整率); the report writer counts the
    /// records with one as they pass.
    static let incompleteTypes: Set<String> = ["required-missing", "conditional-required-missing", "missing-cell", "enum-other-text-missing"]
    /// The most problems stored per file (counts are always whole).
    static let problemsPerFile = 5000

    /// Records what each file held: its counts and its problems (values masked as in the report).
    static func recordIntake(
        _ report: ValidationReport, issues: [Issue], incomplete: [String: Int], fingerprints: [String: SourceFingerprint],
        unidentifiable: [String: Int] = [:], ledger: any IntakeLedger, run: Int64
    ) throws {
        let byFile = Dictionary(grouping: issues, by: { $0.file ?? "" })
        for file in report.files {
            // A range re-run's file holding records outside its dates has their problems unlisted:
            // its counts and problems would replace the whole file's, which the nightly run records
            // (a range re-run settles no file, so the nightly run reads one it read first).
            guard let print = fingerprints[file.file], file.outsideRange == 0 else { continue }
            let problems = byFile[file.file] ?? []
            let counts = IntakeCounts(
                records: file.records, valid: file.valid, invalid: file.invalid, skipped: file.skipped,
                incomplete: incomplete[file.file] ?? 0,
                failed: file.failed, unidentifiable: unidentifiable[file.file] ?? 0)
            let stored = problems.prefix(problemsPerFile).map { issue in
                StoredProblem(
                    row: issue.row, line: issue.line, field: issue.field, type: issue.type, isWarning: issue.severity == .warning,
                    value: issue.value,
                    message: issue.message.text(.zh))
            }
            try CommandFailure.ledger { () throws(LedgerError) in
                try ledger.recordIntake(print, counts: counts, problems: Array(stored), run: run)
            }
        }
    }
}
