// Rate limits of seed 002 section 5.3, as site settings: per member and per IP for requests, and per
// member for posting, following and liking. Answered with RATE_LIMITED and the seconds to wait.
import type { MiddlewareHandler } from 'hono'
import { clientKey, type RateLimiter } from '../auth/rate-limit.js'
import type { AppEnv } from '../http/env.js'
import type { SettingsService } from '../settings/service.js'

export type LimitedAction = 'post' | 'follow' | 'like'

const ACTIONS = {
  post: { setting: 'limits.posts_per_hour', window: 3600, noun: 'posts this hour' },
  follow: { setting: 'limits.follows_per_day', window: 86_400, noun: 'follows today' },
  like: { setting: 'limits.likes_per_day', window: 86_400, noun: 'likes today' },
} as const

/** Count one action of a member; throws RATE_LIMITED when the setting's limit is passed. */
export function actionLimits(limiter: RateLimiter, settings: SettingsService) {
  return async function limit(action: LimitedAction, userId: number): Promise<void> {
    const { setting, window, noun } = ACTIONS[action]
    limiter.hit(`${action}:user:${userId}`, await settings.get(setting), window, noun)
  }
}

/** Requests per IP (every request past static files) and per member on the API, per minute. */
export function requestLimits(limiter: RateLimiter, settings: SettingsService): MiddlewareHandler<AppEnv> {
  return async function requestLimits(c, next) {
    limiter.hit(`requests:ip:${clientKey(c.get('ip'))}`, await settings.get('limits.ip_requests_per_minute'), 60, 'requests')
    const viewer = c.get('viewer')
    if (viewer && c.req.path.startsWith('/api/')) limiter.hit(`requests:user:${viewer.id}`, await settings.get('limits.api_requests_per_minute'), 60, 'requests')
    return next()
  }
}
