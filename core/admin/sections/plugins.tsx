// Plugins: enable, disable and settings, with the notice that a change takes a restart. Admins only: a plugin runs as the server.
import type { Context } from 'hono'
import type { AppEnv } from '../../http/env.js'
import { audit } from '../../audit.js'
import { notFound } from '../../errors.js'
import { ok } from '../../http/envelope.js'
import { flash } from '../../http/flash.js'
import { attempt, formFields } from '../../http/forms.js'
import { jsonBody } from '../../http/json.js'
import type { PluginStatus } from '../../plugins/loader.js'
import { pluginSettingsStore } from '../../plugins/settings.js'
import type { Services } from '../../services.js'
import { CsrfField, FormError } from '../../views/components.js'
import type { AdminSection } from '../registry.js'
import { SettingInput } from '../setting-input.js'

/** What differs between the database and this running process: said plainly, since it needs a restart. */
export function pendingRestart(statuses: PluginStatus[]): string[] {
  const out: string[] = []
  for (const p of statuses) {
    if (p.enabled && !p.loaded && !p.error) out.push(`${p.name} is enabled and starts after a restart.`)
    if (!p.enabled && p.loaded) out.push(`${p.name} is disabled and keeps running until a restart.`)
  }
  return out
}

export function RestartNotice({ pending }: { pending: string[] }) {
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

const statusJson = (p: PluginStatus) => ({ name: p.name, version: p.version, description: p.description, enabled: p.enabled, loaded: p.loaded, error: p.error ?? null, depends_on: p.dependsOn, has_settings: Object.keys(p.settings).length > 0 })

export function pluginsSection(s: Services): AdminSection {
  const { plugins, admin } = s
  const find = async (name: string) => {
    const status = (await plugins.status()).find((p) => p.name === name)
    if (!status) throw notFound('That plugin')
    return status
  }

  /** Save a plugin's settings (every field checked first) and audit which keys changed. */
  const saveSettings = async (status: PluginStatus, form: Record<string, unknown>, actorId: number) => {
    const store = pluginSettingsStore(s.settings, status.name, status.settings)
    const before = await store.all()
    await store.saveForm(form)
    const after = await store.all()
    const changed = Object.keys(after).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]))
    if (changed.length) await audit(s.db, { actorId, action: 'plugin.settings', targetType: 'plugin', targetId: status.name, details: { changed } })
  }

  const settingsPage = async (c: Context<AppEnv>, problem?: { message: string; status: number }, values?: Record<string, unknown>) => {
    const status = await find(c.req.param('name')!)
    if (!Object.keys(status.settings).length) throw notFound('That plugin')
    const current = values ?? (await pluginSettingsStore(s.settings, status.name, status.settings).all())
    return admin.page(
      c,
      { title: `${status.name} settings`, status: problem?.status ?? 200 },
      <section class="card">
        <FormError message={problem?.message} />
        <form method="post" action={`/admin/plugins/${status.name}`}>
          <CsrfField token={c.get('csrfToken')} />
          {Object.entries(status.settings).map(([key, spec]) => (
            <SettingInput name={key} spec={spec} value={current[key]} />
          ))}
          <button type="submit">Save</button>
        </form>
      </section>,
    )
  }

  return {
    id: 'plugins',
    label: 'Plugins',
    icon: 'puzzle',
    order: 85,
    need: 'manage_settings',
    pages(r) {
      r.get('/', async (c) => {
        const statuses = await plugins.status()
        const csrf = c.get('csrfToken')
        return admin.page(
          c,
          { title: 'Plugins' },
          <>
            <RestartNotice pending={pendingRestart(statuses)} />
            {statuses.length === 0 && <p>No plugins found in the plugins folder.</p>}
            {statuses.map((p) => (
              <section class="card" data-plugin={p.name}>
                <h2>
                  {p.name} <span class="muted">{p.version}</span> {p.enabled ? <span class="badge badge-ok">enabled</span> : <span class="badge">disabled</span>}
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
        r.post(`/:name/${verb}`, async (c) => {
          const name = c.req.param('name')!
          const res = await attempt(() => plugins.setEnabled(name, verb === 'enable', c.get('viewer')!.id))
          flash(c, res.ok ? 'ok' : 'error', res.ok ? `${name} is ${verb}d. Restart Hearth to apply.` : res.problem.message)
          return c.redirect('/admin/plugins', 303)
        }, 'admin')
      }
      r.get('/:name', (c) => settingsPage(c))
      r.post('/:name', async (c) => {
        const status = await find(c.req.param('name')!)
        const form = await formFields(c)
        const res = await attempt(() => saveSettings(status, form, c.get('viewer')!.id))
        if (!res.ok) return settingsPage(c, res.problem, form)
        flash(c, 'ok', `${status.name} settings saved.`)
        return c.redirect(`/admin/plugins/${status.name}`, 303)
      })
    },
    api(r) {
      r.get('/', async (c) => {
        const statuses = await plugins.status()
        return ok(c, { plugins: statuses.map(statusJson), restart_required: pendingRestart(statuses) })
      })
      for (const verb of ['enable', 'disable'] as const) {
        r.post(`/:name/${verb}`, async (c) => {
          const name = c.req.param('name')!
          await plugins.setEnabled(name, verb === 'enable', c.get('viewer')!.id)
          return ok(c, { ...statusJson(await find(name)), restart_required: true })
        }, 'admin')
      }
      r.get('/:name/settings', async (c) => {
        const status = await find(c.req.param('name')!)
        return ok(c, await pluginSettingsStore(s.settings, status.name, status.settings).all())
      })
      r.patch('/:name/settings', async (c) => {
        const status = await find(c.req.param('name')!)
        // A partial change: the keys not sent keep their values.
        const store = pluginSettingsStore(s.settings, status.name, status.settings)
        await saveSettings(status, { ...(await store.all()), ...(await jsonBody(c)) }, c.get('viewer')!.id)
        return ok(c, await store.all())
      })
    },
  }
}
