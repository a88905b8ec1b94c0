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
