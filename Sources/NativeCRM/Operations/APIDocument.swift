import OpenAPIKit
import Foundation
import Vapor
import Yams

/// The OpenAPI contract (`openapi.yaml` at the repository root) and its HTML rendering, loaded once.
struct APIDocument: Sendable {
    let yaml: String
    let html: String

    /// Looks for `openapi.yaml` in `CRM_OPENAPI_PATH`, the working directory, then the source checkout.
    static func load(environment: [String: String] = ProcessInfo.processInfo.environment) -> APIDocument? {
        var candidates: [String] = []
        if let path = environment["CRM_OPENAPI_PATH"], !path.isEmpty { candidates.append(path) }
        candidates.append(FileManager.default.currentDirectoryPath + "/openapi.yaml")
        let checkout = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(checkout.appendingPathComponent("openapi.yaml").path)
        for path in candidates {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                return APIDocument(yaml: text, html: (try? APIReferencePage.render(yaml: text)) ?? "<p>openapi.yaml could not be read</p>")
            }
        }
        return nil
    }
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
                "getOpenAPIDocument", tag: "Documentation", "404 when the server cannot find `openapi.yaml`.",
                replies: [.ok(.object(description: "The OpenAPI 3.1 document (YAML)."), "The OpenAPI 3.1 document.",
                              media: "application/yaml")], errors: [404])),
            Endpoint(.GET, "/docs", .anyone, "HTML reference of this API", use: docs, .init(
                "getDocs", tag: "Documentation",
                "A self-contained HTML page (no scripts). 404 when the server cannot find `openapi.yaml`.",
                replies: [.ok(Schema.string, "The HTML reference.", media: "text/html")], errors: [404])),
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
