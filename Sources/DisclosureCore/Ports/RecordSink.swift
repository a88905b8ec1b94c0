/// Where ingest hands valid records as it finds them (a batch at a time, in file order); a file
/// that fails after some of its records were handed over is reported as failed, and the sink
/// drops them again.
public protocol RecordSink: AnyObject {
    func accept(_ records: [ValidRecord]) throws
    func endFile(failed: Bool) throws
}
