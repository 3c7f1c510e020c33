// Email's JSON API: forgotten passwords, confirming and changing the address, (the test email is in Admin → Mail, core/admin/sections/mail.tsx).
import { Hono } from 'hono'
import type { AppEnv } from '../http/env.js'
import { ok } from '../http/envelope.js'
import { jsonBody } from '../http/json.js'
import { requireMember } from '../http/middleware.js'
import type { Services } from '../services.js'
import { linkOrigin } from './pages.js'

export function mailApi(s: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>()
  const { mail } = s

  // The same answer whether or not the account exists.
  app.post('/users/password/forgot', async (c) => {
    const body = await jsonBody(c)
    await mail.requestPasswordReset(body.login, linkOrigin(c, s), c.get('ip'), body.proof)
    return ok(c, { sent: true })
  })
  app.post('/users/password/reset', async (c) => {
    const body = await jsonBody(c)
    await mail.resetPassword(body.token, body.password)
    return ok(c, { changed: true })
  })
  app.post('/users/email/confirm', async (c) => {
    await mail.confirmEmail((await jsonBody(c)).token)
    return ok(c, { confirmed: true })
  })
  app.post('/users/email/change', async (c) => {
    const { email } = await mail.confirmEmailChange((await jsonBody(c)).token)
    return ok(c, { email })
  })
  app.post('/users/me/email/confirmation', requireMember, async (c) => {
    await mail.sendConfirmation(c.get('viewer')!.id, linkOrigin(c, s))
    return ok(c, { sent: true })
  })
  app.put('/users/me/email', requireMember, async (c) => {
    const body = await jsonBody(c)
    const { pending } = await mail.requestEmailChange(c.get('viewer')!.id, { email: body.email, password: body.password }, linkOrigin(c, s))
    return ok(c, { pending })
  })
  app.get('/users/me/email-preferences', requireMember, async (c) => ok(c, await s.emails.get(c.get('viewer')!.id)))
  app.put('/users/me/email-preferences', requireMember, async (c) => ok(c, await s.emails.set(c.get('viewer')!.id, await jsonBody(c))))
  return app
}
