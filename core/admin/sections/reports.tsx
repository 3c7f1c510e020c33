// The moderation queue as a console section: one queue for every surface (core's and plugins' reported content),
// each report showing the content itself to staff; decisions, appeals, and the same in /api/v1/admin/reports.
import type { Context } from 'hono'
import { validationFailed } from '../../errors.js'
import type { AppEnv } from '../../http/env.js'
import { ok, paginated } from '../../http/envelope.js'
import { flash } from '../../http/flash.js'
import { attempt, formFields } from '../../http/forms.js'
import { jsonBody } from '../../http/json.js'
import { idParam } from '../../http/params.js'
import { parseLimit } from '../../pagination.js'
import type { Services } from '../../services.js'
import { defaultSuspendReason, type QueueSort } from '../../moderation/service.js'
import { AppealsTable, DecisionsTable, InspectView, ModerationNav, QueueTable, SortLinks } from '../../moderation/views.js'
import type { AdminSection } from '../registry.js'

const APPEAL_STATUSES = ['open', 'upheld', 'overturned', 'all'] as const

export function reportsSection(s: Services): AdminSection {
  const { moderation, appeals } = s
  const reportId = (c: Context<AppEnv>) => idParam(c, 'id', 'That report')
  const appealId = (c: Context<AppEnv>) => idParam(c, 'id', 'That appeal')
  const sortOf = (c: Context<AppEnv>): QueueSort => (c.req.query('sort') === 'most' ? 'most' : 'newest')
  const appealStatus = (c: Context<AppEnv>) => {
    const status = c.req.query('status') ?? 'open'
    if (!(APPEAL_STATUSES as readonly string[]).includes(status)) throw validationFailed({ status: 'The status is open, upheld, overturned or all.' })
    return status as (typeof APPEAL_STATUSES)[number]
  }
  const nav = async (active: 'queue' | 'appeals' | 'history') => {
    const [open, waiting] = await Promise.all([moderation.openCount(), appeals.openCount()])
    return <ModerationNav active={active} open={open} appeals={waiting} />
  }

  return {
    id: 'reports',
    label: 'Reports',
    icon: 'flag',
    order: 30,
    need: 'moderate_content',
    pages(r) {
      // Static paths before `/:id`, which would match them too.
      r.get('/', async (c) => {
        const sort = sortOf(c)
        const queue = await moderation.queue({ sort, cursor: c.req.query('cursor') })
        return s.admin.page(
          c,
          { title: 'Moderation' },
          <>
            {await nav('queue')}
            <SortLinks sort={sort} />
            <QueueTable items={queue.items} sort={sort} next={queue.nextCursor} />
          </>,
        )
      })
      r.get('/history', async (c) => {
        const page = await moderation.history({ cursor: c.req.query('cursor') })
        return s.admin.page(
          c,
          { title: 'Moderation decisions' },
          <>
            {await nav('history')}
            <DecisionsTable items={page.items} withTarget />
            {page.nextCursor && (
              <p>
                <a href={`/admin/reports/history?cursor=${page.nextCursor}`}>Next page</a>
              </p>
            )}
          </>,
        )
      })
      r.get('/appeals', async (c) => {
        const status = appealStatus(c)
        const page = await appeals.list({ status, cursor: c.req.query('cursor') })
        return s.admin.page(
          c,
          { title: 'Appeals' },
          <>
            {await nav('appeals')}
            <AppealsTable items={page.items} csrfToken={c.get('csrfToken')} status={status} />
            {page.nextCursor && (
              <p>
                <a href={`/admin/reports/appeals?status=${status}&cursor=${page.nextCursor}`}>Next page</a>
              </p>
            )}
          </>,
        )
      })
      r.post('/appeals/:id', async (c) => {
        const form = await formFields(c)
        const res = await attempt(() => appeals.decide(c.get('viewer')!, appealId(c), { decision: form.decision, note: form.note }))
        flash(c, res.ok ? 'ok' : 'error', res.ok ? (res.value.status === 'overturned' ? 'Appeal accepted: restored, and the member is told.' : 'Appeal turned down; the member is told.') : res.problem.message)
        return c.redirect('/admin/reports/appeals', 303)
      })
      r.get('/:id', async (c) => {
        const i = await moderation.inspect(reportId(c), c.get('viewer')!)
        return s.admin.page(
          c,
          { title: `Report #${i.report.id}` },
          <>
            {await nav('queue')}
            <InspectView i={i} csrfToken={c.get('csrfToken')} defaultReason={defaultSuspendReason(i.report.reason)} />
          </>,
        )
      })
      r.post('/:id/resolve', async (c) => {
        const id = reportId(c)
        const form = await formFields(c)
        const res = await attempt(() => moderation.resolve(c.get('viewer')!, id, { outcome: form.outcome, note: form.note, reason: form.reason, days: form.days }))
        if (!res.ok) {
          flash(c, 'error', res.problem.message)
          return c.redirect(`/admin/reports/${id}`, 303)
        }
        flash(c, 'ok', `Resolved: ${res.value.outcome} (${res.value.reports_count} report${res.value.reports_count === 1 ? '' : 's'} closed).`)
        return c.redirect('/admin/reports', 303)
      })
    },
    api(r) {
      r.get('/', async (c) => paginated(c, await moderation.queue({ sort: sortOf(c), cursor: c.req.query('cursor'), limit: parseLimit(c.req.query('limit'), 50) })))
      r.get('/history', async (c) => paginated(c, await moderation.history({ cursor: c.req.query('cursor'), limit: parseLimit(c.req.query('limit'), 50) })))
      r.get('/appeals', async (c) => paginated(c, await appeals.list({ status: appealStatus(c), cursor: c.req.query('cursor'), limit: parseLimit(c.req.query('limit'), 50) })))
      r.post('/appeals/:id', async (c) => ok(c, await appeals.decide(c.get('viewer')!, appealId(c), await jsonBody(c))))
      // The whole inspection, with one-time grants to the reported files (as the page shows them).
      r.get('/:id', async (c) => ok(c, await moderation.inspect(reportId(c), c.get('viewer')!)))
      r.post('/:id/resolve', async (c) => ok(c, await moderation.resolve(c.get('viewer')!, reportId(c), await jsonBody(c))))
    },
  }
}
