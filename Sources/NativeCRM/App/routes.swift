import Vapor

/// Every route of the API. Each group's one line says who may call it (the SPEC's role table).
func routes(_ app: Application) throws {
    try app.register(collection: HealthController())
    try app.register(collection: MetricsController())  // /metrics: ADMIN, or the CRM_METRICS_TOKEN scraper
    try app.register(collection: APIDocsController())  // /openapi.yaml and /docs: anyone
    try app.register(collection: AuthController())     // login: anyone; me: signed in
    try app.register(collection: ConsoleController())  // /app, the salesperson console: anyone (it signs in)

    let crm = app.grouped("crm")
    let everyone = crm.signedIn()                       // SALESPERSON, SECRETARIAT, ADMIN
    let frontDesk = crm.allowing(.secretariat, .admin)  // create/update appointments, clinics, services
    let sellers = crm.allowing(.salesperson, .admin)    // analytics (a salesperson: own only)
    let admin = crm.allowing(.admin)                    // users, the tag catalogue

    try admin.register(collection: UserController())
    UserController().own(everyone)                      // one user: ADMIN, or anyone for their own id
    try everyone.register(collection: CustomerController())
    try everyone.register(collection: CommunicationController())
    try everyone.register(collection: ActionController())   // a salesperson's are scoped to their own
    try everyone.register(collection: LeadController())     // a salesperson updates own or unassigned
    try sellers.register(collection: AnalyticsController())
    try everyone.register(collection: NotificationController())  // always the caller's own
    NotificationController().stream(crm.signedIn(alsoBy: StreamTicketAuthenticator()))  // bearer or ?ticket=
    NotificationController().streamTicket(crm.signedIn(idempotent: false))  // a ticket is never stored in clear
    CatalogController().reads(everyone)
    CatalogController().writes(frontDesk)
    AppointmentController().reads(everyone)
    AppointmentController().writes(frontDesk)
    TagController().reads(everyone)                          // read tags, tag and untag customers
    TagController().catalogue(admin)
    AuditController().all(admin)                             // the whole trail: ADMIN
    AuditController().perCustomer(everyone)                  // a customer's timeline: whoever reads customers
}
