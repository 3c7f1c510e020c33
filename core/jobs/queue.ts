// The persisted job queue: jobs in SQLite that survive a restart, retry with backoff, and run with bounded concurrency.
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import type { Db } from '../db/connect.js'
import type { Logger } from '../logger.js'
import type { JobRow } from './tables.js'
import { queryShapes } from '../db/shapes.js'

/**
 * A status written into the SQL, never bound: the jobs table has partial indexes on status (`status = 'failed'`,
 * `status in ('pending', 'running')`), and SQLite prepares a statement again at every run when a bound value is
 * compared with a partial index's condition (the claim's statements each took 0.05 to 0.13 ms).
 */
const status = (s: JobRow['status']) => sql.lit(s)

export interface JobInfo {
  id: number
  kind: string
  /** This attempt's number: 1 the first time. */
  attempts: number
  maxAttempts: number
  /**
   * Aborted when the queue stops before the job has finished (a shutdown): the job goes back to
   * pending without using up an attempt. Pass it to child processes so they are killed.
   */
  signal: AbortSignal
}

export interface JobOptions {
  /** Run no earlier than this. */
  runAt?: Date
  /** Give up after this many attempts (default 5). */
  maxAttempts?: number
  /**
   * Names the job while it is outstanding: enqueueing a key that names a pending or running job adds
   * nothing and answers that job's id; once the job has finished (or was cancelled) the key is free again.
   */
  key?: string
}

export interface DefineOptions<P> {
  /** Give up after this many attempts unless enqueue says otherwise (default 5). */
  maxAttempts?: number
  /**
   * At most this many jobs of this kind at once (within the queue's own limit), so heavy work (a video)
   * cannot hold every slot while light jobs (feed fan-out) wait.
   */
  concurrency?: number
  /** Called once when a job of this kind gives up for good (last attempt failed, or unrecoverable). */
  onFailed?: (payload: P, error: string, job: Omit<JobInfo, 'signal'>) => void | Promise<void>
}

export interface QueueOptions {
  /** Jobs run at once (default 1). */
  concurrency?: number
  /** How often a started queue looks for due jobs it was not told about (default 5 s). */
  pollMs?: number
  /** Delay before the retry that follows failed attempt `n` (default 2 s doubling, at most 10 min). */
  backoffMs?: (attempt: number) => number
  /**
   * A running job whose lock is older than this belongs to a dead process and is taken back
   * (default 10 min). Live jobs renew their lock several times within it.
   */
  leaseMs?: number
  /** How long stop() lets running jobs finish before aborting them (default 10 s). */
  stopGraceMs?: number
  /** Told of each job enqueued while this queue is not the one running them (a worker thread wakes the main thread's). */
  onEnqueued?: () => void
}

/**
 * Thrown by a handler for a failure that trying again cannot fix (a damaged file): the job fails at once.
 * @example throw new UnrecoverableJobError('The image is damaged or incomplete.')
 */
export class UnrecoverableJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'UnrecoverableJobError'
  }
}

interface Definition {
  handler: (payload: unknown, job: JobInfo) => Promise<void>
  maxAttempts: number
  concurrency: number
  onFailed?: DefineOptions<unknown>['onFailed']
}

interface Running {
  kind: string
  promise: Promise<void>
  abort: AbortController
}

const DEFAULT_MAX_ATTEMPTS = 5
/** A payload names what to work on (ids); the data itself belongs in tables. */
export const MAX_PAYLOAD_BYTES = 64 * 1024
const MAX_KEY_LENGTH = 200
const HOUR = 3600_000
const DAY = 24 * HOUR
/** Done jobs are kept a day (for diagnosis), failed ones a month. */
const KEEP_DONE_MS = DAY
const KEEP_FAILED_MS = 30 * DAY

export const defaultBackoff = (attempt: number): number => Math.min(2000 * 2 ** Math.max(0, attempt - 1), 10 * 60_000)

const iso = (ms = Date.now()) => new Date(ms).toISOString()
const message = (err: unknown) => (err instanceof Error ? err.message : String(err)) || 'The job failed without a message.'

/** Kinds with an owner prefix (`NAME:kind`) belong to a plugin; the others are core's. */
export const isPluginKind = (kind: string) => kind.includes(':')

/**
 * A payload as the JSON stored for it. Refuses what JSON would silently change (a Date, undefined, NaN, a Map,
 * a class instance) or cannot hold (a cycle, a BigInt), and payloads over 64 KiB, so a handler always receives
 * exactly what was enqueued.
 * @example jobPayload({ messageId: 12 }) // '{"messageId":12}'
 */
export function jobPayload(payload: unknown): string {
  checkJson(payload ?? null, 'payload', [])
  const text = JSON.stringify(payload ?? null)
  const bytes = Buffer.byteLength(text)
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new TypeError(`A job payload may hold at most ${MAX_PAYLOAD_BYTES / 1024} KiB of JSON; this one holds ${Math.ceil(bytes / 1024)} KiB. Put ids in the payload and the data in your tables.`)
  }
  return text
}

function checkJson(value: unknown, path: string, parents: object[]): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return
    throw new TypeError(`The job's ${path} is ${value}, which JSON cannot hold.`)
  }
  if (typeof value === 'object') {
    if (parents.includes(value)) throw new TypeError(`The job's ${path} refers back to itself; JSON cannot hold a cycle.`)
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) checkJson(value[i], `${path}[${i}]`, [...parents, value])
      return
    }
    const proto = Object.getPrototypeOf(value) as unknown
    if (proto === Object.prototype || proto === null) {
      for (const [k, v] of Object.entries(value)) checkJson(v, `${path}.${k}`, [...parents, value])
      return
    }
  }
  const what = value === undefined ? 'undefined' : typeof value === 'object' ? `a ${(value as object).constructor?.name ?? 'object'}` : `a ${typeof value}`
  const hint = value instanceof Date ? ' (pass date.toISOString())' : ''
  throw new TypeError(`The job's ${path} is ${what}, which JSON cannot carry as it is${hint}; use strings, numbers, booleans, null, arrays and plain objects.`)
}

/**
 * Background work that must survive a restart. Define handlers at startup, enqueue from anywhere;
 * the server calls `start()`, tests and tools call `drain()`.
 * Work promised by a write is enqueued in that write's transaction (`enqueueIn`), so both commit or neither
 * does (decision 015). Kinds of plugins (`NAME:kind`) whose handler is not loaded (the plugin is disabled) are
 * kept pending, neither run nor failed.
 * @example
 * queue.define('media.process', ({ mediaId }: { mediaId: number }) => process(mediaId), { maxAttempts: 3 })
 * await db.transaction().execute(async (trx) => {
 *   const { id } = await trx.insertInto('media').values(row).returning('id').executeTakeFirstOrThrow()
 *   await queue.enqueueIn(trx, 'media.process', { mediaId: id })
 * })
 */
export class JobQueue {
  private readonly defs = new Map<string, Definition>()
  private readonly running = new Map<number, Running>()
  private readonly concurrency: number
  private readonly pollMs: number
  private readonly backoffMs: (attempt: number) => number
  private readonly leaseMs: number
  private readonly stopGraceMs: number
  private started = false
  private closed = false
  private filling: Promise<void> | null = null
  private fillAgain = false
  private timer: NodeJS.Timeout | null = null
  private heartbeat: NodeJS.Timeout | null = null
  private lastPrune = 0
  /** Jobs launched so far (drain() asks whether a fill launched any). */
  private launched = 0
  /** Set by start(): the next fill takes back every job left running. */
  private recoverAll = false
  /** When the earliest pending job is due, as seen by the last claim that found nothing. */
  private nextDueAt: number | null = null
  /** The enqueue's statements, compiled once (a burst of gifts enqueues hundreds a second). */
  private readonly shapes: ReturnType<typeof queryShapes>

  constructor(
    protected readonly db: Db,
    protected readonly log: Logger,
    protected readonly options: QueueOptions = {},
  ) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 1))
    this.pollMs = options.pollMs ?? 5000
    this.backoffMs = options.backoffMs ?? defaultBackoff
    this.leaseMs = options.leaseMs ?? 10 * 60_000
    this.stopGraceMs = options.stopGraceMs ?? 10_000
    this.shapes = queryShapes(db, 8)
  }

  /** Register the handler of a kind of job. A handler that throws is retried with backoff. */
  define<P>(kind: string, handler: (payload: P, job: JobInfo) => Promise<void>, options: DefineOptions<P> = {}): void {
    if (this.defs.has(kind)) throw new Error(`Jobs of kind "${kind}" already have a handler.`)
    this.defs.set(kind, {
      handler: handler as Definition['handler'],
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      concurrency: Math.max(1, Math.floor(options.concurrency ?? Infinity)),
      onFailed: options.onFailed as Definition['onFailed'],
    })
  }

  /** Whether jobs of this kind have a handler in this process. */
  has(kind: string): boolean {
    return this.defs.has(kind)
  }

  /** Forget the handlers of kinds starting with `prefix` (a plugin that failed to register); their jobs wait. */
  undefine(prefix: string): void {
    for (const kind of [...this.defs.keys()]) if (kind.startsWith(prefix)) this.defs.delete(kind)
  }

  /**
   * Persist a job on its own; it runs once the queue is started (immediately when running). Returns its id.
   * Work that a write promises goes in that write's transaction instead: `enqueueIn(trx, ...)`.
   */
  enqueue<P>(kind: string, payload: P, options: JobOptions = {}): Promise<number> {
    return this.enqueueIn(this.db, kind, payload, options)
  }

  /**
   * Persist a job through `db`, a transaction of the write that promises it: the job exists exactly when the
   * write committed. Returns its id (the outstanding job's when `key` names one).
   */
  async enqueueIn<P>(db: Kysely<any>, kind: string, payload: P, options: JobOptions = {}): Promise<number> {
    const text = jobPayload(payload)
    if (options.runAt !== undefined && !(options.runAt instanceof Date && Number.isFinite(options.runAt.getTime()))) {
      throw new TypeError(`A job's runAt must be a valid Date; got ${String(options.runAt)}.`)
    }
    const key = options.key ?? null
    if (key !== null && (typeof key !== 'string' || !key || key.length > MAX_KEY_LENGTH)) throw new TypeError(`A job's key must be a string of 1 to ${MAX_KEY_LENGTH} characters.`)
    const now = iso()
    const values = { kind, payload: text, key, max: options.maxAttempts ?? this.defs.get(kind)?.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, runAt: options.runAt ? options.runAt.toISOString() : now, now }
    const [inserted] = await this.shapes.all(
      key === null ? 'jobs.enqueue' : 'jobs.enqueue-keyed',
      (slot) =>
        this.db
          .insertInto('jobs')
          .values({ kind: slot('kind'), payload: slot('payload'), key: slot('key'), status: status('pending'), max_attempts: slot('max'), run_at: slot('runAt'), updated_at: slot('now') })
          // Only the key's index can conflict: an outstanding job holds the key.
          .$if(key !== null, (q) => q.onConflict((oc) => oc.doNothing()))
          .returning('id'),
      values,
      db,
    )
    // Not inserted: the outstanding job holds the key. Read through the key's partial index (its statuses are the
    // index's own; by the key alone SQLite read the whole table, done jobs of the last day included).
    let id = inserted?.id
    if (id === undefined) {
      const [holder] = await this.shapes.all('jobs.outstanding', (slot) => this.db.selectFrom('jobs').select('id').where('key', '=', slot<string>('key')).where('status', 'in', [status('pending'), status('running')]), { key }, db)
      // The job holding the key finished between the insert and this read (another thread's connection ran it):
      // the key is free again, so this job is made after all.
      if (!holder) return this.enqueueIn(db, kind, payload, options)
      id = holder.id
    }
    // The wake-up reads the jobs table through the queue's own handle, whose connection the transaction holds
    // until it commits or rolls back: a job enqueued in a transaction is looked for only after the commit.
    if (this.started && inserted) this.kick()
    else if (inserted) this.options.onEnqueued?.()
    return id
  }

  /**
   * Remove the pending job that `key` names (a scheduled thing that is unscheduled). A running job is not
   * stopped. Pass the transaction of the change that cancels it, as for enqueueIn. Returns whether one went.
   */
  async cancel(key: string, options: { db?: Kysely<any> } = {}): Promise<boolean> {
    const db = (options.db ?? this.db) as Db
    const r = await db.deleteFrom('jobs').where('key', '=', key).where('status', '=', status('pending')).executeTakeFirst()
    return Number(r.numDeletedRows) > 0
  }

  /**
   * Give failed jobs a new round of attempts (staff's "retry" after fixing the cause): pending now, attempts from
   * zero, the last error kept until the next run. A failed job whose key names one already outstanding stays as
   * it is (the other one does its work). Returns the ids that went back.
   */
  async retry(ids: readonly number[]): Promise<number[]> {
    const back: number[] = []
    for (const id of ids) {
      const now = iso()
      try {
        const r = await this.db.updateTable('jobs').set({ status: 'pending', attempts: 0, run_at: now, locked_at: null, updated_at: now }).where('id', '=', id).where('status', '=', status('failed')).executeTakeFirst()
        if (Number(r.numUpdatedRows)) back.push(id)
      } catch (err) {
        if (!/UNIQUE/.test(String(err))) throw err
      }
    }
    if (back.length && this.started) this.kick()
    return back
  }

  /** Delete failed jobs (staff's "discard": the work will not be done). Returns how many went. */
  async discard(ids: readonly number[]): Promise<number> {
    if (!ids.length) return 0
    const r = await this.db.deleteFrom('jobs').where('id', 'in', [...ids]).where('status', '=', status('failed')).executeTakeFirst()
    return Number(r.numDeletedRows)
  }

  /**
   * Start the workers (the server calls this; CLI commands do not). This process owns the queue:
   * jobs left running by a previous process (a crash) go back to pending first.
   */
  start(): void {
    if (this.started) return
    this.started = true
    this.closed = false
    this.recoverAll = true
    this.kick()
  }

  /** Stop taking jobs and wait for running ones; those still running after the grace period are aborted and go back to pending. */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    this.started = false
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.filling
    const all = () => Promise.allSettled([...this.running.values()].map((r) => r.promise))
    if (this.running.size) {
      let graceTimer: NodeJS.Timeout | undefined
      const grace = new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, options.graceMs ?? this.stopGraceMs)))
      await Promise.race([all(), grace])
      clearTimeout(graceTimer)
      for (const r of this.running.values()) r.abort.abort(new Error('The job queue is stopping.'))
      await all()
    }
    this.stopHeartbeat()
  }

  /** Run jobs until none is runnable now (for tests and tooling). Jobs due later (a retry's backoff) are left. */
  async drain(): Promise<void> {
    for (;;) {
      const launched = this.launched
      await this.fill()
      if (!this.running.size) {
        // Done, unless jobs launched by that fill already finished: one of them held back another of its kind.
        if (this.launched === launched) return
        continue
      }
      await Promise.race([...this.running.values()].map((r) => r.promise))
    }
  }

  /** Delete done jobs older than a day and failed ones older than a month. Returns how many went. */
  async prune(now = Date.now()): Promise<number> {
    const done = await this.db.deleteFrom('jobs').where('status', '=', status('done')).where('updated_at', '<', iso(now - KEEP_DONE_MS)).executeTakeFirst()
    const failed = await this.db.deleteFrom('jobs').where('status', '=', status('failed')).where('updated_at', '<', iso(now - KEEP_FAILED_MS)).executeTakeFirst()
    this.lastPrune = now
    return Number(done.numDeletedRows) + Number(failed.numDeletedRows)
  }

  /** Jobs this instance is running now. */
  get active(): number {
    return this.running.size
  }

  /** Look for due jobs now (another thread enqueued one); nothing when not started. */
  wake(): void {
    if (this.started && !this.closed) this.kick()
  }

  /** Ask for a fill soon; fills never overlap. */
  private kick(): void {
    if (this.closed) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    void this.fill().catch((err) => this.log.error({ err }, 'the job queue could not look for jobs'))
  }

  private fill(): Promise<void> {
    if (this.filling) {
      this.fillAgain = true
      return this.filling
    }
    this.filling = (async () => {
      try {
        do {
          this.fillAgain = false
          await this.fillOnce()
        } while (this.fillAgain && !this.closed)
      } finally {
        this.filling = null
        this.schedule()
      }
    })()
    return this.filling
  }

  private async fillOnce(): Promise<void> {
    if (this.closed) return
    const all = this.recoverAll
    this.recoverAll = false
    await this.recover(all)
    if (Date.now() - this.lastPrune > HOUR) await this.prune()
    while (!this.closed && this.running.size < this.concurrency) {
      const job = await this.claim()
      if (!job) break
      this.launch(job)
    }
  }

  /** While started, wake for the next due job, or poll (jobs enqueued by another process, or retries). */
  private schedule(): void {
    if (!this.started || this.closed) return
    if (this.timer) clearTimeout(this.timer)
    let delay = this.pollMs
    if (this.running.size < this.concurrency) {
      if (this.nextDueAt !== null) delay = Math.max(0, Math.min(delay, this.nextDueAt - Date.now()))
    }
    this.timer = setTimeout(() => this.kick(), delay)
    this.timer.unref()
  }

  /** Take back jobs left running by a process that died: all of them at start, else those whose lock expired. */
  private async recover(all: boolean): Promise<void> {
    let q = this.db.selectFrom('jobs').selectAll().where('status', '=', status('running'))
    if (!all) q = q.where('locked_at', '<', iso(Date.now() - this.leaseMs))
    const orphans = (await q.execute()).filter((j) => !this.running.has(j.id))
    for (const job of orphans) {
      const now = iso()
      if (job.attempts >= job.max_attempts) {
        // It died on its last attempt: do not let a job that crashes the process run forever.
        const error = 'The job was interrupted on its last attempt (the process stopped while it ran).'
        await this.db.updateTable('jobs').set({ status: 'failed', locked_at: null, last_error: error, updated_at: now }).where('id', '=', job.id).where('status', '=', status('running')).execute()
        this.log.warn({ job: job.id, kind: job.kind }, `job ${job.kind} #${job.id} was interrupted on its last attempt and failed`)
        await this.notifyFailed(job, error)
      } else {
        await this.db.updateTable('jobs').set({ status: 'pending', locked_at: null, run_at: now, updated_at: now }).where('id', '=', job.id).where('status', '=', status('running')).execute()
        this.log.info({ job: job.id, kind: job.kind }, `job ${job.kind} #${job.id} was interrupted and will run again`)
      }
    }
  }

  /** Kinds that have as many jobs running as they may. */
  private saturated(): string[] {
    const counts = new Map<string, number>()
    for (const r of this.running.values()) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1)
    return [...counts].filter(([kind, n]) => n >= (this.defs.get(kind)?.concurrency ?? Infinity)).map(([kind]) => kind)
  }

  /**
   * Jobs this queue may take: not of a saturated kind, and of a kind it has a handler for unless the kind is
   * core's (a core kind without a handler fails loudly; a plugin's waits for its plugin to be enabled again).
   */
  private claimable<Q extends SelectQueryBuilder<any, any, any>>(q: Q): Q {
    const busy = this.saturated()
    const plugins = [...this.defs.keys()].filter((k) => isPluginKind(k) && !busy.includes(k))
    return q
      .$if(busy.length > 0, (q) => q.where('kind', 'not in', busy))
      .where((eb) => eb.or([sql<boolean>`instr(kind, ':') = 0`, ...(plugins.length ? [eb('kind', 'in', plugins)] : [])])) as Q
  }

  /** Atomically take the next due job: one UPDATE ... RETURNING, so two workers never get the same one. */
  private async claim(): Promise<JobRow | undefined> {
    const now = iso()
    const next = this.claimable(this.db.selectFrom('jobs').select('id').where('status', '=', status('pending')).where('run_at', '<=', now))
      .orderBy('run_at')
      .orderBy('id')
      .limit(1)
    const job = await this.db
      .updateTable('jobs')
      .set({ status: 'running', attempts: sql<number>`attempts + 1`, locked_at: now, updated_at: now })
      .where('id', '=', next)
      .where('status', '=', status('pending'))
      .returningAll()
      .executeTakeFirst()
    if (!job) {
      const due = await this.claimable(this.db.selectFrom('jobs').select((eb) => eb.fn.min('run_at').as('run_at')).where('status', '=', status('pending'))).executeTakeFirst()
      this.nextDueAt = due?.run_at ? Date.parse(due.run_at) : null
    }
    return job
  }

  private launch(job: JobRow): void {
    this.launched++
    const abort = new AbortController()
    const promise = this.run(job, abort.signal)
      .catch((err) => this.log.error({ err, job: job.id, kind: job.kind }, `the job queue failed to record the end of job #${job.id}`))
      .finally(() => {
        this.running.delete(job.id)
        if (!this.running.size) this.stopHeartbeat()
        if (this.started) this.kick()
      })
    this.running.set(job.id, { kind: job.kind, promise, abort })
    this.startHeartbeat()
  }

  private async run(job: JobRow, signal: AbortSignal): Promise<void> {
    const def = this.defs.get(job.kind)
    const started = performance.now()
    const log = { job: job.id, kind: job.kind, attempt: job.attempts }
    if (!def) {
      const error = `No handler is defined for jobs of kind "${job.kind}" (was the plugin that queued it removed?).`
      this.log.error(log, error)
      await this.finish(job.id, { status: 'failed', last_error: error })
      return
    }
    try {
      await def.handler(JSON.parse(job.payload), { id: job.id, kind: job.kind, attempts: job.attempts, maxAttempts: job.max_attempts, signal })
    } catch (err) {
      const error = message(err)
      if (signal.aborted) {
        // Stopped by a shutdown, not by its own fault: it runs again after the restart.
        await this.finish(job.id, { status: 'pending', attempts: Math.max(0, job.attempts - 1), run_at: iso() })
        this.log.info(log, `job ${job.kind} #${job.id} was stopped by the shutdown and will run again`)
        return
      }
      const final = err instanceof UnrecoverableJobError || job.attempts >= job.max_attempts
      if (final) {
        await this.finish(job.id, { status: 'failed', last_error: error })
        this.log.warn({ ...log, err }, `job ${job.kind} #${job.id} failed for good: ${error}`)
        await this.notifyFailed(job, error, def)
      } else {
        const delay = this.backoffMs(job.attempts)
        await this.finish(job.id, { status: 'pending', last_error: error, run_at: iso(Date.now() + delay) })
        this.log.warn({ ...log, err, retry_in_ms: delay }, `job ${job.kind} #${job.id} failed (attempt ${job.attempts} of ${job.max_attempts}); retrying`)
      }
      return
    }
    await this.finish(job.id, { status: 'done' })
    this.log.info({ ...log, ms: Math.round(performance.now() - started) }, `job ${job.kind} #${job.id} done`)
  }

  private async finish(id: number, values: { status: 'pending' | 'done' | 'failed'; last_error?: string; run_at?: string; attempts?: number }): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ ...values, locked_at: null, updated_at: iso() })
      .where('id', '=', id)
      .where('status', '=', status('running'))
      .execute()
  }

  private async notifyFailed(job: JobRow, error: string, def = this.defs.get(job.kind)): Promise<void> {
    if (!def?.onFailed) return
    try {
      await def.onFailed(JSON.parse(job.payload), error, { id: job.id, kind: job.kind, attempts: job.attempts, maxAttempts: job.max_attempts })
    } catch (err) {
      this.log.error({ err, job: job.id, kind: job.kind }, `the failure handler of job ${job.kind} #${job.id} failed`)
    }
  }

  /** Running jobs renew their lock so a long one (a video) is not taken for a dead process's. */
  private startHeartbeat(): void {
    if (this.heartbeat) return
    this.heartbeat = setInterval(() => {
      const ids = [...this.running.keys()]
      if (!ids.length) return
      this.db
        .updateTable('jobs')
        .set({ locked_at: iso() })
        .where('id', 'in', ids)
        .where('status', '=', status('running'))
        .execute()
        .catch((err) => this.log.error({ err }, 'the job queue could not renew its locks'))
    }, Math.max(50, Math.floor(this.leaseMs / 4)))
    this.heartbeat.unref()
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.heartbeat = null
  }
}
