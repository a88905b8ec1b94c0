/// Answers already worked out, by key, at most `limit` at a time (when full it starts again):
/// a run's records share few of whatever decides an answer (a date, a 处罚类别), and memory stays
/// bounded whatever the input. One per loop or per owner; shared between threads only under a lock.
struct BoundedMemo<Key: Hashable, Value> {
    let limit: Int
    private var answers: [Key: Value] = [:]

    init(limit: Int = 4096) { self.limit = limit }

    /// The answer for `key`, if it is known.
    func known(_ key: Key) -> Value? { answers[key] }

    /// Notes the answer for `key` (made outside, for a memo shared under a lock).
    mutating func note(_ key: Key, _ value: Value) {
        if answers.count >= limit { answers.removeAll(keepingCapacity: true) }
        answers[key] = value
    }

    /// The answer for `key`, made by `make` the first time it is asked for.
    mutating func value(for key: Key, _ make: () -> Value) -> Value {
        if let value = answers[key] { return value }
        let value = make()
        note(key, value)
        return value
    }
}
