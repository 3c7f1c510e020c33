// A group conversation's picture: a photo its owner or an admin uploads (multipart field `picture`, streamed into
// core's media pipeline), shown in the inbox and the thread to members only (attachments.ts `mediaViewable`).
import type { Context } from 'hono'
import { Hono } from 'hono'
import type { AppEnv } from '../../core/plugins/api.js'
import type { MessagesContext } from './plugin.js'
import type { MessagesService } from './service.js'

type C = Context<AppEnv>

export const PICTURE_PATHS = ['/messages/:id/picture', '/api/v1/messages/conversations/:id/picture'] as const

/**
 * Read a picture form: the viewer's right is checked before a byte is read (decision 016); the photo streams into
 * core's media; anything but one photo is a 400 and nothing is kept. Answers the new media id, or null when the form
 * asks to remove the picture (`remove`) or chose no file. `fields` is filled as the form is read.
 */
export async function receivePicture(ctx: MessagesContext, messages: MessagesService, c: C, id: number, fields: Record<string, string[]> = {}): Promise<number | null> {
  const viewer = ctx.http.viewer(c)!
  await messages.mayChangePicture(viewer, id)
  const refuse = (message: string) => ctx.http.error(400, 'VALIDATION_FAILED', message, { fields: { picture: message } })
  let mediaId: number | null = null
  try {
    await ctx.http.streamForm(
      c,
      async (file) => {
        if (file.name !== 'picture') throw refuse('Send the group picture as "picture".')
        if (mediaId !== null) throw refuse('Choose one photo.')
        // The form's file input left empty: a part with no name and no bytes.
        if (!file.filename) {
          for await (const _ of file.body);
          return
        }
        const info = await ctx.core.media.uploadStream(viewer.id, file.body)
        mediaId = info.id
        if (info.kind !== 'image') throw refuse('A group picture is a photo.')
      },
      fields,
    )
  } catch (err) {
    if (mediaId !== null) await ctx.core.media.remove(mediaId)
    throw err
  }
  return mediaId
}

/** The API: PUT a picture (multipart `picture`), DELETE it; each answers the conversation. */
export function pictureRoutes(ctx: MessagesContext, messages: MessagesService) {
  const app = new Hono<AppEnv>()
  const member = ctx.http.requireMember
  const path = '/api/v1/messages/conversations/:id/picture'
  app.put(path, member, async (c) => {
    const id = ctx.http.id(c)
    const mediaId = await receivePicture(ctx, messages, c, id)
    if (mediaId === null) throw ctx.http.error(400, 'VALIDATION_FAILED', 'Choose a photo.', { fields: { picture: 'Choose a photo.' } })
    try {
      await messages.setPicture(ctx.http.viewer(c)!, id, mediaId)
    } catch (err) {
      await ctx.core.media.remove(mediaId)
      throw err
    }
    return ctx.http.json(c, await messages.get(ctx.http.viewer(c)!, id))
  })
  app.delete(path, member, async (c) => {
    const id = ctx.http.id(c)
    await messages.setPicture(ctx.http.viewer(c)!, id, null)
    return ctx.http.json(c, await messages.get(ctx.http.viewer(c)!, id))
  })
  return app
}
