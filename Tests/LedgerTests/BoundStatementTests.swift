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
            // One row of the statement, as `RowsInsert` binds each of its rows.
            func run(_ id: Int64, _ a: String?, _ b: String, _ c: Int?, _ d: Bool) throws {
                insert.bind(row: 0, of: 1, id, a, b, c, d)
                try insert.step()
            }
            for (id, a, b, c, d) in Self.rows { try run(id, a, b, c, d) }
            try Self.expectBound(db)

            #expect {
                try run(Int64(4), "罚1|某公司", "again", nil as Int?, false)
            } throws: { error in
                (error as? DatabaseError)?.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
            }
            // After a failure the statement is reset and runs again.
            try run(Int64(5), "罚2", "b", 1, true)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t") == 4)
        }
    }

    @Test("packed rows (the record versions' and the register's) arrive as bound, each with the statement it names, texts with a NUL and empty ones whole")
    func packedRows() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT NOT NULL, c INTEGER, d INTEGER, UNIQUE (a))")
            try db.execute(sql: "CREATE TABLE u (id INTEGER PRIMARY KEY, h BLOB, n INTEGER)")
            try db.execute(sql: "CREATE TABLE text_value (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)")
            let insert = try BoundStatement(db, sql: "INSERT INTO t (id, a, b, c, d) VALUES (?, ?, ?, ?, ?)")
            let other = try BoundStatement(db, sql: "INSERT INTO u (id, h, n) VALUES (?, ?, ?)")
            let hash = String(repeating: "0123456789abcdef", count: 4)
            var packed = PackedRows()
            for (index, (id, a, b, c, d)) in Self.rows.enumerated() {
                packed.row(0)
                packed.put(id)
                packed.put(a)
                packed.put(b)
                packed.put(c)
                packed.put(d)
                // Rows of the second statement between them, with a hash and a text by number.
                packed.row(1)
                packed.put(Int64(index + 1))
                packed.put(hash: hash)
                packed.put(numberOf: index == 1 ? "乙" : "甲")
            }
            var texts = TextValues(db)
            try packed.run([insert, other], texts: &texts)
            try Self.expectBound(db)
            let second = try Row.fetchAll(db, sql: "SELECT lower(hex(h)), (SELECT text FROM text_value WHERE text_value.id = n) FROM u ORDER BY id")
            #expect(second.map { $0[0] as String } == [hash, hash, hash])
            #expect(second.map { $0[1] as String } == ["甲", "乙", "甲"])
        }
    }

    static let rows: [(Int64, String?, String, Int?, Bool)] = [
        (1, "罚1|某公司", "", Int.max, true), (2, nil, "x\u{0}y", nil, false), (3, "", "𠀀", -7, true),
    ]

    /// `rows` as the table holds them.
    static func expectBound(_ db: Database) throws {
        let read = try Row.fetchAll(db, sql: "SELECT a, b, c, d, typeof(a), typeof(b), length(CAST(b AS BLOB)) FROM t ORDER BY id")
        #expect(read.map { $0[0] as String? } == ["罚1|某公司", nil, ""])
        // (GRDB reads text up to a NUL; its length in bytes shows the whole value was bound.)
        #expect(read.map { $0[1] as String } == ["", "x", "𠀀"])
        #expect(read.map { $0[6] as Int } == [0, 3, 4])
        #expect(read.map { $0[2] as Int? } == [Int.max, nil, -7])
        #expect(read.map { $0[3] as Int } == [1, 0, 1])
        #expect(read.map { $0[4] as String } == ["text", "null", "text"])
        #expect(read.map { $0[5] as String } == ["text", "text", "text"])
    }

    @Test("a hash is stored as its 32 bytes from 64 hex digits of either case; any other byte or length is refused")
    func hashDigits() throws {
        let digits = Array("0123456789abcdefABCDEF".utf8)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let lower = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
            #expect(SHA256Bytes(hex: lower)?.bytes == bytes)
            #expect(SHA256Bytes(hex: lower.uppercased())?.bytes == bytes)
            // Every byte that is not a hex digit, at a random place, is refused.
            var text = Array(lower.utf8)
            let at = Int.random(in: 0..<64, using: &generator)
            for byte in UInt8.min...UInt8.max where !digits.contains(byte) {
                text[at] = byte
                #expect(SHA256Bytes(hex: String(decoding: text, as: UTF8.self)) == nil, "\(byte) at \(at)")
            }
        }
        #expect(SHA256Bytes(hex: String(repeating: "a", count: 63)) == nil)
        #expect(SHA256Bytes(hex: String(repeating: "a", count: 65)) == nil)
        #expect(SHA256Bytes(hex: "") == nil)
    }
}
