// Messages: direct and group conversations between members, with requests for people the recipient does not let
// in, replies, edits, unsend, read receipts and typing over one realtime topic per conversation. Rules: README.md.
import { z } from 'zod'
import { definePlugin, displayName, type IceServer, type SignalData, type Topic } from '../../core/plugins/api.js'
import type { CallEvent } from './call-text.js'
import { callRoutes, createCalls, type CallView } from './calls.js'
import { createPresence, presenceRoutes } from './presence.js'
import { attachmentViews, convertVoice, mediaViewable, MAX_ITEMS, messageOfMedia, VOICE_JOB, voiceFailed, type AttachmentView } from './attachments.js'
import { own } from './queries.js'
import { messagesRoutes } from './routes.js'
import { createDisappearing } from './disappearing.js'
import { deleteMessagesOf, exportMessages } from './data-rights.js'
import { FAN_OUT_JOB, fanOut, type FanOut } from './fanout.js'
import { GIFT_TARGET, giftSent, giftTarget } from './gifts.js'
import { releaseHolds } from './holds.js'
import { PICTURE_PATHS, pictureRoutes } from './pictures.js'
import { createReading } from './reading.js'
import type { ReactionSummary } from './reactions.js'
import { createScheduled } from './scheduled.js'
import { createSearch } from './search.js'
import { createMessagesService, type MessageView } from './service.js'
import { timeRoutes } from './time-routes.js'
import { LiveScript } from './call-views.js'
import { MessageButton, ReadReceiptsPanel, SendPostLink, UnreadScript } from './views.js'

declare module '../../core/realtime/types.js' {
  interface TopicEvents {
    'messages:conv': {
      /** A new message or system line (durable: its id is the sequence number). */
      message: MessageView
      /** Durable, like every change to a message: numbered in the sequence message ids use (changes.ts). */
      edited: MessageView
      unsent: { id: number }
      /** A message's reactions after one changed. */
      reactions: { id: number; reactions: ReactionSummary[] }
      /** Messages whose disappearing time came: gone for good. */
      disappeared: { ids: number[] }
      typing: { userId: number; name: string; typing: boolean }
      /** Direct conversations, when both members send read receipts: the other has read up to `messageId`. */
      read: { userId: number; messageId: number }
      /** A message's photos, videos or voice note changed (processed, converted, failed): its items anew. */
      attachments: { id: number; attachments: AttachmentView[] }
      /** A member opened a view-once item of message `id`. */
      opened: { id: number; attachment: number; userId: number }
      /** Direct conversations: the other member's client received messages up to `messageId` (any tab). */
      delivered: { userId: number; messageId: number }
    }
    /** A member's own topic (`messages:user:ID`), joined by each of their pages: calls ring here; "a message for you". */
    'messages:user': {
      ring: { call: CallView; iceServers: IceServer[] }
      /** A call of theirs was answered (on one of their pages: the others stop ringing) or ended. */
      call: { id: string; state: 'answered' | 'ended'; outcome?: CallEvent['outcome'] }
      /** A new message in one of their conversations: the page answers `{ delivered, conversation }`. */
      delivery: { conversationId: number; messageId: number }
    }
    /** One call (`messages:call:ID`): the two pages taking part. */
    'messages:call': {
      /** The callee answered: the caller makes the offer. */
      accepted: { id: string }
      signal: { from: number; data: SignalData }
      media: { userId: number; muted: boolean; camera: boolean }
      ended: { id: string; outcome: CallEvent['outcome']; seconds: number | null }
    }
  }
}

const messages = definePlugin({
  manifest: {
    name: 'messages',
    version: '1.0.0',
    description: 'Messages: direct and group conversations, message requests, replies, edits, unsend, typing and read receipts.',
    migrations: './migrations',
    // With stories on, a reply to a story lands in the conversation with its author (decision 030); with coins on,
    // members send gifts in direct conversations (gifts.ts).
    optionalDependsOn: ['stories', 'coins'],
    // Conversations, messages and counts are in the database, and who is online is core's answer on any thread: every
    // thread serves the pages and API reads; the calls ringing now are in the main thread's memory (primaryOnly below).
    threads: 'any',
    settings: {
      max_group_members: { type: 'number', label: 'Most members in one group conversation', default: 250, min: 3, max: 5000, integer: true },
      sends_per_minute: { type: 'number', label: 'Most messages one member may send in a minute', default: 30, min: 1, max: 1000, integer: true },
      max_file_mb: { type: 'number', label: 'Largest file or voice message sent in a message (MB)', default: 25, min: 1, max: 2048, integer: true },
      blocked_extensions: {
        type: 'string',
        label: 'File types members may not send (extensions, separated by commas)',
        default: 'exe, scr, com, bat, cmd, msi, vbs, ps1, jar',
        maxLength: 500,
      },
      call_ring_seconds: { type: 'number', label: 'How long a call rings before it counts as missed (seconds)', default: 30, min: 2, max: 120, integer: true },
    },
  },
  register(ctx) {
    // Calls ring in memory (calls.ts): the reads of them are served where they ring.
    ctx.http.primaryOnly('/api/v1/messages/calls/*')
    let conv: Topic<'messages:conv'> | null = null
    const service = createMessagesService(ctx, () => conv!)
    const reading = createReading()
    conv = ctx.realtime.topic('messages:conv', {
      authorize: (viewer, id) => {
        const n = conversationOf(id)
        return n !== null && service.mayJoin(viewer, n)
      },
      // Typing, and whether the page is in view (reading.ts: no notification for what they are reading).
      accept: z.union([z.object({ typing: z.boolean() }).strict(), z.object({ reading: z.boolean() }).strict()]),
      onMessage: async (c, id, m) => {
        const n = conversationOf(id)
        if (n === null) return
        if ('reading' in m) {
          reading.set(n, c.viewer.id, c.id, m.reading)
          if (m.reading) await service.inView(c.viewer, n)
          return
        }
        if (!(await service.mayType(c.viewer, n))) return
        conv!.publish(id, 'typing', { userId: c.viewer.id, name: displayName(c.viewer), typing: m.typing }, { except: c.viewer.id })
      },
      onLeave: (c, id) => {
        const n = conversationOf(id)
        if (n !== null) reading.left(n, c.viewer.id, c.id)
      },
      replay: async (id, viewer, after) => {
        const n = conversationOf(id)
        if (n === null) return []
        return service.replay(viewer, n, after)
      },
    })
    const disappearing = createDisappearing(ctx, () => conv!)
    // A member's data rights: what they can read goes in their export; their rows go with their account.
    ctx.hooks.on('filter:user.export', (parts, { userId }) => exportMessages(ctx.db, userId, parts))
    ctx.hooks.on('action:user.deleted', ({ userId, policy }) => deleteMessagesOf(ctx.db, userId, policy, disappearing.purgeMessages))
    const scheduled = createScheduled(ctx, service)
    // Durable: queued with each disappearing message and each scheduled one, so both happen after a restart too.
    ctx.jobs.define<{ messageId: number }>('disappear', async ({ messageId }) => void (await disappearing.purgeDue([messageId])))
    ctx.jobs.define<{ scheduledId: number }>('send-scheduled', ({ scheduledId }) => scheduled.run(scheduledId))
    // Each new message's notifications and unread counts, per member (fanout.ts). One at a time: two jobs of one
    // conversation at once could each start a notification where one grouped entry is meant.
    ctx.jobs.define<FanOut>(FAN_OUT_JOB, (job) => fanOut(ctx, job, reading))
    // A sweep behind the jobs: anything past its time whose job was lost (a restore from an older backup) goes too.
    ctx.jobs.every('*/10 * * * *', 'purge-disappeared', async () => void (await disappearing.purgeDue()))
    // Before the thread routes: /messages/search and /messages/scheduled are not conversation ids.
    ctx.routes.route('/', timeRoutes(ctx, service, scheduled, createSearch(ctx, service)))
    const presence = createPresence(ctx, () => conv!)
    const calls = createCalls(ctx, service, () => conv!, presence)
    service.onSent((m, kind) => presence.sent(m, kind))
    ctx.routes.route('/', callRoutes(ctx, calls))
    ctx.routes.route('/', presenceRoutes(ctx, presence))
    ctx.routes.route('/', messagesRoutes(ctx, service, { presence, calls }))
    // Photos, videos, files and voice notes stream in with the message (each within its limit, nothing held in memory).
    ctx.http.acceptFiles('/messages/:id', { files: MAX_ITEMS })
    ctx.http.acceptFiles('/api/v1/messages/conversations/:id/messages', { files: MAX_ITEMS })
    for (const path of PICTURE_PATHS) ctx.http.acceptFiles(path, { files: 1 })
    ctx.routes.route('/', pictureRoutes(ctx, service))
    ctx.hooks.on('filter:media.viewable', (value, { viewerId, mediaId }) => mediaViewable(ctx.db, value, viewerId, mediaId))
    /** Tell the conversation a message's items changed (a photo processed, a voice note converted). */
    const itemsChanged = async (changed: { message_id: number; conversation_id?: number } | null) => {
      if (!changed) return
      const m = await own(ctx.db).selectFrom('messages_messages').select(['id', 'conversation_id']).where('id', '=', changed.message_id).executeTakeFirst()
      if (!m) return
      conv!.publish(`messages:conv:${m.conversation_id}`, 'attachments', { id: m.id, attachments: (await attachmentViews(ctx, [m])).get(m.id) ?? [] })
    }
    ctx.hooks.on('action:media.processed', async ({ mediaId }) => itemsChanged(await messageOfMedia(ctx.db, mediaId)))
    // Voice notes: a durable job (survives a restart), as core's media processing is for pictures and video only.
    ctx.jobs.define<{ attachmentId: number }>(VOICE_JOB, async ({ attachmentId }) => itemsChanged(await convertVoice(ctx, attachmentId)), {
      maxAttempts: 2,
      onFailed: async ({ attachmentId }) => itemsChanged(await voiceFailed(ctx, attachmentId)),
    })
    const sweep = setInterval(() => void calls.sweep().catch((err) => ctx.log.error({ err }, 'call sweep failed')), 15_000)
    sweep.unref()
    ctx.onClose(async () => {
      clearInterval(sweep)
      await calls.closeAll()
    })
    ctx.assets('public')
    // Daily use: an icon in the phone's top bar beside the search box (Instagram's place for it), and in the desktop
    // sidebar after the tab bar's entries; the tab bar keeps Home, Explore, New post, Activity and Profile.
    ctx.ui.nav({ id: 'messages', label: 'Messages', href: '/messages', order: 33, icon: 'message-circle', placement: 'top', priority: 50 })
    ctx.hooks.on('filter:ui.nav-items', async (items, { viewer }) => {
      if (!viewer || !items.some((i) => i.id === 'messages')) return items
      const { conversations } = await service.navCounts(viewer)
      return conversations ? items.map((i) => (i.id === 'messages' ? { ...i, label: `Messages (${conversations})`, badge: conversations } : i)) : items
    })
    ctx.ui.slot('layout.footer', ({ viewer }) => (viewer ? UnreadScript() : null))
    // Every page of a member joins their own topic: ringing on every tab, presence, delivery receipts.
    ctx.ui.slot('layout.footer', ({ viewer }) => (viewer ? LiveScript() : null))
    // "Message" beside Follow: one click opens (or starts) the conversation; one the member may not message
    // directly lands in their requests, as from /messages/new.
    ctx.ui.slot('profile.actions', ({ profile, viewer, csrfToken }) => (viewer ? MessageButton({ username: profile.username, csrfToken }) : null))
    ctx.ui.settingsPanel({
      id: 'messages',
      label: 'Messages',
      render: async ({ viewer, csrfToken, message }) => ReadReceiptsPanel({ on: await service.readReceipts(viewer), csrf: csrfToken, message }),
      save: async ({ viewer, form }) => {
        await service.setReadReceipts(viewer, form.read_receipts === 'on')
        return 'Saved.'
      },
    })
    ctx.core.notifications.defineType('message', {
      label: 'New messages',
      group: true,
      // What was sent ("a photo", "a voice message"), never what it says or shows.
      text: (n) => {
        const what = n.count === 1 && typeof n.data.what === 'string' ? n.data.what : null
        if (n.data.group) return what ? `${n.who} sent ${what} in ${String(n.data.title)}` : `${n.who} wrote in ${String(n.data.title)}`
        return `${n.who} sent you ${what ?? (n.count > 1 ? 'messages' : 'a message')}`
      },
      url: (n) => `/messages/${Number(n.data.conversationId)}`,
    })
    ctx.core.notifications.defineType('missed_call', {
      label: 'Missed calls',
      group: true,
      // Grouped per conversation (one entry for a caller who tried again), saying what the latest was.
      text: (n) => `Missed ${n.data.video ? 'video call' : 'call'} from ${n.who}`,
      url: (n) => `/messages/${Number(n.data.conversationId)}`,
    })
    ctx.core.notifications.defineType('scheduled', {
      label: 'Scheduled messages that could not be sent',
      group: false,
      text: () => 'A message you scheduled was not sent',
      url: () => '/messages/scheduled?status=all',
    })
    // A decision on a report releases the files held for it (holds.ts).
    ctx.hooks.on('action:report.resolved', ({ reportId }) => releaseHolds(ctx, reportId))
    ctx.hooks.on('action:user.blocked', ({ blockerId, blockedId }) => service.blocked(blockerId, blockedId))
    ctx.hooks.on('action:user.blocked', ({ blockerId, blockedId }) => calls.blocked(blockerId, blockedId))
    // Replies and reactions to a story arrive in the conversation with its author, with the story's card while it lasts.
    ctx.hooks.on(
      'action:stories.replied',
      (reply) =>
        service.storyReply(reply).then(
          () => undefined,
          (err) => ctx.log.warn({ err, storyId: reply.storyId }, 'a story reply did not reach the conversation'),
        ),
      { optional: true },
    )
    // Gifts (the coins plugin) in a direct conversation: coins asks who receives one, then tells us it was sent, and
    // the gift lands in the conversation as a message from its sender.
    ctx.hooks.on('filter:coins.gift.target', (value, { kind, id, senderId }) => (kind === GIFT_TARGET ? giftTarget(ctx, senderId, id) : value), { optional: true })
    ctx.hooks.on(
      'action:coins.gift.sent',
      (gift) =>
        giftSent(ctx, service, gift).then(
          () => undefined,
          (err) => ctx.log.error({ err, sendId: gift.sendId }, 'a gift did not reach its conversation'),
        ),
      { optional: true },
    )
    // Send a post in a message: a paper plane under each post, for members (the share page checks what they may see).
    ctx.ui.slot('post.actions', ({ postId, viewer }) => (viewer ? SendPostLink({ postId }) : null))
  },
})

/** The conversation id of a topic id (`messages:conv:12`), or null. */
function conversationOf(topicId: string): number | null {
  const m = /^messages:conv:([1-9]\d{0,15})$/.exec(topicId)
  return m ? Number(m[1]) : null
}

/** The context as this plugin sees it, with its settings typed. */
export type MessagesContext = Parameters<typeof messages.register>[0]
export default messages
