import CalendarData
import Foundation
import GongshiTesting
import Testing
import WorkingDayCalendar

/// One case of `fixtures/calendars/deadline-cases.txt`.
struct DeadlineCase: CustomTestStringConvertible, Sendable {
    let decision: String
    let workingDays: Int
    let expected: String  // a date, or "refused"
    let why: String

    var testDescription: String { "\(decision) +\(workingDays) → \(expected): \(why)" }

    static func all() throws -> [DeadlineCase] {
        try Fixtures.tableRows("calendars/deadline-cases.txt").map { row in
            let columns = row.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
            return DeadlineCase(
                decision: String(columns[0]), workingDays: Int(columns[1]) ?? 0, expected: String(columns[2]),
                why: columns.count > 3 ? columns[3].trimmingCharacters(in: .whitespaces) : "")
        }
    }
}

@Suite("Deadlines on the national calendar, table-driven")
struct DeadlineTableTests {
    @Test("the table covers every year 2019–2026")
    func everyYear() throws {
        let years = Set(try DeadlineCase.all().compactMap { Int($0.decision.prefix(4)) })
        #expect(years.isSuperset(of: 2019...2026))
    }

    @Test("deadline", arguments: try DeadlineCase.all())
    func deadline(_ row: DeadlineCase) throws {
        let calendar = try #require(CalendarLoader.load(directory: nil).calendar)
        let decision = try CalendarDate.parse(row.decision)
        if row.expected == "refused" {
            #expect(throws: WorkingDayCalendarError.self) {
                try calendar.deadline(after: decision, workingDays: row.workingDays)
            }
        } else {
            let deadline = try calendar.deadline(after: decision, workingDays: row.workingDays)
            #expect(deadline.description == row.expected)
            #expect(try calendar.workingDays(from: decision, to: deadline) == row.workingDays)
        }
    }
}
