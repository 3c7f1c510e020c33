// Server usage: the disk, the database and media by kind now; requests per minute over the last hour; the slowest
// routes of the last day; and the problem checks run on the spot. Growth over weeks is on the dashboard's tiles.
import type { Services } from '../../services.js'
import { ok } from '../../http/envelope.js'
import { DataTable } from '../../views/components.js'
import { ProblemList } from '../problem-list.js'
import { findProblems } from '../problems.js'
import type { AdminSection } from '../registry.js'
import { databaseBytes, diskOf, mediaBytes, perMinute, slowestRoutes } from '../usage.js'
import { ChartScripts, formatValue, Tile } from './dashboard.js'

/** Minutes charted on the page and answered by the API. */
const MINUTES = 60

export function usageSection(s: Services): AdminSection {
  const usage = async () => {
    // The minutes counted so far this run are written first, so the chart reaches the last finished minute.
    await s.usage.flush(s.db).catch((err) => s.log.warn({ err }, 'the usage counts could not be written'))
    const since = new Date(Date.now() - 86_400_000).toISOString()
    const [disk, database, media, minutes, slowest] = await Promise.all([diskOf(s.config.dataDir), databaseBytes(s.db, s.config.dbFile), mediaBytes(s.db), perMinute(s.db, MINUTES), slowestRoutes(s.db, since, { min: 5 })])
    return { disk, database_bytes: database, media_bytes: media, per_minute: minutes, slowest_routes: slowest }
  }
  const problems = () => findProblems({ db: s.db, settings: s.settings, dataDir: s.config.dataDir })

  return {
    id: 'usage',
    label: 'Server usage',
    icon: 'gauge',
    order: 82,
    need: 'manage_settings',
    pages(r) {
      r.get('/', async (c) => {
        const [u, found] = await Promise.all([usage(), problems()])
        const buckets = u.per_minute.map((m) => m.minute)
        const series = (id: 'requests' | 'api' | 'errors', label: string) => {
          const values = u.per_minute.map((m) => m[id])
          return { id, label, unit: 'number' as const, kind: 'count' as const, values, figure: values.reduce((a, b) => a + b, 0) }
        }
        const bytes = (n: number) => formatValue(n, 'bytes')
        return s.admin.page(
          c,
          { title: 'Server usage' },
          <>
            <ProblemList problems={found} />
            <section class="card" data-storage>
              <h2>Storage now</h2>
              <dl class="figures">
                <div>
                  <dt>Disk free</dt>
                  <dd data-figure="disk-free">
                    {bytes(u.disk.free)} of {bytes(u.disk.total)}
                  </dd>
                </div>
                <div>
                  <dt>Database</dt>
                  <dd data-figure="database">{bytes(u.database_bytes)}</dd>
                </div>
                {Object.entries(u.media_bytes).map(([kind, n]) => (
                  <div>
                    <dt>Media: {kind}s</dt>
                    <dd data-figure={`media-${kind}`}>{bytes(n)}</dd>
                  </div>
                ))}
              </dl>
              <p class="hint">
                Growth over time, bytes served and requests per day are on the <a href="/admin?period=90">dashboard</a>.
              </p>
            </section>
            <div class="tiles">
              <Tile tile={{ id: 'per-minute', label: `Requests per minute, last ${MINUTES} minutes`, help: 'Counted in memory and written each minute.', series: [series('requests', 'Requests'), series('api', 'API calls'), series('errors', 'Server errors')] }} buckets={buckets} />
            </div>
            <section class="card">
              <h2>Slowest routes, last 24 hours</h2>
              <DataTable
                rows={u.slowest_routes}
                label="Slowest routes"
                empty="Not enough requests counted yet (a route needs five)."
                tableData={{ 'data-slowest': u.slowest_routes.length }}
                columns={[
                  { label: 'Route', cell: (x) => <code>{x.route}</code> },
                  { label: 'Requests', cell: (x) => formatValue(x.requests, 'number') },
                  { label: 'Average', cell: (x) => `${x.avg_ms} ms` },
                  { label: 'Slowest', cell: (x) => `${x.max_ms} ms` },
                  { label: 'Server errors', cell: (x) => x.errors },
                ]}
              />
            </section>
            <ChartScripts />
          </>,
        )
      })
    },
    api(r) {
      r.get('/', async (c) => ok(c, await usage()))
      r.get('/problems', async (c) => ok(c, await problems()))
    },
  }
}
