import Foundation

/// An app key and secret for the portal API, from a file of mode 0600 (`app_key=…`, `secret=…`,
/// one per line) or from the environment (`GONGSHI_PORTAL_APP_KEY`, `GONGSHI_PORTAL_SECRET`) —
/// never from a pipeline's YAML or the command line, where they would be seen. The secret never
/// appears in output: messages name the file or the variable, not the value.
public struct Credentials: Sendable {
    public static let appKeyVariable = "GONGSHI_PORTAL_APP_KEY"
    public static let secretVariable = "GONGSHI_PORTAL_SECRET"

    public let appKey: String
    public let secret: String

    public init(appKey: String, secret: String) {
        self.appKey = appKey
        self.secret = secret
    }

    public static func load(file: String?) throws(CommandFailure) -> Credentials {
        if let file { return try read(file) }
        let environment = ProcessInfo.processInfo.environment
        guard let appKey = environment[appKeyVariable], !appKey.isEmpty, let secret = environment[secretVariable], !secret.isEmpty
        else {
            throw CommandFailure(
                status: ExitStatus.configuration, code: "credentials-missing",
                message: "没有门户凭据：用 --credentials 指定权限为 0600 的凭据文件，或设置环境变量 \(appKeyVariable) 和 \(secretVariable)")
        }
        return Credentials(appKey: appKey, secret: secret)
    }

    private static func read(_ path: String) throws(CommandFailure) -> Credentials {
        let values = try values(path)
        guard let appKey = values["app_key"], !appKey.isEmpty, let secret = values["secret"], !secret.isEmpty else {
            throw CommandFailure(
                status: ExitStatus.configuration, code: "credentials-incomplete", message: "凭据文件 \(path) 应有 app_key= 和 secret= 两行")
        }
        return Credentials(appKey: appKey, secret: secret)
    }
}

extension Credentials {
    /// The `key=value` lines of a credentials file, which must be mode 0600 (`#` lines are comments).
    static func values(_ path: String) throws(CommandFailure) -> [String: String] {
        guard let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue,
            let data = FileManager.default.contents(atPath: path)
        else {
            throw CommandFailure(status: ExitStatus.configuration, code: "credentials-unreadable", message: "无法读取凭据文件 \(path)")
        }
        guard mode & 0o077 == 0 else {
            throw CommandFailure(
                status: ExitStatus.configuration, code: "credentials-too-open",
                message: "凭据文件 \(path) 的权限为 \(String(mode & 0o777, radix: 8))，其他用户可读；请改为 0600（chmod 600 \(path)）")
        }
        var values: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty, !text.hasPrefix("#"), let equals = text.firstIndex(of: "=") else { continue }
            values[text[..<equals].trimmingCharacters(in: .whitespaces)] = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return values
    }
}

/// A database password from a 0600 credentials file (`password=…`), never from the command line.
public enum DatabaseCredentials {
    public static func password(file path: String) throws(CommandFailure) -> String {
        guard let password = try Credentials.values(path)["password"], !password.isEmpty else {
            throw CommandFailure(status: ExitStatus.configuration, code: "credentials-unreadable", message: "凭据文件 \(path) 中没有 password=…")
        }
        return password
    }
}
