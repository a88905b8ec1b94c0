/// The records of one feed, chosen, masked, ordered and cut into batches: values only, no bytes
/// (the encoders in `FeedEncoders` make the files).
public struct FeedPlan: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public let file: String
        public let row: Int
        /// The record's decision key (the schema's `duplicate_key` values joined by `|`).
        public let key: String
        /// The column values, masked, in column order (empty string: no value).
        public let cells: [String]
        /// The decision date as written in the record (`YYYY-MM-DD` after normalization).
        public var decisionDate: String? = nil
        /// The subject's 统一社会信用代码 and name when it has a real one (a legal person or a
        /// registered 个体工商户; never a natural person, never the placeholder code).
        public var subjectCode: String? = nil
        public var subjectName: String? = nil
        /// A natural person's key: a keyed hash of their identity document (``PersonDocument``),
        /// made by the engine where the record is checked, with a key kept outside the ledger; never
        /// the number, and never shown. With the decision number, it tells the same person under a
        /// corrected name from another person named by the same decision. Nil for a legal person,
        /// and for a natural person without a usable ID number.
        public var personKey: String? = nil
        /// The row's content hash (of the feed's name and its cells), when it was made beforehand,
        /// where its record was checked; nil: whoever plans the row makes it. A cache of what the
        /// cells say, so not part of the row's equality.
        public var contentSHA256: String? = nil
        /// The version of the record the row was made from: the hash of the record's own values
        /// (the ledger's record version), made where the record was checked; nil when no record
        /// versions are kept. Not part of the row's equality (it is what the record says).
        public var recordSHA256: String? = nil
        /// The row as one line of its feed's file (CSV or JSON Lines), made beforehand with its
        /// content hash where its record was checked. A row read back from a run's spool with its
        /// line carries no cells (`cells` is empty): the line is what the file is made of, and the
        /// hash is what the planner compares. Not part of the row's equality (it is what the cells
        /// say), except to order two rows of one key, when it is all they have.
        public var line: [UInt8]? = nil
        /// Why the row is not to be published anew, when it goes out only as a correction of a
        /// publication the portal still shows: on a portal whose period runs from the day it
        /// published a record (gsxt), the period counted from the decision date may have ended
        /// while the portal's own has not (the planner sends it only to correct what is live).
        public var onlyCorrecting: String? = nil

        public init(file: String, row: Int, key: String, cells: [String]) {
            self.file = file
            self.row = row
            self.key = key
            self.cells = cells
        }

        public static func == (a: Row, b: Row) -> Bool {
            a.file == b.file && a.row == b.row && a.key == b.key && a.cells == b.cells && a.decisionDate == b.decisionDate
                && a.subjectCode == b.subjectCode && a.subjectName == b.subjectName && a.personKey == b.personKey
                && a.onlyCorrecting == b.onlyCorrecting
        }

        /// The feed's order: by decision key, then cells, each compared by its UTF-8 bytes. (For
        /// text in NFC, as validated records are, that is the order of `String`'s `<`; comparing
        /// Chinese text as `String`s normalizes it on every comparison, a tenth of a run's sort.)
        public static func precedes(_ a: Row, _ b: Row) -> Bool {
            let byKey = Self.compare(a.key, b.key)
            if byKey != 0 { return byKey < 0 }
            for (x, y) in zip(a.cells, b.cells) {
                let byCell = Self.compare(x, y)
                if byCell != 0 { return byCell < 0 }
            }
            if a.cells.count != b.cells.count { return a.cells.count < b.cells.count }
            guard let x = a.line, let y = b.line else { return false }
            return x.lexicographicallyPrecedes(y)
        }

        /// Negative, zero or positive as `a`'s UTF-8 bytes come before, equal or after `b`'s.
        static func compare(_ a: String, _ b: String) -> Int {
            let fast = a.utf8.withContiguousStorageIfAvailable { x in
                b.utf8.withContiguousStorageIfAvailable { y -> Int in
                    for index in 0..<min(x.count, y.count) where x[index] != y[index] { return Int(x[index]) - Int(y[index]) }
                    return x.count - y.count
                }
            }
            if let order = fast ?? nil { return order }
            return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : a.utf8.elementsEqual(b.utf8) ? 0 : 1
        }
    }

    public struct Skip: Sendable, Equatable {
        public let file: String
        public let row: Int
        public let key: String
        public let reason: String
        /// Not to be on the portal at all now: an earlier version published there is taken down (a
        /// minor, a decision the department withholds, an exclusion with `withdraw: true` such as a
        /// revoked permit).
        public var withdraw = false

        public init(file: String, row: Int, key: String, reason: String, withdraw: Bool = false) {
            self.withdraw = withdraw
            self.file = file
            self.row = row
            self.key = key
            self.reason = reason
        }
    }

    public let feed: FeedSpec
    /// The rows, in a stable order (by decision key, then cells).
    public let rows: [Row]
    /// Records meant for this feed that its exclusions keep out, with the reason.
    public let skipped: [Skip]

    /// All rows in batches of at most `feed.batchLimit`.
    public var batches: [[Row]] { Self.batches(of: rows, limit: feed.batchLimit) }

    /// `rows` cut, in order, into batches of at most `limit` rows.
    public static func batches(of rows: [Row], limit: Int) -> [[Row]] {
        let limit = max(1, limit)
        return stride(from: 0, to: rows.count, by: limit).map { Array(rows[$0..<min($0 + limit, rows.count)]) }
    }
}

/// Chooses and shapes the records of each feed of a portal profile.
///
/// Pure and deterministic: the same records give the same plan whatever order they came in.
public enum FeedBuilder {
    /// The plan for one feed.
    ///
    /// - Parameters:
    ///   - records: valid records of `schema`.
    public static func plan(_ feed: FeedSpec, schema: PublicationSchema, records: [ValidRecord]) -> FeedPlan {
        let shaper = Shaper(feed, schema: schema)
        var rows: [FeedPlan.Row] = []
        var skipped: [FeedPlan.Skip] = []
        for record in records {
            switch shaper.place(record) {
            case .row(let row): rows.append(row)
            case .skipped(let skip): skipped.append(skip)
            case .elsewhere: break
            }
        }
        rows.sort(by: FeedPlan.Row.precedes)
        return FeedPlan(feed: feed, rows: rows, skipped: skipped)
    }

    /// Where one record goes in a feed.
    public enum Placement: Sendable, Equatable {
        /// Into the feed, as this row.
        case row(FeedPlan.Row)
        /// Meant for the feed, kept out by one of its exclusions.
        case skipped(FeedPlan.Skip)
        /// Not for this feed (another feed of the portal takes it).
        case elsewhere
    }

    /// One feed's choice and shaping of records, prepared once and applied record by record (so a
    /// caller can stream records through it; ``plan(_:schema:records:)`` sorts what it gives).
    /// (A class: a struct of this size was copied, every field retained and released, at each
    /// record a stored shaper placed.)
    public final class Shaper: Sendable {
        let feed: FeedSpec
        let fields: FieldLookup
        /// The places of the key's fields (``DecisionKey/joined(_:at:)``).
        public let keyFields: [Int]
        /// Personal data in free text, minors, withheld decisions: the law's rules, in every feed.
        let rules: PublicationRules

        /// The feed's rules and columns with their fields' places, looked up once: a field name is
        /// Chinese text, and hashing it for every column of every record was a tenth of a run.
        let include: [(rule: FeedRule, index: Int?)]
        let exclude: [(rule: FeedRule, index: Int?)]
        let columns: [Column]
        /// Whether any column is screened (``PublicationRules/screen(_:_:personName:)``).
        let screens: Bool

        /// What shaping one column needs of it, and only that: a tuple holding the whole
        /// ``FeedColumn`` was copied (its texts retained and released) for every column of every
        /// record, a third of the shaper's time.
        struct Column: Sendable {
            let index: Int?
            let mask: Mask
            let maskWhen: (rule: FeedRule, index: Int?)?
            let screened: Bool
        }

        public init(_ feed: FeedSpec, schema: PublicationSchema) {
            self.feed = feed
            let fields = FieldLookup(schema)
            self.fields = fields
            keyFields = schema.duplicateKey.compactMap(schema.index(of:))
            let rules = PublicationRules(schema, screening: feed.screening)
            self.rules = rules
            include = feed.include.map { ($0, fields.index($0.field)) }
            exclude = feed.exclude.map { ($0, fields.index($0.field)) }
            columns = feed.columns.map { column in
                let index = fields.index(column.field)
                return Column(
                    index: index, mask: column.mask, maskWhen: column.maskWhen.map { ($0, fields.index($0.field)) },
                    screened: index.map(rules.isScreened) ?? false)
            }
            screens = columns.contains(where: \.screened)
        }

        /// - Parameter key: the record's key when the caller has made it already, from the same
        ///   ``keyFields`` (nil: made here).
        public func place(_ record: ValidRecord, key: String? = nil) -> Placement {
            guard include.allSatisfy({ fields.holds($0.rule, at: $0.index, record.values) }) else { return .elsewhere }
            let key = key ?? DecisionKey.joined(record.values, at: keyFields)
            if let reason = rules.reasonNotToPublish(record.values) {
                return .skipped(.init(file: record.file, row: record.row, key: key, reason: reason, withdraw: true))
            }
            if let rule = exclude.first(where: { fields.holds($0.rule, at: $0.index, record.values) })?.rule {
                return .skipped(.init(file: record.file, row: record.row, key: key, reason: rule.reason ?? "按配置不公示", withdraw: rule.withdraw))
            }
            var cells: [String] = []
            cells.reserveCapacity(columns.count)
            let name = screens ? rules.personName(record.values) : nil
            for column in columns {
                let value = column.index.flatMap { record.values[$0] } ?? ""
                let masked = column.mask != .none && (column.maskWhen.map { fields.holds($0.rule, at: $0.index, record.values) } ?? true)
                if masked {
                    cells.append(column.mask.apply(value))
                } else if let index = column.index, !value.isEmpty, column.screened {
                    // Free text: what the law hides is hidden (`PersonalDataScreen`).
                    cells.append(rules.screen(index, value, personName: name, textsClear: record.textsClear).text)
                } else {
                    cells.append(value)
                }
            }
            var row = FeedPlan.Row(file: record.file, row: record.row, key: key, cells: cells)
            row.decisionDate = fields.decisionDate.flatMap { record.values[$0] }
            if let code = fields.subjectCode.flatMap({ record.values[$0] }), !code.isEmpty, code != fields.placeholderCode {
                row.subjectCode = code
                row.subjectName = fields.subjectName.flatMap { record.values[$0] }
            }
            return .row(row)
        }
    }

    /// Field names to indices, and rule tests on a record's values.
    struct FieldLookup: Sendable {
        let schema: PublicationSchema
        let indexByName: [String: Int]
        /// Per field, for splitting multi-valued cells: values longest first, separators as bytes
        /// (prepared once, not per record and rule).
        let valuesLongestFirst: [[String]]
        let separators: [[[UInt8]]]
        /// Per field, whether a cell holds several values to split (a multi-valued enumeration):
        /// kept apart, so that a rule does not copy its field's whole spec (a dozen strings and
        /// lists retained and released, for every record and rule) to ask.
        let splits: [Bool]
        let decisionDate: Int?
        let subjectCode: Int?
        let subjectName: Int?
        /// The code that stands for "no code" (个体工商户 without one), never a subject's code.
        let placeholderCode: String?

        init(_ schema: PublicationSchema) {
            self.schema = schema
            decisionDate = schema.decisionDateField.flatMap(schema.index(of:))
            subjectCode = schema.subjectCodeField.flatMap(schema.index(of:))
            subjectName = schema.subjectNameField.flatMap(schema.index(of:))
            if let subjectCode, case .creditCode(let rule) = schema.fields[subjectCode].check {
                placeholderCode = rule.placeholder
            } else {
                placeholderCode = nil
            }
            valuesLongestFirst = schema.fields.map { $0.values.sorted { $0.utf8.count > $1.utf8.count } }
            separators = schema.fields.map { $0.separators.map { Array($0.utf8) } }
            splits = schema.fields.map { $0.kind == .enumeration && $0.multiple }
            var indexByName: [String: Int] = [:]
            for (index, field) in schema.fields.enumerated() {
                indexByName[field.name] = indexByName[field.name] ?? index
                if let code = field.code { indexByName[code] = indexByName[code] ?? index }
            }
            self.indexByName = indexByName
        }

        func index(_ name: String) -> Int? { indexByName[name] }

        func holds(_ rule: FeedRule, _ values: [String?]) -> Bool {
            holds(rule, at: index(rule.field), values)
        }

        /// Whether the rule holds, its field's place (`index(rule.field)`) looked up beforehand.
        func holds(_ rule: FeedRule, at index: Int?, _ values: [String?]) -> Bool {
            guard let index else { return false }
            guard let value = values[index], !value.isEmpty else { return rule.match == .empty }
            guard splits[index] else {
                // One value: no list made for it.
                switch rule.match {
                case .empty: return false
                case .oneOf(let accepted), .onlyValues(let accepted): return accepted.contains(value)
                case .containsAny(let texts): return texts.contains { value.contains($0) }
                case .startsWith(let prefixes): return prefixes.contains { value.hasPrefix($0) }
                }
            }
            let tokens = EnumerationSplitter.split(value, known: valuesLongestFirst[index], separators: separators[index])
            switch rule.match {
            case .empty: return false
            case .oneOf(let accepted): return tokens.contains { accepted.contains($0) }
            case .containsAny(let texts): return texts.contains { text in tokens.contains { $0.contains(text) } }
            case .startsWith(let prefixes): return tokens.contains { token in prefixes.contains { token.hasPrefix($0) } }
            case .onlyValues(let accepted): return !tokens.isEmpty && tokens.allSatisfy { accepted.contains($0) }
            }
        }
    }
}
