import DisclosureCore
import FeedEncoders
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

    fileprivate static let nilLength = UInt32.max
    private static let flushAt = 1 << 20

    /// The field whose bytes the spool notes the order of (nil: it notes nothing). A missing
    /// field counts as empty.
    let keyField: Int?
    /// How many ascending sequences of keys the entries came as, interleaved, as far as the spool
    /// looks: 1 when each came at or after the one before; nil when more than ``maxRuns``, or not
    /// noted. Counted as patience sorting does: an entry continues the sequence whose last key is
    /// the greatest at or below its own, or begins a new one. It never goes down, even when entries
    /// are rolled back.
    private(set) var ascendingRuns: Int?
    /// The last key of each sequence, in ascending order.
    private var runTails: [[UInt8]] = []
    /// The most sequences ``ascendingRuns`` counts. Rows that come as a few ascending sequences
    /// interleaved are written into a ledger table at as many places, each moving forward, and the
    /// ledger's page cache (6 MiB, 384 pages) keeps each place's path of pages; a department's
    /// numbers in their natural order (罚9号 before 罚10号, which comes first by bytes) are a few
    /// such sequences (seven in the bench's files of 200,000 and of a million records).
    static let maxRuns = 16
    /// Where each run of entries with strictly ascending keys begins, one after the other in the
    /// file (byte offsets; the first is 0): the spool is these runs, each sorted by key, and a sort
    /// only has to merge them (``SpoolSorter``). Nil when there are more than
    /// ``SpoolSorter/fanIn``, or when the order is not noted.
    private(set) var sortedRuns: [Int64]?
    /// The last entry's key, for ``sortedRuns`` (nil: the next entry begins a run, as after a
    /// rollback).
    private var lastKey: [UInt8]?

    /// What a spool notes of the order its entries come in: each is for a different reader.
    struct OrderNotes: OptionSet {
        let rawValue: Int
        /// ``ascendingRuns``: for the ledger, which writes rows that come so as they come.
        static let sequences = OrderNotes(rawValue: 1)
        /// ``sortedRuns``: for the sort, which merges them where they lie.
        static let runs = OrderNotes(rawValue: 2)
    }

    /// - Parameters:
    ///   - notes: what to note of the order the entries come in (nothing by default).
    ///   - keyField: the field whose bytes that order is of.
    init(noting notes: OrderNotes = [], keyField: Int = 0) throws {
        descriptor = try Self.unlinkedFile("gongshi-spool")
        self.keyField = notes.isEmpty ? nil : keyField
        ascendingRuns = notes.contains(.sequences) ? 0 : nil
        sortedRuns = notes.contains(.runs) ? [] : nil
    }

    /// A new file in the system's temporary folder, mode 0600, unlinked at once: its descriptor.
    static func unlinkedFile(_ prefix: String) throws -> Int32 {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(prefix)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)"
        ).path
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CommandFailure(status: ExitStatus.cantCreate, code: "spool-unwritable", message: "无法创建临时文件 \(path)：\(String(cString: strerror(errno)))")
        }
        unlink(path)
        return descriptor
    }

    deinit { close(descriptor) }

    func append(_ fields: [String?]) throws {
        try append(fieldCount: fields.count) { entry in
            for field in fields { entry.put(field) }
        }
    }

    /// Appends one entry of `fieldCount` fields, each given to the writer in turn: no list of the
    /// fields is made first (a feed row's list, made and cast for every record, was a tenth of the
    /// intake's time).
    func append(fieldCount: Int, _ write: (inout EntryWriter) -> Void) throws {
        let start = pending.count
        Self.encode(fieldCount: fieldCount, into: &pending, write)
        if let keyField { noteOrder(pending[start...], keyField: keyField, at: written + Int64(start)) }
        count += 1
        if pending.count >= Self.flushAt { try flush() }
    }

    /// Encodes one entry at the end of `bytes`, as ``append(fieldCount:_:)`` would write it: for
    /// an entry made on another thread and appended later (``append(encoded:)``).
    static func encode(fieldCount: Int, into bytes: inout [UInt8], _ write: (inout EntryWriter) -> Void) {
        var entry = EntryWriter(bytes: [])
        swap(&entry.bytes, &bytes)  // the buffer is moved, not copied
        append(UInt32(fieldCount), to: &entry.bytes)
        write(&entry)
        swap(&entry.bytes, &bytes)
        // A miscounted entry would make every later one unreadable.
        precondition(entry.fields == fieldCount, "a spool entry of \(fieldCount) fields was given \(entry.fields)")
    }

    /// Appends one entry made by ``encode(fieldCount:into:_:)``.
    func append(encoded entry: ArraySlice<UInt8>) throws {
        try entry.withUnsafeBufferPointer { try append(encoded: $0) }
    }

    func append(encoded entry: UnsafeBufferPointer<UInt8>) throws {
        if let keyField { noteOrder(entry, keyField: keyField, at: bytes) }
        pending.append(contentsOf: entry)
        count += 1
        if pending.count >= Self.flushAt { try flush() }
    }

    /// Writes the fields of one entry into the spool's buffer.
    struct EntryWriter {
        fileprivate var bytes: [UInt8]
        fileprivate var fields = 0

        mutating func put(_ field: String?) {
            fields += 1
            guard let field else {
                Spool.append(Spool.nilLength, to: &bytes)
                return
            }
            field.withLentUTF8 { utf8 in
                Spool.append(UInt32(utf8.count), to: &bytes)
                bytes.append(contentsOf: utf8)
            }
        }

        /// A field of bytes written by `write` in place. (Not an optional closure, for a nil field:
        /// an optional closure escapes, and the context it captured, a row or a record's
        /// exclusions, was allocated for every entry.)
        mutating func put(writing write: (inout [UInt8]) -> Void) {
            fields += 1
            let at = bytes.count
            Spool.append(0, to: &bytes)
            write(&bytes)
            let length = UInt32(bytes.count - at - 4)
            precondition(length != Spool.nilLength, "a spool field of 4 GiB")
            withUnsafeBytes(of: length.littleEndian) { for (offset, byte) in $0.enumerated() { bytes[at + offset] = byte } }
        }
    }

    /// Appends an entry's bytes as they were written (a sorted run's, from ``EntryChunk``).
    func append(bytes entry: UnsafeBufferPointer<UInt8>) throws {
        precondition(keyField == nil, "a spool that notes its order is appended entries one by one")
        pending.append(contentsOf: entry)
        count += 1
        if pending.count >= Self.flushAt { try flush() }
    }

    /// Appends an entry as ``Reader/nextRaw(keyField:)`` read it: its bytes as they were written.
    func append(raw entry: RawEntry) throws {
        if let keyField { noteOrder(entry.bytes[...], keyField: keyField, at: bytes) }
        pending.append(contentsOf: entry.bytes)
        count += 1
        if pending.count >= Self.flushAt { try flush() }
    }

    /// Notes where an entry's key (`keyField`) comes: the sequence it continues
    /// (``ascendingRuns``), and whether it begins a run (``sortedRuns``). `offset`: where the entry
    /// begins in the file.
    private func noteOrder(_ entry: ArraySlice<UInt8>, keyField: Int, at offset: Int64) {
        entry.withUnsafeBufferPointer { noteOrder($0, keyField: keyField, at: offset) }
    }

    private func noteOrder(_ bytes: UnsafeBufferPointer<UInt8>, keyField: Int, at offset: Int64) {
        let key = Self.field(keyField, of: bytes)
        func order(_ earlier: [UInt8]) -> Int { earlier.withUnsafeBufferPointer { Self.compare($0, key) } }
        if sortedRuns != nil {
            if lastKey.map({ order($0) >= 0 }) ?? true {
                if sortedRuns!.count < SpoolSorter.fanIn { sortedRuns!.append(offset) } else { sortedRuns = nil }
            }
            lastKey = lastKey ?? []
            lastKey!.removeAll(keepingCapacity: true)
            lastKey!.append(contentsOf: key)
        }
        guard ascendingRuns != nil else { return }
        // The greatest tail at or below the key: tails are ascending, so the last one is
        // tried first (in order, it is the only one there is).
        var low = 0
        var high = runTails.count
        if high > 0, order(runTails[high - 1]) <= 0 {
            low = high
        } else {
            high -= 1
            while low < high {
                let middle = (low + high) / 2
                if order(runTails[middle]) <= 0 { low = middle + 1 } else { high = middle }
            }
        }
        if low > 0 {
            runTails[low - 1].removeAll(keepingCapacity: true)
            runTails[low - 1].append(contentsOf: key)
        } else if runTails.count < Self.maxRuns {
            runTails.insert(Array(key), at: 0)
            ascendingRuns = runTails.count
        } else {
            ascendingRuns = nil
            runTails = []
        }
    }

    /// Negative, zero or positive as `a`'s bytes come before, equal or after `b`'s (a shorter one
    /// that begins the other first): SQLite's BINARY order, the ledger tables' key order.
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(a.count, b.count)
        let order = common == 0 ? 0 : Int(memcmp(a.baseAddress!, b.baseAddress!, common))
        return order != 0 ? order : a.count - b.count
    }

    /// Field `index` of an encoded entry (empty when it is missing or nil).
    static func field(_ index: Int, of bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        let empty = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        guard bytes.count >= 4, Int(uint32(bytes, at: 0)) > index else { return empty }
        var at = 4
        for _ in 0..<index {
            let length = uint32(bytes, at: at)
            at += 4 + (length == nilLength ? 0 : Int(length))
        }
        let length = uint32(bytes, at: at)
        return length == nilLength ? empty : UnsafeBufferPointer(rebasing: bytes[(at + 4)..<(at + 4 + Int(length))])
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
        // Runs that began in what was dropped are gone; the next entry begins one.
        sortedRuns?.removeAll { $0 >= kept.bytes }
        lastKey = nil
    }

    /// The entries, in the order they were appended, read `chunk` bytes at a time.
    func entries(chunk: Int = 1 << 20) throws -> Reader {
        try flush()
        return Reader(descriptor: descriptor, end: written, chunk: chunk)
    }

    /// The entries from byte `start` (where one begins) to `end` (where one ends): one of ``sortedRuns``.
    func entries(from start: Int64, to end: Int64, chunk: Int) throws -> Reader {
        try flush()
        return Reader(descriptor: descriptor, start: start, end: end, chunk: chunk)
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

    /// The little-endian length or count at `offset`.
    fileprivate static func uint32(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt32 {
        precondition(offset >= 0 && offset + 4 <= bytes.count)
        return UnsafeRawPointer(bytes.baseAddress! + offset).loadUnaligned(as: UInt32.self).littleEndian
    }

    fileprivate static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        precondition(offset >= 0 && offset + 4 <= bytes.count)
        return bytes.withUnsafeBufferPointer { uint32($0, at: offset) }
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
        /// Bytes read: the unread ones are `position..<filled`. Reads land in it directly, after
        /// what is left is moved to the front: a fresh array for every read was zero-filled and, at a
        /// megabyte (past the allocator's mapping threshold), mapped, faulted in page by page,
        /// copied from and unmapped each time.
        private var buffer: [UInt8] = []
        private var filled = 0
        private var position = 0

        init(descriptor: Int32, start: Int64 = 0, end: Int64, chunk: Int = 1 << 20) {
            self.descriptor = descriptor
            self.end = end
            self.chunk = chunk
            offset = start
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

        /// The next entry as its bytes (its field count, then each field's length and bytes), with
        /// where one of its fields lies in them: nothing decoded into strings. Offsets are from
        /// the entry's start, `position`, which a refill of the buffer moves.
        /// The next entry, its fields lent in place to `decode` (no list of strings made; nil at the end).
        mutating func next<T>(decoding decode: (inout EntryFields) -> T) -> T? {
            guard let (length, _) = measure(keyField: -1) else { return nil }
            defer { position += length }
            return buffer.withUnsafeBufferPointer { buffer in
                var fields = EntryFields(UnsafeBufferPointer(rebasing: buffer[position..<position + length]))
                return decode(&fields)
            }
        }

        mutating func nextRaw(keyField: Int) -> RawEntry? {
            guard let (length, key) = measure(keyField: keyField) else { return nil }
            let entry = RawEntry(bytes: Array(buffer[position..<position + length]), key: key)
            position += length
            return entry
        }

        /// Reads the next entry onto the end of `chunk`, as ``nextRaw(keyField:)`` would: false at the end.
        mutating func nextRaw(keyField: Int, into chunk: inout EntryChunk) -> Bool {
            guard let (length, key) = measure(keyField: keyField) else { return false }
            buffer.withUnsafeBufferPointer { chunk.append(UnsafeBufferPointer(rebasing: $0[position..<position + length]), key: key) }
            position += length
            return true
        }

        /// The next entry's length and its key's place in it, with the whole entry in the buffer
        /// from `position` (nil at the end).
        private mutating func measure(keyField: Int) -> (length: Int, key: Range<Int>)? {
            guard ensure(4) else { return nil }
            let count = Int(Spool.uint32(buffer, at: position))
            var length = 4
            var key = 0..<0
            for index in 0..<count {
                guard ensure(length + 4) else { return nil }
                let size = Spool.uint32(buffer, at: position + length)
                length += 4
                guard size != Spool.nilLength else { continue }
                guard ensure(length + Int(size)) else { return nil }
                if index == keyField { key = length..<(length + Int(size)) }
                length += Int(size)
            }
            return (length, key)
        }

        private mutating func readUInt32() -> UInt32? {
            guard ensure(4) else { return nil }
            defer { position += 4 }
            return Spool.uint32(buffer, at: position)
        }

        /// At least `needed` unread bytes in the buffer, unless the file ends first.
        private mutating func ensure(_ needed: Int) -> Bool {
            if filled - position >= needed { return true }
            let left = filled - position
            if left > 0, position > 0 {
                buffer.withUnsafeMutableBytes { bytes in
                    _ = memmove(bytes.baseAddress!, bytes.baseAddress! + position, left)
                }
            }
            (position, filled) = (0, left)
            while filled < needed && offset < end {
                // Room for what is needed, and a chunk at least: made once, and again only for an
                // entry larger than all before it.
                if buffer.count < needed {
                    var larger = [UInt8](repeating: 0, count: filled + Swift.max(needed - filled, chunk))
                    let kept = filled
                    larger.withUnsafeMutableBytes { to in
                        buffer.withUnsafeBytes { from in to.copyMemory(from: UnsafeRawBufferPointer(rebasing: from[..<kept])) }
                    }
                    buffer = larger
                }
                let (at, room) = (filled, Int(Swift.min(Int64(buffer.count - filled), end - offset)))
                let read = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + at, room, off_t(offset)) }
                guard read > 0 else { return false }
                filled += read
                offset += Int64(read)
            }
            return filled >= needed
        }
    }
}

/// One entry's fields read in order where they lie, for a decoder that makes only what it keeps (the
/// record versions' writer made a list of eleven strings an entry, then a version of them: a fifth of
/// its thread's time).
struct EntryFields {
    let bytes: UnsafeBufferPointer<UInt8>
    /// How many fields the entry has.
    let count: Int
    private var at = 4
    /// How many have been read.
    private(set) var read = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        count = Int(Spool.uint32(bytes, at: 0))
    }

    /// The next field's bytes; nil for a nil field, and for every field after the last.
    mutating func next() -> UnsafeBufferPointer<UInt8>? {
        guard read < count else { return nil }
        read += 1
        let length = Spool.uint32(bytes, at: at)
        at += 4
        guard length != Spool.nilLength else { return nil }
        defer { at += Int(length) }
        return UnsafeBufferPointer(rebasing: bytes[at..<at + Int(length)])
    }

    /// The next field as text (nil as ``next()`` is).
    mutating func text() -> String? {
        next().map { String(decoding: $0, as: UTF8.self) }
    }

    /// The next field as a number written in decimal digits (nil when it is nil, empty or not one).
    mutating func number() -> Int? {
        guard let digits = next(), !digits.isEmpty, digits.count <= 18 else { return nil }
        var number = 0
        for digit in digits {
            guard digit >= 0x30 && digit <= 0x39 else { return nil }
            number = number &* 10 &+ Int(digit &- 0x30)
        }
        return number
    }
}

/// A text that repeats for a run of entries (a file's name), made once for the run: compared by
/// its bytes, a `String` is made only when they change.
struct RepeatedText {
    private var bytes: [UInt8] = []
    private var last = ""

    mutating func text(of field: UnsafeBufferPointer<UInt8>) -> String {
        if !field.elementsEqual(bytes) { (bytes, last) = (Array(field), String(decoding: field, as: UTF8.self)) }
        return last
    }
}

/// One spool entry as written, undecoded, and where its sort key's bytes lie in it.
struct RawEntry {
    let bytes: [UInt8]
    let key: Range<Int>

    /// The entry's fields lent in place to `decode`.
    func decoded<T>(_ decode: (inout EntryFields) -> T) -> T {
        bytes.withUnsafeBufferPointer { bytes in
            var fields = EntryFields(bytes)
            return decode(&fields)
        }
    }

    /// Negative, zero or positive as this entry's key bytes come before, equal or after the other's.
    func compareKey(_ other: RawEntry) -> Int {
        bytes.withUnsafeBufferPointer { a in
            other.bytes.withUnsafeBufferPointer { b in Spool.compare(UnsafeBufferPointer(rebasing: a[key]), UnsafeBufferPointer(rebasing: b[other.key])) }
        }
    }
}

/// Undecoded entries held for a sort in one buffer, with each one's place: no array an entry, and
/// nothing to count references of while the places are sorted. (An array an entry, sorted as
/// values holding it, was a third of the sort's time in retains, releases and allocations.)
struct EntryChunk {
    /// Where an entry lies in ``bytes``, and its key in the entry.
    struct Place {
        let start: Int
        let length: Int32
        let keyStart: Int32
        let keyLength: Int32
    }

    private var bytes: [UInt8] = []
    private var places: [Place] = []

    /// - Parameter budget: the bytes the chunk is expected to hold: reserved at once, with room for
    /// the entry that goes past it (a buffer that grew would double).
    init(budget: Int64) {
        if budget > 0 { bytes.reserveCapacity(Int(budget) + (64 << 10)) }
    }

    var count: Int { places.count }

    /// What the entries cost in memory: their bytes and a place each.
    var cost: Int64 { Int64(bytes.count + places.count * MemoryLayout<Place>.stride) }

    mutating func append(_ entry: UnsafeBufferPointer<UInt8>, key: Range<Int>) {
        places.append(Place(start: bytes.count, length: Int32(entry.count), keyStart: Int32(key.lowerBound), keyLength: Int32(key.count)))
        bytes.append(contentsOf: entry)
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        places.removeAll(keepingCapacity: true)
    }

    /// Hands each entry's bytes, and its key's place in them, to `take` in order: by key bytes,
    /// then (keys equal) by `less` of the decoded entries, then in the order they came (Swift's
    /// sort is stable).
    func sorted<Element>(
        decode: (RawEntry) -> Element, less: (Element, Element) -> Bool, _ take: (UnsafeBufferPointer<UInt8>, Range<Int>) throws -> Void
    ) rethrows {
        let order = order(decode: decode, less: less)
        try bytes.withUnsafeBufferPointer { all in
            for place in order { try take(UnsafeBufferPointer(rebasing: all[place.start..<(place.start + Int(place.length))]), place.key) }
        }
    }

    /// The entries' places in the order ``sorted(decode:less:_:)`` hands them out.
    func order<Element>(decode: (RawEntry) -> Element, less: (Element, Element) -> Bool) -> [Place] {
        bytes.withUnsafeBufferPointer { Self.order(places, in: $0, decode: decode, less: less) }
    }

    /// `places` of entries in `all` in the order ``sorted(decode:less:_:)`` hands them out: by key
    /// bytes, then by `less` of the decoded entries, then in the order given (the sort is stable).
    static func order<Element>(
        _ places: some Collection<Place>, in all: UnsafeBufferPointer<UInt8>, decode: (RawEntry) -> Element, less: (Element, Element) -> Bool
    ) -> [Place] {
        func key(_ place: Place) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: all[(place.start + Int(place.keyStart))..<(place.start + Int(place.keyStart + place.keyLength))])
        }
        var order = Array(places)
        order.sort { a, b in
            let compared = Spool.compare(key(a), key(b))
            return compared != 0 ? compared < 0 : less(decode(raw(a, in: all)), decode(raw(b, in: all)))
        }
        return order
    }

    /// An entry copied out.
    func raw(_ place: Place) -> RawEntry {
        bytes.withUnsafeBufferPointer { Self.raw(place, in: $0) }
    }

    static func raw(_ place: Place, in all: UnsafeBufferPointer<UInt8>) -> RawEntry {
        RawEntry(bytes: Array(all[place.start..<(place.start + Int(place.length))]), key: place.key)
    }
}

extension EntryChunk.Place {
    var key: Range<Int> { Int(keyStart)..<Int(keyStart + keyLength) }
}

/// Sorts a spool's entries with bounded memory: runs of at most `memoryBudget` bytes are sorted in
/// memory and written to spools of their own, then merged. One run stays in memory.
///
/// The entries are sorted as they were written — their bytes, by one field's bytes (the key) —
/// and decoded only once, as the merge hands them out: decoding every entry into its strings for
/// the runs, encoding them again and decoding them once more took a third of publishing a feed
/// (200,000 records: 3.1 s of the feed's 9.5 s, in 40 strings a row, three times). Entries with
/// the same key, which are rare, are decoded to be ordered by `less`.
enum SpoolSorter {
    /// The entry bytes sorted at once, at most. 12 MiB of decoded strings and arrays was the budget
    /// before (measured, 200,000 records: 64 MiB of field bytes held about 150 MB of strings); an
    /// undecoded entry costs its bytes and an array header. 12 MiB of them raised the run's peak
    /// by 2.5 MB (200,000 records); 8 MiB holds about twice the rows of the old budget, in the
    /// memory it took.
    static let defaultBudget: Int64 = 8 << 20
    /// The bytes each run's reader holds during a merge of `runs` runs: 32 KiB up to 128 runs (which
    /// hold what 64 held with 64 KiB), less for more, 4 MiB in all at most.
    static func mergeChunk(runs: Int) -> Int { max(16 << 10, min(32 << 10, (4 << 20) / max(runs, 1))) }

    /// - Parameter decodeRaw: an entry's element from its bytes (no list of its fields made first).
    static func sorted<Element>(
        _ spool: Spool, keyField: Int, decodeRaw decode: @escaping (RawEntry) -> Element, by less: @escaping (Element, Element) -> Bool,
        memoryBudget: Int64 = defaultBudget
    ) throws -> AnyIterator<Element> {
        let precedes: (RawEntry, RawEntry) -> Bool = { a, b in
            let order = a.compareKey(b)
            return order != 0 ? order < 0 : less(decode(a), decode(b))
        }
        // Runs of strictly ascending keys are in order already (no two entries of a run tie on the
        // key): they are merged where they lie, with the result a sort would give (the earlier
        // run's entry first among equal ones, as the stable sort keeps them). A department's file
        // in the order of its numbers is a few such runs; sorting it wrote and read all its rows
        // once more.
        if keyField == spool.keyField, let starts = spool.sortedRuns {
            let end = spool.bytes
            if starts.count <= 1 {
                var reader = try spool.entries()
                return AnyIterator { reader.nextRaw(keyField: keyField).map(decode) }
            }
            let readers = try starts.indices.map { index in
                try spool.entries(from: starts[index], to: index + 1 < starts.count ? starts[index + 1] : end, chunk: mergeChunk(runs: starts.count))
            }
            let entries = merge(readers, keeping: [spool], keyField: keyField, by: precedes)
            return AnyIterator { entries.next().map(decode) }
        }
        var runs: [Spool] = []
        var chunk = EntryChunk(budget: min(memoryBudget, spool.bytes))
        func spill() throws {
            let run = try Spool()
            try chunk.sorted(decode: decode, less: less) { bytes, _ in try run.append(bytes: bytes) }
            try run.finishWriting()
            runs.append(run)
            chunk.removeAll()
        }
        var reader = try spool.entries()
        while reader.nextRaw(keyField: keyField, into: &chunk) {
            if chunk.cost >= memoryBudget { try spill() }
        }
        if runs.isEmpty {
            // All in memory: decoded from the chunk as they are asked for.
            let held = chunk
            var order = held.order(decode: decode, less: less).makeIterator()
            return AnyIterator { order.next().map { decode(held.raw($0)) } }
        }
        if chunk.count > 0 { try spill() }
        chunk = EntryChunk(budget: 0)
        // Merge at most `fanIn` runs at a time: with more, groups of them are merged into longer
        // runs first (a further pass over the data), so the merge's memory — a 64 KiB read and a
        // head per run — and its choice of the smallest head stay the same whatever the input's
        // size.
        while runs.count > fanIn {
            var merged: [Spool] = []
            for start in stride(from: 0, to: runs.count, by: fanIn) {
                let group = Array(runs[start..<min(start + fanIn, runs.count)])
                let run = try Spool()
                let entries = try merge(group, keyField: keyField, by: precedes)
                while let entry = entries.next() { try run.append(raw: entry) }
                try run.finishWriting()
                merged.append(run)
            }
            runs = merged
        }
        let entries = try merge(runs, keyField: keyField, by: precedes)
        return AnyIterator { entries.next().map(decode) }
    }

    /// The most runs merged at once: a read of ``mergeChunk(runs:)`` and a head each, 4 MiB and a
    /// little at most. Sixteen made a 200,000-record run's legal-person feed (24 runs of 8 MiB) go
    /// through its data once more before its final merge (publish 1.65–1.74 s against 1.75–1.95 s);
    /// 64 still made a million's (about 110 runs) do so: its publish stage 7.6–8.6 s with 128
    /// against 9.0–9.3 s. 256 since the intake writes each feed's rows as runs (``RowRuns``): a
    /// million records' legal-person feed is about 190 of them (a buffer holds both feeds' rows).
    static let fanIn = 256

    /// The runs' entries in order: the smallest head of all runs, each time, kept at the top of a
    /// binary heap (log₂ of the runs' number of comparisons an entry, not one per run); among equal
    /// heads, the earlier run's first, as the order written. Each run is read ``mergeChunk(runs:)`` at a time.
    /// The runs' files live as long as the merge.
    private static func merge(
        _ runs: [Spool], keyField: Int, by less: @escaping (RawEntry, RawEntry) -> Bool
    ) throws -> AnyIterator<RawEntry> {
        merge(try runs.map { try $0.entries(chunk: mergeChunk(runs: runs.count)) }, keeping: runs, keyField: keyField, by: less)
    }

    /// The entries of `readers`, each in order, merged as above; `runs`, the spools they read, live
    /// as long as the merge.
    private static func merge(
        _ readers: [Spool.Reader], keeping runs: [Spool], keyField: Int, by less: @escaping (RawEntry, RawEntry) -> Bool
    ) -> AnyIterator<RawEntry> {
        var readers = readers
        var heads: [RawEntry?] = readers.indices.map { readers[$0].nextRaw(keyField: keyField) }
        // Run indices with a head, as a heap ordered by (head, run).
        func before(_ a: Int, _ b: Int) -> Bool {
            let (x, y) = (heads[a]!, heads[b]!)
            if less(x, y) { return true }
            if less(y, x) { return false }
            return a < b
        }
        var heap = heads.indices.filter { heads[$0] != nil }
        func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { return }
                var child = left
                if left + 1 < heap.count, before(heap[left + 1], heap[left]) { child = left + 1 }
                guard before(heap[child], heap[parent]) else { return }
                heap.swapAt(child, parent)
                parent = child
            }
        }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
        return AnyIterator {
            _ = runs
            guard let best = heap.first, let entry = heads[best] else { return nil }
            heads[best] = readers[best].nextRaw(keyField: keyField)
            if heads[best] == nil {
                heap[0] = heap[heap.count - 1]
                heap.removeLast()
            }
            if !heap.isEmpty { siftDown(0) }
            return entry
        }
    }
}

/// Feed rows as spool entries: file, row, key, decision date, subject code and name, content hash
/// (when made beforehand), why it only corrects (``FeedPlan/Row/onlyCorrecting``), a natural
/// person's key (``FeedPlan/Row/personKey``), the row's line
/// (nil when the cells follow), then the cells.
enum FeedRowCoding {
    /// The field the feed is sorted by first: the decision key.
    static let keyField = 2

    /// Encodes the row as one entry, in the order ``rawDecoder()`` reads, at the end of `bytes`
    /// (``Spool/append(encoded:)`` appends it); with its cells, or with a line encoder
    /// and the row's content hash, as its line instead of its cells (``FeedPlan/Row/line``): the
    /// publishing thread then neither makes forty strings of a row nor encodes them again, and the
    /// line is written where the record was checked. Without the hash a row keeps its cells, from
    /// which the planner makes it.
    static func encode(_ row: FeedPlan.Row, into bytes: inout [UInt8], line encoder: FeedEncoder.LineEncoder? = nil) {
        let line = row.contentSHA256 == nil ? nil : encoder
        Spool.encode(fieldCount: fixedFields + (line == nil ? row.cells.count : 0), into: &bytes) { write(row, line: line, &$0) }
    }

    private static func write(_ row: FeedPlan.Row, line: FeedEncoder.LineEncoder?, _ entry: inout Spool.EntryWriter) {
        entry.put(row.file)
        entry.put(String(row.row))
        entry.put(row.key)
        entry.put(row.decisionDate)
        entry.put(row.subjectCode)
        entry.put(row.subjectName)
        entry.put(row.contentSHA256)
        entry.put(row.onlyCorrecting)
        entry.put(row.personKey)
        entry.put(row.recordSHA256)
        if let line {
            entry.put(writing: { line.append(row, to: &$0) })
        } else {
            entry.put(nil as String?)
            for cell in row.cells { entry.put(cell) }
        }
    }

    /// The fields before the cells (the last of them the line, nil when the cells follow).
    static let fixedFields = 11

    /// A decoder of rows straight from their entries' bytes: no list of the fields is made, the row
    /// number is read from its digits, and the file's name, the same for a run of rows, is made once
    /// for the run. (Decoding a list of forty optional strings first, copying the cells out of it
    /// and a string per row number were about a sixth of the publishing thread's time.)
    static func rawDecoder() -> (RawEntry) -> FeedPlan.Row {
        var file = RepeatedText()
        return { entry in
            entry.decoded { fields in
                let fileName = fields.next().map { file.text(of: $0) } ?? ""
                let number = fields.number() ?? 0
                let key = fields.text() ?? ""
                let (date, code, subjectName, hash) = (fields.text(), fields.text(), fields.text(), fields.text())
                let onlyCorrecting = fields.text()
                let personKey = fields.text()
                let recordSHA256 = fields.text()
                let line = fields.next().map(Array.init)
                // A line is spooled only with its hash (``encode(_:into:line:)``): the planner cannot
                // make one without the cells.
                precondition(line == nil || hash != nil, "a spooled line without its hash")
                var cells: [String] = []
                cells.reserveCapacity(max(fields.count - fixedFields, 0))
                while fields.read < fields.count { cells.append(fields.text() ?? "") }
                var row = FeedPlan.Row(file: fileName, row: number, key: key, cells: cells)
                row.decisionDate = date
                row.subjectCode = code
                row.subjectName = subjectName
                row.contentSHA256 = hash
                row.line = line
                row.onlyCorrecting = onlyCorrecting
                row.personKey = personKey
                row.recordSHA256 = recordSHA256
                return row
            }
        }
    }

    /// The feed's order: by decision key, then cells (as `FeedBuilder.plan` sorts).
    static func less(_ a: FeedPlan.Row, _ b: FeedPlan.Row) -> Bool {
        FeedPlan.Row.precedes(a, b)
    }
}

/// A record version as one spool entry (the intake writes it, ``FeedIntake/recordVersions(in:run:)``
/// reads it back): both sides of the layout in one place, as ``FeedRowCoding`` is for feed rows. The
/// kind is the pipeline's, not spooled.
enum RecordVersionCoding {
    /// Encodes the version as one entry at the end of `bytes` (``Spool/append(encoded:)`` appends it).
    ///
    /// - Parameter source: spooled in place of the version's source hash: the intake spools the
    ///   record's file, whose fingerprint may still be being taken while it is read, and
    ///   ``decode(_:kind:source:)`` puts the file's hash in its place.
    static func encode(_ version: RecordVersion, source: String? = nil, into bytes: inout [UInt8]) {
        Spool.encode(fieldCount: 11, into: &bytes) { write(version, source: source, &$0) }
    }

    private static func write(_ version: RecordVersion, source: String?, _ entry: inout Spool.EntryWriter) {
        let period = version.period
        entry.put(version.key)
        entry.put(version.contentSHA256)
        entry.put(version.decisionDate)
        entry.put(source ?? version.sourceSHA256)
        entry.put(String(version.sourceRow))
        entry.put(period?.severity)
        entry.put(period?.severityReason)
        entry.put(period?.regime)
        entry.put(period?.repairFrom)
        entry.put(period?.expiresOn)
        entry.put(encode(version.portalPeriods))
    }

    /// Decodes the version from its entry's fields, read in place.
    ///
    /// - Parameter source: the source hash for the bytes spooled in its place (nil: the version is
    ///   left out); by default they are the hash.
    static func decode(
        _ fields: inout EntryFields, kind: String, source: (UnsafeBufferPointer<UInt8>) -> String? = { String(decoding: $0, as: UTF8.self) }
    ) -> RecordVersion? {
        let (key, hash, date) = (fields.text() ?? "", fields.text() ?? "", fields.text())
        guard let sourceSHA256 = source(fields.next() ?? UnsafeBufferPointer(start: nil, count: 0)) else { return nil }
        let row = fields.number() ?? 0
        let severity = fields.text()
        let (reason, regime, repairFrom, expiresOn) = (fields.text(), fields.text(), fields.text(), fields.text())
        let period = severity.map {
            RecordPeriod(severity: $0, severityReason: reason ?? "", regime: regime, repairFrom: repairFrom, expiresOn: expiresOn)
        }
        var version = RecordVersion(
            kind: kind, key: key, contentSHA256: hash, decisionDate: date, sourceSHA256: sourceSHA256, sourceRow: row, period: period)
        version.portalPeriods = decode(fields.text())
        return version
    }

    /// Portal periods in one spool field: unit separators between values, record separators between periods.
    static func encode(_ periods: [PortalPeriod]) -> String? {
        guard !periods.isEmpty else { return nil }
        return periods.map {
            [$0.portal, $0.severity, $0.severityReason, $0.regime ?? "", String($0.months), $0.countedFrom, $0.repairMonths.map(String.init) ?? ""]
                .joined(separator: "\u{1F}")
        }.joined(separator: "\u{1E}")
    }

    static func decode(_ field: String?) -> [PortalPeriod] {
        guard let field else { return [] }
        return field.split(separator: "\u{1E}").compactMap { part in
            let values = part.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
            guard values.count == 6 || values.count == 7, let months = Int(values[4]) else { return nil }
            return PortalPeriod(
                portal: values[0], severity: values[1], severityReason: values[2], regime: values[3].isEmpty ? nil : values[3], months: months,
                countedFrom: values[5], repairMonths: values.count == 7 ? Int(values[6]) : nil)
        }
    }
}
