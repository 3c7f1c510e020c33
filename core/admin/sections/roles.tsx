// Roles: the built-in admin and moderator, and custom roles with chosen permissions. Admins only: a role grants power.
import type { Context } from 'hono'
import type { AppEnv } from '../../http/env.js'
import { ok } from '../../http/envelope.js'
import { flash } from '../../http/flash.js'
import { attempt, formFields, type FormProblem } from '../../http/forms.js'
import { jsonBody } from '../../http/json.js'
import type { Services } from '../../services.js'
import { PERMISSION_NAMES, PERMISSIONS, ROLE_PERMISSIONS, type Permission } from '../../users/permissions.js'
import { ActionForm, CsrfField, FormError } from '../../views/components.js'
import type { AdminSection } from '../registry.js'
import { createRolesService, type StaffRoleView } from '../roles.js'

/** A role's form: its name (fixed once made), label and a checkbox per permission. */
function RoleForm({ csrf, role }: { csrf: string; role?: StaffRoleView }) {
  const id = role ? `role-${role.name}` : 'role-new'
  return (
    <form method="post" action="/admin/roles" class="stack" data-role-form={role?.name ?? 'new'}>
      <CsrfField token={csrf} />
      {role ? (
        <input type="hidden" name="name" value={role.name} />
      ) : (
        <div class="field">
          <label for={`${id}-name`}>Name</label>
          <input id={`${id}-name`} name="name" required maxLength={40} pattern="[a-z0-9][a-z0-9\-]*" placeholder="e.g. support" />
          <p class="hint">Lowercase letters, digits and dashes.</p>
        </div>
      )}
      <div class="field">
        <label for={`${id}-label`}>Label</label>
        <input id={`${id}-label`} name="label" value={role?.label ?? ''} maxLength={60} />
      </div>
      <fieldset>
        <legend>Permissions</legend>
        {PERMISSION_NAMES.map((p) => (
          <label class="check">
            <input type="checkbox" name={`perm.${p}`} checked={role?.permissions.includes(p)} /> {PERMISSIONS[p]}
          </label>
        ))}
      </fieldset>
      <button type="submit">{role ? 'Save' : 'Make the role'}</button>
    </form>
  )
}

export function rolesSection(s: Services): AdminSection {
  const roles = createRolesService(s.db, s.users)
  const fromForm = (form: Record<string, string>) => ({ name: form.name, label: form.label, permissions: PERMISSION_NAMES.filter((p) => form[`perm.${p}`]) })

  const page = async (c: Context<AppEnv>, problem?: FormProblem) => {
    const list = await roles.list()
    const csrf = c.get('csrfToken')
    return s.admin.page(
      c,
      { title: 'Roles', status: problem?.status ?? 200 },
      <>
        <FormError message={problem?.message} />
        <section class="card stack">
          <h2>Built-in roles</h2>
          <ul>
            <li>
              <strong>Admin</strong>: every permission, and the admin-only pages (roles, plugins, the audit log).
            </li>
            <li>
              <strong>Moderator</strong>: {ROLE_PERMISSIONS.moderator.map((p: Permission) => PERMISSIONS[p].split(':')[0]).join(', ')}.
            </li>
          </ul>
          <p class="hint">Give them on a member's page. A custom role adds its permissions to whatever built-in role the member holds.</p>
        </section>
        {list.map((r) => (
          <section class="card stack" data-role={r.name}>
            <h2>
              {r.label} <span class="muted">{r.name} · {r.members === 1 ? '1 member' : `${r.members} members`}</span>
            </h2>
            <RoleForm csrf={csrf} role={r} />
            <ActionForm action={`/admin/roles/${r.name}/delete`} csrf={csrf} label="Delete the role" class="danger" />
          </section>
        ))}
        <section class="card stack">
          <h2>New role</h2>
          <RoleForm csrf={csrf} />
        </section>
      </>,
    )
  }

  return {
    id: 'roles',
    label: 'Roles',
    icon: 'shield',
    order: 20,
    need: 'admin',
    pages(r) {
      r.get('/', (c) => page(c))
      r.post('/', async (c) => {
        const form = await formFields(c)
        const res = await attempt(() => roles.save(fromForm(form), c.get('viewer')!.id))
        if (!res.ok) return page(c, res.problem)
        flash(c, 'ok', `The role ${res.value.name} is saved.`)
        return c.redirect('/admin/roles', 303)
      })
      r.post('/:name/delete', async (c) => {
        const res = await attempt(() => roles.remove(c.req.param('name')!, c.get('viewer')!.id))
        flash(c, res.ok ? 'ok' : 'error', res.ok ? 'The role is deleted; its members keep their built-in roles.' : res.problem.message)
        return c.redirect('/admin/roles', 303)
      })
    },
    api(r) {
      r.get('/', async (c) => ok(c, { builtin: ROLE_PERMISSIONS, custom: await roles.list() }))
      r.post('/', async (c) => ok(c, await roles.save(await jsonBody(c), c.get('viewer')!.id), 201))
      r.put('/:name', async (c) => ok(c, await roles.save({ ...(await jsonBody(c)), name: c.req.param('name') }, c.get('viewer')!.id)))
      r.delete('/:name', async (c) => {
        await roles.remove(c.req.param('name')!, c.get('viewer')!.id)
        return ok(c, { deleted: true })
      })
    },
  }
}
