public import PipelineConfig

/// Configuration files on disk (schemas, profiles, mappings): each problem reported on its own
/// line through the transcript, then the command ends with 78.
public enum ConfigFiles {
    public static func document(_ path: String, transcript: Transcript) throws(CommandFailure) -> SchemaDocument {
        do {
            return try SchemaDocument.disk(path)
        } catch {
            transcript.error(error.description)
            throw .reported(ExitStatus.configuration)
        }
    }
}

extension Result where Failure == SchemaLoadFailure {
    /// The value, or every problem reported and exit 78.
    public func orConfigurationFailure(_ transcript: Transcript) throws(CommandFailure) -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let failure):
            for issue in failure.issues { transcript.error(issue.description) }
            throw .reported(ExitStatus.configuration)
        }
    }
}
