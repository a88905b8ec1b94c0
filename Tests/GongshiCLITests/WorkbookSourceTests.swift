import Foundation
import GongshiTesting
import Testing

/// Excel workbooks as a source: the sheet chosen, problems located by cell, hostile archives
/// refused, and a pipeline that reads a workbook and publishes from it (fixtures made by openpyxl,
/// `fixtures/xlsx/make-workbooks.py`).
@Suite("Excel sources")
struct WorkbookSourceTests {
    static func validate(_ file: String, _ extra: [String] = []) throws -> (status: Int32, report: [String: Any]) {
        let result = try GongshiProcess.run(
            ["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json"] + extra + [Fixtures.url(file).path])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        return (result.status, report)
    }

    static func problems(_ report: [String: Any]) -> [[String: Any]] { report["errors"] as? [[String: Any]] ?? [] }

    @Test("hostile or unreadable archives are refused as a whole, each with its own type, and nothing of them is read", arguments: [
        ("xlsx/traversal.xlsx", [String](), "xlsx-unsafe-entry"),
        ("xlsx/bomb-ratio.xlsx", [], "xlsx-too-large"),
        ("xlsx/bomb-actual.xlsx", ["--sheet", "数据"], "xlsx-too-large"),
        ("xlsx/external.xlsx", ["--sheet", "数据"], "xlsx-external-sheet"),
        ("xlsx/not-a-zip.xlsx", [], "xlsx-is-text"),  // a CSV export named .xlsx
        ("xlsx/utf16-text.xlsx", [], "xlsx-is-text"),  // Excel's "Unicode 文本" (UTF-16, its NUL bytes and all) named .xlsx
        ("xlsx/two-sheets.xlsx", ["--sheet", "没有这张表"], "xlsx-no-such-sheet"),
    ])
    func refused(file: String, extra: [String], type: String) throws {
        let (status, report) = try Self.validate(file, extra)
        #expect(status == 65)
        #expect(Self.problems(report).map { $0["type"] as? String } == [type])
        let stats = try #require(report["stats"] as? [String: Int])
        #expect(stats["failedFiles"] == 1 && stats["records"] == 0)
    }

    @Test("a sheet whose bytes do not match the CRC-32 its archive states is refused as corrupt, nothing of it read")
    func checksum() throws {
        // The sheet's stated CRC-32, in its local header (offset 14) and its central directory entry
        // (offset 16), each found by its signature and the name after it, with one bit changed.
        var bytes = [UInt8](try Data(contentsOf: Fixtures.url("xlsx/two-sheets.xlsx")))
        let name = Array("xl/worksheets/sheet1.xml".utf8)
        var changed = 0
        for (signature, nameAt, crcAt) in [([0x50, 0x4B, 0x03, 0x04], 30, 14), ([0x50, 0x4B, 0x01, 0x02], 46, 16)] as [([UInt8], Int, Int)] {
            for start in 0..<(bytes.count - nameAt - name.count)
            where bytes[start..<(start + 4)].elementsEqual(signature) && bytes[(start + nameAt)..<(start + nameAt + name.count)].elementsEqual(name) {
                bytes[start + crcAt] ^= 0x01
                changed += 1
            }
        }
        #expect(changed == 2)
        let file = Scratch.root.appendingPathComponent("gongshi-crc-\(UUID().uuidString).xlsx")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json", file.path])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        #expect(result.status == 65)
        #expect(Self.problems(report).map { $0["type"] as? String } == ["xlsx-corrupt"], "\(Self.problems(report))")
        let stats = try #require(report["stats"] as? [String: Int])
        #expect(stats["failedFiles"] == 1 && stats["records"] == 0)
    }

    @Test("a name from a hostile archive is echoed cut short: the message stays bounded")
    func longEntryName() throws {
        let book = Scratch.root.appendingPathComponent("gongshi-long-\(UUID().uuidString).xlsx")
        defer { try? FileManager.default.removeItem(at: book) }
        let script = """
            import shutil, sys, zipfile
            shutil.copy(sys.argv[1], sys.argv[2])
            with zipfile.ZipFile(sys.argv[2], "a", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("xl/media/" + "长" * 3000 + ".bin", b"\\0" * (16 << 20))
            """
        try runTool("/usr/bin/python3", ["-c", script, Fixtures.url("xlsx/two-sheets.xlsx").path, book.path])
        let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json", book.path])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let problem = try #require(Self.problems(report).first)
        #expect(problem["type"] as? String == "xlsx-too-large")
        #expect((problem["message"] as? String ?? "").count < 400, "\(problem)")
    }

    @Test("the first sheet by default, another by --sheet; a first sheet without the columns says which others there are")
    func sheets() throws {
        let first = try Self.validate("xlsx/two-sheets.xlsx")
        #expect(first.status == 65 && Self.problems(first.report).contains { $0["type"] as? String == "missing-column" })
        let hint = Self.problems(first.report).first { $0["type"] as? String == "xlsx-other-sheets" && $0["severity"] as? String == "warning" }
        #expect((hint?["message"] as? String)?.contains("“数据”") == true, "\(first.report)")
        let data = try Self.validate("xlsx/two-sheets.xlsx", ["--sheet", "数据"])
        #expect(data.status == 0)
        #expect((data.report["stats"] as? [String: Int])?["valid"] == 3)
    }

    @Test("with no sheet named, another visible sheet with the same header and rows is named in a warning with its row count; named, it is read")
    func otherDataSheets() throws {
        let first = try Self.validate("xlsx/two-data-sheets.xlsx")
        #expect(first.status == 0)
        #expect((first.report["stats"] as? [String: Int])?["records"] == 1)
        let hints = Self.problems(first.report).filter { $0["type"] as? String == "xlsx-other-sheets" }
        #expect(hints.count == 1 && hints.first?["severity"] as? String == "warning", "\(first.report)")
        #expect((hints.first?["message"] as? String)?.contains("“12月”（2 行）") == true, "\(hints)")
        let named = try Self.validate("xlsx/two-data-sheets.xlsx", ["--sheet", "12月"])
        #expect(named.status == 0 && (named.report["stats"] as? [String: Int])?["records"] == 2)
        #expect(!Self.problems(named.report).contains { $0["type"] as? String == "xlsx-other-sheets" })
        // A notes sheet (another header) is not named.
        let notes = try Self.validate("xlsx/two-sheets.xlsx", ["--sheet", "数据"])
        #expect(Self.problems(notes.report).isEmpty, "\(notes.report)")
    }

    @Test("with no sheet named, a hidden (or very hidden) first sheet is skipped with a warning and the first visible one read", arguments: [
        "xlsx/hidden-first.xlsx", "xlsx/very-hidden-first.xlsx",
    ])
    func hiddenFirstSheet(file: String) throws {
        let (status, report) = try Self.validate(file)
        #expect(status == 0)
        #expect((report["stats"] as? [String: Int])?["records"] == 3)
        #expect(Self.problems(report).map { "\($0["type"] as? String ?? "") \($0["severity"] as? String ?? "")" } == ["xlsx-hidden-sheet-skipped warning"])
        #expect((Self.problems(report).first?["message"] as? String)?.contains("“旧数据”") == true)
        let named = try Self.validate(file, ["--sheet", "旧数据"])
        #expect(named.status == 0 && (named.report["stats"] as? [String: Int])?["records"] == 1 && Self.problems(named.report).isEmpty)
    }

    /// An OLE2 compound file's first two sectors (512 bytes each): its header, then its directory
    /// naming one stream (`Workbook`: an Excel 97–2003 .xls; `EncryptedPackage`: an encrypted .xlsx).
    static func compoundFile(stream: String) -> Data {
        var bytes = [UInt8](repeating: 0, count: 1024)
        let signature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
        bytes.replaceSubrange(0..<8, with: signature)
        bytes[0x1E] = 9  // 2^9-byte sectors; the directory's first sector (at 0x30) is sector 0
        var name: [UInt8] = []
        for unit in stream.utf16 { name += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        name += [0, 0]
        bytes.replaceSubrange(512..<(512 + name.count), with: name)
        return Data(bytes)
    }

    @Test("an old .xls and an encrypted workbook, under any name, each fail with what they are, not an encoding or zip error", arguments: [
        ("book.xls", "Workbook", "xls-legacy-format"), ("book.csv", "Workbook", "xls-legacy-format"),
        ("book.xlsx", "EncryptedPackage", "xlsx-encrypted"), ("book.csv", "EncryptedPackage", "xlsx-encrypted"),
    ])
    func misnamedFiles(name: String, stream: String, type: String) throws {
        let folder = Scratch.root.appendingPathComponent("gongshi-misnamed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent(name)
        try Self.compoundFile(stream: stream).write(to: file)
        let result = try GongshiProcess.run(["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json", file.path])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        #expect(result.status == 65)
        #expect(Self.problems(report).map { $0["type"] as? String } == [type], "\(Self.problems(report))")
        #expect((report["stats"] as? [String: Int])?["failedFiles"] == 1)
    }

    @Test("a data row hidden in Excel (by hand or a filter) is read and counted like any other, with a warning naming its row; the visible rows have none")
    func hiddenRow() throws {
        let book = Scratch.root.appendingPathComponent("gongshi-hidden-row-\(UUID().uuidString).xlsx")
        defer { try? FileManager.default.removeItem(at: book) }
        // two-sheets.xlsx's 数据 sheet (sheet2.xml) with its row 3 hidden, as Excel writes it.
        let script = """
            import sys, zipfile
            source = zipfile.ZipFile(sys.argv[1])
            with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as out:
                for name in source.namelist():
                    data = source.read(name)
                    if name == "xl/worksheets/sheet2.xml":
                        assert data.count(b'<row r="3"') == 1
                        data = data.replace(b'<row r="3"', b'<row r="3" hidden="1"')
                    out.writestr(name, data)
            """
        try runTool("/usr/bin/python3", ["-c", script, Fixtures.url("xlsx/two-sheets.xlsx").path, book.path])
        let result = try GongshiProcess.run(
            ["validate", "--kind", "penalty", "--today", "2026-11-30", "--format", "json", "--sheet", "数据", book.path])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        #expect(result.status == 0)
        #expect((report["stats"] as? [String: Int])?["valid"] == 3)
        #expect(Self.problems(report).map { "\($0["type"] as? String ?? "") \($0["severity"] as? String ?? "") \($0["row"] as? Int ?? 0)" } == ["xlsx-hidden-row warning 3"])
    }

    /// The feeds a workbook gives (a CSV batch each), as Python's csv module reads them: each record
    /// by its column codes.
    static func feed(_ file: String) throws -> [[String: String]] {
        let folder = Scratch.root.appendingPathComponent("gongshi-xlsx-feed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try GongshiProcess.run([
            "feed", "--portal", "creditchina-henan-zhengzhou", "--kind", "penalty", "--out", folder.path, "--today", "2026-11-30",
            Fixtures.url(file).path,
        ])
        #expect(result.status == 0, "\(result)")
        return try Fixtures.payloads(under: folder).keys.sorted().flatMap { path in
            let rows = try IndependentReader.csv(folder.appendingPathComponent(path)).rows
            return rows.dropFirst().map { Dictionary(zip(rows[0].map { $0.replacingOccurrences(of: "\u{FEFF}", with: "") }, $0)) { first, _ in first } }
        }
    }

    @Test("numbers as Excel writes them (E-notation, 17 significant digits) are read as Excel shows them: 15 significant digits, plain")
    func excelNumberForms() throws {
        let (_, report) = try Self.validate("xlsx/excel-forms.xlsx")
        let errors = Self.problems(report).filter { $0["severity"] as? String == "error" }
        #expect(errors.isEmpty, "\(errors)")
        let amounts = Dictionary(try Self.feed("xlsx/excel-forms.xlsx").map { ($0["CF_WSH"] ?? "", $0["CF_NR_FK"] ?? "?") }) { first, _ in first }
        #expect((1...7).map { amounts["牟城管罚〔2026〕\($0)号"] } == ["0.2", "0.001", "0.005", "0.02", "1500", "0.2", ""], "\(amounts)")
    }

    @Test("a workbook in the 1904 date system (Excel for Mac): its date serials read as its own, the feed the same as the 1900 workbook's")
    func date1904() throws {
        let (status, report) = try Self.validate("xlsx/date1904.xlsx")
        #expect(status == 0, "\(Self.problems(report))")
        let feed = try Self.feed("xlsx/date1904.xlsx")
        #expect(feed == (try Self.feed("validate/penalty/workbook-typed.xlsx")) && !feed.isEmpty)
        #expect(feed.filter { $0["CF_JDRQ"]?.hasPrefix("2026") == true }.count == feed.count, "\(feed.map { $0["CF_JDRQ"] ?? "" })")
    }

    @Test("an ID number Excel made a number, in a free-text cell, is personal data: a warning, and hidden in the feed")
    func idNumberAsNumberInText() throws {
        let (_, report) = try Self.validate("xlsx/excel-forms.xlsx")
        let found = Self.problems(report).filter { $0["type"] as? String == "personal-data-in-text" }
        #expect(found.map { "\($0["row"] as? Int ?? 0) \($0["field"] as? String ?? "") \($0["severity"] as? String ?? "")" } == ["8 违法事实 warning"], "\(report)")
        #expect(!"\(report)".contains("410122198503121"))
        let records = try Self.feed("xlsx/excel-forms.xlsx")
        let facts = records.first { $0["CF_WSH"] == "牟城管罚〔2026〕7号" }?["CF_SY"]
        #expect(facts == String(repeating: "*", count: 20), "\(records)")
    }

    @Test("an error value (#REF!) names its field, code and cell, as any field's problem does")
    func errorValue() throws {
        let (status, report) = try Self.validate("xlsx/error-value.xlsx")
        #expect(status == 65)
        let problem = try #require(Self.problems(report).first { $0["type"] as? String == "xlsx-error-value" }, "\(report)")
        #expect(problem["row"] as? Int == 3 && problem["field"] as? String == "处罚机关" && problem["cell"] as? String == "处罚!Z3")
        #expect((problem["code"] as? String)?.isEmpty == false, "\(problem)")
        #expect((report["stats"] as? [String: Int])?["invalid"] == 1)
    }

    @Test("a workbook named .csv is told to be a workbook, with its own type, not an encoding error")
    func workbookNamedCSV() throws {
        let (status, report) = try Self.validate("xlsx/renamed-workbook.csv")
        #expect(status == 65)
        #expect(Self.problems(report).map { $0["type"] as? String } == ["csv-is-workbook"])
        #expect((Self.problems(report).first?["message"] as? String)?.contains(".xlsx") == true)
    }

    @Test("a row inside merged cells is told why its cell is empty: the value Excel shows is only in the range's first cell")
    func mergedDataCells() throws {
        let (status, report) = try Self.validate("xlsx/merged-data.xlsx")
        #expect(status == 65)
        let errors = Self.problems(report).filter { $0["severity"] as? String == "error" }
        #expect(errors.map { "\($0["row"] as? Int ?? 0) \($0["type"] as? String ?? "") \($0["cell"] as? String ?? "")" } == ["4 required-missing 处罚!Z4"])
        let warnings = Self.problems(report).filter { $0["type"] as? String == "xlsx-merged-cell" && $0["severity"] as? String == "warning" }
        #expect(warnings.count == 1 && warnings.first?["row"] as? Int == 4, "\(warnings)")
        #expect((warnings.first?["message"] as? String)?.contains("Z3:Z4") == true && (warnings.first?["message"] as? String)?.contains("处罚!Z3") == true)
        #expect((report["stats"] as? [String: Int])?["valid"] == 3)
    }

    @Test("a field's problem names its cell as Excel does (sheet!column row); shared strings resolved")
    func cells() throws {
        let (_, report) = try Self.validate("validate/penalty/workbook-invalid.xlsx")
        let missingNumber = try #require(Self.problems(report).first { $0["row"] as? Int == 2 })
        #expect(missingNumber["type"] as? String == "required-missing" && missingNumber["cell"] as? String == "处罚!N2")
        // A problem of no single field (none here besides the header) carries no cell.
        let titled = try Self.validate("validate/penalty/workbook-title.xlsx")
        #expect(Self.problems(titled.report).allSatisfy { $0["cell"] == nil })
        let text = try GongshiProcess.run(
            ["validate", "--kind", "penalty", "--today", "2026-11-30", Fixtures.url("validate/penalty/workbook-invalid.xlsx").path])
        #expect(text.stdout.split(separator: "\n").first.map(String.init)
            == "\(Fixtures.url("validate/penalty/workbook-invalid.xlsx").path):2: 行政处罚决定书文号（处罚!N2）: 必填项为空 [required-missing]")
    }

    @Test("a large shared-string table (read from disk, forward and back) gives exactly the feeds the same records give as CSV")
    func largeTable() throws {
        let folder = Scratch.root.appendingPathComponent("gongshi-sst-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // 3,000 records: each 文号 and 违法事实 new (the table grows past what stays in memory, about
        // 3 MB), the names repeating every 1,000 records (strings looked up again from far back).
        let lines = try Fixtures.text("validate/penalty/valid.csv").split(whereSeparator: \.isNewline)  // CRLF: one Character
        let header = String(lines[0])
        let template = String(lines[1]).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let columns = header.split(separator: ",").map(String.init)
        let name = try #require(columns.firstIndex(of: "行政相对人名称"))
        let number = try #require(columns.firstIndex(of: "行政处罚决定书文号"))
        let facts = try #require(columns.firstIndex(of: "违法事实"))
        var csv = header + "\n"
        for index in 0..<3_000 {
            var cells = template
            cells[name] = "郑州某某商贸有限公司\(index % 1_000)"
            cells[number] = "牟城管罚〔2026〕\(10_000 + index)号"
            // Long and new each time: the table's bytes pass its 1 MiB window several times.
            cells[facts] = "擅自占用城市道路店外经营（第 \(index) 次巡查发现）" + String(repeating: "现场堆放货物影响通行。", count: 40)
            csv += cells.joined(separator: ",") + "\n"
        }
        let table = folder.appendingPathComponent("many.csv")
        try csv.write(to: table, atomically: true, encoding: .utf8)
        let book = folder.appendingPathComponent("many.xlsx")
        try runTool("/usr/bin/python3", [Fixtures.root.appendingPathComponent("benchmarks/make_workbook.py").path, table.path, book.path])
        var payloads: [[String: Data]] = []
        for (file, out) in [(table, "from-csv"), (book, "from-xlsx")] {
            let result = try GongshiProcess.run([
                "feed", "--portal", "creditchina-henan-zhengzhou", "--kind", "penalty", "--out", folder.appendingPathComponent(out).path,
                "--today", "2026-11-30", file.path,
            ])
            #expect(result.status == 0, "\(result)")
            payloads.append(try Fixtures.payloads(under: folder.appendingPathComponent(out)))
        }
        #expect(payloads[0].count == 1 && payloads[0] == payloads[1])  // the same batch ids, the same bytes
    }

    @Test("a pipeline reads a workbook source (sheet: 数据) and publishes from it; a workbook refused whole still has its decisions tracked")
    func pipeline() throws {
        let project = try OutboxProject(
            id: "xlsx-source", portals: ["creditchina-henan-zhengzhou"], sources: "  - path: inbox/*.xlsx\n    sheet: 数据")
        defer { try? FileManager.default.removeItem(at: project.root) }
        try project.add("xlsx/two-sheets.xlsx", as: "2026-11-data.xlsx")
        let run = try project.gongshi(["run", project.pipeline, "--today", "2026-11-23"])
        #expect(run.status == 0 || run.status == 75, "\(run)")
        let staged = try Fixtures.payloads(under: project.outbox).keys.sorted()
        #expect(!staged.isEmpty && staged.allSatisfy { $0.hasSuffix(".csv") })
        let published = try staged.map { try IndependentReader.csv(project.outbox.appendingPathComponent($0)).rows.count - 1 }.reduce(0, +)
        #expect(published == 3)

        // A workbook whose header is merged fails whole; its three decisions are tracked all the same.
        let broken = try OutboxProject(id: "xlsx-broken", portals: ["creditchina-henan-zhengzhou"], sources: "  - path: inbox/*.xlsx")
        defer { try? FileManager.default.removeItem(at: broken.root) }
        try broken.add("validate/penalty/workbook-merged-header.xlsx")
        let failed = try broken.gongshi(["run", broken.pipeline, "--today", "2026-11-23"])
        #expect(failed.status == 65, "\(failed)")
        #expect(try Fixtures.payloads(under: broken.outbox).isEmpty)
        let status = try broken.gongshi(["ledger", "status", "--format", "json", "--ledger", "var/ledger.sqlite", "--today", "2026-11-23"])
        let decisions = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any], "\(status)")
        let disclosure = try #require(decisions["disclosure"] as? [String: Any])
        #expect(disclosure["decisions"] as? Int == 3 && disclosure["waiting_for_correction"] as? Int == 3, "\(disclosure)")
    }
}
