import Foundation
import SourceDecoders
import Testing

/// Converts `bytes` in chunks of the given sizes, returning the UTF-8 text or the error.
func transcode(_ bytes: [UInt8], from encoding: TextEncoding, chunks: [Int]) -> Result<String, TranscodingError> {
    guard let transcoder = Transcoder(from: encoding) else { return .failure(.init(byteOffset: -1, encoding: encoding)) }
    var output: [UInt8] = []
    var start = 0
    var next = 0
    do {
        while start < bytes.count {
            let size = max(1, min(chunks[next % chunks.count], bytes.count - start))
            try bytes[start..<(start + size)].withUnsafeBufferPointer { chunk in
                try transcoder.convert(chunk, isLast: false) { output.append(contentsOf: $0) }
            }
            start += size
            next += 1
        }
        try transcoder.convert(UnsafeBufferPointer(start: nil, count: 0), isLast: true) { output.append(contentsOf: $0) }
        return .success(String(decoding: output, as: UTF8.self))
    } catch let error as TranscodingError {
        return .failure(error)
    } catch {
        return .failure(.init(byteOffset: -2, encoding: encoding))
    }
}

@Suite("Encodings: GB18030 and UTF-16 through iconv; --encoding auto")
struct TranscoderTests {
    // 郑 (2 bytes in GB18030), 𠀀 (4 bytes in GB18030, outside the BMP), ASCII and a comma.
    static let text = "行政相对人名称,郑州𠀀公司\r\n罚款0.2万元,\"引号\"\r\n"
    static let gb18030: [UInt8] = [
        0xD0, 0xD0, 0xD5, 0xFE, 0xCF, 0xE0, 0xB6, 0xD4, 0xC8, 0xCB, 0xC3, 0xFB, 0xB3, 0xC6, 0x2C,
        0xD6, 0xA3, 0xD6, 0xDD, 0x95, 0x32, 0x82, 0x36, 0xB9, 0xAB, 0xCB, 0xBE, 0x0D, 0x0A,
        0xB7, 0xA3, 0xBF, 0xEE, 0x30, 0x2E, 0x32, 0xCD, 0xF2, 0xD4, 0xAA, 0x2C, 0x22, 0xD2, 0xFD, 0xBA, 0xC5, 0x22,
        0x0D, 0x0A,
    ]

    @Test("GB18030, including a 4-byte sequence, gives the same text split at every offset")
    func gb18030EverySplit() {
        #expect(transcode(Self.gb18030, from: .gb18030, chunks: [Int.max]) == .success(Self.text))
        #expect(transcode(Self.gb18030, from: .gb18030, chunks: [1]) == .success(Self.text))
        for split in 1..<Self.gb18030.count {
            #expect(transcode(Self.gb18030, from: .gb18030, chunks: [split, Int.max]) == .success(Self.text), "split at \(split)")
        }
    }

    @Test("UTF-16 in both byte orders, split at every offset")
    func utf16() {
        for (encoding, bytes) in [
            (TextEncoding.utf16le, Array(Self.text.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),
            (.utf16be, Array(Self.text.utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }),
        ] {
            for split in 1..<bytes.count {
                #expect(transcode(bytes, from: encoding, chunks: [split, Int.max]) == .success(Self.text))
            }
        }
    }

    @Test("a byte that does not decode fails with its absolute offset, however the input is split")
    func invalidByte() {
        var bytes = Self.gb18030
        bytes.insert(contentsOf: [0x81, 0x20], at: 29)  // at the start of the second line
        for chunks in [[Int.max], [1], [7, 3], [28, Int.max], [30, Int.max]] {
            #expect(transcode(bytes, from: .gb18030, chunks: chunks) == .failure(.init(byteOffset: 29, encoding: .gb18030)))
        }
        // Cut in the middle of a character at the very end.
        #expect(transcode(Array(Self.gb18030.prefix(20)), from: .gb18030, chunks: [Int.max]) == .failure(.init(byteOffset: 19, encoding: .gb18030)))
    }

    @Test("auto: a byte-order mark first, then valid UTF-8, else GB18030")
    func sniffing() {
        func sniff(_ bytes: [UInt8], whole: Bool = true) -> TextEncoding {
            bytes.withUnsafeBufferPointer { TextEncoding.sniff($0, isWholeFile: whole).0 }
        }
        #expect(sniff([0xEF, 0xBB, 0xBF, 0x61]) == .utf8)
        #expect(sniff([0xFF, 0xFE, 0x61, 0x00]) == .utf16le)
        #expect(sniff([0xFE, 0xFF, 0x00, 0x61]) == .utf16be)
        #expect(sniff(Array("名称,类别\n".utf8)) == .utf8)
        #expect(sniff(Self.gb18030) == .gb18030)
        // A UTF-8 character cut by the end of the first chunk does not make the file GB18030.
        #expect(sniff(Array("名称".utf8).dropLast(1).map { $0 }, whole: false) == .utf8)
        #expect(sniff(Array("名称".utf8).dropLast(1).map { $0 }, whole: true) == .gb18030)
        #expect(TextEncoding.sniff(UnsafeBufferPointer(start: nil, count: 0), isWholeFile: true).1 == 0)
    }
}
