/// Answers already worked out, by key, at most `limit` at a time (when full it starts again):
/// a run's records share few of whatever decides an answer (a date, a 处罚类别), and memory stays
/// bounded whatever the input. One per loop or per owner; not shared between threads.
struct BoundedMemo<Key: Hashable, Value> {
    let limit: Int
    private var known: [Key: Value] = [:]

    init(limit: Int = 4096) { self.limit = limit }

    /// The answer for `key`, made by `make` the first time it is asked for.
    mutating func value(for key: Key, _ make: () -> Value) -> Value {
        if let value = known[key] { return value }
        let value = make()
        if known.count >= limit { known.removeAll(keepingCapacity: true) }
        known[key] = value
        return value
    }
}
