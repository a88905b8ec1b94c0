extension String {
    /// Calls `body` with the string's UTF-8 bytes, lent in place: no copy of a long string, no
    /// retain and release of its storage. (`withUTF8` needs a `var`, a copy of the string, which
    /// retains and releases it; `utf8.withContiguousStorageIfAvailable` retained it twice, by the
    /// compiled code of both.) A long native string lends its storage through `withCString` (kept
    /// NUL-terminated); a small one (up to 15 bytes, held in the value itself: no storage to retain)
    /// through its UTF-8 view, since `withCString` would copy it into an array allocated for the
    /// call. The count is the UTF-8 count, so a text holding U+0000 is lent whole. Used where each
    /// record's strings are read as bytes: its hashes, its spool entries, the personal-data screen's
    /// byte search and the ledger's bound texts.
    @inlinable
    public func withLentUTF8<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        let count = utf8.count
        if count <= 15, let lent = try utf8.withContiguousStorageIfAvailable(body) { return lent }
        return try withCString { start in
            try UnsafeRawPointer(start).withMemoryRebound(to: UInt8.self, capacity: count) {
                try body(UnsafeBufferPointer(start: $0, count: count))
            }
        }
    }
}
