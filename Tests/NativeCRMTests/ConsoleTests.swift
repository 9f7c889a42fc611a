import Foundation
import Testing
import Vapor
@testable import NativeCRM

/// The console's shell and assets: served from the module's resources, content-hashed, cached for a
/// year, under a strict Content-Security-Policy. Its screens are tested in Chromium (tests/console_e2e.py).
@Suite("Console")
struct ConsoleTests {
    @Test func theShellNamesHashedAssetsUnderAStrictPolicy() async throws {
        try await withCRM(timeZone: "Europe/Zurich") { (t: TestContext) async throws in
            let shell = try await t.get("/app")
            #expect(shell.status == .ok)
            #expect(shell.headers.first(name: .contentType)?.hasPrefix("text/html") == true)
            let policy = try #require(shell.headers.first(name: "Content-Security-Policy"))
            #expect(policy.hasPrefix("default-src 'self'"))
            #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
            #expect(shell.headers.first(name: .cacheControl) == "no-cache")
            #expect(shell.text.contains(#"content="Europe/Zurich""#))
            #expect(!shell.text.contains("{{"), "every placeholder filled")
            #expect(!shell.text.contains("<script>") && !shell.text.contains("style="), "no inline script or style")
            let assets = shell.text.matches(of: /\/app\/assets\/[a-z]+\.[0-9a-f]{10}\.(js|css)/).map { String($0.output.0) }
            #expect(Set(assets.map { $0.split(separator: ".").last! }) == ["js", "css"])
            var total = 0
            for path in assets {
                let asset = try await t.get(path)
                #expect(asset.status == .ok, "\(path)")
                #expect(asset.headers.first(name: .cacheControl) == "public, max-age=31536000, immutable")
                #expect(asset.headers.first(name: "Content-Security-Policy") != nil)
                total += asset.body.count
            }
            #expect(total < 150 * 1024, "JS + CSS under 150 KB")
            #expect(try await t.get("/app/assets/app.0000000000.js").status == .notFound)
            #expect(try await t.get("/app/assets/..%2F..%2FPackage.swift").status == .notFound)
        }
    }

    @Test func theScriptWritesPeopleDataOnlyAsText() throws {
        let directory = try #require(ConsoleAssets.bundledDirectory)
        let script = try String(contentsOf: directory.appendingPathComponent("app.js"), encoding: .utf8)
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "localStorage.setItem"] {
            #expect(!script.contains(sink), "app.js uses \(sink)")
        }
    }
}
