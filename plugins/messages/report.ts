// Reports of a message or a conversation: what the reporter could see at that moment, captured into the report's
// snapshot (the reported messages, a few around them, their attachments) and filed into core's one moderation
// queue. Moderators see that snapshot and nothing else: no page lets staff browse anyone's messages.
import { z } from 'zod'
import { REPORT_REASONS, type PluginDb, type Viewer } from '../../core/plugins/api.js'
import type { MessagesContext } from './plugin.js'
import { heldFileUrl, holdItems } from './holds.js'
import { messagesIn, own } from './queries.js'
import type { MessageView, MessagesService } from './service.js'

const clock = (ms: number | null) => {
  const s = Math.round((ms ?? 0) / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/** Messages captured on each side of a reported one (and the latest this many times two for a conversation). */
export const AROUND = 5

export const reportInput = z.object({
  reason: z.enum(REPORT_REASONS, { error: `reason is one of ${REPORT_REASONS.join(', ')}.` }),
  note: z.string().trim().max(1000, 'Notes are at most 1000 characters.').optional().default(''),
})

/** One captured message: what moderators read (the inspect page shows `transcript` as a conversation). */
interface Captured {
  id: number
  at: string
  from: string
  from_id: number | null
  text: string
  reported: boolean
  /**
   * Its photos and videos (view-once ones too): core's media ids, which the report's page shows staff through
   * one-time review grants (core lists the snapshot's `media_ids`, and audits a look at what staff could not see).
   */
  media_ids: number[]
  /** Its files and voice notes: staff-only addresses of the held copies (holds.ts). */
  files: { label: string; url: string }[]
}

export function createReports(ctx: MessagesContext, messages: MessagesService) {
  const db: PluginDb = ctx.db

  async function capture(lines: MessageView[], reported: Set<number>): Promise<Captured[]> {
    const kept = lines.filter((m) => m.kind !== 'system')
    const items = kept.length
      ? await own(db).selectFrom('messages_attachments').selectAll().where('message_id', 'in', kept.map((m) => m.id)).orderBy('message_id').orderBy('position').execute()
      : []
    return kept.map((m) => {
      const mine = items.filter((i) => i.message_id === m.id)
      return {
        id: m.id,
        at: m.created_at,
        from: m.sender ? `${m.sender.display_name} (@${m.sender.username})` : 'Someone',
        from_id: m.sender?.id ?? null,
        text: [m.unsent ? '(unsent)' : (m.text ?? ''), ...mine.filter((i) => i.view_once).map(() => '[view-once photo or video]')].filter(Boolean).join(' '),
        reported: reported.has(m.id),
        media_ids: mine.filter((i) => i.kind === 'media' && i.media_id !== null).map((i) => i.media_id!),
        files: mine.filter((i) => i.kind !== 'media').map((i) => ({ label: i.kind === 'voice' ? `Voice message (${clock(i.duration_ms)})` : `${i.file_name ?? 'file'} (${i.size_bytes} bytes)`, url: heldFileUrl(i.id) })),
      }
    })
  }

  /** File the report with its snapshot, then hold the captured messages' items for it. */
  async function file(input: Omit<Parameters<typeof ctx.core.reports.file>[0], 'snapshot'>, snapshot: { conversation: unknown; reported: number[]; transcript: Captured[] }) {
    const filed = await ctx.core.reports.file({ ...input, snapshot: { ...snapshot, media_ids: snapshot.transcript.flatMap((l) => l.media_ids) } })
    await holdItems(db, filed.id, snapshot.transcript.map((l) => l.id))
    return filed
  }

  /** The reader's view of a conversation at a message: up to AROUND visible messages before and after it, oldest first. */
  async function around(viewer: Viewer, id: number, messageId: number): Promise<MessageView[]> {
    const older = await messagesIn(db, viewer.id, id, { limit: AROUND + 1, beforeId: messageId + 1 })
    const newer = await messagesIn(db, viewer.id, id, { limit: AROUND, afterId: messageId, oldestFirst: true })
    return messages.present(viewer, [...older.items.reverse(), ...newer.items])
  }

  return {
    /** Report one message someone else sent; files a `messages.message` report about its sender. */
    async message(viewer: Viewer, id: number, messageId: number, input: z.output<typeof reportInput>): Promise<{ id: number }> {
      const conv = await messages.get(viewer, id)
      const m = await messages.message(viewer, id, messageId)
      if (m.kind === 'system' || !m.sender) throw ctx.http.error(400, 'VALIDATION_FAILED', 'That message cannot be reported.')
      if (m.sender.id === viewer.id) throw ctx.http.error(409, 'CONFLICT', 'You cannot report your own message.')
      const lines = await around(viewer, id, messageId)
      const transcript = await capture(lines, new Set([messageId]))
      return file(
        { reporterId: viewer.id, targetType: 'messages.message', targetId: messageId, targetUserId: m.sender.id, reason: input.reason, note: input.note },
        { conversation: { id, kind: conv.kind, title: conv.title }, reported: [messageId], transcript },
      )
    },

    /** Report a conversation: its latest messages the reporter can see go to the queue (about the other member of a direct one). */
    async conversation(viewer: Viewer, id: number, input: z.output<typeof reportInput>): Promise<{ id: number }> {
      const conv = await messages.get(viewer, id)
      const latest = (await messages.messages(viewer, id, { limit: AROUND * 2 })).items.reverse()
      const others = latest.filter((m) => m.sender && m.sender.id !== viewer.id && m.kind !== 'system').map((m) => m.id)
      const other = conv.kind === 'direct' ? conv.members.find((m) => m.id !== viewer.id) : undefined
      return file(
        { reporterId: viewer.id, targetType: 'messages.conversation', targetId: id, targetUserId: other?.id ?? null, reason: input.reason, note: input.note },
        { conversation: { id, kind: conv.kind, title: conv.title }, reported: others, transcript: await capture(latest, new Set(others)) },
      )
    },
  }
}
