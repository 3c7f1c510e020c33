// Members: search and filters, a member's page (profile, figures, recent content, reports by and against them, their
// audit trail), and the actions staff take (warn, suspend for a period, unsuspend, ban, delete, reset 2FA, roles,
// sign out everywhere, view as), each audited, each also in the API (view as is a browser's only).
import { MemberVerification } from '../../verification/views.js'
import type { Context } from 'hono'
import { idParam } from '../../http/params.js'
import type { AppEnv } from '../../http/env.js'
import { ok, paginated } from '../../http/envelope.js'
import { flash } from '../../http/flash.js'
import { attempt, formFields } from '../../http/forms.js'
import { jsonBody } from '../../http/json.js'
import { parseLimit } from '../../pagination.js'
import type { Services } from '../../services.js'
import { allows } from '../../users/permissions.js'
import { parse } from '../../validation.js'
import { ActionForm, CsrfField } from '../../views/components.js'
import { createMembersService, suspendInput, type MemberRow } from '../members.js'
import type { AdminSection } from '../registry.js'
import { createRolesService } from '../roles.js'
import { auditVia } from './audit.js'
import { startViewAs } from '../../account/view-as.js'

type C = Context<AppEnv>

const FILTER_KEYS = ['q', 'role', 'status', 'joined', 'seen', 'reported', 'sort'] as const
const filtersOf = (c: C) => Object.fromEntries(FILTER_KEYS.map((k) => [k, c.req.query(k) ?? ''])) as Record<(typeof FILTER_KEYS)[number], string>

function Select({ name, label, value, options }: { name: string; label: string; value: string; options: [string, string][] }) {
  return (
    <div class="field">
      <label for={`f-${name}`}>{label}</label>
      <select id={`f-${name}`} name={name}>
        {options.map(([v, l]) => (
          <option value={v} selected={v === value}>
            {l}
          </option>
        ))}
      </select>
    </div>
  )
}

function Status({ m }: { m: MemberRow }) {
  if (m.deleted_at) return <span class="badge">deleted {m.deleted_at.slice(0, 10)}</span>
  if (m.deletion_due_at) return <span class="badge badge-error">deleting on {m.deletion_due_at.slice(0, 10)}</span>
  if (!m.suspended) return <span class="badge badge-ok">active</span>
  return <span class="badge badge-error">{m.suspended_until ? `suspended until ${m.suspended_until.slice(0, 10)}` : 'suspended'}</span>
}

/** The number of days a suspension lasts, from the form's and the API's `days` (empty: until lifted). */
const untilOf = (days: number | '' | undefined) => (typeof days === 'number' ? new Date(Date.now() + days * 86_400_000).toISOString() : null)

export function usersSection(s: Services): AdminSection {
  const { users, admin, db, hooks } = s
  const members = createMembersService(db, hooks)
  const roles = createRolesService(db, users)
  const me = (c: C) => c.get('viewer')!

  /** A form on a member's page: do it, flash what happened, back to their page. */
  const memberForm = (fn: (c: C, id: number, form: Record<string, string>) => Promise<string>) => async (c: C) => {
    const id = idParam(c, 'id', 'That member')
    const form = await formFields(c)
    const r = await attempt(() => fn(c, id, form))
    flash(c, r.ok ? 'ok' : 'error', r.ok ? r.value : r.problem.message)
    return c.redirect(`/admin/users/${id}`, 303)
  }
  const suspend = async (c: C, id: number, input: unknown) => {
    const data = parse(suspendInput, input)
    return users.suspend(id, data.reason, me(c).id, { until: untilOf(data.days) })
  }

  const listPage = async (c: C) => {
    const f = filtersOf(c)
    const page = await members.search(f, { cursor: c.req.query('cursor'), limit: 50 })
    const custom = await roles.list()
    const query = new URLSearchParams(Object.entries(f).filter(([, v]) => v)).toString()
    return admin.page(
      c,
      { title: 'Members' },
      <>
        <form method="get" action="/admin/users" class="admin-filters card" role="search" aria-label="Find members">
          <div class="field">
            <label for="f-q">Search</label>
            <input id="f-q" name="q" value={f.q} placeholder="Username, name or email" maxLength={100} />
          </div>
          <Select name="role" label="Role" value={f.role} options={[['', 'Any'], ['member', 'Member'], ['moderator', 'Moderator'], ['admin', 'Admin'], ...custom.map((r): [string, string] => [`custom:${r.name}`, r.label])]} />
          <Select name="status" label="Status" value={f.status} options={[['', 'Any'], ['active', 'Active'], ['suspended', 'Suspended'], ['warned', 'Warned']]} />
          <Select name="joined" label="Joined" value={f.joined} options={[['', 'Any time'], ['1', 'Today'], ['7', 'Last 7 days'], ['30', 'Last 30 days'], ['365', 'Last year']]} />
          <Select name="seen" label="Last seen" value={f.seen} options={[['', 'Any time'], ['1', 'Today'], ['7', 'Last 7 days'], ['30', 'Last 30 days'], ['away-30', 'Not in 30 days'], ['never', 'Never']]} />
          <Select name="reported" label="Reports against" value={f.reported} options={[['', 'Any'], ['yes', 'Open reports']]} />
          <button type="submit" class="secondary">Filter</button>
        </form>
        {page.items.length === 0 ? (
          <p class="muted" data-empty>
            No members match.
          </p>
        ) : (
          <div class="table-wrap">
            <table data-members>
              <thead>
                <tr>
                  <th>Member</th>
                  <th>Role</th>
                  <th>Status</th>
                  <th>Joined</th>
                  <th>Last seen</th>
                  <th>Open reports</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((m) => (
                  <tr data-member={m.username}>
                    <td>
                      <a href={`/admin/users/${m.id}`}>@{m.username}</a>
                      <br />
                      <span class="muted">{m.email}</span>
                    </td>
                    <td>
                      {m.role}
                      {m.staff_role && <span class="muted"> + {m.staff_role}</span>}
                    </td>
                    <td>
                      <Status m={m} />
                    </td>
                    <td>{m.created_at.slice(0, 10)}</td>
                    <td>{m.last_seen ?? 'never'}</td>
                    <td>{m.open_reports}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {page.nextCursor && (
          <p>
            <a href={`/admin/users?${query ? `${query}&` : ''}cursor=${page.nextCursor}`}>Next page</a>
          </p>
        )}
      </>,
    )
  }

  const memberPage = async (c: C) => {
    const p = await members.profile(idParam(c, 'id', 'That member'))
    const m = p.member
    const csrf = c.get('csrfToken')
    const isAdmin = allows(me(c), 'admin')
    const custom = isAdmin ? await roles.list() : []
    const verification = m.deleted_at ? null : await s.verification.status(m.id)
    return admin.page(
      c,
      { title: `@${m.username}`, active: 'users' },
      <>
        <section class="card stack" data-member-profile>
          <p>
            <strong>{m.display_name}</strong> <a href={`/u/${m.username}`}>@{m.username}</a> · {m.email} · <Status m={m} />
          </p>
          <p class="muted">
            {m.role}
            {m.staff_role ? ` + ${m.staff_role}` : ''} · joined {m.created_at.slice(0, 10)} · last seen {m.last_seen ?? 'never'} · two-factor {m.two_factor_enabled ? 'on' : 'off'}
          </p>
          {m.suspended && <p class="alert alert-error">Suspended: {m.suspended_reason}</p>}
          <dl class="figures">
            {Object.entries(p.figures).map(([k, v]) => (
              <div>
                <dt>{k.replace('_', ' ')}</dt>
                <dd data-figure={k}>{v}</dd>
              </div>
            ))}
          </dl>
        </section>

        {m.deleted_at ? (
          <p class="card muted" data-member-deleted>
            This account was deleted on {m.deleted_at.slice(0, 10)}: only its nameless record is left.
          </p>
        ) : (
          <section class="card stack" data-member-actions>
            <h2>Actions</h2>
            <form method="post" action={`/admin/users/${m.id}/warn`} class="stack" data-warn-form>
              <CsrfField token={csrf} />
              <div class="field">
                <label for="warn-note">Warning (the member reads it on their next visit, and gets a notification)</label>
                <textarea id="warn-note" name="note" maxLength={1000} required></textarea>
              </div>
              <button type="submit">Warn</button>
            </form>
            {m.suspended ? (
              <ActionForm action={`/admin/users/${m.id}/unsuspend`} csrf={csrf} label="Lift the suspension" class="secondary" />
            ) : (
              <form method="post" action={`/admin/users/${m.id}/suspend`} class="stack" data-suspend-form>
                <CsrfField token={csrf} />
                <div class="field">
                  <label for="suspend-reason">Reason to suspend (shown to them)</label>
                  <input id="suspend-reason" name="reason" maxLength={500} required />
                </div>
                <div class="field">
                  <label for="suspend-days">For</label>
                  <select id="suspend-days" name="days">
                    <option value="1">1 day</option>
                    <option value="3">3 days</option>
                    <option value="7" selected>
                      7 days
                    </option>
                    <option value="30">30 days</option>
                    <option value="">Until lifted</option>
                  </select>
                </div>
                <button type="submit" class="danger">
                  Suspend
                </button>
              </form>
            )}
            <ActionForm action={`/admin/users/${m.id}/sign-out`} csrf={csrf} label={`Sign out everywhere (${p.figures.sessions} sessions)`} class="secondary" />
            {(m.two_factor_enabled || p.figures.passkeys > 0) && <ActionForm action={`/admin/users/${m.id}/reset-2fa`} csrf={csrf} label="Reset two-factor and passkeys (they lost their devices and codes)" class="secondary" />}
            {m.role === 'member' && !m.staff_role && <ActionForm action={`/admin/users/${m.id}/view-as`} csrf={csrf} label="View as this member (read-only)" class="secondary" />}
            {m.deletion_due_at && (
              <p class="alert alert-info" data-deletion-due>
                They asked to delete their account: it goes on {m.deletion_due_at.replace('T', ' ').slice(0, 16)} UTC.{' '}
                <ActionForm action={`/admin/users/${m.id}/cancel-deletion`} csrf={csrf} label="Cancel the deletion" class="secondary" />
              </p>
            )}
            <form method="post" action={`/admin/users/${m.id}/ban`} class="stack" data-ban-form>
              <CsrfField token={csrf} />
              <div class="field">
                <label for="ban-reason">Reason to ban (shown to them; they cannot sign in again until lifted)</label>
                <input id="ban-reason" name="reason" maxLength={500} required />
              </div>
              <button type="submit" class="danger">
                Ban
              </button>
            </form>
            {m.role === 'member' && (
              <form method="post" action={`/admin/users/${m.id}/delete`} class="stack" data-delete-form>
                <CsrfField token={csrf} />
                <div class="field">
                  <label for="delete-reason">Reason to delete the account now (for the audit log; their content goes as the deletion policy says)</label>
                  <input id="delete-reason" name="reason" maxLength={500} required />
                </div>
                <button type="submit" class="danger">
                  Delete the account
                </button>
              </form>
            )}
            {isAdmin && (
              <form method="post" action={`/admin/users/${m.id}/roles`} class="admin-filters" data-roles-form>
                <CsrfField token={csrf} />
                <Select name="role" label="Role" value={m.role} options={[['member', 'Member'], ['moderator', 'Moderator'], ['admin', 'Admin']]} />
                <Select name="staff_role" label="Custom role" value={m.staff_role ?? ''} options={[['', 'None'], ...custom.map((r): [string, string] => [r.name, r.label])]} />
                <button type="submit" class="secondary">
                  Set roles
                </button>
              </form>
            )}
          </section>
        )}

        {verification && <MemberVerification member={m} status={verification} csrf={csrf} />}

        <section class="card stack">
          <h2>Recent posts</h2>
          {p.recent_posts.length === 0 ? (
            <p class="muted">No posts.</p>
          ) : (
            <ul>
              {p.recent_posts.map((post) => (
                <li>
                  <a href={`/p/${post.id}`}>{post.created_at.slice(0, 10)}</a> <span class="muted">{post.visibility}{post.status !== 'published' ? `, ${post.status}` : ''}</span>: {post.text.slice(0, 200)}
                </li>
              ))}
            </ul>
          )}
        </section>

        {(['reports_against', 'reports_by'] as const).map((key) => (
          <section class="card stack" data-reports={key}>
            <h2>{key === 'reports_against' ? 'Reports against them' : 'Reports they filed'}</h2>
            {p[key].length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <ul>
                {p[key].map((r) => (
                  <li>
                    <a href={`/admin/reports/${r.id}`}>#{r.id}</a> {r.reason} about {r.target_type} {r.target_id} · {r.status} · {r.created_at.slice(0, 10)}
                  </li>
                ))}
              </ul>
            )}
          </section>
        ))}

        <section class="card stack" data-member-warnings>
          <h2>Warnings</h2>
          {p.warnings.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul>
              {p.warnings.map((w) => (
                <li>
                  {w.created_at.slice(0, 10)} {w.actor ? `by @${w.actor}` : ''}: {w.note || w.reason} <span class="muted">{w.seen_at ? 'read' : 'not read yet'}</span>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section class="card stack" data-member-audit>
          <h2>Audit trail</h2>
          {p.audit.length === 0 ? (
            <p class="muted">Nothing yet.</p>
          ) : (
            <ul>
              {p.audit.map((a) => (
                <li>
                  {a.created_at.replace('T', ' ').slice(0, 16)} {a.actor ? `@${a.actor}` : auditVia(JSON.stringify(a.details))}: {a.action}{' '}
                  <span class="muted mono">{Object.keys(a.details).length ? JSON.stringify(a.details) : ''}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </>,
    )
  }

  return {
    id: 'users',
    label: 'Members',
    icon: 'users',
    order: 10,
    need: 'manage_members',
    pages(r) {
      r.get('/', listPage)
      r.get('/:id', memberPage)
      r.post('/:id/warn', memberForm(async (c, id, form) => {
        await members.warn(me(c).id, id, form)
        return 'The member is warned; they read it on their next visit.'
      }))
      r.post('/:id/suspend', memberForm(async (c, id, form) => {
        const u = await suspend(c, id, form)
        return `@${u.username} is suspended.`
      }))
      r.post('/:id/unsuspend', memberForm(async (c, id) => {
        const u = await users.unsuspend(id, me(c).id)
        return `@${u.username} may log in again.`
      }))
      r.post('/:id/sign-out', memberForm(async (c, id) => {
        const n = await users.signOutEverywhere(id, me(c).id)
        return n === 1 ? 'One session ended.' : `${n} sessions ended.`
      }))
      r.post('/:id/ban', memberForm(async (c, id, form) => {
        await s.account.ban(me(c).id, id, form.reason ?? '')
        return 'The member is banned.'
      }))
      r.post('/:id/delete', memberForm(async (c, id, form) => {
        await s.account.deleteByStaff(me(c).id, id, form.reason ?? '')
        return 'The account is being deleted.'
      }))
      r.post('/:id/cancel-deletion', memberForm(async (c, id) => {
        return (await s.account.cancelDeletion(id, me(c).id, 'staff')) ? 'The deletion is cancelled; they are told by email.' : 'No deletion was pending.'
      }))
      r.post('/:id/reset-2fa', memberForm(async (c, id) => {
        const removed = await s.auth.resetTwoFactor(id, me(c).id)
        return `Two-factor authentication is off for them${removed ? ` and their ${removed === 1 ? 'passkey is' : `${removed} passkeys are`} removed` : ''}; they sign in with their password and may set it up again.`
      }))
      r.post('/:id/view-as', async (c) => {
        const id = idParam(c, 'id', 'That member')
        const r = await attempt(() => startViewAs(db, me(c), c.get('sessionToken'), id))
        if (!r.ok) {
          flash(c, 'error', r.problem.message)
          return c.redirect(`/admin/users/${id}`, 303)
        }
        flash(c, 'ok', `You now see the site as @${r.value.username}. Nothing can be changed until you end it.`)
        return c.redirect('/', 303)
      })
      r.post('/:id/roles', memberForm(async (c, id, form) => {
        const after = await roles.assign(id, { role: form.role || undefined, staff_role: form.staff_role ?? null }, me(c).id)
        return `Roles set: ${after.role}${after.staff_role ? ` + ${after.staff_role}` : ''}.`
      }), 'admin')
      // The form of the older members list: one role select per row.
      r.post('/:id/role', memberForm(async (c, id, form) => {
        const after = await roles.assign(id, { role: form.role }, me(c).id)
        return `The member is now ${after.role}.`
      }), 'admin')
    },
    api(r) {
      r.get('/', async (c) => {
        // The API lists oldest first unless asked (its order before the console had a page of its own).
        const f = { ...filtersOf(c), sort: c.req.query('sort') || 'oldest' }
        return paginated(c, await members.search(f, { cursor: c.req.query('cursor'), limit: parseLimit(c.req.query('limit')) }))
      })
      r.get('/:id', async (c) => ok(c, await members.profile(idParam(c, 'id', 'That member'))))
      r.post('/:id/warn', async (c) => ok(c, await members.warn(me(c).id, idParam(c, 'id', 'That member'), await jsonBody(c)), 201))
      r.post('/:id/suspend', async (c) => ok(c, await suspend(c, idParam(c, 'id', 'That member'), await jsonBody(c))))
      r.post('/:id/unsuspend', async (c) => ok(c, await users.unsuspend(idParam(c, 'id', 'That member'), me(c).id)))
      r.post('/:id/sign-out', async (c) => ok(c, { sessions_ended: await users.signOutEverywhere(idParam(c, 'id', 'That member'), me(c).id) }))
      r.post('/:id/ban', async (c) => {
        const body = await jsonBody(c)
        return ok(c, await s.account.ban(me(c).id, idParam(c, 'id', 'That member'), typeof body.reason === 'string' ? body.reason : ''))
      })
      r.post('/:id/delete', async (c) => {
        const body = await jsonBody(c)
        return ok(c, await s.account.deleteByStaff(me(c).id, idParam(c, 'id', 'That member'), typeof body.reason === 'string' ? body.reason : ''))
      })
      r.post('/:id/cancel-deletion', async (c) => ok(c, { cancelled: await s.account.cancelDeletion(idParam(c, 'id', 'That member'), me(c).id, 'staff') }))
      r.post('/:id/reset-2fa', async (c) => {
        const removed = await s.auth.resetTwoFactor(idParam(c, 'id', 'That member'), me(c).id)
        return ok(c, { two_factor_enabled: false, passkeys_removed: removed })
      })
      r.put('/:id/roles', async (c) => ok(c, await roles.assign(idParam(c, 'id', 'That member'), await jsonBody(c), me(c).id)), 'admin')
    },
  }
}
