public import DisclosureCore
import Synchronization

/// A portal channel that keeps what it is sent and answers like a portal: it knows the batches
/// it has received (so a status query after a crash finds them), rejects the positions it is told
/// to, and can fail on its Nth call (status queries and sends both count) as a portal that is
/// down would (``UploadFailure``, the batch stays pending).
public final class RecordingChannel: PortalChannel, Sendable {
    public struct Received: Sendable, Equatable {
        public let batch: String
        public let operation: BatchOperation
        public let records: Int
        public let payload: [UInt8]
    }

    struct State {
        var calls = 0
        var received: [Received] = []
        var failing: Set<Int> = []
        var failFrom: Int?
        var mismatched: Set<String> = []
    }

    private let state = Mutex(State())
    /// Rejections by batch operation: positions (1-based) and reasons.
    private let rejecting: @Sendable (BatchInfo) -> [Int: String]

    public init(rejecting: @escaping @Sendable (BatchInfo) -> [Int: String] = { _ in [:] }) {
        self.rejecting = rejecting
    }

    /// Call number `n` (1-based) fails; with `andAfter`, every call from `n` on.
    public func fail(onCall n: Int, andAfter: Bool = false) {
        state.withLock { s in
            if andAfter { s.failFrom = n } else { s.failing.insert(n) }
        }
    }

    /// The portal keeps the batch of this id, but answers for it (its status, and its upload)
    /// with a receipt that does not match it (a record left out, say): ``UploadFailure/answered``.
    public func answerWrongly(batch id: String) { state.withLock { _ = $0.mismatched.insert(id) } }

    /// Every call succeeds from now on.
    public func heal() { state.withLock { $0.failing = []; $0.failFrom = nil } }

    public var received: [Received] { state.withLock { $0.received } }
    public var calls: Int { state.withLock { $0.calls } }

    private func count() throws(UploadFailure) {
        let fails = state.withLock { s -> Bool in
            s.calls += 1
            return s.failing.contains(s.calls) || (s.failFrom.map { s.calls >= $0 } ?? false)
        }
        if fails { throw UploadFailure(message: "门户不可用（测试通道第 \(calls) 次调用）") }
    }

    private func mismatch(_ batch: BatchInfo) throws(UploadFailure) {
        guard state.withLock({ $0.mismatched.contains(batch.id) }) else { return }
        throw UploadFailure(message: "门户的回执与批次 \(batch.id) 不符：回执缺 1 条记录的答复（测试通道）", code: "receipt-mismatch", answered: true)
    }

    public func status(of batch: BatchInfo, payload: [UInt8]?) throws(UploadFailure) -> ChannelOutcome? {
        try count()
        guard state.withLock({ s in s.received.contains { $0.batch == batch.id } }) else { return nil }
        try mismatch(batch)
        return .received(rejected: rejecting(batch), receipt: "已有批次 \(batch.id)")
    }

    public func send(_ batch: BatchInfo, payload: [UInt8]) throws(UploadFailure) -> ChannelOutcome {
        try count()
        state.withLock { s in
            if !s.received.contains(where: { $0.batch == batch.id }) {
                s.received.append(Received(batch: batch.id, operation: batch.operation, records: batch.records, payload: payload))
            }
        }
        try mismatch(batch)
        return .received(rejected: rejecting(batch), receipt: "收到批次 \(batch.id)")
    }
}
