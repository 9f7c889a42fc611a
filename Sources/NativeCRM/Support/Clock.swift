import Vapor

/// The time source of every rule: injected so tests can move time. Values are whole milliseconds.
public struct CRMClock: Sendable {
    private let source: @Sendable () -> Date

    public init(_ source: @escaping @Sendable () -> Date) {
        self.source = source
    }

    public static let system = CRMClock { Date() }

    public var now: Date { Timestamp.normalized(source()) }
}

extension Application {
    private struct ClockKey: StorageKey { typealias Value = CRMClock }

    /// The application's clock (system time unless a test installs another).
    public var clock: CRMClock {
        get { storage[ClockKey.self] ?? .system }
        set { storage[ClockKey.self] = newValue }
    }
}

extension Request {
    public var clock: CRMClock { application.clock }
}
