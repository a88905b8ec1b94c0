import WorkingDayCalendar
internal import Yams

/// Reads one calendar file (`YYYY.yaml`) and checks it on its own.
///
/// The format is documented in `schemas/calendars/README.md`:
///
/// ```yaml
/// year: 2020
/// notice: 《国务院办公厅关于2020年部分节假日安排的通知》
/// days_off:         # 放假: Monday–Friday days off
///   - 2020-01-01 元旦
/// working_days:     # 调休上班: Saturdays and Sundays that are working days
///   - 2020-01-19 春节
/// ```
///
/// Every problem is collected, each with its line; the parser never stops at the first one.
/// Checks that need several files (a year missing between covered years, a date listed in two
/// files) belong to ``CalendarAssembler``.
public enum CalendarFileParser {
    /// The keys a calendar file may have.
    public static let knownKeys = ["year", "notice", "source", "amended_by", "note", "days_off", "working_days"]

    public static func parse(_ file: CalendarFile) -> ParsedCalendarYear {
        var issues: [CalendarIssue] = []
        func report(_ code: String, _ severity: CalendarIssue.Severity = .error, line: Int?, _ message: String) {
            issues.append(CalendarIssue(code, severity, file: file.displayPath, line: line, message))
        }

        let yearFromName = Self.year(fromFileName: file.name)
        if yearFromName == nil {
            report("calendar-file-name", line: nil, "文件名“\(file.name)”应为年份，如 2027.yaml")
        }

        let root: Node?
        do {
            root = try Yams.compose(yaml: file.text)
        } catch let error as YamlError {
            let (line, detail) = Self.describe(error)
            report("calendar-yaml-syntax", line: line, "不是有效的 YAML：\(detail)")
            return ParsedCalendarYear(file: file, year: nil, entries: [], issues: issues)
        } catch {
            report("calendar-yaml-syntax", line: nil, "不是有效的 YAML：\(error)")
            return ParsedCalendarYear(file: file, year: nil, entries: [], issues: issues)
        }

        guard let mapping = root?.mapping else {
            report("calendar-bad-value", line: root?.mark?.line ?? 1, "文件内容应为“键: 值”的映射，至少包含 year")
            return ParsedCalendarYear(file: file, year: nil, entries: [], issues: issues)
        }

        var year: Int?
        var yearLine: Int?
        var entries: [ParsedCalendarYear.Entry] = []
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let line = keyNode.mark?.line
            switch key {
            case "year":
                yearLine = line
                if let text = value.scalar?.string, let number = Int(text), (1...9999).contains(number) {
                    year = number
                } else {
                    report("calendar-bad-value", line: line, "year 应为四位年份，而不是“\(value.scalar?.string ?? "(非标量)")”")
                }
            case "notice", "source", "note":
                if value.scalar == nil {
                    report("calendar-bad-value", line: line, "\(key) 应为一段文字")
                }
            case "amended_by":
                if value.sequence == nil, !Self.isNull(value) {
                    report("calendar-bad-value", line: line, "amended_by 应为列表，每项一份通知")
                }
            case "days_off", "working_days":
                let kind: ParsedCalendarYear.Entry.Kind = key == "days_off" ? .dayOff : .makeUpWorkingDay
                guard let items = value.sequence else {
                    if !Self.isNull(value) {
                        report("calendar-bad-value", line: line, "\(key) 应为列表，每项为“YYYY-MM-DD 节日名称”")
                    }
                    continue
                }
                for item in items {
                    let itemLine = item.mark?.line ?? line
                    guard let text = item.scalar?.string else {
                        report("calendar-bad-value", line: itemLine, "\(key) 的每一项应为“YYYY-MM-DD 节日名称”")
                        continue
                    }
                    let (dateText, name) = Self.split(text)
                    let date: CalendarDate
                    do {
                        date = try CalendarDate.parse(dateText, format: .iso)
                    } catch {
                        report("calendar-\(error.code)", line: itemLine, "\(key) 中的“\(text)”：\(error)")
                        continue
                    }
                    guard !name.isEmpty else {
                        report("calendar-name-missing", line: itemLine, "\(key) 中的 \(date) 缺少节日名称，应写作“\(date) 春节”")
                        continue
                    }
                    // Holiday names never contain spaces; one that does is usually two list items
                    // folded into one by a wrong indentation, which YAML accepts silently.
                    guard !name.contains(where: { $0 == " " || $0 == "\u{3000}" || $0 == "\t" || $0.isNewline }) else {
                        report(
                            "calendar-name-invalid", line: itemLine,
                            "\(key) 中 \(date) 的节日名称“\(name)”含空格：每项只写一个日期和一个名称；若是缩进有误，两行会被并成一行")
                        continue
                    }
                    entries.append(.init(date: date, holiday: name, kind: kind, line: itemLine ?? 1))
                }
            default:
                report(
                    "calendar-unknown-key", line: line,
                    "未知的键“\(key)”；可用的键：\(knownKeys.joined(separator: "、"))")
            }
        }

        if year == nil, yearLine == nil {
            report("calendar-missing-key", line: 1, "缺少 year（本文件所属的年份）")
        }
        if let stated = year, let yearFromName, stated != yearFromName {
            report("calendar-year-mismatch", line: yearLine, "year 为 \(stated)，但文件名是 \(file.name)；文件名应与年份一致")
            year = nil  // which of the two is meant is unknown: use neither, and check nothing against it
        }

        issues += Self.checkEntries(entries, year: year, file: file)
        return ParsedCalendarYear(file: file, year: year, entries: entries, issues: issues)
    }

    /// Checks of the exceptions within one file.
    private static func checkEntries(_ entries: [ParsedCalendarYear.Entry], year: Int?, file: CalendarFile)
        -> [CalendarIssue]
    {
        var issues: [CalendarIssue] = []
        var firstByDate: [CalendarDate: ParsedCalendarYear.Entry] = [:]
        for entry in entries {
            let path = file.displayPath
            if let year, !Self.belongs(entry.date, toArrangementOf: year) {
                issues.append(.init(
                    "calendar-date-outside-year", file: path, line: entry.line,
                    "\(entry.date) 不属于 \(year) 年的安排（只能是 \(year) 年内或 \(year - 1) 年 12 月的日期）"))
            }
            switch entry.kind {
            case .makeUpWorkingDay where !entry.date.weekday.isWeekend:
                issues.append(.init(
                    "calendar-make-up-not-weekend", file: path, line: entry.line,
                    "\(entry.date) 是\(entry.date.weekday.chineseName)，调休上班日只能是周六或周日"))
            case .dayOff where entry.date.weekday.isWeekend:
                issues.append(.init(
                    "calendar-day-off-on-weekend", .warning, file: path, line: entry.line,
                    "\(entry.date) 是\(entry.date.weekday.chineseName)，本来就休息，不必列入 days_off；若是调休上班日，应列入 working_days"))
            default:
                break
            }
            if let first = firstByDate[entry.date] {
                if first.kind == entry.kind {
                    issues.append(.init(
                        "calendar-duplicate-date", file: path, line: entry.line,
                        "\(entry.date) 重复列出（第 \(first.line) 行已有）"))
                } else {
                    issues.append(.init(
                        "calendar-conflicting-date", file: path, line: entry.line,
                        "\(entry.date) 同时被列为放假和调休上班（另见第 \(first.line) 行）"))
                }
            } else {
                firstByDate[entry.date] = entry
            }
        }
        return issues
    }

    /// Whether a date can appear in year `year`'s arrangement: that year, or the December before it.
    static func belongs(_ date: CalendarDate, toArrangementOf year: Int) -> Bool {
        date.year == year || (date.year == year - 1 && date.month == 12)
    }

    /// The year named by a file name such as `2027.yaml`.
    public static func year(fromFileName name: String) -> Int? {
        let stem: Substring
        if name.hasSuffix(".yaml") {
            stem = name.dropLast(5)
        } else if name.hasSuffix(".yml") {
            stem = name.dropLast(4)
        } else {
            return nil
        }
        guard stem.count == 4, stem.allSatisfy({ $0.isASCII && $0.isNumber }), let year = Int(stem), year >= 1 else {
            return nil
        }
        return year
    }

    /// Splits `2020-01-01 元旦` at the first space (ASCII or ideographic) into date and name.
    private static func split(_ text: String) -> (date: String, name: String) {
        let trimmed = text.trimmingSpaces()
        guard let space = trimmed.firstIndex(where: { $0 == " " || $0 == "\u{3000}" || $0 == "\t" }) else {
            return (trimmed, "")
        }
        return (String(trimmed[..<space]), String(trimmed[space...]).trimmingSpaces())
    }

    private static func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    private static func describe(_ error: YamlError) -> (line: Int?, detail: String) {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return (mark.line, problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return (context.mark.line, "键重复：\(duplicates.joined(separator: "、"))")
        case .reader(let problem, _, _, _):
            return (nil, problem)
        default:
            return (nil, "\(error)")
        }
    }
}

extension String {
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\u{3000}" || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
