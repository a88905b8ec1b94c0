import DisclosureCore
import GRDBSQLite
import SQLiteLedger
import Testing

/// The process-wide SQLite settings the ledger depends on for its speed (`CSQLiteSettings`).
@Suite("SQLite's process-wide settings")
struct SQLiteSettingsTests {
    /// SQLite's memory statistics are off in any process that links the ledger: set when the
    /// program is loaded, before anything could open a database, and still off after a ledger has
    /// been opened and written (SQLite counts nothing, so `sqlite3_memory_used` stays 0).
    @Test func memoryStatisticsOff() throws {
        #expect(Ledger.memoryStatisticsOff)
        let ledger = try Ledger.open(path: LedgerTests.freshPath())
        let run = try LedgerTests.begin(ledger)
        let version = RecordVersion(
            kind: "administrative-penalty", key: "罚1", contentSHA256: LedgerTests.hashA, decisionDate: "2026-11-20",
            sourceSHA256: LedgerTests.hashB, sourceRow: 2, period: nil)
        try ledger.recordInputs([], records: [version], run: run)
        #expect(sqlite3_memory_used() == 0)
        #expect(sqlite3_memory_highwater(0) == 0)
    }
}
