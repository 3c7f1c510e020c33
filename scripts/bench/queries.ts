// Where a page's time goes, in SQL: each benchmarked page requested in-process on the cached community, with every
// statement timed and the slowest shown with SQLite's plan. For finding the cause of a missed target.
//   node --import tsx scripts/bench/queries.ts [--quick] [--messages] [--repeat=N] [--profile] [--statements]
// --messages: the messages plugin's pages instead (issue 15): a member with 500 conversations (made here, through the
// API) has their inbox page, the inbox API, a thread page, a send and a send to a group of 1,000 they own timed
// (a send with its fan-out job), median of 30 requests each, with the slowest
// statements and their plans. With --profile, the timed requests are also CPU-profiled (in process, only them) and
// the functions with the most time listed; with --statements, every statement of each request in order.
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
let sqlAll = 0
let seen: { sql: string; ms: number; args: unknown[] }[] = []
sqlite.prepare = (sql: string) => {
  const st = prepare(sql)
  for (const m of ['all', 'get', 'run']) {
    const f = st[m]!.bind(st)
    st[m] = (...args: unknown[]) => {
      const t = performance.now()
      const r = f(...args)
      const ms = performance.now() - t
      sqlAll += ms
      seen.push({ sql, ms, args })
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
const messages = process.argv.includes('--messages')
const pages: [string, Record<string, string>, { method: string; body: string }?][] = messages ? await messagePages() : [
  ['/api/v1/feed/home', { authorization: `Bearer ${api}` }],
  ['/', cookie],
  [`/u/member${member + 1}`, cookie],
  [`/p/${post}`, cookie],
  ['/explore', cookie],
  [`/tags/${tag}`, cookie],
  ['/search?q=kalo', cookie],
]
/** 500 members each write to `member` (accepted if it landed in requests); answers the pages to time. */
async function messagePages(): Promise<[string, Record<string, string>, { method: string; body: string }?][]> {
  const on = one<{ enabled: number } | undefined>(`select enabled from plugins where name = 'messages'`)
  if (!on?.enabled) throw new Error('The messages plugin is not enabled in the bench community.')
  await h.settings.write('plugin.messages.sends_per_minute', 1000)
  const others = prepare('select id from users where id != ? and suspended_at is null order by id limit 500').all!(member) as { id: number }[]
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await h.app.request('http://bench' + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
    return (await res.json()) as { data: { id: number } }
  }
  let first = 0
  for (const o of others) {
    const token = (await createSession(h.db, o.id, 'api', { ip: null, userAgent: 'hearth-bench', days: 1 })).token
    const id = (await call(token, 'POST', '/api/v1/messages/conversations', { user: member })).data.id
    first ||= id
    await call(token, 'POST', `/api/v1/messages/conversations/${id}/messages`, { text: `Hello from ${o.id}, how are things?` })
    await call(api, 'POST', `/api/v1/messages/conversations/${id}/accept`)
  }
  // A group of 1,000 the member owns, for the cost of one send to it (its first message, notifying everyone, before).
  await h.settings.write('plugin.messages.max_group_members', 5000)
  const crowd = prepare('select id from users where id != ? and suspended_at is null order by id limit 999').all!(member) as { id: number }[]
  const group = (await call(api, 'POST', '/api/v1/messages/conversations', { name: 'Everyone', members: crowd.map((c) => c.id) })).data.id
  await call(api, 'POST', `/api/v1/messages/conversations/${group}/messages`, { text: 'Welcome, everyone' })
  await h.queue.drain()
  return [
    ['/messages', cookie],
    ['/api/v1/messages/conversations', { authorization: `Bearer ${api}` }],
    [`/messages/${first}`, cookie],
    // A send (as the member, answering), which the socket-delivery figures wait for.
    [`/api/v1/messages/conversations/${first}/messages`, { authorization: `Bearer ${api}`, 'content-type': 'application/json' }, { method: 'POST', body: JSON.stringify({ text: 'Fine, thanks!' }) }],
    [`/api/v1/messages/conversations/${group}/messages`, { authorization: `Bearer ${api}`, 'content-type': 'application/json' }, { method: 'POST', body: JSON.stringify({ text: 'Hello, all of you' }) }],
  ]
}

const profiling = process.argv.includes('--profile')
// --repeat=N: each page N times (after one warm-up), for its median and the CPU and SQL time a request costs.
const repeat = Number(process.argv.find((a) => a.startsWith('--repeat='))?.slice(9) ?? 1)
if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat takes a whole number of requests, 1 or more.')
const inspector = profiling ? new (await import('node:inspector/promises')).Session() : null
if (inspector) {
  inspector.connect()
  await inspector.post('Profiler.enable')
  await inspector.post('Profiler.start')
}
for (const [path, headers, init] of pages) {
  const request = () => h.app.request('http://bench' + path, { headers, ...init })
  await (await request()).text()
  const runs: number[] = []
  // CPU time per request too: on a shared, loaded machine wall time mostly measures the wait for a core.
  const cpu0 = process.cpuUsage()
  sqlAll = 0
  for (let i = 0; i < (messages ? 29 : repeat - 1); i++) {
    const t = performance.now()
    await (await request()).text()
    if (init) await h.queue.drain() // the send's fan-out job, timed with it
    runs.push(performance.now() - t)
  }
  seen = []
  const t = performance.now()
  const res = await request()
  await res.text()
  if (init) await h.queue.drain()
  const all = [...runs, performance.now() - t].sort((a, b) => a - b)
  const total = all[Math.floor(all.length / 2)]!
  const cpu = process.cpuUsage(cpu0)
  const cpuMs = (cpu.user + cpu.system) / 1000 / (runs.length + 1)
  const inSql = seen.reduce((a, b) => a + b.ms, 0)
  const many = all.length > 1 ? ` (median of ${all.length}; CPU ${cpuMs.toFixed(2)} ms a request, SQL ${(sqlAll / all.length).toFixed(2)} ms)` : ''
  console.log(`\n${init?.method ?? 'GET'} ${path}: ${res.status}, ${total.toFixed(1)} ms${many}, of which ${inSql.toFixed(1)} ms in ${seen.length} statements`)
  // --statements: every statement of the request, in order (what a page or a send does, one by one).
  if (process.argv.includes('--statements')) for (const s of seen) console.log(`  ${s.ms.toFixed(3).padStart(8)} ms  ${s.sql.replace(/\s+/g, ' ').slice(0, 150)}`)
  for (const s of [...seen].sort((a, b) => b.ms - a.ms).slice(0, 3)) {
    console.log(`  ${s.ms.toFixed(2).padStart(8)} ms  ${s.sql.replace(/\s+/g, ' ').slice(0, 160)}`)
    if (s.ms > (messages ? 0.2 : 1)) {
      const plan = prepare('explain query plan ' + s.sql).all!(...s.args) as { detail: string }[]
      console.log(`              plan: ${plan.map((p) => p.detail).filter((d) => !/CORRELATED|LIST SUBQUERY|SCALAR/.test(d)).join(' | ').slice(0, 400)}`)
    }
  }
}
if (inspector) {
  const { profile } = await inspector.post('Profiler.stop')
  const { writeFileSync, mkdtempSync } = await import('node:fs')
  const file = (await import('node:path')).join(mkdtempSync((await import('node:os')).tmpdir() + '/hearth-queries-'), 'pages.cpuprofile')
  writeFileSync(file, JSON.stringify(profile))
  console.log(`\nCPU profile of the timed requests: ${file}\n${(await import('./profile.js')).topFunctions(file, 40)}`)
}
await h.close()
