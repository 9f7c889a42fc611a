import Fluent
import FluentSQL
import SQLKit
import Vapor

/// `limit` and `cursor` of a list request, validated (limit 1–200, default 50; cursor opaque).
public struct PageRequest: Sendable {
    public static let defaultLimit = 50
    public static let maxLimit = 200

    public var limit: Int
    public var cursor: Cursor?

    public init(limit: Int = PageRequest.defaultLimit, cursor: Cursor? = nil) {
        self.limit = limit
        self.cursor = cursor
    }

    /// Reads `limit` and `cursor` from the query string, reporting each bad one by name.
    public init(from request: Request) throws {
        var errors = FieldErrors()
        var limit = Self.defaultLimit
        if let raw = request.query[String.self, at: "limit"] {
            if let value = Int(raw), (1...Self.maxLimit).contains(value) {
                limit = value
            } else {
                errors.add("limit", "must be an integer from 1 to \(Self.maxLimit)")
            }
        }
        var cursor: Cursor?
        if let raw = request.query[String.self, at: "cursor"] {
            cursor = Cursor(encoded: raw)
            if cursor == nil { errors.add("cursor", "is not a cursor this server issued") }
        }
        try errors.throwIfAny()
        self.init(limit: limit, cursor: cursor)
    }
}

/// The position after the last row of a page: the sort key values of that row, base64url JSON.
public struct Cursor: Sendable, Equatable {
    public var values: [String]

    public init(_ values: [String]) {
        self.values = values
    }

    public init?(encoded: String) {
        var base64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64),
              let values = try? JSONDecoder().decode([String].self, from: data) else { return nil }
        self.values = values
    }

    public var encoded: String {
        let data = (try? JSONEncoder().encode(values)) ?? Data()
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The value at `index` as a timestamp (stored as epoch milliseconds).
    public func date(at index: Int) throws -> Date {
        // From 1899 (a timestamp of 1900 minus the offsets derived dates take: a confirmation 24 h
        // before a visit) to the end of 9999 (the "no due date" sort key): nothing else is issued here.
        guard index < values.count, let ms = Int64(values[index]),
              (Self.earliestMilliseconds...253_402_300_799_999).contains(ms) else { throw Self.invalid }
        return Timestamp.fromMilliseconds(ms)
    }

    public func uuid(at index: Int) throws -> UUID {
        guard index < values.count, let id = UUID(uuidString: values[index]) else { throw Self.invalid }
        return id
    }

    public func string(at index: Int) throws -> String {
        guard index < values.count else { throw Self.invalid }
        return values[index]
    }

    public func int(at index: Int) throws -> Int64 {
        guard index < values.count, let value = Int64(values[index]), value.magnitude < 1_000_000_000_000_000 else {
            throw Self.invalid
        }
        return value
    }

    public static func timestamp(_ date: Date) -> String { String(Timestamp.milliseconds(date)) }

    static let invalid = APIError.invalid("cursor", "is not a cursor this server issued")

    /// 1899-01-01T00:00:00Z.
    static let earliestMilliseconds: Int64 = -2_240_524_800_000
}

/// One page of rows and, when more exist, the cursor of the next page.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var next: Cursor?
    /// The fetched row past the limit, when a caller merges pages (otherwise unused).
    var extra: [Item] = []

    public init(items: [Item], next: Cursor?) {
        self.items = items
        self.next = next
    }

    /// Builds a page from up to `limit + 1` fetched rows: the extra row only says that more exist.
    public init(fetched: [Item], limit: Int, cursor: (Item) -> Cursor) {
        if fetched.count > limit {
            let items = Array(fetched.prefix(limit))
            self.init(items: items, next: items.last.map(cursor))
        } else {
            self.init(items: fetched, next: nil)
        }
    }

    public func map<T>(_ transform: (Item) throws -> T) rethrows -> Page<T> {
        Page<T>(items: try items.map(transform), next: next)
    }
}

extension Page where Item: Content {
    /// A bare JSON array; `Link: <...>; rel="next"` when another page exists.
    public func response(for request: Request, status: HTTPStatus = .ok) throws -> Response {
        let response = Response(status: status)
        try response.content.encode(items, as: .json)
        if let next {
            var components = URLComponents()
            components.path = request.url.path
            var items = (URLComponents(string: request.url.string)?.queryItems ?? [])
                .filter { $0.name != "cursor" }
            items.append(URLQueryItem(name: "cursor", value: next.encoded))
            components.queryItems = items
            response.headers.replaceOrAdd(name: .link, value: "<\(components.string ?? request.url.path)>; rel=\"next\"")
        }
        return response
    }
}

extension QueryBuilder where Model.IDValue == UUID {
    /// Keyset paging on a unique string column, ascending: rows after the cursor's value, `limit + 1` fetched.
    public func page<Field: QueryableProperty>(
        ascendingBy key: KeyPath<Model, Field>, _ page: PageRequest, keyOf: @escaping (Model) -> String
    ) async throws -> Page<Model> where Field.Model == Model, Field.Value == String {
        if let cursor = page.cursor {
            self.filter(key > (try cursor.string(at: 0)))
        }
        let rows = try await self.sort(key, .ascending).limit(page.limit + 1).all()
        return Page(fetched: rows, limit: page.limit) { Cursor([keyOf($0)]) }
    }
}

extension QueryBuilder where Model.IDValue == UUID {
    /// Keyset paging newest first on a timestamp column with the id as tie-breaker.
    public func page<Field: QueryableProperty>(
        newestFirstBy key: KeyPath<Model, Field>, _ page: PageRequest, timeOf: @escaping (Model) -> Date
    ) async throws -> Page<Model> where Field.Model == Model, Field.Value == Date {
        try await self.page(by: key, .descending, page, timeOf: timeOf)
    }

    /// Keyset paging on a timestamp column with the id as tie-breaker, in either direction:
    /// rows strictly after the cursor's `(time, id)`, `limit + 1` fetched.
    public func page<Field: QueryableProperty>(
        by key: KeyPath<Model, Field>, _ direction: DatabaseQuery.Sort.Direction, _ page: PageRequest,
        timeOf: @escaping (Model) -> Date
    ) async throws -> Page<Model> where Field.Model == Model, Field.Value == Date {
        let ascending: Bool
        if case .ascending = direction { ascending = true } else { ascending = false }
        if let cursor = page.cursor {
            self.after(direction, KeysetValue(key, try cursor.date(at: 0)), KeysetValue(\Model._$id, try cursor.uuid(at: 1)))
        }
        let rows = try await self.sort(key, direction).sort(\Model._$id, direction).limit(page.limit + 1).all()
        return Page(fetched: rows, limit: page.limit) {
            Cursor([Cursor.timestamp(timeOf($0)), ($0.id ?? UUID()).uuidString])
        }
    }
}

/// A place in a timeline merged from several tables, newest first: rows sort by `(at, rank, id)`
/// descending, where `rank` tells the tables apart (rows of two tables may share a time).
public struct TimelinePosition: Sendable, Equatable {
    public var at: Date
    public var rank: Int
    public var id: UUID

    public init(at: Date, rank: Int, id: UUID) {
        self.at = at
        self.rank = rank
        self.id = id
    }

    /// Reads `[time, rank, id]` from a cursor.
    public init(_ cursor: Cursor) throws {
        guard cursor.values.count == 3, let rank = Int(try cursor.string(at: 1)), (0...9).contains(rank) else {
            throw Cursor.invalid
        }
        self.init(at: try cursor.date(at: 0), rank: rank, id: try cursor.uuid(at: 2))
    }

    public var cursor: Cursor { Cursor([Cursor.timestamp(at), String(rank), id.uuidString]) }

    /// Newest first: later time, then higher rank, then higher id.
    public static func newerFirst(_ a: TimelinePosition, _ b: TimelinePosition) -> Bool {
        if a.at != b.at { return a.at > b.at }
        if a.rank != b.rank { return a.rank > b.rank }
        return a.id.uuidString > b.id.uuidString
    }
}

extension QueryBuilder where Model.IDValue == UUID {
    /// The newest `limit` rows of one table of a merged timeline (its rows all have `rank`) that come
    /// after `position`, newest first. The caller merges such pages of each table.
    public func newestFirst<Field: QueryableProperty>(
        by key: KeyPath<Model, Field>, rank: Int, after position: TimelinePosition?, limit: Int
    ) -> QueryBuilder<Model> where Field.Model == Model, Field.Value == Date {
        if let position {
            if rank < position.rank {
                self.filter(key <= position.at)
            } else if rank > position.rank {
                self.filter(key < position.at)
            } else {
                self.after(.descending, KeysetValue(key, position.at), KeysetValue(\Model._$id, position.id))
            }
        }
        return self.sort(key, .descending).sort(\Model._$id, .descending).limit(limit)
    }
}

/// One column of a keyset and the cursor's value for it (`KeysetValue(\.$repeatCount, 3)`).
struct KeysetValue<Model: Fluent.Model>: Sendable {
    let column: String
    let value: any Encodable & Sendable

    init<Property: QueryableProperty>(_ key: KeyPath<Model, Property>, _ value: Property.Value)
    where Property.Model == Model {
        column = Model.path(for: key).map(\.description).joined(separator: "_")
        self.value = value
    }
}

extension QueryBuilder {
    /// The rows after a cursor in the order of `keys`, all sorted `direction`: one row-value comparison,
    /// `(a, b, c) > (?, ?, ?)` ascending or `<` descending (PostgreSQL; SQLite since 3.15), which the
    /// index on those columns serves as a range (`QueryPlanTests` reads the plans of second pages).
    @discardableResult
    func after(_ direction: DatabaseQuery.Sort.Direction, _ keys: KeysetValue<Model>...) -> Self {
        let ascending: Bool
        if case .ascending = direction { ascending = true } else { ascending = false }
        let columns = SQLGroupExpression(keys.map { SQLColumn($0.column, table: Model.schemaOrAlias) as any SQLExpression })
        let values = SQLGroupExpression(keys.map { SQLBind($0.value) as any SQLExpression })
        return filter(.sql(SQLBinaryExpression(columns, ascending ? SQLBinaryOperator.greaterThan : .lessThan, values)))
    }
}
