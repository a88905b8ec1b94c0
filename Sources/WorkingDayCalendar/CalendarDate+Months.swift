extension CalendarDate {
    /// The same day `months` months later (earlier when negative), or the last day of that month
    /// when it is shorter.
    ///
    /// Publication periods are counted in whole months from the decision date: a 3-month period
    /// from 2023-05-01 ends on 2023-08-01. A day the target month does not have is clamped, not
    /// carried over into the next month.
    ///
    /// ```swift
    /// CalendarDate(year: 2024, month: 1, day: 31)!.adding(months: 1)    // 2024-02-29
    /// CalendarDate(year: 2023, month: 1, day: 31)!.adding(months: 1)    // 2023-02-28
    /// CalendarDate(year: 2024, month: 2, day: 29)!.adding(months: 12)   // 2025-02-28
    /// CalendarDate(year: 2024, month: 3, day: 31)!.adding(months: -1)   // 2024-02-29
    /// ```
    ///
    /// - Parameter months: the number of months; negative goes back.
    /// - Returns: the date.
    public func adding(months: Int) -> CalendarDate {
        let index = year * 12 + (month - 1) + months
        let newYear = index >= 0 ? index / 12 : (index - 11) / 12  // floor division
        let newMonth = index - newYear * 12 + 1
        let newDay = min(day, CalendarDate.daysInMonth(year: newYear, month: newMonth))
        if let date = CalendarDate(year: newYear, month: newMonth, day: newDay) { return date }
        // Outside years 1–9999: shift by whole 400-year cycles (146,097 days each) into range,
        // then back, so the result follows the proleptic calendar as ``init(dayNumber:)`` does.
        let cycles = newYear >= 1 ? (newYear - 1) / 400 : (newYear - 400) / 400
        let shifted = CalendarDate(year: newYear - cycles * 400, month: newMonth, day: newDay)
        return CalendarDate(dayNumber: (shifted?.dayNumber ?? 0) + cycles * 146_097)
    }
}
