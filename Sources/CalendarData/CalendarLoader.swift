internal import BundledSchemas
import Foundation

/// Loads the calendar in force: the years bundled in the binary, plus a user's own folder.
///
/// This is the only place in the calendar code that touches the file system.
public enum CalendarLoader {
    /// How bundled files are named in messages: where their source lives in the repository.
    public static let bundledPrefix = "bundled:schemas/calendars/"

    /// The bundled calendar files, as shipped in the binary.
    public static var bundledFiles: [CalendarFile] {
        BundledSchemas.files(in: "calendars").map {
            CalendarFile(name: $0.name, displayPath: bundledPrefix + $0.name, text: $0.text)
        }
    }

    /// Loads the bundled years, with the calendar files of `directory` layered over them.
    ///
    /// - Parameter directory: a folder holding `YYYY.yaml` files, or `nil` for the bundled years
    ///   only. Other files in the folder (a README) are ignored.
    /// - Returns: the calendar, or every reason there is none. An unreadable folder or file is a
    ///   `calendar-unreadable` error.
    public static func load(directory: String?) -> LoadedCalendar {
        let bundled = bundledFiles.map(CalendarFileParser.parse)
        guard let directory else {
            return CalendarAssembler.assemble(bundled: bundled, user: [], location: "bundled:schemas/calendars")
        }
        let (files, readIssues) = readDirectory(directory)
        let user = files.map(CalendarFileParser.parse)
        let assembled = CalendarAssembler.assemble(bundled: bundled, user: user, location: directory)
        guard !readIssues.isEmpty else { return assembled }
        let hasErrors = readIssues.contains { $0.severity == .error }
        return LoadedCalendar(
            calendar: hasErrors ? nil : assembled.calendar,
            issues: readIssues + assembled.issues,
            sources: assembled.sources)
    }

    /// The calendar files of a folder, sorted by name, and the problems reading them.
    static func readDirectory(_ directory: String) -> ([CalendarFile], [CalendarIssue]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            return ([], [.init("calendar-unreadable", file: directory, "日历目录不存在")])
        }
        guard isDirectory.boolValue else {
            return ([], [.init("calendar-unreadable", file: directory, "不是目录；--calendar 应指向存放 YYYY.yaml 文件的目录")])
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            return ([], [.init("calendar-unreadable", file: directory, "无法读取日历目录：\(reason(error))")])
        }
        var files: [CalendarFile] = []
        var issues: [CalendarIssue] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else {
                issues.append(.init("calendar-unreadable", file: path, "无法读取文件"))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                issues.append(.init("calendar-unreadable", file: path, "不是 UTF-8 编码的文本；请以 UTF-8 保存"))
                continue
            }
            files.append(CalendarFile(name: name, displayPath: path, text: text))
        }
        if files.isEmpty, issues.isEmpty {
            issues.append(.init(
                "calendar-directory-empty", .warning, file: directory,
                "目录中没有 YYYY.yaml 日历文件；只使用内置的年份"))
        }
        return (files, issues)
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedDescription
    }
}
