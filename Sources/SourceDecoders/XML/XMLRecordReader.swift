import CLibXML2
import DisclosureCore

/// One record element of an XML export: its child elements' names and text, and the line where it
/// starts. The texts are kept as UTF-8 bytes, back to back; a `String` is made only when asked for.
public struct XMLRecord: Sendable, Equatable {
    public let line: Int
    public let fields: [Field]
    /// The fields' text, back to back.
    public let bytes: [UInt8]
    /// The fields whose text was longer than their limit (``XMLRecordReader/init(recordPath:xsd:textLimit:rewind:read:)``),
    /// in order, each by its index in ``fields``: only its start is in ``bytes``, and its whole
    /// length is counted here.
    public let oversized: [OversizedCell]
    /// What is wrong with the record's markup (an element inside a field, a record inside the
    /// record), in order: its fields' text would not be what the department wrote.
    public let problems: [Problem]

    public init(line: Int, fields: [Field], bytes: [UInt8], oversized: [OversizedCell] = [], problems: [Problem] = []) {
        self.line = line
        self.fields = fields
        self.bytes = bytes
        self.oversized = oversized
        self.problems = problems
    }

    public enum Problem: Sendable, Equatable {
        /// An element inside the field at `field` (its index in ``XMLRecord/fields``): its text is
        /// run together with the field's (`公司<b>粗</b>901` reads `公司粗901`). `element` is the first.
        case markupInField(field: Int, element: String, line: Int)
        /// A record element inside the record, at `line`: not read as a record of its own.
        case nestedRecord(line: Int)
    }

    public struct Field: Sendable, Equatable {
        public let name: String
        /// A small number per distinct element name in the document, for quick lookups.
        public let nameID: Int
        public let line: Int
        /// Where the field's text is in the record's ``XMLRecord/bytes``.
        public let range: Range<Int>
    }

    /// A field's text.
    public func text(_ field: Field) -> String {
        String(decoding: bytes[field.range], as: UTF8.self)
    }

    /// Every field as (name, text, line), for tests and messages.
    public var texts: [(name: String, text: String, line: Int)] {
        fields.map { ($0.name, text($0), $0.line) }
    }

    public static func == (lhs: XMLRecord, rhs: XMLRecord) -> Bool {
        lhs.line == rhs.line && lhs.oversized == rhs.oversized && lhs.problems == rhs.problems
            && lhs.texts.elementsEqual(rhs.texts) { $0 == $1 }
    }
}

/// Why an XML file cannot be read on. Every case names the line.
public enum XMLReadError: Error, Sendable, Equatable {
    /// Not well-formed (libxml2's message), or truncated.
    case notWellFormed(line: Int, message: String)
    /// A document type declaration: DTDs, and so external entities, are refused outright.
    case doctype(line: Int)
    /// An entity reference other than the five predefined ones and character references.
    case entityReference(line: Int, name: String)
    /// Nesting deeper than the limit.
    case tooDeep(line: Int, limit: Int)
    /// A text longer than the limit: a workbook's, or any with an XSD (whose validator holds a text
    /// whole); without one, a record's field is cut instead (``XMLRecord/oversized``).
    case textTooLong(line: Int, limit: Int)
    /// The plain scanner left the document to libxml2, which could not have its bytes again from
    /// the start (the file changed since its reading began, or cannot seek).
    case cannotReadAgain
    /// More distinct element names than the limit (an export's records have a few dozen).
    case tooManyNames(line: Int, limit: Int)
    /// The XSD itself cannot be compiled.
    case schemaInvalid(message: String)
    /// The document breaks the XSD outside any record (a wrong root element, say).
    case schema(line: Int, message: String)
    /// The root element has child elements but no record element anywhere: the record element is
    /// named wrongly (`<record>`, `<Item>`), and reading on would settle the file with no record.
    /// `found` is the root's first child, at `line`; `root` the root element.
    case noRecords(line: Int, root: String, found: String, expected: String)
    /// Nothing but blanks (or a byte order mark): no XML at all.
    case empty
    /// One piece of markup (a CDATA section, comment, attribute value or name) longer than
    /// libxml2's push parser looks ahead for its end without `XML_PARSE_HUGE`.
    case markupTooLong(line: Int, limit: Int)
}

/// A problem the XSD found inside a record: the record is invalid, the file reads on.
public struct XMLSchemaViolation: Sendable, Equatable {
    public let line: Int
    public let message: String
}

/// A streaming reader of record elements over libxml2's SAX2 push parser, with optional XSD
/// validation in the same pass (libxml2's streaming validator plugged into the same callbacks).
///
/// The callbacks hand element names and text straight to the record being built
/// (``XMLRecordAssembler``); no node tree is made. Measured on 200,000 records (238 MiB) with a bare
/// C loop over each API: the SAX parser 0.74–0.79 s, `xmlTextReader` (which this type used before,
/// and which `xmllint --stream` uses) 1.16–1.22 s: the reader builds and frees a node per element
/// and text. The parser's line is an `int`; a reader node's is 16 bits, so every line past 65,535
/// was reported as 65,535.
///
/// The XSD's findings arrive in the callbacks' order: the validator runs after each of ours, so a
/// finding about an element inside a record, or about the record's end (a required child
/// missing), belongs to that record; any other fails the document.
///
/// Hardened: no network (`XML_PARSE_NONET`), no entity substitution and no DTD loading (the options
/// `NOENT`, `DTDLOAD` and `DTDATTR` are never set, and no external-subset callback exists), any
/// `<!DOCTYPE` refused where it stands, before its internal subset is read (so no entity is ever
/// declared: every reference but the five predefined ones and character references is undefined,
/// which libxml2 reports as not well-formed), and a limit on depth. A field's text is kept only to
/// its limit, its whole length counted (``XMLRecord/oversized``): a 50 MB text costs its limit, not
/// the document; with an XSD, whose validator holds a text whole, a text past 1 MiB stops the
/// document. `&amp;`, `&lt;`,
/// character references and CDATA arrive as text.
///
/// Without an XSD, and when the caller can supply the bytes again from the start (`rewind`), the
/// document is read first by ``PlainXMLScanner``, which knows only the plain subset record exports
/// are written in and is several times faster than libxml2 on it. At the first thing outside that
/// subset, or any fault, libxml2 reads the document again from its start, the records the scanner
/// gave are skipped, and everything after (records, errors, their lines) is libxml2's.
///
/// The runner supplies the bytes through `read`, so this type opens no file. libxml2 reports some
/// errors through a handler of the calling thread's (set here, cleared when the reader goes): on a
/// thread, read one document at a time, and create, use and free the reader there.
public final class XMLRecordReader {
    /// Limits beyond libxml2's own.
    public static let maxDepth = 64
    /// The most bytes of a field's text kept unless the caller says otherwise (`textLimit`); a
    /// longer text is cut there and its whole length counted (``XMLRecord/oversized``).
    public static let maxTextLength = 1 << 20
    /// Distinct element names in a document: each is kept for the document's whole reading, and
    /// each unknown one is reported once, so a document of ever new names (858 KB, 50,000 of them,
    /// took 4.7 s, 90 MB and 50,001 warnings before this limit) fails instead.
    public static let maxNames = 4_096
    /// The bytes handed to the parser at a time (libxml2 copies them into its own buffer).
    static let chunkSize = 1 << 20

    private var parser: xmlParserCtxtPtr?
    private let chunk: UnsafeMutableRawBufferPointer
    private var schema: xmlSchemaPtr?
    private var validation: xmlSchemaValidCtxtPtr?
    private var plug: xmlSchemaSAXPlugPtr?
    private let context: Unmanaged<Context>
    /// The plain subset's own scanner, while it reads the document (no XSD, and the bytes can be
    /// read again from the start).
    private var plain: PlainXMLScanner?
    private let rewind: (() -> Bool)?
    /// Records libxml2 reads again that the plain scanner already gave.
    private var skipping = 0

    final class Context {
        let read: (UnsafeMutableRawBufferPointer) -> Int
        // Unchecked: the callbacks reach these through this object once per element and text, and
        // the runtime's exclusivity checks were 8% of the reading thread. Only the thread that reads
        // the document touches them, one callback at a time.
        @exclusivity(unchecked) var assembler: XMLRecordAssembler
        /// libxml2's errors that are not the XSD's, kept to name the one that stops the document.
        var errors: [(line: Int, message: String, level: Int32, code: Int32)] = []
        /// Where `<!DOCTYPE` stands in the bytes as they are read: looked for in the document's
        /// first 64 KiB, where a DOCTYPE must be (before the root element).
        var doctypeLine: Int?
        private var scanned = 0
        private var line = 1
        private var matched = 0
        /// Whether the document's first 64 KiB are all blanks (after a byte order mark), and its
        /// length up to there: an empty file is said to be one, not libxml2's "Extra content".
        private(set) var onlyBlanks = true
        private(set) var length = 0

        var parser: xmlParserCtxtPtr?
        @exclusivity(unchecked) var depth = 0
        /// Records completed by the last chunk, in order (taken from `head`), each with the XSD's
        /// findings about it; the findings about the record being built; whether the last event
        /// closed a record (the validator's finding about a record's end comes right after it).
        @exclusivity(unchecked) var ready: [(record: XMLRecord, violations: [XMLSchemaViolation])] = []
        @exclusivity(unchecked) var head = 0
        @exclusivity(unchecked) var violations: [XMLSchemaViolation] = []
        @exclusivity(unchecked) var closedRecord = false
        /// Whether the last event opened a record element (the validator's finding about that
        /// start tag comes right after it).
        @exclusivity(unchecked) var openedRecord = false
        /// The error that stopped the document.
        @exclusivity(unchecked) var stopped: XMLReadError?
        var ended = false
        /// Whether the XSD's validator is plugged in; and the bytes of text since the last tag. The
        /// validator holds an element's text whole to check it against its type, appending each
        /// piece to a copy: a 50 MB text took 231 s and 95 MB. With it, a run of text past
        /// ``XMLRecordReader/maxTextLength`` stops the document, as every long text did before
        /// texts were cut (`xml-text-too-long`); without it, texts are cut and the document reads on.
        var validating = false
        @exclusivity(unchecked) var textRun = 0

        init(read: @escaping (UnsafeMutableRawBufferPointer) -> Int, assembler: XMLRecordAssembler) {
            self.read = read
            self.assembler = assembler
        }

        func scan(_ bytes: UnsafeRawBufferPointer) {
            if onlyBlanks, length < 65_536 {
                for (offset, byte) in bytes.enumerated() {
                    let bom = length + offset < 3 && byte == [0xEF, 0xBB, 0xBF][length + offset]
                    guard bom || byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else {
                        onlyBlanks = false
                        break
                    }
                }
            }
            length += bytes.count
            guard doctypeLine == nil, scanned < 65_536 else { return }
            let needle = Array("<!DOCTYPE".utf8)
            for byte in bytes.prefix(65_536 - scanned) {
                if byte == 0x0A { line += 1 }
                if byte == needle[matched] {
                    matched += 1
                    if matched == needle.count {
                        doctypeLine = line
                        break
                    }
                } else {
                    matched = byte == needle[0] ? 1 : 0
                }
            }
            scanned += bytes.count
        }

        /// The parser's line: where it has read to, which for an element's start is the line of
        /// the start tag's end (as libxml2's own nodes record it).
        var parserLine: Int { parser.map { Int($0.pointee.input.pointee.line) } ?? 0 }

        /// Stops the document at `error`. Called from a callback, inside `xmlParseChunk`, so libxml2
        /// is not halted here: `xmlStopParser` frees the parser's input buffer, and libxml2 2.9's
        /// fast path for text (`xmlParseCharData`) goes on with its own pointer into that buffer
        /// after the callback returns — a text past the limit that ended a megabyte chunk (a
        /// megabyte of blanks between elements) crashed the process (SIGSEGV). The callbacks are
        /// turned off instead (`disableSAX`, and ours check `stopped`): the parser reads the rest
        /// of the chunk it was given, no more, and ``XMLRecordReader/next()`` halts it after.
        func stop(_ error: XMLReadError) {
            guard stopped == nil else { return }
            stopped = error
            parser?.pointee.disableSAX = 1
        }

        /// Stops the document at once: only where libxml2 reads on through its context, never
        /// through a pointer of its own (the DOCTYPE's callback, before its internal subset is read).
        func halt(_ error: XMLReadError) {
            guard stopped == nil else { return }
            stopped = error
            if let parser { xmlStopParser(parser) }
        }

        func start(_ name: UnsafePointer<xmlChar>?) {
            closedRecord = false
            textRun = 0
            guard stopped == nil else { return }
            let wasInRecord = assembler.inRecord
            do {
                try assembler.open(name, depth: depth, line: parserLine)
                depth += 1
                openedRecord = !wasInRecord && assembler.inRecord
            } catch {
                stop(error)
            }
        }

        func end() {
            closedRecord = false
            openedRecord = false
            textRun = 0
            guard stopped == nil else { return }
            depth -= 1
            if let record = assembler.close(depth: depth) {
                ready.append((record, violations))
                violations = []
                closedRecord = true
            }
        }

        func characters(_ text: UnsafePointer<xmlChar>?, _ count: Int32) {
            closedRecord = false
            openedRecord = false
            guard stopped == nil, let text, count > 0 else { return }
            if validating {
                textRun += Int(count)
                guard textRun <= XMLRecordReader.maxTextLength else {
                    stop(.textTooLong(line: parserLine, limit: XMLRecordReader.maxTextLength))
                    return
                }
            }
            assembler.text(text, count: Int(count))
        }

        /// A finding of the XSD: the record's being built or just closed, else the document's.
        /// A record element the document's structure does not expect where it stands (a record in
        /// a namespace the XSD does not name, more records than it allows) stops the document: the
        /// streaming validator says so of the first such record only and validates none of the
        /// records after it, which would then pass unchecked while the first failed.
        func schemaError(line: Int, message: String, elementContent: Bool = false) {
            if elementContent, openedRecord {
                stop(.schema(line: line, message: message))
                return
            }
            let violation = XMLSchemaViolation(line: line, message: message)
            if assembler.inRecord {
                violations.append(violation)
            } else if closedRecord, !ready.isEmpty {
                ready[ready.count - 1].violations.append(violation)
            } else {
                stop(.schema(line: line, message: message))
            }
        }
    }

    /// - Parameters:
    ///   - recordPath: the record element: a name (`Record`, matched at any depth) or a path from
    ///     the root (`/Records/Record`).
    ///   - xsd: the text of an XSD to validate against in the same pass, if any.
    ///   - textLimit: the most bytes of a field's text to keep, by the field's element name (asked
    ///     once per name): a longer text keeps its start to this limit, at a character's boundary,
    ///     and its whole length is counted (``XMLRecord/oversized``). The record reads on.
    ///   - rewind: makes `read` supply the document again from its start; true if it can. Given, and
    ///     with no XSD, the plain subset is read without libxml2.
    ///   - read: fills the buffer with the next bytes of the document; returns the count, 0 at the
    ///     end, or -1 on a read error.
    /// - Throws: ``XMLReadError/schemaInvalid(message:)`` when the XSD does not compile.
    public init(
        recordPath: String, xsd: [UInt8]? = nil, textLimit: @escaping (String) -> Int = { _ in XMLRecordReader.maxTextLength },
        rewind: (() -> Bool)? = nil, read: @escaping (UnsafeMutableRawBufferPointer) -> Int
    ) throws {
        context = Unmanaged.passRetained(Context(read: read, assembler: XMLRecordAssembler(recordPath: recordPath, textLimit: textLimit)))
        chunk = .allocate(byteCount: Self.chunkSize, alignment: 16)
        self.rewind = rewind
        xmlSetStructuredErrorFunc(context.toOpaque(), XMLRecordReader.onError)
        gongshi_xml_drop_generic_errors(1)
        if xsd == nil, rewind != nil {
            plain = PlainXMLScanner(recordPath: recordPath, textLimit: textLimit, read: read)
            return
        }
        if let xsd {
            let parsed: xmlSchemaPtr? = xsd.withUnsafeBufferPointer { buffer in
                guard let parser = buffer.baseAddress.flatMap({
                    xmlSchemaNewMemParserCtxt(UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self), Int32(buffer.count))
                }) else { return nil }
                defer { xmlSchemaFreeParserCtxt(parser) }
                xmlSchemaSetParserStructuredErrors(parser, XMLRecordReader.onError, context.toOpaque())
                return xmlSchemaParse(parser)
            }
            guard let parsed else {
                let message = context.takeUnretainedValue().errors.map { "第 \($0.line) 行：\($0.message)" }.joined(separator: "；")
                context.takeUnretainedValue().errors.removeAll()
                // deinit runs for this fully initialized object: it releases the context.
                throw XMLReadError.schemaInvalid(message: message.isEmpty ? "无法编译" : message)
            }
            schema = parsed
        }
        startParser()
    }

    /// libxml2's push parser, with the XSD's validator plugged in if there is one.
    private func startParser() {
        var handler = Self.makeHandler()
        guard let parser = xmlCreatePushParserCtxt(&handler, context.toOpaque(), nil, 0, nil) else { return }
        self.parser = parser
        _ = xmlCtxtUseOptions(parser, Int32(XML_PARSE_NONET.rawValue))
        context.takeUnretainedValue().parser = parser
        if let schema, let validation = xmlSchemaNewValidCtxt(schema) {
            self.validation = validation
            context.takeUnretainedValue().validating = true
            xmlSchemaSetValidStructuredErrors(validation, XMLRecordReader.onError, context.toOpaque())
            plug = xmlSchemaSAXPlug(validation, &parser.pointee.sax, &parser.pointee.userData)
        }
    }

    /// Whether the plain scanner is reading the document, or read it to its end; false once libxml2
    /// has taken it over from the start, or when it was never offered (for tests).
    public var readPlainly: Bool { plain != nil }

    deinit {
        if let plug { xmlSchemaSAXUnplug(plug) }
        if let parser { xmlFreeParserCtxt(parser) }
        if let validation { xmlSchemaFreeValidCtxt(validation) }
        if let schema { xmlSchemaFree(schema) }
        chunk.deallocate()
        xmlSetStructuredErrorFunc(nil, nil)
        gongshi_xml_drop_generic_errors(0)
        context.release()
    }

    private static let onError: xmlStructuredErrorFunc = { opaque, error in
        guard let opaque, let error else { return }
        let context = Unmanaged<Context>.fromOpaque(opaque).takeUnretainedValue()
        let message = error.pointee.message.map { OneLine.of(String(cString: $0)) } ?? "XML 错误"
        let line = Int(error.pointee.line)
        if error.pointee.domain == Int32(XML_FROM_SCHEMASV.rawValue) {
            // Streaming, the validator has no node to take a line from: the parser stands at the
            // end of the tag the finding is about (a start tag, or a record's end tag).
            context.schemaError(
                line: line > 0 ? line : context.parserLine, message: message,
                elementContent: error.pointee.code == Int32(XML_SCHEMAV_ELEMENT_CONTENT.rawValue))
            return
        }
        // Warnings (a relative namespace URI, say) do not stop a document; a long run of them is not kept.
        let level = Int32(error.pointee.level.rawValue)
        guard context.errors.count < 1_000 || level >= Int32(XML_ERR_ERROR.rawValue) else { return }
        let said = XMLRecordReader.inChinese[error.pointee.code].map { "\($0)：\(message)" } ?? message
        // An encoding's error has no line (0): where the parser stands is the nearest.
        context.errors.append((line > 0 ? line : max(1, context.parserLine), said, level, error.pointee.code))
    }

    /// What the commonest well-formedness errors mean, for a clerk who reads Chinese: said before
    /// libxml2's own English words, which stay (a search finds them).
    static let inChinese: [Int32: String] = [
        Int32(XML_ERR_DOCUMENT_EMPTY.rawValue): "文档是空的",
        Int32(XML_ERR_DOCUMENT_END.rawValue): "根元素结束后还有内容",
        Int32(XML_ERR_INVALID_CHAR.rawValue): "含有 XML 不允许的字符",
        Int32(XML_ERR_UNDECLARED_ENTITY.rawValue): "引用了未定义的实体",
        Int32(XML_WAR_UNDECLARED_ENTITY.rawValue): "引用了未定义的实体",
        Int32(XML_ERR_ENTITYREF_SEMICOL_MISSING.rawValue): "实体引用缺少分号（& 应写作 &amp;）",
        Int32(XML_ERR_NAME_REQUIRED.rawValue): "此处应有元素名（< 应写作 &lt;）",
        Int32(XML_ERR_GT_REQUIRED.rawValue): "标签缺少 >",
        Int32(XML_ERR_LTSLASH_REQUIRED.rawValue): "缺少结束标签",
        Int32(XML_ERR_TAG_NAME_MISMATCH.rawValue): "开始标签与结束标签不一致",
        Int32(XML_ERR_TAG_NOT_FINISHED.rawValue): "元素没有结束",
        Int32(XML_ERR_ATTRIBUTE_NOT_STARTED.rawValue): "属性值缺少引号",
        Int32(XML_ERR_ATTRIBUTE_WITHOUT_VALUE.rawValue): "属性没有值",
        Int32(XML_ERR_LT_IN_ATTRIBUTE.rawValue): "属性值里有未转义的 <",
        Int32(XML_ERR_ATTRIBUTE_REDEFINED.rawValue): "同一属性出现两次",
        Int32(XML_I18N_CONV_FAILED.rawValue): "文件的字节不符合声明的编码（<?xml … encoding=…?>）；请按文件实际的编码声明，或另存为 UTF-8",
        Int32(XML_ERR_NAME_TOO_LONG.rawValue): "元素名或属性名太长",
    ]

    /// libxml2's push parser looks this far ahead for the end of a piece of markup without
    /// `XML_PARSE_HUGE` (`XML_MAX_LOOKUP_LIMIT`), which is not set: a longer one stops the document.
    static let maxMarkupLength = 10_000_000

    /// The SAX2 callbacks: element starts and ends, text and CDATA, and the DOCTYPE (refused). Every
    /// other event (processing instructions, comments, attributes) is not needed and left unset.
    private static func makeHandler() -> xmlSAXHandler {
        var handler = xmlSAXHandler()
        handler.initialized = UInt32(XML_SAX2_MAGIC)
        handler.startElementNs = { opaque, name, _, _, _, _, _, _, _ in
            guard let opaque else { return }
            Unmanaged<Context>.fromOpaque(opaque)._withUnsafeGuaranteedRef { $0.start(name) }
        }
        handler.endElementNs = { opaque, _, _, _ in
            guard let opaque else { return }
            Unmanaged<Context>.fromOpaque(opaque)._withUnsafeGuaranteedRef { $0.end() }
        }
        handler.characters = { opaque, text, count in
            guard let opaque else { return }
            Unmanaged<Context>.fromOpaque(opaque)._withUnsafeGuaranteedRef { $0.characters(text, count) }
        }
        handler.cdataBlock = handler.characters
        handler.internalSubset = { opaque, _, _, _ in
            guard let opaque else { return }
            Unmanaged<Context>.fromOpaque(opaque)._withUnsafeGuaranteedRef { $0.halt(.doctype(line: $0.doctypeLine ?? $0.parserLine)) }
        }
        handler.serror = XMLRecordReader.onError
        return handler
    }

    // MARK: - Reading

    /// The XSD's findings about the record returned last.
    private var lastViolations: [XMLSchemaViolation] = []

    /// The next record, or `nil` at the end of the document: those completed by the last chunk
    /// first, then the error that stopped the document, else the next chunk.
    ///
    /// - Throws: ``XMLReadError`` for a document that cannot be read on. Records completed before
    ///   the error are returned first.
    public func next() throws -> XMLRecord? {
        if let plain {
            switch plain.next() {
            case .record(let record): return record
            case .end:
                if let failure = plain.noRecords { throw failure }
                return nil
            case .unsupported:
                // Read again by libxml2 from the start: the same records first, then what the
                // scanner left (its messages are libxml2's).
                skipping = plain.given
                self.plain = nil
                guard rewind?() == true else { throw XMLReadError.cannotReadAgain }
                startParser()
            }
        }
        guard let parser else { throw XMLReadError.notWellFormed(line: 1, message: "无法读取") }
        let context = self.context.takeUnretainedValue()
        while true {
            if context.head < context.ready.count {
                defer { context.head += 1 }
                if skipping > 0 {
                    skipping -= 1
                    continue
                }
                lastViolations = context.ready[context.head].violations
                return context.ready[context.head].record
            }
            context.ready.removeAll(keepingCapacity: true)
            context.head = 0
            if let stopped = context.stopped { throw stopped }
            if context.ended {
                guard context.assembler.sawRoot else { throw XMLReadError.notWellFormed(line: 1, message: "文档是空的") }
                if let failure = context.assembler.noRecords { throw failure }
                return nil
            }
            let count = context.read(chunk)
            guard count >= 0, let base = chunk.baseAddress else {
                context.stop(.notWellFormed(line: context.parserLine, message: "文件不完整或不是有效的 XML"))
                continue
            }
            context.scan(UnsafeRawBufferPointer(start: base, count: count))
            context.ended = count == 0
            let status = xmlParseChunk(parser, base.assumingMemoryBound(to: CChar.self), Int32(count), count == 0 ? 1 : 0)
            if context.stopped == nil, status != 0 || parser.pointee.wellFormed == 0 {
                context.stopped = failure(context, line: context.parserLine)
            }
            if context.stopped != nil, parser.pointee.instate != XML_PARSER_EOF { xmlStopParser(parser) }
        }
    }

    /// The number of distinct element names seen so far (``XMLRecord/Field/nameID`` is below it).
    public var nameCount: Int { plain?.nameCount ?? context.takeUnretainedValue().assembler.nameCount }

    /// The first well-formedness error libxml2 reported, or a generic one for a cut-off file.
    private func failure(_ context: Context, line: Int) -> XMLReadError {
        if context.ended, context.onlyBlanks, context.length <= 65_536, !context.assembler.sawRoot { return .empty }
        guard let first = context.errors.first(where: { $0.level >= Int32(XML_ERR_ERROR.rawValue) }) ?? context.errors.first else {
            return .notWellFormed(line: line, message: "文件不完整或不是有效的 XML")
        }
        // A file of a declaration, comments or blanks only: libxml2's push parser says there is
        // "Extra content at the end of the document", where there is no root element at all.
        if first.code == Int32(XML_ERR_DOCUMENT_END.rawValue), context.ended, !context.assembler.sawRoot {
            return .notWellFormed(line: first.line, message: "文件里没有根元素（只有声明、注释或空白）：\(first.message.split(separator: "：").last ?? "")")
        }
        // A file that ends inside an element: libxml2's push parser, told the input is over, says
        // "Extra content at the end of the document", which sends a clerk looking for something
        // extra; what is wrong is that the file stops short (xmllint: "Premature end of data").
        if first.code == Int32(XML_ERR_DOCUMENT_END.rawValue), context.ended, let parser, parser.pointee.nameNr > 0 {
            let open = parser.pointee.name.map { "元素 <\(OneLine.of(String(cString: $0)))> " } ?? "元素"
            return .notWellFormed(line: first.line, message: "文件在\(open)结束之前就结束了，文件不完整（Premature end of data）")
        }
        // A piece of markup past the parser's look-ahead: libxml2 says only "internal error: Huge input lookup".
        if first.code == Int32(XML_ERR_INTERNAL_ERROR.rawValue), first.message.contains("Huge input lookup") {
            return .markupTooLong(line: first.line, limit: Self.maxMarkupLength)
        }
        return .notWellFormed(line: first.line, message: first.message)
    }

    /// Takes the XSD's findings about the record returned last.
    public func takeSchemaViolations() -> [XMLSchemaViolation] {
        defer { lastViolations = [] }
        return lastViolations
    }
}

/// Builds records from a document's element events, whichever libxml2 API produced them: an
/// element opens at a depth (the root at 0) and closes at the same depth, and text arrives in
/// pieces between. The record element's children are its fields; text inside a field, at any
/// depth, is the field's.
struct XMLRecordAssembler {
    private let recordPath: [String]
    private let matchAnywhere: Bool
    private(set) var sawRoot = false
    /// The open elements' names, kept only for a path like /Records/Record.
    private var path: [String] = []
    /// Element names by libxml2's interned pointer: a `String` is made once per distinct name. The
    /// few after the last hit are tried first, because records repeat the same names in order;
    /// then a table, so that a document of many names is not read in quadratic time.
    private var names: [(pointer: UnsafeRawPointer, name: String, limit: Int)] = []
    private let textLimit: (String) -> Int
    private var byPointer: [UnsafeRawPointer: Int] = [:]
    private var lastName = 0
    /// Capacities for the next record's arrays: records of one export are alike, and growing the
    /// arrays from empty cost a dozen allocations per record (measured ~5% of the reading thread).
    private var lastFieldCount = 0
    private var lastByteCount = 0
    private var recordDepth = -1
    private var recordLine = 0
    private var fields: [XMLRecord.Field] = []
    private var bytes: [UInt8] = []
    /// The open field: where its text starts in `bytes` (-1: none open), its name and line.
    private var fieldStart = -1
    private var fieldID = 0
    private var fieldLine = 0
    /// The open field's limit in bytes; once its text passed it, the whole text's length so far.
    private var fieldLimit = Int.max
    private var cut: (bytes: Int, characters: Int)?
    private var oversized: [OversizedCell] = []
    /// The first element inside the open field, if any; the record's problems so far.
    private var fieldMarkup: (name: String, line: Int)?
    private var problems: [XMLRecord.Problem] = []
    /// The record element's name (by ID), once one has opened: the same name inside a record is a
    /// record nested in it.
    private var recordNameID = -2
    /// Records closed so far; the root's name and its first child, while no record has closed.
    private(set) var records = 0
    private var root: String?
    private var firstChild: (name: String, line: Int)?

    init(recordPath: String, textLimit: @escaping (String) -> Int = { _ in XMLRecordReader.maxTextLength }) {
        matchAnywhere = !recordPath.hasPrefix("/")
        self.recordPath = recordPath.split(separator: "/").map(String.init)
        self.textLimit = textLimit
    }

    var nameCount: Int { names.count }
    var inRecord: Bool { recordDepth >= 0 }

    mutating func open(_ pointer: UnsafePointer<xmlChar>?, depth: Int, line: Int) throws(XMLReadError) {
        sawRoot = true
        guard depth < XMLRecordReader.maxDepth else { throw .tooDeep(line: line, limit: XMLRecordReader.maxDepth) }
        let (name, id) = try self.name(pointer, line: line)
        if records == 0, depth <= 1 {
            if depth == 0 {
                root = name
            } else if firstChild == nil {
                firstChild = (name, line)
            }
        }
        if !matchAnywhere {  // the path from the root matters only for a path like /Records/Record
            if path.count > depth { path.removeLast(path.count - depth) }
            path.append(name)
        }
        if recordDepth >= 0 {
            if depth == recordDepth + 1 {
                // A record inside the record is not a field of it (its fields would run together).
                guard id != recordNameID else {
                    problems.append(.nestedRecord(line: line))
                    return
                }
                fieldStart = bytes.count
                fieldID = id
                fieldLine = line
                fieldLimit = id >= 0 ? names[id].limit : XMLRecordReader.maxTextLength
            } else if id == recordNameID, id >= 0 {
                // Deeper too (<Wrap><Record>…): a record there was dropped without a word.
                problems.append(.nestedRecord(line: line))
            } else if fieldStart >= 0, fieldMarkup == nil {
                fieldMarkup = (name, line)
            }
        } else if matchAnywhere ? name == recordPath.last : path == recordPath {
            recordDepth = depth
            recordLine = line
            recordNameID = id
            fields.reserveCapacity(lastFieldCount)
            bytes.reserveCapacity(lastByteCount)
        }
    }

    /// Adds text to the open field, if any: up to the field's limit, and past it only its length.
    /// Text arrives in whole characters (libxml2's, and the plain scanner's).
    mutating func text(_ start: UnsafePointer<xmlChar>, count: Int) {
        guard fieldStart >= 0 else { return }
        let text = UnsafeBufferPointer(start: start, count: count)
        if let sofar = cut {
            cut = (sofar.bytes + count, sofar.characters + Self.characters(text))
            return
        }
        let room = fieldLimit - (bytes.count - fieldStart)
        guard count > room else {
            bytes.append(contentsOf: text)
            return
        }
        // Past the limit: keep what fits, back to the start of a character, and count the rest.
        var keep = max(0, room)
        while keep > 0, text[keep] & 0xC0 == 0x80 { keep -= 1 }
        bytes.append(contentsOf: text[..<keep])
        let kept = bytes.count - fieldStart
        let keptCharacters = bytes.withUnsafeBufferPointer { Self.characters(UnsafeBufferPointer(rebasing: $0[fieldStart...])) }
        cut = (kept + count - keep, keptCharacters + Self.characters(UnsafeBufferPointer(rebasing: text[keep...])))
    }

    /// The characters of valid UTF-8: the bytes that do not continue a sequence.
    private static func characters(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        for byte in text where byte & 0xC0 != 0x80 { count += 1 }
        return count
    }

    /// Closes the element at `depth`: a field joins its record; the record itself is returned.
    mutating func close(depth: Int) -> XMLRecord? {
        if !matchAnywhere, path.count > depth { path.removeLast(path.count - depth) }
        if fieldStart >= 0, depth == recordDepth + 1 {
            if let whole = cut {
                oversized.append(.init(cell: fields.count, bytes: whole.bytes, characters: whole.characters))
                cut = nil
            }
            if let markup = fieldMarkup {
                problems.append(.markupInField(field: fields.count, element: markup.name, line: markup.line))
                fieldMarkup = nil
            }
            fields.append(.init(name: fieldID >= 0 ? names[fieldID].name : "", nameID: fieldID, line: fieldLine, range: fieldStart..<bytes.count))
            fieldStart = -1
        } else if recordDepth >= 0, depth == recordDepth {
            lastFieldCount = max(lastFieldCount, fields.count)
            lastByteCount = max(lastByteCount, min(bytes.count + bytes.count / 4, 1 << 16))
            recordDepth = -1
            records += 1
            defer {
                fields = []
                bytes = []
                oversized = []
                problems = []
            }
            return XMLRecord(line: recordLine, fields: fields, bytes: bytes, oversized: oversized, problems: problems)
        }
        return nil
    }

    /// At the document's end: its failure if its root had child elements but none was a record.
    var noRecords: XMLReadError? {
        guard records == 0, let root, let firstChild else { return nil }
        let expected = matchAnywhere ? recordPath.last ?? "" : "/" + recordPath.joined(separator: "/")
        return .noRecords(line: firstChild.line, root: root, found: firstChild.name, expected: expected)
    }

    private mutating func name(_ pointer: UnsafePointer<xmlChar>?, line: Int) throws(XMLReadError) -> (String, Int) {
        guard let pointer else { return ("", -1) }
        let key = UnsafeRawPointer(pointer)
        let count = names.count
        var index = lastName
        for _ in 0..<min(count, 8) {
            index += 1
            if index >= count { index = 0 }
            if names[index].pointer == key {
                lastName = index
                return (names[index].name, index)
            }
        }
        if count > 8, let found = byPointer[key] {
            lastName = found
            return (names[found].name, found)
        }
        guard count < XMLRecordReader.maxNames else { throw .tooManyNames(line: line, limit: XMLRecordReader.maxNames) }
        let name = String(cString: pointer)
        names.append((key, name, textLimit(name)))
        byPointer[key] = count
        lastName = count
        return (names[count].name, count)
    }
}
