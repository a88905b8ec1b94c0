import CalendarData
import Foundation
import GongshiTesting
import Testing
import WorkingDayCalendar

/// One folder of `fixtures/calendars/check/`: calendar files and the issues they must produce.
struct CheckCase: CustomTestStringConvertible, Sendable {
    let name: String
    var testDescription: String { name }
    var folder: URL { Fixtures.url("calendars/check/\(name)") }

    /// `FILE:LINE CODE [warning]`, or `. CODE` for the folder as a whole.
    var expected: [String] {
        get throws {
            try Fixtures.tableRows("calendars/check/\(name)/expected.txt").sorted()
        }
    }

    static func all() throws -> [CheckCase] {
        try FileManager.default.contentsOfDirectory(atPath: Fixtures.url("calendars/check").path)
            .sorted().map(CheckCase.init(name:))
    }
}

@Suite("Calendar file checks")
struct CalendarCheckTests {
    @Test("each faulty folder yields exactly its expected issues, located by file and line", arguments: try CheckCase.all())
    func expectedIssues(_ check: CheckCase) throws {
        let loaded = CalendarLoader.load(directory: check.folder.path)
        let found = loaded.issues.map { issue -> String in
            let place: String
            if issue.file == check.folder.path {
                place = "."
            } else {
                let name = URL(fileURLWithPath: issue.file).lastPathComponent
                place = issue.line.map { "\(name):\($0)" } ?? name
            }
            return "\(place) \(issue.code)" + (issue.severity == .warning ? " warning" : "")
        }.sorted()
        #expect(found == (try check.expected))
        // Any error means no calendar at all: a wrong calendar is worse than none.
        #expect((loaded.calendar == nil) == loaded.issues.contains { $0.severity == .error })
        for issue in loaded.issues { #expect(!issue.message.isEmpty) }
    }

    @Test("a user's file for a new year extends the coverage without a rebuild")
    func newYearExtends() throws {
        let loaded = CalendarLoader.load(directory: Fixtures.url("calendars/example-2027").path)
        #expect(loaded.issues.isEmpty, "\(loaded.issues)")
        let calendar = try #require(loaded.calendar)
        #expect(calendar.coverage.upperBound.description == "2027-12-31")
        #expect(loaded.sources.last?.year == 2027)
        #expect(loaded.sources.last?.file.hasSuffix("example-2027/2027.yaml") == true)
        #expect(loaded.sources.first?.file == "bundled:schemas/calendars/2019.yaml")
    }

    @Test("a user's file for a bundled year replaces it")
    func userYearReplaces() throws {
        let folder = Scratch.root.appendingPathComponent("gongshi-replace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // 2020 as first published, before the Spring Festival extension: Feb 1 a make-up day, Jan 31 a working day.
        let original = try String(
            contentsOf: Fixtures.root.appendingPathComponent("schemas/calendars/2020.yaml"), encoding: .utf8)
        let unextended = original
            .replacingOccurrences(of: "  - 2020-01-31 春节\n", with: "")
            .replacingOccurrences(of: "  - 2020-01-19 春节\n", with: "  - 2020-01-19 春节\n  - 2020-02-01 春节\n")
        try unextended.write(to: folder.appendingPathComponent("2020.yaml"), atomically: true, encoding: .utf8)
        let calendar = try #require(CalendarLoader.load(directory: folder.path).calendar)
        let decision = try CalendarDate.parse("2020-01-23")
        #expect(try calendar.deadline(after: decision, workingDays: 7).description == "2020-02-07")
    }

    @Test("an unreadable folder or file is a located error, never a crash")
    func unreadable() throws {
        let missing = CalendarLoader.load(directory: "/nonexistent/gongshi-calendars")
        #expect(missing.calendar == nil)
        #expect(missing.issues.map(\.code) == ["calendar-unreadable"])

        let folder = Scratch.root.appendingPathComponent("gongshi-unreadable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data([0x79, 0x65, 0x61, 0x72, 0x3A, 0x20, 0xD6, 0xD0]).write(to: folder.appendingPathComponent("2027.yaml"))
        let notUTF8 = CalendarLoader.load(directory: folder.path)
        #expect(notUTF8.calendar == nil)
        #expect(notUTF8.issues.map(\.code) == ["calendar-unreadable"])
        #expect(notUTF8.issues.first?.file.hasSuffix("2027.yaml") == true)

        let file = folder.appendingPathComponent("2027.yaml")
        let notAFolder = CalendarLoader.load(directory: file.path)
        #expect(notAFolder.issues.map(\.code) == ["calendar-unreadable"])
    }
}
