/// A decimal number as written, kept exact: sign, integer digits and fraction digits.
///
/// Amounts are compared and checked digit by digit, so `0.000001` 万元 is exactly that and no
/// binary floating point is involved.
public struct DecimalText: Sendable, Equatable, Comparable, CustomStringConvertible {
    public let isNegative: Bool
    /// Integer digits without leading zeros ("" for zero).
    public let integerDigits: String
    /// Fraction digits as written (trailing zeros kept, so the scale is what was written).
    public let fractionDigits: String

    /// Reads `123`, `-0.5`, `+12.340`, `.5`; returns `nil` for anything else (no exponents, no
    /// thousands separators).
    public init?(_ text: String) {
        var rest = Substring(text)
        var negative = false
        if let first = rest.first, first == "-" || first == "+" {
            negative = first == "-"
            rest = rest.dropFirst()
        }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integer = parts.first ?? ""
        let fraction = parts.count > 1 ? parts[1] : ""
        let isDigits = { (part: Substring) in part.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        guard !(integer.isEmpty && fraction.isEmpty), !(parts.count > 1 && fraction.isEmpty), isDigits(integer),
            isDigits(fraction)
        else { return nil }
        let trimmed = integer.drop { $0 == "0" }
        self.integerDigits = String(trimmed)
        self.fractionDigits = String(fraction)
        self.isNegative = negative && !(trimmed.isEmpty && fraction.allSatisfy { $0 == "0" })
    }

    /// The number of digits after the decimal point, as written.
    public var scale: Int { fractionDigits.count }

    public var description: String {
        (isNegative ? "-" : "") + (integerDigits.isEmpty ? "0" : integerDigits)
            + (fractionDigits.isEmpty ? "" : "." + fractionDigits)
    }

    public static func < (lhs: DecimalText, rhs: DecimalText) -> Bool {
        if lhs.isNegative != rhs.isNegative { return lhs.isNegative }
        let magnitudeLess = magnitude(lhs, isLessThan: rhs)
        let magnitudeGreater = magnitude(rhs, isLessThan: lhs)
        return lhs.isNegative ? magnitudeGreater : magnitudeLess
    }

    public static func == (lhs: DecimalText, rhs: DecimalText) -> Bool {
        !(lhs < rhs) && !(rhs < lhs)
    }

    private static func magnitude(_ a: DecimalText, isLessThan b: DecimalText) -> Bool {
        if a.integerDigits.count != b.integerDigits.count { return a.integerDigits.count < b.integerDigits.count }
        if a.integerDigits != b.integerDigits { return a.integerDigits < b.integerDigits }
        let width = max(a.fractionDigits.count, b.fractionDigits.count)
        let pad = { (s: String) in s + String(repeating: "0", count: width - s.count) }
        return pad(a.fractionDigits) < pad(b.fractionDigits)
    }
}
