import DisclosureCore
import Foundation
import GRDB
@testable import SQLiteLedger
import Testing

/// v14: the CHECKs that list values are comparisons, so that SQLite does not build a temporary
/// b-tree for every row it checks; they accept and refuse exactly what they did.
@Suite("Ledger CHECK lists as comparisons (v14)")
struct CheckListTests {
    /// The statements the run executes once per row, as the ledger writes them. (An UPDATE of an
    /// indexed column opens one temporary b-tree per statement for the rows it changes, whatever its
    /// CHECKs; these inserts open none.)
    static let perRow = [
        """
        INSERT OR IGNORE INTO record (kind_id, record_key, content_sha256, decision_date, source, source_row, first_run,
                                      severity_code, severity_reason, regime_id, repair_from, expires_on, seq)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        publications(rows: 1),
        // A batch's publications are written many rows a statement (`RowsInsert`).
        publications(rows: RowsInsert.rowsPerStatement),
        "INSERT OR REPLACE INTO portal_period (kind_id, record_key, portal_id, severity, severity_reason, regime, months, counted_from, repair_months) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ]

    static func publications(rows: Int) -> String {
        """
        INSERT INTO publication (portal_id, feed_id, kind_id, record_key, content_sha256, previous_sha256, operation_code,
                                 republish_on, batch_no, position, status_code, decision_date, due_on, subject_code,
                                 subject_name, schema_version, profile_version, decision_number)
        VALUES
        """ + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
    }

    @Test("a v13 ledger with rows is migrated: rows kept, the file whole, no CHECK lists left, no temporary b-tree per row")
    func migrated() throws {
        let path = try LedgerTests.older(upTo: "2026-12-05 v13 hashes as bytes, repeated texts once") { db in
            try db.execute(sql: """
                INSERT INTO run (command, today, started_at) VALUES ('run', '2026-11-30', 'x');
                INSERT INTO record (kind, record_key, content_sha256, decision_date, source, source_row, first_run, severity, seq)
                VALUES ('administrative-penalty', '罚1', zeroblob(32), '2026-11-20', 1, 2, 1, '严重', 1),
                       ('administrative-penalty', '罚2', zeroblob(32), '2026-11-21', 1, 3, 1, NULL, 2);
                """)
        }
        let ledger = try Ledger.open(path: path)
        #expect(try ledger.appliedMigrations() == LedgerTests.migrations)
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            // (A severity is its code since v17: 3 严重.)
            #expect(try Int?.fetchAll(db, sql: "SELECT severity_code FROM record ORDER BY record_key") == [3, nil])
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
            for (table, column, values) in CheckLists.lists {
                let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = ?", arguments: [table]) ?? ""
                #expect(!sql.contains(CheckLists.listed(column, values)), "\(table).\(column)")
                // A column a later migration replaced (record.severity by its code, v17) is gone.
                let kept = try Int.fetchOne(db, sql: "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?", arguments: [table, column]) == 1
                #expect(!kept || sql.contains(CheckLists.compared(column, values)), "\(table).\(column)")
            }
            for statement in Self.perRow {
                let opcodes = try String.fetchAll(db, sql: "EXPLAIN " + statement, arguments: StatementArguments(Array(repeating: nil as String?, count: statement.count { $0 == "?" })), adapter: ColumnMapping(["op": "opcode"]))
                #expect(!opcodes.contains("OpenEphemeral"), "\(statement.prefix(40))")
            }
        }
    }

    @Test("no table of a new ledger lists three or more values in a CHECK: a later migration that writes one again is caught here, not by the run's speed")
    func noListsLeft() throws {
        let path = LedgerTests.freshPath()
        _ = try Ledger.open(path: path)
        let queue = try DatabaseQueue(path: path)
        let tables = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql IS NOT NULL")
                .map { (name: $0["name"] as String, sql: $0["sql"] as String) }
        }
        #expect(!tables.isEmpty)
        let list = /IN\s*\(([^()]*)\)/
        for (name, sql) in tables {
            for match in sql.matches(of: list) {
                #expect(match.output.1.count { $0 == "," } < 2, "\(name): \(match.output.0)")
            }
        }
    }

    @Test("the comparisons refuse what the lists refused and accept what they accepted, NULL included")
    func sameValues() throws {
        let path = LedgerTests.freshPath()
        _ = try Ledger.open(path: path)
        // Foreign keys off: only the CHECKs are tried here.
        let queue = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.foreignKeysEnabled = false; return c }())
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO run (command, today, started_at) VALUES ('run', '2026-11-30', 'x');
                INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status, created_run, created_on)
                VALUES ('00000000000000b1', 'p', 'f', 'k', 'publish', 'n', 'o', '\(LedgerTests.hashA)', 1, 'pending', 1, '2026-11-30');
                """)
        }
        func accepts(_ sql: String) -> Bool {
            do {
                try queue.inTransaction { db in
                    try db.execute(sql: sql)
                    return .rollback
                }
                return true
            } catch let error as DatabaseError {
                #expect(error.extendedResultCode == .SQLITE_CONSTRAINT_CHECK, "\(sql.prefix(60))")
                return false
            } catch {
                return false
            }
        }
        func record(_ severity: String) -> String {
            "INSERT INTO record (kind_id, record_key, content_sha256, source, source_row, first_run, severity_code, seq) VALUES (1, 'r', zeroblob(32), 1, 2, 1, \(severity), 1)"
        }
        // A record's severity is its code (v17): 1 轻微, 2 一般, 3 严重.
        for severity in ["1", "2", "3", "NULL"] { #expect(accepts(record(severity)), "\(severity)") }
        for severity in ["0", "4", "'一般'", "''"] { #expect(!accepts(record(severity)), "\(severity)") }
        func period(_ severity: String) -> String {
            "INSERT INTO portal_period (kind_id, record_key, portal_id, severity, months, counted_from) VALUES (1, 'r', 2, \(severity), 1, 'decision_date')"
        }
        #expect(accepts(period("'严重'")))
        #expect(!accepts(period("'重大'")))
        // A publication's operation and status are codes (v18): operation 1 publish, 2 correct, 3
        // republish; status 1 pending … 5 withdrawn.
        func publication(_ operation: Int, _ status: Int) -> String {
            """
            INSERT INTO publication (portal_id, feed_id, kind_id, record_key, content_sha256, previous_sha256, operation_code, republish_on,
                                     batch_no, position, status_code, published_on, reason, schema_version, profile_version)
            VALUES (1, 2, 3, 'r', zeroblob(32), \(operation == 2 ? "zeroblob(32)" : "NULL"), \(operation),
                    \(operation == 3 ? "'2026-11-30'" : "''"), 1, 1, \(status), '2026-11-30', 'x', 1, 1)
            """
        }
        for operation in 1...3 {
            for status in 1...5 {
                #expect(accepts(publication(operation, status)), "\(operation) \(status)")
            }
        }
        #expect(!accepts(publication(4, 1)))  // a withdrawal is no publication's operation
        #expect(!accepts(publication(0, 1)))
        #expect(!accepts(publication(1, 6)))
        #expect(!accepts(publication(1, 0)))
        func batch(_ operation: String, _ status: String) -> String {
            """
            INSERT INTO batch (id, portal, feed, kind, operation, file_name, outbox_path, payload_sha256, records, status, created_run, created_on, confirmed_on)
            VALUES ('00000000000000b2', 'p', 'f', 'k', \(operation), 'n', 'o', '\(LedgerTests.hashA)', 1, \(status), 1, '2026-11-30', '2026-11-30')
            """
        }
        for operation in ["'publish'", "'correct'", "'republish'", "'withdraw'"] { #expect(accepts(batch(operation, "'pending'"))) }
        for status in ["'pending'", "'published'", "'failed'"] { #expect(accepts(batch("'publish'", status))) }
        #expect(!accepts(batch("'delete'", "'pending'")))
        #expect(!accepts(batch("'publish'", "'rejected'")))
        func withdrawal(_ status: String) -> String {
            "INSERT INTO withdrawal (publication_id, reason, requested_on, status) VALUES (1, 'r', '2026-11-30', \(status))"
        }
        for status in ["'pending'", "'done'", "'failed'"] { #expect(accepts(withdrawal(status)), "\(status)") }
        #expect(!accepts(withdrawal("'published'")))
    }

    @Test("a table not as the migrations made it stops the migration, and nothing is changed")
    func unexpectedTable() throws {
        let path = try LedgerTests.older(upTo: "2026-12-05 v13 hashes as bytes, repeated texts once") { db in
            try db.execute(sql: "DROP TABLE withdrawal; CREATE TABLE withdrawal (id INTEGER PRIMARY KEY, status TEXT)")
        }
        #expect(throws: LedgerError.self) { _ = try Ledger.open(path: path) }
        let queue = try DatabaseQueue(path: path)
        try queue.read { db in
            let record = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = 'record'") ?? ""
            #expect(record.contains("severity IN ("))
            #expect(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations").last == "2026-12-05 v13 hashes as bytes, repeated texts once")
        }
    }
}
