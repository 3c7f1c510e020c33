// Each member's own topic `messages:user:ID`, joined by every page they have open: it rings them for calls on every
// tab, carries "a message for you" so their client can say it was delivered, and makes them online while any tab is
// open. Last seen follows "Show last seen" both ways: a member who hides theirs sees nobody's.
import { Hono } from 'hono'
import { sql } from 'kysely'
import { z } from 'zod'
import type { AppEnv, PluginDb, Topic, Viewer } from '../../core/plugins/api.js'
import type { MessagesContext } from './plugin.js'
import { membersOf, own, standingIn } from './queries.js'
import { topicId, type MessageView } from './service.js'

export const userTopicId = (userId: number) => `messages:user:${userId}` as const

/** How often a page says it is still open (the client sends `{ alive: true }`); last seen is written at most this often. */
export const ALIVE_MS = 60_000
const WRITE_EVERY_MS = 30_000

/** What the thread's header shows about the other member of a direct conversation. */
export interface PresenceView {
  online: boolean
  /** When they were last online (to the minute or so); null if never seen. */
  last_seen_at: string | null
}

export const aliveInput = z.union([
  z.object({ alive: z.literal(true) }).strict(),
  z.object({ delivered: z.number().int().positive(), conversation: z.number().int().positive() }).strict(),
])

export type Presence = ReturnType<typeof createPresence>

export function createPresence(ctx: MessagesContext, conv: () => Topic<'messages:conv'>) {
  const db: PluginDb = ctx.db
  const written = new Map<number, number>()

  const users = ctx.realtime.topic('messages:user', {
    // Only the member themselves: a topic id of someone else answers like a missing topic.
    authorize: (viewer, id) => id === userTopicId(viewer.id),
    // Online while any of their pages is in it.
    presence: true,
    accept: aliveInput,
    onMessage: async (c, _id, m) => {
      if ('alive' in m) await presence.alive(c.viewer)
      else await presence.delivered(c.viewer, m.conversation, m.delivered)
    },
  })

  /** Publish the newest delivered id of a member in a direct conversation to the other member's open threads. */
  async function tellDelivered(conversationId: number, userId: number, messageId: number) {
    const s = await standingIn(db, userId, conversationId)
    if (s && s.c.kind === 'direct' && s.p.request === 'none') conv().publish(topicId(conversationId), 'delivered', { userId, messageId }, { except: userId })
  }

  const presence = {
    users,
    /**
     * Whether the member has a page open: core's answer, which every thread knows (the pages' sockets are on the main
     * thread; a member's every page joins their `messages:user` topic, so it is the same answer), so the thread page
     * may be served by any thread.
     */
    online: (userId: number) => ctx.realtime.isOnline(userId),

    /**
     * A page of theirs is open: note the time (at most every 30 s), and everything sent to them while they were away
     * has now reached their client (delivered), in every direct conversation where they are in and not a request. The
     * catch-up reads only conversations whose latest message is past their marker.
     */
    async alive(viewer: Viewer) {
      const now = Date.now()
      if (now - (written.get(viewer.id) ?? 0) >= WRITE_EVERY_MS) {
        written.set(viewer.id, now)
        const at = new Date(now).toISOString()
        await own(db)
          .insertInto('messages_prefs')
          .values({ user_id: viewer.id, last_seen_at: at })
          .onConflict((oc) => oc.column('user_id').doUpdateSet({ last_seen_at: at }))
          .execute()
      }
      const behind = await own(db)
        .selectFrom('messages_participants as p')
        .innerJoin('messages_conversations as c', 'c.id', 'p.conversation_id')
        .select(['p.conversation_id', 'c.last_message_id'])
        .where('p.user_id', '=', viewer.id)
        .where('p.state', '=', 'active')
        .where('p.request', '=', 'none')
        .where('c.kind', '=', 'direct')
        .where(sql<boolean>`c.last_message_id > p.last_delivered_id`)
        .execute()
      for (const r of behind) await presence.delivered(viewer, r.conversation_id, r.last_message_id!)
    },

    /** Their client received messages up to `messageId` in a conversation: move their one marker forward and tell the other member. */
    async delivered(viewer: Viewer, conversationId: number, messageId: number) {
      const s = await standingIn(db, viewer.id, conversationId)
      // A request's recipient says nothing, exactly like one who declined or never looked.
      if (!s || s.p.state !== 'active' || s.p.request !== 'none' || messageId <= s.p.last_delivered_id) return
      const to = Math.min(messageId, s.c.last_message_id ?? 0)
      if (to <= s.p.last_delivered_id) return
      await own(db)
        .updateTable('messages_participants')
        .set({ last_delivered_id: to })
        .where('conversation_id', '=', conversationId)
        .where('user_id', '=', viewer.id)
        .where('last_delivered_id', '<', to)
        .execute()
      await tellDelivered(conversationId, viewer.id, to)
    },

    /**
     * A message was sent: the other member's pages hear of it (once per page), so their client can say it arrived. Direct
     * conversations only: "Delivered" is shown there alone, and in a group of 1,000 each message would otherwise
     * bring back 1,000 answers.
     */
    async sent(message: MessageView, kind: 'direct' | 'group') {
      if (kind !== 'direct') return
      const members = await membersOf(db, [message.conversation_id])
      for (const m of members) {
        if (m.user_id === message.sender?.id || m.state !== 'active' || m.request !== 'none') continue
        users.publish(userTopicId(m.user_id), 'delivery', { conversationId: message.conversation_id, messageId: message.id })
      }
    },

    /**
     * The other member of a direct conversation as its header shows them, or null: for groups, for a request not
     * accepted on either side, and when either of the two hides their last seen (it is mutual).
     */
    async of(viewer: Viewer, conversationId: number): Promise<PresenceView | null> {
      const s = await standingIn(db, viewer.id, conversationId)
      if (!s || s.c.kind !== 'direct' || s.p.request !== 'none') return null
      const other = (await membersOf(db, [conversationId])).find((m) => m.user_id !== viewer.id)
      if (!other || other.request !== 'none') return null
      const [mine, theirs] = await Promise.all([ctx.core.social.privacy(viewer.id), ctx.core.social.privacy(other.user_id)])
      if (!mine.show_last_seen || !theirs.show_last_seen) return null
      const row = await own(db).selectFrom('messages_prefs').select('last_seen_at').where('user_id', '=', other.user_id).executeTakeFirst()
      return { online: presence.online(other.user_id), last_seen_at: row?.last_seen_at ?? null }
    },
  }
  return presence
}

/** "Active now", "Active 5 min ago", "Active 3 h ago", "Active 2 d ago", or null when there is nothing to say. */
export function presenceText(p: PresenceView | null, now = Date.now()): string | null {
  if (!p) return null
  if (p.online) return 'Active now'
  if (!p.last_seen_at) return null
  const s = Math.max(0, Math.round((now - Date.parse(p.last_seen_at)) / 1000))
  if (s < 120) return 'Active 1 min ago'
  if (s < 3600) return `Active ${Math.floor(s / 60)} min ago`
  if (s < 86400) return `Active ${Math.floor(s / 3600)} h ago`
  if (s < 30 * 86400) return `Active ${Math.floor(s / 86400)} d ago`
  return null
}

/** The presence API: the other member of a direct conversation, as its header shows them. */
export function presenceRoutes(ctx: MessagesContext, presence: Presence) {
  const app = new Hono<AppEnv>()
  app.get('/api/v1/messages/conversations/:id/presence', ctx.http.requireMember, async (c) => {
    const viewer = ctx.http.viewer(c)!
    const id = ctx.http.id(c)
    // Hidden or missing conversations answer 404 first, like every other path.
    if (!(await standingIn(ctx.db, viewer.id, id))) throw ctx.http.error(404, 'NOT_FOUND', 'That conversation does not exist.')
    const p = await presence.of(viewer, id)
    return ctx.http.json(c, p ? { ...p, text: presenceText(p) } : null)
  })
  return app
}
