// Site settings: core's settings schema drawn as one form, and the same over the API (secrets never leave the server).
import type { Context } from 'hono'
import type { AppEnv } from '../../http/env.js'
import { ok } from '../../http/envelope.js'
import { flash } from '../../http/flash.js'
import { attempt, formFields } from '../../http/forms.js'
import { jsonBody } from '../../http/json.js'
import type { SettingsSchema } from '../../settings/schema.js'
import { CORE_SCHEMA } from '../../settings/service.js'
import type { Services } from '../../services.js'
import { CsrfField, FormError } from '../../views/components.js'
import type { AdminSection } from '../registry.js'
import { SettingInput } from '../setting-input.js'

const isSecret = (k: string) => {
  const spec = (CORE_SCHEMA as SettingsSchema)[k]
  return spec?.type === 'string' && spec.secret === true
}

export function settingsSection(s: Services): AdminSection {
  const current = async () => {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(CORE_SCHEMA)) out[key] = await s.settings.get(key as keyof typeof CORE_SCHEMA)
    return out
  }
  const page = async (c: Context<AppEnv>, problem?: { message: string; status: number }, values?: Record<string, unknown>) => {
    const shown = values ?? (await current())
    return s.admin.page(
      c,
      { title: 'Site settings', status: problem?.status ?? 200 },
      <section class="card">
        <FormError message={problem?.message} />
        <form method="post" action="/admin/settings">
          <CsrfField token={c.get('csrfToken')} />
          {Object.entries(CORE_SCHEMA).map(([key, spec]) => (
            <SettingInput name={key} spec={spec} value={shown[key]} />
          ))}
          <button type="submit">Save</button>
        </form>
        <p class="hint">
          The theme is chosen with <code>hearth theme use NAME</code>.
        </p>
      </section>,
    )
  }
  return {
    id: 'settings',
    label: 'Site settings',
    icon: 'settings',
    order: 90,
    need: 'manage_settings',
    pages(r) {
      r.get('/', (c) => page(c))
      r.post('/', async (c) => {
        const form = await formFields(c)
        // An unticked checkbox sends nothing: every field of the form is submitted, absent means off; an empty secret keeps the one set.
        const values = Object.fromEntries(Object.keys(CORE_SCHEMA).filter((k) => !(isSecret(k) && !form[k])).map((k) => [k, form[k]]))
        const res = await attempt(() => s.settings.updateCore(values, c.get('viewer')!.id))
        if (!res.ok) return page(c, res.problem, values)
        flash(c, 'ok', 'Site settings saved.')
        return c.redirect('/admin/settings', 303)
      })
    },
    api(r) {
      // Secrets answer whether they are set, never their value.
      const shown = async () => Object.fromEntries(Object.entries(await current()).map(([k, v]) => [k, isSecret(k) ? { set: !!v } : v]))
      r.get('/', async (c) => ok(c, await shown()))
      r.patch('/', async (c) => {
        await s.settings.updateCore(await jsonBody(c), c.get('viewer')!.id)
        return ok(c, await shown())
      })
    },
  }
}
