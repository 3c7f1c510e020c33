// Search in one's own messages: the FTS5 index of bodies (bodies.ts owns it) filtered by the same two rules as every
// other path, in the query that lists, so a hit is always a message the member may read now: not from before they
// joined or after they left, not deleted for them, not unsent or disappeared, not in a conversation hidden by a block
// or a request they deleted.
import { z } from 'zod'
import { decodeCursor, displayNameOf, pageOf, type Page, type PluginDb, type Viewer } from '../../core/plugins/api.js'
import { bodyMatches } from './bodies.js'
import { conversationVisible, membersOf, messageVisible, own, type MessageLine } from './queries.js'
import type { MessageView, MessagesService } from './service.js'

export const searchInput = z.string({ error: 'Type something to search for.' }).trim().min(1, 'Type something to search for.').max(100, 'Searches are at most 100 characters.')

/** A search result: the message as its reader sees it, and the conversation it is in. */
export interface SearchHit {
  message: MessageView
  conversation: { id: number; title: string }
}

/** The viewer's visible text messages whose body matches `q`, newest first. */
export async function searchLines(db: PluginDb, viewerId: number, q: string, options: { cursor?: string | null; limit: number }): Promise<Page<MessageLine>> {
  const match = bodyMatches(q)
  if (!match) return { items: [], nextCursor: null }
  const before = decodeCursor(options.cursor, { id: 'id' })
  let query = own(db)
    .selectFrom('messages_messages as m')
    .innerJoin('messages_participants as p', (j) => j.onRef('p.conversation_id', '=', 'm.conversation_id').on('p.user_id', '=', viewerId))
    .innerJoin('messages_conversations as c', 'c.id', 'm.conversation_id')
    .leftJoin('users', 'users.id', 'm.sender_id')
    .selectAll('m')
    .select(['users.username', displayNameOf('users').as('display_name')])
    .where(conversationVisible(viewerId))
    .where(messageVisible(viewerId))
    .where('m.kind', '!=', 'system')
    .where('m.unsent_at', 'is', null)
    .where(match)
  if (before) query = query.where('m.id', '<', before.id)
  const rows = (await query.orderBy('m.id', 'desc').limit(options.limit + 1).execute()) as MessageLine[]
  return pageOf(rows, options.limit, (r) => ({ id: r.id }))
}

export function createSearch(ctx: { db: PluginDb }, messages: MessagesService) {
  return {
    /** One page of the viewer's messages matching `q` (already validated), newest first. */
    async search(viewer: Viewer, q: string, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<SearchHit>> {
      const page = await searchLines(ctx.db, viewer.id, q, { cursor: options.cursor, limit: options.limit ?? 20 })
      const views = await messages.present(viewer, page.items)
      const ids = [...new Set(page.items.map((l) => l.conversation_id))]
      const members = await membersOf(ctx.db, ids)
      const convs = ids.length ? await own(ctx.db).selectFrom('messages_conversations').select(['id', 'kind', 'name']).where('id', 'in', ids).execute() : []
      const title = (id: number) => {
        const c = convs.find((x) => x.id === id)
        if (c?.kind === 'group') return c.name ?? 'Group'
        return members.find((m) => m.conversation_id === id && m.user_id !== viewer.id)?.display_name ?? 'Conversation'
      }
      return { items: views.map((m) => ({ message: m, conversation: { id: m.conversation_id, title: title(m.conversation_id) } })), nextCursor: page.nextCursor }
    },
  }
}
