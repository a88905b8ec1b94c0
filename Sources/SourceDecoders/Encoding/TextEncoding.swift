import DisclosureCore
import Glibc  // purity: iconv, a computation on bytes the runner supplies

/// The text encodings department exports arrive in.
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    /// GB18030, the superset of GBK and GB2312, as Excel on a Chinese Windows saves CSV.
    case gb18030
    case utf16le = "utf-16le"
    case utf16be = "utf-16be"

    /// What `--encoding auto` decides from the first bytes of a file: a byte-order mark first, then
    /// UTF-8 if the bytes are valid UTF-8, else GB18030.
    ///
    /// - Parameters:
    ///   - head: the first chunk of the file.
    ///   - isWholeFile: whether `head` is all of it (then a sequence cut at its end is not excused).
    /// - Returns: the encoding and the length of its byte-order mark (to skip), if any.
    public static func sniff(_ head: UnsafeBufferPointer<UInt8>, isWholeFile: Bool) -> (TextEncoding, bom: Int) {
        if head.count >= 3, head[0] == 0xEF, head[1] == 0xBB, head[2] == 0xBF { return (.utf8, 3) }
        if head.count >= 2, head[0] == 0xFF, head[1] == 0xFE { return (.utf16le, 2) }
        if head.count >= 2, head[0] == 0xFE, head[1] == 0xFF { return (.utf16be, 2) }
        var validator = UTF8Validator()
        if validator.validate(head) == nil, isWholeFile ? validator.pendingStart == nil : true { return (.utf8, 0) }
        // Invalid UTF-8 somewhere, but after a run of well-formed multi-byte characters (a UTF-8
        // export with one bad byte, say on line 3): GB18030 text almost never forms four valid
        // UTF-8 sequences in a row, so this is UTF-8, and its own error names the bad byte's line.
        if multiByteSequences(head, before: validator.errorOffset) >= 4 { return (.utf8, 0) }
        return (.gb18030, 0)
    }

    /// The delimiter a file's header shows, read in this encoding (`head` after any byte-order
    /// mark): a tab when its first line has tabs and no commas (Excel's "Unicode 文本" save,
    /// UTF-16 and TAB-separated), else a comma. (No byte of a multi-byte UTF-8 or GB18030
    /// character is a tab, a comma or a line end.)
    public func headerDelimiter(_ head: UnsafeBufferPointer<UInt8>) -> UInt8 {
        let step = self == .utf16le || self == .utf16be ? 2 : 1
        var tabs = 0
        var index = 0
        while index + step <= head.count {
            let unit: UInt8? =
                switch self {
                case .utf16le: head[index + 1] == 0 ? head[index] : nil
                case .utf16be: head[index] == 0 ? head[index + 1] : nil
                case .utf8, .gb18030: head[index]
                }
            if unit == 0x0A || unit == 0x0D { break }
            if unit == 0x2C { return 0x2C }
            if unit == 0x09 { tabs += 1 }
            index += step
        }
        return tabs > 0 ? 0x09 : 0x2C
    }

    /// How many multi-byte UTF-8 characters start before `end` (the bytes there are valid UTF-8).
    static func multiByteSequences(_ bytes: UnsafeBufferPointer<UInt8>, before end: Int) -> Int {
        var count = 0
        for index in 0..<min(end, bytes.count) where bytes[index] >= 0xC2 && bytes[index] <= 0xF4 { count += 1 }
        return count
    }
}

/// Why bytes could not be turned into UTF-8.
public struct TranscodingError: Error, Sendable, Equatable {
    /// The absolute offset in the source of the first byte that does not decode.
    public let byteOffset: Int
    public let encoding: TextEncoding

    public init(byteOffset: Int, encoding: TextEncoding) {
        self.byteOffset = byteOffset
        self.encoding = encoding
    }
}

/// Converts a stream of GB18030 or UTF-16 bytes to UTF-8 through glibc's iconv, chunk by chunk,
/// carrying a character split across chunks into the next one, and failing on the first byte that
/// does not decode with its absolute offset.
///
/// Hand-written over iconv because Foundation's GB18030 decoding is ten times slower, needs the
/// whole file in memory and reports no position (docs/architecture.md, measured on this machine).
public final class Transcoder {
    public let encoding: TextEncoding
    private let descriptor: iconv_t
    private var carry: [UInt8] = []
    private var offset = 0
    private var output = [UInt8](repeating: 0, count: 1 << 16)

    /// - Parameters:
    ///   - encoding: the source encoding (not UTF-8, which needs no conversion).
    ///   - skip: bytes already consumed before the first chunk (a byte-order mark), for offsets.
    public init?(from encoding: TextEncoding, skip: Int = 0) {
        let name: String
        switch encoding {
        case .utf8: return nil
        case .gb18030: name = "GB18030"
        case .utf16le: name = "UTF-16LE"
        case .utf16be: name = "UTF-16BE"
        }
        let descriptor = iconv_open("UTF-8", name)
        guard let descriptor, descriptor != iconv_t(bitPattern: -1) else { return nil }
        self.encoding = encoding
        self.descriptor = descriptor
        self.offset = skip
    }

    deinit { iconv_close(descriptor) }

    /// Converts a chunk, handing the UTF-8 to `emit` (possibly in several pieces).
    ///
    /// - Parameter isLast: whether no more input follows (then an incomplete character is an error).
    /// - Throws: ``TranscodingError`` for bytes that do not decode, after emitting everything before them.
    public func convert(
        _ chunk: UnsafeBufferPointer<UInt8>, isLast: Bool, emit: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        var input = carry
        input.append(contentsOf: chunk)
        carry.removeAll(keepingCapacity: true)
        let base = offset - (input.count - chunk.count)  // the absolute offset of input[0]
        var consumed = 0
        try input.withUnsafeMutableBufferPointer { inputBuffer in
            guard let inputBase = inputBuffer.baseAddress else { return }
            while consumed < inputBuffer.count {
                var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inputBase + consumed)
                    .assumingMemoryBound(to: CChar.self)
                var inLeft = inputBuffer.count - consumed
                let (result, produced, failure) = output.withUnsafeMutableBufferPointer { outputBuffer -> (Int, Int, Int32) in
                    var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outputBuffer.baseAddress)?
                        .assumingMemoryBound(to: CChar.self)
                    var outLeft = outputBuffer.count
                    let result = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                    return (result, outputBuffer.count - outLeft, result == -1 ? errno : 0)
                }
                consumed = inputBuffer.count - inLeft
                if produced > 0 {
                    try output.withUnsafeBufferPointer { try emit(UnsafeBufferPointer(rebasing: $0[0..<produced])) }
                }
                if result != -1 { continue }
                switch failure {
                case E2BIG: continue  // the output buffer is full: emitted, go on
                case EINVAL:
                    // A character cut at the end of the chunk: keep it for the next one.
                    if isLast { throw TranscodingError(byteOffset: base + consumed, encoding: encoding) }
                    carry = Array(inputBuffer[consumed...])
                    consumed = inputBuffer.count
                default:
                    throw TranscodingError(byteOffset: base + consumed, encoding: encoding)
                }
            }
        }
        offset += chunk.count
    }
}
