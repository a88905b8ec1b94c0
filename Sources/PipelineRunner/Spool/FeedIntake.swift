public import DisclosureCore
import Foundation
public import WorkingDayCalendar

/// One feed's records, waiting on disk: shaped rows (in the order they came; sorted when read), and
/// the records its exclusions or the publication periods keep out (counted, the first few kept).
public final class SpooledFeed {
    public let portal: String
    public let feed: FeedSpec
    let shaper: FeedBuilder.Shaper
    let spool: Spool
    /// Records its exclusions keep out, with the reason: the first ``sampleLimit``, and how many in all.
    public private(set) var skipped: [FeedPlan.Skip] = []
    public private(set) var skippedCount = 0
    /// Of those, the ones kept out by their publication period (the first few, and how many).
    public private(set) var periodSkipped: [FeedPlan.Skip] = []
    public private(set) var periodSkippedCount = 0
    /// Records not to be on the portal at all now (``FeedPlan/Skip/withdraw``): if an earlier
    /// version is published on this feed, the run takes it down. Key and reason.
    public private(set) var toWithdraw: [(key: String, reason: String)] = []
    private var kept: (skipped: Int, count: Int, period: Int, periodSamples: Int, withdraw: Int) = (0, 0, 0, 0, 0)
    static let sampleLimit = 50

    init(portal: String, feed: FeedSpec, schema: PublicationSchema) throws {
        self.portal = portal
        self.feed = feed
        shaper = FeedBuilder.Shaper(feed, schema: schema)
        spool = try Spool()
    }

    public var rowCount: Int { spool.count }

    func skip(_ skip: FeedPlan.Skip, period: Bool) {
        if period {
            if periodSkipped.count < Self.sampleLimit { periodSkipped.append(skip) }
            periodSkippedCount += 1
        } else {
            if skipped.count < Self.sampleLimit { skipped.append(skip) }
            skippedCount += 1
            if skip.withdraw { toWithdraw.append((skip.key, skip.reason)) }
        }
    }

    func checkpoint() {
        spool.checkpoint()
        kept = (skipped.count, skippedCount, periodSkippedCount, periodSkipped.count, toWithdraw.count)
    }

    func rollback() throws {
        try spool.rollback()
        skipped.removeLast(skipped.count - kept.skipped)
        skippedCount = kept.count
        periodSkippedCount = kept.period
        periodSkipped.removeLast(periodSkipped.count - kept.periodSamples)
        toWithdraw.removeLast(toWithdraw.count - kept.withdraw)
    }

    /// The lines that name the records its exclusions kept out, with the reason (the first
    /// ``sampleLimit``, then how many in all): never silently.
    public func skipLines(portalTitle: String) -> [String] {
        var lines = skipped.map { skip in
            "\(skip.file):\(skip.row): 不公示到\(portalTitle)（\(feed.title)）：\(skip.reason) [portal-excluded]"
        }
        if skippedCount > skipped.count {
            lines.append("……不公示到\(portalTitle)（\(feed.title)）的记录共 \(skippedCount) 条，以上列出前 \(skipped.count) 条 [portal-excluded]")
        }
        return lines
    }

    /// The rows in the feed's order (by decision key, then cells), sorted with bounded memory.
    public func sortedRows() throws -> AnyIterator<FeedPlan.Row> {
        try SpoolSorter.sorted(spool, keyField: FeedRowCoding.keyField, decode: FeedRowCoding.decode, by: FeedRowCoding.less)
    }
}

/// Takes a run's valid records as validation finds them and puts them on disk: per feed, the shaped
/// row (or why it is kept out); for the ledger, each record's key, content hash, decision date and
/// publication period. Nothing is held in memory but the current batch, so a run's memory does not
/// grow with its input. A file that fails half-way has its records dropped again.
public final class FeedIntake: RecordSink {
    public let feeds: [SpooledFeed]
    private let schema: PublicationSchema
    private let today: CalendarDate
    private let range: ClosedRange<CalendarDate>?
    private let periods: PeriodAssessor?
    private let fingerprints: [String: SourceFingerprint]
    /// Record versions for the ledger (nil: no ledger).
    private var versions: Spool?
    /// Every record as a decision (valid or not), for the register (nil: no ledger).
    private var sightings: Spool?
    /// Per valid record of the current batch (file and row): why it is not to be published on
    /// each portal, until its sighting arrives.
    private var exclusions: [RecordPlace: [String: String?]] = [:]
    /// (A pair, not the two joined in a text made for every record.)
    private struct RecordPlace: Hashable {
        let file: String
        let row: Int
    }
    /// Records without a decision number, per file.
    public private(set) var unidentifiable: [String: Int] = [:]
    private var keptUnidentifiable: [String: Int] = [:]
    private let portals: [String]
    private let keyFields: [Int]
    private let dateField: Int?
    public private(set) var validCount = 0
    private var keptValid = 0
    /// The bytes of the record being hashed, kept from record to record.
    private var hashScratch = Digest.Scratch()

    public init(
        feeds: [(portal: String, feed: FeedSpec)], schema: PublicationSchema, today: CalendarDate, range: ClosedRange<CalendarDate>? = nil,
        periods: PeriodAssessor? = nil, fingerprints: [String: SourceFingerprint]? = nil
    ) throws {
        self.feeds = try feeds.map { try SpooledFeed(portal: $0.portal, feed: $0.feed, schema: schema) }
        self.schema = schema
        self.today = today
        self.range = range
        self.periods = periods
        self.fingerprints = fingerprints ?? [:]
        versions = fingerprints == nil ? nil : try Spool()
        sightings = fingerprints == nil ? nil : try Spool()
        var portals: [String] = []
        for (portal, _) in feeds where !portals.contains(portal) { portals.append(portal) }
        self.portals = portals
        keyFields = schema.duplicateKey.compactMap(schema.index(of:))
        dateField = schema.decisionDateField.flatMap(schema.index(of:))
    }

    /// The spooled feeds of one portal.
    public func feeds(of portal: String) -> [SpooledFeed] { feeds.filter { $0.portal == portal } }

    public func accept(_ records: [ValidRecord]) throws {
        for record in records {
            validCount += 1
            let assessed = periods?.periods(record, today: today)
            let period = assessed?.general
            let portalPeriods = assessed?.portals ?? []
            if let versions, let source = fingerprints[record.file] {
                let key = keyFields.map { record.values[$0] ?? "" }.joined(separator: "|")
                var version = RecordVersion(
                    kind: schema.id, key: key, contentSHA256: Digest.sha256Hex(values: record.values, scratch: &hashScratch),
                    decisionDate: Deadlines.isoDate(dateField.flatMap { record.values[$0] }), sourceSHA256: source.sha256,
                    sourceRow: record.row, period: period)
                version.portalPeriods = portalPeriods.map(\.period)
                try RecordVersionCoding.append(version, to: versions)
            }
            let generalNotToSend = periods?.reasonNotToSend(period, today: today)
            // A portal with a rule of its own (gsxt) is judged by it.
            func reasonNotToSend(on portal: String) -> String? {
                portalPeriods.first { $0.period.portal == portal }.map(\.notToSend) ?? generalNotToSend
            }
            var placed: [String: String?] = [:]  // portal → nil (to publish) or why not
            let record = periods?.withPublicationEnd(record, period) ?? record
            for spooled in feeds {
                let place = spooled.shaper.place(record)
                switch place {
                case .elsewhere: break
                case .skipped(let skip): if placed[spooled.portal] == nil { placed[spooled.portal] = .some(skip.reason) }
                case .row: placed[spooled.portal] = .some(reasonNotToSend(on: spooled.portal))
                }
                switch place {
                case .elsewhere: continue
                case .skipped(let skip): spooled.skip(skip, period: false)
                case .row(let row):
                    if let range, !((try? CalendarDate.parse(row.decisionDate ?? "")).map(range.contains) ?? false) { continue }
                    if let notToSend = reasonNotToSend(on: spooled.portal) {
                        spooled.skip(.init(file: row.file, row: row.row, key: row.key, reason: notToSend), period: true)
                    } else {
                        try FeedRowCoding.append(row, to: spooled.spool)
                    }
                }
            }
            if sightings != nil { exclusions[RecordPlace(file: record.file, row: record.row)] = placed }
        }
    }

    public func endFile(failed: Bool) throws {
        exclusions = [:]
        if failed {
            for spooled in feeds { try spooled.rollback() }
            try versions?.rollback()
            try sightings?.rollback()
            validCount = keptValid
            unidentifiable = keptUnidentifiable
        } else {
            for spooled in feeds { spooled.checkpoint() }
            versions?.checkpoint()
            sightings?.checkpoint()
            keptValid = validCount
            keptUnidentifiable = unidentifiable
        }
    }

    public func sighted(_ seen: [DecisionSighting], unidentifiable count: Int, file: String, salvaged: Bool) throws {
        if count > 0 { unidentifiable[file, default: 0] += count }
        guard let sightings else { return }
        for sighting in seen {
            let placed = sighting.valid ? exclusions.removeValue(forKey: RecordPlace(file: sighting.file, row: sighting.row)) : nil
            let encoded = placed.map { placed in
                portals.map { portal in
                    // Not placed on any feed of the portal: the profile does not take such records.
                    let reason: String? = placed[portal] ?? "门户不公示此类记录"
                    return "\(portal)\u{1F}\(reason ?? "")"
                }.joined(separator: "\u{1E}")
            }
            try sightings.append([
                sighting.number, sighting.decisionDate, sighting.file, String(sighting.row), sighting.valid ? "1" : "0", encoded,
            ])
        }
        if salvaged {
            sightings.checkpoint()
            keptUnidentifiable = unidentifiable
        }
    }

    /// Rows per ledger transaction when the register and the record versions are written.
    static let chunkSize = 10_000

    /// Hands what `produce` makes to `write` ``chunkSize`` at a time, each chunk written on a second
    /// thread while this one makes the next (decoding a chunk from its spool and writing it took
    /// about the same time, one after the other). At most one chunk waits, so memory holds three.
    /// A failure on either side stops both; what was handed on ends before it is thrown.
    static func writeAhead<Item: Sendable>(
        label: String, write: @escaping @Sendable ([Item]) throws -> Void, produce: ((Item) throws -> Void) throws -> Void
    ) throws {
        let writer = InOrderWorker(label: label)
        var chunk: [Item] = []
        chunk.reserveCapacity(chunkSize)
        func flush() throws {
            let items = chunk
            try writer.submit { try write(items) }
            chunk = []
            chunk.reserveCapacity(chunkSize)
        }
        do {
            try produce { item in
                writer.releaseFinished()
                chunk.append(item)
                if chunk.count >= chunkSize { try flush() }
            }
            if !chunk.isEmpty { try flush() }
        } catch {
            try? writer.finish()
            throw error
        }
        try writer.finish()
    }

    /// Records the decisions seen (the register), ten thousand per transaction, each with its due
    /// date and exclusion on every portal; then starts a new spool for the next files.
    public func recordDecisions(
        in ledger: any DecisionLedger, run: Int64, pipeline: String?, deadlines: [String: Deadlines], today: CalendarDate
    ) throws {
        guard let spool = sightings else { return }
        let kind = schema.id
        var memos = deadlines.mapValues(Deadlines.Memo.init)
        try Self.writeAhead(label: "gongshi.register") { (decisions: [(sighting: DecisionSighting, portals: [DecisionPortal])]) in
            try CommandFailure.ledger { () throws(LedgerError) in
                try ledger.recordDecisions(decisions, kind: kind, pipeline: pipeline, run: run, today: today.description)
            }
        } produce: { take in
            for fields in try spool.entries() {
                let valid = fields[4] == "1"
                var excluded: [String: String?] = [:]
                // Split by bytes: the separators are ASCII, and splitting by characters (grapheme
                // breaking) was a third of the register's making.
                for part in (fields[5] ?? "").utf8.split(separator: 0x1E, omittingEmptySubsequences: true) {
                    let unit = part.firstIndex(of: 0x1F)
                    let portal = String(Substring(unit.map { part[..<$0] } ?? part))
                    let reason = unit.map { String(Substring(part[part.index(after: $0)...])) } ?? ""
                    excluded[portal] = .some(reason.isEmpty ? nil : reason)
                }
                let sighting = DecisionSighting(
                    number: fields[0] ?? "", decisionDate: Deadlines.isoDate(fields[1]), file: fields[2] ?? "", row: Int(fields[3] ?? "") ?? 0,
                    valid: valid)
                let date = sighting.decisionDate
                let places = portals.map { portal in
                    DecisionPortal(
                        portal: portal, dueOn: memos[portal]?.dueDate(date),
                        exclusion: valid ? .some(excluded[portal] ?? nil) : nil)
                }
                try take((sighting, places))
            }
        }
        sightings = try Spool()
    }

    /// Records the spooled record versions in the ledger, ten thousand per transaction, and starts a
    /// new spool for the next files.
    public func recordVersions(in ledger: any RunLedger, run: Int64) throws {
        guard let spool = versions else { return }
        let kind = schema.id
        try Self.writeAhead(label: "gongshi.versions") { (records: [RecordVersion]) in
            try CommandFailure.ledger { () throws(LedgerError) in try ledger.recordInputs([], records: records, run: run) }
        } produce: { take in
            for fields in try spool.entries() { try take(RecordVersionCoding.decode(fields, kind: kind)) }
        }
        versions = try Spool()
    }
}
