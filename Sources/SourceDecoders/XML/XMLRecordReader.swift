import CLibXML2
import DisclosureCore
import Glibc  // purity: strlen on libxml2's text

/// One record element of an XML export: its child elements' names and text, and the line where it
/// starts. The texts are kept as UTF-8 bytes, back to back; a `String` is made only when asked for.
public struct XMLRecord: Sendable, Equatable {
    public let line: Int
    public let fields: [Field]
    /// The fields' text, back to back.
    public let bytes: [UInt8]

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
        lhs.line == rhs.line && lhs.texts.elementsEqual(rhs.texts) { $0 == $1 }
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
    /// A text longer than the limit.
    case textTooLong(line: Int, limit: Int)
    /// The XSD itself cannot be compiled.
    case schemaInvalid(message: String)
    /// The document breaks the XSD outside any record (a wrong root element, say).
    case schema(line: Int, message: String)
}

/// A problem the XSD found inside a record: the record is invalid, the file reads on.
public struct XMLSchemaViolation: Sendable, Equatable {
    public let line: Int
    public let message: String
}

/// A streaming reader of record elements over libxml2's `xmlTextReader`, with optional XSD
/// validation in the same pass.
///
/// Hardened: no network (`XML_PARSE_NONET`), no entity substitution and no DTD loading (the options
/// `NOENT`, `DTDLOAD` and `DTDATTR` are never set), any `<!DOCTYPE` refused, unknown entity references
/// refused, and limits on depth and text length. `&amp;`, `&lt;`, character references and CDATA
/// arrive as text.
///
/// The runner supplies the bytes through `read`, so this type opens no file. libxml2 reports
/// well-formedness errors through a process-wide handler: read one document at a time.
public final class XMLRecordReader {
    /// Limits beyond libxml2's own.
    public static let maxDepth = 64
    public static let maxTextLength = 1 << 20

    private let recordPath: [String]
    private let matchAnywhere: Bool
    private var reader: xmlTextReaderPtr?
    private var schema: xmlSchemaPtr?
    private let context: Unmanaged<Context>

    final class Context {
        let read: (UnsafeMutableRawBufferPointer) -> Int
        var errors: [(line: Int, message: String, isSchema: Bool)] = []
        var violations: [XMLSchemaViolation] = []
        /// Where `<!DOCTYPE` stands in the bytes as they are read (libxml2 reports the node only
        /// after reading past it, lines later): looked for in the document's first 64 KiB, where a
        /// DOCTYPE must be (before the root element).
        var doctypeLine: Int?
        private var scanned = 0
        private var line = 1
        private var matched = 0

        init(read: @escaping (UnsafeMutableRawBufferPointer) -> Int) {
            self.read = read
        }

        func scan(_ bytes: UnsafeRawBufferPointer) {
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
    }

    /// - Parameters:
    ///   - recordPath: the record element: a name (`Record`, matched at any depth) or a path from
    ///     the root (`/Records/Record`).
    ///   - xsd: the text of an XSD to validate against in the same pass, if any.
    ///   - read: fills the buffer with the next bytes of the document; returns the count, 0 at the
    ///     end, or -1 on a read error.
    /// - Throws: ``XMLReadError/schemaInvalid(message:)`` when the XSD does not compile.
    public init(recordPath: String, xsd: [UInt8]? = nil, read: @escaping (UnsafeMutableRawBufferPointer) -> Int) throws {
        matchAnywhere = !recordPath.hasPrefix("/")
        self.recordPath = recordPath.split(separator: "/").map(String.init)
        context = Unmanaged.passRetained(Context(read: read))
        xmlSetStructuredErrorFunc(context.toOpaque(), XMLRecordReader.onError)
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
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOBLANKS.rawValue | XML_PARSE_COMPACT.rawValue)
        reader = xmlReaderForIO(XMLRecordReader.onRead, nil, context.toOpaque(), nil, nil, options)
        if let reader {
            xmlTextReaderSetStructuredErrorHandler(reader, XMLRecordReader.onError, context.toOpaque())
            if let schema { xmlTextReaderSetSchema(reader, schema) }
        }
    }

    deinit {
        if let reader { xmlFreeTextReader(reader) }
        if let schema { xmlSchemaFree(schema) }
        xmlSetStructuredErrorFunc(nil, nil)
        context.release()
    }

    private static let onRead: xmlInputReadCallback = { opaque, buffer, length in
        guard let opaque, let buffer, length > 0 else { return 0 }
        let context = Unmanaged<Context>.fromOpaque(opaque).takeUnretainedValue()
        let count = context.read(UnsafeMutableRawBufferPointer(start: buffer, count: Int(length)))
        if count > 0 { context.scan(UnsafeRawBufferPointer(start: buffer, count: count)) }
        return Int32(count)
    }

    private static let onError: xmlStructuredErrorFunc = { opaque, error in
        guard let opaque, let error else { return }
        let context = Unmanaged<Context>.fromOpaque(opaque).takeUnretainedValue()
        let message = error.pointee.message.map { OneLine.of(String(cString: $0)) } ?? "XML 错误"
        context.errors.append((Int(error.pointee.line), message, error.pointee.domain == Int32(XML_FROM_SCHEMASV.rawValue)))
    }

    // MARK: - Reading

    private var path: [String] = []
    private var sawRoot = false
    /// Element names by libxml2's interned pointer: a `String` is made once per distinct name. A
    /// short list searched from the last hit, because records repeat the same few names in order.
    private var names: [(pointer: UnsafeRawPointer, name: String)] = []
    private var lastName = 0
    /// Capacities for the next record's arrays.
    private var lastFieldCount = 0
    private var lastByteCount = 0

    private func name(_ pointer: UnsafePointer<xmlChar>?) -> (String, Int) {
        guard let pointer else { return ("", -1) }
        let key = UnsafeRawPointer(pointer)
        let count = names.count
        var index = lastName
        for _ in 0..<count {
            index += 1
            if index >= count { index = 0 }
            if names[index].pointer == key {
                lastName = index
                return (names[index].name, index)
            }
        }
        names.append((key, String(cString: pointer)))
        lastName = count
        return (names[count].name, count)
    }

    /// The next record, or `nil` at the end of the document.
    ///
    /// - Throws: ``XMLReadError`` for a document that cannot be read on.
    public func next() throws -> XMLRecord? {
        guard let reader else { throw XMLReadError.notWellFormed(line: 1, message: "无法读取") }
        let context = self.context.takeUnretainedValue()
        var recordDepth = -1
        var recordLine = 0
        // Sized like the last record: records of one export are alike, and growing the arrays from
        // empty cost a dozen allocations per record (measured ~5% of the reading thread).
        var fields: [XMLRecord.Field] = []
        fields.reserveCapacity(lastFieldCount)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(lastByteCount)
        defer {
            lastFieldCount = max(lastFieldCount, fields.count)
            lastByteCount = max(lastByteCount, min(bytes.count + bytes.count / 4, 1 << 16))
        }
        var field: (name: String, id: Int, line: Int, start: Int)?
        while true {
            let status = xmlTextReaderRead(reader)
            if !context.errors.isEmpty { try moveSchemaErrors(context, recordDepth: recordDepth) }
            if status == 0 {
                guard sawRoot else { throw XMLReadError.notWellFormed(line: 1, message: "文档是空的") }
                return nil
            }
            guard status == 1 else { throw failure(context, line: Int(xmlTextReaderGetParserLineNumber(reader))) }
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue):
                sawRoot = true
                let depth = Int(xmlTextReaderDepth(reader))
                let line = nodeLine(reader)
                guard depth < Self.maxDepth else { throw XMLReadError.tooDeep(line: line, limit: Self.maxDepth) }
                let (name, id) = self.name(xmlTextReaderConstLocalName(reader))
                let empty = xmlTextReaderIsEmptyElement(reader) == 1
                if !matchAnywhere {  // the path from the root matters only for a path like /Records/Record
                    if path.count > depth { path.removeLast(path.count - depth) }
                    path.append(name)
                    if empty { path.removeLast() }
                }
                if recordDepth >= 0 {
                    if depth == recordDepth + 1 {
                        if empty {
                            fields.append(.init(name: name, nameID: id, line: line, range: bytes.count..<bytes.count))
                        } else {
                            field = (name, id, line, bytes.count)
                        }
                    }
                } else if isRecord(name, depth: depth) {
                    if empty { return XMLRecord(line: line, fields: [], bytes: []) }
                    recordDepth = depth
                    recordLine = line
                }
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue),
                Int32(XML_READER_TYPE_SIGNIFICANT_WHITESPACE.rawValue), Int32(XML_READER_TYPE_WHITESPACE.rawValue):
                guard let open = field, let value = xmlTextReaderConstValue(reader) else { continue }
                let length = strlen(UnsafeRawPointer(value).assumingMemoryBound(to: CChar.self))
                bytes.append(contentsOf: UnsafeBufferPointer(start: value, count: length))
                guard bytes.count - open.start <= Self.maxTextLength else {
                    throw XMLReadError.textTooLong(line: nodeLine(reader), limit: Self.maxTextLength)
                }
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue):
                let depth = Int(xmlTextReaderDepth(reader))
                if !matchAnywhere, path.count > depth { path.removeLast(path.count - depth) }
                if let open = field, depth == recordDepth + 1 {
                    fields.append(.init(name: open.name, nameID: open.id, line: open.line, range: open.start..<bytes.count))
                    field = nil
                } else if depth == recordDepth {
                    return XMLRecord(line: recordLine, fields: fields, bytes: bytes)
                }
            case Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue):
                throw XMLReadError.doctype(line: context.doctypeLine ?? nodeLine(reader))
            case Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue):
                throw XMLReadError.entityReference(line: nodeLine(reader), name: text(xmlTextReaderConstName(reader)))
            default:
                continue
            }
        }
    }

    /// The current node's own line; the parser's line is wherever it has read ahead to.
    private func nodeLine(_ reader: xmlTextReaderPtr) -> Int {
        let line = xmlTextReaderCurrentNode(reader).map { Int(xmlGetLineNo($0)) } ?? 0
        return line > 0 ? line : Int(xmlTextReaderGetParserLineNumber(reader))
    }

    /// The number of distinct element names seen so far (``XMLRecord/Field/nameID`` is below it).
    public var nameCount: Int { names.count }

    private func isRecord(_ name: String, depth: Int) -> Bool {
        if matchAnywhere { return name == recordPath.last }
        return path == recordPath
    }

    /// Schema errors found since the last call: inside a record they are violations of that record;
    /// outside any record (a wrong root element, say) they fail the document.
    private func moveSchemaErrors(_ context: Context, recordDepth: Int) throws {
        let schemaErrors = context.errors.filter(\.isSchema)
        guard let first = schemaErrors.first else { return }
        context.errors.removeAll { $0.isSchema }
        guard recordDepth >= 0 else { throw XMLReadError.schema(line: first.line, message: first.message) }
        context.violations += schemaErrors.map { XMLSchemaViolation(line: $0.line, message: $0.message) }
    }

    /// The first well-formedness error libxml2 reported, or a generic one for a cut-off file.
    private func failure(_ context: Context, line: Int) -> XMLReadError {
        guard let first = context.errors.first(where: { !$0.isSchema }) else {
            return .notWellFormed(line: line, message: "文件不完整或不是有效的 XML")
        }
        return .notWellFormed(line: first.line, message: first.message)
    }

    /// Takes the schema violations found so far.
    public func takeSchemaViolations() -> [XMLSchemaViolation] {
        let context = self.context.takeUnretainedValue()
        defer { context.violations.removeAll() }
        return context.violations
    }

    private func text(_ pointer: UnsafePointer<xmlChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }
}

