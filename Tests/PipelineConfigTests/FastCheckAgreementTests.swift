import DisclosureCore
import Foundation
import GongshiTesting
import PipelineConfig
import SourceDecoders
import Testing
import WorkingDayCalendar

/// The byte-level fast check may only ever take a record the full validator would find clean, or
/// clean but for the normalizations its evaluator reproduces (whitespace at a cell's ends, a date
/// written YYYY-MM-DD): on every fixture row, and on thousands of rows made by breaking valid rows
/// one cell at a time, the evaluator's problems and values are the full validator's, whichever
/// path it took.
@Suite("FastRecordCheck agrees with RecordValidator")
struct FastCheckAgreementTests {
    struct Case {
        let schema: PublicationSchema
        let header: [String]
        let rows: [[String]]
    }

    static func load(kind: String, file: String) throws -> Case {
        let schema = try SchemaLoader.load(try #require(SchemaDocument.bundled("publication/administrative-\(kind).v2.yaml"))).get()
        let bytes = [UInt8](try Data(contentsOf: Fixtures.url("validate/\(kind)/\(file)")))
        var rows: [[String]] = []
        var scanner = CSVScanner()
        try scanner.consume(bytes) { (row: CSVRow) in rows.append(row.cells) }
        try scanner.finish { (row: CSVRow) in rows.append(row.cells) }
        return Case(schema: schema, header: rows[0], rows: Array(rows.dropFirst()))
    }

    /// Whether the evaluator took the fast path for one row, and whether its problems and values
    /// are what the full validator finds (a message naming the first difference if not), and the
    /// full validator's problems.
    static func judge(_ cells: [String], _ testCase: Case, today: CalendarDate) throws -> (
        fast: Bool, difference: String?, issues: [DisclosureCore.Issue]
    ) {
        var session = try ValidationSession(schema: testCase.schema, today: today, collectsRecords: true)
        session.beginFile("agreement.csv")
        let usable = session.header(testCase.header)
        #expect(usable)
        var evaluator = try #require(session.evaluator())
        let outcome = evaluator.evaluate(.of(cells))
        if case .blank = outcome { return (false, nil, []) }  // not a record: skipped, as the full path would
        guard case .checked(_, let keyText, let issues, let values?, let fast) = outcome else {
            return (false, "not checked", [])
        }
        let (mapping, _) = HeaderMatcher.match(testCase.header, schema: testCase.schema)
        let columns = try #require(mapping)
        var fieldColumns = [Int?](repeating: nil, count: testCase.schema.fields.count)
        for (column, field) in columns.fieldIndexByColumn.enumerated() { if let field { fieldColumns[field] = column } }
        let expected = try RecordValidator(schema: testCase.schema, today: today).check(
            fieldColumns.map { column in column.flatMap { $0 < cells.count ? cells[$0] : nil } })
        let shown = { (issue: DisclosureCore.Issue) in "\(issue.type) \(issue.field ?? "") \(issue.value ?? "") \(issue.message.zh)" }
        if issues.map(shown) != expected.issues.map(shown) {
            return (fast, "problems \(issues.map(shown)) against the full check's \(expected.issues.map(shown))", expected.issues)
        }
        if values != expected.values { return (fast, "values \(values) against the full check's \(expected.values)", expected.issues) }
        let key = testCase.schema.duplicateKey.first.flatMap(testCase.schema.index(of:)).flatMap { expected.values[$0] } ?? ""
        if keyText.value != key { return (fast, "key text \(keyText.value) against \(key)", expected.issues) }
        return (fast, nil, expected.issues)
    }

    static let today = (try? CalendarDate.parse("2026-11-30")) ?? CalendarDate(dayNumber: 0)

    @Test("every fixture row", arguments: [("penalty", "valid.csv"), ("penalty", "invalid.csv"), ("penalty", "excel-quirks.csv"),
                                          ("permit", "valid.csv"), ("permit", "invalid.csv"),
                                          ("permit", "long-term.csv"), ("penalty", "long-term.csv")])
    func fixtureRows(kind: String, file: String) throws {
        let testCase = try Self.load(kind: kind, file: file)
        var cleanRows = 0
        for row in testCase.rows where row.count == testCase.header.count {
            let (fast, difference, _) = try Self.judge(row, testCase, today: Self.today)
            #expect(difference == nil, "\(row): \(difference ?? "")")
            if fast { cleanRows += 1 }
        }
        if file == "valid.csv" { #expect(cleanRows > 0) }
    }

    @Test("valid rows broken one cell at a time, in every way a clerk or Excel might", arguments: ["penalty", "permit"])
    func mutatedRows(kind: String) throws {
        let testCase = try Self.load(kind: kind, file: "valid.csv")
        let pool: [String] = [
            " ", "\u{3000}", "\u{00A0}", "\u{200B}", "\u{2060}", "\u{FEFF}", "\u{FFFE}", "\u{FFFF}", "￥", "ｱ", "\u{202E}", "\u{2066}", "\u{2030}", "a", "Z", "z", "0", "9", "５", "Ａ", "/", "-", ".", ",", "；", ";", "、",
            "其他", "其他-", "罚款", "警告", "郑", "=\"", "'", "E+17", "2026/11/31", "20261130", "99999", "长期", "-1", "0.0000001",
        ]
        var generator = SeededGenerator(seed: kind == "penalty" ? 1 : 2)
        var checked = 0
        var fastClean = 0
        var fastTrimmed = 0  // rows taken by the fast path with a cell padded with whitespace
        var fastRewritten = 0  // … with a date written in another form (a digit of 2026/11/05 removed: 2026/11/5)
        for row in testCase.rows where row.count == testCase.header.count && row.contains(where: { !$0.isEmpty }) {
            for _ in 0..<300 {
                var cells = row
                let column = Int.random(in: 0..<cells.count, using: &generator)
                var cell = Array(cells[column])
                let piece = pool.randomElement(using: &generator) ?? ""
                switch Int.random(in: 0..<7, using: &generator) {
                case 0: cell.insert(contentsOf: piece, at: 0)
                case 1: cell.append(contentsOf: piece)
                case 2: if !cell.isEmpty { cell.insert(contentsOf: piece, at: Int.random(in: 0...cell.count, using: &generator)) }
                case 3: if !cell.isEmpty { cell[Int.random(in: 0..<cell.count, using: &generator)] = piece.first ?? "x" }
                case 4: if !cell.isEmpty { cell.remove(at: Int.random(in: 0..<cell.count, using: &generator)) }
                case 5:
                    // A date written another way: dashes, no leading zeros, eight digits, dots, with a time
                    // (an Excel date-time), or another day so written.
                    guard let date = TextNormalizer.date(String(cell)) else { continue }
                    let day = Bool.random(using: &generator) ? date : date.adding(days: Int.random(in: -400...400, using: &generator))
                    let forms = [
                        day.description, "\(day.year)/\(day.month)/\(day.day)", "\(day.year)-\(day.month)-\(day.day)",
                        day.description.replacingOccurrences(of: "-", with: ""), "\(day.year).\(day.month).\(day.day)",
                        day.description.replacingOccurrences(of: "-", with: "/") + " 00:00:00", "\(day.year)/\(day.month)/\(day.day) 9:30",
                    ]
                    cell = Array(forms.randomElement(using: &generator) ?? "")
                default: cell = Array(cells.randomElement(using: &generator) ?? "")
                }
                cells[column] = String(cell)
                let (fast, difference, _) = try Self.judge(cells, testCase, today: Self.today)
                #expect(difference == nil, "\(testCase.header[column]) = \(cells[column].debugDescription): \(difference ?? "")")
                checked += 1
                if fast { fastClean += 1 }
                if fast, cells[column] != row[column], TextNormalizer.trim(cells[column]) == row[column] { fastTrimmed += 1 }
                if fast, cells[column] != row[column], let date = TextNormalizer.date(cells[column]), date == TextNormalizer.date(row[column]) {
                    fastRewritten += 1
                }
            }
        }
        #expect(checked > 1000)
        #expect(fastClean > 0 && fastTrimmed > 0 && fastRewritten > 0, "\(fastClean) \(fastTrimmed) \(fastRewritten)")
    }
}
