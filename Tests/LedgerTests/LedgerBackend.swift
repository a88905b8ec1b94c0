import DisclosureCore
import Foundation
import GRDB
import GongshiTesting
import PostgreSQLLedger
import PostgresSupport
import SQLiteLedger
import Testing

/// The two ledgers the same tests run against: a SQLite file, and a database of its own on a
/// throwaway PostgreSQL server on 127.0.0.1 (one server for the test process).
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgresql

    var testDescription: String { rawValue }

    /// A fresh ledger, and a way to run SQL on it past the ledger's code (a client of its own: to
    /// show that a constraint lives in SQL).
    func fresh() throws -> Fresh {
        switch self {
        case .sqlite:
            let path = LedgerTests.freshPath()
            return Fresh(store: try Ledger.open(path: path), location: path) { sql in
                let queue = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.foreignKeysEnabled = true; return c }())
                try queue.write { try $0.execute(sql: sql) }
            } reopen: {
                try Ledger.open(path: path)
            }
        case .postgresql:
            let server = try PostgreSQLServer.shared()
            let database = try server.createDatabase()
            let address = try PostgresAddress(url: server.url(database: database), what: "台账")
            let open = { try PostgresLedger.open(address: address, password: server.password) }
            return Fresh(store: try open(), location: address.description) { sql in
                try server.psql(sql, database: database)
            } reopen: {
                try open()
            }
        }
    }

    struct Fresh {
        let store: any LedgerStore
        let location: String
        let sql: (String) throws -> Void
        let reopen: () throws -> any LedgerStore
    }
}
