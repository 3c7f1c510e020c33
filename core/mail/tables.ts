// Email's table: one-use tokens for emailed links (core/db/migrations/2026_12_05_1400_email.ts).
import type { Generated, Selectable } from 'kysely'

/** What an emailed link does: confirm the address, reset the password, or confirm a new address. */
export type EmailTokenPurpose = 'verify' | 'reset' | 'change'

export interface EmailTokensTable {
  id: Generated<number>
  user_id: number
  purpose: EmailTokenPurpose
  /** SHA-256 of the token in the link: the database never holds a usable link. */
  token_hash: string
  /** The address the link was sent to (for `change`, the new address). */
  email: string
  created_at: string
  expires_at: string
  used_at: string | null
}
export type EmailTokenRow = Selectable<EmailTokensTable>

export interface MailTables {
  email_tokens: EmailTokensTable
}
