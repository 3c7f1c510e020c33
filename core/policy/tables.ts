// The policy engine's tables (core/db/migrations/2026_12_05_1420_policy.ts).
import type { Generated, Selectable } from 'kysely'

export interface PolicyRulesTable {
  id: Generated<number>
  name: string
  /** JSON array of the surfaces the rule looks at (`post`, `comment`, `profile`, `username`, or a plugin's). */
  surfaces: string
  /** JSON of the conditions, all of which must hold (see core/policy/rules.ts). */
  conditions: string
  action: 'refuse' | 'flag' | 'hold' | 'sensitive' | 'silence'
  /** How long a `silence` rule silences the author. */
  silence_days: number
  /** What a refused member reads. */
  message: string
  /** `dry_run` logs what the rule would do and does nothing. */
  mode: 'active' | 'dry_run' | 'off'
  created_by: number | null
  created_at: string
  updated_at: string
}
export type PolicyRuleRow = Selectable<PolicyRulesTable>

export interface PolicyHitsTable {
  id: Generated<number>
  rule_id: number | null
  rule_name: string
  surface: string
  user_id: number | null
  action: string
  dry_run: number
  /** The start of what was written, for staff reading the log. */
  excerpt: string
  /** JSON array of why the rule matched ("word: casino", "3 links"). */
  reasons: string
  /** What was flagged (`post:12`), when it was saved. */
  target: string | null
  created_at: string
}

export interface PolicyTables {
  policy_rules: PolicyRulesTable
  policy_hits: PolicyHitsTable
}
