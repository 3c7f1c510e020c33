// `npm run bench`: builds a community of realistic size in a temporary data directory and prints how
// long the hot paths take (seed 004's targets: a feed page under 200 ms, creating a post under 500 ms).
// Figures only; nothing here passes or fails.
import { rmSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { createHearth } from '../core/app.js'
import { resolveConfig } from '../core/config.js'
import { createLogger } from '../core/logger.js'
import { tempDir } from '../test/harness.js'

const USERS = Number(process.env.BENCH_USERS ?? 2000)
const FOLLOWS_EACH = Number(process.env.BENCH_FOLLOWS ?? 60)
const POSTS = Number(process.env.BENCH_POSTS ?? 12000)
const THRESHOLD = 800 // authors with more followers are pulled at read time
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200)

const dataDir = tempDir('hearth-bench-')
const h = await createHearth({ config: resolveConfig({ dataDir, logLevel: 'silent' }, {}), log: createLogger({ level: 'silent' }) })
const { sqlite } = h.store
await h.settings.set('feed.fanout_threshold', THRESHOLD)

let seed = 42
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
const pick = (n: number) => 1 + Math.floor(rand() * n)

const t0 = performance.now()
sqlite.transaction(() => {
  const user = sqlite.prepare("insert into users (username, email, password_hash, updated_at) values (?, ?, 'x', '2026-01-01T00:00:00.000Z')")
  for (let i = 1; i <= USERS; i++) user.run(`member${i}`, `member${i}@example.org`)
  const follow = sqlite.prepare('insert or ignore into follows (follower_id, followee_id) values (?, ?)')
  for (let u = 1; u <= USERS; u++) {
    follow.run(u, 1) // member1 is followed by everyone: a "celebrity", pulled at read time
    for (let k = 0; k < FOLLOWS_EACH; k++) {
      const v = pick(USERS)
      if (v !== u) follow.run(u, v)
    }
  }
  sqlite.exec(`update users set followers_count = (select count(*) from follows where followee_id = users.id),
                                following_count = (select count(*) from follows where follower_id = users.id)`)
  const tags = ['garden', 'running', 'food', 'music', 'cats', 'books', 'travel', 'art']
  const post = sqlite.prepare("insert into posts (author_id, text, visibility, status, published_at, likes_count, comments_count, updated_at) values (?, ?, ?, 'published', strftime('%Y-%m-%dT%H:%M:%fZ','now', ?), ?, ?, '2026-01-01T00:00:00.000Z')")
  const tag = sqlite.prepare('insert or ignore into hashtags (tag) values (?)')
  const ph = sqlite.prepare('insert or ignore into post_hashtags (post_id, hashtag_id) select ?, id from hashtags where tag = ?')
  for (const x of tags) tag.run(x)
  for (let i = 0; i < POSTS; i++) {
    const t = tags[i % tags.length]!
    const r = post.run(pick(USERS), `Post ${i} about #${t}`, rand() < 0.8 ? 'public' : 'followers', `-${Math.floor(rand() * 48 * 60)} minutes`, Math.floor(rand() * 30), Math.floor(rand() * 5))
    ph.run(r.lastInsertRowid, t)
  }
})()
const built = performance.now() - t0
const posts = sqlite.prepare("select id from posts where status = 'published'").all() as { id: number }[]
// The setup fans out every post at once, as the fan-out job would have, one post at a time, over the days.
const f0 = performance.now()
sqlite.exec(`insert or ignore into feed_items (user_id, post_id, author_id, published_at)
  select follows.follower_id, posts.id, posts.author_id, posts.published_at from posts
  join follows on follows.followee_id = posts.author_id
  join users on users.id = posts.author_id and users.followers_count < ${THRESHOLD}
  where posts.visibility != 'only_me'`)
const fanoutAll = performance.now() - f0
const feedRows = (sqlite.prepare('select count(*) n from feed_items').get() as { n: number }).n

async function measure(name: string, fn: (i: number) => Promise<unknown>): Promise<string> {
  for (let i = 0; i < 10; i++) await fn(i) // warm up
  const times: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    const s = performance.now()
    await fn(i)
    times.push(performance.now() - s)
  }
  times.sort((a, b) => a - b)
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1)
  return `${name.padEnd(44)} p50 ${q(0.5).padStart(7)} ms   p95 ${q(0.95).padStart(7)} ms   max ${times[times.length - 1]!.toFixed(1).padStart(7)} ms`
}

const token = async (userId: number) => (await import('../core/auth/sessions.js')).createSession(h.db, userId, 'api', { ip: null, userAgent: null, days: 1 })
const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => token(2 + i * 37)))
const get = async (path: string, i: number) => h.app.request(`http://bench${path}`, { headers: { authorization: `Bearer ${tokens[i % tokens.length]!.token}` } })

const lines = [
  await measure('home feed, first page (service)', (i) => h.feed.home(pick(USERS), { limit: 20 })),
  await measure('home feed, first page (GET /api/v1/feed/home)', (i) => get('/api/v1/feed/home', i)),
  await measure('home feed, page 3 (cursor)', async (i) => {
    const u = pick(USERS)
    let page = await h.feed.home(u, { limit: 20 })
    for (let k = 0; k < 2 && page.nextCursor; k++) page = await h.feed.home(u, { limit: 20, cursor: page.nextCursor })
  }),
  await measure('home page, rendered HTML (GET /)', (i) => get('/', i)),
  await measure('create a post (service, fan-out queued)', (i) => h.posts.create(pick(USERS), { text: `bench post ${i} #garden` })),
  await measure('fan-out of one post (~60 followers)', async () => {
    const p = await h.posts.create(pick(USERS), { text: 'fan me out' })
    await h.feed.fanOut(p.id)
  }),
  await measure('explore, first page', () => h.feed.explore(pick(USERS), { limit: 20 })),
  await measure('trending hashtags', () => h.feed.trending(10)),
  await measure('hashtag page #garden', () => h.posts.byHashtag(pick(USERS), 'garden', { limit: 20 })),
  await measure('profile timeline', () => h.posts.timeline(pick(USERS), pick(USERS), { limit: 30 })),
]

console.log(`Hearth benchmark on ${process.version}, ${(await import('node:os')).cpus().length} cores`)
console.log(`community: ${USERS} members, ${(sqlite.prepare('select count(*) n from follows').get() as { n: number }).n} follows, ${posts.length} posts, ${feedRows} feed rows (built in ${(built / 1000).toFixed(1)} s, fanned out in ${(fanoutAll / 1000).toFixed(1)} s); pull threshold ${THRESHOLD} followers`)
for (const l of lines) console.log(l)
await h.close()
rmSync(dataDir, { recursive: true, force: true })
