// Settings → Content filters: sensitive media (blur, show, hide), words to hide, replies from new accounts.
import { Hono, type Context } from 'hono'
import { SettingsShell } from '../auth/pages.js'
import type { AppEnv } from '../http/env.js'
import { flash } from '../http/flash.js'
import { attempt, formFields, type FormProblem } from '../http/forms.js'
import { requireMember } from '../http/middleware.js'
import type { Services } from '../services.js'
import { CsrfField, FormError } from '../views/components.js'
import { FILTER_WORDS_MAX, type ContentFilters } from './filters.js'

const SENSITIVE_LABELS = [
  ['blur', 'Blur them behind a warning I can open'],
  ['show', 'Show them'],
  ['hide', 'Hide posts with sensitive media from my lists'],
] as const

function FiltersForm({ f, csrfToken, problem, values }: { f: ContentFilters; csrfToken: string; problem?: FormProblem; values?: Record<string, string> }) {
  const err = (k: string) => problem?.fields[k]
  const words = values?.words ?? f.words.join('\n')
  const days = values?.new_account_days ?? (f.new_account_days === null ? '' : String(f.new_account_days))
  return (
    <section class="card">
      <h2>Content filters</h2>
      <FormError message={problem?.message} />
      <form method="post" action="/settings/filters" novalidate>
        <CsrfField token={csrfToken} />
        <fieldset class="field">
          <legend>Sensitive photos and videos</legend>
          {SENSITIVE_LABELS.map(([v, label]) => (
            <label>
              <input type="radio" name="sensitive_media" value={v} checked={(values?.sensitive_media ?? f.sensitive_media) === v} /> {label}
            </label>
          ))}
          {err('sensitive_media') && <p class="error">{err('sensitive_media')}</p>}
        </fieldset>
        <div class={err('words') ? 'field field-invalid' : 'field'}>
          <label for="f-words">Hide posts containing these words (one per line, up to {FILTER_WORDS_MAX})</label>
          <textarea id="f-words" name="words" rows={5} aria-describedby="f-words-hint">
            {words}
          </textarea>
          <p class="hint" id="f-words-hint">
            They stay out of your home feed, Explore, hashtags and search. Your own posts are never hidden from you.
          </p>
          {err('words') && <p class="error">{err('words')}</p>}
        </div>
        <div class={err('new_account_days') ? 'field field-invalid' : 'field'}>
          <label for="f-days">Hide comments from accounts newer than this many days (empty: show them)</label>
          <input id="f-days" name="new_account_days" type="number" min={1} max={365} value={days} />
          <p class="hint">Accounts you follow are always shown.</p>
          {err('new_account_days') && <p class="error">{err('new_account_days')}</p>}
        </div>
        <div class="actions">
          <button type="submit">Save</button>
        </div>
      </form>
    </section>
  )
}

export function filtersPages(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const page = async (c: Context<AppEnv>, extra: { problem?: FormProblem; values?: Record<string, string> } = {}) =>
    s.render.page(
      c,
      { title: 'Content filters', status: (extra.problem?.status ?? 200) as 200 },
      <SettingsShell active="filters" panels={s.ui.settingsPanels}>
        <FiltersForm f={await s.filters.get(c.get('viewer')!.id)} csrfToken={c.get('csrfToken')} {...extra} />
      </SettingsShell>,
    )
  app.get('/settings/filters', requireMember, (c) => page(c))
  app.post('/settings/filters', requireMember, async (c) => {
    const form = await formFields(c)
    const days = (form.new_account_days ?? '').trim()
    const r = await attempt(() =>
      s.filters.set(c.get('viewer')!.id, {
        sensitive_media: form.sensitive_media,
        words: (form.words ?? '').split('\n').map((w) => w.trim()).filter(Boolean),
        new_account_days: days ? Number(days) : null,
      }),
    )
    if (!r.ok) return page(c, { problem: r.problem, values: form })
    flash(c, 'ok', 'Your content filters are saved.')
    return c.redirect('/settings/filters', 303)
  })
  return app
}
