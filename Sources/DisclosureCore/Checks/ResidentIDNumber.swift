public import WorkingDayCalendar

/// 居民身份证号码 (GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit order code and
/// a check character (`1 0 X 9 8 7 6 5 4 3 2` by Σ value·weight mod 11).
///
/// A legacy 15-digit number (6 address, 6 birth date `YYMMDD` in the 1900s, 3 order) has no check
/// digit; only its birth date can be checked.
public enum ResidentIDNumber {
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters: [Character] = Array("10X98765432")

    public enum Problem: Sendable, Equatable {
        /// Neither 18 characters nor a 15-digit legacy number.
        case length(Int)
        /// A character that is not a digit (or the final X).
        case character(position: Int)
        /// The birth date is not a real date, or lies in the future.
        case birthDate(String)
        /// The check character is wrong.
        case checkCharacter
    }

    /// Checks an ID number that is already trimmed and upper case.
    ///
    /// - Parameter today: a birth date after this day is a problem.
    public static func problem(in number: String, today: CalendarDate) -> Problem? {
        var copy = number
        if copy.withUTF8({ isValid18($0, today: today) }) { return nil }
        let characters = Array(number)
        guard characters.count == 18 || characters.count == 15 else { return .length(characters.count) }
        for (index, character) in characters.enumerated() {
            let isLastX = index == 17 && character == "X"
            guard isLastX || (character.isASCII && character.isNumber) else { return .character(position: index + 1) }
        }
        let birth = characters.count == 18 ? String(characters[6..<14]) : "19" + String(characters[6..<12])
        guard let year = Int(birth.prefix(4)), let month = Int(birth.dropFirst(4).prefix(2)),
            let day = Int(birth.suffix(2)), let date = CalendarDate(year: year, month: month, day: day),
            year >= 1800, date <= today
        else { return .birthDate(birth) }
        guard characters.count == 18 else { return nil }
        let sum = zip(characters.prefix(17), weights).reduce(0) { $0 + ($1.0.wholeNumberValue ?? 0) * $1.1 }
        return checkCharacters[sum % 11] == characters[17] ? nil : .checkCharacter
    }

    /// The check character for the first 17 digits, or `nil` when they are not 17 digits.
    public static func checkCharacter(forFirst17 prefix: String) -> Character? {
        let digits = prefix.compactMap(\.wholeNumberValue)
        guard digits.count == 17, prefix.count == 17 else { return nil }
        return checkCharacters[zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 } % 11]
    }

    /// Whether 18 bytes are a valid 居民身份证号码 (check character, real birth date not after
    /// `today`): the byte-level twin of ``problem(in:today:)`` for its most common case.
    public static func isValid18(_ bytes: UnsafeBufferPointer<UInt8>, today: CalendarDate) -> Bool {
        guard bytes.count == 18 else { return false }
        // The weights are 2^(17−i) mod 11: Σ digit·2^(17−i) by Horner's rule, with no table (this
        // runs for every record; see FastRecordCheck).
        var sum = 0
        for index in 0..<17 {
            let byte = bytes[index]
            guard byte >= 0x30, byte <= 0x39 else { return false }
            sum = (sum &+ Int(byte &- 0x30)) &* 2
        }
        // 1 0 X 9 8 7 6 5 4 3 2 by the remainder.
        let remainder = sum % 11
        let expected: UInt8 = remainder == 0 ? 0x31 : remainder == 1 ? 0x30 : remainder == 2 ? 0x58 : UInt8(0x30 + 12 - remainder)
        guard bytes[17] == expected else { return false }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(bytes[$1] - 0x30) } }
        let year = number(6..<10)
        guard year >= 1800, let date = CalendarDate(year: year, month: number(10..<12), day: number(12..<14)) else {
            return false
        }
        return date <= today
    }

    /// Whether a number is the legacy 15-digit form.
    public static func isLegacy(_ number: String) -> Bool { number.count == 15 }
}
