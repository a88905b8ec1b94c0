import GRDB
@testable import SQLiteLedger
import Testing

@Suite("BoundStatement (the bulk inserts' binding)")
struct BoundStatementTests {
    @Test("text, empty text, NULL, integers and booleans arrive as bound; a statement runs again with new values; a constraint is GRDB's error with its extended code")
    func bindsAndRuns() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT NOT NULL, c INTEGER, d INTEGER, UNIQUE (a))")
            let insert = try BoundStatement(db, sql: "INSERT INTO t (id, a, b, c, d) VALUES (?, ?, ?, ?, ?)")
            let rows: [(Int64, String?, String, Int?, Bool)] = [
                (1, "罚1|某公司", "", Int.max, true), (2, nil, "x\u{0}y", nil, false), (3, "", "𠀀", -7, true),
            ]
            for (id, a, b, c, d) in rows { try insert.run(id, a, b, c, d) }
            let read = try Row.fetchAll(db, sql: "SELECT a, b, c, d, typeof(a), typeof(b), length(CAST(b AS BLOB)) FROM t ORDER BY id")
            #expect(read.map { $0[0] as String? } == ["罚1|某公司", nil, ""])
            // (GRDB reads text up to a NUL; its length in bytes shows the whole value was bound.)
            #expect(read.map { $0[1] as String } == ["", "x", "𠀀"])
            #expect(read.map { $0[6] as Int } == [0, 3, 4])
            #expect(read.map { $0[2] as Int? } == [Int.max, nil, -7])
            #expect(read.map { $0[3] as Int } == [1, 0, 1])
            #expect(read.map { $0[4] as String } == ["text", "null", "text"])
            #expect(read.map { $0[5] as String } == ["text", "text", "text"])

            #expect {
                try insert.run(Int64(4), "罚1|某公司", "again", nil as Int?, false)
            } throws: { error in
                (error as? DatabaseError)?.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
            }
            // After a failure the statement is reset and runs again.
            try insert.run(Int64(5), "罚2", "b", 1, true)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t") == 4)
        }
    }
}
