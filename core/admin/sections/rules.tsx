// Content rules: what members write, checked before it is saved (core/policy). The page with its tester and log, and the same in the API.
import type { Context } from 'hono'
import type { AppEnv } from '../../http/env.js'
import { validationFailed } from '../../errors.js'
import { ok, paginated } from '../../http/envelope.js'
import { flash } from '../../http/flash.js'
import { attempt, formFields } from '../../http/forms.js'
import { jsonBody } from '../../http/json.js'
import { idParam } from '../../http/params.js'
import { CORE_SURFACES } from '../../policy/rules.js'
import { RulesPage, ruleFromForm } from '../../policy/views.js'
import type { Services } from '../../services.js'
import type { AdminSection } from '../registry.js'

export function rulesSection(s: Services): AdminSection {
  const page = async (c: Context<AppEnv>, extra: Partial<Parameters<typeof RulesPage>[0]> = {}, status = 200) =>
    s.admin.page(c, { title: 'Content rules', status }, <RulesPage csrfToken={c.get('csrfToken')} rules={await s.policy.list()} hits={(await s.policy.hits({ limit: 50 })).items} {...extra} />)
  const surfacesOf = (form: Record<string, string>) => [
    ...CORE_SURFACES.filter((x) => form[`surface_${x}`] === 'on'),
    ...(form.plugin_surfaces ?? '').split('\n').map((l) => l.trim()).filter(Boolean),
  ]
  const ruleId = (c: Context<AppEnv>) => idParam(c, 'id', 'That rule')

  return {
    id: 'rules',
    label: 'Content rules',
    icon: 'list-filter',
    order: 40,
    need: 'manage_settings',
    pages(r) {
      r.get('/', (c) => page(c))
      r.post('/', async (c) => {
        const form = await formFields(c)
        const input = { ...ruleFromForm(form, surfacesOf(form)), mode: form.dry_run === 'on' ? 'dry_run' : 'active' }
        const res = await attempt(() => s.policy.create(input, c.get('viewer')!.id))
        if (!res.ok) return page(c, { problem: res.problem, values: form }, res.problem.status)
        flash(c, 'ok', `The rule “${res.value.name}” is on.`)
        return c.redirect('/admin/rules', 303)
      })
      r.post('/test', async (c) => {
        const form = await formFields(c)
        const test = { text: form.text ?? '', surface: form.surface ?? 'post', username: form.username ?? '' }
        const res = await attempt(() => s.policy.test(test))
        return page(c, { test: { ...test, verdict: res.ok ? res.value.verdict : undefined, problem: res.ok ? undefined : res.problem } }, res.ok ? 200 : res.problem.status)
      })
      r.post('/:id/delete', async (c) => {
        await s.policy.remove(ruleId(c), c.get('viewer')!.id)
        flash(c, 'ok', 'The rule is removed.')
        return c.redirect('/admin/rules', 303)
      })
    },
    api(r) {
      r.get('/', async (c) => ok(c, await s.policy.list()))
      r.post('/', async (c) => ok(c, await s.policy.create(await jsonBody(c), c.get('viewer')!.id), 201))
      r.post('/test', async (c) => ok(c, await s.policy.test(await jsonBody(c))))
      // Before `/:id`, which would take "hits" for an id.
      r.get('/hits', async (c) => {
        const rule = c.req.query('rule_id')
        if (rule !== undefined && !/^[1-9]\d{0,15}$/.test(rule)) throw validationFailed({ rule_id: 'Give a rule’s id.' })
        return paginated(c, await s.policy.hits({ ruleId: rule ? Number(rule) : undefined, cursor: c.req.query('cursor'), limit: Number(c.req.query('limit') ?? 50) || 50 }))
      })
      r.get('/:id', async (c) => ok(c, await s.policy.get(ruleId(c))))
      r.put('/:id', async (c) => ok(c, await s.policy.update(ruleId(c), await jsonBody(c), c.get('viewer')!.id)))
      r.delete('/:id', async (c) => {
        await s.policy.remove(ruleId(c), c.get('viewer')!.id)
        return ok(c, { removed: true })
      })
    },
  }
}
