// Core's dashboard metrics and tiles: members (new, active per day, week and month), posts, comments, likes,
// engagement (likes per post, comments per active member), retention of new members after 7 and 30 days, reports
// opened and resolved, storage, and the job queue. Each count is read once per day by the rollup job, never by the dashboard.
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import type { Services } from '../services.js'
import type { AdminMetric, AdminTile } from './registry.js'
import { diskOf, peakPerMinute, trafficBetween } from './usage.js'

/** The UTC day of a time, `YYYY-MM-DD`. */
export const dayOf = (d: Date) => d.toISOString().slice(0, 10)
/** `day` moved by `n` days. */
export const addDays = (day: string, n: number) => dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000))

/** Rows made on one day: `table`'s `column` (an ISO time) within the day, counted with its index. */
async function madeOn(db: Db, table: 'users' | 'posts' | 'comments' | 'reports', column: 'created_at' | 'resolved_at', from: string, to: string): Promise<number> {
  // A comment held for review from its making is not a comment yet: counted once staff release it.
  const shown = table === 'comments' ? sql` and announced = 1` : sql``
  const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)} where ${sql.ref(column)} >= ${from} and ${sql.ref(column)} < ${to}${shown}`.execute(db)
  return Number(r.rows[0]?.n ?? 0)
}

/** Members seen on at least one of the `days` days ending with `day`. */
async function activeOver(db: Db, day: string, days: number): Promise<number> {
  const r = await sql<{ n: number }>`select count(distinct user_id) as n from member_days where day > ${addDays(day, -days)} and day <= ${day}`.execute(db)
  return Number(r.rows[0]?.n ?? 0)
}

/** Likes given on one day (reactions of kind `like`, counted with their index by time). */
async function likesOn(db: Db, from: string, to: string): Promise<number> {
  const r = await sql<{ n: number }>`select count(*) as n from reactions where kind = 'like' and created_at >= ${from} and created_at < ${to}`.execute(db)
  return Number(r.rows[0]?.n ?? 0)
}

/** `a / b` in hundredths (1.25 is 125); null when there is nothing to divide by. */
const hundredths = (a: number, b: number) => (b === 0 ? null : Math.round((a * 100) / b))

/**
 * Of the members who joined `days` days before `day`, the percent seen during the week that ends on `day` (so "after
 * 7 days" is a return in their second week, "after 30 days" one in the week ending on their 30th day); null when
 * nobody joined that day. Each member's days come from `member_days` (one row per day they were seen).
 */
async function retained(db: Db, day: string, days: number): Promise<number | null> {
  const joined = addDays(day, -days)
  const r = await sql<{ cohort: number; kept: number }>`
    select count(*) as cohort,
      count(*) filter (where exists (select 1 from member_days d where d.user_id = u.id and d.day > ${addDays(day, -7)} and d.day <= ${day})) as kept
    from users u where u.created_at >= ${`${joined}T00:00:00.000Z`} and u.created_at < ${`${addDays(joined, 1)}T00:00:00.000Z`}`.execute(db)
  const row = r.rows[0]
  return !row || Number(row.cohort) === 0 ? null : Math.round((Number(row.kept) * 100) / Number(row.cohort))
}

const MEDIA_KINDS = ['image', 'video'] as const

export function coreMetrics(s: Services): AdminMetric[] {
  const { db } = s
  const count = (id: string, label: string, table: 'users' | 'posts' | 'comments' | 'reports', column: 'created_at' | 'resolved_at' = 'created_at'): AdminMetric => ({
    id,
    label,
    kind: 'count',
    compute: ({ from, to }) => madeOn(db, table, column, from, to),
  })
  return [
    count('members.new', 'New members', 'users'),
    { id: 'members.active_day', label: 'Active that day', kind: 'count', compute: ({ day }) => activeOver(db, day, 1) },
    { id: 'members.active_week', label: 'Active in 7 days', kind: 'count', compute: ({ day }) => activeOver(db, day, 7) },
    { id: 'members.active_month', label: 'Active in 30 days', kind: 'count', compute: ({ day }) => activeOver(db, day, 30) },
    count('posts', 'Posts', 'posts'),
    count('comments', 'Comments', 'comments'),
    { id: 'likes', label: 'Likes', kind: 'count', compute: ({ from, to }) => likesOn(db, from, to) },
    {
      id: 'engagement.likes_per_post',
      label: 'Likes per post',
      kind: 'count',
      unit: 'hundredths',
      compute: async ({ from, to }) => hundredths(await likesOn(db, from, to), await madeOn(db, 'posts', 'created_at', from, to)),
    },
    {
      id: 'engagement.comments_per_member',
      label: 'Comments per active member',
      kind: 'count',
      unit: 'hundredths',
      compute: async ({ day, from, to }) => hundredths(await madeOn(db, 'comments', 'created_at', from, to), await activeOver(db, day, 1)),
    },
    { id: 'retention.d7', label: 'Back after 7 days', kind: 'count', unit: 'percent', compute: ({ day }) => retained(db, day, 7) },
    { id: 'retention.d30', label: 'Back after 30 days', kind: 'count', unit: 'percent', compute: ({ day }) => retained(db, day, 30) },
    count('reports.opened', 'Reports opened', 'reports'),
    count('reports.resolved', 'Reports resolved', 'reports', 'resolved_at'),
    {
      id: 'storage.database',
      label: 'Database',
      kind: 'gauge',
      unit: 'bytes',
      compute: async () => {
        const r = await sql<{ n: number }>`select page_count * page_size as n from pragma_page_count(), pragma_page_size()`.execute(db)
        return Number(r.rows[0]?.n ?? 0)
      },
    },
    ...MEDIA_KINDS.map(
      (kind): AdminMetric => ({
        id: `storage.media.${kind}`,
        label: `Media: ${kind}s`,
        kind: 'gauge',
        unit: 'bytes',
        compute: async () => Number((await db.selectFrom('media').select((e) => e.fn.coalesce(e.fn.sum<number>('size_bytes'), sql<number>`0`).as('n')).where('kind', '=', kind).executeTakeFirstOrThrow()).n),
      }),
    ),
    {
      id: 'storage.disk_free',
      label: 'Disk free',
      kind: 'gauge',
      unit: 'bytes',
      compute: async () => (await diskOf(s.config.dataDir)).free,
    },
    ...(['requests', 'api', 'errors', 'bytes'] as const).map(
      (field): AdminMetric => ({
        id: `http.${field}`,
        label: { requests: 'Requests', api: 'API calls', errors: 'Server errors', bytes: 'Bytes served' }[field],
        kind: 'count',
        unit: field === 'bytes' ? 'bytes' : 'number',
        compute: async ({ from, to }) => (await trafficBetween(db, from, to))[field],
      }),
    ),
    { id: 'http.peak_per_minute', label: 'Busiest minute', kind: 'count', compute: ({ from, to }) => peakPerMinute(db, from, to) },
    {
      id: 'jobs.pending',
      label: 'Jobs waiting',
      kind: 'gauge',
      compute: async () => Number((await db.selectFrom('jobs').select((e) => e.fn.countAll<number>().as('n')).where('status', 'in', ['pending', 'running']).executeTakeFirstOrThrow()).n),
    },
    {
      id: 'jobs.failed',
      label: 'Jobs failed',
      kind: 'count',
      compute: async ({ from, to }) => Number((await db.selectFrom('jobs').select((e) => e.fn.countAll<number>().as('n')).where('status', '=', 'failed').where('updated_at', '>=', from).where('updated_at', '<', to).executeTakeFirstOrThrow()).n),
    },
  ]
}

export const CORE_TILES: AdminTile[] = [
  { id: 'members-new', label: 'New members', metrics: ['members.new'], need: 'staff', order: 10 },
  { id: 'members-active', label: 'Active members', metrics: ['members.active_day', 'members.active_week', 'members.active_month'], need: 'staff', order: 11, figure: 'latest', help: 'Members seen in the last day, 7 days and 30 days, as of each day.' },
  { id: 'posts', label: 'Posts and comments', metrics: ['posts', 'comments'], need: 'staff', order: 20 },
  { id: 'likes', label: 'Likes', metrics: ['likes'], need: 'staff', order: 21 },
  { id: 'engagement', label: 'Engagement', metrics: ['engagement.likes_per_post', 'engagement.comments_per_member'], need: 'staff', order: 22, figure: 'latest', help: 'Likes given per post made, and comments per member active, each day.' },
  { id: 'retention', label: 'Retention of new members', metrics: ['retention.d7', 'retention.d30'], need: 'staff', order: 23, figure: 'latest', help: 'Of the members who joined 7 (or 30) days before a day, the share seen in the week ending that day.' },
  { id: 'reports', label: 'Reports opened and resolved', metrics: ['reports.opened', 'reports.resolved'], need: 'moderate_content', order: 30 },
  { id: 'traffic', label: 'Requests', metrics: ['http.requests', 'http.api', 'http.errors'], need: 'manage_settings', order: 60, help: 'Every answer the server gave, the API calls among them, and those that failed on our side (5xx).' },
  { id: 'traffic-peak', label: 'Requests in the busiest minute', metrics: ['http.peak_per_minute'], need: 'manage_settings', order: 61, figure: 'latest' },
  { id: 'bytes-served', label: 'Bytes served', metrics: ['http.bytes'], need: 'manage_settings', order: 62, help: 'Answers that declared their length: pages, API calls, media files.' },
  { id: 'storage', label: 'Storage', metrics: ['storage.database', 'storage.media.image', 'storage.media.video', 'storage.disk_free'], need: 'manage_settings', order: 70, figure: 'latest' },
  { id: 'jobs', label: 'Job queue', metrics: ['jobs.pending', 'jobs.failed'], need: 'manage_settings', order: 80, figure: 'latest', help: 'Jobs waiting now, and jobs that gave up each day.' },
]
