import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import JWT
import Vapor

/// Configures the app from the environment; when the command is `serve`, migrates and bootstraps the first ADMIN.
public func configure(_ app: Application) async throws {
    let config = try AppConfig.fromEnvironment()
    try await configure(app, config: config)
    let command = app.environment.arguments.dropFirst().first
    if command == nil || command == "serve" || command?.hasPrefix("-") == true {
        if config.jwtSecretGenerated {
            app.logger.warning("CRM_JWT_SECRET is not set: using a secret generated for this process; tokens will not survive a restart.")
        }
        try await DatabaseSetup.migrate(app)
        if case .sqlite = config.database { try await DatabaseSetup.refreshStatistics(app.db) }
        try await AdminBootstrap.run(on: app)
        app.lifecycle.use(NotificationScheduler.loop())
        // Meta's announced leads are fetched once a page token is configured (until then they wait).
        if app.crmConfig.meta.pageToken != nil { app.lifecycle.use(IntakeWorker.loop()) }
        app.lifecycle.use(WebhookWorker.loop())
        try CRMTracing.configure(app, environment: ProcessInfo.processInfo.environment)
    }
}

/// Configures everything but migrations: database, security, conventions, routes, commands.
/// Tests call this with their own configuration.
public func configure(_ app: Application, config: AppConfig) async throws {
    app.crmConfig = config
    JSONCoding.install()
    CRMMetrics.bootstrap()  // before the server records its first request
    CRMMetrics.registerCounters()
    // Blocking work (SQLite statements, bcrypt) gets a pool of its own, so it never starves.
    app.threadPool = NIOThreadPool(numberOfThreads: max(8, System.coreCount * 4))

    try DatabaseSetup.register(config.database, poolSize: config.databasePoolSize, logQueries: config.logQueries, on: app)
    app.migrations.add(CRMMigrations.all)
    try await DatabaseSetup.prepare(app)

    app.passwords.use(.bcrypt(cost: config.bcryptCost))
    app.decoyPasswordHash = try await app.password.async.hash([UInt8].random(count: 32).base64).get()
    await app.jwt.keys.add(hmac: HMACKey(from: config.jwtSecret), digestAlgorithm: .sha256)

    app.routes.defaultMaxBodySize = "512kb"
    app.openConnections = OpenConnections()
    app.http.server.configuration.idleTimeout = .milliseconds(Int64(config.connectionTimeouts.idle * 1000))
    app.servers.use { app in GuardedHTTPServer(application: app) }
    app.middleware = Middlewares()
    if !config.corsOrigins.isEmpty { app.middleware.use(CORSPolicyMiddleware(origins: Set(config.corsOrigins))) }
    app.middleware.use(RequestIDMiddleware())
    app.middleware.use(NoStoreMiddleware())
    app.middleware.use(ProblemMiddleware())
    app.middleware.use(MethodNotAllowedMiddleware())
    app.middleware.use(RequestGuardMiddleware())
    app.middleware.use(ConflictRetryMiddleware())
    app.middleware.use(AccessLogMiddleware())

    app.consoleAssets = ConsoleAssets.bundled()
    if app.consoleAssets == nil { app.logger.warning("console assets not found: /app answers 404") }
    app.apiDocument = APIDocument.built
    if app.apiDocument == nil { app.logger.warning("the API document could not be built: /openapi.yaml and /docs answer 404") }
    app.notificationFanout = NotificationFanout()
    app.lifecycle.use(app.notificationFanout)

    app.asyncCommands.use(CRMMigrateCommand(), as: "migrate")
    app.asyncCommands.use(CreateUserCommand(), as: "create-user")
    app.asyncCommands.use(RecomputeRecordsCommand(), as: "recompute-records")
    app.asyncCommands.use(NotifyOnceCommand(), as: "notify-once")
    app.asyncCommands.use(SeedCommand(), as: "seed")
    app.asyncCommands.use(OpenAPICommand(), as: "openapi")
    try routes(app)
}
