import Foundation
@testable import PipelineRunner
import Testing

/// A file that cannot be written says why: a full disk is a write failure (74, 磁盘已满), as the
/// system reports it through `FileHandle` (`/dev/full` answers every write with ENOSPC).
@Suite("Write failures")
struct WriteFailureTests {
    @Test("a write the system refuses for a full disk is exit 74 (磁盘已满); another refusal is 73, with the system's reason")
    func fullDisk() throws {
        let handle = try #require(FileHandle(forWritingAtPath: "/dev/full"))
        defer { try? handle.close() }
        var failure: CommandFailure?
        do {
            try handle.write(contentsOf: Data(repeating: 0x41, count: 4096))
        } catch {
            failure = SecureFile.failure("/srv/outbox/batch.csv", code: "file-unwritable", error: error)
        }
        let full = try #require(failure, "a write to /dev/full fails")
        #expect(full.status == 74 && full.code == "file-unwritable")

        let denied = SecureFile.failure("/srv/outbox/batch.csv", code: "file-unwritable", errno: EACCES)
        #expect(denied.status == 73 && denied.code == "file-unwritable")
    }
}
