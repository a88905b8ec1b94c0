import DisclosureCore
import Glibc

/// Where validation puts the decision keys it moves out of memory (``KeyRuns``): slots of 16
/// bytes appended to a temporary file (mode 0600, unlinked at once, as the spool is) and read back
/// by slot number with `pread`. A million keys are 16 MB here instead of 20 MB in memory.
final class KeyRunFile: KeyRuns {
    private let descriptor: Int32
    private var slots = 0
    static let slotBytes = 2 * MemoryLayout<UInt64>.size

    init() throws {
        descriptor = try Spool.unlinkedFile("gongshi-keys")
    }

    deinit { close(descriptor) }

    func append(_ values: UnsafeBufferPointer<UInt64>) throws -> Int {
        let first = slots
        let bytes = UnsafeRawBufferPointer(values)
        try Self.whole(bytes.count, "写入") { pwrite(descriptor, bytes.baseAddress! + $0, bytes.count - $0, off_t(first * Self.slotBytes + $0)) }
        slots += values.count / 2
        return first
    }

    func read(from first: Int, into buffer: UnsafeMutableBufferPointer<UInt64>) throws {
        let bytes = UnsafeMutableRawBufferPointer(buffer)
        try Self.whole(bytes.count, "读取") { pread(descriptor, bytes.baseAddress! + $0, bytes.count - $0, off_t(first * Self.slotBytes + $0)) }
    }

    /// Repeats `step` (given the bytes done so far; it returns how many more it moved) until
    /// `count` bytes are moved.
    private static func whole(_ count: Int, _ what: String, _ step: (Int) -> Int) throws {
        var done = 0
        while done < count {
            let moved = step(done)
            guard moved > 0 else {
                throw CommandFailure(
                    status: ExitStatus.ioError, code: "key-file-failed", message: "临时文件\(what)失败：\(String(cString: strerror(errno)))")
            }
            done += moved
        }
    }
}
