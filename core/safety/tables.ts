// Blocks, mutes and member preferences.
import type { ColumnType } from 'kysely'

type CreatedAt = ColumnType<string, string | undefined, never>

export interface SafetyTables {
  blocks: { blocker_id: number; blocked_id: number; created_at: CreatedAt }
  mutes: { muter_id: number; muted_id: number; created_at: CreatedAt }
  /** Per-member settings (privacy, notifications) as JSON values. */
  user_preferences: { user_id: number; key: string; value: string }
}
