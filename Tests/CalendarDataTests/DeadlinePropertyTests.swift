import CalendarData
import Testing
import WorkingDayCalendar

/// Properties of the deadline rule for every decision date from 2019-01-01 to the end of coverage
/// and N = 1…20 (about 58,000 deadlines).
@Suite("Deadline properties over the whole bundled calendar")
struct DeadlinePropertyTests {
    @Test("deadline is a working day, grows with N, is N working days away, and is refused exactly where coverage ends")
    func properties() throws {
        let calendar = try #require(CalendarLoader.load(directory: nil).calendar)
        let last = calendar.coverage.upperBound
        var decision = calendar.coverage.lowerBound
        var checked = 0
        var failures: [String] = []
        while decision <= last {
            // Working days left after the decision date, counted independently of deadline(after:).
            let left = try calendar.workingDays(from: decision, to: last)
            var previous: CalendarDate?
            for n in 1...20 {
                guard n <= left else {
                    do {
                        _ = try calendar.deadline(after: decision, workingDays: n)
                        failures.append("\(decision) +\(n): expected a refusal, \(left) working days remain")
                    } catch .countRunsPastCoverage {
                    } catch {
                        failures.append("\(decision) +\(n): wrong error \(error)")
                    }
                    continue
                }
                let deadline = try calendar.deadline(after: decision, workingDays: n)
                if try !calendar.isWorkingDay(deadline) { failures.append("\(decision) +\(n): \(deadline) is a day off") }
                if let previous, deadline <= previous { failures.append("\(decision) +\(n): not after \(previous)") }
                if try calendar.workingDays(from: decision, to: deadline) != n {
                    failures.append("\(decision) +\(n): \(deadline) is not \(n) working days away")
                }
                if deadline <= decision { failures.append("\(decision) +\(n): deadline not after the decision") }
                previous = deadline
                checked += 1
            }
            decision = decision.adding(days: 1)
        }
        #expect(failures.isEmpty, "\(failures.prefix(20))")
        #expect(checked > 57_000)
        // Before the first covered date nothing is counted.
        #expect(throws: WorkingDayCalendarError.notCovered(
            calendar.coverage.lowerBound.adding(days: -1), coverage: calendar.coverage)
        ) {
            try calendar.deadline(after: calendar.coverage.lowerBound.adding(days: -1), workingDays: 1)
        }
    }
}
