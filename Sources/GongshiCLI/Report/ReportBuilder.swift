import DisclosureCore
import DisclosureReports
import Foundation
import SQLiteLedger
import WorkingDayCalendar

/// Builds the credit office's report from the ledger: the rows come from SQL
/// (``Ledger/reportRows(from:to:problemLimit:)``); the arithmetic — rates, deadline states — is
/// here, in one place, so the JSON and the HTML carry the same figures.
struct ReportBuilder {
    /// A department's pipeline, as the report names it.
    struct Department {
        let pipeline: String
        let department: String
        /// The record kind's Chinese title (行政处罚).
        let kind: String
        /// The schema id of its records (for period lines, which the ledger keeps by kind).
        let schemaID: String
    }

    let departments: [Department]
    let calendar: WorkingDayCalendar
    let today: CalendarDate

    func build(ledger: Ledger, from: CalendarDate, to: CalendarDate, title: String) throws(CommandFailure) -> CreditReport {
        let rows = try CommandFailure.ledger { () throws(LedgerError) in
            try ledger.reportRows(from: from.description, to: to.description, problemLimit: ReportLimits.problems)
        }
        let eligible = try CommandFailure.ledger { () throws(LedgerError) in try ledger.repairEligible(today: today.description) }
        let known = Set(departments.map(\.pipeline))
        func mine(_ pipeline: String?) -> Bool { pipeline.map(known.contains) ?? false }
        func name(_ pipeline: String?) -> String {
            departments.first { $0.pipeline == pipeline }?.department ?? pipeline ?? "（未知）"
        }

        // What came in, and the states of what was planned in the period.
        var summaries = departments.map { DepartmentSummary(department: $0.department, pipeline: $0.pipeline, kind: $0.kind) }
        for intake in rows.intake where mine(intake.pipeline) {
            guard let index = summaries.firstIndex(where: { $0.pipeline == intake.pipeline }) else { continue }
            summaries[index].files += intake.files
            summaries[index].failedFiles += intake.failedFiles
            summaries[index].records += intake.records
            summaries[index].valid += intake.valid
            summaries[index].invalid += intake.invalid
            summaries[index].skipped += intake.skipped
            summaries[index].incomplete += intake.incomplete
        }
        let range = from.description...to.description
        for publication in rows.publications where mine(publication.pipeline) && range.contains(publication.plannedOn) {
            guard let index = summaries.firstIndex(where: { $0.pipeline == publication.pipeline }) else { continue }
            switch publication.status {
            case .published: summaries[index].published += 1
            case .pending: summaries[index].pending += 1
            case .rejected: summaries[index].rejected += 1
            case .withdrawn: summaries[index].withdrawn += 1
            case .failed: break
            }
        }

        // Each record on each portal feed, decided in the period, against its deadline.
        let lines = deadlineLines(rows.publications.filter { mine($0.pipeline) }, range: range, name: name)

        // Rates per department and month.
        var rates: [MonthlyRates] = []
        for department in departments {
            for month in Self.months(from: from, to: to) {
                let intake = rows.intake.filter { $0.pipeline == department.pipeline && $0.month == month }
                let checked = intake.reduce(0) { $0 + $1.valid + $1.invalid }
                let valid = intake.reduce(0) { $0 + $1.valid }
                let incomplete = intake.reduce(0) { $0 + $1.incomplete }
                let due = lines.filter {
                    $0.pipeline == department.pipeline && $0.line.decisionDate?.hasPrefix(month) == true
                        && [.onTime, .late, .overdue].contains($0.line.state)
                }
                rates.append(
                    MonthlyRates(
                        department: department.department, month: month, compliance: Ratio(valid, of: checked),
                        timeliness: Ratio(due.filter { $0.line.state == .onTime }.count, of: due.count),
                        completeness: Ratio(checked - incomplete, of: checked)))
            }
        }

        let order: [DeadlineLine.State] = [.overdue, .dueSoon, .late]
        let shown = lines.map(\.line).filter { order.contains($0.state) }
            .sorted { (order.firstIndex(of: $0.state)!, $0.dueOn ?? "", $0.decisionNumber) < (order.firstIndex(of: $1.state)!, $1.dueOn ?? "", $1.decisionNumber) }
            .prefix(ReportLimits.deadlines)
        var deadlineCounts = Dictionary(uniqueKeysWithValues: DeadlineLine.State.allCases.map { ($0.rawValue, 0) })
        for line in lines { deadlineCounts[line.line.state.rawValue, default: 0] += 1 }
        return CreditReport(
            title: title, from: from.description, to: to.description, today: today.description, departments: summaries,
            rates: rates,
            problems: rows.problems.filter { mine($0.pipeline) }.map { problem in
                ProblemLine(
                    department: name(problem.pipeline), file: problem.file, row: problem.row, line: problem.line, field: problem.field,
                    type: problem.type, value: problem.value, message: problem.message)
            },
            problemsTotal: rows.problemsTotal,
            portalRejections: rows.publications.filter { mine($0.pipeline) && $0.status == .rejected }.map { publication in
                RejectionLine(
                    department: name(publication.pipeline), portal: publication.portal, feed: publication.feed,
                    decisionNumber: Withdrawer.decisionNumber(publication.key), batch: publication.batchID, position: publication.position,
                    reason: publication.rejectionReason ?? "")
            },
            deadlines: Array(shown), deadlineCounts: deadlineCounts,
            withdrawals: rows.withdrawals.filter { mine($0.pipeline) }.map { withdrawal in
                WithdrawalLine(
                    department: name(withdrawal.pipeline), portal: withdrawal.portal, feed: withdrawal.feed,
                    decisionNumber: Withdrawer.decisionNumber(withdrawal.key), reason: withdrawal.reason, note: withdrawal.basis,
                    requestedOn: withdrawal.requestedOn, status: withdrawal.status)
            },
            repairEligible: eligible.compactMap { entry in
                guard let department = departments.first(where: { $0.schemaID == entry.publication.kind }) else { return nil }
                return PeriodLine(
                    department: department.department, portal: entry.publication.portal,
                    decisionNumber: Withdrawer.decisionNumber(entry.publication.key), subjectName: entry.publication.subjectName,
                    decisionDate: entry.publication.decisionDate, severity: entry.severity, regime: entry.regime,
                    repairFrom: entry.repairFrom, expiresOn: entry.expiresOn)
            })
    }

    /// One line per record and portal feed decided in the period (its first publication: the
    /// earliest deadline, the earliest day a portal took it), and per record still waiting.
    private func deadlineLines(
        _ publications: [PublicationRow], range: ClosedRange<String>, name: (String?) -> String
    ) -> [(pipeline: String?, line: DeadlineLine)] {
        struct First {
            var row: PublicationRow
            var due: String?
            var published: String?
        }
        var firsts: [String: First] = [:]
        var order: [String] = []
        for row in publications where row.operation == "publish" {
            let id = "\(row.portal)\u{1F}\(row.feed)\u{1F}\(row.key)"
            let published = row.status == .published || row.status == .withdrawn ? row.publishedOn : nil
            if var first = firsts[id] {
                first.due = [first.due, row.dueOn].compactMap { $0 }.min()
                first.published = [first.published, published].compactMap { $0 }.min()
                firsts[id] = first
            } else {
                firsts[id] = First(row: row, due: row.dueOn, published: published)
                order.append(id)
            }
        }
        var lines: [(pipeline: String?, line: DeadlineLine)] = []
        for id in order {
            guard let first = firsts[id] else { continue }
            let decided = first.row.decisionDate.map(range.contains) ?? false
            let status = DisclosureStatus.of(
                due: first.due.flatMap { try? CalendarDate.parse($0) }, published: first.published.flatMap { try? CalendarDate.parse($0) },
                today: today, calendar: calendar)
            let state: DeadlineLine.State
            switch status {
            case .onTime: state = .onTime
            case .late: state = .late
            case .overdue: state = .overdue
            case .dueIn(let days): state = days <= 1 ? .dueSoon : .notYetDue
            case .unknown: continue
            }
            // Records decided earlier count only while they still wait.
            guard decided || [.overdue, .dueSoon].contains(state) else { continue }
            lines.append(
                (first.row.pipeline,
                 DeadlineLine(
                    department: name(first.row.pipeline), portal: first.row.portal, feed: first.row.feed,
                    decisionNumber: Withdrawer.decisionNumber(first.row.key), decisionDate: first.row.decisionDate, dueOn: first.due,
                    publishedOn: first.published, state: state)))
        }
        return lines
    }

    /// The months `YYYY-MM` from `from` to `to`.
    static func months(from: CalendarDate, to: CalendarDate) -> [String] {
        var months: [String] = []
        var year = from.year
        var month = from.month
        while (year, month) <= (to.year, to.month) {
            months.append(String(format: "%04d-%02d", year, month))
            month += 1
            if month > 12 {
                month = 1
                year += 1
            }
        }
        return months
    }
}
