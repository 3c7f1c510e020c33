// The console's dashboard (issue 18): the rollup job once over the bench community (in process), then the dashboard
// page and its API at a few connections (a handful of staff at once), against the target p99 < 50 ms. The dashboard
// reads only the rollups, so its time should not grow with the community.
import { runRollup } from '../../core/admin/rollup.js'
import { createSession } from '../../core/users/sessions.js'
import type { Template } from './load.js'
import type { Ctx } from './scenarios.js'

const CSRF = 'benchcsrfbenchcsrfbenchcsrfbenchcsrf'
/** Staff looking at the dashboard at once. */
const CONNECTIONS = 4

export async function adminDashboard(ctx: Ctx): Promise<void> {
  const s = 'admin dashboard'
  const { h } = ctx
  const admin = (await h.users.findRow('bench_admin')) ?? (await h.users.findRow((await h.users.create({ username: 'bench_admin', email: 'bench_admin@example.org', password: 'bench admin password 1234' }, { role: 'admin', actorId: null })).id))!
  const web = await createSession(h.db, admin.id, 'web', { ip: null, userAgent: 'bench', days: 1 })
  const api = await createSession(h.db, admin.id, 'api', { ip: null, userAgent: 'bench', days: 1 })

  // The first run fills 90 days of every metric; later runs (every 10 minutes) count today and yesterday.
  const runs: number[] = []
  for (let rep = 0; rep < ctx.settings.reps + 1; rep++) {
    const t = performance.now()
    await runRollup(h)
    runs.push(Math.round(performance.now() - t))
    ctx.log(`  rollup run ${rep + 1}: ${runs[rep]} ms${rep === 0 ? ' (fills 90 days)' : ''}`)
  }
  ctx.figures.push(
    { scenario: s, figure: 'rollup, first run (90 days)', unit: 'ms', values: [runs[0]!] },
    { scenario: s, figure: 'rollup, a later run', unit: 'ms', values: runs.slice(1), note: 'every 10 minutes, in the background' },
  )

  const runsOf = {
    page: [{ label: 'dashboard page', paths: ['/admin?period=30&by=day', '/admin?period=90&by=week', '/admin?period=365&by=month'], headers: [{ cookie: `hearth_session=${web.token}; hearth_csrf=${CSRF}` }] }],
    API: [{ label: 'dashboard API', paths: ['/api/v1/admin/dashboard?period=30', '/api/v1/admin/dashboard?period=365&by=month'], headers: [{ authorization: `Bearer ${api.token}` }] }],
  } satisfies Record<string, Template[]>
  for (const [what, templates] of Object.entries(runsOf)) {
    ctx.log(`${s} ${what}: ${templates[0]!.paths.join(', ')}, ${CONNECTIONS} connections`)
    const rps: number[] = []
    const p99: number[] = []
    let bad: Record<string, number> = {}
    for (let rep = 0; rep < ctx.settings.reps; rep++) {
      const r = await ctx.load.run({ origin: ctx.hearth.origin, templates, connections: CONNECTIONS, durationSec: ctx.settings.durationSec, warmupSec: ctx.settings.warmupSec })
      rps.push(r.rps)
      p99.push(r.p99)
      if (r.non2xx + r.errors) bad = r.statuses
      ctx.log(`  ${what} rep ${rep + 1}: ${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms`)
    }
    if (Object.keys(bad).length) ctx.notes.push(`${s}: the ${what} answered ${JSON.stringify(bad)}.`)
    ctx.figures.push(
      { scenario: s, figure: `${what} req/s`, values: rps, note: `${CONNECTIONS} connections` },
      { scenario: s, figure: `${what} p99`, unit: 'ms', values: p99, target: { op: '<', value: 50 } },
    )
  }
}
