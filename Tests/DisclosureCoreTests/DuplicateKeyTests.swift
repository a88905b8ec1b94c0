import DisclosureCore
import GongshiTesting
import Testing
import WorkingDayCalendar

/// A clean record's decision key is hashed from its cells where they lie; a record the full check
/// reads is hashed from its normalized values. The two must agree, or a duplicate split across the
/// two paths goes unseen.
@Suite("Duplicate keys across the fast and the full check")
struct DuplicateKeyTests {
    static let schema = DuplicateKeyFixture.schema

    /// The rows that are reported as duplicates, in order.
    static func duplicateRows(_ rows: [[String]]) throws -> [Int] {
        var session = try ValidationSession(schema: schema, today: try CalendarDate.parse("2026-11-30"))
        session.beginFile("dup.csv")
        let usable = session.header(["文号", "名称", "备注"])
        #expect(usable)
        for (index, row) in rows.enumerated() {
            session.record(row: index + 2, cells: .of(row))
        }
        return session.drainIssues().filter { $0.type == "duplicate-key" }.compactMap(\.row)
    }

    @Test("a clean record and one normalized to the same key are duplicates, in either order; the key's parts stay apart")
    func acrossPaths() throws {
        let rows = [
            ["A1", "甲公司", ""],  // row 2: clean
            [" A1", "甲公司", ""],  // row 3: a leading space, trimmed by the full check: the same key
            ["A2", "乙公司", " 备注"],  // row 4: read by the full check (a leading space elsewhere)
            ["A2", "乙公司", ""],  // row 5: clean, the key of row 4
            ["A2乙", "公司", ""],  // row 6: the same bytes run together, another key
            ["A3", "丙公司", ""],  // row 7: clean, new
        ]
        #expect(try Self.duplicateRows(rows) == [3, 5])
    }
}
