// Routes for disappearing and scheduled messages, search, reactions and reports: the pages' forms (a 303 back) and
// their /api/v1/messages endpoints, on the same services, so the same rules. Mounted before the thread routes, since
// /messages/search and /messages/scheduled are not conversation ids.
import { Hono, type Context } from 'hono'
import type { ComponentChildren } from 'preact'
import { z } from 'zod'
import { isAppError, parse, type AppEnv } from '../../core/plugins/api.js'
import { timerInput } from './disappearing.js'
import type { MessagesContext } from './plugin.js'
import { reactionInput } from './reactions.js'
import { createReports, reportInput } from './report.js'
import { rescheduleInput, scheduleInput, type ScheduledService } from './scheduled.js'
import { searchInput, type createSearch } from './search.js'
import type { MessagesService } from './service.js'
import { ReportPage, ScheduledEditPage, ScheduledPage, ScheduleForm, SearchPage } from './time-views.js'

type C = Context<AppEnv>
type Fields = Record<string, string>
type Search = ReturnType<typeof createSearch>

const statusInput = z.enum(['pending', 'all'], { error: 'status is pending or all.' })
const emptyAsNull = (v: string | undefined) => (v === undefined || v === '' ? null : v)

export function timeRoutes(ctx: MessagesContext, messages: MessagesService, scheduled: ScheduledService, search: Search) {
  const app = new Hono<AppEnv>()
  const member = ctx.http.requireMember
  const me = (c: C) => ctx.http.viewer(c)!
  const csrf = (c: C) => ctx.http.csrfToken(c)
  const reports = createReports(ctx, messages)
  const page = (c: C, title: string, body: ComponentChildren, status?: 400 | 403 | 404 | 409 | 429) =>
    ctx.http.page(
      c,
      { title, status },
      <>
        <link rel="stylesheet" href="/plugins/messages/messages.css" />
        {body}
      </>,
    )
  const problemOf = (err: unknown) => {
    if (!isAppError(err) || ![400, 403, 409, 429].includes(err.status)) throw err
    return { status: err.status as 400 | 403 | 409 | 429, message: err.message, fields: (err.details.fields as Fields | undefined) ?? {} }
  }
  const optionalId = (raw: string | undefined) => {
    const n = Number(raw)
    return raw && Number.isSafeInteger(n) && n > 0 ? n : undefined
  }

  // ---- Search

  app.get('/messages/search', member, async (c) => {
    const raw = c.req.query('q') ?? ''
    if (!raw.trim()) return page(c, 'Search messages', <SearchPage q="" hits={[]} next={null} />)
    try {
      const q = parse(searchInput, raw)
      const found = await search.search(me(c), q, { cursor: c.req.query('cursor') })
      return page(c, 'Search messages', <SearchPage q={q} hits={found.items} next={found.nextCursor} />)
    } catch (err) {
      const p = problemOf(err)
      return page(c, 'Search messages', <SearchPage q={raw.slice(0, 100)} hits={[]} next={null} message={p.message} />, p.status)
    }
  })

  app.get('/api/v1/messages/search', member, async (c) => {
    const q = parse(searchInput, c.req.query('q') ?? '')
    return ctx.http.paginated(c, await search.search(me(c), q, { cursor: c.req.query('cursor'), limit: ctx.http.limit(c, { fallback: 20 }) }))
  })

  // ---- Scheduled messages

  app.get('/messages/scheduled', member, async (c) => {
    const all = c.req.query('status') === 'all'
    const conversation = optionalId(c.req.query('conversation'))
    const list = await scheduled.list(me(c), { status: all ? 'all' : 'pending', conversationId: conversation, cursor: c.req.query('cursor') })
    return page(c, 'Scheduled messages', <ScheduledPage items={list.items} next={list.nextCursor} csrf={csrf(c)} all={all} conversation={conversation} notice={c.req.query('notice')} />)
  })

  app.post('/messages/:id/scheduled', member, async (c) => {
    const id = ctx.http.id(c)
    const values = await ctx.http.form(c)
    try {
      const input = parse(scheduleInput, { text: values.text ?? '', send_at: values.send_at ?? '', tz_offset: emptyAsNull(values.tz_offset) })
      await scheduled.create(me(c), id, input)
      return c.redirect(`/messages/scheduled?conversation=${id}&notice=scheduled`, 303)
    } catch (err) {
      const p = problemOf(err)
      const conv = await messages.get(me(c), id)
      return page(c, 'Send later', <section class="card"><h1>Send later to {conv.title}</h1><ScheduleForm c={conv} csrf={csrf(c)} problem={{ message: p.message, fields: p.fields, values }} /></section>, p.status)
    }
  })

  app.get('/messages/scheduled/:sid/edit', member, async (c) => page(c, 'Edit scheduled message', <ScheduledEditPage s={await scheduled.get(me(c), ctx.http.id(c, 'sid'))} csrf={csrf(c)} />))

  app.post('/messages/scheduled/:sid/edit', member, async (c) => {
    const sid = ctx.http.id(c, 'sid')
    const values = await ctx.http.form(c)
    try {
      const input = parse(rescheduleInput, { text: values.text ?? '', send_at: emptyAsNull(values.send_at) ?? undefined, tz_offset: emptyAsNull(values.tz_offset) })
      await scheduled.update(me(c), sid, input)
      return c.redirect('/messages/scheduled?notice=rescheduled', 303)
    } catch (err) {
      const p = problemOf(err)
      return page(c, 'Edit scheduled message', <ScheduledEditPage s={await scheduled.get(me(c), sid)} csrf={csrf(c)} message={p.message} fields={p.fields} values={values} />, p.status)
    }
  })

  app.post('/messages/scheduled/:sid/cancel', member, async (c) => {
    await scheduled.cancel(me(c), ctx.http.id(c, 'sid'))
    return c.redirect('/messages/scheduled?notice=cancelled', 303)
  })

  app.get('/api/v1/messages/scheduled', member, async (c) => {
    const status = parse(statusInput, c.req.query('status') ?? 'pending')
    const conversationId = c.req.query('conversation_id') !== undefined ? optionalId(c.req.query('conversation_id')) ?? -1 : undefined
    return ctx.http.paginated(c, await scheduled.list(me(c), { status, conversationId, cursor: c.req.query('cursor'), limit: ctx.http.limit(c) }))
  })
  app.post('/api/v1/messages/conversations/:id/scheduled', member, async (c) => {
    const id = ctx.http.id(c)
    await messages.standing(me(c), id)
    return ctx.http.json(c, await scheduled.create(me(c), id, parse(scheduleInput, await ctx.http.jsonBody(c))), 201)
  })
  app.get('/api/v1/messages/scheduled/:sid', member, async (c) => ctx.http.json(c, await scheduled.get(me(c), ctx.http.id(c, 'sid'))))
  app.patch('/api/v1/messages/scheduled/:sid', member, async (c) => {
    const sid = ctx.http.id(c, 'sid')
    await scheduled.get(me(c), sid)
    return ctx.http.json(c, await scheduled.update(me(c), sid, parse(rescheduleInput, await ctx.http.jsonBody(c))))
  })
  app.delete('/api/v1/messages/scheduled/:sid', member, async (c) => {
    const sid = ctx.http.id(c, 'sid')
    await scheduled.cancel(me(c), sid)
    return ctx.http.json(c, { id: sid, cancelled: true })
  })

  // ---- Disappearing messages

  app.post('/messages/:id/disappearing', member, async (c) => {
    const id = ctx.http.id(c)
    const values = await ctx.http.form(c)
    const seconds = parse(timerInput, emptyAsNull(values.disappear_seconds))
    await messages.setDisappearing(me(c), id, seconds)
    return c.redirect(`/messages/${id}?notice=timer`, 303)
  })
  app.put('/api/v1/messages/conversations/:id/disappearing', member, async (c) => {
    const id = ctx.http.id(c)
    await messages.standing(me(c), id)
    const { disappear_seconds } = parse(z.object({ disappear_seconds: timerInput }).strict(), await ctx.http.jsonBody(c))
    await messages.setDisappearing(me(c), id, disappear_seconds)
    return ctx.http.json(c, await messages.get(me(c), id))
  })

  // ---- Reactions

  app.post('/messages/:id/messages/:mid/react', member, async (c) => {
    const id = ctx.http.id(c)
    const mid = ctx.http.id(c, 'mid')
    const values = await ctx.http.form(c)
    await messages.react(me(c), id, mid, parse(z.object({ emoji: reactionInput }), { emoji: values.emoji ?? '' }).emoji)
    return c.redirect(`/messages/${id}#m-${mid}`, 303)
  })
  app.post('/api/v1/messages/conversations/:id/messages/:mid/reactions', member, async (c) => {
    const id = ctx.http.id(c)
    const mid = ctx.http.id(c, 'mid')
    await messages.standing(me(c), id)
    const { emoji } = parse(z.object({ emoji: reactionInput }).strict(), await ctx.http.jsonBody(c))
    return ctx.http.json(c, await messages.react(me(c), id, mid, emoji))
  })

  // ---- Reports

  const reportPage = (c: C, what: 'message' | 'conversation', id: number, mid?: number, problem?: { message: string; fields: Fields }, status?: 400 | 403 | 409 | 429) =>
    page(
      c,
      'Report',
      <ReportPage
        action={mid ? `/messages/${id}/messages/${mid}/report` : `/messages/${id}/report`}
        back={mid ? `/messages/${id}#m-${mid}` : `/messages/${id}`}
        what={what === 'message' ? 'this message' : 'this conversation'}
        csrf={csrf(c)}
        {...problem}
      />,
      status,
    )
  app.get('/messages/:id/messages/:mid/report', member, async (c) => {
    const id = ctx.http.id(c)
    const mid = ctx.http.id(c, 'mid')
    await messages.message(me(c), id, mid)
    return reportPage(c, 'message', id, mid)
  })
  app.post('/messages/:id/messages/:mid/report', member, async (c) => {
    const id = ctx.http.id(c)
    const mid = ctx.http.id(c, 'mid')
    const values = await ctx.http.form(c)
    try {
      await reports.message(me(c), id, mid, parse(reportInput, { reason: values.reason ?? '', note: values.note ?? '' }))
      return c.redirect(`/messages/${id}?notice=reported`, 303)
    } catch (err) {
      const p = problemOf(err)
      return reportPage(c, 'message', id, mid, p, p.status)
    }
  })
  app.get('/messages/:id/report', member, async (c) => {
    const id = ctx.http.id(c)
    await messages.get(me(c), id)
    return reportPage(c, 'conversation', id)
  })
  app.post('/messages/:id/report', member, async (c) => {
    const id = ctx.http.id(c)
    const values = await ctx.http.form(c)
    try {
      await reports.conversation(me(c), id, parse(reportInput, { reason: values.reason ?? '', note: values.note ?? '' }))
      return c.redirect(`/messages/${id}?notice=reported`, 303)
    } catch (err) {
      const p = problemOf(err)
      return reportPage(c, 'conversation', id, undefined, p, p.status)
    }
  })
  app.post('/api/v1/messages/conversations/:id/messages/:mid/report', member, async (c) => {
    const id = ctx.http.id(c)
    const mid = ctx.http.id(c, 'mid')
    await messages.message(me(c), id, mid)
    return ctx.http.json(c, { report_id: (await reports.message(me(c), id, mid, parse(reportInput, await ctx.http.jsonBody(c)))).id }, 201)
  })
  app.post('/api/v1/messages/conversations/:id/report', member, async (c) => {
    const id = ctx.http.id(c)
    await messages.get(me(c), id)
    return ctx.http.json(c, { report_id: (await reports.conversation(me(c), id, parse(reportInput, await ctx.http.jsonBody(c)))).id }, 201)
  })

  return app
}
