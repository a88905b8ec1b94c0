import DisclosureCore
import PipelineRunner
import ArgumentParser

extension Gongshi {
    /// `gongshi ledger status|show|confirm|fail|init|migrate`: the publication ledger.
    struct LedgerCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ledger",
            abstract: "公示台账：批次状态、单条记录的公示历史、确认上传。",
            subcommands: [Status.self, Show.self, Confirm.self, Fail.self, Init.self, Migrate.self])
    }
}

