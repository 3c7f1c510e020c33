// Staff's live page (/live/staff): every live stream with its viewers and a frame from its newest segment, ending
// any stream, banning a member from going live for a period, and the members verified for live. Its API is under
// /api/v1/live/staff. Staff see every stream here whatever its audience: moderating needs it.
import { Hono, type Context } from 'hono'
import type { VNode } from 'preact'
import { z } from 'zod'
import { ActionForm, CsrfField, EmptyState, Field, FormError, Notice, parse, relativeTime, shortTime, type AppEnv, type Viewer } from '../../core/plugins/api.js'
import { accessList, setBan, setVerified, type AccessRow } from './access.js'
import { frameOf } from './frames.js'
import type { LiveContext } from './plugin.js'
import * as q from './queries.js'
import type { LiveReports } from './reports.js'
import type { LiveService, StreamState } from './service.js'
import type { ReplayRow } from './timeline-queries.js'
import type { StreamSource } from './tables.js'

const Styles = () => <link rel="stylesheet" href="/plugins/live/live.css" />
const NOTICES = { 'replay-deleted': 'The replay was deleted.', ended: 'The stream was ended.', banned: 'Banned from going live.', lifted: 'The ban was lifted.', verified: 'Verified for live.', unverified: 'No longer verified for live.' }

export const liveBanInput = z.object({
  username: z.string().trim().min(1, { error: 'Give the member’s username.' }).max(40),
  hours: z.coerce.number({ error: 'Give a number of hours.' }).int({ error: 'Give whole hours.' }).min(1, { error: 'At least 1 hour.' }).max(24 * 365, { error: 'At most a year (8760 hours).' }),
  reason: z.string().trim().max(300, { error: 'Reasons are at most 300 characters.' }).default(''),
})

export interface StaffStream {
  id: number
  title: string
  username: string
  display_name: string
  source: StreamSource
  state: StreamState
  viewers: number
  /** Viewers over WebRTC (the rest over HLS); null when the stream is HLS only. */
  webrtc: number | null
  started_at: string
}

/** A frame of the newest segment as JPEG, at most every few seconds per stream (ffmpeg reads the segment on stdin). */
function thumbnails(ctx: LiveContext, live: LiveService) {
  const cache = new Map<number, { segment: string; jpeg: Promise<Buffer | null> }>()
  live.onEnded((id) => void cache.delete(id))

  return async (id: number): Promise<Buffer | null> => {
    const playlist = await live.ingests.playlist(id)
    const newest = playlist ? [...playlist.matchAll(/^(seg\d+\.ts)$/gm)].pop()?.[1] : undefined
    if (!newest) return null
    const hit = cache.get(id)
    if (hit?.segment === newest) return hit.jpeg
    const jpeg = live.ingests.segment(id, newest).then((ts) => (ts ? frameOf(ctx, ts) : null))
    cache.set(id, { segment: newest, jpeg })
    return jpeg
  }
}

function StaffPage({ streams, access, csrf, notice, error }: { streams: StaffStream[]; access: (AccessRow & { username: string })[]; csrf: string; notice?: string; error?: string }) {
  const now = new Date().toISOString()
  const banned = access.filter((a) => a.banned_until && a.banned_until > now)
  const verified = access.filter((a) => a.verified)
  return (
    <section class="live-staff">
      <Styles />
      <h1>Live streams</h1>
      <Notice notices={NOTICES} notice={notice} />
      <FormError message={error} />
      {streams.length ? (
        <ul class="live-cards live-staff-streams">
          {streams.map((s) => (
            <li class="live-card" data-staff-stream={s.id}>
              <img src={`/live/staff/streams/${s.id}/thumb.jpg`} alt={`A frame of ${s.title}`} width={320} height={180} loading="lazy" />
              <strong>
                <a href={`/live/staff/streams/${s.id}`}>{s.title}</a>
              </strong>
              <span class="muted">
                {s.display_name} (@{s.username}) · {s.source === 'rtmp' ? 'OBS' : 'browser'} · {s.state} · <span data-viewers>{s.viewers}</span> watching{s.webrtc !== null && ` (${s.webrtc} over WebRTC)`} · started{' '}
                {relativeTime(s.started_at)} ago
              </span>
              <ActionForm action={`/live/staff/streams/${s.id}/end`} csrf={csrf} label="End stream" class="danger" title={`End stream: ${s.title}`} />
            </li>
          ))}
        </ul>
      ) : (
        <EmptyState icon="radio" title="Nobody is live right now" />
      )}
      <section class="card">
        <h2>Ban from going live</h2>
        <form method="post" action="/live/staff/bans">
          <CsrfField token={csrf} />
          <Field name="username" label="Username" value="" required />
          <Field name="hours" label="For how many hours" type="number" value="24" required />
          <Field name="reason" label="Reason (they are shown it)" value="" maxLength={300} />
          <button type="submit">Ban</button>
        </form>
        {banned.length > 0 && (
          <ul data-live-bans>
            {banned.map((b) => (
              <li>
                @{b.username} until {shortTime(b.banned_until)} UTC{b.ban_reason ? `: ${b.ban_reason}` : ''}{' '}
                <ActionForm action={`/live/staff/bans/${b.username}/lift`} csrf={csrf} label="Lift" class="link" title={`Lift the ban on @${b.username}`} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section class="card">
        <h2>Verified for live</h2>
        <p class="muted">When only verified members may go live (Admin → Plugins → live), these may.</p>
        <form method="post" action="/live/staff/verified">
          <CsrfField token={csrf} />
          <Field name="username" label="Username" value="" required />
          <button type="submit">Verify</button>
        </form>
        {verified.length > 0 && (
          <ul data-live-verified>
            {verified.map((v) => (
              <li>
                @{v.username} <ActionForm action={`/live/staff/verified/${v.username}/remove`} csrf={csrf} label="Remove" class="link" title={`Remove @${v.username} from verified`} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </section>
  )
}

/** One stream as staff see it, from the staff page or a report: whatever its audience, live (at the live edge) or its replay. */
function StaffStreamPage({ s, state, replay, chat, csrf, notice }: { s: q.StreamView; state: StreamState; replay: ReplayRow | null; chat: q.ChatLine[]; csrf: string; notice?: string }) {
  const live = s.status === 'live'
  const src = live ? `/live/staff/streams/${s.id}/hls/index.m3u8` : replay?.status === 'ready' ? `/live/staff/streams/${s.id}/hls/replay.m3u8` : null
  return (
    <section class="live-staff" data-live-stream={s.id} data-staff-stream-page>
      <Styles />
      <p>
        <a href="/live/staff">All live streams</a>
      </p>
      <h1>{s.title}</h1>
      <Notice notices={NOTICES} notice={notice} />
      <p class="muted">
        {s.display_name} (@{s.username}) · {s.audience === 'followers' ? 'followers only' : 'public'} · {s.source === 'rtmp' ? 'OBS' : 'browser'} · started {shortTime(s.created_at)} UTC ·{' '}
        {live ? state : `ended${s.ended_at ? ` ${shortTime(s.ended_at)} UTC` : ''}`}
      </p>
      {src ? (
        <video data-replay-player data-src={src} controls muted playsinline aria-label={live ? `Live video: ${s.title}` : `Replay: ${s.title}`}></video>
      ) : (
        <p class="muted">{replay ? 'Its replay is being prepared.' : 'Ended without a replay: only its chat is left.'}</p>
      )}
      <div class="live-controls">
        {live && <ActionForm action={`/live/staff/streams/${s.id}/end`} csrf={csrf} label="End stream" class="danger" title={`End stream: ${s.title}`} />}
        {replay && <ActionForm action={`/live/staff/streams/${s.id}/replay/delete`} csrf={csrf} label="Delete replay" class="danger" title={`Delete replay: ${s.title}`} />}
      </div>
      <h2>Chat ({chat.length ? `the last ${chat.length}` : 'none'})</h2>
      <ol class="live-staff-chat" data-chat-list>
        {chat.map((l) => (
          <li data-chat-id={l.id}>
            <span class="muted">{shortTime(l.created_at)}</span> <a href={`/u/${l.username}`}>{l.display_name}</a> {l.text}
          </li>
        ))}
      </ol>
      {src && <script src="/plugins/live/watch.js" defer></script>}
    </section>
  )
}

/** The admin overview's card: how many are live, and the way to the staff page. */
export function StaffOverview({ count }: { count: number }): VNode {
  return (
    <section class="card" data-live-overview>
      <h2>Live</h2>
      <p>
        {count} live {count === 1 ? 'stream' : 'streams'} now. <a href="/live/staff">Open the live page</a>
      </p>
    </section>
  )
}

export function staffRoutes(ctx: LiveContext, live: LiveService, reports: LiveReports) {
  const app = new Hono<AppEnv>()
  const staff = ctx.http.requireRole('moderator')
  const me = (c: Context<AppEnv>) => ctx.http.viewer(c)!
  const thumb = thumbnails(ctx, live)

  async function streams(): Promise<StaffStream[]> {
    const out: StaffStream[] = []
    for (const a of live.activeStreams()) {
      const s = await q.streamById(ctx.db, a.id)
      const u = s && (await ctx.core.users.find(s.user_id))
      if (!s || !u || s.status !== 'live') continue
      out.push({ id: s.id, title: s.title, username: u.username, display_name: u.display_name, source: a.source, state: a.state, viewers: a.viewers, webrtc: a.webrtc, started_at: s.created_at })
    }
    return out
  }

  /** Staff end any live stream, whatever its audience. */
  async function endStream(actor: Viewer, id: number) {
    const s = await q.streamById(ctx.db, id)
    if (!s || s.status !== 'live') throw ctx.http.error(404, 'NOT_FOUND', 'That stream does not exist or has ended.')
    await live.endFor(id, 'staff')
    ctx.log.info({ stream: id, by: actor.username }, 'live: stream ended by staff')
  }

  const target = async (username: string) => {
    const u = await ctx.core.users.find(username.replace(/^@/, ''))
    if (!u) throw ctx.http.error(404, 'NOT_FOUND', 'No member has that username.')
    return u
  }

  /** Ban for some hours; a stream of theirs live now ends. */
  async function ban(actor: Viewer, raw: unknown) {
    const input = parse(liveBanInput, raw)
    const u = await target(input.username)
    if (u.role !== 'member') throw ctx.http.error(400, 'VALIDATION_FAILED', 'Staff cannot be banned from going live here; change their role first.')
    const until = new Date(Date.now() + input.hours * 3_600_000).toISOString()
    await setBan(ctx.db, u.id, until, input.reason, actor.id)
    const current = await q.liveStreamOf(ctx.db, u.id)
    if (current) await live.endFor(current.id, 'staff')
    ctx.log.info({ user: u.username, until, by: actor.username }, 'live: member banned from going live')
    return { username: u.username, until, reason: input.reason }
  }

  const page = async (c: Context<AppEnv>, error?: string, status: 200 | 400 | 404 = 200) =>
    ctx.http.page(
      c,
      { title: 'Live streams (staff)', status },
      <StaffPage streams={await streams()} access={await accessList(ctx.db, new Date().toISOString())} csrf={ctx.http.csrfToken(c)} notice={c.req.query('notice')} error={error} />,
    )
  /** A staff form: done, back to the page with a notice; refused, the page with the reason. */
  const act = (run: (c: Context<AppEnv>, form: Record<string, string>) => Promise<string>) => async (c: Context<AppEnv>) => {
    const form = await ctx.http.form(c)
    try {
      return c.redirect(`/live/staff?notice=${await run(c, form)}`, 303)
    } catch (err) {
      const e = err as { status?: number; message: string }
      if (e.status !== 400 && e.status !== 404) throw err
      return page(c, e.message, e.status)
    }
  }

  app.get('/live/staff', staff, (c) => page(c))

  // ---- One stream, for staff (from the list or a report), whatever its audience: each look at one they could not
  // watch as members is written to the audit log.

  const anyStream = async (c: Context<AppEnv>) => {
    const s = await q.streamWithStreamer(ctx.db, ctx.http.id(c))
    if (!s) throw ctx.http.error(404, 'NOT_FOUND', 'That stream does not exist.')
    return s
  }

  app.get('/live/staff/streams/:id{[0-9]+}', staff, async (c) => {
    const s = await anyStream(c)
    const viewer = me(c)
    if (!(await q.streamFor(ctx.db, viewer.id, s.id))) await ctx.core.audit({ actorId: viewer.id, action: 'stream.viewed', targetType: 'live.stream', targetId: s.id, details: { audience: s.audience } })
    return ctx.http.page(
      c,
      { title: `${s.title} (staff)` },
      <StaffStreamPage s={s} state={live.state(s.id)} replay={await live.replays.info(s.id)} chat={await q.chatOf(ctx.db, s.id, null, { limit: 100 })} csrf={ctx.http.csrfToken(c)} notice={c.req.query('notice')} />,
    )
  })

  // Its HLS at the live edge, or its replay; segments by name (the same names in both).
  app.get('/live/staff/streams/:id{[0-9]+}/hls/:name', staff, async (c) => {
    const s = await anyStream(c)
    const name = c.req.param('name')
    const text = name === 'index.m3u8' ? (s.status === 'live' ? await live.ingests.playlist(s.id) : null) : name === 'replay.m3u8' ? await live.replays.staffPlaylist(s.id) : undefined
    if (text !== undefined) {
      if (text === null) throw ctx.http.error(404, 'NOT_FOUND', 'That playlist does not exist.')
      c.header('Content-Type', 'application/vnd.apple.mpegurl')
      c.header('Cache-Control', 'no-store')
      return c.body(text)
    }
    const bytes = !/^seg\d{1,9}\.ts$/.test(name) ? null : s.status === 'live' ? await live.ingests.segment(s.id, name) : await live.replays.segment(s, name)
    if (!bytes) throw ctx.http.error(404, 'NOT_FOUND', 'That file does not exist.')
    c.header('Content-Type', 'video/mp2t')
    c.header('Cache-Control', 'private, no-store')
    return c.body(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) as Uint8Array<ArrayBuffer>)
  })

  app.post('/live/staff/streams/:id{[0-9]+}/replay/delete', staff, async (c) => {
    const s = await anyStream(c)
    if (!(await live.replays.discard(s.id))) throw ctx.http.error(404, 'NOT_FOUND', 'That replay does not exist.')
    ctx.log.info({ stream: s.id, by: me(c).username }, 'live: replay deleted by staff')
    return c.redirect(`/live/staff/streams/${s.id}?notice=replay-deleted`, 303)
  })

  // The frame a report kept (reports.ts), until the report is decided.
  app.get('/live/staff/reports/frames/:name', staff, async (c) => {
    const jpeg = await reports.frame(c.req.param('name'))
    if (!jpeg) throw ctx.http.error(404, 'NOT_FOUND', 'That frame does not exist.')
    c.header('Content-Type', 'image/jpeg')
    c.header('Cache-Control', 'private, no-store')
    return c.body(new Uint8Array(jpeg))
  })

  app.get('/live/staff/streams/:id{[0-9]+}/thumb.jpg', staff, async (c) => {
    const jpeg = await thumb(ctx.http.id(c))
    if (!jpeg) throw ctx.http.error(404, 'NOT_FOUND', 'No frame yet.')
    c.header('Content-Type', 'image/jpeg')
    c.header('Cache-Control', 'private, no-store')
    return c.body(new Uint8Array(jpeg))
  })

  app.post(
    '/live/staff/streams/:id{[0-9]+}/end',
    staff,
    act(async (c) => {
      await endStream(me(c), ctx.http.id(c))
      return 'ended'
    }),
  )
  app.post('/live/staff/bans', staff, act(async (c, form) => (await ban(me(c), form), 'banned')))
  app.post(
    '/live/staff/bans/:username/lift',
    staff,
    act(async (c) => {
      await setBan(ctx.db, (await target(c.req.param('username') ?? '')).id, null, '', me(c).id)
      return 'lifted'
    }),
  )
  app.post(
    '/live/staff/verified',
    staff,
    act(async (c, form) => {
      await setVerified(ctx.db, (await target(form.username ?? '')).id, true, me(c).id)
      return 'verified'
    }),
  )
  app.post(
    '/live/staff/verified/:username/remove',
    staff,
    act(async (c) => {
      await setVerified(ctx.db, (await target(c.req.param('username') ?? '')).id, false, me(c).id)
      return 'unverified'
    }),
  )

  // ---- API

  app.get('/api/v1/live/staff/streams', staff, async (c) => ctx.http.json(c, await streams()))
  app.post('/api/v1/live/staff/streams/:id{[0-9]+}/end', staff, async (c) => {
    await endStream(me(c), ctx.http.id(c))
    return ctx.http.json(c, { ended: true })
  })
  app.post('/api/v1/live/staff/bans', staff, async (c) => ctx.http.json(c, await ban(me(c), await ctx.http.jsonBody(c)), 201))
  app.delete('/api/v1/live/staff/bans/:username', staff, async (c) => {
    await setBan(ctx.db, (await target(c.req.param('username') ?? '')).id, null, '', me(c).id)
    return ctx.http.json(c, { lifted: true })
  })
  app.put('/api/v1/live/staff/verified/:username', staff, async (c) => {
    await setVerified(ctx.db, (await target(c.req.param('username') ?? '')).id, true, me(c).id)
    return ctx.http.json(c, { verified: true })
  })
  app.delete('/api/v1/live/staff/verified/:username', staff, async (c) => {
    await setVerified(ctx.db, (await target(c.req.param('username') ?? '')).id, false, me(c).id)
    return ctx.http.json(c, { verified: false })
  })

  return app
}
