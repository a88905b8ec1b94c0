/// Decides, record by record, what a feed needs given what the ledger already holds: publish a
/// new record, correct a changed one, or leave it alone. Pure; the ledger is read by the caller.
public enum PublicationPlanner {
    /// The latest publication of a key on a feed that did not fail.
    public struct Known: Sendable, Equatable {
        public enum State: Sendable, Equatable {
            /// In a batch not yet confirmed by the portal.
            case pending
            case published
            /// Taken down (信用修复, end of the publication period, a revoked decision).
            case withdrawn
            /// Taken down to be corrected (更正): a changed version goes out anew; the same
            /// content stays down.
            case withdrawnToCorrect
            /// The portal refused it; the same content would only be refused again.
            case rejected
        }

        public let contentHash: String
        public let state: State
        public let batchID: String
        /// When the latest publication is a republication: the day it was made.
        public let republishedOn: String?

        public init(contentHash: String, state: State, batchID: String, republishedOn: String? = nil) {
            self.contentHash = contentHash
            self.state = state
            self.batchID = batchID
            self.republishedOn = republishedOn
        }
    }

    public enum Decision: Sendable, Equatable {
        /// Never published on this feed: publish it.
        case publish
        /// Published (or on its way) with other content: send the new content as a correction of
        /// that publication (its content's hash and its batch: content may flip back, A, B, A, B,
        /// and only the batch tells the second correction to B from the first).
        case correct(previous: String, batch: String)
        /// The same content is already published or on its way: send nothing.
        case unchanged(Known)
        /// Withdrawn from this feed: it stays withdrawn until someone decides otherwise.
        case withdrawn(Known)
        /// The portal rejected this very content; it goes out again only once the data is fixed.
        case stillRejected(Known)
        /// Published with this very content, and sent again because the run was asked to (`--republish`).
        case republish
        /// The same key came earlier in this plan; only the first is sent.
        case repeatedKey
    }

    /// One decision per row, in row order.
    ///
    /// - Parameters:
    ///   - keys: each row's record key.
    ///   - hashes: each row's content hash (of the cells the feed publishes).
    ///   - known: the ledger's view of this feed, by key.
    ///   - republishing: send records published unchanged again (a forced re-run).
    public static func decide(keys: [String], hashes: [String], known: [String: Known], republishing: Bool = false) -> [Decision] {
        precondition(keys.count == hashes.count)
        var seen: Set<String> = []
        return zip(keys, hashes).map { key, hash in
            guard seen.insert(key).inserted else { return .repeatedKey }
            return decide(hash: hash, known: known[key], republishing: republishing)
        }
    }

    /// The decision for one row whose key has not come before in the plan (a caller walking rows
    /// sorted by key sees a repeated key as the same key twice in a row).
    ///
    /// A republication is once a day: a record already republished `today` is unchanged.
    public static func decide(hash: String, known: Known?, republishing: Bool = false, today: String? = nil) -> Decision {
        guard let known else { return .publish }
        switch known.state {
        case .withdrawn: return .withdrawn(known)
        // The portal has nothing left to correct: the corrected version is a first publication.
        case .withdrawnToCorrect: return known.contentHash == hash ? .withdrawn(known) : .publish
        // Fixed data after a rejection is a first publication: the portal has nothing to correct.
        case .rejected: return known.contentHash == hash ? .stillRejected(known) : .publish
        case .pending, .published:
            guard known.contentHash == hash else { return .correct(previous: known.contentHash, batch: known.batchID) }
            let republishedToday = today != nil && known.republishedOn == today
            return republishing && known.state == .published && !republishedToday ? .republish : .unchanged(known)
        }
    }
}
