import DisclosureCore
import Testing
import WorkingDayCalendar

@Suite("DeadlineTally")
struct DeadlineTallyTests {
    static func date(_ text: String) throws -> CalendarDate { try CalendarDate.parse(text) }

    /// 2026 with no holidays: weekends only.
    static func calendar() throws -> WorkingDayCalendar {
        try WorkingDayCalendar(coverage: date("2026-01-01")...date("2026-12-31"), daysOff: [:], makeUpWorkingDays: [:])
    }

    static func row(
        _ number: String, decided: String? = "2026-11-02", due: String? = "2026-11-11", published: String? = nil, exclusion: String? = nil
    ) -> DecisionDeadline {
        DecisionDeadline(
            kind: "administrative-penalty", number: number, portal: "p", pipeline: nil, decisionDate: decided, dueOn: due,
            publishedOn: published, staged: false, withdrawn: false, valid: true, validAtFirst: true, exclusion: exclusion,
            receivedOn: "2026-11-02")
    }

    /// One row in each state, with the state it is in on `today`.
    static let rows: [(DecisionDeadline, DeadlineState, today: String)] = [
        (row("A1", published: "2026-11-10"), .onTime, "2026-11-30"),
        (row("A2", published: "2026-11-12"), .late, "2026-11-30"),
        (row("A3"), .overdue, "2026-11-30"),
        (row("A4", due: "2026-11-30"), .dueSoon, "2026-11-30"),
        (row("A5", due: "2026-12-30"), .notYetDue, "2026-11-30"),
        (row("A6", decided: nil, due: nil), .noDeadline, "2026-11-30"),
        (row("A7", decided: "2026-12-28", due: nil), .calendarEnded, "2027-01-15"),
        (row("A8", exclusion: "不予公示"), .notToPublish, "2026-11-30"),
    ]

    @Test("each state is counted under itself, by the subscript and in the counts alike")
    func eachStateCountedOnce() throws {
        #expect(Set(Self.rows.map(\.1)) == Set(DeadlineState.allCases))
        let calendar = try Self.calendar()
        for (row, state, today) in Self.rows {
            #expect(DeadlineState.of(row, today: try Self.date(today), calendar: calendar, workingDays: 7).0 == state)
            var tally = DeadlineTally()
            tally.add(row, today: try Self.date(today), calendar: calendar, workingDays: 7)
            for other in DeadlineState.allCases {
                #expect(tally[other] == (other == state ? 1 : 0), "\(state) counted as \(other)")
                #expect(tally.counts[other] == (other == state ? 1 : 0))
            }
        }
    }

    @Test("a deadline past the calendar's end: published by its end on time, due by the next working day on its last working day, calendar_ended only past it")
    func pastTheCoverage() throws {
        let calendar = try Self.calendar()  // 2026, weekends only: 12-24…12-31 are six working days
        /// The state and its working days, as `state days` (`-`: none).
        func state(_ row: DecisionDeadline, _ today: String, n: Int = 7) throws -> String {
            let (state, days) = DeadlineState.of(row, today: try Self.date(today), calendar: calendar, workingDays: n)
            return "\(state.rawValue) \(days.map(String.init) ?? "-")"
        }
        let decided23 = Self.row("D1", decided: "2026-12-23", due: nil)
        let decided28 = Self.row("D2", decided: "2026-12-28", due: nil)
        // Published 12-29, on or before the coverage's end: on time, whatever 2027 brings.
        for today in ["2026-12-31", "2027-01-04", "2027-06-30"] {
            #expect(try state(Self.row("D3", decided: "2026-12-23", due: nil, published: "2026-12-29"), today) == "on_time -")
            #expect(try state(Self.row("D4", decided: "2026-12-28", due: nil, published: "2026-12-31"), today) == "on_time -")
        }
        // Published after the coverage's end: late or not cannot be told.
        #expect(try state(Self.row("D5", decided: "2026-12-28", due: nil, published: "2027-01-04"), "2027-01-04") == "calendar_ended -")
        // Not published: 12-23's 7th working day is the first after 12-31 — on 12-31 (no working day
        // of the coverage left) it is the next working day; on 12-30 not yet due.
        #expect(try state(decided23, "2026-12-30") == "not_yet_due -")
        #expect(try state(decided23, "2026-12-31") == "due_by_next_working_day 1")
        #expect(try state(decided28, "2026-12-31") == "not_yet_due -")  // 12-29…12-31: 3 of 7
        #expect(try state(decided23, "2027-01-04") == "calendar_ended -")
        // A date the calendar reaches, with no due date stored: the due date it gives (12-11: due 12-22).
        #expect(try state(Self.row("D6", decided: "2026-12-11", due: nil, published: "2026-12-22"), "2026-12-31") == "on_time -")
        #expect(try state(Self.row("D7", decided: "2026-12-11", due: nil), "2026-12-31") == "overdue 7")
        // The portal's own N: 3 working days after 12-28 is 12-31.
        #expect(try state(decided28, "2026-12-30", n: 3) == "due_by_next_working_day 1")
        // Still no deadline without a readable date, or before the calendar's first year.
        #expect(try state(Self.row("D8", decided: nil, due: nil, published: "2026-12-29"), "2026-12-31") == "no_deadline -")
        #expect(try state(Self.row("D9", decided: "2025-12-01", due: nil, published: "2026-12-29"), "2026-12-31") == "no_deadline -")

        // Counted in the figures: 及时率 takes in the decisions published by the end.
        var tally = DeadlineTally()
        let today = try Self.date("2026-12-31")
        for row in [
            Self.row("E1", decided: "2026-12-23", due: nil, published: "2026-12-29"), Self.row("E2", decided: "2026-12-11", due: "2026-12-22", published: "2026-12-29"),
            decided23, decided28,
        ] {
            tally.add(row, today: today, calendar: calendar, workingDays: 7)
        }
        #expect(tally.timeliness == Fraction(1, of: 2))
        #expect(tally[.onTime] == 1 && tally[.late] == 1 && tally[.noDeadline] == 0 && tally[.dueSoon] == 1 && tally[.notYetDue] == 1)
        #expect(tally.urgent == ["明天到期：p D1（截止 2026-12-31 之后的下一个工作日，节假日日历尚未覆盖）"])

        // The register's rows without a due date, counted once the calendar reaches them (a
        // command that does not write the date): their lines name the date it gives.
        var reached = DeadlineTally()
        reached.add(Self.row("F1", decided: "2026-12-11", due: nil), today: today, calendar: calendar, workingDays: 7)
        reached.add(Self.row("F2", decided: "2026-12-18", due: nil), today: try Self.date("2026-12-28"), calendar: calendar, workingDays: 7)
        #expect(reached.urgent == ["逾期 7 个工作日未公示：p F1（截止 2026-12-22）", "明天到期：p F2（截止 2026-12-29）"], "\(reached.urgent)")
    }

    @Test("the three figures from the counts")
    func figures() throws {
        let (calendar, today) = (try Self.calendar(), try Self.date("2026-11-30"))
        var tally = DeadlineTally()
        for (row, _, _) in Self.rows { tally.add(row, today: today, calendar: calendar, workingDays: 7) }
        // On 2026-11-30, A7 (decided 2026-12-28, no due date) is not yet due.
        #expect(tally.timeliness == Fraction(1, of: 3))  // A1 on time; A2 late; A3 overdue
        #expect(tally.decisions == 8)
        #expect(tally.compliance == Fraction(8, of: 8))
        #expect(tally.completeness == Fraction(2, of: 7))  // all but A8 (not to publish); A1 and A2 published
        #expect(tally.counts.values.reduce(0, +) == 8)
    }

    @Test("a decision published stays on time or late once no longer to be published (its period ended, read again), withdrawn or revoked; its figures do not move")
    func publishedStaysPublished() throws {
        let (calendar, today) = (try Self.calendar(), try Self.date("2026-11-30"))
        let ended = "公示期已满（2026-11-20 止），不再公示"
        var late = Self.row("B1", published: "2026-11-12", exclusion: ended)
        #expect(DeadlineState.of(late, today: today, calendar: calendar, workingDays: 7).0 == .late)
        #expect(DeadlineState.of(Self.row("B2", published: "2026-11-10", exclusion: ended), today: today, calendar: calendar, workingDays: 7).0 == .onTime)
        late.withdrawn = true
        #expect(DeadlineState.of(late, today: today, calendar: calendar, workingDays: 7).0 == .late)
        // Never published and kept out: not to be published, as before.
        #expect(DeadlineState.of(Self.row("B3", exclusion: ended), today: today, calendar: calendar, workingDays: 7).0 == .notToPublish)
        // The same two decisions before and after their file is read again past their period's end.
        var before = DeadlineTally()
        var after = DeadlineTally()
        for (published, exclusion) in [("2026-11-12", nil), ("2026-11-10", nil)] as [(String, String?)] {
            before.add(Self.row("C\(published)", published: published, exclusion: exclusion), today: today, calendar: calendar, workingDays: 7)
            after.add(Self.row("C\(published)", published: published, exclusion: ended), today: today, calendar: calendar, workingDays: 7)
        }
        #expect(after.timeliness == before.timeliness && after.timeliness == Fraction(1, of: 2))
        #expect(after.completeness == before.completeness && after.completeness == Fraction(2, of: 2))
    }

    @Test("a 文号 with an ID number typed into it is hidden in the run's lines, as the feeds hide it")
    func numberScreenedInLines() throws {
        let (calendar, today) = (try Self.calendar(), try Self.date("2026-11-30"))
        var tally = DeadlineTally()
        tally.add(Self.row("MP罚〔2026〕11号410106199208085674"), today: today, calendar: calendar, workingDays: 7)
        tally.add(Self.row("MP罚〔2026〕12号", due: "2026-12-01"), today: today, calendar: calendar, workingDays: 7)
        #expect(tally.urgent.count == 2)
        #expect(tally.urgent.allSatisfy { !$0.contains("410106199208085674") }, "\(tally.urgent)")
        #expect(tally.urgent.contains { $0.contains("MP罚〔2026〕12号") })
    }

    @Test("a decision is told from the previous row by its number's bytes, as the ledger tells them apart")
    func decisionsByBytes() throws {
        let (calendar, today) = (try Self.calendar(), try Self.date("2026-11-30"))
        let composed = "罚\u{E9}1"  // é as one code point
        let decomposed = "罚e\u{301}1"  // e and a combining accent: == says equal, the bytes differ
        #expect(composed == decomposed && !composed.sameBytes(decomposed))
        #expect(composed.sameBytes(String(decoding: Array(composed.utf8), as: UTF8.self)))
        // Compared eight bytes at a time, then the rest: a difference in either part is seen.
        let number = "郑城管罚字〔2026〕第000123号"  // 41 bytes
        for index in number.utf8.indices {
            var bytes = Array(number.utf8)
            bytes[number.utf8.distance(from: number.utf8.startIndex, to: index)] ^= 1
            #expect(!number.sameBytes(String(decoding: bytes, as: UTF8.self)))
        }
        #expect(number.sameBytes(String(decoding: Array(number.utf8), as: UTF8.self)) && !number.sameBytes(String(number.dropLast())))
        #expect("".sameBytes("") && !"".sameBytes("a"))
        var tally = DeadlineTally()
        for (number, portal) in [(composed, "a"), (composed, "b"), (decomposed, "a")] {
            let row = DecisionDeadline(
                kind: "administrative-penalty", number: number, portal: portal, pipeline: "p", decisionDate: "2026-11-20", dueOn: "2026-12-01",
                publishedOn: nil, staged: false, withdrawn: false, valid: true, validAtFirst: true, exclusion: nil, receivedOn: "2026-11-30")
            tally.add(row, today: today, calendar: calendar, workingDays: 7)
        }
        #expect(tally.decisions == 2)
    }
}
