// JSON API for profiles and the social graph (seed 002 section 4.1).
import { Hono, type Context } from 'hono'
import { jsonBody } from '../http/json.js'
import { forbidden } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import { ok, paginated } from '../http/envelope.js'
import { requireMember } from '../http/middleware.js'
import { parseLimit } from '../pagination.js'
import type { Services } from '../services.js'

/** `me` means the viewer; anything else is an id or a username. */
const target = (c: Context<AppEnv>) => {
  const id = c.req.param('id')!
  if (id === 'me') {
    const viewer = c.get('viewer')
    if (!viewer) return null
    return viewer.id
  }
  return id
}

export function socialApi(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { social } = s
  const page = (c: Context<AppEnv>) => ({ cursor: c.req.query('cursor'), limit: parseLimit(c.req.query('limit')) })

  app.get('/users/me/follow-requests', requireMember, async (c) => paginated(c, await social.requests(c.get('viewer')!.id, page(c))))
  for (const verb of ['accept', 'reject'] as const) {
    app.post(`/users/me/follow-requests/:requester/${verb}`, requireMember, async (c) => {
      await social.answerRequest(c.get('viewer')!.id, c.req.param('requester'), verb === 'accept')
      return ok(c, { requester: c.req.param('requester'), accepted: verb === 'accept' })
    })
  }
  app.delete('/users/me/followers/:follower', requireMember, async (c) => {
    await social.removeFollower(c.get('viewer')!.id, c.req.param('follower'))
    return ok(c, { removed: true })
  })
  app.get('/users/me/suggestions', requireMember, async (c) => ok(c, await social.suggestions(c.get('viewer')!.id, parseLimit(c.req.query('limit'), 10, 50))))

  // /users/me is the auth module's (the private account); falling through keeps that independent of mount order.
  app.get('/users/:id', async (c, next) => {
    if (c.req.param('id') === 'me') return next()
    const who = target(c)
    if (who === null) return requireMember(c, async () => {})
    const viewer = c.get('viewer')
    const profile = await social.profile(viewer?.id ?? null, who, { includeSuspended: viewer?.role === 'admin' || viewer?.role === 'moderator' })
    // Plugins decorate the public fields of a member (filter:user.public) here as on the profile page.
    const { id, username, display_name, role, verified, created_at } = profile
    const publicPart = await s.hooks.apply('filter:user.public', { id, username, display_name, role: role as 'member', verified, created_at }, { viewer })
    return ok(c, { ...profile, ...publicPart })
  })
  app.put('/users/:id', requireMember, async (c) => {
    const viewer = c.get('viewer')!
    const who = target(c)
    const own = who === viewer.id || String(who).toLowerCase() === viewer.username.toLowerCase() || String(who) === String(viewer.id)
    if (!own) throw forbidden('You can only change your own profile.')
    return ok(c, await social.updateProfile(viewer.id, await jsonBody(c)))
  })
  for (const which of ['followers', 'following'] as const) {
    app.get(`/users/:id/${which}`, async (c) => {
      const who = target(c)
      if (who === null) return requireMember(c, async () => {})
      return paginated(c, await social.list(which, c.get('viewer')?.id ?? null, who, page(c)))
    })
  }
  app.post('/users/:id/follow', requireMember, async (c) => {
    const state = await social.follow(c.get('viewer')!.id, target(c)!)
    return ok(c, { state })
  })
  app.delete('/users/:id/follow', requireMember, async (c) => {
    await social.unfollow(c.get('viewer')!.id, target(c)!)
    return ok(c, { state: 'none' })
  })
  return app
}
