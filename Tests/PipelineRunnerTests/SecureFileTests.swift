import Foundation
import GongshiTesting
@testable import PipelineRunner
import Testing

/// Whole-file writes: a temporary file, written a chunk at a time, synced and renamed into place.
@Suite("Secure file writes")
struct SecureFileTests {
    @Test("a file of several write chunks, one of exactly one, one of none: the bytes read back are the bytes given, mode 0600")
    func chunkedWrite() throws {
        let folder = Scratch.root.appendingPathComponent("gongshi-securefile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let chunk = SecureFile.writeChunk
        var generator = SeededGenerator(seed: 24)
        for size in [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk + 12_345] {
            let bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let path = folder.appendingPathComponent("f\(size).csv").path
            try SecureFile.write(bytes, to: path)
            let read = try #require(FileManager.default.contents(atPath: path))
            #expect(read.count == size)
            #expect(read.elementsEqual(bytes))
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
        // Nothing but the files themselves is left in the folder (no temporary file).
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(left.count == 6)
        #expect(left.allSatisfy { !$0.hasPrefix(".") })
    }

    @Test("a file written in parts is renamed into place once named, with its mode; one discarded leaves nothing")
    func parts() throws {
        let folder = Scratch.root.appendingPathComponent("gongshi-securefile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SeededGenerator(seed: 36)
        let bytes = (0..<(3 * SecureFile.writeChunk / 2)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let file = try SecureFile.Parts(temporary: folder.appendingPathComponent(".parts.tmp").path)
        for start in stride(from: 0, to: bytes.count, by: 100_000) {
            try bytes[start..<min(bytes.count, start + 100_000)].withUnsafeBytes { try file.append($0) }
        }
        let path = folder.appendingPathComponent("named.csv").path
        try file.commit(to: path, mode: 0o644)
        #expect(FileManager.default.contents(atPath: path).map { Array($0) } == bytes)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o644)
        let dropped = try SecureFile.Parts(temporary: folder.appendingPathComponent(".dropped.tmp").path)
        try [UInt8](repeating: 1, count: 10).withUnsafeBytes { try dropped.append($0) }
        dropped.discard()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["named.csv"])
    }
}
