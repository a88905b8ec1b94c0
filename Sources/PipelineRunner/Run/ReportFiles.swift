public import DisclosureReports
import Foundation

/// A credit report's two copies — the JSON (keys sorted) and the self-contained HTML page — in a
/// folder, both mode 0600 (they name records).
public enum ReportFiles {
    public static func write(_ report: CreditReport, folder: String, name: String) throws -> (json: String, html: String) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(status: ExitStatus.cantCreate, code: "report-unwritable", message: "无法创建报告目录 \(folder)")
        }
        let json = (folder as NSString).appendingPathComponent(name + ".json")
        let html = (folder as NSString).appendingPathComponent(name + ".html")
        try SecureFile.write(try report.json(), to: json)
        try SecureFile.write(Array(ReportHTML.render(report).utf8), to: html)
        return (json, html)
    }
}
