import Foundation
import Testing
import SQLKit
import Vapor
@testable import NativeCRM

@Suite("Start-up and configuration")
struct BootstrapTests {
    @Test func firstAdminComesFromTheEnvironment() async throws {
        try await withCRM(adminEmail: "Boss@Clinic.test", adminPassword: "boss-password") { (t: TestContext) async throws in
            let created = try await AdminBootstrap.run(on: t.app)
            #expect(created?.email == "Boss@Clinic.test")
            #expect(created?.generatedPassword == nil)
            let login = try await t.login("boss@clinic.test", "boss-password")
            #expect(login.status == .ok)
            #expect((login.json["user"] as? [String: Any])?["role"] as? String == "ADMIN")
            #expect(try await AdminBootstrap.run(on: t.app) == nil, "runs only on an empty database")
        }
    }

    @Test func firstAdminDefaultsToAdminAtLocalhostWithAGeneratedPassword() async throws {
        try await withCRM { (t: TestContext) async throws in
            let created = try #require(try await AdminBootstrap.run(on: t.app))
            #expect(created.email == "admin@localhost")
            let password = try #require(created.generatedPassword)
            #expect(password.count >= 16)
            let login = try await t.login("admin@localhost", password)
            #expect(login.status == .ok)
            #expect(try await t.login("admin@localhost", "admin").status == .unauthorized)
        }
    }

    @Test func noBootstrapWhenUsersExist() async throws {
        try await withCRM { (t: TestContext) async throws in
            _ = try await t.makeUser(.salesperson)
            #expect(try await AdminBootstrap.run(on: t.app) == nil)
        }
    }

    @Test func databaseURLIsParsedOrRefusedNamingTheVariable() throws {
        #expect(try DatabaseTarget.parse(nil) == .sqlite(path: "crm.sqlite"))
        #expect(try DatabaseTarget.parse("") == .sqlite(path: "crm.sqlite"))
        #expect(try DatabaseTarget.parse("sqlite:/var/lib/crm/data.sqlite") == .sqlite(path: "/var/lib/crm/data.sqlite"))
        #expect(try DatabaseTarget.parse("postgres://u:p@db:5432/crm") == .postgres(url: "postgres://u:p@db:5432/crm"))
        for bad in ["mysql://u@h/db", "sqlite:", "postgres://", "nonsense"] {
            #expect {
                try DatabaseTarget.parse(bad)
            } throws: { error in
                (error as? ConfigurationError)?.variable == "DATABASE_URL"
                    && (error as? ConfigurationError)?.description.hasPrefix("DATABASE_URL:") == true
            }
        }
    }

    @Test func environmentIsReadIntoTypedConfiguration() throws {
        let config = try AppConfig.fromEnvironment([
            "CRM_JWT_SECRET": String(repeating: "k", count: 32), "CRM_TOKEN_TTL": "600",
            "CRM_BCRYPT_COST": "10", "CRM_SCHEDULER_INTERVAL": "5", "CRM_REMINDER_MINUTES": "30",
        ])
        #expect(config.tokenTTL == 600 && config.bcryptCost == 10)
        #expect(config.schedulerInterval == 5 && config.reminderMinutes == 30)
        #expect(!config.jwtSecretGenerated)
        let defaults = try AppConfig.fromEnvironment([:])
        #expect(defaults.jwtSecretGenerated && defaults.jwtSecret.utf8.count >= 32)
        #expect(defaults.tokenTTL == 28_800 && defaults.bcryptCost == 12 && defaults.schedulerInterval == 60)
        #expect(defaults.reminderMinutes == 15 && defaults.database == .sqlite(path: "crm.sqlite"))

        let cases: [(String, String)] = [
            ("CRM_JWT_SECRET", "too-short"), ("CRM_BCRYPT_COST", "3"), ("CRM_TOKEN_TTL", "abc"),
            ("CRM_SCHEDULER_INTERVAL", "0"),
        ]
        for (name, value) in cases {
            #expect {
                try AppConfig.fromEnvironment([name: value])
            } throws: { error in
                (error as? ConfigurationError)?.variable == name
            }
        }
    }
}

@Suite("Commands and storage")
struct CommandAndStorageTests {
    @Test func createUserCommandCreatesAUserWhoCanSignIn() async throws {
        try await withCRM { (t: TestContext) async throws in
            var context = CommandContext(console: Terminal(), input: CommandInput(arguments: [
                "crm", "--email", "Desk@Clinic.test", "--name", "Front Desk", "--role", "secretariat",
            ]))
            context.application = t.app
            var command = CreateUserCommand()
            command.readPassword = { "desk-password" }  // as from CRM_NEW_USER_PASSWORD or standard input
            try await command.run(using: &context)
            let login = try await t.login("desk@clinic.test", "desk-password")
            #expect(login.status == .ok)
            #expect((login.json["user"] as? [String: Any])?["role"] as? String == "SECRETARIAT")

            var bad = CommandContext(console: Terminal(), input: CommandInput(arguments: [
                "crm", "--email", "x@clinic.test", "--name", "X", "--role", "DOCTOR",
            ]))
            bad.application = t.app
            await #expect(throws: ConfigurationError.self) { try await command.run(using: &bad) }
            // A password on the command line is refused before anything is done: argv is readable by
            // other users of the machine and stays in shell history.
            var inArgv = CommandContext(console: Terminal(), input: CommandInput(arguments: [
                "crm", "--email", "argv@clinic.test", "--name", "A", "--role", "ADMIN", "--password", "password-1",
            ]))
            inArgv.application = t.app
            await #expect { try await command.run(using: &inArgv) } throws: { error in
                (error as? ConfigurationError)?.variable == "--password"
            }
            #expect(try await t.login("argv@clinic.test", "password-1").status == .unauthorized)
            var noPassword = CommandContext(console: Terminal(), input: CommandInput(arguments: [
                "crm", "--email", "none@clinic.test", "--name", "N", "--role", "ADMIN",
            ]))
            noPassword.application = t.app
            var silent = CreateUserCommand()
            silent.readPassword = { nil }
            await #expect { try await silent.run(using: &noPassword) } throws: { error in
                (error as? ConfigurationError)?.variable == "CRM_NEW_USER_PASSWORD"
            }
        }
    }

    @Test(.enabled(if: !TestDatabase.isPostgres))
    func sqliteRunsInWALModeWithForeignKeys() async throws {
        try await withCRM { (t: TestContext) async throws in
            let sql = try #require(t.app.db as? any SQLDatabase)
            let mode = try await sql.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self)
            #expect(mode == "wal")
            let keys = try await sql.raw("PRAGMA foreign_keys").first()?.decode(column: "foreign_keys", as: Int.self)
            #expect(keys == 1)
            // Every connection (one per event loop) waits for a busy writer instead of failing.
            for loop in t.app.eventLoopGroup.makeIterator() {
                let db = try #require(t.app.databases.database(logger: t.app.logger, on: loop) as? any SQLDatabase)
                let timeout = try await db.raw("PRAGMA busy_timeout").first()?.decode(column: "timeout", as: Int.self)
                #expect(timeout == DatabaseSetup.busyTimeoutMilliseconds)
            }
        }
    }
}
