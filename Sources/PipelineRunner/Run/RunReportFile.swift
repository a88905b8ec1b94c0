import DisclosureCore
import DisclosureReports
import Foundation

/// The run's report file: the summary and the credit office's report for the month so far, as
/// JSON (keys sorted), mode 0600 (it names records).
struct RunReportFile: Encodable {
    let pipeline: String
    let run: Int64
    let mode: String
    let today: String
    let exitStatus: Int32
    let validRecords: Int
    let invalidRecordsAndFailedFiles: Int
    /// A range re-run's records decided outside its dates (0 for the nightly run).
    let outsideRange: Int
    /// Decisions the register holds under a full-width 文号, taken as such (``WidthTwins``), and
    /// those registered under both 文号 (the old to be taken down): usually 0.
    let keyWidthHeld: Int
    let keyWidthTwins: Int
    let feeds: [String: Feed]
    let disclosure: DisclosureCounts
    let urgent: [String]
    let expiredWithdrawn: Int
    /// By reason: publications confirmed after their record's withdrawal (or revocation), taken down.
    let lateTakeDowns: [String: Int]
    /// Per `portal/feed`: records kept out by the rules or the profile (named in the run's lines).
    let excluded: [String: Int]
    /// Per `portal/feed`: records kept out by their publication period (or a rule's 不予公示).
    let periodSkipped: [String: Int]
    let report: CreditReport

    struct Feed: Encodable {
        let published, corrected, unchanged, withdrawn, stillRejected, republished, repeated, correctedPastPeriod: Int
        let withdrawnVersions: Int

        init(_ c: FeedCounts) {
            (published, corrected, unchanged, withdrawn, stillRejected) = (c.published, c.corrected, c.unchanged, c.withdrawn, c.stillRejected)
            (republished, repeated, correctedPastPeriod) = (c.republished, c.repeated, c.correctedPastPeriod)
            withdrawnVersions = c.withdrawnVersions
        }

        enum CodingKeys: String, CodingKey {
            case published, corrected, unchanged, withdrawn, republished, repeated
            case stillRejected = "still_rejected"
            /// Of the corrections, those of records past their period counted from the decision
            /// date that the portal still shows (gsxt).
            case correctedPastPeriod = "corrected_past_period"
            /// Rows of a record version withdrawn from the feed to be corrected (更正), read again: not sent.
            case withdrawnVersions = "withdrawn_versions"
        }
    }

    enum CodingKeys: String, CodingKey {
        case pipeline, run, mode, today, feeds, disclosure, urgent, report, excluded
        case exitStatus = "exit_status"
        case validRecords = "valid_records"
        case invalidRecordsAndFailedFiles = "invalid_records_and_failed_files"
        case outsideRange = "records_outside_range"
        case keyWidthHeld = "key_width_held"
        case keyWidthTwins = "key_width_twins"
        case expiredWithdrawn = "expired_withdrawn"
        case lateTakeDowns = "late_take_downs"
        case periodSkipped = "period_skipped"
    }

    func bytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [0x0A]
    }
}
