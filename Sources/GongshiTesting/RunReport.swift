public import Foundation

extension GongshiProcess.Result {
    /// The JSON report a `gongshi run` named on its standard output (`报告：PATH`), or nil.
    public func runReport() throws -> [String: Any]? {
        guard let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix("报告：") }) else { return nil }
        let path = String(line.dropFirst(3))
        return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
    }
}

/// A project folder with one penalty pipeline whose portals all deliver into the outbox, and an
/// empty inbox (`inbox/*.csv`, UTF-8): the shape the end-to-end tests of a run start from.
public struct OutboxProject: Sendable {
    public let root: URL
    public var pipeline: String { root.appendingPathComponent("pipelines/\(id).yaml").path }
    public var inbox: URL { root.appendingPathComponent("inbox") }
    public var outbox: URL { root.appendingPathComponent("var/outbox") }
    let id: String

    /// - Parameter sources: the pipeline's `sources:` entries (default: `inbox/*.csv` in UTF-8).
    public init(id: String, portals: [String], sources: String = "  - path: inbox/*.csv\n    encoding: utf-8") throws {
        self.id = id
        root = Scratch.root.appendingPathComponent("gongshi-\(id)-\(UUID().uuidString)")
        for folder in ["pipelines", "inbox"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let portalLines = portals.map { "  - profile: \($0)\n    transport: {kind: outbox}" }.joined(separator: "\n")
        try """
            title: 法制科 行政处罚
            department: 法制科
            kind: penalty
            sources:
            \(sources)
            portals:
            \(portalLines)
            ledger: var/ledger.sqlite
            outbox: var/outbox
            reports: var/reports

            """.write(toFile: pipeline, atomically: true, encoding: .utf8)
    }

    /// Puts a fixture into the inbox.
    public func add(_ fixture: String, as name: String? = nil) throws {
        let source = Fixtures.url(fixture)
        try FileManager.default.copyItem(at: source, to: inbox.appendingPathComponent(name ?? source.lastPathComponent))
    }

    /// `gongshi ARGUMENTS` run in the project's folder.
    public func gongshi(_ arguments: [String]) throws -> GongshiProcess.Result {
        try GongshiProcess.run(arguments, directory: root)
    }

    /// The clerk uploaded every pending batch and confirms them as published on `date`: the
    /// batches' ids (from `ledger status --format json`) and the confirmation's result.
    public func confirmPending(publishedOn date: String) throws -> (batches: [String], result: GongshiProcess.Result) {
        let status = try gongshi(["ledger", "status", "--ledger", "var/ledger.sqlite", "--today", date, "--format", "json"])
        let json = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        let batches = (json?["pending_batches"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        let result = try gongshi(
            ["ledger", "confirm"] + batches + ["--published-on", date, "--ledger", "var/ledger.sqlite", "--today", date])
        return (batches, result)
    }

    /// Every payload under the outbox (manifests apart), by file name.
    public func payloads() throws -> [String: String] {
        var found: [String: String] = [:]
        let walker = FileManager.default.enumerator(at: outbox, includingPropertiesForKeys: nil)
        while let url = walker?.nextObject() as? URL {
            guard ["csv", "xml", "jsonl"].contains(url.pathExtension) else { continue }
            found[url.lastPathComponent] = try String(contentsOf: url, encoding: .utf8)
        }
        return found
    }
}
