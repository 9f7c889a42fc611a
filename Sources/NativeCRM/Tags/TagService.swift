import Fluent
import Vapor

/// The tag catalogue (ADMIN manages it) and the characterisation of customers with tags.
struct TagService: Sendable {
    let db: any Database
    let clock: CRMClock

    func create(_ input: Input<CreateTagRequest>, by actor: Actor) async throws -> Tag {
        var errors = input.problems
        let name = Self.checkName(input.name, &errors)
        let color = Self.checkColor(input.color, &errors)
        errors.maxLength(input.description, "description", TextLimits.notes)
        try errors.throwIfAny()
        let tag = Tag()
        tag.name = name
        tag.nameKey = name.lowercased()
        tag.color = color
        tag.details = ContactFields.trimmed(input.description)
        tag.createdAt = clock.now
        tag.updatedAt = tag.createdAt
        tag.version = 1
        try await saveUnique {
            try await db.transaction { db in
                try await tag.create(on: db)
                try await AuditLog(db: db, clock: clock, actor: actor).created(tag)
            }
        }
        return tag
    }

    func list(_ page: PageRequest) async throws -> Page<Tag> {
        try await Tag.query(on: db).page(ascendingBy: \.$nameKey, page) { $0.nameKey }
    }

    func find(_ id: UUID) async throws -> Tag {
        guard let tag = try await Tag.find(id, on: db) else { throw APIError.notFound("Tag") }
        return tag
    }

    /// Under optimistic concurrency (`expected` is the client's `If-Match`).
    func update(_ id: UUID, _ input: Input<UpdateTagRequest>, expected: Int?, by actor: Actor) async throws -> Tag {
        var errors = input.problems
        let name = input.name.map { Self.checkName($0, &errors) }
        let color = input.color.newValue.map { Self.checkColor($0, &errors) }
        errors.maxLength(input.description.newValue, "description", TextLimits.notes)
        try errors.throwIfAny()
        return try await saveUnique {
            try await db.transaction { db in
                try await VersionedEdit(db: db, clock: clock, actor: actor)
                    .apply(Tag.self, id: id, expected: expected, notFound: "Tag") { tag in
                        if let name {
                            tag.name = name
                            tag.nameKey = name.lowercased()
                        }
                        if input.color.isPresent { tag.color = color ?? nil }
                        if input.description.isPresent { tag.details = ContactFields.trimmed(input.description.newValue) }
                    }
            }
        }
    }

    /// Deletes the tag and, in the same transaction, every attachment of it (each audited, set-based).
    func delete(_ id: UUID, by actor: Actor) async throws {
        try await db.transaction { db in
            guard let tag = try await Tag.find(id, on: db) else { throw APIError.notFound("Tag") }
            try await AuditLog(db: db, clock: clock, actor: actor).deletedAttachments(ofTag: id)
            try await CustomerTag.query(on: db).filter(\.$tagID == id).delete()
            try await tag.delete(on: db)
            try await AuditLog(db: db, clock: clock, actor: actor).deleted(tag)
        }
    }

    // MARK: Characterisation

    func attach(customerID: UUID, _ input: Input<AttachTagRequest>, by caller: AuthenticatedUser) async throws
        -> CustomerTagResponse
    {
        var errors = input.problems
        errors.maxLength(input.notes, "notes", TextLimits.notes)
        try errors.throwIfAny()
        _ = try await CustomerService(db: db, clock: clock).find(customerID)
        guard let tag = try await Tag.find(input.tagId, on: db) else {
            throw APIError.invalid("tagId", "no tag has this id")
        }
        let attachment = CustomerTag()
        attachment.customerID = customerID
        attachment.tagID = tag.id!
        attachment.notes = ContactFields.trimmed(input.notes)
        attachment.addedBy = caller.id
        attachment.createdAt = clock.now
        do {
            try await db.transaction { db in
                try await attachment.create(on: db)
                try await AuditLog(db: db, clock: clock, actor: caller.actor).created(attachment)
            }
        } catch where ConstraintViolation(error)?.isUnique(CustomerTag.schema, "customer_id", "tag_id") == true {
            throw APIError.conflict("The customer already has this tag.", code: "duplicate-tag")
        } catch where ConstraintViolation(error)?.kind == .foreignKey {
            // The tag deleted meanwhile (SQLite does not say which key; the customer cannot be deleted).
            throw APIError.invalid("tagId", "no tag has this id")
        }
        return CustomerTagResponse(attachment, tag: tag)
    }

    func detach(_ attachmentID: UUID, by actor: Actor) async throws {
        try await db.transaction { db in
            guard let attachment = try await CustomerTag.find(attachmentID, on: db) else {
                throw APIError.notFound("Customer tag")
            }
            try await attachment.delete(on: db)
            try await AuditLog(db: db, clock: clock, actor: actor).deleted(attachment)
        }
    }

    /// A customer's tags, oldest first (for the record view).
    func tags(ofCustomer customerID: UUID) async throws -> [CustomerTagResponse] {
        let rows = try await CustomerTag.query(on: db)
            .join(Tag.self, on: \CustomerTag.$tagID == \Tag.$id)
            .filter(\.$customerID == customerID)
            .sort(\.$createdAt).sort(\.$id)
            .all()
        return try rows.map { CustomerTagResponse($0, tag: try $0.joined(Tag.self)) }
    }

    /// The customers carrying a tag, most recently tagged first, keyset-paged on the attachment.
    func customers(withTag tagID: UUID, page: PageRequest) async throws -> Page<Customer> {
        _ = try await find(tagID)
        let attachments = try await CustomerTag.query(on: db)
            .join(Customer.self, on: \CustomerTag.$customerID == \Customer.$id)
            .filter(\.$tagID == tagID)
            .page(newestFirstBy: \.$createdAt, page) { $0.createdAt }
        return Page(items: try attachments.items.map { try $0.joined(Customer.self) }, next: attachments.next)
    }

    private func saveUnique<T>(_ write: () async throws -> T) async throws -> T {
        try await withUniqueName("A tag with this name already exists.", table: Tag.schema, write)
    }

    private static func checkName(_ raw: String, _ errors: inout FieldErrors) -> String {
        errors.requiredText(raw, "name", max: TextLimits.name)
    }

    /// `#RGB` or `#RRGGBB`, kept as the client sent it (trimmed).
    private static func checkColor(_ raw: String?, _ errors: inout FieldErrors) -> String? {
        guard let raw else { return nil }
        guard let color = ContactFields.trimmed(raw) else {
            errors.add("color", "must be a hex colour such as #FFD700 (send null to clear it)")
            return nil
        }
        let hex = color.dropFirst()
        let valid = color.hasPrefix("#") && (hex.count == 3 || hex.count == 6) && hex.allSatisfy(\.isHexDigit)
        errors.check(valid, "color", "must be a hex colour such as #FFD700")
        return color
    }
}
