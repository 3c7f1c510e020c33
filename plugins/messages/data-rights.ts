// Messages' part of a member's data rights: the conversations and messages they can read go in their export (the
// same rules as the inbox: conversationVisible and messageVisible), and their rows go when their account is deleted.
import type { DeletionPolicy, ExportParts, PluginDb } from '../../core/plugins/api.js'
import { readBodies } from './bodies.js'
import { conversationVisible, messageVisible, own } from './queries.js'

/** Add `messages` to an export: every conversation they may see, with the messages they may read in it, oldest first. */
export async function exportMessages(db: PluginDb, userId: number, parts: ExportParts): Promise<ExportParts> {
  const t = own(db)
  const conversations = await t
    .selectFrom('messages_participants as p')
    .innerJoin('messages_conversations as c', 'c.id', 'p.conversation_id')
    .select(['c.id', 'c.kind', 'c.name', 'p.joined_at', 'p.left_at', 'p.state'])
    .where(conversationVisible(userId))
    .orderBy('c.id')
    .execute()
  const out = []
  for (const c of conversations) {
    const members = await t
      .selectFrom('messages_participants as o')
      .innerJoin('users', 'users.id', 'o.user_id')
      .select('users.username')
      .where('o.conversation_id', '=', c.id)
      .where('users.deleted_at', 'is', null)
      .orderBy('users.username')
      .execute()
    const rows = await t
      .selectFrom('messages_messages as m')
      .innerJoin('messages_participants as p', (j) => j.onRef('p.conversation_id', '=', 'm.conversation_id').on('p.user_id', '=', userId))
      .leftJoin('users as s', 's.id', 'm.sender_id')
      .select(['m.id', 'm.kind', 'm.created_at', 'm.edited_at', 'm.reply_to_id', 's.username as sender'])
      .where('m.conversation_id', '=', c.id)
      .where('m.unsent_at', 'is', null)
      .where('m.kind', '!=', 'system')
      .where(messageVisible(userId))
      .orderBy('m.id')
      .execute()
    const bodies = await readBodies(db, rows.map((r) => r.id))
    // A view-once item was meant to be seen once: only its kind and name go in the export, never its file.
    const files = rows.length
      ? await t.selectFrom('messages_attachments').select(['message_id', 'kind', 'file_name', 'view_once']).where('message_id', 'in', rows.map((r) => r.id)).orderBy('position').execute()
      : []
    out.push({
      id: c.id,
      kind: c.kind,
      name: c.name,
      members: members.map((m) => m.username),
      joined_at: c.joined_at,
      left_at: c.left_at,
      messages: rows.map((r) => ({
        id: r.id,
        from: r.sender ?? null,
        kind: r.kind,
        text: bodies.get(r.id) ?? '',
        reply_to: r.reply_to_id,
        attachments: files.filter((f) => f.message_id === r.id).map((f) => ({ kind: f.kind, name: f.file_name, view_once: f.view_once === 1 })),
        sent_at: r.created_at,
        edited_at: r.edited_at,
      })),
    })
  }
  return { ...parts, sections: { ...parts.sections, messages: out } }
}

/**
 * A deleted member's rows: purging, their messages go for good (with their files) through `purge`; anonymising, what
 * they sent stays in the others' conversations, under "Deleted member". Either way they leave every conversation and
 * their reactions, marks and scheduled messages go.
 */
export async function deleteMessagesOf(db: PluginDb, userId: number, policy: DeletionPolicy, purge: (ids: number[]) => Promise<unknown>): Promise<void> {
  const t = own(db)
  if (policy === 'purge') {
    const sent = await t.selectFrom('messages_messages').select('id').where('sender_id', '=', userId).execute()
    for (let i = 0; i < sent.length; i += 500) await purge(sent.slice(i, i + 500).map((m) => m.id))
  }
  await db.transaction().execute(async (trx) => {
    const x = own(trx)
    await x.deleteFrom('messages_scheduled').where('sender_id', '=', userId).execute()
    await x.deleteFrom('messages_reactions').where('user_id', '=', userId).execute()
    await x.deleteFrom('messages_hidden').where('user_id', '=', userId).execute()
    await x.deleteFrom('messages_opens').where('user_id', '=', userId).execute()
    await x.deleteFrom('messages_prefs').where('user_id', '=', userId).execute()
    await x.updateTable('messages_participants').set({ state: 'left', left_at: new Date().toISOString() }).where('user_id', '=', userId).where('state', '=', 'active').execute()
  })
}
