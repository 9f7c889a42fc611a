import Vapor

/// `POST/GET /crm/clinics`, `PATCH /crm/clinics/:id`, `POST/GET /crm/services`, `PATCH /crm/services/:id`.
struct CatalogController {
    func reads(_ routes: any RoutesBuilder) {
        routes.get("clinics", use: listClinics)
        routes.get("services", use: listServices)
    }

    func writes(_ routes: any RoutesBuilder) {
        routes.post("clinics", use: createClinic)
        routes.post("services", use: createService)
        routes.patch("clinics", ":id", use: updateClinic)
        routes.patch("services", ":id", use: updateService)
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
