// Queries of the messages plugin; each takes the database first. Two rules decide what a member sees, and every path
// (pages, API, realtime, notifications) goes through them: `conversationVisible` (their own standing in it, and for a
// direct conversation no block and an active other member) and `messageVisible` (only what was sent while they were in).
import { sql, type Kysely, type RawBuilder } from 'kysely'
import { activeMember, blockedWith, decodeCursor, displayNameOf, pageOf, sqlLimit, type Page, type PluginDb as Db } from '../../core/plugins/api.js'
import type { Conversation, ConversationKind, MessageRow, MessagesTables, Participant, ParticipantRole, RequestState } from './tables.js'

type CoreTables = Db extends Kysely<infer D> ? D : never
type Tables = CoreTables & MessagesTables
export const own = (db: Db): Kysely<Tables> => db.withTables<MessagesTables>()

/** Inbox folders: conversations one is in, requests waiting for an answer, and archived ones. */
export type Folder = 'inbox' | 'requests' | 'archived'

/**
 * SQL on a participant row `p` of conversation `c`: the member may see the conversation. Not when they declined its
 * request, and for a direct conversation not when a block stands between the two or the other member is suspended:
 * then it answers exactly like a missing one.
 * @example own(db).selectFrom('messages_participants as p').innerJoin('messages_conversations as c', 'c.id', 'p.conversation_id').where(conversationVisible(viewerId))
 */
export function conversationVisible(viewerId: number): RawBuilder<boolean> {
  return sql<boolean>`(p.user_id = ${viewerId} and p.request != 'declined' and (c.kind = 'group' or not exists (
    select 1 from messages_participants o where o.conversation_id = c.id and o.user_id != ${viewerId}
      and (${blockedWith(viewerId, 'o.user_id')} or not ${activeMember('o.user_id')}))))`
}

/**
 * SQL on a message `m` and the reader's participant row `p`: sent while they were in, not deleted by them, and not
 * past its disappearing time (hidden from that moment, before the purge job has run).
 */
export function messageVisible(viewerId: number): RawBuilder<boolean> {
  return sql<boolean>`(m.conversation_id = p.conversation_id and m.id > p.from_id and (p.until_id is null or m.id <= p.until_id)
    and (m.expires_at is null or m.expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    and not exists (select 1 from messages_hidden h where h.user_id = ${viewerId} and h.message_id = m.id))`
}

/** The viewer's participant row in a conversation they may see, with the conversation; null when hidden or missing. */
export async function standingIn(db: Db, viewerId: number, conversationId: number): Promise<{ c: Conversation; p: Participant } | null> {
  const row = await own(db)
    .selectFrom('messages_participants as p')
    .innerJoin('messages_conversations as c', 'c.id', 'p.conversation_id')
    .selectAll('p')
    .select(['c.kind', 'c.name', 'c.direct_key', 'c.created_by', 'c.created_at', 'c.last_message_id', 'c.disappear_seconds', 'c.picture_media_id'])
    .where('p.conversation_id', '=', conversationId)
    .where(conversationVisible(viewerId))
    .executeTakeFirst()
  if (!row) return null
  const { kind, name, direct_key, created_by, created_at, last_message_id, disappear_seconds, picture_media_id, ...p } = row
  return { c: { id: conversationId, kind, name, direct_key, created_by, created_at, last_message_id, disappear_seconds, picture_media_id }, p }
}

export interface MemberLine {
  conversation_id: number
  user_id: number
  username: string
  display_name: string
  role: ParticipantRole
  state: Participant['state']
  request: RequestState
  last_read_id: number
  last_delivered_id: number
  read_receipts: number
}

/** Everyone who is or was in these conversations, with what the thread needs to show them. */
export async function membersOf(db: Db, conversationIds: readonly number[]): Promise<MemberLine[]> {
  if (conversationIds.length === 0) return []
  return own(db)
    .selectFrom('messages_participants as p')
    .innerJoin('users', 'users.id', 'p.user_id')
    .leftJoin('messages_prefs as pref', 'pref.user_id', 'p.user_id')
    .select(['p.conversation_id', 'p.user_id', 'users.username', displayNameOf('users').as('display_name'), 'p.role', 'p.state', 'p.request', 'p.last_read_id', 'p.last_delivered_id'])
    .select(sql<number>`coalesce(pref.read_receipts, 1)`.as('read_receipts'))
    .where('p.conversation_id', 'in', [...conversationIds])
    .orderBy('p.joined_at')
    .orderBy('p.user_id')
    .execute()
}

/**
 * Members of these conversations for a list: the first `cap` active members of each (by joining), and the viewer and
 * everyone of a direct conversation in any case, so a 1,000-member group costs a list `cap` rows, not 1,000.
 */
export async function membersShown(db: Db, viewerId: number, conversationIds: readonly number[], cap: number): Promise<MemberLine[]> {
  if (conversationIds.length === 0) return []
  return (await membersShownQuery(viewerId, conversationIds, cap).execute(db)).rows
}

/** The statement of `membersShown` (exported for its query-plan test). */
export function membersShownQuery(viewerId: number, conversationIds: readonly number[], cap: number) {
  // Each group's first members are read along messages_participants_order, stopping at `cap` (no row read, no sort);
  // only the rows kept are then read with their names.
  return sql<MemberLine>`
    with ids(id) as (select value from json_each(${JSON.stringify(conversationIds)})),
      kept(rid) as (
        select q.rowid from ids, messages_participants as q
          where q.rowid in (select r.rowid from messages_participants as r where r.conversation_id = ids.id and r.state = 'active' order by r.joined_at, r.user_id limit ${sqlLimit(cap)})
        union
        select q.rowid from messages_participants as q join messages_conversations as c on c.id = q.conversation_id
          where q.conversation_id in (select id from ids) and (c.kind = 'direct' or q.user_id = ${viewerId})
      )
    select p.conversation_id, p.user_id, users.username, ${displayNameOf('users')} as display_name, p.role, p.state, p.request, p.last_read_id,
      p.last_delivered_id, coalesce(pref.read_receipts, 1) as read_receipts
    from messages_participants as p
    join users on users.id = p.user_id
    left join messages_prefs as pref on pref.user_id = p.user_id
    where p.rowid in (select rid from kept)
    order by p.conversation_id, p.joined_at, p.user_id`
}

/** How many active members each of these conversations has. */
export async function memberCounts(db: Db, conversationIds: readonly number[]): Promise<Map<number, number>> {
  if (conversationIds.length === 0) return new Map()
  const rows = await own(db)
    .selectFrom('messages_participants')
    .select(['conversation_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('conversation_id', 'in', [...conversationIds])
    .where('state', '=', 'active')
    .groupBy('conversation_id')
    .execute()
  return new Map(rows.map((r) => [r.conversation_id, Number(r.n)]))
}

export interface InboxRow {
  id: number
  kind: ConversationKind
  name: string | null
  disappear_seconds: number | null
  picture_media_id: number | null
  pinned: number
  muted: number
  archived: number
  request: RequestState
  state: Participant['state']
  role: ParticipantRole
  last_read_id: number
  /** The newest message the viewer may see (null when every one is deleted for them). */
  last_id: number | null
  /** What the list is ordered by: the conversation's latest message within the viewer's standing. */
  sort_id: number
  unread: number
}

/**
 * The viewer's conversations in a folder, by their latest message the viewer may see (pinned first in the inbox),
 * with unread counts; conversations with nothing to show yet are left out.
 */
export async function inbox(db: Db, viewerId: number, folder: Folder, options: { cursor?: string | null; limit: number }): Promise<Page<InboxRow>> {
  const { limit } = options
  const after = decodeCursor(options.cursor, { pin: 'count', last: 'id', id: 'id' })
  const inFolder =
    folder === 'requests' ? sql`p.request = 'pending'` : folder === 'archived' ? sql`p.request = 'none' and p.archived = 1` : sql`p.request = 'none' and p.archived = 0`
  const pin = folder === 'inbox' ? sql`p.pinned` : sql`0`
  // Ordered by the participant's own latest message (the conversation's, up to their last line if they left; kept by
  // every new message), which the messages_participants_inbox index walks in order: SQLite checks the visibility of
  // the rows it meets and stops after a page, whatever the member's number of conversations. Only the page's rows then
  // read their newest visible message (a message deleted for oneself still dates its conversation, as in other
  // messengers); the unread count is stored (`unread_count`).
  const rows = await sql<InboxRow>`
    select x.*,
      (select max(m.id) from messages_messages m join messages_participants p on p.conversation_id = x.id and p.user_id = ${viewerId}
         where m.conversation_id = x.id and ${messageVisible(viewerId)}) as last_id
    from (
      select c.id, c.kind, c.name, c.disappear_seconds, c.picture_media_id, ${pin} as pinned, p.muted, p.archived, p.request, p.state, p.role, p.last_read_id,
        p.latest_id as sort_id, p.unread_count as unread
      from messages_participants p join messages_conversations c on c.id = p.conversation_id
      where p.user_id = ${viewerId} and ${inFolder} and p.latest_id > p.from_id and ${conversationVisible(viewerId)}
        ${after ? sql`and (${pin} < ${after.pin} or (${pin} = ${after.pin} and (p.latest_id < ${after.last} or (p.latest_id = ${after.last} and p.conversation_id < ${after.id}))))` : sql``}
      order by pinned desc, p.latest_id desc, p.conversation_id desc
      limit ${sqlLimit(limit + 1)}
    ) x
    order by x.pinned desc, x.sort_id desc, x.id desc`.execute(db)
  return pageOf(rows.rows, limit, (r) => ({ pin: r.pinned, last: r.sort_id, id: r.id }))
}

/** One conversation's unread count and newest visible message for the viewer (whose standing was checked). */
export async function countsIn(db: Db, viewerId: number, conversationId: number): Promise<{ unread: number; last_id: number | null }> {
  const r = await sql<{ unread: number; last_id: number | null }>`
    select (select max(m.id) from messages_messages m where ${messageVisible(viewerId)}) as last_id, p.unread_count as unread
    from messages_participants p where p.conversation_id = ${conversationId} and p.user_id = ${viewerId}`.execute(db)
  return { unread: Number(r.rows[0]?.unread ?? 0), last_id: r.rows[0]?.last_id ?? null }
}

/**
 * How many inbox conversations (not muted) have messages the viewer has not read, and how many requests wait. Read
 * from the stored counts: only conversations with something unread, and requests, pay for the visibility check.
 */
export async function unreadCounts(db: Db, viewerId: number): Promise<{ conversations: number; requests: number }> {
  const row = await unreadCountsQuery(viewerId).execute(db)
  const r = row.rows[0]
  return { conversations: Number(r?.conversations ?? 0), requests: Number(r?.requests ?? 0) }
}

/**
 * The statement of `unreadCounts` (exported for its query-plan test). Its participant terms are those of the
 * messages_participants_badge index, word for word, so only unread and pending rows are read.
 */
export function unreadCountsQuery(viewerId: number) {
  return sql<{ conversations: number; requests: number }>`
    select
      sum(case when p.request = 'none' then 1 else 0 end) as conversations,
      sum(case when p.request = 'pending' and exists (select 1 from messages_messages m where ${messageVisible(viewerId)}) then 1 else 0 end) as requests
    from messages_participants p join messages_conversations c on c.id = p.conversation_id
    where p.user_id = ${viewerId} and p.state = 'active' and ((p.request = 'none' and p.muted = 0 and p.unread_count > 0) or p.request = 'pending')
      and ${conversationVisible(viewerId)}`
}

/**
 * SQL on a participant row named `messages_participants`: how many messages of the conversation they have not read,
 * counted from the messages (what `unread_count` stores; `recount` writes it, tests compare the two). Sent while they
 * were in, visible to them now, after their read marker, by someone else, not a system line, not unsent.
 */
const unreadTruthSql = sql`(select count(*) from messages_messages m where m.conversation_id = messages_participants.conversation_id
    and m.id > messages_participants.from_id and (messages_participants.until_id is null or m.id <= messages_participants.until_id)
    and (m.expires_at is null or m.expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    and not exists (select 1 from messages_hidden h where h.user_id = messages_participants.user_id and h.message_id = m.id)
    and m.id > messages_participants.last_read_id and m.sender_id != messages_participants.user_id and m.kind != 'system' and m.unsent_at is null)`

/** The unread count of a member in a conversation, counted from the messages (the truth `unread_count` keeps). */
export async function unreadTruth(db: Db, conversationId: number, userId: number): Promise<number> {
  const r = await sql<{ n: number }>`select ${unreadTruthSql} as n from messages_participants where conversation_id = ${conversationId} and user_id = ${userId}`.execute(db)
  return Number(r.rows[0]?.n ?? 0)
}

/**
 * Count again the stored unread counts of a conversation's members (all, or those `userIds`, or those whose read
 * marker is below `readBelow`: the only ones a change to that message can concern) after messages stopped counting
 * for them: read, deleted for oneself, unsent, disappeared.
 */
export async function recount(db: Db, conversationId: number, only: { userIds?: readonly number[]; readBelow?: number } = {}): Promise<void> {
  if (only.userIds && only.userIds.length === 0) return
  await sql`update messages_participants set unread_count = ${unreadTruthSql}
    where conversation_id = ${conversationId}
      ${only.userIds ? sql`and user_id in (${sql.join([...only.userIds])})` : sql``}
      ${only.readBelow !== undefined ? sql`and last_read_id < ${only.readBelow}` : sql``}`.execute(db)
}

export type MessageLine = MessageRow & { username: string | null; display_name: string | null }

const messageColumns = (q: ReturnType<typeof baseMessages>) =>
  q.selectAll('m').select(['users.username', displayNameOf('users').as('display_name')])

/**
 * Messages the viewer may see (in one conversation, or in any, when `conversationId` is null). `+p.user_id` keeps
 * SQLite from starting at the viewer's participations: messages by id (the inbox's latest ones) are found by their
 * key, then their conversation's participant row, instead of probing every conversation the viewer is in.
 */
const baseMessages = (db: Db, viewerId: number, conversationId: number | null) => {
  const q = own(db)
    .selectFrom('messages_messages as m')
    .innerJoin('messages_participants as p', (j) => j.onRef('p.conversation_id', '=', 'm.conversation_id').on(sql`+p.user_id`, '=', viewerId))
    .leftJoin('users', 'users.id', 'm.sender_id')
    .where(messageVisible(viewerId))
  return conversationId === null ? q : q.where('m.conversation_id', '=', conversationId)
}

/** A page of the messages the viewer may see in a conversation, newest first (`before`: the cursor of older ones). */
export async function messagesIn(
  db: Db,
  viewerId: number,
  conversationId: number,
  options: { cursor?: string | null; limit: number; afterId?: number; beforeId?: number; oldestFirst?: boolean },
): Promise<Page<MessageLine>> {
  const before = decodeCursor(options.cursor, { id: 'id' })
  let q = messageColumns(baseMessages(db, viewerId, conversationId)).orderBy('m.id', options.oldestFirst ? 'asc' : 'desc').limit(options.limit + 1)
  if (before) q = q.where('m.id', '<', before.id)
  if (options.beforeId !== undefined) q = q.where('m.id', '<', options.beforeId)
  if (options.afterId !== undefined) q = q.where('m.id', '>', options.afterId)
  return pageOf((await q.execute()) as MessageLine[], options.limit, (r) => ({ id: r.id }))
}

/** Messages the viewer may see, by id (reply targets, one message to act on, the latest of each inbox entry). */
export async function messagesByIds(db: Db, viewerId: number, conversationId: number | null, ids: readonly number[]): Promise<Map<number, MessageLine>> {
  if (ids.length === 0) return new Map()
  const rows = (await messageColumns(baseMessages(db, viewerId, conversationId)).where('m.id', 'in', [...ids]).execute()) as MessageLine[]
  return new Map(rows.map((r) => [r.id, r]))
}

/** The message a sender already stored under this client id, if any (a retried send). */
export async function byClientId(db: Db, conversationId: number, senderId: number, clientId: string): Promise<number | null> {
  const row = await own(db)
    .selectFrom('messages_messages')
    .select('id')
    .where('conversation_id', '=', conversationId)
    .where('sender_id', '=', senderId)
    .where('client_id', '=', clientId)
    .executeTakeFirst()
  return row?.id ?? null
}

/** Store a message row (its body goes through bodies.ts) and make it the conversation's latest. */
export async function insertMessage(db: Db, m: NewMessage): Promise<number> {
  return (await storeMessage(db, m)).id
}

type NewMessage = { conversation_id: number; sender_id: number; kind: MessageRow['kind']; client_id?: string | null; reply_to_id?: number | null; event?: string | null; expires_at?: string | null }

/**
 * As `insertMessage`, and answers who it made unread (`turned`: members whose unread count went from none to one, the
 * only ones whose badge counts change) and whether any other member may be notified of it (`untold`: in the inbox,
 * not muted, not told of their unread messages there yet). Every member in the conversation gets it as their latest
 * message; each other member one more unread (a system line counts for nobody).
 */
export async function storeMessage(db: Db, m: NewMessage): Promise<{ id: number; turned: number[]; untold: boolean }> {
  const t = own(db)
  const { id } = await t
    .insertInto('messages_messages')
    .values({ conversation_id: m.conversation_id, sender_id: m.sender_id, kind: m.kind, client_id: m.client_id ?? null, reply_to_id: m.reply_to_id ?? null, event: m.event ?? null, expires_at: m.expires_at ?? null })
    .returning('id')
    .executeTakeFirstOrThrow()
  await t.updateTable('messages_conversations').set({ last_message_id: id }).where('id', '=', m.conversation_id).execute()
  const counted = m.kind !== 'system'
  const rows = await sql<{ user_id: number; unread_count: number; told: number; muted: number; request: RequestState }>`update messages_participants
    set latest_id = ${id}, unread_count = unread_count + ${counted ? sql`(user_id != ${m.sender_id})` : sql`0`}
    where conversation_id = ${m.conversation_id} and state = 'active'
    returning user_id, unread_count, told, muted, request`.execute(db)
  const others = counted ? rows.rows.filter((r) => r.user_id !== m.sender_id) : []
  return { id, turned: others.filter((r) => r.unread_count === 1).map((r) => r.user_id), untold: others.some((r) => r.told === 0 && r.muted === 0 && r.request === 'none') }
}

/** The direct conversation of two members, if they have one. */
export async function directBetween(db: Db, a: number, b: number): Promise<number | null> {
  const row = await own(db).selectFrom('messages_conversations').select('id').where('direct_key', '=', directKey(a, b)).executeTakeFirst()
  return row?.id ?? null
}

export const directKey = (a: number, b: number) => `${Math.min(a, b)}:${Math.max(a, b)}`

export async function readReceiptsOn(db: Db, userId: number): Promise<boolean> {
  const row = await own(db).selectFrom('messages_prefs').select('read_receipts').where('user_id', '=', userId).executeTakeFirst()
  return (row?.read_receipts ?? 1) === 1
}

export async function setReadReceipts(db: Db, userId: number, on: boolean): Promise<void> {
  await own(db)
    .insertInto('messages_prefs')
    .values({ user_id: userId, read_receipts: on ? 1 : 0 })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ read_receipts: on ? 1 : 0 }))
    .execute()
}

/** Active members of a conversation (ids), for notifications and size checks. */
export async function activeMemberIds(db: Db, conversationId: number): Promise<{ user_id: number; muted: number; request: RequestState }[]> {
  return own(db).selectFrom('messages_participants').select(['user_id', 'muted', 'request']).where('conversation_id', '=', conversationId).where('state', '=', 'active').execute()
}
