// Web push's JSON API: the instance's public key, and turning push on or off for a browser.
import { Hono } from 'hono'
import type { AppEnv } from '../http/env.js'
import { ok } from '../http/envelope.js'
import { jsonBody } from '../http/json.js'
import { requireMember } from '../http/middleware.js'
import type { Services } from '../services.js'

export function pushApi(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  app.get('/push/key', async (c) => ok(c, { public_key: await s.push.publicKey() }))
  app.post('/push/subscriptions', requireMember, async (c) => {
    const { id } = await s.push.subscribe(c.get('viewer')!.id, await jsonBody(c), c.req.header('user-agent') ?? null)
    return ok(c, { id }, 201)
  })
  app.delete('/push/subscriptions', requireMember, async (c) => {
    await s.push.unsubscribe(c.get('viewer')!.id, (await jsonBody(c)).endpoint)
    return ok(c, { removed: true })
  })
  return app
}
