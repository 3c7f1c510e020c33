// JSON API for reactions, comments, bookmarks and collections.
import { Hono, type Context } from 'hono'
import { jsonBody } from '../http/json.js'
import type { AppEnv } from '../http/env.js'
import { ok, paginated } from '../http/envelope.js'
import { requireMember } from '../http/middleware.js'
import { parseLimit } from '../pagination.js'
import type { Services } from '../services.js'
import { idParam } from '../http/params.js'

const id = (c: Context<AppEnv>, name = 'id') => idParam(c, name, 'That item')

export function engagementApi(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { engagement } = s
  const me = (c: Context<AppEnv>) => c.get('viewer')!
  const page = (c: Context<AppEnv>) => ({ cursor: c.req.query('cursor'), limit: parseLimit(c.req.query('limit')) })

  for (const kind of ['like', 'dislike'] as const) {
    app.post(`/posts/:id/${kind}`, requireMember, async (c) => ok(c, await engagement.react(me(c).id, id(c), kind)))
    app.delete(`/posts/:id/${kind}`, requireMember, async (c) => ok(c, await engagement.unreact(me(c).id, id(c), kind)))
  }
  app.get('/posts/:id/likes', async (c) => paginated(c, await engagement.likers(c.get('viewer')?.id ?? null, id(c), page(c))))

  app.get('/posts/:id/comments', async (c) => paginated(c, await engagement.comments(c.get('viewer') ?? null, id(c), page(c))))
  app.post('/posts/:id/comments', requireMember, async (c) => ok(c, await engagement.comment(me(c), id(c), await jsonBody(c)), 201))
  app.put('/comments/:id', requireMember, async (c) => ok(c, await engagement.editComment(me(c), id(c), await jsonBody(c))))
  app.delete('/comments/:id', requireMember, async (c) => {
    await engagement.deleteComment(me(c), id(c))
    return ok(c, { deleted: true })
  })
  app.post('/comments/:id/like', requireMember, async (c) => ok(c, await engagement.likeComment(me(c).id, id(c), true)))
  app.delete('/comments/:id/like', requireMember, async (c) => ok(c, await engagement.likeComment(me(c).id, id(c), false)))

  app.post('/posts/:id/bookmark', requireMember, async (c) => ok(c, await engagement.bookmark(me(c).id, id(c), true)))
  app.delete('/posts/:id/bookmark', requireMember, async (c) => ok(c, await engagement.bookmark(me(c).id, id(c), false)))
  app.get('/users/me/bookmarks', requireMember, async (c) => paginated(c, await engagement.bookmarks(me(c).id, page(c))))

  app.get('/collections', async (c) => {
    const owner = c.req.query('user')
    const viewer = c.get('viewer')
    if (!owner && !viewer) return requireMember(c, async () => {})
    const ownerId = owner ? (await s.social.profile(viewer?.id ?? null, owner)).id : viewer!.id
    return ok(c, await engagement.collectionsOf(viewer?.id ?? null, ownerId))
  })
  app.post('/collections', requireMember, async (c) => ok(c, await engagement.createCollection(me(c).id, await jsonBody(c)), 201))
  app.get('/collections/shared/:token', async (c) => {
    const r = await engagement.collection(c.get('viewer')?.id ?? null, { token: c.req.param('token') }, page(c))
    return ok(c, { ...r.collection, posts: r.posts.items, pagination: { next_cursor: r.posts.nextCursor, has_more: r.posts.nextCursor !== null } })
  })
  app.get('/collections/:id', async (c) => {
    const r = await engagement.collection(c.get('viewer')?.id ?? null, { id: id(c) }, page(c))
    return ok(c, { ...r.collection, posts: r.posts.items, pagination: { next_cursor: r.posts.nextCursor, has_more: r.posts.nextCursor !== null } })
  })
  app.put('/collections/:id', requireMember, async (c) => ok(c, await engagement.updateCollection(me(c).id, id(c), await jsonBody(c))))
  app.delete('/collections/:id', requireMember, async (c) => {
    await engagement.deleteCollection(me(c).id, id(c))
    return ok(c, { deleted: true })
  })
  app.post('/collections/:id/posts/:post', requireMember, async (c) => {
    await engagement.collect(me(c).id, id(c), id(c, 'post'), true)
    return ok(c, { added: true })
  })
  app.delete('/collections/:id/posts/:post', requireMember, async (c) => {
    await engagement.collect(me(c).id, id(c), id(c, 'post'), false)
    return ok(c, { removed: true })
  })
  return app
}
