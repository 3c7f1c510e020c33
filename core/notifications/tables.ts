// Notification tables (owned by core/notifications; created by its migration 2026_11_21_1410_notifications).
import type { ColumnType, Generated, Selectable } from 'kysely'

type CreatedAt = ColumnType<string, string | undefined, never>

/**
 * One event for one recipient ("Ana liked your post"). Unread rows with the same `group_key` share a
 * `batch_id` (the id of the batch's first row): a batch is what the list shows as one entry.
 */
export interface NotificationsTable {
  id: Generated<number>
  /** The recipient. */
  user_id: number
  /** A core type (`like`, `follow`...) or a plugin's `PLUGIN.type`. */
  type: string
  actor_id: number | null
  /** The post it is about; shown only while the recipient may see that post. */
  post_id: number | null
  comment_id: number | null
  /** Rows of one type about one thing group together while unread; null never groups. */
  group_key: string | null
  batch_id: number
  /** JSON object a plugin type's text may use. */
  data: ColumnType<string, string | undefined, string>
  read_at: string | null
  created_at: CreatedAt
}

export interface NotificationTables {
  notifications: NotificationsTable
}

export type NotificationRow = Selectable<NotificationsTable>
