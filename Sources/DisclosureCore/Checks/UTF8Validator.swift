/// Validates a stream of UTF-8 in chunks (Unicode Table 3-7: no overlong forms, no surrogates,
/// nothing past U+10FFFF), remembering a sequence split across chunks.
public struct UTF8Validator: Sendable {
    public init() {}

    /// The index of the first byte of the first invalid (or cut-off) sequence in `bytes`, or `nil`
    /// when they are all valid UTF-8.
    public static func firstInvalid(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var validator = UTF8Validator()
        return validator.validate(bytes) != nil ? validator.errorOffset : validator.pendingStart
    }

    /// Validates `bytes` as the continuation of the stream: the absolute offset of the first invalid
    /// sequence, counting from where this validator started, or `nil`.
    public mutating func check(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        validate(bytes) == nil ? nil : errorOffset
    }

    /// The absolute offset of a sequence still open (cut off by the end of the input), if any.
    public var openSequence: Int? { pendingStart }

    private var remaining = 0
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF
    private var sequenceStart = 0
    private var offset = 0
    /// Where the invalid sequence starts, after ``validate(_:)`` found one.
    public private(set) var errorOffset = 0

    /// The absolute offset of a sequence still open at the end of the input.
    public var pendingStart: Int? { remaining > 0 ? sequenceStart : nil }

    public mutating func skip(_ count: Int) { offset += count }

    /// Validates a chunk.
    ///
    /// - Returns: `nil` if the chunk is valid (a sequence may continue into the next), otherwise the
    ///   index in the chunk from which the input is invalid (the start of the bad sequence, when it
    ///   began in this chunk).
    public mutating func validate(_ chunk: UnsafeBufferPointer<UInt8>) -> Int? {
        let base = offset
        defer { offset = base + chunk.count }
        var index = 0
        let count = chunk.count
        guard let start = chunk.baseAddress else { return nil }
        let raw = UnsafeRawPointer(start)
        while index < count {
            if remaining == 0 {
                // Eight ASCII bytes at a time.
                while index + 8 <= count, raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                }
                guard index < count else { break }
                let byte = chunk[index]
                if byte < 0x80 {
                    index += 1
                    continue
                }
                // A whole three-byte sequence (most CJK text) in one step when it fits in the chunk.
                if byte >= 0xE1, byte <= 0xEC || byte == 0xEE || byte == 0xEF, index + 2 < count,
                    chunk[index + 1] & 0xC0 == 0x80, chunk[index + 2] & 0xC0 == 0x80
                {
                    index += 3
                    continue
                }
                sequenceStart = base + index
                switch byte {
                case 0xC2...0xDF: (remaining, low, high) = (1, 0x80, 0xBF)
                case 0xE0: (remaining, low, high) = (2, 0xA0, 0xBF)
                case 0xED: (remaining, low, high) = (2, 0x80, 0x9F)
                case 0xE1...0xEF: (remaining, low, high) = (2, 0x80, 0xBF)
                case 0xF0: (remaining, low, high) = (3, 0x90, 0xBF)
                case 0xF1...0xF3: (remaining, low, high) = (3, 0x80, 0xBF)
                case 0xF4: (remaining, low, high) = (3, 0x80, 0x8F)
                default:
                    errorOffset = sequenceStart
                    return index
                }
            } else {
                let byte = chunk[index]
                guard byte >= low && byte <= high else {
                    errorOffset = sequenceStart
                    return max(0, sequenceStart - base)
                }
                remaining -= 1
                (low, high) = (0x80, 0xBF)
            }
            index += 1
        }
        return nil
    }
}
