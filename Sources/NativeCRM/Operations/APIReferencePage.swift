import Foundation
import Yams

/// Renders the OpenAPI document as one static HTML page: every operation with its roles, parameters,
/// request body and responses. Readable offline.
enum APIReferencePage {
    static func render(yaml: String) throws -> String {
        guard let root = try Yams.load(yaml: yaml) as? [String: Any] else { return "" }
        let info = root["info"] as? [String: Any] ?? [:]
        let paths = root["paths"] as? [String: Any] ?? [:]
        var body = "<h1>\(escape(info["title"] as? String ?? "API"))</h1>"
        body += "<p>\(escape(info["description"] as? String ?? ""))</p>"
        body += "<p>Machine-readable contract: <a href=\"/openapi.yaml\">/openapi.yaml</a></p><nav><ul>"
        let methods = ["get", "post", "put", "patch", "delete"]
        var sections = ""
        for path in paths.keys.sorted() {
            guard let item = paths[path] as? [String: Any] else { continue }
            for method in methods {
                guard let operation = item[method] as? [String: Any] else { continue }
                let anchor = (operation["operationId"] as? String) ?? "\(method)-\(path)"
                body += "<li><a href=\"#\(escape(anchor))\"><code>\(method.uppercased()) \(escape(path))</code></a> "
                    + "\(escape(operation["summary"] as? String ?? ""))</li>"
                sections += section(method: method, path: path, anchor: anchor, operation: operation)
            }
        }
        body += "</ul></nav>" + sections
        return """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(info["title"] as? String ?? "API"))</title>
            <style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;line-height:1.45}
            code{background:#f3f3f3;padding:0 .25em}section{border-top:1px solid #ddd;margin-top:1.5em}
            table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left}</style>
            </head><body>\(body)</body></html>
            """
    }

    private static func section(method: String, path: String, anchor: String, operation: [String: Any]) -> String {
        var html = "<section id=\"\(escape(anchor))\"><h2><code>\(method.uppercased()) \(escape(path))</code></h2>"
        html += "<p><strong>\(escape(operation["summary"] as? String ?? ""))</strong></p>"
        if let description = operation["description"] as? String { html += "<p>\(escape(description))</p>" }
        if let roles = operation["x-roles"] as? [String] { html += "<p>Roles: \(escape(roles.joined(separator: ", ")))</p>" }
        if let parameters = operation["parameters"] as? [[String: Any]], !parameters.isEmpty {
            html += "<table><tr><th>parameter</th><th>in</th><th>required</th><th>description</th></tr>"
            for parameter in parameters {
                html += "<tr><td><code>\(escape(parameter["name"] as? String ?? "$ref"))</code></td>"
                    + "<td>\(escape(parameter["in"] as? String ?? ""))</td>"
                    + "<td>\((parameter["required"] as? Bool) == true ? "yes" : "no")</td>"
                    + "<td>\(escape(parameter["description"] as? String ?? ""))</td></tr>"
            }
            html += "</table>"
        }
        if let request = operation["requestBody"] as? [String: Any] {
            html += "<p>Request body: <code>\(escape(schemaName(request)))</code></p>"
        }
        if let responses = operation["responses"] as? [String: Any] {
            html += "<p>Responses: " + responses.keys.sorted().map { "<code>\(escape($0))</code>" }.joined(separator: " ") + "</p>"
        }
        return html + "</section>"
    }

    private static func schemaName(_ request: [String: Any]) -> String {
        let content = request["content"] as? [String: Any] ?? [:]
        let json = content["application/json"] as? [String: Any] ?? [:]
        let schema = json["schema"] as? [String: Any] ?? [:]
        return (schema["$ref"] as? String).map { String($0.split(separator: "/").last ?? "") } ?? "object"
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
