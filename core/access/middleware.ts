// The network block: every request from an address with a `no_access` block is refused before anything else runs.
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../http/env.js'
import type { AccessService } from './service.js'

/** Every request from an address with a `no_access` block is refused, but the health check. */
export function networkBlocks(access: AccessService): MiddlewareHandler<AppEnv> {
  return async function networkBlocks(c, next) {
    if (c.req.path !== '/healthz' && (await access.noAccess(c.get('ip')))) {
      return c.text('Access to this community from your network is blocked.', 403, { 'cache-control': 'no-store' })
    }
    return next()
  }
}
