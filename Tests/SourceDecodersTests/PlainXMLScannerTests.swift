import Foundation
import GongshiTesting
import SourceDecoders
import Testing

/// What a reader makes of a document: every record in order, then the error that stopped it (if
/// any), and whether the plain scanner read it to the end.
struct XMLOutcome: Equatable, CustomStringConvertible {
    var records: [XMLRecord] = []
    var nameIDs: [[Int]] = []
    var error: XMLReadError?
    var readPlainly = false

    static func == (lhs: XMLOutcome, rhs: XMLOutcome) -> Bool {
        lhs.records == rhs.records && lhs.nameIDs == rhs.nameIDs && lhs.error == rhs.error
    }

    var description: String {
        "\(records.count) records \(records.map { "\($0.line):\($0.texts.map { "\($0.name)=\($0.text)@\($0.line)" })" }), error \(String(describing: error))"
    }

    /// Reads `bytes` in chunks of `chunk`; `plain`: offer the plain scanner (a reader that can start
    /// again), else libxml2 alone.
    init(_ bytes: [UInt8], plain: Bool, chunk: Int = 1 << 16, record: String = "Record") {
        let source = ChunkedBytes(bytes, chunk: chunk)
        do {
            let reader = try XMLRecordReader(
                recordPath: record, xsd: nil, rewind: plain ? source.rewind : nil, read: source.read)
            do {
                while let record = try reader.next() {
                    records.append(record)
                    nameIDs.append(record.fields.map(\.nameID))
                }
            } catch let failure as XMLReadError {
                error = failure
            }
            readPlainly = plain && reader.readPlainly
        } catch {
            Issue.record("no reader: \(error)")
        }
    }
}

/// A document of `count` records like the exports': Chinese text, entities, a character
/// reference, an empty field, CRLF line ends if asked.
func plainDocument(records count: Int, crlf: Bool = false, declaration: String = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>") -> [UInt8] {
    let newline = crlf ? "\r\n" : "\n"
    var xml = declaration + newline + "<Records>" + newline
    for index in 0..<count {
        xml += "  <Record><XK_XDR_MC>郑州市某某公司第\(index)分公司 &amp; 𠀀</XK_XDR_MC><XK_NR>同意设置 &lt;户外广告&gt; &#x4E2D;&#25991; a]b</XK_NR>"
        xml += newline + "    <XK_BZ/><XK_JDRQ >2025/06/1\(index % 10)</XK_JDRQ\t>"
        xml += "<XK_WSH>多行" + newline + "文本 &quot;引&apos;</XK_WSH></Record>" + newline
    }
    xml += "</Records>" + newline
    return Array(xml.utf8)
}

@Suite("XML's plain subset read without libxml2, held to libxml2")
struct PlainXMLScannerTests {
    @Test("the plain subset is read to its end by the scanner, to libxml2's records, lines and names", arguments: [false, true])
    func plainSubset(crlf: Bool) throws {
        let bytes = plainDocument(records: 40, crlf: crlf)
        let libxml2 = XMLOutcome(bytes, plain: false)
        #expect(libxml2.records.count == 40 && libxml2.error == nil)
        for chunk in [1, 2, 3, 5, 64, 1 << 16] {
            let plain = XMLOutcome(bytes, plain: true, chunk: chunk)
            #expect(plain.readPlainly, "chunk \(chunk)")
            #expect(plain == libxml2, "chunk \(chunk)")
        }
        let first = try #require(libxml2.records.first)
        #expect(first.texts.map(\.text) == ["郑州市某某公司第0分公司 & 𠀀", "同意设置 <户外广告> 中文 a]b", "", "2025/06/10", "多行\n文本 \"引'"])
        #expect(first.line == 3 && first.fields.map(\.line) == [3, 3, 4, 4, 4])
    }

    @Test("a byte order mark, declarations with encoding and standalone, or none", arguments: [
        "<?xml version=\"1.0\"?>", "\u{FEFF}<?xml version='1.0' encoding='utf-8' standalone='yes'?>", "",
        "<?xml version=\"1.0\"\n  encoding=\"UTF-8\" ?>",
    ])
    func declarations(declaration: String) {
        let bytes = plainDocument(records: 3, declaration: declaration)
        let plain = XMLOutcome(bytes, plain: true, chunk: 7)
        #expect(plain.readPlainly)
        #expect(plain == XMLOutcome(bytes, plain: false))
        #expect(plain.records.count == 3)
    }

    /// Each a document (or a record in one) outside the subset, or faulty: libxml2 reads it again
    /// from the start, and the outcome is libxml2's alone, records before the point included.
    static let outside: [(String, String)] = [
        ("comment", "<Record><A>1</A><!-- 注释 --><B>2</B></Record>"),
        ("CDATA", "<Record><A><![CDATA[a]]>b<c>]]></A></Record>"),
        ("processing instruction", "<Record><?pi x?><A>1</A></Record>"),
        ("attribute", "<Record id=\"1\"><A>1</A></Record>"),
        ("prefix", "<x:Record xmlns:x=\"urn:x\"><A>1</A></x:Record>"),
        ("non-ASCII name", "<Record><名称>1</名称></Record>"),
        ("lone CR", "<Record><A>1\r2</A></Record>"),
        ("control character", "<Record><A>1\u{01}2</A></Record>"),
        ("U+FFFF", "<Record><A>1\u{FFFF}2</A></Record>"),
        ("]]> in text", "<Record><A>1]]>2</A></Record>"),
        ("undefined entity", "<Record><A>&nbsp;</A></Record>"),
        ("character reference to NUL", "<Record><A>&#0;</A></Record>"),
        ("character reference to a surrogate", "<Record><A>&#xD800;</A></Record>"),
        ("bad character reference", "<Record><A>&#xZZ;</A></Record>"),
        ("mismatched tag", "<Record><A>1</B></Record>"),
        ("end tag with nothing open", "</Record>"),
        ("a tag not closed", "<Record><A>1</A</Record>"),
        ("space before the name", "< Record><A>1</A></Record>"),
        ("unescaped <", "<Record><A>1 < 2</A></Record>"),
        ("unescaped &", "<Record><A>1 & 2</A></Record>"),
        ("nesting deeper than the limit", String(repeating: "<D>", count: 70) + String(repeating: "</D>", count: 70)),
        ("nested elements in a field", "<Record><A>1<i>2</i>\n3</A><B> </B></Record>"),
    ]

    @Test("outside the subset or faulty: libxml2's outcome, the records before it included", arguments: outside.indices)
    func outsideTheSubset(index: Int) {
        let (name, piece) = Self.outside[index]
        var bytes = plainDocument(records: 3)
        let cut = bytes.count - "</Records>\n".utf8.count
        bytes.insert(contentsOf: Array(piece.utf8), at: cut)
        for chunk in [3, 1 << 16] {
            let libxml2 = XMLOutcome(bytes, plain: false, chunk: chunk)
            let plain = XMLOutcome(bytes, plain: true, chunk: chunk)
            #expect(plain == libxml2, "\(name), chunk \(chunk): \(plain) against \(libxml2)")
            #expect(libxml2.records.count >= 3, "\(name)")
        }
    }

    @Test("whole documents outside the subset or faulty: other encodings, DOCTYPE, cut off, empty, two roots", arguments: [
        "<?xml version=\"1.0\" encoding=\"GB18030\"?>\n<Records><Record><A>1</A></Record></Records>\n",
        "<?xml version=\"1.1\"?>\n<Records><Record><A>1</A></Record></Records>\n",
        "<?xml version=\"1.0\" standalone=\"yes\" encoding=\"UTF-8\"?>\n<Records><Record><A>1</A></Record></Records>\n",
        "<?xml-stylesheet href=\"a\"?>\n<Records><Record><A>1</A></Record></Records>\n",
        " <?xml version=\"1.0\"?>\n<Records><Record><A>1</A></Record></Records>\n",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Records [<!ENTITY x \"y\">]>\n<Records><Record><A>&x;</A></Record></Records>\n",
        "<?xml version=\"1.0\"?>\n<Records><Record><A>1</A></Record>\n<Record><A>2</A>",
        "<?xml version=\"1.0\"?>\n<Records><Record><A>1</A></Record></Records>\n<Records/>\n",
        "<?xml version=\"1.0\"?>\n<Records><Record><A>1</A></Record></Records>\ntext\n",
        "<?xml version=\"1.0\"?>\n", "", "\u{FEFF}", "<Records/>",
    ])
    func wholeDocuments(xml: String) {
        let bytes = Array(xml.utf8)
        for chunk in [1, 1 << 16] {
            #expect(XMLOutcome(bytes, plain: true, chunk: chunk) == XMLOutcome(bytes, plain: false, chunk: chunk), "\(xml.debugDescription)")
        }
    }

    @Test("when the bytes cannot be had again (a pipe, a file changed since), the document fails after the records given")
    func noRewind() throws {
        var bytes = plainDocument(records: 3)
        bytes.insert(contentsOf: Array("<!-- c -->".utf8), at: bytes.count - "</Records>\n".utf8.count)
        let source = ChunkedBytes(bytes, chunk: 1 << 16)
        let reader = try XMLRecordReader(recordPath: "Record", rewind: { false }, read: source.read)
        var records = 0
        #expect(throws: XMLReadError.cannotReadAgain) {
            while try reader.next() != nil { records += 1 }
        }
        #expect(records == 3)
    }

    @Test("a document of ever new element names stops at the limit, either way, after the records before it")
    func tooManyNames() {
        // Records and Record are two names; the first record's fields make the limit, the second's pass it.
        let first = (0..<(XMLRecordReader.maxNames - 2)).map { "<N\($0)>x</N\($0)>" }.joined()
        let xml = "<?xml version=\"1.0\"?>\n<Records>\n<Record>\(first)</Record>\n<Record><A>1</A></Record>\n</Records>\n"
        for plain in [false, true] {
            let outcome = XMLOutcome(Array(xml.utf8), plain: plain)
            #expect(outcome.records.count == 1)
            #expect(outcome.records.first?.fields.count == XMLRecordReader.maxNames - 2)
            #expect(outcome.error == .tooManyNames(line: 4, limit: XMLRecordReader.maxNames))
        }
    }

    @Test("every fixture reads the same with the scanner offered as with libxml2 alone")
    func fixtures() throws {
        let folder = Fixtures.url("xml")
        var files = try FileManager.default.contentsOfDirectory(atPath: folder.path).map { "xml/\($0)" }
        files += ["validate/permit/permits.xml"]
        for file in files where file.hasSuffix(".xml") {
            let bytes = try fixtureBytes(file)
            #expect(XMLOutcome(bytes, plain: true) == XMLOutcome(bytes, plain: false), "\(file)")
        }
    }

    @Test("documents mutated at random read the same with the scanner offered as with libxml2 alone")
    func mutations() {
        let base = plainDocument(records: 12)
        let pieces: [[UInt8]] = [
            "<", ">", "&", ";", "]]>", "\r", "\r\n", "\n", "\u{0}", "<!-- c -->", "<x>", "</x>", "<x/>", "&amp;", "&#x41;",
            "&#1114112;", "\u{FFFE}", "<?", "<!", " a=\"1\"", "中",
        ].map { Array($0.utf8) } + [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE4, 0xB8], [0x80], [0xF4, 0x90, 0x80, 0x80]]
        var random = SeededGenerator(seed: 18)
        var plainly = 0
        for round in 0..<1_500 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = Int.random(in: 0...bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes.insert(contentsOf: pieces.randomElement(using: &random)!, at: at)
                case 1: if at < bytes.count { bytes.remove(at: at) }
                default: bytes.removeLast(min(bytes.count, Int.random(in: 0...5, using: &random)))
                }
            }
            // libxml2's message for a fault can depend on how the bytes arrive: both read alike.
            let chunk = [7, 1 << 16][round % 2]
            let libxml2 = XMLOutcome(bytes, plain: false, chunk: chunk)
            let plain = XMLOutcome(bytes, plain: true, chunk: chunk)
            if plain.readPlainly { plainly += 1 }
            #expect(plain == libxml2, "round \(round): \(plain) against \(libxml2)")
        }
        // Not every mutation leaves the subset (a byte removed from a text, a 中 inserted).
        #expect(plainly > 75)
    }
}
