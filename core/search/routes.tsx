// Search pages (a GET form that works without JavaScript, with htmx autocomplete) and the search API.
import { Hono, type Context } from 'hono'
import type { VNode } from 'preact'
import type { AppEnv } from '../http/env.js'
import { ok, paginated } from '../http/envelope.js'
import { attempt } from '../http/forms.js'
import { parseLimit } from '../pagination.js'
import { PostList, postActions } from '../posts/views.js'
import type { Services } from '../services.js'
import { SEARCH_TYPES, type SearchType } from './inputs.js'
import { HashtagList, MemberRows, SearchPage, Suggestions, searchUrl } from './views.js'

export function searchRoutes(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { search, render, ui } = s
  const viewerId = (c: Context<AppEnv>) => c.get('viewer')?.id ?? null
  const page = (c: Context<AppEnv>) => ({ cursor: c.req.query('cursor'), limit: parseLimit(c.req.query('limit')) })

  app.get('/api/v1/search/users', async (c) => paginated(c, await search.users(viewerId(c), c.req.query('q'), page(c))))
  app.get('/api/v1/search/posts', async (c) => paginated(c, await search.posts(viewerId(c), c.req.query('q'), page(c))))
  app.get('/api/v1/search/hashtags', async (c) => ok(c, await search.hashtags(viewerId(c), c.req.query('q'), { limit: parseLimit(c.req.query('limit'), 10, 50) })))

  app.get('/search', async (c) => {
    const raw = c.req.query('q')
    const wanted = c.req.query('type')
    const type: SearchType = SEARCH_TYPES.includes(wanted as SearchType) ? (wanted as SearchType) : 'posts'
    const q = raw ?? ''
    // The first visit has no query yet: just the form.
    if (raw === undefined) return render.page(c, { title: 'Search' }, <SearchPage q="" type={type} searched={false} />)
    const cursor = c.req.query('cursor')
    // htmx's infinite scroll asks for the next page only.
    const nextPageOnly = !!c.req.header('hx-request') && !!cursor
    const more = (next: string) => searchUrl(q, type, next)
    const r = await attempt(async (): Promise<VNode> => {
      if (type === 'users') {
        const found = await search.users(viewerId(c), q, { cursor })
        if (!found.items.length && !found.nextCursor) return <p class="card muted">No members match.</p>
        const rows = <MemberRows members={found.items} next={found.nextCursor} moreUrl={more} />
        return nextPageOnly ? rows : <section class="card search-members">{rows}</section>
      }
      if (type === 'tags') {
        const tags = await search.hashtags(viewerId(c), q, { limit: 50 })
        return tags.length ? (
          <section class="card">
            <HashtagList tags={tags} />
          </section>
        ) : (
          <p class="card muted">No hashtags match.</p>
        )
      }
      const found = await search.posts(viewerId(c), q, { cursor })
      const actions = await postActions(ui, found.items, c.get('viewer'), c.get('csrfToken'))
      return <PostList posts={found.items} next={found.nextCursor} moreUrl={more} actions={actions} empty="No posts match." />
    })
    if (!r.ok) return render.page(c, { title: 'Search', status: r.problem.status }, <SearchPage q={q} type={type} error={r.problem.fields.q ?? r.problem.fields.cursor ?? r.problem.message} searched={false} />)
    if (nextPageOnly) return render.partial(c, r.value)
    return render.page(c, { title: `Search: ${q.trim()}` }, <SearchPage q={q} type={type} searched>{r.value}</SearchPage>)
  })

  // The autocomplete fragment: no layout, and never an error for what is typed.
  app.get('/search/suggest', async (c) => {
    const q = c.req.query('q') ?? ''
    const { users, hashtags } = await search.suggest(viewerId(c), q)
    return render.partial(c, <Suggestions q={q} users={users} hashtags={hashtags} />)
  })

  return app
}
