public import WorkingDayCalendar

/// A publication schema: the fields of one record kind (行政处罚, 行政许可, …) and the rules that
/// apply to them, read from `schemas/publication/*.yaml`.
///
/// Everything that the domain reference marks as inferred — requiredness, conditions, lengths,
/// enumerations, date-order rules — is a value here, loaded from the schema file, never a Swift
/// constant. A new record kind is a new schema file.
public struct PublicationSchema: Sendable {
    /// A stable id, such as `administrative-penalty`.
    public let id: String
    public let version: Int
    /// The kind's Chinese name, such as 行政处罚.
    public let title: String
    /// Short names accepted by `--kind`, such as `penalty`.
    public let aliases: [String]
    /// The field whose date starts the disclosure clock (处罚决定日期 / 许可决定日期).
    public let decisionDateField: String?
    /// The fields that identify one decision within a batch (决定书文号 and the subject).
    public let duplicateKey: [String]
    /// The fields naming the subject and holding its 统一社会信用代码: what 信用核查 (`gongshi check`)
    /// looks a subject up by. Only legal persons have the code; a natural person is never indexed.
    public let subjectNameField: String?
    public let subjectCodeField: String?
    public let fields: [FieldSpec]
    /// How a record says its subject is a natural person (`natural_person: {field, value}`): such a
    /// record's own name and addresses are screened out of its free text, and a minor's is not published.
    public var naturalPerson: (field: String, value: String)?
    /// A field a department may fill to keep a decision from publication (`withhold_field`), with the reason.
    public var withholdField: String?
    /// The column names of an older national format of the same kind (`legacy_header`: the 2015 v1
    /// 双公示 fields), by which a header in that format is named as such instead of as a list of
    /// missing columns (``HeaderMatcher/legacyColumns(_:schema:extraNames:)``).
    public var legacyHeader: LegacyHeaderFormat?

    public init(
        id: String, version: Int, title: String, aliases: [String], decisionDateField: String?,
        duplicateKey: [String], subjectNameField: String? = nil, subjectCodeField: String? = nil, fields: [FieldSpec]
    ) {
        self.id = id
        self.version = version
        self.title = title
        self.aliases = aliases
        self.decisionDateField = decisionDateField
        self.duplicateKey = duplicateKey
        self.subjectNameField = subjectNameField
        self.subjectCodeField = subjectCodeField
        self.fields = fields
    }

    /// The index of a field by its name.
    public func index(of name: String) -> Int? {
        fields.firstIndex { $0.name == name }
    }
}

/// An older national record format whose header gongshi recognizes, to refuse it by name: its data
/// is not imported (its codes differ), but a file in it fails with one problem saying what it is.
public struct LegacyHeaderFormat: Sendable, Equatable {
    /// How messages name it, such as `2015 版（v1）双公示`.
    public var title: String
    /// The evidence for the list (documentation: the schema file keeps it beside the names).
    public var source: String
    /// Its column names: exchange codes and Chinese labels. Names the current schema also reads
    /// (`CF_WSH`, 处罚决定日期) may be listed: they never count as the old format's.
    public var names: [String]

    public init(title: String, source: String, names: [String]) {
        self.title = title
        self.source = source
        self.names = names
    }
}

/// One field of a publication schema.
public struct FieldSpec: Sendable {
    /// The field's type.
    public enum Kind: String, Sendable, CaseIterable {
        /// Free text.
        case text
        /// A date, written `YYYY/MM/DD` in the national standard.
        case date
        /// A decimal number, such as an amount in 万元.
        case decimal
        /// One (or, if `multiple`, several) of a list of values.
        case enumeration = "enum"
        /// An identifier: trimmed, half-width, upper case, and checked by `check`.
        case code
    }

    /// The Chinese name exactly as in the national template, such as `行政相对人代码_1(统一社会信用代码)`.
    public var name: String
    /// The exchange column code, such as `CF_XDR_SHXYM`.
    public var code: String?
    /// Other header names accepted for this field (older templates).
    public var aliases: [String] = []
    public var kind: Kind
    public var required = false
    /// The field is required when any of these conditions holds.
    public var requiredWhen: [Condition] = []
    /// The longest value, in characters (not bytes).
    public var maxLength: Int?
    /// Personal data (ID numbers): masked wherever gongshi shows the value.
    public var personal = false
    /// Personal only for a natural person (one column for a company's 统一社会信用代码 and a person's
    /// ID number): a feed that takes no natural person may publish it (`personal: natural_person`).
    public var personalForNaturalPersonOnly = false

    // MARK: enumeration
    public var values: [String] = []
    /// Several values in one cell, separated by any of ``separators``.
    public var multiple = false
    public var separators: [String] = []
    /// A prefix that makes any value acceptable when followed by text, such as `其他-`.
    public var otherPrefix: String?

    // MARK: date
    /// The date must not be after today.
    public var notAfterToday = false
    /// The date must not be before these fields' dates (an error).
    public var notBefore: [String] = []
    /// A date before these fields' dates is a warning only.
    public var warnIfBefore: [String] = []
    /// The date that means 长期 (no end), such as 2099-12-31.
    public var longTerm: CalendarDate?
    /// Other dates written to mean 长期 (`long_term_aliases`, such as 9999-12-31): written as
    /// ``longTerm``, with a `normalized-long-term` warning, in whatever form the date is read
    /// (`9999-12-31`, `99991231`, an Excel date serial).
    public var longTermAliases: [CalendarDate] = []
    /// A date before today while one of these holds is a warning (`past_while`): a permit whose
    /// 有效期至 has passed while its 当前状态 still says 有效 would be published as valid.
    public var pastWhile: [Condition] = []

    // MARK: decimal
    /// The most digits after the decimal point.
    public var maxScale: Int?
    /// The smallest value allowed.
    public var minimum: DecimalText?
    /// A value at least this large is a warning (元 entered as 万元).
    public var warnAtLeast: DecimalText?
    /// The date field whose day this code holds, as `YYYYMMDD` at this offset (承诺编码 holds
    /// 承诺作出日期 at 6): they must agree (`embeds_date: {field, offset}`).
    public var embedsDate: (field: String, offset: Int)?
    /// A text field that states the same amount in 元 (处罚内容 “罚款2000元”): a 万元 value that equals
    /// an amount in 元 there is an error (`amount_text`).
    public var amountText: String?

    // MARK: code
    public var check: CodeCheck?

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// A condition on another field's value, for conditional requiredness.
public struct Condition: Sendable, Equatable {
    public enum Match: Sendable, Equatable {
        /// The field's value is one of these.
        case oneOf([String])
        /// One of the field's values (an enumeration may hold several) contains one of these texts.
        case containsAny([String])
    }

    public let field: String
    public let match: Match

    public init(field: String, match: Match) {
        self.field = field
        self.match = match
    }
}

/// The check an identifier field gets.
public enum CodeCheck: Sendable {
    /// 统一社会信用代码 (GB 32100).
    case creditCode(CreditCodeRule)
    /// 组织机构代码 (GB 11714).
    case organizationCode
    /// An identity document number whose format depends on a document-type field.
    case identityDocument(typeField: String, formats: [String: IdentityFormat])
    /// A regular expression the whole value must match, with a description for messages.
    case pattern(String, description: String)
}

/// How one type of identity document is checked.
public enum IdentityFormat: Sendable, Equatable {
    /// 居民身份证号码, GB 11643: check character and birth date.
    case residentID
    /// A regular expression the whole number must match.
    case pattern(String)
    /// 统一社会信用代码, GB 32100: characters and check character.
    case creditCode
}

/// The settings of the 统一社会信用代码 check.
public struct CreditCodeRule: Sendable {
    /// A code that stands for "none yet", such as `00000000000000000X` for 个体工商户.
    public var placeholder: String?
    /// The field that must be filled when the placeholder is used (工商注册号).
    public var placeholderRequires: String?
    /// The subject categories for which the placeholder is allowed.
    public var placeholderFor: [String] = []
    /// The subject-category field the code must agree with (行政相对人类别).
    public var categoryField: String?
    /// Code prefixes that fix the subject category, such as `92` → 个体工商户.
    public var categoryByPrefix: [String: String] = [:]
    /// Known 登记管理部门/机构类别 pairs (the first two characters) with their names; empty: not checked.
    public var knownRegistrationCategories: [String: String] = [:]
    /// How an unknown pair is reported.
    public var unknownCategorySeverity: Severity = .warning

    public init() {}
}

/// Whether a problem stops a record or only asks for a look.
public enum Severity: String, Sendable, Codable, Equatable {
    case error
    case warning
}
