// Web push (VAPID, RFC 8030/8291/8292 through the `web-push` package): members turn it on per browser, and each
// notification they may see goes to every browser they turned it on in. Why it works this way: decision 037.
import webpush from 'web-push'
import { z } from 'zod'
import type { Db } from '../db/connect.js'
import { now } from '../db/schema.js'
import { queryShapes } from '../db/shapes.js'
import { notFound, validationFailed } from '../errors.js'
import type { JobQueue } from '../jobs/queue.js'
import type { Logger } from '../logger.js'
import type { NotificationsService } from '../notifications/service.js'
import type { SettingsService } from '../settings/service.js'
import { parse } from '../validation.js'

export const PUSH_JOB = 'push.send'
/** A push that is not a notification entry (announcements, re-engagement reminders): `{ userId, payload }`. */
export const PUSH_DELIVER_JOB = 'push.deliver'
/** Browsers a member may have push on in at once; the oldest goes when one more subscribes. */
export const MAX_SUBSCRIPTIONS = 10
/** How long a push service keeps a push for a browser that is offline: a notification a day old is stale. */
const TTL_SECONDS = 24 * 3600
const TIMEOUT_MS = 15_000

const b64url = (what: string, bytes: number) =>
  z
    .string({ error: `Send keys.${what}.` })
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, `keys.${what} is not base64url.`)
    .refine((v) => Buffer.from(v, 'base64url').length === bytes, `keys.${what} must be ${bytes} bytes.`)

/** A PushSubscription as the browser's `toJSON()` gives it. */
export const subscriptionInput = z.object({
  endpoint: z.string({ error: 'Send the endpoint.' }).max(2000, 'That endpoint is too long.'),
  keys: z.object({ p256dh: b64url('p256dh', 65), auth: b64url('auth', 16) }, { error: 'Send keys.p256dh and keys.auth.' }),
})

/**
 * Why the server will not send to this endpoint, or null: it must be a push service the operator lists
 * (`push.services`), over https (http only for a listed 127.0.0.1 or localhost), so a member cannot make the
 * server call an address of their choosing.
 */
export function endpointProblem(endpoint: string, services: string): string | null {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return 'The endpoint is not a URL.'
  }
  const host = url.hostname.toLowerCase()
  const listed = services
    .split('\n')
    .map((l) => l.trim().toLowerCase())
    .filter(Boolean)
    .some((h) => host === h || host.endsWith(`.${h}`))
  if (!listed) return 'This push service is not one this community sends to.'
  if (url.protocol === 'https:') return url.username || url.password ? 'The endpoint must not carry a login.' : null
  if (url.protocol === 'http:' && (host === '127.0.0.1' || host === 'localhost')) return null
  return 'The endpoint must be an https URL.'
}

/** What a browser's service worker receives (core/app-shell/sw.js shows it). */
export interface PushPayload {
  title: string
  body: string
  url: string
  /** Replaces an earlier push of the same entry (a group that grew) instead of stacking. */
  tag: string
  unread: number
}

export type PushService = ReturnType<typeof createPushService>

export function createPushService(deps: { db: Db; settings: SettingsService; queue: JobQueue; notifications: NotificationsService; log: Logger; publicUrl: string | null }) {
  const { db, settings, notifications, log } = deps
  const shapes = queryShapes(db, 4)

  /** The instance's VAPID keys, made once. */
  async function vapid(): Promise<{ publicKey: string; privateKey: string }> {
    const kept = (await settings.read('push.vapid')) as { publicKey: string; privateKey: string } | undefined
    if (kept) return kept
    const made = webpush.generateVAPIDKeys()
    await db.insertInto('settings').values({ key: 'push.vapid', value: JSON.stringify(made) }).onConflict((oc) => oc.doNothing()).execute()
    return (await settings.read('push.vapid')) as { publicKey: string; privateKey: string }
  }

  /** Who push services may contact about this instance (RFC 8292 `sub`): the From address, or the site. */
  async function contact(): Promise<string> {
    const from = await settings.get('mail.from')
    if (from) return `mailto:${from}`
    if (deps.publicUrl?.startsWith('https://')) return deps.publicUrl
    return 'mailto:push@hearth.invalid'
  }

  const service = {
    /** The key browsers subscribe with (`applicationServerKey`). */
    async publicKey(): Promise<string> {
      return (await vapid()).publicKey
    },

    /** Turn push on for a browser (the same endpoint again updates its keys and owner). */
    async subscribe(userId: number, input: unknown, userAgent: string | null): Promise<{ id: number }> {
      const sub = parse(subscriptionInput, input)
      const problem = endpointProblem(sub.endpoint, await settings.get('push.services'))
      if (problem) throw validationFailed({ endpoint: problem })
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('push_subscriptions')
          .values({ user_id: userId, endpoint: sub.endpoint, p256dh: sub.keys.p256dh, auth: sub.keys.auth, user_agent: userAgent?.slice(0, 300) ?? null, created_at: now() })
          .onConflict((oc) => oc.column('endpoint').doUpdateSet({ user_id: userId, p256dh: sub.keys.p256dh, auth: sub.keys.auth, user_agent: userAgent?.slice(0, 300) ?? null, created_at: now() }))
          .returning('id')
          .executeTakeFirstOrThrow()
        const extra = await trx.selectFrom('push_subscriptions').select('id').where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').offset(MAX_SUBSCRIPTIONS).limit(1000).execute()
        if (extra.length) await trx.deleteFrom('push_subscriptions').where('id', 'in', extra.map((e) => e.id)).execute()
        return { id: row.id }
      })
    },

    /** Turn push off for a browser, by its endpoint; another member's endpoint is missing to you. */
    async unsubscribe(userId: number, endpoint: unknown): Promise<void> {
      if (typeof endpoint !== 'string') throw validationFailed({ endpoint: 'Send the endpoint.' })
      const r = await db.deleteFrom('push_subscriptions').where('user_id', '=', userId).where('endpoint', '=', endpoint).executeTakeFirst()
      if (Number(r.numDeletedRows) === 0) throw notFound('That subscription')
    },

    /** How many browsers a member has push on in. */
    async count(userId: number): Promise<number> {
      const r = await db.selectFrom('push_subscriptions').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow()
      return Number(r.n)
    },

    /** After a notification is stored: one job per entry, if the member has push on anywhere. */
    async queueFor(userId: number, batchId: number): Promise<void> {
      // Asked at every notification made: compiled once.
      const [subscribed] = await shapes.all('subscribed', (slot) => db.selectFrom('push_subscriptions').select('id').where('user_id', '=', slot<number>('user')).limit(1), { user: userId })
      if (!subscribed) return
      // Keyed by entry: five likes in a row while the job waits are one push of the grown group.
      await deps.queue.enqueue(PUSH_JOB, { userId, batchId }, { key: `push:${userId}:${batchId}` })
    },

    /**
     * Send one entry to each of the member's browsers, read back as the member may see it now (a post deleted or
     * hidden since, a member blocked since: nothing is sent). Gone subscriptions (404, 410) are dropped; a push
     * service that is down or busy makes the job try again.
     */
    async send(userId: number, batchId: number): Promise<{ sent: number; dropped: number }> {
      if (!(await db.selectFrom('push_subscriptions').select('id').where('user_id', '=', userId).limit(1).executeTakeFirst())) return { sent: 0, dropped: 0 }
      const [entry] = (await notifications.list(userId, { batchIds: [batchId], unread: true, limit: 1 })).items
      if (!entry) return { sent: 0, dropped: 0 }
      return service.deliver(userId, {
        title: await settings.get('site.name'),
        body: entry.text,
        url: entry.url ?? '/notifications',
        tag: `notification-${entry.id}`,
        unread: await notifications.unreadCount(userId),
      })
    },

    /**
     * Send a push that is not a notification entry (an announcement, a re-engagement reminder) to each of the
     * member's browsers: the caller has checked their choice. Throws (so its job retries) like `send`.
     * @example await s.push.deliver(userId, { title: 'Lakeside', body: 'We miss you', url: '/', tag: 'reengage-3', unread: 0 })
     */
    async deliver(userId: number, payload: PushPayload): Promise<{ sent: number; dropped: number }> {
      const subs = await db.selectFrom('push_subscriptions').selectAll().where('user_id', '=', userId).execute()
      if (!subs.length) return { sent: 0, dropped: 0 }
      const keys = await vapid()
      const subject = await contact()
      let sent = 0
      let dropped = 0
      let retry: Error | null = null
      const services = await settings.get('push.services')
      for (const sub of subs) {
        if (endpointProblem(sub.endpoint, services)) {
          // The operator stopped allowing its push service since it subscribed.
          await db.deleteFrom('push_subscriptions').where('id', '=', sub.id).execute()
          dropped++
          continue
        }
        const req = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, JSON.stringify(payload), {
          vapidDetails: { subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
          TTL: TTL_SECONDS,
          urgency: 'normal',
          contentEncoding: 'aes128gcm',
        })
        let status: number
        try {
          const res = await fetch(req.endpoint, { method: req.method, headers: req.headers as Record<string, string>, body: new Uint8Array(req.body as Buffer), signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' })
          status = res.status
          await res.body?.cancel()
        } catch (err) {
          retry = err as Error
          continue
        }
        if (status === 404 || status === 410) {
          await db.deleteFrom('push_subscriptions').where('id', '=', sub.id).execute()
          dropped++
        } else if (status >= 200 && status < 300) {
          await db.updateTable('push_subscriptions').set({ last_sent_at: now() }).where('id', '=', sub.id).execute()
          sent++
        } else if (status === 429 || status >= 500) {
          retry = new Error(`The push service answered ${status}.`)
        } else {
          log.warn({ userId, subscription: sub.id, status }, 'a push service refused a push')
        }
      }
      // Retrying repeats the pushes that went through: a browser shows one notification per tag, so it is replaced, not doubled.
      if (retry && sent === 0) throw retry
      return { sent, dropped }
    },
  }
  return service
}
