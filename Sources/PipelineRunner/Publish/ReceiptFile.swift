public import DisclosureCore
import Foundation
public import WorkingDayCalendar

/// A portal's receipt saved beside a feed file as `<file>.receipt`.
public enum ReceiptFile {
    static let suffix = ".receipt"
    /// Receipts above this size are recorded by hash only.
    static let textLimit = 16 * 1024

    /// The day a receipt file was saved (its modification time, the date in Asia/Shanghai): the day
    /// the portal took the batch, as far as gongshi can know. Kept within [staged, today].
    public static func savedOn(_ path: String, stagedOn: String, today: CalendarDate) -> String {
        guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else {
            return today.description
        }
        let day = CalendarDate.inShanghai(secondsSince1970: Int64(modified.timeIntervalSince1970.rounded(.down)))
        return max(stagedOn, min(day.description, today.description))
    }

    public static func read(besides feedPath: String) throws(CommandFailure) -> (path: String, receipt: Receipt)? {
        let path = feedPath + suffix
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return (path, try read(path))
    }

    public static func read(_ path: String) throws(CommandFailure) -> Receipt {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure(status: ExitStatus.noInput, code: "receipt-unreadable", message: "无法读取回执文件 \(path)")
        }
        let bytes = [UInt8](data)
        let text = bytes.count <= textLimit ? String(validating: bytes, as: UTF8.self) : nil
        // The text kept is screened (an ID or phone number a receipt quotes is hidden, its shape
        // kept); the hash is the file's own, which proves what the portal sent.
        let kept = text.map { PersonalDataScreen.screen($0, personName: nil).text }
        return Receipt(text: kept ?? "（\(bytes.count) 字节，非 UTF-8 文本或过大，只记录 SHA-256）", sha256: Digest.sha256Hex(bytes))
    }
}

/// The line for a confirmation, shared by reconcile and `ledger confirm`.
public enum ConfirmMessage {
    public static func line(_ outcome: ConfirmOutcome, batch: BatchInfo, source: String) -> String {
        switch outcome {
        case .confirmed(let records):
            "已确认：批次 \(batch.id)（\(batch.fileName)）\(records) 条记为\(batch.operation == .withdraw ? "已撤下" : "已公示")；依据：\(source)"
        case .alreadyConfirmed(let on): "批次 \(batch.id) 已于 \(on) 确认，不再重复登记"
        case .failedBatch: "批次 \(batch.id) 已标为失败，不能确认；其中记录会在下次运行时重新生成"
        case .unknownBatch: "台账中没有批次 \(batch.id)"
        }
    }
}
