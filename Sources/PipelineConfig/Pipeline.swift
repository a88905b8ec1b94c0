public import DisclosureCore

/// One department source's pipeline, read from `pipelines/ID.yaml` (the file name is the id): where
/// the exports are, what kind of records they hold, and where each portal's feeds go.
///
/// Relative paths start from the project folder: the folder above `pipelines/` (for a file
/// elsewhere, its own folder). Secrets never appear here: only the name of a 0600 credentials
/// file or of environment variables.
public struct Pipeline: Sendable, Equatable {
    public struct Source: Sendable, Equatable {
        /// A folder and a file pattern (`*`, `?`): `inbox/fazhike/*.csv`.
        public let path: String
        /// `csv`, `xml` or `xlsx`: the declared `format:`, else the one the pattern's fixed suffix
        /// names (`*.xml`); nil: each file's own suffix decides (`inbox/*`), and a file whose
        /// suffix names no format is refused (``PipelineLoader/formatSuffixes``).
        public let format: String?
        public let encoding: String
        public let mapping: String?
        public let xsd: String?
        public let recordElement: String?
        /// The line of `path` in the file, for messages.
        public let line: Int?
        /// For xlsx: the sheet to read (nil: the first).
        public var sheet: String? = nil
    }

    public enum Transport: Sendable, Equatable {
        /// Files land in the outbox for a clerk to upload through the portal's web form.
        case outbox
        case api(endpoint: String, credentials: Credentials, caFile: String?, limits: Limits = Limits())
        case sftp(url: String, user: String, keyFile: String, knownHosts: String, limits: Limits = Limits())
        /// The 前置库: rows written into the front database's tables (PostgreSQL), one transaction a
        /// batch. `url` names host, port, user and database, never the password, which comes from
        /// an environment variable or a 0600 credentials file (`password=…`).
        case database(url: String, password: DatabasePassword, limits: Limits = Limits())
    }

    /// Where a database password is read: an environment variable, or a file of mode 0600.
    public enum DatabasePassword: Sendable, Equatable {
        case environment(String)
        case file(String)
    }

    /// How long a run waits for a portal, and how often it tries (`transport:` keys `connect_timeout`,
    /// `timeout`, `attempts`, `retry_budget`; seconds). The defaults suit a provincial portal on a
    /// government network [inferred].
    public struct Limits: Sendable, Equatable {
        /// Seconds to connect (TCP, TLS, SSH).
        public var connectTimeout: Double = 10
        /// Seconds for one whole attempt (a batch's upload).
        public var timeout: Double = 120
        /// Attempts in all for one request, the first included.
        public var attempts: Int = 5
        /// No new attempt starts once this many seconds have passed since the first.
        public var retryBudget: Double = 300

        public init() {}
    }

    /// Where the API's app key and secret come from.
    public enum Credentials: Sendable, Equatable {
        case file(String)
        case environment(appKey: String, secret: String)
    }

    public struct Portal: Sendable, Equatable {
        /// A bundled profile id, or a profile file.
        public let profile: String
        public let transport: Transport
        public let line: Int?
        /// The file format of every feed to this portal, instead of the profile's (`format: xlsx`):
        /// one of the formats whose headers need no checking (not xml).
        public var format: String? = nil
    }

    public let id: String
    public let title: String
    /// The department whose decisions these are (法制科): reports count per department. Defaults to the title.
    public let department: String
    /// The record kind: a schema id or alias (`penalty`).
    public let kind: String
    public let sources: [Source]
    /// A folder of `YYYY.yaml` calendar files layered over the bundled years, or nil.
    public let calendar: String?
    public let portals: [Portal]
    public let ledger: String
    public let outbox: String
    public let reports: String
    /// The folder relative paths start from.
    public let base: String
    /// How a record's severity and 领域 are decided, for its publication period (`publication_period:`);
    /// nil: the pipeline computes no periods.
    public var publicationPeriod: SeverityRule? = nil
    /// The line of `publication_period:` in the file, for messages.
    public var publicationPeriodLine: Int? = nil
}
