// The onboarding folder as a core module: a new member's welcome page (two short steps, no JavaScript needed, one
// button to skip), the gate that leads them there until they finish or skip, its API, and Admin → Onboarding.
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import type { AdminSection } from '../admin/registry.js'
import type { CoreModule } from '../module.js'
import type { AppEnv } from '../http/env.js'
import { ok } from '../http/envelope.js'
import { flash } from '../http/flash.js'
import { attempt, formLists, type FormProblem } from '../http/forms.js'
import { jsonBody } from '../http/json.js'
import { requireMember } from '../http/middleware.js'
import type { Services } from '../services.js'
import { CsrfField, Field, FormError } from '../views/components.js'
import type { OnboardingService } from './service.js'
import { InterestChoices, interestsFrom } from '../curation/module.js'

/** Paths a member on their way in may still open: the welcome page, the documents and acceptance, logging out, assets. */
const PASSES = /^\/(welcome|legal\/|terms|privacy|rules|about|logout|warnings|email\/|static\/|theme\/|plugins\/|media\/|app-icon|manifest|favicon|sw\.js|realtime)/

/** Leads a member who has not finished or skipped the welcome page to it, from any page GET (the flag is on the users row). */
export function onboardingGate(): MiddlewareHandler<AppEnv> {
  return async function onboardingGate(c, next) {
    const account = c.get('account')
    if (!account || account.onboarding !== 1 || c.req.method !== 'GET' || c.req.path.startsWith('/api/') || c.req.header('hx-request') || PASSES.test(c.req.path)) return next()
    return c.redirect('/welcome', 303)
  }
}


function SkipForm({ csrf }: { csrf: string }) {
  return (
    <form method="post" action="/welcome/skip" class="inline-form">
      <CsrfField token={csrf} />
      <button type="submit" class="link">
        Skip for now
      </button>
    </form>
  )
}

function onboardingSection(s: Services, onboarding: OnboardingService): AdminSection {
  const page = async (c: Context<AppEnv>, failed?: { problem: FormProblem; values: Record<string, string> }) => {
    const cfg = await onboarding.config()
    const v = failed?.values ?? { enabled: cfg.enabled || !(await onboarding.configured()) ? 'on' : '', interests: cfg.interests.join(', '), accounts: cfg.accounts.join(', '), welcome: cfg.welcome }
    return s.admin.page(
      c,
      { title: 'Onboarding', status: failed?.problem.status ?? 200 },
      <section class="card stack">
        <p class="hint">After signing up, a new member sees the welcome message, picks interests (yours first, then hashtags popular lately), and is offered people to follow: your suggested accounts first, then members who post about what they picked. They can skip it.</p>
        <FormError message={failed?.problem.message} />
        <form method="post" action="/admin/onboarding" class="stack">
          <CsrfField token={c.get('csrfToken')} />
          <label class="check">
            <input type="checkbox" name="enabled" checked={!!v.enabled} /> New members go through onboarding
          </label>
          <Field name="interests" label="Default interests (hashtags, separated by commas)" value={v.interests} maxLength={2000} error={failed?.problem.fields.interests} />
          <Field name="accounts" label="Suggested accounts (usernames, separated by commas)" value={v.accounts} maxLength={1000} error={failed?.problem.fields.accounts} />
          <div class="field">
            <label for="ob-welcome">Welcome message (Markdown-lite)</label>
            <textarea id="ob-welcome" name="welcome" rows={6} maxLength={5000}>
              {v.welcome}
            </textarea>
          </div>
          <button type="submit">Save</button>
        </form>
      </section>,
    )
  }
  const list = (text: string | undefined) => (text ?? '').split(/[,\s]+/).map((x) => x.trim().replace(/^@/, '')).filter(Boolean)
  return {
    id: 'onboarding',
    label: 'Onboarding',
    icon: 'hand-heart',
    order: 61,
    need: 'manage_settings',
    pages(r) {
      r.get('/', (c) => page(c))
      r.post('/', async (c) => {
        const form = Object.fromEntries(Object.entries(await formLists(c)).map(([k, v]) => [k, v[0] ?? '']))
        const res = await attempt(() => onboarding.saveConfig({ enabled: !!form.enabled, interests: list(form.interests), accounts: list(form.accounts), welcome: form.welcome ?? '' }, c.get('viewer')!.id))
        if (!res.ok) return page(c, { problem: res.problem, values: form })
        flash(c, 'ok', 'Onboarding is saved.')
        return c.redirect('/admin/onboarding', 303)
      })
    },
    api(r) {
      r.get('/', async (c) => ok(c, await onboarding.config()))
      r.put('/', async (c) => ok(c, await onboarding.saveConfig(await jsonBody(c), c.get('viewer')!.id)))
    },
  }
}

export const onboardingModule: CoreModule = {
  name: 'onboarding',
  wire(s) {
    const onboarding = s.onboarding
    s.hooks.on('action:user.registered', ({ user }) => onboarding.begin(user.id))
    s.admin.addSection('core', onboardingSection(s, onboarding))
  },
  middleware: () => onboardingGate(),
  pages(s) {
    const onboarding = s.onboarding
    const app = new Hono<AppEnv>()
    app.get('/welcome', requireMember, async (c) => {
      const me = c.get('viewer')!
      const csrf = c.get('csrfToken')
      const siteName = await s.settings.get('site.name')
      if (c.req.query('step') === 'people') {
        const people = await onboarding.suggestions(me.id)
        const picks = new Set((await onboarding.config()).accounts)
        return s.render.page(
          c,
          { title: 'People to follow' },
          <section class="card stack" data-onboarding="people">
            <h1>People to follow</h1>
            {people.length === 0 ? (
              <p class="muted">Nobody to suggest yet: explore the community to find people.</p>
            ) : (
              <p>Follow a few to fill your home feed. You can change this any time.</p>
            )}
            <form method="post" action="/welcome/finish" class="stack">
              <CsrfField token={csrf} />
              {people.length > 0 && (
                <fieldset>
                  <legend>Suggestions</legend>
                  {people.map((p) => (
                    <label class="check" data-suggestion={p.username}>
                      <input type="checkbox" name="follow" value={p.username} checked={picks.has(p.username.toLowerCase())} /> {p.display_name} <span class="muted">@{p.username} · {p.why}</span>
                    </label>
                  ))}
                </fieldset>
              )}
              <div class="actions">
                <button type="submit">{people.length ? 'Follow and finish' : 'Finish'}</button>
                <a href="/welcome">Back</a>
              </div>
            </form>
          </section>,
        )
      }
      const offered = await onboarding.offered()
      const mine = new Set(await onboarding.interests(me.id))
      const categories = await s.curation.categories()
      const myCategories = new Set((await s.curation.interests(me.id)).map((k) => k.slug))
      const fresh = mine.size === 0
      const welcome = await onboarding.welcomeHtml()
      return s.render.page(
        c,
        { title: `Welcome to ${siteName}` },
        <section class="card stack" data-onboarding="interests">
          <h1>Welcome to {siteName}</h1>
          {welcome && <div class="prose" data-welcome dangerouslySetInnerHTML={{ __html: welcome }} />}
          <form method="post" action="/welcome/interests" class="stack">
            <CsrfField token={csrf} />
            <fieldset>
              <legend>What are you interested in?</legend>
              {offered.length === 0 && <p class="muted">No topics yet: you can pick them later.</p>}
              <div class="onboarding-choices">
                {offered.map((o) => (
                  <label class="check">
                    <input type="checkbox" name="interest" value={o.tag} checked={fresh ? o.suggested : mine.has(o.tag)} /> #{o.tag}
                  </label>
                ))}
              </div>
            </fieldset>
            {categories.length > 0 && <InterestChoices categories={categories} chosen={myCategories} legend="Which categories should Explore show you more of?" />}
            <div class="actions">
              <button type="submit">Next: people to follow</button>
            </div>
          </form>
          <SkipForm csrf={csrf} />
        </section>,
      )
    })
    app.post('/welcome/interests', requireMember, async (c) => {
      const form = await formLists(c)
      const res = await attempt(async () => {
        await onboarding.setInterests(c.get('viewer')!.id, form.interest ?? [])
        // Categories too, when the site has any (Explore favours them).
        if ((await s.curation.categories()).length) await s.curation.setInterests(c.get('viewer')!.id, interestsFrom(Object.fromEntries(Object.entries(form).map(([k, v]) => [k, v[0]]))))
      })
      if (!res.ok) {
        flash(c, 'error', res.problem.message)
        return c.redirect('/welcome', 303)
      }
      return c.redirect('/welcome?step=people', 303)
    })
    app.post('/welcome/finish', requireMember, async (c) => {
      const form = await formLists(c)
      const { followed } = await onboarding.finish(c.get('viewer')!.id, form.follow ?? [])
      flash(c, 'ok', followed.length ? `You are all set: you follow ${followed.length === 1 ? 'one person' : `${followed.length} people`}.` : 'You are all set.')
      return c.redirect('/', 303)
    })
    app.post('/welcome/skip', requireMember, async (c) => {
      await onboarding.skip(c.get('viewer')!.id)
      return c.redirect('/', 303)
    })
    return app
  },
  api(s) {
    const onboarding = s.onboarding
    const app = new Hono<AppEnv>()
    app.get('/onboarding', requireMember, async (c) => {
      const me = c.get('viewer')!
      return ok(c, {
        pending: c.get('account')!.onboarding === 1,
        welcome_html: await onboarding.welcomeHtml(),
        offered: await onboarding.offered(),
        interests: await onboarding.interests(me.id),
        suggestions: await onboarding.suggestions(me.id),
      })
    })
    app.put('/onboarding/interests', requireMember, async (c) => ok(c, { interests: await onboarding.setInterests(c.get('viewer')!.id, ((await jsonBody(c)) as { interests?: unknown }).interests) }))
    app.post('/onboarding/finish', requireMember, async (c) => ok(c, await onboarding.finish(c.get('viewer')!.id, ((await jsonBody(c)) as { follow?: unknown }).follow)))
    app.post('/onboarding/skip', requireMember, async (c) => {
      await onboarding.skip(c.get('viewer')!.id)
      return ok(c, { pending: false })
    })
    return app
  },
}
