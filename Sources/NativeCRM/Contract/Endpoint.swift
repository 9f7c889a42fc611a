import OpenAPIKit
import Vapor

/// Who may call an endpoint: the SPEC's role table, one word per route.
enum Audience: Sendable, CaseIterable {
    /// No token needed.
    case anyone
    /// Any signed-in user.
    case everyone
    /// SECRETARIAT and ADMIN: appointments, clinics, services.
    case frontDesk
    /// SALESPERSON and ADMIN: analytics (a salesperson's own).
    case sellers
    case admin
    /// An ADMIN for anyone; any signed-in user for their own id (the handler refuses another's).
    case adminOrSelf
    /// API keys with the `intake` scope, whatever their role; no person.
    case intakeKeys
    /// An ad platform's webhook: no token; the platform proves itself with a shared secret or a
    /// signature the handler checks (401 otherwise).
    case platform

    /// The roles the document lists in `x-roles` (empty: public).
    var roles: [UserRole] {
        switch self {
        case .anyone: []
        case .everyone: UserRole.allCases
        case .frontDesk: [.secretariat, .admin]
        case .sellers: [.salesperson, .admin]
        case .admin, .adminOrSelf: [.admin]
        case .intakeKeys, .platform: []
        }
    }

    /// The roles the route's guard lets through (the handler may refuse more).
    var allowed: Set<UserRole> { [.adminOrSelf, .intakeKeys].contains(self) ? Set(UserRole.allCases) : Set(roles) }

    /// The sentence each operation's description ends with.
    var sentence: String {
        switch self {
        case .anyone: "Public: no token needed."
        case .everyone: "Roles: SALESPERSON, SECRETARIAT, ADMIN (any signed-in user)."
        case .frontDesk: "Roles: SECRETARIAT, ADMIN (front desk and managers); a SALESPERSON gets 403."
        case .sellers: "Roles: SALESPERSON, ADMIN; a SECRETARIAT gets 403."
        case .admin: "Roles: ADMIN only; other roles get 403."
        case .adminOrSelf: "Roles: ADMIN for any user; any signed-in user for their own id (403 for another)."
        case .intakeKeys: "Callers: API keys with the `intake` scope (whatever their role); a person's token gets 403."
        case .platform: "Callers: the ad platform, proving itself as described (no bearer token; 401 otherwise)."
        }
    }
}

/// One route of the API: the route table's row that registers it (`Application.register`), documents
/// it (`APIContract`) and drives the role-matrix test. Each controller lists its own endpoints.
struct Endpoint: Sendable {
    let method: HTTPMethod
    /// The path as the document writes it: `/crm/customers/{id}`.
    let path: String
    let audience: Audience
    let summary: String
    let handler: @Sendable (Request) async throws -> Response
    /// How the document describes it; nil for a route outside the API document (the console).
    let operation: Operation?
    /// Middleware that signs a caller in besides a bearer token (the stream's `?ticket=`).
    var alsoSignedInBy: (any AsyncMiddleware)?
    /// The whole guard, instead of the audience's (the metrics scraper's token).
    var guardedBy: [any AsyncMiddleware]?
    /// Whether a POST honours `Idempotency-Key`: every POST under `/crm` but the stream ticket, whose
    /// answer must never be stored.
    var idempotent: Bool
    /// Whether API keys may call it (`KeyAccess`): the intake endpoints only with their scope, the
    /// people-only ones (`forPeopleOnly()`) never, the rest with the key's role.
    var keys: KeyAccess
    /// Whether the handler reads the body as it arrives (a CSV import) instead of Vapor collecting it
    /// first within `defaultMaxBodySize`; the handler enforces its own limit.
    var streamsBody = false

    init<Answer: AsyncResponseEncodable>(
        _ method: HTTPMethod, _ path: String, _ audience: Audience, _ summary: String,
        use handler: @escaping @Sendable (Request) async throws -> Answer, _ operation: Operation?
    ) {
        self.method = method
        self.path = path
        self.audience = audience
        self.summary = summary
        self.handler = { req in try await handler(req).encodeResponse(for: req) }
        self.operation = operation
        idempotent = method == .POST && path.hasPrefix("/crm/")
        keys = audience == .intakeKeys ? .scope(.intake) : .role
    }

    /// Vapor's path components: `{id}` becomes `:id`.
    var pathComponents: [PathComponent] {
        path.split(separator: "/").map { part in
            part.hasPrefix("{") ? .parameter(String(part.dropFirst().dropLast())) : .constant(String(part))
        }
    }

    /// The path as Vapor's router names it: `/crm/customers/:id`.
    var routePath: String { "/" + pathComponents.map(\.description).joined(separator: "/") }

    func signedIn(alsoBy authenticator: some AsyncMiddleware) -> Endpoint {
        var copy = self
        copy.alsoSignedInBy = authenticator
        return copy
    }

    func guarded(by middleware: [any AsyncMiddleware]) -> Endpoint {
        var copy = self
        copy.guardedBy = middleware
        return copy
    }

    /// API keys are refused here (403): what only a person may do.
    func forPeopleOnly() -> Endpoint {
        var copy = self
        copy.keys = .refused
        return copy
    }

    /// The body reaches the handler as a stream, unread by the JSON guard (`RequestGuardMiddleware`).
    func streamingBody() -> Endpoint {
        var copy = self
        copy.streamsBody = true
        return copy
    }

    func withoutIdempotency() -> Endpoint {
        var copy = self
        copy.idempotent = false
        return copy
    }

    /// The middleware in front of the handler: who may call, then safe retries.
    var middleware: [any Middleware] {
        if let guardedBy { return guardedBy }
        guard audience != .anyone, audience != .platform else { return [] }
        var chain: [any Middleware] = [BearerAuthenticator()]
        if let alsoSignedInBy { chain.append(alsoSignedInBy) }
        chain.append(RoleGuard(allowed: audience.allowed, keys: keys))
        if idempotent { chain.append(IdempotencyMiddleware()) }
        return chain
    }
}

extension Endpoint {
    /// How an operation is documented beyond its row: id, tag, description, parameters, body, answers.
    struct Operation: Sendable {
        var id: String
        var tag: String
        var description: String = ""
        var parameters: [OpenAPI.Parameter] = []
        /// The request body's component schema.
        var body: (any Documented.Type)?
        /// The request body's media type.
        var bodyMedia = "application/json"
        var bodyExamples: OpenAPI.Example.Map = [:]
        var replies: [Reply]
        /// Error statuses beyond those the row implies (401/403 from the audience, 400/413/415 from a
        /// body, 409/422 from `Idempotency-Key`, 412 from `If-Match`, 503 from a write).
        var errors: [Int] = []
        /// Whether the resource carries an `ETag` (and its PUT/PATCH honours `If-Match`).
        var versioned = false

        init(_ id: String, tag: String, _ description: String = "", parameters: [OpenAPI.Parameter] = [],
             body: (any Documented.Type)? = nil, bodyMedia: String = "application/json",
             bodyExamples: OpenAPI.Example.Map = [:], versioned: Bool = false,
             replies: [Reply], errors: [Int] = []) {
            self.id = id
            self.tag = tag
            self.description = description
            self.parameters = parameters
            self.body = body
            self.bodyMedia = bodyMedia
            self.bodyExamples = bodyExamples
            self.versioned = versioned
            self.replies = replies
            self.errors = errors
        }
    }

    /// A success answer of an operation.
    struct Reply: Sendable {
        var status: Int
        var description: String
        var schema: JSONSchema?
        var list = false
        var media = "application/json"
        var examples: OpenAPI.Example.Map = [:]

        static func ok(_ schema: JSONSchema, _ description: String, list: Bool = false,
                       examples: OpenAPI.Example.Map = [:], media: String = "application/json") -> Reply {
            Reply(status: 200, description: description, schema: schema, list: list, media: media, examples: examples)
        }

        static func created(_ schema: JSONSchema, _ description: String, examples: OpenAPI.Example.Map = [:]) -> Reply {
            Reply(status: 201, description: description, schema: schema, examples: examples)
        }

        static func noContent(_ description: String) -> Reply {
            Reply(status: 204, description: description, schema: nil)
        }
    }
}

extension API {
    /// The paths whose bodies their handlers stream (`Endpoint.streamingBody()`), for the guard that
    /// otherwise takes only JSON bodies.
    static let streamedBodyPaths: Set<String> = Set(endpoints.filter(\.streamsBody).map(\.path))
}

extension Application {
    /// Registers each endpoint behind its middleware.
    func register(_ endpoints: [Endpoint]) {
        for endpoint in endpoints {
            if endpoint.streamsBody {
                grouped(endpoint.middleware).on(endpoint.method, endpoint.pathComponents, body: .stream, use: endpoint.handler)
            } else {
                grouped(endpoint.middleware).on(endpoint.method, endpoint.pathComponents, use: endpoint.handler)
            }
        }
    }
}
