import Crypto
import DisclosureCore
import Foundation

/// SHA-256 as lowercase hex: payloads, batch ids, content hashes and source-file fingerprints.
enum Digest {
    static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(data: Array(bytes))
        return hex(hasher.finalize())
    }

    /// The hash of a list of values, unambiguous: each value is followed by U+001F, and a missing
    /// value is U+0000 (which no valid text holds).
    ///
    /// The bytes are gathered in `scratch`, which the caller keeps from record to record: a buffer
    /// of a kilobyte or more allocated for every record was, for glibc, a request that first merges
    /// every small block freed since the last one (`malloc_consolidate`: 10,700 calls in a first run
    /// of 200,000 records, 6,800 with the buffer kept, by `perf stat` on a uprobe).
    static func sha256Hex(values: [String?], scratch: inout Scratch) -> String {
        scratch.bytes.removeAll(keepingCapacity: true)
        // Each value read in place (an iterator hands out a copy of each string: a retain and a
        // release a value, thirty values a record).
        values.withUnsafeBufferPointer { values in
            for index in values.indices { append(&scratch.bytes, values[index]) }
        }
        return hashed(scratch.bytes)
    }

    /// The same hash of `first` followed by `values` (a feed row: the feed's name, then its cells),
    /// without building the joined list.
    static func sha256Hex(_ first: String, values: [String], scratch: inout Scratch) -> String {
        scratch.bytes.removeAll(keepingCapacity: true)
        append(&scratch.bytes, first)
        values.withUnsafeBufferPointer { values in
            for index in values.indices { append(&scratch.bytes, values[index]) }
        }
        return hashed(scratch.bytes)
    }

    /// The digest a JSON Lines feed's key member carries in place of a record's key
    /// (`FeedSpec.keyDigestMember`): one rule for the lines the intake makes and the files made
    /// whole or a part at a time, which must agree byte for byte.
    static func keyDigest(_ key: String) -> String {
        sha256Hex(Array(key.utf8))
    }

    /// A hash taken over bytes handed in a part at a time (a batch's file as it is written).
    struct Running {
        private var hasher = SHA256()

        mutating func update(_ bytes: UnsafeRawBufferPointer) {
            hasher.update(bufferPointer: bytes)
        }

        /// The hash as lowercase hex.
        consuming func hex() -> String {
            Digest.hex(hasher.finalize())
        }
    }

    /// The bytes of one hash's values, kept by a caller that hashes record after record.
    struct Scratch {
        fileprivate var bytes: [UInt8] = []

        init() { bytes.reserveCapacity(1024) }
    }

    /// One value and its separator. The values are gathered and hashed in one call: a call per
    /// value (two per cell, thirty cells a record) cost more than the hashing itself.
    /// (The bytes are copied whole from the string's storage, lent without a retain: appending its
    /// UTF-8 view byte by byte was a quarter of the hash's time.)
    private static func append(_ buffer: inout [UInt8], _ value: String?) {
        if let value {
            append(&buffer, value)
        } else {
            buffer.append(0)
            buffer.append(0x1F)
        }
    }

    private static func append(_ buffer: inout [UInt8], _ value: String) {
        value.withLentUTF8 { buffer.append(contentsOf: $0) }
        buffer.append(0x1F)
    }

    private static func hashed(_ buffer: [UInt8]) -> String {
        hex(buffer.withUnsafeBytes { SHA256.hash(data: $0) })
    }

    /// A file's fingerprint, read through one reused 128 KiB buffer (memory does not grow with
    /// the file); nil when it cannot be opened or read to its end. (A fresh 1 MiB `Data` per chunk
    /// was mapped and unmapped each time, past the allocator's mapping threshold: every page of
    /// every chunk faulted in, a fifth of a nightly re-run's time.)
    ///
    /// With it, the file's `stat` (``FileStat``) when it can vouch for these bytes later: the same
    /// before and after the reading, and last changed at least ``FileStat/settledAfter`` seconds
    /// before the reading began (a change within the same clock tick as the reading could keep the
    /// times the reading saw; git calls this a racy entry and reads such files again, as this does).
    static func fingerprint(path: String) -> (sha256: String, size: Int64, stat: String?)? {
        guard let reading = FingerprintReading(path: path) else { return nil }
        while !reading.step(bytes: .max) {}
        return reading.result
    }

    /// ``fingerprint(path:)`` taken a part at a time (``step(bytes:)``), so that other work can come
    /// between the parts. (Unchecked: its parts are taken one after another, by the jobs of one
    /// serial queue, each begun after the last ended.)
    final class FingerprintReading: @unchecked Sendable {
        private let descriptor: Int32
        private let began: Int64
        private let before: FileStat?
        private let buffer: UnsafeMutableRawBufferPointer
        private var hasher = SHA256()
        private var size: Int64 = 0
        /// The fingerprint, once ``step(bytes:)`` has said it is done (nil: the file could not be read through).
        private(set) var result: (sha256: String, size: Int64, stat: String?)?

        init?(path: String) {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            began = FileStat.now()
            before = FileStat(descriptor: descriptor)
            buffer = .allocate(byteCount: 128 << 10, alignment: 64)  // (once the file is open: nothing to give back otherwise)
        }

        deinit {
            buffer.deallocate()
            close(descriptor)
        }

        /// Reads and hashes about `bytes` more (at least one read); true when done, with ``result``.
        func step(bytes: Int) -> Bool {
            var read = 0
            while read < bytes {
                let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
                if count == 0 { break }
                if count < 0 {
                    if errno == EINTR { continue }
                    return true  // (no result)
                }
                hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                size += Int64(count)
                read += count
            }
            guard read < bytes else { return false }
            let after = FileStat(descriptor: descriptor)
            let vouches = before != nil && before == after && before!.changedNanoseconds < began - FileStat.settledAfter * 1_000_000_000
            result = (hex(hasher.finalize()), size, vouches ? before?.signature : nil)
            return true
        }
    }

    fileprivate static func hex(_ digest: SHA256.Digest) -> String {
        // Written straight into the string's storage (no array of digits, no array of text).
        String(unsafeUninitializedCapacity: 64) { text in
            digest.withUnsafeBytes { bytes in
                for (index, byte) in bytes.enumerated() {
                    text[2 * index] = digit(byte >> 4)
                    text[2 * index + 1] = digit(byte & 0xF)
                }
            }
            return 64
        }
    }

    private static func digit(_ value: UInt8) -> UInt8 {
        value < 10 ? 0x30 + value : 0x57 + value  // 0-9, a-f
    }
}

/// What the file system says of a file: which file it is (device, inode), its size, and when its
/// bytes and its inode last changed (nanoseconds). A file written again gets a new change time,
/// which no program can set back (`touch` sets the modification time only).
struct FileStat: Equatable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modifiedNanoseconds: Int64
    let changedNanoseconds: Int64

    /// A file changed less than this many seconds before it was read through is read again next time.
    static let settledAfter: Int64 = 2

    init?(descriptor: Int32) {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        self.init(status)
    }

    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        self.init(status)
    }

    private init(_ status: stat) {
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        modifiedNanoseconds = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
        changedNanoseconds = Int64(status.st_ctim.tv_sec) * 1_000_000_000 + Int64(status.st_ctim.tv_nsec)
    }

    /// As the ledger keeps it (`source_file.stat`).
    var signature: String { "\(device):\(inode):\(size):\(modifiedNanoseconds):\(changedNanoseconds)" }

    /// The wall clock in nanoseconds (the clock change times are taken from).
    static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}
