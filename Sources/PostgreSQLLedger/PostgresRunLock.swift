public import DisclosureCore
import Foundation
import PostgresSupport

/// The run lock on the shared ledger: PostgreSQL advisory locks held by the ledger's writing
/// connection for as long as the command runs. The server releases them when that connection ends,
/// however the process ends (even SIGKILL: the kernel closes the socket), so a crashed run never
/// leaves a stale lock. A connection lost mid-run (the server restarted) loses its locks with it:
/// the writer takes them again on the connection it opens next, before any write, and a run whose
/// lock another process took in the meantime stops there.
///
/// A pipeline's run holds its pipeline's lock exclusively and the ledger's lock shared: runs of
/// different pipelines (two departments) write at once; the same pipeline twice is refused. A
/// command that works across pipelines (an upload of every pending batch of a portal, a feed made
/// by hand, a migration) holds the ledger's lock exclusively, as the SQLite ledger's file lock does.
public final class PostgresRunLock: Sendable {
    public enum Scope: Sendable, Equatable {
        case pipeline(String)
        case ledger
    }

    let session: Session
    public let scope: Scope

    static let ledgerKey = "gongshi ledger"

    init(session: Session, scope: Scope, holder: String, location: String) throws(LedgerError) {
        self.session = session
        self.scope = scope
        let name: String
        let steps: [(function: String, key: String)]
        switch scope {
        case .pipeline(let id):
            name = "pipeline " + id
            steps = [("pg_try_advisory_lock_shared", Self.ledgerKey), ("pg_try_advisory_lock", name)]
        case .ledger:
            name = Self.ledgerKey
            steps = [("pg_try_advisory_lock", Self.ledgerKey)]
        }
        do {
            try session.require { link in
                for step in steps {
                    guard try link.one("SELECT \(step.function)(hashtextextended($1, 0))", [.text(step.key)])?.bool(0) ?? false else {
                        _ = try? link.execute("SELECT pg_advisory_unlock_all()")
                        let holder = try link.one("SELECT holder FROM run_lock_holder WHERE scope = $1", [.text(step.key)])?.text(0)
                        throw LedgerError.locked(path: "\(location)（\(name)）", holder: holder ?? "另一个进程（\(step.key)）")
                    }
                }
                try link.execute(
                    "INSERT INTO run_lock_holder (scope, holder) VALUES ($1, $2) ON CONFLICT (scope) DO UPDATE SET holder = excluded.holder",
                    [.text(name), .text(holder)])
            }
        } catch let error as LedgerError {
            throw error
        } catch let error as ConnectFailure {
            throw .cannotOpen(path: location, reason: error.message)
        } catch {
            throw .database(PostgresLedger.describe(error))
        }
    }

    deinit {
        session.release { link in try link.execute("SELECT pg_advisory_unlock_all()") }
    }
}

extension PostgresLedger {
    /// Takes the run lock for `scope` on the writing connection, or throws
    /// ``LedgerError/locked(path:holder:)`` at once when another process holds it.
    public func lock(_ scope: PostgresRunLock.Scope, holder: String) throws(LedgerError) -> PostgresRunLock {
        try PostgresRunLock(session: writer, scope: scope, holder: holder, location: location)
    }
}
