// Scheduled live events on the site: the scheduling form, an event's page (remind me, start, cancel), the "Coming up"
// list on /live, and their API (/api/v1/live/events). Every path answers a hidden event like a missing one.
import { Hono, type Context } from 'hono'
import { ActionForm, CsrfField, Field, fieldsOf, FormError, isAppError, Notice, relativeTime, shortTime, WHOLE_INPUT, type AppEnv, type Viewer } from '../../core/plugins/api.js'
import { eventInput, type EventsService, type EventView } from './events.js'
import type { LiveContext } from './plugin.js'
import { AUDIENCE_LABELS } from './views.js'

const Styles = () => <link rel="stylesheet" href="/plugins/live/live.css" />
const NOTICES = { reminded: 'We will tell you when it starts.', unreminded: 'No reminder for this event.', cancelled: 'The event was cancelled; those who asked for a reminder are told.' }
const STATUS_LABELS = { scheduled: 'Scheduled', live: 'Live now', ended: 'Ended', cancelled: 'Cancelled' } as const

/** The form's time: a `datetime-local` value read in the offset the page's script sent (minutes, as `getTimezoneOffset`), else UTC. */
export function startsAtOf(form: Record<string, string>): string {
  if (form.starts_at) return form.starts_at
  const local = form.starts_local ?? ''
  const offset = /^-?\d{1,4}$/.test(form.tz ?? '') ? Number(form.tz) : 0
  const t = Date.parse(/T\d\d:\d\d$/.test(local) ? `${local}:00Z` : `${local}Z`)
  return Number.isFinite(t) ? new Date(t + offset * 60_000).toISOString() : local
}

export function EventCard({ e }: { e: EventView }) {
  return (
    <a class="live-card" href={`/live/events/${e.id}`} data-live-event={e.id}>
      <span class="live-when">
        <time datetime={e.starts_at}>{shortTime(e.starts_at)} UTC</time>
      </span>
      <strong>{e.title}</strong>
      <span class="muted">
        {e.display_name} · {e.reminders} {e.reminders === 1 ? 'reminder' : 'reminders'}
      </span>
    </a>
  )
}

export function ComingUp({ events }: { events: EventView[] }) {
  if (!events.length) return null
  return (
    <section class="live-coming" aria-labelledby="live-coming-title">
      <h2 id="live-coming-title">Coming up</h2>
      <ul class="live-cards">
        {events.map((e) => (
          <li>
            <EventCard e={e} />
          </li>
        ))}
      </ul>
    </section>
  )
}

function NewEventPage({ csrf, values, errors }: { csrf: string; values: Record<string, string>; errors: Record<string, string> }) {
  return (
    <section class="live-new">
      <Styles />
      <h1>Schedule a live stream</h1>
      <form method="post" action="/live/events/new" data-live-event-form>
        <CsrfField token={csrf} />
        <FormError message={errors[WHOLE_INPUT]} />
        <Field name="title" label="Title" value={values.title ?? ''} error={errors.title} maxLength={100} required />
        <label>
          Description
          <textarea name="description" maxLength={2000} rows={4}>
            {values.description ?? ''}
          </textarea>
        </label>
        {errors.description && <p class="field-error">{errors.description}</p>}
        <label>
          Starts (<span data-tz-label>UTC</span>)
          <input type="datetime-local" name="starts_local" value={values.starts_local ?? ''} required />
        </label>
        <input type="hidden" name="tz" value="0" data-tz />
        {errors.starts_at && <p class="field-error">{errors.starts_at}</p>}
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
        <p class="muted">People who may watch can ask to be reminded. Start it from its page, or push from OBS within 30 minutes of its time.</p>
        <button type="submit">Schedule</button>
      </form>
      <script src="/plugins/live/event.js" defer></script>
    </section>
  )
}

function EventPage({ e, viewer, csrf, reminded, notice }: { e: EventView; viewer: Viewer | null; csrf: string; reminded: boolean; notice?: string }) {
  const mine = viewer?.id === e.user_id
  const staff = !!viewer && viewer.role !== 'member'
  return (
    <section class="live-event" data-live-event-page={e.id} data-status={e.status}>
      <Styles />
      <Notice notices={NOTICES} notice={notice} />
      <p class="muted">
        <span data-event-status>{STATUS_LABELS[e.status]}</span> · {AUDIENCE_LABELS[e.audience]}
      </p>
      <h1>{e.title}</h1>
      <p>
        <a href={`/u/${e.username}`}>{e.display_name}</a> · <time datetime={e.starts_at}>{shortTime(e.starts_at)} UTC</time>
        {e.status === 'scheduled' && Date.parse(e.starts_at) < Date.now() ? ` (due ${relativeTime(e.starts_at)} ago)` : ''}
      </p>
      {e.description && <p class="live-event-description">{e.description}</p>}
      <p class="muted">
        {e.reminders} {e.reminders === 1 ? 'person asked' : 'people asked'} to be reminded.
      </p>
      <div class="live-controls">
        {e.status === 'live' && e.stream_id && (
          <a class="button" href={`/live/${e.stream_id}`}>
            Watch
          </a>
        )}
        {e.status === 'scheduled' && viewer && !mine && (
          <ActionForm action={`/live/events/${e.id}/remind`} csrf={csrf} fields={{ on: reminded ? '0' : '1' }} label={reminded ? 'Don’t remind me' : 'Remind me'} class={reminded ? 'secondary' : undefined} />
        )}
        {e.status === 'scheduled' && !viewer && <a href={`/login?next=/live/events/${e.id}`}>Log in to be reminded</a>}
        {e.status === 'scheduled' && mine && <ActionForm action={`/live/events/${e.id}/start`} csrf={csrf} label="Start now from this browser" />}
        {e.status === 'scheduled' && (mine || staff) && <ActionForm action={`/live/events/${e.id}/cancel`} csrf={csrf} label="Cancel the event" class="danger" />}
      </div>
      {e.status === 'scheduled' && mine && (
        <p class="muted">
          Or push from OBS with <a href="/live/obs">your stream key</a> from 30 minutes before its time: the push starts this event.
        </p>
      )}
    </section>
  )
}

/** The API's view of an event. */
function eventJson(e: EventView, reminded: boolean | null) {
  return {
    id: e.id,
    title: e.title,
    description: e.description,
    streamer: { id: e.user_id, username: e.username, display_name: e.display_name },
    audience: e.audience,
    starts_at: e.starts_at,
    status: e.status,
    stream_id: e.status === 'live' ? e.stream_id : null,
    reminders: Number(e.reminders),
    reminded,
    created_at: e.created_at,
  }
}

export function eventRoutes(ctx: LiveContext, events: EventsService) {
  const app = new Hono<AppEnv>()
  const { requireMember } = ctx.http
  const me = (c: Context<AppEnv>) => ctx.http.viewer(c)!
  const back = (c: Context<AppEnv>, id: number, notice: string) => c.redirect(`/live/events/${id}?notice=${notice}`, 303)

  const newPage = (c: Context<AppEnv>, values: Record<string, string>, errors: Record<string, string>, status: 200 | 400 | 403 = 200) =>
    ctx.http.page(c, { title: 'Schedule a live stream', status }, <NewEventPage csrf={ctx.http.csrfToken(c)} values={values} errors={errors} />)

  app.get('/live/events/new', requireMember, (c) => newPage(c, { audience: 'public' }, {}))

  app.post('/live/events/new', requireMember, async (c) => {
    const form = await ctx.http.form(c)
    const input = { ...form, starts_at: startsAtOf(form) }
    const parsed = eventInput.safeParse(input)
    if (!parsed.success) return newPage(c, form, fieldsOf(parsed.error), 400)
    try {
      const e = await events.schedule(me(c), input)
      return c.redirect(`/live/events/${e.id}`, 303)
    } catch (err) {
      if (!isAppError(err) || (err.status !== 400 && err.status !== 403)) throw err
      const fields = (err.details as { fields?: Record<string, string> } | undefined)?.fields
      return newPage(c, form, fields ?? { [WHOLE_INPUT]: err.message }, err.status)
    }
  })

  app.get('/live/events/:id{[0-9]+}', async (c) => {
    const viewer = ctx.http.viewer(c)
    const e = await events.find(viewer?.id ?? null, ctx.http.id(c))
    const reminded = viewer ? await events.hasReminder(viewer.id, e.id) : false
    return ctx.http.page(c, { title: e.title }, <EventPage e={e} viewer={viewer} csrf={ctx.http.csrfToken(c)} reminded={reminded} notice={c.req.query('notice')} />)
  })

  app.post('/live/events/:id{[0-9]+}/remind', requireMember, async (c) => {
    const id = ctx.http.id(c)
    const on = (await ctx.http.form(c)).on !== '0'
    await events.remind(me(c), id, on)
    return back(c, id, on ? 'reminded' : 'unreminded')
  })

  app.post('/live/events/:id{[0-9]+}/start', requireMember, async (c) => {
    await ctx.http.form(c)
    const s = await events.start(me(c), ctx.http.id(c))
    return c.redirect(`/live/${s.id}`, 303)
  })

  app.post('/live/events/:id{[0-9]+}/cancel', requireMember, async (c) => {
    const id = ctx.http.id(c)
    await ctx.http.form(c)
    await events.cancel(me(c), id)
    return back(c, id, 'cancelled')
  })

  // ---- API

  app.get('/api/v1/live/events', async (c) => {
    const list = await events.upcoming(ctx.http.viewer(c)?.id ?? null, ctx.http.limit(c, { fallback: 20, max: 50 }))
    return ctx.http.json(c, list.map((e) => eventJson(e, null)))
  })

  app.post('/api/v1/live/events', requireMember, async (c) => {
    const e = await events.schedule(me(c), await ctx.http.jsonBody(c))
    return ctx.http.json(c, eventJson(e, false), 201)
  })

  app.get('/api/v1/live/events/:id{[0-9]+}', async (c) => {
    const viewer = ctx.http.viewer(c)
    const e = await events.find(viewer?.id ?? null, ctx.http.id(c))
    return ctx.http.json(c, eventJson(e, viewer ? await events.hasReminder(viewer.id, e.id) : null))
  })

  const reminder = (on: boolean) => async (c: Context<AppEnv>) => {
    const id = ctx.http.id(c)
    await events.remind(me(c), id, on)
    return ctx.http.json(c, eventJson(await events.find(me(c).id, id), on))
  }
  app.put('/api/v1/live/events/:id{[0-9]+}/reminder', requireMember, reminder(true))
  app.delete('/api/v1/live/events/:id{[0-9]+}/reminder', requireMember, reminder(false))

  app.post('/api/v1/live/events/:id{[0-9]+}/start', requireMember, async (c) => {
    const s = await events.start(me(c), ctx.http.id(c))
    return ctx.http.json(c, { stream_id: s.id, url: `/live/${s.id}` }, 201)
  })

  app.post('/api/v1/live/events/:id{[0-9]+}/cancel', requireMember, async (c) => {
    const id = ctx.http.id(c)
    await events.cancel(me(c), id)
    return ctx.http.json(c, eventJson(await events.find(me(c).id, id), null))
  })

  return app
}
