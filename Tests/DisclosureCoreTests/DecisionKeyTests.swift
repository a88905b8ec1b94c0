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
        #expect(DecisionKey.numberPart(key).utf8.elementsEqual(Self.byCharacters(key).utf8))
    }

    @Test("a key as shown: the number (an ID number typed into it hidden), the name masked")
    func shown() {
        #expect(DecisionKey.shown("牟城管罚〔2026〕4号|王小明") == "牟城管罚〔2026〕4号｜王**")
        #expect(DecisionKey.shown("牟城管罚〔2026〕4号") == "牟城管罚〔2026〕4号")
        #expect(DecisionKey.shown("MP罚〔2026〕11号410106199208085674|王小明") == "MP罚〔2026〕11号******************｜王**")
    }

    @Test("a name in a key is screened before it is masked: a phone number after a shop's name leaves none of its digits")
    func shownNameScreenedFirst() {
        let shown = DecisionKey.shown("牟城管罚〔2026〕919号|郑州某某商行（老板电话13800138000）")
        #expect(shown == "牟城管罚〔2026〕919号｜郑州某某商行\(String(repeating: "*", count: 16))）", "\(shown)")
        #expect(DecisionKey.shown("牟城管罚〔2026〕950号|410122198503121231") == "牟城管罚〔2026〕950号｜\(String(repeating: "*", count: 18))")
        // The twin: a plain name is masked as before (its first six and last four characters).
        #expect(DecisionKey.shown("牟城管罚〔2026〕1号|郑州某某餐饮管理有限公司1") == "牟城管罚〔2026〕1号｜郑州某某餐饮***限公司1")
    }

    @Test("a publication's key as the ledger's readers show it: a legal person's name whole (its numbers hidden), any other masked")
    func shownEntry() {
        func entry(_ key: String, code: String?) -> PublicationEntry {
            PublicationEntry(
                portal: "gsxt", feed: "penalty", kind: "penalty", key: key, contentSHA256: "", operation: .publish, status: .published,
                batchID: "b", batchFile: "f", subjectCode: code, position: 1)
        }
        #expect(DecisionKey.shown(entry("牟城管罚〔2026〕1号|郑州某某餐饮管理有限公司1", code: "91410100MA40Q8R26R")) == "牟城管罚〔2026〕1号｜郑州某某餐饮管理有限公司1")
        #expect(DecisionKey.shown(entry("牟城管罚〔2026〕919号|郑州某某商行（老板电话13800138000）", code: "92410105MA4DEMWL8T"))
            == "牟城管罚〔2026〕919号｜郑州某某商行（老板电话***********）")
        // A natural person (no code), a 个体工商户 under the placeholder code, a code that fails its check: masked.
        #expect(DecisionKey.shown(entry("牟城管罚〔2026〕4号|王小明", code: nil)) == "牟城管罚〔2026〕4号｜王**")
        #expect(DecisionKey.shown(entry("牟城管罚〔2026〕5号|王小明", code: "00000000000000000X")) == "牟城管罚〔2026〕5号｜王**")
        #expect(DecisionKey.shown(entry("牟城管罚〔2026〕6号|王小明", code: "92410105MA4DEMWL8X")) == "牟城管罚〔2026〕6号｜王**")
        // The number is screened as before.
        #expect(DecisionKey.shown(entry("MP罚〔2026〕11号410106199208085674|某公司", code: "91410100MA40Q8R26R")) == "MP罚〔2026〕11号******************｜某公司")
    }

    @Test("a legal person's name as check shows it: whole, but for a number or e-mail in it")
    func shownSubjectName() {
        #expect(PublicationRules.shownSubjectName("410122198503121231") == String(repeating: "*", count: 18))
        #expect(PublicationRules.shownSubjectName("郑州某某商行（老板电话138 0013 8000）") == "郑州某某商行（老板电话*************）")
        #expect(PublicationRules.shownSubjectName("郑州某某餐饮管理有限公司3") == "郑州某某餐饮管理有限公司3")
        #expect(PublicationRules.shownSubjectName("郑州住在路餐饮店") == "郑州住在路餐饮店")
    }

    @Test("a record's key is its key fields' values joined by |, a missing value empty, byte for byte")
    func joined() {
        let values: [String?] = ["牟城管罚〔2025〕1号", nil, "某某商贸有限公司", "", "e\u{301}", "x|y"]
        for fields in [[], [0], [1], [0, 2], [2, 0], [0, 1, 2], [1, 1], [3, 4], [4, 5, 0]] {
            let expected = fields.map { values[$0] ?? "" }.joined(separator: "|")
            #expect(Array(DecisionKey.joined(values, at: fields).utf8) == Array(expected.utf8), "\(fields)")
        }
    }
}
