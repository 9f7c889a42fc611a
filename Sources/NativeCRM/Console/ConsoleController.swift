import Crypto
import Foundation
import Vapor

/// The salesperson console at `/app`: one HTML shell and its script and style sheet, shipped as
/// resources of this module. Assets are served under names that carry a hash of their content
/// (`app.3f2a9c01de.js`) with a one-year immutable cache, the shell with `no-cache`, all under a strict
/// Content-Security-Policy (`default-src 'self'`, no inline script or style). The console talks only
/// to the public JSON API, like any other client.
struct ConsoleController {
    /// Served to anyone (the console signs in itself), outside the API document.
    var endpoints: [Endpoint] {
        [
            Endpoint(.GET, "/app", .anyone, "The salesperson console", use: shell, nil),
            Endpoint(.GET, "/app/assets/{name}", .anyone, "The console's script and style sheet", use: asset, nil),
        ]
    }

    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    @Sendable func shell(req: Request) async throws -> Response {
        guard let assets = req.application.consoleAssets else { throw APIError.notFound("The console") }
        let response = Response(status: .ok, body: .init(string: assets.shell(timeZone: req.application.clinicTime.name)))
        response.headers.contentType = .html
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        Self.secure(response)
        return response
    }

    @Sendable func asset(req: Request) async throws -> Response {
        guard let assets = req.application.consoleAssets,
              let file = assets.files[try req.parameters.require("name")] else {
            throw APIError.notFound("The file")
        }
        let response = Response(status: .ok, body: .init(data: file.data))
        response.headers.contentType = file.contentType
        response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=31536000, immutable")
        Self.secure(response)
        return response
    }

    private static func secure(_ response: Response) {
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: contentSecurityPolicy)
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
    }
}

/// The console's files, read once at start: each asset under its hashed name, and the shell with the
/// hashed names filled in.
struct ConsoleAssets: Sendable {
    struct File: Sendable {
        let data: Data
        let contentType: HTTPMediaType
    }

    /// Hashed name → file.
    let files: [String: File]
    private let shellTemplate: String

    /// The files of `directory`: `index.html` (the shell, naming assets as `{{app.js}}`) and the assets.
    init?(directory: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path),
              let template = try? String(contentsOf: directory.appendingPathComponent("index.html"), encoding: .utf8)
        else { return nil }
        var files: [String: File] = [:]
        var shell = template
        for name in names.sorted() where name != "index.html" {
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { continue }
            let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined().prefix(10)
            let ext = (name as NSString).pathExtension
            let hashed = (name as NSString).deletingPathExtension + ".\(digest)." + ext
            let type: HTTPMediaType = switch ext {
            case "js": HTTPMediaType(type: "text", subType: "javascript", parameters: ["charset": "utf-8"])
            case "css": HTTPMediaType(type: "text", subType: "css", parameters: ["charset": "utf-8"])
            case "svg": HTTPMediaType(type: "image", subType: "svg+xml")
            default: .binary
            }
            files[hashed] = File(data: data, contentType: type)
            shell = shell.replacingOccurrences(of: "{{\(name)}}", with: "/app/assets/\(hashed)")
        }
        self.files = files
        shellTemplate = shell
    }

    /// The shell, telling the script the clinic's time zone (for "tomorrow 9:00").
    func shell(timeZone: String) -> String {
        shellTemplate.replacingOccurrences(of: "{{timeZone}}", with: timeZone.filter { $0.isLetter || $0 == "/" || $0 == "_" || $0 == "-" })
    }

    /// Where the files shipped with the server are: `CRM_CONSOLE_PATH` if set, else the module's resource
    /// bundle next to the executable (where SwiftPM puts it, and where a deployment copies it), else the
    /// source tree of a checkout. Found the way `Bundle.module` finds it, without its crash when the
    /// bundle is missing (a copied binary then serves no console and says so in the log).
    static var bundledDirectory: URL? {
        let fileManager = FileManager.default
        var candidates: [URL] = []
        if let path = ProcessInfo.processInfo.environment["CRM_CONSOLE_PATH"], !path.isEmpty {
            candidates.append(URL(fileURLWithPath: path))
        }
        let bundle = "NativeCRM_NativeCRM.resources"
        candidates.append(Bundle.main.bundleURL.appendingPathComponent(bundle).appendingPathComponent("assets"))
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() {
            candidates.append(executable.appendingPathComponent(bundle).appendingPathComponent("assets"))
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("assets"))
        return candidates.first { fileManager.fileExists(atPath: $0.appendingPathComponent("index.html").path) }
    }

    /// The files shipped with the server.
    static func bundled() -> ConsoleAssets? {
        bundledDirectory.flatMap(ConsoleAssets.init(directory:))
    }
}

extension Application {
    private struct ConsoleAssetsKey: StorageKey { typealias Value = ConsoleAssets }

    var consoleAssets: ConsoleAssets? {
        get { storage[ConsoleAssetsKey.self] }
        set { storage[ConsoleAssetsKey.self] = newValue }
    }
}
