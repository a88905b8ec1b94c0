public import DisclosureCore
import PipelineConfig
public import WorkingDayCalendar

/// `gongshi withdraw`: a clerk takes one record (by its key or decision number) down from every
/// portal of the pipeline that published it. Withdrawals already asked for are settled first (a
/// file left staged by a crash is delivered; a receipt saved beside one is recorded), then the
/// new ones are sent.
public struct RecordWithdrawal {
    let context: PipelineContext
    let ledger: any PublicationLedger
    let today: CalendarDate
    let channels: ChannelFactory
    let transcript: Transcript
    let channelOverride: [String: any PortalChannel]

    public init(
        context: PipelineContext, ledger: any PublicationLedger, today: CalendarDate, channels: ChannelFactory, transcript: Transcript,
        channelOverride: [String: any PortalChannel] = [:]
    ) {
        self.context = context
        self.ledger = ledger
        self.today = today
        self.channels = channels
        self.transcript = transcript
        self.channelOverride = channelOverride
    }

    public enum Outcome: Sendable, Equatable {
        /// Withdrawals recorded (and sent, or staged for the clerk), under a run of their own; the
        /// uploads' exit status.
        case sent(status: Int32)
        /// Nothing live: the record was withdrawn already.
        case alreadyWithdrawn
        /// Nothing recorded: the record's withdrawal was asked for already and waits for its portal
        /// (or another clerk's, at the same time, was recorded first) — or, for 撤销 of a decision
        /// no portal has confirmed, the revocation was recorded already. Withdrawals pending from
        /// before were settled; their uploads' exit status.
        case alreadyRequested(status: Int32)
        /// Nothing published on the pipeline's portals under that key (or no such key): nothing recorded.
        case notPublished
        /// 撤销 of a decision no portal has confirmed yet: the revocation is recorded (it is not
        /// published from now on; a batch confirmed later is taken down by the nightly run).
        case revocationRecorded
        /// 信用修复 refused: the minimum period has not passed, or the information cannot be repaired
        /// (the rule cited). Nothing was sent.
        case refused(String)
    }

    /// A 信用修复: the repair decision (its number and date, recorded with the withdrawal), and,
    /// to take the record down although the rules refuse it, the reason (recorded too).
    public struct Repair: Sendable {
        public var decision: String?
        public var decidedOn: CalendarDate?
        public var forcedBecause: String?

        public init(decision: String? = nil, decidedOn: CalendarDate? = nil, forcedBecause: String? = nil) {
            self.decision = decision
            self.decidedOn = decidedOn
            self.forcedBecause = forcedBecause
        }

        /// What the withdrawal records beside the clerk's note.
        func note(_ note: String?) -> String? {
            var parts = [note].compactMap { $0 }
            if let decision { parts.append("信用修复决定 \(decision)" + (decidedOn.map { "（\($0)）" } ?? "")) }
            if let forcedBecause { parts.append("强制撤下：\(forcedBecause)") }
            return parts.isEmpty ? nil : parts.joined(separator: "；")
        }
    }

    /// Working days to take a revoked decision down when the kind's periods file says nothing: the
    /// same local rule the penalties' file cites (`schemas/periods/administrative-penalty.v1.yaml`,
    /// `revocation_source`).
    static let defaultRevocationWorkingDays = 5

    /// The withdrawal is recorded in the ledger as a run (`command`, by default `withdraw KEY
    /// REASON`; `department`, by default the pipeline's) — written with its first batch, in that
    /// batch's transaction, and only if that batch's records were still live then: a withdrawal
    /// that is refused, finds them withdrawn or asked for already, or fails before recording
    /// anything leaves no run; of two clerks asking at once, one records (``Outcome/sent(status:)``),
    /// the other is told ``Outcome/alreadyRequested(status:)``.
    ///
    /// - Parameter revokedOn: for 撤销, the day the decision was revoked (default today): the
    ///   withdrawal is due within the configured working days of it, and tracked until done.
    public func execute(
        record: String, reason: Withdrawer.Reason, note: String?, revokedOn: CalendarDate? = nil, repair: Repair = Repair(),
        command: String? = nil, department: String? = nil
    ) throws -> Outcome {
        // The 文号 as intake reads it (a clerk types it as the paper decision writes it): trimmed,
        // its full-width digits and letters half-width (`normalized-width`); the name as written.
        // Except a 文号 with full-width digits or letters that this pipeline's register holds as
        // written: a decision recorded before intake made them half-width, whose publication
        // stays under its old key beside the new one — the clerk takes it down by that key
        // (forty-ninth session; before, it was read as the new key, which it could never reach).
        let record: String = try {
            let parts = record.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
            let written = TextNormalizer.trim(String(parts.first ?? ""))
            var number = TextNormalizer.halfWidthAlphanumerics(written)
            if number != written {
                var old = DecisionScope(kind: context.schema.id, pipeline: context.pipeline.id)
                old.number = written
                var held = false
                try CommandFailure.ledger { () throws(LedgerError) in try ledger.forEachDecision(scope: old) { _ in held = true } }
                if held { number = written }
            }
            return parts.count > 1 ? number + "|" + parts[1] : number
        }()
        // A day to come is a typing error: a revocation dated later hid its overdue withdrawal,
        // and a 信用修复 decision cannot have been made yet.
        for (name, day) in [("撤销日期", revokedOn), ("信用修复决定日期", repair.decidedOn)] {
            if let day, day > today {
                throw CommandFailure(status: ExitStatus.usage, code: "date-in-future", message: "\(name) \(day) 晚于今天（\(today)）：请填写已经发生的日期")
            }
        }
        // Only a decision this pipeline's register holds, of its kind: on a ledger several
        // departments share, another department's record of the same number on the same portal
        // is not this pipeline's to take down (nor to mark revoked).
        var scope = DecisionScope(kind: context.schema.id, pipeline: context.pipeline.id)
        scope.number = DecisionKey.number(record)
        var registered = false
        try CommandFailure.ledger { () throws(LedgerError) in try ledger.forEachDecision(scope: scope) { _ in registered = true } }
        let number = DecisionKey.number(record)
        guard registered else {
            transcript.error("错误 [not-registered] 台账中没有本流水线的决定“\(OneLine.value(number))”：请核对文号；未做任何记录")
            return .notPublished
        }
        let portals = Set(context.portals.map(\.profile.id))
        let kind = context.schema.id
        // Of the publications under that number, only those this pipeline's runs published: another
        // department may have a decision of the same 文号 on the same portal.
        let own = try Uploader.own(ledger, pipeline: context.pipeline.id)
        let entries = try CommandFailure.ledger { () throws(LedgerError) in try ledger.history(key: record) }
            .filter { portals.contains($0.portal) && $0.kind == kind && own.contains($0.batchID) }
        // A key (文号|名称) names one record: a name that none of the decision's publications bear
        // (a typing error) takes nothing down and records nothing — not even the decision's
        // revocation, which the nightly run would then carry out on the decision's lawful records.
        // (The number alone names the whole decision.)
        if number != record, entries.isEmpty {
            transcript.error(
                "错误 [record-not-found] 决定“\(OneLine.value(number))”已登记，但台账中没有记录“\(OneLine.value(DecisionKey.shown(record)))”的公示：请核对相对人名称，"
                    + "或只写文号（撤下该决定的全部记录）；未做任何记录")
            return .notPublished
        }
        var revokedBefore = false
        if reason == .revoked {
            let kind = context.schema.id
            let pipeline = context.pipeline.id
            revokedBefore = try CommandFailure.ledger { () throws(LedgerError) in
                try ledger.revokedDecisions(kind: kind, pipeline: pipeline)[number] != nil
            }
            try recordRevocation(number: number, on: revokedOn ?? today)
        }
        let command = command ?? "withdraw \(OneLine.value(DecisionKey.shown(record))) \(reason.rawValue)"
        let department = department ?? context.pipeline.department
        let live = entries.filter { $0.status == .published && ($0.withdrawalStatus == nil || $0.withdrawalStatus == "failed") }
        let waiting = entries.filter { $0.status == .published && $0.withdrawalStatus == "pending" }
        for entry in entries where entry.status == .pending {
            transcript.warning(
                "警告 [withdraw-pending-publication] \(entry.portal)/\(entry.feed) \(DecisionKey.number(entry.key)) 还在待确认的批次 \(entry.batchID) 中："
                    + "不要再上传该文件；若门户已收到，确认后再运行一次 withdraw")
        }
        for entry in waiting {
            transcript.line("撤下已提交、待门户确认：\(entry.portal)/\(entry.feed) \(DecisionKey.number(entry.key))")
        }
        if live.isEmpty && waiting.isEmpty {
            if entries.contains(where: { $0.status == .withdrawn }) {
                transcript.line("“\(OneLine.value(DecisionKey.shown(record)))”已撤下，无需再撤")
                return .alreadyWithdrawn
            }
            if reason == .revoked {
                // Recorded above: a decision revoked before any portal confirmed it is not published
                // from now on, and one whose batch is confirmed later is taken down by the nightly run.
                // (Its run under the pipeline's lock, which every writer of its withdrawals holds.)
                let staged = entries.contains { $0.status == .pending }
                if revokedBefore {
                    transcript.line("决定“\(OneLine.value(number))”的撤销早已记入台账，这次未做记录")
                    return .alreadyRequested(status: ExitStatus.ok)
                }
                let pipeline = context.pipeline.id
                let now = LedgerClock.now()
                try CommandFailure.ledger { () throws(LedgerError) in
                    let run = try ledger.beginRun(command: command, today: today.description, startedAt: now, pipeline: pipeline, department: department)
                    try ledger.finishRun(run, exitCode: ExitStatus.ok, finishedAt: now)
                }
                transcript.line(
                    "撤销已记入台账：决定“\(OneLine.value(number))”"
                        + (staged ? "还没有门户确认的公示；待确认的批次若被门户收到，确认后每晚的运行自动撤下" : "还没有公示，此后不再公示"))
                return .revocationRecorded
            }
            transcript.error(
                "错误 [not-published] 台账中没有“\(OneLine.value(DecisionKey.shown(record)))”在本流水线门户上已公示的记录"
                    + (entries.contains { $0.status == .pending } ? "（只在待确认的批次中）" : "") + "：未做任何记录")
            return .notPublished
        }
        if reason == .creditRepair, repair.forcedBecause == nil, let refusal = try refusal(live) {
            transcript.error(refusal)
            return .refused(refusal)
        }
        // The note goes into the withdrawal file a portal receives: what the law hides is hidden there too.
        // The record's own subject named in the note (a natural person's name) is hidden as well.
        let name = live.first.map { String($0.key.dropFirst(DecisionKey.number($0.key).count + 1)) }.flatMap { $0.count >= 2 ? $0 : nil }
        let note = (reason == .creditRepair ? repair.note(note) : note).map {
            OneLine.screened(PersonalDataScreen.screen($0, personName: name).text)
        }
        let run = WithdrawalRun(
            recording: ActionRecord(
                command: command, today: today.description, at: LedgerClock.now(), pipeline: context.pipeline.id, department: department))
        let status = try Withdrawer(
            context: context, ledger: ledger, run: run, today: today, channels: channels, transcript: transcript,
            channelOverride: channelOverride
        ).withdraw(live.map { ($0, note) }, reason: reason)
        guard let id = run.id else {
            transcript.line("“\(OneLine.value(DecisionKey.shown(record)))”的撤下已经提交过（待门户确认或已撤下），这次未做记录")
            return .alreadyRequested(status: status)
        }
        try CommandFailure.ledger { () throws(LedgerError) in try ledger.finishRun(id, exitCode: status, finishedAt: LedgerClock.now()) }
        return .sent(status: status)
    }

    /// Why 信用修复 may not take these down yet, citing the rule: the information cannot be repaired
    /// (its minimum period is its maximum), or the minimum period has not passed. Nil: it may.
    private func refusal(_ entries: [PublicationEntry]) throws(CommandFailure) -> String? {
        // 信用修复 ends the publication of 失信信息 (《信用修复管理办法》; domain reference §4.3, §4.5:
        // its periods apply to 失信信息 only): a kind without publication periods (行政许可) has
        // nothing to repair.
        guard let periods = PublicationPeriodsLoader.periods(forKind: context.schema.id) else {
            let number = entries.first.map { DecisionKey.number($0.key) } ?? ""
            return "错误 [repair-not-applicable] \(number)：信用修复只适用于失信信息，\(context.schema.title)信息不是失信信息；"
                + "决定被撤销用 --reason 撤销，信息有误用 --reason 更正（如有法定理由仍须以信用修复撤下，用 --force-reason 说明）"
        }
        // Each portal by its own rule: gsxt's period (总局令第45号) runs from the day it first
        // published the record, with its own minimum; the others' from the decision date.
        var titles: [String: String] = [:]
        for regime in periods.regimes { titles[regime.id] = regime.title }
        for portal in Set(entries.map(\.portal)) {
            for regime in PublicationPeriodsLoader.periods(forKind: context.schema.id, portal: portal)?.regimes ?? [] {
                titles[regime.id] = titles[regime.id] ?? regime.title
            }
        }
        let live = Set(entries.map { "\($0.batchID)#\($0.position)" })
        for key in Set(entries.map(\.key)).sorted() {
            let kind = context.schema.id
            let onPortals = try CommandFailure.ledger({ () throws(LedgerError) in try ledger.periods(kind: kind, key: key) })
                .filter { live.contains("\($0.publication.batchID)#\($0.publication.position)") }
                .sorted { ($0.publication.portal, $0.publication.feed) < ($1.publication.portal, $1.publication.feed) }
            let number = DecisionKey.number(key)
            for entry in onPortals {
                guard let repairFrom = entry.repairFrom else { continue }
                let rule = entry.regime.flatMap { titles[$0] } ?? entry.regime ?? ""
                let severity = entry.severity ?? ""
                let portal = onPortals.count > 1 || Set(entries.map(\.portal)).count > 1 ? "在 \(entry.publication.portal) 上" : ""
                if repairFrom == entry.expiresOn {
                    return "错误 [repair-not-allowed] \(number)：\(portal)按\(rule)，\(severity)失信信息不可修复，公示\(PeriodEnd.until(entry.expiresOn))，期满自动撤下；"
                        + "如有法定理由须提前撤下，用 --force-reason 说明（记入台账）"
                }
                if today.description < repairFrom {
                    return "错误 [repair-too-early] \(number)：\(portal)按\(rule)，\(severity)失信信息须公示满最短期限，可申请信用修复自 \(repairFrom)；"
                        + "今天 \(today) 尚不能撤下（如有法定理由，用 --force-reason 说明）"
                }
            }
        }
        return nil
    }

    /// The revocation in the register, with the day each portal must have taken the decision down by.
    private func recordRevocation(number: String, on day: CalendarDate) throws(CommandFailure) {
        let days = PublicationPeriodsLoader.periods(forKind: context.schema.id)?.revocationWithdrawalWorkingDays
            ?? Self.defaultRevocationWorkingDays
        var withdrawBy: [String: String?] = [:]
        for (profile, _) in context.portals {
            withdrawBy[profile.id] = (try? context.calendar.deadline(after: day, workingDays: days))?.description
        }
        let kind = context.schema.id
        try CommandFailure.ledger { () throws(LedgerError) in
            try ledger.recordRevocation(kind: kind, number: number, revokedOn: day.description, withdrawBy: withdrawBy)
        }
    }
}
