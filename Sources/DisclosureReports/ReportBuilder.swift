public import DisclosureCore
public import WorkingDayCalendar

/// Builds the credit office's report from the ledger: sums and capped lists come from SQL
/// (``Ledger/reportRows(from:to:limit:)``); each record's first publication is streamed
/// (``Ledger/forEachFirstPublication(from:to:_:)``) and its deadline state worked out here — the
/// arithmetic in one place, so the JSON and the HTML carry the same figures, and memory does not
/// grow with the ledger.
public struct ReportBuilder {
    /// A department's pipeline, as the report names it.
    public struct Department: Sendable {
        public let pipeline: String
        public let department: String
        /// The record kind's Chinese title (行政处罚).
        public let kind: String
        /// The schema id of its records (for period lines, which the ledger keeps by kind).
        public let schemaID: String

        public init(pipeline: String, department: String, kind: String, schemaID: String) {
            self.pipeline = pipeline
            self.department = department
            self.kind = kind
            self.schemaID = schemaID
        }
    }

    let departments: [Department]
    let calendar: WorkingDayCalendar
    let today: CalendarDate

    /// Regime titles by id (发改办财金〔2019〕527号), for the 信用修复 lines; the data lives in
    /// `schemas/periods/`, which the caller loads.
    let regimeTitles: [String: String]

    public init(departments: [Department], calendar: WorkingDayCalendar, today: CalendarDate, regimeTitles: [String: String] = [:]) {
        self.departments = departments
        self.regimeTitles = regimeTitles
        self.calendar = calendar
        self.today = today
    }

    /// Timeliness counts of one department and decision month.
    private struct Timeliness {
        var onTime = 0
        var due = 0
    }

    public func build(
        ledger: any ReportLedger & WithdrawalLedger, from: CalendarDate, to: CalendarDate, title: String
    ) throws(LedgerError) -> CreditReport {
        let limit = ReportLimits.lines
        let rows = try ledger.reportRows(from: from.description, to: to.description, limit: limit)
        let known = Set(departments.map(\.pipeline))
        func mine(_ pipeline: String?) -> Bool { pipeline.map(known.contains) ?? false }
        func name(_ pipeline: String?) -> String {
            departments.first { $0.pipeline == pipeline }?.department ?? pipeline ?? "（未知）"
        }

        // What came in, and the states of what was planned in the period.
        var summaries = departments.map { DepartmentSummary(department: $0.department, pipeline: $0.pipeline, kind: $0.kind) }
        for intake in rows.intake {
            guard let index = summaries.firstIndex(where: { $0.pipeline == intake.pipeline }) else { continue }
            summaries[index].files += intake.files
            summaries[index].failedFiles += intake.failedFiles
            summaries[index].records += intake.records
            summaries[index].valid += intake.valid
            summaries[index].invalid += intake.invalid
            summaries[index].skipped += intake.skipped
            summaries[index].incomplete += intake.incomplete
        }
        for state in rows.states {
            guard let index = summaries.firstIndex(where: { $0.pipeline == state.pipeline }) else { continue }
            switch state.status {
            case .published: summaries[index].published += state.count
            case .pending: summaries[index].pending += state.count
            case .rejected: summaries[index].rejected += state.count
            case .withdrawn: summaries[index].withdrawn += state.count
            case .failed: break
            }
        }

        // Each record on each portal feed against its deadline, one at a time, oldest deadline
        // first: every state counted, the urgent ones listed up to the limit.
        var counts = Dictionary(uniqueKeysWithValues: DeadlineLine.State.allCases.map { ($0.rawValue, 0) })
        var listed: [DeadlineLine.State: [DeadlineLine]] = [:]
        var timeliness: [String: Timeliness] = [:]
        try ledger.forEachFirstPublication(from: from.description, to: to.description) { first in
            guard mine(first.pipeline), let state = state(first) else { return }
            // Records decided earlier count only while they still wait.
            guard first.decidedInPeriod || state == .overdue || state == .dueSoon else { return }
            counts[state.rawValue, default: 0] += 1
            if first.decidedInPeriod, [.onTime, .late, .overdue].contains(state), let decided = first.decisionDate {
                let key = "\(first.pipeline ?? "")\u{1F}\(decided.prefix(7))"
                timeliness[key, default: Timeliness()].due += 1
                if state == .onTime { timeliness[key, default: Timeliness()].onTime += 1 }
            }
            if [.overdue, .dueSoon, .late].contains(state), listed[state, default: []].count < limit {
                listed[state, default: []].append(
                    DeadlineLine(
                        department: name(first.pipeline), portal: first.portal, feed: first.feed,
                        decisionNumber: DecisionKey.number(first.key), decisionDate: first.decisionDate, dueOn: first.dueOn,
                        publishedOn: first.publishedOn, state: state))
            }
        }
        let deadlines = Array(([.overdue, .dueSoon, .late] as [DeadlineLine.State]).flatMap { listed[$0] ?? [] }.prefix(limit))

        // Rates per department and month.
        var rates: [MonthlyRates] = []
        for department in departments {
            for month in Self.months(from: from, to: to) {
                let intake = rows.intake.filter { $0.pipeline == department.pipeline && $0.month == month }
                let checked = intake.reduce(0) { $0 + $1.valid + $1.invalid }
                let valid = intake.reduce(0) { $0 + $1.valid }
                let incomplete = intake.reduce(0) { $0 + $1.incomplete }
                let timely = timeliness["\(department.pipeline)\u{1F}\(month)"] ?? Timeliness()
                rates.append(
                    MonthlyRates(
                        department: department.department, month: month, compliance: Ratio(valid, of: checked),
                        timeliness: Ratio(timely.onTime, of: timely.due), completeness: Ratio(checked - incomplete, of: checked)))
            }
        }

        var eligible: [PeriodEntry] = []
        var eligibleTotal = 0
        for kind in Set(departments.map(\.schemaID)).sorted() {
            eligible += try ledger.repairEligible(today: today.description, kind: kind, limit: limit - eligible.count)
            eligibleTotal += try ledger.repairEligibleCount(today: today.description, kind: kind)
        }
        return CreditReport(
            title: title, from: from.description, to: to.description, today: today.description, departments: summaries,
            rates: rates,
            problems: rows.problems.filter { mine($0.pipeline) }.map { problem in
                ProblemLine(
                    department: name(problem.pipeline), file: problem.file, row: problem.row, line: problem.line, field: problem.field,
                    type: problem.type, value: problem.value, message: problem.message)
            },
            problemsTotal: rows.problemsTotal,
            portalRejections: rows.rejections.filter { mine($0.pipeline) }.map { publication in
                RejectionLine(
                    department: name(publication.pipeline), portal: publication.portal, feed: publication.feed,
                    decisionNumber: DecisionKey.number(publication.key), batch: publication.batchID, position: publication.position,
                    reason: publication.rejectionReason ?? "")
            },
            deadlines: deadlines, deadlineCounts: counts,
            withdrawals: rows.withdrawals.filter { mine($0.pipeline) }.map { withdrawal in
                WithdrawalLine(
                    department: name(withdrawal.pipeline), portal: withdrawal.portal, feed: withdrawal.feed,
                    decisionNumber: DecisionKey.number(withdrawal.key), reason: withdrawal.reason, note: withdrawal.basis,
                    requestedOn: withdrawal.requestedOn, status: withdrawal.status)
            },
            repairEligible: eligible.compactMap { entry in
                guard let department = departments.first(where: { $0.schemaID == entry.publication.kind }) else { return nil }
                return PeriodLine(
                    department: department.department, portal: entry.publication.portal,
                    decisionNumber: DecisionKey.number(entry.publication.key), subjectName: entry.publication.subjectName,
                    decisionDate: entry.publication.decisionDate, severity: entry.severity,
                    regime: entry.regime.flatMap { regimeTitles[$0] } ?? entry.regime,
                    repairFrom: entry.repairFrom, expiresOn: entry.expiresOn)
            },
            totals: (rows.rejectionsTotal, rows.withdrawalsTotal, eligibleTotal))
    }

    /// A first publication's deadline state as of today; nil when it has no deadline.
    private func state(_ first: FirstPublication) -> DeadlineLine.State? {
        let status = DisclosureStatus.of(
            due: first.dueOn.flatMap { try? CalendarDate.parse($0) }, published: first.publishedOn.flatMap { try? CalendarDate.parse($0) },
            today: today, calendar: calendar)
        switch status {
        case .onTime: return .onTime
        case .late: return .late
        case .overdue: return .overdue
        case .dueIn(let days): return days <= 1 ? .dueSoon : .notYetDue
        case .unknown: return nil
        }
    }

    /// The months `YYYY-MM` from `from` to `to`.
    static func months(from: CalendarDate, to: CalendarDate) -> [String] {
        var months: [String] = []
        var year = from.year
        var month = from.month
        while (year, month) <= (to.year, to.month) {
            months.append(String(year) + (month < 10 ? "-0" : "-") + String(month))
            month += 1
            if month > 12 {
                month = 1
                year += 1
            }
        }
        return months
    }
}
