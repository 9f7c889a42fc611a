import Foundation
import Testing
import Vapor
@testable import NativeCRM

/// CSV import (`POST /crm/imports/customers|leads`) and export (`GET /crm/customers|leads|actions.csv`),
/// through HTTP: files as spreadsheets save them, row by row outcomes, dedup, dry runs, the audit entry,
/// and exports parsed back as a spreadsheet would read them.
@Suite("CSV import and export")
struct CSVTests {
    // MARK: helpers

    /// Posts `bytes` as the body with `contentType`.
    static func post(_ t: TestContext, _ path: String, token: String?, bytes: Data,
                     contentType: String? = "text/csv; charset=utf-8") async throws -> APIResponse {
        var headers = HTTPHeaders()
        if let token { headers.replaceOrAdd(name: .authorization, value: "Bearer \(token)") }
        if let contentType { headers.replaceOrAdd(name: .contentType, value: contentType) }
        let response = try await t.app.client.post(URI(string: t.baseURL + path), headers: headers) { request in
            request.body = ByteBuffer(data: bytes)
        }
        return APIResponse(status: response.status, headers: response.headers,
                           body: response.body.map { Data($0.readableBytesView) } ?? Data())
    }

    static func importCSV(_ t: TestContext, _ csv: String, kind: String = "customers", token: String,
                          query: String = "") async throws -> APIResponse {
        try await post(t, "/crm/imports/\(kind)\(query)", token: token, bytes: Data(csv.utf8))
    }

    /// A CSV document read as RFC 4180 says (the test's own reader, not the server's).
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var chars = Array(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        chars = chars.flatMap { $0 == "\r\n" ? ["\r", "\n"] : [$0] }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { row.append(field); field = ""
            } else if c == "\r" || c == "\n" {
                if c == "\r", i + 1 < chars.count, chars[i + 1] == "\n" { i += 1 }
                row.append(field); rows.append(row); row = []; field = ""
            } else { field.append(c) }
            i += 1
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    /// An export as rows keyed by the header.
    static func records(_ response: APIResponse) -> (header: [String], rows: [[String: String]]) {
        let table = parse(response.text)
        guard let header = table.first else { return ([], []) }
        return (header, table.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) })
    }

    static func counts(_ report: [String: Any]) -> [String: Int] {
        (report["counts"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue }
    }

    static func rows(_ report: [String: Any]) -> [[String: Any]] { report["rows"] as? [[String: Any]] ?? [] }

    static func row(_ report: [String: Any], _ number: Int) -> [String: Any] {
        rows(report).first { ($0["row"] as? NSNumber)?.intValue == number } ?? [:]
    }

    static func errors(_ row: [String: Any]) -> [String: String] {
        Dictionary((row["errors"] as? [[String: Any]] ?? []).map { ($0.string("column") ?? "", $0.string("message") ?? "") },
                   uniquingKeysWith: { first, _ in first })
    }

    static func customers(_ t: TestContext, _ token: String) async throws -> [[String: Any]] {
        try await t.collect("/crm/customers?limit=200", token: token)
    }

    // MARK: reading files as spreadsheets save them

    @Test func aEuropeanExcelFileWithBOMSemicolonsAliasesAndQuotedFieldsImports() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let csv = "\u{FEFF}First Name;LAST NAME;E-mail;Mobile;Date of Birth;Notes\r\n"
                + "Giulia;Bianchi;Giulia@Example.com;+41 79 555 12 34;1990-04-12;VIP\r\n"
                + "\"Anna; Maria\";\"Rossi \"\"the elder\"\"\nsecond line\";anna@example.com;;;\"a; b\"\r\n"
            let response = try await Self.importCSV(t, csv, token: desk.token)
            #expect(response.status == .ok, "\(response.text)")
            let report = response.json
            #expect(report.string("delimiter") == ";" && report.bool("dryRun") == false)
            #expect(Self.counts(report) == ["rows": 2, "created": 2, "updated": 0, "duplicate": 0, "error": 0])
            #expect(report["ignoredColumns"] as? [String] == ["Notes"])
            let fields = (report["columns"] as? [[String: Any]] ?? []).compactMap { $0.string("field") }
            #expect(fields == ["firstName", "lastName", "email", "phone", "dateOfBirth"])
            #expect(Self.rows(report).isEmpty, "created rows are only counted")

            let stored = try await Self.customers(t, desk.token)
            let giulia = try #require(stored.first { $0.string("firstName") == "Giulia" })
            #expect(giulia.string("email") == "giulia@example.com" && giulia.string("phone") == "+41795551234")
            #expect(giulia.string("dateOfBirth") == "1990-04-12")
            let anna = try #require(stored.first { $0.string("email") == "anna@example.com" })
            #expect(anna.string("firstName") == "Anna; Maria")
            #expect(anna.string("lastName") == "Rossi \"the elder\"\nsecond line")
            #expect(anna.isNull("phone") && anna.isNull("dateOfBirth"), "empty cells are absent fields")
            // Each customer has its record, as one created through POST /crm/customers.
            let record = try await t.record(desk.token, customer: anna.string("id") ?? "")
            #expect((record["record"] as? [String: Any])?.string("customerStatus") == "new")
        }
    }

    @Test func aCommaFileWithoutBOMAndCanonicalHeadersInAnyCaseImports() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let seller = try await t.makeUser(.salesperson)
            let csv = "FIRSTNAME,last_name,EMAIL,Phone Number,assignedSalesId\n"
                + "Jane,Doe,jane@x.test,079 123 45 67,\(seller.id)\n"
                + "\"John, Jr.\",Roe,,0041 79 765 43 21,\n"
            let response = try await Self.importCSV(t, csv, token: admin.token)
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json.string("delimiter") == ",")
            #expect(Self.counts(response.json)["created"] == 2)
            let stored = try await Self.customers(t, admin.token)
            #expect(stored.first { $0.string("firstName") == "John, Jr." }?.string("phone") == "+41797654321")
            #expect(stored.first { $0.string("firstName") == "Jane" }?.string("assignedSalesId") == seller.id)
            #expect(stored.first { $0.string("firstName") == "Jane" }?.string("phone") == "0791234567")
        }
    }

    // MARK: dry run, dedup, errors, idempotency, audit

    @Test func aDryRunAnswersEveryRowAndWritesNothing() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let existing = try await t.makeCustomer(admin.token, first: "Old", email: "old@x.test")
            let before = try await Self.customers(t, admin.token).count
            let auditBefore = try await t.collect("/crm/audit?limit=200", token: admin.token).count
            let csv = "firstName,lastName,email,phone\nNew,One,new@x.test,\nOld,Client,old@x.test,+41790000001\n"
                + "Again,One,NEW@x.test,\nBad,,bad,\n"
            let response = try await Self.importCSV(t, csv, token: admin.token, query: "?dryRun=true")
            #expect(response.status == .ok, "\(response.text)")
            let report = response.json
            #expect(report.bool("dryRun") == true && report.isNull("importId"))
            #expect(Self.counts(report) == ["rows": 4, "created": 1, "updated": 1, "duplicate": 1, "error": 1])
            #expect(Self.row(report, 3).string("result") == "updated" && Self.row(report, 3).string("id") == existing)
            #expect(Self.row(report, 3)["fields"] as? [String] == ["phone"])
            #expect(Self.row(report, 4).string("result") == "duplicate" && Self.row(report, 4).isNull("duplicateOf"),
                    "the record it repeats is not created on a dry run")
            #expect(Self.row(report, 4).int("duplicateOfRow") == 2)
            #expect(Self.errors(Self.row(report, 5)).keys.sorted() == ["email", "lastName"])
            #expect(try await Self.customers(t, admin.token).count == before)
            #expect(try await t.collect("/crm/audit?limit=200", token: admin.token).count == auditBefore)
            let old = try await t.get("/crm/customers/\(existing)", token: admin.token).json
            #expect(old.isNull("phone"), "the dry run filled nothing in")
        }
    }

    @Test func rowsMatchStoredCustomersAndEarlierRowsByEmailOrNormalisedPhone() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let seller = try await t.makeUser(.salesperson)
            let ann = try await t.makeCustomer(desk.token, first: "Ann", email: "ann@x.test")
            let bob = try await t.makeCustomer(desk.token, first: "Bob", email: "bob@x.test", phone: "+41 79 111 11 11",
                                               salesID: seller.id)
            let csv = """
                First Name,Last Name,E-mail,Mobile,Birthday,Salesperson Id
                Ann,Doe,ANN@x.test,+41 79 222 22 22,1985-01-02,\(seller.id)
                Robert,Doe,,0041791111111,,
                Bobby,Doe,bobby@x.test,+41791111111,,
                Cleo,Doe,cleo@x.test,+41 79 333 33 33,,
                Cleo,Again,Cleo@X.test,,,
                Cleo,Phone,,0041 79 333 33 33,,
                Ann,Phone,,+41 79 222 22 22,,
                Bob,Nothing,bob@x.test,,,
                """
            let response = try await Self.importCSV(t, csv, token: desk.token)
            #expect(response.status == .ok, "\(response.text)")
            let report = response.json
            // Ann: filled in (phone, date of birth, salesperson), never overwritten (her last name stays).
            #expect(Self.row(report, 2).string("result") == "updated" && Self.row(report, 2).string("id") == ann)
            #expect(Self.row(report, 2)["fields"] as? [String] == ["assignedSalesId", "dateOfBirth", "phone"])
            let annNow = try await t.get("/crm/customers/\(ann)", token: desk.token).json
            #expect(annNow.string("phone") == "+41792222222" && annNow.string("dateOfBirth") == "1985-01-02")
            #expect(annNow.string("assignedSalesId") == seller.id && annNow.string("lastName") == "Doe")
            // Bob's phone written another way, no email: Bob, with nothing new.
            #expect(Self.row(report, 3).string("result") == "duplicate" && Self.row(report, 3).string("duplicateOf") == bob)
            // Same phone, another email: a family member, created.
            #expect(!Self.rows(report).contains { ($0["row"] as? Int) == 4 })
            // Within the file: by email (any case), by normalised phone.
            #expect(Self.row(report, 6).string("result") == "duplicate" && Self.row(report, 6).int("duplicateOfRow") == 5)
            let cleo = try #require(Self.row(report, 6).string("duplicateOf"))
            #expect(Self.row(report, 7).int("duplicateOfRow") == 5 && Self.row(report, 7).string("duplicateOf") == cleo)
            // Ann's new phone is hers from row 2 on.
            #expect(Self.row(report, 8).string("duplicateOf") == ann && Self.row(report, 8).int("duplicateOfRow") == 2)
            #expect(Self.row(report, 9).string("result") == "duplicate" && Self.row(report, 9).string("duplicateOf") == bob)
            #expect(Self.counts(report) == ["rows": 8, "created": 2, "updated": 1, "duplicate": 5, "error": 0])
            let stored = try await Self.customers(t, desk.token)
            #expect(stored.count == 4)
            #expect(stored.first { $0.string("id") == cleo }?.string("email") == "cleo@x.test")
        }
    }

    @Test func aFailingRowNamesItsColumnsAndTheOthersStillImport() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let desk = try await t.makeUser(.secretariat)
            let long = String(repeating: "x", count: TextLimits.name + 1)
            let csv = """
                First Name;Surname;E-mail;Mobile;DOB;assignedSalesId
                Good;One;good1@x.test;;;
                ;Nofirst;nofirst@x.test;;;
                Bad;Email;not-an-email;;;
                Bad;Date;date@x.test;;31.12.1990;
                Bad;Future;future@x.test;;2999-01-01;
                \(long);Long;long@x.test;;;
                Bad;Sales;sales@x.test;;;\(desk.id)
                Bad;Phone;;12ab;;
                No;Contact;;;;
                Too;Many;many@x.test;;;;extra
                Good;Two;good2@x.test;;;
                """
            let response = try await Self.importCSV(t, csv, token: admin.token)
            #expect(response.status == .ok, "\(response.text)")
            let report = response.json
            #expect(Self.counts(report) == ["rows": 11, "created": 2, "updated": 0, "duplicate": 0, "error": 9])
            #expect(Self.errors(Self.row(report, 3))["First Name"] != nil)
            #expect(Self.errors(Self.row(report, 4))["E-mail"] == "must be a valid email address")
            #expect(Self.errors(Self.row(report, 5))["DOB"]?.contains("YYYY-MM-DD") == true)
            #expect(Self.errors(Self.row(report, 6))["DOB"] == "must be a past date after 1900")
            #expect(Self.errors(Self.row(report, 7))["First Name"] == "must be 1 to 100 characters")
            #expect(Self.errors(Self.row(report, 8))["assignedSalesId"] != nil, "a secretary is no salesperson")
            #expect(Self.errors(Self.row(report, 9))["Mobile"]?.hasPrefix("must be a phone number") == true)
            #expect(Self.errors(Self.row(report, 10))["E-mail"]?.contains("email or a phone") == true)
            #expect(Self.errors(Self.row(report, 11))["column 7"] != nil, "a cell past the header's columns")
            #expect(Self.rows(report).allSatisfy { $0.string("result") == "error" })
            let names = try await Self.customers(t, admin.token).map { $0.string("lastName") ?? "" }.sorted()
            #expect(names == ["One", "Two"])
        }
    }

    @Test func importingTheSameFileAgainCreatesNothing() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let csv = "firstName,lastName,email,phone\n"
                + (1...30).map { "P\($0),Doe,p\($0)@x.test,+4179000\(String(format: "%04d", $0))" }.joined(separator: "\n")
            let first = try await Self.importCSV(t, csv, token: admin.token)
            #expect(Self.counts(first.json)["created"] == 30)
            let again = try await Self.importCSV(t, csv, token: admin.token)
            #expect(again.status == .ok)
            #expect(Self.counts(again.json) == ["rows": 30, "created": 0, "updated": 0, "duplicate": 30, "error": 0])
            #expect(try await Self.customers(t, admin.token).count == 30)
        }
    }

    @Test func anImportIsAuditedAsOneEntryWithItsCounts() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let desk = try await t.makeUser(.secretariat)
            let csv = "firstName,lastName,email\nA,One,a@x.test\nB,Two,b@x.test\nA,Again,a@x.test\nC,,c@x.test\n"
            let report = try await Self.importCSV(t, csv, token: desk.token).json
            let id = try #require(report.string("importId"))
            let entries = try await t.collect("/crm/audit?entityType=import", token: admin.token)
            #expect(entries.count == 1)
            let entry = try #require(entries.first)
            #expect(entry.string("entityId") == id && entry.string("userId") == desk.id && entry.string("action") == "create")
            let changes = (entry["changes"] as? [String: Any] ?? [:]).mapValues { ($0 as? [String: Any])?["new"] }
            #expect(changes["kind"] as? String == "customers")
            #expect(changes.compactMapValues { ($0 as? NSNumber)?.intValue }
                    == ["rows": 4, "created": 2, "updated": 0, "duplicate": 1, "error": 1])
            // Each created customer keeps its own history as well.
            let created = try await t.collect("/crm/audit?entityType=customer", token: admin.token)
            #expect(created.count == 2 && created.allSatisfy { $0.string("userId") == desk.id })
        }
    }

    @Test func leadsImportAsCreatedLeadsAreAssignedAndMatchStoredLeads() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let seller = try await t.makeUser(.salesperson)
            let stored = t.createdID(try await t.post("/crm/leads", token: admin.token,
                                                      ["source": "website", "firstName": "Mia", "email": "mia@x.test"]))
            let csv = "First Name;Last Name;E-mail;Mobile;Lead Status;Comments;Estimated Value\n"
                + "Lia;Roe;lia@x.test;;contacted;\"Fillers; May\";\"750,50\"\n"
                + "Mia;Roe;MIA@x.test;+41 79 444 44 44;;came to the fair;\n"
                + "Zoe;Roe;zoe@x.test;;converted;;\n"
                + "Ivy;Roe;ivy@x.test;;;;-5\n"
                + "Lia;Again;;;;;\n"
            let response = try await Self.importCSV(t, csv, kind: "leads", token: admin.token, query: "?source=referral")
            #expect(response.status == .ok, "\(response.text)")
            let report = response.json
            #expect(report.string("kind") == "leads")
            #expect(Self.counts(report) == ["rows": 5, "created": 1, "updated": 1, "duplicate": 0, "error": 3])
            #expect(Self.row(report, 3).string("id") == stored)
            #expect(Self.row(report, 3)["fields"] as? [String] == ["lastName", "notes", "phone"])
            #expect(Self.errors(Self.row(report, 4))["Lead Status"]?.contains("new, contacted or qualified") == true)
            #expect(Self.errors(Self.row(report, 5))["Estimated Value"] != nil)
            #expect(Self.errors(Self.row(report, 6))["E-mail"]?.contains("email or a phone") == true)
            let leads = try await t.collect("/crm/leads", token: admin.token)
            let lia = try #require(leads.first { $0.string("firstName") == "Lia" })
            #expect(lia.string("source") == "referral" && lia.string("status") == "contacted" && lia.string("notes") == "Fillers; May")
            #expect((lia["estimatedValue"] as? NSNumber)?.doubleValue == 750.5)
            #expect(lia.string("assignedSalesId") == seller.id, "assigned as a lead typed in")
            let inbox = try await t.get("/crm/notifications", token: seller.token).list
            #expect(inbox.contains { $0.string("type") == "lead_assigned" && $0.string("entityId") == lia.string("id") })
            let mia = try await t.get("/crm/leads/\(stored)", token: admin.token).json
            #expect(mia.string("phone") == "+41794444444" && mia.string("source") == "website", "filled in, not overwritten")
            let again = try await Self.importCSV(t, csv, kind: "leads", token: admin.token, query: "?source=referral")
            #expect(Self.counts(again.json)["created"] == 0 && Self.counts(again.json)["duplicate"] == 2)
        }
    }

    // MARK: refusals

    @Test func badFilesAreRefusedWithAProblemNamingWhatIsWrong() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let good = Data("firstName,lastName,email\nA,B,a@x.test\n".utf8)
            let json = try await Self.post(t, "/crm/imports/customers", token: admin.token, bytes: Data(#"{"a":1}"#.utf8),
                                           contentType: "application/json")
            #expect(json.status == .unsupportedMediaType && json.isProblem)
            let latin = try await Self.post(t, "/crm/imports/customers", token: admin.token, bytes: good,
                                            contentType: "text/csv; charset=iso-8859-1")
            #expect(latin.status == .unsupportedMediaType && latin.isProblem)
            let none = try await Self.post(t, "/crm/imports/customers", token: admin.token, bytes: good, contentType: nil)
            #expect(none.status == .unsupportedMediaType)
            let excel = try await Self.post(t, "/crm/imports/customers", token: admin.token, bytes: good,
                                            contentType: "application/vnd.ms-excel")
            #expect(excel.status == .ok, "what browsers send for a .csv on Windows")

            func refusal(_ bytes: Data, _ kind: String = "customers") async throws -> APIResponse {
                let response = try await Self.post(t, "/crm/imports/\(kind)", token: admin.token, bytes: bytes)
                #expect(response.status == .badRequest && response.isProblem, "\(response.text)")
                return response
            }
            #expect(try await refusal(Data()).errorFields == ["body"])
            #expect(try await refusal(Data("firstName,email\nA,a@x.test\n".utf8)).errorFields == ["lastName"])
            #expect(try await refusal(Data("firstName,lastName\nA,B\n".utf8)).errorFields == ["email"])
            #expect(try await refusal(Data("firstName,First Name,lastName,email\n".utf8)).errorFields == ["firstName"])
            #expect(try await refusal(Data("firstName,email\n".utf8), "leads").errorFields == ["source"])
            var latin1 = Data("firstName,lastName,email\nJos".utf8)
            latin1.append(0xE9)
            latin1.append(contentsOf: Array(",B,j@x.test\n".utf8))
            let notUTF8 = try await refusal(latin1)
            #expect(notUTF8.text.contains("UTF-8") && notUTF8.text.contains("line 2"))
            #expect(try await refusal(Data([0xFF, 0xFE, 0x66, 0x00])).text.contains("UTF-16"))
            #expect(try await refusal(Data("firstName,lastName,email\nA\u{0},B,a@x.test\n".utf8)).text.contains("NUL"))
            let wide = (1...(CSVLimits.maxColumns + 1)).map { "c\($0)" }.joined(separator: ",")
            #expect(try await refusal(Data("firstName,lastName,email,\(wide)\n".utf8)).errorFields == ["header"])
            let badQuery = try await Self.post(t, "/crm/imports/customers?dryRun=maybe", token: admin.token, bytes: good)
            #expect(badQuery.status == .badRequest && badQuery.errorFields == ["dryRun"])
            #expect(try await Self.customers(t, admin.token).count == 1, "only the Excel upload imported")
        }
    }

    @Test func onlyTheFrontDeskAndManagersImport() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let file = Data("firstName,lastName,email\nA,B,a@x.test\n".utf8)
            for kind in ["customers", "leads"] {
                let path = "/crm/imports/\(kind)?source=referral"
                #expect(try await Self.post(t, path, token: nil, bytes: file).status == .unauthorized)
                let seller = try await t.makeUser(.salesperson)
                let refused = try await Self.post(t, path, token: seller.token, bytes: file)
                #expect(refused.status == .forbidden && refused.isProblem)
                let intake = try await t.makeKey(admin.token, role: .admin, scopes: ["intake"]).key
                #expect(try await Self.post(t, path, token: intake, bytes: file).status == .forbidden)
                let desk = try await t.makeUser(.secretariat)
                #expect(try await Self.post(t, path + "&dryRun=true", token: desk.token, bytes: file).status == .ok)
                let key = try await t.makeKey(admin.token, role: .secretariat).key
                #expect(try await Self.post(t, path, token: key, bytes: file).status == .ok, "a front-desk key")
            }
        }
    }

    // MARK: exports

    @Test func customersExportAsTheListWithItsFiltersAndNeutralisedFormulas() async throws {
        try await withCRM { (t: TestContext) async throws in
            let desk = try await t.makeUser(.secretariat)
            let seller = try await t.makeUser(.salesperson)
            _ = try await t.makeCustomer(desk.token, first: "=HYPERLINK(\"http://x\")", last: "+Plus", email: "f1@x.test",
                                         phone: "+41 79 000 00 01", salesID: seller.id)
            _ = try await t.makeCustomer(desk.token, first: "@Sum", last: "-Minus, \"quoted\"", email: "f2@x.test",
                                         salesID: seller.id)
            _ = try await t.makeCustomer(desk.token, first: "Plain", last: "Other", email: "plain@x.test")
            let response = try await t.get("/crm/customers.csv?assignedSalesId=\(seller.id)", token: seller.token)
            #expect(response.status == .ok)
            #expect(response.headers.first(name: .contentType) == "text/csv; charset=utf-8")
            #expect(response.headers.first(name: .contentDisposition) == "attachment; filename=\"customers.csv\"")
            #expect(response.text.hasSuffix("\r\n") && !response.text.hasPrefix("\u{FEFF}"))
            let (header, rows) = Self.records(response)
            let list = try await t.get("/crm/customers?assignedSalesId=\(seller.id)", token: seller.token).list
            #expect(header == ["id", "firstName", "lastName", "email", "phone", "dateOfBirth", "assignedSalesId",
                               "createdAt", "updatedAt"])
            #expect(Set(header) == Set(list.first?.keys.map { $0 } ?? []), "the JSON list's keys")
            #expect(rows.map { $0["id"] ?? "" } == list.map { $0.string("id") ?? "" }, "the same rows, in the same order")
            let first = try #require(rows.first { $0["email"] == "f1@x.test" })
            #expect(first["firstName"] == "'=HYPERLINK(\"http://x\")" && first["lastName"] == "'+Plus")
            #expect(first["phone"] == "'+41790000001" && first["dateOfBirth"] == "")
            let second = try #require(rows.first { $0["email"] == "f2@x.test" })
            #expect(second["firstName"] == "'@Sum" && second["lastName"] == "'-Minus, \"quoted\"")
            for row in rows {
                for cell in row.values {
                    #expect(!(cell.first.map { "=+-@\t\r".contains($0) } ?? false), "no cell may start a formula: \(cell)")
                }
            }
            let searched = Self.records(try await t.get("/crm/customers.csv?search=plain", token: seller.token)).rows
            #expect(searched.map { $0["email"] } == ["plain@x.test"])
            let withBOM = try await t.get("/crm/customers.csv?bom=true", token: desk.token)
            #expect(withBOM.text.hasPrefix("\u{FEFF}id,firstName"))
            let bad = try await t.get("/crm/customers.csv?status=nope", token: desk.token)
            #expect(bad.status == .badRequest && bad.errorFields == ["status"])
        }
    }

    @Test func anExportReadsEveryPageAndImportsBackAsDuplicates() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            let count = CSVExport.pageSize + 20
            let csv = "firstName,lastName,email,phone\n"
                + (1...count).map { "N\($0),-Dash,n\($0)@x.test,+4179100\(String(format: "%04d", $0))" }.joined(separator: "\n")
            #expect(Self.counts(try await Self.importCSV(t, csv, token: admin.token).json)["created"] == count)
            let export = try await t.get("/crm/customers.csv", token: admin.token)
            let (_, rows) = Self.records(export)
            #expect(rows.count == count && Set(rows.compactMap { $0["id"] }).count == count)
            #expect(rows.allSatisfy { $0["lastName"] == "'-Dash" && $0["phone"]?.hasPrefix("'+41") == true })
            // The export imports back: the formula guard's `'` is dropped, every row is a stored customer.
            let back = try await Self.post(t, "/crm/imports/customers", token: admin.token, bytes: export.body)
            #expect(Self.counts(back.json) == ["rows": count, "created": 0, "updated": 0, "duplicate": count, "error": 0])
            #expect((back.json["ignoredColumns"] as? [String])?.contains("createdAt") == true)
        }
    }

    @Test func actionsExportWithTheListsScope() async throws {
        try await withCRM { (t: TestContext) async throws in
            let s = try await t.clinicSetup()
            let other = try await t.makeUser(.salesperson)
            let customer = try await t.makeCustomer(s.desk.token, first: "Eve", salesID: s.sales.id)
            let mine = t.createdID(try await t.post("/crm/actions", token: s.sales.token, [
                "customerId": customer, "actionType": "phone_call", "title": "=Call back", "priority": "high",
                "metadata": ["callOutcome": "interested"]]))
            _ = t.createdID(try await t.post("/crm/actions", token: other.token,
                                             ["customerId": customer, "actionType": "other", "title": "Not hers"]))
            _ = t.createdID(try await t.post("/crm/actions", token: s.sales.token,
                                             ["customerId": customer, "actionType": "other", "title": "Low", "priority": "low"]))
            let response = try await t.get("/crm/actions.csv?priority=high", token: s.sales.token)
            #expect(response.status == .ok)
            #expect(response.headers.first(name: .contentDisposition) == "attachment; filename=\"actions.csv\"")
            let (header, rows) = Self.records(response)
            #expect(header.contains("customer.firstName") && header.contains("isOverdue") && header.first == "id")
            #expect(rows.map { $0["id"] } == [mine])
            #expect(rows.first?["title"] == "'=Call back" && rows.first?["customer.firstName"] == "Eve")
            #expect(rows.first?["metadata"] == #"{"callOutcome":"interested"}"#)
            let all = Self.records(try await t.get("/crm/actions.csv", token: s.sales.token)).rows
            let json = try await t.collect("/crm/actions", token: s.sales.token)
            #expect(all.map { $0["id"] ?? "" } == json.map { $0.string("id") ?? "" } && all.count == 2,
                    "a salesperson's export is their list")
            #expect(Self.records(try await t.get("/crm/actions.csv", token: s.desk.token)).rows.count == 3)
        }
    }

    @Test func leadsExportWithTheListsFilters() async throws {
        try await withCRM { (t: TestContext) async throws in
            let admin = try await t.admin()
            _ = try await t.makeUser(.salesperson)
            _ = t.createdID(try await t.post("/crm/leads", token: admin.token, [
                "source": "website", "firstName": "Web", "email": "web@x.test", "estimatedValue": 99.5]))
            _ = t.createdID(try await t.post("/crm/leads", token: admin.token,
                                              ["source": "referral", "firstName": "Fair", "phone": "+41 79 555 00 00"]))
            let response = try await t.get("/crm/leads.csv?source=website", token: admin.token)
            #expect(response.status == .ok)
            let (header, rows) = Self.records(response)
            let json = try await t.get("/crm/leads?source=website", token: admin.token).list
            #expect(Set(header) == Set(json.first?.keys.map { $0 } ?? []))
            #expect(rows.count == 1 && rows.first?["firstName"] == "Web" && rows.first?["estimatedValue"] == "99.5")
            #expect(rows.first?["attribution"] == "{}" && rows.first?["isTest"] == "false")
            let key = try await t.makeKey(admin.token, role: .salesperson).key
            #expect(try await t.get("/crm/leads.csv", token: key).status == .ok, "a role key reads as the role")
            let intake = try await t.makeKey(admin.token, scopes: ["intake"]).key
            #expect(try await t.get("/crm/leads.csv", token: intake).status == .forbidden)
            #expect(try await t.get("/crm/leads.csv").status == .unauthorized)
        }
    }
}
