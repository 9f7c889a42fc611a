import Vapor

/// The route groups `routes` builds from: who may call (Auth's authenticator and role guard) and
/// safe retries (`IdempotencyMiddleware`, Support) wired together here, so neither knows the other.
extension RoutesBuilder {
    /// Routes in this group need a valid token of one of `roles` — one line per group in `routes`.
    /// Their POSTs honour `Idempotency-Key`.
    func allowing(_ roles: UserRole...) -> any RoutesBuilder {
        grouped(BearerAuthenticator(), RoleGuard(allowed: Set(roles)), IdempotencyMiddleware())
    }

    /// Routes in this group need a valid token of any role, or what `authenticator` accepts instead
    /// (the stream's ticket).
    func signedIn(alsoBy authenticator: some AsyncMiddleware) -> any RoutesBuilder {
        grouped(BearerAuthenticator(), authenticator, RoleGuard(allowed: Set(UserRole.allCases)))
    }

    /// Routes in this group need a valid token of any role (POSTs honour `Idempotency-Key` unless
    /// `idempotent` is false: `/auth` answers carry tokens, which must never be stored for a replay).
    func signedIn(idempotent: Bool = true) -> any RoutesBuilder {
        let guarded = grouped(BearerAuthenticator(), RoleGuard(allowed: Set(UserRole.allCases)))
        return idempotent ? guarded.grouped(IdempotencyMiddleware()) : guarded
    }
}
