// Access control's tables (core/db/migrations/2026_12_05_1430_access.ts).
import type { Generated, Selectable } from 'kysely'

/** Sign-up needs approval, sign-up is refused, or (addresses only) every request is refused. */
export type BlockSeverity = 'approval' | 'refuse' | 'no_access'
export type BlockKind = 'ip' | 'email_domain' | 'username'

export interface AccessBlocksTable {
  id: Generated<number>
  kind: BlockKind
  /** An address or a range (`203.0.113.0/24`, `2001:db8::/32`), a domain (and its subdomains), or a word in usernames. */
  value: string
  severity: BlockSeverity
  note: string
  expires_at: string | null
  created_by: number | null
  created_at: string
}
export type AccessBlockRow = Selectable<AccessBlocksTable>

export interface InvitesTable {
  id: Generated<number>
  code: string
  note: string
  max_uses: number | null
  uses: Generated<number>
  expires_at: string | null
  revoked_at: string | null
  created_by: number | null
  created_at: string
}
export type InviteRow = Selectable<InvitesTable>

export interface AccessTables {
  access_blocks: AccessBlocksTable
  invites: InvitesTable
}
