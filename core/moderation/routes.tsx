// The report API and the moderation queue pages. (Interface fixed; implementation in progress.)
import { Hono } from 'hono'
import type { AppEnv } from '../http/env.js'
import type { Services } from '../services.js'

export function moderationRoutes(s: Services): Hono<AppEnv> {
  void s
  return new Hono<AppEnv>()
}
