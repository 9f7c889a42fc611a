import Fluent
import SQLKit
import Vapor

/// Generates a realistic, deterministic clinic: salespeople, clinics, services with treatment
/// intervals, customers whose visits follow those intervals with noise (some never contacted, some
/// lapsed), communications, actions in every status with past and future due dates, leads from every
/// source, and tags. Rows go in with multi-row INSERTs in batched transactions; each customer's record
/// statistics come from `RecordStatistics.from`, the same formula the server uses.
struct ClinicDataSeeder {
    let db: any Database
    let scale: SeedScale
    let seed: UInt64
    let now: Date
    let passwordHash: String
    var progress: (String) -> Void = { _ in }

    static let password = "seed-password"
    static let customerBatch = 2_000

    struct Summary: Sendable {
        var users = 0, customers = 0, appointments = 0, communications = 0, actions = 0, leads = 0, tags = 0, tagged = 0
    }

    private struct Catalog {
        var salespeople: [UUID] = []
        var clinics: [UUID] = []
        var services: [(id: UUID, name: String, priceCents: Int64, interval: Int?)] = []
        var tags: [UUID] = []
        var admin: UUID = UUID()
    }

    func run() async throws -> Summary {
        guard try await Customer.query(on: db).count() == 0 else {
            throw ConfigurationError(variable: "seed", problem: "the database already has customers; seed an empty one")
        }
        var rng = SeedRandom(seed: seed)
        var summary = Summary()
        let catalog = try await seedCatalog(&rng, &summary)
        var done = 0
        while done < scale.customers {
            let count = min(Self.customerBatch, scale.customers - done)
            try await seedCustomers(from: done, count: count, catalog: catalog, &rng, &summary)
            done += count
            progress("customers \(done)/\(scale.customers) · appointments \(summary.appointments) · communications \(summary.communications)")
        }
        try await seedLeads(catalog: catalog, &rng, &summary)
        return summary
    }

    // MARK: Users, clinics, services, tags

    private func seedCatalog(_ rng: inout SeedRandom, _ summary: inout Summary) async throws -> Catalog {
        var catalog = Catalog()
        let joined = now.addingTimeInterval(-3 * 365 * 86_400)
        var users: [[any SQLExpression]] = []
        func user(_ email: String, _ name: String, _ role: UserRole, _ rng: inout SeedRandom) -> UUID {
            let id = rng.uuid()
            users.append([SQLBind(id), SQLBind(email), SQLBind(name), SQLBind(role.rawValue), SQLBind(passwordHash),
                          SQLBind(true), SQLBind(joined), SQLBind(joined)])
            return id
        }
        catalog.admin = user("admin@seed.test", "Seed Admin", .admin, &rng)
        for i in 1...3 { _ = user(String(format: "desk%02d@seed.test", i), "Front Desk \(i)", .secretariat, &rng) }
        for i in 1...scale.salespeople {
            catalog.salespeople.append(user(String(format: "sales%02d@seed.test", i), "\(Names.first[i % Names.first.count]) Sales", .salesperson, &rng))
        }
        try await BulkWriter(db: db).insert(into: "users", columns: [
            "id", "email", "name", "role", "password_hash", "active", "created_at", "updated_at"], rows: users)
        summary.users = users.count

        var clinics: [[any SQLExpression]] = []
        for name in Names.clinics.prefix(scale.clinics) {
            let id = rng.uuid()
            catalog.clinics.append(id)
            clinics.append([SQLBind(id), SQLBind(name), SQLBind(name.lowercased()), SQLBind(joined), SQLBind(joined)])
        }
        try await BulkWriter(db: db).insert(into: "clinics", columns: ["id", "name", "name_key", "created_at", "updated_at"], rows: clinics)

        var services: [[any SQLExpression]] = []
        for i in 0..<scale.services {
            let (base, interval, price) = Names.treatments[i % Names.treatments.count]
            let name = i < Names.treatments.count ? base : "\(base) \(i / Names.treatments.count + 1)"
            let id = rng.uuid()
            let cents = Int64(price * 100)
            catalog.services.append((id, name, cents, interval))
            services.append([SQLBind(id), SQLBind(name), SQLBind(name.lowercased()), SQLBind(cents),
                             SQLBind(interval), SQLBind(60), SQLBind(joined), SQLBind(joined)])
        }
        try await BulkWriter(db: db).insert(into: "services", columns: [
            "id", "name", "name_key", "price_cents", "typical_interval_days", "duration_minutes", "created_at", "updated_at"],
            rows: services)

        var tags: [[any SQLExpression]] = []
        for name in Names.tags.prefix(scale.tags) {
            let id = rng.uuid()
            catalog.tags.append(id)
            tags.append([SQLBind(id), SQLBind(name), SQLBind(name.lowercased()), SQLBind(joined), SQLBind(joined)])
        }
        try await BulkWriter(db: db).insert(into: "tags", columns: ["id", "name", "name_key", "created_at", "updated_at"], rows: tags)
        summary.tags = tags.count
        return catalog
    }

    // MARK: Customers and their history

    private func seedCustomers(from offset: Int, count: Int, catalog: Catalog, _ rng: inout SeedRandom,
                               _ summary: inout Summary) async throws {
        var customers: [[any SQLExpression]] = [], records: [[any SQLExpression]] = []
        var appointments: [[any SQLExpression]] = [], communications: [[any SQLExpression]] = []
        var actions: [[any SQLExpression]] = [], tagged: [[any SQLExpression]] = []
        var visitCounts: [Int] = [], contactCounts: [Int] = [], actionCounts: [Int] = []
        while visitCounts.count < count {
            let v = rng.pairedCounts(mean: scale.appointmentsPerCustomer)
            let c = rng.pairedCounts(mean: scale.communicationsPerCustomer)
            let a = rng.pairedCounts(mean: scale.actionsPerCustomer)
            visitCounts += [v.0, v.1]; contactCounts += [c.0, c.1]; actionCounts += [a.0, a.1]
        }
        for index in 0..<count {
            let number = offset + index
            let id = rng.uuid()
            let first = Names.first[rng.int(0...(Names.first.count - 1))]
            let last = Names.last[rng.int(0...(Names.last.count - 1))]
            let email = "\(first.lowercased()).\(last.lowercased()).\(number)@example.test"
            let phone = "+4179\(String(format: "%07d", (number * 7_919) % 10_000_000))"
            let salesID: UUID? = rng.chance(0.08) ? nil : rng.pick(catalog.salespeople)
            let createdAt = now.addingTimeInterval(-Double(rng.int(30...1_100)) * 86_400 - Double(rng.int(0...86_399)))
            customers.append([SQLBind(id), SQLBind(first), SQLBind(last), SQLBind(email), SQLBind(phone),
                              SQLBind(salesID), SQLBind(ContactFields.searchText(first, last, email, phone)),
                              SQLBind(createdAt), SQLBind(createdAt)])

            // Visits follow the customer's usual treatment interval, with noise; some customers lapsed.
            let service = rng.pick(catalog.services)
            let interval = Double(service.interval ?? 120)
            let visits = index < visitCounts.count ? visitCounts[index] : scale.appointmentsPerCustomer
            let lapsedBy = rng.chance(0.15) ? Double(rng.int(200...600)) : 0
            var start = now.addingTimeInterval(-(Double(max(visits - 1, 0)) * interval + lapsedBy - Double(rng.int(0...60))) * 86_400)
            start = Date(timeIntervalSince1970: (start.timeIntervalSince1970 / 1800).rounded() * 1800)
            var total = 0, completed = 0, cancelled = 0, lifetime: Int64 = 0
            var firstVisit: Date?, lastVisit: Date?, lastInterval: Int?
            for _ in 0..<visits {
                let visitService = rng.chance(0.8) ? service : rng.pick(catalog.services)
                let status: AppointmentStatus
                if start > now {
                    status = rng.chance(0.7) ? .scheduled : .confirmed
                } else {
                    status = rng.weighted([(.completed, 88), (.cancelled, 8), (.noShow, 4)])
                }
                let amount = max(0, visitService.priceCents + Int64(rng.int(-20...20)) * 100)
                appointments.append([SQLBind(rng.uuid()), SQLBind(id), SQLBind(visitService.id), SQLBind(rng.pick(catalog.clinics)),
                                     SQLBind(start), SQLBind(start.addingTimeInterval(3600)), SQLBind(status.rawValue),
                                     SQLBind(amount), SQLBind("{}"), SQLBind(catalog.admin), SQLBind(salesID), SQLBind(createdAt),
                                     SQLBind(createdAt)])
                total += 1
                if status == .completed {
                    completed += 1
                    lifetime += amount
                    if firstVisit == nil { firstVisit = start }
                    lastVisit = start
                    lastInterval = visitService.interval
                } else if status == .cancelled {
                    cancelled += 1
                }
                start = start.addingTimeInterval(interval * Double(rng.int(80...120)) / 100 * 86_400)
            }

            // Communications over the customer's life; a few customers were never contacted.
            var lastContact: Date?
            let contacts = index < contactCounts.count ? contactCounts[index] : scale.communicationsPerCustomer
            let logger = salesID ?? catalog.salespeople[number % catalog.salespeople.count]
            for _ in 0..<contacts {
                let type: CommunicationType = rng.weighted([(.call, 45), (.email, 20), (.sms, 10), (.whatsapp, 15), (.meeting, 5), (.note, 5)])
                var status: CommunicationStatus = rng.weighted([(.completed, 72), (.noAnswer, 8), (.voicemail, 5), (.missed, 6), (.scheduled, 4), (.cancelled, 5)])
                let direction: CommunicationDirection = type == .note ? .outgoing
                    : rng.weighted([(.outgoing, 60), (.incoming, 32), (.missed, 8)])
                var occurred = createdAt.addingTimeInterval(Double(rng.int(0...Int(max(1, now.timeIntervalSince(createdAt))))))
                var scheduledAt: Date?
                if status == .scheduled {
                    scheduledAt = now.addingTimeInterval(Double(rng.int(3_600...30 * 86_400)))
                    occurred = scheduledAt!
                } else if occurred > now {
                    occurred = now
                    status = .completed
                }
                communications.append([SQLBind(rng.uuid()), SQLBind(id), SQLBind(type.rawValue), SQLBind(direction.rawValue),
                                       SQLBind(status.rawValue), SQLBind("\(type.rawValue.capitalized) with \(first)"),
                                       SQLBind(type == .call ? rng.int(0...900) : nil), SQLBind(scheduledAt),
                                       SQLBind(occurred), SQLBind("{}"), SQLBind(logger), SQLBind(occurred), SQLBind(occurred)])
                if status == .completed, type != .note, occurred > (lastContact ?? .distantPast) { lastContact = occurred }
            }

            // Tasks in every status, due in the past, the future, or never.
            let taskCount = index < actionCounts.count ? actionCounts[index] : scale.actionsPerCustomer
            for _ in 0..<taskCount {
                let status: ActionStatus = rng.weighted([(.pending, 40), (.completed, 40), (.cancelled, 10), (.missed, 10)])
                let priority: ActionPriority = rng.weighted([(.low, 25), (.medium, 45), (.high, 22), (.urgent, 8)])
                let due: Date? = rng.chance(0.1) ? nil : now.addingTimeInterval(Double(rng.int(-60...30)) * 86_400 + Double(rng.int(0...86_399)))
                let created = min(now, (due ?? now).addingTimeInterval(-Double(rng.int(1...14)) * 86_400))
                let type: ActionType = rng.weighted([(.phoneCall, 35), (.followUp, 35), (.appointmentScheduled, 10),
                                                     (.emailSent, 8), (.meeting, 5), (.update, 4), (.other, 3)])
                actions.append([SQLBind(rng.uuid()), SQLBind(id), SQLBind(type.rawValue), SQLBind("Follow up with \(first)"),
                                SQLBind(status.rawValue), SQLBind(priority.rawValue), SQLBind(priority.rank), SQLBind(due),
                                SQLBind(due ?? SalesAction.noDueDate), SQLBind("{}"), SQLBind(salesID ?? logger),
                                SQLBind(salesID ?? logger), SQLBind(status == .completed ? (due ?? now) : nil),
                                SQLBind(created), SQLBind(created)])
            }

            for tag in Set((0..<rng.int(0...3)).map { _ in rng.pick(catalog.tags) }) {
                tagged.append([SQLBind(rng.uuid()), SQLBind(id), SQLBind(tag), SQLBind(catalog.admin), SQLBind(createdAt)])
            }

            let stats = RecordStatistics.from(total: total, completed: completed, cancelled: cancelled,
                                              lifetimeValueCents: lifetime, firstVisit: firstVisit, lastVisit: lastVisit,
                                              lastVisitIntervalDays: lastInterval, lastContact: lastContact)
            let status: CustomerStatus = lastContact == nil ? .new
                : rng.weighted([(.contacted, 30), (.qualified, 15), (.active, 35), (.vip, 8), (.inactive, 12)])
            records.append([SQLBind(rng.uuid()), SQLBind(id), SQLBind(status.rawValue), SQLBind("{}"),
                            SQLBind(stats.totalAppointments), SQLBind(stats.completedAppointments),
                            SQLBind(stats.cancelledAppointments), SQLBind(stats.lifetimeValue.cents),
                            SQLBind(stats.firstAppointmentDate), SQLBind(stats.lastAppointmentDate), SQLBind(stats.lastContactDate),
                            SQLBind(stats.averageDaysBetweenVisits), SQLBind(stats.isRepeatCustomer), SQLBind(stats.repeatCount),
                            SQLBind(stats.expectedNextVisit?.description), SQLBind(salesID),
                            SQLBind(stats.lastContactDate ?? CustomerRecord.neverContacted), SQLBind(createdAt), SQLBind(createdAt)])
        }
        let writer = BulkWriter(db: db)
        try await writer.insert(into: "customers", columns: [
            "id", "first_name", "last_name", "email", "phone", "assigned_sales_id", "search_text", "created_at", "updated_at"],
            rows: customers)
        try await writer.insert(into: "customer_records", columns: [
            "id", "customer_id", "customer_status", "preferences", "total_appointments", "completed_appointments",
            "cancelled_appointments", "lifetime_value_cents", "first_appointment_date", "last_appointment_date",
            "last_contact_date", "average_days_between_visits", "is_repeat_customer", "repeat_count", "expected_next_visit",
            "assigned_sales_id", "contact_sort_at", "created_at", "updated_at"], rows: records)
        try await writer.insert(into: "appointments", columns: [
            "id", "customer_id", "service_id", "clinic_id", "start_time", "end_time", "status", "total_amount_cents",
            "treatment_details", "created_by", "sales_id", "created_at", "updated_at"], rows: appointments)
        try await writer.insert(into: "communications", columns: [
            "id", "customer_id", "type", "direction", "status", "subject", "duration_seconds", "scheduled_at",
            "occurred_at", "metadata", "logged_by", "created_at", "updated_at"], rows: communications)
        try await writer.insert(into: "sales_actions", columns: [
            "id", "customer_id", "action_type", "title", "status", "priority", "priority_rank", "due_date", "sort_due_at",
            "metadata", "assigned_to", "created_by", "completed_at", "created_at", "updated_at"], rows: actions)
        try await writer.insert(into: "customer_tags", columns: ["id", "customer_id", "tag_id", "added_by", "created_at"],
                                rows: tagged)
        summary.customers += customers.count
        summary.appointments += appointments.count
        summary.communications += communications.count
        summary.actions += actions.count
        summary.tagged += tagged.count
    }

    // MARK: Leads

    private func seedLeads(catalog: Catalog, _ rng: inout SeedRandom, _ summary: inout Summary) async throws {
        var rows: [[any SQLExpression]] = []
        for number in 0..<scale.leads {
            let first = Names.first[rng.int(0...(Names.first.count - 1))]
            let last = Names.last[rng.int(0...(Names.last.count - 1))]
            let email = "\(first.lowercased()).\(number)@lead.test"
            let phone = "+4178\(String(format: "%07d", (number * 104_729) % 10_000_000))"
            let source: LeadSource = rng.weighted([(.facebookAds, 30), (.googleAds, 25), (.referral, 15), (.walkIn, 10), (.website, 20)])
            let status: LeadStatus = rng.weighted([(.new, 25), (.contacted, 25), (.qualified, 15), (.converted, 20), (.lost, 15)])
            let created = now.addingTimeInterval(-Double(rng.int(0...365 * 86_400)))
            let minutes: Double? = status == .new ? nil : Double(rng.int(1...2_880))
            let salesID: UUID? = rng.chance(0.05) ? nil : catalog.salespeople[number % catalog.salespeople.count]
            rows.append([SQLBind(rng.uuid()), SQLBind(source.rawValue), SQLBind(first), SQLBind(last), SQLBind(email),
                         SQLBind(phone), SQLBind(status.rawValue), SQLBind(Int64(rng.int(100...3_000)) * 100), SQLBind("{}"),
                         SQLBind(salesID), SQLBind(status == .lost ? "Chose another clinic" : nil),
                         SQLBind(minutes.map { created.addingTimeInterval($0 * 60) }), SQLBind(minutes),
                         SQLBind(ContactFields.searchText(first, last, email, phone)), SQLBind(created), SQLBind(created)])
            if rows.count == 20_000 || number == scale.leads - 1 {
                try await BulkWriter(db: db).insert(into: "leads", columns: [
                    "id", "source", "first_name", "last_name", "email", "phone", "status", "estimated_value_cents", "metadata",
                    "assigned_sales_id", "lost_reason", "first_contacted_at", "first_contact_minutes", "search_text",
                    "created_at", "updated_at"], rows: rows)
                summary.leads += rows.count
                rows.removeAll(keepingCapacity: true)
                progress("leads \(summary.leads)/\(scale.leads)")
            }
        }
    }
}

/// Names for the synthetic data.
enum Names {
    static let first = ["Anna", "Ben", "Chiara", "David", "Elena", "Felix", "Giulia", "Hannah", "Ivan", "Julia", "Karin",
                        "Luca", "Maria", "Nina", "Oscar", "Paula", "Quentin", "Rosa", "Sofia", "Tim", "Ursula", "Vera",
                        "Walter", "Xenia", "Yara", "Zoe", "Lea", "Noah", "Mia", "Leon"]
    static let last = ["Meier", "Müller", "Schmid", "Keller", "Weber", "Huber", "Rossi", "Bianchi", "Dubois", "Martin",
                       "Fischer", "Wagner", "Becker", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Braun"]
    static let clinics = ["Beauty Clinic Zurich", "Aesthetics Geneva", "Skin Center Basel", "Laser Lounge Bern",
                          "Glow Clinic Lugano", "Derma Point Lucerne", "Fresh Face Lausanne"]
    static let treatments: [(String, Int?, Double)] = [
        ("Botox Treatment", 90, 350), ("Hyaluronic Filler", 180, 550), ("Laser Hair Removal", 42, 220),
        ("Chemical Peel", 30, 180), ("Microneedling", 35, 260), ("Skin Booster", 60, 300), ("Lip Filler", 150, 450),
        ("HydraFacial", 30, 160), ("IPL Photofacial", 45, 280), ("Consultation", nil, 0),
    ]
    static let tags = ["VIP", "High-Value", "Price-Sensitive", "Botox Regular", "Filler Fan", "Laser Series",
                       "Referral Source", "Needs Reminder", "Morning Only", "Evening Only", "Sensitive Skin",
                       "Student", "Corporate", "Influencer", "Complaint History", "Upsell Candidate",
                       "Package Holder", "Lapsed", "New This Year", "Newsletter"]
}
