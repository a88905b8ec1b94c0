import Foundation
import GongshiTesting
import SourceDecoders
import Testing

/// Reads every record of an XML text, feeding it in chunks of `chunk` bytes.
func readXML(_ bytes: [UInt8], record: String = "Record", xsd: [UInt8]? = nil, chunk: Int = 1 << 16) throws
    -> ([XMLRecord], [XMLSchemaViolation])
{
    let source = ChunkedBytes(bytes, chunk: chunk)
    let reader = try XMLRecordReader(recordPath: record, xsd: xsd, read: source.read)
    var records: [XMLRecord] = []
    var violations: [XMLSchemaViolation] = []
    while let record = try reader.next() {
        records.append(record)
        violations += reader.takeSchemaViolations()
    }
    return (records, violations)
}

/// A document's bytes handed over `chunk` at a time, from the start again when asked.
final class ChunkedBytes {
    private let bytes: [UInt8]
    private let chunk: Int
    private var position = 0

    init(_ bytes: [UInt8], chunk: Int) {
        self.bytes = bytes
        self.chunk = chunk
    }

    func read(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(buffer.count, chunk, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
        }
        position += count
        return count
    }

    func rewind() -> Bool {
        position = 0
        return true
    }
}

func fixtureBytes(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: Fixtures.url(path)))
}

@Suite("XML records through libxml2's reader", .serialized)
struct XMLRecordReaderTests {
    @Test("entities, character references and CDATA arrive intact; lines are the records' and fields'")
    func textArrivesIntact() throws {
        let (records, _) = try readXML(try fixtureBytes("xml/entities-and-cdata.xml"))
        #expect(records.count == 2)
        let first = try #require(records.first)
        #expect(first.line == 3)
        #expect(first.fields.map(\.name) == ["XK_XDR_MC", "XK_NR", "XK_XKWS"])
        #expect(first.texts[0].text == "A & B <公司> 中文 𠀀")
        #expect(first.texts[1].text == "同意设置 <户外广告> & 招牌")
        #expect(first.texts[2].text == "a]]>b")
        #expect(first.fields[1].line == 5)
        #expect(records[1].texts.map { "\($0.name)=\($0.text)@\($0.line)" } == ["XK_XDR_MC=第二条@9", "XK_BZ=@10"])
        #expect(records[1].fields[0].nameID == first.fields[0].nameID)
    }

    @Test("the same records whatever the chunk size")
    func chunking() throws {
        let bytes = try fixtureBytes("xml/entities-and-cdata.xml")
        let whole = try readXML(bytes).0
        for chunk in [1, 2, 3, 7, 64] { #expect(try readXML(bytes, chunk: chunk).0 == whole) }
    }

    @Test("a path from the root, or a name at any depth, selects the record element")
    func recordPath() throws {
        let bytes = try fixtureBytes("xml/entities-and-cdata.xml")
        #expect(try readXML(bytes, record: "/Records/Record").0.count == 2)
        // A path that names no element of the file: its root's children are not records, which is said.
        #expect(throws: XMLReadError.noRecords(line: 3, root: "Records", found: "Record", expected: "/Record")) {
            _ = try readXML(bytes, record: "/Record")
        }
    }

    @Test(
        "hostile and broken files end in a clear error with a line",
        arguments: [
            ("xml/xxe.xml", "doctype"), ("xml/billion-laughs.xml", "doctype"), ("xml/external-dtd.xml", "doctype"),
            ("xml/internal-entity.xml", "undefined-entity"), ("xml/truncated.xml", "notWellFormed"),
            ("xml/malformed.xml", "notWellFormed"), ("xml/deep.xml", "tooDeep"), ("xml/empty.xml", "empty"),
            ("xml/doctype-line-3.xml", "doctype-3"),
        ])
    func hostile(file: String, kind: String) throws {
        do {
            _ = try readXML(try fixtureBytes(file))
            Issue.record("\(file) was read")
        } catch let error as XMLReadError {
            switch (error, kind) {
            case (.doctype(let line), "doctype"): #expect(line == 2)  // where <!DOCTYPE stands, not where libxml2 read up to
            case (.doctype(let line), "doctype-3"): #expect(line == 3)
            case (.notWellFormed(let line, let message), "undefined-entity"):
                #expect(line == 3)
                #expect(message.contains("nbsp"))
                #expect(message.hasPrefix("引用了未定义的实体："), "\(message)")  // said in Chinese first, libxml2's words kept
            case (.notWellFormed(let line, let message), "notWellFormed"):
                #expect(line >= 1 && !message.isEmpty)
                if file == "xml/malformed.xml" { #expect(message.hasPrefix("开始标签与结束标签不一致："), "\(message)") }
            case (.tooDeep(let line, _), "tooDeep"): #expect(line == 2)
            case (.empty, "empty"): break
            default: Issue.record("\(file): unexpected \(String(describing: error))")
            }
        }
    }

    @Test("a file that stops inside an element is said to end too soon, naming the element, by libxml2's push parser as by the plain scanner's way back to it")
    func truncatedNamesTheOpenElement() throws {
        let whole = try fixtureBytes("xml/truncated.xml")
        // As it is (the plain scanner hands the file to libxml2), and with a comment (libxml2 from the start).
        let commented = Array(String(decoding: whole, as: UTF8.self).replacingOccurrences(of: "<Records>", with: "<Records><!-- 注释 -->").utf8)
        for bytes in [whole, commented] {
            do {
                _ = try readXML(bytes)
                Issue.record("the truncated file was read")
            } catch XMLReadError.notWellFormed(_, let message) {
                #expect(message.contains("<XK_XDR_MC>") && message.contains("Premature end of data"), "\(message)")
                #expect(!message.contains("Extra content"), "\(message)")
            }
        }
    }

    @Test("with an XSD or without, the same records: names, texts, lines")
    func bothPathsAgree() throws {
        let xsd = try fixtureBytes("../schemas/xsd/administrative-permit.v2.xsd")
        for file in ["xml/entities-and-cdata.xml", "validate/permit/permits.xml"] {
            let bytes = try fixtureBytes(file)
            let plain = try readXML(bytes).0
            let validated = try readXML(bytes, xsd: xsd).0
            #expect(!plain.isEmpty)
            #expect(plain == validated, "\(file)")
            #expect(plain.map(\.fields.count) == validated.map(\.fields.count))
        }
    }

    @Test("a record missing a required child is a violation of that record, not a failure of the file")
    func missingChildIsTheRecords() throws {
        let xsd = try fixtureBytes("../schemas/xsd/administrative-permit.v2.xsd")
        var position = 0
        let bytes = try fixtureBytes("xml/entities-and-cdata.xml")
        let reader = try XMLRecordReader(recordPath: "Record", xsd: xsd) { buffer in
            let count = min(buffer.count, bytes.count - position)
            bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[position..<(position + count)])) }
            position += count
            return count
        }
        var lines: [[Int]] = []
        while let record = try reader.next() {
            #expect(record.line == [3, 8][lines.count])
            lines.append(reader.takeSchemaViolations().map(\.line))
        }
        // The first record lacks required children: the validator says so at its end tag (line 7).
        // The second has an element the XSD does not expect there (<XK_BZ/>, line 10).
        #expect(lines == [[7], [10]])
    }

    @Test("a record element the XSD does not expect where it stands (in a namespace it does not name) stops the document at it: the streaming validator would check none of the records after it")
    func unexpectedRecordElementStopsTheDocument() throws {
        let xsd = try fixtureBytes("../schemas/xsd/administrative-permit.v2.xsd")
        let text = try String(decoding: fixtureBytes("validate/permit/permits.xml"), as: UTF8.self)
        let namespaced = text.replacingOccurrences(of: "<Record>", with: "<x:Record>").replacingOccurrences(of: "</Record>", with: "</x:Record>")
            .replacingOccurrences(of: "<Records>", with: "<Records xmlns:x=\"urn:x\">")
        #expect(namespaced != text)
        #expect(throws: XMLReadError.self) { _ = try readXML(Array(namespaced.utf8), xsd: xsd) }
        // Without the XSD, the records are read by their local name.
        #expect(try readXML(Array(namespaced.utf8)).0.count == readXML(Array(text.utf8)).0.count)
        // A child the XSD does not expect inside a record stays that record's violation.
        let (records, violations) = try readXML(try fixtureBytes("xml/entities-and-cdata.xml"), xsd: xsd)
        #expect(records.count == 2 && violations.map(\.line) == [7, 10])
    }

    @Test("lines past 65,535 are exact (libxml2 keeps a node's line in 16 bits)")
    func linesPast65535() throws {
        var xml = "<?xml version=\"1.0\"?>\n<Records>\n"
        for index in 0..<70_000 { xml += "<Record><XK_NR>\(index)</XK_NR>\n<XK_BZ>b</XK_BZ></Record>\n" }
        xml += "</Records>\n"
        let records = try readXML(Array(xml.utf8)).0
        #expect(records.count == 70_000)
        // Record i starts on line 3 + 2i; its second field is on the line after.
        #expect(records.map(\.line) == (0..<70_000).map { 3 + 2 * $0 })
        #expect(records.last?.fields.map(\.line) == [3 + 2 * 69_999, 4 + 2 * 69_999])
        #expect(records.last?.texts.first?.text == "69999")
    }

    @Test("records completed before a well-formedness error are read first, then the error")
    func recordsBeforeTheError() throws {
        let xml = "<?xml version=\"1.0\"?>\n<Records>\n<Record><A>1</A></Record>\n<Record><A>2</A></Record>\n<Record><A>3</B></Record>\n"
        var position = 0
        let bytes = Array(xml.utf8)
        let reader = try XMLRecordReader(recordPath: "Record") { buffer in
            let count = min(buffer.count, bytes.count - position)
            bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[position..<(position + count)])) }
            position += count
            return count
        }
        #expect(try reader.next()?.texts.map(\.text) == ["1"])
        #expect(try reader.next()?.texts.map(\.text) == ["2"])
        #expect(throws: XMLReadError.self) { _ = try reader.next() }
    }

    @Test(
        "an element inside a field, and a record inside a record, are problems of the record, by the plain scanner and by libxml2",
        arguments: [false, true])
    func markupInsideARecord(libxml2: Bool) throws {
        let xml = """
            <?xml version="1.0"?>
            <Records>\(libxml2 ? "<!-- libxml2 -->" : "")
            <Record><A>公司<b>粗</b>901</A><B>2</B></Record>
            <Record><A>1</A>
            <Record><A>2</A></Record>
            </Record>
            <Record><A>3</A><B><c/><d/></B></Record>
            <Record><A>4</A><Wrap>
            <Record><A>5</A></Record></Wrap>
            </Record>
            </Records>

            """
        let source = ChunkedBytes(Array(xml.utf8), chunk: 7)
        let reader = try XMLRecordReader(recordPath: "Record", rewind: source.rewind, read: source.read)
        var records: [XMLRecord] = []
        while let record = try reader.next() { records.append(record) }
        #expect(reader.readPlainly == !libxml2)
        #expect(records.map(\.line) == [3, 4, 7, 8])
        #expect(records[0].texts.map(\.text) == ["公司粗901", "2"])
        #expect(records[0].problems == [.markupInField(field: 0, element: "b", line: 3)])
        // The nested record is not a field of the outer one, nor a record of its own.
        #expect(records[1].texts.map(\.name) == ["A"])
        #expect(records[1].problems == [.nestedRecord(line: 5)])
        #expect(records[2].problems == [.markupInField(field: 1, element: "c", line: 7)])
        // Deeper, inside an element no field reads, too.
        #expect(records[3].problems.first == .nestedRecord(line: 9), "\(records[3].problems)")
    }

    @Test("a root whose child elements are none of them records fails the document, naming what it holds; an empty root is no records", arguments: [false, true])
    func noRecordElement(libxml2: Bool) throws {
        let comment = libxml2 ? "<!-- libxml2 -->" : ""
        let wrong = "<?xml version=\"1.0\"?>\n<Records>\(comment)\n<record><A>1</A></record>\n<Item><A>2</A></Item>\n</Records>\n"
        for record in ["Record", "/Records/Record"] {
            let source = ChunkedBytes(Array(wrong.utf8), chunk: 1 << 16)
            let reader = try XMLRecordReader(recordPath: record, rewind: source.rewind, read: source.read)
            #expect(throws: XMLReadError.noRecords(line: 3, root: "Records", found: "record", expected: record)) { _ = try reader.next() }
        }
        for empty in ["<Records>\(comment)</Records>", "<Records/>"] {
            let source = ChunkedBytes(Array(empty.utf8), chunk: 1 << 16)
            let reader = try XMLRecordReader(recordPath: "Record", rewind: source.rewind, read: source.read)
            #expect(try reader.next() == nil)
        }
    }

    @Test("an empty file, a byte order mark alone or blanks are said to be empty, not to have extra content", arguments: ["", "\u{FEFF}", "\u{FEFF} \n", " \n\t"])
    func emptyFile(text: String) throws {
        for xsd in [nil, try fixtureBytes("../schemas/xsd/administrative-permit.v2.xsd")] {
            #expect(throws: XMLReadError.empty) { _ = try readXML(Array(text.utf8), xsd: xsd) }
        }
        // A declaration alone: no root element, which is said (not "extra content").
        do {
            _ = try readXML(Array("<?xml version=\"1.0\"?>\n".utf8))
            Issue.record("read")
        } catch XMLReadError.notWellFormed(_, let message) {
            #expect(message.hasPrefix("文件里没有根元素"), "\(message)")
        }
    }

    @Test("a file whose bytes are not its declared encoding says so in Chinese, on a line")
    func declaredEncodingWrong() throws {
        let xml = "<?xml version=\"1.0\" encoding=\"GB2312\"?>\n<Records>\n<Record><A>中牟县城市管理局</A></Record>\n</Records>\n"
        do {
            _ = try readXML(Array(xml.utf8))
            Issue.record("read")
        } catch XMLReadError.notWellFormed(let line, let message) {
            #expect(line >= 1)
            #expect(message.hasPrefix("文件的字节不符合声明的编码"), "\(message)")
        }
    }

    @Test("the malformed file names the line of the mismatched tag")
    func malformedLine() throws {
        #expect(throws: XMLReadError.notWellFormed(
            line: 4, message: "开始标签与结束标签不一致：Opening and ending tag mismatch: XK_XDR_MC line 4 and XK_XDR_MCC")
        ) {
            _ = try readXML(try fixtureBytes("xml/malformed.xml"))
        }
    }
}

@Suite("XML limits")
struct XMLLimitTests {
    @Test("a field's text past its limit keeps its start to the limit and counts its whole length; the records read on", arguments: [false, true])
    func textPastItsLimit(plain: Bool) throws {
        // 长 is three bytes: a limit of 10 bytes keeps three characters (a character is never split).
        let long = String(repeating: "长", count: 5_000) + "&amp;" + String(repeating: "a", count: 7)
        let xml = "<?xml version=\"1.0\"?>\n<Records>\n<Record><A>一</A><B>\(long)</B><C>1234567890AB</C></Record>\n<Record><B>短</B></Record>\n</Records>\n"
        for chunk in [1, 7, 1 << 16] {
            let source = ChunkedBytes(Array(xml.utf8), chunk: chunk)
            let reader = try XMLRecordReader(
                recordPath: "Record", textLimit: { $0 == "C" ? 12 : 10 }, rewind: plain ? source.rewind : nil, read: source.read)
            let first = try #require(try reader.next())
            #expect(first.texts.map(\.text) == ["一", "长长长", "1234567890AB"], "chunk \(chunk)")
            #expect(first.oversized == [OversizedCell(cell: 1, bytes: 15_008, characters: 5_008)], "chunk \(chunk)")
            let second = try #require(try reader.next())
            #expect(second.texts.map(\.text) == ["短"] && second.oversized.isEmpty && second.line == 4)
            #expect(try reader.next() == nil)
            #expect(reader.readPlainly == plain)
        }
    }

    @Test("a 50 MB text is one record's cut field, not the document's failure")
    func fiftyMegabytes() throws {
        var bytes = Array("<?xml version=\"1.0\"?>\n<Records><!-- libxml2 -->\n<Record><A>".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 50 << 20)
        bytes += Array("</A></Record>\n<Record><A>y</A></Record></Records>\n".utf8)
        let (records, _) = try readXML(bytes, chunk: 1 << 20)
        #expect(records.count == 2)
        #expect(records[0].bytes.count == XMLRecordReader.maxTextLength)
        #expect(records[0].oversized == [OversizedCell(cell: 0, bytes: 50 << 20, characters: 50 << 20)])
        #expect(records[1].texts.map(\.text) == ["y"])
    }

    @Test("with an XSD, whose validator holds a text whole, a text past 1 MiB stops the document after the records before it")
    func textPastTheLimitWithAnXSD() throws {
        let xsd = Array("""
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="Records"><xs:complexType><xs:sequence>
            <xs:element name="Record" maxOccurs="unbounded"><xs:complexType><xs:sequence><xs:element name="A" type="xs:string"/>
            </xs:sequence></xs:complexType></xs:element></xs:sequence></xs:complexType></xs:element></xs:schema>
            """.utf8)
        let long = String(repeating: "x", count: 50 << 20)
        let xml = "<?xml version=\"1.0\"?>\n<Records>\n<Record><A>1</A></Record>\n<Record><A>\(long)</A></Record>\n</Records>\n"
        let source = ChunkedBytes(Array(xml.utf8), chunk: 1 << 20)
        let reader = try XMLRecordReader(recordPath: "Record", xsd: xsd, read: source.read)
        #expect(try reader.next()?.texts.map(\.text) == ["1"])
        #expect(throws: XMLReadError.textTooLong(line: 4, limit: XMLRecordReader.maxTextLength)) { _ = try reader.next() }
    }

    @Test(
        "with an XSD, a megabyte of blanks between elements or inside a record stops the document with its line, and does not crash",
        arguments: ["between", "inside", "field"])
    func megabyteOfBlanksWithAnXSD(place: String) throws {
        // libxml2 2.9's fast path for text went on reading its freed buffer when the document was
        // stopped inside the callback (SIGSEGV): blanks past the limit at a megabyte chunk's end.
        let xsd = try fixtureBytes("../schemas/xsd/administrative-permit.v2.xsd")
        let record = try fixtureBytes("validate/permit/permits.xml")
        let text = String(decoding: record, as: UTF8.self)
        let start = try #require(text.range(of: "<Record>")), end = try #require(text.range(of: "</Record>"))
        let one = String(text[start.lowerBound..<end.upperBound])
        // The QA's file: 1,048,575 blanks and the line's own, past the limit of 1 MiB; in a field, its blanks only.
        let blanks = String(repeating: " ", count: place == "field" ? 1_048_577 : 1_048_575)
        let padded: String
        switch place {
        case "between": padded = one + "\n" + blanks + "\n" + one
        case "inside": padded = one.replacingOccurrences(of: "</Record>", with: blanks + "</Record>") + "\n" + one
        default: padded = one + "\n" + one.replacingOccurrences(of: "<Record>", with: "<Record><XK_NR>" + blanks + "</XK_NR>")
        }
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Records>\n" + padded + "\n</Records>\n"
        let source = ChunkedBytes(Array(xml.utf8), chunk: 1 << 20)
        let reader = try XMLRecordReader(recordPath: "Record", xsd: xsd, read: source.read)
        var read = 0
        do {
            while try reader.next() != nil { read += 1 }
            Issue.record("the document was read to its end")
        } catch XMLReadError.textTooLong(let line, let limit) {
            #expect(limit == XMLRecordReader.maxTextLength)
            #expect(line >= 3)
        }
        #expect(read == (place == "inside" ? 0 : 1))
    }

    @Test("a comment, CDATA section or attribute past libxml2's look-ahead (10 MB) is said to be, with the limit", arguments: ["comment", "cdata", "attribute"])
    func markupPastTheLookAhead(kind: String) throws {
        let long = String(repeating: "A", count: 10_500_000)
        let record: String
        switch kind {
        case "comment": record = "<Record><A>1</A><!--\(long)--></Record>"
        case "cdata": record = "<Record><A><![CDATA[\(long)]]></A></Record>"
        default: record = "<Record a=\"\(long)\"><A>1</A></Record>"
        }
        let xml = "<?xml version=\"1.0\"?>\n<Records>\n<Record><A>0</A></Record>\n\(record)\n</Records>\n"
        let source = ChunkedBytes(Array(xml.utf8), chunk: 1 << 20)
        let reader = try XMLRecordReader(recordPath: "Record", rewind: source.rewind, read: source.read)
        #expect(try reader.next()?.texts.map(\.text) == ["0"])
        #expect(throws: XMLReadError.markupTooLong(line: 4, limit: 10_000_000)) { _ = try reader.next() }
    }

    @Test("an XSD that does not compile is refused with its problem, and nothing crashes")
    func badXSD() throws {
        #expect(throws: XMLReadError.self) {
            _ = try XMLRecordReader(recordPath: "Record", xsd: Array("<xs:schema><oops".utf8)) { _ in 0 }
        }
    }
}
