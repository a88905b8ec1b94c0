import DisclosureCore
import Testing

@Suite("DecisionKey")
struct DecisionKeyTests {
    /// What the key's number was defined as: the text before the first character `|`.
    static func byCharacters(_ key: String) -> String {
        String(key.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    @Test(
        "the number is what comes before the first character that is |",
        arguments: [
            "罚1|某公司", "罚1", "", "|", "|名", "罚1|", "罚1||x", "a|b|c", "罚1|\u{301}x|y", "罚1|\u{301}", "e\u{301}|名", "\u{600}|x",
            "👩‍👩‍👧|x", "罚|\u{200D}|z",
        ])
    func number(key: String) {
        #expect(DecisionKey.number(key) == Self.byCharacters(key))
        #expect(DecisionKey.number(key).utf8.elementsEqual(Self.byCharacters(key).utf8))
    }
}
