public import DisclosureCore

extension CellBytes {
    /// A row's cells as a reader hands them over: their UTF-8 bytes run together, and where each ends.
    public static func of(_ cells: [String]) -> CellBytes {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        for cell in cells {
            bytes.append(contentsOf: cell.utf8)
            ends.append(bytes.count)
        }
        return CellBytes(bytes: bytes, cellEnds: ends)
    }
}

/// A schema of three text fields whose decision key is (文号, 名称): the duplicate-key tests'.
public enum DuplicateKeyFixture {
    public static let schema = PublicationSchema(
        id: "dup", version: 1, title: "重复", aliases: [], decisionDateField: nil, duplicateKey: ["文号", "名称"],
        fields: [FieldSpec(name: "文号", kind: .text), FieldSpec(name: "名称", kind: .text), FieldSpec(name: "备注", kind: .text)])
}
