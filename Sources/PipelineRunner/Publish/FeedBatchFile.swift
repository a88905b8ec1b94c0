public import DisclosureCore
import FeedEncoders
import Workbooks
public import Foundation
public import WorkingDayCalendar

/// One batch of one feed as a file, with its manifest. The batch id is derived from the content
/// (portal, feed, operation, payload; for a correction, the batches it corrects), so the same
/// records make the same batch — unless that batch failed: the next attempt is another batch
/// (``named(profile:feed:schema:records:payloadSHA256:part:date:operation:corrects:failed:)``).
public struct FeedBatchFile: Sendable {
    public let id: String
    public let operation: BatchOperation
    public let fileName: String
    public let payload: [UInt8]
    public let payloadSHA256: String
    public let manifest: [UInt8]

    public init(
        profile: PortalProfile, feed: FeedSpec, schema: PublicationSchema, rows: [FeedPlan.Row], part: Int, date: CalendarDate,
        operation: BatchOperation = .publish, corrects: [String] = [], failed: (String) throws -> Bool = { _ in false }
    ) throws {
        self.operation = operation
        do {
            payload = try FeedEncoder.encode(
                rows, feed: feed, zip: WorkbookArchive.pack, keyDigest: Digest.keyDigest)
        } catch {
            throw CommandFailure(status: ExitStatus.dataError, code: "feed-encoding", message: "\(feed.name)：\(error.message)")
        }
        payloadSHA256 = Digest.sha256Hex(payload)
        (id, fileName, manifest) = try Self.named(
            profile: profile, feed: feed, schema: schema, records: rows.count, payloadSHA256: payloadSHA256, part: part, date: date,
            operation: operation, corrects: corrects, failed: failed)
    }

    /// A batch's id, its file's name and its manifest, from its payload's hash: what
    /// ``init(profile:feed:schema:rows:part:date:operation:)`` gives a payload it holds, and
    /// ``FeedPublisher`` a payload it wrote to disk a part at a time.
    ///
    /// - Parameter failed: whether a batch of that id failed (``BatchLedger/fail(batch:reason:)``):
    ///   the id is then made again with the next attempt number (``BatchIdentity/feedMaterial``),
    ///   until one has not failed. A portal that saw the failed id keeps its first answer to it (a
    ///   receipt that never matched, say): the records go out as a batch it has never seen.
    static func named(
        profile: PortalProfile, feed: FeedSpec, schema: PublicationSchema, records: Int, payloadSHA256 payloadDigest: String, part: Int,
        date: CalendarDate, operation: BatchOperation, corrects: [String] = [], failed: (String) throws -> Bool = { _ in false }
    ) rethrows -> (id: String, fileName: String, manifest: [UInt8]) {
        var attempt = 0
        var id = ""
        repeat {
            id = String(
                Digest.sha256Hex(
                    Array(
                        BatchIdentity.feedMaterial(
                            portal: profile.id, feed: feed.name, operation: operation, payloadSHA256: payloadDigest, date: date.description,
                            corrects: corrects, attempt: attempt
                        ).utf8)
                ).prefix(16))
            attempt += 1
        } while try failed(id)
        let fileName = BatchIdentity.fileName(
            pattern: feed.fileName, portal: profile.id, feed: feed.name, compactDate: Self.compact(date), batch: id, part: part)
        let createdAt = LedgerClock.now()
        let fields: [(String, String)] = [
            ("batch_id", ReportWriter.string(id)),
            ("portal", ReportWriter.string(profile.id)),
            ("profile_version", String(profile.version)),
            ("feed", ReportWriter.string(feed.name)),
            ("operation", ReportWriter.string(operation.rawValue)),
            ("kind", ReportWriter.string(schema.id)),
            ("schema_version", String(schema.version)),
            ("format", ReportWriter.string(feed.format.rawValue)),
            ("file", ReportWriter.string(fileName)),
            ("records", String(records)),
            ("sha256", ReportWriter.string(payloadDigest)),
            ("created_at", ReportWriter.string(createdAt)),
        ]
        let manifest = Array(("{\n" + fields.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n").utf8)
        return (id, fileName, manifest)
    }

    /// Writes the payload, then the manifest, each under a temporary name renamed into place.
    public func write(into folder: URL) throws {
        // (Foundation's error, untold, reached the command line as a usage error, exit 1.)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(status: ExitStatus.cantCreate, code: "file-unwritable", message: "无法创建目录 \(OneLine.value(folder.path))（路径上有同名文件，或没有写权限）")
        }
        try SecureFile.write(payload, to: folder.appendingPathComponent(fileName).path, mode: 0o644)
        try SecureFile.write(manifest, to: folder.appendingPathComponent(fileName + ".manifest.json").path, mode: 0o644)
    }

    /// A date as file names write it: `20261130`.
    public static func compact(_ date: CalendarDate) -> String {
        date.description.replacing("-", with: "")
    }
}
