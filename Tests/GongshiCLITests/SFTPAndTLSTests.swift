import DisclosureCore
import Foundation
import GongshiTesting
import SQLiteLedger
import Testing

/// SFTP drops to a real OpenSSH server on 127.0.0.1, and TLS verification against a real TLS
/// server (`openssl s_server`) with a throwaway certificate.
@Suite("SFTP and TLS")
struct SFTPAndTLSTests {
    static let environment: [String: String?] = ["no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost"]

    /// Two pending CSV batches for 信用中国 (13 legal, 4 natural).
    static func prepared() throws -> LedgerCommandTests.Workspace {
        let workspace = try LedgerCommandTests.Workspace()
        #expect(try workspace.feed().status == 0)
        return workspace
    }

    static func sftpUpload(
        _ workspace: LedgerCommandTests.Workspace, _ server: OpenSSHServerHarness, knownHosts: URL? = nil, killAfter: String? = nil
    ) throws -> GongshiProcess.Result {
        var environment = Self.environment
        environment["GONGSHI_KILL_AFTER"] = killAfter
        return try GongshiProcess.run(
            [
                "upload", "--portal", "creditchina-henan-zhengzhou", "--sftp", server.url, "--sftp-user", server.user,
                "--sftp-key", server.clientKey.path, "--known-hosts", (knownHosts ?? server.knownHosts).path,
                "--ledger", workspace.ledgerPath, "--today", "2026-12-01", "--retry-delay", "0.01",
            ],
            environment: environment)
    }

    /// The remote folder holds exactly the outbox's payloads, byte for byte, and no `.part` file;
    /// the ledger has every batch published.
    static func expectDelivered(_ workspace: LedgerCommandTests.Workspace, _ server: OpenSSHServerHarness) throws {
        let ledger = try workspace.ledger()
        let batches = try ledger.batches()
        #expect(batches.count == 2 && batches.allSatisfy { $0.status == .published })
        let remote = try FileManager.default.contentsOfDirectory(atPath: server.remoteFolder.path).sorted()
        #expect(remote == batches.map(\.fileName).sorted())
        for batch in batches {
            let sent = try Data(contentsOf: server.remoteFolder.appendingPathComponent(batch.fileName))
            #expect(sent == (try Data(contentsOf: URL(fileURLWithPath: batch.outboxPath))))
        }
        #expect(try ledger.history(key: "牟城管罚〔2026〕1号").map(\.status) == [.published])
    }

    @Test("SFTP: uploaded under a temporary name and renamed; a second run sends nothing")
    func sftpDelivery() throws {
        let server = try OpenSSHServerHarness()
        defer { server.stop() }
        let workspace = try Self.prepared()
        let result = try Self.sftpUpload(workspace, server)
        #expect(result.status == 0, "\(result)")
        try Self.expectDelivered(workspace, server)
        let again = try Self.sftpUpload(workspace, server)
        #expect(again.stdout.contains("处理待上传批次 0 个"), "\(again)")
    }

    @Test("SFTP: killed after the file arrived; the next run finds it by name and size and does not send it again")
    func sftpCrash() throws {
        let server = try OpenSSHServerHarness()
        defer { server.stop() }
        let workspace = try Self.prepared()
        let crashed = try Self.sftpUpload(workspace, server, killAfter: "upload-done")
        #expect(crashed.signal == SIGKILL, "\(crashed)")
        let again = try Self.sftpUpload(workspace, server)
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout.contains("门户已有此批次"), "\(again.stdout)")
        try Self.expectDelivered(workspace, server)
    }

    @Test("SFTP: a host key not in known_hosts is refused before anything is sent")
    func sftpUnknownHostKey() throws {
        let server = try OpenSSHServerHarness()
        defer { server.stop() }
        let workspace = try Self.prepared()
        let other = workspace.root.appendingPathComponent("other_host")
        try runTool("/usr/bin/ssh-keygen", ["-q", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", "", "-f", other.path])
        let key = try String(contentsOf: URL(fileURLWithPath: other.path + ".pub"), encoding: .utf8).split(separator: " ").prefix(2)
            .joined(separator: " ")
        let wrong = workspace.root.appendingPathComponent("known_hosts")
        try "[127.0.0.1]:\(server.port) \(key)\n".write(to: wrong, atomically: true, encoding: .utf8)
        let result = try Self.sftpUpload(workspace, server, knownHosts: wrong)
        #expect(result.status == 69, "\(result)")
        #expect(result.stderr.contains("SFTP 服务器拒绝"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: server.remoteFolder.path).isEmpty)
        #expect(try workspace.ledger().batches(status: .pending).count == 2)
    }

    @Test("SFTP: a missing known_hosts or key file is a configuration error (78) naming the file, not an authentication failure")
    func sftpMissingFiles() throws {
        let server = try OpenSSHServerHarness()
        defer { server.stop() }
        let workspace = try Self.prepared()
        let missing = workspace.root.appendingPathComponent("no_such_known_hosts")
        let result = try Self.sftpUpload(workspace, server, knownHosts: missing)
        #expect(result.status == 78, "\(result)")
        #expect(result.stderr.contains("[sftp-file-missing]") && result.stderr.contains(missing.path), "\(result.stderr)")
        #expect(try workspace.ledger().batches(status: .pending).count == 2)
    }

    /// A TLS server for 127.0.0.1 with a throwaway self-signed certificate.
    struct TLSServer {
        let process: BackgroundProcess
        let port: Int
        let certificate: URL

        init(folder: URL) throws {
            certificate = folder.appendingPathComponent("cert.pem")
            let key = folder.appendingPathComponent("key.pem")
            try runTool("/usr/bin/openssl", [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.path, "-out", certificate.path,
            ])
            port = try freeLoopbackPort()
            // stdbuf: openssl buffers its output on a pipe, and "ACCEPT" would never arrive.
            process = try BackgroundProcess(
                URL(fileURLWithPath: "/usr/bin/stdbuf"),
                ["-oL", "/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificate.path, "-key", key.path, "-www"],
                readyText: "ACCEPT")
        }
    }

    func upload(_ workspace: LedgerCommandTests.Workspace, endpoint: String, _ extra: [String]) throws -> GongshiProcess.Result {
        let credentials = workspace.root.appendingPathComponent("credentials")
        FileManager.default.createFile(
            atPath: credentials.path, contents: Data("app_key=a\nsecret=b\n".utf8), attributes: [.posixPermissions: 0o600])
        return try GongshiProcess.run(
            [
                "upload", "--portal", "creditchina-henan-zhengzhou", "--endpoint", endpoint, "--credentials", credentials.path,
                "--ledger", workspace.ledgerPath, "--attempts", "1", "--timeout", "3",
            ] + extra,
            environment: Self.environment)
    }

    @Test("TLS is verified by default: an untrusted certificate stops the upload; --ca-file trusts it")
    func tlsVerification() throws {
        let workspace = try Self.prepared()
        let server = try TLSServer(folder: workspace.root)
        defer { server.process.stop() }
        let endpoint = "https://127.0.0.1:\(server.port)"
        let untrusted = try upload(workspace, endpoint: endpoint, [])
        #expect(untrusted.status == 69, "\(untrusted)")
        #expect(untrusted.stderr.contains("TLS 证书验证失败"), "\(untrusted.stderr)")
        // Trusted: the TLS handshake passes; s_server is not a portal, so the answer is not understood.
        let trusted = try upload(workspace, endpoint: endpoint, ["--ca-file", server.certificate.path])
        #expect(!trusted.stderr.contains("TLS 证书验证失败"), "\(trusted.stderr)")
        #expect(try workspace.ledger().batches(status: .pending).count == 2)
    }

    @Test("turning verification off is for the local sandbox only, and says so loudly")
    func insecureOnlyForLoopback() throws {
        let workspace = try Self.prepared()
        let remote = try upload(workspace, endpoint: "https://portal.example.invalid", ["--insecure-sandbox"])
        #expect(remote.status == 64, "\(remote)")
        #expect(remote.stderr.contains("只能用于本机沙箱"), "\(remote.stderr)")
        let server = try TLSServer(folder: workspace.root)
        defer { server.process.stop() }
        let local = try upload(workspace, endpoint: "https://127.0.0.1:\(server.port)", ["--insecure-sandbox"])
        #expect(local.stderr.contains("[tls-verification-off]"), "\(local.stderr)")
        #expect(!local.stderr.contains("TLS 证书验证失败"), "\(local.stderr)")
    }

    @Test("a credentials file others can read is refused, naming the file, never its contents")
    func credentialsFileMode() throws {
        let workspace = try Self.prepared()
        let file = workspace.root.appendingPathComponent("open-credentials")
        FileManager.default.createFile(
            atPath: file.path, contents: Data("app_key=a\nsecret=visible-secret\n".utf8), attributes: [.posixPermissions: 0o644])
        let result = try GongshiProcess.run(
            [
                "upload", "--portal", "x", "--endpoint", "http://127.0.0.1:9", "--credentials", file.path,
                "--ledger", workspace.ledgerPath,
            ], environment: Self.environment)
        #expect(result.status == 78, "\(result)")
        #expect(result.stderr.contains("[credentials-too-open]") && result.stderr.contains(file.path))
        #expect(!result.stderr.contains("visible-secret") && !result.stdout.contains("visible-secret"))
    }
}
