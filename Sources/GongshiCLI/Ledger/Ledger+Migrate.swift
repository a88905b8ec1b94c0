import ArgumentParser
import DisclosureCore
import Foundation
import PipelineRunner
import PostgreSQLLedger
import PostgresSupport
import SQLiteLedger

extension Gongshi.LedgerCommand {
    /// `gongshi ledger init`: creates the ledger (a county's shared database: its tables) and
    /// applies the migrations this build knows.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "建立公示台账（或把已有台账升级到本版本）：SQLite 文件，或全县共用的 PostgreSQL 台账的表。",
            discussion: "退出码：0 完成；73 连不上或建不成；75 台账正被其他命令使用；78 配置有误（地址、密码）。")

        @OptionGroup var ledger: LedgerOptions

        func run() throws {
            let opened = try ledger.openForWriting(command: "ledger init", scope: .ledger, creating: true)
            let migrations = try CommandFailure.ledger { () throws(LedgerError) in try opened.store.appliedMigrations() }
            Output.answer("公示台账 \(opened.location) 已就绪（迁移：\(migrations.joined(separator: "、"))）")
        }
    }

    /// `gongshi ledger migrate --to URL`: moves this machine's SQLite ledger into the county's
    /// shared ledger on PostgreSQL, in one transaction, with the counts checked.
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "把本机的 SQLite 台账并入全县共用的 PostgreSQL 台账（一个事务，逐表核对行数）。",
            discussion: """
                共用台账已有其他部门的记录时须加 --join；同一批次或同一记录的公示已在共用台账中时整体拒绝，什么也不写。\
                完成后把流水线的 ledger: 改为该地址。退出码：0 完成；66 SQLite 台账不存在；73 连不上；74 未能并入（已整体撤销）；78 配置有误。
                """)

        @Option(name: .customLong("to"), help: ArgumentHelp("共用台账的地址 postgresql://用户@主机:端口/库（密码同 --ledger）。", valueName: "URL"))
        var target: String

        @Flag(name: .customLong("join"), help: "共用台账已有其他部门的记录时仍并入。")
        var join = false

        @OptionGroup var ledger: LedgerOptions

        func validate() throws {
            guard PostgresAddress.isURL(target) else { throw ValidationError("--to 应为 postgresql://用户@主机:端口/库") }
            if PostgresAddress.isURL(ledger.effectivePath) { throw ValidationError("--ledger 应为本机的 SQLite 台账文件") }
        }

        func run() throws {
            let path = ledger.effectivePath
            guard FileManager.default.fileExists(atPath: path) else { throw CommandFailure(LedgerError.missing(path: path)) }
            // The source is read under its own run lock: no run changes it meanwhile.
            let sourceOpened = try LedgerOptions.openForWriting(path: path, command: "ledger migrate --to", scope: .ledger)
            guard let source = sourceOpened.store as? SQLiteLedger.Ledger else { return }
            let shared = try LedgerOptions.shared(target, migrating: true)
            let copied = try CommandFailure.ledger { () throws(LedgerError) in
                try shared.importLedger(join: join) { table, body throws in
                    try source.dump(table: table.name, sources: table.columns.map(\.source), order: table.order, body)
                }
            }
            for (table, rows) in copied { Output.answer("  \(table)：\(rows) 行") }
            Output.answer("已并入共用台账 \(shared.location)：\(copied.map(\.rows).reduce(0, +)) 行；请把流水线的 ledger: 改为这个地址")
        }
    }
}
