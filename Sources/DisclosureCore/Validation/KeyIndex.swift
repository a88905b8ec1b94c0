/// Decision keys seen in a batch, by 64-bit digest, each with where it was first seen: an
/// open-addressing table with linear probing, sized from an estimate so that it does not grow (and
/// briefly hold two copies of itself) while records arrive. 16 bytes a slot at most 80% full:
/// about 20 MB for a million records, where a `Dictionary` takes 33 MB and 50 MB while it grows.
struct KeyIndex {
    private var digests: [UInt64] = []
    private var places: [UInt64] = []
    private(set) var count = 0

    /// Makes room for `total` keys in all.
    mutating func reserve(_ total: Int) {
        let needed = max(16, total * 5 / 4 + 1)
        guard needed > digests.count else { return }
        let old = (digests, places)
        digests = Array(repeating: 0, count: needed)
        places = Array(repeating: 0, count: needed)
        count = 0
        for (digest, place) in zip(old.0, old.1) where digest != 0 { _ = insert(digest, place: place) }
    }

    /// The place where `digest` was first seen, or `nil` after noting it at `place`.
    mutating func insert(_ digest: UInt64, place: UInt64) -> UInt64? {
        if (count + 1) * 5 > digests.count * 4 { reserve(max(1024, count * 2)) }
        let key = digest == 0 ? 1 : digest  // 0 marks an empty slot
        var slot = Int(truncatingIfNeeded: key.multipliedFullWidth(by: UInt64(digests.count)).high)
        while true {
            let found = digests[slot]
            if found == 0 {
                digests[slot] = key
                places[slot] = place
                count += 1
                return nil
            }
            if found == key { return places[slot] }
            slot += 1
            if slot == digests.count { slot = 0 }
        }
    }

    /// Forgets every key whose place satisfies `drop` (the keys of a file that failed).
    mutating func removeAll(where drop: (UInt64) -> Bool) {
        let kept = zip(digests, places).filter { $0.0 != 0 && !drop($0.1) }
        let capacity = digests.count
        digests = Array(repeating: 0, count: capacity)
        places = Array(repeating: 0, count: capacity)
        count = 0
        for (digest, place) in kept { _ = insert(digest, place: place) }
    }
}
