/// Excel's cell references: column letters and `Sheet!C7`, how a clerk finds a cell in a workbook.
public enum CellReference {
    /// The column letters of a 0-based column index: 0 → A, 25 → Z, 26 → AA.
    public static func letters(ofColumn index: Int) -> String {
        var number = index + 1
        var letters: [UInt8] = []
        while number > 0 {
            let remainder = (number - 1) % 26
            letters.insert(UInt8(0x41 + remainder), at: 0)
            number = (number - 1) / 26
        }
        return String(decoding: letters, as: UTF8.self)
    }

    /// The 0-based column of a cell reference (`C7` → 2, `XFD1` → 16383), or nil when it is not one.
    public static func column(of reference: String) -> Int? {
        var column = 0
        var letters = 0
        var digits = 0
        for byte in reference.utf8 {
            switch byte {
            case 0x41...0x5A where digits == 0:
                column = column * 26 + Int(byte - 0x40)
                letters += 1
            case 0x30...0x39 where letters > 0:
                digits += 1
            default:
                return nil
            }
            if letters > 3 { return nil }
        }
        return letters > 0 ? column - 1 : nil
    }

    /// `Sheet1!C7`; a sheet name with other than letters, digits and `_` is quoted, as Excel writes it.
    public static func cell(sheet: String, column: Int, row: Int) -> String {
        let plain = sheet.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" }
        let name = plain ? sheet : "'" + sheet.replacing("'", with: "''") + "'"
        return "\(name)!\(letters(ofColumn: column))\(row)"
    }
}
