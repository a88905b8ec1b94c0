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
        var done = 0
        while done < bytes.count {
            let written = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(first * Self.slotBytes + done))
            guard written > 0 else { throw Self.failure("写入") }
            done += written
        }
        slots += values.count / 2
        return first
    }

    func read(from first: Int, into buffer: UnsafeMutableBufferPointer<UInt64>) throws {
        let bytes = UnsafeMutableRawBufferPointer(buffer)
        var done = 0
        while done < bytes.count {
            let read = pread(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(first * Self.slotBytes + done))
            guard read > 0 else { throw Self.failure("读取") }
            done += read
        }
    }

    private static func failure(_ what: String) -> CommandFailure {
        CommandFailure(status: ExitStatus.ioError, code: "key-file-failed", message: "临时文件\(what)失败：\(String(cString: strerror(errno)))")
    }
}
