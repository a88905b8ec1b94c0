/// A decision's key in the ledger, `文号|名称` for penalties: its first part is the decision number,
/// which may be shown; the rest may be a person's name, which may not.
public enum DecisionKey {
    /// The decision number alone.
    public static func number(_ key: String) -> String {
        String(key.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }
}
