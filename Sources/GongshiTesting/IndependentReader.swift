public import Foundation

/// What a reader that is not gongshi's own sees in a feed file: `scripts/read-xlsx` (openpyxl for a
/// workbook, Python's csv module for a CSV), so a workbook's cells are checked by other code than
/// the one that wrote them.
public enum IndependentReader {
    public struct Sheet: Decodable, Sendable, Equatable {
        /// The workbook's sheet names (none for a CSV).
        public let sheets: [String]
        /// Every row, every cell as text ("" when empty).
        public let rows: [[String]]
        /// openpyxl's type of each cell: "s" text, "n" number (or empty), "d" date, "f" formula.
        public let types: [[String]]
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func workbook(_ file: URL) throws -> Sheet { try read(["\(file.path)"]) }

    /// The feed of a payload under an outbox, from its path (`PORTAL/DATE/PORTAL-FEED-YYYYMMDD-BATCH.ext`).
    public static func feed(ofPayload path: String) -> String {
        let portal = path.split(separator: "/").first.map(String.init) ?? ""
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return name.dropFirst(portal.count + 1).split(separator: "-").dropLast(2).joined(separator: "-")
    }

    public static func csv(_ file: URL) throws -> Sheet { try read(["--csv", file.path]) }

    private static func read(_ arguments: [String]) throws -> Sheet {
        let script = Fixtures.root.appendingPathComponent("scripts/read-xlsx").path
        let child = try ChildProcess.spawn("/usr/bin/python3", [script] + arguments, environment: ProcessInfo.processInfo.environment, directory: nil)
        let result = child.finish()
        guard result.status == 0 else {
            throw Failure(description: "read-xlsx \(arguments.joined(separator: " ")): exit \(result.status): \(String(decoding: result.stderr, as: UTF8.self))")
        }
        return try JSONDecoder().decode(Sheet.self, from: Data(result.stdout))
    }
}
