// The wave board page, its form, a JSON endpoint, and the pieces shown on the home page and profiles.
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv, PublicUser } from '../../core/plugins/api.js'
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

export function helloRoutes(ctx: HelloContext) {
  const app = new Hono<AppEnv>()

  app.get('/hello', async (c) => {
    const viewer = ctx.http.viewer(c)
    const waves = await recentWaves(ctx.db, await ctx.settings.get('shown'))
    return ctx.http.page(
      c,
      { title: 'Hello' },
      <>
        <section class="card">
          <h1>
            <img src="/plugins/hello/wave.svg" alt="" width={28} height={28} /> {await ctx.settings.get('greeting')}
          </h1>
          {viewer ? (
            <form method="post" action="/hello/waves" class="actions">
              <input type="hidden" name="_csrf" value={ctx.http.csrfToken(c)} />
              <input name="message" maxLength={140} placeholder="Say something (optional)" aria-label="Message" />
              <button type="submit">Wave</button>
            </form>
          ) : (
            <p>
              <a href="/login?next=/hello">Log in</a> to wave.
            </p>
          )}
        </section>
        <ul class="card" data-waves>
          {waves.map((w) => (
            <li>
              <a href={`/u/${w.username}`}>@{w.username}</a> {w.message || 'waved'}
            </li>
          ))}
        </ul>
      </>,
    )
  })

  app.post('/hello/waves', ctx.http.requireMember, async (c) => {
    const viewer = ctx.http.viewer(c)!
    const parsed = waveInput.safeParse(await c.req.parseBody())
    if (!parsed.success) throw ctx.http.error(400, 'VALIDATION_FAILED', parsed.error.issues[0]!.message)
    const waveId = await addWave(ctx.db, viewer.id, parsed.data.message)
    await ctx.hooks.emit('action:hello.waved', { userId: viewer.id, waveId, message: parsed.data.message })
    ctx.realtime.publish(viewer.id, 'waved', { waveId })
    return c.redirect('/hello', 303)
  })

  app.get('/api/v1/hello/waves', async (c) => ctx.http.json(c, await recentWaves(ctx.db, await ctx.settings.get('shown'))))

  return app
}
