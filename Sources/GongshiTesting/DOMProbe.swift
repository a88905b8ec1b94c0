import Foundation

/// Reading the DOM a headless browser dumped (``HeadlessBrowser/dumpDOM(of:)``) with regular
/// expressions: enough for pages gongshi writes itself (Foundation's XMLDocument is not on Linux).
public enum DOMProbe {
    /// Every match of `pattern` in `text`, as its capture groups (an absent group as "").
    public static func captures(_ pattern: String, in text: String) throws -> [[String]] {
        let regex = try NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        let whole = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: whole).map { match in
            (1..<match.numberOfRanges).map { index in
                Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
            }
        }
    }

    /// Text as it was before HTML serialization escaped it.
    public static func unescapeHTML(_ text: String) -> String {
        var result = text
        for (entity, character) in [
            ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&nbsp;", "\u{A0}"), ("&amp;", "&"),
        ] {
            result = result.replacingOccurrences(of: entity, with: character)
        }
        return result
    }

    /// The attributes of one start tag's attribute text (`a="1" b="2"`), unescaped.
    public static func attributes(_ text: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for groups in try captures(#"([A-Za-z_:][-A-Za-z0-9_:.]*)="([^"]*)""#, in: text) {
            result[groups[0]] = unescapeHTML(groups[1])
        }
        return result
    }

    /// The markup of the section with id `id`: `<section id="ID">…</section>`, or `<div id="ID" …>…</div>`
    /// (neither may hold an element of its own kind).
    public static func section(_ id: String, in html: String) -> String? {
        for tag in ["section", "div"] {
            guard let start = html.range(of: "<\(tag) id=\"\(id)\""),
                let end = html.range(of: "</\(tag)>", range: start.upperBound..<html.endIndex)
            else { continue }
            return String(html[start.lowerBound..<end.upperBound])
        }
        return nil
    }

    /// The report's rate cells as rendered: their attributes, plus `pct` (the text shown).
    public static func rateCells(_ dom: String) throws -> [[String: String]] {
        try captures(#"<td class="rate" ([^>]*)><span class="pct">([^<]*)</span>"#, in: dom).map { groups in
            var cell = try attributes(groups[0])
            cell["pct"] = unescapeHTML(groups[1])
            return cell
        }
    }

    /// The chart's points as the page's script drew them: each circle's attributes.
    public static func chartPoints(_ dom: String) throws -> [[String: String]] {
        try captures(#"<circle ([^>]*)>"#, in: dom).map { try attributes($0[0]) }
    }
}
