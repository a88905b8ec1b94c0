/// Where a key index keeps the keys it has moved out of memory: runs of slots (each a digest and a
/// place, two `UInt64`s) appended once and read back by slot number. An edge provides it (the
/// engine: a temporary file, unlinked, mode 0600); the core only decides what to keep where.
public protocol KeyRuns: AnyObject {
    /// Appends the slots (`2 × n` values: digest, place, digest, place…); returns the number of
    /// the first slot written.
    func append(_ slots: UnsafeBufferPointer<UInt64>) throws -> Int
    /// Reads `buffer.count / 2` slots from slot number `first` on.
    func read(from first: Int, into buffer: UnsafeMutableBufferPointer<UInt64>) throws
}

/// Decision keys seen in a batch, by 64-bit digest, each with where it was first seen.
///
/// In memory, an open-addressing table with linear probing, sized from an estimate so that it does
/// not grow (and briefly hold two copies of itself) while records arrive: 16 bytes a slot at most
/// 80% full. A slot's digest and place sit side by side, so that a lookup in a table far bigger
/// than the cache costs one cache miss, not two.
///
/// With ``KeyRuns``, memory does not grow with the batch: when the table holds `limit` keys they
/// are written out as a run sorted by digest, and the table starts again. A run keeps in memory
/// only a Bloom filter (10 bits a key: a key it does not hold is taken for one of its own about
/// once in a hundred lookups, and then read on disk and found absent) and the first digest of
/// each block of 256 slots (one read of 4 KiB finds a key). A million keys: about 5 MB of table
/// and 1 MB of filters, against 20 MB for the table alone. Without runs (a library user's batch),
/// or once writing one has failed, the table grows as the batch does.
struct KeyIndex {
    private struct Slot {
        /// 0: empty.
        var digest: UInt64
        var place: UInt64
    }

    /// A run of keys written out, sorted by digest.
    private struct Run {
        let first: Int  // its first slot's number in the runs
        let count: Int
        let fences: [UInt64]  // the first digest of each block
        let filter: BloomFilter
    }

    static let block = 256

    private var slots: [Slot] = []
    /// Keys in memory.
    private(set) var count = 0
    private let runs: (any KeyRuns)?
    private let limit: Int
    private var written: [Run] = []
    /// False once writing a run failed: the keys stay in memory from then on.
    private var canWrite = true
    /// Places dropped since the runs were written (the keys of files that failed): a run's key
    /// whose place one of these names is not there.
    private var dropped: [(UInt64) -> Bool] = []

    /// - Parameters:
    ///   - runs: where keys go when memory holds `limit` of them; nil: all stay in memory.
    init(runs: (any KeyRuns)? = nil, limit: Int = 1 << 18) {
        self.runs = runs
        self.limit = max(16, limit)
    }

    /// Makes room for `total` keys in all (in memory at most `limit`, when keys can be written out).
    mutating func reserve(_ total: Int) {
        let keys = runs == nil || !canWrite ? total : min(total, limit)
        let needed = max(16, keys * 5 / 4 + 1)
        guard needed > slots.count else { return }
        let old = slots
        slots = Array(repeating: Slot(digest: 0, place: 0), count: needed)
        count = 0
        for slot in old where slot.digest != 0 { _ = insertInMemory(slot.digest, place: slot.place) }
    }

    /// The place where `digest` was first seen, or `nil` after noting it at `place`.
    ///
    /// - Throws: what reading the runs threw (then nothing is noted: whether the key was seen
    ///   is not known).
    mutating func insert(_ digest: UInt64, place: UInt64) throws -> UInt64? {
        let key = digest == 0 ? 1 : digest  // 0 marks an empty slot
        // A key written out is not in memory, unless its place was dropped since.
        for run in written where run.filter.mayContain(key) {
            if let found = try find(key, in: run) { return found }
        }
        if (count + 1) * 5 > slots.count * 4 { reserve(max(1024, count * 2)) }
        guard let found = insertInMemory(key, place: place) else {
            if runs != nil, canWrite, count >= limit { writeOut() }
            return nil
        }
        return found
    }

    private mutating func insertInMemory(_ key: UInt64, place: UInt64) -> UInt64? {
        let capacity = slots.count
        let result: UInt64? = slots.withUnsafeMutableBufferPointer { slots in
            var index = Int(truncatingIfNeeded: key.multipliedFullWidth(by: UInt64(capacity)).high)
            while true {
                let found = slots[index].digest
                if found == 0 {
                    slots[index] = Slot(digest: key, place: place)
                    return nil
                }
                if found == key { return slots[index].place }
                index += 1
                if index == capacity { index = 0 }
            }
        }
        if result == nil { count += 1 }
        return result
    }

    /// Forgets every key whose place satisfies `drop` (the keys of a file that failed).
    mutating func removeAll(where drop: @escaping (UInt64) -> Bool) {
        let kept = slots.filter { $0.digest != 0 && !drop($0.place) }
        slots = Array(repeating: Slot(digest: 0, place: 0), count: slots.count)
        count = 0
        for slot in kept { _ = insertInMemory(slot.digest, place: slot.place) }
        if !written.isEmpty { dropped.append(drop) }
    }

    /// Writes the keys in memory out as a run, sorted by digest, and empties the table. If the
    /// run cannot be written, its keys stay in memory and the table grows from then on (a run
    /// is read only once it is wholly written: the runs before stay as they were).
    private mutating func writeOut() {
        guard let runs else { return }
        // In place: the keys gathered at the table's front and sorted there, written, and the
        // table emptied. (A sorted copy and a new empty table beside the old one took three
        // tables' memory at once, 15 MB for a moment at every run.)
        let count = self.count
        let first: Int
        do {
            first = try slots.withUnsafeMutableBufferPointer { slots in
                var filled = 0
                for index in slots.indices where slots[index].digest != 0 {
                    slots.swapAt(filled, index)
                    filled += 1
                }
                var keys = UnsafeMutableBufferPointer(rebasing: slots[0..<filled])
                keys.sort { $0.digest < $1.digest }
                return try UnsafeBufferPointer(keys).withMemoryRebound(to: UInt64.self) {
                    try runs.append(UnsafeBufferPointer(rebasing: $0[0..<(2 * filled)]))
                }
            }
        } catch {
            // The keys stay in memory, put back in their places.
            canWrite = false
            let kept = slots.prefix(count)
            let table = Array(repeating: Slot(digest: 0, place: 0), count: slots.count)
            slots = table
            self.count = 0
            for slot in kept { _ = insertInMemory(slot.digest, place: slot.place) }
            return
        }
        var filter = BloomFilter(keys: count)
        var fences: [UInt64] = []
        fences.reserveCapacity((count + Self.block - 1) / Self.block)
        for offset in 0..<count {
            filter.add(slots[offset].digest)
            if offset % Self.block == 0 { fences.append(slots[offset].digest) }
        }
        written.append(Run(first: first, count: count, fences: fences, filter: filter))
        slots.withUnsafeMutableBufferPointer { slots in
            for index in slots.indices { slots[index] = Slot(digest: 0, place: 0) }
        }
        self.count = 0
    }

    /// The place of `key` in `run` that no drop has removed, read from the runs.
    private func find(_ key: UInt64, in run: Run) throws -> UInt64? {
        guard let runs else { return nil }
        // The last block whose first digest is below the key: a key's slots start there or in the
        // next block (equal digests are the same key, kept again after a drop).
        var low = 0, high = run.fences.count
        while low < high {
            let middle = (low + high) / 2
            if run.fences[middle] < key { low = middle + 1 } else { high = middle }
        }
        var block = max(0, low - 1)
        var buffer = [UInt64](repeating: 0, count: 2 * Self.block)
        while block < run.fences.count, run.fences[block] <= key {
            let start = block * Self.block
            let slots = min(Self.block, run.count - start)
            try buffer.withUnsafeMutableBufferPointer { buffer in
                try runs.read(from: run.first + start, into: UnsafeMutableBufferPointer(rebasing: buffer[0..<(2 * slots)]))
            }
            for slot in 0..<slots {
                let digest = buffer[2 * slot]
                if digest > key { return nil }
                if digest == key, !dropped.contains(where: { $0(buffer[2 * slot + 1]) }) { return buffer[2 * slot + 1] }
            }
            block += 1
        }
        return nil
    }
}

/// A Bloom filter over 64-bit digests (already uniformly spread: the probes are taken from the
/// digest's two halves), 10 bits and 7 probes a key: about 1% of absent keys pass.
struct BloomFilter {
    private var bits: [UInt64]
    private let mask: UInt64

    init(keys: Int) {
        var size = 64
        while size < keys * 10 { size *= 2 }
        bits = [UInt64](repeating: 0, count: size / 64)
        mask = UInt64(size - 1)
    }

    /// The digest's seven bits (word, bit in it).
    private func probe(_ digest: UInt64, _ probe: UInt64) -> (word: Int, bit: UInt64) {
        let bit = ((digest & 0xFFFF_FFFF) &+ probe &* ((digest >> 32) | 1)) & mask
        return (Int(bit >> 6), 1 << (bit & 63))
    }

    mutating func add(_ digest: UInt64) {
        for index in 0..<7 as Range<UInt64> {
            let (word, bit) = probe(digest, index)
            bits[word] |= bit
        }
    }

    func mayContain(_ digest: UInt64) -> Bool {
        for index in 0..<7 as Range<UInt64> {
            let (word, bit) = probe(digest, index)
            if bits[word] & bit == 0 { return false }
        }
        return true
    }
}
