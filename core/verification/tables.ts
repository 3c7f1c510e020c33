// Verification's table (core/db/migrations/2026_12_06_0000_verification.ts); the badge itself is users.verified_at.
import type { Generated, Selectable } from 'kysely'

export type VerificationStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn'
export const VERIFICATION_STATUSES: readonly VerificationStatus[] = ['pending', 'approved', 'rejected', 'withdrawn']

export interface VerificationRequestsTable {
  id: Generated<number>
  user_id: number
  /** Why they should be verified, as the member wrote it. */
  reason: string
  /** JSON array of https URLs the member gave as proof (their site, other profiles). */
  links: Generated<string>
  status: Generated<VerificationStatus>
  /** Staff's note with the decision: shown to the member only (and staff). */
  staff_note: Generated<string>
  decided_by: Generated<number | null>
  decided_at: Generated<string | null>
  created_at: string
}
export type VerificationRequestRow = Selectable<VerificationRequestsTable>

export interface VerificationTables {
  verification_requests: VerificationRequestsTable
}
