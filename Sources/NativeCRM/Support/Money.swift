import Foundation

/// An amount of money kept as integer cents. JSON carries a number with at most two decimals;
/// negative amounts and more precise ones are rejected when decoding.
public struct Money: Codable, Hashable, Comparable, Sendable {
    public var cents: Int64

    public init(cents: Int64) {
        self.cents = cents
    }

    public static let zero = Money(cents: 0)
    /// The largest amount a request may send.
    public static let maximum: Decimal = 1_000_000_000_000

    /// Parses a decimal amount; nil when negative, above two decimals or out of range.
    public init?(decimal: Decimal) {
        guard decimal >= 0, decimal <= Money.maximum else { return nil }
        var scaled = decimal * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled else { return nil }
        cents = NSDecimalNumber(decimal: rounded).int64Value
    }

    public var decimal: Decimal { Decimal(cents) / 100 }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let value: Decimal
        do {
            value = try container.decode(Decimal.self)
        } catch {
            throw DecodingError.typeMismatch(Decimal.self, .init(
                codingPath: decoder.codingPath, debugDescription: "must be a number"))
        }
        guard let money = Money(decimal: value) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "must be a non-negative amount with at most two decimals")
        }
        self = money
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(decimal)
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.cents < rhs.cents }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(cents: lhs.cents + rhs.cents) }
}
