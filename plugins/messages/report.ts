// Reports of a message or a conversation: what the reporter could see at that moment, captured into the report's
// snapshot (the reported messages, a few around them, their attachments) and filed into core's one moderation
// queue. Moderators see that snapshot and nothing else: no page lets staff browse anyone's messages.
import { z } from 'zod'
import { REPORT_REASONS, type PluginDb, type Viewer } from '../../core/plugins/api.js'
import type { MessagesContext } from './plugin.js'
import { messagesIn } from './queries.js'
import type { MessageView, MessagesService } from './service.js'

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
  /** Files of the message (photos, videos, files, voice notes), as the attachments slice stores them. */
  attachments: MessageView['attachments']
}

export function createReports(ctx: MessagesContext, messages: MessagesService) {
  const db: PluginDb = ctx.db

  async function capture(viewer: Viewer, lines: MessageView[], reported: Set<number>): Promise<Captured[]> {
    return lines
      .filter((m) => m.kind !== 'system')
      .map((m) => ({
        id: m.id,
        at: m.created_at,
        from: m.sender ? `${m.sender.display_name} (@${m.sender.username})` : 'Someone',
        from_id: m.sender?.id ?? null,
        text: m.unsent ? '(unsent)' : (m.text ?? ''),
        reported: reported.has(m.id),
        attachments: m.attachments,
      }))
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
      const transcript = await capture(viewer, lines, new Set([messageId]))
      return ctx.core.reports.file({
        reporterId: viewer.id,
        targetType: 'messages.message',
        targetId: messageId,
        targetUserId: m.sender.id,
        reason: input.reason,
        note: input.note,
        snapshot: { conversation: { id, kind: conv.kind, title: conv.title }, reported: [messageId], transcript },
      })
    },

    /** Report a conversation: its latest messages the reporter can see go to the queue (about the other member of a direct one). */
    async conversation(viewer: Viewer, id: number, input: z.output<typeof reportInput>): Promise<{ id: number }> {
      const conv = await messages.get(viewer, id)
      const latest = (await messages.messages(viewer, id, { limit: AROUND * 2 })).items.reverse()
      const others = latest.filter((m) => m.sender && m.sender.id !== viewer.id && m.kind !== 'system').map((m) => m.id)
      const other = conv.kind === 'direct' ? conv.members.find((m) => m.id !== viewer.id) : undefined
      return ctx.core.reports.file({
        reporterId: viewer.id,
        targetType: 'messages.conversation',
        targetId: id,
        targetUserId: other?.id ?? null,
        reason: input.reason,
        note: input.note,
        snapshot: { conversation: { id, kind: conv.kind, title: conv.title }, reported: others, transcript: await capture(viewer, latest, new Set(others)) },
      })
    },
  }
}
