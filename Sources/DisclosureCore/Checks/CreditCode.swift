/// 统一社会信用代码 (GB 32100-2015): the structure and check character of an 18-character code.
///
/// Positions: 1 登记管理部门码 · 2 机构类别码 · 3–8 登记管理机关行政区划码 (digits) · 9–17 主体标识码
/// (an 组织机构代码, GB 11714, with its own check at 17) · 18 校验码. The alphabet is the digits and
/// capitals without I, O, S, V and Z; the check character is `(31 − Σ value·3^(i−1) mod 31) mod 31`.
///
/// Hand-written: the code checks are the product's core, small and fully specified.
public enum CreditCode {
    /// The 31 symbols; a symbol's value is its index.
    static let alphabet: [Character] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    /// 3^(i−1) mod 31 for i = 1…17.
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// What is wrong with a code; the first problem found, in the order of the checks.
    public enum Problem: Sendable, Equatable {
        /// Not 18 characters.
        case length(Int)
        /// A character outside the alphabet (1-based position).
        case character(position: Int, Character)
        /// Positions 3–8 are not all digits.
        case regionNotDigits(String)
        /// The embedded 组织机构代码 (positions 9–17) fails its own check.
        case organizationCode(String)
        /// The check character is wrong.
        case checkCharacter(expected: Character, found: Character)
    }

    /// Checks a code that is already trimmed and upper case.
    ///
    /// - Returns: `nil` when the code is valid, otherwise its first problem.
    public static func problem(in code: String) -> Problem? {
        // The common case, a valid code, is decided on its bytes; a problem is then named below.
        var copy = code
        if copy.withUTF8({ Bytes.creditCodeIsValid($0) }) { return nil }
        let characters = Array(code)
        guard characters.count == 18 else { return .length(characters.count) }
        var values: [Int] = []
        for (index, character) in characters.enumerated() {
            guard let value = alphabet.firstIndex(of: character) else {
                return .character(position: index + 1, character)
            }
            values.append(value)
        }
        let region = characters[2..<8]
        guard region.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .regionNotDigits(String(region)) }
        let organization = String(characters[8..<17])
        guard OrganizationCode.problem(in: organization) == nil else { return .organizationCode(organization) }
        let expected = checkCharacter(values: values[0..<17])
        guard expected == characters[17] else { return .checkCharacter(expected: expected, found: characters[17]) }
        return nil
    }

    /// The check character for the first 17 characters of a code, or `nil` when one is outside
    /// the alphabet. Used to make valid codes (test data, the benchmark generator).
    public static func checkCharacter(forFirst17 prefix: String) -> Character? {
        let values = prefix.compactMap { alphabet.firstIndex(of: $0) }
        guard values.count == 17, prefix.count == 17 else { return nil }
        return checkCharacter(values: values[0..<17])
    }

    /// The check character for the first 17 symbol values.
    static func checkCharacter(values: ArraySlice<Int>) -> Character {
        let sum = zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// The 登记管理部门码 and 机构类别码 (the first two characters), such as `92`.
    public static func registrationCategory(of code: String) -> String {
        String(code.prefix(2))
    }
}

/// 组织机构代码 (GB 11714-1997): eight body characters and a check character, optionally written
/// `XXXXXXXX-X`.
public enum OrganizationCode {
    static let weights = [3, 7, 9, 10, 5, 8, 4, 2]

    public enum Problem: Sendable, Equatable {
        /// Not 9 characters (or 10 with the hyphen before the check character).
        case length(Int)
        /// A body character that is not a digit or a capital letter (1-based position).
        case character(position: Int, Character)
        /// The check character is wrong.
        case checkCharacter(expected: Character, found: Character)
    }

    /// Checks a code that is already trimmed and upper case.
    public static func problem(in code: String) -> Problem? {
        var copy = code
        if copy.withUTF8({ Bytes.organizationCodeIsValid($0) }) { return nil }
        var characters = Array(code)
        if characters.count == 10, characters[8] == "-" { characters.remove(at: 8) }
        guard characters.count == 9 else { return .length(characters.count) }
        var sum = 0
        for (index, character) in characters.prefix(8).enumerated() {
            guard let value = bodyValue(character) else { return .character(position: index + 1, character) }
            sum += value * weights[index]
        }
        let remainder = 11 - sum % 11
        let expected: Character = remainder == 10 ? "X" : remainder == 11 ? "0" : Character(String(remainder))
        guard characters[8] == expected else { return .checkCharacter(expected: expected, found: characters[8]) }
        return nil
    }

    /// The check character for an eight-character body, or `nil` when the body is not digits and capitals.
    public static func checkCharacter(forBody body: String) -> Character? {
        let values = body.compactMap(bodyValue)
        guard values.count == 8, body.count == 8 else { return nil }
        let remainder = 11 - zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 } % 11
        return remainder == 10 ? "X" : remainder == 11 ? "0" : Character(String(remainder))
    }

    /// 0–9 for digits, A = 10 … Z = 35.
    private static func bodyValue(_ character: Character) -> Int? {
        guard let ascii = character.asciiValue else { return nil }
        switch ascii {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(ascii - UInt8(ascii: "0"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(ascii - UInt8(ascii: "A")) + 10
        default: return nil
        }
    }
}

extension CreditCode.Problem {
    /// The stable type code and the explanation, in Chinese and English.
    public var explanation: (type: String, zh: String, en: String) {
        switch self {
        case .length(let count):
            ("credit-code-length", "应为 18 位，实为 \(count) 位", "must be 18 characters, not \(count)")
        case .character(let position, let character):
            (
                "credit-code-character", "第 \(position) 位“\(character)”不是允许的字符（数字和除 I、O、S、V、Z 外的大写字母）",
                "character \(position) “\(character)” is not allowed (digits and capitals except I, O, S, V, Z)"
            )
        case .regionNotDigits(let region):
            ("credit-code-region", "第 3–8 位行政区划码“\(region)”应为数字", "characters 3–8 (region code) “\(region)” must be digits")
        case .organizationCode(let organization):
            (
                "credit-code-organization-code", "第 9–17 位组织机构代码“\(organization)”校验不通过（GB 11714）",
                "characters 9–17, the organization code “\(organization)”, fail their check (GB 11714)"
            )
        case .checkCharacter(let expected, let found):
            (
                "credit-code-check-character", "校验码应为“\(expected)”，而不是“\(found)”；请核对代码是否抄错",
                "the check character should be “\(expected)”, not “\(found)”: is the code mistyped?"
            )
        }
    }
}
