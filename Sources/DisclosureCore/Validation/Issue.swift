/// A language for messages: Chinese for the clerks who fix the data, English on request.
public enum Language: String, Sendable, CaseIterable {
    case zh
    case en
}

/// A message in both languages; the report picks one.
public struct LocalizedText: Sendable, Equatable {
    public let zh: String
    public let en: String

    public init(zh: String, en: String) {
        self.zh = zh
        self.en = en
    }

    public func text(_ language: Language) -> String {
        language == .zh ? zh : en
    }
}

/// A problem found in the data, located precisely enough to fix, with a stable English type code.
///
/// The shape follows the Frictionless validation report: `type` is a kebab-case code, `row`
/// counts the header as row 1 and counts records, not lines.
public struct Issue: Sendable, Equatable {
    /// The file, as the user named it.
    public var file: String?
    /// The record's row number (header = 1), or `nil` for a problem of the whole file or of XML.
    public var row: Int?
    /// In an XML file, the line (where the record, or the problem, is).
    public var line: Int?
    /// In an XML file, the line its record starts on, where ``line`` is its field's: what tells
    /// one record's problems from the next's.
    public var recordLine: Int?
    /// The field's Chinese name.
    public var field: String?
    /// The field's exchange column code (CF_* / XK_*).
    public var column: String?
    /// A stable kebab-case code, such as `credit-code-check-character`.
    public let type: String
    public let severity: Severity
    /// The value as found, masked for personal data.
    public var value: String?
    public let message: LocalizedText
    /// A summary of repeated warnings (the same type and field in one file): how many in all.
    public var count: Int?
    /// In a workbook, the cell (`Sheet1!F5`, Excel's own notation).
    public var cell: String?

    public init(
        _ type: String, _ severity: Severity = .error, field: FieldSpec? = nil, value: String? = nil,
        zh: String, en: String
    ) {
        if let field {
            self.init(type, severity, field: field, value: value, zh: zh, en: en)
        } else {
            self.init(
                type: type, severity: severity, field: nil, column: nil, value: value,
                shown: value.map { Self.shown($0, personal: false) }, zh: zh, en: en)
        }
    }

    /// - Parameters:
    ///   - value: the value as found, which the messages may quote.
    ///   - shown: the value as the problem shows it (``shown(_:personal:totalCharacters:)``), which
    ///     the messages then quote instead (``bounded(_:quoting:)``).
    ///   - ownWords: the messages are this module's words and what it made itself (a date's
    ///     standard form), never the input's: kept as they are.
    private init(
        type: String, severity: Severity, field: String?, column: String?, value: String?, shown: String?, zh: String, en: String,
        ownWords: Bool = false
    ) {
        self.type = type
        self.severity = severity
        self.field = field
        self.column = column
        self.value = shown
        if ownWords {
            self.message = LocalizedText(zh: zh, en: en)
            return
        }
        // (Compared once for both languages; most values are shown as they are.)
        let quoted = value.flatMap { value in shown.flatMap { value.sameBytes($0) ? nil : (value, $0) } }
        self.message = LocalizedText(zh: Self.bounded(zh, quoting: quoted), en: Self.bounded(en, quoting: quoted))
    }

    /// A problem of a field whose messages are this module's own words (``init(type:severity:field:column:value:shown:zh:en:ownWords:)``):
    /// the warnings a normalization gives every cell of a column (a file that writes every date
    /// 2024-01-24 has one a cell), whose messages quote nothing of the input. Its value is shown
    /// as any other's.
    init(_ type: String, _ severity: Severity, field: borrowing FieldSpec, value: String, ownWords zh: String, en: String) {
        let personal = field.personal
        self.init(
            type: type, severity: severity, field: field.name, column: field.code, value: value, shown: Self.shown(value, personal: personal),
            zh: zh, en: en, ownWords: true)
    }

    /// A problem of a field whose value is shown as given, already judged safe to show or masked
    /// by the caller, and whose messages are this module's own words quoting only that.
    init(_ type: String, _ severity: Severity, field: borrowing FieldSpec, shownValue: String, ownWords zh: String, en: String) {
        self.init(
            type: type, severity: severity, field: field.name, column: field.code, value: shownValue, shown: shownValue,
            zh: zh, en: en, ownWords: true)
    }

    /// The most characters a message keeps (a value it quotes is cut to 200 before that).
    public static let messageLimit = 600

    /// A message as a problem keeps it, in the text, the JSON, the ledger and the reports: the
    /// value it quotes as the problem shows it (cut, screened, masked), what the feeds' screen
    /// finds in the rest hidden (an ID number written as a column's name, say), and at most
    /// ``messageLimit`` characters. (A message quoted its value whole: a 1 MB date was a 1 MB line,
    /// and an ID number typed into an enumeration's cell was shown in full.)
    ///
    /// - Parameter quoted: the value and how the problem shows it, when the two differ.
    static func bounded(_ message: String, quoting quoted: (value: String, shown: String)?) -> String {
        var text = message
        if let (value, shown) = quoted, !value.isEmpty, text.utf8.count >= value.utf8.count {
            text = text.replacing(value, with: shown)
        }
        text = screened(text)
        // (A message of at most 600 bytes has at most 600 characters: not walked.)
        return text.utf8.count <= messageLimit ? text : echo(text, limit: messageLimit)
    }

    /// A problem of a field, the field lent, not copied: an initializer's arguments are its own
    /// by default, and a copy of a `FieldSpec` (or one wrapped in an `Optional`) retains and
    /// releases a dozen strings and arrays. A record the full check normalizes has a problem a
    /// field so (every date of a file that writes 2024-01-24): 6.3% of such a file's validation
    /// was these copies, measured.
    public init(
        _ type: String, _ severity: Severity = .error, field: borrowing FieldSpec, value: String? = nil,
        zh: String, en: String
    ) {
        let personal = field.personal
        self.init(
            type: type, severity: severity, field: field.name, column: field.code, value: value,
            shown: value.map { Self.shown($0, personal: personal) }, zh: zh, en: en)
    }

    /// A value as a problem shows it (``echo(_:)``), with nothing personal in it: a personal
    /// field's masked (``PersonalData/mask(_:)``); any other's with what the feeds' screen finds in
    /// it hidden (``PersonalDataScreen``: ID, phone and bank card numbers, e-mail and home
    /// addresses) — a free text's, and an enumeration's, a date's or a code's as much (an ID number
    /// typed into 行政相对人类别 or 统一社会信用代码 is still one). Only the value's start is
    /// screened: the echo's 200 characters and 40 more, so that a number begun within the echo is
    /// seen whole.
    ///
    /// - Parameter totalCharacters: `value` is the start of a longer value (a cell cut while it
    ///   was read) of this many characters.
    public static func shown(_ value: String, field: borrowing FieldSpec, totalCharacters: Int? = nil) -> String {
        shown(value, personal: field.personal, totalCharacters: totalCharacters)
    }

    /// ``shown(_:field:totalCharacters:)`` of a field that is `personal` or not.
    static func shown(_ value: String, personal: Bool, totalCharacters: Int? = nil) -> String {
        func echoed(_ text: String) -> String { totalCharacters.map { echo(text, totalCharacters: $0) } ?? echo(text) }
        if personal { return echoed(PersonalData.mask(value)) }
        // Most values: short and with nothing to screen, shown as they are (no copy, no walk over
        // their characters: a file that writes every date as 2024-01-24 has a warning a cell).
        if totalCharacters == nil, value.utf8.count <= 200, !value.withLentUTF8({ PersonalDataScreen.mayContainAsWritten($0) }) { return value }
        let end = value.index(value.startIndex, offsetBy: 240, limitedBy: value.endIndex) ?? value.endIndex
        let start = screened(String(value[..<end]))
        return end == value.endIndex ? echoed(start) : echo(start, totalCharacters: totalCharacters ?? value.count)
    }

    /// A text with what the feeds' screen finds in it hidden (``PersonalDataScreen``): a free text's
    /// echo as a problem is made (``shown(_:field:totalCharacters:)``), and a problem's echo as a
    /// ledger kept it, on its way into a report (echoes written before free texts were screened,
    /// in the thirty-eighth session, may hold an ID or phone number; a report, the console and their
    /// files show none, whatever the ledger's age). A text already screened or masked is returned as it is.
    public static func screened(_ value: String) -> String {
        guard value.withLentUTF8({ PersonalDataScreen.mayContainAsWritten($0) }) else { return value }
        return PersonalDataScreen.screen(value, personName: nil).text
    }

    /// A value as a problem echoes it (in the text, the JSON, the ledger's problem table): at most
    /// 200 characters, then the full length stated — a 50 MB cell is not copied three times over.
    public static func echo(_ value: String) -> String {
        let end = echoEnd(value)
        guard end < value.endIndex else { return value }
        return String(value[..<end]) + "…（共 \(value.count) 字）"
    }

    /// ``echo(_:)`` of the start of a longer value, with the whole value's length in characters
    /// stated (for a cell cut while it was read, in Unicode scalars, as its field's maximum counts them).
    public static func echo(_ start: String, totalCharacters: Int) -> String {
        String(start[..<echoEnd(start)]) + "…（共 \(totalCharacters) 字）"
    }

    /// ``echo(_:)`` cut after `limit` characters instead of 200.
    static func echo(_ value: String, limit: Int) -> String {
        let end = echoEnd(value, limit: limit)
        guard end < value.endIndex else { return value }
        return String(value[..<end]) + "…（共 \(value.count) 字）"
    }

    /// Where an echo of `value` ends: after its first 200 (or `limit`) characters.
    private static func echoEnd(_ value: String, limit: Int = 200) -> String.Index {
        var count = 0
        var end = value.startIndex
        while end < value.endIndex, count < limit {
            value.formIndex(after: &end)
            count += 1
        }
        return end
    }

    /// The same issue placed in a file and row.
    public func located(file: String, row: Int?) -> Issue {
        var copy = self
        copy.file = file
        copy.row = row
        return copy
    }

    /// The same issue placed in a file and, for XML, a line (a line already set is kept).
    public func located(file: String, line: Int?) -> Issue {
        var copy = self
        copy.file = file
        copy.row = nil
        copy.line = self.line ?? line
        return copy
    }
}

/// Personal data in reports and messages.
public enum PersonalData {
    /// Masks an ID number for reports: the first 6 and last 4 characters stay (the region and the
    /// check, enough to find the record), the rest become `*`. Short values keep only their first
    /// character.
    public static func mask(_ value: String) -> String {
        let characters = Array(value)
        guard characters.count >= 12 else {
            // (One character is the whole value: hidden whole.)
            return characters.count <= 1 ? String(repeating: "*", count: characters.count) : String(characters[0]) + String(repeating: "*", count: characters.count - 1)
        }
        return String(characters.prefix(6)) + String(repeating: "*", count: characters.count - 10)
            + String(characters.suffix(4))
    }
}
