import OpenAPIKit
import Fluent
import Vapor

/// What a timeline item is.
enum TimelineKind: String, APIEnum {
    case appointment, communication, action, change

    /// Tells the kinds apart in the timeline's order when two items share a time.
    var rank: Int {
        switch self {
        case .change: 0
        case .action: 1
        case .communication: 2
        case .appointment: 3
        }
    }
}

/// One item of a customer's timeline: exactly one of the four objects is set, the one `kind` names.
struct TimelineItemResponse: Content {
    var kind: TimelineKind
    /// The appointment's start, the communication's occurrence, the action's creation, the change's time.
    var at: Date
    @NullEncodable var appointment: AppointmentResponse?
    @NullEncodable var communication: CommunicationResponse?
    @NullEncodable var action: ActionResponse?
    @NullEncodable var change: AuditEntryResponse?

    init(kind: TimelineKind, at: Date, appointment: AppointmentResponse? = nil, communication: CommunicationResponse? = nil,
         action: ActionResponse? = nil, change: AuditEntryResponse? = nil) {
        self.kind = kind
        self.at = at
        self.appointment = appointment
        self.communication = communication
        self.action = action
        self.change = change
    }

    var position: TimelinePosition {
        let id = appointment?.id ?? communication?.id ?? action?.id ?? change?.id ?? UUID()
        return TimelinePosition(at: at, rank: kind.rank, id: id)
    }
}

extension TimelineItemResponse: Documented {
    static let schemaName = "TimelineItem"
    /// The four objects are inlined as `type: [object, "null"]`: code generators do not follow
    /// `anyOf: [$ref, {type: "null"}]`.
    static var schema: JSONSchema {
        Schema.response([
            "kind": Schema.oneOf(TimelineKind.self).described("Which of the four objects this item carries; the other three are null."),
            "at": Schema.dateTime.described(
                "The appointment's start, the communication's occurrence, the action's creation or the change's time."),
            "appointment": AppointmentResponse.schema.orNull.described("Set when `kind` is `appointment`."),
            "communication": CommunicationResponse.schema.orNull.described("Set when `kind` is `communication`."),
            "action": ActionResponse.schema.orNull.described("Set when `kind` is `action`."),
            "change": AuditEntryResponse.schema.orNull.described(
                "Set when `kind` is `change`: a change to the customer, its record or tags, or an update or deletion of "
                    + "one of its appointments, communications or actions."),
        ], description: "One item of a customer's timeline.")
    }
}

/// `GET /crm/customers/:id/timeline`: the customer's appointments, communications, actions and the
/// other changes to their data, newest first, in one keyset-paged list. Each table is read through
/// its own domain's query, newest first after the cursor and `limit + 1` rows at most; the pages are
/// merged (at most four times `limit + 1` rows in hand).
struct CustomerTimeline: Sendable {
    let db: any Database
    let clock: CRMClock

    func page(customerID: UUID, _ page: PageRequest, for caller: AuthenticatedUser) async throws
        -> Page<TimelineItemResponse>
    {
        let customer = try await CustomerService(db: db, clock: clock).find(customerID)
        let after = try page.cursor.map(TimelinePosition.init)
        let fetch = page.limit + 1
        let now = clock.now
        let appointments = try await AppointmentService(db: db, clock: clock)
            .timeline(forCustomer: customerID, rank: TimelineKind.appointment.rank, after: after, limit: fetch)
            .map { TimelineItemResponse(kind: .appointment, at: $0.appointment.startTime, appointment: $0.response) }
        let communications = try await CommunicationService(db: db, clock: clock, events: NoActivityEvents())
            .timeline(customerID: customerID, rank: TimelineKind.communication.rank, after: after, limit: fetch)
            .map { TimelineItemResponse(kind: .communication, at: $0.occurredAt, communication: CommunicationResponse($0)) }
        let actions = try await ActionService(db: db, clock: clock)
            .timeline(customerID: customerID, visibleTo: caller, rank: TimelineKind.action.rank, after: after, limit: fetch)
            .map { TimelineItemResponse(kind: .action, at: $0.createdAt, action: ActionResponse($0, now: now, customer: customer)) }
        let changes = try await AuditService(db: db)
            .timeline(customerID: customerID, visibleTo: caller, rank: TimelineKind.change.rank, after: after, limit: fetch)
            .map { TimelineItemResponse(kind: .change, at: $0.createdAt, change: AuditEntryResponse($0)) }
        let merged = (appointments + communications + actions + changes)
            .sorted { TimelinePosition.newerFirst($0.position, $1.position) }
        return Page(fetched: Array(merged.prefix(fetch)), limit: page.limit) { $0.position.cursor }
    }
}
