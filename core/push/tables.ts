// Web push's table (core/db/migrations/2026_12_05_1410_push.ts).
import type { Generated, Selectable } from 'kysely'

export interface PushSubscriptionsTable {
  id: Generated<number>
  user_id: number
  /** The push service's URL for this browser: a capability, never shown back. */
  endpoint: string
  /** The browser's P-256 public key and auth secret (base64url), with which each payload is encrypted (RFC 8291). */
  p256dh: string
  auth: string
  user_agent: string | null
  created_at: string
  last_sent_at: string | null
}
export type PushSubscriptionRow = Selectable<PushSubscriptionsTable>

export interface PushTables {
  push_subscriptions: PushSubscriptionsTable
}
