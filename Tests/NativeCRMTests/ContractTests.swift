import Foundation
import Testing
import Vapor
import Yams
@testable import NativeCRM

/// The OpenAPI document and the app's routes must describe the same API.
@Suite("OpenAPI contract")
struct ContractTests {
    static func documentOperations() throws -> Set<String> {
        Set(try documentedRoles().keys)
    }

    static func committedDocument() throws -> String {
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try String(contentsOf: checkout.appendingPathComponent("openapi.yaml"), encoding: .utf8)
    }

    /// `openapi.yaml` is what `crm openapi` writes from the route table and the DTOs' schemas: a changed
    /// endpoint, field or enum without a regenerated document fails here.
    @Test func theCommittedDocumentIsWhatTheBuilderWrites() throws {
        let built = try APIContract.yaml()
        let committed = try Self.committedDocument()
        if built != committed {
            let builtLines = built.split(separator: "\n", omittingEmptySubsequences: false)
            let committedLines = committed.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(builtLines, committedLines).enumerated().first { $0.element.0 != $0.element.1 }
            Issue.record("""
                openapi.yaml differs from the builder's output (run `swift run crm openapi`); first difference at line \
                \((first?.offset ?? min(builtLines.count, committedLines.count)) + 1): \
                built \(first.map { String($0.element.0) } ?? "<end>") | committed \(first.map { String($0.element.1) } ?? "<end>")
                """)
        }
    }

    /// The builder's output is the same twice in one process; across processes (Swift seeds dictionary
    /// order per process) the committed-file test above is what catches an order leaking in.
    @Test func theBuilderIsDeterministic() throws {
        #expect(try APIContract.yaml() == APIContract.yaml())
    }

    /// Every documented operation ("GET /crm/customers/:id") with its `x-roles`.
    static func documentedRoles() throws -> [String: [String]] {
        let text = try committedDocument()
        let root = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect((root["openapi"] as? String)?.hasPrefix("3.1") == true)
        let paths = try #require(root["paths"] as? [String: Any])
        var operations: [String: [String]] = [:]
        for (path, item) in paths {
            for (method, operation) in (item as? [String: Any] ?? [:])
            where ["get", "post", "put", "patch", "delete", "head", "options"].contains(method) {
                let vaporPath = path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
                operations["\(method.uppercased()) \(vaporPath)"] = (operation as? [String: Any])?["x-roles"] as? [String] ?? ["missing"]
            }
        }
        return operations
    }

    /// The published contract names the same roles per operation as the role matrix the tests enforce.
    @Test func documentedRolesMatchTheRoleMatrix() throws {
        let documented = try Self.documentedRoles()
        for row in RoleMatrixTests.matrix where !row.path.hasPrefix("/app") {  // the console is no API operation
            let key = "\(row.method.rawValue) \(row.path)"
            let expected = row.audience.roles.map(\.rawValue).sorted()
            #expect(documented[key]?.sorted() == expected, "\(key)")
        }
    }

    static func routeOperations(_ app: Application) -> Set<String> {
        Set(app.routes.all.map { route in
            "\(route.method.rawValue) /" + route.path.map { component -> String in
                switch component {
                case let .constant(text): return text
                case let .parameter(name): return ":" + name
                case .anything: return "*"
                case .catchall: return "**"
                }
            }.joined(separator: "/")
        })
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationExists() async throws {
        try await withCRM { (t: TestContext) async throws in
            let documented = try Self.documentOperations()
            // The console's pages are not API operations (ConsoleTests covers them).
            let served = Self.routeOperations(t.app).filter { !$0.hasPrefix("GET /app") }
            #expect(served.subtracting(documented).sorted() == [], "routes missing from openapi.yaml")
            #expect(documented.subtracting(served).sorted() == [], "documented operations with no route")
        }
    }

    @Test func theDocumentAndItsHTMLReferenceAreServedWithoutAToken() async throws {
        try await withCRM { (t: TestContext) async throws in
            let yaml = try await t.get("/openapi.yaml")
            #expect(yaml.status == .ok)
            #expect(yaml.headers.first(name: .contentType)?.hasPrefix("application/yaml") == true)
            #expect(yaml.text.hasPrefix("openapi: 3.1"))
            #expect(yaml.text == (try APIContract.yaml()), "the server serves the document of the code it runs")
            let html = try await t.get("/docs")
            #expect(html.status == .ok)
            #expect(html.headers.first(name: .contentType)?.hasPrefix("text/html") == true)
            #expect(html.text.contains("/crm/customers/{id}/record"))
            #expect(!html.text.contains("<script"), "works offline: no scripts, no CDN")
        }
    }
}
