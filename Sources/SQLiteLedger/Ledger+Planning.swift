public import DisclosureCore
internal import GRDB

// What the planner asks: the current publication of each key.
extension Ledger {
    // MARK: Planning

    /// The latest publication that did not fail, of each key on a portal feed, one key at a time
    /// in key order, without holding the feed: for counting (the nightly disclosure status of every record).
    public func forEachCurrentPublication(
        portal: String, feed: String, _ body: (String, CurrentPublication) throws -> Void
    ) throws(LedgerError) {
        try read { db in
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT record_key, \(SHA256Bytes.hex(of: "content_sha256")), status_code, \(BatchNumber.id(of: "batch_no")), due_on, published_on,
                           republish_on, \(Self.withdrawalAsked), \(Self.withdrawalReason), \(Self.earlierWithdrawals) FROM publication
                    WHERE id IN (SELECT max(id) FROM publication WHERE \(Self.onFeed) AND status_code <> \(PublicationCode.failed) GROUP BY record_key)
                    ORDER BY record_key
                    """,
                arguments: [portal, feed])
            while let row = try cursor.next() {
                let earlier: String? = row[9]
                try body(
                    row[0],
                    CurrentPublication(
                        contentSHA256: row[1], status: PublicationCode.status(row[2]) ?? .pending, batchID: row[3], dueOn: row[4],
                        publishedOn: row[5], republishedOn: Self.nonEmpty(row[6]), withdrawalAsked: row[7], withdrawalReason: row[8],
                        earlierWithdrawals: earlier.map { $0.split(separator: "\u{1F}").map(String.init) } ?? []))
            }
        }
    }

    /// The latest publication that did not fail, of some keys on a portal feed (a planner walking
    /// a feed's sorted rows a chunk at a time, so that it never holds the whole feed's state).
    public func currentPublications(portal: String, feed: String, keys: some Collection<String>) throws(LedgerError)
        -> [String: CurrentPublication]
    {
        guard !keys.isEmpty else { return [:] }
        return try readForPlanning { db in
            let marks = Array(repeating: "?", count: keys.count).joined(separator: ", ")
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT record_key, \(SHA256Bytes.hex(of: "content_sha256")), status_code, \(BatchNumber.id(of: "batch_no")), due_on, published_on,
                           republish_on, \(Self.withdrawalAsked), \(Self.withdrawalReason), \(SHA256Bytes.hex(of: "record_sha256"))
                    FROM publication
                    WHERE \(Self.onFeed) AND status_code <> \(PublicationCode.failed) AND record_key IN (\(marks)) ORDER BY id
                    """,
                arguments: StatementArguments([portal, feed] + Array(keys)))
            var current: [String: CurrentPublication] = [:]
            for row in rows {
                let key: String = row[0]
                let publication = CurrentPublication(
                    contentSHA256: row[1], status: PublicationCode.status(row[2]) ?? .pending, batchID: row[3], dueOn: row[4],
                    publishedOn: row[5], republishedOn: Self.nonEmpty(row[6]), withdrawalAsked: row[7], withdrawalReason: row[8],
                    recordSHA256: row[9])
                // The key's publications come in order: the latest carries the earlier ones' withdrawals.
                current[key] = current[key].map { publication.following($0) } ?? publication
            }
            return current
        }
    }

    /// The first and last key of the feed's publications: each the first entry of the unique index
    /// on (portal_id, feed_id, record_key, …) one way or the other, in SQLite's BINARY order, which is the
    /// order of the keys' UTF-8 bytes. Read once before a walk: a first run's planner then asks
    /// nothing (a chunk's question, a statement of a thousand keys against the growing index on
    /// a connection whose cache every commit of the sender empties, was a seventh of the walking
    /// thread's time at a million records).
    public func publicationKeySpan(portal: String, feed: String) throws(LedgerError) -> PublicationKeySpan {
        try readForPlanning { db in
            let ends = try ["ASC", "DESC"].map { order in
                try String.fetchOne(
                    db,
                    sql: "SELECT record_key FROM publication WHERE \(Self.onFeed) ORDER BY record_key \(order) LIMIT 1",
                    arguments: [portal, feed])
            }
            guard let first = ends[0], let last = ends[1] else { return .empty }
            return .keys(first: first, last: last)
        }
    }

    /// A portal's feed, named by its first two arguments (its portal and feed; numbers in
    /// `text_value`, v15): the first columns of the publications' UNIQUE key.
    static let onFeed = "portal_id = \(TextValues.number(of: "?1")) AND feed_id = \(TextValues.number(of: "?2"))"

    /// Whether a withdrawal of the publication was asked for (by `withdrawal`'s unique index).
    static let withdrawalAsked = "EXISTS (SELECT 1 FROM withdrawal WHERE withdrawal.publication_id = publication.id)"
    static let withdrawalReason = "(SELECT reason FROM withdrawal WHERE withdrawal.publication_id = publication.id)"
    /// The reasons of the withdrawals asked for the key's earlier publications on the feed, each
    /// once, joined by U+001F (NULL: none).
    static let earlierWithdrawals = """
        (SELECT group_concat(reason, char(31)) FROM (SELECT DISTINCT w.reason FROM publication e JOIN withdrawal w ON w.publication_id = e.id
            WHERE e.portal_id = publication.portal_id AND e.feed_id = publication.feed_id AND e.record_key = publication.record_key
                  AND e.id < publication.id))
        """

    /// `republish_on` is '' for every operation but a republication.
    static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
