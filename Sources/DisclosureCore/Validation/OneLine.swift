/// A library's message (libxml2, Yams, libcurl, SQLite) made fit for gongshi's one line per
/// problem: line breaks become ` ⏎ `, runs of spaces one, and it is cut at `limit` characters.
/// The original words are kept — after gongshi's own Chinese explanation, by the caller.
public enum OneLine {
    public static func of(_ text: String, limit: Int = 300) -> String {
        var result = ""
        var space = false
        for character in text {
            if character.isNewline {
                if !result.isEmpty { result += " ⏎ " }
                space = false
            } else if character == " " || character == "\t" {
                space = true
            } else {
                if space, !result.isEmpty, !result.hasSuffix(" ") { result += " " }
                space = false
                // Other control characters are shown, not sent to a terminal: NUL as \x00.
                if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
                    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    result += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                } else {
                    result.append(character)
                }
            }
        }
        while result.hasSuffix(" ⏎ ") { result.removeLast(3) }
        guard result.count > limit else { return result }
        return String(result.prefix(limit)) + "…"
    }
}

extension OneLine {
    /// Someone's own words on their way into the ledger, a message or a log line — a clerk's
    /// reason for `ledger fail`, a withdrawal's note, a portal's refusal, a value typed on the
    /// command line and echoed back: one line, what the feeds' screen finds in it hidden
    /// (``PersonalDataScreen``: ID, phone and bank card numbers, e-mail and home addresses, as
    /// `*`), and at most `limit` characters, then the whole text's length stated (as a problem
    /// echoes a value, ``Issue/echo(_:)``). Only the text's start is read: `limit` characters and
    /// 40 more, so that a number begun before the cut is seen whole and hidden.
    public static func screened(_ text: String, limit: Int = Issue.messageLimit) -> String {
        let read = text.index(text.startIndex, offsetBy: limit + 40, limitedBy: text.endIndex) ?? text.endIndex
        let line = of(String(text[..<read]), limit: Int.max)
        let hidden = line.withLentUTF8({ PersonalDataScreen.mayContainAsWritten($0) }) ? PersonalDataScreen.screen(line, personName: nil).text : line
        guard read < text.endIndex || hidden.count > limit else { return hidden }
        return String(hidden.prefix(limit)) + "…（共 \(text.count) 字）"
    }

    /// A value quoted in a message (a date, a key, a path typed on the command line): screened
    /// and cut as ``screened(_:limit:)`` does, at 200 characters.
    public static func value(_ text: String) -> String { screened(text, limit: 200) }
}
