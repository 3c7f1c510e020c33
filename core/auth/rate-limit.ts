// Rate limits and budgets, owned by whom they limit (a member, an IP) and kept in SQLite, so a reconnect or a restart
// does not reset them (decision 019). Counting happens in memory; the counts reach the database in batches.
import type SQLite from 'better-sqlite3'
import { AppError } from '../errors.js'

export interface Bucket {
  count: number
  resetAt: number
  /** Hits counted here since the last flush (negative after a release): what is added to the stored row. */
  pending: number
}

/**
 * Where the live windows are kept: a Map in one thread, or shared memory that every thread of the process
 * counts in (core/workers/shared-buckets.ts). `atomically` runs one limiter operation alone.
 */
export interface BucketStore {
  atomically<T>(fn: () => T): T
  get(key: string): Bucket | undefined
  set(key: string, bucket: Bucket): void
  delete(key: string): void
  keysStartingWith(prefix: string): Iterable<string>
  /** Drop ended windows (a memory bound); `isDirty` keys keep theirs until written. */
  sweep(now: number, isDirty: (key: string) => boolean): void
}

/** The windows of one thread. */
class MapBuckets implements BucketStore {
  private readonly map = new Map<string, Bucket>()
  private lastSweep = 0
  atomically<T>(fn: () => T): T {
    return fn()
  }
  get(key: string) {
    return this.map.get(key)
  }
  set(key: string, bucket: Bucket) {
    this.map.set(key, bucket)
  }
  delete(key: string) {
    this.map.delete(key)
  }
  keysStartingWith(prefix: string) {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix))
  }
  // Once it holds many keys, at most once a second, since a sweep reads them all.
  sweep(now: number, isDirty: (key: string) => boolean) {
    if (this.map.size <= 50_000 || now - this.lastSweep < 1000) return
    this.lastSweep = now
    for (const [k, b] of this.map) if (b.resetAt <= now && !isDirty(k)) this.map.delete(k)
  }
}

export interface RateLimiterOptions {
  /** The database that keeps the counts (table `rate_limits`); none (or a read-only one) keeps them in memory only. */
  sqlite?: SQLite.Database | null
  clock?: () => number
  /** How often counted hits are written, in one transaction (default 1000 ms). */
  flushMs?: number
  /** Where live windows are kept (default: a Map of this thread's own). */
  buckets?: BucketStore
}

/**
 * Fixed-window counters per key. A key names its scope and its owner (`login:user:12`, `requests:ip:10.0.0.1`,
 * `random-chat:next:user:7`); never a socket or a connection, which a client can simply open again.
 *
 * The per-request middleware hits this on every request, so counting is a Map update: a key read from the table the
 * first time this process sees it in a window, and hits written in one transaction per `flushMs` (and on close).
 * A crash loses at most that last interval's hits. Several processes on one database each add their hits to the
 * shared row; each sees the others' hits when it first reads a key.
 */
export class RateLimiter {
  private readonly buckets: BucketStore
  private readonly dirty = new Set<string>()
  private readonly clock: () => number
  private readonly flushMs: number
  private readonly stmts: { get: SQLite.Statement; del: SQLite.Statement; forget: SQLite.Statement; write: () => void } | null
  private timer: NodeJS.Timeout | null = null
  private lastPrune = 0

  constructor(options: RateLimiterOptions = {}) {
    this.buckets = options.buckets ?? new MapBuckets()
    this.clock = options.clock ?? Date.now
    this.flushMs = options.flushMs ?? 1000
    const sqlite = options.sqlite && !options.sqlite.readonly ? options.sqlite : null
    if (!sqlite) {
      this.stmts = null
      return
    }
    const add = sqlite.prepare(
      `insert into rate_limits (key, count, reset_at) values (@key, max(@n, 0), @resetAt)
       on conflict (key) do update set
         count = case when rate_limits.reset_at <= @now then max(@n, 0) else max(rate_limits.count + @n, 0) end,
         reset_at = case when rate_limits.reset_at <= @now then @resetAt else rate_limits.reset_at end`,
    )
    const prune = sqlite.prepare('delete from rate_limits where reset_at <= ?')
    const writeAll = sqlite.transaction((rows: { key: string; n: number; resetAt: number }[], t: number) => {
      for (const r of rows) add.run({ ...r, now: t })
      if (t - this.lastPrune > 60_000) {
        this.lastPrune = t
        prune.run(t)
      }
    })
    this.stmts = {
      get: sqlite.prepare('select count, reset_at from rate_limits where key = ?'),
      del: sqlite.prepare('delete from rate_limits where key = ?'),
      forget: sqlite.prepare('delete from rate_limits where key >= ? and key < ?'),
      write: () => {
        // What is pending is taken under the lock; the write itself runs outside it, so other threads go on counting.
        const rows = this.buckets.atomically(() => {
          const out: { key: string; n: number; resetAt: number }[] = []
          for (const key of this.dirty) {
            const b = this.buckets.get(key)
            if (b && b.pending !== 0) out.push({ key, n: b.pending, resetAt: b.resetAt })
            if (b) b.pending = 0
          }
          this.dirty.clear()
          return out
        })
        writeAll(rows, this.clock())
      },
    }
  }

  /** The key's live bucket, read from the table the first time it is seen; null when it has no live window. */
  private live(key: string): Bucket | null {
    const t = this.clock()
    let b = this.buckets.get(key)
    if (b && b.resetAt > t) return b
    if (b) this.buckets.delete(key)
    if (!this.stmts || this.dirty.has(key)) return null
    const row = this.stmts.get.get(key) as { count: number; reset_at: number } | undefined
    if (!row || row.reset_at <= t) return null
    this.prune()
    this.buckets.set(key, { count: row.count, resetAt: row.reset_at, pending: 0 })
    return this.buckets.get(key) ?? null
  }

  private bucket(key: string, windowSeconds: number): Bucket {
    let b = this.live(key)
    if (!b) {
      this.prune()
      this.buckets.set(key, { count: 0, resetAt: this.clock() + windowSeconds * 1000, pending: 0 })
      b = this.buckets.get(key)!
    }
    return b
  }

  private add(key: string, windowSeconds: number, n: number): void {
    const b = this.bucket(key, windowSeconds)
    b.count = Math.max(0, b.count + n)
    if (!this.stmts) return
    b.pending += n
    this.dirty.add(key)
    this.timer ??= setTimeout(() => this.flush(), this.flushMs).unref()
  }

  /** Seconds until `key` may act again, or 0 when it is under `limit`. Does not count. */
  blockedFor(key: string, limit: number): number {
    return this.buckets.atomically(() => {
      const b = this.live(key)
      if (!b || b.count < limit) return 0
      return Math.max(1, Math.ceil((b.resetAt - this.clock()) / 1000))
    })
  }

  /** Count one hit; throws RATE_LIMITED ("Too many NOUN") once the window's limit is passed. */
  hit(key: string, limit: number, windowSeconds: number, noun = 'attempts'): void {
    // Checked and counted in one step, so two threads cannot both take the last hit.
    const wait = this.buckets.atomically(() => {
      const blocked = this.blockedFor(key, limit)
      if (!blocked) this.add(key, windowSeconds, 1)
      return blocked
    })
    if (wait) throw rateLimited(wait, noun)
  }

  /** Count a failure without refusing (the next attempt checks with blockedFor). */
  count(key: string, windowSeconds: number): void {
    this.buckets.atomically(() => this.add(key, windowSeconds, 1))
  }

  /** Give back one hit counted by `hit` that turned out not to be a failure (a right password awaiting its second factor). */
  release(key: string): void {
    this.buckets.atomically(() => {
      if (this.live(key)) this.add(key, 1, -1)
    })
  }

  /** Forget a key at once (a successful login clears its failures), in memory and in the table. */
  reset(key: string): void {
    this.buckets.atomically(() => {
      this.buckets.delete(key)
      this.dirty.delete(key)
    })
    this.stmts?.del.run(key)
  }

  /** Forget every key starting with `prefix` (an operator clearing a plugin's limits; tests starting afresh). */
  forget(prefix: string): void {
    this.buckets.atomically(() => {
      for (const k of [...this.buckets.keysStartingWith(prefix)]) {
        this.buckets.delete(k)
        this.dirty.delete(k)
      }
    })
    this.stmts?.forget.run(prefix, `${prefix}\uffff`)
  }

  /** Write the hits counted since the last flush. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (!this.stmts || !this.dirty.size) return
    try {
      this.stmts.write()
    } catch (err) {
      // A LiteFS replica may not write: its counts stay in this process (the writes they limit go to the primary).
      if ((err as { code?: string }).code !== 'SQLITE_READONLY') throw err
      for (const key of this.dirty) {
        const b = this.buckets.get(key)
        if (b) b.pending = 0
      }
      this.dirty.clear()
    }
  }

  /** Write what is pending; called when the server stops. */
  close(): void {
    this.flush()
  }

  /** Drop ended windows from memory once it holds many keys. */
  private prune(): void {
    this.buckets.sweep(this.clock(), (k) => this.dirty.has(k))
  }
}

/**
 * The key a client is limited under: its IPv4 address, or the /64 network of an IPv6 address
 * (one subscriber usually holds a whole /64, so single addresses would be free to rotate).
 */
export function clientKey(ip: string): string {
  const v4 = ip.match(/^(?:::ffff:)?(\d+\.\d+\.\d+\.\d+)$/i)
  if (v4) return v4[1]!
  if (!ip.includes(':')) return ip
  const [head = '', tail = ''] = ip.toLowerCase().split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const full = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left
  return `${full.slice(0, 4).map((h) => h.replace(/^0+(?=.)/, '')).join(':')}::/64`
}

export function rateLimited(seconds: number, noun = 'attempts'): AppError {
  return new AppError(429, 'RATE_LIMITED', `Too many ${noun}. Try again in ${seconds} s.`, { retry_after: seconds })
}

/** Limits a plugin keeps on its members (`ctx.core.limits`): counted by member, kept across reconnects and restarts. */
export interface PluginLimitsApi {
  /**
   * Count one action under `key` (name its owner: `next:user:12`, never a socket); throws RATE_LIMITED (429) once
   * `limit` actions were counted in the window. Keys are kept apart per plugin.
   * @example ctx.core.limits.hit(`next:user:${viewer.id}`, { limit: 10, windowSeconds: 60, message: (s) => `Wait ${s} s.` })
   */
  hit(key: string, rule: { limit: number; windowSeconds: number; message?: (waitSeconds: number) => string }): void
  /** Seconds until `key` may act again under `limit`, or 0. Counts nothing. */
  blockedFor(key: string, limit: number): number
}

/** The limits one plugin sees: its keys prefixed with its name. */
export function pluginLimits(limiter: RateLimiter, plugin: string): PluginLimitsApi {
  const scoped = (key: string) => `${plugin}:${key}`
  return {
    hit(key, { limit, windowSeconds, message }) {
      const wait = limiter.blockedFor(scoped(key), limit)
      if (wait) throw message ? new AppError(429, 'RATE_LIMITED', message(wait), { retry_after: wait }) : rateLimited(wait, 'attempts')
      limiter.count(scoped(key), windowSeconds)
    },
    blockedFor: (key, limit) => limiter.blockedFor(scoped(key), limit),
  }
}
