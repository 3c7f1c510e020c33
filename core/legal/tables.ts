// The rules and legal pages' tables (core/db/migrations/2026_12_05_1551_legal.ts).
import type { Generated, Selectable } from 'kysely'

/** The documents an operator writes, each at its public URL (`/terms`, `/privacy`, `/rules`, `/about`). */
export type LegalKind = 'terms' | 'privacy' | 'rules' | 'about'
export const LEGAL_KINDS: Record<LegalKind, string> = { terms: 'Terms of service', privacy: 'Privacy policy', rules: 'Community rules', about: 'About' }

export interface LegalDocumentsTable {
  id: Generated<number>
  kind: LegalKind
  /** 1, 2, ... per kind. */
  version: number
  /** Markdown-lite (core/text/markdown.ts). */
  body: string
  /** What changed, shown to members asked to accept again. */
  note: Generated<string>
  /** Members must accept this version (on their next visit); a typo fix need not ask. */
  requires_acceptance: number
  author_id: number | null
  published_at: string
}
export type LegalDocumentRow = Selectable<LegalDocumentsTable>

export interface LegalAcceptancesTable {
  user_id: number
  document_id: number
  accepted_at: string
}

export interface LegalTables {
  legal_documents: LegalDocumentsTable
  legal_acceptances: LegalAcceptancesTable
}
