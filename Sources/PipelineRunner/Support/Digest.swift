import Crypto
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
    static func sha256Hex(values: [String?]) -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1024)
        for value in values { append(&buffer, value) }
        return hashed(buffer)
    }

    /// The same hash of `first` followed by `values` (a feed row: the feed's name, then its cells),
    /// without building the joined list.
    static func sha256Hex(_ first: String, values: [String]) -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1024)
        append(&buffer, first)
        for value in values { append(&buffer, value) }
        return hashed(buffer)
    }

    /// One value and its separator. The values are gathered and hashed in one call: a call per
    /// value (two per cell, thirty cells a record) cost more than the hashing itself.
    private static func append(_ buffer: inout [UInt8], _ value: String?) {
        buffer.append(contentsOf: (value ?? "\u{0}").utf8)
        buffer.append(0x1F)
    }

    private static func hashed(_ buffer: [UInt8]) -> String {
        hex(buffer.withUnsafeBytes { SHA256.hash(data: $0) })
    }

    /// A file's fingerprint, read through one reused 128 KiB buffer (memory does not grow with
    /// the file); nil when it cannot be opened or read to its end. (A fresh 1 MiB `Data` per chunk
    /// was mapped and unmapped each time, past the allocator's mapping threshold: every page of
    /// every chunk faulted in, a fifth of a nightly re-run's time.)
    static func fingerprint(path: String) -> (sha256: String, size: Int64)? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 128 << 10, alignment: 64)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        var size: Int64 = 0
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            size += Int64(count)
        }
        return (hex(hasher.finalize()), size)
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
