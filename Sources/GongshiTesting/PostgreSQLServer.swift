public import Foundation

/// A throwaway PostgreSQL server for the tests, from Debian's packages: its own data folder and a
/// free port on 127.0.0.1, a password user (SCRAM), stopped and removed at the end. PostgreSQL will
/// not run as root, so under root the server runs as Debian's `postgres` user (`setpriv`, which
/// keeps the process id, so stopping it stops the server).
public final class PostgreSQLServer: @unchecked Sendable {
    public let folder: URL
    public let port: Int
    public let user = "gongshi"
    public let password: String
    public let database = "frontdb"
    private var process: BackgroundProcess?

    public static let binaries = "/usr/lib/postgresql/15/bin"

    /// `postgresql://gongshi@127.0.0.1:PORT/frontdb`: no password in it.
    public var url: String { "postgresql://\(user)@127.0.0.1:\(port)/\(database)" }

    private var data: URL { folder.appendingPathComponent("data") }
    private var asRoot: Bool { getuid() == 0 }

    /// Commits reach the disk (fsync) as on a real server; the tests' server skips that (false).
    public let durable: Bool

    public init(durable: Bool = false) throws {
        self.durable = durable
        folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("gongshi-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        password = "pw-\(UUID().uuidString)"
        port = try freeLoopbackPort()
        let passwordFile = folder.appendingPathComponent("pwfile")
        try Data((password + "\n").utf8).write(to: passwordFile)
        if asRoot { try runTool("/bin/chown", ["-R", "postgres:postgres", folder.path]) }
        try runTool(
            command(Self.binaries + "/initdb")[0],
            Array(command(Self.binaries + "/initdb").dropFirst()) + [
                "-D", data.path, "-U", user, "--pwfile", passwordFile.path, "-A", "scram-sha-256", "-E", "UTF8", "--locale", "C",
                "--no-sync",
            ])
        try start()
        _ = try psql("CREATE DATABASE \(database)", database: "postgres")
    }

    private func start() throws {
        let server = command(Self.binaries + "/postgres") + [
            "-D", data.path, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=\(folder.path)",
            "-c", "max_connections=60",
        ] + (durable ? [] : ["-c", "fsync=off", "-c", "full_page_writes=off"])
        process = try BackgroundProcess(
            URL(fileURLWithPath: server[0]), Array(server.dropFirst()), readyText: "database system is ready to accept connections",
            fromStandardError: true)
    }

    /// Stops the server as an administrator's fast shutdown does (every session is ended, its open
    /// transaction rolled back; what was committed stays) and starts it again on the same port:
    /// what a client sees when the server restarts under it.
    public func restart() throws {
        process?.interrupt()
        process = nil
        try start()
    }

    /// `postgresql://gongshi@127.0.0.1:PORT/NAME`.
    public func url(database name: String) -> String { "postgresql://\(user)@127.0.0.1:\(port)/\(name)" }

    /// A new, empty database on this server; returns its name.
    public func createDatabase(prefix: String = "ledger") throws -> String {
        let name = prefix + "_" + UUID().uuidString.prefix(8).lowercased()
        try psql("CREATE DATABASE \(name)", database: "postgres")
        return name
    }

    /// One server for every test of this process that needs one (each takes a database of its
    /// own), started on first use and stopped when the process exits.
    public static func shared() throws -> PostgreSQLServer {
        try sharedServer.get()
    }

    private static let sharedServer: Result<PostgreSQLServer, any Error> = {
        let result = Result { try PostgreSQLServer() }
        if case .success = result { atexit { if case .success(let server) = PostgreSQLServer.sharedServer { server.stop() } } }
        return result
    }()

    /// A command line run as the server's user.
    private func command(_ executable: String) -> [String] {
        asRoot ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", "--", executable] : [executable]
    }

    /// Runs SQL through `psql` (a client that is not gongshi's); its unaligned, tuples-only output.
    @discardableResult
    public func psql(_ sql: String, database: String? = nil) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        environment["PGPASSWORD"] = password
        let child = try ChildProcess.spawn(
            "/usr/bin/psql",
            ["-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", database ?? self.database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
            environment: environment, directory: nil)
        let result = child.finish()
        guard result.status == 0 else {
            throw BackgroundProcessError(message: "psql \(sql): \(String(decoding: result.stderr, as: UTF8.self))")
        }
        return String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func stop() {
        process?.stop()
        process = nil
        try? FileManager.default.removeItem(at: folder)
    }

    deinit { stop() }
}
