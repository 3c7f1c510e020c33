// Admin pages: overview, members (roles, suspension), plugins (enable, disable, settings) and the audit log.
import { Hono, type Context } from 'hono'
import { VERSION } from '../version.js'
import { notFound } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import { flash } from '../http/flash.js'
import { attempt, formFields } from '../http/forms.js'
import { requireRole } from '../http/middleware.js'
import type { SettingSpec, SettingsSchema } from '../settings/schema.js'
import type { PluginStatus } from '../plugins/loader.js'
import { pluginSettingsStore } from '../plugins/settings.js'
import { CORE_SCHEMA } from '../settings/service.js'
import type { Services } from '../services.js'
import type { Role } from '../db/schema.js'
import type { PrivateUser } from '../users/types.js'
import { CsrfField, FormError } from '../views/components.js'

/** What differs between the database and this running process: said plainly, since it needs a restart. */
export function pendingRestart(statuses: PluginStatus[]): string[] {
  const out: string[] = []
  for (const p of statuses) {
    if (p.enabled && !p.loaded && !p.error) out.push(`${p.name} is enabled and starts after a restart.`)
    if (!p.enabled && p.loaded) out.push(`${p.name} is disabled and keeps running until a restart.`)
  }
  return out
}

/** Who acted, for an audit row made by no member: how it was made (`via`: the setup link), else the CLI. */
function auditVia(details: string): string {
  try {
    const via = (JSON.parse(details) as { via?: unknown }).via
    return typeof via === 'string' ? via[0]!.toUpperCase() + via.slice(1) : 'CLI'
  } catch {
    return 'CLI'
  }
}

function AdminNav({ active }: { active: string }) {
  const items = [
    ['overview', '/admin', 'Overview'],
    ['users', '/admin/users', 'Members'],
    ['plugins', '/admin/plugins', 'Plugins'],
    ['moderation', '/moderation', 'Moderation'],
    ['settings', '/admin/settings', 'Site settings'],
    ['audit', '/admin/audit', 'Audit log'],
  ]
  return (
    <nav class="tabs" aria-label="Admin">
      {items.map(([id, href, label]) => (
        <a href={href} aria-current={id === active ? 'page' : undefined}>
          {label}
        </a>
      ))}
    </nav>
  )
}

function RestartNotice({ pending }: { pending: string[] }) {
  if (!pending.length) return null
  return (
    <div class="alert alert-info" role="status" data-restart-required>
      <strong>Restart Hearth to apply plugin changes.</strong>
      <ul>
        {pending.map((p) => (
          <li>{p}</li>
        ))}
      </ul>
    </div>
  )
}

function SettingInput({ name, spec, value }: { name: string; spec: SettingSpec; value: unknown }) {
  const id = `s-${name}`
  const label = (
    <label for={id}>
      {spec.label}
    </label>
  )
  const help = spec.help ? <p class="hint">{spec.help}</p> : null
  switch (spec.type) {
    case 'boolean':
      return (
        <div class="field">
          <label>
            <input id={id} type="checkbox" name={name} checked={value === true} /> {spec.label}
          </label>
          {help}
        </div>
      )
    case 'select':
      return (
        <div class="field">
          {label}
          <select id={id} name={name}>
            {spec.options.map((o) => (
              <option value={o} selected={o === value}>
                {o}
              </option>
            ))}
          </select>
          {help}
        </div>
      )
    case 'number':
      return (
        <div class="field">
          {label}
          <input id={id} type="number" name={name} value={String(value)} min={spec.min} max={spec.max} step={spec.integer ? 1 : 'any'} />
          {help}
        </div>
      )
    default:
      if (spec.secret) {
        // Never sent back to a browser: empty keeps the one set (`hearth settings reset KEY` removes it).
        return (
          <div class="field">
            {label}
            <input id={id} type="password" name={name} value="" autocomplete="off" maxLength={spec.maxLength} placeholder={value ? 'Set (leave empty to keep it)' : 'Not set'} />
            {help}
          </div>
        )
      }
      return (
        <div class="field">
          {label}
          {spec.multiline ? <textarea id={id} name={name} maxLength={spec.maxLength}>{String(value)}</textarea> : <input id={id} name={name} value={String(value)} maxLength={spec.maxLength} />}
          {help}
        </div>
      )
  }
}

export function adminPages(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { render, users, plugins, db, ui } = s
  app.use('/admin', requireRole('admin'))
  app.use('/admin/*', requireRole('admin'))

  app.get('/admin', async (c) => {
    const statuses = await plugins.status()
    const viewer = c.get('viewer')!
    return render.page(
      c,
      { title: 'Admin' },
      <>
        <h1>Admin</h1>
        <AdminNav active="overview" />
        <RestartNotice pending={pendingRestart(statuses)} />
        <section class="card">
          <p>
            <strong>{await users.count()}</strong> members · <strong>{statuses.filter((p) => p.loaded).length}</strong> plugins running ·{' '}
            <strong>{s.realtime.onlineCount()}</strong> members online now
          </p>
          <p class="muted">Hearth {VERSION} · Node {process.version}</p>
        </section>
        {await ui.renderSlot('admin.overview', { viewer })}
      </>,
    )
  })

  // ---- Members
  app.get('/admin/users', async (c) => {
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
    return render.page(
      c,
      { title: 'Members' },
      <>
        <h1>Admin</h1>
        <AdminNav active="users" />
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

  const memberAction = (fn: (c: Context<AppEnv>, id: number, form: Record<string, string>) => Promise<string>) => async (c: Context<AppEnv>) => {
    const id = Number(c.req.param('id'))
    if (!Number.isInteger(id)) throw notFound('That member')
    const form = await formFields(c)
    const r = await attempt(() => fn(c, id, form))
    flash(c, r.ok ? 'ok' : 'error', r.ok ? r.value : r.problem.message)
    return c.redirect('/admin/users', 303)
  }
  app.post('/admin/users/:id/role', memberAction(async (c, id, form) => {
    const u = await users.setRole(id, form.role as Role, c.get('viewer')!.id)
    return `@${u.username} is now ${u.role}.`
  }))
  app.post('/admin/users/:id/suspend', memberAction(async (c, id, form) => {
    const u = await users.suspend(id, form.reason ?? '', c.get('viewer')!.id)
    return `@${u.username} is suspended.`
  }))
  app.post('/admin/users/:id/unsuspend', memberAction(async (c, id) => {
    const u = await users.unsuspend(id, c.get('viewer')!.id)
    return `@${u.username} may log in again.`
  }))

  // ---- Plugins
  app.get('/admin/plugins', async (c) => {
    const statuses = await plugins.status()
    const csrf = c.get('csrfToken')
    return render.page(
      c,
      { title: 'Plugins' },
      <>
        <h1>Admin</h1>
        <AdminNav active="plugins" />
        <RestartNotice pending={pendingRestart(statuses)} />
        {statuses.length === 0 && <p>No plugins found in the plugins folder.</p>}
        {statuses.map((p) => (
          <section class="card" data-plugin={p.name}>
            <h2>
              {p.name} <span class="muted">{p.version}</span>{' '}
              {p.enabled ? <span class="badge badge-ok">enabled</span> : <span class="badge">disabled</span>}
            </h2>
            <p>{p.description}</p>
            {p.dependsOn.length > 0 && <p class="hint">Needs: {p.dependsOn.join(', ')}</p>}
            {p.error && <p class="alert alert-error">{p.error}</p>}
            <div class="actions">
              <form method="post" action={`/admin/plugins/${p.name}/${p.enabled ? 'disable' : 'enable'}`}>
                <CsrfField token={csrf} />
                <button type="submit" class={p.enabled ? 'secondary' : undefined}>
                  {p.enabled ? 'Disable' : 'Enable'}
                </button>
              </form>
              {Object.keys(p.settings).length > 0 && <a href={`/admin/plugins/${p.name}`}>Settings</a>}
            </div>
          </section>
        ))}
      </>,
    )
  })
  for (const verb of ['enable', 'disable'] as const) {
    app.post(`/admin/plugins/:name/${verb}`, async (c) => {
      const name = c.req.param('name')
      const r = await attempt(() => plugins.setEnabled(name, verb === 'enable', c.get('viewer')!.id))
      if (!r.ok) flash(c, 'error', r.problem.message)
      else flash(c, 'ok', `${name} is ${verb}d. Restart Hearth to apply.`)
      return c.redirect('/admin/plugins', 303)
    })
  }

  const settingsPage = async (c: Context<AppEnv>, problem?: { message: string; status: number }, values?: Record<string, unknown>) => {
    const name = c.req.param('name')!
    const status = (await plugins.status()).find((p) => p.name === name)
    if (!status || !Object.keys(status.settings).length) throw notFound('That plugin')
    const current = values ?? (await pluginSettingsStore(s.settings, name, status.settings).all())
    return render.page(
      c,
      { title: `${name} settings`, status: (problem?.status ?? 200) as 200 },
      <>
        <h1>Admin</h1>
        <AdminNav active="plugins" />
        <section class="card">
          <h2>{name} settings</h2>
          <FormError message={problem?.message} />
          <form method="post" action={`/admin/plugins/${name}`}>
            <CsrfField token={c.get('csrfToken')} />
            {Object.entries(status.settings).map(([key, spec]) => (
              <SettingInput name={key} spec={spec} value={current[key]} />
            ))}
            <button type="submit">Save</button>
          </form>
        </section>
      </>,
    )
  }
  app.get('/admin/plugins/:name', (c) => settingsPage(c))
  app.post('/admin/plugins/:name', async (c) => {
    const name = c.req.param('name')
    const status = (await plugins.status()).find((p) => p.name === name)
    if (!status) throw notFound('That plugin')
    const form = await formFields(c)
    const r = await attempt(() => pluginSettingsStore(s.settings, name, status.settings).saveForm(form))
    if (!r.ok) return settingsPage(c, r.problem, form)
    flash(c, 'ok', `${name} settings saved.`)
    return c.redirect(`/admin/plugins/${name}`, 303)
  })

  // ---- Site settings
  const siteSettings = async (c: Context<AppEnv>, problem?: { message: string; status: number }, values?: Record<string, unknown>) => {
    const current: Record<string, unknown> = values ?? {}
    if (!values) for (const key of Object.keys(CORE_SCHEMA)) current[key] = await s.settings.get(key as keyof typeof CORE_SCHEMA)
    return render.page(
      c,
      { title: 'Site settings', status: (problem?.status ?? 200) as 200 },
      <>
        <h1>Admin</h1>
        <AdminNav active="settings" />
        <section class="card">
          <FormError message={problem?.message} />
          <form method="post" action="/admin/settings">
            <CsrfField token={c.get('csrfToken')} />
            {Object.entries(CORE_SCHEMA).map(([key, spec]) => (
              <SettingInput name={key} spec={spec} value={current[key]} />
            ))}
            <button type="submit">Save</button>
          </form>
          <p class="hint">
            The theme is chosen with <code>hearth theme use NAME</code>.
          </p>
        </section>
      </>,
    )
  }
  app.get('/admin/settings', (c) => siteSettings(c))
  app.post('/admin/settings', async (c) => {
    const form = await formFields(c)
    // An unticked checkbox sends nothing: every field of the form is submitted, absent means off.
    const secretKept = (k: string) => {
      const spec = (CORE_SCHEMA as SettingsSchema)[k]
      return spec?.type === 'string' && spec.secret === true && !form[k]
    }
    const values = Object.fromEntries(Object.keys(CORE_SCHEMA).filter((k) => !secretKept(k)).map((k) => [k, form[k]]))
    const r = await attempt(() => s.settings.updateCore(values, c.get('viewer')!.id))
    if (!r.ok) return siteSettings(c, r.problem, values)
    flash(c, 'ok', 'Site settings saved.')
    return c.redirect('/admin/settings', 303)
  })

  // ---- Audit log
  app.get('/admin/audit', async (c) => {
    const rows = await db
      .selectFrom('audit_log')
      .leftJoin('users', 'users.id', 'audit_log.actor_id')
      .select(['audit_log.id', 'audit_log.action', 'audit_log.target_type', 'audit_log.target_id', 'audit_log.details', 'audit_log.created_at', 'users.username'])
      .orderBy('audit_log.id', 'desc')
      .limit(200)
      .execute()
    return render.page(
      c,
      { title: 'Audit log' },
      <>
        <h1>Admin</h1>
        <AdminNav active="audit" />
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>What</th>
                <th>Target</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <td>{r.created_at.replace('T', ' ').slice(0, 19)}</td>
                  <td>{r.username ? `@${r.username}` : auditVia(r.details)}</td>
                  <td>
                    {r.action} <span class="muted mono">{r.details !== '{}' ? r.details : ''}</span>
                  </td>
                  <td>{r.target_type ? `${r.target_type} ${r.target_id}` : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </>,
    )
  })

  return app
}
