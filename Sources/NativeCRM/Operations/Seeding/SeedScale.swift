import Foundation

/// The sizes of the synthetic clinic data sets (`crm seed --scale S|M|L`).
public struct SeedScale: Sendable, Equatable {
    public let name: String
    public let customers: Int
    public let salespeople: Int
    /// Per customer, on average (exact totals: customers × these).
    public let appointmentsPerCustomer = 10
    public let communicationsPerCustomer = 10
    public let actionsPerCustomer = 3
    public let tags = 20
    public let clinics = 5
    public let services = 30

    public var appointments: Int { customers * appointmentsPerCustomer }
    public var communications: Int { customers * communicationsPerCustomer }
    public var actions: Int { customers * actionsPerCustomer }
    public var leads: Int { customers }

    public static let small = SeedScale(name: "S", customers: 1_000, salespeople: 10)
    public static let medium = SeedScale(name: "M", customers: 10_000, salespeople: 20)
    public static let large = SeedScale(name: "L", customers: 100_000, salespeople: 40)

    public static func named(_ name: String) -> SeedScale? {
        switch name.uppercased() {
        case "S": return .small
        case "M": return .medium
        case "L": return .large
        default: return nil
        }
    }
}

/// A small, fast, deterministic generator (SplitMix64), so a seed number always gives the same data.
struct SeedRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x5851_F42D_4C95_7F2D }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }

    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }

    mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }

    /// Picks by weight: `[(value, weight)]`.
    mutating func weighted<T>(_ items: [(T, Int)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var roll = int(0...(total - 1))
        for (value, weight) in items {
            if roll < weight { return value }
            roll -= weight
        }
        return items[items.count - 1].0
    }

    /// A UUID drawn from the generator (deterministic ids).
    mutating func uuid() -> UUID {
        let a = next(), b = next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * i)); bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * i)) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// Two counts averaging `mean` for a pair of customers (so totals are exact): mean ± d.
    mutating func pairedCounts(mean: Int) -> (Int, Int) {
        let d = int(0...mean)
        return (mean + d, mean - d)
    }
}
