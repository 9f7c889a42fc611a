import Foundation
import NativeCRMClient
import OpenAPIRuntime
import Testing
@testable import NativeCRM

/// The generated Swift client (`NativeCRMClient`, from `openapi.yaml`) drives a salesperson's main
/// flows against a running server: if the document and the server disagree, these fail.
@Suite("Generated client")
struct ClientTests {
    @Test func aSalespersonsDayThroughTheGeneratedClient() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sales = try await t.makeUser(.salesperson)
            let server = URL(string: t.baseURL)!

            // Sign in.
            let anonymous = NativeCRMClient.make(serverURL: server)
            let login = try await anonymous.login(body: .json(.init(email: sales.email, password: sales.password)))
            let session = try login.ok.body.json
            #expect(session.user.role == .salesperson)
            let client = NativeCRMClient.make(serverURL: server, token: session.token)

            // A new customer, then a call with them.
            let created = try await client.createCustomer(body: .json(.init(firstName: "Mia", lastName: "Keller",
                                                                              email: "mia@mail.test", phone: "+41791234567")))
            let customer = try created.created.body.json
            #expect(customer.assignedSalesId == sales.id)
            #expect(customer.possibleDuplicates.isEmpty)
            let call = try await client.logCommunication(body: .json(.init(
                customerId: customer.id, _type: .call, direction: .outgoing, status: .completed, notes: "Booked a consultation")))
            let logged = try call.created.body.json
            #expect(logged.customerId == customer.id)

            // The record: the call is the last contact, and the record moved from new to contacted.
            let record = try await client.getCustomerRecord(path: .init(id: customer.id)).ok.body.json
            #expect(record.record.lastContactDate == logged.occurredAt)
            #expect(record.record.customerStatus == .contacted)
            #expect(record.communications.map(\.id) == [logged.id])

            // A task for tomorrow is on the pending list, with the customer's name.
            let due = t.clock.now.addingTimeInterval(86_400)
            _ = try await client.createAction(body: .json(.init(customerId: customer.id, actionType: .followUp,
                                                                 title: "Send aftercare notes", dueDate: due))).created
            let pending = try await client.listPendingActions().ok.body.json
            #expect(pending.map(\.title) == ["Send aftercare notes"])
            #expect(pending.first?.customer?.firstName == "Mia")
            #expect(pending.first?.dueDate == due)

            // Follow-up: contacted today, so not due at a one-day threshold but due later.
            let followUp = try await client.listFollowUpCustomers(query: .init(daysThreshold: 1)).ok.body.json
            #expect(!followUp.contains { $0.customerId == customer.id })

            // Analytics of the salesperson's own period.
            let analytics = try await client.getSalespersonAnalytics().ok.body.json
            #expect(analytics.communications.calls == 1)
            #expect(analytics.customers.total == 1)

            // A bad request is a problem document naming the field.
            let refused = try await client.createCustomer(body: .json(.init(firstName: "", lastName: "Keller")))
            let problem = try refused.badRequest.body.applicationProblemJson
            #expect(problem.status == 400)
            #expect(problem.errors.map(\.field) == ["firstName"])
        }
    }
}
