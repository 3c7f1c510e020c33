// Report tables (owned by core/moderation; filled in by its migration).
export interface ModerationTables {}
