// The report API and pages: members report through POST /api/v1/reports or /report and appeal removals at
// /appeals; staff work the queue in the console (core/admin/sections/reports.tsx).
import { Hono, type Context } from 'hono'
import { jsonBody } from '../http/json.js'
import { validationFailed } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import { ok, paginated } from '../http/envelope.js'
import { flash } from '../http/flash.js'
import { attempt, formFields } from '../http/forms.js'
import { requireMember, requireRole } from '../http/middleware.js'
import { parseLimit } from '../pagination.js'
import type { Services } from '../services.js'
import { MemberAppeals, OwnContentNotice, ReportForm } from './views.js'
import { idParam } from '../http/params.js'

const STATUSES = ['open', 'resolved', 'all'] as const

export function moderationRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { moderation, appeals, render } = s
  const staff = requireRole('moderator')
  const reportId = (c: Context<AppEnv>) => idParam(c, 'id', 'That report')

  // One's own content cannot be reported: a page that says so and leads back, not the error page.
  const ownContent = (c: Context<AppEnv>, target: { type: string; label: string; back: string }) =>
    render.page(c, { title: 'Report', status: 409 }, <OwnContentNotice type={target.type} label={target.label} back={target.back} />)

  // ---- JSON API
  app.post('/api/v1/reports', requireMember, async (c) => {
    const filed = await moderation.report(c.get('viewer')!.id, await jsonBody(c))
    return ok(c, filed, filed.merged ? 200 : 201)
  })
  app.get('/api/v1/reports', staff, async (c) => {
    const status = c.req.query('status') ?? 'open'
    if (!(STATUSES as readonly string[]).includes(status)) throw validationFailed({ status: 'The status is open, resolved or all.' })
    return paginated(c, await moderation.list({ status: status as (typeof STATUSES)[number], cursor: c.req.query('cursor'), limit: parseLimit(c.req.query('limit'), 50) }))
  })
  app.get('/api/v1/reports/:id', staff, async (c) => ok(c, await moderation.get(reportId(c))))
  app.post('/api/v1/reports/:id/resolve', staff, async (c) => ok(c, await moderation.resolve(c.get('viewer')!, reportId(c), await jsonBody(c))))

  // ---- The report page (works without JavaScript)
  app.get('/report', requireMember, async (c) => {
    const target = await moderation.target(c.get('viewer')!.id, c.req.query('type'), c.req.query('id'))
    if (target.own) return ownContent(c, target)
    return render.page(c, { title: 'Report' }, <ReportForm {...target} csrfToken={c.get('csrfToken')} />)
  })
  app.post('/report', requireMember, async (c) => {
    const viewer = c.get('viewer')!
    const form = await formFields(c)
    const target = await moderation.target(viewer.id, form.type, form.id)
    if (target.own) return ownContent(c, target)
    const r = await attempt(() => moderation.report(viewer.id, { target_type: form.type, target_id: form.id, reason: form.reason, note: form.note }))
    if (!r.ok) {
      return render.page(c, { title: 'Report', status: r.problem.status }, <ReportForm {...target} csrfToken={c.get('csrfToken')} values={form} problem={r.problem} />)
    }
    flash(c, 'ok', r.value.merged ? 'You reported this already; the moderators have it.' : 'Thank you. The moderators will look at your report.')
    return c.redirect(target.back, 303)
  })

  // ---- The queue moved into the console (Admin → Reports); old links still lead there.
  app.get('/moderation', staff, (c) => c.redirect('/admin/reports', 301))
  app.get('/moderation/:rest{.+}', staff, (c) => c.redirect(`/admin/reports/${c.req.param('rest')}`, 301))

  // ---- A member's removals and appeals (works without JavaScript)
  app.get('/api/v1/appeals', requireMember, async (c) => ok(c, await appeals.removals(c.get('viewer')!.id)))
  app.post('/api/v1/appeals', requireMember, async (c) => {
    const body = await jsonBody(c)
    return ok(c, await appeals.appeal(c.get('viewer')!.id, Number(body.resolution_id), body), 201)
  })
  app.get('/appeals', requireMember, async (c) => render.page(c, { title: 'Removals and appeals' }, <MemberAppeals removals={await appeals.removals(c.get('viewer')!.id)} csrfToken={c.get('csrfToken')} />))
  app.post('/appeals', requireMember, async (c) => {
    const form = await formFields(c)
    const r = await attempt(() => appeals.appeal(c.get('viewer')!.id, Number(form.resolution_id), { text: form.text }))
    flash(c, r.ok ? 'ok' : 'error', r.ok ? 'Your appeal is sent. The moderators will answer once.' : r.problem.message)
    return c.redirect('/appeals', 303)
  })

  return app
}
