import Vapor

/// `POST/GET /crm/appointments`, `GET/PATCH /crm/appointments/:id`.
struct AppointmentController {
    func reads(_ routes: any RoutesBuilder) {
        routes.get("appointments", use: list)
        routes.get("appointments", ":id", use: show)
    }

    func writes(_ routes: any RoutesBuilder) {
        routes.post("appointments", use: create)
        routes.patch("appointments", ":id", use: update)
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
