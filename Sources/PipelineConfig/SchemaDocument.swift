import BundledSchemas
import Foundation

/// A configuration file's text and where it came from: inside the binary, or on disk.
public struct SchemaDocument: Sendable {
    public enum Origin: Sendable, Equatable {
        /// A file shipped in the binary, by its path under `schemas/`.
        case bundled(String)
        /// A file on disk.
        case disk(String)
    }

    public let origin: Origin
    public let text: String

    public init(origin: Origin, text: String) {
        self.origin = origin
        self.text = text
    }

    /// How the file is named in messages.
    public var displayPath: String {
        switch origin {
        case .bundled(let path): "bundled:schemas/\(path)"
        case .disk(let path): path
        }
    }

    /// Reads a file named by a schema, relative to this file's folder.
    ///
    /// A bundled file's reference is looked up in the bundle. A file on disk's reference is looked
    /// up on disk first; if it is not there, among the bundled files (without its leading `../`),
    /// so that a user's own schema can use the shipped code tables.
    public func resolve(_ reference: String) -> SchemaDocument? {
        switch origin {
        case .bundled(let path):
            let joined = Self.normalize((path as NSString).deletingLastPathComponent + "/" + reference)
            return Self.bundled(joined)
        case .disk(let path):
            let candidate = reference.hasPrefix("/")
                ? reference : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(reference)
            if let data = FileManager.default.contents(atPath: candidate), let text = String(data: data, encoding: .utf8) {
                return SchemaDocument(origin: .disk(candidate), text: text)
            }
            var relative = Substring(reference)
            while relative.hasPrefix("../") { relative = relative.dropFirst(3) }
            return Self.bundled(Self.normalize(String(relative)))
        }
    }

    /// A bundled file by its path under `schemas/`.
    public static func bundled(_ path: String) -> SchemaDocument? {
        BundledSchemas.files.first { $0.path == path }.map { SchemaDocument(origin: .bundled(path), text: $0.text) }
    }

    /// Reads a file on disk.
    ///
    /// - Throws: ``ConfigIssue`` `schema-unreadable` when it is missing, unreadable or not UTF-8.
    public static func disk(_ path: String) throws(ConfigIssue) -> SchemaDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigIssue("schema-unreadable", file: path, line: nil, "文件不存在或无法读取")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigIssue("schema-unreadable", file: path, line: nil, "不是 UTF-8 编码的文本")
        }
        return SchemaDocument(origin: .disk(path), text: text)
    }

    /// `a/b/../c` → `a/c`.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." && !part.isEmpty {
            if part == "..", !parts.isEmpty { parts.removeLast() } else if part != ".." { parts.append(part) }
        }
        return parts.joined(separator: "/")
    }
}
