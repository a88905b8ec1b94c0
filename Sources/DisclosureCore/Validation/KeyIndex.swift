/// Decision keys seen in a batch, by 64-bit digest, each with where it was first seen: an
/// open-addressing table with linear probing, sized from an estimate so that it does not grow (and
/// briefly hold two copies of itself) while records arrive. 16 bytes a slot at most 80% full:
/// about 20 MB for a million records, where a `Dictionary` takes 33 MB and 50 MB while it grows.
/// A slot's digest and place sit side by side, so that a lookup in a table far bigger than the
/// cache costs one cache miss, not two.
struct KeyIndex {
    private struct Slot {
        /// 0: empty.
        var digest: UInt64
        var place: UInt64
    }

    private var slots: [Slot] = []
    private(set) var count = 0

    /// Makes room for `total` keys in all.
    mutating func reserve(_ total: Int) {
        let needed = max(16, total * 5 / 4 + 1)
        guard needed > slots.count else { return }
        let old = slots
        slots = Array(repeating: Slot(digest: 0, place: 0), count: needed)
        count = 0
        for slot in old where slot.digest != 0 { _ = insert(slot.digest, place: slot.place) }
    }

    /// The place where `digest` was first seen, or `nil` after noting it at `place`.
    mutating func insert(_ digest: UInt64, place: UInt64) -> UInt64? {
        if (count + 1) * 5 > slots.count * 4 { reserve(max(1024, count * 2)) }
        let key = digest == 0 ? 1 : digest  // 0 marks an empty slot
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
    mutating func removeAll(where drop: (UInt64) -> Bool) {
        let kept = slots.filter { $0.digest != 0 && !drop($0.place) }
        slots = Array(repeating: Slot(digest: 0, place: 0), count: slots.count)
        count = 0
        for slot in kept { _ = insert(slot.digest, place: slot.place) }
    }
}
