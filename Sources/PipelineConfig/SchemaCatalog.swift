public import DisclosureCore
import BundledSchemas

/// The publication schemas gongshi ships (`schemas/publication/*.yaml`) and how to find one.
public enum SchemaCatalog {
    /// The bundled publication schema files.
    public static var bundledDocuments: [SchemaDocument] {
        BundledSchemas.files(in: "publication").map { SchemaDocument(origin: .bundled($0.path), text: $0.text) }
    }

    /// What `--kind` found.
    public enum Lookup: Sendable {
        case found(PublicationSchema)
        /// No schema has this id or alias; the known kinds, for the message.
        case unknown(known: [String])
        /// A bundled schema is broken.
        case invalid(SchemaLoadFailure)
    }

    /// The bundled schema whose id or alias is `kind`; of several versions, the highest.
    public static func find(kind: String) -> Lookup {
        var matches: [PublicationSchema] = []
        var known: [String] = []
        for document in bundledDocuments {
            switch SchemaLoader.load(document) {
            case .failure(let failure): return .invalid(failure)
            case .success(let schema):
                known.append(([schema.id] + schema.aliases).joined(separator: " / "))
                if schema.id == kind || schema.aliases.contains(kind) { matches.append(schema) }
            }
        }
        guard let best = matches.max(by: { $0.version < $1.version }) else { return .unknown(known: known) }
        return .found(best)
    }

    /// Of `schemas`, the one whose id or alias is `kind` (the highest version), or nil.
    public static func resolve(kind: String, in schemas: [PublicationSchema]) -> PublicationSchema? {
        schemas.filter { $0.id == kind || $0.aliases.contains(kind) }.max { $0.version < $1.version }
    }
}
