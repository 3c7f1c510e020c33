// The routes of attachments: a thread's form and the API's send with photos, videos, files or a voice note
// (multipart, streamed), opening a view-once item, and a file or voice note served to members who may reach it.
import type { Context, Next } from 'hono'
import { Hono } from 'hono'
import { z } from 'zod'
import { parse, type AppEnv, type Viewer } from '../../core/plugins/api.js'
import {
  attachmentFields,
  blockedExtensions,
  checkVoice,
  cleanFileName,
  discardItems,
  downloadType,
  extensionOf,
  MAX_ITEMS,
  MB,
  messageKindOf,
  openOnce,
  reachableItem,
  storeItems,
  whatWasSent,
  type PendingItem,
} from './attachments.js'
import { ViewOncePage } from './attachment-views.js'
import { heldItem } from './holds.js'
import type { MessagesContext } from './plugin.js'
import { disappearInput } from './disappearing.js'
import { sendInput, topicId, type MessagesService, type MessageView } from './service.js'

type C = Context<AppEnv>
/** The thread page again with a form error (routes.tsx draws it). */
export type ThreadWithProblem = (c: C, id: number, problem: { message: string; text: string }, status: 400 | 403 | 409 | 413 | 429) => Promise<Response>

const multipart = (c: C) => /^multipart\/form-data/i.test(c.req.header('content-type') ?? '')
const truthy = (v: string | undefined) => v === 'on' || v === '1' || v === 'true'

export function attachmentRoutes(ctx: MessagesContext, messages: MessagesService, threadWithProblem: ThreadWithProblem) {
  const app = new Hono<AppEnv>()
  const member = ctx.http.requireMember
  const me = (c: C) => ctx.http.viewer(c)!
  const gone = () => ctx.http.error(404, 'NOT_FOUND', 'That file does not exist.')

  /**
   * Read a form's files as they arrive: `media` (photos and videos, through core's pipeline), `file` (any type within
   * `max_file_mb`, not a blocked extension) and `voice` (a recording ffmpeg can read). A refused file refuses the
   * whole message and nothing received is kept.
   */
  async function receive(c: C, viewer: Viewer, fields: Record<string, string[]>): Promise<PendingItem[]> {
    const items: PendingItem[] = []
    const maxMb = await ctx.settings.get('max_file_mb')
    const blocked = blockedExtensions(await ctx.settings.get('blocked_extensions'))
    const refuse = (field: string, message: string) => ctx.http.error(400, 'VALIDATION_FAILED', message, { fields: { [field]: message } })
    try {
      await ctx.http.streamForm(
        c,
        async (file) => {
          if (items.length >= MAX_ITEMS) throw refuse(file.name, `A message holds at most ${MAX_ITEMS} photos, videos or files.`)
          if (file.name === 'media') {
            const info = await ctx.core.media.uploadStream(viewer.id, file.body)
            items.push({ kind: 'media', media_id: info.id, file_key: null, file_name: null, mime: info.mime, size: 0, view_once: false })
          } else if (file.name === 'file') {
            const name = cleanFileName(file.filename)
            const ext = extensionOf(name)
            if (ext && blocked.has(ext)) throw refuse('file', `.${ext} files cannot be sent here.`)
            const tooLarge = `Files may be at most ${maxMb} MB.`
            const { key, size } = await ctx.core.files.receive(file.body, { maxBytes: maxMb * MB, ext: 'bin', tooLarge })
            items.push({ kind: 'file', media_id: null, file_key: key, file_name: name, mime: downloadType(name), size, view_once: false })
          } else if (file.name === 'voice') {
            if (items.some((i) => i.kind === 'voice')) throw refuse('voice', 'A message holds one voice message.')
            const { key, size } = await ctx.core.files.receive(file.body, { maxBytes: maxMb * MB, ext: 'bin', tooLarge: `Voice messages may be at most ${maxMb} MB.` })
            items.push({ kind: 'voice', media_id: null, file_key: key, file_name: null, mime: null, size, view_once: false })
            await checkVoice(ctx, key)
          } else {
            throw refuse(file.name, 'Send photos and videos as "media", files as "file" and a voice message as "voice".')
          }
        },
        fields,
      )
    } catch (err) {
      await discardItems(ctx, items)
      throw err
    }
    return items
  }

  /** Send what a multipart form holds: with items, a message with attachments (the text is its caption). */
  async function sendForm(c: C, id: number, fields: Record<string, string[]> = {}): Promise<{ message: MessageView; created: boolean }> {
    const viewer = me(c)
    // The sender's standing is checked before the body is read (decision 016).
    const { p } = await messages.standing(viewer, id)
    if (p.state !== 'active') throw ctx.http.error(403, 'FORBIDDEN', 'You are no longer in this conversation.')
    const items = await receive(c, viewer, fields)
    const one = (k: string) => fields[k]?.[0]
    try {
      if (items.length === 0) {
        const input = parse(sendInput, { text: one('text') ?? '', client_id: one('client_id') || null, reply_to: one('reply_to') || null, disappear_seconds: one('disappear_seconds') || null })
        return messages.send(viewer, id, input)
      }
      const input = parse(attachmentFields, { text: one('text') ?? '', client_id: one('client_id') || null, reply_to: one('reply_to') || null, view_once: truthy(one('view_once')) })
      // This message's own timer (the form's "disappears after"), as a text send takes it.
      const { disappear_seconds } = parse(z.object({ disappear_seconds: disappearInput.optional() }), { disappear_seconds: one('disappear_seconds') || undefined })
      for (const i of items) i.view_once = input.view_once && i.kind === 'media'
      const mediaKinds = await Promise.all(items.filter((i) => i.media_id !== null).map(async (i) => (await ctx.core.media.info(i.media_id!))?.kind ?? 'image'))
      const sent = await messages.send(
        viewer,
        id,
        { text: input.text, client_id: input.client_id, reply_to: input.reply_to, disappear_seconds },
        { extra: { kind: messageKindOf(items), what: whatWasSent(items, mediaKinds), store: (trx, mid) => storeItems(ctx, trx, mid, items) } },
      )
      // A retried send answers the message already stored: what this one brought is not kept.
      if (!sent.created) await discardItems(ctx, items)
      return sent
    } catch (err) {
      await discardItems(ctx, items)
      throw err
    }
  }

  // ---- Sending (multipart only; urlencoded and JSON bodies go on to routes.tsx and api.ts)

  app.post('/messages/:id', member, async (c: C, next: Next) => {
    if (!multipart(c)) return next()
    const id = ctx.http.id(c)
    const fields: Record<string, string[]> = {}
    try {
      const sent = await sendForm(c, id, fields)
      return c.redirect(`/messages/${id}#m-${sent.message.id}`, 303)
    } catch (err) {
      const status = (err as { status?: number }).status
      if (status !== 400 && status !== 403 && status !== 409 && status !== 413 && status !== 429) throw err
      c.header('Connection', 'close')
      return threadWithProblem(c, id, { message: (err as Error).message, text: fields.text?.[0] ?? '' }, status)
    }
  })

  app.post('/api/v1/messages/conversations/:id/messages', member, async (c: C, next: Next) => {
    if (!multipart(c)) return next()
    const { message, created } = await sendForm(c, ctx.http.id(c))
    return ctx.http.json(c, message, created ? 201 : 200)
  })

  // ---- View-once

  /** Open a view-once item: recorded, told to the conversation (the sender sees "Opened"), then the one-time addresses. */
  async function open(c: C) {
    const viewer = me(c)
    const id = ctx.http.id(c)
    const aid = ctx.http.id(c, 'aid')
    const opened = await openOnce(ctx, viewer.id, id, aid)
    if (!opened) throw ctx.http.error(404, 'NOT_FOUND', 'That photo or video is gone: view-once items open once.')
    messages.topic().publish(topicId(id), 'opened', { id: opened.item.message_id, attachment: aid, userId: viewer.id })
    return opened
  }
  app.post('/messages/:id/attachments/:aid/open', member, async (c) => {
    const { media } = await open(c)
    return ctx.http.page(c, { title: media.kind === 'video' ? 'Video' : 'Photo' }, <ViewOncePage conversationId={ctx.http.id(c)} media={media} />)
  })
  app.post('/api/v1/messages/conversations/:id/attachments/:aid/open', member, async (c) => {
    const { media } = await open(c)
    return ctx.http.json(c, { attachment_id: ctx.http.id(c, 'aid'), media })
  })

  // ---- Files and voice notes: checked on every request; a guest, a stranger, a blocked or departed member get 404

  app.on(['GET', 'HEAD'], ['/messages/:id/files/:aid', '/messages/:id/files/:aid/:variant'], async (c) => {
    const viewer = ctx.http.viewer(c)
    const variant = c.req.param('variant')
    if (!viewer) throw gone()
    const item = await reachableItem(ctx.db, viewer.id, ctx.http.id(c), ctx.http.id(c, 'aid'))
    if (!item) throw gone()
    let res: Response | null = null
    if (item.kind === 'file' && variant === undefined && item.file_key) {
      // Always a download, whatever the file is: never drawn by the browser on this site's origin.
      res = await ctx.core.files.send(c, item.file_key, { contentType: item.mime ?? 'application/octet-stream', download: item.file_name ?? 'file', cacheControl: 'private, no-store' })
    } else if (item.kind === 'voice' && item.status === 'ready' && (variant === 'opus' || variant === 'aac')) {
      const key = variant === 'opus' ? item.file_key : item.alt_key
      if (key) res = await ctx.core.files.send(c, key, { contentType: variant === 'opus' ? 'audio/webm' : 'audio/mp4', cacheControl: 'private, max-age=3600' })
    }
    if (!res) throw gone()
    return res
  })

  // A reported message's file or voice note, for staff reviewing the report (its address is in the report's
  // snapshot): the copy held for the report, also after the message was unsent or disappeared (holds.ts). Members,
  // the sender included, get 404 here like anything missing; photos and videos reach staff through core's grants.
  app.on(['GET', 'HEAD'], '/messages/reported/:aid', async (c) => {
    const viewer = ctx.http.viewer(c)
    if (!viewer || (viewer.role !== 'moderator' && viewer.role !== 'admin')) throw gone()
    const held = await heldItem(ctx.db, ctx.http.id(c, 'aid'))
    let res: Response | null = null
    if (held?.kind === 'file' && held.file_key) {
      res = await ctx.core.files.send(c, held.file_key, { contentType: held.mime ?? 'application/octet-stream', download: held.file_name ?? 'file', cacheControl: 'private, no-store' })
    } else if (held?.kind === 'voice') {
      // The AAC version plays everywhere; a note reported while converting has only its upload.
      const [key, name, type] = held.alt_key ? [held.alt_key, 'voice-message.m4a', 'audio/mp4'] : [held.file_key, 'voice-message', held.mime ?? 'application/octet-stream']
      if (key) res = await ctx.core.files.send(c, key, { contentType: type, download: name, cacheControl: 'private, no-store' })
    }
    if (!res) throw gone()
    ctx.log.info({ staffId: viewer.id, attachmentId: held!.attachment_id, reportId: held!.report_id }, 'staff opened a reported message file')
    return res
  })

  return app
}
