import DisclosureCore
import GongshiTesting
import Testing
import WorkingDayCalendar

/// A record sink may do its work on a record where the record is checked and let its values go
/// there (`RecordOutcome.releasingValues`): the session must still count it, place its problems,
/// find its duplicates and note its decision (number and date) exactly as for a record with all its
/// values, and hand it on with its place in the sink's work.
@Suite("Records prepared where they were checked")
struct PreparedOutcomeTests {
    static let schema = PublicationSchema(
        id: "prep", version: 1, title: "预备", aliases: [], decisionDateField: "日期", duplicateKey: ["文号"],
        fields: [FieldSpec(name: "文号", kind: .text), FieldSpec(name: "日期", kind: .text), FieldSpec(name: "备注", kind: .text)])

    final class Work: Sendable {}

    /// A row's cells as a reader hands them over.
    static func cells(_ row: [String]) -> CellBytes { .of(row) }

    /// The session's results for `rows`, each merged as checked or (`prepared`) with its values let go.
    static func merged(_ rows: [[String]], prepared: Bool, work: Work) throws -> (
        records: [ValidRecord], sightings: [DecisionSighting], issues: [String], report: ValidationReport
    ) {
        var session = try ValidationSession(schema: schema, today: try CalendarDate.parse("2026-11-30"), collectsRecords: true)
        session.beginFile("p.csv")
        let usable = session.header(["文号", "日期", "备注"])
        #expect(usable)
        var evaluator = try #require(session.evaluator())
        for (index, row) in rows.enumerated() {
            let outcome = evaluator.evaluate(Self.cells(row))
            session.merge(
                row: index + 2, outcome: prepared ? outcome.releasingValues(keepingDateAt: 1) : outcome,
                prepared: prepared ? .init(batch: work, index: index) : nil)
        }
        let records = session.drainRecords()
        let sightings = session.drainSightings().sightings
        let issues = session.drainIssues().map { "\($0.row ?? 0) \($0.type)" }
        session.endFile()
        return (records, sightings, issues, session.report)
    }

    @Test("counted, placed, checked for duplicates and sighted as a record with its values; handed on with its place and no values")
    func sameAsChecked() throws {
        let rows = [
            ["A1", "2026/11/20", ""],  // clean
            ["A2", " 2026/11/21", "备注"],  // normalized by the full check
            ["A1", "2026/11/22", ""],  // a duplicate of row 2: invalid when merged
            [" ", " ", ""],  // blank
            ["A3", "", ""],  // no date
        ]
        let work = Work()
        let checked = try Self.merged(rows, prepared: false, work: work)
        let prepared = try Self.merged(rows, prepared: true, work: work)
        #expect(prepared.issues == checked.issues)
        #expect(checked.issues.contains("4 duplicate-key"))
        #expect(prepared.sightings == checked.sightings)
        #expect(prepared.sightings.map(\.decisionDate) == ["2026/11/20", "2026/11/21", "2026/11/22", nil])
        #expect(prepared.report.files.map(\.valid) == checked.report.files.map(\.valid))
        #expect(prepared.report.files.map(\.invalid) == [1])
        // The same records, by row; without values, each with its place in the work.
        #expect(prepared.records.map(\.row) == [2, 3, 6])
        #expect(checked.records.map(\.row) == [2, 3, 6])
        #expect(prepared.records.allSatisfy { $0.values.isEmpty })
        #expect(prepared.records.map { $0.prepared?.index } == [0, 1, 4])
        #expect(prepared.records.allSatisfy { $0.prepared?.batch === work })
        #expect(checked.records.allSatisfy { $0.prepared == nil && $0.values.count == 3 })
    }

    @Test("letting the values go keeps the decision date and leaves other outcomes as they were")
    func releasing() throws {
        let schema = Self.schema
        var session = try ValidationSession(schema: schema, today: try CalendarDate.parse("2026-11-30"), collectsRecords: true)
        session.beginFile("p.csv")
        let usable = session.header(["文号", "日期", "备注"])
        #expect(usable)
        var evaluator = try #require(session.evaluator())
        let blank = evaluator.evaluate(CellBytes(bytes: Array("   ".utf8), cellEnds: [1, 2, 3]))
        guard case .blank = blank.releasingValues(keepingDateAt: 1) else {
            Issue.record("a blank row changed")
            return
        }
        let outcome = evaluator.evaluate(Self.cells(["B1", "2026/01/02", "x"]))
        guard case .prepared(_, let keyText, let issues, let date) = outcome.releasingValues(keepingDateAt: 1) else {
            Issue.record("not released")
            return
        }
        #expect(date == "2026/01/02" && issues.isEmpty && keyText.value == "B1")
        guard case .prepared(_, _, _, let none) = outcome.releasingValues(keepingDateAt: nil) else {
            Issue.record("not released")
            return
        }
        #expect(none == nil)
    }

    @Test("only a record the fast check found clean says its texts are clear of what the screen looks for")
    func textsClear() throws {
        var session = try ValidationSession(schema: Self.schema, today: try CalendarDate.parse("2026-11-30"), collectsRecords: true)
        session.beginFile("p.csv")
        let usable = session.header(["文号", "日期", "备注"])
        #expect(usable)
        var evaluator = try #require(session.evaluator())
        func clear(_ row: [String]) -> Bool? {
            guard case .checked(_, _, _, _, let clear) = evaluator.evaluate(Self.cells(row)) else { return nil }
            return clear
        }
        #expect(clear(["A1", "2026/11/20", "已整改"]) == true)
        #expect(clear(["A2", "2026/11/20", ""]) == true)
        // A phone number, an ID number, an address word, a full-width digit: the full check, not clear.
        #expect(clear(["A3", "2026/11/20", "电话13803710000"]) == false)
        #expect(clear(["A4", "2026/11/20", "身份证410122198503121231"]) == false)
        #expect(clear(["A5", "2026/11/20", "家住某街"]) == false)
        #expect(clear(["A6", "2026/11/20", "１号"]) == false)
        // Whitespace at a cell's ends is trimmed on the fast path: its texts are still clear.
        #expect(clear(["A7", " 2026/11/20", "已整改 "]) == true)
        #expect(clear(["A8", "2026/11/20", " 电话13803710000"]) == false)
        // Normalized by the full check (an invisible character): not clear.
        #expect(clear(["A9", "\u{200B}2026/11/20", "已整改"]) == false)
    }

    @Test("a clean record's values by field: its columns' texts, nil for an empty cell or a field without a column, from shared storage")
    func valuesByField() {
        // Two records back to back in one storage; the second is read: "甲号", "", "c,d".
        let bytes = Array("x1y2甲号c,d".utf8)
        let ends = [1, 2, 3, 4, 10, 10, 13]
        let second = CellBytes(bytes: bytes, cellEnds: ends, firstCell: 4, start: 4, count: 3)
        #expect(second.values(byField: [2, nil, 0, 1]) == ["c,d", nil, "甲号", nil])
        #expect(second.values(byField: []) == [])
        let first = CellBytes(bytes: bytes, cellEnds: ends, firstCell: 0, start: 0, count: 4)
        #expect(first.values(byField: [3, 0]) == ["2", "x"])
        // The values a session hands on for a clean record are these.
        let evaluated = try? Self.merged([["A1", "2026/11/20", ""]], prepared: false, work: Work())
        #expect(evaluated?.records.first?.values == ["A1", "2026/11/20", nil])
    }

    @Test("a clean record's texts made from its checked bytes are its cells' texts, Chinese and full-width punctuation too, and so is its key's")
    func cleanTextsAreTheCells() throws {
        let rows = [
            ["牟城管罚〔2025〕100001号", "2026/11/20", "已整改，罚款贰佰元（￥200）"],
            ["牟城管罚〔2025〕100002号", "2026/11/21", "A"],
            ["甲", "2026/11/22", "中牟县城市管理局——行政处罚"],
            ["91410122MA44XXXX1X-2026", "2026/11/23", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"],
        ]
        let evaluated = try Self.merged(rows, prepared: false, work: Work())
        #expect(evaluated.issues == [])
        #expect(evaluated.records.map(\.values) == rows.map { [$0[0], $0[1], $0[2]] })
        #expect(evaluated.sightings.map(\.number) == rows.map { $0[0] })
        // Byte for byte, not only equal as texts (which compares them by canonical equivalence).
        #expect(evaluated.records.map { $0.values.map { $0.map { Array($0.utf8) } } } == rows.map { $0.map { Array($0.utf8) } })
        // Noted ASCII where they are, as validated texts are: a text not known to be ASCII is
        // compared and hashed by the slower general path.
        for record in evaluated.records {
            for value in record.values.compactMap({ $0 }) {
                let validated = String(decoding: Array(value.utf8), as: UTF8.self)
                #expect(value.utf8Span.isKnownASCII == validated.utf8Span.isKnownASCII && value.utf8Span.isKnownASCII == value.utf8.allSatisfy { $0 < 0x80 }, "\(value)")
            }
        }
        #expect(evaluated.sightings.allSatisfy { $0.number.utf8Span.isKnownASCII == $0.number.utf8.allSatisfy { $0 < 0x80 } })
    }
}

/// A date written YYYY-MM-DD is clean for the fast check (it had sent every record of such a file
/// to the full check, ten times slower): the record's warnings and values must be the full check's,
/// each date written YYYY/MM/DD with its `normalized-date` warning.
@Suite("Dates written YYYY-MM-DD on the fast path")
struct DashedDateTests {
    static var schema: PublicationSchema { schema(key: ["文号"]) }

    static func schema(key: [String]) -> PublicationSchema {
        var decided = FieldSpec(name: "决定日期", kind: .date)
        decided.required = true
        decided.notAfterToday = true
        var until = FieldSpec(name: "有效期至", kind: .date)
        until.notBefore = ["决定日期"]
        return PublicationSchema(
            id: "dash", version: 1, title: "日期", aliases: [], decisionDateField: "决定日期", duplicateKey: key,
            fields: [FieldSpec(name: "文号", kind: .text), decided, until, FieldSpec(name: "备注", kind: .text)])
    }

    @Test("a record's outcome is the full check's, however its dates are written; a clean one's taken on the fast path")
    func sameAsFullCheck() throws {
        let today = try CalendarDate.parse("2026-11-30")
        let rows: [(cells: [String], fast: Bool)] = [
            (["A1", "2026-11-20", "2027-11-20", ""], true),
            (["A2", "2026/11/20", "2027-11-20", "备注"], true),
            (["A3", "2026-11-20", "2026/11/20", ""], true),
            (["A4", "2026-11-20", "2026-11-19", ""], false),  // 有效期至 before 决定日期
            (["A5", "2026-12-01", "", ""], false),  // after today
            (["A6", "2026-02-30", "", ""], false),  // no such day
            (["A7", "2026-1-5", "", ""], true),  // another form the full check reads: rewritten, with its warning
            (["A7a", "2026/11/2", "2027/1/31", ""], true),  // as Excel writes dates in Chinese
            (["A7b", "20261120", "2027-11-20", ""], true),
            (["A7c", "2026/11-20", "", ""], false),  // two separators: not a date
            (["A7d", "2026/13/1", "", ""], false),  // no such month
            (["A7e", "2026/2/29", "", ""], false),  // no such day
            (["A7f", "20261320", "", ""], false),
            (["A7g", "2026/011/20", "", ""], false),
            (["A7h", "0000/1/1", "", ""], false),
            (["A7i", "2026/11/20", "2026/11/9", ""], false),  // 有效期至 before 决定日期
            (["A7j", "2026/12/1", "", ""], false),  // after today
            (["A8", "2026-11-20 ", "", ""], true),  // a space: trimmed, then a dashed date
            (["A9", "2026年11月20日", "", ""], false),
            // Whitespace at a cell's ends: its trimmed text, with the full check's warning.
            ([" A10", "2026/11/20", "", ""], true),
            (["A11\u{3000}", "\t2026-11-20\r\n", "2027/11/20\u{00A0}", " 备注 "], true),
            (["A12", "2026/11/20", "", "   "], false),  // nothing but whitespace
            (["A13", "2026/11/20", "", " \u{200B}备注"], false),  // an invisible character: the full check's
            (["A14", "2026/11/20", "", "=1 "], false),  // a formula, once trimmed
            (["A15 ", " 2026/12/01", "", ""], false),  // after today, once trimmed
        ]
        var session = try ValidationSession(schema: Self.schema, today: today, collectsRecords: true)
        session.beginFile("d.csv")
        let usable = session.header(["文号", "决定日期", "有效期至", "备注"])
        #expect(usable)
        var evaluator = try #require(session.evaluator())
        let full = try RecordValidator(schema: Self.schema, today: today)
        let shown = { (issue: DisclosureCore.Issue) -> String in "\(issue.type) \(issue.field ?? "") \(issue.value ?? "") \(issue.message.zh)" }
        for (cells, fast) in rows {
            guard case .checked(_, _, let issues, let values?, let clear) = evaluator.evaluate(.of(cells)) else {
                Testing.Issue.record("\(cells): not checked")
                continue
            }
            let expected = full.check(cells)
            #expect(issues.map(shown) == expected.issues.map(shown), "\(cells)")
            #expect(values == expected.values, "\(cells)")
            #expect(clear == fast, "\(cells)")
        }
    }

    @Test("a decision key is its normal form: the same decision with its date written either way, or with whitespace about its cells, is a duplicate")
    func keyOfADate() throws {
        let schema = Self.schema(key: ["文号", "决定日期"])
        var session = try ValidationSession(schema: schema, today: try CalendarDate.parse("2026-11-30"), collectsRecords: true)
        session.beginFile("d.csv")
        let usable = session.header(["文号", "决定日期", "有效期至", "备注"])
        #expect(usable)
        var evaluator = try #require(session.evaluator())
        for (index, row) in [["A1", "2026/11/20", "", ""], ["A1", "2026-11-20", "", ""], [" A1\u{3000}", " 2026/11/20 ", "", ""], ["A1 ", " 2026-11-20", "", ""], ["A1", "2026/11/20", "2027/1/1", ""], ["A1", "20261120", "", ""]].enumerated() {
            session.merge(row: index + 2, outcome: evaluator.evaluate(.of(row)))
        }
        let duplicates = session.drainIssues().filter { $0.type == "duplicate-key" }
        #expect(duplicates.map { $0.row ?? 0 } == [3, 4, 5, 6, 7])
        #expect(duplicates.allSatisfy { $0.value == "A1" }, "\(duplicates.map(\.value))")
    }
}
