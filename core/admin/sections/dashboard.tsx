// The console's front page: what is happening now, and tiles of figures and charts over a period (uPlot, served from
// the project), read from the rollups (core/admin/rollup.ts) so the page answers in milliseconds at any size.
import type { Context } from 'hono'
import { renderToString } from 'preact-render-to-string'
import { z } from 'zod'
import { VERSION } from '../../version.js'
import type { AppEnv } from '../../http/env.js'
import { ok } from '../../http/envelope.js'
import { flash } from '../../http/flash.js'
import type { Services } from '../../services.js'
import { allows } from '../../users/permissions.js'
import { parse } from '../../validation.js'
import { ActionForm } from '../../views/components.js'
import { addDays, dayOf } from '../metrics.js'
import type { AdminMetric, AdminSection, AdminTile, MetricUnit } from '../registry.js'
import { ProblemList } from '../problem-list.js'
import { storedProblems } from '../problems.js'
import { runRollup, series } from '../rollup.js'
import { pendingRestart, RestartNotice } from './plugins.js'

const PERIODS = [7, 30, 90, 365] as const
const BUCKETS = ['day', 'week', 'month'] as const
type Bucket = (typeof BUCKETS)[number]

export const dashboardQuery = z.object({
  period: z.coerce.number({ error: 'period is a number of days.' }).refine((n) => (PERIODS as readonly number[]).includes(n), { error: 'period is 7, 30, 90 or 365 days.' }).default(30),
  by: z.enum(BUCKETS, { error: 'by is day, week or month.' }).default('day'),
})

/** The first day of the bucket a day falls in: itself, its week's Monday, or its month's first. */
function bucketOf(day: string, by: Bucket): string {
  if (by === 'day') return day
  if (by === 'month') return `${day.slice(0, 7)}-01`
  const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7
  return addDays(day, -weekday)
}

export interface TileSeries {
  id: string
  label: string
  unit: MetricUnit
  kind: 'count' | 'gauge'
  /** One value per bucket (null: no rollup for it yet). */
  values: (number | null)[]
  /** The tile's big figure for this series: the period's sum (counts) or the last value (gauges). */
  figure: number | null
}

export interface TileData {
  id: string
  label: string
  help: string | null
  series: TileSeries[]
}

/** The tiles a viewer may see, with their series over the period in buckets: the page's and the API's one source. */
export async function dashboardData(s: Services, viewer: Parameters<typeof allows>[0], period: number, by: Bucket, now = new Date()) {
  const to = dayOf(now)
  const from = addDays(to, -(period - 1))
  const tiles = s.admin.tiles.filter((t) => allows(viewer, t.need) && t.metrics.some((m) => s.admin.metrics.has(m)))
  const ids = [...new Set(tiles.flatMap((t) => t.metrics))]
  const stored = await series(s.db, ids, from, to)
  const buckets: string[] = []
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const b = bucketOf(d, by)
    if (buckets[buckets.length - 1] !== b) buckets.push(b)
  }
  const lastDayIn = new Map<string, string>()
  const seriesOf = (tile: AdminTile, metric: AdminMetric): TileSeries => {
    const byDay = stored.get(metric.id)!
    const sums = new Map<string, number>()
    for (const [day, v] of byDay) {
      const b = bucketOf(day, by)
      // A count adds up over its bucket; a gauge (or an "active in N days" figure) keeps the bucket's last value.
      if (metric.kind === 'count' && tile.figure !== 'latest') sums.set(b, (sums.get(b) ?? 0) + v)
      else if (day >= (lastDayIn.get(`${metric.id}:${b}`) ?? '')) {
        lastDayIn.set(`${metric.id}:${b}`, day)
        sums.set(b, v)
      }
    }
    const values = buckets.map((b) => sums.get(b) ?? null)
    const known = values.filter((v): v is number => v !== null)
    const latest = [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).pop()?.[1] ?? null
    const useLatest = metric.kind === 'gauge' || tile.figure === 'latest'
    return { id: metric.id, label: metric.label, unit: metric.unit ?? 'number', kind: metric.kind, values, figure: useLatest ? latest : known.length ? known.reduce((a, b) => a + b, 0) : null }
  }
  const data: TileData[] = tiles.map((t) => ({ id: t.id, label: t.label, help: t.help ?? null, series: t.metrics.filter((m) => s.admin.metrics.has(m)).map((m) => seriesOf(t, s.admin.metrics.get(m)!)) }))
  return { from, to, by, buckets, tiles: data }
}

const numberFormat = new Intl.NumberFormat('en')
export function formatValue(v: number | null, unit: MetricUnit): string {
  if (v === null) return '–'
  if (unit === 'percent') return `${Math.round(v)} %`
  if (unit === 'hundredths') return (v / 100).toFixed(2)
  if (unit === 'bytes') {
    const units = ['B', 'KB', 'MB', 'GB', 'TB']
    let i = 0
    let n = v
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024
      i++
    }
    return `${n >= 10 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`
  }
  return numberFormat.format(v)
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

/**
 * A tile's figures as a table, for readers without the chart (no JavaScript, a screen reader). Built as a string: a
 * year by day is thousands of cells, which cost the page more as elements than the rest of it together.
 */
function figuresTable(tile: TileData, buckets: string[]): string {
  const head = `<tr><th>From</th>${tile.series.map((s) => `<th>${escapeHtml(s.label)}</th>`).join('')}</tr>`
  const rows = buckets.map((b, i) => `<tr><td>${b}</td>${tile.series.map((s) => `<td>${formatValue(s.values[i] ?? null, s.unit)}</td>`).join('')}</tr>`)
  return `<table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`
}

/**
 * A tile: its figures, a chart (drawn by /static/admin-charts.js) and the same figures as a table. Buckets are UTC
 * days (`YYYY-MM-DD`) or minutes (`YYYY-MM-DDTHH:MM`, the usage page's).
 */
export function Tile({ tile, buckets }: { tile: TileData; buckets: string[] }) {
  // The chart's data for the page's script: x as Unix seconds, one row per series.
  const chart = JSON.stringify({ x: buckets.map((b) => Date.parse(b.length === 10 ? `${b}T00:00:00Z` : `${b}:00Z`) / 1000), series: tile.series.map((s) => ({ label: s.label, unit: s.unit, values: s.values })) })
  const titleId = `tile-${tile.id}`
  return (
    <section class="card tile" data-tile={tile.id} aria-labelledby={titleId}>
      <h2 id={titleId}>{tile.label}</h2>
      <dl class="figures">
        {tile.series.map((s) => (
          <div>
            <dt>{s.label}</dt>
            <dd data-figure={s.id}>{formatValue(s.figure, s.unit)}</dd>
          </div>
        ))}
      </dl>
      {tile.help && <p class="hint">{tile.help}</p>}
      <div class="chart" data-chart={chart} role="img" aria-label={`Chart of ${tile.label.toLowerCase()}; the table below holds the same figures.`} />
      <details>
        <summary>Figures</summary>
        <div class="table-wrap" dangerouslySetInnerHTML={{ __html: figuresTable(tile, buckets) }} />
      </details>
    </section>
  )
}

/** What draws the tiles' charts: uPlot from the project's own copy and the console's script. */
export function ChartScripts() {
  return (
    <>
      <link rel="stylesheet" href="/static/uplot/uPlot.min.css" />
      <script src="/static/uplot/uPlot.iife.min.js" defer></script>
      <script src="/static/admin-charts.js" defer></script>
    </>
  )
}

export function dashboardSection(s: Services): AdminSection {
  const { admin, users, plugins, ui } = s
  const refresh = () => runRollup(s)
  /**
   * The tiles change only when the rollup runs (its time is in the key, so every process sees a new run) or the day
   * turns: kept per period, grouping and set of visible tiles, so a page view reads no rollup at all in between.
   */
  const kept = new Map<string, unknown>()
  const cached = async <T,>(viewer: Parameters<typeof allows>[0], period: number, by: Bucket, asOf: unknown, kind: string, make: () => Promise<T>): Promise<T> => {
    const visible = admin.tiles.filter((t) => allows(viewer, t.need)).map((t) => t.id).join(',')
    const key = `${kind}|${period}|${by}|${dayOf(new Date())}|${String(asOf)}|${visible}`
    if (kept.has(key)) return kept.get(key) as T
    const value = await make()
    if (kept.size >= 64) kept.clear()
    kept.set(key, value)
    return value
  }
  return {
    id: 'dashboard',
    label: 'Dashboard',
    icon: 'layout-dashboard',
    order: 0,
    need: 'staff',
    pages(r) {
      r.get('/', async (c: Context<AppEnv>) => {
        const q = parse(dashboardQuery, { period: c.req.query('period'), by: c.req.query('by') })
        const viewer = c.get('viewer')!
        const [statuses, asOf, problems] = await Promise.all([plugins.status(), s.settings.read('admin.rollup_at'), allows(viewer, 'manage_settings') ? storedProblems(s.settings) : null])
        const tiles = await cached(viewer, q.period, q.by, asOf, 'html', async () => {
          const data = await dashboardData(s, viewer, q.period, q.by)
          return renderToString(<>{data.tiles.map((t) => <Tile tile={t} buckets={data.buckets} />)}</>)
        })
        const link = (period: number, by: Bucket) => `/admin?period=${period}&by=${by}`
        return admin.page(
          c,
          { title: 'Dashboard' },
          <>
            <RestartNotice pending={pendingRestart(statuses)} />
            {problems && <ProblemList problems={problems.problems} at={problems.at} />}
            <section class="card">
              <h2>Now</h2>
              <p>
                <strong>{await users.count()}</strong> members · <strong>{statuses.filter((p) => p.loaded).length}</strong> plugins running · <strong>{s.realtime.onlineCount()}</strong> members online now
              </p>
              <p class="muted">
                Hearth {VERSION} · Node {process.version}
              </p>
            </section>
            {await ui.renderSlot('admin.overview', { viewer })}
            <nav class="admin-period" aria-label="Period">
              {PERIODS.map((p) => (
                <a href={link(p, q.by)} aria-current={p === q.period ? 'page' : undefined} class={p === q.period ? 'button' : 'button secondary'}>
                  {p} days
                </a>
              ))}
            </nav>
            <nav class="admin-period" aria-label="Group by">
              {BUCKETS.map((b) => (
                <a href={link(q.period, b)} aria-current={b === q.by ? 'page' : undefined} class={b === q.by ? 'button' : 'button secondary'}>
                  {b === 'day' ? 'Daily' : b === 'week' ? 'Weekly' : 'Monthly'}
                </a>
              ))}
            </nav>
            <p class="hint" data-as-of>
              {typeof asOf === 'string' ? `Figures as of ${asOf.replace('T', ' ').slice(0, 16)} UTC; they are counted every 10 minutes.` : 'The figures are counted every 10 minutes; the first count has not run yet.'}
            </p>
            {allows(viewer, 'manage_settings') && <ActionForm action="/admin/refresh" csrf={c.get('csrfToken')} label="Count now" class="secondary" />}
            <div class="tiles" dangerouslySetInnerHTML={{ __html: tiles }} />
            <ChartScripts />
          </>,
        )
      })
      r.post('/refresh', async (c) => {
        await refresh()
        flash(c, 'ok', 'The figures are counted again.')
        return c.redirect('/admin', 303)
      }, 'manage_settings')
    },
    api(r) {
      r.get('/', async (c) => {
        const q = parse(dashboardQuery, { period: c.req.query('period'), by: c.req.query('by') })
        const asOf = await s.settings.read('admin.rollup_at')
        const data = await cached(c.get('viewer'), q.period, q.by, asOf, 'json', () => dashboardData(s, c.get('viewer'), q.period, q.by))
        const problems = allows(c.get('viewer'), 'manage_settings') ? ((await storedProblems(s.settings))?.problems ?? []) : undefined
        return ok(c, { as_of: asOf ?? null, period: q.period, ...data, ...(problems && { problems }) })
      })
      r.post('/refresh', async (c) => {
        await refresh()
        return ok(c, { as_of: await s.settings.read('admin.rollup_at') })
      }, 'manage_settings')
    },
  }
}
