import DisclosureCore
import Foundation
import SourceDecoders
import Synchronization

/// Evaluates batches of records on worker threads while this thread reads on, and merges their
/// outcomes into the session in row order. At most four batches per worker are in flight; when the
/// workers are that far behind, this thread checks the next batch itself ("caller runs"), so that
/// the reading thread and the workers share the work whichever side is slower (measured on the
/// 2-core machine: checking is ~60% of the CPU time for CSV, so a fixed split left a core idle).
/// Four, not two: with two, this thread checked batches the worker would have taken and stayed
/// the bound (95% busy, the worker 75%); a million CSV records took 2.50–2.68 s with two, 2.33–2.39
/// s with four and 2.64–2.73 s with eight (alternating runs). The window that bounds memory stays
/// at six batches for one worker: eight as well gave a million-record run a peak of 97–98 MB
/// instead of 95 MB, for no speed that could be told apart.
struct ParallelEvaluation {
    private let maxInFlight: Int
    /// Batches waiting to be merged, at most: bounds memory when this thread keeps checking
    /// batches itself while an older one is still on a worker.
    private let maxWindow: Int
    /// Batches in flight. Each keeps its cells here too, so that this thread, which allocated
    /// them, is also the one that frees them (glibc's per-thread arenas otherwise grow: measured
    /// 500 MB peak instead of under 100 MB for a million records).
    private var window: [(rows: [Int], offsets: [Int], cells: [CellBytes], extras: [[Issue]], fieldLines: [Int32], result: PendingResult, onWorker: Bool, work: EvaluationWork)] = []
    /// The first record a worker found not to be UTF-8: its row and where it starts in the file.
    private(set) var undecodable: (row: Int, byteOffset: Int)?
    /// The storage of the batches merged last, for the next batches to fill again (``takeSpare()``):
    /// two at most, as a submission merges none, one or several.
    private var spares: [(bytes: [UInt8], ends: [Int])] = []

    private let queue: DispatchQueue
    /// The record sink's work on a checked batch, done where the batch is checked.
    private let preparer: (any RecordPreparer)?

    /// - Parameters:
    ///   - workers: evaluation threads besides this one (this thread reads and merges).
    ///   - preparer: the record sink's work, done on the thread that checks a batch (so that the
    ///     reading thread, the busier, only merges and appends).
    init(workers: Int, preparer: (any RecordPreparer)? = nil) {
        self.preparer = preparer
        maxInFlight = workers * 4
        maxWindow = workers * 2 + 4
        queue = workers == 1 ? Self.checkingThread : DispatchQueue(label: "gongshi.evaluate", qos: .userInitiated, attributes: .concurrent)
    }

    /// The one checking thread's queue (one worker: a 2-core machine), shared with the input files'
    /// fingerprints (``SourceFiles/Fingerprinting``), which are taken while the files are read: a
    /// second thread beside it took the second malloc arena first, and the checking thread shared
    /// the reading thread's (the futexes of a first run of 200,000 records: 13,000 → 555,000).
    /// One for the process: two validations at once in one process (the console's) share it, each
    /// reading thread checking batches itself while four of its own wait.
    static let checkingThread = DispatchQueue(label: "gongshi.evaluate", qos: .userInitiated)

    mutating func submit(
        rows: [Int], offsets: [Int], cells: [CellBytes], extras: [[Issue]], fieldLines: [Int32] = [], evaluator: RecordEvaluator,
        into session: inout ValidationSession
    ) {
        while let first = window.first, first.result.isDone { mergeOldest(into: &session) }
        if window.count >= maxWindow { mergeOldest(into: &session) }
        let result = PendingResult()
        let work = EvaluationWork(evaluator: evaluator, cells: cells, checkUTF8: !offsets.isEmpty, rows: rows, preparer: preparer)
        let busyWorkers = window.count { $0.onWorker && !$0.result.isDone }
        if busyWorkers < maxInFlight {
            queue.async {
                if result.claim() { result.fulfil(work.run()) }  // (unless this thread took it meanwhile)
            }
        } else {
            _ = result.claim()
            result.fulfil(work.run())
        }
        window.append((rows, offsets, cells, extras, fieldLines, result, busyWorkers < maxInFlight, work))
    }

    /// Waits for every batch in flight and merges it.
    mutating func drain(into session: inout ValidationSession) {
        while !window.isEmpty { mergeOldest(into: &session) }
    }

    private mutating func mergeOldest(into session: inout ValidationSession) {
        checkWhileWaiting()
        let (rows, offsets, cells, extras, fieldLines, result, _, _) = window.removeFirst()
        let (outcomes, invalidAt, prepared) = result.wait()
        guard undecodable == nil else { return }  // the file has failed: nothing more is merged
        let stride = rows.isEmpty ? 0 : fieldLines.count / rows.count
        for (index, outcome) in outcomes.enumerated() {
            session.merge(
                row: rows[index], outcome: outcome, extra: extras[index], prepared: prepared.map { .init(batch: $0, index: index) },
                fieldLines: stride > 0 ? fieldLines[(index * stride)..<((index + 1) * stride)] : nil)
        }
        if let invalidAt { undecodable = (rows[invalidAt], offsets[invalidAt]) }
        withExtendedLifetime(cells) {}
        if spares.count < 2, let first = cells.first { spares.append((first.bytes, first.cellEnds)) }
    }

    /// Before waiting for the oldest batch: checks it here if no worker has begun it, else checks
    /// the batches queued behind it that no worker has begun, newest first, until it is done. (The
    /// reading thread waited for the worker, which still had batches queued, for 17% of a first
    /// run's validate stage: the worker was 99% busy and this thread 83%; forty-second session.)
    private mutating func checkWhileWaiting() {
        guard let oldest = window.first?.result, !oldest.isDone else { return }
        if oldest.claim() {
            oldest.fulfil(window[0].work.run())
            return
        }
        var index = window.count - 1
        while index > 0, !oldest.isDone {
            let result = window[index].result
            if result.claim() { result.fulfil(window[index].work.run()) }
            index -= 1
        }
    }

    /// The storage of a batch merged (its records shared one), for the next batch to fill
    /// again instead of allocating its own. A batch's bytes (about a megabyte) are above the size
    /// that glibc maps from the system and returns to it (`mallopt` in the gongshi executable, which
    /// keeps memory from fragmenting): allocated anew, every batch's pages were faulted in and
    /// zeroed by the kernel, and unmapped again, 9% of a million-record validation's samples. When
    /// something still holds the old storage, emptying it copies on write, so a spare is only ever
    /// reused when nothing else can see it.
    mutating func takeSpare() -> (bytes: [UInt8], ends: [Int])? {
        spares.popLast()
    }
}

/// One batch's work, handed to a worker thread. The evaluator is a value: the worker gets its own
/// copy, and its compiled patterns are only read.
private struct EvaluationWork: @unchecked Sendable {
    let evaluator: RecordEvaluator
    let cells: [CellBytes]
    /// Check each record's bytes for UTF-8 first (the scanner did not).
    let checkUTF8: Bool
    let rows: [Int]
    let preparer: (any RecordPreparer)?

    /// The outcomes, up to the first record that is not UTF-8 (whose index is returned too), and
    /// the record sink's work on them (none when the file has failed).
    func run() -> Evaluated {
        var evaluator = self.evaluator
        var outcomes: [RecordOutcome] = []
        outcomes.reserveCapacity(cells.count)
        for (index, record) in cells.enumerated() {
            let outcome = evaluator.evaluate(record, checkUTF8: checkUTF8)
            if case .undecodable = outcome { return (outcomes, index, nil) }
            outcomes.append(outcome)
        }
        let prepared = preparer?.prepare(rows: rows, outcomes: &outcomes)
        return (outcomes, nil, prepared)
    }
}

private typealias Evaluated = (outcomes: [RecordOutcome], invalidAt: Int?, prepared: (any AnyObject & Sendable)?)

/// A result that one thread fulfils and another waits for.
private final class PendingResult: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Whether a thread has begun the work: the worker it was queued for, or the reading thread,
    /// which takes work no worker has begun rather than wait (``ParallelEvaluation/checkWhileWaiting()``).
    private let claimed = Atomic<Bool>(false)
    private var outcomes: Evaluated = ([], nil, nil)
    /// Set once ``outcomes`` are there: asked without a system call. (Asking the semaphore with a
    /// timeout of `.now()` was a futex wait that slept until the timer fired, about 55 µs with the
    /// kernel's timer slack: 2,700 times in a first run's validate stage, on the reading thread.)
    private let finished = Atomic<Bool>(false)

    /// True for the one thread that may do the work (the first to ask).
    func claim() -> Bool {
        claimed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }

    func fulfil(_ outcomes: Evaluated) {
        self.outcomes = outcomes
        finished.store(true, ordering: .releasing)
        done.signal()
    }

    /// Whether the result is there, without waiting (the waiting thread only).
    var isDone: Bool { finished.load(ordering: .acquiring) }

    func wait() -> Evaluated {
        if !isDone { done.wait() }
        return outcomes
    }
}
