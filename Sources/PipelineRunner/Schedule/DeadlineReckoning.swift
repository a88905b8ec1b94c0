public import DisclosureCore
import PipelineConfig
public import WorkingDayCalendar

/// Every decision in a scope against its deadline today: due dates the calendar can now reach
/// are filled in first (a year's calendar added since), then each decision × portal is counted
/// (``DeadlineTally``). One reckoning for the run, `ledger status` and the reports.
public struct DeadlineReckoning: Sendable {
    public let calendar: WorkingDayCalendar
    public let today: CalendarDate
    /// Working days per portal; a portal not listed gets the law's 7.
    public let workingDays: [String: Int]
    public static let lawsWorkingDays = DeadlineState.lawsWorkingDays

    public init(calendar: WorkingDayCalendar, today: CalendarDate, workingDays: [String: Int]) {
        self.calendar = calendar
        self.today = today
        self.workingDays = workingDays
    }

    public init(context: PipelineContext, today: CalendarDate) {
        var days: [String: Int] = [:]
        for (profile, _) in context.portals { days[profile.id] = profile.deadlineWorkingDays ?? Self.lawsWorkingDays }
        self.init(calendar: context.calendar, today: today, workingDays: days)
    }

    /// With the bundled portals' deadlines (for questions asked of the ledger alone).
    public static func bundled(calendar: WorkingDayCalendar, today: CalendarDate) -> DeadlineReckoning {
        let schemas = SchemaCatalog.bundledDocuments.compactMap { try? SchemaLoader.load($0).get() }
        var days: [String: Int] = [:]
        for document in PortalProfileLoader.bundledDocuments {
            if let profile = try? PortalProfileLoader.load(document, schemas: schemas).get() {
                days[profile.id] = profile.deadlineWorkingDays ?? lawsWorkingDays
            }
        }
        return DeadlineReckoning(calendar: calendar, today: today, workingDays: days)
    }

    /// The due date of a decision date on a portal, when the calendar reaches it.
    public func due(_ decisionDate: String, portal: String) -> String? {
        guard let date = try? CalendarDate.parse(decisionDate) else { return nil }
        return (try? calendar.deadline(after: date, workingDays: workingDays[portal] ?? Self.lawsWorkingDays))?.description
    }

    /// Fills the missing due dates it can (a write: only with a writable ledger), then counts.
    public func tally(_ ledger: any DecisionLedger, scope: DecisionScope, fill: Bool = true, limit: Int = 1000) throws(CommandFailure)
        -> DeadlineTally
    {
        if fill { try fillDueDates(ledger, scope: scope) }
        var tally = DeadlineTally(limit: limit)
        try CommandFailure.ledger { () throws(LedgerError) in
            try ledger.forEachDecision(scope: scope) { row in count(row, into: &tally) }
        }
        return tally
    }

    /// Writes the due dates the register lacks and the calendar now reaches.
    public func fillDueDates(_ ledger: any DecisionLedger, scope: DecisionScope) throws(CommandFailure) {
        _ = try CommandFailure.ledger { () throws(LedgerError) in try ledger.fillDueDates(scope: scope) { due($0, portal: $1) } }
    }

    /// The portal's N.
    public func workingDays(on portal: String) -> Int { workingDays[portal] ?? Self.lawsWorkingDays }

    /// Counts one row of the register: a row without a due date that the calendar reaches is
    /// counted with it (a reader that cannot write the date counts with it all the same); one the
    /// count runs past the calendar's coverage, by how far it reaches (``DeadlineState/of(_:today:calendar:workingDays:)``).
    public func count(_ read: DecisionDeadline, into tally: inout DeadlineTally) {
        tally.add(read, today: today, calendar: calendar, workingDays: workingDays(on: read.portal))
    }

    /// Where one row of the register stands today (its due date computed when the register lacks it).
    public func state(of read: DecisionDeadline) -> DeadlineState {
        DeadlineState.of(read, today: today, calendar: calendar, workingDays: workingDays(on: read.portal)).0
    }

    /// The row with the due date the calendar gives, when the register has none.
    public func completed(_ read: DecisionDeadline) -> DecisionDeadline {
        read.completed(calendar: calendar, workingDays: workingDays(on: read.portal))
    }

    /// What to say when deadlines cannot be counted because the calendar ends too soon.
    public static func calendarEndedMessage(count: Int, decisions: [String], calendar: WorkingDayCalendar) -> String {
        let end = calendar.coverage.upperBound
        let named = decisions.prefix(20).joined(separator: "、")
        let more = count > 20 ? " 等" : ""
        return "错误 [calendar-ended] 节假日日历只覆盖到 \(end)，无法判断 \(count) 个决定（按门户计）是否逾期：\(named)\(more)；"
            + CommandFailure.addYearHint((end.year + 1)...(end.year + 1))
    }
}
