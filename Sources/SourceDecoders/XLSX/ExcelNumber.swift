/// A numeric cell's value as Excel shows it. The file holds the double's shortest round-trip
/// form, up to 17 significant digits and in E-notation where that is shorter (`1E-3`,
/// `0.20000000000000001`, `1.5E+3`); Excel shows a number to 15 significant digits. So an
/// ordinary amount reads as the clerk sees it: rounded to 15 significant digits, in plain decimal
/// notation (`0.001`, `0.2`, `1500`).
///
/// A number of 1E+15 or more is not an amount but a code or ID number Excel turned into a number
/// (its digits past the 15th are already lost): it keeps the file's form, with Excel's capital `E`
/// (`9.14101E+17`), for the Excel-quirk rules to recognise and explain.
public enum ExcelNumber {
    /// The text to read for a numeric cell's `<v>` bytes; bytes that are not a number in the
    /// file's form come back with only `e` made `E`.
    public static func shown(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        guard let parsed = Parsed(bytes) else { return capitalE(bytes) }
        // The significant digits (no leading zeros) and where the decimal point falls among them:
        // the value is 0.DIGITS × 10^point.
        var digits = Array(parsed.digits.drop { $0 == 0x30 })
        let dropped = parsed.digits.count - digits.count
        guard !digits.isEmpty else { return Array("0".utf8) }
        var point = parsed.integerDigits - dropped + parsed.exponent
        // 1E+15 or more: a code, kept as written; below 1E-20: no amount, kept as written too.
        guard point <= 15, point > -20 else { return capitalE(bytes) }
        if digits.count > 15 {
            let roundUp = digits[15] >= 0x35
            digits.removeSubrange(15...)
            if roundUp {
                var index = 14
                while index >= 0, digits[index] == 0x39 {
                    digits[index] = 0x30
                    index -= 1
                }
                if index >= 0 {
                    digits[index] += 1
                } else {
                    digits.insert(0x31, at: 0)
                    digits.removeLast()
                    point += 1
                }
            }
        }
        while digits.last == 0x30 { digits.removeLast() }
        var out: [UInt8] = parsed.negative ? [0x2D] : []
        if point <= 0 {
            out += [0x30, 0x2E]
            out += repeatElement(0x30, count: -point)
            out += digits
        } else if point >= digits.count {
            out += digits
            out += repeatElement(0x30, count: point - digits.count)
        } else {
            out += digits[..<point]
            out.append(0x2E)
            out += digits[point...]
        }
        return out
    }

    private static func capitalE(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        bytes.map { $0 == 0x65 ? 0x45 : $0 }
    }

    /// `-?DIGITS(.DIGITS)?([eE][+-]?DIGITS)?`, as a double is written in a cell's `<v>`.
    private struct Parsed {
        var negative = false
        /// All the mantissa's digits, the integer part's then the fraction's.
        var digits: [UInt8] = []
        var integerDigits = 0
        var exponent = 0

        init?(_ bytes: ArraySlice<UInt8>) {
            var index = bytes.startIndex
            if index < bytes.endIndex, bytes[index] == 0x2D {
                negative = true
                index += 1
            }
            while index < bytes.endIndex, (0x30...0x39).contains(bytes[index]) {
                digits.append(bytes[index])
                index += 1
            }
            integerDigits = digits.count
            if index < bytes.endIndex, bytes[index] == 0x2E {
                index += 1
                while index < bytes.endIndex, (0x30...0x39).contains(bytes[index]) {
                    digits.append(bytes[index])
                    index += 1
                }
            }
            guard !digits.isEmpty, digits.count <= 40 else { return nil }
            if index < bytes.endIndex, bytes[index] == 0x65 || bytes[index] == 0x45 {
                index += 1
                var sign = 1
                if index < bytes.endIndex, bytes[index] == 0x2B || bytes[index] == 0x2D {
                    sign = bytes[index] == 0x2D ? -1 : 1
                    index += 1
                }
                var value = 0
                var count = 0
                while index < bytes.endIndex, (0x30...0x39).contains(bytes[index]), count < 4 {
                    value = value * 10 + Int(bytes[index] - 0x30)
                    index += 1
                    count += 1
                }
                guard count > 0 else { return nil }
                exponent = sign * value
            }
            guard index == bytes.endIndex else { return nil }
        }
    }
}
