import Foundation
import PackagePlugin

/// Embeds the official holiday calendar (`schemas/calendars/*.yaml`) into the target it is
/// applied to, as `BundledCalendars.files`.
///
/// The plugin runs at every build, so a new or changed calendar file is picked up by the next
/// build without touching any Swift code.
@main
struct EmbedCalendarsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "schemas").appending(path: "calendars")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .sorted()
        let inputs = names.map { folder.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "BundledCalendars+Files.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) calendar files from schemas/calendars",
                executable: try context.tool(named: "EmbedFilesTool").url,
                arguments: [output.path, "BundledCalendars"] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
