import DisclosureCore
import Foundation
import GongshiTesting
import PipelineConfig
import PipelineRunner
import Testing
import WorkingDayCalendar

/// Seeded random inputs through every decoder — CSV (UTF-8, GB18030, UTF-16, auto), XML (libxml2's
/// reader) and the YAML configuration loaders — a fixed number of cases each, so a run is bounded
/// and repeatable: no crash, no hang (the time limit), counts that reconcile, every message bounded.
/// A failure names its seed and case; `GONGSHI_FUZZ_CASES` raises the count for a longer hunt.
@Suite("Fuzzing the decoders", .timeLimit(.minutes(3)))
struct FuzzTests {
    static let cases = Int(ProcessInfo.processInfo.environment["GONGSHI_FUZZ_CASES"] ?? "") ?? 150
    static let today = CalendarDate(year: 2026, month: 11, day: 30)!
    /// Bytes that make decoders work hardest: quotes, separators, line ends, NUL, invalid and
    /// lead bytes of multi-byte encodings, markup and YAML indicators.
    static let interesting: [UInt8] = [0x00, 0x22, 0x2C, 0x0A, 0x0D, 0x09, 0xFF, 0xFE, 0x81, 0x30, 0xE4, 0xC0, 0x3C, 0x3E, 0x26, 0x3A, 0x2D, 0x7B, 0x5B, 0x23, 0x27, 0x20, 0x3D, 0x21]

    /// The input with a few random changes: bytes flipped, inserted, deleted, duplicated, or cut off.
    static func mutate(_ input: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            guard !bytes.isEmpty else {
                bytes.append(interesting.randomElement(using: &rng)!)
                continue
            }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: bytes[at] ^= UInt8.random(in: 1...255, using: &rng)
            case 1: bytes.insert(interesting.randomElement(using: &rng)!, at: at)
            case 2: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...64, using: &rng)))
            case 3:
                let piece = bytes[at..<min(bytes.count, at + Int.random(in: 1...200, using: &rng))]
                bytes.insert(contentsOf: piece, at: Int.random(in: 0...bytes.count, using: &rng))
            case 4: bytes.removeSubrange(at...)
            default: bytes.insert(contentsOf: (0..<Int.random(in: 1...32, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            }
        }
        return bytes
    }

    /// Validates each mutated input as a department file would be validated, and checks the outcome.
    static func validateMutations(
        of fixture: String, kind: String, seed: UInt64, configure: (inout InputOptions, inout SeededGenerator) -> Void
    ) throws {
        guard case .found(let schema) = SchemaCatalog.find(kind: kind) else {
            Issue.record("no \(kind) schema")
            return
        }
        let base = [UInt8](try Data(contentsOf: Fixtures.url(fixture)))
        let folder = Scratch.root.appendingPathComponent("gongshi-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var rng = SeededGenerator(seed: seed)
        for number in 0..<cases {
            let bytes = mutate(base, &rng)
            let file = folder.appendingPathComponent("case-\(number)\((fixture as NSString).pathExtension.isEmpty ? "" : "." + (fixture as NSString).pathExtension)")
            try Data(bytes).write(to: file)
            var options = InputOptions()
            configure(&options, &rng)
            let writer = try ReportWriter(json: false, language: .zh, reportPath: nil, output: nil)
            writer.keepsIssues = true
            let report = try FileValidator.validate(files: [file.path], schema: schema, today: today, options: options, writer: writer)
            try writer.finish(report)
            let where_ = "seed \(seed) case \(number) (\(fixture))"
            let result = try #require(report.files.first, "\(where_): no file result")
            if !result.failed {
                #expect(result.records == result.valid + result.invalid, "\(where_): counts do not reconcile \(result)")
            }
            for issue in writer.takeKeptIssues() {
                let message = issue.message.zh
                #expect(message.count <= 600, "\(where_): a message of \(message.count) characters")
                #expect(!message.contains("\n"), "\(where_): a message with a line break: \(message)")
            }
        }
    }

    @Test("CSV, UTF-8 and auto-detected: mutated department exports")
    func csvUTF8() throws {
        try Self.validateMutations(of: "validate/penalty/valid.csv", kind: "penalty", seed: 0xC5F1) { options, rng in
            options.encoding = Bool.random(using: &rng) ? .auto : .utf8
        }
    }

    @Test("CSV, GB18030 and UTF-16: mutated Excel exports, read as declared or detected")
    func csvOtherEncodings() throws {
        try Self.validateMutations(of: "pipelines/inbox/fazhike/2026-11-penalties.csv", kind: "penalty", seed: 0x6B18) { options, rng in
            options.encoding = [EncodingChoice.auto, .gb18030, .utf16].randomElement(using: &rng)!
        }
    }

    @Test("XML through libxml2's reader: mutated permit exports")
    func xml() throws {
        try Self.validateMutations(of: "pipelines/inbox/shenpi/2026-11-permits.xml", kind: "permit", seed: 0x8A1) { options, _ in
            options.format = .xml
        }
    }

    @Test("YAML: mutated pipelines, portal profiles and periods files load or are refused with located problems")
    func yaml() throws {
        let schemas = try SchemaCatalog.bundledDocuments.map { try SchemaLoader.load($0).get() }
        let sources: [(String, (String) -> [ConfigIssue]?)] = [
            ("pipelines/fazhike-penalties.yaml", { text in
                if case .failure(let failure) = PipelineLoader.load(SchemaDocument(origin: .bundled("fuzz.yaml"), text: text), id: "fuzz", base: "/tmp") {
                    return failure.issues
                }
                return nil
            }),
            ("schemas/portals/gsxt.v1.yaml", { text in
                if case .failure(let failure) = PortalProfileLoader.load(SchemaDocument(origin: .bundled("portals/fuzz.yaml"), text: text), schemas: schemas) {
                    return failure.issues
                }
                return nil
            }),
            ("schemas/periods/administrative-penalty.v1.yaml", { text in
                if case .failure(let failure) = PublicationPeriodsLoader.load(SchemaDocument(origin: .bundled("periods/fuzz.yaml"), text: text)) {
                    return failure.issues
                }
                return nil
            }),
        ]
        var rng = SeededGenerator(seed: 0x7A31)
        for (path, load) in sources {
            let base = [UInt8](try Data(contentsOf: Fixtures.root.appendingPathComponent(path)))
            for number in 0..<(Self.cases * 2) {
                let text = String(decoding: Self.mutate(base, &rng), as: UTF8.self)
                for issue in load(text) ?? [] {
                    #expect(!issue.message.isEmpty && issue.message.count <= 600, "\(path) case \(number): \(issue.message.count) characters")
                }
            }
        }
    }
}
