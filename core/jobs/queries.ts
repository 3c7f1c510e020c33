// What the console shows of the job queue: how many jobs wait, run and failed per kind, and the failed ones with their errors.
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'

/** Jobs per kind and status (done jobs are kept a day, failed ones a month: the queue prunes them). */
export async function jobCounts(db: Db): Promise<{ kind: string; pending: number; running: number; done: number; failed: number }[]> {
  const rows = await db.selectFrom('jobs').select(['kind', 'status', (e) => e.fn.countAll<number>().as('n')]).groupBy(['kind', 'status']).execute()
  const by = new Map<string, { kind: string; pending: number; running: number; done: number; failed: number }>()
  for (const r of rows) {
    const k = by.get(r.kind) ?? { kind: r.kind, pending: 0, running: 0, done: 0, failed: 0 }
    k[r.status] = Number(r.n)
    by.set(r.kind, k)
  }
  return [...by.values()].sort((a, b) => b.failed - a.failed || a.kind.localeCompare(b.kind))
}

export interface FailedJob {
  id: number
  kind: string
  attempts: number
  max_attempts: number
  last_error: string | null
  created_at: string
  failed_at: string
  /** The payload's first 500 characters: enough to recognise the work, never a whole upload's metadata. */
  payload: string
}

/** Failed jobs, newest first, optionally of one kind; `before` (an id) pages on. */
export async function failedJobs(db: Db, options: { kind?: string; before?: number; limit?: number } = {}): Promise<FailedJob[]> {
  const rows = await db
    .selectFrom('jobs')
    .select(['id', 'kind', 'attempts', 'max_attempts', 'last_error', 'created_at', 'updated_at', sql<string>`substr(payload, 1, 500)`.as('payload')])
    .where('status', '=', 'failed')
    .$if(!!options.kind, (q) => q.where('kind', '=', options.kind!))
    .$if(options.before !== undefined, (q) => q.where('id', '<', options.before!))
    .orderBy('id', 'desc')
    .limit(options.limit ?? 50)
    .execute()
  return rows.map(({ updated_at, ...r }) => ({ ...r, failed_at: updated_at }))
}

/** The ids of every failed job (of one kind), for "retry all" and "discard all". */
export async function failedIds(db: Db, kind?: string): Promise<number[]> {
  return (await db.selectFrom('jobs').select('id').where('status', '=', 'failed').$if(!!kind, (q) => q.where('kind', '=', kind!)).execute()).map((r) => r.id)
}
