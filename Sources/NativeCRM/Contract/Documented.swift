import Foundation
import OpenAPIKit

/// A type the API document describes, as a component schema under `schemaName`. Each DTO's
/// conformance lives beside the DTO, so a field and its documentation change together;
/// `ResponseKeysTests` fails when a response's keys and its schema's properties differ.
protocol Documented {
    /// The component name in `#/components/schemas` (and the generated client's type name).
    static var schemaName: String { get }
    static var schema: JSONSchema { get }
}

extension Documented {
    /// A `$ref` to this type's component schema.
    static var ref: JSONSchema { .reference(.component(named: schemaName)) }
}

/// An API enum is documented from its `allCases`, under its Swift name.
extension Documented where Self: APIEnum {
    static var schemaName: String { String(describing: Self.self) }
    static var schema: JSONSchema { Schema.oneOf(allCases.map(\.rawValue)) }
}

/// The vocabulary the schemas are written in: the document's shared field kinds and the two object
/// shapes (a request refuses unknown keys; a response always carries every key).
enum Schema {
    static let uuid = JSONSchema.string(format: .uuid)
    static let dateTime = JSONSchema.string(format: .dateTime)
    static let date = JSONSchema.string(format: .date)
    static let string = JSONSchema.string
    static let integer = JSONSchema.integer
    static let count = JSONSchema.integer(minimum: (0, exclusive: false))
    static let boolean = JSONSchema.boolean
    static let number = JSONSchema.number

    static let moneyOut = JSONSchema.number(
        description: "Amount with at most two decimals (stored as integer cents).", minimum: (0, exclusive: false))
    static let moneyIn = JSONSchema.number(
        description: "Non-negative amount with at most two decimals; negative amounts or more decimals are a 400.",
        multipleOf: 0.01, maximum: (NSDecimalNumber(decimal: Money.maximum).doubleValue, exclusive: false), minimum: (0, exclusive: false))
    static let jsonObject = JSONSchema.object(description: "Free-form JSON object.", additionalProperties: .a(true))

    /// What a request may send as free-form JSON (`JSONLimits.input`).
    static let jsonInText = "Free-form JSON object: at most \(JSONLimits.input.maxDepth) levels deep, "
        + "\(JSONLimits.input.maxKeysPerObject) keys per object, \(JSONLimits.input.maxValues) values in all, keys of up to "
        + "\(JSONLimits.input.maxKeyLength) characters, \(JSONLimits.input.maxFieldBytes / 1024) KB as compact JSON; no key twice. "
        + "Beyond: 400 naming the field."
    static let jsonIn = JSONSchema.object(
        description: jsonInText, maxProperties: JSONLimits.input.maxKeysPerObject, additionalProperties: .a(true))
    /// A free-form JSON object merged into the stored one.
    static let jsonMerge = jsonIn.with(description: jsonInText + " Merged shallowly; a key set to null is removed.")

    static let notes = text(TextLimits.notes)
    static let subject = text(TextLimits.title)
    /// A name: 1 to 100 characters after trimming.
    static let name = JSONSchema.string(
        description: "1 to \(TextLimits.name) characters after trimming.", minLength: 1, maxLength: TextLimits.name)
    /// A catalogue name (clinic, service, tag), unique ignoring case.
    static let uniqueName = name.with(
        description: "1 to \(TextLimits.name) characters after trimming; unique ignoring case (409).")
    static let title = JSONSchema.string(
        description: "1 to \(TextLimits.title) characters after trimming.", minLength: 1, maxLength: TextLimits.title)
    static let password = JSONSchema.string(
        description: "\(UserInput.passwordLength.lowerBound) to \(UserInput.passwordLength.upperBound) characters.",
        minLength: UserInput.passwordLength.lowerBound, maxLength: UserInput.passwordLength.upperBound)
    static let emailIn = JSONSchema.string(
        format: .email, description: "Trimmed and lower-cased; must be a plausible address. An empty string means none.",
        maxLength: TextLimits.email)
    static let phoneIn = JSONSchema.string(
        description: "Separators (spaces, dots, dashes, parentheses, slashes) are removed and a leading `00` is read as "
            + "`+`; with `+` it must be E.164 (8 to 15 digits), otherwise 5 to 15 digits. An empty string means none.",
        maxLength: TextLimits.phone)

    /// Free text of at most `max` characters.
    static func text(_ max: Int, _ description: String? = nil) -> JSONSchema {
        .string(description: description ?? "At most \(max) characters.", maxLength: max)
    }

    /// A string that is one of `values`.
    static func oneOf(_ values: [String]) -> JSONSchema {
        .string(allowedValues: values.map { AnyCodable($0) })
    }

    /// An API enum written out in place (not as a reference).
    static func oneOf<E: APIEnum>(_: E.Type) -> JSONSchema { oneOf(E.allCases.map(\.rawValue)) }

    static func array(_ items: JSONSchema, _ description: String? = nil) -> JSONSchema {
        .array(description: description, items: items)
    }

    /// A request body's object: `required` keys must be present (all of them unless listed), any key
    /// not in `properties` is a 400 naming it.
    static func request(
        _ properties: OrderedDictionary<String, JSONSchema>, required: [String]? = nil, description: String? = nil
    ) -> JSONSchema {
        object(properties, required: required, description: description, additionalProperties: .a(false))
    }

    /// A response object: every key is always present (optional ones are written as null).
    static func response(_ properties: OrderedDictionary<String, JSONSchema>, description: String? = nil) -> JSONSchema {
        object(properties, required: nil, description: description)
    }

    static func object(
        _ properties: OrderedDictionary<String, JSONSchema>, required: [String]? = nil, description: String? = nil,
        additionalProperties: Either<Bool, JSONSchema>? = nil
    ) -> JSONSchema {
        let required = Set(required ?? Array(properties.keys))
        var props = OrderedDictionary<String, JSONSchema>()
        for (key, schema) in properties {
            props[key] = required.contains(key) ? schema.requiredSchemaObject() : schema.optionalSchemaObject()
        }
        return .object(description: description, properties: props, additionalProperties: additionalProperties)
    }
}

extension JSONSchema {
    /// This schema, or null (an enum's allowed values then include null).
    var orNull: JSONSchema {
        let nullable = nullableSchemaObject()
        guard let values = allowedValues else { return nullable }
        return nullable.with(allowedValues: values + [AnyCodable(nil)])
    }

    /// This schema with `text` as its description.
    func described(_ text: String) -> JSONSchema { with(description: text) }
}
