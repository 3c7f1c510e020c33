// Announcements' and re-engagement rules' tables (core/db/migrations/2026_12_05_1550_announcements.ts).
import type { Generated, Selectable } from 'kysely'

/** Where an announcement goes: a banner on pages, an in-app notification, an email, a push. */
export type Channel = 'banner' | 'notification' | 'email' | 'push'
export const CHANNELS: readonly Channel[] = ['banner', 'notification', 'email', 'push']

/** Who an announcement goes to. */
export type Audience = { kind: 'everyone' } | { kind: 'active'; days: number } | { kind: 'role'; role: string } | { kind: 'creators' } | { kind: 'verified' }

export interface AnnouncementsTable {
  id: Generated<number>
  author_id: number | null
  title: string
  /** Markdown-lite, rendered safely (core/text/markdown.ts). */
  body: string
  /** JSON array of Channel. */
  channels: string
  /** JSON Audience. */
  audience: string
  status: 'sending' | 'sent' | 'cancelled'
  /** Where links in its emails point (the console's address when it was sent). */
  origin: string | null
  /** Members in the audience when sending started. */
  total: number
  /** Members it has been sent to so far. */
  reached: Generated<number>
  /** The last member id the job got through (members are walked by id). */
  cursor: Generated<number>
  /** When staff took the banner down early. */
  banner_ended_at: Generated<string | null>
  created_at: string
  finished_at: Generated<string | null>
}
export type AnnouncementRow = Selectable<AnnouncementsTable>

export interface AnnouncementRecipientsTable {
  announcement_id: number
  user_id: number
  created_at: string
  dismissed_at: string | null
}

/** What a re-engagement rule does for a member who stayed away. */
export type ReengageAction = 'digest' | 'email' | 'push'

export interface ReengageRulesTable {
  id: Generated<number>
  name: string
  inactive_days: number
  action: ReengageAction
  /** The email's or push's text (the digest writes its own). */
  message: string
  /** A member is reached at most once per this many days by this rule. */
  period_days: number
  enabled: number
  created_at: string
  updated_at: string
  last_run_at: Generated<string | null>
}
export type ReengageRuleRow = Selectable<ReengageRulesTable>

export interface ReengageLogTable {
  id: Generated<number>
  rule_id: number
  user_id: number
  sent_at: string
  /** queued, sent, skipped (their choice, or nothing to send). */
  outcome: string
}

export interface AnnouncementTables {
  announcements: AnnouncementsTable
  announcement_recipients: AnnouncementRecipientsTable
  reengage_rules: ReengageRulesTable
  reengage_log: ReengageLogTable
}
