// The wave board page, its form, a JSON endpoint, and the pieces shown on the home page and profiles.
import { Hono } from 'hono'
import { z } from 'zod'
import { CsrfField, parse, type AppEnv, type PublicUser } from '../../core/plugins/api.js'
import type { HelloContext } from './plugin.js'
import { addWave, recentWaves } from './queries.js'

const waveInput = z.object({ message: z.string().trim().max(140, 'Keep your wave under 140 characters.').default('') })

export function WaveCount({ count }: { count: number }) {
  return (
    <section class="card" data-hello-count>
      <a href="/hello">{count === 1 ? '1 wave' : `${count} waves`}</a> on the hello board.
    </section>
  )
}

export async function WavesTab(ctx: HelloContext, profile: PublicUser) {
  const waves = await recentWaves(ctx.db, 20, profile.id)
  return <section class="card">{waves.length ? <ul>{waves.map((w) => <li>{w.message || 'waved'}</li>)}</ul> : <p class="muted">No waves yet.</p>}</section>
}

type WaveRow = { id: number; username: string; message: string; waved_back_at: string | null }

/**
 * The form and the list of waves. Without JavaScript the form posts and the page reloads; with htmx the
 * post answers this fragment and it replaces itself (which also empties the form).
 */
function WaveBoard({ waves, csrfToken, member }: { waves: WaveRow[]; csrfToken: string; member: boolean }) {
  return (
    <div id="wave-board">
      {member ? (
        <form method="post" action="/hello/waves" class="card actions" hx-post="/hello/waves" hx-target="#wave-board" hx-swap="outerHTML">
          <CsrfField token={csrfToken} />
          <input name="message" maxLength={140} placeholder="Say something (optional)" aria-label="Message" />
          <button type="submit">Wave</button>
        </form>
      ) : (
        <p class="card">
          <a href="/login?next=/hello">Log in</a> to wave.
        </p>
      )}
      <ul class="card" data-waves>
        {waves.map((w) => (
          <li>
            <a href={`/u/${w.username}`}>@{w.username}</a> {w.message || 'waved'}
            {w.waved_back_at ? <small class="muted"> · the board waved back</small> : null}
          </li>
        ))}
      </ul>
    </div>
  )
}

export function helloRoutes(ctx: HelloContext) {
  const app = new Hono<AppEnv>()

  const board = async (c: Parameters<typeof ctx.http.viewer>[0]) => (
    <WaveBoard waves={await recentWaves(ctx.db, await ctx.settings.get('shown'))} csrfToken={ctx.http.csrfToken(c)} member={!!ctx.http.viewer(c)} />
  )

  app.get('/hello', async (c) =>
    ctx.http.page(
      c,
      { title: 'Hello' },
      <>
        <h1>
          <img src="/plugins/hello/wave.svg" alt="" width={28} height={28} /> {await ctx.settings.get('greeting')}
        </h1>
        {await board(c)}
        {ctx.http.viewer(c) ? (
          <>
            <p class="muted" data-typing aria-live="polite"></p>
            <script src="/plugins/hello/typing.js" defer></script>
          </>
        ) : null}
      </>,
    ),
  )

  app.post('/hello/waves', ctx.http.requireMember, async (c) => {
    const viewer = ctx.http.viewer(c)!
    // The kit's parse: a bad message is VALIDATION_FAILED with details.fields.message, as in core.
    const { message } = parse(waveInput, await ctx.http.form(c))
    // The wave and the job that waves back commit together: no wave is ever left without its wave back.
    const runAt = new Date(Date.now() + (await ctx.settings.get('wave_back_seconds')) * 1000)
    const waveId = await ctx.db.transaction().execute(async (trx) => {
      const id = await addWave(trx, viewer.id, message)
      await ctx.jobs.enqueue('wave-back', { waveId: id }, { runAt, key: `wave-back:${id}`, db: trx })
      return id
    })
    await ctx.hooks.emit('action:hello.waved', { userId: viewer.id, waveId, message })
    ctx.realtime.publish(viewer.id, 'waved', { waveId })
    if (c.req.header('hx-request')) return ctx.http.fragment(c, await board(c))
    return c.redirect('/hello', 303)
  })

  app.get('/api/v1/hello/waves', async (c) => ctx.http.json(c, await recentWaves(ctx.db, await ctx.settings.get('shown'))))

  return app
}
