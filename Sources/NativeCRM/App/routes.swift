import Vapor

/// Every route of the API. Each group's one line says who may call it (the SPEC's role table).
func routes(_ app: Application) throws {
    try app.register(collection: HealthController())
    try app.register(collection: AuthController())     // login: anyone; me: signed in

    let crm = app.grouped("crm")
    try crm.allowing(.admin).register(collection: UserController())
}
