import Foundation
import GongshiTesting
import Testing

/// "Today" is the date in Asia/Shanghai whatever the machine's time zone.
///
/// The real clock is set with libfaketime (Debian package `faketime`, installed by
/// `scripts/install-system-packages`), frozen at the instant, so the code path that reads the
/// system clock is the one under test.
@Suite("today in Asia/Shanghai")
struct TodayTests {
    static let faketime = "/usr/bin/faketime"

    @Test(
        "at instants around midnight, in any machine time zone",
        arguments: [
            ("UTC", 1_795_967_999 as Int64, "2026-11-29"),  // 2026-11-29T15:59:59Z = 23:59:59 in Shanghai
            ("UTC", 1_795_968_000, "2026-11-30"),  // 16:00:00Z = midnight in Shanghai
            ("America/Los_Angeles", 1_795_967_999, "2026-11-29"),  // 07:59:59 in Los Angeles, same day
            ("America/Los_Angeles", 1_795_968_000, "2026-11-30"),
            ("America/Los_Angeles", 1_795_939_200, "2026-11-29"),  // 00:00 in LA on the 29th = 16:00 in Shanghai
            ("America/Los_Angeles", 1_795_996_799, "2026-11-30"),  // 23:59:59 in LA on the 29th: already the 30th in Shanghai
            ("UTC", 1_767_196_800, "2026-01-01"),  // 2025-12-31T16:00:00Z: New Year in Shanghai
            ("Asia/Shanghai", 1_795_967_999, "2026-11-29"),
        ])
    func todayAroundMidnight(zone: String, instant: Int64, expected: String) throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.faketime), "install faketime: scripts/install-system-packages")
        let result = try GongshiProcess.run(
            ["calendar", "today"], environment: ["TZ": zone],
            launcher: [Self.faketime, "-f", Self.wallClock(instant, zone: zone)])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "\(expected)\n")
    }

    /// The instant as the machine's wall clock shows it in `zone`: libfaketime reads a frozen
    /// absolute time in the process's own `TZ`.
    static func wallClock(_ instant: Int64, zone: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: zone)
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(instant)))
    }

    @Test("--today wins over the clock")
    func todayFlag() throws {
        let result = try GongshiProcess.run(
            ["calendar", "today", "--today", "2020-01-23"],
            environment: ["TZ": "UTC"], launcher: [Self.faketime, "-f", "2026-11-29 16:00:00"])
        #expect(result.stdout == "2020-01-23\n")
    }
}
