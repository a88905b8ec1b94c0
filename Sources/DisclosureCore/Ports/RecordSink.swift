/// Where ingest hands valid records as it finds them (a batch at a time, in file order); a file
/// that fails after some of its records were handed over is reported as failed, and the sink
/// drops them again.
public protocol RecordSink: AnyObject {
    func accept(_ records: [ValidRecord]) throws
    func endFile(failed: Bool) throws
    /// Every record of a file as a decision (valid or not), and the records without a decision
    /// number. `salvaged`: read leniently from a file rejected as a whole, after its `endFile`;
    /// they stand whatever happens to later files.
    func sighted(_ sightings: [DecisionSighting], unidentifiable: Int, file: String, salvaged: Bool) throws
    /// What prepares this sink's work on a record where the record is checked, on a worker thread
    /// (nil: the sink does all its work in ``accept(_:)``, on the reading thread).
    func preparer(file: String) -> (any RecordPreparer)?
}

/// Does a record sink's work on a batch of checked records, on the thread that checked them,
/// before the batch-wide rules (a repeated decision key) say which are valid: ``accept(_:)`` then
/// receives each valid record with its place in the result (``ValidRecord/prepared``), and only
/// has to append what was made. Work done for a record that turns out invalid is dropped.
public protocol RecordPreparer: Sendable {
    /// - Parameters:
    ///   - rows: each record's row (or XML line).
    ///   - outcomes: the records' outcomes, in the same order; a record is only prepared when it
    ///     was checked without an error and its values were kept.
    ///   A record prepared may have its values let go here, on the thread that made them
    ///   (``RecordOutcome/releasingValues(keepingDateAt:)``): the record then reaches
    ///   ``RecordSink/accept(_:)`` with empty values, and is known by its place in the result.
    /// - Returns: the batch's prepared work, indexed like `outcomes` (nil: nothing prepared).
    func prepare(rows: [Int], outcomes: inout [RecordOutcome]) -> (any AnyObject & Sendable)?
}

extension RecordSink {
    public func preparer(file: String) -> (any RecordPreparer)? { nil }
    public func sighted(_ sightings: [DecisionSighting], unidentifiable: Int, file: String, salvaged: Bool) throws {}
}
