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

    init(label: String, depth: Int = 1) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
        places = DispatchSemaphore(value: max(1, depth))
    }

    func submit(_ job: @escaping @Sendable () throws -> Void) throws {
        try rethrow()
        places.wait()
        queue.async { [self] in
            defer { places.signal() }
            guard failure.withLock({ $0 == nil }) else { return }
            do { try job() } catch { failure.withLock { $0 = $0 ?? error } }
        }
    }

    /// Waits for every job given so far; throws the first failure.
    func finish() throws {
        queue.sync {}
        try rethrow()
    }

    private func rethrow() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }
}
