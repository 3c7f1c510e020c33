// The home page, member profiles (with plugin tabs), and the one-time setup page that creates the first admin.
import { Hono } from 'hono'
import { SESSION_COOKIE } from '../users/sessions.js'
import { claimSetupToken, restoreSetupToken, setupTokenValid } from '../auth/setup-token.js'
import { AppError } from '../errors.js'
import { setAppCookie } from '../http/cookies.js'
import type { AppEnv } from '../http/env.js'
import { flash } from '../http/flash.js'
import { attempt, formFields, requestMeta, type FormProblem } from '../http/forms.js'
import { requireMember } from '../http/middleware.js'
import type { Services } from '../services.js'
import type { PublicUser, Viewer } from '../users/types.js'
import { CsrfField, EmptyState, Field, FormError } from '../views/components.js'
import { template } from '../views/theme.js'
import type { VNode } from 'preact'
import { PostList, postActions } from '../posts/views.js'
import { SuggestionsRow } from '../views/suggestions.js'
import { GuestLanding, loadLanding } from './landing.js'
import { Icon } from '../views/icons.js'

type Suggested = Awaited<ReturnType<Services['social']['suggestions']>>

/** "People you may know", with a follow button each (a form: works without JavaScript). */
function Suggestions({ people, csrfToken, next, heading = 2 }: { people: Suggested; csrfToken: string; next: string; heading?: 1 | 2 }) {
  const Heading = heading === 1 ? 'h1' : 'h2'
  return (
    <section class="card" data-suggestions>
      <Heading>People you may know</Heading>
      {people.map((p) => (
        <div class="member-row">
          <a href={`/u/${p.username}`}>{p.display_name}</a>
          <span class="muted">followed by {p.followed_by.map((n) => `@${n}`).join(', ')}</span>
          <form method="post" action={`/u/${p.username}/follow?next=${next}`}>
            <CsrfField token={csrfToken} />
            <button type="submit" class="secondary">
              Follow
            </button>
          </form>
        </div>
      ))}
    </section>
  )
}

/**
 * The home feed, with the "New posts" pill above it: hidden until the page script hears that a followed member
 * posted something this member may see (`feed.new`); pressing it loads the newest page in place of the feed and
 * scrolls up. Without JavaScript it stays hidden and the feed is a plain list.
 */
function HomeFeed({ children }: { children: VNode }) {
  return (
    <>
      <div class="new-posts" aria-live="polite">
        <button type="button" class="new-posts-pill" data-new-posts hidden hx-get="/?feed=new" hx-target="[data-home-feed]" hx-swap="innerHTML">
          <Icon name="arrow-up" /> New posts
        </button>
      </div>
      <div class="home-feed" data-home-feed tabindex={-1}>
        {children}
      </div>
    </>
  )
}

/** Stands in for suggestions not made yet: htmx loads them after the page; without JavaScript, a link. */
function SuggestionsLater() {
  return (
    <section class="card" data-suggestions-later hx-get="/suggestions" hx-trigger="load" hx-swap="outerHTML">
      <a href="/suggestions">People you may know</a>
    </section>
  )
}

export const HomePage = template('home', function HomePage(props: { viewer: Viewer | null; siteName: string; description: string; top: VNode[]; sidebar: VNode[]; feed?: VNode; suggestions?: VNode | null; landing?: VNode }) {
  return (
    <>
      {props.top}
      {props.viewer ? (
        <>
          <section class="card">
            <h1>Welcome home, {props.viewer.display_name}</h1>
            <a class="button" href="/compose">
              New post
            </a>
          </section>
          {props.suggestions}
          {props.feed}
        </>
      ) : (
        props.landing
      )}
      {props.sidebar}
    </>
  )
})

const SetupPage = template('setup', function SetupPage(props: { csrfToken: string; token: string; values?: Record<string, string>; problem?: FormProblem }) {
  const err = (f: string) => props.problem?.fields[f]
  return (
    <section class="card">
      <h1>Create the first admin</h1>
      <p>This link works once. The account you make here runs this community.</p>
      <FormError message={props.problem && !Object.keys(props.problem.fields).length ? props.problem.message : null} />
      <form method="post" action="/setup" novalidate>
        <CsrfField token={props.csrfToken} />
        <input type="hidden" name="token" value={props.token} />
        <Field name="username" label="Username" value={props.values?.username} error={err('username')} autocomplete="username" />
        <Field name="email" label="Email" type="email" value={props.values?.email} error={err('email')} autocomplete="email" />
        <Field name="password" label="Password" type="password" error={err('password')} autocomplete="new-password" hint="At least 10 characters." />
        <button type="submit">Create admin</button>
      </form>
    </section>
  )
})


export function homePages(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { render, ui, settings, users } = s

  app.get('/suggestions', requireMember, async (c) => {
    const viewer = c.get('viewer')!
    const partial = !!c.req.header('hx-request')
    // ?row=PAGE: the row of faces another page (Explore) loads, whose follow buttons come back to that page.
    const row = c.req.query('row') === '/explore' ? '/explore' : null
    const people = await s.social.suggestions(viewer.id, partial ? (row ? 10 : 5) : 20)
    if (partial && row) return people.length ? render.partial(c, <SuggestionsRow people={people} csrfToken={c.get('csrfToken')} next={row} />) : c.body('')
    if (partial) return people.length ? render.partial(c, <Suggestions people={people} csrfToken={c.get('csrfToken')} next="/" />) : c.body('')
    return render.page(
      c,
      { title: 'People you may know' },
      people.length ? <Suggestions people={people} csrfToken={c.get('csrfToken')} next="/suggestions" heading={1} /> : <p class="muted">No suggestions yet: follow a few people, and people they follow will show here.</p>,
    )
  })

  app.get('/', async (c) => {
    const viewer = c.get('viewer')
    let feed: VNode | undefined
    let suggestions: VNode | null = null
    if (viewer) {
      const page = await s.feed.home(viewer.id, { cursor: c.req.query('cursor') })
      const actions = await postActions(ui, page.items, viewer, c.get('csrfToken'))
      feed = <PostList posts={page.items} next={page.nextCursor} moreUrl={(cur) => `/?cursor=${cur}`} actions={actions} csrfToken={c.get('csrfToken')} member empty={<EmptyState icon="users" title="Your feed is empty" links={[{ href: '/explore', label: 'Find people in Explore' }, { href: '/compose', label: 'Share a post' }]}>Posts of the people you follow show here, newest first.</EmptyState>} />
      // An older page (infinite scroll), or the newest one when the New posts pill is pressed.
      if (c.req.header('hx-request') && (c.req.query('cursor') || c.req.query('feed') === 'new')) return render.partial(c, feed)
      feed = <HomeFeed>{feed}</HomeFeed>
      // Kept suggestions are shown at once; making them (friends of friends, tens of ms on a large community) is
      // left to /suggestions, which the card loads after the page (or a link opens without JavaScript).
      const people = await s.social.keptSuggestions(viewer.id, 5)
      suggestions = people === null ? <SuggestionsLater /> : people.length ? <Suggestions people={people} csrfToken={c.get('csrfToken')} next="/" /> : null
    }
    return render.page(
      c,
      { title: await settings.get('site.name') },
      <HomePage
        viewer={viewer}
        siteName={await settings.get('site.name')}
        description={await settings.get('site.description')}
        top={await ui.renderSlot('home.top', { viewer })}
        sidebar={await ui.renderSlot('home.sidebar', { viewer })}
        feed={feed}
        suggestions={suggestions}
        landing={viewer ? undefined : <GuestLanding landing={await loadLanding(s)} />}
      />,
    )
  })

  app.get('/setup', async (c) => {
    const token = c.req.query('token')
    if ((await users.hasAdmin()) || !(await setupTokenValid(settings, token))) throw new AppError(404, 'NOT_FOUND', 'This setup link is not valid or was already used.')
    return render.page(c, { title: 'Set up Hearth' }, <SetupPage csrfToken={c.get('csrfToken')} token={token!} />)
  })
  app.post('/setup', async (c) => {
    const form = await formFields(c)
    if ((await users.hasAdmin()) || !(await claimSetupToken(s.db, form.token))) throw new AppError(404, 'NOT_FOUND', 'This setup link is not valid or was already used.')
    const r = await attempt(() => users.create({ username: form.username ?? '', email: form.email ?? '', password: form.password ?? '' }, { role: 'admin', actorId: null, via: 'setup link' }))
    if (!r.ok) {
      // Nothing was made: give the link back so the form can be corrected.
      await restoreSetupToken(settings, form.token!)
      return render.page(c, { title: 'Set up Hearth', status: r.problem.status as 400 }, <SetupPage csrfToken={c.get('csrfToken')} token={form.token!} values={{ username: form.username ?? '', email: form.email ?? '' }} problem={r.problem} />)
    }
    // The operator who started the server was told there is no admin yet; say that this is settled.
    s.log.info({ admin: r.value.username }, `An admin (@${r.value.username}) was created through the setup link; the "no admin yet" warning no longer applies.`)
    const session = await attempt(() => s.auth.login({ login: r.value.username, password: form.password }, 'web', requestMeta(c)))
    if (session.ok && session.value.kind === 'session') {
      setAppCookie(c, SESSION_COOKIE, session.value.session.token, { expires: new Date(session.value.session.expiresAt) })
      flash(c, 'ok', 'Your admin account is ready.')
      return c.redirect('/admin', 303)
    }
    flash(c, 'ok', 'Your admin account is ready. Log in with it.')
    return c.redirect('/login?next=%2Fadmin', 303)
  })

  return app
}
