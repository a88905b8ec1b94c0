import Foundation

/// Crash points for the crash-injection tests: with `GONGSHI_KILL_AFTER=STEP` in the environment,
/// the process sends itself SIGKILL right after that step — no cleanup, no flushing, exactly as a
/// power cut or `kill -9` would stop it. The steps:
///
/// - `feed-written`: the batch's file is in the staging folder, the ledger knows nothing yet;
/// - `batch-pending`: the ledger holds the batch as pending, nothing delivered;
/// - `upload-done`: the file is in the outbox (delivered), the ledger not yet told;
/// - `channel-sent`: a channel (API, SFTP, 前置库) has taken the batch — for the 前置库, the
///   transaction is committed — and the ledger has not yet recorded the receipt;
/// - `receipt-recorded`: the confirmation is committed, nothing printed yet.
///
/// Unset (always, outside tests), this does nothing.
enum FaultInjection {
    static let variable = "GONGSHI_KILL_AFTER"
    private static let target = ProcessInfo.processInfo.environment[variable]

    static func reached(_ step: String) {
        guard target == step else { return }
        kill(getpid(), SIGKILL)
    }
}
