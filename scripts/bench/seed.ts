// The benchmark's community, written by a bulk loader: the schema comes from core's real migrations, then rows are
// written with plain SQL exactly as the services would have left them (counts, fan-out rows, notifications, FTS
// indexes), only much faster. Cached under data-bench/ by a version key made of the parameters, this file and
// core's migrations; `--fresh` rebuilds. prepare.ts puts a cached community back to its seeded state before a run.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import SQLite from 'better-sqlite3'
import { createHearth } from '../../core/app.js'
import { hashPassword } from '../../core/users/passwords.js'
import { resolveConfig } from '../../core/config.js'
import { createLogger } from '../../core/logger.js'
import { mediaFile } from '../../core/media/storage.js'
import { ROOT } from '../../core/paths.js'
import { CORE_DEFAULTS } from '../../core/settings/service.js'

export interface SeedParams {
  /** Active members (celebrities included): they post, follow, like and comment. */
  members: number
  /**
   * Accounts that only follow celebrities (read-only audience). Needed because a celebrity "with tens of
   * thousands of followers" cannot exist among 10,000 members.
   */
  readers: number
  celebrities: number
  /** Every reader follows celebrity 1; the other celebrities each with this probability. */
  readerFollowsOthers: number
  /** Probability that a member follows a given celebrity. */
  memberFollowsCeleb: number
  posts: number
  celebPosts: number
  days: number
  /** Followees per member: log-normal with this median and sigma. */
  followMedian: number
  followSigma: number
  /** Exponent of the preferential (Zipf) weights that make a few members popular. */
  zipf: number
  /** Members who follow every celebrity and exactly `heavyFollows` others (the in-process celebrity-heavy feed). */
  heavy: number
  heavyFollows: number
  likesMean: number
  commentsMean: number
  mediaShare: number
  /** Notifications of events newer than this are unread. */
  unreadDays: number
  seed: number
}

export const FULL: SeedParams = {
  members: 10_000,
  readers: 50_000,
  celebrities: 5,
  readerFollowsOthers: 0.4,
  memberFollowsCeleb: 0.3,
  posts: 1_000_000,
  celebPosts: 1_500,
  days: 90,
  followMedian: 200,
  followSigma: 0.6,
  zipf: 0.7,
  heavy: 20,
  heavyFollows: 500,
  likesMean: 4,
  commentsMean: 0.8,
  mediaShare: 0.05,
  unreadDays: 2,
  seed: 20261121,
}

export const QUICK: SeedParams = {
  ...FULL,
  members: 2_000,
  readers: 10_500,
  celebrities: 3,
  readerFollowsOthers: 1,
  posts: 40_000,
  celebPosts: 300,
  followMedian: 60,
  heavy: 5,
  heavyFollows: 500,
}

/** What a seeded community leaves for the benchmark: where it is, and the watermarks a run resets to. */
export interface SeedMeta {
  key: string
  mode: 'quick' | 'full'
  params: SeedParams
  dataDir: string
  dbFile: string
  seededAt: string
  /** Seconds the seeding took, by step. */
  took: Record<string, number>
  counts: Record<string, number>
  watermarks: { posts: number; comments: number; notifications: number; media: number; at: string }
  celebrities: number[]
  heavy: number[]
  /** Password of every seeded account (one hash for all), for looking around by hand. */
  password: string
}

const HERE = fileURLToPath(import.meta.url)
export const BENCH_DATA = resolve(process.env.BENCH_DATA_DIR ?? join(ROOT, 'data-bench'))
const PASSWORD = 'bench password 1234'
const BULK_TABLES = ['users', 'follows', 'posts', 'post_hashtags', 'hashtags', 'post_media', 'media', 'feed_items', 'reactions', 'comments', 'notifications']

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .sort()
}

/**
 * The version key: parameters, this loader and core's migrations, so a change to core's schema rebuilds. Plugins
 * hold no seeded rows: each run enables every plugin (running their migrations) in prepare.ts, as `hearth plugin
 * enable` would, so a plugin's new table does not cost a rebuild of millions of rows.
 */
export function seedKey(params: SeedParams): string {
  const h = createHash('sha256').update(JSON.stringify(params)).update(readFileSync(HERE))
  for (const f of filesUnder(join(ROOT, 'core/db/migrations'))) h.update(f.slice(ROOT.length)).update(readFileSync(f))
  return h.digest('hex').slice(0, 12)
}

// ---------------------------------------------------------------------------------------------------------------
// Randomness: one seeded generator, so the same key gives the same community.
function mulberry32(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

class Rng {
  readonly next: () => number
  private spare: number | null = null
  constructor(seed: number) {
    this.next = mulberry32(seed)
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare
      this.spare = null
      return s
    }
    let u = 0
    while (u === 0) u = this.next()
    const v = this.next()
    const r = Math.sqrt(-2 * Math.log(u))
    this.spare = r * Math.sin(2 * Math.PI * v)
    return r * Math.cos(2 * Math.PI * v)
  }
  /** Log-normal with the given mean (not median). */
  lognormalMean(mean: number, sigma: number): number {
    return Math.exp(Math.log(mean) - (sigma * sigma) / 2 + sigma * this.normal())
  }
}

/** Walker's alias table: O(1) draws from a discrete distribution. */
function aliasTable(weights: Float64Array): (r: Rng) => number {
  const n = weights.length
  let sum = 0
  for (let i = 0; i < n; i++) sum += weights[i]!
  const prob = new Float64Array(n)
  const alias = new Int32Array(n)
  const scaled = new Float64Array(n)
  const small: number[] = []
  const large: number[] = []
  for (let i = 0; i < n; i++) {
    scaled[i] = (weights[i]! * n) / sum
    ;(scaled[i]! < 1 ? small : large).push(i)
  }
  while (small.length && large.length) {
    const s = small.pop()!
    const l = large.pop()!
    prob[s] = scaled[s]!
    alias[s] = l
    scaled[l] = scaled[l]! + scaled[s]! - 1
    ;(scaled[l]! < 1 ? small : large).push(l)
  }
  for (const i of [...small, ...large]) prob[i] = 1
  return (r) => {
    const i = r.int(n)
    return r.next() < prob[i]! ? i : alias[i]!
  }
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'ta', 'shi', 'vo', 'nel', 'bra', 'qui', 'do', 'sa', 'fen', 'ru', 'ith', 'mo', 'gar', 'len', 'zu', 'pe', 'cor', 'an', 'tis', 'wel']
function vocabulary(r: Rng, n: number): string[] {
  const out = new Set<string>()
  while (out.size < n) {
    const k = 2 + r.int(2)
    let w = ''
    for (let i = 0; i < k; i++) w += SYLLABLES[r.int(SYLLABLES.length)]
    out.add(w)
  }
  return [...out]
}

const iso = (ms: number) => new Date(ms).toISOString()

// ---------------------------------------------------------------------------------------------------------------

export interface EnsureOptions {
  mode: 'quick' | 'full'
  fresh?: boolean
  log?: (line: string) => void
}

/** The seeded community for a mode: from the cache when its key matches, else built now. */
export async function ensureSeed(options: EnsureOptions): Promise<SeedMeta> {
  const log = options.log ?? ((l: string) => process.stdout.write(l + '\n'))
  const params = options.mode === 'full' ? FULL : QUICK
  const key = seedKey(params)
  const dir = join(BENCH_DATA, `${options.mode}-${key}`)
  const metaFile = join(dir, 'seed.json')
  if (!options.fresh && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as SeedMeta
    log(`seed: cached ${options.mode} community ${key} (built ${meta.seededAt} in ${Math.round(Object.values(meta.took).reduce((a, b) => a + b, 0))} s)`)
    return meta
  }
  // Older builds of this mode are of no use any more: a full one is tens of GB.
  if (existsSync(BENCH_DATA)) for (const d of readdirSync(BENCH_DATA)) if (d.startsWith(`${options.mode}-`)) rmSync(join(BENCH_DATA, d), { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const meta = await buildSeed(params, options.mode, key, dir, log)
  writeFileSync(metaFile, JSON.stringify(meta, null, 2))
  return meta
}

async function buildSeed(params: SeedParams, mode: 'quick' | 'full', key: string, dir: string, log: (l: string) => void): Promise<SeedMeta> {
  const took: Record<string, number> = {}
  let t = performance.now()
  const step = (name: string) => {
    const now = performance.now()
    took[name] = Math.round((now - t) / 100) / 10
    log(`seed: ${name} ${took[name]} s`)
    t = now
  }
  const dataDir = join(dir, 'hearth')
  mkdirSync(dataDir, { recursive: true })

  // 1. The schema, by core's real migrations (plugins are enabled per run, in prepare.ts).
  const config = resolveConfig({ dataDir, logLevel: 'silent' }, {})
  const h = await createHearth({ config, log: createLogger({ level: 'silent' }), plugins: false })
  // Limits at their maxima: the load comes from one IP and a few thousand members at thousands of requests a second.
  await h.settings.set('limits.api_requests_per_minute', 100_000)
  await h.settings.set('limits.ip_requests_per_minute', 1_000_000)
  await h.settings.set('limits.posts_per_hour', 10_000)
  await h.settings.set('limits.likes_per_day', 1_000_000)
  await h.settings.set('limits.follows_per_day', 100_000)
  await h.close()
  const passwordHash = await hashPassword(PASSWORD)
  step('schema')

  const db = new SQLite(config.dbFile)
  // Out of WAL for the load (a WAL would hold every new page once more until the checkpoint). Defensive mode refuses
  // OFF; an in-memory rollback journal costs little, as a bulk load mostly appends new pages.
  db.pragma('journal_mode = DELETE')
  db.pragma('journal_mode = MEMORY')
  db.pragma('synchronous = OFF')
  db.pragma('locking_mode = EXCLUSIVE')
  db.pragma('cache_size = -1000000')
  db.pragma('temp_store = FILE')
  db.pragma('threads = 2')
  db.pragma('foreign_keys = OFF')

  // Secondary indexes and FTS triggers go during the load and come back after (the same SQL), which is far faster.
  const inList = BULK_TABLES.map((n) => `'${n}'`).join(',')
  const indexes = db.prepare(`select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in (${inList})`).all() as { name: string; sql: string }[]
  const ftsTriggers = db.prepare(`select name, sql from sqlite_master where type = 'trigger' and tbl_name in (${inList}) and name like '%_fts_%'`).all() as { name: string; sql: string }[]
  const ftsTables = (db.prepare(`select name from sqlite_master where type = 'table' and name like '%_fts' and sql like '%virtual table%'`).all() as { name: string }[]).map((r) => r.name)
  for (const i of indexes) db.exec(`drop index "${i.name}"`)
  for (const tr of ftsTriggers) db.exec(`drop trigger "${tr.name}"`)

  const P = params
  const r = new Rng(P.seed)
  const nowMs = Date.now()
  const startMs = nowMs - P.days * 86_400_000
  const words = vocabulary(r, 4000)
  const wordPick = aliasTable(Float64Array.from(words, (_, i) => 1 / (i + 1) ** 0.9))
  const tags = vocabulary(new Rng(P.seed + 1), 1200)
  const tagPick = aliasTable(Float64Array.from(tags, (_, i) => 1 / (i + 1)))

  // 2. Accounts: ids 1..celebrities are celebrities, then members, then readers.
  const M = P.members
  const totalUsers = M + P.readers
  const celebs = Array.from({ length: P.celebrities }, (_, i) => i + 1)
  const isCeleb = (id: number) => id <= P.celebrities
  const heavy = Array.from({ length: P.heavy }, (_, i) => M - i)
  const isPrivate = new Uint8Array(totalUsers + 1)
  for (let u = P.celebrities + 1; u <= M - P.heavy; u++) if (r.next() < 0.05) isPrivate[u] = 1
  const username = (u: number) => (isCeleb(u) ? `celeb${u}` : u <= M ? `member${u}` : `reader${u - M}`)

  // 3. The follow graph. Members follow a log-normal number of others, picked by preferential weights.
  const followees: Int32Array[] = new Array(totalUsers + 1)
  const rank = Int32Array.from({ length: M - P.celebrities }, (_, i) => i)
  for (let i = rank.length - 1; i > 0; i--) {
    const j = r.int(i + 1)
    const x = rank[i]!
    rank[i] = rank[j]!
    rank[j] = x
  }
  const memberPick = aliasTable(Float64Array.from(rank, (k) => 1 / (k + 1) ** P.zipf)) // index → member id (index + celebrities + 1)
  const ordinary = M - P.celebrities
  for (let u = 1; u <= M; u++) {
    const set = new Set<number>()
    const heavyOne = heavy.includes(u)
    const want = heavyOne ? P.heavyFollows : Math.min(ordinary - 1, Math.max(3, Math.round(P.followMedian * Math.exp(P.followSigma * r.normal()))))
    while (set.size < want) {
      // A sixth of the picks are uniform: everyone gets some followers.
      const v = r.next() < 1 / 6 ? P.celebrities + 1 + r.int(ordinary) : memberPick(r) + P.celebrities + 1
      if (v !== u) set.add(v)
    }
    for (const c of celebs) if (c !== u && (heavyOne || r.next() < P.memberFollowsCeleb)) set.add(c)
    followees[u] = Int32Array.from(set).sort()
  }
  for (let u = M + 1; u <= totalUsers; u++) {
    const list = [1]
    for (const c of celebs.slice(1)) if (r.next() < P.readerFollowsOthers) list.push(c)
    followees[u] = Int32Array.from(list)
  }
  const followersCount = new Int32Array(totalUsers + 1)
  let followRows = 0
  for (let u = 1; u <= totalUsers; u++) for (const v of followees[u]!) followersCount[v]!++, followRows++
  // Followers of each member (CSR), for who may like a followers-only post.
  const fStart = new Int32Array(M + 2)
  for (let u = 1; u <= M; u++) for (const v of followees[u]!) fStart[v + 1]!++
  for (let i = 1; i <= M + 1; i++) fStart[i] = fStart[i]! + fStart[i - 1]!
  const fList = new Int32Array(fStart[M + 1]!)
  {
    const fill = fStart.slice()
    for (let u = 1; u <= M; u++) for (const v of followees[u]!) fList[fill[v]!++] = u
  }
  step('graph')

  // 4. Posts: celebrities post `celebPosts` each, members by log-normal activity; uniform over the days, ids in time order.
  const N = P.posts
  const celebTotal = P.celebrities * P.celebPosts
  const activity = new Float64Array(ordinary)
  for (let i = 0; i < ordinary; i++) activity[i] = Math.exp(1.0 * r.normal())
  const authorPick = aliasTable(activity)
  const rawAuthor = new Int32Array(N)
  const rawTime = new Float64Array(N)
  for (let i = 0; i < N; i++) {
    rawAuthor[i] = i < celebTotal ? celebs[i % P.celebrities]! : authorPick(r) + P.celebrities + 1
    rawTime[i] = startMs + r.next() * (nowMs - 60_000 - startMs)
  }
  const order = Int32Array.from({ length: N }, (_, i) => i).sort((a, b) => rawTime[a]! - rawTime[b]!)
  const author = new Int32Array(N + 1)
  const timeMs = new Float64Array(N + 1)
  for (let k = 0; k < N; k++) {
    author[k + 1] = rawAuthor[order[k]!]!
    timeMs[k + 1] = Math.floor(rawTime[order[k]!]!)
  }
  const visibility = new Uint8Array(N + 1) // 0 public, 1 followers, 2 only_me
  for (let p = 1; p <= N; p++) {
    const x = r.next()
    visibility[p] = isCeleb(author[p]!) ? 0 : x < 0.85 ? 0 : x < 0.97 ? 1 : 2
  }
  const VIS = ['public', 'followers', 'only_me'] as const
  const postsOf: number[][] = Array.from({ length: M + 1 }, () => [])
  for (let p = 1; p <= N; p++) postsOf[author[p]!]!.push(p)
  const postsCount = new Int32Array(totalUsers + 1)
  for (let p = 1; p <= N; p++) postsCount[author[p]!]!++

  // Likes and comments per post, decided before the posts are written (their counts live on the post).
  const likersOf = (p: number, n: number): number[] => {
    const a = author[p]!
    const open = visibility[p] === 0 && !isPrivate[a]
    const pool = open ? null : fList.subarray(fStart[a]!, fStart[a + 1]!)
    const max = open ? M - 1 : pool!.length
    n = Math.min(n, max)
    const set = new Set<number>()
    while (set.size < n) {
      const u = open ? 1 + r.int(M) : pool![r.int(pool!.length)]!
      if (u !== a) set.add(u)
    }
    return [...set].sort((x, y) => x - y)
  }
  const likeCounts = new Int32Array(N + 1)
  const commentCounts = new Int32Array(N + 1)
  for (let p = 1; p <= N; p++) {
    if (visibility[p] === 2) continue
    const a = author[p]!
    const boost = isCeleb(a) ? 20 : 1
    // Only those who may see the post react to it: anyone for a public post of a public account, else followers.
    const pool = visibility[p] === 0 && !isPrivate[a] ? M - 1 : fStart[a + 1]! - fStart[a]!
    likeCounts[p] = Math.min(pool, Math.floor(r.lognormalMean(P.likesMean * boost + 0.5, 1.3)))
    commentCounts[p] = Math.min(pool, Math.floor(r.lognormalMean(P.commentsMean * boost + 0.5, 1.2)))
  }

  const insertMany = (table: string, columns: string[], rows: number) => {
    const one = `(${columns.map(() => '?').join(',')})`
    const stmt = db.prepare(`insert into ${table} (${columns.join(',')}) values ${Array.from({ length: rows }, () => one).join(',')}`)
    const single = db.prepare(`insert into ${table} (${columns.join(',')}) values ${one}`)
    const width = columns.length
    let buf: unknown[] = []
    return {
      add(...values: unknown[]) {
        for (const v of values) buf.push(v)
        if (buf.length === rows * width) {
          stmt.run(buf)
          buf = []
        }
      },
      flush() {
        for (let i = 0; i < buf.length; i += width) single.run(buf.slice(i, i + width))
        buf = []
      },
    }
  }

  // About 3 % of reactions are dislikes.
  const dislikes = new Int32Array(N + 1)
  for (let p = 1; p <= N; p++) for (let i = 0; i < likeCounts[p]!; i++) if (r.next() < 0.03) dislikes[p]!++

  const counts: Record<string, number> = {}
  db.exec('begin')
  // Users.
  {
    const ins = insertMany('users', ['id', 'username', 'email', 'password_hash', 'display_name', 'bio', 'is_private', 'followers_count', 'following_count', 'posts_count', 'created_at', 'updated_at'], 200)
    const joined = iso(startMs - 200 * 86_400_000)
    for (let u = 1; u <= totalUsers; u++) {
      const name = username(u)
      const bio = u <= M ? Array.from({ length: 4 + r.int(8) }, () => words[wordPick(r)]).join(' ') : ''
      const display = isCeleb(u) ? `Celebrity ${u}` : u <= M ? `Member ${u}` : `Reader ${u - M}`
      ins.add(u, name, `${name}@bench.invalid`, passwordHash, display, bio, isPrivate[u], followersCount[u], followees[u]!.length, postsCount[u], joined, joined)
    }
    ins.flush()
    counts.users = totalUsers
  }
  // Follows (in primary-key order), made before the first post.
  {
    const ins = insertMany('follows', ['follower_id', 'followee_id', 'created_at'], 300)
    for (let u = 1; u <= totalUsers; u++) {
      for (const v of followees[u]!) ins.add(u, v, iso(startMs - (1 + r.int(100)) * 86_400_000 - r.int(86_400_000)))
    }
    ins.flush()
    counts.follows = followRows
  }
  step('users and follows')

  // Hashtags, posts, post_hashtags; media for a share of the posts.
  const postTags: number[][] = new Array(N + 1)
  let postHashtagRows = 0
  {
    const tagIns = insertMany('hashtags', ['id', 'tag', 'created_at'], 100)
    for (let i = 0; i < tags.length; i++) tagIns.add(i + 1, tags[i], iso(startMs))
    tagIns.flush()
    const ins = insertMany('posts', ['id', 'author_id', 'text', 'visibility', 'status', 'published_at', 'comments_enabled', 'likes_count', 'dislikes_count', 'comments_count', 'created_at', 'updated_at'], 100)
    const ph = insertMany('post_hashtags', ['post_id', 'hashtag_id'], 400)
    for (let p = 1; p <= N; p++) {
      const n = 6 + r.int(30)
      const parts: string[] = []
      for (let i = 0; i < n; i++) parts.push(words[wordPick(r)]!)
      const chosen = new Set<number>()
      if (r.next() < 0.35) {
        const k = 1 + r.int(3)
        while (chosen.size < k) chosen.add(tagPick(r))
        for (const tg of chosen) parts.splice(1 + r.int(parts.length - 1), 0, `#${tags[tg]}`)
      }
      const tagIds = [...chosen].map((x) => x + 1).sort((a, b) => a - b)
      postTags[p] = tagIds
      let text = parts.join(' ')
      text = text[0]!.toUpperCase() + text.slice(1) + '.'
      const dl = dislikes[p]!
      const at = iso(timeMs[p]!)
      ins.add(p, author[p], text, VIS[visibility[p]!], 'published', at, 1, likeCounts[p]! - dl, dl, 0, at, at)
      for (const tg of tagIds) ph.add(p, tg), postHashtagRows++
    }
    ins.flush()
    ph.flush()
    counts.posts = N
    counts.post_hashtags = postHashtagRows
  }
  step('posts')

  let mediaRows = 0
  {
    const ins = insertMany('media', ['id', 'owner_id', 'kind', 'status', 'mime', 'size_bytes', 'width', 'height', 'duration_ms', 'variants', 'created_at', 'updated_at'], 100)
    const pm = insertMany('post_media', ['post_id', 'media_id', 'position'], 300)
    for (let p = 1; p <= N; p++) {
      if (r.next() >= P.mediaShare) continue
      const id = ++mediaRows
      const at = iso(timeMs[p]! - 30_000)
      if (r.next() < 0.9) {
        const variants = { original: mediaFile(id, 'original', 'jpg'), '1080': mediaFile(id, '1080', 'webp'), '640': mediaFile(id, '640', 'webp'), '320': mediaFile(id, '320', 'webp'), '150': mediaFile(id, '150', 'webp') }
        ins.add(id, author[p], 'image', 'ready', 'image/jpeg', 2_000_000 + r.int(4_000_000), 4032, 3024, null, JSON.stringify(variants), at, at)
      } else {
        const variants = { video: mediaFile(id, 'video', 'mp4'), poster: mediaFile(id, 'poster', 'webp') }
        ins.add(id, author[p], 'video', 'ready', 'video/mp4', 5_000_000 + r.int(30_000_000), 1280, 720, 3_000 + r.int(57_000), JSON.stringify(variants), at, at)
      }
      pm.add(p, id, 0)
    }
    ins.flush()
    pm.flush()
    counts.media = mediaRows
  }
  step('media')

  // Reactions, comments and the notifications they caused, post by post.
  const unreadFrom = nowMs - P.unreadDays * 86_400_000
  let reactionRows = 0
  let commentRows = 0
  let notificationRows = 0
  {
    const rx = insertMany('reactions', ['post_id', 'user_id', 'kind', 'created_at'], 300)
    const cm = insertMany('comments', ['id', 'post_id', 'author_id', 'parent_id', 'text', 'replies_count', 'created_at', 'updated_at'], 100)
    const nt = insertMany('notifications', ['id', 'user_id', 'type', 'actor_id', 'post_id', 'comment_id', 'group_key', 'batch_id', 'data', 'read_at', 'created_at'], 80)
    const setCommentsCount = db.prepare('update posts set comments_count = ? where id = ?')
    const later = (base: number) => Math.min(nowMs - 1000, base + Math.floor(r.next() ** 3 * 3 * 86_400_000))
    // Batches of one recipient and group key: one per post (or parent comment), read when its events are old.
    for (let p = 1; p <= N; p++) {
      const a = author[p]!
      const n = likeCounts[p]!
      if (n > 0) {
        const likers = likersOf(p, n)
        const dl = dislikes[p]!
        let batch = 0
        const likeTimes = likers.map(() => later(timeMs[p]!))
        const lastLike = Math.max(...likeTimes)
        const readAt = lastLike < unreadFrom ? iso(lastLike + 3_600_000) : null
        for (let i = 0; i < likers.length; i++) {
          const kind = i < dl ? 'dislike' : 'like'
          rx.add(p, likers[i], kind, iso(likeTimes[i]!))
          reactionRows++
          if (kind === 'like') {
            const id = ++notificationRows
            if (!batch) batch = id
            nt.add(id, a, 'like', likers[i], p, null, `like:post:${p}`, batch, '{}', readAt, iso(likeTimes[i]!))
          }
        }
      }
      const c = commentCounts[p]!
      if (c > 0) {
        const people = likersOf(p, c)
        const tops: { id: number; author: number }[] = []
        let batch = 0
        const times = people.map(() => later(timeMs[p]!)).sort((x, y) => x - y)
        const readAt = times[times.length - 1]! < unreadFrom ? iso(times[times.length - 1]! + 3_600_000) : null
        const replies = new Map<number, number>()
        const replyBatch = new Map<number, number>()
        const rows: unknown[][] = []
        for (let i = 0; i < people.length; i++) {
          const id = ++commentRows
          const parent = tops.length && r.next() < 0.25 ? tops[r.int(tops.length)]! : null
          const text = Array.from({ length: 3 + r.int(15) }, () => words[wordPick(r)]).join(' ')
          rows.push([id, p, people[i], parent?.id ?? null, text, 0, iso(times[i]!), iso(times[i]!)])
          if (parent) replies.set(parent.id, (replies.get(parent.id) ?? 0) + 1)
          else tops.push({ id, author: people[i]! })
          const at = iso(times[i]!)
          // One notification per member per comment: a reply tells the parent's author, the comment tells the post's.
          if (parent && parent.author !== people[i]) {
            const nid = ++notificationRows
            if (!replyBatch.has(parent.id)) replyBatch.set(parent.id, nid)
            nt.add(nid, parent.author, 'reply', people[i], p, id, `reply:comment:${parent.id}`, replyBatch.get(parent.id), '{}', readAt, at)
          }
          if (a !== people[i] && !(parent && parent.author === a)) {
            const nid = ++notificationRows
            if (!batch) batch = nid
            nt.add(nid, a, 'comment', people[i], p, id, `comment:post:${p}`, batch, '{}', readAt, at)
          }
        }
        for (const row of rows) {
          row[5] = replies.get(row[0] as number) ?? 0
          cm.add(...row)
        }
        setCommentsCount.run(people.length, p)
      }
    }
    rx.flush()
    cm.flush()
    nt.flush()
    counts.reactions = reactionRows
    counts.comments = commentRows
    counts.notifications = notificationRows
  }
  step('reactions, comments, notifications')

  // 5. Fan-out: the newest `feed.kept_items` posts (not only-me) of members under the threshold are in each
  // follower's feed, as the fan-out job and its trimming would have left them, and a trimmed feed has its horizon.
  // Rows in primary-key order: per member, by time (post ids are in time order here).
  let feedRows = 0
  {
    const setting = (key: string, fallback: number) => Number(JSON.parse((db.prepare(`select value from settings where key = ?`).get(key) as { value: string } | undefined)?.value ?? String(fallback)))
    const threshold = setting('feed.fanout_threshold', CORE_DEFAULTS['feed.fanout_threshold'])
    const keep = setting('feed.kept_items', CORE_DEFAULTS['feed.kept_items'])
    const pulled = (v: number) => followersCount[v]! >= threshold
    const ins = insertMany('feed_items', ['user_id', 'published_at', 'post_id', 'author_id'], 250)
    const horizon = insertMany('feed_horizons', ['user_id', 'published_at', 'post_id'], 300)
    const atOf: string[] = new Array(N + 1)
    for (let p = 1; p <= N; p++) atOf[p] = iso(timeMs[p]!)
    let chunkStart = performance.now()
    for (let u = 1; u <= M; u++) {
      let total = 0
      for (const v of followees[u]!) if (!pulled(v)) total += postsOf[v]!.length
      const ids = new Int32Array(total)
      let k = 0
      for (const v of followees[u]!) if (!pulled(v)) for (const p of postsOf[v]!) if (visibility[p] !== 2) ids[k++] = p
      const all = ids.subarray(0, k).sort()
      const list = all.subarray(Math.max(0, all.length - keep))
      if (all.length > keep) horizon.add(u, atOf[all[all.length - keep - 1]!], all[all.length - keep - 1])
      for (let i = 0; i < list.length; i++) {
        const p = list[i]!
        ins.add(u, atOf[p], p, author[p])
      }
      feedRows += list.length
      if (u % 1000 === 0) {
        db.exec('commit; begin')
        const s = (performance.now() - chunkStart) / 1000
        log(`seed: feed rows ${feedRows.toLocaleString('en')} (${u} of ${M} members, ${Math.round(feedRows / s).toLocaleString('en')} rows/s)`)
      }
    }
    ins.flush()
    horizon.flush()
    counts.feed_items = feedRows
  }
  db.exec('commit')
  step('feed rows')

  for (const i of indexes) {
    const s = performance.now()
    db.exec(i.sql)
    log(`seed: index ${i.name} ${((performance.now() - s) / 1000).toFixed(1)} s`)
  }
  step('indexes')
  for (const f of ftsTables) db.exec(`insert into ${f}(${f}) values ('rebuild')`)
  for (const tr of ftsTriggers) db.exec(tr.sql)
  step('search indexes')

  const max = (table: string) => (db.prepare(`select coalesce(max(id), 0) n from ${table}`).get() as { n: number }).n
  const watermarks = { posts: max('posts'), comments: max('comments'), notifications: max('notifications'), media: max('media'), at: iso(nowMs) }
  db.pragma('locking_mode = NORMAL')
  db.pragma('journal_mode = WAL')
  db.close()
  step('finish')
  const size = statSync(config.dbFile).size
  counts.db_bytes = size
  log(`seed: ${mode} community ready: ${Object.entries(counts).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')}`)
  return { key, mode, params, dataDir, dbFile: config.dbFile, seededAt: iso(nowMs), took, counts, watermarks, celebrities: celebs, heavy, password: PASSWORD }
}

// `node --import tsx scripts/bench/seed.ts [--quick] [--fresh]`: build (or check) the cached community alone.
if (process.argv[1] && resolve(process.argv[1]) === HERE) {
  const mode = process.argv.includes('--quick') ? 'quick' : 'full'
  const meta = await ensureSeed({ mode, fresh: process.argv.includes('--fresh') })
  console.log(JSON.stringify({ key: meta.key, dir: meta.dataDir, took: meta.took, counts: meta.counts }, null, 2))
}
