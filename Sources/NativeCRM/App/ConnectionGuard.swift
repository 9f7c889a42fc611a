import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Vapor

/// Vapor's HTTP server with a guard on every connection against slow and oversized clients:
/// a request head must arrive within `ConnectionTimeouts.head` and be at most `maxHeadBytes`
/// (431 beyond), a body within `ConnectionTimeouts.body` of its head (408 otherwise, then the
/// connection closes), and a connection idle for `ConnectionTimeouts.idle` closes (Vapor's own idle
/// timeout). A request the HTTP parser cannot read answers 400 instead of a silent hang-up.
///
/// Vapor builds each connection's pipeline internally, so the guard is added the only way it offers:
/// a handler on the listening channel sees every accepted connection after Vapor set it up and before
/// it reads a byte, and puts two handlers into it — one first (raw bytes and timers) and one right
/// after the HTTP parser (where a head and an end are known).
final class GuardedHTTPServer: Server, Sendable {
    /// A request head that has not ended after this many bytes is refused with 431.
    static let maxHeadBytes = 32 * 1024

    let inner: HTTPServer
    let timeouts: ConnectionTimeouts
    let connections: OpenConnections
    let logger: Logger

    init(application: Application) {
        inner = application.http.server.shared
        timeouts = application.crmConfig.connectionTimeouts
        connections = application.openConnections
        logger = application.logger
    }

    var onShutdown: EventLoopFuture<Void> { inner.onShutdown }

    func start(address: BindAddress?) throws {
        try inner.start(address: address)
        try install().wait()
    }

    func start(address: BindAddress?) async throws {
        try await inner.start(address: address)
        try await install().get()
    }

    func shutdown() { inner.shutdown() }

    func shutdown() async { await inner.shutdown() }

    /// Adds the hook on the listening channel's loop; start returns only once it is in place, so every
    /// connection a caller makes after start is guarded.
    private func install() -> EventLoopFuture<Void> {
        guard let channel = Self.listeningChannel(of: inner) else {
            logger.critical("the connection guard could not find the listening socket; slow clients are not limited")
            return MultiThreadedEventLoopGroup.singleton.any().makeSucceededVoidFuture()
        }
        let hook = AcceptedConnectionHook(timeouts: timeouts, connections: connections)
        return channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(hook, position: .last)
        }
    }

    /// The listening channel of Vapor's server (its `connection.channel`, which Vapor keeps private).
    static func listeningChannel(of server: HTTPServer) -> (any Channel)? {
        guard let box = Mirror(reflecting: server).descendant("connection") as? any LockedValueReading else { return nil }
        let optional = box.currentValue
        guard let connection = Mirror(reflecting: optional).children.first?.value else { return nil }
        return Mirror(reflecting: connection).descendant("channel") as? any Channel
    }
}

/// Reads a locked box's value without naming its type.
protocol LockedValueReading {
    var currentValue: Any { get }
}

extension NIOLockedValueBox: LockedValueReading {
    var currentValue: Any { withLockedValue { $0 } }
}

/// On the listening channel: each accepted connection passes here after Vapor's initializer ran and
/// before it is registered (so before it reads anything); the guard handlers are added on its loop.
private final class AcceptedConnectionHook: ChannelInboundHandler, Sendable {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    let timeouts: ConnectionTimeouts
    let connections: OpenConnections

    init(timeouts: ConnectionTimeouts, connections: OpenConnections) {
        self.timeouts = timeouts
        self.connections = connections
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let child = Self.unwrapInboundIn(data)
        let timeouts = timeouts
        let connections = connections
        child.eventLoop.execute {
            let slowClients = SlowClientGuard(timeouts: timeouts)
            let operations = child.pipeline.syncOperations
            do {
                try operations.addHandler(slowClients, position: .first)
                let parser = try operations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
                try operations.addHandler(RequestProgressObserver(slowClients), position: .after(parser))
            } catch {
                child.close(promise: nil)  // a connection we cannot guard is not served
            }
            if let peer = child.remoteAddress { connections.opened(peer, closeFuture: child.closeFuture) }
        }
        context.fireChannelRead(data)
    }
}

/// First in a connection's pipeline: starts the head timer when a request's first bytes arrive,
/// the body timer when its head is complete, and answers 408/431/400 itself when one is broken.
private final class SlowClientGuard: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private enum Phase { case idle, head, body, refused }

    private let timeouts: ConnectionTimeouts
    private var phase = Phase.idle
    private var headBytes = 0
    /// How much of the blank line ending a head the bytes so far ended with.
    private var headEnd = 0
    private var timer: Scheduled<Void>?
    /// Whether the server wrote anything since the current phase began (then a 408 would corrupt it).
    private var wroteInPhase = false
    private var context: ChannelHandlerContext?

    init(timeouts: ConnectionTimeouts) {
        self.timeouts = timeouts
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard phase != .refused else { return }
        if phase == .idle {
            enter(.head, timeout: timeouts.head)
            headBytes = 0
            headEnd = 0
        }
        if phase == .head {
            headBytes += Self.bytesOfHead(in: Self.unwrapInboundIn(data), matched: &headEnd)
            if headBytes > GuardedHTTPServer.maxHeadBytes {
                refuse(.requestHeaderFieldsTooLarge)
                return
            }
        }
        context.fireChannelRead(data)  // the parser runs now: a complete head moves us to .body
    }

    /// How many bytes of `buffer` belong to the head: up to and including the blank line that ends it
    /// (`\r\n\r\n`, which may straddle reads: `matched` carries how much of it the last read ended with).
    private static func bytesOfHead(in buffer: ByteBuffer, matched: inout Int) -> Int {
        let marker: [UInt8] = [13, 10, 13, 10]
        var count = 0
        for byte in buffer.readableBytesView {
            count += 1
            if byte == marker[matched] {
                matched += 1
                if matched == marker.count { return count }
            } else {
                matched = byte == marker[0] ? 1 : 0
            }
        }
        return count
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        wroteInPhase = true
        context.write(data, promise: promise)
    }

    /// The parser produced a complete head.
    func headReceived() {
        guard phase == .head else { return }
        enter(.body, timeout: timeouts.body)
    }

    /// The parser produced a request's end: what follows is the next request.
    func requestEnded() {
        guard phase == .body || phase == .head else { return }
        timer?.cancel()
        timer = nil
        phase = .idle
    }

    /// Answers `status` (unless the server already began an answer) and closes the connection.
    func refuse(_ status: HTTPResponseStatus) {
        guard phase != .refused, let context else { return }
        timer?.cancel()
        timer = nil
        phase = .refused
        guard !wroteInPhase else {
            context.close(promise: nil)
            return
        }
        let problem = #"{"type":"urn:native-crm:problem:\#(Self.code(for: status))","title":"\#(status.reasonPhrase)","#
            + #""status":\#(status.code),"detail":"\#(Self.detail(for: status))","errors":[]}"#
        var buffer = context.channel.allocator.buffer(capacity: 256 + problem.utf8.count)
        buffer.writeString("HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n")
        buffer.writeString("Content-Type: application/problem+json; charset=utf-8\r\n")
        buffer.writeString("Content-Length: \(problem.utf8.count)\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n")
        buffer.writeString(problem)
        context.writeAndFlush(Self.wrapOutboundOut(.byteBuffer(buffer))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func enter(_ next: Phase, timeout seconds: Double) {
        timer?.cancel()
        phase = next
        wroteInPhase = false
        guard let context else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(seconds * 1000))) { [self] in
            refuse(.requestTimeout)
        }
    }

    private static func code(for status: HTTPResponseStatus) -> String {
        switch status {
        case .requestTimeout: return "request-timeout"
        case .requestHeaderFieldsTooLarge: return "request-header-too-large"
        default: return "bad-request"
        }
    }

    private static func detail(for status: HTTPResponseStatus) -> String {
        switch status {
        case .requestTimeout: return "The request did not arrive in time."
        case .requestHeaderFieldsTooLarge: return "The request head is larger than \(GuardedHTTPServer.maxHeadBytes) bytes."
        default: return "The request is not valid HTTP."
        }
    }
}

/// Right after the HTTP parser: tells the guard when a head and an end were read, and turns the
/// parser's errors into answers (431 for a head too large, 400 for anything else it cannot read).
private final class RequestProgressObserver: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    private let slowClients: SlowClientGuard

    init(_ slowClients: SlowClientGuard) {
        self.slowClients = slowClients
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head: slowClients.headReceived()
        case .body: break
        case .end: slowClients.requestEnded()
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        switch parserError {
        case .headerOverflow: slowClients.refuse(.requestHeaderFieldsTooLarge)
        default: slowClients.refuse(.badRequest)
        }
    }
}

/// The open connections of this instance by peer address, so a long-lived response (the live stream)
/// learns at once that its client hung up.
final class OpenConnections: Sendable {
    private let closeFutures = NIOLockedValueBox<[String: EventLoopFuture<Void>]>([:])

    func opened(_ peer: SocketAddress, closeFuture: EventLoopFuture<Void>) {
        let key = peer.description
        closeFutures.withLockedValue { $0[key] = closeFuture }
        closeFuture.whenComplete { [self] _ in
            closeFutures.withLockedValue { futures in
                if futures[key] === closeFuture { futures.removeValue(forKey: key) }
            }
        }
    }

    /// Completes when the connection from `peer` closes; nil when it is not known (already closed).
    func closeFuture(of peer: SocketAddress?) -> EventLoopFuture<Void>? {
        guard let peer else { return nil }
        return closeFutures.withLockedValue { $0[peer.description] }
    }
}

extension Application {
    private struct OpenConnectionsKey: StorageKey { typealias Value = OpenConnections }

    /// Set up once in `configure`.
    var openConnections: OpenConnections {
        get { storage[OpenConnectionsKey.self]! }
        set { storage[OpenConnectionsKey.self] = newValue }
    }
}
