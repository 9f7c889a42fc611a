import Foundation
import Vapor

/// `crm openapi [--out path]`: writes the API document built from the route table (`APIContract`)
/// to `path` (default `openapi.yaml` in the working directory). `ContractTests` fails when the committed
/// file differs, so run this after changing an endpoint or a DTO's schema.
struct OpenAPICommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "out", short: "o", help: "Where to write the document (default: openapi.yaml)")
        var out: String?
    }

    var help: String { "Writes openapi.yaml, the API document built from the route table and the DTOs' schemas." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let path = signature.out ?? "openapi.yaml"
        let yaml = try APIContract.yaml()
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        context.console.print("wrote \(path) (\(yaml.count) characters, \(API.endpoints.filter { $0.operation != nil }.count) operations)")
    }
}
