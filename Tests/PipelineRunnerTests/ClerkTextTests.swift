import DisclosureCore
import Foundation
import GongshiTesting
import PipelineRunner
import SQLiteLedger
import Testing
import WorkingDayCalendar

/// Words a clerk types or a portal answers, on their way into the ledger: the engine keeps them
/// screened (ID, phone and bank card numbers hidden) and bounded, whichever ledger it writes to.
@Suite("A clerk's and a portal's words in the ledger")
struct ClerkTextTests {
    static let idNumber = "410122198503121231"
    static let phone = "13800138000"

    static func batch(_ id: String) -> NewBatch {
        NewBatch(
            id: id, portal: "creditchina-henan-zhengzhou", feed: "penalty-legal", kind: "penalty", operation: .publish,
            fileName: "\(id).csv", outboxPath: "/nonexistent/\(id).csv", payloadSHA256: String(repeating: "a", count: 64), records: 1,
            createdOn: "2026-12-04")
    }

    static func publication(_ number: Int) -> NewPublication {
        NewPublication(
            key: "牟城管罚〔2026〕\(number)号", contentSHA256: String(repeating: "a", count: 64), previousSHA256: nil, decisionDate: "2026-11-20",
            dueOn: "2026-12-01", subjectCode: "91410100MA40Q8R26R", subjectName: "某公司", schemaVersion: 1, profileVersion: 1)
    }

    @Test("ledger fail: the reason is kept and said with its ID and phone numbers hidden, cut to 600 characters with its length stated", arguments: ["memory", "sqlite"])
    func failReason(_ kind: String) throws {
        let path = Scratch.root.appendingPathComponent("gongshi-clerk-text-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ledger: any PublicationLedger = kind == "memory" ? InMemoryLedger() : try Ledger.open(path: path)
        let run = try ledger.beginRun(command: "test", today: "2026-12-04", startedAt: "2026-12-04T02:00:00+08:00", pipeline: nil, department: nil)
        try ledger.recordPending(Self.batch("b000000000000001"), publications: [Self.publication(1)], run: run)
        let words = "门户退回：第3条证件号码\(Self.idNumber)格式错误，联系电话\(Self.phone)" + String(repeating: "长", count: 5000)
        let line = try Confirmation.fail("b000000000000001", reason: words, in: ledger)
        let kept = try #require(try ledger.batch("b000000000000001")?.lastError)
        for text in [kept, line] {
            #expect(!text.contains(Self.idNumber) && !text.contains(Self.phone), "\(text.prefix(200))")
            #expect(text.contains("门户退回：第3条证件号码******************格式错误") && text.contains("（共 \(words.count) 字）"), "\(text.prefix(200))")
        }
        #expect(kept.count <= 620, "\(kept.count)")
        // Not pending any more, and not there at all: data errors, as ledger confirm has them.
        #expect(throws: CommandFailure.self) { try Confirmation.fail("b000000000000001", reason: "x", in: ledger) }
        do {
            _ = try Confirmation.fail("b00000000000000f", reason: "x", in: ledger)
            Testing.Issue.record("an unknown batch was failed")
        } catch {
            #expect(error.status == ExitStatus.dataError && error.code == "batch-unknown")
        }
    }

    @Test("a confirmation's note typed in the console is kept with its phone number hidden")
    func confirmationNote() throws {
        let path = Scratch.root.appendingPathComponent("gongshi-clerk-note-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let ledger = try Ledger.open(path: path)
        let run = try ledger.beginRun(command: "test", today: "2026-12-04", startedAt: "2026-12-04T02:00:00+08:00", pipeline: nil, department: nil)
        try ledger.recordPending(Self.batch("b000000000000002"), publications: [Self.publication(2)], run: run)
        let batch = try #require(try ledger.batch("b000000000000002"))
        let today = try CalendarDate.parse("2026-12-04")
        let confirmation = Confirmation(ledger: ledger, today: today, transcript: Transcript.collecting().0)
        _ = try confirmation.confirm(batch, note: "控制台确认：回执已收到，经办人电话\(Self.phone)", on: today,
            recording: ActionRecord(command: "console confirm b000000000000002", today: "2026-12-04", at: "2026-12-04T10:00:00+08:00", pipeline: nil, department: nil))
        var bytes = Data()
        for suffix in ["", "-wal"] { bytes += (try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data() }
        #expect(bytes.range(of: Data("经办人电话".utf8)) != nil)
        #expect(bytes.range(of: Data(Self.phone.utf8)) == nil, "the ledger holds the phone number a clerk typed")
    }
}
