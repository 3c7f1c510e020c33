// Live streams in the one moderation queue: a member reports a stream they may watch; staff see what it is (its
// streamer, title, audience, whether it is still live, the chat around the report) and "remove" ends it.
import type { PluginContext } from '../../core/plugins/api.js'
import { streamById, streamFor } from './queries.js'
import type { StreamRow } from './tables.js'
import type { EndReason } from './service.js'

/** The chat lines kept with a report: the context a moderator needs, not the whole stream. */
const CONTEXT_LINES = 50

export function reportableStreams(ctx: PluginContext<any>, service: { endFor(id: number, reason: EndReason): Promise<void> }): void {
  const snapshot = async (s: StreamRow) => {
    const [author, chat] = await Promise.all([
      ctx.core.users.find(s.user_id),
      ctx.db
        .withTables<{ live_chat: { id: number; stream_id: number; user_id: number; text: string; created_at: string; deleted_at: string | null } }>()
        .selectFrom('live_chat')
        .innerJoin('users', 'users.id', 'live_chat.user_id')
        .select(['live_chat.created_at', 'live_chat.text', 'users.username'])
        .where('live_chat.stream_id', '=', s.id)
        .orderBy('live_chat.id', 'desc')
        .limit(CONTEXT_LINES)
        .execute(),
    ])
    return {
      text: s.title,
      author: author ? { id: author.id, username: author.username, display_name: author.display_name } : null,
      audience: s.audience,
      status: s.status,
      created_at: s.created_at,
      ended_at: s.ended_at,
      transcript: chat.reverse().map((l) => ({ at: l.created_at, from: `@${l.username}`, text: l.text })),
    }
  }
  const id = (raw: string) => (/^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : null)
  ctx.core.reports.kind('stream', {
    label: 'live stream',
    async locate(reporterId, raw) {
      const n = id(raw)
      // What the reporter may watch (audience, blocks), as the stream's page answers.
      const visible = n === null ? undefined : reporterId === null ? await streamById(ctx.db, n) : await streamFor(ctx.db, reporterId, n)
      const s = visible && (await streamById(ctx.db, visible.id))
      return s ? { authorId: s.user_id, snapshot: await snapshot(s), back: `/live/${s.id}` } : null
    },
    async current(raw) {
      const n = id(raw)
      const s = n === null ? undefined : await streamById(ctx.db, n)
      return s ? snapshot(s) : null
    },
    // Removing a live stream ends it now; its replay, if any, stays for the streamer's own decision.
    async remove({ targetId }) {
      const n = id(targetId)
      if (n !== null) await service.endFor(n, 'staff')
    },
  })
}
