public import DisclosureCore
import Foundation
import Logging
import PipelineConfig
public import WorkingDayCalendar

extension Confirmation.PortalQuestion {
    /// A bare `ledger fail` (neither `--pipeline` nor `--endpoint`): the batch's portal is asked
    /// the way the project's pipelines (`folder`, the `pipelines/` folder `console` reads too)
    /// send it, so that a clerk who names no pipeline cannot fail a batch the portal holds.
    ///
    /// The pipelines that name the batch's portal are narrowed to those of the batch's kind, then
    /// to those whose runs made it (``BatchLedger/batchIDs(pipeline:)``), each step only when some
    /// are left. Then:
    /// - no pipeline in `folder` (no such folder, no `*.yaml`): the batch's portal cannot be told,
    ///   refused as below (`portal-unknown`) unless the clerk checked by hand;
    /// - they send the portal to the outbox: it cannot be asked, the clerk's word stands;
    /// - they send it one way that can be asked (API, SFTP, 前置库): that pipeline is loaded as
    ///   `--pipeline` loads it (its credentials checked) and the portal asked;
    /// - none names the portal (or one that might cannot be read), or they send it different ways:
    ///   refused, `portal-unknown` (78: the project's configuration does not tell how the portal is
    ///   reached; `--pipeline` with its own portal that is not there is 78 too), unless the clerk
    ///   checked by hand (`handChecked`).
    public static func project(
        pipelines folder: String, ledger: any BatchLedger, today: CalendarDate, channels: ChannelFactory, handChecked: Bool,
        transcript: Transcript
    ) -> Self {
        .ask(
            channel: { (batch: BatchInfo) throws(CommandFailure) -> (any PortalChannel)? in
                let found = try ProjectPipelines.find(batch, in: folder, ledger: ledger, today: today)
                let unknown: String
                switch found {
                case .none:
                    // No pipeline to tell how the portal is sent (run outside the project folder,
                    // or a batch `gongshi feed` made): it may be a portal that holds the batch, and
                    // failing it would publish its records twice — refused as below, unless the clerk
                    // checked by hand. (It was failed with a warning; QA failed an API batch the
                    // portal held that way, from another folder, and the next run sent it again.)
                    unknown = "未找到流水线（\(folder)/*.yaml），不知道门户 \(batch.portal) 如何报送"
                case .outbox:
                    return nil
                case .asked(let path):
                    let context = try PipelineContext.load(path, today: today, transcript: transcript)
                    guard let portal = context.portals.first(where: { $0.profile.id == batch.portal }) else { return nil }
                    transcript.line("按流水线 \(context.pipeline.id)（\(path)）向门户 \(batch.portal) 核对批次 \(batch.id)")
                    return try channels.channel(for: portal.transport, pipeline: context.pipeline, profile: portal.profile)
                case .unknown(let why):
                    unknown = why
                }
                guard !handChecked else {
                    transcript.warning("\(unknown)；办理人已人工核实门户没有批次 \(batch.id)（--portal-unreachable）")
                    return nil
                }
                throw CommandFailure(
                    status: ExitStatus.configuration, code: "portal-unknown",
                    message: "\(unknown)：不知道能否向门户核对批次 \(batch.id)，未记为失败（门户若已有此批次，其记录会重复公示）。"
                        + "请用 --pipeline 流水线文件 或 --endpoint 门户接口地址 先向门户核对；或人工核实门户没有此批次后，加 --portal-unreachable 记为失败")
            }, handChecked: handChecked)
    }
}

extension Confirmation {
    /// The folder a bare `ledger fail` reads the project's pipelines from: `--pipelines` when
    /// given; else `pipelines/` here when it holds any; else, for a ledger file in a project's
    /// `var/` folder (`PROJECT/var/ledger.sqlite`, named by `--ledger` from another folder), that
    /// project's `pipelines/` when it holds any; else `pipelines/` (none there: refused).
    public static func pipelinesFolder(given: String?, ledgerPath: String?) -> String {
        if let given { return given }
        func holdsPipelines(_ folder: String) -> Bool {
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains { $0.hasSuffix(".yaml") }
        }
        if holdsPipelines("pipelines") { return "pipelines" }
        if let ledgerPath, !ledgerPath.hasPrefix("postgres") {
            let project = URL(fileURLWithPath: ledgerPath).standardizedFileURL.deletingLastPathComponent().deletingLastPathComponent()
            let folder = project.appendingPathComponent("pipelines").path
            if holdsPipelines(folder) { return folder }
        }
        return "pipelines"
    }
}

/// The project's pipelines, as a bare `ledger fail` looks for the one that sends a batch's portal.
enum ProjectPipelines {
    enum Found: Equatable {
        /// No pipeline in the folder.
        case none
        /// The pipelines that send the batch's portal put it in the outbox.
        case outbox
        /// The pipeline (its file) that sends the portal a way that can be asked.
        case asked(String)
        /// Why the way the portal is sent cannot be told.
        case unknown(String)
    }

    static func find(_ batch: BatchInfo, in folder: String, ledger: any BatchLedger, today: CalendarDate) throws(CommandFailure) -> Found {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
        guard !files.isEmpty else { return .none }
        // Read quietly, without the portals' credentials: only the one asked is loaded in full.
        let quiet = Transcript(logger: Logger(label: "gongshi.ledger-fail", factory: { _ in SwiftLogNoOpLogHandler() }), lines: { _ in })
        var unreadable: [String] = []
        var naming: [(path: String, context: PipelineContext, transport: Pipeline.Transport)] = []
        for file in files {
            let path = "\(folder)/\(file)"
            guard let context = try? PipelineContext.load(path, today: today, uploads: false, transcript: quiet) else {
                unreadable.append(path)
                continue
            }
            if let portal = context.portals.first(where: { $0.profile.id == batch.portal }) {
                naming.append((path, context, portal.transport))
            }
        }
        guard !naming.isEmpty else {
            return .unknown(
                unreadable.isEmpty
                    ? "\(folder) 中没有报送门户 \(batch.portal) 的流水线"
                    : "\(folder) 中没有报送门户 \(batch.portal) 的流水线，另有流水线无法读取（\(unreadable.joined(separator: "、"))）")
        }
        let ofKind = naming.filter { $0.context.pipeline.kind == batch.kind }
        if !ofKind.isEmpty { naming = ofKind }
        var own: [(path: String, context: PipelineContext, transport: Pipeline.Transport)] = []
        for candidate in naming {
            if try Uploader.own(ledger, pipeline: candidate.context.pipeline.id).contains(batch.id) { own.append(candidate) }
        }
        if !own.isEmpty { naming = own }
        guard naming.contains(where: { $0.transport != .outbox }) else { return .outbox }
        guard naming.allSatisfy({ $0.transport == naming[0].transport }) else {
            return .unknown("\(folder) 中有几条流水线以不同方式报送门户 \(batch.portal)（\(naming.map(\.path).joined(separator: "、"))）")
        }
        return .asked(naming[0].path)
    }
}
