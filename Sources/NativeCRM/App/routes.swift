import Vapor

/// Every route of the API, registered from the route table.
func routes(_ app: Application) throws {
    app.register(API.endpoints)
}

/// The route table: each controller's endpoints (path, method, audience, summary, handler and how the
/// document describes it), in the document's order. It registers the routes, builds `openapi.yaml`
/// (`APIContract`) and drives the role-matrix test.
enum API {
    static var endpoints: [Endpoint] {
        HealthController().endpoints
            + MetricsController().endpoints   // /metrics: ADMIN, or the CRM_METRICS_TOKEN scraper
            + APIDocsController().endpoints   // /openapi.yaml and /docs: anyone
            + AuthController().endpoints      // login: anyone; me, logout, password: signed in
            + UserController().endpoints      // ADMIN; one user: also anyone for their own id
            + APIKeyController().endpoints    // ADMIN; people only
            + CustomerController().endpoints
            + CommunicationController().endpoints
            + ActionController().endpoints    // a salesperson's are scoped to their own
            + LeadController().endpoints      // a salesperson updates own or unassigned
            + CSVController().endpoints       // imports: front desk and managers; exports: as the JSON lists
            + IntakeController().endpoints    // API keys with the intake scope only
            + WebhookController().endpoints   // ADMIN
            + AnalyticsController().endpoints // a salesperson: own only
            + NotificationController().endpoints  // always the caller's own; the stream also by ?ticket=
            + CatalogController().endpoints
            + AppointmentController().endpoints
            + TagController().endpoints
            + CalendarController().endpoints  // one's own feed; the feed itself by its token
            + AuditController().endpoints     // the whole trail: ADMIN; a customer's: whoever reads customers
            + ConsoleController().endpoints   // /app, the salesperson console: anyone (it signs in)
    }
}
