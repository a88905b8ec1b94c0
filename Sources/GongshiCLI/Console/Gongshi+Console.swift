import ArgumentParser
import DisclosureCore
import Foundation
import PipelineRunner

extension Gongshi {
    /// `gongshi console [--pipelines DIR] [--port 8080] [--listen 127.0.0.1]`: the web console.
    struct Console: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "网页控制台：科室和信用办在浏览器里查看总览、确认已上传的批次。",
            discussion: """
                第一行输出监听地址（--port 0 时由系统选端口）。只在 127.0.0.1 上监听，除非用 --listen 指定；\
                对外提供服务时请在前面放一个提供 TLS 的反向代理（见 docs/operations.md）。账号用 gongshi console user add 建立。\
                退出码：0 正常结束；69 端口被占用；78 配置错误。
                """,
            subcommands: [Serve.self, UserCommand.self], defaultSubcommand: Serve.self)

        struct Serve: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "serve", abstract: "启动控制台（默认子命令）。")

            @Option(name: .customLong("pipelines"), help: ArgumentHelp("流水线目录（其中每个 .yaml 是一条流水线）。", valueName: "DIR"))
            var pipelines = "pipelines"

            @Option(name: .customLong("port"), help: ArgumentHelp("监听端口（0：由系统选择）。", valueName: "N"))
            var port = 8080

            @Option(name: .customLong("listen"), help: ArgumentHelp("监听地址。", valueName: "ADDRESS"))
            var listen = "127.0.0.1"

            @Option(name: .customLong("users"), help: ArgumentHelp("用户文件（权限 0600）。", valueName: "FILE"))
            var users = ConsoleUsers.defaultPath

            @Option(name: .customLong("upload-limit"), help: ArgumentHelp("上传文件的上限（MB）。", valueName: "MB"))
            var uploadLimit = 50

            @OptionGroup var today: TodayOptions
            @OptionGroup var calendar: CalendarOptions

            func validate() throws {
                guard (1...1024).contains(uploadLimit) else { throw ValidationError("--upload-limit 应为 1–1024（MB）") }
                // (Taken as it came, 99999 listened on 34463: the port wrapped round.)
                guard (0...65535).contains(port) else { throw ValidationError("--port 应为 0–65535 之间的整数，而不是 \(port)") }
            }

            func run() async throws {
                let given = try today.today.map { text throws(CommandFailure) in try DateInput.parse(text, what: "--today", today: nil) }
                let day = given ?? SystemClock.todayInShanghai()
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: pipelines)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
                guard !files.isEmpty else {
                    throw CommandFailure(status: ExitStatus.configuration, code: "console-no-pipelines", message: "目录 \(pipelines) 中没有流水线（*.yaml）")
                }
                var loaded: [ConsoleServer.Pipeline] = []
                for file in files {
                    let context = try PipelineContext.load(
                        "\(pipelines)/\(file)", today: day, uploads: false, calendarDirectory: calendar.effectiveDirectory, transcript: Output.transcript)
                    loaded.append(ConsoleServer.Pipeline(context: .init(context), location: LedgerOptions.location(nil, context: context)))
                }
                _ = try ConsoleUsers.load(users)  // refuse a users file others can read before serving
                // The lockouts in force when the console last stopped (a restart does not lift them).
                let lockouts = try LockoutFile.load(LockoutFile.path(besides: users), now: Date())
                let server = ConsoleServer(pipelines: loaded, usersPath: users, today: given, uploadLimit: uploadLimit << 20, lockouts: lockouts)
                do {
                    try await server.run(host: listen, port: port) { port in
                        Output.answer("gongshi console：监听 http://\(listen):\(port)")
                    }
                } catch {
                    throw CommandFailure.serving(error, port: port, what: "控制台")
                }
            }
        }

        /// `gongshi console user add NAME --department D --role clerk|office`: the password from standard input.
        struct UserCommand: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "user", abstract: "控制台账号。", subcommands: [Add.self, Remove.self])

            struct Remove: ParsableCommand {
                static let configuration = CommandConfiguration(
                    abstract: "删除一个控制台账号：其已登录的会话在下一次请求时结束。")

                @Argument(help: ArgumentHelp("用户名。", valueName: "NAME"))
                var name: String

                @Option(name: .customLong("users"), help: ArgumentHelp("用户文件（权限 0600）。", valueName: "FILE"))
                var users = ConsoleUsers.defaultPath

                func run() throws {
                    var file = try ConsoleUsers.load(users)
                    guard file.remove(name: name) else {
                        throw CommandFailure(status: ExitStatus.noInput, code: "user-not-found", message: "用户文件 \(users) 中没有账号 \(OneLine.value(name))")
                    }
                    try file.save(users)
                    Output.answer("账号 \(name) 已从 \(users) 删除；其会话在下一次请求时结束")
                }
            }

            struct Add: ParsableCommand {
                static let configuration = CommandConfiguration(
                    abstract: "添加（或更新）一个控制台账号：密码从标准输入读一行，只保存 bcrypt 哈希。",
                    discussion: "例：printf '%s\\n' \"$PASSWORD\" | gongshi console user add 张三 --department 法制科 --role clerk")

                @Argument(help: ArgumentHelp("用户名。", valueName: "NAME"))
                var name: String

                @Option(name: .customLong("department"), help: ArgumentHelp("科室（与流水线的 department: 相同）；信用办可随意填写。", valueName: "D"))
                var department: String

                @Option(name: .customLong("role"), help: ArgumentHelp("clerk（本科室）或 office（信用办，所有科室）。", valueName: "ROLE"))
                var role: String

                @Option(name: .customLong("users"), help: ArgumentHelp("用户文件（权限 0600）。", valueName: "FILE"))
                var users = ConsoleUsers.defaultPath

                func validate() throws {
                    guard ConsoleUsers.Role(rawValue: role) != nil else { throw ValidationError("--role 应为 clerk 或 office") }
                    guard !name.isEmpty, name.count <= 64, !name.contains(where: \.isNewline) else { throw ValidationError("用户名应为 1–64 个字符") }
                }

                func run() throws {
                    guard let password = readLine(strippingNewline: true), password.count >= 8 else {
                        throw CommandFailure(status: ExitStatus.usage, code: "password-short", message: "密码（标准输入的第一行）至少 8 个字符")
                    }
                    var file = try ConsoleUsers.load(users)
                    file.add(name: name, department: department, role: ConsoleUsers.Role(rawValue: role) ?? .clerk, password: password)
                    try file.save(users)
                    Output.answer("账号 \(name)（\(department)，\(role)）已写入 \(users)；该账号已登录的会话在下一次请求时结束")
                }
            }
        }
    }
}
