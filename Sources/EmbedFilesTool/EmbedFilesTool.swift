// Build tool: writes a Swift source file that embeds text files as string literals.
//
//   EmbedFilesTool OUTPUT.swift TYPE_NAME ROOT FILE...
//
// Each FILE is embedded under its path relative to ROOT. Used by EmbedSchemasPlugin to ship
// schemas/** inside the gongshi binary. A hand-written tool rather than SwiftPM resources:
// resources on Linux live in a folder beside the binary (`Bundle.module`), which a copied binary
// loses; embedded text cannot get lost.
import Foundation

@main
struct EmbedFilesTool {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count >= 3 else {
            FileHandle.standardError.write(Data("usage: EmbedFilesTool OUTPUT.swift TYPE_NAME ROOT FILE...\n".utf8))
            exit(64)
        }
        let (output, typeName) = (arguments[0], arguments[1])
        let root = URL(fileURLWithPath: arguments[2]).standardizedFileURL.path + "/"
        let inputs = arguments.dropFirst(3).map { URL(fileURLWithPath: $0).standardizedFileURL.path }.sorted()
        var source = """
            // Generated at build time by EmbedFilesTool. Do not edit: change the embedded files instead.

            extension \(typeName) {
                /// The embedded files, sorted by path.
                public static let files: [BundledFile] = [

            """
        for path in inputs {
            guard path.hasPrefix(root) else {
                FileHandle.standardError.write(Data("error: \(path) is not under \(root)\n".utf8))
                exit(65)
            }
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let text = String(data: bytes, encoding: .utf8) else {
                FileHandle.standardError.write(Data("error: \(path) is not UTF-8 text\n".utf8))
                exit(65)
            }
            let relative = String(path.dropFirst(root.count))
            source += "        BundledFile(path: \(literal(relative)), text: \(literal(text))),\n"
        }
        source += "    ]\n}\n"
        try Data(source.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
    }

    /// A Swift string literal for any text: quotes, backslashes and control characters escaped.
    static func literal(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
