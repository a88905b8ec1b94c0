/// Where and how one portal wants records published: its feeds, one per record kind and table
/// (a 法人 table and a 自然人 table, say). Read from `schemas/portals/*.yaml`; adding a portal is
/// adding a profile.
public struct PortalProfile: Sendable, Equatable {
    public let id: String
    public let version: Int
    public let title: String
    /// Records must be published within this many working days after the decision date (the
    /// decision day not counted); `nil`: the portal sets no deadline.
    public let deadlineWorkingDays: Int?
    public let feeds: [FeedSpec]
    /// In the 前置库 (front database): a withdrawn record's row is deleted, or kept with its status
    /// flag cleared (`frontdb_withdrawal: delete | flag`).
    public var databaseWithdrawal: DatabaseWithdrawal = .delete

    public enum DatabaseWithdrawal: String, Sendable, CaseIterable {
        case delete, flag
    }

    public init(id: String, version: Int, title: String, deadlineWorkingDays: Int? = nil, feeds: [FeedSpec]) {
        self.id = id
        self.version = version
        self.title = title
        self.deadlineWorkingDays = deadlineWorkingDays
        self.feeds = feeds
    }
}

/// One feed of a portal: which records of which schema, which columns under which names, masked
/// how, in which file format, in batches of at most how many records.
public struct FeedSpec: Sendable, Equatable {
    public enum Format: String, Sendable, CaseIterable {
        /// CSV, UTF-8 with a byte-order mark (so that Excel reads it), CRLF.
        case csvUTF8BOM = "csv-utf8-bom"
        /// CSV in GB18030, CRLF.
        case csvGB18030 = "csv-gb18030"
        /// XML: a root element holding one element per record, one child per column.
        case xml
        /// JSON Lines: one object per record, keys in column order.
        case jsonLines = "json-lines"
        /// An Excel workbook (Office Open XML): one sheet under the feed's ``FeedSpec/sheet`` name,
        /// the headers in the first row, every cell a text cell, as the portals' 模板 are filled in.
        case xlsx

        public var fileExtension: String {
            switch self {
            case .csvUTF8BOM, .csvGB18030: "csv"
            case .xml: "xml"
            case .jsonLines: "jsonl"
            case .xlsx: "xlsx"
            }
        }
    }

    /// A short ASCII name, used in file names and batch ids: `penalty-legal`.
    public let name: String
    public let title: String
    /// The publication schema the records come from (its `id`).
    public let schema: String
    /// Every rule must hold for a record to go into this feed (records that fail one belong elsewhere).
    public let include: [FeedRule]
    /// A record that any of these rules holds for is not published here, with the rule's reason.
    public let exclude: [FeedRule]
    public let columns: [FeedColumn]
    public let format: Format
    /// The file name, with `{portal}`, `{feed}`, `{date}` (YYYYMMDD), `{batch}` and `{part}`.
    public let fileName: String
    /// The most records in one batch (one file).
    public let batchLimit: Int
    /// For XML: the root and record element names.
    public let xmlRoot: String
    public let xmlRecord: String
    /// Personal data in free text: which fields are screened and how (`screen:`).
    public let screening: TextScreening
    /// For xlsx: the sheet's name (the template's; at most 31 characters, none of `[]:*?/\`).
    public let sheet: String
    /// The 前置库 table the feed's rows go into (`table: frxzcf`); nil: the feed has none.
    public var table: String? = nil
    /// Set for a database portal: each JSON Lines row also carries the SHA-256 of the record's
    /// decision key under this member, the row's key in the front database (never the key itself,
    /// which holds a natural person's name).
    public var keyDigestMember: String? = nil

    public init(
        name: String, title: String, schema: String, include: [FeedRule], exclude: [FeedRule], columns: [FeedColumn],
        format: Format, fileName: String, batchLimit: Int, xmlRoot: String = "Records", xmlRecord: String = "Record",
        screening: TextScreening = TextScreening(), sheet: String? = nil
    ) {
        self.screening = screening
        self.sheet = sheet ?? FeedSpec.sheetName(title)
        self.name = name
        self.title = title
        self.schema = schema
        self.include = include
        self.exclude = exclude
        self.columns = columns
        self.format = format
        self.fileName = fileName
        self.batchLimit = batchLimit
        self.xmlRoot = xmlRoot
        self.xmlRecord = xmlRecord
    }
}

extension FeedSpec {
    /// The most characters of an Excel sheet name.
    public static let sheetNameLimit = 31

    /// `text` as a sheet name Excel accepts: `[]:*?/\` become `_`, cut to 31 characters.
    public static func sheetName(_ text: String) -> String {
        let cleaned = String(text.map { "[]:*?/\\".contains($0) ? "_" : $0 }.prefix(sheetNameLimit))
        return cleaned.isEmpty ? "Sheet1" : cleaned
    }

    /// This feed in another file format (a pipeline's `format:` for one portal): the file name's
    /// extension follows when it is the old format's.
    public func with(format newFormat: Format) -> FeedSpec {
        guard newFormat != format else { return self }
        var name = fileName
        let old = "." + format.fileExtension
        if name.hasSuffix(old) { name = String(name.dropLast(old.count)) + "." + newFormat.fileExtension }
        var copy = FeedSpec(
            name: self.name, title: title, schema: schema, include: include, exclude: exclude, columns: columns, format: newFormat,
            fileName: name, batchLimit: batchLimit, xmlRoot: xmlRoot, xmlRecord: xmlRecord, screening: screening, sheet: sheet)
        copy.table = table
        copy.keyDigestMember = keyDigestMember
        return copy
    }

    /// This feed as a database portal takes it: JSON Lines with each row's key digest.
    public func forDatabase() -> FeedSpec {
        var copy = with(format: .jsonLines)
        copy.keyDigestMember = FeedSpec.databaseKeyMember
        return copy
    }

    /// The front database's key column, and the JSON Lines member that carries it.
    public static let databaseKeyMember = "gs_key"

    /// A table or column name the front database takes unquoted in any SQL dialect: lower-case
    /// ASCII letters, digits and `_`, starting with a letter or `_`, at most 63 bytes (PostgreSQL's).
    public static func isSQLName(_ name: String) -> Bool {
        guard let first = name.utf8.first, (0x61...0x7A).contains(first) || first == 0x5F, name.utf8.count <= 63 else { return false }
        return name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }
}

extension PortalProfile {
    /// Every feed of this portal in `format` (a pipeline's `format:` for the portal).
    public func with(format: FeedSpec.Format) -> PortalProfile {
        with(feeds: feeds.map { $0.with(format: format) })
    }

    /// Every feed as a database portal takes it (``FeedSpec/forDatabase()``).
    public func forDatabase() -> PortalProfile { with(feeds: feeds.map { $0.forDatabase() }) }

    private func with(feeds: [FeedSpec]) -> PortalProfile {
        var copy = PortalProfile(id: id, version: version, title: title, deadlineWorkingDays: deadlineWorkingDays, feeds: feeds)
        copy.databaseWithdrawal = databaseWithdrawal
        return copy
    }
}

/// A test on one field of a record.
public struct FeedRule: Sendable, Equatable {
    public enum Match: Sendable, Equatable {
        /// The value (for a multi-valued field: one of its values) is one of these.
        case oneOf([String])
        /// The value contains one of these texts.
        case containsAny([String])
        /// The value starts with one of these: a 统一社会信用代码 starting `9` (registered by 市场监管).
        case startsWith([String])
        /// Every value of the (multi-valued) field is one of these: `处罚类别` only 警告.
        case onlyValues([String])
        /// The field is empty.
        case empty
    }

    public let field: String
    public let match: Match
    /// Why a record this rule excludes is not published (shown in the report).
    public let reason: String?
    /// An exclusion only: a record it excludes that an earlier version put on the portal is taken
    /// down (`withdraw: true`; a permit revoked since it was published, say).
    public var withdraw = false

    public init(field: String, match: Match, reason: String? = nil, withdraw: Bool = false) {
        self.field = field
        self.match = match
        self.reason = reason
        self.withdraw = withdraw
    }
}

/// One column of a feed: its header, the schema field it shows, and how the value is masked.
public struct FeedColumn: Sendable, Equatable {
    public let header: String
    public let field: String
    public let mask: Mask
    /// The mask applies only to records for which this rule holds (names of 自然人 only, say);
    /// `nil`: to every record.
    public let maskWhen: FeedRule?

    public init(header: String, field: String, mask: Mask = .none, maskWhen: FeedRule? = nil) {
        self.header = header
        self.field = field
        self.mask = mask
        self.maskWhen = maskWhen
    }
}

/// How a published value is masked.
public enum Mask: Sendable, Equatable {
    case none
    /// The first character, then one `*` per other character: 张三 → 张*, 欧阳明日 → 欧***. A name of
    /// one character is all `*`: its first character is the whole name.
    case name
    /// The first and last characters kept, the rest `*`: an ID number as 410122********1234.
    case keep(first: Int, last: Int)

    public func apply(_ value: String) -> String {
        let characters = Array(value)
        switch self {
        case .none:
            return value
        case .name:
            guard let first = characters.first else { return value }
            guard characters.count > 1 else { return "*" }
            return String(first) + String(repeating: "*", count: characters.count - 1)
        case .keep(let first, let last):
            guard characters.count > first + last else { return String(repeating: "*", count: characters.count) }
            return String(characters.prefix(first)) + String(repeating: "*", count: characters.count - first - last)
                + String(characters.suffix(last))
        }
    }
}
