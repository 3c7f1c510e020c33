// The messages service: every rule of who may write to whom, conversations, membership, sending, editing, unsending
// and reading, shared by the pages, the API and the realtime topic. Routes only translate requests into these calls.
import { sql } from 'kysely'
import { z } from 'zod'
import { displayName, extractMentions, renderText, safeName, type MediaInfo, type Page, type PluginDb, type PublicUser, type Topic, type Viewer } from '../../core/plugins/api.js'
import { attachmentViews, deleteMessageFiles, type AttachmentView } from './attachments.js'
import { eraseBody, readBodies, replaceBody, storeBody } from './bodies.js'
import { callSentence } from './call-text.js'
import { clientIdInput, optionalText, replyToInput } from './inputs.js'
import { shareable, shareInput, sharesFor, storeShare, type ShareView } from './shares.js'
import { changesSince, recordChange } from './changes.js'
import { enqueueFanOut, pushCounts as pushCountsOf } from './fanout.js'
import { giftsFor, isGift, type GiftView } from './gifts.js'
import { disappearInput, disappearLabel, enqueuePurge, expiryOf } from './disappearing.js'
import { reactionsOf, toggleReaction, type ReactionSummary } from './reactions.js'
import type { MessagesContext } from './plugin.js'
import {
  activeMemberIds,
  byClientId,
  countsIn,
  directBetween,
  directKey,
  inbox,
  insertMessage,
  memberCounts,
  membersOf,
  membersShown,
  messagesByIds,
  messagesIn,
  own,
  readReceiptsOn,
  recount,
  setReadReceipts,
  standingIn,
  storeMessage,
  unreadCounts,
  type Folder,
  type MemberLine,
  type MessageLine,
} from './queries.js'
import type { Conversation, MessageKind, Participant } from './tables.js'

/** How long after sending a message its sender may still edit it. */
export const EDIT_WINDOW_MS = 15 * 60_000
/** Members a list (the inbox, a thread's header) shows of a group: the first ones by joining; its count says the rest. */
export const MEMBERS_SHOWN = 20
import { TEXT_MAX } from './inputs.js'
export { TEXT_MAX }

export const topicId = (conversationId: number) => `messages:conv:${conversationId}` as const

export const messageText = z
  .string({ error: 'Write a message.' })
  .transform((s) => s.replace(/\r\n/g, '\n').trim())
  .pipe(z.string().min(1, 'Write a message.').max(TEXT_MAX, `Messages are at most ${TEXT_MAX} characters.`))
export const sendInput = z.object({
  /** The text; may be empty when the message shares something. */
  text: optionalText.optional(),
  share: shareInput.optional().nullable(),
  client_id: clientIdInput,
  reply_to: replyToInput,
  /** This message's own disappearing timer (seconds, one of DISAPPEAR_MESSAGE_SECONDS); else the conversation's. */
  disappear_seconds: disappearInput.optional(),
}).refine((m) => !!m.text || !!m.share, { message: 'Write a message.', path: ['text'] })
/** A member's role in a group, as its owner sets it. */
export const roleInput = z.object({ role: z.enum(['admin', 'member'], { error: 'The role is admin or member.' }) })
export const groupName = safeName({ label: 'Group names', min: 1, max: 80 })

/** A member as a conversation shows them. */
export interface MemberView {
  id: number
  username: string
  display_name: string
  role: MemberLine['role']
}

/** A message as a member sees it (the API object, and what the thread draws). */
export interface MessageView {
  id: number
  conversation_id: number
  sender: { id: number; username: string; display_name: string } | null
  kind: MessageLine['kind']
  /** The text; null once unsent (and for system lines, see `event`). */
  text: string | null
  /** The text as safe HTML: escaped, links and mentions of members of the conversation made into anchors. */
  html: string | null
  reply_to: { id: number; sender: string | null; text: string | null; unsent: boolean } | null
  /** A system line's event ({ type: 'created' | 'added' | 'removed' | 'left' | 'renamed', ... }) and its sentence. */
  event: Record<string, unknown> | null
  /** A post, profile or story it shares, as this reader may see it (`card` null: unavailable to them). */
  share: ShareView | null
  client_id: string | null
  created_at: string
  edited_at: string | null
  unsent: boolean
  /** When it disappears (a disappearing timer), or null. */
  expires_at: string | null
  /** Reactions under it: each emoji with its count and whether the reader chose it. */
  reactions: ReactionSummary[]
  /** Photos, videos, files and a voice note (attachments.ts); empty for text and once unsent. */
  attachments: AttachmentView[]
  /** A gift sent in the message (with the coins plugin; gifts.ts), its note being the text; else null. */
  gift: GiftView | null
}

/** What a message with attachments adds to a send: its kind, what the notification says, and how its items are stored. */
export interface SendExtra {
  kind: MessageKind
  /** "a photo", "2 files", "a voice message": notifications say this, never the content. */
  what: string
  store: (trx: PluginDb, messageId: number) => Promise<void>
}

export interface ConversationView {
  id: number
  kind: Conversation['kind']
  /** A group's name; null for a direct conversation. */
  name: string | null
  /** What to call it: the group's name, or the other member's name. */
  title: string
  /** Active members: all of them from `get`, the first MEMBERS_SHOWN (and you) in lists and `get(…, { shown: true })`. */
  members: MemberView[]
  /** How many active members the conversation has. */
  member_count: number
  me: { role: Participant['role']; state: Participant['state']; request: Participant['request']; muted: boolean; archived: boolean; pinned: boolean; last_read_id: number }
  unread: number
  last_message: MessageView | null
  /** Direct conversations only: the newest message of yours the other has read, when both send read receipts. */
  seen_id: number | null
  /** The disappearing timer of new messages (seconds), or null when off. */
  disappear_seconds: number | null
  /** Direct conversations only: the newest message the other member's client received ("Delivered"). */
  delivered_id: number | null
  /**
   * What the conversation shows beside its title: a group's picture once processed (its address answers members only),
   * or in a direct conversation the other member's profile picture as their profile shows it to the viewer (`media_id`
   * null: it is theirs, not the conversation's); null without one.
   */
  picture: { media_id: number | null; url: string } | null
}

/** A group picture as conversations show it: the small variant once processed. */
function pictureOf(info: MediaInfo | null): ConversationView['picture'] {
  if (!info || info.status !== 'ready') return null
  const url = info.urls['640'] ?? info.urls['1080'] ?? info.urls.original
  return url ? { media_id: info.id, url } : null
}

/** One durable event as `replay` answers it. */
export type ReplayEvent =
  | { seq: number; event: 'message' | 'edited'; data: MessageView }
  | { seq: number; event: 'unsent'; data: { id: number } }
  | { seq: number; event: 'reactions'; data: { id: number; reactions: ReactionSummary[] } }
  | { seq: number; event: 'disappeared'; data: { ids: number[] } }

export type MessagesService = ReturnType<typeof createMessagesService>

export function createMessagesService(ctx: MessagesContext, conv: () => Topic<'messages:conv'>) {
  const db: PluginDb = ctx.db
  const notFound = () => ctx.http.error(404, 'NOT_FOUND', 'That conversation does not exist.')
  const memberMissing = () => ctx.http.error(404, 'NOT_FOUND', 'That member does not exist.')
  const messageMissing = () => ctx.http.error(404, 'NOT_FOUND', 'That message does not exist.')

  /** The viewer's standing in a conversation they may see; NOT_FOUND otherwise (hidden equals missing). */
  async function standing(viewer: Viewer, id: number) {
    const s = await standingIn(db, viewer.id, id)
    if (!s) throw notFound()
    return s
  }

  /** As `standing`, and still in it (not left or removed). */
  async function activeStanding(viewer: Viewer, id: number) {
    const s = await standing(viewer, id)
    if (s.p.state !== 'active') throw ctx.http.error(403, 'FORBIDDEN', 'You are no longer in this conversation.')
    return s
  }

  /** A member others may add or write to: exists, not suspended, not blocked either way; else like a missing one. */
  async function reachable(viewer: Viewer, who: number | string) {
    const user = await ctx.core.users.find(who)
    if (!user || (await ctx.core.social.blockedEitherWay(viewer.id, user.id))) throw memberMissing()
    const active = await db.selectFrom('users').select('id').where('id', '=', user.id).where('suspended_at', 'is', null).executeTakeFirst()
    if (!active) throw memberMissing()
    return user
  }

  function systemSentence(event: Record<string, unknown>, actor: string | null): string {
    const who = actor ?? 'Someone'
    const user = typeof event.name_of_user === 'string' ? event.name_of_user : 'someone'
    switch (event.type) {
      case 'created':
        return `${who} created the group`
      case 'added':
        return `${who} added ${user}`
      case 'removed':
        return `${who} removed ${user}`
      case 'left':
        return `${who} left`
      case 'renamed':
        return `${who} named the group “${String(event.name ?? '')}”`
      case 'role':
        return event.role === 'admin' ? `${who} made ${user} an admin` : `${who} removed ${user} as an admin`
      case 'picture':
        return event.removed ? `${who} removed the group picture` : `${who} changed the group picture`
      case 'timer':
        return typeof event.seconds === 'number' ? `${who} set disappearing messages to ${disappearLabel(event.seconds)}` : `${who} turned off disappearing messages`
      case 'call':
        return callSentence(event)
      default:
        return ''
    }
  }

  /**
   * Message lines (of one conversation or several) as the viewer sees them, in three queries whatever their number:
   * bodies read through bodies.ts, reply targets only if visible to them, mentions of each conversation's members
   * (`mentionableIn`, or else looked up for the names the texts mention: never a 1,000-member list for one message).
   */
  async function views(viewer: Viewer, lines: MessageLine[], mentionableIn?: (conversationId: number) => Set<string>): Promise<MessageView[]> {
    const replyIds = [...new Set(lines.map((l) => l.reply_to_id).filter((id): id is number => id !== null))]
    // A reply's target was checked to be in its conversation when it was sent.
    const targets = await messagesByIds(db, viewer.id, null, replyIds)
    const bodies = await readBodies(db, [...lines.map((l) => l.id), ...targets.keys()])
    mentionableIn ??= await mentionedMembers(lines, bodies)
    const shares = await sharesFor(ctx, viewer, lines.filter((l) => !l.unsent_at && l.kind !== 'system').map((l) => l.id))
    const items = await attachmentViews(ctx, lines.filter((l) => !l.unsent_at && l.kind !== 'text' && l.kind !== 'system'))
    const reactions = await reactionsOf(db, lines.map((l) => l.id))
    const gifts = await giftsFor(ctx, lines.filter((l) => l.kind === 'text' && !l.unsent_at).map((l) => l.id))
    return lines.map((l) => {
      const text = l.unsent_at || l.kind === 'system' ? null : (bodies.get(l.id) ?? null)
      const target = l.reply_to_id !== null ? targets.get(l.reply_to_id) : undefined
      const event = l.event ? (JSON.parse(l.event) as Record<string, unknown>) : null
      return {
        id: l.id,
        conversation_id: l.conversation_id,
        sender: l.sender_id !== null && l.username ? { id: l.sender_id, username: l.username, display_name: displayName({ display_name: l.display_name, username: l.username }) } : null,
        kind: l.kind,
        text: event ? systemSentence(event, l.display_name) : text,
        html: event ? null : text === null ? null : renderText(text, mentionableIn(l.conversation_id)),
        reply_to: target
          ? { id: target.id, sender: target.display_name, text: target.unsent_at ? null : (bodies.get(target.id) ?? null), unsent: target.unsent_at !== null }
          : null,
        event,
        share: shares.get(l.id) ?? null,
        client_id: l.client_id,
        created_at: l.created_at,
        edited_at: l.edited_at,
        unsent: l.unsent_at !== null,
        attachments: items.get(l.id) ?? [],
        expires_at: l.expires_at,
        reactions: l.unsent_at ? [] : (reactions.get(l.id) ?? []),
        gift: gifts.get(l.id) ?? null,
      }
    })
  }

  /** Of the names these messages mention, those of members (present and past) of the message's conversation. */
  async function mentionedMembers(lines: MessageLine[], bodies: Map<number, string>) {
    const names = new Set(lines.flatMap((l) => (l.kind === 'system' || l.unsent_at ? [] : extractMentions(bodies.get(l.id) ?? ''))))
    if (names.size === 0) return () => new Set<string>()
    const members = await own(db)
      .selectFrom('messages_participants as p')
      .innerJoin('users', 'users.id', 'p.user_id')
      .select(['p.conversation_id', 'users.username'])
      .where('p.conversation_id', 'in', [...new Set(lines.map((l) => l.conversation_id))])
      .where(sql<string>`lower(users.username)`, 'in', [...names])
      .execute()
    const by = new Map<number, Set<string>>()
    for (const m of members) by.set(m.conversation_id, (by.get(m.conversation_id) ?? new Set()).add(m.username.toLowerCase()))
    return (conversationId: number) => by.get(conversationId) ?? new Set<string>()
  }

  /** Who may be linked as a mention in each conversation: its members, present and past (lower-cased usernames). */
  const mentionableOf = (members: MemberLine[]) => {
    const by = new Map<number, Set<string>>()
    for (const m of members) {
      if (!by.has(m.conversation_id)) by.set(m.conversation_id, new Set())
      by.get(m.conversation_id)!.add(m.username.toLowerCase())
    }
    return (conversationId: number) => by.get(conversationId) ?? new Set<string>()
  }

  const memberView = (m: MemberLine): MemberView => ({ id: m.user_id, username: m.username, display_name: m.display_name, role: m.role })

  /** Conversation objects for the viewer, in one query per kind of thing (members, last messages), never per row. */
  async function conversationViews(
    viewer: Viewer,
    rows: { c: Pick<Conversation, 'id' | 'kind' | 'name' | 'disappear_seconds' | 'picture_media_id'>; p: Pick<Participant, 'role' | 'state' | 'request' | 'muted' | 'archived' | 'pinned' | 'last_read_id'>; unread: number; last_id: number | null }[],
    options: { allMembers?: boolean } = {},
  ) {
    const ids = rows.map((r) => r.c.id)
    // A list (the inbox, a thread's header) shows a group's first members and its count; the whole list is asked for.
    const members = options.allMembers ? await membersOf(db, ids) : await membersShown(db, viewer.id, ids, MEMBERS_SHOWN)
    const counts = await memberCounts(db, ids)
    const mine = await readReceiptsOn(db, viewer.id)
    const lastIds = rows.map((r) => r.last_id).filter((id): id is number => id !== null)
    // Mentions in the last messages are looked up by name (views), as the members listed may not hold them all.
    const lasts = new Map((await views(viewer, [...(await messagesByIds(db, viewer.id, null, lastIds)).values()], options.allMembers ? mentionableOf(members) : undefined)).map((m) => [m.id, m]))
    const out: ConversationView[] = []
    // One look-up per group with a picture (core's media info), as attachment views do; the other members of direct
    // conversations in one (core's rule of profile pictures: audience, blocks, suspension).
    const pictures = new Map<number, ConversationView['picture']>()
    for (const r of rows) if (r.c.kind === 'group' && r.c.picture_media_id !== null) pictures.set(r.c.id, pictureOf(await ctx.core.media.info(r.c.picture_media_id)))
    const otherOf = new Map(rows.filter((r) => r.c.kind === 'direct').map((r) => [r.c.id, members.find((m) => m.conversation_id === r.c.id && m.user_id !== viewer.id)?.user_id]))
    const avatars = await ctx.core.social.avatars(viewer.id, [...otherOf.values()].filter((id): id is number => id !== undefined))
    for (const [id, other] of otherOf) {
      const url = other !== undefined ? avatars.get(other) : null
      if (url) pictures.set(id, { media_id: null, url })
    }
    for (const r of rows) {
      const all = members.filter((m) => m.conversation_id === r.c.id)
      const others = all.filter((m) => m.user_id !== viewer.id)
      const other = r.c.kind === 'direct' ? others[0] : undefined
      const seenBy = other && mine && other.read_receipts === 1 && other.request === 'none' ? other.last_read_id : null
      out.push({
        id: r.c.id,
        kind: r.c.kind,
        name: r.c.kind === 'group' ? r.c.name : null,
        title: r.c.kind === 'group' ? (r.c.name ?? 'Group') : (other?.display_name ?? 'Conversation'),
        members: all.filter((m) => m.state === 'active').map(memberView),
        member_count: counts.get(r.c.id) ?? 0,
        me: { role: r.p.role, state: r.p.state, request: r.p.request, muted: r.p.muted === 1, archived: r.p.archived === 1, pinned: r.p.pinned === 1, last_read_id: r.p.last_read_id },
        unread: r.unread,
        last_message: r.last_id !== null ? (lasts.get(r.last_id) ?? null) : null,
        seen_id: seenBy,
        disappear_seconds: r.c.disappear_seconds,
        delivered_id: other && other.request === 'none' ? other.last_delivered_id : null,
        picture: pictures.get(r.c.id) ?? null,
      })
    }
    return out
  }

  const pushCounts = (userId: number) => pushCountsOf(ctx, userId)

  const pageCounts = new WeakMap<Viewer, Promise<{ conversations: number; requests: number }>>()

  /** Told of every new message once it is stored and published (delivery receipts, presence.ts). */
  const sentListeners: ((message: MessageView, kind: Conversation['kind']) => Promise<void>)[] = []

  const service = {
    standing,
    /** The conversations' topic (`messages:conv:ID`), for the events of attachments. */
    topic: conv,

    onSent(fn: (message: MessageView, kind: Conversation['kind']) => Promise<void>) {
      sentListeners.push(fn)
    },

    async inbox(viewer: Viewer, folder: Folder, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<ConversationView>> {
      const page = await inbox(db, viewer.id, folder, { cursor: options.cursor, limit: options.limit ?? 30 })
      const items = await conversationViews(
        viewer,
        page.items.map((r) => ({ c: r, p: r, unread: r.unread, last_id: r.last_id })),
      )
      return { items, nextCursor: page.nextCursor }
    },

    unreadCounts: (viewer: Viewer) => unreadCounts(db, viewer.id),

    /**
     * The viewer's counts for the page being drawn (the inbox's Requests link), kept for the same request's nav badge
     * (`navCounts`), so one page reads them once. Keyed by the request's viewer object, so nothing outlives it.
     */
    pageCounts(viewer: Viewer) {
      const counts = pageCounts.get(viewer) ?? unreadCounts(db, viewer.id)
      pageCounts.set(viewer, counts)
      return counts
    },
    /** The nav badge's counts: those the page already read in this request (then forgotten), else read now. */
    navCounts(viewer: Viewer) {
      const counts = pageCounts.get(viewer)
      pageCounts.delete(viewer)
      return counts ?? unreadCounts(db, viewer.id)
    },

    /** One conversation as the viewer sees it: with every active member, or (`shown`) as lists show it. */
    async get(viewer: Viewer, id: number, options: { shown?: boolean } = {}): Promise<ConversationView> {
      const { c, p } = await standing(viewer, id)
      const counts = await countsIn(db, viewer.id, id)
      const [view] = await conversationViews(viewer, [{ c, p, ...counts }], { allMembers: !options.shown })
      return view!
    },

    /** A page of a conversation's messages, newest first. */
    async messages(viewer: Viewer, id: number, options: { cursor?: string | null; limit?: number; afterId?: number } = {}): Promise<Page<MessageView>> {
      await standing(viewer, id)
      const page = await messagesIn(db, viewer.id, id, { cursor: options.cursor, limit: options.limit ?? 30, afterId: options.afterId })
      return { items: await views(viewer, page.items), nextCursor: page.nextCursor }
    },

    /** One message the viewer may see. */
    async message(viewer: Viewer, id: number, messageId: number): Promise<MessageView> {
      await standing(viewer, id)
      const line = (await messagesByIds(db, viewer.id, id, [messageId])).get(messageId)
      if (!line) throw messageMissing()
      return (await views(viewer, [line]))[0]!
    },

    /**
     * The direct conversation with a member, made if need be. When the recipient's "Who can message you" does not let
     * the viewer in, it lands in their requests. A blocked, suspended or unknown member answers like a missing one.
     */
    async direct(viewer: Viewer, who: number | string): Promise<{ id: number; created: boolean }> {
      const other = await reachable(viewer, who)
      if (other.id === viewer.id) throw ctx.http.error(400, 'VALIDATION_FAILED', 'You cannot message yourself.', { fields: { user: 'You cannot message yourself.' } })
      const existing = await directBetween(db, viewer.id, other.id)
      if (existing !== null) {
        // Starting it again is the viewer's choice: a request they once declined is theirs again.
        await own(db).updateTable('messages_participants').set({ request: 'none' }).where('conversation_id', '=', existing).where('user_id', '=', viewer.id).where('request', '=', 'declined').execute()
        return { id: existing, created: false }
      }
      const allowed = await ctx.core.social.canMessage(viewer.id, other.id)
      const id = await db.transaction().execute(async (trx) => {
        const t = own(trx)
        const { id } = await t.insertInto('messages_conversations').values({ kind: 'direct', direct_key: directKey(viewer.id, other.id), created_by: viewer.id }).returning('id').executeTakeFirstOrThrow()
        await t
          .insertInto('messages_participants')
          .values([
            { conversation_id: id, user_id: viewer.id, role: 'member', request: 'none' },
            { conversation_id: id, user_id: other.id, role: 'member', request: allowed ? 'none' : 'pending' },
          ])
          .execute()
        return id
      })
      return { id, created: true }
    },

    /** A group with the viewer as owner and these members (each must be reachable; the size cap applies). */
    async createGroup(viewer: Viewer, input: { name: string; members: (number | string)[] }): Promise<number> {
      const max = await ctx.settings.get('max_group_members')
      const people: PublicUser[] = []
      for (const who of new Set(input.members)) {
        const u = await reachable(viewer, who)
        if (u.id !== viewer.id && !people.some((p) => p.id === u.id)) people.push(u)
      }
      if (people.length + 1 > max) throw ctx.http.error(400, 'VALIDATION_FAILED', `A group holds at most ${max} members.`, { fields: { members: `A group holds at most ${max} members.` } })
      const requests = new Map<number, boolean>()
      for (const u of people) requests.set(u.id, await ctx.core.social.canMessage(viewer.id, u.id))
      const id = await db.transaction().execute(async (trx) => {
        const t = own(trx)
        const { id } = await t.insertInto('messages_conversations').values({ kind: 'group', name: input.name, created_by: viewer.id }).returning('id').executeTakeFirstOrThrow()
        await t.insertInto('messages_participants').values({ conversation_id: id, user_id: viewer.id, role: 'owner' }).execute()
        for (const u of people) await t.insertInto('messages_participants').values({ conversation_id: id, user_id: u.id, role: 'member', request: requests.get(u.id) ? 'none' : 'pending' }).execute()
        await insertMessage(trx, { conversation_id: id, sender_id: viewer.id, kind: 'system', event: JSON.stringify({ type: 'created' }) })
        return id
      })
      return id
    },

    /**
     * Send a message: text, or with `extra` photos, videos, files or a voice note (attachments.ts) and an optional
     * caption. A retry with the same `client_id` answers the message already stored (`created: false`). The recipient
     * of a request who writes back accepts it.
     */
    async send(viewer: Viewer, id: number, input: z.output<typeof sendInput>, options: { quiet?: boolean; unlimited?: boolean; policy?: false; extra?: SendExtra } = {}): Promise<{ message: MessageView; created: boolean }> {
      const extra = options.extra
      const { c, p } = await activeStanding(viewer, id)
      if (input.client_id) {
        const done = await byClientId(db, id, viewer.id, input.client_id)
        if (done !== null) return { message: await service.message(viewer, id, done), created: false }
      }
      if (c.kind === 'direct') {
        const other = (await membersOf(db, [id])).find((m) => m.user_id !== viewer.id)
        if (!other) throw notFound()
      }
      if (input.share) await shareable(ctx, viewer, input.share)
      if (input.reply_to) {
        const target = (await messagesByIds(db, viewer.id, id, [input.reply_to])).get(input.reply_to)
        if (!target || target.kind === 'system') throw ctx.http.error(400, 'VALIDATION_FAILED', 'The message you reply to is not in this conversation.', { fields: { reply_to: 'The message you reply to is not in this conversation.' } })
      }
      // The operator's rules on writing (decision 038): a refusal stores nothing; a flag files a report once stored. A
      // gift's note is not refused here: its coins are spent already.
      const checked = input.text && options.policy !== false ? { surface: 'message', authorId: viewer.id, text: input.text } : null
      const verdict = checked ? await ctx.core.policy.enforce(checked) : null
      // A scheduled message was counted when it was written (many fall due at once after a restart); a gift's coins
      // are spent already, under coins' own daily limit.
      if (!options.unlimited) {
        const perMinute = await ctx.settings.get('sends_per_minute')
        ctx.core.limits.hit(`send:user:${viewer.id}`, { limit: perMinute, windowSeconds: 60, message: (s) => `You are sending messages too fast. Wait ${s} s.` })
      }
      const expiresAt = expiryOf(new Date(), input.disappear_seconds ?? c.disappear_seconds)
      let messageId: number
      try {
        messageId = await db.transaction().execute(async (trx) => {
          const { id: mid, turned, untold } = await storeMessage(trx, { conversation_id: id, sender_id: viewer.id, kind: extra?.kind ?? 'text', client_id: input.client_id ?? null, reply_to_id: input.reply_to ?? null, expires_at: expiresAt })
          if (!extra || input.text) await storeBody(trx, mid, input.text ?? '')
          if (input.share) await storeShare(trx, mid, input.share)
          if (extra) await extra.store(trx, mid)
          if (expiresAt) await enqueuePurge(ctx, trx, mid, expiresAt)
          // Each member's notification and counts: a job committed with the message (a big group's send answers at once),
          // when there is anyone to tell or a badge that changed: in a busy conversation whose members were told of its
          // unread messages already, none.
          if (untold || turned.length) await enqueueFanOut(ctx, trx, { messageId: mid, what: extra?.what, quiet: options.quiet, turned })
          const t = own(trx)
          // Writing back accepts a request; a declined request comes back to the recipient's requests with the new message.
          if (p.request === 'pending') await t.updateTable('messages_participants').set({ request: 'none' }).where('conversation_id', '=', id).where('user_id', '=', viewer.id).execute()
          await t.updateTable('messages_participants').set({ request: 'pending' }).where('conversation_id', '=', id).where('user_id', '!=', viewer.id).where('request', '=', 'declined').execute()
          // Writing is reading: nothing before it is unread for the sender, and their next unread message notifies again.
          await t.updateTable('messages_participants').set({ last_read_id: mid, unread_count: 0, told: 0 }).where('conversation_id', '=', id).where('user_id', '=', viewer.id).execute()
          return mid
        })
      } catch (err) {
        // Two sends of one client id at once: the unique index kept one; answer it.
        const done = input.client_id ? await byClientId(db, id, viewer.id, input.client_id) : null
        if (done === null) throw err
        return { message: await service.message(viewer, id, done), created: false }
      }
      if (verdict) await ctx.core.policy.flagSaved(verdict, checked!, { type: 'messages.message', id: messageId })
      const message = await service.message(viewer, id, messageId)
      conv().publish(topicId(id), 'message', forEveryone(message), { durable: messageId })
      for (const fn of sentListeners) await fn(message, c.kind).catch((err) => ctx.log.warn({ err }, 'after-send listener failed'))
      return { message, created: true }
    },

    /** Change the text of one's own message within 15 minutes of sending it; it shows "edited". */
    async edit(viewer: Viewer, id: number, messageId: number, text: string): Promise<MessageView> {
      await activeStanding(viewer, id)
      const line = (await messagesByIds(db, viewer.id, id, [messageId])).get(messageId)
      if (!line) throw messageMissing()
      if (line.sender_id !== viewer.id || line.kind !== 'text') throw ctx.http.error(403, 'FORBIDDEN', 'You can edit only your own messages.')
      if (line.unsent_at) throw ctx.http.error(409, 'CONFLICT', 'That message was unsent.')
      if (await isGift(db, messageId)) throw ctx.http.error(409, 'CONFLICT', 'A gift’s note cannot be edited.')
      if (Date.now() - Date.parse(line.created_at) > EDIT_WINDOW_MS) throw ctx.http.error(409, 'CONFLICT', 'Messages can be edited for 15 minutes after sending.')
      const checked = { surface: 'message', authorId: viewer.id, text }
      const verdict = await ctx.core.policy.enforce(checked)
      const seq = await db.transaction().execute(async (trx) => {
        await replaceBody(trx, messageId, text)
        await own(trx).updateTable('messages_messages').set({ edited_at: new Date().toISOString() }).where('id', '=', messageId).execute()
        return recordChange(trx, { conversationId: id, messageIds: [messageId], kind: 'edited' })
      })
      await ctx.core.policy.flagSaved(verdict, checked, { type: 'messages.message', id: messageId })
      const message = await service.message(viewer, id, messageId)
      conv().publish(topicId(id), 'edited', forEveryone(message), { durable: seq })
      return message
    },

    /** Unsend one's own message for everyone: its text is erased; the thread keeps an "unsent" line. */
    async unsend(viewer: Viewer, id: number, messageId: number): Promise<void> {
      await activeStanding(viewer, id)
      const line = (await messagesByIds(db, viewer.id, id, [messageId])).get(messageId)
      if (!line) throw messageMissing()
      if (line.sender_id !== viewer.id || line.kind === 'system') throw ctx.http.error(403, 'FORBIDDEN', 'You can unsend only your own messages.')
      if (line.unsent_at) return
      // The coins moved and stay moved: the gift stays in the conversation (each side may delete it for themselves).
      if (await isGift(db, messageId)) throw ctx.http.error(409, 'CONFLICT', 'A gift cannot be unsent. Delete it for yourself instead.')
      const seq = await db.transaction().execute(async (trx) => {
        await eraseBody(trx, messageId)
        await own(trx).updateTable('messages_messages').set({ unsent_at: new Date().toISOString() }).where('id', '=', messageId).execute()
        await recount(trx, id, { readBelow: messageId })
        return recordChange(trx, { conversationId: id, messageIds: [messageId], kind: 'unsent' })
      })
      // Its photos, videos, files and voice note go for everyone, files and all.
      await deleteMessageFiles(ctx, [messageId])
      conv().publish(topicId(id), 'unsent', { id: messageId }, { durable: seq })
    },

    /** React to a message with one of REACTIONS, or take the reaction back (the same emoji again). Live for everyone in it. */
    async react(viewer: Viewer, id: number, messageId: number, emoji: string): Promise<MessageView> {
      const { p } = await activeStanding(viewer, id)
      if (p.request === 'pending') throw ctx.http.error(403, 'FORBIDDEN', 'Accept the request first.')
      const line = (await messagesByIds(db, viewer.id, id, [messageId])).get(messageId)
      if (!line) throw messageMissing()
      if (line.kind === 'system' || line.unsent_at) throw ctx.http.error(409, 'CONFLICT', 'You cannot react to that message.')
      const seq = await db.transaction().execute(async (trx) => {
        await toggleReaction(trx, viewer.id, messageId, emoji)
        return recordChange(trx, { conversationId: id, messageIds: [messageId], kind: 'reactions' })
      })
      const message = await service.message(viewer, id, messageId)
      conv().publish(topicId(id), 'reactions', { id: messageId, reactions: message.reactions }, { durable: seq })
      return message
    },

    /** Delete a message for oneself only: others still see it. */
    async hide(viewer: Viewer, id: number, messageId: number): Promise<void> {
      await standing(viewer, id)
      if (!(await messagesByIds(db, viewer.id, id, [messageId])).has(messageId)) throw messageMissing()
      await own(db).insertInto('messages_hidden').values({ user_id: viewer.id, message_id: messageId }).onConflict((oc) => oc.doNothing()).execute()
      await recount(db, id, { userIds: [viewer.id] })
      await pushCounts(viewer.id)
    },

    /**
     * Mark read up to a message (default: the newest the viewer may see). In a direct conversation the other member
     * hears "seen" only when both send read receipts, and never from the recipient of a request not yet accepted.
     */
    async markRead(viewer: Viewer, id: number, upTo?: number): Promise<number> {
      const { c, p } = await standing(viewer, id)
      const newest = (await messagesIn(db, viewer.id, id, { limit: 1 })).items[0]?.id ?? 0
      const to = Math.min(upTo ?? newest, newest)
      if (to <= p.last_read_id) return p.last_read_id
      await own(db).updateTable('messages_participants').set({ last_read_id: to, told: 0 }).where('conversation_id', '=', id).where('user_id', '=', viewer.id).where('last_read_id', '<', to).execute()
      await recount(db, id, { userIds: [viewer.id] })
      if (c.kind === 'direct' && p.request === 'none' && p.state === 'active') {
        const other = (await membersOf(db, [id])).find((m) => m.user_id !== viewer.id)
        if (other && other.read_receipts === 1 && (await readReceiptsOn(db, viewer.id))) conv().publish(topicId(id), 'read', { userId: viewer.id, messageId: to }, { except: viewer.id })
      }
      await pushCounts(viewer.id)
      return to
    },

    /** Accept a request: the conversation moves to the inbox, and the viewer may write back. */
    async accept(viewer: Viewer, id: number): Promise<void> {
      const { p } = await standing(viewer, id)
      if (p.request !== 'pending') return
      await own(db).updateTable('messages_participants').set({ request: 'none' }).where('conversation_id', '=', id).where('user_id', '=', viewer.id).execute()
      await pushCounts(viewer.id)
    },

    /** Delete a request: gone for the viewer, and the sender is not told (their side looks the same as before). */
    async decline(viewer: Viewer, id: number): Promise<void> {
      const { p } = await standing(viewer, id)
      if (p.request !== 'pending') throw ctx.http.error(409, 'CONFLICT', 'That conversation is not a request.')
      await own(db).updateTable('messages_participants').set({ request: 'declined' }).where('conversation_id', '=', id).where('user_id', '=', viewer.id).execute()
      conv().kick(topicId(id), viewer.id)
      await pushCounts(viewer.id)
    },

    /** Block the other member of a direct conversation (from a request or a thread): it disappears for both. */
    async block(viewer: Viewer, id: number): Promise<void> {
      const { c } = await standing(viewer, id)
      const other = (await membersOf(db, [id])).find((m) => m.user_id !== viewer.id)
      if (c.kind !== 'direct' || !other) throw ctx.http.error(409, 'CONFLICT', 'Block members from their profile.')
      await ctx.core.social.block(viewer.id, other.user_id)
    },

    /** A block anywhere takes both members out of their direct conversation's topic at once. */
    async blocked(a: number, b: number): Promise<void> {
      const id = await directBetween(db, a, b)
      if (id !== null) await conv().recheck(topicId(id))
    },

    /** Mute, archive or pin a conversation for oneself. */
    async setFlags(viewer: Viewer, id: number, flags: { muted?: boolean; archived?: boolean; pinned?: boolean }): Promise<void> {
      await standing(viewer, id)
      const set: Record<string, number> = {}
      for (const k of ['muted', 'archived', 'pinned'] as const) if (flags[k] !== undefined) set[k] = flags[k] ? 1 : 0
      if (Object.keys(set).length === 0) return
      await own(db).updateTable('messages_participants').set(set).where('conversation_id', '=', id).where('user_id', '=', viewer.id).execute()
      await pushCounts(viewer.id)
    },

    async rename(viewer: Viewer, id: number, name: string): Promise<void> {
      const { c, p } = await activeStanding(viewer, id)
      if (c.kind !== 'group') throw notFound()
      if (p.role === 'member') throw ctx.http.error(403, 'FORBIDDEN', 'Only the group’s owner and admins rename it.')
      await system(viewer, id, { type: 'renamed', name }, async (trx) => {
        await own(trx).updateTable('messages_conversations').set({ name }).where('id', '=', id).execute()
      })
    },

    /**
     * Whether the viewer may change a group's picture (its owner and admins, still in it); else an error, before a
     * picture's bytes are read.
     */
    async mayChangePicture(viewer: Viewer, id: number): Promise<void> {
      const { c, p } = await activeStanding(viewer, id)
      if (c.kind !== 'group') throw notFound()
      if (p.role === 'member') throw ctx.http.error(403, 'FORBIDDEN', 'Only the group’s owner and admins change its picture.')
    },

    /**
     * Set a group's picture (a photo uploaded through core's media by the viewer) or remove it (null); everyone is
     * told by a system line. The picture it replaces is deleted.
     */
    async setPicture(viewer: Viewer, id: number, mediaId: number | null): Promise<void> {
      await service.mayChangePicture(viewer, id)
      const { c } = await standing(viewer, id)
      if (c.picture_media_id === mediaId) return
      await system(viewer, id, { type: 'picture', removed: mediaId === null }, async (trx) => {
        await own(trx).updateTable('messages_conversations').set({ picture_media_id: mediaId }).where('id', '=', id).execute()
      })
      if (c.picture_media_id !== null) await ctx.core.media.remove(c.picture_media_id)
    },

    /** Add a member to a group (owner and admins). The size cap applies; a blocked member answers like a missing one. */
    async addMember(viewer: Viewer, id: number, who: number | string): Promise<void> {
      const { c, p } = await activeStanding(viewer, id)
      if (c.kind !== 'group') throw notFound()
      if (p.role === 'member') throw ctx.http.error(403, 'FORBIDDEN', 'Only the group’s owner and admins add members.')
      const user = await reachable(viewer, who)
      const members = await activeMemberIds(db, id)
      if (members.some((m) => m.user_id === user.id)) throw ctx.http.error(409, 'CONFLICT', 'They are in the group already.')
      const max = await ctx.settings.get('max_group_members')
      if (members.length + 1 > max) throw ctx.http.error(409, 'CONFLICT', `A group holds at most ${max} members.`)
      const request = (await ctx.core.social.canMessage(viewer.id, user.id)) ? 'none' : 'pending'
      await system(viewer, id, { type: 'added', user: user.id, name_of_user: displayName(user) }, async (trx, before, line) => {
        // They see nothing sent before they joined: from_id is the latest message before their "added" line, which
        // is their latest; nothing is unread for them yet.
        await own(trx)
          .insertInto('messages_participants')
          .values({ conversation_id: id, user_id: user.id, role: 'member', request, from_id: before, latest_id: line })
          .onConflict((oc) =>
            oc
              .columns(['conversation_id', 'user_id'])
              .doUpdateSet({ state: 'active', role: 'member', request, from_id: before, until_id: null, left_at: null, last_read_id: 0, latest_id: line, unread_count: 0, told: 0, joined_at: new Date().toISOString() }),
          )
          .execute()
      })
    },

    /** Make a member of a group an admin, or a member again (the owner only); everyone is told by a system line. */
    async setRole(viewer: Viewer, id: number, userId: number, role: 'admin' | 'member'): Promise<void> {
      const { c, p } = await activeStanding(viewer, id)
      if (c.kind !== 'group') throw notFound()
      if (p.role !== 'owner') throw ctx.http.error(403, 'FORBIDDEN', 'Only the group’s owner chooses its admins.')
      const target = (await membersOf(db, [id])).find((m) => m.user_id === userId && m.state === 'active')
      if (!target) throw memberMissing()
      if (target.role === 'owner') throw ctx.http.error(409, 'CONFLICT', 'The owner stays the owner.')
      if (target.role === role) return
      await system(viewer, id, { type: 'role', user: userId, name_of_user: target.display_name, role }, async (trx) => {
        await own(trx).updateTable('messages_participants').set({ role }).where('conversation_id', '=', id).where('user_id', '=', userId).execute()
      })
    },

    /** Remove a member (owner and admins, never the owner) or leave (anyone): they see nothing sent after. */
    async removeMember(viewer: Viewer, id: number, userId: number): Promise<void> {
      const { c, p } = await activeStanding(viewer, id)
      if (c.kind !== 'group') throw notFound()
      const members = await membersOf(db, [id])
      const target = members.find((m) => m.user_id === userId && m.state === 'active')
      if (!target) throw memberMissing()
      const leaving = userId === viewer.id
      if (!leaving && (p.role === 'member' || target.role === 'owner' || (target.role === 'admin' && p.role !== 'owner'))) throw ctx.http.error(403, 'FORBIDDEN', 'You cannot remove this member.')
      await system(viewer, id, leaving ? { type: 'left' } : { type: 'removed', user: userId, name_of_user: target.display_name }, async (trx, _before, line) => {
        const t = own(trx)
        await t
          .updateTable('messages_participants')
          .set({ state: leaving ? 'left' : 'removed', until_id: line, left_at: new Date().toISOString(), role: 'member' })
          .where('conversation_id', '=', id)
          .where('user_id', '=', userId)
          .execute()
        // An owner who leaves hands the group to the longest-standing member.
        if (target.role === 'owner') {
          const heir = members.find((m) => m.user_id !== userId && m.state === 'active')
          if (heir) await t.updateTable('messages_participants').set({ role: 'owner' }).where('conversation_id', '=', id).where('user_id', '=', heir.user_id).execute()
        }
      }, userId)
    },

    /**
     * A page of the member's shows the conversation (it joined its topic, so they are in it): what they were told of
     * is seen, and the next message that arrives while they are away tells them again.
     */
    async inView(viewer: Viewer, id: number): Promise<void> {
      await own(db).updateTable('messages_participants').set({ told: 0 }).where('conversation_id', '=', id).where('user_id', '=', viewer.id).where('told', '=', 1).execute()
    },

    /** Whether a member may be in the conversation's topic now. */
    async mayJoin(viewer: Viewer, id: number): Promise<boolean> {
      const s = await standingIn(db, viewer.id, id)
      return !!s && s.p.state === 'active'
    },

    /** Typing from a member who may write (not the recipient of a request not yet accepted). */
    async mayType(viewer: Viewer, id: number): Promise<boolean> {
      const s = await standingIn(db, viewer.id, id)
      return !!s && s.p.state === 'active' && s.p.request === 'none'
    },

    /**
     * A reply or a reaction to a story (the stories plugin's `action:stories.replied`) lands in the direct conversation
     * between the two, sharing the story (its card shows while it lasts, to whoever may see it). A member the author
     * does not let message them lands in their requests, as any first message would.
     */
    async storyReply(reply: { storyId: number; authorId: number; fromId: number; kind: 'emoji' | 'text'; text: string }): Promise<number | null> {
      const from = await ctx.core.users.find(reply.fromId)
      if (!from) return null
      const { id } = await service.direct(from, reply.authorId)
      const text = reply.kind === 'emoji' ? `Reacted ${reply.text} to your story` : reply.text
      // A quick reaction is told by the stories plugin's own grouped notification; a text reply by this message's.
      const { message } = await service.send(from, id, { text, share: { kind: 'story', ref: reply.storyId } }, { quiet: reply.kind === 'emoji' })
      return message.id
    },

    /**
     * Durable events a re-joining page missed, oldest first, each once: the messages after `afterSeq` (at most 100,
     * as they are now), then the latest edit, unsend, reactions or disappearance of each older message it had.
     */
    async replay(viewer: Viewer, id: number, afterSeq: number): Promise<ReplayEvent[]> {
      const page = await service.messages(viewer, id, { afterId: afterSeq, limit: 100 })
      const events: ReplayEvent[] = page.items.reverse().map((m) => ({ seq: m.id, event: 'message', data: m }))
      const changes = await changesSince(db, viewer.id, id, afterSeq)
      const changed = await messagesByIds(db, viewer.id, id, changes.filter((ch) => ch.kind === 'edited' || ch.kind === 'reactions').map((ch) => ch.message_id))
      const now = new Map((await views(viewer, [...changed.values()])).map((m) => [m.id, m]))
      for (const ch of changes) {
        const m = now.get(ch.message_id)
        if (ch.kind === 'unsent') events.push({ seq: ch.seq, event: 'unsent', data: { id: ch.message_id } })
        else if (ch.kind === 'disappeared') events.push({ seq: ch.seq, event: 'disappeared', data: { ids: [ch.message_id] } })
        else if (m && ch.kind === 'edited' && !m.unsent) events.push({ seq: ch.seq, event: 'edited', data: m })
        else if (m && ch.kind === 'reactions' && !m.unsent) events.push({ seq: ch.seq, event: 'reactions', data: { id: m.id, reactions: m.reactions } })
      }
      return events.sort((a, b) => a.seq - b.seq)
    },

    /** Message lines as the viewer sees them (search results across conversations). */
    async present(viewer: Viewer, lines: MessageLine[]): Promise<MessageView[]> {
      return views(viewer, lines)
    },

    /**
     * Set (or turn off, null) the conversation's disappearing timer; anyone in it may, and everyone is told by a
     * system line. Messages sent from then on disappear that long after sending; those already sent keep theirs.
     */
    async setDisappearing(viewer: Viewer, id: number, seconds: number | null): Promise<void> {
      const { c, p } = await activeStanding(viewer, id)
      if (p.request !== 'none') throw ctx.http.error(403, 'FORBIDDEN', 'Accept the request first.')
      if (c.disappear_seconds === seconds) return
      await system(viewer, id, { type: 'timer', seconds }, async (trx) => {
        await own(trx).updateTable('messages_conversations').set({ disappear_seconds: seconds }).where('id', '=', id).execute()
      })
    },

    readReceipts: (viewer: Viewer) => readReceiptsOn(db, viewer.id),
    setReadReceipts: (viewer: Viewer, on: boolean) => setReadReceipts(db, viewer.id, on),
    mentions: extractMentions,
  }

  /**
   * A message as published to a conversation's topic, where every member receives the same event: what differs by
   * reader (a shared card) is left out and marked, and each page fetches its own view of it.
   */
  function forEveryone(m: MessageView): MessageView {
    return m.share ? { ...m, share: { kind: m.share.kind, ref: m.share.ref, card: null, personal: true } } : m
  }

  /** A system line ("ana added ben") written with the change it records, then pushed to the topic. */
  async function system(viewer: Viewer, id: number, event: Record<string, unknown>, change: (trx: PluginDb, before: number, line: number) => Promise<void>, kick?: number) {
    const lineId = await db.transaction().execute(async (trx) => {
      const c = await own(trx).selectFrom('messages_conversations').select('last_message_id').where('id', '=', id).executeTakeFirstOrThrow()
      const line = await insertMessage(trx, { conversation_id: id, sender_id: viewer.id, kind: 'system', event: JSON.stringify(event) })
      await change(trx, c.last_message_id ?? 0, line)
      return line
    })
    // Out of the topic the moment their standing ends, before anything else can be published to them.
    if (kick !== undefined) conv().kick(topicId(id), kick)
    const line = (await messagesByIds(db, viewer.id, id, [lineId])).get(lineId)
    if (line) conv().publish(topicId(id), 'message', (await views(viewer, [line], () => new Set()))[0]!, { durable: lineId })
  }

  return service
}
