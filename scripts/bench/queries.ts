// Where a page's time goes, in SQL: each benchmarked page requested in-process on the cached community, with every
// statement timed and the slowest shown with SQLite's plan. For finding the cause of a missed target.
//   node --import tsx scripts/bench/queries.ts [--quick]
import { createHearth } from '../../core/app.js'
import { createSession } from '../../core/users/sessions.js'
import { resolveConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { prepareRun } from './prepare.js'
import { ensureSeed } from './seed.js'

const meta = await ensureSeed({ mode: process.argv.includes('--quick') ? 'quick' : 'full' })
await prepareRun(meta)
const h = await createHearth({ config: resolveConfig({ dataDir: meta.dataDir, logLevel: 'silent' }, {}), log: createLogger({ level: 'silent' }) })
const sqlite = h.store.sqlite as unknown as { prepare(sql: string): Record<string, (...a: unknown[]) => unknown> }
const prepare = sqlite.prepare.bind(sqlite)
let seen: { sql: string; ms: number; args: unknown[] }[] = []
sqlite.prepare = (sql: string) => {
  const st = prepare(sql)
  for (const m of ['all', 'get', 'run']) {
    const f = st[m]!.bind(st)
    st[m] = (...args: unknown[]) => {
      const t = performance.now()
      const r = f(...args)
      seen.push({ sql, ms: performance.now() - t, args })
      return r
    }
  }
  return st
}
const member = meta.params.celebrities + 100
const web = (await createSession(h.db, member, 'web', { ip: null, userAgent: 'hearth-bench', days: 1 })).token
const api = (await createSession(h.db, member, 'api', { ip: null, userAgent: 'hearth-bench', days: 1 })).token
const one = <T>(sql: string) => prepare(sql).get!() as T
const post = one<{ id: number }>(`select max(id) id from posts where visibility = 'public'`).id - 100
const tag = one<{ tag: string }>('select tag from hashtags join post_hashtags on hashtag_id = hashtags.id group by hashtags.id order by count(*) desc limit 1').tag
const cookie = { cookie: `hearth_session=${web}; hearth_csrf=benchcsrfbenchcsrfbenchcsrfbenchcsrf` }
const pages: [string, Record<string, string>][] = [
  ['/api/v1/feed/home', { authorization: `Bearer ${api}` }],
  ['/', cookie],
  [`/u/member${member + 1}`, cookie],
  [`/p/${post}`, cookie],
  ['/explore', cookie],
  [`/tags/${tag}`, cookie],
  ['/search?q=kalo', cookie],
]
for (const [path, headers] of pages) {
  await (await h.app.request('http://bench' + path, { headers })).text()
  seen = []
  const t = performance.now()
  const res = await h.app.request('http://bench' + path, { headers })
  await res.text()
  const total = performance.now() - t
  const inSql = seen.reduce((a, b) => a + b.ms, 0)
  console.log(`\n${path}: ${res.status}, ${total.toFixed(1)} ms, of which ${inSql.toFixed(1)} ms in ${seen.length} statements`)
  for (const s of [...seen].sort((a, b) => b.ms - a.ms).slice(0, 3)) {
    console.log(`  ${s.ms.toFixed(2).padStart(8)} ms  ${s.sql.replace(/\s+/g, ' ').slice(0, 160)}`)
    if (s.ms > 1) {
      const plan = prepare('explain query plan ' + s.sql).all!(...s.args) as { detail: string }[]
      console.log(`              plan: ${plan.map((p) => p.detail).filter((d) => !/CORRELATED|LIST SUBQUERY|SCALAR/.test(d)).join(' | ').slice(0, 400)}`)
    }
  }
}
await h.close()
