import Foundation
import Synchronization

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
/// With `GONGSHI_PAUSE_AFTER=STEP` and `GONGSHI_PAUSE_FIFO=PATH` (a named pipe the test made),
/// the process stops the first time it reaches that step until the test writes a byte into the pipe: the test knows
/// the run is there (its open for writing returns) and does something to the world meanwhile —
/// restarts the ledger's database server — with no sleeping on either side.
///
/// Unset (always, outside tests), this does nothing.
enum FaultInjection {
    static let variable = "GONGSHI_KILL_AFTER"
    private static let target = ProcessInfo.processInfo.environment[variable]
    private static let pause = ProcessInfo.processInfo.environment["GONGSHI_PAUSE_AFTER"]
    private static let pauseFIFO = ProcessInfo.processInfo.environment["GONGSHI_PAUSE_FIFO"]
    /// The pause happens once, the first time the step is reached.
    private static let paused = Atomic<Bool>(false)

    static func reached(_ step: String) {
        if pause == step, let pauseFIFO, paused.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged {
            let descriptor = open(pauseFIFO, O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 {
                var byte: UInt8 = 0
                _ = read(descriptor, &byte, 1)
                close(descriptor)
            }
        }
        guard target == step else { return }
        kill(getpid(), SIGKILL)
    }
}
