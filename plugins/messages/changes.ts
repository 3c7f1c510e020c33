// Changes to messages already sent (edits, unsends, reactions, disappearances), numbered in the same sequence as
// message ids, so a page that reconnects with the last sequence number it saw gets new messages and every change it
// missed, each once. Decision 034 says why one sequence.
import { sql } from 'kysely'
import type { PluginDb as Db } from '../../core/plugins/api.js'
import { own } from './queries.js'
import type { ChangeKind } from './tables.js'

/**
 * Take the next number of messages_messages' id sequence for a change (inside the change's transaction): the next
 * message gets a higher id, so message ids and change numbers never collide and always grow together.
 */
async function nextSeq(db: Db): Promise<number> {
  const bumped = await sql<{ seq: number }>`update sqlite_sequence set seq = seq + 1 where name = 'messages_messages' returning seq`.execute(db)
  if (bumped.rows[0]) return bumped.rows[0].seq
  // No message was ever stored (a change always follows one, but keep the sequence whole regardless).
  await sql`insert into sqlite_sequence (name, seq) values ('messages_messages', 1)`.execute(db)
  return 1
}

/**
 * Record a change to messages of a conversation; answers its (last) sequence number, to publish the event with as
 * `durable`.
 * @example const seq = await recordChange(trx, { conversationId: 4, messageIds: [12], kind: 'edited' })
 */
export async function recordChange(db: Db, change: { conversationId: number; messageIds: readonly number[]; kind: ChangeKind }): Promise<number> {
  // One number per message; the event (several messages at once for a purge) goes out with the last, so a page that
  // heard it is not sent any of them again.
  let seq = 0
  for (const id of change.messageIds) {
    seq = await nextSeq(db)
    await own(db).insertInto('messages_changes').values({ seq, conversation_id: change.conversationId, message_id: id, kind: change.kind }).execute()
  }
  return seq
}

export interface MissedChange {
  seq: number
  message_id: number
  kind: ChangeKind
}

/**
 * What changed after `afterSeq` to messages of a conversation that the viewer could see (sent while they were in,
 * older than `afterSeq`: newer messages are replayed whole), the latest change of each kind per message, oldest first.
 * A message unsent or gone carries only that.
 */
export async function changesSince(db: Db, viewerId: number, conversationId: number, afterSeq: number): Promise<MissedChange[]> {
  const rows = await sql<MissedChange>`
    select max(ch.seq) as seq, ch.message_id, ch.kind
    from messages_changes ch
    join messages_participants p on p.conversation_id = ch.conversation_id and p.user_id = ${viewerId}
    where ch.conversation_id = ${conversationId} and ch.seq > ${afterSeq} and ch.message_id <= ${afterSeq}
      and ch.message_id > p.from_id and (p.until_id is null or (ch.message_id <= p.until_id and ch.seq <= p.until_id))
    group by ch.message_id, ch.kind
    order by seq
    limit 500`.execute(db)
  const final = new Map<number, ChangeKind>()
  for (const r of rows.rows) if (r.kind === 'disappeared' || (r.kind === 'unsent' && final.get(r.message_id) !== 'disappeared')) final.set(r.message_id, r.kind)
  return rows.rows.filter((r) => !final.has(r.message_id) || final.get(r.message_id) === r.kind)
}
