import Fluent
import SQLKit
import Vapor

/// Outbound webhooks (ADMIN): subscribe a URL to event types (its signing secret shown once), list,
/// change, switch on and off, delete; each hook's delivery log and a manual redelivery. Events are
/// written by `WebhookOutbox` and sent by `WebhookDeliveryJob`.
struct WebhookService: Sendable {
    let db: any Database
    let clock: CRMClock
    let config: WebhookConfig

    /// The most webhooks a CRM keeps (each event is written once per subscribed hook).
    static let maxWebhooks = 25

    struct Created: Sendable {
        let hook: Webhook
        /// The signing secret: in this answer only.
        let secret: String
    }

    func create(_ input: Input<CreateWebhookRequest>, by actor: Actor) async throws -> Created {
        var errors = input.problems
        let events = Self.checkEvents(input.events, &errors)
        errors.maxLength(input.description, "description", TextLimits.notes)
        try errors.throwIfAny()
        try await checkURL(input.url)
        guard try await Webhook.query(on: db).count() < Self.maxWebhooks else {
            throw APIError.conflict("A CRM keeps at most \(Self.maxWebhooks) webhooks.", code: "too-many-webhooks")
        }
        let now = clock.now
        let hook = Webhook()
        hook.id = UUID()
        hook.url = input.url
        hook.events = events
        hook.details = ContactFields.trimmed(input.description)
        hook.secret = Webhook.generateSecret()
        hook.active = true
        hook.createdBy = actor.userID
        hook.createdAt = now
        hook.updatedAt = now
        try await db.transaction { db in
            try await hook.create(on: db)
            try await AuditLog(db: db, clock: clock, actor: actor).created(hook)
        }
        return Created(hook: hook, secret: hook.secret)
    }

    /// Newest first, keyset-paged.
    func list(_ page: PageRequest) async throws -> Page<Webhook> {
        try await Webhook.query(on: db).page(newestFirstBy: \.$createdAt, page) { $0.createdAt }
    }

    func find(_ id: UUID) async throws -> Webhook {
        guard let hook = try await Webhook.find(id, on: db) else { throw APIError.notFound("Webhook") }
        return hook
    }

    /// Partial update. `active: true` switches a hook on again, also one disabled for failing (its
    /// failing time starts afresh and its waiting deliveries resume); `active: false` switches it off.
    func update(_ id: UUID, _ input: Input<UpdateWebhookRequest>, by actor: Actor) async throws -> Webhook {
        var errors = input.problems
        let events = input.events.map { Self.checkEvents($0, &errors) }
        errors.maxLength(input.description.newValue, "description", TextLimits.notes)
        try errors.throwIfAny()
        if let url = input.url { try await checkURL(url) }
        return try await db.transaction { db in
            guard let hook = try await Webhook.find(id, on: db) else { throw APIError.notFound("Webhook") }
            let before = hook.auditFields
            let now = clock.now
            if let url = input.url { hook.url = url }
            if let events { hook.events = events }
            if input.description.isPresent { hook.details = ContactFields.trimmed(input.description.newValue) }
            if let active = input.active, active != hook.active {
                hook.active = active
                hook.failingSince = nil
                hook.disabledAt = active ? nil : now
                hook.disabledReason = active ? nil : "Switched off by an ADMIN."
            }
            hook.updatedAt = now
            try await hook.save(on: db)
            try await AuditLog(db: db, clock: clock, actor: actor).updated(hook, before: before)
            return hook
        }
    }

    /// Deletes the hook and its delivery log.
    func delete(_ id: UUID, by actor: Actor) async throws {
        try await db.transaction { db in
            guard let hook = try await Webhook.find(id, on: db) else { throw APIError.notFound("Webhook") }
            try await WebhookDelivery.query(on: db).filter(\.$webhookID == id).delete()
            try await hook.delete(on: db)
            try await AuditLog(db: db, clock: clock, actor: actor).deleted(hook)
        }
    }

    /// The hook's delivery log, newest first, keyset-paged; `state` narrows it.
    func deliveries(of id: UUID, state: WebhookDeliveryState?, page: PageRequest) async throws -> Page<WebhookDelivery> {
        _ = try await find(id)
        let query = WebhookDelivery.query(on: db).filter(\.$webhookID == id)
        switch state {
        case .pending?: query.filter(\.$status == WebhookDeliveryStatus.pending.rawValue).filter(\.$attempts == 0)
        case .retrying?: query.filter(\.$status == WebhookDeliveryStatus.pending.rawValue).filter(\.$attempts > 0)
        case .delivered?: query.filter(\.$status == WebhookDeliveryStatus.delivered.rawValue)
        case nil: break
        }
        return try await query.page(newestFirstBy: \.$createdAt, page) { $0.createdAt }
    }

    /// Sends a delivery again as soon as the worker runs (delivered or not; its attempts count from 0),
    /// still after any earlier pending event of the same entity. A switched-off hook sends nothing (409).
    func redeliver(_ deliveryID: UUID, of id: UUID, by actor: Actor) async throws -> WebhookDelivery {
        let hook = try await find(id)
        guard let delivery = try await WebhookDelivery.query(on: db).filter(\.$id == deliveryID).filter(\.$webhookID == id).first()
        else { throw APIError.notFound("Delivery") }
        guard hook.active else {
            throw APIError.conflict("The webhook is switched off; turn it on first (PATCH active: true).", code: "webhook-inactive")
        }
        delivery.status = WebhookDeliveryStatus.pending.rawValue
        delivery.attempts = 0
        delivery.nextAttemptAt = clock.now
        delivery.deliveredAt = nil
        try await delivery.save(on: db)
        return delivery
    }

    private func checkURL(_ url: String) async throws {
        do {
            try await WebhookTarget(allowHosts: config.allowHosts).check(url)
        } catch {
            throw APIError.invalid("url", error.message)
        }
    }

    private static func checkEvents(_ events: [WebhookEventType], _ errors: inout FieldErrors) -> [WebhookEventType] {
        errors.check(!events.isEmpty, "events", "must name at least one event type")
        var unique: [WebhookEventType] = []
        for event in events where !unique.contains(event) { unique.append(event) }
        return unique
    }
}
