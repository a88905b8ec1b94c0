public import DisclosureCore
import Dispatch
import Foundation
import Logging
import PostgresNIO
import SourceDecoders
import Synchronization
public import PostgresSupport

/// Where the 前置库 is: `postgresql://USER@HOST:PORT/DATABASE[?sslmode=require]` (the password
/// never in it).
public typealias FrontDatabaseAddress = PostgresAddress

extension PostgresAddress {
    public init(url: String) throws(FrontDatabaseError) {
        do {
            try self.init(url: url, what: "前置库")
        } catch {
            throw FrontDatabaseError(message: error.message, configuration: true)
        }
    }
}

/// A problem with the front database: not reachable, credentials refused, or a statement failed.
/// Messages carry the server's SQLSTATE and message, never a row's values.
public struct FrontDatabaseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    /// A configuration problem (the password refused, no such database) rather than the network.
    public var configuration = false
    public var description: String { message }
}

/// One feed's table in the 前置库: its name and the columns, in the feed's order (the national
/// codes, lower-case: `cf_xdr_mc`).
public struct FrontTable: Sendable, Equatable {
    public let feed: String
    public let name: String
    public let columns: [String]
    /// The feed's headers, as they appear in its JSON Lines rows.
    public let headers: [String]
    /// The statement that writes one row (key, columns, batch, position, operation), made once.
    let upsert: String

    public init(feed: FeedSpec) throws(FrontDatabaseError) {
        guard let table = feed.table else {
            throw FrontDatabaseError(message: "feed “\(feed.name)”没有 table：门户配置须为每个 feed 写明前置库的表名", configuration: true)
        }
        self.feed = feed.name
        name = table
        headers = feed.columns.map(\.header)
        columns = headers.map { $0.lowercased() }
        for column in columns where !FeedSpec.isSQLName(column) || column.hasPrefix("gs_") {
            throw FrontDatabaseError(message: "feed “\(feed.name)”的列名“\(column)”不能做前置库的列名（小写字母、数字、_；gs_ 开头的留作记账列）", configuration: true)
        }
        let names = ["gs_key"] + columns + ["gs_batch_id", "gs_position", "gs_operation", "gs_status", "gs_written_at"]
        let placeholders = (1...(columns.count + 4)).map { "$\($0)" } + ["1", "now()"]
        let updates = names.dropFirst().map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        upsert = "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(placeholders.joined(separator: ", "))) "
            + "ON CONFLICT (gs_key) DO UPDATE SET \(updates)"
    }
}

/// The front database's tables: one per feed with a `table:`, its columns the feed's in order,
/// keyed by the SHA-256 of the record's decision key, with bookkeeping columns (batch, position,
/// operation, status, time written); and `gongshi_batch`, one row per batch committed — the
/// receipt that makes a batch land exactly once.
public enum FrontDatabaseSchema {
    public static let batchTable = "gongshi_batch"

    /// The tables of a profile's feeds that name one, and the batch table: one statement each.
    public static func statements(_ profile: PortalProfile) throws(FrontDatabaseError) -> [String] {
        var statements: [String] = []
        for feed in profile.feeds where feed.table != nil {
            let table = try FrontTable(feed: feed)
            let columns = zip(table.columns, feed.columns).map { "  \($0.0) text, -- \($0.1.field)" }.joined(separator: "\n")
            statements.append("""
                CREATE TABLE IF NOT EXISTS \(table.name) ( -- \(feed.title)（\(profile.id) feed \(feed.name)）
                  gs_key text PRIMARY KEY, -- SHA-256 of the record's decision key (决定书文号|相对人名称), never the key itself
                \(columns)
                  gs_batch_id text NOT NULL, -- the gongshi batch that wrote the row
                  gs_position integer NOT NULL, -- the row's place in that batch (1-based)
                  gs_operation text NOT NULL CHECK (gs_operation IN ('publish', 'correct', 'republish', 'withdraw')),
                  gs_status smallint NOT NULL DEFAULT 1 CHECK (gs_status IN (0, 1)), -- 1 published, 0 withdrawn (frontdb_withdrawal: flag)
                  gs_written_at timestamptz NOT NULL
                )
                """)
            statements.append("CREATE INDEX IF NOT EXISTS \(table.name)_gs_batch ON \(table.name) (gs_batch_id, gs_position)")
        }
        statements.append("""
            CREATE TABLE IF NOT EXISTS \(batchTable) ( -- one row per batch committed: the receipt
              batch_id text PRIMARY KEY,
              portal text NOT NULL,
              feed text NOT NULL,
              table_name text NOT NULL,
              operation text NOT NULL,
              records integer NOT NULL,
              committed_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        return statements
    }

    /// The DDL as a file (`schemas/frontdb/PROFILE.sql`).
    public static func ddl(_ profile: PortalProfile) throws(FrontDatabaseError) -> String {
        "-- 前置库 tables for \(profile.title) (\(profile.id), profile version \(profile.version)).\n"
            + "-- Made by `gongshi frontdb ddl --profile \(profile.id)`; `gongshi frontdb init URL` runs it.\n"
            + "-- Withdrawal: \(profile.databaseWithdrawal == .delete ? "the row is deleted" : "the row stays, gs_status = 0").\n\n"
            + (try statements(profile)).map { $0 + ";\n" }.joined(separator: "\n")
    }
}

/// The 前置库 as a portal channel: a batch's rows written into its feed's table in one
/// transaction — upserted by key for a publication or correction, deleted (or flagged) for a
/// withdrawal — together with the batch's row in `gongshi_batch`. That row is the receipt: a batch
/// whose row is there was committed, so a run that died between the commit and the ledger's
/// receipt finds it (``status(of:payload:)``) and does not write it again.
public struct FrontDatabaseChannel: PortalChannel {
    let address: FrontDatabaseAddress
    let password: String
    let portal: String
    let tables: [String: FrontTable]
    let withdrawal: PortalProfile.DatabaseWithdrawal
    /// Seconds to connect, and the most seconds one statement may run (the transport's
    /// `connect_timeout` and `timeout`): a stuck server ends the call, the batch stays pending.
    let connectTimeout: Double
    let statementTimeout: Double

    public init(
        address: FrontDatabaseAddress, password: String, profile: PortalProfile, connectTimeout: Double = 10, statementTimeout: Double = 120
    ) throws(FrontDatabaseError) {
        self.address = address
        self.password = password
        portal = profile.id
        var tables: [String: FrontTable] = [:]
        for feed in profile.feeds where feed.table != nil { tables[feed.name] = try FrontTable(feed: feed) }
        self.tables = tables
        withdrawal = profile.databaseWithdrawal
        self.connectTimeout = connectTimeout
        self.statementTimeout = statementTimeout
    }

    public func status(of batch: BatchInfo, payload: [UInt8]?) throws(UploadFailure) -> ChannelOutcome? {
        let id = batch.id
        return try run { connection, logger in
            try await Self.committed(id, on: connection, logger: logger)
        }
    }

    public func send(_ batch: BatchInfo, payload: [UInt8]) throws(UploadFailure) -> ChannelOutcome {
        guard let table = tables[batch.feed] else {
            throw UploadFailure(message: "前置库没有 feed “\(batch.feed)”的表（门户配置的 table）", configuration: true)
        }
        let plan: Write
        do {
            plan = batch.operation == .withdraw ? try Self.withdrawals(payload) : try Self.rows(payload, table: table)
        } catch {
            return .refused("批次 \(batch.id) 的内容无法写入前置库：\(error.message)")
        }
        let (id, operation, withdrawal, portal) = (batch.id, batch.operation, self.withdrawal, self.portal)
        return try run { connection, logger in
            try await connection.query("BEGIN ISOLATION LEVEL SERIALIZABLE", logger: logger)
            do {
                // Committed by an earlier attempt: answer as the status would, write nothing.
                if let done = try await Self.committed(id, on: connection, logger: logger) {
                    try await connection.query("ROLLBACK", logger: logger)
                    return done
                }
                switch plan {
                case .rows(let rows):
                    for (position, row) in rows.enumerated() {
                        do {
                            try await Self.upsert(row, position: position + 1, batch: id, operation: operation, table: table, on: connection, logger: logger)
                        } catch {
                            throw RowFailure(position: position + 1, table: table.name, underlying: error)
                        }
                    }
                case .withdrawals(let items):
                    for item in items {
                        try await Self.withdraw(item, how: withdrawal, table: table, on: connection, logger: logger)
                    }
                }
                var binds = PostgresBindings()
                binds.append(id)
                binds.append(portal)
                binds.append(table.feed)
                binds.append(table.name)
                binds.append(operation.rawValue)
                binds.append(plan.count)
                let rows = try await connection.query(
                    PostgresQuery(
                        unsafeSQL: "INSERT INTO \(FrontDatabaseSchema.batchTable) (batch_id, portal, feed, table_name, operation, records) "
                            + "VALUES ($1, $2, $3, $4, $5, $6) RETURNING \(Self.committedAt)",
                        binds: binds), logger: logger)
                var at = ""
                for try await (time) in rows.decode(String.self) { at = time }
                try await connection.query("COMMIT", logger: logger)
                return Self.receipt(table: table.name, batch: id, records: plan.count, at: at)
            } catch {
                try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Creates the tables (`gongshi frontdb init`); returns the statements run.
    public func initialize(_ statements: [String]) throws(UploadFailure) {
        try run { connection, logger in
            for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
        }
    }

    // MARK: - What a batch writes

    enum Write: Sendable {
        case rows([[String?]])
        case withdrawals([(batch: String, position: Int)])

        var count: Int {
            switch self {
            case .rows(let rows): rows.count
            case .withdrawals(let items): items.count
            }
        }
    }

    /// A JSON Lines payload's rows: the key digest first, then the table's columns in order (nil: empty).
    static func rows(_ payload: [UInt8], table: FrontTable) throws(FrontDatabaseError) -> Write {
        var rows: [[String?]] = []
        for line in payload.split(separator: 0x0A) where !line.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: String],
                let key = object[FeedSpec.databaseKeyMember], key.count == 64
            else { throw FrontDatabaseError(message: "第 \(rows.count + 1) 行不是带 \(FeedSpec.databaseKeyMember) 的 JSON 记录") }
            rows.append([key] + table.headers.map { header in object[header].flatMap { $0.isEmpty ? nil : $0 } })
        }
        return .rows(rows)
    }

    /// A withdrawal file's entries (its first two columns: the publication's batch and position).
    static func withdrawals(_ payload: [UInt8]) throws(FrontDatabaseError) -> Write {
        var bytes = payload
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var scanner = CSVScanner()
        var items: [(batch: String, position: Int)] = []
        var header = true
        do {
            let take = { (record: CSVRecord) throws(FrontDatabaseError) in
                if header {
                    header = false
                    return
                }
                let cells = record.strings
                guard cells.count >= 2, let position = Int(cells[1]), position >= 1 else {
                    throw FrontDatabaseError(message: "撤下文件第 \(record.number) 行缺少原批次或序号")
                }
                items.append((cells[0], position))
            }
            var failure: FrontDatabaseError?
            try bytes.withUnsafeBufferPointer { buffer in
                try scanner.consume(buffer) { record in
                    do throws(FrontDatabaseError) { try take(record) } catch { failure = failure ?? error }
                }
            }
            try scanner.finish { record in
                do throws(FrontDatabaseError) { try take(record) } catch { failure = failure ?? error }
            }
            if let failure { throw failure }
        } catch let error as FrontDatabaseError {
            throw error
        } catch {
            throw FrontDatabaseError(message: "撤下文件不是有效的 CSV")
        }
        return .withdrawals(items)
    }

    static func upsert(
        _ row: [String?], position: Int, batch: String, operation: BatchOperation, table: FrontTable, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        var binds = PostgresBindings()
        for value in row {
            if let value { binds.append(value) } else { binds.appendNull() }
        }
        binds.append(batch)
        binds.append(position)
        binds.append(operation.rawValue)
        try await connection.query(PostgresQuery(unsafeSQL: table.upsert, binds: binds), logger: logger)
    }

    static func withdraw(
        _ item: (batch: String, position: Int), how: PortalProfile.DatabaseWithdrawal, table: FrontTable, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        var binds = PostgresBindings()
        binds.append(item.batch)
        binds.append(item.position)
        let sql =
            how == .delete
            ? "DELETE FROM \(table.name) WHERE gs_batch_id = $1 AND gs_position = $2"
            : "UPDATE \(table.name) SET gs_status = 0, gs_operation = 'withdraw', gs_written_at = now() WHERE gs_batch_id = $1 AND gs_position = $2"
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
    }

    static func committed(_ batch: String, on connection: PostgresConnection, logger: Logger) async throws -> ChannelOutcome? {
        var binds = PostgresBindings()
        binds.append(batch)
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: "SELECT table_name, records, \(committedAt) FROM \(FrontDatabaseSchema.batchTable) WHERE batch_id = $1",
                binds: binds), logger: logger)
        for try await (table, records, at) in rows.decode((String, Int, String).self) {
            return receipt(table: table, batch: batch, records: records, at: at)
        }
        return nil
    }

    /// When a batch was committed, in Beijing time, as its receipt says.
    static let committedAt = "to_char(committed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS')"

    /// The receipt of a committed batch: the same text whether the commit is answered at once or
    /// found by a later run.
    static func receipt(table: String, batch: String, records: Int, at: String) -> ChannelOutcome {
        .received(rejected: [:], receipt: "前置库 \(table)：批次 \(batch) 已于 \(at) 提交 \(records) 条")
    }

    // MARK: - The connection

    /// Connects, runs `body`, closes; waits for it on this thread (the engine's ports are synchronous).
    private func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) throws(UploadFailure) -> T {
        let configuration: PostgresConnection.Configuration
        do {
            configuration = try address.configuration(password: password, connectTimeout: connectTimeout)
        } catch {
            throw UploadFailure(message: "前置库 \(error.message)", configuration: true)
        }
        let settings = configuration
        let statementTimeout = Int(statementTimeout * 1000)
        let address = self.address
        let logger = Logger(label: "gongshi.frontdb")
        let result = Self.wait {
            let connection: PostgresConnection
            do {
                connection = try await PostgresConnection.connect(configuration: settings, id: 1, logger: logger)
            } catch {
                throw Self.failure(error, connecting: address)
            }
            do {
                try await connection.query(PostgresQuery(unsafeSQL: "SET statement_timeout = \(statementTimeout)"), logger: logger)
                let value = try await body(connection, logger)
                try? await connection.close()
                return value
            } catch {
                try? await connection.close()
                throw Self.failure(error, connecting: nil)
            }
        }
        switch result {
        case .success(let value): return value
        case .failure(let error as UploadFailure): throw error
        case .failure(let error): throw UploadFailure(message: "前置库出错：\(type(of: error))")
        }
    }

    private static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> Result<T, any Error> {
        let box = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            box.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return box.withLock { $0! }
    }

    /// A statement of a batch's row that failed: the row's place in the batch (1-based) and its table.
    struct RowFailure: Error {
        let position: Int
        let table: String
        let underlying: any Error
    }

    /// A failure as the run reports it: the server's SQLSTATE and message (never a query's values).
    ///
    /// - 28xxx (authentication), 3D000 (no such database): configuration (`portal-auth`).
    /// - 42xxx (a table or column missing or of another type), 23502 (a NOT NULL column the feed
    ///   does not fill): the table does not match the feed (`frontdb-table-mismatch`).
    /// - 22xxx (a value the column cannot hold: too long, out of range) and the rest of 23xxx (a
    ///   check, unique, foreign-key or exclusion constraint the DBA added): the table refuses the
    ///   batch (`frontdb-rejected`) — named by table and constraint, never by the server's message,
    ///   which may quote the value.
    ///
    /// The last two fail the same way every night until the table is changed: configuration (78),
    /// not a portal that is down (69). Nothing of the batch was written (its transaction rolled
    /// back); the batch stays pending and is written, once, by the first run after the table is mended.
    static func failure(_ error: any Error, connecting address: FrontDatabaseAddress?) -> UploadFailure {
        if let failure = error as? UploadFailure { return failure }
        let row = error as? RowFailure
        let cause = row?.underlying ?? error
        guard let error = cause as? PSQLError else {
            return UploadFailure(message: "前置库\(address.map { " \($0.description) " } ?? "")无法使用：\(String(describing: cause).prefix(200))")
        }
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = (error.serverInfo?[.message]).map { String($0.prefix(200)) } ?? "\(error.code)"
        if let rejection = rejection(state: state, error: error, row: row) {
            return UploadFailure(message: rejection, configuration: true, code: "frontdb-rejected")
        }
        let mismatch = state.hasPrefix("42") || state == "23502"
        let configuration = state.hasPrefix("28") || state == "3D000" || mismatch
        let place = address.map { " 连接 \($0.description) 失败：" } ?? "："
        let advice = mismatch ? "；前置库的表与门户配置不符，请按 gongshi frontdb init 的表结构核对" : ""
        return UploadFailure(
            message: "前置库\(place)\(message)\(state.isEmpty ? "" : "（SQLSTATE \(state)）")\(advice)", configuration: configuration,
            code: mismatch ? "frontdb-table-mismatch" : nil)
    }

    /// A data exception (22xxx) or an integrity constraint (23xxx but 23502) refusing a row, in
    /// Chinese: the table, the constraint or column, the row's place in the batch — never a value.
    static func rejection(state: String, error: PSQLError, row: RowFailure?) -> String? {
        guard state.hasPrefix("22") || (state.hasPrefix("23") && state != "23502") else { return nil }
        let what: String
        switch state {
        case "23514": what = "检查约束"
        case "23505": what = "唯一约束"
        case "23503": what = "外键约束"
        case "23P01": what = "排他约束"
        case "23001": what = "限制约束"
        case "22001": what = "列的长度限制（值过长）"
        case "22003": what = "数值范围"
        default: what = state.hasPrefix("22") ? "列的取值限制" : "完整性约束"
        }
        let info = error.serverInfo
        let table = (info?[.tableName]).flatMap { $0.isEmpty ? nil : $0 } ?? row?.table
        let constraint = (info?[.constraintName]).flatMap { $0.isEmpty ? nil : $0 }
        let column = (info?[.columnName]).flatMap { $0.isEmpty ? nil : $0 }
        let named = [constraint.map { " \($0)" }, column.map { "（列 \($0)）" }].compactMap { $0 }.joined()
        let place = row.map { "第 \($0.position) 条记录" } ?? "一条记录"
        return "前置库：表 \(table ?? "（未知）") 拒收此批次，\(place)不符合\(what)\(named)（SQLSTATE \(state)）；"
            + "整批未写入（事务已回滚），批次仍待上传，其记录不算已公示；此表每晚都会同样拒收，"
            + "请 DBA 核对该约束（gongshi frontdb ddl 为 gongshi 所需的表结构）后，下次运行写入此批次"
    }
}
