import DisclosureCore
import Foundation
import Glibc

/// An append-only file of entries — each a list of optional strings — so that a run's records wait
/// on disk, not in memory, between validation and the feeds. The file is created mode 0600 and
/// unlinked at once (it never outlives the process, and nobody else can open it). Entries are
/// length-prefixed UTF-8; a `checkpoint` marks the end of what is kept, and `rollback` drops what
/// came after (the records of a file that failed half-way).
///
/// Hand-written rather than a library: it is the product's own streaming core, and a few lines of
/// `pwrite`/`pread`.
final class Spool {
    private let descriptor: Int32
    private var pending: [UInt8] = []
    /// Bytes written to the file (not counting `pending`).
    private var written: Int64 = 0
    private var kept: (bytes: Int64, count: Int) = (0, 0)
    private(set) var count = 0
    /// Bytes of all entries, written or pending.
    var bytes: Int64 { written + Int64(pending.count) }

    private static let nilLength = UInt32.max
    private static let flushAt = 1 << 20

    init() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "gongshi-spool-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        ).path
        descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CommandFailure(status: ExitStatus.cantCreate, code: "spool-unwritable", message: "无法创建临时文件 \(path)：\(String(cString: strerror(errno)))")
        }
        unlink(path)
    }

    deinit { close(descriptor) }

    func append(_ fields: [String?]) throws {
        Self.append(UInt32(fields.count), to: &pending)
        for field in fields {
            guard let field else {
                Self.append(Self.nilLength, to: &pending)
                continue
            }
            let utf8 = field.utf8
            Self.append(UInt32(utf8.count), to: &pending)
            pending.append(contentsOf: utf8)
        }
        count += 1
        if pending.count >= Self.flushAt { try flush() }
    }

    /// Marks everything appended so far as kept.
    func checkpoint() {
        kept = (bytes, count)
    }

    /// Drops the entries appended since the last checkpoint.
    func rollback() throws {
        try flush()
        guard ftruncate(descriptor, off_t(kept.bytes)) == 0 else { throw Self.failure("truncate") }
        written = kept.bytes
        count = kept.count
    }

    /// The entries, in the order they were appended, read `chunk` bytes at a time.
    func entries(chunk: Int = 1 << 20) throws -> Reader {
        try flush()
        return Reader(descriptor: descriptor, end: written, chunk: chunk)
    }

    /// Writes what is pending and gives back the write buffer: a spool that is only read from now
    /// on (a sorted run waiting for its merge) holds no megabyte of buffer.
    func finishWriting() throws {
        try flush()
        pending = []
    }

    private func flush() throws {
        guard !pending.isEmpty else { return }
        let done = pending.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let wrote = pwrite(descriptor, raw.baseAddress! + offset, raw.count - offset, off_t(written) + off_t(offset))
                if wrote < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += wrote
            }
            return true
        }
        guard done else { throw Self.failure("write") }
        written += Int64(pending.count)
        pending.removeAll(keepingCapacity: true)
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func failure(_ what: String) -> CommandFailure {
        CommandFailure(status: ExitStatus.ioError, code: "spool-failed", message: "临时文件\(what)失败：\(String(cString: strerror(errno)))（磁盘已满？）")
    }

    /// Reads entries back from the start, `chunk` bytes at a time (a megabyte by default).
    struct Reader: IteratorProtocol, Sequence {
        let descriptor: Int32
        let end: Int64
        let chunk: Int
        private var offset: Int64 = 0
        private var buffer: [UInt8] = []
        private var position = 0

        init(descriptor: Int32, end: Int64, chunk: Int = 1 << 20) {
            self.descriptor = descriptor
            self.end = end
            self.chunk = chunk
        }

        mutating func next() -> [String?]? {
            guard let count = readUInt32() else { return nil }
            var fields: [String?] = []
            fields.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let length = readUInt32() else { return nil }
                if length == Spool.nilLength {
                    fields.append(nil)
                } else {
                    guard ensure(Int(length)) else { return nil }
                    fields.append(String(decoding: buffer[position..<position + Int(length)], as: UTF8.self))
                    position += Int(length)
                }
            }
            return fields
        }

        private mutating func readUInt32() -> UInt32? {
            guard ensure(4) else { return nil }
            var value: UInt32 = 0
            for index in 0..<4 { value |= UInt32(buffer[position + index]) << (8 * index) }
            position += 4
            return value
        }

        /// At least `needed` unread bytes in the buffer, unless the file ends first.
        private mutating func ensure(_ needed: Int) -> Bool {
            if buffer.count - position >= needed { return true }
            buffer.removeFirst(position)
            position = 0
            while buffer.count < needed && offset < end {
                let chunk = Int(Swift.min(Int64(Swift.max(needed - buffer.count, self.chunk)), end - offset))
                var bytes = [UInt8](repeating: 0, count: chunk)
                let read = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, chunk, off_t(offset)) }
                guard read > 0 else { return false }
                buffer.append(contentsOf: bytes[0..<read])
                offset += Int64(read)
            }
            return buffer.count >= needed
        }
    }
}

/// Sorts a spool's entries with bounded memory: runs of at most `memoryBudget` bytes are sorted in
/// memory and written to spools of their own, then merged. One run stays in memory.
enum SpoolSorter {
    /// The memory the entries sorted at once may take, as ``inMemoryCost(_:)`` counts it. Measured
    /// (200,000 records, one portal): 64 MiB of field bytes held about 150 MB of Swift strings and
    /// arrays, most of the run's peak; 16 MiB of memory as counted here spills a few more runs
    /// and merges them for no measurable time, and 12 MiB (with runs merged sixteen at a time)
    /// takes a few MB more off the run's peak.
    static let defaultBudget: Int64 = 12 << 20
    /// The bytes each run's reader holds during the merge.
    static let mergeChunk = 64 << 10

    /// What an entry costs in memory once decoded: an array header and a 16-byte `String?` per
    /// field, and for a string over 15 UTF-8 bytes (not stored inline) its heap allocation.
    static func inMemoryCost(_ fields: [String?]) -> Int64 {
        var cost: Int64 = 32 + 16 * Int64(fields.count)
        for field in fields {
            let count = field?.utf8.count ?? 0
            if count > 15 { cost += Int64(count + 32) }
        }
        return cost
    }

    static func sorted<Element>(
        _ spool: Spool, decode: @escaping ([String?]) -> Element, encode: (Element) -> [String?],
        by less: @escaping (Element, Element) -> Bool, memoryBudget: Int64 = defaultBudget
    ) throws -> AnyIterator<Element> {
        var runs: [Spool] = []
        var chunk: [Element] = []
        var chunkBytes: Int64 = 0
        func spill() throws {
            chunk.sort(by: less)
            let run = try Spool()
            for element in chunk { try run.append(encode(element)) }
            try run.finishWriting()
            runs.append(run)
            chunk.removeAll(keepingCapacity: true)
            chunkBytes = 0
        }
        for fields in try spool.entries() {
            chunkBytes += inMemoryCost(fields)
            chunk.append(decode(fields))
            if chunkBytes >= memoryBudget { try spill() }
        }
        if runs.isEmpty {
            chunk.sort(by: less)
            return AnyIterator(chunk.makeIterator())
        }
        if !chunk.isEmpty { try spill() }
        // Merge at most `fanIn` runs at a time: with more, groups of them are merged into longer
        // runs first (a further pass over the data), so the merge's memory — a 64 KiB read and a
        // decoded head per run — and its choice of the smallest head stay the same whatever the
        // input's size (a million records made about a hundred runs: 6 MB more, and a hundred
        // comparisons per row).
        while runs.count > fanIn {
            var merged: [Spool] = []
            for start in stride(from: 0, to: runs.count, by: fanIn) {
                let group = Array(runs[start..<min(start + fanIn, runs.count)])
                let run = try Spool()
                let elements = try merge(group, decode: decode, by: less)
                while let element = elements.next() { try run.append(encode(element)) }
                try run.finishWriting()
                merged.append(run)
            }
            runs = merged
        }
        return try merge(runs, decode: decode, by: less)
    }

    /// The most runs merged at once.
    static let fanIn = 16

    /// The runs' elements in order: the smallest head of all runs, each time; each run read 64 KiB
    /// at a time. The runs' files live as long as the merge.
    private static func merge<Element>(
        _ runs: [Spool], decode: @escaping ([String?]) -> Element, by less: @escaping (Element, Element) -> Bool
    ) throws -> AnyIterator<Element> {
        var readers = try runs.map { try $0.entries(chunk: mergeChunk) }
        var heads: [Element?] = readers.indices.map { readers[$0].next().map(decode) }
        return AnyIterator {
            _ = runs
            var best: Int?
            for index in heads.indices {
                guard let head = heads[index] else { continue }
                if let current = best, let bestHead = heads[current], !less(head, bestHead) { continue }
                best = index
            }
            guard let best, let element = heads[best] else { return nil }
            heads[best] = readers[best].next().map(decode)
            return element
        }
    }
}

/// Feed rows as spool entries: file, row, key, decision date, subject code and name, then the cells.
enum FeedRowCoding {
    static func encode(_ row: FeedPlan.Row) -> [String?] {
        [row.file, String(row.row), row.key, row.decisionDate, row.subjectCode, row.subjectName] + row.cells
    }

    static func decode(_ fields: [String?]) -> FeedPlan.Row {
        var row = FeedPlan.Row(
            file: fields[0] ?? "", row: Int(fields[1] ?? "") ?? 0, key: fields[2] ?? "", cells: fields.dropFirst(6).map { $0 ?? "" })
        row.decisionDate = fields[3]
        row.subjectCode = fields[4]
        row.subjectName = fields[5]
        return row
    }

    /// The feed's order: by decision key, then cells (as `FeedBuilder.plan` sorts).
    static func less(_ a: FeedPlan.Row, _ b: FeedPlan.Row) -> Bool {
        FeedPlan.Row.precedes(a, b)
    }
}
