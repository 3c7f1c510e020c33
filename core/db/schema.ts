// The typed shape of core's tables. Plugins add their own tables and read core ones through this interface.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'
import type { JobTables } from '../jobs/tables.js'
import type { MediaTables } from '../media/tables.js'
import type { PostTables } from '../posts/tables.js'
import type { SafetyTables } from '../safety/tables.js'
import type { EngagementTables } from '../engagement/tables.js'
import type { NotificationTables } from '../notifications/tables.js'
import type { ModerationTables } from '../moderation/tables.js'
import type { LedgerTables } from '../ledger/tables.js'
import type { MailTables } from '../mail/tables.js'
import type { PushTables } from '../push/tables.js'
import type { PolicyTables } from '../policy/tables.js'
import type { AccessTables } from '../access/tables.js'
import type { AccountTables } from '../account/tables.js'
import type { AnnouncementTables } from '../announcements/tables.js'
import type { LegalTables } from '../legal/tables.js'
import type { VerificationTables } from '../verification/tables.js'
import type { AuthTables } from '../auth/tables.js'
import type { CurationTables } from '../curation/tables.js'

/** ISO-8601 UTC timestamps stored as TEXT; they sort and compare as strings. */
type Timestamp = string
type CreatedAt = ColumnType<Timestamp, Timestamp | undefined, never>

export type Role = 'member' | 'moderator' | 'admin'

export interface UsersTable {
  id: Generated<number>
  username: string
  email: string
  password_hash: string
  display_name: string
  role: ColumnType<Role, Role | undefined, Role>
  suspended_at: Timestamp | null
  suspended_reason: string | null
  totp_secret: string | null
  totp_pending_secret: string | null
  totp_enabled_at: Timestamp | null
  /** The last TOTP time step accepted, so a code cannot be used twice. */
  totp_last_step: number | null
  created_at: CreatedAt
  updated_at: Timestamp
  bio: Generated<string>
  /** JSON array of { label, url } */
  links: Generated<string>
  avatar_media_id: number | null
  avatar_visibility: ColumnType<AvatarVisibility, AvatarVisibility | undefined, AvatarVisibility>
  is_private: Generated<number>
  account_type: ColumnType<AccountType, AccountType | undefined, AccountType>
  followers_count: Generated<number>
  following_count: Generated<number>
  posts_count: Generated<number>
  /** The member's choice of colours (Settings → Appearance): follow the device, or always light or dark. */
  color_scheme: ColumnType<ColorScheme, ColorScheme | undefined, ColorScheme>
  /** When the member confirmed their address by the emailed link; null until then. */
  email_verified_at: ColumnType<string | null, string | null | undefined, string | null>
  /** A sign-up waiting for an admin (the account is suspended meanwhile), or one they turned down; null otherwise. */
  approval: ColumnType<'pending' | 'rejected' | null, 'pending' | 'rejected' | null | undefined, 'pending' | 'rejected' | null>
  /** Why they want to join, as they wrote it at sign-up (approval mode). */
  signup_reason: ColumnType<string | null, string | null | undefined, string | null>
  /** The invite link they joined with. */
  invite_id: ColumnType<number | null, number | null | undefined, number | null>
  /** Silenced (a rule or staff): their posts reach only their followers until this time. */
  silenced_until: ColumnType<string | null, string | null | undefined, string | null>
  /** A custom staff role (core/admin/permissions.ts), beside `role`. */
  staff_role_id: number | null
  /** When a suspension for a period ends by itself; null: until lifted. */
  suspended_until: Timestamp | null
  /** Warnings the member has not read yet: shown on their next visit. */
  warnings_unseen: Generated<number>
  /** When the deletion the member asked for happens; signing in before then cancels it. Null: none asked. */
  deletion_due_at: ColumnType<string | null, string | null | undefined, string | null>
  /** When the account was deleted: the row stays as a nameless tombstone (ledger and audit rows point at it). */
  deleted_at: ColumnType<string | null, string | null | undefined, string | null>
  /** The newest rules or legal document (its id) the member accepted (core/legal). */
  legal_accepted: Generated<number>
  /** 1 while a new member has the welcome page (core/onboarding) ahead of them. */
  onboarding: Generated<number>
  /** When staff gave the member the verified badge (core/verification); null: not verified. */
  verified_at: ColumnType<string | null, string | null | undefined, string | null>
  /** Who gave it (null: the CLI, or a migration). */
  verified_by: ColumnType<number | null, number | null | undefined, number | null>
}

export type ColorScheme = 'system' | 'light' | 'dark'

export type AvatarVisibility = 'public' | 'followers' | 'custom'
export type AccountType = 'personal' | 'creator' | 'business'

export interface AvatarAudienceTable {
  user_id: number
  member_id: number
}

export interface FollowsTable {
  follower_id: number
  followee_id: number
  created_at: CreatedAt
}

export interface FollowRequestsTable {
  requester_id: number
  target_id: number
  created_at: CreatedAt
}

export interface RecoveryCodesTable {
  id: Generated<number>
  user_id: number
  code_hash: string
  used_at: Timestamp | null
}

export interface SessionsTable {
  /** sha256 of the token; the token itself is never stored. */
  id: string
  user_id: number
  kind: 'web' | 'api'
  ip: string | null
  user_agent: string | null
  created_at: CreatedAt
  last_seen_at: Timestamp
  expires_at: Timestamp
  /** Staff "view as": the member this session sees the site as, read-only (core/account/view-as.ts). */
  view_as_user_id: ColumnType<number | null, number | null | undefined, number | null>
}

export interface LoginChallengesTable {
  id: string
  user_id: number
  attempts: Generated<number>
  expires_at: Timestamp
}

export interface SettingsTable {
  key: string
  /** JSON */
  value: string
}

export interface PluginsTable {
  name: string
  enabled: number
  /** 'folder' for plugins/NAME, 'npm' for an installed package. */
  source: 'folder' | 'npm'
  /** The npm package it comes from (source 'npm'); the row's name is the manifest's. */
  package: string | null
  version: string | null
  /** The last error met while loading or registering, shown in `hearth plugin list`. */
  error: string | null
  updated_at: Timestamp
}

export interface AuditLogTable {
  id: Generated<number>
  actor_id: number | null
  action: string
  target_type: string | null
  target_id: string | null
  /** JSON */
  details: string
  created_at: CreatedAt
  /** Set by the chain trigger: the actor as written (actor_id goes null when an account is deleted), and the hashes. */
  actor_ref: ColumnType<number | null, never, never>
  prev_hash: ColumnType<string | null, never, never>
  hash: ColumnType<string | null, never, never>
}

/** A custom staff role: a name and the permissions it grants. */
export interface StaffRolesTable {
  id: Generated<number>
  name: string
  label: string
  /** JSON array of permission names. */
  permissions: string
  created_at: CreatedAt
}

/** The dashboard's rollups: one value per metric and UTC day. */
export interface AdminStatsTable {
  metric: string
  day: string
  value: number
}

/** Requests per minute and route (`GET /u/:username`), written by the usage counter (core/admin/usage.ts). */
export interface RequestStatsTable {
  /** `YYYY-MM-DDTHH:MM`, UTC. */
  minute: string
  route: string
  requests: number
  /** Of them, calls to /api. */
  api: number
  /** Of them, answered 5xx. */
  errors: number
  total_ms: number
  max_ms: number
  /** Bytes of the answers that declared a length. */
  bytes: number
}

/** The UTC days each member was seen (active members). */
export interface MemberDaysTable {
  day: string
  user_id: number
}

/** Every core table. Features keep their table interfaces beside their code and are joined in here. */
export interface Database extends JobTables, MediaTables, PostTables, SafetyTables, EngagementTables, NotificationTables, ModerationTables, LedgerTables, MailTables, PushTables, PolicyTables, AccessTables, AccountTables, AnnouncementTables, LegalTables, VerificationTables, AuthTables, CurationTables {
  users: UsersTable
  recovery_codes: RecoveryCodesTable
  sessions: SessionsTable
  login_challenges: LoginChallengesTable
  settings: SettingsTable
  plugins: PluginsTable
  audit_log: AuditLogTable
  staff_roles: StaffRolesTable
  admin_stats: AdminStatsTable
  request_stats: RequestStatsTable
  member_days: MemberDaysTable
  avatar_audience: AvatarAudienceTable
  follows: FollowsTable
  follow_requests: FollowRequestsTable
}

export type UserRow = Selectable<UsersTable>
export type NewUser = Insertable<UsersTable>
export type UserUpdate = Updateable<UsersTable>
export type SessionRow = Selectable<SessionsTable>
export type PluginRow = Selectable<PluginsTable>
export type AuditRow = Selectable<AuditLogTable>

export const now = (): Timestamp => new Date().toISOString()
