// Announcements: staff write one message, pick its channels (banner, in-app notification, email, push) and its
// audience, and a job walks the audience in batches, reaching each member once. Why it works this way: decision 049.
import { sql, type ExpressionBuilder } from 'kysely'
import { z } from 'zod'
import type { Db } from '../db/connect.js'
import { now, type Database } from '../db/schema.js'
import { audit } from '../audit.js'
import { AppError, notFound, validationFailed } from '../errors.js'
import type { JobQueue } from '../jobs/queue.js'
import type { Logger } from '../logger.js'
import type { EmailPreferencesService } from '../mail/digests.js'
import { composeMail, type MailMessage } from '../mail/messages.js'
import type { MailService } from '../mail/service.js'
import type { NotificationsService } from '../notifications/service.js'
import { PUSH_DELIVER_JOB, type PushPayload } from '../push/service.js'
import type { SettingsService } from '../settings/service.js'
import { markdownParagraphs, markdownToText, renderMarkdown } from '../text/markdown.js'
import { parse } from '../validation.js'
import { CHANNELS, type AnnouncementRow, type Audience, type Channel } from './tables.js'

export const BATCH_JOB = 'announcements.batch'
/** Members one batch reaches before the job queues the next (a restart resumes at the next member). */
export const BATCH_SIZE = 200

const BUILT_IN_ROLES = ['member', 'moderator', 'admin', 'staff'] as const

export const audienceInput = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('everyone') }),
    z.object({ kind: z.literal('active'), days: z.coerce.number({ error: 'Give a number of days.' }).int('Give a whole number of days.').min(1, 'At least one day.').max(3650, 'At most 3650 days.') }),
    z.object({ kind: z.literal('role'), role: z.string({ error: 'Choose a role.' }).trim().min(1, 'Choose a role.').max(40) }),
    z.object({ kind: z.literal('creators') }),
    z.object({ kind: z.literal('verified') }),
  ],
  { error: 'Choose the audience: everyone, active, role, creators or verified.' },
)

export const announcementInput = z.object({
  title: z.string({ error: 'Give it a title.' }).trim().min(1, 'Give it a title.').max(120, 'Keep the title under 120 characters.'),
  body: z.string({ error: 'Write the message.' }).trim().min(1, 'Write the message.').max(5000, 'Keep the message under 5000 characters.'),
  channels: z.array(z.enum(CHANNELS as [Channel, ...Channel[]], { error: 'Channels are banner, notification, email and push.' }), { error: 'Choose at least one channel.' }).min(1, 'Choose at least one channel.'),
  audience: audienceInput,
})
export type AnnouncementInput = z.input<typeof announcementInput>

/** An announcement as the console and the API show it. */
export interface AnnouncementView {
  id: number
  title: string
  body: string
  html: string
  channels: Channel[]
  audience: Audience
  status: AnnouncementRow['status']
  total: number
  reached: number
  banner_ended: boolean
  created_at: string
  finished_at: string | null
}

const view = (r: AnnouncementRow): AnnouncementView => ({
  id: r.id,
  title: r.title,
  body: r.body,
  html: renderMarkdown(r.body),
  channels: JSON.parse(r.channels) as Channel[],
  audience: JSON.parse(r.audience) as Audience,
  status: r.status,
  total: r.total,
  reached: r.reached,
  banner_ended: r.banner_ended_at !== null,
  created_at: r.created_at,
  finished_at: r.finished_at,
})

/** "Everyone", "Members active in the last 30 days", ... for lists and the confirmation. */
export function describeAudience(a: Audience): string {
  if (a.kind === 'everyone') return 'Everyone'
  if (a.kind === 'active') return `Members active in the last ${a.days} ${a.days === 1 ? 'day' : 'days'}`
  if (a.kind === 'creators') return 'Creators'
  if (a.kind === 'verified') return 'Verified members'
  return a.role === 'staff' ? 'Staff' : `Role: ${a.role}`
}

const isoDay = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10)

/**
 * The members an audience names, as a condition on `users`: never a suspended account or a sign-up still
 * waiting for approval (a rejected one is suspended too).
 */
export function inAudience(a: Audience, staffRoleId: number | null) {
  return (eb: ExpressionBuilder<Database, 'users'>) => {
    const base = [eb('users.suspended_at', 'is', null), eb('users.approval', 'is', null)]
    if (a.kind === 'active') base.push(eb.exists(eb.selectFrom('member_days').select('member_days.day').whereRef('member_days.user_id', '=', 'users.id').where('member_days.day', '>=', isoDay(a.days))))
    else if (a.kind === 'creators') base.push(eb('users.account_type', '=', 'creator'))
    // The site's verified badge (decision 052): a revoked badge is null again, so they drop out of a batch not yet sent.
    else if (a.kind === 'verified') base.push(eb('users.verified_at', 'is not', null))
    else if (a.kind === 'role') {
      if (a.role === 'staff') base.push(eb.or([eb('users.role', '!=', 'member'), eb('users.staff_role_id', 'is not', null)]))
      else if (staffRoleId !== null) base.push(eb('users.staff_role_id', '=', staffRoleId))
      else base.push(eb('users.role', '=', a.role as 'member'))
    }
    return eb.and(base)
  }
}

export type AnnouncementsService = ReturnType<typeof createAnnouncementsService>

export function createAnnouncementsService(deps: { db: Db; settings: SettingsService; queue: JobQueue; mail: MailService; emails: EmailPreferencesService; notifications: NotificationsService; log: Logger }) {
  const { db, settings, queue, mail, emails, notifications, log } = deps

  /** A custom staff role's id for a role audience, or null for a built-in role; an unknown role is a field error. */
  async function roleId(a: Audience): Promise<number | null> {
    if (a.kind !== 'role' || (BUILT_IN_ROLES as readonly string[]).includes(a.role)) return null
    const r = await db.selectFrom('staff_roles').select('id').where('name', '=', a.role).executeTakeFirst()
    if (!r) throw validationFailed({ 'audience.role': `There is no role “${a.role}”.` })
    return r.id
  }

  async function count(a: Audience): Promise<number> {
    const where = inAudience(a, await roleId(a))
    const r = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).where(where).executeTakeFirstOrThrow()
    return Number(r.n)
  }

  async function row(id: number): Promise<AnnouncementRow> {
    const r = await db.selectFrom('announcements').selectAll().where('id', '=', id).executeTakeFirst()
    if (!r) throw notFound('That announcement')
    return r
  }

  /** The email one member gets, with a one-click unsubscribe from announcements. */
  async function emailFor(a: AnnouncementRow, u: { id: number; username: string; email: string }, origin: string): Promise<MailMessage> {
    const siteName = await settings.get('site.name')
    const unsubscribe = await emails.unsubscribeUrl(origin, u.id, 'announcements')
    const message = composeMail(u.email, siteName, {
      subject: a.title,
      greeting: `Hi @${u.username},`,
      paragraphs: markdownParagraphs(a.body),
      action: { label: `Open ${siteName}`, url: `${origin}/announcements/${a.id}` },
      footer: `You get announcements from the team because of your email settings (${origin}/settings/emails). Stop these emails: ${unsubscribe}`,
    })
    message.headers = { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
    return message
  }

  /** Whether the member takes a push about announcements: the type is on in their notification settings and a browser is subscribed. */
  async function pushable(userId: number): Promise<boolean> {
    if (!(await db.selectFrom('push_subscriptions').select('id').where('user_id', '=', userId).limit(1).executeTakeFirst())) return false
    return notifications.wants(userId, 'announcement')
  }

  /**
   * Reach one member on the announcement's channels, once: the recipient row (which is also the banner) and the
   * email's job commit together, and a member already reached (a batch run again after a crash) is skipped.
   */
  async function reach(a: AnnouncementRow, channels: Channel[], u: { id: number; username: string; email: string; email_verified_at: string | null; suspended_at: string | null }): Promise<boolean> {
    const email =
      channels.includes('email') && a.origin && (await mail.configured()) && (await emails.reachable(u)) && (await emails.get(u.id)).announcements ? await emailFor(a, u, a.origin) : null
    const push = channels.includes('push') && (await pushable(u.id))
    const siteName = push ? await settings.get('site.name') : ''
    // The app's badge: what is unread now, and the announcement's own notification when it is sent too.
    const unread = push ? (await notifications.unreadCount(u.id)) + (channels.includes('notification') && (await notifications.wants(u.id, 'announcement')) ? 1 : 0) : 0
    const fresh = await db.transaction().execute(async (trx) => {
      const r = await trx.insertInto('announcement_recipients').values({ announcement_id: a.id, user_id: u.id, created_at: now() }).onConflict((oc) => oc.doNothing()).returning('user_id').executeTakeFirst()
      if (!r) return false
      if (email) await mail.enqueue(email, trx)
      if (push) {
        const payload: PushPayload = { title: `${siteName}: ${a.title}`, body: markdownToText(a.body).slice(0, 300), url: `/announcements/${a.id}`, tag: `announcement-${a.id}`, unread }
        await queue.enqueueIn(trx, PUSH_DELIVER_JOB, { userId: u.id, payload })
      }
      return true
    })
    if (fresh && channels.includes('notification')) await notifications.announce(u.id, { id: a.id, title: a.title })
    return fresh
  }

  /** The announcements that reached a member, with whether they dismissed the banner. */
  const received = (userId: number) =>
    db.selectFrom('announcement_recipients as r').innerJoin('announcements as a', 'a.id', 'r.announcement_id').selectAll('a').select('r.dismissed_at').where('r.user_id', '=', userId)

  const service = {
    count,

    /** How many members the audience names now, and the message as members will read it. */
    async preview(input: unknown): Promise<{ count: number; html: string; text: string; audience: string }> {
      const a = parse(announcementInput, input)
      return { count: await count(a.audience), html: renderMarkdown(a.body), text: markdownToText(a.body), audience: describeAudience(a.audience) }
    },

    /**
     * Write an announcement and start sending it: the audience is counted now (the progress bar's total), and the
     * first batch is queued with the row. `origin` is where its emails' links point.
     * @example await s.announcements.send({ title: 'Maintenance', body: 'Down at 9.', channels: ['banner'], audience: { kind: 'everyone' } }, adminId, 'https://lakeside.example')
     */
    async send(input: unknown, authorId: number | null, origin: string | null): Promise<AnnouncementView> {
      const a = parse(announcementInput, input)
      if (a.channels.includes('email') && !(await mail.configured())) throw new AppError(409, 'MAIL_NOT_CONFIGURED', 'Email is not set up, so an announcement cannot go by email. Set it up in Site settings, or leave email out.')
      const total = await count(a.audience)
      const channels = [...new Set(a.channels)]
      const id = await db.transaction().execute(async (trx) => {
        const r = await trx
          .insertInto('announcements')
          .values({ author_id: authorId, title: a.title, body: a.body, channels: JSON.stringify(channels), audience: JSON.stringify(a.audience), status: 'sending', origin, total, created_at: now() })
          .returning('id')
          .executeTakeFirstOrThrow()
        await queue.enqueueIn(trx, BATCH_JOB, { id: r.id }, { key: `announcement:${r.id}` })
        await audit(trx, { actorId: authorId, action: 'announcement.send', targetType: 'announcement', targetId: r.id, details: { title: a.title, channels, audience: a.audience, total } })
        return r.id
      })
      return view(await row(id))
    },

    /**
     * Send the next batch: members of the audience after the cursor, by id, each reached once; then the next batch
     * is queued, or the announcement is marked sent. A cancelled one stops here.
     */
    async runBatch(id: number, size = BATCH_SIZE): Promise<{ reached: number; done: boolean }> {
      const a = await db.selectFrom('announcements').selectAll().where('id', '=', id).executeTakeFirst()
      if (!a || a.status !== 'sending') return { reached: 0, done: true }
      const audience = JSON.parse(a.audience) as Audience
      const channels = JSON.parse(a.channels) as Channel[]
      let rid: number | null
      try {
        rid = await roleId(audience)
      } catch {
        rid = -1 // the custom role was deleted since: nobody holds it now
      }
      const members = await db
        .selectFrom('users')
        .select(['id', 'username', 'email', 'email_verified_at', 'suspended_at'])
        .where(inAudience(audience, rid))
        .where('id', '>', a.cursor)
        .orderBy('id')
        .limit(size)
        .execute()
      let cursor = a.cursor
      for (const u of members) {
        const fresh = await reach(a, channels, u)
        cursor = u.id
        // The cursor moves per member, so a crash mid-batch resumes after the last one reached.
        await db.updateTable('announcements').set({ cursor, reached: sql`reached + ${fresh ? 1 : 0}` }).where('id', '=', id).execute()
      }
      const done = members.length < size
      if (done) await db.updateTable('announcements').set({ status: 'sent', finished_at: now(), total: sql`max(total, reached)` }).where('id', '=', id).where('status', '=', 'sending').execute()
      else await queue.enqueue(BATCH_JOB, { id }, { key: `announcement:${id}:${cursor}` })
      if (done) log.info({ announcement: id }, 'announcement sent')
      return { reached: members.length, done }
    },

    async get(id: number): Promise<AnnouncementView> {
      return view(await row(id))
    },

    /** The newest announcements first, for the console. */
    async list(limit = 50): Promise<AnnouncementView[]> {
      return (await db.selectFrom('announcements').selectAll().orderBy('id', 'desc').limit(limit).execute()).map(view)
    },

    /** Stop sending (members already reached keep what they got) and take the banner down. */
    async cancel(id: number, actorId: number | null): Promise<AnnouncementView> {
      const a = await row(id)
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('announcements').set({ status: a.status === 'sending' ? 'cancelled' : a.status, banner_ended_at: a.banner_ended_at ?? now(), finished_at: a.finished_at ?? now() }).where('id', '=', id).execute()
        await audit(trx, { actorId, action: 'announcement.cancel', targetType: 'announcement', targetId: id })
      })
      return view(await row(id))
    },

    /** The banner a member sees: the newest banner announcement that reached them and they have not dismissed. */
    async bannerFor(userId: number): Promise<{ id: number; title: string; html: string } | null> {
      const r = await db
        .selectFrom('announcement_recipients as r')
        .innerJoin('announcements as a', 'a.id', 'r.announcement_id')
        .select(['a.id', 'a.title', 'a.body'])
        .where('r.user_id', '=', userId)
        .where('r.dismissed_at', 'is', null)
        .where('a.banner_ended_at', 'is', null)
        .where(sql<boolean>`a.channels like '%"banner"%'`)
        .orderBy('a.id', 'desc')
        .limit(1)
        .executeTakeFirst()
      return r ? { id: r.id, title: r.title, html: renderMarkdown(r.body) } : null
    },

    /** A member's own copy of an announcement: only one that reached them (any other is missing). */
    async forMember(userId: number, id: number): Promise<AnnouncementView & { dismissed: boolean }> {
      const r = await received(userId).where('a.id', '=', id).executeTakeFirst()
      if (!r) throw notFound('That announcement')
      return { ...view(r), dismissed: r.dismissed_at !== null }
    },

    /** The announcements that reached a member, newest first. */
    async mine(userId: number, limit = 20): Promise<(AnnouncementView & { dismissed: boolean })[]> {
      const rows = await received(userId).orderBy('a.id', 'desc').limit(limit).execute()
      return rows.map((r) => ({ ...view(r), dismissed: r.dismissed_at !== null }))
    },

    /** Hide the banner for this member (their other channels are untouched). */
    async dismiss(userId: number, id: number): Promise<void> {
      const r = await db.updateTable('announcement_recipients').set({ dismissed_at: now() }).where('user_id', '=', userId).where('announcement_id', '=', id).where('dismissed_at', 'is', null).executeTakeFirst()
      if (Number(r.numUpdatedRows) === 0 && !(await db.selectFrom('announcement_recipients').select('user_id').where('user_id', '=', userId).where('announcement_id', '=', id).executeTakeFirst())) throw notFound('That announcement')
    },
  }
  return service
}
