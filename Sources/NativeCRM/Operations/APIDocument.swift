import OpenAPIKit
import Foundation
import Vapor
import Yams

/// The OpenAPI contract and its HTML rendering, built once per process from the route table
/// (`APIContract`): the server serves the document of the code it runs, with or without a checkout
/// (the committed `openapi.yaml` is the same text; `ContractTests` checks it).
struct APIDocument: Sendable {
    let yaml: String
    let html: String

    /// The built document; nil only if it cannot be built (then `/openapi.yaml` and `/docs` answer 404).
    static let built: APIDocument? = {
        guard let yaml = try? APIContract.yaml() else { return nil }
        return APIDocument(yaml: yaml, html: (try? APIReferencePage.render(yaml: yaml)) ?? "<p>The document could not be rendered.</p>")
    }()
}

extension Application {
    private struct DocumentKey: StorageKey { typealias Value = APIDocument }

    var apiDocument: APIDocument? {
        get { storage[DocumentKey.self] }
        set { storage[DocumentKey.self] = newValue }
    }
}

/// `GET /openapi.yaml` and `GET /docs` (a self-contained HTML reference: no scripts, no CDN).
struct APIDocsController {
    var endpoints: [Endpoint] {
        [
            Endpoint(.GET, "/openapi.yaml", .anyone, "This OpenAPI document", use: yaml, .init(
                "getOpenAPIDocument", tag: "Documentation", "The document of the running server, built from its route table.",
                replies: [.ok(.object(description: "The OpenAPI 3.1 document (YAML)."), "The OpenAPI 3.1 document.",
                              media: "application/yaml")])),
            Endpoint(.GET, "/docs", .anyone, "HTML reference of this API", use: docs, .init(
                "getDocs", tag: "Documentation",
                "A self-contained HTML page (no scripts) rendered from this document.",
                replies: [.ok(Schema.string, "The HTML reference.", media: "text/html")])),
        ]
    }

    @Sendable func yaml(req: Request) async throws -> Response {
        guard let document = req.application.apiDocument else { throw APIError.notFound("The API document") }
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "yaml", parameters: ["charset": "utf-8"])
        return Response(status: .ok, headers: headers, body: .init(string: document.yaml))
    }

    @Sendable func docs(req: Request) async throws -> Response {
        guard let document = req.application.apiDocument else { throw APIError.notFound("The API document") }
        var headers = HTTPHeaders()
        headers.contentType = .html
        return Response(status: .ok, headers: headers, body: .init(string: document.html))
    }
}
