import Foundation
public import PostgresNIO

/// Where a PostgreSQL database is: `postgresql://USER@HOST:PORT/DATABASE[?sslmode=require]`. The
/// password is never in the URL (one there is refused); it comes from an environment variable or a
/// 0600 credentials file. Shared by the 前置库 transport and the shared ledger.
public struct PostgresAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let user: String
    public let database: String
    public let requiresTLS: Bool

    /// Whether `text` is meant as a PostgreSQL address (and not a file path).
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// - Parameter what: what the database is, for the messages (前置库, 公示台账).
    public init(url: String, what: String) throws(PostgresAddressError) {
        guard let components = URLComponents(string: url), ["postgresql", "postgres"].contains(components.scheme ?? ""),
            let host = components.host, !host.isEmpty, let user = components.user, !user.isEmpty
        else {
            throw PostgresAddressError(message: "\(what)地址应为 postgresql://用户@主机:端口/数据库")
        }
        guard components.password == nil else {
            throw PostgresAddressError(message: "\(what)地址里不能写密码：用环境变量或 0600 凭据文件")
        }
        self.host = host
        port = components.port ?? 5432
        self.user = user
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
        requiresTLS = components.queryItems?.contains { $0.name == "sslmode" && ["require", "verify-full"].contains($0.value ?? "") } ?? false
    }

    /// For messages: the address without anything secret (there is nothing secret in it).
    public var description: String { "postgresql://\(user)@\(host):\(port)/\(database)" }

    /// The client's settings for this address (TLS when the URL asks for it).
    public func configuration(password: String, connectTimeout: Double) throws(PostgresAddressError) -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: .disable)
        if requiresTLS {
            do {
                configuration.tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            } catch {
                throw PostgresAddressError(message: "TLS 无法设置")
            }
        }
        configuration.options.connectTimeout = .milliseconds(Int64(connectTimeout * 1000))
        return configuration
    }
}

public struct PostgresAddressError: Error, Sendable, Equatable {
    public let message: String
    public init(message: String) { self.message = message }
}

/// A server's refusal as a message: its SQLSTATE and message (never a statement's values), cut to
/// about 200 characters.
public enum PostgresErrorText {
    /// The SQLSTATE of a server error, if `error` is one.
    public static func state(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    public static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(String(describing: error).prefix(200)) }
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = (error.serverInfo?[.message]).map { String($0.prefix(200)) } ?? "\(error.code)"
        return message + (state.isEmpty ? "" : "（SQLSTATE \(state)）")
    }

    /// Whether the connection is gone (the server stopped or the network dropped): the statement's
    /// fate is unknown, and the connection cannot be used again.
    public static func isConnectionLost(_ error: any Error) -> Bool {
        if error is ConnectionGone { return true }
        guard let error = error as? PSQLError else { return false }
        // 57P01–57P03: the server is ending this session (an administrator's shutdown or
        // pg_terminate_backend, a crash, a restart under way).
        if let state = error.serverInfo?[.sqlState], ["57P01", "57P02", "57P03"].contains(state) { return true }
        return [PSQLError.Code.serverClosedConnection, .connectionError, .uncleanShutdown, .clientClosedConnection].contains(error.code)
    }
}

/// A statement's wait given up because its connection's channel closed and no answer came (the
/// server ended the session; seen once as a wait that never returned after `pg_terminate_backend`).
public struct ConnectionGone: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "连接已断开，语句没有得到回答" }
}
