// The persisted job queue's table: work that must survive a restart (media processing, feed fan-out).
import type { ColumnType, Generated, Selectable } from 'kysely'

export interface JobsTable {
  id: Generated<number>
  kind: string
  /** JSON */
  payload: string
  /** Names the job while it is pending or running (unique among those): the same key enqueued twice is one job. */
  key: ColumnType<string | null, string | null | undefined, string | null>
  status: ColumnType<'pending' | 'running' | 'done' | 'failed', 'pending' | 'running' | 'done' | 'failed' | undefined>
  attempts: Generated<number>
  max_attempts: Generated<number>
  /** ISO time from which the job may run (later after each failure: backoff). */
  run_at: string
  locked_at: string | null
  last_error: string | null
  created_at: ColumnType<string, string | undefined, never>
  updated_at: string
}

export interface JobTables {
  jobs: JobsTable
}

export type JobRow = Selectable<JobsTable>
