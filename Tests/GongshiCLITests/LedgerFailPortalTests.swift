import DisclosureCore
import Foundation
import GongshiTesting
import PostgreSQLLedger
import PostgresSupport
import SQLiteLedger
import Testing

/// `gongshi ledger fail` of a batch of a portal that can be asked (the sandbox on 127.0.0.1): the
/// portal is asked first, on either ledger.
@Suite("ledger fail asks the portal first")
struct LedgerFailPortalTests {
    enum Store: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgresql
        var testDescription: String { rawValue }
    }

    @Test(
        "a batch the portal does not have is failed; one it holds is refused (65 [batch-on-portal]) and stays pending; a portal that cannot answer refuses (69 [portal-unreachable]) unless the clerk says they checked by hand",
        arguments: Store.allCases)
    func asksFirst(_ store: Store) throws {
        let workspace = try LedgerCommandTests.Workspace()
        var environment = UploadTests.environment
        let ledgerLocation: String
        let open: () throws -> any LedgerStore
        switch store {
        case .sqlite:
            ledgerLocation = workspace.ledgerPath
            open = { try Ledger.openForReading(path: workspace.ledgerPath) }
        case .postgresql:
            let server = try PostgreSQLServer.shared()
            let database = try server.createDatabase(prefix: "failask")
            ledgerLocation = server.url(database: database)
            environment["GONGSHI_LEDGER_PASSWORD"] = server.password
            let address = try PostgresAddress(url: ledgerLocation, what: "台账")
            open = { try PostgresLedger.open(address: address, password: server.password) }
        }
        func gongshi(_ arguments: [String]) throws -> GongshiProcess.Result {
            try GongshiProcess.run(arguments + ["--ledger", ledgerLocation], environment: environment)
        }
        func batch(_ id: String) throws -> BatchInfo? { try open().batch(id) }

        let feed = try gongshi([
            "feed", "--profile", UploadTests.profile, "--kind", "penalty", "--out", workspace.out.path, "--today", "2026-11-30",
            Fixtures.url("validate/penalty/valid.csv").path,
        ])
        #expect(feed.status == 0, "\(feed)")
        let pending = try open().batches(portal: nil, status: .pending)
        let legal = try #require(pending.first { $0.records == 13 })
        let natural = try #require(pending.first { $0.records == 4 })

        let sandbox = try SandboxHarness(faults: "garbled-receipt:1")
        defer { sandbox.stop() }
        let asking = ["--endpoint", sandbox.url, "--credentials", sandbox.credentials.path]

        // The portal has never seen the batch: failed, as the clerk asks.
        let notThere = try gongshi(["ledger", "fail", natural.id, "--reason", "门户退回"] + asking)
        #expect(notThere.status == 0, "\(notThere)")
        #expect(try batch(natural.id)?.status == .failed)

        // The portal takes the other batch (its answer cannot be read, so it stays pending).
        let upload = try gongshi([
            "upload", "--portal", "api-portal", "--endpoint", sandbox.url, "--credentials", sandbox.credentials.path, "--today", "2026-12-01",
            "--retry-delay", "0.01",
        ])
        #expect(upload.status == 69, "\(upload)")
        #expect(try batch(legal.id)?.status == .pending)
        #expect(try sandbox.batches()[legal.id] == 13)

        // The portal holds it: refused, still pending.
        let held = try gongshi(["ledger", "fail", legal.id, "--reason", "门户退回"] + asking)
        #expect(held.status == 65, "\(held)")
        #expect(held.stderr.contains("[batch-on-portal]"), "\(held.stderr)")
        #expect(try batch(legal.id)?.status == .pending)
        // …even with --portal-unreachable: the portal answered.
        let heldAnyway = try gongshi(["ledger", "fail", legal.id, "--reason", "门户退回", "--portal-unreachable"] + asking)
        #expect(heldAnyway.status == 65, "\(heldAnyway)")
        #expect(try batch(legal.id)?.status == .pending)

        // Nothing listens where the portal should be: refused, still pending.
        let nowhere = ["--endpoint", "http://127.0.0.1:\(try freeLoopbackPort())", "--credentials", sandbox.credentials.path]
        let unreachable = try gongshi(["ledger", "fail", legal.id, "--reason", "门户退回"] + nowhere)
        #expect(unreachable.status == 69, "\(unreachable)")
        #expect(unreachable.stderr.contains("[portal-unreachable]"), "\(unreachable.stderr)")
        #expect(try batch(legal.id)?.status == .pending)
        // The clerk checked by hand: failed.
        let byHand = try gongshi(["ledger", "fail", legal.id, "--reason", "门户退回", "--portal-unreachable"] + nowhere)
        #expect(byHand.status == 0, "\(byHand)")
        #expect(try batch(legal.id)?.status == .failed)

        // --pipelines (where a bare `ledger fail` looks for the pipeline) with --endpoint is a usage error.
        let both = try gongshi(["ledger", "fail", legal.id, "--reason", "门户退回", "--pipelines", "pipelines"] + nowhere)
        #expect(both.status == 64, "\(both)")
    }

    @Test("--pipeline: a batch of the pipeline's API portal that the portal holds is refused (65 [batch-on-portal]); a batch of its outbox portal, which cannot be asked, is failed as before")
    func throughThePipeline() throws {
        let project = try RunCommandTests.Project()
        let sandbox = try SandboxHarness(faults: "garbled-receipt:1")
        defer { sandbox.stop() }
        try project.use(sandbox)
        _ = try project.run(["--today", "2026-11-30"])
        let ledger = try project.ledgerReader()
        let api = try #require(try ledger.batches(portal: "api-portal", status: .pending).first)
        #expect(try sandbox.batches()[api.id] == api.records)
        let outbox = try #require(try ledger.batches(portal: "creditchina-henan-zhengzhou", status: .pending).first)
        let environment: [String: String?] = [
            "GONGSHI_PORTAL_APP_KEY": SandboxHarness.appKey, "GONGSHI_PORTAL_SECRET": SandboxHarness.secret, "no_proxy": "127.0.0.1",
            "NO_PROXY": "127.0.0.1",
        ]
        func fail(_ id: String) throws -> GongshiProcess.Result {
            // The pipeline's own ledger: no --ledger.
            try GongshiProcess.run(
                ["ledger", "fail", id, "--reason", "门户退回", "--pipeline", project.pipeline, "--today", "2026-11-30"], environment: environment)
        }
        let held = try fail(api.id)
        #expect(held.status == 65, "\(held)")
        #expect(held.stderr.contains("[batch-on-portal]"), "\(held.stderr)")
        #expect(try ledger.batch(api.id)?.status == .pending)
        let byHand = try fail(outbox.id)
        #expect(byHand.status == 0, "\(byHand)")
        #expect(try ledger.batch(outbox.id)?.status == .failed)
    }

    @Test(
        "bare ledger fail in a project folder finds the pipeline that sends the batch's portal: an API batch the portal does not have is failed, one it holds is refused (65 [batch-on-portal]); an outbox batch is failed as before; from another folder the ledger file's project is read, and with no pipelines at all it is refused; a portal no pipeline names is refused (78 [portal-unknown]) unless the clerk checked by hand",
        arguments: Store.allCases)
    func bareInTheProject(_ store: Store) throws {
        let project = try RunCommandTests.Project()
        let sandbox = try SandboxHarness(faults: "garbled-receipt:1")
        defer { sandbox.stop() }
        var environment: [String: String?] = [
            "GONGSHI_PORTAL_APP_KEY": SandboxHarness.appKey, "GONGSHI_PORTAL_SECRET": SandboxHarness.secret, "no_proxy": "127.0.0.1",
            "NO_PROXY": "127.0.0.1",
        ]
        let ledgerLocation: String
        let open: () throws -> any LedgerStore
        switch store {
        case .sqlite:
            ledgerLocation = project.ledger
            open = { try Ledger.openForReading(path: project.ledger) }
        case .postgresql:
            let server = try PostgreSQLServer.shared()
            let database = try server.createDatabase(prefix: "failbare")
            ledgerLocation = server.url(database: database)
            environment["GONGSHI_LEDGER_PASSWORD"] = server.password
            let address = try PostgresAddress(url: ledgerLocation, what: "台账")
            open = { try PostgresLedger.open(address: address, password: server.password) }
        }
        // From the project folder, as a clerk types it: `pipelines/` is found there.
        func gongshi(_ arguments: [String]) throws -> GongshiProcess.Result {
            try GongshiProcess.run(arguments + ["--ledger", ledgerLocation], environment: environment, directory: project.root)
        }
        func batch(_ id: String) throws -> BatchInfo? { try open().batch(id) }
        func pointAPI(at endpoint: String) throws {
            let text = try String(contentsOfFile: project.pipeline, encoding: .utf8)
            let current = try #require(text.range(of: #"endpoint: http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression))
            try text.replacingCharacters(in: current, with: "endpoint: \(endpoint)\n      attempts: 1")
                .replacingOccurrences(of: "\n      attempts: 1\n      attempts: 1", with: "\n      attempts: 1")
                .write(toFile: project.pipeline, atomically: true, encoding: .utf8)
        }

        // The nightly run cannot reach the API portal: its batches stay pending, never sent.
        try pointAPI(at: "http://127.0.0.1:\(try freeLoopbackPort())")
        let cut = try gongshi(["run", project.pipeline, "--today", "2026-11-30"])
        #expect(cut.status == 69, "\(cut)")
        let api = try open().batches(portal: "api-portal", status: .pending)
        let legal = try #require(api.first { $0.records == 13 })
        let natural = try #require(api.first { $0.records == 4 })
        let outbox = try #require(try open().batches(portal: "creditchina-henan-zhengzhou", status: .pending).first)
        try pointAPI(at: sandbox.url)

        // The portal has not got the batch: failed, after asking it the pipeline's way.
        let notThere = try gongshi(["ledger", "fail", natural.id, "--reason", "门户退回", "--today", "2026-11-30"])
        #expect(notThere.status == 0, "\(notThere)")
        #expect(notThere.stdout.contains("按流水线 fazhike-penalties"), "\(notThere.stdout)")
        #expect(try batch(natural.id)?.status == .failed)

        // The next run sends the other batch; its receipt cannot be read, so it stays pending.
        let next = try gongshi(["run", project.pipeline, "--today", "2026-12-01"])
        #expect(try sandbox.batches()[legal.id] == 13, "\(next)")
        #expect(try batch(legal.id)?.status == .pending)

        // The portal holds it: refused, still pending (its records are not planned again).
        let held = try gongshi(["ledger", "fail", legal.id, "--reason", "门户退回", "--today", "2026-12-01"])
        #expect(held.status == 65, "\(held)")
        #expect(held.stderr.contains("[batch-on-portal]"), "\(held.stderr)")
        #expect(try batch(legal.id)?.status == .pending)

        // The outbox batch cannot be asked: the clerk's word stands, as before.
        let byHand = try gongshi(["ledger", "fail", outbox.id, "--reason", "门户退回", "--today", "2026-12-01"])
        #expect(byHand.status == 0, "\(byHand)")
        #expect(try batch(outbox.id)?.status == .failed)

        // From another folder, where no pipelines are (QA typed it from /tmp): not failed on the
        // clerk's word — the portal holds the batch. A ledger file in the project's var/ leads to
        // the project's pipelines (the portal asked: 65); a shared ledger does not (refused, 78).
        let away = FileManager.default.temporaryDirectory.appendingPathComponent("gongshi-away-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: away, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: away) }
        let fromAway = try GongshiProcess.run(
            ["ledger", "fail", legal.id, "--reason", "门户退回", "--today", "2026-12-01", "--ledger", ledgerLocation],
            environment: environment, directory: away)
        switch store {
        case .sqlite:
            #expect(fromAway.status == 65 && fromAway.stderr.contains("[batch-on-portal]"), "\(fromAway)")
        case .postgresql:
            #expect(fromAway.status == 78 && fromAway.stderr.contains("[portal-unknown]"), "\(fromAway)")
        }
        #expect(try batch(legal.id)?.status == .pending)

        // Pipelines that do not tell how the batch's portal is sent: refused, unless checked by hand.
        let elsewhere = project.root.appendingPathComponent("other-pipelines")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try "title: 不完整\n".write(to: elsewhere.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let unknown = try gongshi(["ledger", "fail", legal.id, "--reason", "门户退回", "--pipelines", elsewhere.path, "--today", "2026-12-01"])
        #expect(unknown.status == 78, "\(unknown)")
        #expect(unknown.stderr.contains("[portal-unknown]"), "\(unknown.stderr)")
        #expect(try batch(legal.id)?.status == .pending)
        let checked = try gongshi([
            "ledger", "fail", legal.id, "--reason", "门户退回", "--pipelines", elsewhere.path, "--portal-unreachable", "--today", "2026-12-01",
        ])
        #expect(checked.status == 0, "\(checked)")
        #expect(try batch(legal.id)?.status == .failed)
    }
}
