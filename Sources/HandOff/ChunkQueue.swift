import Foundation

/// Chunks handed from one thread to another in order, at most `depth` waiting.
public final class ChunkQueue<Element: Sendable>: @unchecked Sendable {
    // Guarded by `condition`.
    private var chunks: [[Element]] = []
    private var finished = false
    private var stopped = false
    private let condition = NSCondition()
    public let depth: Int

    public init(depth: Int) { self.depth = depth }

    /// Waits for room, then queues a chunk; false when the taker stopped.
    public func hand(_ chunk: [Element]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while chunks.count >= depth && !stopped { condition.wait() }
        if stopped { return false }
        chunks.append(chunk)
        condition.broadcast()
        return true
    }

    /// No more chunks will come.
    public func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk, waiting for it; nil when the hander finished and all were taken.
    public func take() -> [Element]? {
        condition.lock()
        defer { condition.unlock() }
        while chunks.isEmpty && !finished { condition.wait() }
        if chunks.isEmpty { return nil }
        condition.broadcast()
        return chunks.removeFirst()
    }

    /// The taker wants no more: a waiting hander is let go.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
