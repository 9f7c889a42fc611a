import Fluent
import Foundation
import Testing
@testable import NativeCRM

/// Every model spells out Fluent's field list (so rows decode without reflection); a property added
/// to a model but not to its list would silently never be read or written, so this compares each
/// list with the properties the model actually declares.
@Suite("Model field lists")
struct ModelFieldListTests {
    static let models: [any Fields] = [
        User(), Customer(), CustomerRecord(), Clinic(), ServiceOffering(), Appointment(), Communication(),
        SalesAction(), Tag(), CustomerTag(), Lead(), InboxNotification(), AuditEntry(), APIKey(), Webhook(), WebhookDelivery(),
    ]

    @Test(arguments: 0..<models.count)
    func listMatchesDeclaredProperties(_ index: Int) {
        let model = Self.models[index]
        let declared = Mirror(reflecting: model).children.compactMap { $0.value as? any AnyProperty }
        let listed = model.properties
        #expect(listed.count == declared.count, "\(type(of: model))")
        for (a, b) in zip(listed, declared) {
            #expect(a as AnyObject === b as AnyObject, "\(type(of: model)): \(type(of: a)) out of order or missing")
        }
    }

    /// A new model must join `models` above: the test lists every `Model` class in the sources.
    @Test func everyModelIsChecked() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/NativeCRM").standardized
        var declared: Set<String> = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: /final class (\w+): Model,/) { declared.insert(String(match.1)) }
        }
        #expect(declared.count >= 13)
        #expect(declared == Set(Self.models.map { "\(type(of: $0))" }))
    }
}
