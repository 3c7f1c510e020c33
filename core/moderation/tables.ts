// Report tables (owned by core/moderation): reports, the resolutions that close them, and warnings on members.
import type { ColumnType, Generated, Selectable } from 'kysely'

type CreatedAt = ColumnType<string, string | undefined, never>

export type ReportStatus = 'open' | 'resolved'
export type ReportOutcome = 'dismiss' | 'remove' | 'sensitive' | 'warn' | 'suspend'
export type AppealStatus = 'open' | 'upheld' | 'overturned'

export interface ReportsTable {
  id: Generated<number>
  /** Null when a plugin files on its own (an automatic flag), or the reporter's account was deleted. */
  reporter_id: number | null
  /** 'user', 'post', 'comment', or a plugin's own type such as 'random-chat.session'. */
  target_type: string
  /** Text, since plugin targets need not be numbers. */
  target_id: string
  /** The member responsible for the target (the author, or the reported member), when there is one. */
  target_user_id: number | null
  reason: string
  note: ColumnType<string, string | undefined, string>
  /** JSON: what was reported, as it was when reported. */
  snapshot: ColumnType<string, string | undefined, string>
  status: ColumnType<ReportStatus, ReportStatus | undefined, ReportStatus>
  resolution_id: number | null
  created_at: CreatedAt
  resolved_at: string | null
}

/** One decision on a target; it closes every report open on that target at the time. */
export interface ReportResolutionsTable {
  id: Generated<number>
  target_type: string
  target_id: string
  target_user_id: number | null
  outcome: ReportOutcome
  note: ColumnType<string, string | undefined, string>
  /** The moderator or admin; null for the command line. */
  actor_id: number | null
  reports_count: number
  created_at: CreatedAt
}

export interface MemberWarningsTable {
  id: Generated<number>
  user_id: number
  resolution_id: number | null
  /** The report reason the warning answers (spam, harassment, ...). */
  reason: string
  note: ColumnType<string, string | undefined, string>
  actor_id: number | null
  created_at: CreatedAt
  /** When the member read it (the notice on their next visit). */
  seen_at: string | null
}

/** A member's appeal of a removal: one per decision. */
export interface ReportAppealsTable {
  id: Generated<number>
  resolution_id: number
  user_id: number
  text: string
  status: ColumnType<AppealStatus, AppealStatus | undefined, AppealStatus>
  decided_by: ColumnType<number | null, number | null | undefined, number | null>
  decision_note: ColumnType<string, string | undefined, string>
  decided_at: ColumnType<string | null, string | null | undefined, string | null>
  created_at: CreatedAt
}

export interface ModerationTables {
  report_appeals: ReportAppealsTable
  reports: ReportsTable
  report_resolutions: ReportResolutionsTable
  member_warnings: MemberWarningsTable
}

export type ReportRow = Selectable<ReportsTable>
export type ResolutionRow = Selectable<ReportResolutionsTable>
export type WarningRow = Selectable<MemberWarningsTable>
export type AppealRow = Selectable<ReportAppealsTable>
