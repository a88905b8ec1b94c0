import PostgresSupport
import ArgumentParser
import DisclosureCore
import FrontDatabase
import PipelineConfig
import PipelineRunner

extension Gongshi {
    /// `gongshi frontdb init URL` / `gongshi frontdb ddl`: the 前置库's tables for a portal profile's
    /// feeds (those with a `table:`), and `gongshi_batch`, the receipts of committed batches.
    struct Frontdb: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "frontdb",
            abstract: "前置库（PostgreSQL）：建表，或打印建表语句。",
            subcommands: [Init.self, DDL.self])

        struct ProfileChoice: ParsableArguments {
            @Option(name: .customLong("portal"), help: ArgumentHelp("门户配置的 id（默认 creditchina-henan-zhengzhou）。", valueName: "ID"))
            var portal: String?

            @Option(name: .customLong("profile"), help: ArgumentHelp("使用这个门户配置文件，而不是内置的。", valueName: "FILE"))
            var profileFile: String?

            func load() throws -> PortalProfile {
                try Feed.profile(portal: profileFile == nil ? (portal ?? "creditchina-henan-zhengzhou") : nil, file: profileFile)
            }
        }

        struct Init: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "在前置库中建表（已有的表不动）。",
                discussion: """
                    URL 形如 postgresql://用户@主机:端口/数据库（?sslmode=require 走 TLS），不含密码；\
                    密码取自 --password-env 指定的环境变量（默认 GONGSHI_FRONTDB_PASSWORD）或 --credentials 指定的 0600 文件（password=…）。\
                    退出码：0 成功；69 前置库连不上；78 配置或凭据有误。
                    """)

            @Argument(help: ArgumentHelp("前置库地址。", valueName: "URL")) var url: String
            @OptionGroup var profile: ProfileChoice
            @Option(name: .customLong("password-env"), help: ArgumentHelp("存放密码的环境变量名。", valueName: "VAR"))
            var passwordEnv = "GONGSHI_FRONTDB_PASSWORD"
            @Option(name: .customLong("credentials"), help: ArgumentHelp("权限 0600 的凭据文件（password=…）。", valueName: "FILE"))
            var credentials: String?

            func run() throws {
                let profile = try profile.load()
                let statements: [String]
                do {
                    statements = try FrontDatabaseSchema.statements(profile)
                } catch {
                    throw CommandFailure(status: ExitStatus.configuration, code: "frontdb-config", message: error.message)
                }
                let channel = try ChannelFactory().database(
                    url: url, password: credentials.map(Pipeline.DatabasePassword.file) ?? .environment(passwordEnv), profile: profile)
                do {
                    try channel.initialize(statements)
                } catch {
                    throw CommandFailure(
                        status: error.configuration ? ExitStatus.configuration : ExitStatus.unavailable, code: "frontdb-unavailable",
                        message: error.message)
                }
                let tables = profile.feeds.compactMap(\.table) + [FrontDatabaseSchema.batchTable]
                Output.answer("前置库 \((try? FrontDatabaseAddress(url: url))?.description ?? url)：表已就绪 \(tables.joined(separator: "、"))")
            }
        }

        struct DDL: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "ddl", abstract: "打印前置库的建表语句（schemas/frontdb/ 中的文件即由此生成）。")
            @OptionGroup var profile: ProfileChoice

            func run() throws {
                do {
                    Output.answer(try FrontDatabaseSchema.ddl(try profile.load()))
                } catch let error as FrontDatabaseError {
                    throw CommandFailure(status: ExitStatus.configuration, code: "frontdb-config", message: error.message)
                }
            }
        }
    }
}
