import DisclosureCore
import Foundation
import Testing

@testable import GongshiCLI

@Suite("Console login throttle")
struct LoginThrottleTests {
    @Test("five failures in a row lock the name for fifteen minutes, then it may try again; a success clears the count; other names are not touched")
    func lockout() {
        var throttle = LoginThrottle()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for attempt in 1...4 {
            throttle.failed("张三", now: start.addingTimeInterval(Double(attempt)))
            #expect(throttle.lockedUntil("张三", now: start.addingTimeInterval(Double(attempt))) == nil)
        }
        throttle.failed("张三", now: start.addingTimeInterval(5))
        let until = throttle.lockedUntil("张三", now: start.addingTimeInterval(6))
        #expect(until == start.addingTimeInterval(5 + LoginThrottle.lockout))
        #expect(throttle.lockedUntil("李四", now: start.addingTimeInterval(6)) == nil)
        #expect(throttle.lockedUntil("张三", now: start.addingTimeInterval(5 + LoginThrottle.lockout)) == nil)
        // After the lockout, a count begins again from nothing.
        throttle.failed("张三", now: start.addingTimeInterval(10 + LoginThrottle.lockout))
        #expect(throttle.lockedUntil("张三", now: start.addingTimeInterval(11 + LoginThrottle.lockout)) == nil)
        // A success in between clears the count.
        var cleared = LoginThrottle()
        for attempt in 1...4 { cleared.failed("王五", now: start.addingTimeInterval(Double(attempt))) }
        cleared.succeeded("王五")
        cleared.failed("王五", now: start.addingTimeInterval(6))
        #expect(cleared.lockedUntil("王五", now: start.addingTimeInterval(7)) == nil)
    }
}

@Suite("Console decision states")
struct ConsoleDecisionStateTests {
    static func row(valid: Bool, published: String? = nil, exclusion: String? = nil) -> DecisionDeadline {
        DecisionDeadline(
            kind: "administrative-penalty", number: "罚1", portal: "p", pipeline: "x", decisionDate: nil, dueOn: nil, publishedOn: published,
            staged: false, withdrawn: false, valid: valid, validAtFirst: valid, exclusion: exclusion, receivedOn: "2026-11-30")
    }

    @Test("a decision never valid is shown waiting for its corrected file, whatever its deadline state; a valid or published one by its state")
    func waitingForCorrection() {
        #expect(ConsoleServer.stateTitle(Self.row(valid: false), .noDeadline) == "待更正（无截止日期）")
        #expect(ConsoleServer.stateTitle(Self.row(valid: false), .overdue) == "待更正（逾期未公示）")
        #expect(ConsoleServer.stateTitle(Self.row(valid: true), .overdue) == "逾期未公示")
        #expect(ConsoleServer.stateTitle(Self.row(valid: false, published: "2026-11-10"), .onTime) == "按时公示")
        #expect(ConsoleServer.stateTitle(Self.row(valid: false, exclusion: "不予公示"), .notToPublish) == "不予公示")
    }
}
