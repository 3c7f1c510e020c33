// What a message carries besides its text: photos and videos (core's media pipeline), files of any type (always
// downloaded, never shown), voice notes (converted by ffmpeg to Opus and AAC, with a duration and a waveform) and
// view-once photos and videos (opened once per recipient). Who may reach each file is decided here, on every path.
import { clientIdInput, optionalText, replyToInput } from './inputs.js'
import { sql } from 'kysely'
import { z } from 'zod'
import { UnrecoverableJobError, type MediaInfo, type PluginDb } from '../../core/plugins/api.js'
import { isHeld } from './holds.js'
import type { MessagesContext } from './plugin.js'
import { conversationVisible, messagesByIds, messageVisible, own, standingIn } from './queries.js'
import type { AttachmentKind, AttachmentRow, MessageKind } from './tables.js'

/** Most items in one message. */
export const MAX_ITEMS = 10
/** How long the one-time address of an opened view-once item lasts. */
const OPEN_SECONDS = 300
const MiB = 1024 * 1024
/** Bars in a voice note's waveform. */
export const WAVEFORM_BARS = 48
/** Samples per second of the mono signal the waveform and duration are read from. */
const PCM_RATE = 8000

/** An item as every member of the conversation sees it (topic events carry it, so it holds nothing per viewer). */
export interface AttachmentView {
  id: number
  kind: 'photo' | 'video' | 'file' | 'voice'
  status: 'processing' | 'ready' | 'failed'
  /** A view-once photo or video: no address here; a recipient opens it once (POST .../open). */
  view_once: boolean
  /** Who opened a view-once item (member ids); null for other items. */
  opened_by: number[] | null
  /** A photo or video that is not view-once: core's media object (its URLs are checked on every request). */
  media: Pick<MediaInfo, 'id' | 'status' | 'width' | 'height' | 'duration_ms' | 'urls'> | null
  /** A file's name and size, and its download address (always `Content-Disposition: attachment`). */
  name: string | null
  size: number | null
  url: string | null
  /** A voice note: its length, loudness bars (0 to 100), and its Opus and AAC versions. */
  duration_ms: number | null
  waveform: number[] | null
  sources: { url: string; type: string }[] | null
}

/** An item received from a form and stored, waiting for its message (removed again if the message is refused). */
export interface PendingItem {
  kind: AttachmentKind
  media_id: number | null
  file_key: string | null
  file_name: string | null
  mime: string | null
  size: number
  view_once: boolean
}

/** The text fields of a message with attachments: a caption (may be empty), and the usual client id and reply. */
export const attachmentFields = z.object({
  text: optionalText,
  client_id: clientIdInput,
  reply_to: replyToInput,
  view_once: z.boolean(),
})

/** Content types a downloaded file may be sent with; anything else is application/octet-stream. */
const SAFE_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  zip: 'application/zip',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  mp4: 'video/mp4',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
}

/** A file's extension, lower-cased, or ''. */
export const extensionOf = (name: string) => /\.([A-Za-z0-9]{1,16})$/.exec(name)?.[1]?.toLowerCase() ?? ''

/** The content type a file is downloaded with: a known harmless type by its extension, else octet-stream. */
export const downloadType = (name: string) => SAFE_TYPES[extensionOf(name)] ?? 'application/octet-stream'

/** A file name as members see it: no folders, no control or direction-changing characters, at most 200 characters. */
export function cleanFileName(raw: string | null): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? ''
  const clean = base
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
  if (!clean || clean === '.' || clean === '..') return 'file'
  if (clean.length <= 200) return clean
  const ext = extensionOf(clean)
  return ext ? `${clean.slice(0, 199 - ext.length)}.${ext}` : clean.slice(0, 200)
}

/** The extensions the operator refuses (`blocked_extensions`: words separated by commas or spaces, dots allowed). */
export const blockedExtensions = (setting: string) =>
  new Set(
    setting
      .split(/[\s,]+/)
      .map((s) => s.replace(/^\./, '').toLowerCase())
      .filter(Boolean),
  )

/** The message kind of a set of items: photos and videos first, then files, then a voice note. */
export function messageKindOf(items: readonly PendingItem[]): MessageKind {
  if (items.some((i) => i.kind === 'media')) return 'media'
  if (items.some((i) => i.kind === 'file')) return 'file'
  return 'voice'
}

/** What a notification says was sent: never the content. */
export function whatWasSent(items: readonly { kind: AttachmentKind }[], mediaKinds: readonly string[]): string {
  if (items.some((i) => i.kind === 'voice')) return 'a voice message'
  if (items.some((i) => i.kind === 'media')) {
    const videos = mediaKinds.filter((k) => k === 'video').length
    const n = mediaKinds.length
    if (n > 1) return videos === n ? `${n} videos` : videos ? `${n} photos and videos` : `${n} photos`
    return videos ? 'a video' : 'a photo'
  }
  return items.length > 1 ? `${items.length} files` : 'a file'
}

const fileUrl = (conversationId: number, attachmentId: number, variant?: string) => `/messages/${conversationId}/files/${attachmentId}${variant ? `/${variant}` : ''}`

/**
 * The items of these messages, by message id, as every member sees them. One query for the items and one for the
 * opens whatever their number; a photo's or video's media object from core (one look-up per item).
 */
export async function attachmentViews(ctx: MessagesContext, lines: readonly { id: number; conversation_id: number }[]): Promise<Map<number, AttachmentView[]>> {
  const out = new Map<number, AttachmentView[]>()
  if (lines.length === 0) return out
  const conversationOf = new Map(lines.map((l) => [l.id, l.conversation_id]))
  const rows = await own(ctx.db).selectFrom('messages_attachments').selectAll().where('message_id', 'in', [...conversationOf.keys()]).orderBy('message_id').orderBy('position').execute()
  if (rows.length === 0) return out
  const onceIds = rows.filter((r) => r.view_once).map((r) => r.id)
  const opens = onceIds.length ? await own(ctx.db).selectFrom('messages_opens').select(['attachment_id', 'user_id']).where('attachment_id', 'in', onceIds).orderBy('opened_at').execute() : []
  for (const r of rows) {
    const view = await attachmentView(ctx, r, conversationOf.get(r.message_id)!, opens.filter((o) => o.attachment_id === r.id).map((o) => o.user_id))
    if (!out.has(r.message_id)) out.set(r.message_id, [])
    out.get(r.message_id)!.push(view)
  }
  return out
}

async function attachmentView(ctx: MessagesContext, r: AttachmentRow, conversationId: number, openedBy: number[]): Promise<AttachmentView> {
  const base = { id: r.id, view_once: r.view_once === 1, opened_by: r.view_once ? openedBy : null, media: null, name: null, size: null, url: null, duration_ms: null, waveform: null, sources: null }
  if (r.kind === 'media') {
    const info = r.media_id !== null ? await ctx.core.media.info(r.media_id) : null
    const kind = info?.kind === 'video' ? 'video' : 'photo'
    const status = !info || info.status === 'failed' ? 'failed' : info.status
    // A view-once item's address is never in a message: only opening it gives one, once.
    const media = info && !r.view_once ? { id: info.id, status: info.status, width: info.width, height: info.height, duration_ms: info.duration_ms, urls: info.urls } : null
    return { ...base, kind, status, media, duration_ms: info?.duration_ms ?? null }
  }
  if (r.kind === 'file') return { ...base, kind: 'file', status: 'ready', name: r.file_name, size: r.size_bytes, url: fileUrl(conversationId, r.id) }
  const ready = r.status === 'ready'
  return {
    ...base,
    kind: 'voice',
    status: r.status,
    duration_ms: r.duration_ms,
    waveform: r.waveform ? (JSON.parse(r.waveform) as number[]) : null,
    sources: ready
      ? [
          { url: fileUrl(conversationId, r.id, 'opus'), type: 'audio/webm; codecs=opus' },
          { url: fileUrl(conversationId, r.id, 'aac'), type: 'audio/mp4' },
        ]
      : null,
  }
}

/**
 * An item of a conversation the viewer may reach now: a member still in it (a member who left or was removed keeps
 * the text but no longer the files), who may see the message (sent while they were in, not deleted for them), and
 * not unsent. Null answers exactly like a missing item.
 */
export async function reachableItem(db: PluginDb, viewerId: number, conversationId: number, attachmentId: number): Promise<(AttachmentRow & { sender_id: number | null }) | null> {
  const row = await own(db)
    .selectFrom('messages_attachments as a')
    .innerJoin('messages_messages as m', 'm.id', 'a.message_id')
    .selectAll('a')
    .select(['m.sender_id', 'm.conversation_id', 'm.unsent_at'])
    .where('a.id', '=', attachmentId)
    .executeTakeFirst()
  if (!row || row.conversation_id !== conversationId || row.unsent_at) return null
  const s = await standingIn(db, viewerId, conversationId)
  if (!s || s.p.state !== 'active') return null
  if (!(await messagesByIds(db, viewerId, conversationId, [row.message_id])).has(row.message_id)) return null
  const { conversation_id: _c, unsent_at: _u, ...item } = row
  return item
}

/**
 * `filter:media.viewable` for photos and videos of messages: members still in the conversation who may see the
 * message. Never a view-once item's plain address, not even to its sender (opening it gives a one-time one); nobody
 * else. These items were uploaded with their message and are in nothing else, so core's answer (its owner may see
 * it) does not count.
 */
export async function mediaViewable(db: PluginDb, value: boolean, viewerId: number | null, mediaId: number): Promise<boolean> {
  const used = await own(db).selectFrom('messages_attachments').select('id').where('media_id', '=', mediaId).executeTakeFirst()
  if (!used) {
    // A group's picture: its members (still in it) alone.
    const group = await own(db).selectFrom('messages_conversations').select('id').where('picture_media_id', '=', mediaId).executeTakeFirst()
    if (group) return viewerId !== null && (await standingIn(db, viewerId, group.id))?.p.state === 'active'
    // Held for a report after its message went: staff see it through the report's grants, nobody at its plain address.
    return (await isHeld(db, { mediaId })) ? false : value
  }
  if (viewerId === null) return value
  const ok = await sql<{ ok: number }>`
    select 1 as ok from messages_attachments a
      join messages_messages m on m.id = a.message_id
      join messages_participants p on p.conversation_id = m.conversation_id and p.user_id = ${viewerId}
      join messages_conversations c on c.id = m.conversation_id
    where a.media_id = ${mediaId} and a.view_once = 0 and m.unsent_at is null and p.state = 'active'
      and ${conversationVisible(viewerId)} and ${messageVisible(viewerId)}
    limit 1`.execute(db)
  return ok.rows.length > 0
}

/** Store a message's items (inside the transaction that creates it); a voice note's conversion is queued with it. */
export async function storeItems(ctx: MessagesContext, trx: PluginDb, messageId: number, items: readonly PendingItem[]): Promise<void> {
  for (const [position, i] of items.entries()) {
    const { id } = await own(trx)
      .insertInto('messages_attachments')
      .values({
        message_id: messageId,
        position,
        kind: i.kind,
        media_id: i.media_id,
        file_key: i.file_key,
        file_name: i.file_name,
        mime: i.mime,
        size_bytes: i.size,
        status: i.kind === 'voice' ? 'processing' : 'ready',
        view_once: i.view_once && i.kind === 'media' ? 1 : 0,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    if (i.kind === 'voice') await ctx.jobs.enqueue<{ attachmentId: number }>(VOICE_JOB, { attachmentId: id }, { db: trx, key: `voice:${id}` })
  }
}

/** Remove items received for a message that was then refused (or already stored under its client id). */
export async function discardItems(ctx: MessagesContext, items: readonly PendingItem[]): Promise<void> {
  for (const i of items) {
    if (i.media_id !== null) await ctx.core.media.remove(i.media_id)
    if (i.file_key) await ctx.core.files.remove(i.file_key)
  }
}

/**
 * Remove the files of these messages (photos and videos from core's media, files and voice notes from the plugin's
 * store) and their item rows. The one place that does it: unsending calls it, and so does a message that disappears.
 * @example await deleteMessageFiles(ctx, [messageId])
 */
export async function deleteMessageFiles(ctx: MessagesContext, messageIds: readonly number[]): Promise<void> {
  if (messageIds.length === 0) return
  const rows = await own(ctx.db).selectFrom('messages_attachments').selectAll().where('message_id', 'in', [...messageIds]).execute()
  // The rows first: from now on nothing answers for these files, even while they are being deleted.
  await own(ctx.db).deleteFrom('messages_attachments').where('message_id', 'in', [...messageIds]).execute()
  for (const r of rows) {
    // Held for an open report: kept for staff until the decision (holds.ts), reachable by nobody else.
    if (r.media_id !== null && !(await isHeld(ctx.db, { mediaId: r.media_id }))) await ctx.core.media.remove(r.media_id)
    for (const key of [r.file_key, r.alt_key]) if (key && !(await isHeld(ctx.db, { key }))) await ctx.core.files.remove(key)
  }
}

/**
 * Open a view-once photo or video: once per recipient, never by its sender. Records the opening, then gives
 * addresses that load each file once within a few minutes. A second opening answers null (NOT_FOUND, as missing).
 */
export async function openOnce(ctx: MessagesContext, viewerId: number, conversationId: number, attachmentId: number): Promise<{ item: AttachmentRow; media: MediaInfo } | null> {
  const item = await reachableItem(ctx.db, viewerId, conversationId, attachmentId)
  if (!item || !item.view_once || item.media_id === null || item.sender_id === viewerId) return null
  // Not opened while it is being processed: the opening would be spent on a picture that is not there yet.
  const info = await ctx.core.media.info(item.media_id)
  if (!info || info.status === 'failed') return null
  if (info.status !== 'ready') throw ctx.http.error(409, 'NOT_READY', 'This photo or video is still being processed; open it in a moment.')
  const opened = await own(ctx.db)
    .insertInto('messages_opens')
    .values({ attachment_id: attachmentId, user_id: viewerId })
    .onConflict((oc) => oc.doNothing())
    .returning('attachment_id')
    .executeTakeFirst()
  if (!opened) return null
  const media = await ctx.core.media.grant(item.media_id, viewerId, OPEN_SECONDS)
  return media ? { item, media } : null
}

/** The message an item belongs to (for the events that say it changed). */
export async function messageOfMedia(db: PluginDb, mediaId: number): Promise<{ message_id: number; conversation_id: number } | null> {
  const row = await own(db)
    .selectFrom('messages_attachments as a')
    .innerJoin('messages_messages as m', 'm.id', 'a.message_id')
    .select(['a.message_id', 'm.conversation_id'])
    .where('a.media_id', '=', mediaId)
    .executeTakeFirst()
  return row ?? null
}

// ---- Voice notes

export const VOICE_JOB = 'voice-convert'

/**
 * Check that an upload is a recording ffmpeg can read (its first second decodes), so a bad file is a clear error
 * when it is sent rather than a failed note later.
 */
export async function checkVoice(ctx: MessagesContext, key: string): Promise<void> {
  try {
    await ctx.core.media.ffmpeg(['-v', 'error', '-i', ctx.core.files.path(key), '-map', '0:a:0', '-t', '1', '-f', 'null', '-'], { timeoutMs: 20_000 })
  } catch {
    throw ctx.http.error(400, 'VALIDATION_FAILED', 'This voice message could not be read; record it again.', { fields: { voice: 'This voice message could not be read; record it again.' } })
  }
}

/** The peaks of a mono 16-bit signal in `bars` equal slices, scaled so the loudest is 100. */
export function waveformOf(pcm: Buffer, bars = WAVEFORM_BARS): number[] {
  const samples = Math.floor(pcm.length / 2)
  const peaks: number[] = []
  for (let b = 0; b < bars; b++) {
    const from = Math.floor((b * samples) / bars)
    const to = Math.max(from + 1, Math.floor(((b + 1) * samples) / bars))
    let peak = 0
    for (let i = from; i < to && i < samples; i++) peak = Math.max(peak, Math.abs(pcm.readInt16LE(i * 2)))
    peaks.push(peak)
  }
  const top = Math.max(...peaks, 1)
  return peaks.map((p) => Math.round((p / top) * 100))
}

/**
 * The conversion job: one ffmpeg run makes the Opus (WebM) and AAC (M4A) versions every browser plays and a mono
 * 8 kHz signal whose length is the duration and whose peaks are the waveform; the upload is then removed.
 */
export async function convertVoice(ctx: MessagesContext, attachmentId: number): Promise<{ message_id: number } | null> {
  const row = await own(ctx.db).selectFrom('messages_attachments').selectAll().where('id', '=', attachmentId).executeTakeFirst()
  if (!row || row.kind !== 'voice' || row.status !== 'processing' || !row.file_key) return null
  const files = ctx.core.files
  const opus = files.reserve('webm')
  const aac = files.reserve('m4a')
  const pcm = files.reserve('pcm')
  const input = files.path(row.file_key)
  try {
    await ctx.core.media.ffmpeg(
      ['-v', 'error', '-y', '-i', input, '-map', '0:a:0', '-vn', '-ac', '1', '-c:a', 'libopus', '-b:a', '32k', '-application', 'voip', opus.path,
        '-map', '0:a:0', '-vn', '-ac', '1', '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', aac.path,
        '-map', '0:a:0', '-vn', '-ac', '1', '-ar', String(PCM_RATE), '-f', 's16le', pcm.path],
      { timeoutMs: 120_000 },
    )
    const { readFile } = await import('node:fs/promises')
    const signal = await readFile(pcm.path)
    const durationMs = Math.round((signal.length / 2 / PCM_RATE) * 1000)
    if (durationMs === 0) throw new UnrecoverableJobError('The voice message has no sound.')
    const done = await own(ctx.db)
      .updateTable('messages_attachments')
      .set({ status: 'ready', file_key: opus.key, alt_key: aac.key, mime: 'audio/webm', duration_ms: durationMs, waveform: JSON.stringify(waveformOf(signal)) })
      .where('id', '=', attachmentId)
      .where('status', '=', 'processing')
      .returning('message_id')
      .executeTakeFirst()
    if (!done) {
      // Unsent while it was converting: keep nothing.
      await files.remove(opus.key)
      await files.remove(aac.key)
      return null
    }
    // The upload goes, unless a report holds it (reported while it was converting).
    if (!(await isHeld(ctx.db, { key: row.file_key }))) await files.remove(row.file_key)
    return done
  } catch (err) {
    await files.remove(opus.key)
    await files.remove(aac.key)
    if (err instanceof UnrecoverableJobError) throw err
    throw new UnrecoverableJobError(`The voice message could not be converted: ${err instanceof Error ? err.message : String(err)}`)
  } finally {
    await files.remove(pcm.key)
  }
}

/** A conversion that gave up: the note shows as failed (its upload is kept for staff until the message goes). */
export async function voiceFailed(ctx: MessagesContext, attachmentId: number): Promise<{ message_id: number } | null> {
  const row = await own(ctx.db).updateTable('messages_attachments').set({ status: 'failed' }).where('id', '=', attachmentId).where('status', '=', 'processing').returning('message_id').executeTakeFirst()
  return row ?? null
}

export const MB = MiB
