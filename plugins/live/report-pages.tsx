// A member reports a stream (live, or its replay) or a chat line: the form page (without JavaScript), its post, and
// the API. What is captured and where it goes: reports.ts.
import { Hono, type Context } from 'hono'
import { CsrfField, Field, FormError, fieldsOf, isAppError, parse, REASON_LABELS, REPORT_REASONS, WHOLE_INPUT, type AppEnv } from '../../core/plugins/api.js'
import type { LiveContext } from './plugin.js'
import * as q from './queries.js'
import { AROUND, liveReportInput, type LiveReports } from './reports.js'
import type { LiveService } from './service.js'

const Styles = () => <link rel="stylesheet" href="/plugins/live/live.css" />

function ReportPage(props: { action: string; back: string; what: string; told: string; csrf: string; t?: string; errors: Record<string, string> }) {
  return (
    <section class="card live-report">
      <Styles />
      <h1>Report {props.what}</h1>
      <p class="hint">{props.told} Moderators see it whoever the stream is for; the streamer is not told who reported it.</p>
      <FormError message={props.errors[WHOLE_INPUT]} />
      <form method="post" action={props.action}>
        <CsrfField token={props.csrf} />
        {props.t && <input type="hidden" name="t" value={props.t} />}
        <div class={props.errors.reason ? 'field field-invalid' : 'field'}>
          <label for="f-reason">Reason</label>
          <select id="f-reason" name="reason" required>
            {REPORT_REASONS.map((r) => (
              <option value={r}>{REASON_LABELS[r]}</option>
            ))}
          </select>
          {props.errors.reason && <p class="field-error">{props.errors.reason}</p>}
        </div>
        <Field label="Note (optional)" name="note" error={props.errors.note} maxLength={1000} multiline />
        <button type="submit">Report</button> <a href={props.back}>Cancel</a>
      </form>
    </section>
  )
}

export function reportRoutes(ctx: LiveContext, live: LiveService, reports: LiveReports) {
  const app = new Hono<AppEnv>()
  const { requireMember } = ctx.http
  const me = (c: Context<AppEnv>) => ctx.http.viewer(c)!

  /** The form for a stream (what it says depends on whether the member watches it live or its replay) or a line. */
  async function form(c: Context<AppEnv>, messageId: number | null, t: string | undefined, errors: Record<string, string> = {}, status: 200 | 400 | 409 | 429 = 200) {
    const viewer = me(c)
    const s = await live.find(viewer.id, ctx.http.id(c))
    const back = `/live/${s.id}`
    if (messageId !== null) {
      const line = await q.chatLine(ctx.db, s.id, messageId, viewer.id)
      if (!line) throw ctx.http.error(404, 'NOT_FOUND', 'That message does not exist.')
      const told = `Moderators will see this message by @${line.username} and up to ${AROUND} messages before and after it, as you see them now, and the picture you were watching.`
      return ctx.http.page(c, { title: 'Report a message', status }, <ReportPage action={`/live/${s.id}/chat/${messageId}/report`} back={back} what="this message" told={told} csrf={ctx.http.csrfToken(c)} errors={errors} />)
    }
    const replay = (await live.seen(viewer, s)).status === 'ended'
    const told = replay
      ? 'Moderators will see the replay, the picture and the chat where you were in it, and can delete it.'
      : 'Moderators will see the picture you are watching now and the latest chat as you see it, and can end the stream.'
    return ctx.http.page(
      c,
      { title: replay ? 'Report a replay' : 'Report a live stream', status },
      <ReportPage action={`/live/${s.id}/report`} back={back} what={replay ? `the replay of “${s.title}”` : `“${s.title}”`} told={told} csrf={ctx.http.csrfToken(c)} t={t && /^\d{1,6}(\.\d+)?$/.test(t) ? t : undefined} errors={errors} />,
    )
  }

  /** Post the form: back to the stream with a notice, or the form again with the reason it was refused. */
  const submit = (messageId: (c: Context<AppEnv>) => number | null) => async (c: Context<AppEnv>) => {
    const values = await ctx.http.form(c)
    const parsed = liveReportInput.safeParse(values)
    const mid = messageId(c)
    if (!parsed.success) return form(c, mid, values.t, fieldsOf(parsed.error), 400)
    const id = ctx.http.id(c)
    try {
      if (mid === null) await reports.stream(me(c), id, parsed.data)
      else await reports.message(me(c), id, mid, parsed.data)
    } catch (err) {
      if (!isAppError(err) || (err.status !== 409 && err.status !== 429)) throw err
      return form(c, mid, values.t, { [WHOLE_INPUT]: err.message }, err.status)
    }
    return c.redirect(`/live/${id}?notice=reported`, 303)
  }

  app.get('/live/:id{[0-9]+}/report', requireMember, (c) => form(c, null, c.req.query('t')))
  app.post('/live/:id{[0-9]+}/report', requireMember, submit(() => null))
  app.get('/live/:id{[0-9]+}/chat/:mid{[0-9]+}/report', requireMember, (c) => form(c, ctx.http.id(c, 'mid'), undefined))
  app.post('/live/:id{[0-9]+}/chat/:mid{[0-9]+}/report', requireMember, submit((c) => ctx.http.id(c, 'mid')))

  app.post('/api/v1/live/streams/:id{[0-9]+}/report', requireMember, async (c) => ctx.http.json(c, await reports.stream(me(c), ctx.http.id(c), parse(liveReportInput, await ctx.http.jsonBody(c))), 201))
  app.post('/api/v1/live/streams/:id{[0-9]+}/chat/:mid{[0-9]+}/report', requireMember, async (c) =>
    ctx.http.json(c, await reports.message(me(c), ctx.http.id(c), ctx.http.id(c, 'mid'), parse(liveReportInput, await ctx.http.jsonBody(c))), 201),
  )

  return app
}
