// What members choose to be emailed (a digest of unread notifications, alerts of new logins), the digest job,
// and one-click unsubscribe links (RFC 8058) that work without logging in.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import { now } from '../db/schema.js'
import { validationFailed } from '../errors.js'
import type { JobQueue } from '../jobs/queue.js'
import type { NotificationsService } from '../notifications/service.js'
import type { SettingsService } from '../settings/service.js'
import { composeMail, type MailMessage } from './messages.js'
import type { MailService } from './service.js'

export const DIGEST_JOB = 'mail.digest'
export const DIGEST_MODES = ['off', 'daily', 'weekly'] as const
export type DigestMode = (typeof DIGEST_MODES)[number]
/** Unread notifications a digest lists at most (the rest: "and N more"). */
export const DIGEST_ITEMS = 15
const PERIOD_MS: Record<Exclude<DigestMode, 'off'>, number> = { daily: 86_400_000, weekly: 7 * 86_400_000 }

/** A member's email choices. Digests default to weekly and login alerts to on. */
export interface EmailPreferences {
  digest: DigestMode
  login_alerts: boolean
  /** Announcements and reminders from the team (core/announcements). */
  announcements: boolean
}
const DEFAULTS: EmailPreferences = { digest: 'weekly', login_alerts: true, announcements: true }
const KEYS = { digest: 'email.digest', login_alerts: 'email.login_alerts', announcements: 'email.announcements' } as const
/** Devices (hashes of their user agent) a member logged in from, newest first, so only a new one alerts. */
const DEVICES_KEY = 'email.devices'
const DEVICES_KEPT = 20

export type UnsubscribeKind = 'digest' | 'login_alerts' | 'announcements'

export function createEmailPreferences(deps: { db: Db; settings: SettingsService; queue: JobQueue; notifications: NotificationsService; mail: MailService }) {
  const { db, settings, notifications, mail } = deps

  async function pref(userId: number, key: string): Promise<unknown> {
    const row = await db.selectFrom('user_preferences').select('value').where('user_id', '=', userId).where('key', '=', key).executeTakeFirst()
    return row ? JSON.parse(row.value) : undefined
  }
  async function setPref(userId: number, key: string, value: unknown, trx: Db = db): Promise<void> {
    const json = JSON.stringify(value)
    await trx.insertInto('user_preferences').values({ user_id: userId, key, value: json }).onConflict((oc) => oc.columns(['user_id', 'key']).doUpdateSet({ value: json })).execute()
  }

  /** HMAC of the member and the kind, so a link unsubscribes only that member from only that. */
  async function signature(userId: number, kind: UnsubscribeKind): Promise<string> {
    return createHmac('sha256', await settings.secret()).update(`unsubscribe:${userId}:${kind}`).digest('base64url')
  }

  /** Whether email may go to this member's address: confirmed, or the community does not confirm addresses. */
  async function reachable(u: { email_verified_at: string | null; suspended_at: string | null }): Promise<boolean> {
    if (u.suspended_at) return false
    return !!u.email_verified_at || (await settings.get('registration.email_confirmation')) === 'off'
  }

  /** The address members last reached the site at (from their logins), for links in scheduled emails. */
  let lastOrigin: string | null = null
  async function rememberOrigin(seen: string): Promise<void> {
    if (seen === lastOrigin) return
    lastOrigin = seen
    await settings.write('mail.origin_seen', seen)
  }

  const service = {
    reachable,

    /** Where links in scheduled emails point: HEARTH_PUBLIC_URL, else where members last logged in. */
    async scheduledOrigin(publicUrl: string | null): Promise<string | null> {
      return publicUrl ?? lastOrigin ?? ((await settings.read('mail.origin_seen')) as string | undefined) ?? null
    },

    async get(userId: number): Promise<EmailPreferences> {
      const digest = await pref(userId, KEYS.digest)
      const alerts = await pref(userId, KEYS.login_alerts)
      const news = await pref(userId, KEYS.announcements)
      return {
        digest: DIGEST_MODES.includes(digest as DigestMode) ? (digest as DigestMode) : DEFAULTS.digest,
        login_alerts: typeof alerts === 'boolean' ? alerts : DEFAULTS.login_alerts,
        announcements: typeof news === 'boolean' ? news : DEFAULTS.announcements,
      }
    },

    /** Change some choices (`{ digest: 'daily' }`); unknown keys or values are a validation error. */
    async set(userId: number, input: Record<string, unknown>): Promise<EmailPreferences> {
      for (const key of Object.keys(input)) if (!(key in KEYS)) throw validationFailed({ [key]: `There is no email setting "${key}".` })
      if (input.digest !== undefined && !DIGEST_MODES.includes(input.digest as DigestMode)) throw validationFailed({ digest: `Choose one of ${DIGEST_MODES.join(', ')}.` })
      for (const k of ['login_alerts', 'announcements'] as const) if (input[k] !== undefined && typeof input[k] !== 'boolean') throw validationFailed({ [k]: 'Choose true or false.' })
      if (input.digest !== undefined) await setPref(userId, KEYS.digest, input.digest)
      if (input.login_alerts !== undefined) await setPref(userId, KEYS.login_alerts, input.login_alerts)
      if (input.announcements !== undefined) await setPref(userId, KEYS.announcements, input.announcements)
      return service.get(userId)
    },

    /** The one-click link for an email's List-Unsubscribe header and footer. */
    async unsubscribeUrl(origin: string, userId: number, kind: UnsubscribeKind): Promise<string> {
      return `${origin}/email/unsubscribe?u=${userId}&k=${kind}&s=${await signature(userId, kind)}`
    },

    /** Use an unsubscribe link: false when it is not a valid one (nothing changes). */
    async unsubscribe(q: { u?: unknown; k?: unknown; s?: unknown }): Promise<{ userId: number; kind: UnsubscribeKind } | null> {
      const userId = Number(q.u)
      const kind = q.k === 'digest' || q.k === 'login_alerts' || q.k === 'announcements' ? q.k : null
      if (!Number.isSafeInteger(userId) || userId < 1 || !kind || typeof q.s !== 'string') return null
      const want = Buffer.from(await signature(userId, kind))
      const got = Buffer.from(q.s)
      if (want.length !== got.length || !timingSafeEqual(want, got)) return null
      if (!(await db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst())) return null
      await setPref(userId, KEYS[kind], kind === 'digest' ? 'off' : false)
      return { userId, kind }
    },

    /**
     * Members whose digest is due (their period passed since the last one, or since they joined) and who have
     * unread notifications newer than it: one job each. Run by the scheduler every hour.
     */
    async queueDueDigests(origin: string | null): Promise<number> {
      if (!origin || !(await mail.configured())) return 0
      const t = Date.now()
      const rows = await sql<{ id: number }>`
        select u.id from users u
        left join user_preferences p on p.user_id = u.id and p.key = ${KEYS.digest}
        left join user_preferences s on s.user_id = u.id and s.key = 'email.digest_sent_at'
        where u.suspended_at is null
          and coalesce(json_extract(p.value, '$'), ${DEFAULTS.digest}) != 'off'
          and coalesce(json_extract(s.value, '$'), u.created_at) <= case coalesce(json_extract(p.value, '$'), ${DEFAULTS.digest})
                when 'daily' then ${new Date(t - PERIOD_MS.daily).toISOString()} else ${new Date(t - PERIOD_MS.weekly).toISOString()} end
          and exists (select 1 from notifications n where n.user_id = u.id and n.read_at is null
                      and n.created_at > coalesce(json_extract(s.value, '$'), u.created_at))`.execute(db)
      for (const { id } of rows.rows) await deps.queue.enqueue(DIGEST_JOB, { userId: id, origin }, { key: `digest:${id}` })
      return rows.rows.length
    },

    /**
     * Send one member their digest: their unread notifications since the last one, as the notifications page
     * would show them to them now (so nothing they may no longer see), with a one-click unsubscribe.
     */
    async sendDigest(userId: number, origin: string): Promise<boolean> {
      const u = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst()
      const mode = (await service.get(userId)).digest
      if (!u || !(await reachable(u)) || mode === 'off') return false
      const since = ((await pref(userId, 'email.digest_sent_at')) as string | undefined) ?? u.created_at
      const page = await notifications.list(userId, { unread: true, limit: 50 })
      const items = page.items.filter((n) => n.created_at > since)
      const sentAt = now()
      if (!items.length) {
        await setPref(userId, 'email.digest_sent_at', sentAt)
        return false
      }
      const siteName = await settings.get('site.name')
      const unsubscribe = await service.unsubscribeUrl(origin, userId, 'digest')
      const shown = items.slice(0, DIGEST_ITEMS)
      const more = items.length - shown.length
      const message: MailMessage = composeMail(u.email, siteName, {
        subject: `${items.length} new ${items.length === 1 ? 'notification' : 'notifications'} on ${siteName}`,
        greeting: `Hi @${u.username},`,
        paragraphs: [`Here is what happened while you were away:`, ...shown.map((n) => `• ${n.text}`), ...(more > 0 ? [`And ${more} more.`] : [])],
        action: { label: 'Open your notifications', url: `${origin}/notifications` },
        footer: `You get this ${mode} summary because of your email settings (${origin}/settings/emails). Stop these emails: ${unsubscribe}`,
      })
      message.headers = { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
      await db.transaction().execute(async (trx) => {
        await mail.enqueue(message, trx)
        await setPref(userId, 'email.digest_sent_at', sentAt, trx)
      })
      return true
    },

    /**
     * After a login: email the member when this device (its user agent) has not logged in to the account before.
     * The device is remembered either way; a sign-up only remembers it.
     */
    async loginFrom(userId: number, meta: { ip: string | null; userAgent: string | null }, origin: string, options: { alert: boolean }): Promise<boolean> {
      await rememberOrigin(origin)
      const device = createHash('sha256').update(meta.userAgent ?? '').digest('base64url').slice(0, 16)
      const known = ((await pref(userId, DEVICES_KEY)) as string[] | undefined) ?? []
      const isNew = !known.includes(device)
      await setPref(userId, DEVICES_KEY, [device, ...known.filter((d) => d !== device)].slice(0, DEVICES_KEPT))
      if (!isNew || !options.alert || !(await mail.configured())) return false
      const u = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst()
      if (!u || !(await reachable(u)) || !(await service.get(userId)).login_alerts) return false
      const siteName = await settings.get('site.name')
      const unsubscribe = await service.unsubscribeUrl(origin, userId, 'login_alerts')
      const message = composeMail(u.email, siteName, {
        subject: `New login to your account on ${siteName}`,
        greeting: `Hi @${u.username},`,
        paragraphs: [
          `Your account was just logged in to from a device it had not been used on before: ${describeDevice(meta.userAgent)}${meta.ip ? `, from the address ${meta.ip}` : ''}, at ${new Date().toUTCString()}.`,
          'If this was you, there is nothing to do.',
          'If it was not, change your password now (it logs out every other session) and turn on two-factor authentication.',
        ],
        action: { label: 'Review your security settings', url: `${origin}/settings/security` },
        footer: `Stop these alerts: ${unsubscribe}`,
      })
      message.headers = { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
      await mail.enqueue(message)
      return true
    },
  }
  return service
}

export type EmailPreferencesService = ReturnType<typeof createEmailPreferences>

/** "Firefox on Linux" from a user agent, or the start of it when it names nothing known. */
export function describeDevice(ua: string | null): string {
  if (!ua) return 'an unknown device'
  const browser = /Edg\//.test(ua) ? 'Edge' : /OPR\//.test(ua) ? 'Opera' : /Firefox\//.test(ua) ? 'Firefox' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : /curl\//.test(ua) ? 'curl' : null
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows' : /Mac OS X|Macintosh/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : null
  if (browser && os) return `${browser} on ${os}`
  return browser ?? os ?? `“${ua.slice(0, 60)}”`
}
