import Crypto
import DisclosureCore
import Foundation

/// A natural person's key (``FeedPlan/Row/personKey``): HMAC-SHA256 of their identity document
/// (``PersonDocument``, type and number) under a secret of the installation, cut to 16 bytes and
/// written as 32 hex digits.
///
/// Keyed, because an 18-digit ID number has only some 10^11 values: a plain hash of it could be
/// reversed by trying them all, and would be the number itself to whoever holds the ledger. The
/// secret is never in the ledger (``PersonKeyFile``), so a copy of the ledger (a backup, the
/// county's shared database) tells no one's number. Made only for natural persons' records, on the
/// checking threads, where the record's other hashes are made.
public struct PersonKeyer: Sendable {
    /// (Bytes: Crypto's key type is not `Sendable`; the key is made for each document.)
    private let secret: [UInt8]

    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// What sets this use of the secret apart from any other it might ever have.
    static let context = Array("gongshi person key v1\u{0}".utf8)

    /// The key of a document's text (``PersonDocument/text(_:)``).
    public func key(_ document: String) -> String {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: secret))
        hmac.update(data: Self.context)
        hmac.update(data: Array(document.utf8))
        let mac = hmac.finalize()
        return mac.withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: 32) { text in
                for index in 0..<16 {
                    text[2 * index] = Self.digit(bytes[index] >> 4)
                    text[2 * index + 1] = Self.digit(bytes[index] & 0xF)
                }
                return 32
            }
        }
    }

    private static func digit(_ value: UInt8) -> UInt8 {
        value < 10 ? 0x30 + value : 0x57 + value  // 0-9, a-f
    }
}

/// The installation's secret for natural persons' keys (``PersonKeyer``): a file of 32 random
/// bytes (64 hex digits and a newline), mode 0600, created on a run's first use.
///
/// Where: `var/person-key` in the project folder (the folder above `pipelines/`), the state folder
/// the pipelines' default ledger, outbox, reports and the console's accounts already live in, and
/// which is never part of the configuration a county copies or commits (`/var/` is ignored). Not in
/// the ledger: the ledger may be the county's shared PostgreSQL database, or a SQLite file copied
/// for a backup, and the secret next to the keys would make them the numbers again. One file for
/// every pipeline of the project, so that a decision published by one pipeline is matched by
/// another of the same project. Lost (or replaced), the only loss is that the names published
/// before are no longer matched to corrected ones: nothing is refused, and no old name is taken
/// down by mistake (a new key matches none of the old ones).
public enum PersonKeyFile {
    /// The file, relative to the project folder.
    public static let path = "var/person-key"

    /// Reads the secret at `path`; when there is none, creates it (`create`) or answers nil (a dry
    /// run writes nothing: with no secret yet, the ledger holds no key it could match).
    ///
    /// - Throws: 78 when the file is not a secret only its owner can read (mode other than 0600),
    ///   or is not one gongshi wrote; 73 when it cannot be created.
    public static func load(_ path: String, create: Bool) throws(CommandFailure) -> PersonKeyer? {
        if let secret = try read(path) { return PersonKeyer(secret: secret) }
        guard create else { return nil }
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CommandFailure(status: ExitStatus.cantCreate, code: "person-key-unwritable", message: "无法创建自然人比对密钥文件 \(path)")
        }
        var secret = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in secret.indices { secret[index] = UInt8.random(in: 0...255, using: &generator) }
        let text = Array((secret.map { String($0, radix: 16).leftPadded(to: 2) }.joined() + "\n").utf8)
        // Written whole under a temporary name, then linked into place: two runs creating it at
        // once agree on the one linked first (the other reads it), and no run reads half a file.
        let temporary = "\(path).\(ProcessInfo.processInfo.processIdentifier).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text), attributes: [.posixPermissions: 0o600]) else {
            throw CommandFailure(status: ExitStatus.cantCreate, code: "person-key-unwritable", message: "无法创建自然人比对密钥文件 \(path)")
        }
        defer { unlink(temporary) }
        let descriptor = open(temporary, O_RDONLY)
        if descriptor >= 0 {
            _ = fsync(descriptor)
            close(descriptor)
        }
        if link(temporary, path) != 0 {
            guard errno == EEXIST, let theirs = try read(path) else {
                throw CommandFailure(status: ExitStatus.cantCreate, code: "person-key-unwritable", message: "无法创建自然人比对密钥文件 \(path)")
            }
            return PersonKeyer(secret: theirs)
        }
        return PersonKeyer(secret: secret)
    }

    /// The secret in the file, or nil when there is no file.
    static func read(_ path: String) throws(CommandFailure) -> [UInt8]? {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return nil }
            throw unreadable(path)
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw unreadable(path) }
        guard status.st_mode & 0o077 == 0 else {
            throw CommandFailure(
                status: ExitStatus.configuration, code: "person-key-too-open",
                message: "自然人比对密钥文件 \(path) 的权限为 \(String(status.st_mode & 0o777, radix: 8))，其他用户可读；请改为 0600（chmod 600 \(path)）")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw unreadable(path) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count == 64, let secret = hexBytes(text) else { throw unreadable(path) }
        return secret
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var high: UInt8?
        for character in text.utf8 {
            let value: UInt8
            switch character {
            case 0x30...0x39: value = character - 0x30
            case 0x61...0x66: value = character - 0x57
            case 0x41...0x46: value = character - 0x37
            default: return nil
            }
            if let top = high {
                bytes.append(top << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return high == nil ? bytes : nil
    }

    private static func unreadable(_ path: String) -> CommandFailure {
        CommandFailure(
            status: ExitStatus.configuration, code: "person-key-unreadable",
            message: "无法读取自然人比对密钥文件 \(path)（应为 gongshi 写的 64 位十六进制密钥，权限 0600）；删除它，下次运行会新建一个（此前公示的自然人旧姓名将不再能与更正后的姓名对应）")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
