// The curation folder as a core module: category pages (/explore/c/SLUG), members' interests (Settings →
// Interests), their API, and Admin → Curation.
import { Hono, type Context } from 'hono'
import type { CoreModule } from '../module.js'
import type { AppEnv } from '../http/env.js'
import { ok, paginated } from '../http/envelope.js'
import { jsonBody } from '../http/json.js'
import { requireMember } from '../http/middleware.js'
import { parseLimit } from '../pagination.js'
import { PostGrid, PostGridItems } from '../posts/views.js'
import type { Services } from '../services.js'
import { CsrfField, EmptyState, FormError } from '../views/components.js'
import { curationSection } from './section.js'
import { createCurationService, INTERESTS_MAX, type CategoryView, type CurationService } from './service.js'


/** Checkboxes of categories, one `interest_SLUG` each (the settings panel's form carries single values). */
export function InterestChoices({ categories, chosen, legend }: { categories: CategoryView[]; chosen: Set<string>; legend: string }) {
  return (
    <fieldset data-interests>
      <legend>{legend}</legend>
      <div class="onboarding-choices">
        {categories.map((k) => (
          <label class="check">
            <input type="checkbox" name={`interest_${k.slug}`} checked={chosen.has(k.slug)} /> {k.name}
          </label>
        ))}
      </div>
    </fieldset>
  )
}

/** The slugs ticked in a form of InterestChoices. */
export const interestsFrom = (form: Record<string, unknown>) =>
  Object.keys(form)
    .filter((k) => k.startsWith('interest_') && form[k] === 'on')
    .map((k) => k.slice('interest_'.length))

/** A category's name and description above its posts, with links to the others. */
function CategoryHead({ category, others }: { category: CategoryView; others: CategoryView[] }) {
  return (
    <section class="card explore-head" data-category={category.slug}>
      <p class="muted">
        <a href="/explore">Explore</a> · Category
      </p>
      <h1>{category.name}</h1>
      {category.description && <p>{category.description}</p>}
      {others.length > 0 && (
        <nav aria-label="Other categories">
          <p>
            {others.map((k) => (
              <>
                <a href={`/explore/c/${k.slug}`}>{k.name}</a>{' '}
              </>
            ))}
          </p>
        </nav>
      )}
    </section>
  )
}

export const curationModule: CoreModule = {
  name: 'curation',
  wire(s) {
    const curation = s.curation
    s.admin.addSection('core', curationSection(s, curation))
    s.ui.addSettingsPanel('core', {
      id: 'interests',
      label: 'Interests',
      order: 5,
      async render({ viewer, csrfToken, message }) {
        const categories = await curation.categories()
        const chosen = new Set((await curation.interests(viewer.id)).map((k) => k.slug))
        return (
          <section class="card stack">
            <h2>Interests</h2>
            <FormError message={message} />
            {categories.length === 0 ? (
              <p class="muted">There are no categories to choose from yet.</p>
            ) : (
              <form method="post" action="/settings/interests" class="stack">
                <CsrfField token={csrfToken} />
                <p>Explore shows you more of what you pick (at most {INTERESTS_MAX}).</p>
                <InterestChoices categories={categories} chosen={chosen} legend="Categories you are interested in" />
                <div class="actions">
                  <button type="submit">Save</button>
                </div>
              </form>
            )}
          </section>
        )
      },
      async save({ viewer, form }) {
        const list = await curation.setInterests(viewer.id, interestsFrom(form))
        return list.length ? `Explore favours ${list.map((k) => k.name).join(', ')}.` : 'You have no interests picked.'
      },
    })
  },
  pages(s) {
    const curation = s.curation
    const app = new Hono<AppEnv>()
    const PAGE = 24
    app.get('/explore/c/:slug', async (c) => {
      const slug = c.req.param('slug')
      const cursor = c.req.query('cursor')
      const { category, page } = await curation.categoryPosts(c.get('viewer')?.id ?? null, slug, { cursor, limit: PAGE })
      const more = (cur: string) => `/explore/c/${category.slug}?cursor=${cur}`
      if (c.req.header('hx-request') && cursor) return s.render.partial(c, <PostGridItems posts={page.items} next={page.nextCursor} moreUrl={more} />)
      const others = (await curation.categories()).filter((k) => k.slug !== category.slug)
      return s.render.page(
        c,
        { title: category.name },
        <>
          <CategoryHead category={category} others={others} />
          <PostGrid posts={page.items} next={page.nextCursor} moreUrl={more} empty={<EmptyState icon="compass" title={`Nothing in ${category.name} yet`} links={c.get('viewer') ? [{ href: '/compose', label: 'Share a post' }] : []}>Public posts filed under {category.name} show here.</EmptyState>} />
        </>,
      )
    })
    return app
  },
  api(s) {
    const curation = s.curation
    const app = new Hono<AppEnv>()
    const viewerId = (c: Context<AppEnv>) => c.get('viewer')?.id ?? null
    app.get('/categories', async (c) => ok(c, await curation.categories()))
    app.get('/categories/:slug', async (c) => ok(c, await curation.category(c.req.param('slug'))))
    app.get('/categories/:slug/posts', async (c) => {
      const { page } = await curation.categoryPosts(viewerId(c), c.req.param('slug'), { cursor: c.req.query('cursor'), limit: parseLimit(c.req.query('limit'), 20, 50) })
      return paginated(c, page)
    })
    app.get('/interests', requireMember, async (c) => ok(c, await curation.interests(c.get('viewer')!.id)))
    app.put('/interests', requireMember, async (c) => ok(c, await curation.setInterests(c.get('viewer')!.id, ((await jsonBody(c)) as { interests?: unknown }).interests ?? [])))
    // Explore's top: the featured posts the viewer may see, and the featured and default hashtags.
    app.get('/feed/featured', async (c) =>
      ok(c, {
        posts: await curation.featuredPosts(viewerId(c)),
        hashtags: await curation.featuredTags(),
        default_hashtags: await curation.defaultTags(),
        for_you: c.get('viewer') ? await curation.forInterests(c.get('viewer')!.id) : [],
      }),
    )
    return app
  },
}
