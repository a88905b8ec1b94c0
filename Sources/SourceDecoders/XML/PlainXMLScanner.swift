import Glibc  // purity: memchr, memcmp and memmove, computations on bytes the runner supplies

/// Reads the plain subset of XML that record exports are written in, and hands the same element
/// and text events as libxml2's SAX parser to the same ``XMLRecordAssembler``. At the first thing
/// outside the subset, and at every fault, it stops and says so (``Step/unsupported``): the
/// ``XMLRecordReader`` then reads the document again with libxml2 from its start and skips the
/// records this scanner gave. So this scanner gives a record only where libxml2 would give the same
/// record, with no error before it, and every message about a document is libxml2's.
///
/// The subset: UTF-8 (with or without its byte order mark); an XML declaration of version 1.0 with
/// encoding UTF-8 and standalone, if any; elements with ASCII names, no prefix and no attributes;
/// text with the five predefined entities and character references; lines ending in LF or CRLF.
/// Everything else is left to libxml2: comments, processing instructions, CDATA, DOCTYPE,
/// attributes (and so namespaces), other encodings, non-ASCII names, a lone CR, a tag past the
/// limits, anything not well-formed, and the end of a file before its root element closes.
///
/// Written by hand because it is measurably faster on the data path: on 200,000 records (238 MiB)
/// libxml2's SAX parser alone takes 0.74–0.79 s, most of it in its per-character path for text that
/// is not ASCII (`xmlCurrentChar`, `xmlCopyCharMultiByte`), and the reading thread was the bound of
/// an XML file's validation (see docs/architecture.md, "XML past xmllint's speed"). Held to libxml2
/// by differential tests: the same records, lines and errors, on crafted and on mutated documents.
final class PlainXMLScanner {
    enum Step {
        case record(XMLRecord)
        case end
        case unsupported
    }

    /// The window over the file: the bytes from `start` to `end` are read and not yet taken.
    private static let capacity = 2 << 20
    /// A tag, declaration or run of text outside the records longer than this is left to libxml2.
    private static let maxTag = 64 << 10

    private let read: (UnsafeMutableRawBufferPointer) -> Int
    private let buffer: UnsafeMutablePointer<UInt8>
    // Unchecked: the runtime's exclusivity checks on these, touched for every tag and run of text,
    // were a seventh of the scanning thread's samples. One thread uses a scanner, one call at a time.
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    @exclusivity(unchecked) private var atEnd = false
    @exclusivity(unchecked) private var readFailed = false
    @exclusivity(unchecked) private var begun = false
    @exclusivity(unchecked) private var assembler: XMLRecordAssembler
    /// Distinct element names, each copied once and NUL-terminated: the assembler knows a name by
    /// its pointer, as it knows libxml2's interned names.
    @exclusivity(unchecked) private var names: [(pointer: UnsafeMutablePointer<UInt8>, count: Int)] = []
    @exclusivity(unchecked) private var byBytes: [[UInt8]: Int] = [:]
    @exclusivity(unchecked) private var lastName = 0
    /// The open elements' names (indexes into `names`), the root first.
    @exclusivity(unchecked) private var open: [Int] = []
    @exclusivity(unchecked) private var rootClosed = false
    @exclusivity(unchecked) private var line = 1
    @exclusivity(unchecked) private var ready: XMLRecord?
    /// The records given so far.
    @exclusivity(unchecked) private(set) var given = 0

    init(recordPath: String, textLimit: @escaping (String) -> Int = { _ in XMLRecordReader.maxTextLength }, read: @escaping (UnsafeMutableRawBufferPointer) -> Int) {
        self.read = read
        assembler = XMLRecordAssembler(recordPath: recordPath, textLimit: textLimit)
        buffer = .allocate(capacity: Self.capacity)
    }

    deinit {
        buffer.deallocate()
        for name in names { name.pointer.deallocate() }
    }

    /// The number of distinct element names seen so far.
    var nameCount: Int { assembler.nameCount }

    /// At the document's end: its failure if it held no record (``XMLRecordAssembler/noRecords``).
    var noRecords: XMLReadError? { assembler.noRecords }

    /// The next record, the end of the document, or where this scanner leaves it to libxml2.
    func next() -> Step {
        if !begun {
            begun = true
            guard prolog() else { return .unsupported }
        }
        while true {
            if let record = ready {
                ready = nil
                given += 1
                return .record(record)
            }
            guard available(1) else { return rootClosed && !readFailed ? .end : .unsupported }
            let proceed: Bool
            if buffer[start] == UInt8(ascii: "<") {
                proceed = tag()
            } else if open.isEmpty {
                proceed = blanks()
            } else {
                proceed = text()
            }
            guard proceed else { return .unsupported }
        }
    }

    // MARK: - The window

    /// Makes at least `count` bytes available from `start`, reading on; false when the file ends
    /// (or cannot be read) first.
    private func available(_ count: Int) -> Bool {
        while end - start < count {
            guard !atEnd else { return false }
            if start > 0 {
                memmove(buffer, buffer + start, end - start)
                end -= start
                start = 0
            }
            let got = read(UnsafeMutableRawBufferPointer(start: buffer + end, count: Self.capacity - end))
            if got <= 0 {
                atEnd = true
                readFailed = got < 0
                return false
            }
            end += got
        }
        return true
    }

    /// Where the `>` ending the markup at `start` is, reading on as needed; nil past the limit.
    private func closingBracket() -> Int? {
        var searched = 1
        while true {
            if end - start > searched,
                let found = memchr(buffer + start + searched, Int32(UInt8(ascii: ">")), end - start - searched)
            {
                return found.assumingMemoryBound(to: UInt8.self) - buffer
            }
            searched = end - start
            guard searched <= Self.maxTag, available(searched + 1) else { return nil }
        }
    }

    // MARK: - Markup

    /// The byte order mark and the XML declaration, if any.
    private func prolog() -> Bool {
        if available(3), buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF { start += 3 }
        guard available(6), matches("<?xml", at: start) else { return true }
        guard isBlank(buffer[start + 5]), let close = closingBracket(), buffer[close - 1] == UInt8(ascii: "?") else {
            return false
        }
        guard declarationIsPlain(start + 5, close - 1) else { return false }
        line += newlines(start, close)
        start = close + 1
        return true
    }

    /// `version="1.0"`, then `encoding="UTF-8"` and `standalone="yes|no"` if there, in that order.
    private func declarationIsPlain(_ from: Int, _ to: Int) -> Bool {
        let order = ["version", "encoding", "standalone"]
        var next = 0
        var index = from
        while true {
            let blanksStart = index
            while index < to, isBlank(buffer[index]) { index += 1 }
            if index == to { return next > 0 }
            guard index > blanksStart else { return false }
            let nameStart = index
            while index < to, buffer[index] >= UInt8(ascii: "a"), buffer[index] <= UInt8(ascii: "z") { index += 1 }
            let name = String(decoding: UnsafeBufferPointer(start: buffer + nameStart, count: index - nameStart), as: UTF8.self)
            guard let position = order[next...].firstIndex(of: name), next > 0 || position == 0 else { return false }
            next = position + 1
            while index < to, isBlank(buffer[index]) { index += 1 }
            guard index < to, buffer[index] == UInt8(ascii: "=") else { return false }
            index += 1
            while index < to, isBlank(buffer[index]) { index += 1 }
            guard index < to, buffer[index] == UInt8(ascii: "\"") || buffer[index] == UInt8(ascii: "'") else { return false }
            let quote = buffer[index]
            index += 1
            let valueStart = index
            while index < to, buffer[index] != quote { index += 1 }
            guard index < to else { return false }
            let value = String(decoding: UnsafeBufferPointer(start: buffer + valueStart, count: index - valueStart), as: UTF8.self)
            index += 1
            switch name {
            case "version": guard value == "1.0" else { return false }
            case "encoding": guard value.lowercased() == "utf-8" else { return false }
            default: guard value == "yes" || value == "no" else { return false }
            }
        }
    }

    /// A start tag (`<Name>`, `<Name/>`) or an end tag (`</Name>`), with blanks before the `>`.
    private func tag() -> Bool {
        guard let close = closingBracket() else { return false }
        let isEnd = buffer[start + 1] == UInt8(ascii: "/")
        let nameStart = start + (isEnd ? 2 : 1)
        var index = nameStart
        guard index < close, isNameStart(buffer[index]) else { return false }
        index += 1
        while index < close, isNameByte(buffer[index]) { index += 1 }
        let nameCount = index - nameStart
        var lines = 0
        while index < close {
            let byte = buffer[index]
            if byte == 0x0A {
                lines += 1
            } else if byte == 0x0D {
                guard buffer[index + 1] == 0x0A else { return false }  // the `>` at least follows
            } else if !isBlank(byte) {
                break
            }
            index += 1
        }
        let selfClosing = !isEnd && index == close - 1 && buffer[index] == UInt8(ascii: "/")
        guard index == close || selfClosing, nameCount <= 1_000 else { return false }
        line += lines
        if isEnd {
            guard let top = open.last, names[top].count == nameCount,
                memcmp(names[top].pointer, buffer + nameStart, nameCount) == 0
            else { return false }
            start = close + 1
            closeElement()
            return true
        }
        guard !rootClosed else { return false }
        let name = intern(buffer + nameStart, nameCount)
        do {
            try assembler.open(UnsafePointer(names[name].pointer), depth: open.count, line: line)
        } catch {
            return false
        }
        open.append(name)
        start = close + 1
        if selfClosing { closeElement() }
        return true
    }

    private func closeElement() {
        open.removeLast()
        if let record = assembler.close(depth: open.count) { ready = record }
        if open.isEmpty { rootClosed = true }
    }

    /// The index of a name in `names`, added if new. Records repeat the same few names in order,
    /// so the few after the last one found are tried first, then a table (the assembler stops a
    /// document past ``XMLRecordReader/maxNames``, so the table stays small).
    private func intern(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int {
        var index = lastName
        for _ in 0..<min(names.count, 8) {
            index += 1
            if index >= names.count { index = 0 }
            if names[index].count == count, memcmp(names[index].pointer, bytes, count) == 0 {
                lastName = index
                return index
            }
        }
        let key = Array(UnsafeBufferPointer(start: bytes, count: count))
        if names.count > 8, let found = byBytes[key] {
            lastName = found
            return found
        }
        let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: count + 1)
        copy.initialize(from: bytes, count: count)
        copy[count] = 0
        names.append((copy, count))
        lastName = names.count - 1
        byBytes[key] = lastName
        return lastName
    }

    // MARK: - Text

    /// Blanks outside the root element (libxml2 allows nothing else there but markup).
    private func blanks() -> Bool {
        while available(1) {
            let byte = buffer[start]
            if byte == UInt8(ascii: "<") { return true }
            if byte == 0x0A {
                line += 1
            } else if byte == 0x0D {
                guard available(2), buffer[start + 1] == 0x0A else { return false }
            } else if !isBlank(byte) {
                return false
            }
            start += 1
        }
        return true
    }

    /// Text inside the root element, up to the next tag, handed to the assembler in runs.
    private func text() -> Bool {
        while true {
            var index = start
            var lines = 0
            let buffer = self.buffer
            let end = self.end
            scan: while index < end {
                let byte = buffer[index]
                if byte < 0x80 {
                    if byte >= 0x20 {
                        if byte == UInt8(ascii: "<") || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "]") { break scan }
                    } else if byte == 0x0A {
                        lines += 1
                    } else if byte != 0x09 {
                        break scan
                    }
                    index += 1
                } else {
                    let length = utf8Length(buffer, index, end)
                    guard length > 0 else { break scan }
                    index += length
                }
            }
            let exhausted = index == end
            if index > start {
                guard take(buffer + start, index - start) else { return false }
                line += lines
                start = index
            }
            if exhausted {
                guard available(1) else { return true }  // the caller sees the end
                continue
            }
            let byte = buffer[start]
            switch byte {
            case UInt8(ascii: "<"):
                return true
            case UInt8(ascii: "&"):
                guard reference() else { return false }
            case UInt8(ascii: "]"):
                if available(3), buffer[start + 1] == UInt8(ascii: "]"), buffer[start + 2] == UInt8(ascii: ">") { return false }
                guard take(buffer + start, 1) else { return false }
                start += 1
            case 0x0D:
                guard available(2), buffer[start + 1] == 0x0A else { return false }
                var lineFeed: UInt8 = 0x0A
                guard take(&lineFeed, 1) else { return false }
                line += 1
                start += 2
            case 0x80...:
                // A sequence cut by the window's end (else it is not UTF-8, or not an XML character).
                let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                guard available(length), utf8Length(buffer, start, self.end) == length else { return false }
                guard take(buffer + start, length) else { return false }
                start += length
            default:
                return false  // a control character
            }
        }
    }

    /// Hands text to the assembler (which keeps a field's text to its limit and counts the rest).
    private func take(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        assembler.text(bytes, count: count)
        return true
    }

    /// `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#…;` or `&#x…;`, as its character.
    private func reference() -> Bool {
        _ = available(12)
        let limit = min(end, start + 12)
        var close = start + 1
        while close < limit, buffer[close] != UInt8(ascii: ";") { close += 1 }
        guard close < limit else { return false }
        let body = UnsafeBufferPointer(start: buffer + start + 1, count: close - start - 1)
        var scalar: UInt32
        switch String(decoding: body, as: UTF8.self) {
        case "amp": scalar = 0x26
        case "lt": scalar = 0x3C
        case "gt": scalar = 0x3E
        case "quot": scalar = 0x22
        case "apos": scalar = 0x27
        default:
            guard body.count >= 2, body[0] == UInt8(ascii: "#") else { return false }
            let hex = body[1] == UInt8(ascii: "x")
            let digits = body.dropFirst(hex ? 2 : 1)
            guard !digits.isEmpty, digits.count <= 8 else { return false }
            scalar = 0
            for digit in digits {
                guard let value = hexValue(digit), hex || value < 10 else { return false }
                scalar = scalar * (hex ? 16 : 10) + UInt32(value)
            }
            guard isXMLChar(scalar) else { return false }
        }
        let units = Unicode.Scalar(scalar)!.utf8
        var encoded: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        let taken = withUnsafeMutableBytes(of: &encoded) { raw -> Bool in
            for (offset, unit) in units.enumerated() { raw[offset] = unit }
            return take(raw.baseAddress!.assumingMemoryBound(to: UInt8.self), units.count)
        }
        guard taken else { return false }
        start = close + 1
        return true
    }

    // MARK: - Bytes

    private func matches(_ text: StaticString, at index: Int) -> Bool {
        memcmp(buffer + index, text.utf8Start, text.utf8CodeUnitCount) == 0
    }

    private func newlines(_ from: Int, _ to: Int) -> Int {
        var count = 0
        for index in from..<to where buffer[index] == 0x0A { count += 1 }
        return count
    }
}

/// The length of the UTF-8 sequence of an XML character at `index` (2 to 4); 0 when it is not
/// one, or is cut by `end`.
@inline(__always)
private func utf8Length(_ buffer: UnsafeMutablePointer<UInt8>, _ index: Int, _ end: Int) -> Int {
    let lead = buffer[index]
    @inline(__always) func continuation(_ offset: Int) -> Bool { buffer[index + offset] & 0xC0 == 0x80 }
    switch lead {
    case 0xC2...0xDF:
        guard index + 1 < end, continuation(1) else { return 0 }
        return 2
    case 0xE0...0xEF:
        guard index + 2 < end else { return 0 }
        let second = buffer[index + 1]
        switch lead {
        case 0xE0: guard second >= 0xA0, second <= 0xBF else { return 0 }
        case 0xED: guard second >= 0x80, second <= 0x9F else { return 0 }  // no surrogates
        default: guard second & 0xC0 == 0x80 else { return 0 }
        }
        guard continuation(2) else { return 0 }
        // U+FFFE and U+FFFF are not XML characters.
        if lead == 0xEF, second == 0xBF, buffer[index + 2] >= 0xBE { return 0 }
        return 3
    case 0xF0...0xF4:
        guard index + 3 < end else { return 0 }
        let second = buffer[index + 1]
        switch lead {
        case 0xF0: guard second >= 0x90, second <= 0xBF else { return 0 }
        case 0xF4: guard second >= 0x80, second <= 0x8F else { return 0 }
        default: guard second & 0xC0 == 0x80 else { return 0 }
        }
        guard continuation(2), continuation(3) else { return 0 }
        return 4
    default:
        return 0
    }
}

@inline(__always) private func isBlank(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
}

@inline(__always) private func isNameStart(_ byte: UInt8) -> Bool {
    (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_")
}

@inline(__always) private func isNameByte(_ byte: UInt8) -> Bool {
    isNameStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
        || byte == UInt8(ascii: ".")
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}

/// XML 1.0's `Char`.
private func isXMLChar(_ scalar: UInt32) -> Bool {
    switch scalar {
    case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
    default: false
    }
}
