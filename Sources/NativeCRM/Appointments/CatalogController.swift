import OpenAPIKit
import Vapor

/// `POST/GET /crm/clinics`, `PATCH /crm/clinics/:id`, `POST/GET /crm/services`, `PATCH /crm/services/:id`.
struct CatalogController {
    /// Everyone reads the catalogue; the front desk changes it.
    var endpoints: [Endpoint] {
        [
            Endpoint(.GET, "/crm/clinics", .everyone, "List clinics", use: listClinics, .init(
                "listClinics", tag: "Catalog", "By name; keyset-paged.", parameters: Param.paging,
                replies: [.ok(ClinicResponse.ref, "A page of clinics (bare array).", list: true)], errors: [400])),
            Endpoint(.POST, "/crm/clinics", .frontDesk, "Create a clinic", use: createClinic, .init(
                "createClinic", tag: "Catalog", "Names are unique ignoring case (409 `duplicate-name`).",
                body: CreateClinicRequest.self,
                bodyExamples: Example.named(["clinic": ("A clinic", [
                    "name": "Beauty Clinic", "address": "Bahnhofstrasse 1, Zürich", "phone": "+41441234567",
                ])]),
                replies: [.created(ClinicResponse.ref, "The created clinic.")], errors: [409])),
            Endpoint(.PATCH, "/crm/clinics/{id}", .frontDesk, "Change a clinic", use: updateClinic, .init(
                "updateClinic", tag: "Catalog", "Partial update; names stay unique ignoring case (409 `duplicate-name`). Audited.",
                parameters: [Param.path("id", "The clinic's id.")], body: UpdateClinicRequest.self,
                bodyExamples: Example.named(["move": ("A new address", ["address": "Seestrasse 1, Zürich"])]),
                versioned: true,
                replies: [.ok(ClinicResponse.ref, "The updated clinic.")], errors: [404, 409])),
            Endpoint(.GET, "/crm/services", .everyone, "List services (treatments)", use: listServices, .init(
                "listServices", tag: "Catalog", "By name; keyset-paged.", parameters: Param.paging,
                replies: [.ok(ServiceResponse.ref, "A page of services (bare array).", list: true)], errors: [400])),
            Endpoint(.POST, "/crm/services", .frontDesk, "Create a service (treatment)", use: createService, .init(
                "createService", tag: "Catalog", "Names are unique ignoring case (409 `duplicate-name`).",
                body: CreateServiceRequest.self,
                bodyExamples: Example.named(["botox": ("Botox", [
                    "name": "Botox Treatment", "price": 150.0, "typicalIntervalDays": 90, "durationMinutes": 30,
                ])]),
                replies: [.created(ServiceResponse.ref, "The created service.")], errors: [409])),
            Endpoint(.PATCH, "/crm/services/{id}", .frontDesk, "Change a service (treatment)", use: updateService, .init(
                "updateService", tag: "Catalog",
                "Partial update; names stay unique ignoring case (409 `duplicate-name`). A new price applies to "
                    + "appointments booked afterwards; booked ones keep their amount. Audited.",
                parameters: [Param.path("id", "The service's id.")], body: UpdateServiceRequest.self,
                bodyExamples: Example.named(["price": ("A new price", ["price": 180.0])]), versioned: true,
                replies: [.ok(ServiceResponse.ref, "The updated service.")], errors: [404, 409])),
        ]
    }

    @Sendable func updateClinic(req: Request) async throws -> Response {
        let id = try req.parameters.uuid("id")
        let expected = try IfMatch.version(req)
        let input = try req.decodeInput(UpdateClinicRequest.self)
        let clinic = try await CatalogService(db: req.db, clock: req.clock)
            .updateClinic(id, input, expected: expected, by: try req.caller.actor)
        return try await ClinicResponse(clinic).response(version: clinic.version, for: req)
    }

    @Sendable func updateService(req: Request) async throws -> Response {
        let id = try req.parameters.uuid("id")
        let expected = try IfMatch.version(req)
        let input = try req.decodeInput(UpdateServiceRequest.self)
        let service = try await CatalogService(db: req.db, clock: req.clock)
            .updateService(id, input, expected: expected, by: try req.caller.actor)
        return try await ServiceResponse(service).response(version: service.version, for: req)
    }

    @Sendable func createClinic(req: Request) async throws -> Response {
        let input = try req.decodeInput(CreateClinicRequest.self)
        let clinic = try await CatalogService(db: req.db, clock: req.clock).createClinic(input, by: try req.caller.actor)
        return try await ClinicResponse(clinic).response(version: clinic.version, status: .created, for: req)
    }

    @Sendable func listClinics(req: Request) async throws -> Response {
        try await CatalogService(db: req.db, clock: req.clock).listClinics(try PageRequest(from: req))
            .map(ClinicResponse.init).response(for: req)
    }

    @Sendable func createService(req: Request) async throws -> Response {
        let input = try req.decodeInput(CreateServiceRequest.self)
        let service = try await CatalogService(db: req.db, clock: req.clock).createService(input, by: try req.caller.actor)
        return try await ServiceResponse(service).response(version: service.version, status: .created, for: req)
    }

    @Sendable func listServices(req: Request) async throws -> Response {
        try await CatalogService(db: req.db, clock: req.clock).listServices(try PageRequest(from: req))
            .map(ServiceResponse.init).response(for: req)
    }
}
