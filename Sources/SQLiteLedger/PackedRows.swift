internal import DisclosureCore
internal import GRDB
internal import GRDBSQLite
#if canImport(Glibc)
import Glibc
#endif

/// Rows for prepared inserts, their values packed one after the other into one buffer on the
/// thread that makes them, and bound from it on the thread that writes them.
///
/// By hand because it is measurably faster. The run's record versions and register were handed to
/// the writing thread as Swift values (a version is ten-odd strings), and that thread, the one
/// SQLite's single writer keeps busy, spent about half its time outside SQLite: copying and
/// destroying those values, their strings' reference counts, the hashes' hex parsed, the memory of
/// texts stored by number (`perf`, a first run of 200,000 records). Packed here, the values are
/// read and let go on the thread that reads the spool, which waited half the time; the writer reads
/// bytes and binds them where they lie (`SQLITE_STATIC`).
///
/// A row: its statement's index and its number of values (a byte each), then its values in the
/// order of the statement's parameters, each a tag byte and its bytes: NULL; an integer (8 bytes);
/// a text, a blob or a text stored by its number in `text_value` (a 4-byte length and the bytes).
struct PackedRows: Sendable {
    private(set) var bytes: [UInt8] = []
    /// Rows packed.
    private(set) var count = 0
    /// Where the current row's number of values is.
    private var valuesAt = -1

    enum Tag: UInt8 {
        case null = 0, integer, text, blob, textNumber
    }

    init(reservingCapacity capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Starts a row of statement `statement` (an index into the statements ``run(_:texts:)`` is
    /// given); the values put next are its values.
    mutating func row(_ statement: UInt8) {
        bytes.append(statement)
        valuesAt = bytes.count
        bytes.append(0)
        count += 1
    }

    mutating func putNull() { tagged(.null) }

    mutating func put(_ value: Int64) {
        tagged(.integer)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func put(_ value: Int?) {
        if let value { put(Int64(value)) } else { putNull() }
    }

    mutating func put(_ flag: Bool) { put(flag ? 1 : 0 as Int64) }

    mutating func put(_ text: String?) {
        guard let text else { return putNull() }
        text.withLentUTF8 { put(.text, UnsafeRawBufferPointer($0)) }
    }

    mutating func put(_ text: Substring) {
        if text.utf8.withContiguousStorageIfAvailable({ put(.text, UnsafeRawBufferPointer($0)) }) == nil { put(String(text)) }
    }

    /// A text stored by its number in `text_value` (a kind, a portal, a file's fingerprint, a
    /// severity's reason): packed as its text, numbered by the writer.
    mutating func put(numberOf text: String?) {
        guard let text else { return putNull() }
        text.withLentUTF8 { put(.textNumber, UnsafeRawBufferPointer($0)) }
    }

    /// A hash as the ledger stores it (``StoredHash``): its 32 bytes when it is 64 hex digits,
    /// otherwise the text as it is, which the table's CHECK refuses.
    mutating func put(hash hex: String) {
        if let hash = SHA256Bytes(hex: hex) { hash.withBytes { put(.blob, $0) } } else { put(hex) }
    }

    private mutating func tagged(_ tag: Tag) {
        precondition(valuesAt >= 0, "a value put before its row")
        bytes[valuesAt] &+= 1
        bytes.append(tag.rawValue)
    }

    private mutating func put(_ tag: Tag, _ value: UnsafeRawBufferPointer) {
        tagged(tag)
        withUnsafeBytes(of: UInt32(value.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: value)
    }

    /// Binds each row's values to its statement and runs it, in order. The texts stored by number
    /// are looked up in `texts` (the last few remembered by their bytes); the bindings are cleared
    /// at the end, as they point into this buffer.
    func run(_ statements: [BoundStatement], texts: inout TextValues) throws {
        var recent = RecentTexts()
        defer { for statement in statements { statement.clearBindings() } }
        try bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var at = 0
            while at < buffer.count {
                let statement = statements[Int(buffer[at])]
                // A value for every parameter, every time: one left out would keep the last row's.
                precondition(Int32(buffer[at + 1]) == statement.parameters, "\(buffer[at + 1]) values for \(statement.parameters) parameters")
                at += 2
                let handle = statement.handle
                var index: Int32 = 1
                while index <= statement.parameters {
                    let tag = buffer[at]
                    at += 1
                    if tag == Tag.null.rawValue {
                        sqlite3_bind_null(handle, index)
                    } else if tag == Tag.integer.rawValue {
                        sqlite3_bind_int64(handle, index, Int64(littleEndian: buffer.loadUnaligned(fromByteOffset: at, as: Int64.self)))
                        at += 8
                    } else {
                        let length = Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                        let start = base + at + 4
                        at += 4 + length
                        // Bound as they lie (SQLITE_STATIC, a nil destructor): the buffer outlives
                        // the statement's step.
                        switch Tag(rawValue: tag) {
                        case .text:
                            sqlite3_bind_text(handle, index, start.assumingMemoryBound(to: CChar.self), Int32(length), nil)
                        case .blob:
                            sqlite3_bind_blob(handle, index, start, Int32(length), nil)
                        default:
                            let number = try recent.number(UnsafeRawBufferPointer(start: start, count: length), texts: &texts)
                            sqlite3_bind_int64(handle, index, number)
                        }
                    }
                    index += 1
                }
                try statement.step()
            }
        }
    }
}

/// The last texts a write numbered, by their bytes, in one buffer (nothing counted by reference):
/// a run's record versions ask for the same handful of texts row after row (their kind, their
/// file, their severity's reason, their regime), which a memory of the last two did not hold.
private struct RecentTexts {
    static let capacity = 16
    private var storage: [UInt8] = []
    private var known: [(start: Int, count: Int, number: Int64)] = []

    mutating func number(_ text: UnsafeRawBufferPointer, texts: inout TextValues) throws -> Int64 {
        let found = storage.withUnsafeBytes { stored -> Int64? in
            for index in known.indices {
                let entry = known[index]
                guard entry.count == text.count else { continue }
                if entry.count == 0 || memcmp(stored.baseAddress! + entry.start, text.baseAddress!, entry.count) == 0 { return entry.number }
            }
            return nil
        }
        if let found { return found }
        // (The bytes came from a `String`: valid UTF-8, which decoding keeps as they are.)
        let number = try texts.number(String(decoding: text, as: UTF8.self))
        if known.count == Self.capacity {
            known.removeAll(keepingCapacity: true)
            storage.removeAll(keepingCapacity: true)
        }
        known.append((storage.count, text.count, number))
        storage.append(contentsOf: text)
        return number
    }
}
