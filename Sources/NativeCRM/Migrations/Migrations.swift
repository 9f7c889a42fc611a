import Fluent

/// The one chronological list of migrations; a shipped migration is never edited, only followed.
enum CRMMigrations {
    static let all: [any Migration] = [
        M0001_CreateUsers(),
        M0002_CreateLoginThrottles(),
        M0003_CreateCustomers(),
        M0004_CreateCatalog(),
        M0005_CreateAppointments(),
        M0006_CreateCommunications(),
        M0007_CreateSalesActions(),
        M0008_CreateTags(),
        M0009_CreateLeads(),
        M0010_AddRecordListColumns(),
        M0011_CreateNotifications(),
        M0012_AddReliability(),
        M0013_AddDelegatedActionsIndex(),
        M0014_AddAnalyticsIndexes(),
        M0015_AddAuditLookupIndexes(),
        M0016_AddSessionSecurity(),
        M0017_RepairFreeFormJSON(),
        M0018_AddStreamFanout(),
        M0019_VersionCatalogAndCommunications(),
        M0020_AddActionTimelineIndex(),
        M0021_CreateNotificationMarkers(),
        M0022_CreateAPIKeys(),
        M0023_AddLeadIntake(),
        M0024_CreateCalendarFeeds(),
        M0025_CreateIntakeJobs(),
        M0026_CreateWebhooks(),
        M0027_AddLeadContactIndexes(),
    ]
}
