// The persisted job queue: jobs in SQLite that survive a restart, retry with backoff, and run with bounded concurrency.
// (Interface fixed; implementation in progress.)
import type { Db } from '../db/connect.js'
import type { Logger } from '../logger.js'

export interface JobInfo {
  id: number
  kind: string
  attempts: number
}

export interface JobOptions {
  /** Run no earlier than this. */
  runAt?: Date
  /** Give up after this many attempts (default 5). */
  maxAttempts?: number
}

export class JobQueue {
  constructor(
    protected readonly db: Db,
    protected readonly log: Logger,
    protected readonly options: { concurrency?: number; pollMs?: number } = {},
  ) {}

  /** Register the handler of a kind of job. A handler that throws is retried with backoff. */
  define<P>(_kind: string, _handler: (payload: P, job: JobInfo) => Promise<void>, _options: { maxAttempts?: number } = {}): void {
    throw new Error('JobQueue.define is not implemented yet')
  }

  /** Persist a job; it runs once the queue is started (immediately when running). Returns its id. */
  async enqueue<P>(_kind: string, _payload: P, _options: JobOptions = {}): Promise<number> {
    throw new Error('JobQueue.enqueue is not implemented yet')
  }

  /** Start the workers (the server calls this; CLI commands do not). */
  start(): void {}

  /** Stop taking jobs and wait for running ones to finish. */
  async stop(): Promise<void> {}

  /** Run jobs until none is runnable now (for tests and tooling). */
  async drain(): Promise<void> {}
}
