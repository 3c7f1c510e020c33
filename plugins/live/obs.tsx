// Going live from OBS: the member's page (/live/obs) and API (/api/v1/live/key) for their RTMP address, their stream
// key (shown once when made or rotated, stored hashed) and the settings a push goes live with.
import { Hono, type Context } from 'hono'
import { ActionForm, CsrfField, Field, fieldsOf, FormError, isAppError, Notice, parse, shortTime, WHOLE_INPUT, type AppEnv, type CategoryView } from '../../core/plugins/api.js'
import { streamInput, type StreamInput } from './inputs.js'
import { deleteKey, keyOf, rotateKey, saveKeySettings, type KeyInfo } from './keys.js'
import type { LiveContext } from './plugin.js'
import { rtmpAddress, type RtmpIngest } from './rtmp-ingest.js'
import type { LiveService } from './service.js'
import { DelaySelect } from './timeline-views.js'
import { AUDIENCE_LABELS, CategorySelect, CHAT_LABELS } from './views.js'

const Styles = () => <link rel="stylesheet" href="/plugins/live/live.css" />
const NOTICES = { saved: 'Saved: your next push goes live with these settings.', deleted: 'Your stream key was deleted; pushes with it are refused.' }

interface ObsPageProps {
  csrf: string
  server: string | null
  info: KeyInfo | null
  /** A key just made: shown this once. */
  fresh?: string
  values: Partial<Record<keyof StreamInput, string | boolean | number>>
  errors: Record<string, string>
  notice?: string
  /** The delays this site allows (timeline-views.tsx). */
  delays?: { options: number[]; fallback: number }
  /** The site's enabled categories, to file the stream under one. */
  categories?: CategoryView[]
}

export function ObsPage({ csrf, server, info, fresh, values, errors, notice, delays, categories = [] }: ObsPageProps) {
  return (
    <section class="live-obs">
      <Styles />
      <h1>Go live from OBS</h1>
      <Notice notices={NOTICES} notice={notice} />
      <FormError message={errors[WHOLE_INPUT]} />
      {!server ? (
        <p class="muted">Streaming from OBS is off on this site. You can still go live from the browser.</p>
      ) : (
        <>
          <p>
            In OBS, open Settings → Stream, choose “Custom…”, and paste the server and your stream key. Use H.264 video and AAC audio (OBS’s
            defaults) and a keyframe interval of 1 or 2 seconds: they are passed on to viewers as they are.
          </p>
          <dl class="live-obs-keys">
            <dt>Server</dt>
            <dd>
              <code data-rtmp-server>{server}</code>
            </dd>
            <dt>Stream key</dt>
            <dd>
              {fresh ? (
                <>
                  <code data-stream-key>{fresh}</code>
                  <p class="alert alert-ok" role="status">
                    Copy it now: it is not shown again. Anyone with it can stream as you; make a new one if it leaks.
                  </p>
                </>
              ) : info ? (
                <span class="muted">
                  Hidden (made {shortTime(info.created_at)}
                  {info.last_used_at ? `, last used ${shortTime(info.last_used_at)}` : ', never used'}).
                </span>
              ) : (
                <span class="muted">You have no stream key yet.</span>
              )}
            </dd>
          </dl>
          <div class="live-controls">
            <ActionForm action="/live/obs/key" csrf={csrf} label={info ? 'Make a new key (the old one stops working)' : 'Make a stream key'} class={info ? 'secondary' : undefined} />
            {info && <ActionForm action="/live/obs/key/delete" csrf={csrf} label="Delete the key" class="danger" />}
          </div>
        </>
      )}
      {info && (
        <form method="post" action="/live/obs/settings" class="card">
          <h2>When you push</h2>
          <p class="muted">Your stream goes live with these settings (a scheduled event of yours due within 30 minutes goes live instead, with its title).</p>
          <CsrfField token={csrf} />
          <Field name="title" label="Title" value={String(values.title ?? '')} error={errors.title} maxLength={100} required />
          <label>
            Who may watch
            <select name="audience">
              {Object.entries(AUDIENCE_LABELS).map(([v, l]) => (
                <option value={v} selected={values.audience === v}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <label>
            Chat
            <select name="chat">
              {Object.entries(CHAT_LABELS).map(([v, l]) => (
                <option value={v} selected={values.chat === v}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <CategorySelect categories={categories} value={String(values.category ?? '')} error={errors.category} />
          {delays && <DelaySelect options={delays.options} value={Number(values.delay_seconds ?? delays.fallback)} error={errors.delay_seconds} />}
          <label>
            <input type="checkbox" name="save_replay" checked={values.save_replay === true || values.save_replay === 'on'} /> Keep a replay when the stream ends
          </label>
          <button type="submit">Save</button>
        </form>
      )}
    </section>
  )
}

export function obsRoutes(ctx: LiveContext, live: LiveService, rtmp: RtmpIngest) {
  const app = new Hono<AppEnv>()
  const { requireMember } = ctx.http
  const me = (c: Context<AppEnv>) => ctx.http.viewer(c)!

  /** The address for OBS, or null when RTMP is off. */
  const server = async (c: Context<AppEnv>) => {
    const port = rtmp.port() ?? (await ctx.settings.get('rtmp_port'))
    return port ? rtmpAddress(await ctx.settings.get('rtmp_url'), new URL(c.req.url).host, port) : null
  }

  const page = async (c: Context<AppEnv>, extra: { fresh?: string; values?: ObsPageProps['values']; errors?: Record<string, string>; status?: 200 | 400 | 403 } = {}) => {
    const info = await keyOf(ctx.db, me(c).id)
    const values = extra.values ?? info?.settings ?? {}
    return ctx.http.page(
      c,
      { title: 'Go live from OBS', status: extra.status ?? 200 },
      <ObsPage csrf={ctx.http.csrfToken(c)} server={await server(c)} info={info} fresh={extra.fresh} values={values} errors={extra.errors ?? {}} notice={c.req.query('notice')} delays={await live.delayChoices()} categories={await ctx.core.categories.list()} />,
    )
  }

  app.get('/live/obs', requireMember, (c) => page(c))

  // The key is answered in this response (not a redirect), so it is in no URL or history entry.
  app.post('/live/obs/key', requireMember, async (c) => {
    await ctx.http.form(c)
    try {
      await live.mayGoLive(me(c), false)
    } catch (err) {
      return page(c, { errors: { [WHOLE_INPUT]: (err as Error).message }, status: 403 })
    }
    return page(c, { fresh: await rotateKey(ctx.db, me(c).id) })
  })

  app.post('/live/obs/key/delete', requireMember, async (c) => {
    await ctx.http.form(c)
    await deleteKey(ctx.db, me(c).id)
    return c.redirect('/live/obs?notice=deleted', 303)
  })

  app.post('/live/obs/settings', requireMember, async (c) => {
    const form = await ctx.http.form(c)
    const parsed = streamInput.safeParse(form)
    if (!parsed.success) return page(c, { values: form, errors: fieldsOf(parsed.error), status: 400 })
    try {
      await ctx.core.categories.idFor(parsed.data.category)
    } catch (err) {
      if (!isAppError(err) || err.code !== 'VALIDATION_FAILED') throw err
      return page(c, { values: form, errors: { category: err.message }, status: 400 })
    }
    await saveKeySettings(ctx.db, me(c).id, parsed.data)
    return c.redirect('/live/obs?notice=saved', 303)
  })

  // ---- API

  const keyJson = async (c: Context<AppEnv>, info: KeyInfo | null, key?: string) => ({
    server_url: await server(c),
    has_key: !!info,
    ...(key ? { key } : {}),
    created_at: info?.created_at ?? null,
    last_used_at: info?.last_used_at ?? null,
    settings: info?.settings ?? null,
  })

  app.get('/api/v1/live/key', requireMember, async (c) => ctx.http.json(c, await keyJson(c, await keyOf(ctx.db, me(c).id))))

  /** Make or rotate the key (optionally with settings); the key is in this answer only. */
  app.post('/api/v1/live/key', requireMember, async (c) => {
    const body = await ctx.http.jsonBody(c, { optional: true })
    const settings = body.settings === undefined ? undefined : parse(streamInput, body.settings)
    // A category that does not exist is refused now rather than dropped at the push.
    await ctx.core.categories.idFor(settings?.category)
    await live.mayGoLive(me(c), false)
    const key = await rotateKey(ctx.db, me(c).id, settings)
    return ctx.http.json(c, await keyJson(c, await keyOf(ctx.db, me(c).id), key), 201)
  })

  app.patch('/api/v1/live/key', requireMember, async (c) => {
    const body = await ctx.http.jsonBody(c)
    const settings = parse(streamInput, body.settings ?? body)
    await ctx.core.categories.idFor(settings.category)
    await saveKeySettings(ctx.db, me(c).id, settings)
    return ctx.http.json(c, await keyJson(c, await keyOf(ctx.db, me(c).id)))
  })

  app.delete('/api/v1/live/key', requireMember, async (c) => {
    if (!(await deleteKey(ctx.db, me(c).id))) throw ctx.http.error(404, 'NOT_FOUND', 'You have no stream key.')
    return ctx.http.json(c, { deleted: true })
  })

  return app
}
