// Notification tables (owned by core/notifications; filled in by its migration).
export interface NotificationTables {}
