// Members: search and filters, a member's page, and the actions staff take on them (warn, suspend, roles, sign out).
import type { Context } from 'hono'
import { z } from 'zod'
import { notFound } from '../../errors.js'
import type { AppEnv } from '../../http/env.js'
import { paginated } from '../../http/envelope.js'
import { flash } from '../../http/flash.js'
import { attempt, formFields } from '../../http/forms.js'
import { parseLimit } from '../../pagination.js'
import type { Role } from '../../db/schema.js'
import type { Services } from '../../services.js'
import type { PrivateUser } from '../../users/types.js'
import { roleInput } from '../../users/inputs.js'
import { parse } from '../../validation.js'
import { CsrfField } from '../../views/components.js'
import type { AdminSection } from '../registry.js'

export function usersSection(s: Services): AdminSection {
  const { users, admin } = s
  const memberAction = (fn: (c: Context<AppEnv>, id: number, form: Record<string, string>) => Promise<string>) => async (c: Context<AppEnv>) => {
    const id = Number(c.req.param('id'))
    if (!Number.isInteger(id)) throw notFound('That member')
    const form = await formFields(c)
    const r = await attempt(() => fn(c, id, form))
    flash(c, r.ok ? 'ok' : 'error', r.ok ? r.value : r.problem.message)
    return c.redirect('/admin/users', 303)
  }
  return {
    id: 'users',
    label: 'Members',
    icon: 'users',
    order: 10,
    need: 'manage_members',
    pages(r) {
      r.get('/', async (c) => {
        const q = c.req.query('q')?.slice(0, 100) ?? ''
        const page = await users.list({ cursor: c.req.query('cursor'), limit: 50, q: q || undefined })
        const csrf = c.get('csrfToken')
        const row = (u: PrivateUser) => (
          <tr>
            <td>
              <a href={`/u/${u.username}`}>@{u.username}</a>
              <br />
              <span class="muted">{u.email}</span>
            </td>
            <td>
              <form method="post" action={`/admin/users/${u.id}/role`} class="actions">
                <CsrfField token={csrf} />
                <select name="role" aria-label={`Role of ${u.username}`}>
                  {(['member', 'moderator', 'admin'] as Role[]).map((r) => (
                    <option value={r} selected={u.role === r}>
                      {r}
                    </option>
                  ))}
                </select>
                <button type="submit" class="secondary">
                  Set
                </button>
              </form>
            </td>
            <td>
              {u.suspended ? (
                <form method="post" action={`/admin/users/${u.id}/unsuspend`}>
                  <CsrfField token={csrf} />
                  <span class="badge badge-error">suspended</span> <button type="submit" class="secondary">Unsuspend</button>
                </form>
              ) : (
                <form method="post" action={`/admin/users/${u.id}/suspend`} class="actions">
                  <CsrfField token={csrf} />
                  <input name="reason" placeholder="Reason shown to them" aria-label={`Reason to suspend ${u.username}`} maxLength={500} required />
                  <button type="submit" class="danger">
                    Suspend
                  </button>
                </form>
              )}
            </td>
          </tr>
        )
        return admin.page(
          c,
          { title: 'Members' },
          <>
            <form method="get" action="/admin/users" class="actions">
              <input name="q" value={q} placeholder="Search username, name or email" aria-label="Search members" />
              <button type="submit" class="secondary">Search</button>
            </form>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Member</th>
                    <th>Role</th>
                    <th>Status</th>
                  </tr>
                </thead>
                <tbody>{page.items.map(row)}</tbody>
              </table>
            </div>
            {page.nextCursor && (
              <p>
                <a href={`/admin/users?cursor=${page.nextCursor}${q ? `&q=${encodeURIComponent(q)}` : ''}`}>Next page</a>
              </p>
            )}
          </>,
        )
      })
      r.post('/:id/role', memberAction(async (c, id, form) => {
        const u = await users.setRole(id, form.role as Role, c.get('viewer')!.id)
        return `@${u.username} is now ${u.role}.`
      }), 'admin')
      r.post('/:id/suspend', memberAction(async (c, id, form) => {
        const u = await users.suspend(id, form.reason ?? '', c.get('viewer')!.id)
        return `@${u.username} is suspended.`
      }))
      r.post('/:id/unsuspend', memberAction(async (c, id) => {
        const u = await users.unsuspend(id, c.get('viewer')!.id)
        return `@${u.username} may log in again.`
      }))
    },
    api(r) {
      r.get('/', async (c) => {
        const role = c.req.query('role')
        const page = await users.list({
          cursor: c.req.query('cursor'),
          limit: parseLimit(c.req.query('limit')),
          role: role ? parse(z.object({ role: roleInput }), { role }).role : undefined,
          q: c.req.query('q')?.slice(0, 100),
        })
        return paginated(c, page)
      })
    },
  }
}
