// The report API and pages: members report through POST /api/v1/reports or /report; staff work the queue at /moderation.
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
import { defaultSuspendReason, type QueueSort } from './service.js'
import { DecisionsTable, InspectView, ModerationNav, OwnContentNotice, QueueTable, ReportForm, SortLinks } from './views.js'
import { idParam } from '../http/params.js'

const STATUSES = ['open', 'resolved', 'all'] as const

export function moderationRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { moderation, render } = s
  const staff = requireRole('moderator')
  const reportId = (c: Context<AppEnv>) => idParam(c, 'id', 'That report')

  // One's own content cannot be reported: a page that says so and leads back, not the error page.
  const ownContent = (c: Context<AppEnv>, target: { type: string; back: string }) =>
    render.page(c, { title: 'Report', status: 409 }, <OwnContentNotice type={target.type} back={target.back} />)

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

  // ---- The queue, for moderators and admins
  app.use('/moderation', staff)
  app.use('/moderation/*', staff)

  app.get('/moderation', async (c) => {
    const sort: QueueSort = c.req.query('sort') === 'most' ? 'most' : 'newest'
    const [queue, open] = await Promise.all([moderation.queue({ sort, cursor: c.req.query('cursor') }), moderation.openCount()])
    return s.admin.page(
      c,
      { title: 'Moderation', active: 'reports' },
      <>
        <ModerationNav active="queue" open={open} />
        <SortLinks sort={sort} />
        <QueueTable items={queue.items} sort={sort} next={queue.nextCursor} />
      </>,
    )
  })

  app.get('/moderation/history', async (c) => {
    const [page, open] = await Promise.all([moderation.history({ cursor: c.req.query('cursor') }), moderation.openCount()])
    return s.admin.page(
      c,
      { title: 'Moderation decisions', active: 'reports' },
      <>
        <ModerationNav active="history" open={open} />
        <DecisionsTable items={page.items} withTarget />
        {page.nextCursor && (
          <p>
            <a href={`/moderation/history?cursor=${page.nextCursor}`}>Next page</a>
          </p>
        )}
      </>,
    )
  })

  app.get('/moderation/:id', async (c) => {
    const [i, open] = await Promise.all([moderation.inspect(reportId(c), c.get('viewer')!), moderation.openCount()])
    return s.admin.page(
      c,
      { title: `Report #${i.report.id}`, active: 'reports' },
      <>
        <ModerationNav active="queue" open={open} />
        <InspectView i={i} csrfToken={c.get('csrfToken')} defaultReason={defaultSuspendReason(i.report.reason)} />
      </>,
    )
  })

  app.post('/moderation/:id/resolve', async (c) => {
    const id = reportId(c)
    const form = await formFields(c)
    const r = await attempt(() => moderation.resolve(c.get('viewer')!, id, { outcome: form.outcome, note: form.note, reason: form.reason }))
    if (!r.ok) {
      flash(c, 'error', r.problem.message)
      return c.redirect(`/moderation/${id}`, 303)
    }
    flash(c, 'ok', `Resolved: ${r.value.outcome} (${r.value.reports_count} report${r.value.reports_count === 1 ? '' : 's'} closed).`)
    return c.redirect('/moderation', 303)
  })

  return app
}
