import DisclosureCore
import Foundation
import GongshiTesting
@testable import PipelineRunner
import Testing
import WorkingDayCalendar

/// Decision keys beyond what memory holds are written to a temporary file (``KeyRunFile``), so
/// that memory does not grow with the input; a duplicate is found the same wherever its first
/// record's key is.
@Suite("Decision keys written out")
struct KeyRunFileTests {
    static let schema = DuplicateKeyFixture.schema

    /// A batch of files through one session: each file's rows as (number, name); a file named
    /// `failed…` fails after its rows. Returns every duplicate as "file:row→first row" and the
    /// other errors as "type@row".
    static func check(
        _ files: [(name: String, rows: [(String, String)])], runs: (any KeyRuns)?, keysInMemory: Int
    ) throws -> (duplicates: [String], errors: [String]) {
        var session = try ValidationSession(
            schema: schema, today: try CalendarDate.parse("2026-11-30"), keyRuns: runs, keysInMemory: keysInMemory)
        var duplicates: [String] = []
        var errors: [String] = []
        for file in files {
            session.beginFile(file.name)
            let usable = session.header(["文号", "名称", "备注"])
            #expect(usable)
            for (index, row) in file.rows.enumerated() {
                session.record(row: index + 2, cells: .of([row.0, row.1, ""]))
            }
            if file.name.hasPrefix("failed") { session.failFile(Issue("unreadable", zh: "读不下去", en: "unreadable")) }
            for issue in session.drainIssues() where issue.severity == .error {
                if issue.type == "duplicate-key" {
                    duplicates.append("\(file.name):\(issue.row ?? 0)→\(issue.message.en)")
                } else {
                    errors.append("\(issue.type)@\(issue.row ?? 0)")
                }
            }
            _ = session.endFile()
        }
        return (duplicates, errors)
    }

    /// 2,000 decisions in three files, with duplicates within and across files, far apart and
    /// close together; the second file fails after its rows, and its keys come again later.
    static let files: [(name: String, rows: [(String, String)])] = {
        func rows(_ numbers: [Int]) -> [(String, String)] { numbers.map { ("罚\($0)", "公司\($0 % 7)") } }
        return [
            ("a.csv", rows(Array(0..<900) + [5, 899, 450])),  // three duplicates of a.csv's own
            ("failed.csv", rows(Array(900..<1200) + [10])),  // fails: its keys are forgotten, its duplicate of a.csv too
            ("b.csv", rows(Array(1000..<2000) + [0, 1100, 1999, 1999])),  // 1000–1199 new again; 0 from a.csv; 1100, 1999 own
        ]
    }()

    @Test("with a few keys in memory and the rest in a file: the same duplicates, naming the same first rows, as with every key in memory; a failed file's keys are forgotten though written out")
    func sameDuplicates() throws {
        let inMemory = try Self.check(Self.files, runs: nil, keysInMemory: 1 << 18)
        let written = try Self.check(Self.files, runs: try KeyRunFile(), keysInMemory: 64)
        #expect(written.duplicates == inMemory.duplicates)
        #expect(written.errors == inMemory.errors)
        #expect(written.errors == ["unreadable@0"], "\(written.errors)")  // the failed file's failure, nothing else
        #expect(
            written.duplicates == [
                "a.csv:902→same 文号、名称 as row 7", "a.csv:903→same 文号、名称 as row 901", "a.csv:904→same 文号、名称 as row 452",
                "b.csv:1002→same 文号、名称 as a.csv row 2", "b.csv:1003→same 文号、名称 as row 102", "b.csv:1004→same 文号、名称 as row 1001",
                "b.csv:1005→same 文号、名称 as row 1001",
            ], "\(written.duplicates)")
    }

    /// Runs that are written but cannot be read back (the disk failed under them).
    final class Unreadable: KeyRuns {
        let file: KeyRunFile
        init() throws { file = try KeyRunFile() }
        func append(_ slots: UnsafeBufferPointer<UInt64>) throws -> Int { try file.append(slots) }
        func read(from first: Int, into buffer: UnsafeMutableBufferPointer<UInt64>) throws {
            throw CommandFailure(status: ExitStatus.ioError, code: "key-file-failed", message: "读取失败")
        }
    }

    @Test("a key that cannot be looked up on disk is an error on its record (not to be published), never taken for a new one")
    func unreadableIsAnError() throws {
        let rows = (0..<100).map { ("罚\($0)", "公司") } + [("罚3", "公司")]
        let checked = try Self.check([("a.csv", rows)], runs: try Unreadable(), keysInMemory: 16)
        // 罚3 went out with the first 16 keys: its second record (row 102) cannot be checked. A new
        // key that a run's filter takes for one of its own (about one in a hundred) cannot be
        // either, and is refused the same way.
        #expect(checked.duplicates.isEmpty)
        #expect(checked.errors.contains("duplicate-check-failed@102"), "\(checked.errors)")
        #expect(checked.errors.allSatisfy { $0.hasPrefix("duplicate-check-failed@") }, "\(checked.errors)")
        #expect(checked.errors.count < 20, "\(checked.errors)")
    }
}
