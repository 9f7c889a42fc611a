import Foundation
import OpenAPIKit
import Vapor
import Yams

/// Builds the API document (`openapi.yaml`) from the route table and the documented types: every
/// operation from its `Endpoint`, every schema from its type. `crm openapi` writes it;
/// `ContractTests` fails when the committed file differs from what this builds.
enum APIContract {
    /// The component schemas, in the document's order.
    static let schemas: [any Documented.Type] = [
        ProblemDocument.self, FieldError.self,
        UserRole.self, CustomerStatus.self, AppointmentStatus.self, CommunicationType.self,
        CommunicationDirection.self, CommunicationStatus.self, ActionType.self, ActionStatus.self,
        ActionPriority.self, LeadSource.self, LeadStatus.self, NotificationType.self, APIKeyScope.self,
        HealthController.Health.self, HealthController.Readiness.self,
        LoginRequest.self, PasswordChangeRequest.self, LoginUser.self, LoginResponse.self, UserResponse.self,
        CreateUserRequest.self, UpdateUserRequest.self,
        APIKeyResponse.self, CreatedAPIKeyResponse.self, CreateAPIKeyRequest.self,
        CustomerResponse.self, CustomerResponse.Created.self, CreateCustomerRequest.self, UpdateCustomerRequest.self,
        CustomerBrief.self, RepeatCustomerResponse.self, FollowUpCustomerResponse.self,
        TreatmentHistoryEntry.self, RecordResponse.self, RecordSummary.self, CustomerRecordResponse.self,
        UpdateRecordRequest.self,
        AppointmentResponse.self, CreateAppointmentRequest.self, UpdateAppointmentRequest.self,
        ClinicResponse.self, CreateClinicRequest.self, UpdateClinicRequest.self,
        ServiceResponse.self, CreateServiceRequest.self, UpdateServiceRequest.self,
        CommunicationResponse.self, CreateCommunicationRequest.self, UpdateCommunicationRequest.self,
        ActionResponse.self, CreateActionRequest.self, UpdateActionRequest.self,
        LeadResponse.self, CreateLeadRequest.self, UpdateLeadRequest.self, IntakeLeadRequest.self, IntakeReceipt.self,
        GoogleLeadWebhook.self, MetaReceipt.self, MetaLeadWebhook.self,
        WebhookEventType.self, WebhookDeliveryState.self, WebhookResponse.self, CreatedWebhookResponse.self,
        CreateWebhookRequest.self, UpdateWebhookRequest.self, WebhookDeliveryResponse.self,
        SalespersonAnalyticsResponse.self,
        NotificationResponse.self, NotificationEvent.self, StreamTickets.Issued.self, ReadAllResponse.self,
        TagResponse.self, TagSummary.self, CustomerTagResponse.self, CreateTagRequest.self, UpdateTagRequest.self,
        AttachTagRequest.self,
        AuditEntryResponse.self, TimelineItemResponse.self, CalendarFeedService.Created.self,
        ImportOutcome.self, ImportReport.self, CustomerImportFile.self, LeadImportFile.self,
    ]

    static let description = """
        CRM for medical-aesthetics clinics: customers and their records, appointments, communications,
        actions/tasks, tags, repeat and follow-up lists, leads, salesperson analytics and notifications.

        Conventions:
        - JSON with camelCase keys; ids are UUIDs. Timestamps are RFC 3339; the server writes them in UTC
          with `Z` (milliseconds only when not zero) and accepts any offset and fractional seconds.
          Calendar dates are `YYYY-MM-DD`.
        - Money is a number with at most two decimals (kept as integer cents); negative amounts or more
          decimals are a 400.
        - Response objects always carry every key; an empty optional value is `null`.
        - Lists return a bare JSON array, keyset-paged with `limit` (1-\(PageRequest.maxLimit), default \(PageRequest.defaultLimit)) and an opaque
          `cursor`; a `Link: <...>; rel="next"` header is present when another page exists.
        - Errors are RFC 9457 `application/problem+json` documents naming each bad field in `errors`.
        - Every response carries `X-Request-ID` (the client's, when sane, else a new one).
        - Bodies are limited to 512 KiB (413); a CSV import's to \(CSVLimits.maxBytes / 1024 / 1024) MB.
        - Mutable resources (customer, record, action, lead, appointment, tag) carry an `ETag` with their
          version; `PUT`/`PATCH` with `If-Match` apply only to that version (else 412).
        - Every `POST` under /crm accepts an `Idempotency-Key` header: a retry gets the first answer.
        - Roles: SALESPERSON, SECRETARIAT, ADMIN. Each operation lists its roles in its description and in
          `x-roles`.
        - Machines sign in with an API key (`Authorization: Bearer crm_live_…`, made by an ADMIN at
          `/crm/api-keys`): it acts with its role, or only on its scopes' endpoints; `x-api-keys` says
          whether an operation takes keys (`role`), refuses them (`refused`) or needs a scope (`intake`).

        """

    static let tags: [(String, String)] = [
        ("Operations", "Liveness and readiness."),
        ("Documentation", "This document and its HTML rendering."),
        ("Auth", "Sign-in and the current user."),
        ("Users", "The people who use the CRM (ADMIN only)."),
        ("API keys", "Keys machines sign in with (ADMIN, people only)."),
        ("Customers", "Customers, repeat customers and the follow-up list."),
        ("Records", "The customer record and its derived statistics."),
        ("Communications", "The communication log."),
        ("Actions", "Actions and tasks."),
        ("Leads", "Leads, assignment and conversion."),
        ("Imports", "CSV import of customers and leads, CSV export of the customer, lead and action lists."),
        ("Calendar", "Private iCalendar feeds of one's actions and appointments."),
        ("Intake", "Leads that arrive by themselves: websites and forms (API keys with the `intake` scope)."),
        ("Webhooks", "Events sent to other systems as they happen, signed (Standard Webhooks); ADMIN."),
        ("Analytics", "Salesperson performance."),
        ("Notifications", "The inbox and its live stream."),
        ("Catalog", "Clinics and services."),
        ("Appointments", "Appointments and their lifecycle."),
        ("Tags", "The tag catalogue and customer characterisation."),
        ("Audit", "Who changed what, when."),
    ]

    // ------------------------------------------------------------ headers and shared responses

    private static func header(_ ref: String) -> Either<OpenAPI.Reference<OpenAPI.Header>, OpenAPI.Header> {
        .a(.component(named: ref))
    }

    static let headers: OrderedDictionary<String, OpenAPI.Header> = [
        "XRequestID": OpenAPI.Header(
            schema: .string(pattern: "^[A-Za-z0-9._-]{1,64}$"),
            description: "The request id: the client's `X-Request-ID` when it is 1 to 64 of `A-Z a-z 0-9 . _ -`, else a new UUID.",
            required: true),
        "Link": OpenAPI.Header(
            schema: Schema.string,
            description: "Present when another page exists: `<path?...&cursor=...>; rel=\"next\"`.", required: false),
        "RetryAfter": OpenAPI.Header(
            schema: .string(pattern: "^[0-9]+$"), description: "Seconds to wait before trying again.", required: true),
        "ETag": OpenAPI.Header(
            schema: .string(pattern: "^\"[0-9]+\"$"),
            description: "The resource's version, `\"<n>\"`: send it back in `If-Match` to update only that version.",
            required: true),
        "IdempotentReplayed": OpenAPI.Header(
            schema: Schema.oneOf(["true"]),
            description: "`true` when the response is the stored answer to an earlier request with the same `Idempotency-Key`.",
            required: false),
        "WWWAuthenticate": OpenAPI.Header(
            schema: Schema.string, description: "`Bearer` (absent on a failed login).", required: false),
    ]

    private static func problem(_ description: String, _ extra: OpenAPI.Header.Map = [:]) -> OpenAPI.Response {
        var headers: OpenAPI.Header.Map = ["X-Request-ID": header("XRequestID")]
        for (name, value) in extra { headers[name] = value }
        return OpenAPI.Response(
            description: description, headers: headers,
            content: .direct([.other("application/problem+json"): OpenAPI.Content(schema: ProblemDocument.ref)]))
    }

    /// The error answers every operation refers to, by status.
    static let errors: [(status: Int, name: String, response: OpenAPI.Response)] = [
        (400, "BadRequest", problem(
            "Invalid input (`validation-failed`): malformed JSON, wrong type, missing field, unknown enum value, bad UUID, "
                + "bad date, out-of-range number, bad `limit` or `cursor`. `errors` names each offending field.")),
        (401, "Unauthorized", problem(
            "No, expired or invalid bearer token, or the user is inactive (`unauthorized`).",
            ["WWW-Authenticate": header("WWWAuthenticate")])),
        (403, "Forbidden", problem("The caller's role may not do this (`forbidden`).")),
        (404, "NotFound", problem("No such resource (`not-found`).")),
        (409, "Conflict", problem("The change conflicts with existing data or the resource's state.")),
        (413, "PayloadTooLarge", problem(
            "The request body is larger than 512 KiB, or \(CSVLimits.maxBytes / 1024 / 1024) MB for a CSV import (`payload-too-large`).")),
        (415, "UnsupportedMediaType", problem(
            "The body is not sent as `application/json`, or a CSV import's as `text/csv` in UTF-8 (`unsupported-media-type`).")),
        (422, "IdempotencyKeyReused", problem(
            "The `Idempotency-Key` was already used with a different request (`idempotency-key-reused`).")),
        (412, "PreconditionFailed", problem(
            "`If-Match` names an older version (`version-mismatch`); `currentVersion` and the `ETag` header give the current one.",
            ["ETag": header("ETag")])),
        (429, "TooManyRequests", problem(
            "Too many failed sign-ins from this client address (`too-many-login-attempts`): 5 failures for one account, or 30 "
                + "for any accounts, within 15 minutes lock that address (for that account, or for all) for 15 minutes.",
            ["Retry-After": header("RetryAfter")])),
        (503, "ServiceUnavailable", problem(
            "The database does not answer (`database-unavailable`), or kept aborting this write to resolve conflicts with "
                + "concurrent ones after 3 tries (`database-busy`): retry after `Retry-After` seconds.",
            ["Retry-After": header("RetryAfter")])),
    ]

    // ------------------------------------------------------------ operations

    /// The error statuses an endpoint answers: its own, and those its row implies.
    static func errorStatuses(_ endpoint: Endpoint, _ operation: Endpoint.Operation) -> [Int] {
        var codes = Set(operation.errors)
        let writes = [.POST, .PUT, .PATCH, .DELETE].contains(endpoint.method)
        let edits = operation.versioned && [.PUT, .PATCH].contains(endpoint.method)
        // Signed in: a role outside the audience, or an API key the row does not take, is a 403.
        if endpoint.audience == .platform { codes.insert(401) } else if endpoint.audience != .anyone { codes.formUnion([401, 403]) }
        if operation.body != nil { codes.formUnion([400, 413, 415]) }
        if endpoint.idempotent { codes.formUnion([400, 409, 422]) }
        if edits { codes.formUnion([400, 412]) }
        if writes && endpoint.path.hasPrefix("/crm/") { codes.insert(503) }
        return codes.sorted()
    }

    /// `x-api-keys`: `role` (a key acts with its role), `refused`, or the scope a key must carry; `none`
    /// for a public endpoint.
    static func keyWord(_ endpoint: Endpoint) -> String {
        guard endpoint.audience != .anyone, endpoint.audience != .platform else { return "none" }
        switch endpoint.keys {
        case .role: return "role"
        case .refused: return "refused"
        case let .scope(scope): return scope.rawValue
        }
    }

    static func keySentence(_ endpoint: Endpoint) -> String {
        guard endpoint.audience != .anyone, endpoint.audience != .platform else { return "" }
        switch endpoint.keys {
        case .role: return " API keys: with their role's rights; a key narrowed by scopes gets 403."
        case .refused: return " API keys: refused (403); a person must sign in."
        case .scope: return ""
        }
    }

    static func operation(_ endpoint: Endpoint, _ operation: Endpoint.Operation) -> OpenAPI.Operation {
        var parameters = operation.parameters
        if endpoint.idempotent { parameters.append(Param.idempotencyKey) }
        let edits = operation.versioned && [.PUT, .PATCH].contains(endpoint.method)
        if edits { parameters.append(Param.ifMatch) }

        var responses = OpenAPI.Response.Map()
        for reply in operation.replies {
            var headers: OpenAPI.Header.Map = ["X-Request-ID": header("XRequestID")]
            if reply.list { headers["Link"] = header("Link") }
            if operation.versioned { headers["ETag"] = header("ETag") }
            if endpoint.idempotent { headers["Idempotent-Replayed"] = header("IdempotentReplayed") }
            var content = OpenAPI.Content.Map()
            if let schema = reply.schema {
                let body = reply.list ? Schema.array(schema) : schema
                content[.other(reply.media)] = .b(
                    OpenAPI.Content(schema: body, examples: reply.examples.isEmpty ? nil : reply.examples))
            }
            responses[.status(code: reply.status)] = .b(
                OpenAPI.Response(description: reply.description, headers: headers, content: content))
        }
        let names = Dictionary(uniqueKeysWithValues: errors.map { ($0.status, $0.name) })
        for status in errorStatuses(endpoint, operation) {
            responses[.status(code: status)] = .a(.component(named: names[status]!))
        }

        let requestBody = operation.body.map { body in
            OpenAPI.Request(content: .direct([OpenAPI.ContentType(rawValue: operation.bodyMedia) ?? .json: OpenAPI.Content(
                schema: body.ref, examples: operation.bodyExamples.isEmpty ? nil : operation.bodyExamples)]), required: true)
        }
        let description = (operation.description + "\n\n" + endpoint.audience.sentence + keySentence(endpoint))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var documented = OpenAPI.Operation(
            tags: [operation.tag], summary: endpoint.summary, description: description, operationId: operation.id,
            parameters: parameters.map { .b($0) }, responses: responses,
            security: [.anyone, .platform].contains(endpoint.audience) ? [] : nil,
            vendorExtensions: ["x-roles": AnyCodable(endpoint.audience.roles.map(\.rawValue)),
                               "x-api-keys": AnyCodable(keyWord(endpoint))])
        documented.requestBody = requestBody.map { .b($0) }
        return documented
    }

    // ------------------------------------------------------------ the document

    static func document(_ endpoints: [Endpoint] = API.endpoints) -> OpenAPI.Document {
        var paths = OpenAPI.PathItem.Map()
        for endpoint in endpoints {
            guard let documented = endpoint.operation else { continue }
            let path = OpenAPI.Path(rawValue: endpoint.path)
            var item = paths[path]?.b ?? OpenAPI.PathItem()
            item.set(operation: operation(endpoint, documented), for: OpenAPI.HttpMethod(rawValue: endpoint.method.rawValue)!)
            paths[path] = .b(item)
        }
        var schemaMap = OrderedDictionary<OpenAPI.ComponentKey, JSONSchema>()
        for type in schemas { schemaMap[OpenAPI.ComponentKey(rawValue: type.schemaName)!] = type.schema }
        var headerMap = OpenAPI.ComponentReferenceDictionary<OpenAPI.Header>()
        for (name, value) in headers { headerMap[OpenAPI.ComponentKey(rawValue: name)!] = .b(value) }
        var responseMap = OpenAPI.ComponentReferenceDictionary<OpenAPI.Response>()
        for error in errors { responseMap[OpenAPI.ComponentKey(rawValue: error.name)!] = .b(error.response) }
        let bearer = OpenAPI.SecurityScheme(
            type: .http(scheme: "bearer", bearerFormat: "JWT"), description: "The `token` from `POST /auth/login`.")
        return OpenAPI.Document(
            openAPIVersion: .v3_1_0,
            info: OpenAPI.Document.Info(title: "Native CRM API", description: description, version: "1.0.0"),
            servers: [OpenAPI.Server(url: URL(string: "http://127.0.0.1:8080")!)],
            paths: paths,
            components: OpenAPI.Components(
                schemas: schemaMap, responses: responseMap, headers: headerMap,
                securitySchemes: ["bearerAuth": .b(bearer)]),
            security: [[.component(named: "bearerAuth"): []]],
            tags: tags.map { OpenAPI.Tag(name: $0.0, description: $0.1) })
    }

    /// The document as `openapi.yaml` holds it. Two spellings of Yams' are rewritten so that every YAML
    /// reader (PyYAML's 1.1 rules included) reads the same document: numbers in scientific notation
    /// (`5e+2`, a string to YAML 1.1) become plain decimals, and status codes become quoted keys.
    /// An operation's vendor extensions are a dictionary, which Yams writes in any order: each
    /// operation's `x-api-keys` line goes right after its `x-roles` (the k-th of each belong together:
    /// every operation has one of both, in the same order).
    static func vendorKeysInOrder(_ yaml: String) throws -> String {
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let keyLines = lines.filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("x-api-keys:") }
        lines.removeAll { $0.trimmingCharacters(in: .whitespaces).hasPrefix("x-api-keys:") }
        var out: [String] = []
        var next = keyLines.makeIterator()
        var index = 0
        while index < lines.count {
            let line = lines[index]
            out.append(line)
            index += 1
            guard line.trimmingCharacters(in: .whitespaces).hasPrefix("x-roles:") else { continue }
            let indent = String(line.prefix { $0 == " " })
            while index < lines.count, lines[index].hasPrefix(indent + "- ") || lines[index].hasPrefix(indent + "  ") {
                out.append(lines[index])
                index += 1
            }
            if let key = next.next() { out.append(key) }
        }
        return out.joined(separator: "\n")
    }

    static func yaml(_ endpoints: [Endpoint] = API.endpoints) throws -> String {
        let encoded = try Self.vendorKeysInOrder(try YAMLEncoder().encode(document(endpoints)))
        let statusKey = try Regex(#"^(\s*)([1-5][0-9][0-9]):$"#)
        let scientific = try Regex(#"^(.*(?::|-) )(-?[0-9]+(?:\.[0-9]+)?e[+-][0-9]+)$"#)
        return encoded.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if let match = line.wholeMatch(of: statusKey) {
                return "\(match.output[1].substring ?? "")'\(match.output[2].substring ?? "")':"
            }
            if let match = line.wholeMatch(of: scientific), let text = match.output[2].substring,
               let value = Decimal(string: String(text)) {
                var rounded = Decimal()
                var copy = value
                NSDecimalRound(&rounded, &copy, 0, .plain)
                let plain = rounded == value ? "\(value).0" : "\(value)"
                return "\(match.output[1].substring ?? "")\(plain)"
            }
            return String(line)
        }.joined(separator: "\n")
    }
}
