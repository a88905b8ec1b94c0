import Foundation
import PackagePlugin

/// Embeds the declarative data under `schemas/` (YAML, XSD and JSON files, in every subfolder)
/// into the target it is applied to, as `BundledSchemas.files`.
///
/// The plugin runs at every build, so a new or changed file is picked up by the next build
/// without touching any Swift code.
@main
struct EmbedSchemasPlugin: BuildToolPlugin {
    static let extensions: Set<String> = ["yaml", "yml", "xsd", "json"]

    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let root = context.package.directoryURL.appending(path: "schemas")
        var inputs: [URL] = []
        if let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) {
            for case let url as URL in walker where Self.extensions.contains(url.pathExtension) {
                inputs.append(url)
            }
        }
        inputs.sort { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "BundledSchemas+Files.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) files from schemas/",
                executable: try context.tool(named: "EmbedFilesTool").url,
                arguments: [output.path, "BundledSchemas", root.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
