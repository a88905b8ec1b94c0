/// The decisions a register holds under a 文号 written with full-width digits or Latin letters
/// (`牟城管罚〔２０２６〕１号`): recorded before intake made them half-width
/// (``TextNormalizer/halfWidthAlphanumerics(_:)``, `normalized-width`, forty-ninth session).
///
/// The same decision read again is read under the half-width 文号, a key the register does not
/// hold: it went out a second time beside the old publication, and the register counted two
/// decisions. A run now takes such a record as the decision the register holds: its 文号 as the
/// register (and the portal) holds it (``heldAs``), so that the record keeps the decision's
/// identity — its register row, its publications, its deadline — and a change to it goes out as a
/// correction of what the portal shows, under the 文号 the portal shows (a portal matches a
/// correction by the record's own fields; one whose 文号 changed might be taken as a new record).
///
/// A number registered both ways (the record went out again under the half-width 文号 before
/// this) is a ``Twin``: the record keeps the half-width 文号 (that publication is the one kept up
/// to date), and the clerk is told to take the old one down (更正) by its old key.
///
/// Usually there is none: ``isEmpty``, and a run's records are not looked up at all.
public struct WidthTwins: Sendable {
    /// The half-width 文号 → the 文号 as the register holds it (none registered half-width).
    public let heldAs: [String: String]
    /// Decisions registered under both, by kind: the old (full-width) number and the new one.
    public let twins: [Twin]

    public struct Twin: Sendable, Equatable {
        public let kind: String
        public let old: String
        public let new: String

        public init(kind: String, old: String, new: String) {
            (self.kind, self.old, self.new) = (kind, old, new)
        }
    }

    public static let none = WidthTwins(heldAs: [:], twins: [])

    public init(heldAs: [String: String], twins: [Twin]) {
        self.heldAs = heldAs
        self.twins = twins
    }

    /// From the register's full-width numbers (``DecisionLedger/fullWidthNumbers(kind:pipeline:)``):
    /// `registered` tells whether the register also holds a number of that kind (the half-width
    /// one). Two full-width spellings of one number (`〔２０２６〕1号`, `〔２０２６〕１号`): the first in
    /// order is the one a record is taken as, the others are twins of it.
    public init(fullWidth: [(kind: String, number: String)], kind: String?, registered: (String, String) -> Bool) {
        var heldAs: [String: String] = [:]
        var twins: [Twin] = []
        for (numberKind, number) in fullWidth {
            let half = TextNormalizer.halfWidthAlphanumerics(number)
            guard half != number else { continue }
            if registered(numberKind, half) {
                twins.append(Twin(kind: numberKind, old: number, new: half))
            } else if numberKind == kind || kind == nil {
                if let first = heldAs[half] {
                    twins.append(Twin(kind: numberKind, old: number, new: first))
                } else {
                    heldAs[half] = number
                }
            }
        }
        self.init(heldAs: heldAs, twins: twins)
    }

    /// How many of the decisions taken as their full-width 文号 ``lines`` names (the twins, which
    /// ask the clerk to act, are all named).
    public static let shownHeld = 20

    /// Nothing to look up: no record's 文号 is changed.
    public var isEmpty: Bool { heldAs.isEmpty }

    /// The number as the register holds it, for a number as intake reads it (half-width; one
    /// still full-width is made so first); nil: as it is.
    public func stored(_ number: String) -> String? {
        if heldAs.isEmpty { return nil }
        return heldAs[number] ?? heldAs[TextNormalizer.halfWidthAlphanumerics(number)]
    }

    /// The lines that tell the clerk, each with its type: the decisions taken as their old 文号,
    /// and the twins to take down by the old key.
    public var lines: [String] {
        var lines: [String] = []
        // The first few (said every run while they stay): then how many.
        let held = heldAs.sorted(by: { $0.key < $1.key })
        for (half, stored) in held.prefix(Self.shownHeld) {
            lines.append(
                "决定 \(Issue.screened(stored)) 在台账中以全角文号登记（早于文号半角化）：读到的 \(Issue.screened(half)) 按同一决定处理，"
                    + "沿用台账中的文号，不另行公示 [key-width-held]")
        }
        if held.count > Self.shownHeld {
            lines.append("……以全角文号登记的决定共 \(held.count) 个，以上列出前 \(Self.shownHeld) 个 [key-width-held]")
        }
        for twin in twins {
            lines.append(
                "警告 [key-width-twin] 决定 \(Issue.screened(twin.new)) 在台账中登记了两次：半角 \(Issue.screened(twin.new)) 和全角 \(Issue.screened(twin.old))（早于文号半角化），"
                    + "可能重复公示：请以旧文号撤下旧公示（gongshi withdraw --record '\(Issue.screened(twin.old))|名称' --reason 更正）")
        }
        return lines
    }
}
