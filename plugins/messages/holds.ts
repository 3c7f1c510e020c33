// Evidence for reports: the items (photos, videos, files, voice notes, view-once ones too) of the messages a report
// captured are held for it, so staff can open them while the report is open even if the sender unsends the message or
// it disappears. Held files reach staff only: photos and videos through core's one-time review grants on the report's
// page, files and voice notes through a staff-only route; nobody's plain address answers for them once their message
// is gone. A decision on the report releases them, and what nothing else uses is deleted then.
import type { PluginDb } from '../../core/plugins/api.js'
import type { MessagesContext } from './plugin.js'
import { own } from './queries.js'

/** The address staff open a held file or voice note at (a download, like every file of messages). */
export const heldFileUrl = (attachmentId: number) => `/messages/reported/${attachmentId}`

/** Hold the items of these messages for a report (right after it is filed). */
export async function holdItems(db: PluginDb, reportId: number, messageIds: readonly number[]): Promise<void> {
  if (messageIds.length === 0) return
  const rows = await own(db).selectFrom('messages_attachments').selectAll().where('message_id', 'in', [...messageIds]).execute()
  for (const r of rows) {
    await own(db)
      .insertInto('messages_report_holds')
      .values({
        report_id: reportId,
        attachment_id: r.id,
        message_id: r.message_id,
        kind: r.kind,
        media_id: r.media_id,
        file_key: r.file_key,
        alt_key: r.alt_key,
        file_name: r.file_name,
        mime: r.mime,
        size_bytes: r.size_bytes,
        duration_ms: r.duration_ms,
        view_once: r.view_once,
      })
      .onConflict((oc) => oc.doNothing())
      .execute()
  }
}

/** Whether a core media item or a stored file is held by a report (so deleting a message leaves it for now). */
export async function isHeld(db: PluginDb, what: { mediaId?: number | null; key?: string | null }): Promise<boolean> {
  let q = own(db).selectFrom('messages_report_holds').select('attachment_id')
  if (what.mediaId != null) q = q.where('media_id', '=', what.mediaId)
  else if (what.key) q = q.where((eb) => eb.or([eb('file_key', '=', what.key!), eb('alt_key', '=', what.key!)]))
  else return false
  return !!(await q.limit(1).executeTakeFirst())
}

/** A held item, for the staff route (the newest hold of it: its keys as the report kept them). */
export async function heldItem(db: PluginDb, attachmentId: number) {
  return own(db).selectFrom('messages_report_holds').selectAll().where('attachment_id', '=', attachmentId).orderBy('report_id', 'desc').limit(1).executeTakeFirst()
}

/**
 * A decision on a report (`action:report.resolved`) releases its holds; a file or media item neither a message nor
 * another open hold still uses is deleted then (its message was unsent or disappeared meanwhile).
 */
export async function releaseHolds(ctx: MessagesContext, reportId: number): Promise<void> {
  const released = await own(ctx.db).deleteFrom('messages_report_holds').where('report_id', '=', reportId).returningAll().execute()
  for (const r of released) {
    if (r.media_id !== null) {
      const used = await own(ctx.db).selectFrom('messages_attachments').select('id').where('media_id', '=', r.media_id).executeTakeFirst()
      if (!used && !(await isHeld(ctx.db, { mediaId: r.media_id }))) await ctx.core.media.remove(r.media_id)
    }
    for (const key of [r.file_key, r.alt_key]) {
      if (!key) continue
      const used = await own(ctx.db)
        .selectFrom('messages_attachments')
        .select('id')
        .where((eb) => eb.or([eb('file_key', '=', key), eb('alt_key', '=', key)]))
        .executeTakeFirst()
      if (!used && !(await isHeld(ctx.db, { key }))) await ctx.core.files.remove(key)
    }
  }
}
