// Warnings a member reads on their next visit (filled in step 4).
import { Hono } from 'hono'
import type { AppEnv } from '../http/env.js'
import type { Services } from '../services.js'

export function warningsPages(_s: Services): Hono<AppEnv> {
  return new Hono<AppEnv>()
}
