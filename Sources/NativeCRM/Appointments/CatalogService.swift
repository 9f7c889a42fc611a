import Fluent
import Vapor

/// The clinics and the services (treatments) they sell. Names are unique case-insensitively.
struct CatalogService: Sendable {
    /// A service's typical interval between visits, in days, and its length, in minutes.
    static let intervalDays = 1...3650
    static let durationMinutes = 1...1440

    let db: any Database
    let clock: CRMClock

    func createClinic(_ input: Input<CreateClinicRequest>, by actor: Actor) async throws -> Clinic {
        var errors = input.problems
        let name = Self.checkName(input.name, &errors)
        let phone = ContactFields.checkPhone(input.phone, into: &errors)
        errors.maxLength(input.address, "address", TextLimits.address)
        try errors.throwIfAny()
        let clinic = Clinic()
        clinic.name = name
        clinic.nameKey = name.lowercased()
        clinic.address = ContactFields.trimmed(input.address)
        clinic.phone = phone
        clinic.version = 1
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

    func createService(_ input: Input<CreateServiceRequest>, by actor: Actor) async throws -> ServiceOffering {
        var errors = input.problems
        let name = Self.checkName(input.name, &errors)
        Self.checkSchedule(interval: input.typicalIntervalDays, duration: input.durationMinutes, &errors)
        try errors.throwIfAny()
        let service = ServiceOffering()
        service.name = name
        service.nameKey = name.lowercased()
        service.priceCents = input.price.cents
        service.typicalIntervalDays = input.typicalIntervalDays
        service.durationMinutes = input.durationMinutes
        service.version = 1
        service.createdAt = clock.now
        service.updatedAt = service.createdAt
        try await saveUnique(ServiceOffering.schema) {
            try await db.transaction { db in
                try await service.create(on: db)
                try await AuditLog(db: db, clock: clock, actor: actor).created(service)
            }
        }
        return service
    }

    /// Under optimistic concurrency (`expected` is the client's `If-Match`); audited.
    func updateClinic(_ id: UUID, _ input: Input<UpdateClinicRequest>, expected: Int?, by actor: Actor) async throws -> Clinic {
        var errors = input.problems
        let name = input.name.map { Self.checkName($0, &errors) }
        let phone = input.phone.newValue.map { ContactFields.checkPhone($0, into: &errors) }
        errors.maxLength(input.address.newValue, "address", TextLimits.address)
        try errors.throwIfAny()
        return try await saveUnique(Clinic.schema) {
            try await db.transaction { db in
                try await VersionedEdit(db: db, clock: clock, actor: actor)
                    .apply(Clinic.self, id: id, expected: expected, notFound: "Clinic") { clinic in
                        if let name {
                            clinic.name = name
                            clinic.nameKey = name.lowercased()
                        }
                        if input.address.isPresent { clinic.address = ContactFields.trimmed(input.address.newValue) }
                        if input.phone.isPresent { clinic.phone = phone ?? nil }
                    }
            }
        }
    }

    /// Under optimistic concurrency; audited. Booked appointments keep the amount they were booked at.
    func updateService(_ id: UUID, _ input: Input<UpdateServiceRequest>, expected: Int?, by actor: Actor) async throws
        -> ServiceOffering
    {
        var errors = input.problems
        let name = input.name.map { Self.checkName($0, &errors) }
        Self.checkSchedule(interval: input.typicalIntervalDays.newValue, duration: input.durationMinutes.newValue, &errors)
        try errors.throwIfAny()
        return try await saveUnique(ServiceOffering.schema) {
            try await db.transaction { db in
                try await VersionedEdit(db: db, clock: clock, actor: actor)
                    .apply(ServiceOffering.self, id: id, expected: expected, notFound: "Service") { service in
                        if let name {
                            service.name = name
                            service.nameKey = name.lowercased()
                        }
                        if let price = input.price { service.priceCents = price.cents }
                        service.typicalIntervalDays = input.typicalIntervalDays.applied(to: service.typicalIntervalDays)
                        service.durationMinutes = input.durationMinutes.applied(to: service.durationMinutes)
                    }
            }
        }
    }

    func listClinics(_ page: PageRequest) async throws -> Page<Clinic> {
        try await Clinic.query(on: db).page(ascendingBy: \.$nameKey, page) { $0.nameKey }
    }

    func listServices(_ page: PageRequest) async throws -> Page<ServiceOffering> {
        try await ServiceOffering.query(on: db).page(ascendingBy: \.$nameKey, page) { $0.nameKey }
    }

    /// The clinic named in a request body; a 400 naming `field` when there is none.
    func requireClinic(_ id: UUID, field: String = "clinicId") async throws -> Clinic {
        guard let clinic = try await Clinic.find(id, on: db) else {
            throw APIError.invalid(field, "no clinic has this id")
        }
        return clinic
    }

    func requireService(_ id: UUID, field: String = "serviceId") async throws -> ServiceOffering {
        guard let service = try await ServiceOffering.find(id, on: db) else {
            throw APIError.invalid(field, "no service has this id")
        }
        return service
    }

    private func saveUnique<T>(_ table: String, _ write: () async throws -> T) async throws -> T {
        try await withUniqueName("The name is already taken.", table: table, write)
    }

    private static func checkSchedule(interval days: Int?, duration minutes: Int?, _ errors: inout FieldErrors) {
        if let days { errors.check(Self.intervalDays.contains(days), "typicalIntervalDays", "must be from 1 to 3650") }
        if let minutes { errors.check(Self.durationMinutes.contains(minutes), "durationMinutes", "must be from 1 to 1440") }
    }

    private static func checkName(_ raw: String, _ errors: inout FieldErrors) -> String {
        errors.requiredText(raw, "name", max: TextLimits.name)
    }
}
