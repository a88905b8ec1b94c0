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

/// Fills chunks of `size` and hands each to a queue last element first, so that the taker moves
/// elements out with `popLast` instead of copying each out and destroying the chunk's copy (that
/// was a fifth of a re-run's reckoning on the taking thread, for register rows of nine texts).
public struct ReversedChunks<Element: Sendable> {
    // Inlinable: `add` runs once per element, called from other modules, which then specialize it
    // for their element type instead of calling generic code.
    @usableFromInline let queue: ChunkQueue<Element>
    @usableFromInline let size: Int
    @usableFromInline var chunk: [Element] = []

    @inlinable
    public init(into queue: ChunkQueue<Element>, size: Int) {
        self.queue = queue
        self.size = size
        chunk.reserveCapacity(size)
    }

    /// The elements added and not yet handed over.
    @inlinable
    public var count: Int { chunk.count }

    /// Adds an element, handing the chunk over when it is full; false when the taker stopped.
    @inlinable
    public mutating func add(_ element: consuming Element) -> Bool {
        chunk.append(element)
        return chunk.count < size || handOver()
    }

    /// Hands over what has been added and not yet handed; false when the taker stopped.
    @inlinable @discardableResult
    public mutating func handOver() -> Bool {
        guard !chunk.isEmpty else { return true }
        // Reversed through the buffer, whose `swapAt` moves the elements: the array's copied
        // each (a row of the register holds nine texts: a retain and a release each, twice).
        chunk.withUnsafeMutableBufferPointer { $0.reverse() }
        defer { chunk.removeAll(keepingCapacity: true) }
        return queue.hand(chunk)
    }
}
