import DisclosureCore
import Foundation
import HummingbirdBcrypt
import PipelineRunner

/// The console's accounts: a file of mode 0600 (`var/console-users.json` by default), one entry per
/// user with the department and role, and the password's bcrypt hash — never the password.
struct ConsoleUsers: Codable {
    enum Role: String, Codable, CaseIterable {
        /// A department's clerk: sees and acts on the pipelines of their department only.
        case clerk
        /// The credit office (信用办): every department.
        case office
    }

    struct User: Codable, Equatable {
        let name: String
        let department: String
        let role: Role
        let hash: String

        /// Whether this user sees a pipeline of `department`.
        func sees(_ department: String) -> Bool { role == .office || department == self.department }
    }

    var users: [User] = []

    static let defaultPath = "var/console-users.json"
    /// bcrypt's cost: 2^12 rounds, about a quarter of a second a check on this machine.
    static let cost: UInt8 = 12

    static func load(_ path: String) throws(CommandFailure) -> ConsoleUsers {
        guard FileManager.default.fileExists(atPath: path) else { return ConsoleUsers() }
        let mode = (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
        guard mode & 0o077 == 0 else {
            throw CommandFailure(
                status: ExitStatus.configuration, code: "users-file-open",
                message: "用户文件 \(path) 的权限应为 0600（其他用户不可读），现为 \(String(mode, radix: 8))")
        }
        do {
            return try JSONDecoder().decode(ConsoleUsers.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CommandFailure(status: ExitStatus.configuration, code: "users-file-bad", message: "用户文件 \(path) 不是 gongshi 的用户文件")
        }
    }

    /// Writes the file (mode 0600) under a temporary name and renames it: never half-written.
    func save(_ path: String) throws(CommandFailure) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let temporary = path + ".tmp-\(getpid())"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(self),
            FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]),
            rename(temporary, path) == 0
        else {
            unlink(temporary)
            throw CommandFailure(status: ExitStatus.cantCreate, code: "users-file-write", message: "无法写入用户文件 \(path)")
        }
    }

    /// Adds a user, or replaces the one of that name (a new password, department or role).
    mutating func add(name: String, department: String, role: Role, password: String) {
        users.removeAll { $0.name == name }
        users.append(User(name: name, department: department, role: role, hash: Bcrypt.hash(password, cost: Self.cost)))
        users.sort { $0.name < $1.name }
    }

    /// Removes the user of that name; whether there was one.
    mutating func remove(name: String) -> Bool {
        let before = users.count
        users.removeAll { $0.name == name }
        return users.count < before
    }

    /// The user whose name and password these are. A name not on file is checked against a dummy
    /// hash all the same, so that the answer takes as long either way.
    func authenticate(name: String, password: String) -> User? {
        guard let user = users.first(where: { $0.name == name }) else {
            _ = Bcrypt.verify(password, hash: Self.dummyHash)
            return nil
        }
        return Bcrypt.verify(password, hash: user.hash) ? user : nil
    }

    static let dummyHash = Bcrypt.hash("gongshi-no-such-user", cost: cost)
}
