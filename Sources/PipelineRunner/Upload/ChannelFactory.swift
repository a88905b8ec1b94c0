public import DisclosureCore
public import FrontDatabase
public import Foundation
public import PipelineConfig
import PortalAPI
public import PortalClients

/// The one place a pipeline's transport becomes a portal channel. Adding a transport: its
/// channel in `PortalClients`, its case here (and in `Pipeline.Transport`).
public struct ChannelFactory: Sendable {
    /// Whether libcurl draws a progress meter (the shell sets it when standard error is a terminal).
    public var showsProgress = false
    /// The environment the credentials' variables are read from.
    public var environment: [String: String]
    /// Where a channel says that it is waiting to try again (the run's transcript).
    public var progress: (@Sendable (String) -> Void)?

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment, showsProgress: Bool = false,
        progress: (@Sendable (String) -> Void)? = nil
    ) {
        self.environment = environment
        self.showsProgress = showsProgress
        self.progress = progress
    }

    /// The channel of a transport; nil for the outbox (a clerk uploads). Relative paths are
    /// resolved against the pipeline.
    public func channel(for transport: Pipeline.Transport, pipeline: Pipeline, profile: PortalProfile) throws(CommandFailure)
        -> (any PortalChannel)?
    {
        var settings = TransportSettings()
        settings.showsProgress = showsProgress
        settings.onRetry = progress
        func apply(_ limits: Pipeline.Limits) {
            settings.connectTimeout = limits.connectTimeout
            settings.requestTimeout = limits.timeout
            settings.retry.maxAttempts = limits.attempts
            settings.retry.totalBudget = limits.retryBudget
        }
        switch transport {
        case .outbox:
            return nil
        case .api(let endpoint, let credentials, let caFile, let limits):
            apply(limits)
            settings.caFile = caFile.map(pipeline.resolve)
            let loaded: Credentials
            switch credentials {
            case .file(let path): loaded = try Credentials.load(file: pipeline.resolve(path))
            case .environment(let appKey, let secret):
                loaded = Credentials(appKey: environment[appKey] ?? "", secret: environment[secret] ?? "")
            }
            return Self.api(endpoint: endpoint, credentials: loaded, settings: settings)
        case .sftp(let url, let user, let keyFile, let knownHosts, let limits):
            apply(limits)

            return try Self.sftp(
                directory: url, user: user, privateKey: pipeline.resolve(keyFile), knownHosts: pipeline.resolve(knownHosts), settings: settings)
        case .database(let url, let password, let limits):
            return try database(url: url, password: password, profile: profile, limits: limits, resolve: pipeline.resolve)
        }
    }

    /// The 前置库 channel (`gongshi frontdb` too): the password from its variable or 0600 file.
    public func database(
        url: String, password: Pipeline.DatabasePassword, profile: PortalProfile, limits: Pipeline.Limits = Pipeline.Limits(),
        resolve: (String) -> String = { $0 }
    ) throws(CommandFailure) -> FrontDatabaseChannel {
        let secret: String
        switch password {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw CommandFailure(status: ExitStatus.configuration, code: "credentials-env-unset", message: "环境变量 \(name) 没有设置（前置库密码）")
            }
            secret = value
        case .file(let path):
            secret = try DatabaseCredentials.password(file: resolve(path))
        }
        do {
            return try FrontDatabaseChannel(
                address: FrontDatabaseAddress(url: url), password: secret, profile: profile, connectTimeout: limits.connectTimeout,
                statementTimeout: limits.timeout)
        } catch {
            throw CommandFailure(status: ExitStatus.configuration, code: "frontdb-config", message: error.message)
        }
    }

    /// The API channel (`gongshi upload --endpoint` too).
    public static func api(endpoint: String, credentials: Credentials, settings: TransportSettings) -> any PortalChannel {
        APIChannel(
            client: PortalAPIClient(
                transport: CurlTransport(settings: settings),
                endpoint: PortalEndpoint(baseURL: endpoint, appKey: credentials.appKey, secret: credentials.secret)))
    }

    /// The SFTP drop channel (`gongshi upload --sftp` too).
    public static func sftp(directory: String, user: String, privateKey: String, knownHosts: String, settings: TransportSettings)
        throws(CommandFailure) -> any PortalChannel
    {
        // libcurl reports a missing key or known_hosts file as an authentication failure; say which file.
        for (what, path) in [("私钥文件", privateKey), ("known_hosts 文件", knownHosts)] where !FileManager.default.isReadableFile(atPath: path) {
            throw CommandFailure(status: ExitStatus.configuration, code: "sftp-file-missing", message: "SFTP 的\(what)不存在或不可读：\(path)")
        }
        return SFTPChannel(
            transport: CurlTransport(settings: settings), directory: directory,
            login: .init(user: user, privateKey: privateKey, publicKey: nil, knownHosts: knownHosts))
    }
}

extension Pipeline.Transport {
    /// Whether the portal takes withdrawals as API requests (else as files).
    public var isAPI: Bool {
        if case .api = self { return true }
        return false
    }
}
