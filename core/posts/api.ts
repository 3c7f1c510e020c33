// JSON API for posts and feeds (seed 002 section 4.1). A post the caller may not see is NOT_FOUND.
import { Hono, type Context } from 'hono'
import { jsonBody } from '../http/json.js'
import { forbidden, notFound, unauthenticated } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import { ok, paginated } from '../http/envelope.js'
import { requireMember } from '../http/middleware.js'
import { parseLimit } from '../pagination.js'
import type { Services } from '../services.js'
import { idParam } from '../http/params.js'

export function postsApi(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { posts, feed, social } = s
  const viewerId = (c: Context<AppEnv>) => c.get('viewer')?.id ?? null
  const page = (c: Context<AppEnv>) => ({ cursor: c.req.query('cursor'), limit: parseLimit(c.req.query('limit')) })
  const postId = (c: Context<AppEnv>) => idParam(c, 'id', 'That post')

  app.post('/posts', requireMember, async (c) => ok(c, await posts.create(c.get('viewer')!.id, (await jsonBody(c)) as never), 201))
  app.get('/posts/scheduled', requireMember, async (c) => ok(c, await posts.scheduled(c.get('viewer')!.id)))
  app.get('/posts/:id', async (c) => {
    const post = await posts.get(viewerId(c), postId(c))
    if (!post) throw notFound('That post')
    // The author also sees who the post is hidden from.
    if (post.author.id === viewerId(c)) return ok(c, { ...post, hidden_from: await posts.hiddenFrom(post.author.id, post.id) })
    return ok(c, post)
  })
  app.put('/posts/:id', requireMember, async (c) => ok(c, await posts.update(c.get('viewer')!.id, postId(c), await jsonBody(c))))
  app.delete('/posts/:id', requireMember, async (c) => {
    await posts.remove(c.get('viewer')!, postId(c))
    return ok(c, { deleted: true })
  })
  app.post('/posts/:id/pin', requireMember, async (c) => {
    await posts.pin(c.get('viewer')!.id, postId(c))
    return ok(c, { pinned: true })
  })
  app.delete('/posts/:id/pin', requireMember, async (c) => {
    await posts.unpin(c.get('viewer')!.id, postId(c))
    return ok(c, { pinned: false })
  })

  // Reposts: POST makes (or finds: one per member and post) the caller's plain repost, DELETE undoes it.
  app.post('/posts/:id/repost', requireMember, async (c) => {
    const { post, created } = await posts.repost(c.get('viewer')!.id, postId(c))
    return ok(c, post, created ? 201 : 200)
  })
  app.delete('/posts/:id/repost', requireMember, async (c) => {
    await posts.unrepost(c.get('viewer')!.id, postId(c))
    return ok(c, { reposted: false })
  })

  app.get('/feed/home', requireMember, async (c) => paginated(c, await feed.home(c.get('viewer')!.id, page(c))))
  app.get('/feed/explore', async (c) => paginated(c, await feed.explore(viewerId(c), page(c))))
  app.get('/feed/user/:id', async (c) => {
    const raw = c.req.param('id')
    if (raw === 'me' && !c.get('viewer')) throw unauthenticated()
    // The profile answers NOT_FOUND across a block, like a missing member.
    const author = await social.profile(viewerId(c), raw === 'me' ? c.get('viewer')!.id : raw)
    if (!author.can_see_content) throw forbidden('This account is private: follow it to see its posts.')
    return paginated(c, await posts.timeline(viewerId(c), author.id, page(c)))
  })
  app.get('/hashtags/:tag/posts', async (c) => paginated(c, await posts.byHashtag(viewerId(c), c.req.param('tag'), page(c))))
  // Staff's featured hashtags first (`featured: true`), then the rest by velocity (core/curation).
  app.get('/trending/hashtags', async (c) => ok(c, await s.curation.trending(parseLimit(c.req.query('limit'), 10, 50))))
  return app
}
