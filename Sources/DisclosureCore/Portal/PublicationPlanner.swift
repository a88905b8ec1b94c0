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
        /// The version of the record it carried (the hash of the record's own values, not of the
        /// feed's row); nil: not known (recorded before the ledger kept it).
        public let recordHash: String?
        /// The record versions withdrawn from this feed to be corrected (更正; its own, when it is
        /// the one withdrawn): never sent to it again, whichever file they are read from.
        public let withdrawnRecords: Set<String>

        public init(
            contentHash: String, state: State, batchID: String, republishedOn: String? = nil, recordHash: String? = nil,
            withdrawnRecords: Set<String> = []
        ) {
            self.contentHash = contentHash
            self.state = state
            self.batchID = batchID
            self.republishedOn = republishedOn
            self.recordHash = recordHash
            self.withdrawnRecords = withdrawnRecords
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
        /// The very version of the record that was withdrawn from this feed to be corrected (更正),
        /// read again (a range re-run, an old file copied back) while a later version of it is
        /// published or on its way: never sent again.
        case withdrawnVersion(Known)
        /// Withdrawn from this feed to be corrected, and a version of the record other than the
        /// withdrawn one has come whose row on this feed is the one taken down (the fields changed
        /// are not on this feed): sent again as a new publication (a republication: the ledger
        /// holds the first publication of this very row).
        case publishAgain
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
    ///   - records: each row's record version (the hash of the record's values), when known.
    public static func decide(
        keys: [String], hashes: [String], records: [String?]? = nil, known: [String: Known], republishing: Bool = false
    ) -> [Decision] {
        precondition(keys.count == hashes.count && (records?.count ?? keys.count) == keys.count)
        var seen: Set<String> = []
        return zip(keys, hashes).enumerated().map { index, pair in
            guard seen.insert(pair.0).inserted else { return .repeatedKey }
            return decide(hash: pair.1, record: records?[index], known: known[pair.0], republishing: republishing)
        }
    }

    /// The decision for one row whose key has not come before in the plan (a caller walking rows
    /// sorted by key sees a repeated key as the same key twice in a row).
    ///
    /// A republication is once a day: a record already republished `today` is unchanged.
    ///
    /// A record withdrawn to be corrected (更正) stays down until a version of the record other
    /// than the one withdrawn comes (`record`, compared with the record versions withdrawn): that
    /// one goes out as a new publication, even when its row on this feed is the one taken down
    /// (the department corrected a field this feed does not carry). A version withdrawn is never
    /// sent again, whatever the feed's latest publication (the corrected one may be out).
    /// Without the record versions (a publication recorded before the ledger kept them), the
    /// feed's row tells: the same row stays down.
    public static func decide(hash: String, record: String? = nil, known: Known?, republishing: Bool = false, today: String? = nil) -> Decision {
        guard let known else { return .publish }
        if let record, known.withdrawnRecords.contains(record) {
            // Down on the feed as it is: withdrawn (said so as before); else a newer version is
            // out, and this one, read again, is not sent back.
            return known.state == .withdrawn || known.state == .withdrawnToCorrect ? .withdrawn(known) : .withdrawnVersion(known)
        }
        switch known.state {
        case .withdrawn: return .withdrawn(known)
        // The portal has nothing left to correct: the corrected version is a first publication.
        case .withdrawnToCorrect:
            guard known.contentHash == hash else { return .publish }
            // Another version of the record than the one withdrawn (not among them, above).
            return record != nil && known.recordHash != nil ? .publishAgain : .withdrawn(known)
        // Fixed data after a rejection is a first publication: the portal has nothing to correct.
        case .rejected: return known.contentHash == hash ? .stillRejected(known) : .publish
        case .pending, .published:
            guard known.contentHash == hash else { return .correct(previous: known.contentHash, batch: known.batchID) }
            let republishedToday = today != nil && known.republishedOn == today
            return republishing && known.state == .published && !republishedToday ? .republish : .unchanged(known)
        }
    }
}
