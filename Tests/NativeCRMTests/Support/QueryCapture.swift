import Foundation
import Logging
import NIOConcurrencyHelpers
@testable import NativeCRM

/// Collects the SQL each request runs (from the drivers' "Executing query" log lines, keyed by the
/// request id), so query-plan tests can EXPLAIN exactly what an endpoint executes.
final class QueryCapture: Sendable {
    static let shared = QueryCapture()
    private let queries = NIOLockedValueBox<[String: [String]]>([:])

    func record(requestID: String, sql: String) {
        queries.withLockedValue { $0[requestID, default: []].append(sql) }
    }

    /// How many statements were recorded under `key` so far (without taking them).
    func count(_ key: String) -> Int {
        queries.withLockedValue { $0[key]?.count ?? 0 }
    }

    func take(_ requestID: String) -> [String] {
        queries.withLockedValue { $0.removeValue(forKey: requestID) ?? [] }
    }
}

/// Prints at the configured level (`LOG_LEVEL`, default critical) and captures SQL at every level.
struct CapturingLogHandler: LogHandler {
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    let printLevel: Logger.Level
    var stream: StreamLogHandler

    init(label: String, printLevel: Logger.Level) {
        self.printLevel = printLevel
        stream = StreamLogHandler.standardError(label: label)
        stream.logLevel = printLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        if message.description == "Executing query",
           case let .string(requestID)? = extra?["request-id"] ?? metadata["request-id"],
           case let .string(sql)? = extra?["sql"] {
            QueryCapture.shared.record(requestID: requestID, sql: sql)
        }
        if message.description == "Executing query", case let .string(fanout)? = metadata["fanout-id"],
           case let .string(sql)? = extra?["sql"] {
            QueryCapture.shared.record(requestID: "fanout:" + fanout, sql: sql)
        }
        if level >= LogPolicy.floor, case let .string(requestID)? = extra?["request-id"] ?? metadata["request-id"],
           requestID.hasPrefix(LogCapture.prefix) {
            let merged = metadata.merging(extra ?? [:]) { _, new in new }
            LogCapture.shared.record(requestID: requestID,
                                     line: "\(level) \(message) " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                                        .joined(separator: " "))
        }
        if level >= printLevel {
            var stream = self.stream
            stream.metadata = metadata
            stream.log(level: level, message: message, metadata: extra, source: source, file: file, function: function, line: line)
        }
    }
}

/// The log lines (from `LogPolicy.floor` up: what a server can print) of requests whose id starts with
/// `prefix`, so a test can read everything logged about its own requests.
final class LogCapture: Sendable {
    static let shared = LogCapture()
    static let prefix = "logcheck-"
    private let lines = NIOLockedValueBox<[String: [String]]>([:])

    func record(requestID: String, line: String) {
        lines.withLockedValue { $0[requestID, default: []].append(line) }
    }

    func lines(of requestID: String) -> [String] {
        lines.withLockedValue { $0[requestID] ?? [] }
    }
}
