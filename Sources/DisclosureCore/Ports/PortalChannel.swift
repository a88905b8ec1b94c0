/// What a channel answers about one batch.
public enum ChannelOutcome: Sendable, Equatable {
    /// The portal has the batch: per-record rejections (by 1-based position) and the receipt text.
    case received(rejected: [Int: String], receipt: String)
    /// The portal refused the batch as a whole (4xx): it will not take these bytes.
    case refused(String)
}

/// The portal cannot be used now; the batch stays pending.
public struct UploadFailure: Error, Sendable, Equatable {
    public let message: String
    /// A configuration problem (credentials refused) rather than the network.
    public var configuration: Bool
    /// The failure's type code when the channel knows better than ``configuration`` says
    /// (`portal-auth` or `portal-unavailable`): a 前置库 table that does not match the feed
    /// (`frontdb-table-mismatch`) or refuses a row of the batch (`frontdb-rejected`).
    public var code: String?
    /// The portal answered, but not with this batch's answer (a receipt that does not match the
    /// batch, `receipt-mismatch`, or one that cannot be decoded at all, `receipt-undecodable`): the
    /// portal is up and the batch in doubt. The batch waits, pending, and the portal's
    /// other batches go on.
    public var answered: Bool

    public init(message: String, configuration: Bool = false, code: String? = nil, answered: Bool = false) {
        self.message = message
        self.configuration = configuration
        self.code = code
        self.answered = answered
    }

    /// The type code the run reports it with.
    public var typeCode: String { code ?? (configuration ? "portal-auth" : "portal-unavailable") }
}

/// A way to a portal, as a port the core owns: ask whether it has a batch, and send one.
/// `PortalClients` provides the API and SFTP channels; `GongshiTesting.RecordingChannel` records
/// what it is sent and fails on demand. The outbox needs no channel: a clerk uploads.
public protocol PortalChannel: Sendable {
    /// The portal's outcome for a batch it already has, or `nil`.
    ///
    /// - Parameter payload: the batch's bytes, or nil when they are lost (the staged file is gone):
    ///   the question is then only whether the portal has the batch.
    func status(of batch: BatchInfo, payload: [UInt8]?) throws(UploadFailure) -> ChannelOutcome?
    func send(_ batch: BatchInfo, payload: [UInt8]) throws(UploadFailure) -> ChannelOutcome
}
