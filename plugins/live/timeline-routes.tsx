// Routes of the timeline: pins and slow mode (page forms and API), the replay (its playlist, poster, timeline and
// deletion: each checked against the stream's audience, hidden == missing), and the streamer's moderators.
import { Hono, type Context } from 'hono'
import { fieldsOf, isAppError, parse, WHOLE_INPUT, type AppEnv } from '../../core/plugins/api.js'
import { moderatorInput, pinInput, slowInput } from './inputs.js'
import type { moderatorService } from './moderation.js'
import type { LiveContext } from './plugin.js'
import type { LiveService } from './service.js'
import { ModeratorsPage } from './timeline-views.js'

export function timelineRoutes(ctx: LiveContext, service: LiveService, moderators: ReturnType<typeof moderatorService>) {
  const app = new Hono<AppEnv>()
  const { requireMember } = ctx.http
  const me = (c: Context<AppEnv>) => ctx.http.viewer(c)!
  const back = (c: Context<AppEnv>, id: number, notice: string) => c.redirect(`/live/${id}?notice=${notice}`, 303)
  // An empty message_id from the Unpin button is null.
  const pinOf = (form: Record<string, unknown>) => parse(pinInput, { message_id: form.message_id === '' || form.message_id === undefined ? null : form.message_id }).message_id

  // ---- Pins and slow mode

  app.post('/live/:id{[0-9]+}/pin', requireMember, async (c) => {
    const id = ctx.http.id(c)
    const line = await service.pin(me(c), id, pinOf(await ctx.http.form(c)))
    return back(c, id, line ? 'pinned' : 'unpinned')
  })
  app.put('/api/v1/live/streams/:id{[0-9]+}/pin', requireMember, async (c) => {
    const messageId = parse(pinInput, await ctx.http.jsonBody(c)).message_id
    return ctx.http.json(c, { pinned: await service.pin(me(c), ctx.http.id(c), messageId) })
  })
  app.delete('/api/v1/live/streams/:id{[0-9]+}/pin', requireMember, async (c) => ctx.http.json(c, { pinned: await service.pin(me(c), ctx.http.id(c), null) }))

  app.post('/live/:id{[0-9]+}/slow', requireMember, async (c) => {
    const id = ctx.http.id(c)
    await service.setSlow(me(c), id, parse(slowInput, await ctx.http.form(c)).slow_seconds)
    return back(c, id, 'slow')
  })

  // ---- Replays

  app.get('/live/:id{[0-9]+}/hls/replay.m3u8', async (c) => {
    const text = await service.replays.playlist(ctx.http.viewer(c)?.id ?? null, ctx.http.id(c))
    c.header('Content-Type', 'application/vnd.apple.mpegurl')
    c.header('Cache-Control', 'private, no-cache')
    return c.body(text)
  })
  app.get('/live/:id{[0-9]+}/poster.jpg', async (c) => {
    const bytes = await service.replays.poster(ctx.http.viewer(c)?.id ?? null, ctx.http.id(c))
    c.header('Content-Type', 'image/jpeg')
    c.header('Cache-Control', 'private, max-age=3600')
    return c.body(new Uint8Array(bytes))
  })
  app.get('/api/v1/live/streams/:id{[0-9]+}/replay', async (c) => {
    const id = ctx.http.id(c)
    const timeline = await service.replays.timeline(ctx.http.viewer(c)?.id ?? null, id)
    return ctx.http.json(c, { ...timeline, playlist_url: `/live/${id}/hls/replay.m3u8`, poster_url: `/live/${id}/poster.jpg` })
  })
  app.delete('/api/v1/live/streams/:id{[0-9]+}/replay', requireMember, async (c) => {
    await service.replays.delete(me(c), ctx.http.id(c))
    return ctx.http.json(c, { deleted: true })
  })
  app.post('/live/:id{[0-9]+}/replay/delete', requireMember, async (c) => {
    const id = ctx.http.id(c)
    await service.replays.delete(me(c), id)
    return back(c, id, 'replay-deleted')
  })

  // ---- Moderators

  const page = async (c: Context<AppEnv>, errors: Record<string, string> = {}, status: 200 | 400 | 404 = 200) =>
    ctx.http.page(c, { title: 'Moderators of your streams', status }, <ModeratorsPage moderators={await moderators.list(me(c))} csrf={ctx.http.csrfToken(c)} errors={errors} notice={c.req.query('notice')} />)
  app.get('/live/moderators', requireMember, (c) => page(c))
  app.post('/live/moderators', requireMember, async (c) => {
    const parsed = moderatorInput.safeParse(await ctx.http.form(c))
    if (!parsed.success) return page(c, fieldsOf(parsed.error), 400)
    try {
      await moderators.add(me(c), parsed.data.username)
    } catch (err) {
      if (!isAppError(err) || (err.status !== 400 && err.status !== 404)) throw err
      return page(c, { [WHOLE_INPUT]: err.message }, err.status)
    }
    return c.redirect('/live/moderators?notice=moderator-added', 303)
  })
  app.post('/live/moderators/:username/remove', requireMember, async (c) => {
    await moderators.remove(me(c), c.req.param('username'))
    return c.redirect('/live/moderators?notice=moderator-removed', 303)
  })
  app.get('/api/v1/live/moderators', requireMember, async (c) => ctx.http.json(c, await moderators.list(me(c))))
  app.post('/api/v1/live/moderators', requireMember, async (c) => ctx.http.json(c, await moderators.add(me(c), parse(moderatorInput, await ctx.http.jsonBody(c)).username), 201))
  app.delete('/api/v1/live/moderators/:username', requireMember, async (c) => {
    await moderators.remove(me(c), c.req.param('username'))
    return ctx.http.json(c, { removed: true })
  })

  return app
}
