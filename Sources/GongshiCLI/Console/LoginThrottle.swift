import Foundation

/// Failed logins counted by the name tried: after ``limit`` in a row, that name is refused for
/// ``lockout`` — no password checked and no bcrypt spent, whoever asks, whether the name is a
/// user's or not (the answer tells neither) — and a success clears the count. Without it a
/// password could be guessed at the console's own pace, a quarter of a second of CPU a try.
struct LoginThrottle: Sendable {
    static let limit = 5
    static let lockout: TimeInterval = 15 * 60
    /// The most names kept at once: past it, those not locked are forgotten (a flood of made-up
    /// names does not grow the console's memory).
    static let capacity = 10_000

    private var failures: [String: (count: Int, lockedUntil: Date?)] = [:]

    /// When the name may try again, if it is locked out now.
    func lockedUntil(_ name: String, now: Date) -> Date? {
        guard let until = failures[name]?.lockedUntil, until > now else { return nil }
        return until
    }

    mutating func failed(_ name: String, now: Date) {
        var entry = failures[name] ?? (0, nil)
        if let until = entry.lockedUntil, until <= now { entry = (0, nil) }
        entry.count += 1
        if entry.count >= Self.limit { entry = (0, now.addingTimeInterval(Self.lockout)) }
        failures[name] = entry
        if failures.count > Self.capacity { failures = failures.filter { $0.value.lockedUntil.map { $0 > now } ?? false } }
    }

    mutating func succeeded(_ name: String) { failures[name] = nil }
}
