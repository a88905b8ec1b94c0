import DisclosureCore
import Foundation
import PipelineRunner

/// Failed logins counted by the name tried: after ``limit`` in a row, that name is refused for
/// ``lockout`` — no password checked and no bcrypt spent, whoever asks, whether the name is a
/// user's or not (the answer tells neither) — and a success clears the count. Without it a
/// password could be guessed at the console's own pace, a quarter of a second of CPU a try.
///
/// The lockouts in force (name → until, nothing else) outlive a restart of the console: they are
/// kept in a small file beside the accounts file (``LockoutFile``), written when one begins. The
/// counts of failures not yet at the limit are not (a restart forgets at most four tries a name).
struct LoginThrottle: Sendable {
    static let limit = 5
    static let lockout: TimeInterval = 15 * 60
    /// The most names kept at once: past it, those not locked are forgotten (a flood of made-up
    /// names does not grow the console's memory).
    static let capacity = 10_000

    private var failures: [String: (count: Int, lockedUntil: Date?)] = [:]

    init(lockouts: [String: Date] = [:]) {
        for (name, until) in lockouts { failures[name] = (0, until) }
    }

    /// The lockouts in force at `now`: what is kept across a restart.
    func lockouts(now: Date) -> [String: Date] {
        failures.compactMapValues { entry in entry.lockedUntil.flatMap { $0 > now ? $0 : nil } }
    }

    /// When the name may try again, if it is locked out now.
    func lockedUntil(_ name: String, now: Date) -> Date? {
        guard let until = failures[name]?.lockedUntil, until > now else { return nil }
        return until
    }

    /// Counts a failure; whether it locked the name out.
    @discardableResult
    mutating func failed(_ name: String, now: Date) -> Bool {
        var entry = failures[name] ?? (0, nil)
        if let until = entry.lockedUntil, until <= now { entry = (0, nil) }
        entry.count += 1
        let locked = entry.count >= Self.limit
        if locked { entry = (0, now.addingTimeInterval(Self.lockout)) }
        failures[name] = entry
        if failures.count > Self.capacity { failures = failures.filter { $0.value.lockedUntil.map { $0 > now } ?? false } }
        return locked
    }

    mutating func succeeded(_ name: String) { failures[name] = nil }
}

/// The console's lockouts in force, beside its accounts file (`var/console-users.json` →
/// `var/console-users-lockouts.json`), mode 0600: `{"lockedUntil": {"NAME": SECONDS-SINCE-1970}}`,
/// the names tried and when each may try again — no password, no address. Written under a
/// temporary name and renamed (never half-written); those already over are left out.
enum LockoutFile {
    struct Contents: Codable {
        var lockedUntil: [String: Double]
    }

    static func path(besides users: String) -> String {
        (users.hasSuffix(".json") ? String(users.dropLast(5)) : users) + "-lockouts.json"
    }

    /// The lockouts kept (none when there is no file yet); those over by `now` are dropped.
    static func load(_ path: String, now: Date) throws(CommandFailure) -> [String: Date] {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) {
                throw CommandFailure(status: ExitStatus.configuration, code: "lockout-file-bad", message: "无法读取登录锁定文件 \(path)")
            }
            return [:]
        }
        guard let contents = try? JSONDecoder().decode(Contents.self, from: data) else {
            throw CommandFailure(
                status: ExitStatus.configuration, code: "lockout-file-bad",
                message: "登录锁定文件 \(path) 不是 gongshi 的锁定文件；删除它即解除所有锁定")
        }
        return contents.lockedUntil.mapValues { Date(timeIntervalSince1970: $0) }.filter { $0.value > now }
    }

    static func save(_ lockouts: [String: Date], to path: String) throws(CommandFailure) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let temporary = path + ".tmp-\(getpid())"
        guard let data = try? encoder.encode(Contents(lockedUntil: lockouts.mapValues(\.timeIntervalSince1970))),
            FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]),
            rename(temporary, path) == 0
        else {
            unlink(temporary)
            throw CommandFailure(status: ExitStatus.cantCreate, code: "lockout-file-write", message: "无法写入登录锁定文件 \(path)")
        }
    }
}
