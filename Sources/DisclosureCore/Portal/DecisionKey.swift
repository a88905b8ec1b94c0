/// A decision's key in the ledger, `文号|名称` for penalties: its first part is the decision number,
/// which may be shown; the rest may be a person's name, which may not.
public enum DecisionKey {
    /// A record's key: the values of its key fields (the schema's `duplicate_key`) joined by `|`,
    /// a missing value as empty. Built in one string (the list of values `joined` was made from
    /// was an allocation of its own, for every record and feed).
    public static func joined(_ values: [String?], at fields: [Int]) -> String {
        guard fields.count > 1 else { return fields.first.flatMap { values[$0] } ?? "" }
        var key = ""
        // Its room at once: grown value by value, the key was allocated twice.
        key.reserveCapacity(fields.reduce(fields.count) { $0 + (values[$1]?.utf8.count ?? 0) })
        for (position, field) in fields.enumerated() {
            if position > 0 { key.append("|") }
            if let value = values[field] { key.append(value) }
        }
        return key
    }

    /// A key as the console and the ledger commands show it: the decision number (an ID number
    /// typed into it hidden, as the feeds hide it), then the rest — a natural person's name, or a
    /// legal person's — masked (王**): what `ledger show` prints, a clerk's terminal, is as much a
    /// place the law keeps names out of as the console's page. The name is screened before it is
    /// masked: a phone number after a shop's name (`郑州某某商行（老板电话13800138000）`) left its
    /// last digits in the mask's last four characters.
    public static func shown(_ key: String) -> String {
        shown(key) { PersonalData.mask(Issue.screened($0)) }
    }

    /// The key's number screened, then `｜` and its name as `name` shows it.
    private static func shown(_ key: String, name: (String) -> String) -> String {
        let number = self.number(key)
        let shownNumber = Issue.screened(number)
        guard key.count > number.count + 1 else { return shownNumber }
        return shownNumber + "｜" + name(String(key.dropFirst(number.count + 1)))
    }

    /// A publication's key as the ledger's readers show it (`ledger show`, `gongshi check`, the
    /// console): a legal person's name — one with a valid 统一社会信用代码 on record, a company or a
    /// registered 个体工商户, whose feeds publish the name whole — as ``PublicationRules/shownSubjectName(_:)``
    /// shows it (whole, the numbers in it hidden); any other name masked, as ``shown(_:)`` does.
    /// (A placeholder code, 17 zeros and an X, fails the check digit: such a name stays masked.)
    public static func shown(_ entry: PublicationEntry) -> String {
        guard let code = entry.subjectCode, CreditCode.problem(in: code) == nil else { return shown(entry.key) }
        return shown(entry.key, name: PublicationRules.shownSubjectName)
    }

    /// The decision number alone: what comes before the first character that is `|`.
    ///
    /// The `|` is looked for among the bytes and taken only where it is a whole character (not
    /// part of a cluster with a mark after it), as splitting the text by characters did; that split
    /// broke the whole key into characters first, once per publication recorded.
    public static func number(_ key: String) -> String {
        let number = numberPart(key)
        return number.endIndex == key.endIndex ? key : String(number)
    }

    /// The same, as a part of the key itself (no text made: the ledger binds it as it is).
    public static func numberPart(_ key: String) -> Substring {
        var bar = key.utf8.firstIndex(of: 0x7C)
        while let found = bar {
            if let character = found.samePosition(in: key), key[character] == "|" { return key[..<character] }
            bar = key.utf8[key.utf8.index(after: found)...].firstIndex(of: 0x7C)
        }
        return key[...]
    }
}
