import DisclosureCore
import FeedEncoders
import Foundation
@testable import PipelineRunner
import GongshiTesting
import Testing

/// The on-disk spool between validation and the feeds, and its bounded-memory sort.
@Suite("Spool and external sort")
struct SpoolTests {
    static func row(_ key: String, _ cells: [String], file: String = "a.csv", line: Int = 2) -> FeedPlan.Row {
        var row = FeedPlan.Row(file: file, row: line, key: key, cells: cells)
        row.decisionDate = "2026-11-20"
        row.subjectCode = cells.first
        return row
    }

    @Test("entries come back as written: nil and empty differ, CJK and long values survive the 1 MB reads")
    func roundTrip() throws {
        let spool = try Spool()
        let long = String(repeating: "城", count: 600_000)  // 1.8 MB: crosses read chunks
        let entries: [[String?]] = [["a", nil, ""], [long, "文号|名称"], [], ["x"]]
        for entry in entries { try spool.append(entry) }
        #expect(Array(try spool.entries()) == entries)
        #expect(spool.count == 4)
        // Read in small chunks (a merge's runs): the same entries, the long one across many reads.
        #expect(Array(try spool.entries(chunk: 4 << 10)) == entries)
        try spool.finishWriting()
        try spool.append(["after"])
        #expect(Array(try spool.entries(chunk: 16)) == entries + [["after"]])
    }

    @Test("a record version comes back from the spool as written: its period, its portals' periods (or none), no date")
    func recordVersions() throws {
        var full = RecordVersion(
            kind: "administrative-penalty", key: "牟城管罚〔2025〕1号|某公司", contentSHA256: String(repeating: "a", count: 64),
            decisionDate: "2025-03-01", sourceSHA256: String(repeating: "b", count: 64), sourceRow: 17,
            period: RecordPeriod(severity: "一般", severityReason: "罚款 5 万元", regime: "2023", repairFrom: "2025-06-01", expiresOn: "2028-03-01"))
        full.portalPeriods = [
            PortalPeriod(portal: "gsxt", severity: "一般", severityReason: "第十三条", regime: nil, months: 36, countedFrom: "publication_date"),
            PortalPeriod(portal: "other", severity: "严重", severityReason: "", regime: "2026", months: 0, countedFrom: "decision_date"),
        ]
        let bare = RecordVersion(
            kind: "administrative-penalty", key: "k", contentSHA256: String(repeating: "c", count: 64), decisionDate: nil,
            sourceSHA256: String(repeating: "d", count: 64), sourceRow: 2)
        let spool = try Spool()
        for version in [full, bare] { try spool.appendEntry { RecordVersionCoding.encode(version, into: &$0) } }
        // Not noted as it came: through the sort, in key order.
        #expect(Array(try FeedIntake.inWritingOrder(spool) { RecordVersionCoding.decode(&$0, kind: "administrative-penalty") }) == [bare, full])
        let noted = try Spool(noting: .sequences)  // read as it came, not through a sort
        for version in [full, bare] { try noted.appendEntry { RecordVersionCoding.encode(version, into: &$0) } }
        #expect(noted.ascendingRuns != nil)
        #expect(Array(try FeedIntake.inWritingOrder(noted) { RecordVersionCoding.decode(&$0, kind: "administrative-penalty") }) == [full, bare])
        // Spooled with its file in place of its source's hash (the intake's way): the file's hash put
        // back when read; a file without one leaves the version out.
        let byFile = try Spool()
        for (version, file) in [(full, "inbox/a.csv"), (bare, "inbox/b.csv")] {
            try byFile.appendEntry { RecordVersionCoding.encode(version, source: file, into: &$0) }
        }
        let hashes = ["inbox/a.csv": full.sourceSHA256]
        #expect(
            Array(try FeedIntake.inWritingOrder(byFile) { RecordVersionCoding.decode(&$0, kind: "administrative-penalty") { hashes[String(decoding: $0, as: UTF8.self)] } })
                == [nil, full])
    }

    @Test("entries read undecoded (as the sort reads them) are their bytes as written: the key field found, the fields the same, copied unchanged, and the budget counts their bytes")
    func rawEntries() throws {
        let spool = try Spool()
        let long = String(repeating: "城", count: 3_000)  // 9 KB: across many 16-byte reads
        let entries: [[String?]] = [["f.csv", "2", "罚1|某公司", nil, ""], [long, nil, "罚2", long], [], ["x", "y", ""]]
        for entry in entries { try spool.append(entry) }
        for size in [16, 1 << 20] {
            var reader = try spool.entries(chunk: size)
            var raw: [RawEntry] = []
            while let entry = reader.nextRaw(keyField: 2) { raw.append(entry) }
            #expect(raw.map { String(decoding: $0.bytes[$0.key], as: UTF8.self) } == ["罚1|某公司", "罚2", "", ""])
            #expect(raw[0].compareKey(raw[1]) < 0 && raw[1].compareKey(raw[0]) > 0 && raw[2].compareKey(raw[3]) == 0)
            // Read into one buffer for a sort: the same bytes, the budget counting them and a place each.
            var chunk = EntryChunk(budget: 1 << 10)
            var again = try spool.entries(chunk: size)
            while again.nextRaw(keyField: 2, into: &chunk) {}
            #expect(chunk.count == entries.count)
            #expect(chunk.cost == Int64(raw.reduce(0) { $0 + $1.bytes.count } + raw.count * MemoryLayout<EntryChunk.Place>.stride))
            var inOrder: [[UInt8]] = []
            chunk.sorted(decode: \.bytes.count, less: { _, _ in false }) { bytes, _ in inOrder.append(Array(bytes)) }
            // By key: "", "" (in the order they came), 罚1…, 罚2.
            #expect(inOrder == [raw[2].bytes, raw[3].bytes, raw[0].bytes, raw[1].bytes])
            let copy = try Spool()
            for entry in raw { try copy.append(raw: entry) }
            #expect(Array(try copy.entries()) == entries)
            #expect(copy.count == entries.count)
        }
    }

    @Test("a feed row decoded straight from its entry's bytes is the row written: nil and empty kept apart, files alternating, the hash carried, encoded alone or as a slice of a block")
    func rawRowDecoder() throws {
        var rows: [FeedPlan.Row] = []
        for index in 0..<300 {
            var row = FeedPlan.Row(
                file: ["/inbox/甲.csv", "b.csv", ""][index % 3], row: index * 7919, key: "牟城管罚〔2026〕\(index)号|公司",
                cells: index % 5 == 0 ? [] : ["914101\(index)", "", String(repeating: "城", count: index), "x"])
            row.decisionDate = index % 4 == 0 ? nil : "2026-11-\(10 + index % 20)"
            row.subjectCode = index % 3 == 0 ? "" : (index % 3 == 1 ? nil : "91410100MA40Q8R26R")
            row.subjectName = index % 2 == 0 ? "某公司\(index)" : nil
            row.contentSHA256 = index % 6 == 0 ? nil : String(repeating: "ab", count: 32)
            rows.append(row)
        }
        let spool = try Spool()
        // Half the rows encoded each on its own, half one after another into one block and
        // appended as slices of it (as a prepared batch's entries are).
        var block: [UInt8] = []
        for (index, row) in rows.enumerated() {
            if index % 2 == 0 {
                try spool.appendEntry { FeedRowCoding.encode(row, into: &$0) }
            } else {
                let start = block.count
                FeedRowCoding.encode(row, into: &block)
                try spool.append(encoded: block[start...])
            }
        }
        var reader = try spool.entries(chunk: 64)
        let decode = FeedRowCoding.rawDecoder()
        var decoded: [FeedPlan.Row] = []
        while let entry = reader.nextRaw(keyField: FeedRowCoding.keyField) { decoded.append(decode(entry)) }
        #expect(decoded == rows)
        #expect(decoded.map(\.contentSHA256) == rows.map(\.contentSHA256))
        #expect(decoded.map(\.subjectCode) == rows.map(\.subjectCode) && decoded.map(\.decisionDate) == rows.map(\.decisionDate))
    }

    @Test("a row with its hash is spooled as its feed line and read back with it and no cells; one without keeps its cells")
    func rowAsLine() throws {
        let feed = FeedSpec(
            name: "t", title: "测试", schema: "administrative-penalty", include: [], exclude: [],
            columns: ["代码", "说明"].map { FeedColumn(header: $0, field: $0) }, format: .csvUTF8BOM, fileName: "t.csv", batchLimit: 10)
        let encoder = try #require(FeedEncoder.LineEncoder(feed: feed))
        var rows: [FeedPlan.Row] = []
        for index in 0..<200 {
            var row = FeedPlan.Row(file: "甲.csv", row: index + 2, key: "牟城管罚〔2026〕\(index % 150)号", cells: ["k\(999 - index)", index % 7 == 0 ? "a,\"b\"" : "城管\(index)"])
            row.decisionDate = "2026-11-\(10 + index % 20)"
            row.subjectName = index % 2 == 0 ? "某公司\(index)" : nil
            row.contentSHA256 = index % 4 == 0 ? nil : String(repeating: "cd", count: 32)
            rows.append(row)
        }
        let spool = try Spool()
        for row in rows {
            var bytes: [UInt8] = []
            FeedRowCoding.encode(row, into: &bytes, line: encoder)
            try spool.append(encoded: bytes[...])
        }
        var reader = try spool.entries(chunk: 64)
        let decode = FeedRowCoding.rawDecoder()
        var decoded: [FeedPlan.Row] = []
        while let entry = reader.nextRaw(keyField: FeedRowCoding.keyField) { decoded.append(decode(entry)) }
        try #require(decoded.count == rows.count)
        for (row, back) in zip(rows, decoded) {
            #expect(back.key == row.key && back.row == row.row && back.file == row.file && back.contentSHA256 == row.contentSHA256)
            #expect(back.decisionDate == row.decisionDate && back.subjectName == row.subjectName)
            if row.contentSHA256 == nil {
                #expect(back.cells == row.cells && back.line == nil)
            } else {
                var line: [UInt8] = []
                encoder.append(row, to: &line)
                #expect(back.cells.isEmpty && back.line == line)
            }
        }
        // The file made of the lines is the file made of the cells.
        #expect(try FeedEncoder.encode(decoded, feed: feed) == FeedEncoder.encode(rows, feed: feed))
        // Sorted, rows of one key (two here and there) are ordered by their lines, and the sort
        // holds every row once.
        let sorted = Array(try SpoolSorter.sorted(spool, keyField: FeedRowCoding.keyField, decodeRaw: decode, by: FeedRowCoding.less, memoryBudget: 4 << 10))
        #expect(sorted.count == rows.count)
        var ties = 0
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            #expect(!FeedPlan.Row.precedes(b, a), "\(a.key) \(b.key)")
            // (A later row of a key has the smaller line: the sort, not the order written, puts it first.)
            if a.key == b.key, let x = a.line, let y = b.line {
                ties += 1
                #expect(x.lexicographicallyPrecedes(y), "\(a.key)")
            }
        }
        #expect(ties >= 20)
    }

    @Test("rollback drops what came after the checkpoint (a file that failed half-way), and appending goes on from there")
    func rollback() throws {
        let spool = try Spool()
        try spool.append(["kept"])
        spool.checkpoint()
        for index in 0..<50_000 { try spool.append(["dropped \(index)"]) }  // past the 1 MB write buffer
        try spool.rollback()
        try spool.append(["after"])
        #expect(Array(try spool.entries()) == [["kept"], ["after"]])
        #expect(spool.count == 2)
    }

    @Test("a sort in many runs (a tiny memory budget: over three hundred, merged 256 at a time in two passes) gives the same order as sorting in memory, keys repeated included")
    func externalSort() throws {
        var generator = SystemRandomNumberGenerator()
        var rows: [FeedPlan.Row] = []
        for index in 0..<8_000 {
            let key = "牟城管罚〔2026〕\(Int.random(in: 0..<3_000, using: &generator))号|公司\(index % 7)"
            rows.append(Self.row(key, ["914101\(index)", "罚款\(Int.random(in: 0..<5, using: &generator))"], line: index + 2))
        }
        let spool = try Spool()
        for row in rows { try spool.appendEntry { FeedRowCoding.encode(row, into: &$0) } }
        let merged = Array(
            try SpoolSorter.sorted(
                spool, keyField: FeedRowCoding.keyField, decodeRaw: FeedRowCoding.rawDecoder(), by: FeedRowCoding.less, memoryBudget: 4 << 10))
        let expected = rows.sorted(by: FeedRowCoding.less)
        #expect(merged.map(\.key) == expected.map(\.key))
        #expect(merged.map(\.cells) == expected.map(\.cells))
        #expect(merged.count == 8_000 && merged.first?.decisionDate == "2026-11-20" && merged.first?.subjectName == nil)
        // One run (the default budget) gives the same.
        let inMemory = Array(try SpoolSorter.sorted(spool, keyField: FeedRowCoding.keyField, decodeRaw: FeedRowCoding.rawDecoder(), by: FeedRowCoding.less))
        #expect(inMemory.map(\.cells) == expected.map(\.cells))
    }

    @Test("a spool that notes its runs notes where each run of strictly ascending keys begins (a tie begins one too), forgets the runs a rollback drops, and stops noting past the merge's fan-in")
    func sortedRuns() throws {
        let spool = try Spool(noting: .runs, keyField: 1)
        #expect(spool.sortedRuns == [])
        var offsets: [Int64] = []
        func add(_ key: String?) throws {
            offsets.append(spool.bytes)
            try spool.append(["x", key])
        }
        for number in [1, 2, 9, 10, 11, 99] { try add("罚\(number)号") }  // 罚10号 < 罚9号 by bytes: a second run
        try add("罚99号")  // a tie: a third run
        try add(nil)  // missing: empty, the smallest: a fourth
        #expect(spool.sortedRuns == [offsets[0], offsets[3], offsets[6], offsets[7]])
        spool.checkpoint()
        try add("罚1号")  // after the empty key: the fourth run goes on
        try add("罚0号")  // a fifth
        #expect(spool.sortedRuns == [offsets[0], offsets[3], offsets[6], offsets[7], offsets[9]])
        try spool.rollback()
        #expect(spool.sortedRuns == [offsets[0], offsets[3], offsets[6], offsets[7]])
        try add("罚999号")  // after a rollback a run begins, whatever the key
        #expect(spool.sortedRuns?.count == 5)
        #expect(try Spool().sortedRuns == nil)
        #expect(try Spool(noting: .sequences).sortedRuns == nil && Spool(noting: .runs).ascendingRuns == nil)  // each noted only when asked
        let descending = try Spool(noting: .runs)
        for number in (0..<SpoolSorter.fanIn).reversed() { try descending.append(["罚\(1_000 + number)"]) }
        #expect(descending.sortedRuns?.count == SpoolSorter.fanIn)
        try descending.append(["罚0"])
        #expect(descending.sortedRuns == nil)
    }

    @Test("a feed spool in a few runs of ascending keys is merged where it lies, with the order a sort gives: equal keys across runs, ties by cells, identical rows in the order they came")
    func mergedInPlace() throws {
        var rows: [FeedPlan.Row] = []
        var line = 2
        func add(_ number: Int, _ cells: [String]) {
            rows.append(Self.row("牟城管罚〔2026〕\(number)号", cells, line: line))
            line += 1
        }
        for number in 1...1_200 { add(number, ["914101\(number)", "罚款"]) }  // natural order: four runs by bytes
        add(5, ["914101x", "罚款"])  // the same decision again, later (after 1200号 by bytes: the fourth run goes on)
        add(5, ["914101a", "罚款"])  // and again, with cells that come first: a tie begins a fifth run
        add(7, ["9141017", "罚款"])  // a row the same as an earlier one
        let tracked = try Spool(noting: .runs, keyField: FeedRowCoding.keyField)
        let plain = try Spool()
        for row in rows {
            try tracked.appendEntry { FeedRowCoding.encode(row, into: &$0) }
            try plain.appendEntry { FeedRowCoding.encode(row, into: &$0) }
        }
        #expect(tracked.sortedRuns?.count == 5)
        func sorted(_ spool: Spool, budget: Int64 = SpoolSorter.defaultBudget) throws -> [FeedPlan.Row] {
            Array(try SpoolSorter.sorted(
                spool, keyField: FeedRowCoding.keyField, decodeRaw: FeedRowCoding.rawDecoder(), by: FeedRowCoding.less, memoryBudget: budget))
        }
        let merged = try sorted(tracked)
        let expected = rows.sorted(by: FeedRowCoding.less)  // Swift's sort is stable
        #expect(merged.map(\.key) == expected.map(\.key))
        #expect(merged.map(\.cells) == expected.map(\.cells))
        #expect(merged.map(\.row) == expected.map(\.row))
        #expect(try sorted(plain, budget: 4 << 10).map(\.row) == expected.map(\.row))
        // In key order already: one run, read as it is.
        let ordered = try Spool(noting: .runs, keyField: FeedRowCoding.keyField)
        for row in expected.prefix(500) { try ordered.appendEntry { FeedRowCoding.encode(row, into: &$0) } }
        #expect(ordered.sortedRuns?.count == 1)
        #expect(try sorted(ordered).map(\.row) == expected.prefix(500).map(\.row))
    }

    @Test("the intake's feed rows, held in one buffer and written as sorted runs, come back in the order a sort of each feed gives (ties, identical rows, two feeds, many writes), merged where they lie; a failed file's rows are dropped and the kept ones kept, whether a write came between or not")
    func rowRuns() throws {
        var generator = SystemRandomNumberGenerator()
        let spools = [try Spool(noting: .runs, keyField: FeedRowCoding.keyField), try Spool(noting: .runs, keyField: FeedRowCoding.keyField)]
        let runs = RowRuns(spools: spools, budget: 16 << 10)
        var kept: [[FeedPlan.Row]] = [[], []]
        var taken: [[FeedPlan.Row]] = [[], []]
        var line = 2
        func add(_ count: Int, file: String) throws {
            for _ in 0..<count {
                let feed = Int.random(in: 0..<4, using: &generator) == 0 ? 1 : 0
                // Every twentieth row the same decision as an earlier one of its feed, with the same cells
                // or not (ties, identical rows told apart by their row numbers). (Each tie begins a run
                // of its own: many would make more than the merge's fan-in, and a sort of the spool.)
                var row = Self.row(
                    "牟城管罚〔2026〕\(Int.random(in: 1...100_000, using: &generator))号", ["91410\(Int.random(in: 0..<3, using: &generator))", "罚款"],
                    file: file, line: line)
                if line % 20 == 0, let earlier = taken[feed].randomElement(using: &generator) {
                    row = Self.row(earlier.key, Bool.random(using: &generator) ? earlier.cells : ["914109", "罚款"], file: file, line: line)
                }
                line += 1
                var bytes: [UInt8] = []
                FeedRowCoding.encode(row, into: &bytes)
                try runs.append(bytes[...], feed: feed)
                taken[feed].append(row)
            }
        }
        func endFile(failed: Bool) throws {
            if failed {
                runs.rollback()
                for spool in spools { try spool.rollback() }
                taken = kept
            } else {
                for spool in spools { spool.checkpoint() }
                runs.checkpoint()
                kept = taken
            }
        }
        try add(400, file: "a.csv")  // many writes
        try endFile(failed: false)
        try add(5, file: "b.csv")  // no write since the checkpoint: dropped from the buffer
        try endFile(failed: true)
        try runs.write()  // (nothing is held: b.csv's rows are gone)
        #expect(spools.map(\.count) == kept.map(\.count))
        try add(3, file: "c.csv")
        try endFile(failed: false)
        #expect(runs.held(feed: 0) + runs.held(feed: 1) == 3)
        let written = spools.map(\.count)
        try add(300, file: "d.csv")  // writes while c.csv's rows are still held: they are kept
        #expect(spools.map(\.count) != written)
        try endFile(failed: true)
        try add(7, file: "e.csv")
        try endFile(failed: false)
        try runs.finish()
        #expect(runs.held(feed: 0) == 0 && runs.held(feed: 1) == 0)
        for feed in 0..<2 {
            let expected = kept[feed].sorted(by: FeedRowCoding.less)  // Swift's sort is stable
            let sorted = Array(try SpoolSorter.sorted(spools[feed], keyField: FeedRowCoding.keyField, decodeRaw: FeedRowCoding.rawDecoder(), by: FeedRowCoding.less))
            #expect(sorted.map(\.file) == expected.map(\.file))
            #expect(sorted.map(\.row) == expected.map(\.row))
            #expect(sorted.map(\.key) == expected.map(\.key))
            #expect(!sorted.contains { $0.file == "b.csv" || $0.file == "d.csv" })
            // Written as runs the sort merges where they lie (not read back and sorted again).
            #expect((spools[feed].sortedRuns?.count ?? 0) > 2)
        }
    }

    @Test("a spool that notes its sequences counts the ascending sequences of first fields its entries came as, interleaved (a missing first field as empty), up to a limit, and never counts down")
    func firstFieldOrder() throws {
        let ordered = try Spool(noting: .sequences)
        #expect(ordered.ascendingRuns == 0)
        for entry: [String?] in [[nil, "x"], ["罚1"], ["罚1", "again"], ["罚10"], ["罚2"], ["罚2号"]] { try ordered.append(entry) }
        try ordered.appendEntry { Spool.encode(fieldCount: 1, into: &$0) { $0.put("罚3") } }  // appended encoded, as the intake does
        #expect(ordered.ascendingRuns == 1)
        // Natural order: 罚10 comes before 罚9 by bytes, so 1…9 and 10…99 are two sequences; 100 a third.
        let natural = try Spool(noting: .sequences)
        for number in 1...120 { try natural.append(["罚\(number)号"]) }
        #expect(natural.ascendingRuns == 3)
        // Two departments' numbers interleaved: two sequences, however often they alternate.
        let interleaved = try Spool(noting: .sequences)
        for number in 100..<300 { try interleaved.append([number % 2 == 0 ? "A\(number)" : "B\(number)"]) }
        #expect(interleaved.ascendingRuns == 2)
        let early = try Spool(noting: .sequences)
        for entry: [String?] in [["罚2"], ["罚10"], ["罚3"]] { try early.append(entry) }  // 罚10 < 罚2 by bytes
        #expect(early.ascendingRuns == 2)
        try early.rollback()
        try early.append(["罚9"])
        #expect(early.ascendingRuns == 2)
        // Descending: each entry begins a sequence, until there are more than the limit.
        let descending = try Spool(noting: .sequences)
        for number in (0..<Spool.maxRuns).reversed() { try descending.append(["罚\(100 + number)"]) }
        #expect(descending.ascendingRuns == Spool.maxRuns)
        try descending.append(["罚0"])
        #expect(descending.ascendingRuns == nil)
        try descending.append(["罚999"])
        #expect(descending.ascendingRuns == nil)
        #expect(try Spool().ascendingRuns == nil)  // not tracked: never said to be in order
    }

    @Test("the register's and the versions' entries come in key order, those with the same key in the order they came, through a sort in many runs; as they came when they came as a few ascending sequences")
    func keyOrderForTheLedger() throws {
        var generator = SystemRandomNumberGenerator()
        let spool = try Spool(noting: .sequences)
        var entries: [[String?]] = []
        for index in 0..<3_000 {
            let entry: [String?] = ["罚\(Int.random(in: 0..<500, using: &generator))号", String(index), index % 5 == 0 ? nil : "某公司"]
            entries.append(entry)
            try spool.append(entry)
        }
        #expect(spool.ascendingRuns == nil)
        let key = { (entry: [String?]) in Array((entry[0] ?? "").utf8) }
        // Swift's sort is stable: equal keys keep their arrival order (the second field counts up).
        let expected = entries.sorted { key($0).lexicographicallyPrecedes(key($1)) }
        #expect(Array(try FeedIntake.inWritingOrder(spool, memoryBudget: 4 << 10)) == expected)
        #expect(Array(try FeedIntake.inWritingOrder(spool)) == expected)
        let inOrder = try Spool(noting: .sequences)
        for entry in expected { try inOrder.append(entry) }
        #expect(inOrder.ascendingRuns == 1)
        #expect(Array(try FeedIntake.inWritingOrder(inOrder)) == expected)
        // Numbers in their natural order, a number's versions together: read as they came.
        let natural = try Spool(noting: .sequences)
        let naturalEntries: [[String?]] = (1...300).flatMap { number in [["罚\(number)号", "1"], ["罚\(number)号", "2"]] }
        for entry in naturalEntries { try natural.append(entry) }
        #expect(natural.ascendingRuns == 3)
        #expect(Array(try FeedIntake.inWritingOrder(natural, memoryBudget: 4 << 10)) == naturalEntries)
    }

    @Test("a file that fails after thousands of its records were spooled contributes none of them to the feeds")
    func failedFileDropped() throws {
        let folder = Scratch.root.appendingPathComponent("gongshi-spool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let lines = try Fixtures.text("validate/penalty/valid.csv").split(whereSeparator: \.isNewline).map(String.init)
        let header = lines[0]
        let base = lines[1]
        // 20,000 valid records (many batches handed to the spool before the end), then bytes that are not UTF-8.
        let many = (0..<20_000).map { base.replacingOccurrences(of: "牟城管罚〔2026〕1号,", with: "牟城管罚〔2026〕\(1_000 + $0)号,") }
        var bad = Data(([header] + many).joined(separator: "\r\n").utf8)
        bad.append(contentsOf: [0x0D, 0x0A] + Array(base.utf8.prefix(20)) + [0xFF, 0xFE, 0x0D, 0x0A])
        try bad.write(to: folder.appendingPathComponent("bad.csv"))
        try Data(([header, base].joined(separator: "\r\n") + "\r\n").utf8).write(to: folder.appendingPathComponent("good.csv"))
        let out = folder.appendingPathComponent("out")
        let result = try GongshiProcess.run([
            "feed", "--profile", Fixtures.url("portals/api-portal.v1.yaml").path, "--kind", "penalty", "--encoding", "utf-8",
            "--out", out.path, "--today", "2026-11-30", folder.appendingPathComponent("good.csv").path,
            folder.appendingPathComponent("bad.csv").path,
        ])
        #expect(result.status == 65 && result.stdout.contains("bad.csv：无法校验"), "\(result)")
        let payloads = try Fixtures.payloads(under: out)
        let records = payloads.values.reduce(0) { $0 + $1.split(separator: 0x0A).count }
        #expect(records == 1, "\(payloads.keys)")  // good.csv's one record; none of bad.csv's
    }
}

extension Spool {
    /// Appends one entry encoded by `encode` (a coding's `encode(_:into:)`), as the run appends
    /// the entries its preparer made.
    func appendEntry(_ encode: (inout [UInt8]) -> Void) throws {
        var bytes: [UInt8] = []
        encode(&bytes)
        try append(encoded: bytes[...])
    }
}
