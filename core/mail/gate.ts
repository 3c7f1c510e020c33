// With `registration.email_confirmation` set to required, a member who has not confirmed their address can read
// but not write: every state-changing request answers 403 until they use the emailed link.
import type { MiddlewareHandler } from 'hono'
import { AppError } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import type { MailService } from './service.js'

/** What such a member may still do: log out, confirm or fix their address, reset their password. */
const ALLOWED = /^\/(logout|email\/|password\/|settings\/(account|password|email|emails)$|api\/v1\/users\/(logout|email\/|password\/|me\/email))/

export function confirmedEmail(mail: MailService): MiddlewareHandler<AppEnv> {
  return async function confirmedEmail(c, next) {
    const account = c.get('account')
    const method = c.req.method
    if (!account || account.email_verified_at || method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || ALLOWED.test(c.req.path)) return next()
    if (await mail.mustConfirm(account)) {
      throw new AppError(403, 'EMAIL_UNCONFIRMED', `Confirm your email address first: use the link we sent to ${account.email} (Settings → Account sends a new one).`)
    }
    return next()
  }
}
