import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
@testable import NativeCRM

/// A real Server-Sent Events client: opens `GET /crm/notifications/stream` and collects events.
final class EventStreamClient: @unchecked Sendable {
    struct Event: Sendable {
        let id: String?
        let event: String?
        let data: String

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:] }
    }

    private let lock = NSLock()
    private var events: [Event] = []
    private var buffer = ""
    private var task: Task<Void, Never>?
    private var finished = false
    private(set) var status: HTTPResponseStatus?
    private(set) var contentType: String?
    private(set) var cacheControl: String?

    /// Connects and starts reading in the background.
    func connect(baseURL: String, token: String, lastEventID: String? = nil) async throws {
        var request = HTTPClientRequest(url: baseURL + "/crm/notifications/stream")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        status = response.status
        contentType = response.headers.first(name: "Content-Type")
        cacheControl = response.headers.first(name: "Cache-Control")
        task = Task { [weak self] in
            do {
                for try await chunk in response.body {
                    self?.consume(String(buffer: chunk))
                    if Task.isCancelled { break }
                }
            } catch {}
            self?.lock.withLock { self?.finished = true }
        }
    }

    /// Waits until at least `count` events arrived (or `timeout` passes) and returns them.
    func waitForEvents(_ count: Int, timeout: Duration = .seconds(5)) async -> [Event] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let current = lock.withLock { events }
            if current.count >= count { return current }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return lock.withLock { events }
    }

    /// Waits until the server ended the stream (or `timeout` passes); true when it ended.
    func waitForEnd(timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if lock.withLock({ finished }) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return lock.withLock { finished }
    }

    func disconnect() {
        task?.cancel()
    }

    private func consume(_ text: String) {
        lock.withLock {
            buffer += text
            while let range = buffer.range(of: "\n\n") {
                let block = String(buffer[buffer.startIndex..<range.lowerBound])
                buffer.removeSubrange(buffer.startIndex..<range.upperBound)
                var id: String?, event: String?, data: [String] = []
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                    else if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                    else if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
                }
                if !data.isEmpty { events.append(Event(id: id, event: event, data: data.joined(separator: "\n"))) }
            }
        }
    }
}
