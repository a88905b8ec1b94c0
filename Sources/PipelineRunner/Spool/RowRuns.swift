import DisclosureCore
import Foundation

/// The feed rows of a run's intake, every feed's in one buffer as they come, written to each
/// feed's spool sorted by key whenever the buffer is full: each feed's spool is then runs of
/// ascending keys, which the publish stage merges where they lie (``SpoolSorter``, through
/// ``Spool/sortedRuns``) instead of reading the whole spool back, sorting it a buffer at a time
/// into runs of its own and merging those: the rows go through the page cache twice less, and
/// the publish stage holds no sort buffer. (The legal-person feed of a million records: 4.37–4.64 s
/// against 4.86–5.27 s; its validation, where the sorting now is, 0.2–0.3 s longer.) With more
/// runs than the fan-in (past about 1.3 million records in a run), the spool is sorted as before.
///
/// The order the feeds see is the one a sort of each whole spool gives: by key bytes, then by the
/// rows' own order (``FeedRowCoding/less``), then in the order they came. Within a buffer the
/// sort is stable, and the runs are written in the order their rows came, the earlier run first
/// among equal rows when merged.
///
/// A file that fails half-way has its rows dropped again (``FeedIntake/endFile(failed:)``): what
/// is in the buffer is dropped back to the last checkpoint; on disk, the spools drop what they
/// were given since theirs. So that a spool's checkpoint never falls inside a run, a buffer
/// written while it holds rows from before the checkpoint writes those first, as runs of their
/// own, and the spools' checkpoints move past them.
final class RowRuns {
    private let spools: [Spool]
    private let decode: (RawEntry) -> FeedPlan.Row
    private let budget: Int64
    private var bytes: [UInt8] = []
    /// Per feed, where its rows lie in ``bytes``, in the order they came.
    private var places: [[EntryChunk.Place]]
    /// What the last checkpoint keeps of the buffer: its bytes, and each feed's places.
    private var kept: (bytes: Int, places: [Int])

    /// - Parameter budget: the bytes the buffer holds before it is written (its rows and a place
    ///   each). 6 MiB: a million records' rows (1.15 GB) are about 190 runs a feed, within the
    ///   merge's fan-in (``SpoolSorter/fanIn``); the sort's 8 MiB gave the same times and a
    ///   million-record run's peak 2 MB higher (89.6–90.2 MB against 87.5–88.1 MB).
    init(spools: [Spool], budget: Int64 = 6 << 20) {
        self.spools = spools
        self.budget = budget
        decode = FeedRowCoding.rawDecoder()
        places = Array(repeating: [], count: spools.count)
        kept = (0, Array(repeating: 0, count: spools.count))
    }

    /// The rows of feed `feed` held in the buffer.
    func held(feed: Int) -> Int { places[feed].count }

    private var cost: Int64 { Int64(bytes.count + places.reduce(0) { $0 + $1.count } * MemoryLayout<EntryChunk.Place>.stride) }

    /// Takes one row's entry (``FeedRowCoding/encode(_:into:line:)``) for feed `feed`.
    func append(_ entry: ArraySlice<UInt8>, feed: Int) throws {
        if bytes.capacity == 0 { bytes.reserveCapacity(Int(budget) + (64 << 10)) }
        let key = entry.withUnsafeBufferPointer { entry in
            let field = Spool.field(FeedRowCoding.keyField, of: entry)
            let start = field.baseAddress.map { $0 - entry.baseAddress! } ?? 0
            return start..<(start + field.count)
        }
        places[feed].append(
            EntryChunk.Place(start: bytes.count, length: Int32(entry.count), keyStart: Int32(key.lowerBound), keyLength: Int32(key.count)))
        bytes.append(contentsOf: entry)
        if cost >= budget { try write() }
    }

    /// Marks every row taken so far as kept; the spools' own checkpoints are the caller's.
    func checkpoint() {
        kept = (bytes.count, places.map(\.count))
    }

    /// Drops the rows taken since the last checkpoint that are still in the buffer (the spools
    /// drop what they were given since theirs).
    func rollback() {
        bytes.removeSubrange(kept.bytes...)
        for feed in places.indices { places[feed].removeSubrange(kept.places[feed]...) }
    }

    /// Writes the buffer to the spools, each feed's rows sorted; the buffer keeps its memory for
    /// the rows to come.
    func write() throws {
        try bytes.withUnsafeBufferPointer { all in
            if kept.places.contains(where: { $0 > 0 }) {
                // Rows from before the checkpoint (no buffer was written since): theirs, kept by the spools.
                for feed in spools.indices where kept.places[feed] > 0 {
                    try write(places[feed][..<kept.places[feed]], of: all, to: spools[feed])
                }
                for spool in spools { spool.checkpoint() }
            }
            for feed in spools.indices where places[feed].count > kept.places[feed] {
                try write(places[feed][kept.places[feed]...], of: all, to: spools[feed])
            }
        }
        bytes.removeAll(keepingCapacity: true)
        for feed in places.indices { places[feed].removeAll(keepingCapacity: true) }
        kept = (0, Array(repeating: 0, count: spools.count))
    }

    /// Writes what is held and gives back the buffer (the intake is over, or paused for the
    /// ledger's stages); rows taken later get a buffer again.
    func finish() throws {
        try write()
        bytes = []
        places = Array(repeating: [], count: spools.count)
    }

    private func write(_ rows: ArraySlice<EntryChunk.Place>, of all: UnsafeBufferPointer<UInt8>, to spool: Spool) throws {
        for place in EntryChunk.order(rows, in: all, decode: decode, less: FeedRowCoding.less) {
            try spool.append(encoded: UnsafeBufferPointer(rebasing: all[place.start..<(place.start + Int(place.length))]))
        }
    }
}
