/// A cell that a spreadsheet would run as a formula (`=`, `+`, `-` or `@` first, and not a number):
/// in every CSV or spreadsheet feed it is written with an apostrophe in front, which Excel and WPS
/// show as text and do not run (the OWASP advice on CSV injection). `validate` warns of each.
public enum FormulaGuard {
    public static func isFormulaLike(_ value: String) -> Bool {
        guard let first = value.utf8.first, first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40 else { return false }
        return !isNumber(value)
    }

    /// `-12.5`, `+3`: a plain signed decimal is data, not a formula.
    static func isNumber(_ value: String) -> Bool {
        var bytes = Array(value.utf8)
        guard let first = bytes.first, first == 0x2B || first == 0x2D else { return false }
        bytes.removeFirst()
        guard !bytes.isEmpty else { return false }
        var dots = 0
        for byte in bytes {
            if byte == 0x2E { dots += 1 } else if byte < 0x30 || byte > 0x39 { return false }
        }
        return dots <= 1 && bytes.first != 0x2E && bytes.last != 0x2E
    }

    public static func neutralize(_ value: String) -> String {
        isFormulaLike(value) ? "'" + value : value
    }
}
