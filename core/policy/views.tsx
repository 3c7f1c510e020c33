// The content rules page (Admin → Content rules, core/admin/sections/rules.tsx): the rules, a form for a new one, the tester and the log.
import type { FormProblem } from '../http/forms.js'
import type { Services } from '../services.js'
import { CsrfField, DataTable, FormError } from '../views/components.js'
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

export function RulesPage(p: {
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
      <p class="muted">
        Rules look at what members write before it is saved. <strong>Refuse</strong> stops it with your message; <strong>flag</strong> saves it and puts it in the moderation queue; <strong>hold</strong> saves it hidden until a moderator approves it; <strong>sensitive</strong> blurs a post’s media; <strong>silence</strong> keeps the author’s posts to their followers for a number of days. A dry run only writes
        to the log below. Every condition you fill in must hold. Patterns use RE2 syntax (no lookarounds or backreferences), so none can slow the server down.
      </p>
      <section class="card">
        <h2>Rules</h2>
        <DataTable
          rows={p.rules}
          empty="No rules yet."
          rowData={(r) => ({ 'data-rule': r.id })}
          columns={[
            { label: 'Rule', cell: (r) => r.name },
            { label: 'Where', cell: (r) => r.surfaces.map((s) => SURFACE_LABELS[s] ?? s).join(', ') },
            { label: 'When', cell: (r) => describe(r) },
            { label: 'Does', cell: (r) => `${r.action}${r.mode === 'dry_run' ? ' (dry run)' : r.mode === 'off' ? ' (off)' : ''}` },
            {
              label: 'Remove',
              hideLabel: true,
              cell: (r) => (
                <form method="post" action={`/admin/rules/${r.id}/delete`}>
                  <CsrfField token={p.csrfToken} />
                  <button type="submit" class="secondary">
                    Remove
                  </button>
                </form>
              ),
            },
          ]}
        />
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
        <DataTable
          rows={p.hits}
          empty="Nothing yet."
          columns={[
            { label: 'When', cell: (h) => <time datetime={h.created_at}>{h.created_at.slice(0, 16).replace('T', ' ')}</time> },
            { label: 'Rule', cell: (h) => h.rule_name },
            { label: 'Where', cell: (h) => SURFACE_LABELS[h.surface] ?? h.surface },
            { label: 'Did', cell: (h) => `${h.action}${h.dry_run ? ' (dry run)' : ''}${h.target ? ` ${h.target}` : ''}` },
            { label: 'Text', cell: (h) => h.excerpt.slice(0, 120) },
          ]}
        />
      </section>
    </div>
  )
}
