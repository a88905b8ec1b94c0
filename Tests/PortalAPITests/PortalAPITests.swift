import Foundation
import GongshiTesting
import PortalAPI
import PortalClients
import Testing

@Suite("Portal API")
struct PortalAPITests {
    @Test("the signature matches one computed independently (Python's hmac) from the documented canonical request")
    func signatureVector() {
        let body = Array("{\"a\":1}\n".utf8)
        let canonical = PortalAPI.canonicalRequest(
            method: "put", path: "/v1/batches/0123456789abcdef", timestamp: 1_764_460_800, nonce: "n-1", body: body)
        #expect(canonical == "PUT\n/v1/batches/0123456789abcdef\n1764460800\nn-1\ne346432021b04179518d9614f3560ccd71354a4ee101ddcb893d6959a9d6301c")
        #expect(
            PortalAPI.signature(secret: "secret-1", canonical: canonical)
                == "d308cc8e3c17e08b7bea3c2a8303d84c254321ebe9ed2aa3cd4ec132dd187e36")
        #expect(PortalAPI.signaturesMatch("abc", "abc") && !PortalAPI.signaturesMatch("abc", "abd") && !PortalAPI.signaturesMatch("ab", "abc"))
    }

    @Test("the wire types use exactly the property names the OpenAPI file lists")
    func wireNamesMatchOpenAPI() throws {
        let text = try String(contentsOf: Fixtures.root.appendingPathComponent("schemas/portal-api/v1.openapi.yaml"), encoding: .utf8)
        let receipt = BatchReceipt(
            batchID: "0123456789abcdef", payloadSHA256: "x", receivedAt: "t",
            records: [RecordReceipt(index: 1, status: .rejected, reason: "r")])
        let samples: [(String, any Encodable)] = [
            ("BatchReceipt", receipt), ("Token", TokenResponse(token: "t", expiresIn: 1)),
            ("WithdrawalReceipt", WithdrawalReceipt(withdrawalID: "w", withdrawn: 1, receivedAt: "t")),
            ("Error", APIErrorBody(code: "c", message: "m")),
        ]
        for (name, value) in samples {
            let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder.portalAPI.encode(value)) as? [String: Any])
            // The schema's `required:` line, as written in the file.
            let section = try #require(text.range(of: "    \(name):\n      type: object\n      required: ["))
            let list = text[section.upperBound...].prefix { $0 != "]" }
            let required = Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(Set(object.keys) == required, "\(name): \(object.keys.sorted()) vs \(required.sorted())")
        }
    }

    @Test("retries: exponential with equal jitter, capped; 5xx, timeouts and broken connections retried, 4xx and TLS never")
    func retryPolicy() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: 1, maxDelay: 8, totalBudget: 100)
        #expect(policy.delay(afterAttempt: 1, random: 0) == 0.5)
        #expect(policy.delay(afterAttempt: 1, random: 0.999) < 1)
        #expect(policy.delay(afterAttempt: 3, random: 0) == 2)
        #expect(policy.delay(afterAttempt: 10, random: 1) == 8)
        #expect(RetryPolicy.isRetryable(.server(status: 503, body: [])))
        #expect(RetryPolicy.isRetryable(.timeout("t")) && RetryPolicy.isRetryable(.interrupted("r")))
        #expect(RetryPolicy.isRetryable(.connection("c")))
        #expect(!RetryPolicy.isRetryable(.server(status: 400, body: [])))
        #expect(!RetryPolicy.isRetryable(.tls("x")) && !RetryPolicy.isRetryable(.refusedByPeer("x")))
    }

    @Test("the transport stops retrying at the attempt limit and waits the policy's delays in between")
    func transportRetries() throws {
        final class Waits: @unchecked Sendable {
            var seconds: [Double] = []
        }
        let waits = Waits()
        var settings = TransportSettings()
        settings.retry = RetryPolicy(maxAttempts: 3, baseDelay: 0.5, maxDelay: 10, totalBudget: 60)
        let transport = CurlTransport(settings: settings, sleep: { waits.seconds.append($0) })
        var attempts = 0
        #expect(throws: TransportFailure.server(status: 503, body: [])) {
            try transport.withRetries { () throws(TransportFailure) -> Int in
                attempts += 1
                throw .server(status: 503, body: [])
            }
        }
        #expect(attempts == 3)
        #expect(waits.seconds.count == 2 && waits.seconds[0] >= 0.25 && waits.seconds[0] < 0.5 && waits.seconds[1] >= 0.5 && waits.seconds[1] < 1)
        attempts = 0
        #expect(throws: TransportFailure.server(status: 404, body: [])) {
            try transport.withRetries { () throws(TransportFailure) -> Int in
                attempts += 1
                throw .server(status: 404, body: [])
            }
        }
        #expect(attempts == 1)
    }
}

@Suite("A batch receipt checked against the batch sent")
struct ReceiptMismatchTests {
    static func receipt(id: String = "00000000000000a1", sha: String = "AB", _ indices: [Int]) -> BatchReceipt {
        BatchReceipt(
            batchID: id, payloadSHA256: sha, receivedAt: "t",
            records: indices.map { RecordReceipt(index: $0, status: .accepted, reason: nil) })
    }

    @Test("every position answered once, same id and hash: none; a record left out, answered twice, out of range, another id or file: each said")
    func mismatches() {
        let check = { (receipt: BatchReceipt) in receipt.mismatch(batchID: "00000000000000a1", payloadSHA256: "ab", records: 3) }
        #expect(check(Self.receipt([1, 2, 3])) == nil)
        #expect(check(Self.receipt([3, 1, 2])) == nil)
        #expect(check(Self.receipt([1, 2])) == "回执缺 1 条记录的答复（第 3 条）")
        #expect(check(Self.receipt([1, 2, 2, 3])) == "回执对第 2 条答复了两次")
        #expect(check(Self.receipt([1, 2, 3, 999])) == "回执含第 999 条，批次只有 3 条")
        #expect(check(Self.receipt([0, 1, 2, 3])) == "回执含第 0 条，批次只有 3 条")
        #expect(check(Self.receipt(id: "ffffffffffffffff", [1, 2, 3])) == "回执的批次号 ffffffffffffffff 不是 00000000000000a1")
        #expect(check(Self.receipt(sha: "cd", [1, 2, 3])) == "回执的内容摘要与发送的文件不符")
    }
}
