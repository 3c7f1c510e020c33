// The verification folder as a core module: Settings → Verification (a member asks for the badge), Admin →
// Verification (staff decide, grant and revoke), the member's API at /api/v1/verification, and the requests in a
// member's data export.
import { Hono, type Context } from 'hono'
import { SettingsShell } from '../auth/pages.js'
import type { AdminSection } from '../admin/registry.js'
import type { CoreModule } from '../module.js'
import type { AppEnv } from '../http/env.js'
import { ok } from '../http/envelope.js'
import { flash } from '../http/flash.js'
import { attempt, formFields, type FormProblem } from '../http/forms.js'
import { jsonBody } from '../http/json.js'
import { requireMember, safeNext } from '../http/middleware.js'
import { idParam } from '../http/params.js'
import { notFound } from '../errors.js'
import type { Services } from '../services.js'
import { allows } from '../users/permissions.js'
import { VERIFICATION_STATUSES, type VerificationStatus } from './tables.js'
import { StaffVerificationPage, VerificationPanel, VerifiedMembersPage } from './views.js'

const statusParam = (v: string | undefined): VerificationStatus | '' => (VERIFICATION_STATUSES.includes(v as VerificationStatus) ? (v as VerificationStatus) : '')
const pageParam = (v: string | undefined) => (v && /^[0-9]{1,5}$/.test(v) ? Math.max(1, Number(v)) : 1)

function verificationSection(s: Services): AdminSection {
  const v = s.verification
  const me = (c: Context<AppEnv>) => c.get('viewer')!.id

  const listPage = async (c: Context<AppEnv>) => {
    const status = statusParam(c.req.query('status'))
    const q = (c.req.query('q') ?? '').slice(0, 100)
    const [list, terms, pending] = await Promise.all([v.list({ status: status || undefined, q, page: pageParam(c.req.query('page')) }), v.terms(), v.pendingCount()])
    return s.admin.page(
      c,
      { title: 'Verification' },
      <StaffVerificationPage csrf={c.get('csrfToken')} list={list} status={status} q={q} termsHtml={terms.html} pending={pending} canEditTerms={allows(c.get('viewer'), 'manage_settings')} />,
    )
  }
  const membersPage = async (c: Context<AppEnv>, problem?: FormProblem) =>
    s.admin.page(c, { title: 'Verified members', status: problem?.status ?? 200, active: 'verification' }, <VerifiedMembersPage csrf={c.get('csrfToken')} list={await v.verifiedMembers({ page: pageParam(c.req.query('page')) })} problem={problem} />)

  /** A form's action: done, back to `next` (a member's page) or the list, with what happened or what went wrong. */
  const act = (fallback: string, fn: (c: Context<AppEnv>, form: Record<string, string>) => Promise<string>) => async (c: Context<AppEnv>) => {
    const form = await formFields(c)
    const res = await attempt(() => fn(c, form))
    flash(c, res.ok ? 'ok' : 'error', res.ok ? res.value : res.problem.message)
    return c.redirect(safeNext(form.next, fallback), 303)
  }

  return {
    id: 'verification',
    label: 'Verification',
    icon: 'badge-check',
    order: 15,
    need: 'manage_members',
    pages(r) {
      r.get('/', listPage)
      r.get('/members', (c) => membersPage(c))
      r.post('/grant', act('/admin/verification/members', async (c, form) => `@${(await v.grant(form.username ?? '', me(c), form.note)).username} is verified.`))
      r.post('/members/:username/revoke', act('/admin/verification/members', async (c, form) => `@${(await v.revoke(c.req.param('username')!, me(c), form.note)).username} is no longer verified.`))
      r.post('/:id/approve', act('/admin/verification', async (c, form) => `@${(await v.decide(idParam(c, 'id', 'That request'), me(c), { decision: 'approve', note: form.note ?? '' })).member.username} is verified.`))
      r.post('/:id/reject', act('/admin/verification', async (c, form) => `The request of @${(await v.decide(idParam(c, 'id', 'That request'), me(c), { decision: 'reject', note: form.note ?? '' })).member.username} is turned down; they are told why.`))
    },
    api(r) {
      r.get('/', async (c) => ok(c, await v.list({ status: statusParam(c.req.query('status')) || undefined, q: (c.req.query('q') ?? '').slice(0, 100), page: pageParam(c.req.query('page')) })))
      r.get('/members', async (c) => ok(c, await v.verifiedMembers({ page: pageParam(c.req.query('page')) })))
      r.put('/members/:username', async (c) => ok(c, await v.grant(c.req.param('username')!, me(c), (await jsonBody(c, { optional: true })).note)))
      r.delete('/members/:username', async (c) => ok(c, await v.revoke(c.req.param('username')!, me(c), (await jsonBody(c, { optional: true })).note)))
      r.get('/:id', async (c) => {
        const one = await v.one(idParam(c, 'id', 'That request'))
        if (!one) throw notFound('That request')
        return ok(c, one)
      })
      r.post('/:id/decision', async (c) => ok(c, await v.decide(idParam(c, 'id', 'That request'), me(c), await jsonBody(c))))
    },
  }
}

export const verificationModule: CoreModule = {
  name: 'verification',
  wire(s) {
    s.admin.addSection('core', verificationSection(s))
    s.ui.addSettingsPanel('core', {
      id: 'verification',
      label: 'Verification',
      order: 80,
      render: async ({ viewer, csrfToken, message }) => (
        <VerificationPanel status={await s.verification.status(viewer.id)} termsHtml={(await s.verification.terms()).html} csrf={csrfToken} problem={message ? { status: 400, message, fields: {} } : undefined} />
      ),
    })
    // A member's export carries their requests (reasons, links, the staff's notes to them) and their badge.
    s.hooks.on('filter:user.export', async (parts, { userId }) => {
      const st = await s.verification.status(userId)
      return { ...parts, sections: { ...parts.sections, verification: { verified: st.verified, verified_at: st.verified_at, requests: st.requests } } }
    })
  },
  pages(s) {
    const app = new Hono<AppEnv>()
    // The form of Settings → Verification (the panel draws the page): a problem is shown with what was typed.
    app.post('/settings/verification/request', requireMember, async (c) => {
      const viewer = c.get('viewer')!
      const form = await formFields(c)
      const res = await attempt(() => s.verification.request(viewer.id, { reason: form.reason, links: form.links ?? '' }))
      if (res.ok) {
        flash(c, 'ok', 'Your request is sent. The staff will look at it; you will be notified of their answer.')
        return c.redirect('/settings/verification', 303)
      }
      const [status, terms] = await Promise.all([s.verification.status(viewer.id), s.verification.terms()])
      return s.render.page(
        c,
        { title: 'Verification', status: res.problem.status },
        <SettingsShell active="verification" panels={s.ui.settingsPanels}>
          <VerificationPanel status={status} termsHtml={terms.html} csrf={c.get('csrfToken')} values={form} problem={res.problem} />
        </SettingsShell>,
      )
    })
    app.post('/settings/verification/withdraw', requireMember, async (c) => {
      const res = await attempt(() => s.verification.withdraw(c.get('viewer')!.id))
      flash(c, res.ok ? 'ok' : 'error', res.ok ? 'Your request is withdrawn.' : res.problem.message)
      return c.redirect('/settings/verification', 303)
    })
    return app
  },
  api(s) {
    const app = new Hono<AppEnv>()
    app.get('/verification', requireMember, async (c) => ok(c, { ...(await s.verification.status(c.get('viewer')!.id)), terms: (await s.verification.terms()).text }))
    app.post('/verification', requireMember, async (c) => ok(c, await s.verification.request(c.get('viewer')!.id, await jsonBody(c)), 201))
    app.delete('/verification', requireMember, async (c) => {
      await s.verification.withdraw(c.get('viewer')!.id)
      return ok(c, { withdrawn: true })
    })
    return app
  },
}
