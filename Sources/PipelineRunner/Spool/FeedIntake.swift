public import DisclosureCore
import FeedEncoders
import Foundation
public import WorkingDayCalendar

/// One feed's records, waiting on disk: shaped rows (in the order they came; sorted when read), and
/// the records its exclusions or the publication periods keep out (counted, the first few kept).
public final class SpooledFeed {
    public let portal: String
    public let feed: FeedSpec
    let shaper: FeedBuilder.Shaper
    /// How a row is written as a line of the feed's files, where the record is checked (nil: the
    /// format is not a line per row, and rows keep their cells).
    let lineEncoder: FeedEncoder.LineEncoder?
    let spool: Spool
    /// Where the intake holds the feed's rows before they are written to ``spool`` as sorted runs,
    /// and the feed's place there: set by the ``FeedIntake`` that made the feed (the buffer is made
    /// of the feeds' spools, so it comes after them).
    fileprivate var runs: (rows: RowRuns, feed: Int)?
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
        // The key digest as the batch's file makes it (``FeedBatchFile``).
        lineEncoder = FeedEncoder.LineEncoder(feed: feed, keyDigest: Digest.keyDigest)
        spool = try Spool(noting: .runs, keyField: FeedRowCoding.keyField)
    }

    public var rowCount: Int { spool.count + (runs.map { $0.rows.held(feed: $0.feed) } ?? 0) }

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

    /// The rows in the feed's order (by decision key, then cells), sorted with bounded memory, or
    /// merged where they lie when they came as a few runs of ascending keys (``Spool/sortedRuns``:
    /// the runs the intake wrote them in, ``RowRuns``, or a file in the order of its numbers).
    /// The intake's rows still held are written first (every feed's: they share one buffer).
    public func sortedRows() throws -> AnyIterator<FeedPlan.Row> {
        try runs?.rows.finish()
        return try SpoolSorter.sorted(spool, keyField: FeedRowCoding.keyField, decodeRaw: FeedRowCoding.rawDecoder(), by: FeedRowCoding.less)
    }
}

/// Takes a run's valid records as validation finds them and puts them on disk: per feed, the shaped
/// row (or why it is kept out); for the ledger, each record's key, content hash, decision date and
/// publication period. Nothing is held in memory but the current batch, so a run's memory does not
/// grow with its input. A file that fails half-way has its records dropped again.
public final class FeedIntake: RecordSink {
    public let feeds: [SpooledFeed]
    /// The feeds' rows until they are written to their spools as sorted runs.
    private let rows: RowRuns
    private let schema: PublicationSchema
    private let today: CalendarDate
    private let range: ClosedRange<CalendarDate>?
    private let periods: PeriodAssessor?
    /// The decisions recorded as revoked (by number, the day): their records are kept out of every
    /// feed (a revoked decision is not published: 《行政处罚法》第48条, domain reference §4.4).
    private let revoked: [String: String]
    /// The decisions the register holds under a full-width 文号 (``WidthTwins``): a record of one
    /// is taken as that decision. Usually none, and no record is looked up.
    private let widthTwins: WidthTwins
    /// The files' fingerprints, by path: the record versions' sources, looked up when they are
    /// written (a file's may be taken while it is read, ``fingerprinted(_:)``).
    private var fingerprints: [String: SourceFingerprint]
    /// Record versions for the ledger (nil: no ledger).
    private var versions: Spool?
    /// Every record as a decision (valid or not), for the register (nil: no ledger).
    private var sightings: Spool?
    /// Per valid record of the current batch (by row, in ``exclusionsFile``): on each portal (in
    /// ``portals``' order), nil when it is not placed there, else nil to publish or why not, until
    /// its sighting arrives. (A dictionary by portal name per record, kept by file and row, was
    /// hashed, filled and read again for every record on the reading thread.)
    private var exclusions: [Int: [String??]] = [:]
    private var exclusionsFile = ""
    /// Records without a decision number, per file.
    public private(set) var unidentifiable: [String: Int] = [:]
    private var keptUnidentifiable: [String: Int] = [:]
    private let portals: [String]
    /// Each feed's portal's place in ``portals``.
    private let feedPortal: [Int]
    private let keyFields: [Int]
    private let dateField: Int?
    /// Natural persons' documents and the keyer that makes their keys (nil: no keys are made).
    private let persons: (document: PersonDocument, keyer: PersonKeyer)?
    public private(set) var validCount = 0
    private var keptValid = 0

    public init(
        feeds: [(portal: String, feed: FeedSpec)], schema: PublicationSchema, today: CalendarDate, range: ClosedRange<CalendarDate>? = nil,
        periods: PeriodAssessor? = nil, fingerprints: [String: SourceFingerprint]? = nil, revoked: [String: String] = [:],
        personKeyer: PersonKeyer? = nil, widthTwins: WidthTwins = .none
    ) throws {
        self.revoked = revoked
        self.widthTwins = widthTwins
        self.feeds = try feeds.map { try SpooledFeed(portal: $0.portal, feed: $0.feed, schema: schema) }
        rows = RowRuns(spools: self.feeds.map(\.spool))
        for (index, feed) in self.feeds.enumerated() { feed.runs = (rows, index) }
        self.schema = schema
        self.today = today
        self.range = range
        self.periods = periods
        self.fingerprints = fingerprints ?? [:]
        versions = fingerprints == nil ? nil : try Spool(noting: .sequences)
        sightings = fingerprints == nil ? nil : try Spool(noting: .sequences)
        var portals: [String] = []
        for (portal, _) in feeds where !portals.contains(portal) { portals.append(portal) }
        self.portals = portals
        feedPortal = feeds.map { feed in portals.firstIndex(of: feed.portal)! }
        keyFields = schema.duplicateKey.compactMap(schema.index(of:))
        dateField = schema.decisionDateField.flatMap(schema.index(of:))
        let document = PersonDocument(schema)
        persons = personKeyer.flatMap { document.applies ? (document, $0) : nil }
    }

    /// The spooled feeds of one portal.
    public func feeds(of portal: String) -> [SpooledFeed] { feeds.filter { $0.portal == portal } }

    /// Fingerprints taken while their files were read (``SourceFiles/Fingerprinting``), given
    /// before the record versions are written.
    public func fingerprinted(_ prints: [String: SourceFingerprint]) {
        fingerprints.merge(prints) { _, taken in taken }
    }

    /// The intake's work on one file's records, for the threads that check them.
    public func preparer(file: String) -> (any RecordPreparer)? { intakePreparer(file: file) }

    private func intakePreparer(file: String) -> IntakePreparer {
        IntakePreparer(
            file: file, kind: schema.id, shapers: feeds.map { ($0.portal, $0.feed.name, $0.shaper, $0.lineEncoder) }, periods: periods, today: today, range: range,
            keyFields: keyFields, dateField: dateField, keepsVersions: versions != nil, revoked: revoked, persons: persons,
            widthTwins: widthTwins)
    }

    public func accept(_ records: [ValidRecord]) throws {
        // Records not prepared where they were checked (read one by one, or by a caller of its
        // own) are prepared here, together.
        var unprepared: [ValidRecord] = []
        for record in records where Self.prepared(record) == nil { unprepared.append(record) }
        let local = unprepared.isEmpty ? nil : intakePreparer(file: unprepared[0].file).prepare(unprepared)
        var localIndex = 0
        for record in records {
            if let (batch, index) = Self.prepared(record) {
                try apply(batch, index, file: record.file, row: record.row, counted: !record.outsideRange)
            } else if let local {
                try apply(local, localIndex, file: record.file, row: record.row, counted: !record.outsideRange)
                localIndex += 1
            }
        }
    }

    private static func prepared(_ record: ValidRecord) -> (PreparedIntake, Int)? {
        guard let prepared = record.prepared, let batch = prepared.batch as? PreparedIntake, batch.isPrepared(prepared.index) else { return nil }
        return (batch, prepared.index)
    }

    /// Appends what was prepared for one valid record: its version's entry, and on each feed its
    /// row or why it is kept out; notes its exclusions for its sighting. `counted`: not decided
    /// outside a range re-run's dates (such a record's rows are not spooled either: `inRange`).
    private func apply(_ batch: PreparedIntake, _ index: Int, file: String, row: Int, counted: Bool) throws {
        if counted { validCount += 1 }
        if let versions, let entry = batch.version(index) { try versions.append(encoded: entry) }
        var placed = [String??](repeating: nil, count: portals.count)  // per portal: not placed, or nil (to publish) or why not
        for (feed, spooled) in feeds.enumerated() {
            switch batch.place(index, feed: feed) {
            case .elsewhere:
                continue
            case .skipped(let skip):
                if placed[feedPortal[feed]] == nil { placed[feedPortal[feed]] = .some(skip.reason) }
                spooled.skip(skip, period: false)
            case .row(let notToSend, let onlyCorrecting, let inRange, let key):
                placed[feedPortal[feed]] = .some(notToSend)
                guard inRange else { continue }
                if let notToSend {
                    spooled.skip(.init(file: file, row: row, key: key ?? "", reason: notToSend), period: true)
                }
                // A row kept out for its period may still correct what the portal shows: spooled
                // too, the planner sends it only as a correction (counted among those kept out
                // until then: ``FeedCounts/correctedPastPeriod``).
                if notToSend == nil || onlyCorrecting {
                    try rows.append(batch.row(index, feed: feed), feed: feed)
                }
            }
        }
        if sightings != nil {
            if !exclusionsFile.sameBytes(file) {
                exclusions = [:]
                exclusionsFile = file
            }
            exclusions[row] = placed
        }
    }

    public func endFile(failed: Bool) throws {
        exclusions = [:]
        exclusionsFile = ""
        if failed {
            rows.rollback()
            for spooled in feeds { try spooled.rollback() }
            try versions?.rollback()
            try sightings?.rollback()
            validCount = keptValid
            unidentifiable = keptUnidentifiable
        } else {
            for spooled in feeds { spooled.checkpoint() }
            rows.checkpoint()
            versions?.checkpoint()
            sightings?.checkpoint()
            keptValid = validCount
            keptUnidentifiable = unidentifiable
        }
    }

    /// An invalid record's decision past the longest publication period of any severity
    /// (``PeriodAssessor/endedWhateverSeverity(decisionDate:today:)``): why it is not published.
    private func pastEveryPeriod(_ sighting: DecisionSighting) -> String? {
        guard let periods, let text = sighting.decisionDate, let date = try? CalendarDate.parse(text) else { return nil }
        return periods.endedWhateverSeverity(decisionDate: date, today: today)
    }

    public func sighted(_ seen: [DecisionSighting], unidentifiable count: Int, file: String, salvaged: Bool) throws {
        if count > 0 { unidentifiable[file, default: 0] += count }
        guard let sightings else { return }
        let portals = portals
        let widthTwins = widthTwins
        for sighting in seen {
            let placed = sighting.valid && exclusionsFile.sameBytes(sighting.file) ? exclusions.removeValue(forKey: sighting.row) : nil
            // Written field by field into the entry, the exclusions as `portal US reason` joined by RS
            // (no list of fields, no text per portal made for every record).
            try sightings.append(fieldCount: 6) { entry in
                // A decision the register holds under its full-width 文号: that decision (``WidthTwins``).
                entry.put(widthTwins.isEmpty ? sighting.number : widthTwins.stored(sighting.number) ?? sighting.number)
                entry.put(sighting.decisionDate)
                entry.put(sighting.file)
                entry.put(String(sighting.row))
                entry.put(sighting.valid ? "1" : "0")
                // An invalid record the law keeps out (a minor), or past the longest period any
                // severity has: excluded on every portal, with the reason.
                if !sighting.valid, let reason = sighting.notToPublish ?? pastEveryPeriod(sighting) {
                    entry.put(writing: { out in
                        for (index, portal) in portals.enumerated() {
                            if index > 0 { out.append(0x1E) }
                            out.append(contentsOf: portal.utf8)
                            out.append(0x1F)
                            out.append(contentsOf: reason.utf8)
                        }
                    })
                    return
                }
                guard let placed else {
                    entry.put(nil as String?)
                    return
                }
                entry.put(writing: { out in
                    for (index, portal) in portals.enumerated() {
                        if index > 0 { out.append(0x1E) }
                        out.append(contentsOf: portal.utf8)
                        out.append(0x1F)
                        // Not placed on any feed of the portal: the profile does not take such records.
                        if let reason = placed[index] ?? "门户不公示此类记录" { out.append(contentsOf: reason.utf8) }
                    }
                })
            }
        }
        if salvaged {
            sightings.checkpoint()
            keptUnidentifiable = unidentifiable
        }
    }

    /// A spool of the register's or the record versions' entries in the order they are written to
    /// the ledger: as they came when they came as a few ascending sequences of keys (the first
    /// field's bytes, the ledger tables' order), interleaved (``Spool/maxRuns``); else in key
    /// order, sorted on disk (``SpoolSorter``, stable: entries with the same key in the order they
    /// came). Either way a decision's sightings and a record's versions keep their order. Rows
    /// written in the table's key order, or at a few places each moving forward, touch each of its
    /// pages about once a transaction; a file in an order of its own (sorted by name) wrote them at
    /// random, and a table larger than the ledger's cache was read and written again page by page:
    /// 200,000 records shuffled took the record versions 2.5–3.2 s and the register 3.2–3.4 s,
    /// against 1.0–1.6 s in key order. A department's numbers in their natural order are seven
    /// sequences by bytes in the bench's files; sorting them anyway cost the two stages a tenth more.
    static func inWritingOrder(_ spool: Spool, memoryBudget: Int64 = SpoolSorter.defaultBudget) throws -> AnyIterator<[String?]> {
        try inWritingOrder(spool, memoryBudget: memoryBudget) { fields in
            var values: [String?] = []
            values.reserveCapacity(fields.count)
            while fields.read < fields.count { values.append(fields.text()) }
            return values
        }
    }

    /// The entries in the same order, each decoded by `decode` from its fields where they lie (the
    /// ledger's stages make their rows so; the lists above are for tests).
    static func inWritingOrder<Element>(
        _ spool: Spool, memoryBudget: Int64 = SpoolSorter.defaultBudget, decoding decode: @escaping (inout EntryFields) -> Element
    ) throws -> AnyIterator<Element> {
        if spool.ascendingRuns != nil {
            var reader = try spool.entries()
            return AnyIterator { reader.next(decoding: decode) }
        }
        return try SpoolSorter.sorted(spool, keyField: 0, decodeRaw: { $0.decoded(decode) }, by: { _, _ in false }, memoryBudget: memoryBudget)
    }

    /// Rows per ledger transaction when the register and the record versions are written.
    static let chunkSize = 10_000

    /// Hands what `produce` makes to `write` ``chunkSize`` at a time, each chunk written on a second
    /// thread while this one makes the next (decoding a chunk from its spool and writing it took
    /// about the same time, one after the other). At most one chunk waits, so memory holds three.
    /// A failure on either side stops both; what was handed on ends before it is thrown.
    static func writeAhead<Item: Sendable>(
        label: String, prepare: @escaping ([Item]) -> any PreparedLedgerWrite, produce: ((consuming Item) throws -> Void) throws -> Void
    ) throws {
        let writer = InOrderWorker(label: label)
        var chunk: [Item] = []
        chunk.reserveCapacity(chunkSize)
        func flush() throws {
            // Made ready here, and the items let go here: the writing thread only writes.
            let prepared = prepare(chunk)
            chunk.removeAll(keepingCapacity: true)
            try writer.submit { try CommandFailure.ledger { () throws(LedgerError) in try prepared.write() } }
        }
        do {
            // Each item moved into the chunk (taken by copy, a version's dozen strings were each
            // retained here and released again by the producer).
            try produce { (item: consuming Item) in
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
        let portals = portals
        // By the portal's place in `portals` (a dictionary by name was hashed for every record).
        var memos = portals.map { deadlines[$0].map(Deadlines.Memo.init) }
        var reasons = [String?](repeating: nil, count: portals.count)
        let day = today.description
        try Self.writeAhead(label: "gongshi.register") { (decisions: [(sighting: DecisionSighting, portals: [DecisionPortal])]) in
            ledger.preparing(decisions: decisions, kind: kind, pipeline: pipeline, run: run, today: day)
        } produce: { take in
            // Each entry's fields read in place; the file's name, the same for a run of rows, made once.
            var files = RepeatedText()
            let inOrder = try Self.inWritingOrder(spool) { fields in
                let number = fields.text() ?? ""
                let date = Deadlines.isoDate(fields.text())
                let file = fields.next().map { files.text(of: $0) } ?? ""
                let row = fields.number() ?? 0
                let valid = fields.next()?.elementsEqual([0x31]) ?? false  // "1"
                for index in reasons.indices { reasons[index] = nil }
                if let field = fields.next() { Self.readExclusions(field, portals: portals, into: &reasons) }
                let sighting = DecisionSighting(number: number, decisionDate: date, file: file, row: row, valid: valid)
                var places: [DecisionPortal] = []
                places.reserveCapacity(portals.count)
                for index in portals.indices {
                    places.append(
                        DecisionPortal(
                            portal: portals[index], dueOn: memos[index]?.dueDate(date),
                            // An invalid record's exclusion is the law's alone (a minor); else it is left as it was.
                            exclusion: valid ? .some(reasons[index]) : reasons[index].map { .some($0) }))
                }
                return (sighting, places)
            }
            for decision in inOrder { try take(decision) }
        }
        sightings = try Spool(noting: .sequences)
    }

    /// A sighting's exclusions (``sighted(_:unidentifiable:file:salvaged:)``: `portal US reason`,
    /// joined by RS) read into `reasons`, by the portal's place in `portals`: why the record is not
    /// published there, nil where it is (an empty reason) or where the field does not name the
    /// portal. Split by bytes, in place: the separators are ASCII, and splitting by characters
    /// (grapheme breaking) was a third of the register's making.
    static func readExclusions(_ field: UnsafeBufferPointer<UInt8>, portals: [String], into reasons: inout [String?]) {
        var start = field.startIndex
        while start < field.endIndex {
            let end = field[start...].firstIndex(of: 0x1E) ?? field.endIndex
            let part = field[start..<end]
            start = end < field.endIndex ? end + 1 : end
            guard !part.isEmpty else { continue }
            let unit = part.firstIndex(of: 0x1F)
            let name = unit.map { part[..<$0] } ?? part
            guard let place = portals.firstIndex(where: { $0.utf8.elementsEqual(name) }) else { continue }
            let reason = unit.map { part[($0 + 1)...] }
            reasons[place] = reason.flatMap { $0.isEmpty ? nil : String(decoding: UnsafeBufferPointer(rebasing: $0), as: UTF8.self) }
        }
    }

    /// ``recordVersions(in:run:)`` and ``recordDecisions(in:run:pipeline:deadlines:today:)``: at
    /// once, the versions on a thread of their own, when the ledger takes two writers at once
    /// (``RunLedger/takesConcurrentWrites``: on PostgreSQL each write is a server process's work,
    /// and one after the other half the machine waited); else one after the other. The two read
    /// and write apart (each its own spool, the versions the feeds' rows besides); this thread
    /// waits for both, and a failure of either is thrown after both ended.
    public func recordVersionsAndDecisions(
        in ledger: any RunLedger & DecisionLedger, run: Int64, pipeline: String?, deadlines: [String: Deadlines], today: CalendarDate,
        stages: (String) -> Void
    ) throws {
        guard ledger.takesConcurrentWrites else {
            try recordVersions(in: ledger, run: run)
            stages("record-versions")
            try recordDecisions(in: ledger, run: run, pipeline: pipeline, deadlines: deadlines, today: today)
            stages("register")
            return
        }
        let versions = InOrderWorker(label: "gongshi.versions-beside")
        try versions.submit { [intake = UncheckedIntake(self)] in try intake.value.recordVersions(in: ledger, run: run) }
        let register = Result { try recordDecisions(in: ledger, run: run, pipeline: pipeline, deadlines: deadlines, today: today) }
        try versions.finish()
        try register.get()
        stages("record-versions+register")
    }

    /// Records the spooled record versions in the ledger, ten thousand per transaction, and starts a
    /// new spool for the next files. The feeds' rows still held are written to their spools first,
    /// and their buffer given back: the ledger's stages do not need its memory.
    public func recordVersions(in ledger: any RunLedger, run: Int64) throws {
        try rows.finish()
        guard let spool = versions else { return }
        let kind = schema.id
        // Each version's file was spooled as its source; its fingerprint is known by now. (A file
        // without one, which a caller that does not refuse such files let through, has no versions.)
        let fingerprints = self.fingerprints
        var last: (file: [UInt8], sha256: String?) = ([], nil)  // the same for a run of versions: looked up once
        let inOrder = try Self.inWritingOrder(spool) { fields in
            RecordVersionCoding.decode(&fields, kind: kind) { file in
                if !file.elementsEqual(last.file) { last = (Array(file), fingerprints[String(decoding: file, as: UTF8.self)]?.sha256) }
                return last.sha256
            }
        }
        try Self.writeAhead(label: "gongshi.versions") { (records: [RecordVersion]) in
            ledger.preparing(records: records, run: run)
        } produce: { take in
            for version in inOrder {
                if let version { try take(version) }
            }
        }
        versions = try Spool(noting: .sequences)
    }
}

/// The intake's work on a valid record that needs nothing of the records before it: its
/// publication periods, its content hash and version entry, and on each feed its shaped row (or
/// why it is kept out) with the row's entry. Done on the thread that checks the record, so that the
/// reading thread, which was busy all the time while the checking thread was not, only appends
/// what was made (``FeedIntake/accept(_:)``).
struct IntakePreparer: RecordPreparer {
    let file: String
    let kind: String
    /// Per feed: its portal, its name, its shaper and its line encoder.
    typealias FeedWork = (portal: String, feed: String, shaper: FeedBuilder.Shaper, line: FeedEncoder.LineEncoder?)
    let shapers: [FeedWork]
    let periods: PeriodAssessor?
    let today: CalendarDate
    let range: ClosedRange<CalendarDate>?
    let keyFields: [Int]
    let dateField: Int?
    /// Whether record versions are kept (each spooled with its file, ``RecordVersionCoding``).
    let keepsVersions: Bool
    /// Decisions recorded as revoked, by number (``FeedIntake``'s).
    let revoked: [String: String]
    /// Natural persons' documents and the keyer of their keys (nil: no keys made).
    let persons: (document: PersonDocument, keyer: PersonKeyer)?
    /// Decisions the register holds under a full-width 文号 (``FeedIntake``'s).
    let widthTwins: WidthTwins
    /// Per feed, whether its shaper is given the record's key made here: its key is made of the
    /// same fields, and none of them is the one a publication end is written into.
    private let lendsKey: [Bool]

    init(
        file: String, kind: String, shapers: [FeedWork], periods: PeriodAssessor?, today: CalendarDate,
        range: ClosedRange<CalendarDate>?, keyFields: [Int], dateField: Int?, keepsVersions: Bool, revoked: [String: String] = [:],
        persons: (document: PersonDocument, keyer: PersonKeyer)? = nil, widthTwins: WidthTwins = .none
    ) {
        self.revoked = revoked
        self.persons = persons
        self.widthTwins = widthTwins
        self.file = file
        self.kind = kind
        self.shapers = shapers
        self.periods = periods
        self.today = today
        self.range = range
        self.keyFields = keyFields
        self.dateField = dateField
        self.keepsVersions = keepsVersions
        let publicationEnd = periods?.publicationEndField
        lendsKey = shapers.map { $0.shaper.keyFields == keyFields && !keyFields.contains { $0 == publicationEnd } }
    }

    /// Prepares the records checked without an error, and lets their values go: they were made on
    /// this thread and are freed here. (Handed back and freed by the reading thread, each of a
    /// record's twenty-odd strings took the lock of this thread's malloc arena while this thread
    /// allocated from it: 89,000 futex calls a 200,000-record run instead of 3,800; and the values
    /// waited with their batches to be merged: a million-record run's peak through validation
    /// 124 MiB, against 116 MiB with them let go here, both with batches of 1,024.)
    func prepare(rows: [Int], outcomes: inout [RecordOutcome]) -> (any AnyObject & Sendable)? {
        var batch = PreparedIntake.Builder(feeds: shapers.count, records: outcomes.count)
        var scratch = Digest.Scratch()
        for index in outcomes.indices {
            let outcome = outcomes[index]
            if case .checked(_, _, let issues, let values?, let clear) = outcome, !issues.contains(where: { $0.severity == .error }) {
                var record = ValidRecord(file: file, row: rows[index], values: values)
                record.textsClear = clear
                add(record, to: &batch, scratch: &scratch)
                outcomes[index] = outcome.releasingValues(keepingDateAt: dateField)
            } else {
                batch.pass()
            }
        }
        return PreparedIntake(batch)
    }

    /// Prepares records of any files (each with its own file's fingerprint).
    func prepare(_ records: [ValidRecord]) -> PreparedIntake {
        var batch = PreparedIntake.Builder(feeds: shapers.count, records: records.count)
        var scratch = Digest.Scratch()
        for record in records { add(record, to: &batch, scratch: &scratch) }
        return PreparedIntake(batch)
    }

    private func add(_ record: ValidRecord, to batch: inout PreparedIntake.Builder, scratch: inout Digest.Scratch) {
        // A decision the register holds under its full-width 文号 (recorded before intake made it
        // half-width): the record is that decision, its 文号 as the register and the portal hold it
        // — its key, its content and its cells (``WidthTwins``). Usually none: nothing looked up,
        // the record not copied.
        if !widthTwins.isEmpty, let field = keyFields.first, let number = record.values[field], let stored = widthTwins.stored(number) {
            var values = record.values
            values[field] = stored
            var taken = ValidRecord(file: record.file, row: record.row, values: values)
            taken.outsideRange = record.outsideRange
            // (The screen runs on its texts: the fast check's clearance was of other values.)
            taken.textsClear = false
            place(taken, to: &batch, scratch: &scratch)
        } else {
            place(record, to: &batch, scratch: &scratch)
        }
    }

    private func place(_ record: ValidRecord, to batch: inout PreparedIntake.Builder, scratch: inout Digest.Scratch) {
        let assessed = periods?.periods(record, today: today)
        let period = assessed?.general
        let portalPeriods = assessed?.portals ?? []
        // The key once, for the version and for each feed whose shaper makes it the same way.
        let key = DecisionKey.joined(record.values, at: keyFields)
        // The record's version (the hash of its own values), kept with its rows too: what tells a
        // record withdrawn to be corrected from its corrected version (``FeedPlan/Row/recordSHA256``;
        // made for a dry run too, which keeps no versions but plans as the run would).
        let recordSHA256 = Digest.sha256Hex(values: record.values, scratch: &scratch)
        if keepsVersions {
            let hash = recordSHA256
            // Its source is its file until the version is written: the file's fingerprint may still
            // be being taken (``FeedIntake/recordVersions(in:run:)`` looks it up).
            var version = RecordVersion(
                kind: kind, key: key, contentSHA256: hash,
                decisionDate: Deadlines.isoDate(dateField.flatMap { record.values[$0] }), sourceSHA256: "",
                sourceRow: record.row, period: period)
            version.portalPeriods = portalPeriods.map(\.period)
            batch.versionSpans.append(batch.versions.add { RecordVersionCoding.encode(version, source: record.file, into: &$0) })
        } else {
            batch.versionSpans.append(.empty)
        }
        // A revoked decision's records go to no portal, not even to correct what one shows (the
        // nightly run takes that down, 撤销).
        let revokedOn = revoked.isEmpty ? nil : revoked[DecisionKey.number(key)]
        let generalNotToSend = revokedOn.map { "决定已于 \($0) 撤销，不予公示" } ?? periods?.reasonNotToSend(period, today: today)
        // A portal with a rule of its own (gsxt) is judged by it.
        func reasonNotToSend(on portal: String) -> (reason: String?, onlyCorrecting: Bool) {
            if revokedOn != nil { return (generalNotToSend, false) }
            return portalPeriods.first { $0.period.portal == portal }.map { ($0.notToSend, $0.onlyCorrecting) } ?? (generalNotToSend, false)
        }
        let record = periods?.withPublicationEnd(record, period) ?? record
        // A natural person's key, made once for the record's rows on every feed, and only for a
        // natural person with an ID number (a legal person's record makes none).
        var personKey: String??
        func keyOfPerson() -> String? {
            if let personKey { return personKey }
            let made = persons.flatMap { persons in persons.document.text(record.values).map(persons.keyer.key) }
            personKey = .some(made)
            return made
        }
        // Each feed's work read where it lies (taken apart as a tuple, its two names, its shaper and
        // its encoder were retained and released for every record).
        for feed in shapers.indices {
            var span = PreparedIntake.Entries.Span.empty
            switch shapers[feed].shaper.place(record, key: lendsKey[feed] ? key : nil) {
            case .elsewhere: batch.places.append(.elsewhere)
            case .skipped(let skip): batch.places.append(.skipped(skip))
            case .row(var row):
                let inRange = range.map { range in (try? CalendarDate.parse(row.decisionDate ?? "")).map(range.contains) ?? false } ?? true
                let (notToSend, onlyCorrecting) = reasonNotToSend(on: shapers[feed].portal)
                // The key only where it is used (the records kept out for their period): each string
                // made here and freed by the appending thread takes this thread's arena lock.
                batch.places.append(
                    .row(notToSend: notToSend, onlyCorrecting: onlyCorrecting, inRange: inRange, key: inRange && notToSend != nil ? row.key : nil))
                if inRange, notToSend == nil || onlyCorrecting {
                    if onlyCorrecting { row.onlyCorrecting = notToSend }
                    if persons != nil { row.personKey = keyOfPerson() }
                    row.recordSHA256 = recordSHA256
                    // Its content hash too, which the planner compares with the ledger's: made here,
                    // it is off the publishing thread, the busier one of its stage.
                    row.contentSHA256 = Digest.sha256Hex(shapers[feed].feed, values: row.cells, scratch: &scratch)
                    span = batch.rows[feed].add { FeedRowCoding.encode(row, into: &$0, line: shapers[feed].line) }
                }
            }
            batch.rowSpans.append(span)
        }
        batch.prepared.append(true)
    }
}

/// What ``IntakePreparer`` made for a batch of records, by the record's index in the batch: its
/// version's spool entry, and per feed where it goes, with its row's entry.
final class PreparedIntake: Sendable {
    /// Where a record goes on one feed.
    enum Place: Sendable {
        /// Not for this feed.
        case elsewhere
        /// Meant for the feed, kept out by one of its exclusions.
        case skipped(FeedPlan.Skip)
        /// A row: why it is not to be sent now (nil: to send), whether it is still sent to correct
        /// a live publication (``FeedPlan/Row/onlyCorrecting``), whether its decision date is in
        /// the run's range (only then is it spooled, or kept out for its period), and its key when
        /// it is kept out for its period.
        case row(notToSend: String?, onlyCorrecting: Bool, inRange: Bool, key: String?)
    }

    /// Spool entries one after the other, in blocks of about 64 KiB: below the size from which
    /// glibc maps memory from the system for each block and gives it back when freed (256 KiB in
    /// the gongshi executable). One growing buffer a batch went past it, and every batch's pages
    /// were faulted in anew (a first run's page faults nearly doubled).
    struct Entries: Sendable {
        static let blockSize = 64 << 10
        /// A block's first capacity: a feed that takes few of a batch's records (natural persons)
        /// does not hold a whole block for them.
        static let firstCapacity = 16 << 10
        private(set) var blocks: [[UInt8]] = []
        private var current: [UInt8] = []

        /// Where an entry is: its block and its bytes there (an empty range: no entry).
        struct Span: Sendable {
            let block: Int32
            let start: Int32
            let end: Int32
            static let empty = Span(block: 0, start: 0, end: 0)
        }

        mutating func add(_ encode: (inout [UInt8]) -> Void) -> Span {
            if current.count >= Self.blockSize {
                blocks.append(current)
                current = []
            }
            if current.isEmpty { current.reserveCapacity(Self.firstCapacity) }
            let start = current.count
            encode(&current)
            return Span(block: Int32(blocks.count), start: Int32(start), end: Int32(current.count))
        }

        mutating func seal() {
            if !current.isEmpty { blocks.append(current) }
            current = []
        }

        subscript(span: Span) -> ArraySlice<UInt8> { blocks[Int(span.block)][Int(span.start)..<Int(span.end)] }
    }

    struct Builder {
        let feeds: Int
        var prepared: [Bool] = []
        var versions = Entries()
        var versionSpans: [Entries.Span] = []
        /// Per record, one place and one row span per feed.
        var places: [Place] = []
        var rows: [Entries]
        var rowSpans: [Entries.Span] = []

        init(feeds: Int, records: Int) {
            self.feeds = feeds
            rows = Array(repeating: Entries(), count: feeds)
            prepared.reserveCapacity(records)
            versionSpans.reserveCapacity(records)
            places.reserveCapacity(records * feeds)
            rowSpans.reserveCapacity(records * feeds)
        }

        /// A record not prepared (not valid as checked).
        mutating func pass() {
            prepared.append(false)
            versionSpans.append(.empty)
            for _ in 0..<feeds {
                places.append(.elsewhere)
                rowSpans.append(.empty)
            }
        }
    }

    /// What was made, its last blocks sealed.
    private let made: Builder

    init(_ builder: Builder) {
        var builder = builder
        builder.versions.seal()
        for feed in builder.rows.indices { builder.rows[feed].seal() }
        made = builder
    }

    func isPrepared(_ index: Int) -> Bool { index < made.prepared.count && made.prepared[index] }

    /// The record's version entry (nil: versions are not kept).
    func version(_ index: Int) -> ArraySlice<UInt8>? {
        let span = made.versionSpans[index]
        return span.start == span.end ? nil : made.versions[span]
    }

    func place(_ index: Int, feed: Int) -> Place { made.places[index * made.feeds + feed] }

    /// The record's row entry on a feed (where ``place(_:feed:)`` is a row to send).
    func row(_ index: Int, feed: Int) -> ArraySlice<UInt8> { made.rows[feed][made.rowSpans[index * made.feeds + feed]] }
}

/// The intake lent to the thread that writes its record versions beside the register
/// (``FeedIntake/recordVersionsAndDecisions(in:run:pipeline:deadlines:today:stages:)``): the two
/// touch apart what the intake holds, and the lender waits for the thread before going on.
private struct UncheckedIntake: @unchecked Sendable {
    let value: FeedIntake
    init(_ value: FeedIntake) { self.value = value }
}
