import Fluent
import Vapor

/// Deletes rows whose time has passed: idempotency keys past their TTL, login counters whose window
/// and lock are over, revocations of tokens that have expired anyway, stream tickets past their minute. Run by the scheduler each
/// interval; every statement is a range delete on an indexed time column.
struct PurgeExpiredRowsJob: Sendable {
    let db: any Database
    let clock: CRMClock
    let idempotencyTTL: Int

    init(app: Application) {
        db = app.db
        clock = app.clock
        idempotencyTTL = app.crmConfig.idempotencyTTL
    }

    func run() async throws {
        let now = clock.now
        try await IdempotencyStore(db: db, clock: clock, ttl: idempotencyTTL).purgeExpired()
        try await LoginThrottle(db: db.sql, now: now).purgeExpired()
        try await AuthService.purgeExpiredRevocations(on: db, now: now)
        try await StreamTickets.purgeExpired(on: db, now: now)
        try await NotificationMarkers.purgeExpired(on: db, now: now)
        try await MetaLeadFetchJob.purgeDone(on: db, now: now)
        try await WebhookDeliveryJob.purgeDelivered(on: db, now: now)
    }
}
