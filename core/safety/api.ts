// JSON API for blocks, mutes, privacy settings and content filters.
import { Hono, type Context } from 'hono'
import { jsonBody } from '../http/json.js'
import type { AppEnv } from '../http/env.js'
import { ok, paginated } from '../http/envelope.js'
import { requireMember } from '../http/middleware.js'
import { parseLimit } from '../pagination.js'
import type { Services } from '../services.js'

export function safetyApi(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { safety } = s
  const me = (c: Context<AppEnv>) => c.get('viewer')!.id
  const page = (c: Context<AppEnv>) => ({ cursor: c.req.query('cursor'), limit: parseLimit(c.req.query('limit')) })

  app.get('/users/me/blocks', requireMember, async (c) => paginated(c, await safety.list('blocks', me(c), page(c))))
  app.get('/users/me/mutes', requireMember, async (c) => paginated(c, await safety.list('mutes', me(c), page(c))))
  app.get('/users/me/privacy', requireMember, async (c) => ok(c, await safety.privacy(me(c))))
  app.put('/users/me/privacy', requireMember, async (c) => ok(c, await safety.setPrivacy(me(c), await jsonBody(c))))
  app.get('/users/me/filters', requireMember, async (c) => ok(c, await s.filters.get(me(c))))
  app.put('/users/me/filters', requireMember, async (c) => ok(c, await s.filters.set(me(c), await jsonBody(c))))
  app.post('/users/:id/block', requireMember, async (c) => {
    await safety.block(me(c), c.req.param('id'))
    return ok(c, { blocked: true })
  })
  app.delete('/users/:id/block', requireMember, async (c) => {
    await safety.unblock(me(c), c.req.param('id'))
    return ok(c, { blocked: false })
  })
  app.post('/users/:id/mute', requireMember, async (c) => {
    await safety.mute(me(c), c.req.param('id'))
    return ok(c, { muted: true })
  })
  app.delete('/users/:id/mute', requireMember, async (c) => {
    await safety.unmute(me(c), c.req.param('id'))
    return ok(c, { muted: false })
  })
  return app
}
