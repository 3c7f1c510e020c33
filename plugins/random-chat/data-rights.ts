// Random chat's part of a member's data rights: their profile (what they chose to share for matching) and how many
// chats they had go in their export; the chats themselves were never kept. When their account is deleted they
// leave the queue and any chat at once, and their profile goes; the records of past chats stay for moderation
// (a report may name one), holding only the nameless account.
import type { Kysely } from 'kysely'
import type { ExportParts, PluginDb } from '../../core/plugins/api.js'
import type { RandomChatTables } from './tables.js'

const own = (db: PluginDb): Kysely<RandomChatTables & (PluginDb extends Kysely<infer D> ? D : never)> => db.withTables<RandomChatTables>()

/** Add `random-chat` to an export. */
export async function exportRandomChat(db: PluginDb, userId: number, parts: ExportParts): Promise<ExportParts> {
  const t = own(db)
  const profile = await t.selectFrom('random_chat_profiles').select(['show_identity', 'region', 'language', 'gender', 'birth_year', 'updated_at']).where('user_id', '=', userId).executeTakeFirst()
  const chats = await t.selectFrom('random_chat_sessions').select((eb) => eb.fn.countAll<number>().as('n')).where((eb) => eb.or([eb('a_id', '=', userId), eb('b_id', '=', userId)])).executeTakeFirstOrThrow()
  return { ...parts, sections: { ...parts.sections, 'random-chat': { profile: profile ? { ...profile, show_identity: profile.show_identity === 1 } : null, chats: Number(chats.n) } } }
}

/** A deleted member's profile and adds go; `leave` ends their queue place or chat. */
export async function deleteRandomChatOf(db: PluginDb, userId: number, leave: (userId: number) => unknown): Promise<void> {
  await leave(userId)
  const t = own(db)
  await t.deleteFrom('random_chat_profiles').where('user_id', '=', userId).execute()
  await t.deleteFrom('random_chat_adds').where('user_id', '=', userId).execute()
}
