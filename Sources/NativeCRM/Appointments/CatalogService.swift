import Fluent
import Vapor

/// The clinics and the services (treatments) they sell. Names are unique case-insensitively.
struct CatalogService: Sendable {
    let db: any Database
    let clock: CRMClock

    func createClinic(_ input: CreateClinicRequest, by actor: Actor) async throws -> Clinic {
        var errors = FieldErrors()
        let name = Self.checkName(input.name, &errors)
        let phone = ContactFields.checkPhone(input.phone, into: &errors)
        errors.maxLength(input.address, "address", TextLimits.address)
        try errors.throwIfAny()
        let clinic = Clinic()
        clinic.name = name
        clinic.nameKey = name.lowercased()
        clinic.address = ContactFields.trimmed(input.address)
        clinic.phone = phone
        clinic.createdAt = clock.now
        clinic.updatedAt = clinic.createdAt
        try await saveUnique(Clinic.schema) {
            try await db.transaction { db in
                try await clinic.create(on: db)
                try await AuditLog(db: db, clock: clock, actor: actor).created(clinic)
            }
        }
        return clinic
    }

    func createService(_ input: CreateServiceRequest, by actor: Actor) async throws -> ClinicService {
        var errors = FieldErrors()
        let name = Self.checkName(input.name, &errors)
        if let days = input.typicalIntervalDays {
            errors.check((1...3650).contains(days), "typicalIntervalDays", "must be from 1 to 3650")
        }
        if let minutes = input.durationMinutes {
            errors.check((1...1440).contains(minutes), "durationMinutes", "must be from 1 to 1440")
        }
        try errors.throwIfAny()
        let service = ClinicService()
        service.name = name
        service.nameKey = name.lowercased()
        service.priceCents = input.price.cents
        service.typicalIntervalDays = input.typicalIntervalDays
        service.durationMinutes = input.durationMinutes
        service.createdAt = clock.now
        service.updatedAt = service.createdAt
        try await saveUnique(ClinicService.schema) {
            try await db.transaction { db in
                try await service.create(on: db)
                try await AuditLog(db: db, clock: clock, actor: actor).created(service)
            }
        }
        return service
    }

    func listClinics(_ page: PageRequest) async throws -> Page<Clinic> {
        try await Clinic.query(on: db).page(ascendingBy: \.$nameKey, page) { $0.nameKey }
    }

    func listServices(_ page: PageRequest) async throws -> Page<ClinicService> {
        try await ClinicService.query(on: db).page(ascendingBy: \.$nameKey, page) { $0.nameKey }
    }

    /// The clinic named in a request body; a 400 naming `field` when there is none.
    func requireClinic(_ id: UUID, field: String = "clinicId") async throws -> Clinic {
        guard let clinic = try await Clinic.find(id, on: db) else {
            throw APIError.invalid(field, "no clinic has this id")
        }
        return clinic
    }

    func requireService(_ id: UUID, field: String = "serviceId") async throws -> ClinicService {
        guard let service = try await ClinicService.find(id, on: db) else {
            throw APIError.invalid(field, "no service has this id")
        }
        return service
    }

    private func saveUnique<T>(_ table: String, _ write: () async throws -> T) async throws -> T {
        try await withUniqueName("The name is already taken.", table: table, write)
    }

    private static func checkName(_ raw: String, _ errors: inout FieldErrors) -> String {
        errors.requiredText(raw, "name", max: TextLimits.name)
    }
}
