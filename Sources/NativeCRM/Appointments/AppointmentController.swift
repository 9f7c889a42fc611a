import OpenAPIKit
import Vapor

/// `POST/GET /crm/appointments`, `GET/PATCH /crm/appointments/:id`.
struct AppointmentController {
    private static let id = Param.path("id", "The appointment's id.")

    /// Everyone reads appointments; the front desk books and changes them.
    var endpoints: [Endpoint] {
        [
            Endpoint(.GET, "/crm/appointments", .everyone, "List appointments", use: list, .init(
                "listAppointments", tag: "Appointments", "By start time, earliest first; keyset-paged.",
                parameters: [
                    Param.queryUUID("customerId", "Only this customer's appointments."),
                    Param.queryEnum("status", AppointmentStatus.self, "Only this status."),
                    Param.query("from", Param.instant,
                                "Starting at or after: a date `YYYY-MM-DD` (start of that UTC day) or an RFC 3339 timestamp."),
                    Param.query("to", Param.instant,
                                "Starting up to, inclusive: a date `YYYY-MM-DD` (the whole UTC day) or an RFC 3339 timestamp. "
                                    + "Not after `from`: 400."),
                ] + Param.paging,
                replies: [.ok(AppointmentResponse.ref, "A page of appointments (bare array).", list: true)], errors: [400])),
            Endpoint(.POST, "/crm/appointments", .frontDesk, "Book an appointment", use: create, .init(
                "createAppointment", tag: "Appointments",
                "Booking as `scheduled` creates a \"Confirm appointment\" action due 24 h before the start, or, when that "
                    + "has passed, at the earlier of one hour from now and the start. Back-filled `completed`, `cancelled` "
                    + "or `no_show` appointments create no actions; `completed` or `no_show` before the start is 409 "
                    + "`appointment-not-started`. A scheduled or confirmed booking that overlaps another of the same "
                    + "customer (until `endTime`, else the service's duration, else 30 minutes) is 409 "
                    + "`appointment-overlap` naming the other appointment's id.",
                body: CreateAppointmentRequest.self,
                bodyExamples: Example.named(["booking": ("A booking", [
                    "customerId": .string(SeedExamples.customerID), "serviceId": .string(SeedExamples.serviceID),
                    "clinicId": .string(SeedExamples.clinicID), "startTime": "2024-02-01T14:00:00Z",
                    "endTime": "2024-02-01T14:30:00Z",
                ])]),
                versioned: true,
                replies: [.created(AppointmentResponse.ref, "The booked appointment.")], errors: [409])),
            Endpoint(.GET, "/crm/appointments/{id}", .everyone, "One appointment", use: show, .init(
                "getAppointment", tag: "Appointments", parameters: [Self.id], versioned: true,
                replies: [.ok(AppointmentResponse.ref, "The appointment.")], errors: [400, 404])),
            Endpoint(.PATCH, "/crm/appointments/{id}", .frontDesk, "Update, move or change the status of an appointment",
                     use: update, .init(
                "updateAppointment", tag: "Appointments",
                "Partial update. Status changes follow the lifecycle (409 `invalid-transition`); completed and cancelled "
                    + "appointments cannot change status or be moved (409 `appointment-closed`); completing or marking a "
                    + "no-show before the start is 409 `appointment-not-started`; a move onto another of the customer's "
                    + "appointments is 409 `appointment-overlap`.",
                parameters: [Self.id], body: UpdateAppointmentRequest.self,
                bodyExamples: Example.named(["complete": ("Complete", ["status": "completed", "treatmentDetails": ["units": 20]])]),
                versioned: true,
                replies: [.ok(AppointmentResponse.ref, "The updated appointment.")], errors: [404, 409])),
        ]
    }

    @Sendable func create(req: Request) async throws -> Response {
        let input = try req.decodeInput(CreateAppointmentRequest.self)
        let view = try await AppointmentService(db: req.db, clock: req.clock, clinicTime: req.application.clinicTime).create(input, by: try req.caller)
        return try await view.response.response(version: view.appointment.version, status: .created, for: req)
    }

    @Sendable func list(req: Request) async throws -> Response {
        let filter = AppointmentFilter(
            customerID: try QueryParameter.uuid(req, "customerId"),
            status: try AppointmentStatus.parse(req.query["status"], field: "status"),
            from: try QueryParameter.instant(req, "from", endOfDay: false),
            to: try QueryParameter.instant(req, "to", endOfDay: true))
        return try await AppointmentService(db: req.db, clock: req.clock, clinicTime: req.application.clinicTime).list(filter, page: try PageRequest(from: req))
            .map(\.response).response(for: req)
    }

    @Sendable func show(req: Request) async throws -> Response {
        let view = try await AppointmentService(db: req.db, clock: req.clock, clinicTime: req.application.clinicTime).find(try req.parameters.uuid("id"))
        return try await view.response.response(version: view.appointment.version, for: req)
    }

    @Sendable func update(req: Request) async throws -> Response {
        let id = try req.parameters.uuid("id")
        let expected = try IfMatch.version(req)
        let input = try req.decodeInput(UpdateAppointmentRequest.self)
        let view = try await AppointmentService(db: req.db, clock: req.clock, clinicTime: req.application.clinicTime)
            .update(id, input, expected: expected, by: try req.caller)
        return try await view.response.response(version: view.appointment.version, for: req)
    }
}
