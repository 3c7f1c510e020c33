// Member data rights' table: exports of a member's data (core/db/migrations/2026_12_05_1540_data_rights.ts).
import type { Generated, Selectable } from 'kysely'

export type ExportStatus = 'pending' | 'building' | 'ready' | 'failed'

export interface AccountExportsTable {
  id: Generated<number>
  user_id: number
  status: ExportStatus
  /** The zip's path under the data directory's exports/ folder, once built. */
  file: string | null
  bytes: number | null
  error: string | null
  created_at: string
  ready_at: string | null
  /** When the download stops working and the file is removed. */
  expires_at: string | null
}
export type AccountExportRow = Selectable<AccountExportsTable>

export interface AccountTables {
  account_exports: AccountExportsTable
}
