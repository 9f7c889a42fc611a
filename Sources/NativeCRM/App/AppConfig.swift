import Foundation
import Vapor

/// A configuration value that is present but unusable; the message names the variable.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let variable: String
    public let problem: String

    public var description: String { "\(variable): \(problem)" }
}

/// Where the data lives, from `DATABASE_URL`.
public enum DatabaseTarget: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String, searchPath: String? = nil)

    /// Unset → `crm.sqlite` in the working directory; `sqlite:PATH`; `postgres://…` or `postgresql://…`.
    public static func parse(_ raw: String?) throws -> DatabaseTarget {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
            return .sqlite(path: "crm.sqlite")
        }
        if raw.hasPrefix("sqlite:") {
            var path = String(raw.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else {
                throw ConfigurationError(variable: "DATABASE_URL", problem: "sqlite: needs a file path, e.g. sqlite:crm.sqlite")
            }
            return .sqlite(path: path)
        }
        if raw.hasPrefix("postgres://") || raw.hasPrefix("postgresql://") {
            guard let url = URL(string: raw), url.host?.isEmpty == false, url.path.count > 1 else {
                throw ConfigurationError(variable: "DATABASE_URL",
                                         problem: "expected postgres://user:pass@host:port/database")
            }
            return .postgres(url: raw)
        }
        throw ConfigurationError(variable: "DATABASE_URL",
                                 problem: "must start with sqlite: or postgres:// (got an unsupported scheme)")
    }
}

/// Meta Lead Ads (`CRM_META_*`); each part unset switches that part off (the webhook answers 403 or
/// 401, and queued leads wait for a page token).
public struct MetaConfig: Sendable {
    public var verifyToken: String?
    public var appSecret: String?
    public var pageToken: String?
    public var graphURL: String
    /// How long one Graph API call may take.
    public var timeout: TimeInterval

    public static let defaultGraphURL = "https://graph.facebook.com/v21.0"

    public init(verifyToken: String? = nil, appSecret: String? = nil, pageToken: String? = nil,
                graphURL: String = MetaConfig.defaultGraphURL, timeout: TimeInterval = 10) {
        self.verifyToken = verifyToken
        self.appSecret = appSecret
        self.pageToken = pageToken
        self.graphURL = graphURL
        self.timeout = timeout
    }
}

/// Outbound webhooks: the hosts they may reach although they resolve to a loopback, private or
/// link-local address (`CRM_WEBHOOK_ALLOW_HOSTS`), and how long one attempt may take (10 s).
public struct WebhookConfig: Sendable {
    public var allowHosts: Set<String>
    public var timeout: TimeInterval

    public init(allowHosts: Set<String> = [], timeout: TimeInterval = 10) {
        self.allowHosts = allowHosts
        self.timeout = timeout
    }
}

/// `CRM_META_GRAPH_URL`: an http(s) base without a trailing slash.
func parseGraphURL(_ raw: String?) throws -> String {
    guard var value = raw, !value.isEmpty else { return MetaConfig.defaultGraphURL }
    guard let url = URL(string: value), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false else {
        throw ConfigurationError(variable: "CRM_META_GRAPH_URL", problem: "must be an http(s) URL")
    }
    while value.hasSuffix("/") { value.removeLast() }
    return value
}

/// Typed configuration, read once from the environment in `configure`.
public struct AppConfig: Sendable {
    public var database: DatabaseTarget
    public var jwtSecret: String
    public var jwtSecretGenerated: Bool
    public var adminEmail: String?
    public var adminPassword: String?
    public var schedulerInterval: Int
    public var reminderMinutes: Int
    public var tokenTTL: Int
    public var bcryptCost: Int
    public var databasePoolSize: Int?
    /// Seconds an Idempotency-Key is remembered.
    public var idempotencyTTL: Int
    /// Proxies whose `X-Forwarded-For` names the client (`CRM_TRUSTED_PROXIES`); none by default.
    public var trustedProxies: [IPNetwork]
    /// Slow clients: a request head must arrive within `headTimeout`, its body within `bodyTimeout`
    /// after the head, and a connection with no traffic closes after `idleTimeout` (seconds).
    public var connectionTimeouts: ConnectionTimeouts
    /// Log every SQL statement (at trace level, with its bound values): for the test suite's query
    /// capture only — never in a server, whose logs must not hold personal data.
    public var logQueries: Bool
    /// Browser origins allowed to call the API from another site (`CRM_CORS_ORIGINS`); none by default.
    public var corsOrigins: [String]
    /// The clinic's time zone (`CRM_TIME_ZONE`, an IANA name; UTC by default): notification texts,
    /// `YYYY-MM-DD` filters and day counts are read in it. The API's timestamps stay UTC.
    public var timeZone: TimeZone
    /// A bearer token for `GET /metrics` (`CRM_METRICS_TOKEN`, at least 32 characters), so a scraper
    /// needs no user; without it only an ADMIN's token reads the metrics.
    public var metricsToken: String?
    /// The key Google Ads sends in its lead form webhook's `google_key` (`CRM_GOOGLE_LEAD_KEY`, at least
    /// 16 characters); without it `POST /crm/intake/google` refuses every delivery.
    public var googleLeadKey: String?
    /// The server's address as its users reach it (`CRM_PUBLIC_URL`, e.g. `https://crm.clinic.example`):
    /// the base of calendar feed URLs. Without it the request's `Host` is used, over http.
    public var publicURL: String?
    /// Meta Lead Ads: the webhook's verify token (`CRM_META_VERIFY_TOKEN`), the app secret its payloads
    /// are signed with (`CRM_META_APP_SECRET`), the page token the lead details are fetched with
    /// (`CRM_META_PAGE_TOKEN`) and the Graph API's base (`CRM_META_GRAPH_URL`).
    public var meta: MetaConfig
    /// Outbound webhooks: hosts exempt from the private-address check (`CRM_WEBHOOK_ALLOW_HOSTS`) and
    /// the time an attempt may take.
    public var webhooks: WebhookConfig

    public init(
        database: DatabaseTarget, jwtSecret: String, jwtSecretGenerated: Bool = false,
        adminEmail: String? = nil, adminPassword: String? = nil, schedulerInterval: Int = 60,
        reminderMinutes: Int = 15, tokenTTL: Int = 28_800, bcryptCost: Int = 12, databasePoolSize: Int? = nil,
        idempotencyTTL: Int = 86_400, trustedProxies: [IPNetwork] = [], connectionTimeouts: ConnectionTimeouts = .init(),
        logQueries: Bool = false, corsOrigins: [String] = [], timeZone: TimeZone = TimeZone(identifier: "UTC")!,
        metricsToken: String? = nil, googleLeadKey: String? = nil, publicURL: String? = nil, meta: MetaConfig = .init(),
        webhooks: WebhookConfig = .init()
    ) {
        self.database = database
        self.jwtSecret = jwtSecret
        self.jwtSecretGenerated = jwtSecretGenerated
        self.adminEmail = adminEmail
        self.adminPassword = adminPassword
        self.schedulerInterval = schedulerInterval
        self.reminderMinutes = reminderMinutes
        self.tokenTTL = tokenTTL
        self.bcryptCost = bcryptCost
        self.databasePoolSize = databasePoolSize
        self.idempotencyTTL = idempotencyTTL
        self.trustedProxies = trustedProxies
        self.connectionTimeouts = connectionTimeouts
        self.logQueries = logQueries
        self.corsOrigins = corsOrigins
        self.timeZone = timeZone
        self.metricsToken = metricsToken
        self.googleLeadKey = googleLeadKey
        self.publicURL = publicURL
        self.meta = meta
        self.webhooks = webhooks
    }

    /// Reads every variable of the README's configuration table; a bad value throws naming it.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfig {
        func int(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
            guard let raw = env[name], !raw.isEmpty else { return value }
            guard let parsed = Int(raw), range.contains(parsed) else {
                throw ConfigurationError(variable: name,
                                         problem: "must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return parsed
        }
        let database = try DatabaseTarget.parse(env["DATABASE_URL"])
        var secret = env["CRM_JWT_SECRET"] ?? ""
        var generated = false
        if secret.isEmpty {
            secret = [UInt8].random(count: 48).base64
            generated = true
        } else if secret.utf8.count < 32 {
            throw ConfigurationError(variable: "CRM_JWT_SECRET", problem: "must be at least 32 bytes long")
        }
        let adminEmail = env["CRM_ADMIN_EMAIL"].flatMap { $0.isEmpty ? nil : $0 }
        let adminPassword = env["CRM_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if let adminPassword, adminPassword.count < 8 {
            throw ConfigurationError(variable: "CRM_ADMIN_PASSWORD", problem: "must be at least 8 characters")
        }
        let metricsToken = env["CRM_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let metricsToken, metricsToken.count < 32 {
            throw ConfigurationError(variable: "CRM_METRICS_TOKEN", problem: "must be at least 32 characters")
        }
        let googleLeadKey = env["CRM_GOOGLE_LEAD_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if let googleLeadKey, googleLeadKey.count < 16 {
            throw ConfigurationError(variable: "CRM_GOOGLE_LEAD_KEY", problem: "must be at least 16 characters")
        }
        var publicURL = env["CRM_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let raw = publicURL {
            guard let url = URL(string: raw), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false,
                  url.query == nil else {
                throw ConfigurationError(variable: "CRM_PUBLIC_URL", problem: "must be an http(s) URL such as https://crm.clinic.example")
            }
            while publicURL?.hasSuffix("/") == true { publicURL?.removeLast() }
        }
        return AppConfig(
            database: database, jwtSecret: secret, jwtSecretGenerated: generated,
            adminEmail: adminEmail, adminPassword: adminPassword,
            schedulerInterval: try int("CRM_SCHEDULER_INTERVAL", default: 60, range: 1...86_400),
            reminderMinutes: try int("CRM_REMINDER_MINUTES", default: 15, range: 0...10_080),
            tokenTTL: try int("CRM_TOKEN_TTL", default: 28_800, range: 60...2_592_000),
            bcryptCost: try int("CRM_BCRYPT_COST", default: 12, range: 4...31),
            databasePoolSize: env["CRM_DB_POOL"].flatMap { $0.isEmpty ? nil : $0 } == nil
                ? nil : try int("CRM_DB_POOL", default: 1, range: 1...64),
            idempotencyTTL: try int("CRM_IDEMPOTENCY_TTL", default: 86_400, range: 60...2_592_000),
            trustedProxies: try parseTrustedProxies(env["CRM_TRUSTED_PROXIES"]),
            corsOrigins: try parseOrigins(env["CRM_CORS_ORIGINS"]),
            timeZone: try parseTimeZone(env["CRM_TIME_ZONE"]),
            metricsToken: metricsToken, googleLeadKey: googleLeadKey, publicURL: publicURL,
            meta: MetaConfig(verifyToken: env["CRM_META_VERIFY_TOKEN"].flatMap { $0.isEmpty ? nil : $0 },
                             appSecret: env["CRM_META_APP_SECRET"].flatMap { $0.isEmpty ? nil : $0 },
                             pageToken: env["CRM_META_PAGE_TOKEN"].flatMap { $0.isEmpty ? nil : $0 },
                             graphURL: try parseGraphURL(env["CRM_META_GRAPH_URL"])),
            webhooks: WebhookConfig(allowHosts: try parseAllowHosts(env["CRM_WEBHOOK_ALLOW_HOSTS"]))
        )
    }

    /// A comma-separated list of host names or IP addresses (`hooks.internal, 10.0.0.7, ::1`).
    static func parseAllowHosts(_ raw: String?) throws -> Set<String> {
        guard let raw else { return [] }
        var hosts: Set<String> = []
        for part in raw.split(separator: ",") {
            var host = part.trimmingCharacters(in: .whitespaces).lowercased()
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty, host.count <= 253, !host.contains("/"), !host.contains(" ") else {
                throw ConfigurationError(variable: "CRM_WEBHOOK_ALLOW_HOSTS",
                                         problem: "must be comma-separated host names or IP addresses such as hooks.internal, 10.0.0.7")
            }
            hosts.insert(host)
        }
        return hosts
    }

    /// A comma-separated list of origins: `https://app.clinic.ch, http://localhost:3000`.
    static func parseOrigins(_ raw: String?) throws -> [String] {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return [] }
        return try raw.split(separator: ",").map { part in
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme),
                  url.host?.isEmpty == false, url.path.isEmpty, url.query == nil, !text.hasSuffix("/") else {
                throw ConfigurationError(variable: "CRM_CORS_ORIGINS",
                                         problem: "must list origins such as https://app.clinic.example (scheme, host, optional port; no path)")
            }
            return text
        }
    }

    /// An IANA time-zone name (`Europe/Zurich`); UTC when unset.
    static func parseTimeZone(_ raw: String?) throws -> TimeZone {
        guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return TimeZone(identifier: "UTC")! }
        guard raw.contains("/") || raw == "UTC", let zone = TimeZone(identifier: raw) else {
            throw ConfigurationError(variable: "CRM_TIME_ZONE", problem: "must be an IANA time-zone name such as Europe/Zurich")
        }
        return zone
    }

    /// A comma-separated list of addresses or networks: `10.0.0.1, 192.168.0.0/16, ::1`.
    static func parseTrustedProxies(_ raw: String?) throws -> [IPNetwork] {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return [] }
        return try raw.split(separator: ",").map { part in
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let network = IPNetwork(text) else {
                throw ConfigurationError(variable: "CRM_TRUSTED_PROXIES",
                                         problem: "expected IP addresses or networks such as 10.0.0.1, 192.168.0.0/16, ::1")
            }
            return network
        }
    }
}

/// How long a connection may take over each part of a request (seconds).
public struct ConnectionTimeouts: Sendable, Equatable {
    public var head: Double
    public var body: Double
    public var idle: Double

    public init(head: Double = 30, body: Double = 30, idle: Double = 60) {
        self.head = head
        self.body = body
        self.idle = idle
    }
}

extension Application {
    private struct ConfigKey: StorageKey { typealias Value = AppConfig }
    private struct DecoyKey: StorageKey { typealias Value = String }

    /// The configuration `configure` was given.
    public var crmConfig: AppConfig {
        get {
            guard let config = storage[ConfigKey.self] else { fatalError("configure(_:config:) has not run") }
            return config
        }
        set { storage[ConfigKey.self] = newValue }
    }

    /// The clinic's time zone, for what people read (`CRM_TIME_ZONE`).
    var clinicTime: ClinicTime { ClinicTime(zone: crmConfig.timeZone) }

    /// A bcrypt hash of a random secret, so logins for unknown emails cost as much as real ones.
    var decoyPasswordHash: String {
        get { storage[DecoyKey.self] ?? "" }
        set { storage[DecoyKey.self] = newValue }
    }
}
