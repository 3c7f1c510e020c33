// The dashboard's rollup job: each metric's value per UTC day into admin_stats, so the dashboard reads a few hundred
// stored rows and never counts a large table while someone waits. Runs every 10 minutes (croner, core's scheduler).
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import type { Services } from '../services.js'
import { addDays, CORE_TILES, coreMetrics, dayOf } from './metrics.js'
import { refreshProblems } from './problems.js'
import type { AdminMetric, AdminRegistry } from './registry.js'

/** How far back a metric seen for the first time is filled. */
export const BACKFILL_DAYS = 90
export const ROLLUP_CRON = '*/10 * * * *'

export function wireRollups(s: Services): void {
  for (const m of coreMetrics(s)) s.admin.addMetric('core', m)
  for (const t of CORE_TILES) s.admin.addTile('core', t)
  s.scheduler.add('core', ROLLUP_CRON, 'admin-rollup', async () => void (await runRollup(s)))
}

/** One run, as the schedule and the dashboard's "Count now" make it: every metric, then the time it was done. */
export async function runRollup(s: Services): Promise<number> {
  const filled = new Set(((await s.settings.read('admin.rollup_filled')) as string[] | undefined) ?? [])
  const written = await rollup(s.db, s.admin, { filled, log: (metric, err) => s.log.error({ err, metric }, `dashboard metric ${metric} failed`) })
  await s.settings.write('admin.rollup_filled', [...filled])
  await s.settings.write('admin.rollup_at', new Date().toISOString())
  // The problem checks go with it, so the dashboard reads their last result instead of running ffmpeg per view.
  await refreshProblems({ db: s.db, settings: s.settings, dataDir: s.config.dataDir }).catch((err) => s.log.error({ err }, 'the problem checks failed'))
  return written
}

/**
 * Store every metric: a count for each day from the day before its last stored one (today's grows, and yesterday's
 * may have grown after the last run) or the backfill window, to today; a gauge for today. A metric that throws is
 * reported and the others still run. Returns how many values were written. `filled` names the metrics whose window
 * was already filled (the run adds those it fills): one that has never stored a value, such as a ratio with nothing
 * to divide by on a new site, is then counted from yesterday rather than over the whole window every run.
 */
export async function rollup(db: Db, admin: AdminRegistry, options: { now?: Date; filled?: Set<string>; log?: (metric: string, err: unknown) => void } = {}): Promise<number> {
  const today = dayOf(options.now ?? new Date())
  const last = new Map((await db.selectFrom('admin_stats').select(['metric', (e) => e.fn.max('day').as('day')]).groupBy('metric').execute()).map((r) => [r.metric, r.day as string]))
  let written = 0
  for (const m of admin.metrics.values()) {
    try {
      const stored = last.get(m.id) ?? (options.filled?.has(m.id) ? today : null)
      const days = m.kind === 'gauge' ? [today] : daysFrom(stored ? addDays(stored, -1) : addDays(today, -(BACKFILL_DAYS - 1)), today)
      const values: { metric: string; day: string; value: number }[] = []
      for (const day of days) {
        const value = await valueOf(m, day)
        if (value !== null) values.push({ metric: m.id, day, value })
      }
      await store(db, values)
      written += values.length
      options.filled?.add(m.id)
    } catch (err) {
      options.log?.(m.id, err)
    }
  }
  return written
}

async function valueOf(m: AdminMetric, day: string): Promise<number | null> {
  const v = await m.compute({ day, from: `${day}T00:00:00.000Z`, to: `${addDays(day, 1)}T00:00:00.000Z` })
  if (v === null) return null
  if (!Number.isFinite(v)) throw new Error(`Metric ${m.id} gave ${v} for ${day}; a metric is a finite number.`)
  return Math.round(v)
}

function daysFrom(first: string, last: string): string[] {
  const out: string[] = []
  for (let d = first; d <= last; d = addDays(d, 1)) out.push(d)
  return out
}

async function store(db: Db, values: { metric: string; day: string; value: number }[]): Promise<void> {
  for (let i = 0; i < values.length; i += 200) {
    await db
      .insertInto('admin_stats')
      .values(values.slice(i, i + 200))
      .onConflict((oc) => oc.columns(['metric', 'day']).doUpdateSet({ value: sql`excluded.value` }))
      .execute()
  }
}

/** The stored values of some metrics from `from` to `to` (days, inclusive): one read of the primary key per metric. */
export async function series(db: Db, metrics: string[], from: string, to: string): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>(metrics.map((m) => [m, new Map()]))
  if (!metrics.length) return out
  const rows = await db.selectFrom('admin_stats').select(['metric', 'day', 'value']).where('metric', 'in', metrics).where('day', '>=', from).where('day', '<=', to).execute()
  for (const r of rows) out.get(r.metric)?.set(r.day, r.value)
  return out
}

/** When the rollup last wrote (the newest day of any metric), for the dashboard's "as of". */
export async function lastRollupDay(db: Db): Promise<string | null> {
  const r = await db.selectFrom('admin_stats').select((e) => e.fn.max('day').as('day')).executeTakeFirst()
  return (r?.day as string | null) ?? null
}
