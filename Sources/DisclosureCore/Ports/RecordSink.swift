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
}

extension RecordSink {
    public func sighted(_ sightings: [DecisionSighting], unidentifiable: Int, file: String, salvaged: Bool) throws {}
}
