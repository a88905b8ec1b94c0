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
    /// Working days per portal (a portal not listed: the law's 7): a decision whose due date the
    /// register lacks (the calendar could not reach it when it was recorded) is reckoned from its
    /// decision date on ``calendar``, as the run and `ledger status` reckon it.
    let workingDays: [String: Int]

    /// Regime titles by id (发改办财金〔2019〕527号), for the 信用修复 lines; the data lives in
    /// `schemas/periods/`, which the caller loads.
    let regimeTitles: [String: String]

    public init(
        departments: [Department], calendar: WorkingDayCalendar, today: CalendarDate, regimeTitles: [String: String] = [:],
        workingDays: [String: Int] = [:]
    ) {
        self.departments = departments
        self.workingDays = workingDays
        self.regimeTitles = regimeTitles
        self.calendar = calendar
        self.today = today
    }

    /// - Parameters:
    ///   - each: sees every row of the departments' registers as it is read, with its state today
    ///     (`DeadlineState.of`, worked out once a row): a run counts its own tally in the same pass
    ///     instead of reading the register twice.
    ///   - eligible: the records that may apply for 信用修复 today (at most ``ReportLimits/lines``)
    ///     and how many there are, when the caller has just asked the ledger (a run, for its own
    ///     kind): each question reads every published record, 0.55 s for 200,000.
    public func build(
        ledger: any ReportLedger & WithdrawalLedger & DecisionLedger, from: CalendarDate, to: CalendarDate, title: String,
        eligible given: (entries: [PeriodEntry], total: Int)? = nil,
        each: (DecisionDeadline, _ reckoned: (DeadlineState, workingDays: Int?)) -> Void = { _, _ in }
    ) throws(LedgerError) -> CreditReport {
        let limit = ReportLimits.lines
        let known = Set(departments.map(\.pipeline))
        // Counted and listed for this report's pipelines only: on a ledger other departments share,
        // their problems are neither in its totals nor crowding its lists past their limit.
        let rows = try ledger.reportRows(from: from.description, to: to.description, limit: limit, pipelines: known)
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
            summaries[index].unidentifiable += intake.unidentifiable
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

        // Each decision on each portal against its deadline (the register, one row at a time):
        // every state counted, the urgent ones listed up to the limit; the three figures per
        // department and decision month, with the same tally as the run and `ledger status`.
        // Counted and listed by the state's `ordinal`, and the months by department and month
        // (per row of the register, a dictionary hashed the state and a key string was built).
        let states = DeadlineState.allCases.map(DeadlineLine.State.init)  // in `ordinal` order
        var counts = [Int](repeating: 0, count: states.count)
        var listed = [[DeadlineLine]](repeating: [], count: states.count)
        var monthly: [MonthKey: DeadlineTally] = [:]
        // Revoked decisions a portal still shows: past the day they had to come down by, and not yet
        // (counted on top of the states, as `ledger status` and the run count them; the overdue listed).
        var withdrawalsOverdue = 0
        var withdrawalsDue = 0
        var withdrawalLines: [DeadlineLine] = []
        let (firstMonth, lastMonth) = (String(from.description.prefix(7)), String(to.description.prefix(7)))
        var lastDecision: (pipeline: String, number: String)?  // rows come decision by decision, one per portal
        for (departmentIndex, department) in departments.enumerated() {
            let summaryIndex = summaries.firstIndex { $0.pipeline == department.pipeline }
            try ledger.forEachDecision(scope: DecisionScope(kind: department.schemaID, pipeline: department.pipeline)) { read in
                // The due date the calendar given reaches, when the register lacks it (no run since
                // the year's calendar was added): the report does not wait for a run to fill it.
                let days = workingDays[read.portal] ?? DeadlineState.lawsWorkingDays
                let row = read.dueOn == nil ? read.completed(calendar: calendar, workingDays: days) : read
                let reckoned = DeadlineState.of(row, today: today, calendar: calendar, workingDays: days)
                each(row, reckoned)
                let deadline = reckoned.0
                let decided = row.decisionDate.flatMap { try? CalendarDate.parse($0) }
                let inPeriod = decided.map { $0 >= from && $0 <= to } ?? (row.receivedOn >= from.description && row.receivedOn <= to.description)
                // Decisions of earlier months count only while they still wait; those decided after
                // the period, not at all (a report of September does not list October's).
                let later = decided.map { $0 > to } ?? (row.receivedOn > to.description)
                if !later, let overdue = DeadlineTally.revokedStillShown(row, today: today) {
                    if overdue {
                        withdrawalsOverdue += 1
                        if withdrawalLines.count < limit {
                            var line = DeadlineLine(
                                department: department.department, portal: row.portal, feed: "", decisionNumber: row.number,
                                decisionDate: row.decisionDate, dueOn: row.withdrawDueOn, publishedOn: row.publishedOn, state: .withdrawalOverdue)
                            line.reason = "撤销于 \(row.revokedOn ?? "")，应于 \(row.withdrawDueOn ?? "") 前撤下，门户仍在公示"
                            withdrawalLines.append(line)
                        }
                    } else {
                        withdrawalsDue += 1
                    }
                }
                guard !later, inPeriod || deadline == .overdue || deadline == .dueSoon || deadline == .calendarEnded else { return }
                let state = states[deadline.ordinal]
                counts[deadline.ordinal] += 1
                if inPeriod {
                    if lastDecision.map({ $0.pipeline != department.pipeline || !$0.number.sameBytes(row.number) }) ?? true,
                        let index = summaryIndex
                    {
                        summaries[index].decisions += 1
                        lastDecision = (department.pipeline, row.number)
                    }
                    let month = String((row.decisionDate ?? row.receivedOn).prefix(7))
                    if month >= firstMonth && month <= lastMonth {
                        monthly[MonthKey(department: departmentIndex, month: month), default: DeadlineTally(limit: 0)]
                            .add(row, reckoned: reckoned, today: today)
                    }
                }
                let listable = switch state {
                case .overdue, .dueSoon, .late, .calendarEnded, .notToPublish: true
                case .notYetDue, .onTime, .noDeadline, .withdrawalOverdue, .withdrawalDue: false
                }
                if listable, listed[deadline.ordinal].count < limit {
                    var line = DeadlineLine(
                        department: department.department, portal: row.portal, feed: "", decisionNumber: row.number,
                        decisionDate: row.decisionDate, dueOn: row.dueOn, publishedOn: row.publishedOn, state: state)
                    if state == .notToPublish { line.reason = row.exclusion ?? (row.revokedOn != nil ? "已撤销" : "已撤下") }
                    if row.dueOn == nil, case .beyondCoverage(let after, let remaining)? = row.reach(calendar: calendar, workingDays: days) {
                        line.reason = "截止日为 \(after) 之后的第 \(remaining) 个工作日（节假日日历只覆盖到 \(calendar.coverage.upperBound)）"
                    }
                    listed[deadline.ordinal].append(line)
                }
            }
        }
        let deadlines = Array(
            (withdrawalLines + ([.overdue, .calendarEnded, .dueSoon, .late, .notToPublish] as [DeadlineState]).flatMap { listed[$0.ordinal] })
                .prefix(limit))
        var deadlineCounts = Dictionary(uniqueKeysWithValues: zip(states, counts).map { ($0.rawValue, $1) })
        deadlineCounts[DeadlineLine.State.withdrawalOverdue.rawValue] = withdrawalsOverdue
        deadlineCounts[DeadlineLine.State.withdrawalDue.rawValue] = withdrawalsDue

        // Every month of a short period (an empty month shows as such); of a long one (0001–9999),
        // only the months that had decisions, so the report grows with the data, not the dates.
        let span = (to.year - from.year) * 12 + to.month - from.month + 1
        let periodMonths = span <= 36 ? Self.months(from: from, to: to) : []
        var rates: [MonthlyRates] = []
        for (departmentIndex, department) in departments.enumerated() {
            let withData = span <= 36 ? periodMonths : monthly.keys.filter { $0.department == departmentIndex }.map(\.month).sorted()
            for month in withData {
                let tally = monthly[MonthKey(department: departmentIndex, month: month)] ?? DeadlineTally(limit: 0)
                rates.append(
                    MonthlyRates(
                        department: department.department, month: month, compliance: Ratio(tally.compliance),
                        timeliness: Ratio(tally.timeliness), completeness: Ratio(tally.completeness)))
            }
        }

        var eligible = Array(given?.entries.prefix(limit) ?? [])
        var eligibleTotal = given?.total ?? 0
        for kind in Set(departments.map(\.schemaID)).sorted() where given == nil {
            let periods = try ledger.periodsToday(today: today.description, kind: kind, limit: limit - eligible.count)
            eligible += periods.eligible
            eligibleTotal += periods.eligibleTotal
        }
        return CreditReport(
            title: title, from: from.description, to: to.description, today: today.description, departments: summaries,
            rates: rates,
            problems: rows.problems.filter { mine($0.pipeline) }.map { problem in
                ProblemLine(
                    department: name(problem.pipeline), file: problem.file, row: problem.row, line: problem.line, field: problem.field,
                    type: problem.type, value: problem.value.map(Issue.screened), message: problem.message)
            },
            problemsTotal: rows.problemsTotal,
            portalRejections: rows.rejections.filter { mine($0.pipeline) }.map { publication in
                RejectionLine(
                    department: name(publication.pipeline), portal: publication.portal, feed: publication.feed,
                    decisionNumber: DecisionKey.number(publication.key), batch: publication.batchID, position: publication.position,
                    reason: publication.rejectionReason ?? "")
            },
            deadlines: deadlines, deadlineCounts: deadlineCounts,
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

    /// A month of a department's decisions (its place in `departments`).
    struct MonthKey: Hashable {
        let department: Int
        let month: String
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
