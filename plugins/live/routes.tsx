// The live plugin's pages, forms and API (/live, /api/v1/live), the HLS files (each request checked against the
// stream's audience: hidden == missing), and the hls.js player served from the project's own node_modules.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { Hono, type Context } from 'hono'
import { fieldsOf, isAppError, parse, WHOLE_INPUT, type AppEnv, type Viewer } from '../../core/plugins/api.js'
import { categoryInput, chatModeInput, chatText, streamInput, streamPatch } from './inputs.js'
import type { LiveContext } from './plugin.js'
import type { StreamView } from './queries.js'
import { ComingUp } from './event-pages.js'
import type { EventsService } from './events.js'
import type { LiveService } from './service.js'
import { MAX_OFFER_BYTES } from './webrtc.js'
import { categoryOf, ListPage, NewPage, StreamPage, type Categories, type NewValues } from './views.js'

const require = createRequire(import.meta.url)
/** The light build (no subtitles, alternate audio or DRM: a live stream needs none). */
const HLS_JS = require.resolve('hls.js/dist/hls.light.min.js')
let hlsJs: Promise<Buffer> | null = null
/** A view of kept bytes, not a copy (the same playlist and segments go to every viewer). */
const view = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength) as Uint8Array<ArrayBuffer>

/** A form's refusal as the page shows it: beside its field when it names one, else above the form. */
const problemOf = (err: { message: string; details: Record<string, unknown> }): Record<string, string> => {
  const fields = err.details.fields as Record<string, string> | undefined
  return fields && Object.keys(fields).length ? fields : { [WHOLE_INPUT]: err.message }
}

/**
 * The API's view of a stream, as this member sees it (behind the delay: live until its end has aired). `categories`
 * holds its category when it has one (`service.categoriesOf`).
 */
async function streamJson(s: StreamView, service: LiveService, viewer: Viewer | null, categories?: Categories) {
  const seen = await service.seen(viewer, s)
  const replay = s.status === 'ended' ? await service.replays.info(s.id) : null
  const category = categoryOf(categories ?? (await service.categoriesOf([s])), s)
  return {
    id: s.id,
    title: s.title,
    category: category && { slug: category.slug, name: category.name },
    streamer: { id: s.user_id, username: s.username, display_name: s.display_name },
    audience: s.audience,
    chat: s.chat,
    save_replay: s.save_replay === 1,
    source: s.source,
    status: seen.status,
    state: seen.state,
    viewers: seen.status === 'live' ? service.viewers(s.id) : 0,
    created_at: s.created_at,
    ended_at: seen.status === 'ended' ? s.ended_at : null,
    playlist_url: seen.status === 'live' ? `/live/${s.id}/hls/index.m3u8` : null,
    /** WHEP (POST an SDP offer): under a second behind; null when the stream is served over HLS only (a delay, a copied picture). */
    webrtc_url: seen.status === 'live' && service.webrtc(s.id).offered ? `/live/${s.id}/whep` : null,
    /** The playlist has its first segments: a player may load it. */
    playlist_ready: seen.playlistReady,
    delay_seconds: s.delay_seconds,
    /** This member sees the live edge (streamer, staff, moderators); others are `delay_seconds` behind. */
    live_edge: seen.edge,
    slow_seconds: s.slow_seconds,
    pinned: await service.pinned(viewer, s),
    replay:
      seen.status === 'ended' && replay
        ? { status: replay.status, duration: replay.duration, expires_at: replay.expires_at, ...(replay.status === 'ready' ? { playlist_url: `/live/${s.id}/hls/replay.m3u8`, poster_url: `/live/${s.id}/poster.jpg` } : {}) }
        : null,
  }
}

export function liveRoutes(ctx: LiveContext, service: LiveService, events: EventsService) {
  const app = new Hono<AppEnv>()
  const { requireMember } = ctx.http
  const me = (c: Context<AppEnv>) => ctx.http.viewer(c)!
  const back = (c: Context<AppEnv>, id: number, notice: string) => c.redirect(`/live/${id}?notice=${notice}`, 303)

  // The player, only for browsers without native HLS, loaded by watch.js when needed.
  app.get('/plugins/live/hls.js', async (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8')
    c.header('Cache-Control', 'public, max-age=86400')
    return c.body(new Uint8Array(await (hlsJs ??= readFile(HLS_JS))))
  })

  // ---- Pages

  /**
   * The live directory as this viewer sees it: narrowed to `?category=SLUG` (an unknown or turned-off one is
   * VALIDATION_FAILED on the field category), with a member's interests first (not their own streams).
   */
  const directory = async (viewerId: number | null, slug: string | undefined, limit: number) => {
    const categoryId = slug ? await ctx.core.categories.idFor(slug) : null
    const interestIds = viewerId !== null && categoryId === null ? await service.interestIds(viewerId) : []
    const streams = await service.list(viewerId, limit, { categoryId, interestIds })
    const inInterests = (s: StreamView) => s.category_id !== null && s.user_id !== viewerId && interestIds.includes(s.category_id)
    return { streams, categoryId, inInterests, categories: await service.categoriesOf(streams) }
  }

  app.get('/live', async (c) => {
    const viewer = ctx.http.viewer(c)
    const slug = c.req.query('category')?.trim().toLowerCase() || undefined
    const categoryList = await ctx.core.categories.list()
    const coming = <ComingUp events={await events.upcoming(viewer?.id ?? null, 20)} />
    let found: Awaited<ReturnType<typeof directory>>
    try {
      found = await directory(viewer?.id ?? null, slug, 50)
    } catch (err) {
      if (!isAppError(err) || err.code !== 'VALIDATION_FAILED') throw err
      return ctx.http.page(c, { title: 'Live', status: 400 }, <ListPage streams={[]} viewer={viewer} categoryList={categoryList} problem={err.message}>{coming}</ListPage>)
    }
    const { streams, inInterests, categories } = found
    return ctx.http.page(
      c,
      { title: slug ? `Live: ${categoryList.find((k) => k.slug === slug)?.name ?? slug}` : 'Live' },
      <ListPage
        streams={streams.filter((s) => !inInterests(s))}
        forYou={streams.filter(inInterests)}
        viewer={viewer}
        viewers={new Map(streams.map((s) => [s.id, service.viewers(s.id)]))}
        categoryList={categoryList}
        category={slug ? categoryList.find((k) => k.slug === slug) : null}
        categories={categories}
      >
        {coming}
      </ListPage>,
    )
  })

  const newPage = async (c: Context<AppEnv>, values: NewValues, errors: Record<string, string>, status: 200 | 400 | 409 = 200) =>
    ctx.http.page(c, { title: 'Go live', status }, <NewPage csrf={ctx.http.csrfToken(c)} values={values} errors={errors} delays={await service.delayChoices()} guidelines={await ctx.http.guidelines(c, { next: '/live/new' })} categories={await ctx.core.categories.list()} />)

  app.get('/live/new', requireMember, (c) => newPage(c, { audience: 'public', chat: 'on' }, {}))

  app.post('/live/new', requireMember, async (c) => {
    const form = await ctx.http.form(c)
    const parsed = streamInput.safeParse(form)
    if (!parsed.success) return newPage(c, form, fieldsOf(parsed.error), 400)
    try {
      const s = await service.create(me(c), parsed.data)
      return c.redirect(`/live/${s.id}${form.source === 'screen' ? '?source=screen' : ''}`, 303)
    } catch (err) {
      if (!isAppError(err) || (err.status !== 409 && err.status !== 400)) throw err
      return newPage(c, form, problemOf(err), err.status)
    }
  })

  app.get('/live/:id{[0-9]+}', async (c) => {
    const viewer = ctx.http.viewer(c)
    const s = await service.find(viewer?.id ?? null, ctx.http.id(c))
    const seen = await service.seen(viewer, s)
    const moderate = await service.atLiveEdge(viewer, s.user_id)
    const owner = !!viewer && (viewer.id === s.user_id || viewer.role !== 'member')
    return ctx.http.page(
      c,
      { title: s.title },
      <StreamPage
        stream={s}
        viewer={viewer}
        csrf={ctx.http.csrfToken(c)}
        chat={await service.history(viewer, s.id)}
        state={seen.state}
        timeline={{ status: seen.status, edge: seen.edge, pinned: await service.pinned(viewer, s), replay: seen.status === 'ended' ? await service.replays.info(s.id) : null, owner }}
        viewers={service.viewers(s.id)}
        notice={c.req.query('notice')}
        source={c.req.query('source')}
        moderate={moderate}
        gifts={ctx.plugins.enabled('coins')}
        guidelines={seen.status === 'live' ? await ctx.http.guidelines(c, { kind: 'message' }) : null}
        category={categoryOf(await service.categoriesOf([s]), s)}
        categoryList={owner ? await ctx.core.categories.list() : []}
      />,
    )
  })

  app.post('/live/:id{[0-9]+}/end', requireMember, async (c) => {
    const id = ctx.http.id(c)
    await service.end(me(c), id)
    return back(c, id, 'ended')
  })

  app.post('/live/:id{[0-9]+}/chat', requireMember, async (c) => {
    const id = ctx.http.id(c)
    await service.say(me(c), id, parse(chatText, await ctx.http.form(c)).text)
    return back(c, id, 'sent')
  })

  app.post('/live/:id{[0-9]+}/chat/:mid{[0-9]+}/delete', requireMember, async (c) => {
    const id = ctx.http.id(c)
    await service.deleteMessage(me(c), id, ctx.http.id(c, 'mid'))
    return back(c, id, 'deleted')
  })

  app.post('/live/:id{[0-9]+}/bans', requireMember, async (c) => {
    const id = ctx.http.id(c)
    await service.ban(me(c), id, await ctx.http.form(c))
    return back(c, id, 'banned')
  })

  app.post('/live/:id{[0-9]+}/category', requireMember, async (c) => {
    const id = ctx.http.id(c)
    await service.setCategory(me(c), id, parse(categoryInput, await ctx.http.form(c)).category)
    return back(c, id, 'category')
  })

  app.post('/live/:id{[0-9]+}/chat-mode', requireMember, async (c) => {
    const id = ctx.http.id(c)
    await service.setChat(me(c), id, parse(chatModeInput, await ctx.http.form(c)).chat)
    return back(c, id, 'chat')
  })

  // ---- HLS: the playlist only when whole, segments by name; both only to viewers the audience allows.

  // Both answer with their length declared, so nothing downstream (usage counting, the adapter) has to find it out.
  app.get('/live/:id{[0-9]+}/hls/index.m3u8', async (c) => {
    const list = await service.playlistBody(ctx.http.viewer(c), ctx.http.id(c))
    if (list === null) throw ctx.http.error(404, 'NOT_FOUND', 'That stream does not exist.')
    // The bytes every viewer of a stream without a delay shares, as read once; behind a delay, the viewer's own text.
    const bytes = typeof list === 'string' ? Buffer.from(list) : list.bytes
    return c.body(view(bytes), 200, { 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'no-store', 'Content-Length': String(bytes.byteLength) })
  })

  app.get('/live/:id{[0-9]+}/hls/:name', async (c) => {
    const bytes = await service.segment(ctx.http.viewer(c), ctx.http.id(c), c.req.param('name'))
    if (!bytes) throw ctx.http.error(404, 'NOT_FOUND', 'That file does not exist.')
    return c.body(view(bytes), 200, { 'Content-Type': 'video/mp2t', 'Cache-Control': 'private, max-age=60', 'Content-Length': String(bytes.byteLength) })
  })

  // ---- WebRTC (WHEP, RFC 9725): an SDP offer in, the answer out; the same audience check as the playlist.

  app.post('/live/:id{[0-9]+}/whep', async (c) => {
    const id = ctx.http.id(c)
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/sdp')) throw ctx.http.error(400, 'BAD_SDP', 'Send an SDP offer with Content-Type: application/sdp.')
    if (Number(c.req.header('content-length') ?? 0) > MAX_OFFER_BYTES) throw ctx.http.error(413, 'PAYLOAD_TOO_LARGE', `An offer is at most ${MAX_OFFER_BYTES / 1000} KB.`)
    // Each offer costs a peer connection for up to 20 s: a member 20 a minute, an address 60 (guests behind one NAT).
    const viewer = ctx.http.viewer(c)
    ctx.core.limits.hit(viewer ? `whep:user:${viewer.id}` : `whep:ip:${c.get('ip')}`, { limit: viewer ? 20 : 60, windowSeconds: 60, message: (s) => `Too many offers; wait ${s} s (or play the HLS playlist).` })
    const { session, sdp } = await service.whep(viewer, id, await c.req.text())
    c.header('Content-Type', 'application/sdp')
    c.header('Location', `/live/${id}/whep/${session}`)
    c.header('Cache-Control', 'no-store')
    return c.body(sdp, 201)
  })

  app.delete('/live/:id{[0-9]+}/whep/:session{[0-9a-f]{32}}', async (c) => {
    if (!(await service.hangUp(ctx.http.id(c), c.req.param('session')))) throw ctx.http.error(404, 'NOT_FOUND', 'That session does not exist.')
    return c.body(null, 204)
  })

  // ---- API

  app.get('/api/v1/live/streams', async (c) => {
    const limit = ctx.http.limit(c, { fallback: 20, max: 50 })
    const viewer = ctx.http.viewer(c)
    const { streams, inInterests, categories } = await directory(viewer?.id ?? null, c.req.query('category')?.trim().toLowerCase() || undefined, limit)
    return ctx.http.json(c, await Promise.all(streams.map(async (s) => ({ ...(await streamJson(s, service, viewer, categories)), in_interests: inInterests(s) }))))
  })

  app.post('/api/v1/live/streams', requireMember, async (c) => {
    const s = await service.create(me(c), parse(streamInput, await ctx.http.jsonBody(c)))
    return ctx.http.json(c, await streamJson(s, service, me(c)), 201)
  })

  app.get('/api/v1/live/streams/:id{[0-9]+}', async (c) => {
    const viewer = ctx.http.viewer(c)
    const s = await service.find(viewer?.id ?? null, ctx.http.id(c))
    const json = await streamJson(s, service, viewer)
    // The STUN/TURN servers (expiring credentials) a member's player offers with, for a network that needs a relay.
    return ctx.http.json(c, { ...json, ice_servers: json.webrtc_url && viewer ? await ctx.core.rtc.iceServers(viewer.id) : [] })
  })

  app.post('/api/v1/live/streams/:id{[0-9]+}/end', requireMember, async (c) => {
    const id = ctx.http.id(c)
    await service.end(me(c), id)
    return ctx.http.json(c, await streamJson(await service.find(me(c).id, id), service, me(c)))
  })

  app.get('/api/v1/live/streams/:id{[0-9]+}/chat', async (c) => {
    // Lines and gifts in their order on the timeline (`kind` tells them apart), by the chat's rules.
    return ctx.http.json(c, await service.history(ctx.http.viewer(c), ctx.http.id(c), ctx.http.limit(c, { fallback: 50, max: 100 })))
  })

  app.post('/api/v1/live/streams/:id{[0-9]+}/chat', requireMember, async (c) => {
    const { text } = parse(chatText, await ctx.http.jsonBody(c))
    return ctx.http.json(c, await service.say(me(c), ctx.http.id(c), text), 201)
  })

  app.delete('/api/v1/live/streams/:id{[0-9]+}/chat/:mid{[0-9]+}', requireMember, async (c) => {
    await service.deleteMessage(me(c), ctx.http.id(c), ctx.http.id(c, 'mid'))
    return ctx.http.json(c, { deleted: true })
  })

  app.post('/api/v1/live/streams/:id{[0-9]+}/bans', requireMember, async (c) => {
    return ctx.http.json(c, await service.ban(me(c), ctx.http.id(c), await ctx.http.jsonBody(c)), 201)
  })

  app.patch('/api/v1/live/streams/:id{[0-9]+}', requireMember, async (c) => {
    const id = ctx.http.id(c)
    const patch = parse(streamPatch, await ctx.http.jsonBody(c))
    // The category first: an unknown one refuses the whole change.
    if (patch.category !== undefined) await service.setCategory(me(c), id, patch.category)
    if (patch.chat !== undefined) await service.setChat(me(c), id, patch.chat)
    if (patch.slow_seconds !== undefined) await service.setSlow(me(c), id, patch.slow_seconds)
    return ctx.http.json(c, await streamJson(await service.find(me(c).id, id), service, me(c)))
  })

  return app
}
