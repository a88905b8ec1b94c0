/// A natural person's identity document (证件类型 and 证件号码) as one text, normalized: what the
/// engine makes a natural person's key of (a keyed hash, ``FeedPlan/Row/personKey``), so that the
/// same person under a name the department corrected is known for the same person, and two people
/// named by one decision are not. The text itself is never kept: it holds the ID number.
public struct PersonDocument: Sendable {
    let naturalField: Int?
    let naturalValue: String
    let numberField: Int?
    let typeField: Int?

    /// The schema's natural person (`natural_person`) and their ID field (the personal identity
    /// field that is not a representative's, as ``PublicationRules`` finds it) with its type field.
    public init(_ schema: PublicationSchema) {
        naturalField = schema.naturalPerson.flatMap { schema.index(of: $0.field) }
        naturalValue = schema.naturalPerson?.value ?? ""
        numberField = PublicationRules.personIDField(schema)
        if let numberField, case .identityDocument(let type, _) = schema.fields[numberField].check {
            typeField = schema.index(of: type)
        } else {
            typeField = nil
        }
    }

    /// Whether the schema names a natural person and their ID field: else no record has a document.
    public var applies: Bool { naturalField != nil && numberField != nil }

    /// The document of a natural person's record: its type, a unit separator, its number (ASCII
    /// letters upper case, spaces and hyphens left out); nil for a legal person's record, or when
    /// the number is no one's in particular: shorter than 5 characters, without a digit, or one
    /// character repeated (`000000`, a placeholder). Such a record keeps no key, and nothing is
    /// taken down for it.
    public func text(_ values: [String?]) -> String? {
        guard let naturalField, let numberField, naturalField < values.count, numberField < values.count,
            // (Compared by their bytes: `==` normalizes a Chinese text each time, for every record.)
            values[naturalField]?.sameBytes(naturalValue) == true, let raw = values[numberField], !raw.isEmpty
        else { return nil }
        var number: [UInt8] = []
        number.reserveCapacity(raw.utf8.count)
        var digits = false
        for byte in raw.utf8 where byte != 0x20 && byte != 0x09 && byte != 0x2D {
            number.append(byte >= 0x61 && byte <= 0x7A ? byte - 0x20 : byte)
            if byte >= 0x30 && byte <= 0x39 { digits = true }
        }
        guard number.count >= 5, digits, let first = number.first, number.contains(where: { $0 != first }) else { return nil }
        let type = typeField.flatMap { $0 < values.count ? values[$0] : nil } ?? ""
        return type + "\u{1F}" + String(decoding: number, as: UTF8.self)
    }
}
