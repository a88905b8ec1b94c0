import Dispatch
import Synchronization

/// Runs jobs one at a time, in the order given, on a thread of its own, while the caller goes on
/// with the next: at most `depth` jobs wait or run at once (the caller waits for a free place), so
/// memory holds that many jobs, not all of them.
///
/// Used where one step of the data path can overlap the next one's preparation on the second
/// core: a feed batch is staged, recorded pending and delivered here while the planner decides the
/// next batch's rows. Each job's own steps stay in order, and jobs never overlap one another, so
/// what a crash can leave behind is what it was with one thread.
///
/// The first job that fails stops the worker: the jobs after it are dropped, and the failure is
/// thrown to the caller by its next ``submit(_:)`` or by ``finish()``.
final class InOrderWorker: Sendable {
    private let queue: DispatchQueue
    private let places: DispatchSemaphore
    private let failure = Mutex<(any Error)?>(nil)
    /// Jobs run, waiting to be released by the thread that gave them (``releaseFinished()``): what
    /// a job holds was allocated on that thread, and freed there it goes back to that thread's
    /// malloc arena without taking its lock. Freed on this worker, every block past glibc's small
    /// per-thread cache took the other thread's arena lock while that thread allocated from it:
    /// `perf record -e syscalls:sys_enter_futex --call-graph dwarf` of a first run of 200,000
    /// records found the publications of a sent batch and the record versions of a written chunk,
    /// freed here, the first and third largest sources of the run's futex calls.
    private let done = Mutex<[Job]>([])
    private let hasDone = Atomic<Bool>(false)

    private typealias Job = @Sendable () throws -> Void

    init(label: String, depth: Int = 1) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
        places = DispatchSemaphore(value: max(1, depth))
    }

    func submit(_ job: @escaping @Sendable () throws -> Void) throws {
        releaseFinished()
        try rethrow()
        places.wait()
        // The block holds the job only through this box, which gives it up when it has run: the
        // list of jobs done then holds its only reference, so the last release is the giver's.
        let pending = PendingJob(job)
        queue.async { [self] in
            defer {
                done.withLock { $0.append(pending.take()) }
                hasDone.store(true, ordering: .releasing)
                places.signal()
            }
            guard failure.withLock({ $0 == nil }) else { return }
            do { try pending.run() } catch { failure.withLock { $0 = $0 ?? error } }
        }
    }

    /// Waits for every job given so far; throws the first failure.
    func finish() throws {
        waitForJobs()
        releaseFinished()
        try rethrow()
    }

    /// Waits for every job given so far to have run (they are released by ``releaseFinished()``).
    func waitForJobs() {
        queue.sync {}
    }

    /// Releases, on the calling thread (the one that gives the jobs), the jobs the worker has run
    /// and what they hold. Cheap when there are none: the thread giving jobs calls it as often as
    /// it likes (once a row), so that a finished job's memory is not held until the next job.
    func releaseFinished() {
        guard hasDone.load(ordering: .acquiring) else { return }
        let finished = done.withLock { jobs in
            hasDone.store(false, ordering: .relaxed)
            defer { jobs = [] }
            return jobs
        }
        withExtendedLifetime(finished) {}
    }

    private func rethrow() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }
}

/// A job on its way to the worker thread, until it has run (only that thread touches it then).
private final class PendingJob: @unchecked Sendable {
    private var job: (@Sendable () throws -> Void)?

    init(_ job: @escaping @Sendable () throws -> Void) { self.job = job }

    func run() throws { try job?() }

    func take() -> @Sendable () throws -> Void {
        defer { job = nil }
        return job ?? {}
    }
}
