// Live's part of a member's data rights: their streams, scheduled events and the chat lines they wrote go in their
// export; when their account is deleted their stream key goes first (a nameless account must not go live), a
// stream of theirs still live ends, and their streams, replays and events go. Their chat lines in others' streams
// go too when purging, and stay under "Deleted member" when anonymising.
import type { Kysely } from 'kysely'
import type { DeletionPolicy, ExportParts, PluginDb } from '../../core/plugins/api.js'
import { deleteKey } from './keys.js'
import type { liveService } from './service.js'
import type { LiveTables } from './tables.js'

const own = (db: PluginDb): Kysely<LiveTables & (PluginDb extends Kysely<infer D> ? D : never)> => db.withTables<LiveTables>()

/** Add `live` to an export: their streams and events, and what they wrote in chats (the stream's id only when it is someone else's). */
export async function exportLive(db: PluginDb, userId: number, parts: ExportParts): Promise<ExportParts> {
  const t = own(db)
  const [streams, events, chat] = await Promise.all([
    t.selectFrom('live_streams').select(['id', 'title', 'audience', 'status', 'created_at', 'ended_at']).where('user_id', '=', userId).orderBy('id').execute(),
    t.selectFrom('live_events').select(['id', 'title', 'description', 'audience', 'starts_at', 'status']).where('user_id', '=', userId).orderBy('id').execute(),
    t.selectFrom('live_chat').select(['stream_id', 'text', 'created_at']).where('user_id', '=', userId).where('deleted_at', 'is', null).orderBy('id').execute(),
  ])
  return { ...parts, sections: { ...parts.sections, live: { streams, events, chat_lines: chat } } }
}

/** A deleted member's rows and files. */
export async function deleteLiveOf(db: PluginDb, service: ReturnType<typeof liveService>, userId: number, policy: DeletionPolicy): Promise<void> {
  await deleteKey(db, userId)
  const t = own(db)
  const streams = await t.selectFrom('live_streams').select(['id', 'status']).where('user_id', '=', userId).execute()
  for (const s of streams) {
    if (s.status === 'live') await service.endFor(s.id, 'staff')
    await service.replays.remove(s.id)
  }
  await db.transaction().execute(async (trx) => {
    const x = own(trx)
    if (policy === 'purge') await x.deleteFrom('live_chat').where('user_id', '=', userId).execute()
    await x.deleteFrom('live_streams').where('user_id', '=', userId).execute()
    await x.deleteFrom('live_events').where('user_id', '=', userId).execute()
    await x.deleteFrom('live_event_reminders').where('user_id', '=', userId).execute()
    await x.deleteFrom('live_moderators').where((eb) => eb.or([eb('streamer_id', '=', userId), eb('user_id', '=', userId)])).execute()
    await x.deleteFrom('live_access').where('user_id', '=', userId).execute()
    await x.deleteFrom('live_bans').where('user_id', '=', userId).execute()
  })
}
