// The policy folder as a core module: the rules page with its tester and log (admins), and the same in the API.
import { Hono, type Context } from 'hono'
import type { CoreModule } from '../module.js'
import type { AppEnv } from '../http/env.js'
import { idParam } from '../http/params.js'
import { validationFailed } from '../errors.js'
import { ok, paginated } from '../http/envelope.js'
import { flash } from '../http/flash.js'
import { attempt, formFields, type FormProblem } from '../http/forms.js'
import { jsonBody } from '../http/json.js'
import { requireRole } from '../http/middleware.js'
import type { Services } from '../services.js'
import { CsrfField, FormError } from '../views/components.js'
import { CORE_SURFACES } from './rules.js'
import type { PolicyRule, Verdict } from './service.js'

const ACTION_LABELS = [
  ['refuse', 'Refuse it'],
  ['flag', 'Save it and flag it to moderators'],
  ['hold', 'Hold it: saved, seen by its author only until a moderator approves it in the queue (posts, comments, sign-ups)'],
  ['sensitive', 'Mark its media sensitive: blurred behind a warning (posts)'],
  ['silence', 'Silence the author: their posts reach only their followers for a while'],
] as const

const SURFACE_LABELS: Record<string, string> = { post: 'Posts', comment: 'Comments', profile: 'Names and bios', username: 'Usernames at sign-up' }

/** The rule form's fields as the API's input: lists one per line, numbers from text, empty fields left out. */
export function ruleFromForm(form: Record<string, string>, surfaces: string[]): Record<string, unknown> {
  const lines = (v?: string) => (v ?? '').split('\n').map((l) => l.trim()).filter(Boolean)
  const num = (v?: string) => (v && v.trim() ? Number(v) : undefined)
  const conditions: Record<string, unknown> = {
    words: lines(form.words).length ? lines(form.words) : undefined,
    regex: form.regex?.trim() || undefined,
    link_domains: lines(form.link_domains).length ? lines(form.link_domains) : undefined,
    min_links: num(form.min_links),
    min_mentions: num(form.min_mentions),
    account_age_days_under: num(form.account_age_days_under),
    posts_under: num(form.posts_under),
  }
  for (const k of Object.keys(conditions)) if (conditions[k] === undefined) delete conditions[k]
  return { name: form.name, surfaces, conditions, action: form.action, message: form.message ?? '', mode: form.mode ?? 'active', ...(num(form.silence_days) !== undefined && { silence_days: num(form.silence_days) }) }
}

function describe(rule: PolicyRule): string {
  const c = rule.conditions
  const parts = [
    c.words?.length ? `words: ${c.words.slice(0, 5).join(', ')}${c.words.length > 5 ? `, … (${c.words.length})` : ''}` : '',
    c.regex ? `pattern: ${c.regex}` : '',
    c.link_domains?.length ? `links to ${c.link_domains.join(', ')}` : '',
    c.min_links ? `${c.min_links}+ links` : '',
    c.min_mentions ? `${c.min_mentions}+ mentions` : '',
    c.account_age_days_under ? `account under ${c.account_age_days_under} days` : '',
    c.posts_under ? `fewer than ${c.posts_under} posts` : '',
  ]
  return parts.filter(Boolean).join(' and ')
}

function VerdictView({ verdict }: { verdict: Verdict }) {
  if (!verdict.matched.length) return <p data-verdict="none">No rule matches: this would be saved as it is.</p>
  return (
    <div data-verdict={verdict.refused ? 'refused' : 'matched'}>
      <p>
        <strong>
          {verdict.refused
            ? `Refused: “${verdict.refused.message}”`
            : verdict.hold
              ? 'Saved, held for review in the moderation queue.'
              : verdict.flags.length
                ? 'Saved, and flagged to the moderation queue.'
                : verdict.sensitive || verdict.silence
                  ? `Saved${verdict.sensitive ? ', its media marked sensitive' : ''}${verdict.silence ? `, the author silenced for ${verdict.silence.days} days` : ''}.`
                  : 'Saved (only dry-run rules match).'}
        </strong>
      </p>
      <ul>
        {verdict.matched.map((m) => (
          <li>
            {m.name}: {m.action}
            {m.dryRun ? ' (dry run)' : ''}, because {m.reasons.join('; ')}
          </li>
        ))}
      </ul>
    </div>
  )
}

function RulesPage(p: {
  csrfToken: string
  rules: PolicyRule[]
  hits: Awaited<ReturnType<Services['policy']['hits']>>['items']
  problem?: FormProblem
  values?: Record<string, string>
  test?: { text: string; surface: string; username: string; verdict?: Verdict; problem?: FormProblem }
}) {
  const v = p.values ?? {}
  const field = (name: string) => p.problem?.fields[name] ?? p.problem?.fields[`conditions.${name}`]
  return (
    <div class="stack">
      <h1>Content rules</h1>
      <p class="muted">
        Rules look at what members write before it is saved. <strong>Refuse</strong> stops it with your message; <strong>flag</strong> saves it and puts it in the moderation queue; <strong>hold</strong> saves it hidden until a moderator approves it; <strong>sensitive</strong> blurs a post’s media; <strong>silence</strong> keeps the author’s posts to their followers for a number of days. A dry run only writes
        to the log below. Every condition you fill in must hold. Patterns use RE2 syntax (no lookarounds or backreferences), so none can slow the server down.
      </p>
      <section class="card">
        <h2>Rules</h2>
        {p.rules.length === 0 ? (
          <p>No rules yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Where</th>
                <th scope="col">When</th>
                <th scope="col">Does</th>
                <th scope="col">
                  <span class="visually-hidden">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.rules.map((r) => (
                <tr data-rule={r.id}>
                  <td>{r.name}</td>
                  <td>{r.surfaces.map((s) => SURFACE_LABELS[s] ?? s).join(', ')}</td>
                  <td>{describe(r)}</td>
                  <td>
                    {r.action}
                    {r.mode === 'dry_run' ? ' (dry run)' : r.mode === 'off' ? ' (off)' : ''}
                  </td>
                  <td>
                    <form method="post" action={`/admin/rules/${r.id}/delete`}>
                      <CsrfField token={p.csrfToken} />
                      <button type="submit" class="secondary">
                        Remove
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card">
        <h2>Add a rule</h2>
        <FormError message={p.problem?.message} />
        <form method="post" action="/admin/rules" novalidate>
          <CsrfField token={p.csrfToken} />
          <label>
            Name <input name="name" value={v.name} required maxLength={100} aria-invalid={field('name') ? 'true' : undefined} />
          </label>
          {field('name') && <p class="field-error">{field('name')}</p>}
          <fieldset>
            <legend>Where it looks</legend>
            {CORE_SURFACES.map((s) => (
              <label class="choice">
                <input type="checkbox" name={`surface_${s}`} value="on" checked={v[`surface_${s}`] === 'on'} /> {SURFACE_LABELS[s]}
              </label>
            ))}
            <label>
              Plugins’ surfaces (one per line, such as messages.message)
              <textarea name="plugin_surfaces" rows={2}>
                {v.plugin_surfaces}
              </textarea>
            </label>
            {field('surfaces') && <p class="field-error">{field('surfaces')}</p>}
          </fieldset>
          <fieldset>
            <legend>When (every condition you fill in)</legend>
            <label>
              Words or phrases, one per line (whole words, any case or accents)
              <textarea name="words" rows={3}>
                {v.words}
              </textarea>
            </label>
            <label>
              Pattern (RE2 regular expression, any case) <input name="regex" value={v.regex} maxLength={500} aria-invalid={field('regex') ? 'true' : undefined} />
            </label>
            {field('regex') && <p class="field-error">{field('regex')}</p>}
            <label>
              Links to these domains, one per line
              <textarea name="link_domains" rows={2}>
                {v.link_domains}
              </textarea>
            </label>
            <label>
              At least this many links <input name="min_links" type="number" min={1} max={100} value={v.min_links} />
            </label>
            <label>
              At least this many mentions <input name="min_mentions" type="number" min={1} max={100} value={v.min_mentions} />
            </label>
            <label>
              Author joined less than this many days ago <input name="account_age_days_under" type="number" min={1} max={3650} value={v.account_age_days_under} />
            </label>
            <label>
              Author has fewer posts than <input name="posts_under" type="number" min={1} max={1000} value={v.posts_under} />
            </label>
            {field('conditions') && <p class="field-error">{field('conditions')}</p>}
          </fieldset>
          <fieldset>
            <legend>What it does</legend>
            {ACTION_LABELS.map(([value, label]) => (
              <label class="choice">
                <input type="radio" name="action" value={value} checked={(v.action ?? 'refuse') === value} /> {label}
              </label>
            ))}
            {field('action') && <p class="field-error">{field('action')}</p>}
            <label>
              Silence for this many days <input name="silence_days" type="number" min={1} max={365} value={v.silence_days ?? '7'} />
            </label>
            <label>
              What a refused member reads <input name="message" value={v.message} maxLength={300} placeholder="This can’t be posted here: it breaks a rule of this community." />
            </label>
            <label class="choice">
              <input type="checkbox" name="dry_run" value="on" checked={v.dry_run === 'on'} /> Dry run: only log what it would do
            </label>
          </fieldset>
          <button type="submit">Add the rule</button>
        </form>
      </section>
      <section class="card">
        <h2>Try the rules</h2>
        <form method="post" action="/admin/rules/test" novalidate>
          <CsrfField token={p.csrfToken} />
          <label>
            Text
            <textarea name="text" rows={3} required>
              {p.test?.text}
            </textarea>
          </label>
          {p.test?.problem?.fields.text && <p class="field-error">{p.test.problem.fields.text}</p>}
          <label>
            Where
            <select name="surface">
              {CORE_SURFACES.map((s) => (
                <option value={s} selected={p.test?.surface === s}>
                  {SURFACE_LABELS[s]}
                </option>
              ))}
            </select>
          </label>
          <label>
            As written by (username, optional) <input name="username" value={p.test?.username} />
          </label>
          {p.test?.problem?.fields.username && <p class="field-error">{p.test.problem.fields.username}</p>}
          <button type="submit">Try</button>
        </form>
        {p.test?.verdict && <VerdictView verdict={p.test.verdict} />}
      </section>
      <section class="card">
        <h2>What the rules did</h2>
        {p.hits.length === 0 ? (
          <p>Nothing yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Rule</th>
                <th scope="col">Where</th>
                <th scope="col">Did</th>
                <th scope="col">Text</th>
              </tr>
            </thead>
            <tbody>
              {p.hits.map((h) => (
                <tr>
                  <td>
                    <time datetime={h.created_at}>{h.created_at.slice(0, 16).replace('T', ' ')}</time>
                  </td>
                  <td>{h.rule_name}</td>
                  <td>{SURFACE_LABELS[h.surface] ?? h.surface}</td>
                  <td>
                    {h.action}
                    {h.dry_run ? ' (dry run)' : ''}
                    {h.target ? ` ${h.target}` : ''}
                  </td>
                  <td>{h.excerpt.slice(0, 120)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  )
}

function policyPages(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.use('/admin/rules', requireRole('admin'))
  app.use('/admin/rules/*', requireRole('admin'))
  const page = async (c: Context<AppEnv>, extra: Partial<Parameters<typeof RulesPage>[0]> = {}, status = 200) =>
    s.render.page(c, { title: 'Content rules', status: status as 200 }, <RulesPage csrfToken={c.get('csrfToken')} rules={await s.policy.list()} hits={(await s.policy.hits({ limit: 50 })).items} {...extra} />)

  const surfacesOf = (form: Record<string, string>) => [
    ...CORE_SURFACES.filter((x) => form[`surface_${x}`] === 'on'),
    ...(form.plugin_surfaces ?? '').split('\n').map((l) => l.trim()).filter(Boolean),
  ]
  app.get('/admin/rules', (c) => page(c))
  app.post('/admin/rules', async (c) => {
    const form = await formFields(c)
    const input = { ...ruleFromForm(form, surfacesOf(form)), mode: form.dry_run === 'on' ? 'dry_run' : 'active' }
    const r = await attempt(() => s.policy.create(input, c.get('viewer')!.id))
    if (!r.ok) return page(c, { problem: r.problem, values: form }, r.problem.status)
    flash(c, 'ok', `The rule “${r.value.name}” is on.`)
    return c.redirect('/admin/rules', 303)
  })
  app.post('/admin/rules/test', async (c) => {
    const form = await formFields(c)
    const test = { text: form.text ?? '', surface: form.surface ?? 'post', username: form.username ?? '' }
    const r = await attempt(() => s.policy.test(test))
    return page(c, { test: { ...test, verdict: r.ok ? r.value.verdict : undefined, problem: r.ok ? undefined : r.problem } }, r.ok ? 200 : r.problem.status)
  })
  app.post('/admin/rules/:id/delete', async (c) => {
    await s.policy.remove(idParam(c, 'id', 'That rule'), c.get('viewer')!.id)
    flash(c, 'ok', 'The rule is removed.')
    return c.redirect('/admin/rules', 303)
  })
  return app
}

function policyApi(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.use('/admin/policy/*', requireRole('admin'))
  app.get('/admin/policy/rules', async (c) => ok(c, await s.policy.list()))
  app.post('/admin/policy/rules', async (c) => ok(c, await s.policy.create(await jsonBody(c), c.get('viewer')!.id), 201))
  app.get('/admin/policy/rules/:id', async (c) => ok(c, await s.policy.get(idParam(c, 'id', 'That rule'))))
  app.put('/admin/policy/rules/:id', async (c) => ok(c, await s.policy.update(idParam(c, 'id', 'That rule'), await jsonBody(c), c.get('viewer')!.id)))
  app.delete('/admin/policy/rules/:id', async (c) => {
    await s.policy.remove(idParam(c, 'id', 'That rule'), c.get('viewer')!.id)
    return ok(c, { removed: true })
  })
  app.post('/admin/policy/test', async (c) => ok(c, await s.policy.test(await jsonBody(c))))
  app.get('/admin/policy/hits', async (c) => {
    const rule = c.req.query('rule_id')
    if (rule !== undefined && !/^[1-9]\d{0,15}$/.test(rule)) throw validationFailed({ rule_id: 'Give a rule’s id.' })
    const page = await s.policy.hits({ ruleId: rule ? Number(rule) : undefined, cursor: c.req.query('cursor'), limit: Number(c.req.query('limit') ?? 50) || 50 })
    return paginated(c, page)
  })
  return app
}

export const policyModule: CoreModule = {
  name: 'policy',
  pages: policyPages,
  api: policyApi,
}
