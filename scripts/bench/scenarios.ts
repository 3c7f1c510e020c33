// The scenarios of issue 7, each adding figures (one value per repetition) to the report. Load comes from the
// load process (autocannon); what only the inside can tell (a service call, a fan-out reaching the last follower, a
// notification reaching an open socket) is timed here, against the server over 127.0.0.1 or in this process.
import { setTimeout as sleep } from 'node:timers/promises'
import type SQLite from 'better-sqlite3'
import WebSocket from 'ws'
import type { Hearth } from '../../core/app.js'
import type { LoadClient, RunResult, RunSpec, Template } from './load.js'
import type { Figure } from './report.js'
import { liveViewers } from './live.js'
import { liveStreams, liveWebrtcViewers } from './live-streams.js'
import { coinsScenarios } from './coins.js'
import { adminDashboard } from './admin.js'
import { messagesScenarios } from './messages.js'
import { randomChat } from './random-chat.js'
import { workersScenario } from './workers.js'
import type { Running } from './servers.js'
import { median, summary } from './stats.js'

export interface Settings {
  reps: number
  durationSec: number
  warmupSec: number
  connections: number
  /** Posts per second in the create-a-post scenario (open loop). */
  createRate: number
  /** Samples per repetition for timed sequences (fan-out, notifications, in-process feed). */
  samples: number
}

export interface Picks {
  /** Members with sessions for the load: id → tokens. */
  members: { id: number; username: string; api: string; web: string }[]
  /** Authors with about 1,000 followers, with their last follower (the last row the fan-out writes). */
  fanoutAuthors: { id: number; followers: number; lastFollower: number; api: string }[]
  celebrity: { id: number; followers: number; api: string }
  /** Members with sessions who follow the celebrity. */
  celebrityReaders: { id: number; api: string }[]
  heavy: number[]
  /** Recent public posts of public accounts (post pages, likes, comments). */
  posts: number[]
  tags: string[]
  words: string[]
  /** A member whose open socket receives like notifications, with their recent public posts. */
  notified: { id: number; api: string; posts: number[] }
}

export interface Ctx {
  settings: Settings
  hearth: Running
  baseline: Running
  load: LoadClient
  h: Hearth
  /** A read-only connection to the same database, for polling what the server wrote. */
  ro: SQLite.Database
  picks: Picks
  figures: Figure[]
  notes: string[]
  /** Where the media test files are made once and kept (data-bench/fixtures). */
  fixturesDir: string
  log(line: string): void
}

/** A cookie that passes as a CSRF token already held, so a page view is a returning browser's. */
const CSRF = 'benchcsrfbenchcsrfbenchcsrfbenchcsrf'
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const cookie = (token: string) => ({ cookie: `hearth_session=${token}; hearth_csrf=${CSRF}` })

/**
 * Wait until a server has worked through what an earlier run left it (a slow server keeps answering requests whose
 * clients are gone): two health checks in a row answered within 20 ms, or two minutes.
 */
export async function settle(target: Running, timeoutMs = 120_000): Promise<number> {
  const t0 = performance.now()
  const path = target.name === 'baseline' ? '/feed.json' : '/healthz'
  let quick = 0
  while (performance.now() - t0 < timeoutMs && quick < 2) {
    const t = performance.now()
    try {
      await (await fetch(target.origin + path)).arrayBuffer()
    } catch {
      // answered nothing: try again
    }
    quick = performance.now() - t < 20 ? quick + 1 : 0
    if (quick < 2) await sleep(50)
  }
  return performance.now() - t0
}

function spec(ctx: Ctx, target: Running, templates: Template[], extra: Partial<RunSpec> = {}): RunSpec {
  const s = ctx.settings
  return { origin: target.origin, templates, connections: s.connections, durationSec: s.durationSec, warmupSec: 0, ...extra }
}

async function warm(ctx: Ctx, target: Running, templates: Template[], extra: Partial<RunSpec> = {}): Promise<void> {
  if (ctx.settings.warmupSec > 0) await ctx.load.run(spec(ctx, target, templates, { ...extra, durationSec: ctx.settings.warmupSec }))
}

function checkErrors(ctx: Ctx, scenario: string, results: RunResult[]): void {
  const bad = results.reduce((s, r) => s + r.non2xx + r.errors, 0)
  if (bad) ctx.notes.push(`${scenario}: ${bad} responses were errors or not 2xx (${JSON.stringify(results.map((r) => r.statuses))}); its figures count only what answered.`)
}

const line = (r: RunResult) =>
  `${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${r.unanswered && r.p99 > 1000 ? ` (${r.unanswered} unanswered at the end, counted with their wait)` : ''}${r.non2xx + r.errors ? `, ${r.non2xx} non-2xx, ${r.errors} errors (${r.timeouts} timeouts)` : ''}`

/** One measured run, on a server that has finished what came before. */
async function measure(ctx: Ctx, target: Running, templates: Template[], extra: Partial<RunSpec> = {}): Promise<RunResult> {
  const waited = await settle(target)
  if (waited > 1000) ctx.log(`  (waited ${(waited / 1000).toFixed(1)} s for ${target.name} to finish earlier requests)`)
  return ctx.load.run(spec(ctx, target, templates, extra))
}

/** Hearth against the baseline, alternating which goes first in each repetition. */
async function sideBySide(ctx: Ctx, name: string, hearthT: Template[], baseT: Template[]): Promise<{ hearth: RunResult[]; base: RunResult[] }> {
  const hearth: RunResult[] = []
  const base: RunResult[] = []
  await warm(ctx, ctx.hearth, hearthT)
  await warm(ctx, ctx.baseline, baseT)
  for (let rep = 0; rep < ctx.settings.reps; rep++) {
    const order = rep % 2 === 0 ? (['hearth', 'base'] as const) : (['base', 'hearth'] as const)
    for (const which of order) {
      const r = which === 'hearth' ? await measure(ctx, ctx.hearth, hearthT) : await measure(ctx, ctx.baseline, baseT)
      ;(which === 'hearth' ? hearth : base).push(r)
      ctx.log(`  ${name} ${which === 'hearth' ? 'Hearth  ' : 'baseline'} rep ${rep + 1}: ${line(r)}`)
    }
  }
  return { hearth, base }
}

export async function homeFeedApi(ctx: Ctx): Promise<void> {
  const s = 'home feed API'
  ctx.log(`${s}: GET /api/v1/feed/home, ${ctx.picks.members.length} members at random, against the baseline's /feed.json`)
  const { hearth, base } = await sideBySide(ctx, s, [{ label: 'feed', paths: ['/api/v1/feed/home'], headers: ctx.picks.members.map((m) => bearer(m.api)) }], [{ label: 'feed', paths: ['/feed.json'] }])
  checkErrors(ctx, s, hearth)
  ctx.figures.push(
    { scenario: s, figure: 'req/s', values: hearth.map((r) => r.rps) },
    { scenario: s, figure: 'p50', unit: 'ms', values: hearth.map((r) => r.p50) },
    { scenario: s, figure: 'p99', unit: 'ms', values: hearth.map((r) => r.p99), target: { op: '<', value: 50 } },
    { scenario: s, figure: 'baseline JSON req/s', values: base.map((r) => r.rps) },
    { scenario: s, figure: 'ratio to baseline', values: hearth.map((r, i) => Math.round((r.rps / base[i]!.rps) * 1000) / 1000), target: { op: '>=', value: 0.5 } },
  )
}

export async function homeFeedHtml(ctx: Ctx): Promise<void> {
  const s = 'home feed page (HTML)'
  ctx.log(`${s}: GET / with a session cookie, against the baseline's /feed.html`)
  const { hearth, base } = await sideBySide(ctx, s, [{ label: 'home', paths: ['/'], headers: ctx.picks.members.map((m) => cookie(m.web)) }], [{ label: 'home', paths: ['/feed.html'] }])
  checkErrors(ctx, s, hearth)
  ctx.figures.push(
    { scenario: s, figure: 'req/s', values: hearth.map((r) => r.rps) },
    { scenario: s, figure: 'p50', unit: 'ms', values: hearth.map((r) => r.p50) },
    { scenario: s, figure: 'p99', unit: 'ms', values: hearth.map((r) => r.p99), target: { op: '<', value: 100 } },
    { scenario: s, figure: 'baseline HTML req/s', values: base.map((r) => r.rps) },
    { scenario: s, figure: 'ratio to baseline', values: hearth.map((r, i) => Math.round((r.rps / base[i]!.rps) * 1000) / 1000), target: { op: '>=', value: 0.5 } },
    { scenario: s, figure: 'page size', unit: 'KB', values: hearth.map((r) => Math.round(r.bytesPerRequest / 102.4) / 10), note: `baseline ${Math.round(base[0]!.bytesPerRequest / 1024)} KB` },
  )
}

/** The feed service itself, for members who follow every celebrity (pulled) and 500 others (pushed). */
export async function celebrityHeavyFeedInProcess(ctx: Ctx): Promise<void> {
  const s = 'home feed, 5 celebrities + 500 others (in-process)'
  const { heavy } = ctx.picks
  ctx.log(`${s}: feed.home() for ${heavy.length} such members`)
  for (let i = 0; i < 20; i++) await ctx.h.feed.home(heavy[i % heavy.length]!, { limit: 20 })
  const p50: number[] = []
  const p99: number[] = []
  for (let rep = 0; rep < ctx.settings.reps; rep++) {
    const times: number[] = []
    // At most `samples × 2` calls, or as many as fit in a run's duration (at least 10).
    const until = performance.now() + ctx.settings.durationSec * 1000
    for (let i = 0; i < ctx.settings.samples * 2 && (i < 10 || performance.now() < until); i++) {
      const t = performance.now()
      await ctx.h.feed.home(heavy[i % heavy.length]!, { limit: 20 })
      times.push(performance.now() - t)
    }
    const sm = summary(times)
    p50.push(sm.p50)
    p99.push(sm.p99)
    ctx.log(`  rep ${rep + 1}: p50 ${sm.p50} ms, p99 ${sm.p99} ms (${sm.n} calls)`)
  }
  ctx.figures.push({ scenario: s, figure: 'p50', unit: 'ms', values: p50 }, { scenario: s, figure: 'p99', unit: 'ms', values: p99, target: { op: '<', value: 5 } })
}

/**
 * Pages of the home feed past the member's horizon (decision 011: the kept rows end there and the rest is pulled
 * from followees' posts): for members whose feed was trimmed, the 10 pages after the first one that reaches it.
 */
export async function feedPastHorizonInProcess(ctx: Ctx): Promise<void> {
  const s = 'home feed pages past the kept rows (in-process)'
  const members = ctx.ro.prepare('select user_id from feed_horizons order by user_id limit 40').pluck().all() as number[]
  if (!members.length) {
    ctx.notes.push(`${s}: no member's feed was trimmed in this community, so nothing was measured.`)
    return
  }
  // The cursor of each member's first page past the horizon, walked to once (not measured).
  const starts: { member: number; cursor: string | null }[] = []
  for (const member of members) {
    const edge = ctx.ro.prepare('select published_at from feed_horizons where user_id = ?').pluck().get(member) as string
    let cursor: string | null = null
    for (let i = 0; i < 200; i++) {
      const page = await ctx.h.feed.home(member, { cursor, limit: 20 })
      if (!page.nextCursor || (page.items.at(-1)?.published_at ?? '') <= edge) break
      cursor = page.nextCursor
    }
    starts.push({ member, cursor })
  }
  ctx.log(`${s}: 10 pages past the horizon for each of ${starts.length} members`)
  const p50: number[] = []
  const p99: number[] = []
  for (let rep = 0; rep < ctx.settings.reps; rep++) {
    const times: number[] = []
    for (const start of starts) {
      let cursor = start.cursor
      for (let i = 0; i < 10; i++) {
        const t = performance.now()
        const page = await ctx.h.feed.home(start.member, { cursor, limit: 20 })
        times.push(performance.now() - t)
        cursor = page.nextCursor
        if (!cursor) break
      }
    }
    const sm = summary(times)
    p50.push(sm.p50)
    p99.push(sm.p99)
    ctx.log(`  rep ${rep + 1}: p50 ${sm.p50} ms, p99 ${sm.p99} ms (${sm.n} pages)`)
  }
  ctx.figures.push({ scenario: s, figure: 'p50', unit: 'ms', values: p50 }, { scenario: s, figure: 'p99', unit: 'ms', values: p99 })
}

export async function pages(ctx: Ctx): Promise<void> {
  const { members, posts, tags, words } = ctx.picks
  const sessions = members.map((m) => cookie(m.web))
  const list: [string, string[]][] = [
    ['profile page', members.map((m) => `/u/${m.username}`)],
    ['post page', posts.map((p) => `/p/${p}`)],
    ['explore page', ['/explore']],
    ['hashtag page', tags.map((t) => `/tags/${encodeURIComponent(t)}`)],
    ['search page', words.map((w) => `/search?q=${encodeURIComponent(w)}`)],
  ]
  for (const [s, paths] of list) {
    ctx.log(`${s}: ${paths[0]} and ${paths.length - 1} more, logged in`)
    const t: Template[] = [{ label: s, paths, headers: sessions }]
    await warm(ctx, ctx.hearth, t)
    const results: RunResult[] = []
    for (let rep = 0; rep < ctx.settings.reps; rep++) {
      const r = await measure(ctx, ctx.hearth, t)
      results.push(r)
      ctx.log(`  rep ${rep + 1}: ${line(r)}`)
    }
    checkErrors(ctx, s, results)
    ctx.figures.push({ scenario: s, figure: 'req/s', values: results.map((r) => r.rps) }, { scenario: s, figure: 'p99', unit: 'ms', values: results.map((r) => r.p99), target: { op: '<', value: 100 } })
  }
}

async function drainJobs(ctx: Ctx, timeoutMs = 120_000): Promise<number> {
  const t = performance.now()
  const pending = ctx.ro.prepare(`select count(*) n from jobs where status in ('pending', 'running')`)
  while (performance.now() - t < timeoutMs) {
    if ((pending.get() as { n: number }).n === 0) return performance.now() - t
    await sleep(20)
  }
  ctx.notes.push(`The job queue still had work ${timeoutMs / 1000} s after a write scenario.`)
  return performance.now() - t
}

async function post(origin: string, path: string, token: string, body: unknown): Promise<{ status: number; json: any; ms: number }> {
  const t = performance.now()
  const res = await fetch(origin + path, { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const json = await res.json().catch(() => null)
  return { status: res.status, json, ms: performance.now() - t }
}

const postBodies = (n: number, tags: string[]) => Array.from({ length: n }, (_, i) => JSON.stringify({ text: `Benchmark post ${i}: what a day for #${tags[i % tags.length]} and everything else` }))

export async function createPost(ctx: Ctx): Promise<void> {
  const s = 'create a text post (author with ~1,000 followers)'
  const authors = ctx.picks.fanoutAuthors
  const followers = median(authors.map((a) => a.followers))
  ctx.log(`${s}: POST /api/v1/posts at ${ctx.settings.createRate}/s by ${authors.length} authors (median ${followers} followers)`)
  const t: Template[] = [{ label: 'create', method: 'POST', paths: ['/api/v1/posts'], headers: authors.map((a) => bearer(a.api)), bodies: postBodies(50, ctx.picks.tags) }]
  const rate = { overallRate: ctx.settings.createRate }
  await warm(ctx, ctx.hearth, t, rate)
  await drainJobs(ctx)
  const results: RunResult[] = []
  const drains: number[] = []
  for (let rep = 0; rep < ctx.settings.reps; rep++) {
    const r = await measure(ctx, ctx.hearth, t, rate)
    results.push(r)
    const d = await drainJobs(ctx)
    drains.push(d)
    ctx.log(`  rep ${rep + 1}: ${line(r)}; the queue was empty ${Math.round(d)} ms after the last request`)
  }
  checkErrors(ctx, s, results)

  // Time to fan-out, one post at a time on an otherwise idle server: from the request until the row of the
  // author's last follower (the fan-out writes followers in id order, so the last row is there when all are). The
  // rate is the job's: followers over the time from its enqueueing (in the request) to its end, from the jobs table.
  const total: number[] = []
  const rates: number[] = []
  const seen = ctx.ro.prepare('select 1 from feed_items where user_id = ? and post_id = ?').pluck()
  const job = ctx.ro.prepare(`select created_at, updated_at from jobs where kind = 'feed.fanout' and payload = ? and status = 'done'`)
  for (let rep = 0; rep < ctx.settings.reps; rep++) {
    const times: number[] = []
    const perSecond: number[] = []
    for (let i = 0; i < ctx.settings.samples / 5; i++) {
      const a = authors[i % authors.length]!
      const t0 = performance.now()
      const res = await post(ctx.hearth.origin, '/api/v1/posts', a.api, { text: `Fan-out sample ${rep}.${i} #${ctx.picks.tags[0]}` })
      if (res.status !== 201) throw new Error(`create post answered ${res.status}: ${JSON.stringify(res.json)}`)
      const id = res.json.data.id as number
      while (!seen.get(a.lastFollower, id)) {
        if (performance.now() - t0 > 30_000) throw new Error(`post ${id} never reached follower ${a.lastFollower}`)
        await sleep(1)
      }
      const t2 = performance.now()
      times.push(t2 - t0)
      let ran: { created_at: string; updated_at: string } | undefined
      while (!(ran = job.get(JSON.stringify({ postId: id })) as typeof ran) && performance.now() - t2 < 5000) await sleep(2)
      if (ran) perSecond.push(a.followers / (Math.max(1, Date.parse(ran.updated_at) - Date.parse(ran.created_at)) / 1000))
    }
    total.push(median(times))
    rates.push(Math.round(median(perSecond)))
    ctx.log(`  fan-out rep ${rep + 1}: last follower's feed has it ${median(times).toFixed(1)} ms after the request began; the job wrote ${Math.round(median(perSecond))} rows/s (enqueued to done)`)
  }
  ctx.figures.push(
    { scenario: s, figure: 'p50', unit: 'ms', values: results.map((r) => r.p50) },
    { scenario: s, figure: 'p99', unit: 'ms', values: results.map((r) => r.p99), target: { op: '<', value: 20 } },
    { scenario: s, figure: "time until the last follower's feed has it", unit: 'ms', values: total, note: `${followers} followers` },
    { scenario: s, figure: 'fan-out rate (job enqueued to done)', unit: 'rows/s', values: rates, target: { op: '>=', value: 40_000 } },
    { scenario: s, figure: 'queue empty after the load', unit: 'ms', values: drains.map(Math.round) },
  )
}

export async function celebrityPost(ctx: Ctx): Promise<void> {
  const { celebrity, celebrityReaders } = ctx.picks
  const s = `create a post as a celebrity (${celebrity.followers.toLocaleString('en')} followers)`
  ctx.log(`${s}: readers' home feeds (${celebrityReaders.length} followers) alone, then while the celebrity posts twice a second`)
  const t: Template[] = [{ label: 'feed', paths: ['/api/v1/feed/home'], headers: celebrityReaders.map((m) => bearer(m.api)) }]
  await warm(ctx, ctx.hearth, t)
  const alone: number[] = []
  const during: number[] = []
  const postTimes: number[] = []
  const postErrors: string[] = []
  for (let rep = 0; rep < ctx.settings.reps; rep++) {
    for (const withPosts of rep % 2 === 0 ? [false, true] : [true, false]) {
      await settle(ctx.hearth)
      let stop = !withPosts
      const poster = (async () => {
        let i = 0
        while (!stop) {
          try {
            const r = await post(ctx.hearth.origin, '/api/v1/posts', celebrity.api, { text: `Celebrity news ${rep}.${i++} #${ctx.picks.tags[1] ?? 'news'}` })
            if (r.status === 201) postTimes.push(r.ms)
            else postErrors.push(`status ${r.status}`)
          } catch (err) {
            postErrors.push(err instanceof Error ? `${err.message}${err.cause ? ` (${String(err.cause)})` : ''}` : String(err))
          }
          await sleep(500)
        }
      })()
      const r = await ctx.load.run(spec(ctx, ctx.hearth, t))
      stop = true
      await poster
      ;(withPosts ? during : alone).push(r.p99)
      ctx.log(`  rep ${rep + 1} ${withPosts ? 'while posting' : 'alone        '}: ${line(r)}`)
    }
  }
  await drainJobs(ctx)
  if (postErrors.length) ctx.notes.push(`${s}: ${postErrors.length} celebrity posts failed: ${[...new Set(postErrors)].join('; ')}`)
  const sm = summary(postTimes)
  ctx.log(`  celebrity posts: ${sm.n}, p50 ${sm.p50} ms, p99 ${sm.p99} ms (each over a loaded server)`)
  ctx.figures.push(
    { scenario: s, figure: 'p99 of the request (server under read load)', unit: 'ms', values: [sm.p99], target: { op: '<', value: 20 }, note: `${sm.n} posts` },
    { scenario: s, figure: "readers' p99, no celebrity posting", unit: 'ms', values: alone },
    { scenario: s, figure: "readers' p99 while the celebrity posts", unit: 'ms', values: during },
    { scenario: s, figure: "readers' p99 change", unit: '%', values: during.map((d, i) => Math.round((d / alone[i]! - 1) * 1000) / 10), target: { op: '<=', value: 20 } },
  )
}

export async function mixed(ctx: Ctx): Promise<{ errors: number }> {
  const s = 'mixed load: 90 % reads, 10 % writes'
  const { members, posts, tags, words } = ctx.picks
  const api = members.map((m) => bearer(m.api))
  const web = members.map((m) => cookie(m.web))
  const t: Template[] = [
    { label: 'feed api', weight: 30, paths: ['/api/v1/feed/home'], headers: api },
    { label: 'home page', weight: 25, paths: ['/'], headers: web },
    { label: 'profile', weight: 10, paths: members.map((m) => `/u/${m.username}`), headers: web },
    { label: 'post page', weight: 10, paths: posts.map((p) => `/p/${p}`), headers: web },
    { label: 'hashtag', weight: 5, paths: tags.map((x) => `/tags/${encodeURIComponent(x)}`), headers: web },
    { label: 'search', weight: 5, paths: words.map((w) => `/search?q=${encodeURIComponent(w)}`), headers: web },
    { label: 'explore', weight: 5, paths: ['/explore'], headers: web },
    { label: 'create', weight: 4, method: 'POST', paths: ['/api/v1/posts'], headers: api, bodies: postBodies(50, tags) },
    { label: 'like', weight: 5, method: 'POST', paths: posts.map((p) => `/api/v1/posts/${p}/like`), headers: api },
    { label: 'comment', weight: 1, method: 'POST', paths: posts.map((p) => `/api/v1/posts/${p}/comments`), headers: api, bodies: ['{"text":"Nice one, thanks for sharing"}', '{"text":"Agreed!"}'] },
  ]
  ctx.log(`${s}: feed, pages, search; posts, likes, comments by ${members.length} members`)
  await warm(ctx, ctx.hearth, t)
  const results: RunResult[] = []
  for (let rep = 0; rep < ctx.settings.reps; rep++) {
    const r = await measure(ctx, ctx.hearth, t)
    results.push(r)
    ctx.log(`  rep ${rep + 1}: ${line(r)} ${Object.keys(r.statuses).length ? JSON.stringify(r.statuses) : ''}`)
  }
  await drainJobs(ctx)
  const errors = results.map((r) => r.non2xx + r.errors)
  if (errors.some((e) => e > 0)) ctx.notes.push(`mixed load: statuses other than 2xx: ${JSON.stringify(results.map((r) => r.statuses))}`)
  ctx.figures.push(
    { scenario: s, figure: 'req/s', values: results.map((r) => r.rps) },
    { scenario: s, figure: 'p99', unit: 'ms', values: results.map((r) => r.p99) },
    { scenario: s, figure: 'errors (non-2xx, socket errors and timeouts)', values: errors, target: { op: '<=', value: 0 }, judge: 'worst' },
  )
  return { errors: errors.reduce((a, b) => a + b, 0) }
}

/** A like by another member, until the author's open socket hears of it. */
export async function notificationLatency(ctx: Ctx): Promise<void> {
  const s = 'notification delivered to an open socket after a like'
  const { notified, members } = ctx.picks
  const likers = members.filter((m) => m.id !== notified.id)
  const liked = ctx.ro.prepare('select 1 from reactions where post_id = ? and user_id = ?').pluck()
  ctx.log(`${s}: member ${notified.id} listens on /realtime; ${likers.length} members like their ${notified.posts.length} recent posts`)
  const ws = new WebSocket(ctx.hearth.origin.replace('http', 'ws') + '/realtime', { headers: bearer(notified.api) })
  let waiter: ((at: number) => void) | null = null
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject)
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { event: string }
      if (m.event === 'hello') resolve()
      if (m.event === 'notification' && waiter) waiter(performance.now())
    })
  })
  const used = new Set<string>()
  let k = 0
  const next = (): { liker: (typeof likers)[number]; postId: number } => {
    for (;;) {
      const liker = likers[k % likers.length]!
      const postId = notified.posts[Math.floor(k / likers.length) % notified.posts.length]!
      k++
      const key = `${liker.id}:${postId}`
      if (used.has(key) || liked.get(postId, liker.id)) continue
      used.add(key)
      return { liker, postId }
    }
  }
  const p50: number[] = []
  const p99: number[] = []
  let missed = 0
  for (let rep = 0; rep < ctx.settings.reps; rep++) {
    const times: number[] = []
    for (let i = 0; i < ctx.settings.samples; i++) {
      const { liker, postId } = next()
      const heard = new Promise<number>((resolve) => {
        waiter = resolve
        setTimeout(() => resolve(NaN), 3000)
      })
      const t0 = performance.now()
      const res = await post(ctx.hearth.origin, `/api/v1/posts/${postId}/like`, liker.api, {})
      if (res.status !== 200) throw new Error(`like answered ${res.status}: ${JSON.stringify(res.json)}`)
      const at = await heard
      waiter = null
      if (Number.isNaN(at)) missed++
      else times.push(at - t0)
      await sleep(5)
    }
    const sm = summary(times)
    p50.push(sm.p50)
    p99.push(sm.p99)
    ctx.log(`  rep ${rep + 1}: p50 ${sm.p50} ms, p99 ${sm.p99} ms (${sm.n} likes)`)
  }
  ws.close()
  if (missed) ctx.notes.push(`${s}: ${missed} likes were never heard on the socket within 3 s.`)
  ctx.figures.push({ scenario: s, figure: 'p50', unit: 'ms', values: p50 }, { scenario: s, figure: 'p99', unit: 'ms', values: p99, target: { op: '<', value: 50 } })
}

/** The test files: a 12 MP JPEG (a noisy, blurred picture, about a phone photo's size) and 10 s of 720p H.264 with sound. */
export async function mediaFixtures(dir: string): Promise<{ image: string; video: string }> {
  const { existsSync, mkdirSync } = await import('node:fs')
  const { join } = await import('node:path')
  mkdirSync(dir, { recursive: true })
  const image = join(dir, '12mp.jpg')
  const video = join(dir, '10s-720p.mp4')
  if (!existsSync(image)) {
    const sharp = (await import('sharp')).default
    await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#7a9', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).blur(1.2).jpeg({ quality: 90 }).toFile(image)
  }
  if (!existsSync(video)) {
    const { execFileSync } = await import('node:child_process')
    const { ffmpegPath } = await import('../../core/media/ffmpeg.js')
    execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '10', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', video], { timeout: 120_000 })
  }
  return { image, video }
}

async function upload(ctx: Ctx, token: string, file: string, type: string): Promise<number> {
  const { readFile } = await import('node:fs/promises')
  const form = new FormData()
  form.append('file', new Blob([await readFile(file)], { type }), file.split('/').pop())
  const res = await fetch(ctx.hearth.origin + '/api/v1/media', { method: 'POST', headers: bearer(token), body: form })
  const json = (await res.json()) as { data?: { id: number } }
  if (res.status !== 201 || !json.data) throw new Error(`upload answered ${res.status}: ${JSON.stringify(json)}`)
  return json.data.id
}

async function processed(ctx: Ctx, ids: number[], timeoutMs: number): Promise<boolean> {
  const status = ctx.ro.prepare('select status from media where id = ?').pluck()
  const t = performance.now()
  while (performance.now() - t < timeoutMs) {
    const states = ids.map((id) => status.get(id) as string)
    if (states.includes('failed')) throw new Error(`media processing failed: ${ids.join(', ')}`)
    if (states.every((x) => x === 'ready')) return true
    await sleep(20)
  }
  return false
}

/** Uploads until every variant is made: images per second (a batch uploaded at once), and video against its length. */
export async function uploads(ctx: Ctx): Promise<void> {
  const files = await mediaFixtures(ctx.fixturesDir)
  const token = ctx.picks.members[0]!.api
  const batch = Math.max(3, Math.round(ctx.settings.samples / 10))
  const s = 'image upload, 12 MP JPEG'
  ctx.log(`${s}: ${batch} uploads at once, until every variant of each is written`)
  const perSecond: number[] = []
  for (let rep = 0; rep < ctx.settings.reps; rep++) {
    await settle(ctx.hearth)
    const t0 = performance.now()
    const ids = await Promise.all(Array.from({ length: batch }, () => upload(ctx, token, files.image, 'image/jpeg')))
    if (!(await processed(ctx, ids, 300_000))) throw new Error('images were not processed within 5 minutes')
    const seconds = (performance.now() - t0) / 1000
    perSecond.push(Math.round((batch / seconds) * 100) / 100)
    ctx.log(`  rep ${rep + 1}: ${batch} images in ${seconds.toFixed(1)} s`)
  }
  ctx.figures.push({ scenario: s, figure: 'images/s to all variants', values: perSecond, target: { op: '>=', value: 5 }, note: 'media.processing_concurrency at its default' })

  const v = 'video upload, 10 s 720p'
  ctx.log(`${v}: one upload, until it is transcoded with its poster`)
  const realtime: number[] = []
  for (let rep = 0; rep < ctx.settings.reps; rep++) {
    await settle(ctx.hearth)
    const t0 = performance.now()
    const id = await upload(ctx, token, files.video, 'video/mp4')
    if (!(await processed(ctx, [id], 600_000))) throw new Error('the video was not processed within 10 minutes')
    const seconds = (performance.now() - t0) / 1000
    realtime.push(Math.round((10 / seconds) * 100) / 100)
    ctx.log(`  rep ${rep + 1}: ${seconds.toFixed(1)} s, ${(10 / seconds).toFixed(2)}x realtime`)
  }
  ctx.figures.push({ scenario: v, figure: 'speed against realtime', unit: 'x', values: realtime, target: { op: '>=', value: 3 } })
}

/**
 * Every scenario, in the order they run: `name` is what `--only=` takes. To add one (a plugin's, say), write
 * `async function myScenario(ctx: Ctx)` that pushes figures to `ctx.figures` (one value per repetition, with a
 * target where the issue sets one) and add it here; it then runs in every full and quick run, and a scenario
 * that throws is reported without stopping the others.
 */
export const SCENARIOS: { name: string; run: (ctx: Ctx) => Promise<unknown> }[] = [
  { name: 'feed', run: homeFeedApi },
  { name: 'html', run: homeFeedHtml },
  {
    name: 'inprocess',
    run: async (ctx) => {
      await celebrityHeavyFeedInProcess(ctx)
      await feedPastHorizonInProcess(ctx)
    },
  },
  { name: 'pages', run: pages },
  { name: 'create', run: createPost },
  { name: 'celebrity', run: celebrityPost },
  { name: 'notify', run: notificationLatency },
  { name: 'mixed', run: mixed },
  { name: 'uploads', run: uploads },
  { name: 'random-chat', run: randomChat },
  { name: 'messages', run: messagesScenarios },
  {
    name: 'live',
    run: async (ctx) => {
      await liveViewers(ctx)
      await liveStreams(ctx)
      await liveWebrtcViewers(ctx)
    },
  },
  { name: 'coins', run: coinsScenarios },
  { name: 'admin', run: adminDashboard },
  // Last: it stops and starts the server under test.
  { name: 'workers', run: workersScenario },
]
