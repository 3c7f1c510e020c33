// `npm run bench`: issue 7's benchmark. Seeds (or reuses) a community of realistic size, starts the real server
// (`hearth start`, production settings, every plugin enabled) and the baseline side by side on 127.0.0.1, drives
// load from a separate process, and prints a table of figures against their targets; the same goes to
// bench/results/ as JSON and Markdown.
//
//   npm run bench                      full size (10,000 members, 1,000,000 posts), 3 × 10 s per scenario
//   npm run bench -- --quick           a small version of everything (2,000 members, 10 connections, 1 × 3 s), for development
//   npm run bench -- --fresh           rebuild the cached community
//   npm run bench -- --only=feed,html  some scenarios: memory and the names in SCENARIOS (scripts/bench/scenarios.ts)
//   npm run bench -- --profile         also write a CPU profile of the server (bench/profiles/) and print its top functions
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import SQLite from 'better-sqlite3'
import { createHearth } from '../core/app.js'
import { createSession } from '../core/users/sessions.js'
import { resolveConfig } from '../core/config.js'
import { createLogger } from '../core/logger.js'
import { ROOT } from '../core/paths.js'
import { LoadClient } from './bench/load.js'
import { writeReport, table, type Figure } from './bench/report.js'
import { SCENARIOS } from './bench/scenarios.js'
import type { Ctx, Picks, Settings } from './bench/scenarios.js'
import { prepareRun } from './bench/prepare.js'
import { BENCH_DATA, ensureSeed, type SeedMeta } from './bench/seed.js'
import { startBaseline, startHearth, type Running } from './bench/servers.js'

const argv = process.argv.slice(2)
const flag = (name: string) => argv.includes(`--${name}`)
const option = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
const quick = flag('quick')
const mode = quick ? 'quick' : 'full'
const only = option('only')?.split(',')
const wants = (name: string) => !only || only.includes(name)

const settings: Settings = quick
  ? { reps: 1, durationSec: 3, warmupSec: 1, connections: 10, createRate: 10, samples: 25 }
  : { reps: 3, durationSec: 10, warmupSec: 3, connections: 50, createRate: 10, samples: 100 }
if (option('reps')) settings.reps = Number(option('reps'))
if (option('duration')) settings.durationSec = Number(option('duration'))

const started = performance.now()
const loadAtStart = loadavg().map((x) => Math.round(x * 100) / 100)
const log = (line: string) => process.stdout.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`)

const meta = await ensureSeed({ mode, fresh: flag('fresh'), log })
if (flag('seed-only')) process.exit(0)
const plugins = await prepareRun(meta)
log(`plugins enabled: ${plugins.enabled.join(', ') || 'none'}${plugins.failed.length ? `; could not enable: ${plugins.failed.map((f) => f.name).join(', ')}` : ''}`)

const runDir = mkdtempSync(join(tmpdir(), 'hearth-bench-run-'))
const profDir = flag('profile') ? join(ROOT, 'bench/profiles', new Date().toISOString().slice(0, 19).replace(/:/g, '')) : undefined
if (profDir) mkdirSync(profDir, { recursive: true })

/** Members, authors and posts the scenarios use, chosen the same way every run; sessions made directly. */
async function choose(h: Awaited<ReturnType<typeof createHearth>>, ro: SQLite.Database, m: SeedMeta): Promise<Picks> {
  const P = m.params
  const since = new Date(Date.parse(m.watermarks.at) - 7 * 86_400_000).toISOString()
  const session = async (id: number, kind: 'api' | 'web') => (await createSession(h.db, id, kind, { ip: '127.0.0.1', userAgent: 'hearth-bench', days: 1 })).token
  const firstOrdinary = P.celebrities + 1
  const lastOrdinary = P.members - P.heavy
  const count = quick ? 300 : 2000
  const rows = ro
    .prepare(`select id, username from users where id between ? and ? and is_private = 0 order by (id * 7919) % 10007, id limit ?`)
    .all(firstOrdinary, lastOrdinary, count) as { id: number; username: string }[]
  const members = []
  for (const r of rows) members.push({ ...r, api: await session(r.id, 'api'), web: await session(r.id, 'web') })
  const authorRows = ro
    .prepare(`select id, followers_count followers from users where id between ? and ? and is_private = 0 order by abs(followers_count - 1000), id limit 20`)
    .all(firstOrdinary, lastOrdinary) as { id: number; followers: number }[]
  // The fan-out writes followers in id order, a chunk at a time: the highest id is the last row written.
  const lastFollower = ro.prepare('select max(follower_id) from follows where followee_id = ?').pluck()
  const fanoutAuthors = []
  for (const a of authorRows) fanoutAuthors.push({ ...a, lastFollower: lastFollower.get(a.id) as number, api: await session(a.id, 'api') })
  const celebId = m.celebrities[0]!
  const celebFollowers = (ro.prepare('select followers_count from users where id = ?').pluck().get(celebId) as number) ?? 0
  const follows = ro.prepare('select 1 from follows where follower_id = ? and followee_id = ?').pluck()
  const celebrityReaders = members.filter((x) => follows.get(x.id, celebId)).map((x) => ({ id: x.id, api: x.api }))
  const posts = ro
    .prepare(`select posts.id from posts join users on users.id = posts.author_id where posts.visibility = 'public' and users.is_private = 0 and posts.published_at > ? and posts.id <= ? order by posts.id desc limit 2000`)
    .pluck()
    .all(since, m.watermarks.posts) as number[]
  const tags = ro.prepare('select hashtags.tag from hashtags join post_hashtags on post_hashtags.hashtag_id = hashtags.id group by hashtags.id order by count(*) desc limit 50').pluck().all() as string[]
  const texts = ro.prepare('select text from posts where id % 997 = 0 limit 300').pluck().all() as string[]
  const words = [...new Set(texts.flatMap((t) => t.toLowerCase().split(/[^a-z#]+/)).filter((w) => /^[a-z]{5,}$/.test(w)))].slice(0, 100)
  const busiest = ro
    .prepare(`select posts.author_id id from posts join users on users.id = posts.author_id where posts.published_at > ? and posts.visibility = 'public' and users.is_private = 0 and users.id between ? and ? group by posts.author_id order by count(*) desc, posts.author_id limit 1`)
    .pluck()
    .get(since, firstOrdinary, lastOrdinary) as number
  const notifiedPosts = ro.prepare(`select id from posts where author_id = ? and visibility = 'public' and id <= ? order by id desc limit 50`).pluck().all(busiest, m.watermarks.posts) as number[]
  return {
    members,
    fanoutAuthors,
    celebrity: { id: celebId, followers: celebFollowers, api: await session(celebId, 'api') },
    celebrityReaders,
    heavy: m.heavy,
    posts,
    tags,
    words,
    notified: { id: busiest, api: await session(busiest, 'api'), posts: notifiedPosts },
  }
}

const figures: Figure[] = []
const scenarioFailures: string[] = []
const notes: string[] = []
const running: Running[] = []
let load: LoadClient | null = null
let h: Awaited<ReturnType<typeof createHearth>> | null = null
let ro: SQLite.Database | null = null
let failure: unknown = null
let context: Record<string, unknown> = {}
try {
  h = await createHearth({ config: resolveConfig({ dataDir: meta.dataDir, logLevel: 'silent' }, {}), log: createLogger({ level: 'silent' }) })
  ro = new SQLite(meta.dbFile, { readonly: true })
  ro.pragma('busy_timeout = 5000')
  const picks = await choose(h, ro, meta)
  log(`sessions for ${picks.members.length} members; ${picks.fanoutAuthors.length} authors with ~1,000 followers; celebrity ${picks.celebrity.id} with ${picks.celebrity.followers} followers, ${picks.celebrityReaders.length} of them with sessions`)

  const hearth = await startHearth(meta.dataDir, runDir, { cpuProfDir: profDir })
  running.push(hearth)
  const baseline = await startBaseline(meta.dbFile, runDir)
  running.push(baseline)
  load = new LoadClient()
  log(`Hearth pid ${hearth.pid} on ${hearth.origin}, baseline pid ${baseline.pid} on ${baseline.origin}, load pid ${load.pid}`)
  const ctx: Ctx = { settings, hearth, baseline, load, h, ro, picks, figures, notes, fixturesDir: join(BENCH_DATA, 'fixtures'), log }

  if (wants('memory')) {
    await sleep(3000)
    const idle = hearth.rssMb()
    log(`idle RSS ${idle} MB (plugins: ${plugins.enabled.join(', ') || 'none'})`)
    figures.push({ scenario: 'memory', figure: 'idle RSS, every plugin enabled', unit: 'MB', values: [idle], target: { op: '<', value: 250 }, note: `plugins: ${plugins.enabled.join(', ')}` })
  }
  // A scenario that fails is reported and the others still run.
  const attempt = async (name: string, run: () => Promise<unknown>) => {
    if (!wants(name)) return
    try {
      await run()
    } catch (err) {
      scenarioFailures.push(name)
      log(`scenario ${name} failed: ${err instanceof Error ? err.stack : String(err)}`)
      notes.push(`Scenario ${name} failed: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  for (const scenario of SCENARIOS) await attempt(scenario.name, () => scenario.run(ctx))
  if (wants('memory')) {
    const after = hearth.rssMb()
    log(`RSS after the load ${after} MB`)
    figures.push({ scenario: 'memory', figure: 'RSS after the load', unit: 'MB', values: [after] })
  }
  context = {
    settings,
    seed: { key: meta.key, seededAt: meta.seededAt, params: meta.params, counts: meta.counts, seconds: meta.took },
    plugins,
    picks: {
      members_with_sessions: picks.members.length,
      fanout_authors_followers: picks.fanoutAuthors.map((a) => a.followers),
      celebrity: { id: picks.celebrity.id, followers: picks.celebrity.followers, readers_with_sessions: picks.celebrityReaders.length },
      heavy_members: picks.heavy.length,
      recent_posts: picks.posts.length,
    },
    load_average_at_start: loadAtStart,
    server: 'hearth start --host 127.0.0.1, NODE_ENV=production, log level info to a file; limits.* at their maxima (one client IP, thousands of requests a second)',
  }
} catch (err) {
  failure = err
} finally {
  load?.close()
  for (const r of running.reverse()) await r.stop()
  await h?.close()
  ro?.close()
}

// What the server said while it ran: lock timeouts and unhandled errors are failures of the mixed-load target.
const hearthLog = join(runDir, 'hearth.log')
let busy = 0
let unhandled = 0
try {
  const text = readFileSync(hearthLog, 'utf8')
  busy = (text.match(/SQLITE_BUSY/g) ?? []).length
  unhandled = (text.match(/unhandled error/g) ?? []).length
} catch {
  // no log: the server never started
}
if (wants('mixed') && !failure) figures.push({ scenario: 'mixed load: 90 % reads, 10 % writes', figure: 'SQLITE_BUSY in the server log (whole run)', values: [busy], target: { op: '<=', value: 0 }, judge: 'worst' })
if (unhandled) notes.push(`The server logged ${unhandled} unhandled errors (see a run's hearth.log).`)
if (plugins.failed.length) notes.push(`Plugins that could not be enabled: ${plugins.failed.map((f) => `${f.name} (${f.error})`).join('; ')}`)

if (failure) {
  log(`the benchmark failed: ${failure instanceof Error ? failure.stack : String(failure)}`)
  process.exitCode = 1
}
if (failure || scenarioFailures.length || unhandled || busy) log(`server output kept: ${hearthLog}`)
else rmSync(runDir, { recursive: true, force: true })

if (profDir) {
  try {
    const file = readdirSync(profDir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(profDir, f))
      .sort((a, b) => statSync(b).size - statSync(a).size)[0]
    if (file) {
      const { topFunctions } = await import('./bench/profile.js')
      log(`CPU profile of the server: ${file}\n${topFunctions(file, 30)}`)
    }
  } catch (err) {
    log(`the CPU profile could not be read: ${String(err)}`)
  }
}
if (figures.length) {
  const { judged, files } = writeReport({ mode, figures, context, notes })
  process.stdout.write(`\nHearth benchmark (${mode}), ${new Date().toISOString().slice(0, 16)}; ${meta.params.members.toLocaleString('en')} members, ${meta.params.posts.toLocaleString('en')} posts; ${settings.reps} × ${settings.durationSec} s per scenario, ${settings.connections} connections\n\n`)
  process.stdout.write(table(judged) + '\n')
  if (notes.length) process.stdout.write('\n' + notes.map((n) => `note: ${n}`).join('\n') + '\n')
  process.stdout.write(`\n${files.join('\n')}\n(${((performance.now() - started) / 1000).toFixed(0)} s)\n`)
}
