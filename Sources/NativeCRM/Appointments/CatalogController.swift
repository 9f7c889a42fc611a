import Vapor

/// `POST/GET /crm/clinics` and `POST/GET /crm/services`.
struct CatalogController {
    func reads(_ routes: any RoutesBuilder) {
        routes.get("clinics", use: listClinics)
        routes.get("services", use: listServices)
    }

    func writes(_ routes: any RoutesBuilder) {
        routes.post("clinics", use: createClinic)
        routes.post("services", use: createService)
    }

    @Sendable func createClinic(req: Request) async throws -> Response {
        let input = try req.content.decode(CreateClinicRequest.self)
        let clinic = try await CatalogService(db: req.db, clock: req.clock).createClinic(input, by: try req.caller.actor)
        return try await ClinicResponse(clinic).encodeResponse(status: .created, for: req)
    }

    @Sendable func listClinics(req: Request) async throws -> Response {
        try await CatalogService(db: req.db, clock: req.clock).listClinics(try PageRequest(from: req))
            .map(ClinicResponse.init).response(for: req)
    }

    @Sendable func createService(req: Request) async throws -> Response {
        let input = try req.content.decode(CreateServiceRequest.self)
        let service = try await CatalogService(db: req.db, clock: req.clock).createService(input, by: try req.caller.actor)
        return try await ServiceResponse(service).encodeResponse(status: .created, for: req)
    }

    @Sendable func listServices(req: Request) async throws -> Response {
        try await CatalogService(db: req.db, clock: req.clock).listServices(try PageRequest(from: req))
            .map(ServiceResponse.init).response(for: req)
    }
}
