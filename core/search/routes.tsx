// Search pages (with htmx autocomplete) and API. (Interface fixed; implementation in progress.)
import { Hono } from 'hono'
import type { AppEnv } from '../http/env.js'
import type { Services } from '../services.js'

export function searchRoutes(s: Services): Hono<AppEnv> {
  void s
  return new Hono<AppEnv>()
}
