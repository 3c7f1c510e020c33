// Server usage: requests, time and bytes per minute and route, counted in memory on every request (a Map update,
// no I/O) and written to request_stats once a minute by the scheduler, plus the machine's disk and the stores' sizes.
import { statfs, stat } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import type { MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import type { RequestStatsTable } from '../db/schema.js'
import type { AppEnv } from '../http/env.js'

/** One minute and route's counts, as request_stats stores them. */
type Bucket = Omit<RequestStatsTable, 'minute' | 'route'>

/** The minute of a time as request_stats keys it: `YYYY-MM-DDTHH:MM`, UTC. */
export const minuteOf = (d: Date) => d.toISOString().slice(0, 16)
/** How long request_stats keeps its minutes. */
export const KEEP_DAYS = 30
/** Distinct minute-and-route pairs held between flushes; past it a new pair is dropped, so a flood of odd paths costs no memory. */
const MAX_KEYS = 20_000

/** The counts not yet written; one per process. */
export class UsageCounter {
  private pending = new Map<string, Bucket>()

  /** Count one answered request. `route` is the pattern that answered (`GET /u/:username`), never the raw path. */
  record(route: string, ms: number, bytes: number, flags: { api: boolean; error: boolean }, at = new Date()): void {
    const key = `${minuteOf(at)}|${route}`
    let b = this.pending.get(key)
    if (!b) {
      if (this.pending.size >= MAX_KEYS) return
      b = { requests: 0, api: 0, errors: 0, total_ms: 0, max_ms: 0, bytes: 0 }
      this.pending.set(key, b)
    }
    const whole = Math.round(ms)
    b.requests++
    if (flags.api) b.api++
    if (flags.error) b.errors++
    b.total_ms += whole
    b.max_ms = Math.max(b.max_ms, whole)
    b.bytes += bytes
  }

  /** The middleware that counts: first on the app, so every answer (static files, errors, refusals) is in it. */
  middleware(): MiddlewareHandler<AppEnv> {
    const counter = this
    return async function countUsage(c, next) {
      const started = performance.now()
      try {
        await next()
      } finally {
        // The pattern of the route that answered: a fixed set, so the table stays small whatever paths are asked.
        let pattern = '*'
        try {
          pattern = routePath(c)
        } catch {
          // No route matched (answered by notFound).
        }
        const route = pattern === '*' || pattern === '/*' ? `${c.req.method} (no route)` : `${c.req.method} ${pattern}`
        const status = c.res?.status ?? 500
        const flags = { api: c.req.path.startsWith('/api/'), error: status >= 500 }
        const ms = performance.now() - started
        const length = c.res?.headers.get('content-length')
        const res = c.res
        // Served by Node: the bytes are read when the response has gone, from the length the adapter declared (it
        // declares one for every body it holds whole, as JSON and pages are) or, for a stream, from the socket. A
        // body piped through a counting stream instead costs the adapter its fast path (half a feed request's JavaScript).
        const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing
        if (length !== null && length !== undefined) counter.record(route, ms, Number(length) || 0, flags)
        else if (outgoing) {
          const socket = outgoing.socket
          const before = socket?.bytesWritten ?? 0
          outgoing.once('close', () => {
            const declared = Number(outgoing.getHeader('content-length'))
            counter.record(route, ms, Number.isFinite(declared) ? declared : Math.max(0, (socket?.bytesWritten ?? before) - before), flags)
          })
        } else if (res?.body && status >= 200) {
          // No declared length (JSON and pages are sized by the server as they are written): count the bytes as
          // they pass, and record the request when the body has gone.
          let bytes = 0
          const counting = new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              bytes += chunk.byteLength
              controller.enqueue(chunk)
            },
            flush: () => counter.record(route, ms, bytes, flags),
          })
          c.res = new Response(res.body.pipeThrough(counting), { status: res.status, statusText: res.statusText, headers: res.headers })
        } else counter.record(route, ms, 0, flags)
      }
    }
  }

  /**
   * Add the counts of finished minutes (or all, with `all`: at shutdown and in tests) to request_stats, and forget
   * minutes older than KEEP_DAYS. Adding (not replacing) lets a minute be written in parts.
   */
  async flush(db: Db, options: { all?: boolean; now?: Date } = {}): Promise<number> {
    const now = minuteOf(options.now ?? new Date())
    const rows: (Bucket & { minute: string; route: string })[] = []
    for (const [key, b] of this.pending) {
      const [minute, route] = [key.slice(0, 16), key.slice(17)]
      if (!options.all && minute >= now) continue
      rows.push({ minute, route, ...b })
      this.pending.delete(key)
    }
    for (let i = 0; i < rows.length; i += 200) {
      await db
        .insertInto('request_stats')
        .values(rows.slice(i, i + 200))
        .onConflict((oc) =>
          oc.columns(['minute', 'route']).doUpdateSet({
            requests: sql`requests + excluded.requests`,
            api: sql`api + excluded.api`,
            errors: sql`errors + excluded.errors`,
            total_ms: sql`total_ms + excluded.total_ms`,
            max_ms: sql`max(max_ms, excluded.max_ms)`,
            bytes: sql`bytes + excluded.bytes`,
          }),
        )
        .execute()
    }
    const cutoff = minuteOf(new Date((options.now ?? new Date()).getTime() - KEEP_DAYS * 86_400_000))
    await db.deleteFrom('request_stats').where('minute', '<', cutoff).execute()
    return rows.length
  }
}

/** Requests, API calls, server errors and bytes between two ISO times (a rollup's day). */
export async function trafficBetween(db: Db, from: string, to: string) {
  const r = await db
    .selectFrom('request_stats')
    .select((e) => [
      e.fn.coalesce(e.fn.sum<number>('requests'), sql<number>`0`).as('requests'),
      e.fn.coalesce(e.fn.sum<number>('api'), sql<number>`0`).as('api'),
      e.fn.coalesce(e.fn.sum<number>('errors'), sql<number>`0`).as('errors'),
      e.fn.coalesce(e.fn.sum<number>('bytes'), sql<number>`0`).as('bytes'),
    ])
    .where('minute', '>=', from.slice(0, 16))
    .where('minute', '<', to.slice(0, 16))
    .executeTakeFirstOrThrow()
  return { requests: Number(r.requests), api: Number(r.api), errors: Number(r.errors), bytes: Number(r.bytes) }
}

/** The busiest minute's requests between two ISO times. */
export async function peakPerMinute(db: Db, from: string, to: string): Promise<number> {
  const r = await sql<{ n: number | null }>`select max(n) as n from (select sum(requests) as n from request_stats where minute >= ${from.slice(0, 16)} and minute < ${to.slice(0, 16)} group by minute)`.execute(db)
  return Number(r.rows[0]?.n ?? 0)
}

/** Requests per minute over the last `minutes` minutes, every minute present (0 when none were counted). */
export async function perMinute(db: Db, minutes: number, now = new Date()): Promise<{ minute: string; requests: number; api: number; errors: number }[]> {
  const first = new Date(now.getTime() - (minutes - 1) * 60_000)
  const rows = await db
    .selectFrom('request_stats')
    .select((e) => ['minute', e.fn.sum<number>('requests').as('requests'), e.fn.sum<number>('api').as('api'), e.fn.sum<number>('errors').as('errors')])
    .where('minute', '>=', minuteOf(first))
    .groupBy('minute')
    .execute()
  const by = new Map(rows.map((r) => [r.minute, r]))
  const out = []
  for (let i = 0; i < minutes; i++) {
    const m = minuteOf(new Date(first.getTime() + i * 60_000))
    const r = by.get(m)
    out.push({ minute: m, requests: Number(r?.requests ?? 0), api: Number(r?.api ?? 0), errors: Number(r?.errors ?? 0) })
  }
  return out
}

/** The routes that took longest on average since `since` (ISO), with at least `min` requests so one odd call does not lead. */
export async function slowestRoutes(db: Db, since: string, options: { limit?: number; min?: number } = {}) {
  const rows = await db
    .selectFrom('request_stats')
    .select((e) => ['route', e.fn.sum<number>('requests').as('requests'), e.fn.sum<number>('total_ms').as('total_ms'), e.fn.max('max_ms').as('max_ms'), e.fn.sum<number>('errors').as('errors')])
    .where('minute', '>=', since.slice(0, 16))
    .groupBy('route')
    .having((e) => e.fn.sum('requests'), '>=', options.min ?? 1)
    .orderBy(sql`sum(total_ms) * 1.0 / sum(requests)`, 'desc')
    .limit(options.limit ?? 15)
    .execute()
  return rows.map((r) => ({ route: r.route, requests: Number(r.requests), avg_ms: Math.round(Number(r.total_ms) / Number(r.requests)), max_ms: Number(r.max_ms), errors: Number(r.errors) }))
}

/** Free and total bytes of the disk holding `dir`. */
export async function diskOf(dir: string): Promise<{ free: number; total: number }> {
  const s = await statfs(dir)
  return { free: s.bavail * s.bsize, total: s.blocks * s.bsize }
}

/** The database's bytes: its pages, and the write-ahead log beside it. */
export async function databaseBytes(db: Db, file: string): Promise<number> {
  const r = await sql<{ n: number }>`select page_count * page_size as n from pragma_page_count(), pragma_page_size()`.execute(db)
  const wal = await stat(`${file}-wal`).then((s) => s.size, () => 0)
  return Number(r.rows[0]?.n ?? 0) + wal
}

/** Bytes of stored media by kind. */
export async function mediaBytes(db: Db): Promise<Record<string, number>> {
  const rows = await db.selectFrom('media').select((e) => ['kind', e.fn.sum<number>('size_bytes').as('n')]).groupBy('kind').execute()
  return Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]))
}
