public import WorkingDayCalendar

/// The calendar in force, with where each year came from and every problem found.
public struct LoadedCalendar: Sendable {
    /// The calendar, or `nil` when any file has an error: a wrong calendar is worse than none.
    public let calendar: WorkingDayCalendar?
    /// Every problem, errors and warnings, in file order.
    public let issues: [CalendarIssue]
    /// The file each covered year was taken from, by year.
    public let sources: [(year: Int, file: String)]

    public var errors: [CalendarIssue] { issues.filter { $0.severity == .error } }
    public var warnings: [CalendarIssue] { issues.filter { $0.severity == .warning } }
}

/// Puts the bundled years and a user's own calendar files together into one calendar.
///
/// A user's file for a year replaces the bundled file for that year (to correct it, or to apply a
/// later amending notice); a file for a new year extends the coverage. The covered years must
/// then be consecutive: a missing year between covered years is an error, never a year assumed
/// to have no holidays.
public enum CalendarAssembler {
    /// - Parameters:
    ///   - bundled: the years shipped with gongshi.
    ///   - user: the files of the user's calendar folder, if any.
    ///   - location: how to name the user's folder in messages about the set as a whole.
    public static func assemble(
        bundled: [ParsedCalendarYear], user: [ParsedCalendarYear], location: String
    ) -> LoadedCalendar {
        var issues = (bundled + user).flatMap(\.issues)

        // Years: the user's files win over the bundled ones; two user files for one year clash.
        var chosen: [Int: ParsedCalendarYear] = [:]
        for parsed in bundled { if let year = parsed.year { chosen[year] = parsed } }
        var userYears: [Int: ParsedCalendarYear] = [:]
        for parsed in user {
            guard let year = parsed.year else { continue }
            if let other = userYears[year] {
                issues.append(.init(
                    "calendar-duplicate-year", file: parsed.file.displayPath, line: nil,
                    "\(year) 年已由 \(other.file.displayPath) 给出；每年只能有一个文件"))
                continue
            }
            userYears[year] = parsed
            chosen[year] = parsed
        }

        let years = chosen.keys.sorted()
        guard let firstYear = years.first, let lastYear = years.last else {
            issues.append(.init("calendar-empty", file: location, "没有任何年份的节假日安排"))
            return LoadedCalendar(calendar: nil, issues: issues, sources: [])
        }
        for year in firstYear...lastYear where chosen[year] == nil {
            issues.append(.init(
                "calendar-year-missing", file: location,
                "缺少 \(year) 年的节假日安排：已有 \(firstYear)–\(lastYear) 年中的其他年份，中间不能空缺；请添加 \(year).yaml"))
        }

        // Exceptions: one per date across the chosen files (a file may reach into the December before its year).
        var daysOff: [CalendarDate: String] = [:]
        var makeUps: [CalendarDate: String] = [:]
        var seen: [CalendarDate: (ParsedCalendarYear.Entry, String)] = [:]
        for year in years {
            guard let parsed = chosen[year] else { continue }
            // Dates outside the file's arrangement were reported by the parser; they take no part here.
            for entry in parsed.entries where CalendarFileParser.belongs(entry.date, toArrangementOf: year) {
                let path = parsed.file.displayPath
                if let (first, firstPath) = seen[entry.date] {
                    if firstPath != path {
                        let code = first.kind == entry.kind ? "calendar-duplicate-date" : "calendar-conflicting-date"
                        issues.append(.init(
                            code, file: path, line: entry.line,
                            "\(entry.date) 已在 \(firstPath) 第 \(first.line) 行列出"))
                    }
                    continue
                }
                seen[entry.date] = (entry, path)
                switch entry.kind {
                case .dayOff: daysOff[entry.date] = entry.holiday
                case .makeUpWorkingDay: makeUps[entry.date] = entry.holiday
                }
            }
        }

        let sources = years.compactMap { year in chosen[year].map { (year: year, file: $0.file.displayPath) } }
        guard !issues.contains(where: { $0.severity == .error }),
            let first = CalendarDate.firstDay(ofYear: firstYear), let last = CalendarDate.lastDay(ofYear: lastYear)
        else {
            return LoadedCalendar(calendar: nil, issues: issues, sources: sources)
        }
        do {
            let calendar = try WorkingDayCalendar(coverage: first...last, daysOff: daysOff, makeUpWorkingDays: makeUps)
            return LoadedCalendar(calendar: calendar, issues: issues, sources: sources)
        } catch {
            // The file checks above already reject what the model refuses; keep the promise anyway.
            issues.append(.init("calendar-inconsistent", file: location, "\(error)"))
            return LoadedCalendar(calendar: nil, issues: issues, sources: sources)
        }
    }
}
