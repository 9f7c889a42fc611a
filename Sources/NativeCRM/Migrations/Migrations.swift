import Fluent

/// The one chronological list of migrations; a shipped migration is never edited, only followed.
enum CRMMigrations {
    static let all: [any Migration] = [
        M0001_CreateUsers(),
        M0002_CreateLoginThrottles(),
    ]
}
