import Fluent
import SQLKit
import Vapor

/// The record view (`GET /crm/customers/:id/record`, the seed's shape): the stored record read with
/// the customer's recent appointments, communications, visible actions and tags, each through its own
/// domain's query. Only the controller calls it.
struct RecordView: Sendable {
    let db: any Database
    let clock: CRMClock

    /// How many appointments, communications and actions the record view carries (newest first);
    /// the paged endpoints give the rest.
    static let viewLimit = 100

    /// `GET /crm/customers/:id/record`.
    func view(customerID: UUID, for caller: AuthenticatedUser) async throws -> (CustomerRecordResponse, Int) {
        let customer = try await CustomerService(db: db, clock: clock).find(customerID)
        let record = try await RecordService(db: db, clock: clock).find(customerID)
        let appointments = AppointmentService(db: db, clock: clock)
        let recent = try await appointments.recent(forCustomer: customerID, limit: Self.viewLimit)
        let now = clock.now
        // Fewer rows than the limit is every appointment: the next one and the visits are in hand.
        let complete = recent.count < Self.viewLimit
        let next = complete
            ? recent.map(\.appointment).filter { $0.status.isUpcoming && $0.startTime > now }.map(\.startTime).min()
            : try await appointments.nextAppointmentDate(forCustomer: customerID, after: now)
        let visits = complete
            ? recent.filter { $0.appointment.status == .completed }
            : try await appointments.recent(forCustomer: customerID, limit: Self.viewLimit, completedOnly: true)
        let communications = try await CommunicationService(db: db, clock: clock, events: NoActivityEvents())
            .recent(customerID: customerID, limit: Self.viewLimit)
        let actions = try await ActionService(db: db, clock: clock)
            .forCustomer(customerID, visibleTo: caller, limit: Self.viewLimit)
        let view = CustomerRecordResponse(
            record: RecordService.response(record, nextAppointment: next, visits: visits),
            customer: CustomerResponse(customer),
            appointments: recent.map(\.response),
            communications: communications.map(CommunicationResponse.init),
            actions: actions.map { ActionResponse($0, now: now, customer: customer) },
            tags: try await TagService(db: db, clock: clock).tags(ofCustomer: customerID))
        return (view, record.version)
    }
}
